"""Shared helpers for the Backtesting.py service tests (adapters/backtestingpy/service).

Two groups of tests use them:
  * HTTP-layer tests (always run): the service's app in-process (``running_app``) with a
    deterministic ``ScriptedRunner``; the ``client`` fixture is such an app, and the fake's
    tests (test_fake.py) run tests/fakes/backtestingpy_fake.py the same way;
  * real-library tests (marked ``needs_library``): the real service as a subprocess. They run
    when ``backtesting`` is importable, or when $BTR_BACKTESTING_SRC names a backtesting.py
    0.6.6 source tree; then this file puts that tree on sys.path with the parity generator's
    helpers (a ``backtesting._plotting`` stub when bokeh is missing, the pandas < 2.2
    resample-alias shim) and the service subprocess is started through run_from_source.py.
Sample data come from $BTR_SHARED_DIR (default: ../shared next to the repository).
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # nothing of the service lands in __pycache__

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SERVICE_DIR = os.path.join(REPO, 'adapters', 'backtestingpy', 'service')
FAKE = os.path.join(REPO, 'tests', 'fakes', 'backtestingpy_fake.py')
REFERENCE_DIR = os.path.join(REPO, 'tests', 'parity', 'reference')
SHARED_DIR = os.environ.get('BTR_SHARED_DIR') or os.path.join(REPO, '..', 'shared')
for path in (SERVICE_DIR, os.path.join(REPO, 'tests', 'fakes'), os.path.join(REPO, 'tests', 'parity')):
    if path not in sys.path:
        sys.path.insert(0, path)

import pytest  # noqa: E402

import http_app  # noqa: E402
from jobs import CancelledRun  # noqa: E402

FINAL = ('done', 'failed', 'cancelled')
SKIP_REASON = ('backtesting library not importable: pip install -r '
               'adapters/backtestingpy/service/requirements.txt, or set BTR_BACKTESTING_SRC to a '
               'backtesting.py 0.6.6 source tree')
BACKTESTING_SRC = os.environ.get('BTR_BACKTESTING_SRC')


def _library_available() -> bool:
    if BACKTESTING_SRC:
        import make_reference
        make_reference.setup_backtesting(BACKTESTING_SRC)
        make_reference.install_resample_shim()
        return True
    try:
        import backtesting  # noqa: F401
    except ImportError:
        return False
    return True


LIBRARY = _library_available()
needs_library = pytest.mark.skipif(not LIBRARY, reason=SKIP_REASON)


def pytest_unconfigure(config):
    """pytest caches this file's rewritten bytecode before it runs; take that back out."""
    cache = os.path.join(HERE, '__pycache__')
    if os.path.isdir(cache):
        for name in os.listdir(cache):
            if name.startswith('conftest.') and name.endswith('.pyc'):
                os.remove(os.path.join(cache, name))
        with contextlib.suppress(OSError):
            os.rmdir(cache)


# ------------------------------------------------------------------ HTTP client

class Client:
    """A tiny JSON client; one connection per call unless `conn` is given."""

    def __init__(self, port: int, host: str = '127.0.0.1'):
        self.host, self.port = host, port

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(self, method: str, path: str, body=None, headers=None, conn=None):
        """(status, headers, decoded JSON or None, raw body)."""
        own = conn is None
        conn = conn or self.connection()
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            hdrs = {'Content-Type': 'application/json', **(headers or {})}
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = None
            return resp.status, dict(resp.getheaders()), doc, raw
        finally:
            if own:
                conn.close()

    def get(self, path, **kw):
        return self.call('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.call('POST', path, body, **kw)

    def delete(self, path, **kw):
        return self.call('DELETE', path, **kw)

    def submit(self, body) -> str:
        status, _, doc, raw = self.post('/backtest/run', body)
        assert status == 202, raw
        return doc['id']

    def job(self, job_id: str) -> dict:
        status, _, doc, raw = self.get(f'/backtest/results/{job_id}')
        assert status == 200, raw
        return doc

    def wait(self, job_id: str, until=FINAL, timeout: float = 60) -> dict:
        """Poll until the job's status is in `until` (or, if a float, progress >= it)."""
        end = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if (job['status'] in until if not isinstance(until, float)
                    else job['progress'] >= until or job['status'] in FINAL):
                return job
            if time.monotonic() > end:
                raise AssertionError(f'job {job_id} still {job["status"]} after {timeout}s: {job}')
            time.sleep(0.01)


@contextlib.contextmanager
def running_app(app):
    """Serve `app` on an ephemeral port in this process; yields a Client."""
    server = http_app.Server(('127.0.0.1', 0), app)
    app.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.01},
                              daemon=True)
    thread.start()
    try:
        yield Client(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        app.stop(timeout=5)


@contextlib.contextmanager
def service_process(argv: list, tmp_path, env=None, timeout: float = 60):
    """Start `argv` + --listen 127.0.0.1:0 --port-file; yields (process, Client)."""
    port_file = os.path.join(str(tmp_path), f'port-{time.monotonic_ns()}')
    full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1', **(env or {}))
    proc = subprocess.Popen(argv + ['--listen', '127.0.0.1:0', '--port-file', port_file],
                            env=full_env, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                raise AssertionError(f'service exited with {proc.returncode}: {proc.stderr.read()}')
            if time.monotonic() > end:
                raise AssertionError(f'no port file after {timeout}s')
            time.sleep(0.02)
        with open(port_file) as f:
            yield proc, Client(int(f.read()))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stderr.close()


def real_service_argv() -> list:
    if BACKTESTING_SRC:
        return [sys.executable, os.path.join(HERE, 'run_from_source.py')]
    return [sys.executable, os.path.join(SERVICE_DIR, 'run')]


# ------------------------------------------------------------------ in-process app

class ScriptedRunner:
    """Reports progress 0.5, waits for `release` (set by default), then answers or raises `fail`."""

    def __init__(self):
        self.release = threading.Event()
        self.release.set()
        self.fail = None
        self.lock = threading.Lock()
        self.active = self.max_active = 0

    def __call__(self, request, progress, is_cancelled):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            progress(0.5)
            while not self.release.wait(0.005):
                if is_cancelled():
                    raise CancelledRun()
            if self.fail is not None:
                raise self.fail
            return {'stats': {'Bars': request.bars},
                    'trades': [], 'open_trades': [], 'equity': list(request.data['close']),
                    'warmup_bars': 0, 'warnings': [],
                    'echo': {'params': request.params, 'settings': request.settings}}
        finally:
            with self.lock:
                self.active -= 1


def make_app(runner, **options):
    engine = http_app.Engine(runner=runner, library_version='9.9.9', pandas_version='1.2.3')
    return http_app.ServiceApp(engine, **options)


@pytest.fixture
def runner():
    return ScriptedRunner()


@pytest.fixture
def client(runner):
    with running_app(make_app(runner, max_body_bytes=1 << 20, max_bars=1000)) as c:
        yield c


def assert_error(answer, status, code, field=None):
    got_status, headers, doc, raw = answer
    assert got_status == status, raw
    assert headers['Content-Type'] == 'application/json'
    assert set(doc) == {'error'} and set(doc['error']) == {'code', 'message', 'field'}, doc
    assert doc['error']['code'] == code, doc
    assert doc['error']['field'] == field, doc
    assert 'Traceback' not in raw.decode() and 'File "' not in raw.decode()
    return doc['error']['message']


# ------------------------------------------------------------------ data

def tiny_data(n: int = 5, t0: int = 1_700_000_000 * 10**9, step: int = 60 * 10**9) -> dict:
    close = [100.0 + (i % 7) - (i % 3) * 0.5 for i in range(n)]
    return {'time': [t0 + i * step for i in range(n)], 'open': close[:], 'high': [c + 1 for c in close],
            'low': [c - 1 for c in close], 'close': close, 'volume': [1000] * n}


def tiny_body(n: int = 5, strategy: str = 'buy_and_hold', **extra) -> dict:
    return {'strategy': strategy, 'data': tiny_data(n), **extra}


def shared_data_path(name: str) -> str:
    return os.path.join(SHARED_DIR, 'data', name)


def load_bars(name: str) -> dict:
    """A sample-data CSV (index,Open,High,Low,Close,Volume) as the contract's data object."""
    path = shared_data_path(name)
    if not os.path.exists(path):
        pytest.skip(f'sample data {path} not found (set BTR_SHARED_DIR)')
    data = {k: [] for k in ('time', 'open', 'high', 'low', 'close', 'volume')}
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            when = datetime.datetime.fromisoformat(row[''])
            data['time'].append(int(when.replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**9
                                + when.microsecond * 1000)
            for key in ('open', 'high', 'low', 'close', 'volume'):
                data[key].append(float(row[key.capitalize()]))
    return data


def recorded_body(meta: dict, data: dict) -> dict:
    """The POST /backtest/run body of a parity case (meta.json) on its data."""
    import backtestingpy_fake
    return {'strategy': meta['strategy'], 'params': meta['params'],
            'settings': backtestingpy_fake.settings_of(meta['backtest_kwargs']), 'data': data}


def read_meta(case: str) -> dict:
    with open(os.path.join(REFERENCE_DIR, case, 'meta.json')) as f:
        return json.load(f)
