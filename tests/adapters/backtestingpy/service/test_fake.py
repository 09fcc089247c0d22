"""Tests of the fake Backtesting.py service (tests/fakes/backtestingpy_fake.py).

The fake must answer like the real service (same HTTP layer) with the recorded results, in
exactly the contract's shape, and inject the documented faults. No backtesting library needed:
requests are built from the recordings themselves (bar count and first bar time are what the
fake compares; prices are not).
"""
from __future__ import annotations

import csv
import http.client
import json
import os
import sys
import time

import pytest

import backtestingpy_fake as fake
from conftest import FAKE, REFERENCE_DIR, running_app, service_process

RECORDINGS = fake.load_recordings(REFERENCE_DIR)
BY_ID = {r.id: r for r in RECORDINGS}


def recorded_times(case: str) -> list:
    with open(os.path.join(REFERENCE_DIR, case, 'equity.csv'), newline='') as f:
        return [fake.iso_to_ns(row['time']) for row in csv.DictReader(f)]


def body_for(case: str, **override) -> dict:
    rec = BY_ID[case]
    times = recorded_times(case)
    price = [100.0] * len(times)
    body = {'strategy': rec.strategy, 'params': dict(rec.meta['params']),
            'settings': fake.settings_of(rec.meta['backtest_kwargs']),
            'data': {'time': times, 'open': price, 'high': price, 'low': price, 'close': price}}
    body.update(override)
    return body


@pytest.fixture
def faults():
    return fake.Faults()


@pytest.fixture
def client(faults):
    app = fake.FakeApp(RECORDINGS, faults, run_seconds=0.05, pandas_version='1.5.3')
    with running_app(app) as c:
        yield c


def set_fault(client, mode, delay_s=None):
    doc = {'mode': mode} if delay_s is None else {'mode': mode, 'delay_s': delay_s}
    status, _, answer, raw = client.post('/_fault', doc)
    assert status == 200, raw
    return answer


# ------------------------------------------------------------------ recordings

def test_only_cases_with_an_equity_curve_are_replayable():
    with_equity = sorted(d for d in os.listdir(REFERENCE_DIR)
                         if os.path.exists(os.path.join(REFERENCE_DIR, d, 'equity.csv')))
    assert [r.id for r in RECORDINGS] == with_equity and 'goog_sma_cross' in BY_ID
    assert 'gbm100k_sma_cross' not in BY_ID


def test_no_two_recordings_answer_the_same_request():
    keys = [(r.strategy, json.dumps(r.params, sort_keys=True), json.dumps(r.settings, sort_keys=True),
             r.bars, r.first_time) for r in RECORDINGS]
    assert len(set(keys)) == len(keys)


def test_recorded_result_has_the_contract_shape():
    result = BY_ID['goog_sma_cross'].result()
    assert list(result) == ['stats', 'trades', 'open_trades', 'equity', 'warmup_bars', 'warnings']
    assert result['stats']['Return [%]'] == 718.1237000000001
    assert result['stats']['Duration'] == {'seconds': 269222400.0}
    assert result['trades'][0] == {
        'size': -59, 'entry_bar': 63, 'exit_bar': 75, 'entry_price': 169.02, 'exit_price': 179.13,
        'sl': None, 'tp': None, 'pnl': -596.4899999999991, 'return_pct': -0.05981540646077388,
        'commission': 0.0, 'entry_time': '2004-11-17T00:00:00', 'exit_time': '2004-12-06T00:00:00',
        'tag': None}
    assert result['open_trades'] == [{
        'size': 101, 'entry_bar': 2087, 'exit_bar': None, 'entry_price': 702.24, 'exit_price': None,
        'sl': None, 'tp': None, 'pnl': 10498.950000000004, 'return_pct': 0.14802631578947367,
        'commission': 0.0, 'entry_time': '2012-12-03T00:00:00', 'exit_time': None, 'tag': None}]
    assert len(result['equity']) == 2148 and result['equity'][0] == 10000.0
    assert result['warmup_bars'] == 19 and result['warnings'][0]['count'] == 1


def test_iso_to_ns():
    assert fake.iso_to_ns('1970-01-01T00:00:00') == 0
    assert fake.iso_to_ns('2004-08-19T00:00:00') == 1092873600 * 10**9
    assert fake.iso_to_ns('1970-01-01T00:00:01.5') == 1_500_000_000
    assert fake.iso_to_ns('1970-01-01T00:00:00.000000007') == 7


# ------------------------------------------------------------------ replay over HTTP

def test_health_says_replay(client):
    doc = client.get('/health')[2]
    assert doc['library_version'] == '0.6.6 (replay)' and doc['service_version'] == '1.0.0'
    assert doc['pandas'] == '1.5.3'


@pytest.mark.parametrize('case', sorted(BY_ID))
def test_replays_every_recording(client, case):
    job = client.wait(client.submit(body_for(case)))
    assert job['status'] == 'done', job['error']
    assert job['library_version'] == '0.6.6 (replay)' and job['progress'] == 1.0
    assert job['result'] == BY_ID[case].result()


def test_defaults_filled_on_both_sides_still_match(client):
    body = body_for('goog_sma_cross_fixed_comm')
    body['params'] = {'fast': 10.0, 'slow': 20, 'long_only': False, 'sl_pct': 0, 'tp_pct': 0.0}
    body['settings'] = {'cash': 10000.0, 'commission': 0.001, 'commission_fixed': 1,
                        'spread': 0, 'margin': 1, 'trade_on_close': False, 'hedging': False,
                        'exclusive_orders': False, 'finalize_trades': False}
    job = client.wait(client.submit(body))
    assert job['result'] == BY_ID['goog_sma_cross_fixed_comm'].result()
    del body['settings']['commission_fixed']  # (fixed 0, relative 0.001): never recorded
    job = client.wait(client.submit(body))
    assert job['status'] == 'failed'


@pytest.mark.parametrize('change', ['params', 'settings', 'bars', 'first_time'])
def test_unrecorded_requests_fail_saying_what_was_compared(client, change):
    body = body_for('goog_sma_cross')
    if change == 'params':
        body['params'] = {'fast': 11}
    elif change == 'settings':
        body['settings']['cash'] = 10001
    else:
        data = body['data']
        for key in data:
            data[key] = data[key][:-1] if change == 'bars' else data[key]
        if change == 'first_time':
            data['time'][0] -= 1
    job = client.wait(client.submit(body))
    assert job['status'] == 'failed' and job['error']['code'] == 'internal'
    message = job['error']['message']
    assert 'no recording matches' in message
    for word in ('strategy', 'params', 'settings', 'bar count', 'first bar time', 'goog_sma_cross'):
        assert word in message


def test_progress_steps_and_cancel(faults):
    app = fake.FakeApp(RECORDINGS, faults, run_seconds=2.0)
    with running_app(app) as client:
        job_id = client.submit(body_for('goog_sma_cross'))
        job = client.wait(job_id, until=0.2)
        assert job['status'] == 'running' and job['progress'] in (0.2, 0.3)
        assert client.delete(f'/backtest/{job_id}')[0] == 202
        assert client.wait(job_id, timeout=5)['status'] == 'cancelled'


# ------------------------------------------------------------------ faults

def test_fault_control_endpoints(client):
    assert set_fault(client, 'slow', 0.01) == {'mode': 'slow', 'delay_s': 0.01}
    assert set_fault(client, 'none') == {'mode': 'none', 'delay_s': 0.01}
    for doc, field in (({'mode': 'explode'}, 'mode'), ({'delay_s': -1}, 'delay_s'),
                       ({'delay_s': 'x'}, 'delay_s'), ([], None)):
        status, _, answer, _ = client.post('/_fault', doc)
        assert status == 400 and answer['error']['field'] == field
    assert client.get('/_fault')[0] == 405
    client.get('/health')
    client.get('/backtest/history?limit=2')
    assert client.get('/_calls')[2] == {'calls': [
        {'method': 'GET', 'path': '/health'}, {'method': 'GET', 'path': '/backtest/history?limit=2'}]}
    set_fault(client, 'error500')
    assert client.post('/_reset')[2] == {'mode': 'none', 'delay_s': 0.0}
    assert client.get('/_calls')[2] == {'calls': []}
    assert client.get('/health')[0] == 200


def test_slow(client):
    set_fault(client, 'slow', 0.3)
    started = time.monotonic()
    assert client.get('/health')[0] == 200
    assert time.monotonic() - started >= 0.3


def test_error500(client):
    set_fault(client, 'error500')
    for method, path in (('GET', '/health'), ('GET', '/strategies'), ('POST', '/backtest/run'),
                         ('GET', '/backtest/history'), ('DELETE', '/backtest/abc')):
        status, _, doc, _ = client.call(method, path, body=b'{}' if method == 'POST' else None)
        assert status == 500 and doc['error']['code'] == 'internal', (method, path)


def test_malformed(client):
    job_id = client.submit(body_for('goog_sma_cross'))
    client.wait(job_id)
    set_fault(client, 'malformed')
    status, _, doc, raw = client.get(f'/backtest/results/{job_id}')
    assert status == 200 and doc is None and raw.startswith(b'{')
    with pytest.raises(ValueError):
        json.loads(raw)
    assert client.get('/health')[0] == 200 and client.get('/health')[2] is not None


def test_never_finish(client):
    set_fault(client, 'never_finish')
    job_id = client.submit(body_for('goog_sma_cross'))
    job = client.wait(job_id, until=0.5)
    time.sleep(0.2)
    job = client.job(job_id)
    assert (job['status'], job['progress']) == ('running', 0.5)
    assert client.delete(f'/backtest/{job_id}')[0] == 202
    assert client.wait(job_id, timeout=5)['status'] == 'cancelled'


def test_fail_job(client):
    set_fault(client, 'fail_job')
    job = client.wait(client.submit(body_for('goog_sma_cross')))
    assert job['status'] == 'failed'
    assert job['error'] == {'code': 'internal', 'message': 'RuntimeError: injected fault: fail_job'}


def test_reject(client):
    set_fault(client, 'reject')
    status, _, doc, _ = client.post('/backtest/run', body_for('goog_sma_cross'))
    assert status == 400 and doc['error']['code'] == 'invalid_argument'
    assert doc['error']['field'] == 'strategy'
    assert client.get('/backtest/history')[2] == {'backtests': []}


def test_drop(client):
    set_fault(client, 'drop')
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.post('/backtest/run', body_for('goog_sma_cross'))
    set_fault(client, 'none')
    history = client.get('/backtest/history')[2]['backtests']
    assert len(history) == 1  # the job was accepted nonetheless
    assert client.wait(history[0]['id'])['status'] == 'done'


def test_drop_unaccepted(client):
    set_fault(client, 'drop_unaccepted')
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.post('/backtest/run', {**body_for('goog_sma_cross'), 'run_key': 'k1'})
    set_fault(client, 'none')
    assert client.get('/backtest/history')[2] == {'backtests': []}  # nothing was accepted


def test_forget(client):
    set_fault(client, 'forget')
    status, _, doc, _ = client.post('/backtest/run', {**body_for('goog_sma_cross'), 'run_key': 'k2'})
    assert status == 202
    set_fault(client, 'none')
    assert client.get(f"/backtest/results/{doc['id']}")[0] == 404
    assert client.get('/backtest/history?run_key=k2')[2] == {'backtests': []}


# ------------------------------------------------------------------ as a process

def test_process_port_file_options_and_sigterm(tmp_path):
    argv = [sys.executable, '-B', FAKE, '--fault', 'slow', '--delay-s', '0.05', '--run-seconds', '0.1',
            '--workers', '3']
    with service_process(argv, tmp_path) as (proc, client):
        doc = client.get('/health')[2]
        assert doc['workers'] == 3 and doc['library_version'] == '0.6.6 (replay)'
        assert client.post('/_fault', {})[2] == {'mode': 'slow', 'delay_s': 0.05}
        job_id = client.submit(body_for('goog_sma_cross'))
        assert client.wait(job_id)['status'] == 'done'
        proc.terminate()
        assert proc.wait(10) == 0
