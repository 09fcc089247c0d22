"""The HTTP side of the btrouter Backtesting.py service (stdlib only; never imports backtesting).

Implements every endpoint of the contract in docs/engines/backtestingpy.md on a
``ThreadingHTTPServer`` (HTTP/1.1, keep-alive). The backtests themselves are run by the
*engine*'s runner (``Engine.runner``, see jobs.py for its contract): runner.py provides the real
one around the backtesting library, tests/fakes/backtestingpy_fake.py a replay of recorded runs.

Contract of this module:
  * ``GET /health``, ``GET /strategies``, ``POST /backtest/run``, ``GET /backtest/results/{id}``,
    ``GET /backtest/history?limit=N&run_key=K`` (limit: default 50, at most 500, larger values
    clamped; run_key: only the jobs submitted with that key),
    ``DELETE /backtest/{id}`` answer as the contract says; a known path with another method
    answers 405, anything else 404.
  * Every error is ``{"error": {"code", "message", "field"}}`` with no stack trace; unexpected
    exceptions answer 500 ``internal`` and their traceback goes to stderr.
  * Request bodies: ``Content-Length`` is required (chunked bodies are refused) and checked
    against the limit before anything is read (413); the body must be a JSON object (NaN and
    Infinity literals are not JSON). Validation: validation.py.
  * ``ServiceApp.dispatch(request) -> Response | DROP`` is the single routing point; subclasses
    (the test fake) may wrap it. ``DROP`` closes the connection without an answer.
  * ``main(argv, engine_factory)``: options ``--listen HOST:PORT`` (port 0 = ephemeral),
    ``--port-file PATH`` (the bound port, written atomically once listening), ``--workers N``
    (2), ``--max-body-mb N`` (256), ``--max-bars N`` (5,000,000), ``--log-requests``.
    SIGTERM/SIGINT stop it cleanly: no new connections, running jobs cancelled, exit 0.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import params
from jobs import CancelledRun, InvalidRun, Job, JobRegistry, RegistryFull, WorkerPool  # noqa: F401
from jobs import describe_exception
from validation import ApiError, invalid, parse_run_request

SERVICE = 'btrouter-backtestingpy'
SERVICE_VERSION = '1.0.0'
HISTORY_DEFAULT, HISTORY_MAX = 50, 500
JOB_CAPACITY = 500
DROP = object()  # dispatch answer: close the connection without writing anything


@dataclass
class Engine:
    """What runs the backtests, and the versions /health reports for it."""
    runner: Callable
    library_version: str
    pandas_version: str
    library: str = 'backtesting'


class Response:
    def __init__(self, status: int, body: bytes = b'', headers: dict | None = None):
        self.status, self.body, self.headers = status, body, dict(headers or {})

    @classmethod
    def json(cls, status: int, doc) -> 'Response':
        text = doc if isinstance(doc, str) else json.dumps(doc, allow_nan=False)
        return cls(status, text.encode(), {'Content-Type': 'application/json'})

    @classmethod
    def error(cls, err: ApiError) -> 'Response':
        return cls.json(err.status, err.body())


def _reject_constant(name):
    raise ValueError(f'{name} is not a JSON value')


class Request:
    """One request as the app sees it; the body is read on demand, at most once."""

    def __init__(self, handler: BaseHTTPRequestHandler):
        self.method = handler.command
        self.target = handler.path
        split = urlsplit(handler.path)
        self.path = split.path
        self.query = parse_qs(split.query)
        self.headers = handler.headers
        self._rfile = handler.rfile
        self.body_read = False

    def has_unread_body(self) -> bool:
        if self.body_read:
            return False
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            return True
        return self.headers.get('Content-Length', '0').strip() not in ('', '0')

    def read_body(self, max_bytes: int) -> bytes:
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            raise invalid(None, 'chunked request bodies are not supported; send Content-Length')
        text = self.headers.get('Content-Length')
        if text is None:
            raise invalid(None, 'Content-Length is required')
        try:
            length = int(text)
            if length < 0:
                raise ValueError
        except ValueError:
            raise invalid(None, f'invalid Content-Length {text!r}') from None
        if length > max_bytes:
            raise ApiError(413, 'payload_too_large',
                           f'the body has {length} bytes; the limit is {max_bytes} bytes')
        body = self._rfile.read(length)
        self.body_read = True
        if len(body) != length:
            raise invalid(None, f'the body ended after {len(body)} of {length} bytes')
        return body

    def read_json(self, max_bytes: int):
        body = self.read_body(max_bytes)
        if not body.strip():
            raise invalid(None, 'the body is empty; expected a JSON object')
        try:
            return json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise invalid(None, f'the body is not valid JSON: {exc}') from None


_RESERVED = r'(?!(?:run|history|results)$)'
ROUTES = (
    (re.compile(r'/health'), {'GET': 'health'}),
    (re.compile(r'/strategies'), {'GET': 'strategies'}),
    (re.compile(r'/backtest/run'), {'POST': 'submit'}),
    (re.compile(r'/backtest/history'), {'GET': 'history'}),
    (re.compile(r'/backtest/results/([^/]+)'), {'GET': 'results'}),
    (re.compile(r'/backtest/' + _RESERVED + r'([^/]+)'), {'DELETE': 'cancel'}),
)


class ServiceApp:
    """Routes, the job registry and the worker pool of one service instance."""

    def __init__(self, engine: Engine, workers: int = 2, max_body_bytes: int = 256 << 20,
                 max_bars: int = 5_000_000, capacity: int = JOB_CAPACITY,
                 log_requests: bool = False):
        self.engine = engine
        self.workers = workers
        self.max_body_bytes = max_body_bytes
        self.max_bars = max_bars
        self.log_requests = log_requests
        self.registry = JobRegistry(capacity)
        self.pool = WorkerPool(self.registry, engine.runner, workers)

    def start(self) -> None:
        self.pool.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.registry.close()
        self.pool.join(timeout)

    # ---- dispatch
    def handle(self, req: Request):
        """dispatch() with every failure turned into a JSON error answer."""
        try:
            return self.dispatch(req)
        except ApiError as err:
            return Response.error(err)
        except Exception as exc:  # noqa: BLE001 - never let a stack trace reach the client
            sys.stderr.write(f'{req.method} {req.target} failed:\n' + traceback.format_exc())
            sys.stderr.flush()
            return Response.error(ApiError(500, 'internal',
                                           'internal error: ' + describe_exception(exc)))

    def dispatch(self, req: Request):
        for pattern, methods in ROUTES:
            m = pattern.fullmatch(req.path)
            if m is None:
                continue
            name = methods.get(req.method)
            if name is None:
                allowed = ', '.join(methods)
                err = ApiError(405, 'method_not_allowed',
                               f'{req.method} is not allowed on {req.path} (allowed: {allowed})')
                resp = Response.error(err)
                resp.headers['Allow'] = allowed
                return resp
            return getattr(self, name)(req, *m.groups())
        raise ApiError(404, 'not_found', f'no such endpoint: {req.method} {req.path}')

    # ---- endpoints
    def health(self, req: Request) -> Response:
        running, queued = self.registry.counts()
        return Response.json(200, {
            'status': 'ok', 'service': SERVICE, 'service_version': SERVICE_VERSION,
            'library': self.engine.library, 'library_version': self.engine.library_version,
            'python': platform.python_version(), 'pandas': self.engine.pandas_version,
            'workers': self.workers, 'running': running, 'queued': queued})

    def strategies(self, req: Request) -> Response:
        return Response.json(200, {'strategies': params.describe()})

    def submit(self, req: Request) -> Response:
        request = parse_run_request(req.read_json(self.max_body_bytes), self.max_bars)
        job = Job(request, self.engine.library_version, SERVICE_VERSION)
        try:
            job, created = self.registry.submit(job)
        except RegistryFull as exc:
            raise ApiError(500, 'internal', f'service busy: {exc}') from None
        if not created:  # the same run_key again: the first job's answer, nothing re-run
            return Response.json(200, {'id': job.id, 'status': job.status, 'existing': True})
        return Response.json(202, {'id': job.id, 'status': 'queued'})

    def results(self, req: Request, job_id: str) -> Response:
        text = self.registry.render(job_id)
        if text is None:
            raise ApiError(404, 'not_found', f'no backtest {job_id!r}')
        return Response.json(200, text)

    def history(self, req: Request) -> Response:
        limit = HISTORY_DEFAULT
        if 'limit' in req.query:
            text = req.query['limit'][-1]
            try:
                limit = int(text)
                if limit < 1:
                    raise ValueError
            except ValueError:
                raise invalid('limit', f'expected a positive integer, got {text!r}') from None
        run_key = req.query['run_key'][-1] if 'run_key' in req.query else None
        return Response.json(200, {'backtests': self.registry.history(min(limit, HISTORY_MAX),
                                                                      run_key)})

    def cancel(self, req: Request, job_id: str) -> Response:
        outcome = self.registry.cancel(job_id)
        if outcome is None:
            raise ApiError(404, 'not_found', f'no backtest {job_id!r}')
        if outcome == 'forgotten':
            return Response(204)
        return Response.json(202, {'id': job_id, 'status': 'cancelling'})


_STATUS_CODES = {400: 'invalid_argument', 404: 'not_found', 405: 'method_not_allowed',
                 413: 'payload_too_large'}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = f'{SERVICE}/{SERVICE_VERSION}'
    timeout = 120  # seconds without progress on a socket read or write
    wbufsize = 1 << 16  # headers and a small body leave in one segment (flushed per request)
    disable_nagle_algorithm = True  # and a large one without delayed-ACK stalls

    def _serve(self):
        app = self.server.app
        req = Request(self)
        resp = app.handle(req)
        if resp is DROP:
            self.close_connection = True
            return
        if not req.has_unread_body():
            self._write(resp)
            return
        self.close_connection = True
        self._write(resp)
        self._linger()

    def _linger(self, seconds: float = 2.0, max_bytes: int = 64 << 20):
        """Close after an answer given before the body was read (413, 404, ...): send FIN and
        drain what the client still sends for a moment, so that closing with unread data does
        not reset the connection before the client has read the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            end = time.monotonic() + seconds
            drained = 0
            while drained < max_bytes and time.monotonic() < end:
                self.connection.settimeout(max(0.01, end - time.monotonic()))
                chunk = self.connection.recv(1 << 16)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass

    def handle_expect_100(self):
        """Refuse an announced oversized body before the client sends it."""
        try:
            limit = self.server.app.max_body_bytes
            too_large = int(self.headers.get('Content-Length', '0')) > limit
        except ValueError:
            too_large = False
        if not too_large:
            return super().handle_expect_100()
        self.close_connection = True
        self._write(Response.error(ApiError(
            413, 'payload_too_large', f'the body has {self.headers["Content-Length"]} bytes; '
            f'the limit is {self.server.app.max_body_bytes} bytes')))
        return False

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_HEAD = _serve

    def _write(self, resp: Response):
        self.send_response(resp.status)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        if resp.status != 204:
            self.send_header('Content-Length', str(len(resp.body)))
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if self.command != 'HEAD' and resp.status != 204:
            self.wfile.write(resp.body)

    def send_error(self, code, message=None, explain=None):
        """Errors the base class detects (bad request line, unknown method, ...), as JSON."""
        self.close_connection = True
        status = 405 if code == 501 else code
        err = ApiError(status, _STATUS_CODES.get(status, 'internal' if status >= 500 else
                                                 'invalid_argument'), message or 'bad request')
        self.log_error('%d %s', code, message)
        self._write(Response.error(err))

    def log_request(self, code='-', size='-'):
        if self.server.app.log_requests:
            super().log_request(code, size)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # listen backlog: bursts of clients wait instead of being refused

    def __init__(self, address, app: ServiceApp):
        self.app = app
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)


def parse_listen(text: str) -> tuple:
    """'HOST:PORT' or '[v6]:PORT' -> (host, port)."""
    host, sep, port = text.rpartition(':')
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f'expected HOST:PORT, got {text!r}')
    return host.strip('[]'), int(port)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a positive integer, got {text!r}')
    return value


def build_arg_parser(description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('--listen', type=parse_listen, default=('127.0.0.1', 8765),
                    metavar='HOST:PORT', help='address to listen on; port 0 = any free port '
                    '(default 127.0.0.1:8765)')
    ap.add_argument('--port-file', metavar='PATH',
                    help='write the bound port here (atomically) once listening')
    ap.add_argument('--workers', type=positive_int, default=2,
                    help='backtests run at once (default 2)')
    ap.add_argument('--max-body-mb', type=positive_int, default=256,
                    help='largest request body in MiB (default 256)')
    ap.add_argument('--max-bars', type=positive_int, default=5_000_000,
                    help='most bars in one backtest (default 5000000)')
    ap.add_argument('--log-requests', action='store_true', help='log every request to stderr')
    return ap


def app_options(args) -> dict:
    return dict(workers=args.workers, max_body_bytes=args.max_body_mb << 20,
                max_bars=args.max_bars, log_requests=args.log_requests)


def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.port-', dir=directory)
    with os.fdopen(fd, 'w') as f:
        f.write(f'{port}\n')
    os.replace(tmp, path)


def serve(app: ServiceApp, args, name: str = SERVICE) -> int:
    """Listen, run until SIGTERM/SIGINT, stop cleanly. Call from the main thread."""
    host, port = args.listen
    try:
        server = Server((host, port), app)
    except OSError as exc:
        sys.stderr.write(f'{name}: cannot listen on {host}:{port}: {exc}\n')
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    app.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2},
                              name='http', daemon=True)
    thread.start()
    bound, status = server.server_address[1], 0
    try:
        if args.port_file:
            write_port_file(args.port_file, bound)
    except OSError as exc:
        sys.stderr.write(f'{name}: cannot write the port file {args.port_file}: {exc}\n')
        status = 1
    else:
        sys.stderr.write(f'{name} {SERVICE_VERSION} listening on {host}:{bound} (workers '
                         f'{app.workers}, {app.engine.library} {app.engine.library_version})\n')
        sys.stderr.flush()
        while not stop.wait(0.5):
            pass
        sys.stderr.write(f'{name}: stopping\n')
    server.shutdown()
    server.server_close()
    app.stop()
    sys.stderr.flush()
    return status


def main(argv, engine_factory: Callable[[], Engine],
         description: str = 'btrouter Backtesting.py service') -> int:
    args = build_arg_parser(description).parse_args(argv)
    return serve(ServiceApp(engine_factory(), **app_options(args)), args)
