"""HTTP-layer tests of the Backtesting.py service (no backtesting library needed).

The service's app (adapters/backtestingpy/service/http_app.py) runs in-process with a scripted,
deterministic runner (conftest.ScriptedRunner); every assertion is about the contract of
docs/engines/backtestingpy.md. Request validation: test_service_validation.py.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

import params
from conftest import FINAL, SERVICE_DIR, assert_error, make_app, running_app, tiny_body, tiny_data
from jobs import InvalidRun


# ------------------------------------------------------------------ basics

def test_health_reports_the_runner_provider_versions(client):
    status, _, doc, _ = client.get('/health')
    assert status == 200
    assert doc['status'] == 'ok' and doc['service'] == 'btrouter-backtestingpy'
    assert doc['service_version'] == '1.0.0'
    assert (doc['library'], doc['library_version'], doc['pandas']) == ('backtesting', '9.9.9', '1.2.3')
    assert re.fullmatch(r'\d+\.\d+\.\d+', doc['python'])
    assert (doc['workers'], doc['running'], doc['queued']) == (2, 0, 0)


def test_strategies_is_the_catalogue(client):
    status, _, doc, _ = client.get('/strategies')
    assert status == 200 and doc == {'strategies': params.describe()}
    sma = doc['strategies'][0]
    assert sma['name'] == 'sma_cross' and sma['class'] == 'SmaCross'
    assert sma['params'][0] == {'name': 'fast', 'type': 'int', 'default': 10, 'min': 1}


def test_run_to_done(client):
    status, _, doc, _ = client.post('/backtest/run', tiny_body(5, 'sma_cross', params={'fast': 3.0}))
    assert status == 202 and doc['status'] == 'queued' and re.fullmatch(r'[0-9a-f]{32}', doc['id'])
    job = client.wait(doc['id'])
    assert job['status'] == 'done' and job['progress'] == 1.0 and job['error'] is None
    assert (job['strategy'], job['bars']) == ('sma_cross', 5)
    assert (job['service_version'], job['library_version']) == ('1.0.0', '9.9.9')
    for key in ('created_at', 'started_at', 'finished_at'):
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', job[key]), job[key]
    result = job['result']
    assert result['equity'] == tiny_data(5)['close']
    assert result['echo']['params'] == {'fast': 3}  # coerced, defaults not added
    assert result['echo']['settings'] == {
        'cash': 10000.0, 'commission': 0.0, 'commission_fixed': 0.0, 'spread': 0.0, 'margin': 1.0,
        'trade_on_close': False, 'hedging': False, 'exclusive_orders': False,
        'finalize_trades': False}


def test_result_absent_until_done_and_progress_forwarded(client, runner):
    runner.release.clear()
    job_id = client.submit(tiny_body())
    job = client.wait(job_id, until=0.5)
    assert job['status'] == 'running' and job['progress'] == 0.5 and 'result' not in job
    assert job['started_at'] and job['finished_at'] is None
    runner.release.set()
    assert client.wait(job_id)['status'] == 'done'


def test_keep_alive_connection_serves_several_requests(client):
    conn = client.connection()
    try:
        for _ in range(3):
            assert client.get('/health', conn=conn)[0] == 200
        assert_error(client.post('/backtest/run', {'strategy': 'nope'}, conn=conn), 400,
                     'invalid_argument', 'strategy')
        assert client.get('/strategies', conn=conn)[0] == 200
    finally:
        conn.close()


# ------------------------------------------------------------------ routing

@pytest.mark.parametrize('method,path', [('GET', '/'), ('GET', '/nope'), ('GET', '/backtest'),
                                         ('GET', '/backtest/results'),
                                         ('GET', '/backtest/results/' + '0' * 32),
                                         ('DELETE', '/backtest/' + '0' * 32),
                                         ('POST', '/health/x')])
def test_unknown_paths_and_ids_answer_404(client, method, path):
    assert_error(client.call(method, path), 404, 'not_found')


@pytest.mark.parametrize('method,path,allowed', [
    ('GET', '/backtest/run', 'POST'), ('POST', '/health', 'GET'), ('PUT', '/strategies', 'GET'),
    ('DELETE', '/backtest/history', 'GET'), ('POST', '/backtest/results/abc', 'GET'),
    ('GET', '/backtest/abc', 'DELETE'), ('PATCH', '/backtest/run', 'POST')])
def test_wrong_method_answers_405(client, method, path, allowed):
    answer = client.call(method, path, body=b'{}' if method in ('POST', 'PUT', 'PATCH') else None)
    assert_error(answer, 405, 'method_not_allowed')
    assert answer[1]['Allow'] == allowed


def test_unexpected_exception_answers_500_without_traceback(client, monkeypatch, capfd):
    monkeypatch.setattr(params, 'describe', lambda: 1 / 0)
    message = assert_error(client.get('/strategies'), 500, 'internal')
    assert message == 'internal error: ZeroDivisionError: division by zero'
    assert 'Traceback' in capfd.readouterr().err  # logged for the operator instead


# ------------------------------------------------------------------ failures of a run

@pytest.mark.parametrize('exc,error', [
    (ValueError('boom'), {'code': 'internal', 'message': 'ValueError: boom'}),
    (KeyError('k'), {'code': 'internal', 'message': "KeyError: 'k'"}),
    (InvalidRun('too short', 'data.time'), {'code': 'invalid_argument',
                                            'message': 'data.time: too short'}),
])
def test_runner_exceptions_fail_the_job(client, runner, exc, error, capfd):
    runner.fail = exc
    job = client.wait(client.submit(tiny_body()))
    assert job['status'] == 'failed' and job['error'] == error and 'result' not in job
    assert 'Traceback' not in json.dumps(job)


def test_unserialisable_result_fails_the_job(runner):
    def nan_result(request, progress, is_cancelled):
        result = runner(request, progress, is_cancelled)
        result['equity'][0] = float('nan')
        return result
    with running_app(make_app(nan_result)) as client:
        job = client.wait(client.submit(tiny_body()))
    assert job['status'] == 'failed' and job['error']['code'] == 'internal'
    assert job['error']['message'].startswith('ValueError: Out of range float values')


# ------------------------------------------------------------------ history

def test_history_newest_first_with_limit(runner):
    with running_app(make_app(runner, capacity=600)) as client:
        ids = [client.submit(tiny_body()) for _ in range(60)]
        for job_id in ids:
            client.wait(job_id)
        status, _, doc, _ = client.get('/backtest/history')
        assert status == 200
        assert [j['id'] for j in doc['backtests']] == ids[::-1][:50]
        assert all('result' not in j and j['status'] == 'done' for j in doc['backtests'])
        assert set(doc['backtests'][0]) == {
            'id', 'run_key', 'status', 'progress', 'strategy', 'bars', 'created_at', 'started_at',
            'finished_at', 'service_version', 'library_version', 'error'}
        assert [j['id'] for j in client.get('/backtest/history?limit=3')[2]['backtests']] == ids[::-1][:3]
        assert len(client.get('/backtest/history?limit=100000')[2]['backtests']) == 60
        for bad in ('0', '-1', 'abc', '1.5'):
            assert_error(client.get(f'/backtest/history?limit={bad}'), 400, 'invalid_argument', 'limit')


def test_run_key_makes_submit_idempotent_and_filters_history(client, runner):
    runner.release.clear()
    first = client.post('/backtest/run', tiny_body(run_key='job-1.1.0'))
    assert first[0] == 202
    other = client.submit(tiny_body(run_key='job-2.1.0'))
    again = client.post('/backtest/run', tiny_body(run_key='job-1.1.0'))
    assert again[0] == 200
    assert again[2] == {'id': first[2]['id'], 'status': again[2]['status'], 'existing': True}
    assert again[2]['status'] in ('queued', 'running')
    plain = client.submit(tiny_body())
    found = client.get('/backtest/history?run_key=job-1.1.0')[2]['backtests']
    assert [(j['id'], j['run_key']) for j in found] == [(first[2]['id'], 'job-1.1.0')]
    assert client.get('/backtest/history?run_key=nope')[2] == {'backtests': []}
    everything = client.get('/backtest/history')[2]['backtests']
    assert [j['id'] for j in everything] == [plain, other, first[2]['id']]
    assert everything[0]['run_key'] is None
    runner.release.set()
    assert client.wait(first[2]['id'])['status'] == 'done'
    # A forgotten job frees its key: the next submit with it runs anew.
    assert client.delete(f"/backtest/{first[2]['id']}")[0] == 204
    assert client.post('/backtest/run', tiny_body(run_key='job-1.1.0'))[0] == 202


@pytest.mark.parametrize('bad', [5, '', 'has space', 'x' * 129, 'slash/y'])
def test_run_key_is_checked(client, bad):
    assert_error(client.post('/backtest/run', tiny_body(run_key=bad)), 400, 'invalid_argument',
                 'run_key')


def test_history_is_capped_at_500(runner):
    with running_app(make_app(runner, capacity=600)) as client:
        ids = [client.submit(tiny_body(2)) for _ in range(510)]
        client.wait(ids[-1])
        assert len(client.get('/backtest/history?limit=600')[2]['backtests']) == 500


# ------------------------------------------------------------------ cancel

def test_cancel_queued_and_running_jobs(runner):
    runner.release.clear()
    with running_app(make_app(runner, workers=1)) as client:
        running = client.submit(tiny_body())
        queued = client.submit(tiny_body())
        client.wait(running, until=0.5)
        assert client.job(queued)['status'] == 'queued'
        assert client.get('/health')[2]['running'] == 1 and client.get('/health')[2]['queued'] == 1

        status, _, doc, _ = client.delete(f'/backtest/{queued}')
        assert (status, doc) == (202, {'id': queued, 'status': 'cancelling'})
        job = client.job(queued)
        assert job['status'] == 'cancelled' and job['started_at'] is None and job['finished_at']

        status, _, doc, _ = client.delete(f'/backtest/{running}')
        assert (status, doc) == (202, {'id': running, 'status': 'cancelling'})
        job = client.wait(running)
        assert job['status'] == 'cancelled' and 'result' not in job and job['error'] is None

        status, headers, _, raw = client.delete(f'/backtest/{running}')  # finished: forgotten
        assert status == 204 and raw == b''
        assert_error(client.get(f'/backtest/results/{running}'), 404, 'not_found')
        assert_error(client.delete(f'/backtest/{running}'), 404, 'not_found')
        assert client.get('/health')[2]['running'] == 0


def test_cancel_wins_over_a_late_success(runner):
    runner.release.clear()

    def ignores_cancel(request, progress, is_cancelled):
        while not runner.release.wait(0.005):
            pass
        return {'equity': []}
    with running_app(make_app(ignores_cancel)) as client:
        job_id = client.submit(tiny_body())
        client.wait(job_id, until=('running',))
        assert client.delete(f'/backtest/{job_id}')[0] == 202
        assert client.job(job_id)['status'] == 'running'  # until the runner returns
        runner.release.set()
        assert client.wait(job_id)['status'] == 'cancelled'


def test_deleting_a_done_job_forgets_it(client):
    job_id = client.submit(tiny_body())
    client.wait(job_id)
    assert client.delete(f'/backtest/{job_id}')[0] == 204
    assert client.get('/backtest/history')[2] == {'backtests': []}


# ------------------------------------------------------------------ eviction and concurrency

def test_finished_jobs_are_evicted_oldest_first(runner):
    with running_app(make_app(runner, capacity=5)) as client:
        ids = []
        for _ in range(7):
            ids.append(client.submit(tiny_body()))
            client.wait(ids[-1])
        for job_id in ids[:2]:
            assert client.get(f'/backtest/results/{job_id}')[0] == 404
        assert [j['id'] for j in client.get('/backtest/history')[2]['backtests']] == ids[:1:-1]


def test_unfinished_jobs_are_never_evicted(runner):
    runner.release.clear()
    with running_app(make_app(runner, capacity=3, workers=1)) as client:
        ids = [client.submit(tiny_body()) for _ in range(3)]
        message = assert_error(client.post('/backtest/run', tiny_body()), 500, 'internal')
        assert 'busy' in message
        runner.release.set()
        for job_id in ids:
            assert client.wait(job_id)['status'] == 'done'
        client.submit(tiny_body())  # room again: the oldest finished job made way
        assert client.get(f'/backtest/results/{ids[0]}')[0] == 404


def test_workers_run_jobs_at_once_and_the_rest_wait(runner):
    runner.release.clear()
    with running_app(make_app(runner, workers=2)) as client:
        ids = [client.submit(tiny_body()) for _ in range(3)]
        client.wait(ids[0], until=0.5)
        client.wait(ids[1], until=0.5)
        health = client.get('/health')[2]
        assert (health['running'], health['queued']) == (2, 1)
        assert client.job(ids[2])['status'] == 'queued'
        runner.release.set()
        assert [client.wait(j)['status'] for j in ids] == ['done'] * 3
        assert runner.max_active == 2


def test_concurrent_clients(client):
    ids, errors = [], []

    def submit_and_wait():
        try:
            job_id = client.submit(tiny_body(20))
            ids.append(job_id)
            assert client.wait(job_id)['status'] == 'done'
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=submit_and_wait) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(set(ids)) == 16
    assert {j['status'] for j in client.get('/backtest/history')[2]['backtests']} <= set(FINAL)


def test_stop_cancels_running_jobs(runner):
    runner.release.clear()
    app = make_app(runner)
    with running_app(app) as client:
        job_id = client.submit(tiny_body())
        client.wait(job_id, until=0.5)
        started = time.monotonic()
    assert app.registry.get(job_id).status == 'cancelled'
    assert time.monotonic() - started < 5


# ------------------------------------------------------------------ the launcher

def test_run_launcher_without_the_library_exits_2():
    probe = subprocess.run([sys.executable, '-c', 'import backtesting'], capture_output=True)
    if probe.returncode == 0:
        pytest.skip('backtesting is importable by this interpreter')
    run = os.path.join(SERVICE_DIR, 'run')
    assert subprocess.run([sys.executable, run, '--help'], capture_output=True,
                          timeout=30).returncode == 0
    proc = subprocess.run([sys.executable, run, '--listen', '127.0.0.1:0'], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2
    assert 'pip install -r' in proc.stderr and 'requirements.txt' in proc.stderr
