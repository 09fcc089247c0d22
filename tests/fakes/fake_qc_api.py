#!/usr/bin/env python3
"""A fake QuantConnect Cloud REST API v2, for the qc_cloud adapter's tests.

  fake_qc_api.py --listen 127.0.0.1:0 --port-file PATH --user-id U --token T [--fault MODE]
                 [--shared DIR] [--btrouter PATH] [--chart-loading N] [--running-polls N]
                 [--data-folder DIR]

Serves POST <base>/api/v2/<endpoint> (JSON bodies), so the adapter's url is
http://HOST:PORT/api/v2. Never run anything against the real cloud from tests: there is no
internet here, and this fake is the only API the adapter has been exercised against.

Faithful to (research/qc_lean.md, "reference/qc_lean.md" in the shared folder):
  * §1.2 authentication: "Authorization: Basic base64(<user id>:<sha256 hex of
    '<token>:<timestamp>'>)" plus a "Timestamp" header; a wrong hash, a wrong user id, a
    missing Timestamp header or a timestamp more than 7200 s old (or ahead) answers 401 with the
    envelope {"success": false, "errors": ["Hash doesn't match. UID: .. Hash: <the hash sent>
    Timestamp: '..'"]} ("UserID not valid" for a wrong id) -- the echo of the sent hash is
    deliberate: the adapter must redact it;
  * §1.3 envelope: every answer has success/errors; unknown project, compile or backtest ids
    answer 200 with success:false and an error;
  * §1.5 call sequence: projects/create (language Py|C#, optional organizationId; a new
    project already holds main.py), files/update (existing files only), files/create (new
    files only; only the cloud IDE's file types .py .cs .ipynb .html .css, per the "Files"
    documentation page), files/read, compile/create (InQueue) + compile/read (InQueue once,
    then BuildSuccess, or BuildError with "Build Error File: main.py Line: N ..." logs when
    main.py is not valid Python), backtests/create (needs a BuildSuccess compile of the same
    project; "parameters" map), backtests/read, backtests/chart/read (loading state
    {"progress", "status": "loading", "success": true} for the first --chart-loading reads;
    points filtered by start/end and thinned to `count`), backtests/orders/read (end - start
    must be < 100; `start`/`end` are positions, end exclusive), backtests/delete,
    projects/delete;
  * §1.6 backtest object: "In Queue..." then "Running: N%" with progress over
    --running-polls reads, then "Completed." with completed:true, progress 1, statistics,
    runtimeStatistics and totalPerformance; "Runtime Error" with error + stacktrace.

Results: statistics, runtimeStatistics and totalPerformance start from the real LEAN result
fixtures/lean/sma-crossover/1186467672.json (--shared DIR, else $BTR_SHARED_DIR, else
../shared next to the repository). When the project holds btrdata.py (the adapter's data
module: CSV = \"\"\"time,open,high,low,close,volume\\n<New York time>,o,h,l,c,v ...\"\"\") or a
btrdata.csv, the fake runs the btrouter binary (--btrouter, else $BTR_BINARY, else
build/btrouter) -- `btrouter backtest --data <csv> --strategy S --param k=v ... --out DIR` --
on those bars with the backtest's parameters, and answers in LEAN's shapes (§2.5-2.7): a
"Strategy Equity" chart with an "Equity" candle series holding one candle per bar, stamped at
the bar's end (New York time converted to Unix seconds UTC) plus a first candle at the start;
closedTrades built from the native trades (times at the middle of their bars, direction
0 long / 1 short, quantity unsigned, profitLoss gross of fees, totalFees = commission); two
orders per closed trade (one for an open trade). Of the fixture's statistics only Total
Orders, Start/End Equity, Net Profit, Win/Loss Rate (and the matching portfolio/trade
statistics, runtimeStatistics Equity) are recomputed for these bars; every other number is the
fixture's, unrelated to the bars.

A project whose main.py is not btrouter's catalogue algorithm is a user's own algorithm: it runs
as fake_lean.py runs one (lean_user_algorithm.py, against a small stand-in for LEAN's Python
API) on the LEAN-format data under --data-folder, the fake's stand-in for QuantConnect's data
library (equity/usa/daily/<ticker>.zip ...); an exception in it ends the backtest "Runtime
Error" with its message.

Not faithful to: anything else -- LEAN itself does not run (the native engine stands in), no
rate limit exists unless a fault injects one, no billing, node or organization model, projects/read
answers only projectId, name and language; no compile details beyond state/logs; ids are random.

Faults, at start (--fault MODE) or at runtime (POST /_fault {"mode": MODE}); the counted ones
reset to none after their count:
  none; unauthorized (every API call answers 401 + envelope); rate_limit (429 for the next 2
  API calls); server_error (500 for the next 2 API calls); server_error_always;
  success_false (backtests/create answers success:false with an error); compile_error
  (compiles end BuildError with logs); runtime_error (backtests end "Runtime Error" with error
  and stacktrace after one running read); slow_chart (chart/read answers loading for 5 reads);
  hang (backtests never complete); drop_create (backtests/create creates the backtest, then
  closes the connection without answering); drop_project_create (the same for
  projects/create); backtest_array (backtests/read answers "backtest" as a one-element array,
  the docs' example form).
GET /_calls answers {"calls": [{"method", "path", "endpoint", "code"}, ...]} (every API request
received, in order; code 0 = no answer); POST /_reset clears the calls and the fault.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)

from fake_qc_lean import ApiError, Simulator, utc_iso  # noqa: E402

PREFIX = '/api/v2/'
FAULT_MODES = ('none', 'unauthorized', 'rate_limit', 'server_error', 'server_error_always',
               'success_false', 'compile_error', 'runtime_error', 'slow_chart', 'hang',
               'drop_create', 'drop_project_create', 'backtest_array')
COUNTED = {'rate_limit': 2, 'server_error': 2}
FILE_TYPES = ('.py', '.cs', '.ipynb', '.html', '.css')
FIXTURE = os.path.join('fixtures', 'lean', 'sma-crossover', '1186467672.json')


def envelope(**members) -> dict:
    return {**members, 'success': True, 'errors': []}


# ------------------------------------------------------------------------------- the API

class Api:
    def __init__(self, args):
        self.user_id = str(args.user_id)
        self.token = args.token
        self.lock = threading.Lock()
        self.projects: dict[int, dict] = {}
        self.project_ids = itertools.count(23456789 + secrets.randbelow(1000) * 1000)
        self.calls: list[dict] = []
        self.fault, self.fault_left = 'none', 0
        self.chart_loading = args.chart_loading
        self.running_polls = args.running_polls
        shared = args.shared or os.environ.get('BTR_SHARED_DIR') or os.path.join(REPO, '..',
                                                                                  'shared')
        with open(os.path.join(shared, FIXTURE)) as f:
            fixture = json.load(f)
        binary = args.btrouter or os.environ.get('BTR_BINARY') or os.path.join(REPO, 'build',
                                                                               'btrouter')
        self.sim = Simulator(binary, fixture, args.data_folder or '')
        self.set_fault(args.fault)

    def set_fault(self, mode: str) -> None:
        if mode not in FAULT_MODES:
            raise ApiError(f"unknown fault mode '{mode}'; one of {', '.join(FAULT_MODES)}", 400)
        self.fault, self.fault_left = mode, COUNTED.get(mode, 0)

    def injected(self) -> int:
        """An HTTP error code the current fault injects for this API call, or 0."""
        mode = self.fault
        if mode == 'unauthorized':
            return 401
        if mode == 'server_error_always':
            return 500
        if mode in COUNTED:
            self.fault_left -= 1
            if self.fault_left <= 0:
                self.fault = 'none'
            return 429 if mode == 'rate_limit' else 500
        return 0

    def check_auth(self, headers) -> None:
        stamp = headers.get('Timestamp', '')
        user, _, given = '', '', ''
        auth = headers.get('Authorization', '')
        if auth.startswith('Basic '):
            try:
                user, _, given = base64.b64decode(auth[6:]).decode().partition(':')
            except ValueError:
                pass
        mismatch = f"Hash doesn't match. UID: {user} Hash: {given} Timestamp: '{stamp}'"
        if user != self.user_id:
            raise ApiError(f'UserID not valid. UID: {user}', 401)
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 7200:
            raise ApiError(mismatch, 401)
        if given != hashlib.sha256(f'{self.token}:{stamp}'.encode()).hexdigest():
            raise ApiError(mismatch, 401)

    # Every handler runs under self.lock and returns the answer's members.
    def project(self, body) -> dict:
        project = self.projects.get(body.get('projectId'))
        if project is None:
            raise ApiError(f"Project {body.get('projectId')} not found")
        return project

    def backtest(self, body) -> dict:
        backtest = self.project(body)['backtests'].get(body.get('backtestId'))
        if backtest is None:
            raise ApiError(f"Backtest {body.get('backtestId')} not found")
        return backtest

    def do_authenticate(self, body):
        return {}

    def do_projects_create(self, body):
        if not body.get('name') or body.get('language') not in ('Py', 'C#'):
            raise ApiError('Project name and language (Py or C#) are required')
        pid = next(self.project_ids)
        main = 'main.py' if body['language'] == 'Py' else 'Main.cs'
        self.projects[pid] = {'name': body['name'], 'files': {main: '# template\n'},
                              'compiles': {}, 'backtests': {}}
        return {'projects': [{'projectId': pid, 'name': body['name'],
                              'language': body['language'],
                              'organizationId': body.get('organizationId', 'default-org'),
                              'created': utc_iso(time.time())}], 'versions': []}

    def do_projects_read(self, body):
        """One project (projectId given) or, without projectId, every project."""
        if body.get('projectId') is not None:
            pids = [body['projectId']] if self.project(body) else []
        else:
            pids = list(self.projects)
        return {'projects': [{'projectId': pid, 'name': self.projects[pid]['name'],
                              'language': 'Py'} for pid in pids], 'versions': []}

    def do_projects_delete(self, body):
        self.project(body)
        del self.projects[body['projectId']]
        return {}

    def do_files_create(self, body):
        files, name = self.project(body)['files'], str(body.get('name', ''))
        if not name.endswith(FILE_TYPES):
            raise ApiError(f"File type of '{name}' is not supported")
        if name in files:
            raise ApiError(f"File '{name}' already exists")
        files[name] = str(body.get('content', ''))
        return {}

    def do_files_update(self, body):
        files, name = self.project(body)['files'], body.get('name')
        if name not in files:
            raise ApiError(f"File '{name}' not found")
        files[name] = str(body.get('content', ''))
        return {}

    def do_files_read(self, body):
        files = self.project(body)['files']
        return {'files': [{'name': n, 'content': c} for n, c in files.items()
                          if body.get('name') in (None, n)]}

    def do_compile_create(self, body):
        project = self.project(body)
        cid = secrets.token_hex(16) + '-' + secrets.token_hex(16)
        project['compiles'][cid] = {'files': dict(project['files']), 'reads': 0}
        return {'compileId': cid, 'state': 'InQueue', 'projectId': body['projectId'],
                'signature': '', 'signatureOrder': [], 'parameters': []}

    def do_compile_read(self, body):
        compile_ = self.project(body)['compiles'].get(body.get('compileId'))
        if compile_ is None:
            raise ApiError(f"Compile id {body.get('compileId')} not found")
        compile_['reads'] += 1
        state, logs = 'InQueue', []
        if compile_['reads'] > 1:
            state, logs = 'BuildSuccess', ['Build Success.']
            try:
                compile(compile_['files'].get('main.py', ''), 'main.py', 'exec')
            except SyntaxError as e:
                state, logs = 'BuildError', [f'Build Error File: main.py Line: {e.lineno} '
                                             f'Column: {e.offset} - {e.msg}']
            if self.fault == 'compile_error':
                state, logs = 'BuildError', ['Build Error File: main.py Line: 3 Column: 1 - '
                                             "name 'undefined_helper' is not defined",
                                             'Build Error File: main.py Line: 9 Column: 5 - '
                                             'invalid syntax (fake_qc_api compile_error)']
        compile_['state'] = state
        return {'compileId': body['compileId'], 'state': state, 'logs': logs}

    def do_backtests_create(self, body):
        project = self.project(body)
        compile_ = project['compiles'].get(body.get('compileId'))
        if compile_ is None or compile_.get('state') != 'BuildSuccess':
            raise ApiError(f"Compile id {body.get('compileId')} is not a successful build")
        if self.fault == 'success_false':
            raise ApiError('Backtest could not be created: simulated refusal '
                           '(fake_qc_api success_false)')
        bid = secrets.token_hex(16)
        parameters = {str(k): str(v) for k, v in (body.get('parameters') or {}).items()}
        backtest = {'backtestId': bid, 'projectId': body['projectId'],
                    'name': body.get('backtestName', ''), 'reads': 0, 'chart_reads': 0,
                    'created': utc_iso(time.time()), 'parameterSet': parameters}
        try:
            backtest['result'] = self.sim.result(compile_['files'], parameters)
        except (ApiError, ValueError, KeyError, OSError, subprocess.SubprocessError) as e:
            backtest['crash'] = f'{type(e).__name__}: {e}'
        project['backtests'][bid] = backtest
        return {'backtest': self.backtest_view(backtest), 'debugging': False}

    def backtest_view(self, b) -> dict:
        view = {'backtestId': b['backtestId'], 'projectId': b['projectId'], 'name': b['name'],
                'created': b['created'], 'parameterSet': b['parameterSet'] or [],
                'completed': False, 'progress': 0, 'status': 'In Queue...', 'error': None,
                'stacktrace': None, 'hasInitializeError': False, 'statistics': [],
                'charts': {}}
        reads = b['reads']
        if reads <= 1:
            return view
        failing = self.fault == 'runtime_error' or 'crash' in b
        running_reads = 1 if failing else self.running_polls
        if self.fault == 'hang' or reads - 1 <= running_reads:
            progress = 0.5 if self.fault == 'hang' else (reads - 1) / (running_reads + 1)
            view.update(status=f'Running: {round(progress * 100)}%', progress=progress,
                        runtimeStatistics=self.sim.fixture['runtimeStatistics'])
            return view
        if failing:
            error = b.get('crash', 'Intentional Failure: simulated runtime error '
                                   '(fake_qc_api runtime_error)')
            view.update(status='Runtime Error', completed=True, progress=1, error=error,
                        stacktrace='  at on_data\n    in main.py: line 42')
            return view
        r = b['result']
        view.update(status='Completed.', completed=True, progress=1,
                    statistics=r['statistics'], runtimeStatistics=r['runtimeStatistics'],
                    totalPerformance=r['totalPerformance'], charts={'Strategy Equity': {}},
                    tradeableDates=len(r['chart']['series']['Equity']['values']))
        return view

    def do_backtests_read(self, body):
        b = self.backtest(body)
        b['reads'] += 1
        view = self.backtest_view(b)
        return {'backtest': [view] if self.fault == 'backtest_array' else view,
                'debugging': False}

    def do_backtests_chart_read(self, body):
        b = self.backtest(body)
        if body.get('name') != 'Strategy Equity' or 'result' not in b:
            raise ApiError(f"Chart {body.get('name')} not found")
        b['chart_reads'] += 1
        loading = 5 if self.fault == 'slow_chart' else self.chart_loading
        if b['chart_reads'] <= loading:
            return {'progress': b['chart_reads'] / (loading + 1), 'status': 'loading'}
        chart = json.loads(json.dumps(b['result']['chart']))
        start, end, count = body.get('start', 0), body.get('end', 2**62), body.get('count', 100)
        for series in chart['series'].values():
            values = [v for v in series['values'] if start <= v[0] <= end]
            if count and len(values) > count:  # thinned, keeping the last point
                step = len(values) / count
                values = [values[min(len(values) - 1, int((i + 1) * step) - 1)]
                          for i in range(count)]
            series['values'] = values
        return {'chart': chart}

    def do_backtests_orders_read(self, body):
        b = self.backtest(body)
        start, end = int(body.get('start', 0)), int(body.get('end', 100))
        if end - start >= 100 or start < 0 or end < start:
            raise ApiError('The difference between end and start must be less than 100')
        orders = b.get('result', {}).get('orders', [])[start:end]
        return {'orders': orders, 'length': len(orders)}

    def do_backtests_list(self, body):
        """The project's backtests, oldest first, as summaries (no reads are counted)."""
        project = self.project(body)
        summaries = [{'backtestId': b['backtestId'], 'name': b['name'], 'created': b['created'],
                      'projectId': b['projectId']} for b in project['backtests'].values()]
        return {'backtests': summaries, 'count': len(summaries)}

    def do_backtests_delete(self, body):
        self.backtest(body)
        del self.project(body)['backtests'][body['backtestId']]
        return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    api: Api = None

    def log_message(self, fmt, *args):  # quiet; stderr goes to the test's log when asked
        pass

    def answer(self, code: int, doc: dict) -> None:
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        if code == 401:
            self.send_header('WWW-Authenticate', 'Basic realm="QuantConnect"')
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> dict:
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        try:
            doc = json.loads(raw or b'{}')
        except ValueError:
            raise ApiError('Request body is not JSON', 400)
        if not isinstance(doc, dict):
            raise ApiError('Request body is not a JSON object', 400)
        return doc

    def do_GET(self):
        if self.path == '/_calls':
            with self.api.lock:
                return self.answer(200, {'calls': list(self.api.calls)})
        self.answer(404, {'success': False, 'errors': [f'GET {self.path} not found']})

    def do_POST(self):
        api = self.api
        if self.path in ('/_fault', '/_reset'):
            try:
                body = self.body()
                with api.lock:
                    if self.path == '/_reset':
                        api.calls.clear()
                    api.set_fault(body.get('mode', 'none'))
                return self.answer(200, {'mode': api.fault})
            except ApiError as e:
                return self.answer(e.code, {'success': False, 'errors': [str(e)]})
        endpoint = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else ''
        call = {'method': 'POST', 'path': self.path, 'endpoint': endpoint, 'code': 0}
        with api.lock:
            api.calls.append(call)
        try:
            body = self.body()
            with api.lock:
                injected = api.injected()
                if injected:
                    raise ApiError({401: "Hash doesn't match. (fake_qc_api unauthorized)",
                                    429: 'Too many requests (fake_qc_api rate_limit)',
                                    500: 'Internal server error (fake_qc_api server_error)'}
                                   [injected], injected)
                api.check_auth(self.headers)
                handler = getattr(api, 'do_' + endpoint.replace('/', '_'), None)
                if handler is None or not endpoint:
                    raise ApiError(f'Unknown endpoint {self.path}', 404)
                members = handler(body)
                drop = ((endpoint, api.fault) in (('backtests/create', 'drop_create'),
                                                  ('projects/create', 'drop_project_create')))
            if drop:  # created, but the answer is lost
                self.close_connection = True
                return
            call['code'] = 200
            self.answer(200, envelope(**members))
        except ApiError as e:
            call['code'] = e.code
            self.answer(e.code, {'success': False, 'errors': [str(e)]})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--listen', default='127.0.0.1:0')
    parser.add_argument('--port-file')
    parser.add_argument('--user-id', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--fault', default='none', choices=FAULT_MODES)
    parser.add_argument('--shared')
    parser.add_argument('--btrouter')
    parser.add_argument('--chart-loading', type=int, default=1)
    parser.add_argument('--running-polls', type=int, default=3)
    parser.add_argument('--data-folder', default='')
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(':')
    Handler.api = Api(args)
    server = ThreadingHTTPServer((host or '127.0.0.1', int(port)), Handler)
    server.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
