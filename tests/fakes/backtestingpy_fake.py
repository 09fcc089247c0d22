#!/usr/bin/env python3
"""A protocol-faithful fake of the btrouter Backtesting.py service, for adapter tests.

  backtestingpy_fake.py --listen 127.0.0.1:0 --port-file PATH [--run-seconds 0.2]
                        [--fault MODE] [--delay-s X] [--workers N] [--reference-dir DIR]

Faithful to: the whole HTTP layer, because it *is* the service's HTTP layer
(adapters/backtestingpy/service/http_app.py, validation, job registry, workers, cancel,
history, errors, limits, --listen/--port-file/SIGTERM), and to the results of the runs recorded
from the real library in tests/parity/reference/<case>/ (meta.json, stats.json, trades.csv,
open_trades.csv, equity.csv), converted into exactly the contract's ``result`` shape (floats
are parsed from repr-exact text, so they are the library's doubles).

Not faithful to: anything else. It runs no backtest: a request is answered only when it
matches a recording -- same strategy, same params (catalogue defaults filled on both sides),
same settings (commission as (fixed, relative)), same bar count and the same first bar time as
the recording's equity.csv (only cases with equity.csv are replayable); prices are not compared.
Other requests end ``failed`` (code internal, "no recording matches ..."). Progress advances in
10 steps over --run-seconds, not with bars. /health says library_version "0.6.6 (replay)".

Fault injection, at start (--fault, --delay-s) or at runtime (POST /_fault {"mode", "delay_s"}):
  none; slow (every contract answer delayed by delay_s); error500 (every contract endpoint
  answers 500 internal); malformed (GET /backtest/results answers 200 with a truncated body);
  never_finish (jobs stay running at progress 0.5 until cancelled); fail_job (jobs end failed,
  code internal); reject (POST /backtest/run answers 400 invalid_argument, field "strategy");
  drop (POST /backtest/run is accepted, then the connection is closed without an answer);
  drop_unaccepted (POST /backtest/run is closed without an answer and nothing is accepted);
  forget (every job is forgotten as soon as it is accepted, as after a restart: results 404).
GET /_calls answers {"calls": [{"method", "path"}, ...]}: every contract request received, in
order, path as sent (with its query). POST /_reset clears the calls and the fault.
"""
from __future__ import annotations

import calendar
import csv
import datetime
import json
import math
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'adapters', 'backtestingpy', 'service'))

import http_app  # noqa: E402
import params  # noqa: E402
from jobs import CancelledRun  # noqa: E402
from validation import DEFAULT_SETTINGS, ApiError, invalid  # noqa: E402

REFERENCE_DIR = os.path.join(REPO, 'tests', 'parity', 'reference')
FAULT_MODES = ('none', 'slow', 'error500', 'malformed', 'never_finish', 'fail_job', 'reject',
               'drop', 'drop_unaccepted', 'forget')
COMPARED = ('strategy, params (catalogue defaults filled), settings (' + ', '.join(DEFAULT_SETTINGS)
            + '), bar count and first bar time')


# ------------------------------------------------------------------ recordings

def iso_to_ns(text: str) -> int:
    """'YYYY-MM-DDTHH:MM:SS[.fraction]' (naive = UTC) -> ns since the epoch."""
    whole, _, frac = text.partition('.')
    dt = datetime.datetime.fromisoformat(whole)
    return calendar.timegm(dt.timetuple()) * 10**9 + int((frac + '000000000')[:9])


def _opt(conv):
    return lambda text: None if text == '' else conv(text)


def _size(text: str):
    try:
        return int(text)
    except ValueError:
        return float(text)


_TRADE_FIELDS = {'size': _size, 'entry_bar': _opt(int), 'exit_bar': _opt(int),
                 'entry_price': _opt(float), 'exit_price': _opt(float), 'sl': _opt(float),
                 'tp': _opt(float), 'pnl': _opt(float), 'return_pct': _opt(float),
                 'commission': _opt(float), 'entry_time': _opt(str), 'exit_time': _opt(str),
                 'tag': _opt(str)}


def read_trades(path: str) -> list:
    """trades.csv / open_trades.csv rows as contract trade objects ([] when absent)."""
    if not os.path.exists(path):
        return []
    with open(path, newline='') as f:
        return [{k: conv(row[k]) for k, conv in _TRADE_FIELDS.items()} for row in csv.DictReader(f)]


def settings_of(kwargs: dict) -> dict:
    """meta.json backtest_kwargs as the contract's settings (all keys)."""
    commission = kwargs.get('commission', 0.0)
    fixed, relative = commission if isinstance(commission, list) else (0.0, commission)
    out = dict(DEFAULT_SETTINGS)
    out.update({k: v for k, v in kwargs.items() if k in DEFAULT_SETTINGS and k != 'commission'})
    out.update(commission=relative, commission_fixed=fixed)
    return out


class Recording:
    """One replayable reference case; its result is read on first use."""

    def __init__(self, case_dir: str):
        self.dir = case_dir
        with open(os.path.join(case_dir, 'meta.json')) as f:
            self.meta = json.load(f)
        self.id = self.meta['id']
        self.strategy = self.meta['strategy']
        self.params = params.with_defaults(self.strategy, self.meta['params'])
        self.settings = settings_of(self.meta['backtest_kwargs'])
        self.bars = self.meta['bars']
        with open(os.path.join(case_dir, 'equity.csv'), newline='') as f:
            self.first_time = iso_to_ns(next(csv.DictReader(f))['time'])
        self._result = None
        self._lock = threading.Lock()

    def matches(self, request) -> bool:
        return (request.strategy == self.strategy
                and params.with_defaults(request.strategy, request.params) == self.params
                and request.settings == self.settings and request.bars == self.bars
                and request.data['time'][0] == self.first_time)

    def result(self) -> dict:
        with self._lock:
            if self._result is None:
                self._result = self._load()
            return self._result

    def _load(self) -> dict:
        with open(os.path.join(self.dir, 'stats.json')) as f:
            stats = json.load(f)
        with open(os.path.join(self.dir, 'equity.csv'), newline='') as f:
            equity = [float(row['equity']) for row in csv.DictReader(f)]
        return {'stats': stats,
                'trades': read_trades(os.path.join(self.dir, 'trades.csv')),
                'open_trades': read_trades(os.path.join(self.dir, 'open_trades.csv')),
                'equity': equity,
                'warmup_bars': self.meta['warmup_bar_W'],
                'warnings': self.meta['warnings']}


def load_recordings(reference_dir: str = REFERENCE_DIR) -> list:
    """Every case directory with meta.json and equity.csv, sorted by id."""
    found = []
    for name in sorted(os.listdir(reference_dir)):
        case_dir = os.path.join(reference_dir, name)
        if all(os.path.exists(os.path.join(case_dir, f)) for f in ('meta.json', 'equity.csv')):
            found.append(Recording(case_dir))
    return found


# ------------------------------------------------------------------ faults and replay

class Faults:
    """The current fault and the log of contract calls (thread-safe)."""

    def __init__(self, mode: str = 'none', delay_s: float = 0.0):
        self._lock = threading.Lock()
        self.mode, self.delay_s, self.calls = mode, delay_s, []

    def set(self, mode=None, delay_s=None) -> dict:
        with self._lock:
            if mode is not None:
                self.mode = mode
            if delay_s is not None:
                self.delay_s = float(delay_s)
            return {'mode': self.mode, 'delay_s': self.delay_s}

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.calls.append({'method': method, 'path': path})

    def reset(self) -> dict:
        with self._lock:
            self.calls = []
        return self.set('none', 0.0)


class NoRecording(Exception):
    """The request matches no recorded run."""


class ReplayRunner:
    """The runner of jobs.py answering recorded results, with the job-level faults."""

    def __init__(self, recordings: list, faults: Faults, run_seconds: float):
        self.recordings, self.faults, self.run_seconds = recordings, faults, run_seconds

    def _pause(self, seconds: float, is_cancelled) -> None:
        end = time.monotonic() + seconds
        while True:
            if is_cancelled():
                raise CancelledRun()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.01))

    def __call__(self, request, progress, is_cancelled) -> dict:
        for step in range(1, 11):
            if self.faults.mode == 'never_finish':
                progress(0.5)
                while True:
                    self._pause(0.05, is_cancelled)
            if self.faults.mode == 'fail_job':
                raise RuntimeError('injected fault: fail_job')
            self._pause(self.run_seconds / 10, is_cancelled)
            if step == 10:
                break
            progress(step / 10)
        for rec in self.recordings:
            if rec.matches(request):
                return rec.result()
        first = request.data['time'][0]
        raise NoRecording(
            f'no recording matches this request (compared {COMPARED} against '
            f'{len(self.recordings)} replayable recordings: '
            + ', '.join(r.id for r in self.recordings)
            + f'); request: strategy={request.strategy} bars={request.bars} first_time={first}')


class FakeApp(http_app.ServiceApp):
    """The service's app with a replay runner, fault injection and a call log."""

    def __init__(self, recordings: list, faults: Faults, run_seconds: float = 0.2,
                 pandas_version: str = 'unknown', **options):
        self.faults = faults
        engine = http_app.Engine(runner=ReplayRunner(recordings, faults, run_seconds),
                                 library_version='0.6.6 (replay)', pandas_version=pandas_version)
        super().__init__(engine, **options)

    def dispatch(self, req):
        if req.path in ('/_fault', '/_calls', '/_reset'):
            return self.control(req)
        self.faults.record(req.method, req.target)
        mode, delay_s = self.faults.mode, self.faults.delay_s
        if mode == 'slow' and delay_s > 0:
            time.sleep(delay_s)
        if mode == 'error500':
            raise ApiError(500, 'internal', 'injected fault: error500')
        is_run = req.method == 'POST' and req.path == '/backtest/run'
        if mode == 'reject' and is_run:
            raise invalid('strategy', 'injected fault: reject')
        if mode == 'drop_unaccepted' and is_run:
            return http_app.DROP
        resp = super().dispatch(req)
        if mode == 'forget' and is_run and resp.status == 202:
            self.forget(json.loads(resp.body)['id'])
        if mode == 'drop' and is_run:
            return http_app.DROP
        if (mode == 'malformed' and req.method == 'GET' and resp.status == 200
                and req.path.startswith('/backtest/results/')):
            resp.body = resp.body[:max(1, len(resp.body) // 2)]
        return resp

    def forget(self, job_id: str) -> None:
        """Drops the job as a restart would: stopped, and gone from results and history."""
        registry = self.registry
        with registry._cond:  # the fake reaches into the registry it shares with the service
            job = registry._jobs.pop(job_id, None)
            if job is not None:
                job.cancel_requested.set()
                if job in registry._queue:
                    registry._queue.remove(job)

    def control(self, req):
        allowed = {'/_fault': 'POST', '/_calls': 'GET', '/_reset': 'POST'}[req.path]
        if req.method != allowed:
            resp = http_app.Response.error(ApiError(
                405, 'method_not_allowed', f'{req.method} is not allowed on {req.path}'))
            resp.headers['Allow'] = allowed
            return resp
        if req.path == '/_calls':
            with self.faults._lock:
                return http_app.Response.json(200, {'calls': list(self.faults.calls)})
        if req.path == '/_reset':
            return http_app.Response.json(200, self.faults.reset())
        doc = req.read_json(1 << 16)
        if not isinstance(doc, dict):
            raise invalid(None, 'expected {"mode": ..., "delay_s": ...}')
        mode, delay_s = doc.get('mode'), doc.get('delay_s')
        if mode is not None and mode not in FAULT_MODES:
            raise invalid('mode', 'expected one of ' + ', '.join(FAULT_MODES))
        if delay_s is not None and not (isinstance(delay_s, (int, float))
                                        and not isinstance(delay_s, bool)
                                        and math.isfinite(delay_s) and delay_s >= 0):
            raise invalid('delay_s', 'expected a number >= 0')
        return http_app.Response.json(200, self.faults.set(mode, delay_s))


def manifest_pandas(reference_dir: str) -> str:
    try:
        with open(os.path.join(reference_dir, 'MANIFEST.json')) as f:
            return json.load(f).get('pandas', 'unknown')
    except (OSError, ValueError):
        return 'unknown'


def main(argv=None) -> int:
    ap = http_app.build_arg_parser('Fake btrouter Backtesting.py service (replays recordings)')
    ap.add_argument('--run-seconds', type=float, default=0.2,
                    help='how long a replayed run takes (default 0.2)')
    ap.add_argument('--fault', choices=FAULT_MODES, default='none', help='initial fault mode')
    ap.add_argument('--delay-s', type=float, default=0.0, help='delay of the slow mode')
    ap.add_argument('--reference-dir', default=REFERENCE_DIR, help='recorded runs')
    args = ap.parse_args(argv)
    app = FakeApp(load_recordings(args.reference_dir), Faults(args.fault, args.delay_s),
                  run_seconds=args.run_seconds,
                  pandas_version=manifest_pandas(args.reference_dir),
                  **http_app.app_options(args))
    return http_app.serve(app, args, name='btrouter-backtestingpy-fake')


if __name__ == '__main__':
    sys.exit(main())
