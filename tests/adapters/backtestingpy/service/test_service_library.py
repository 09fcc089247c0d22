"""Real-library tests: the service with backtesting.py 0.6.6 against the parity references.

Skipped unless ``backtesting`` is importable or $BTR_BACKTESTING_SRC names a backtesting.py
0.6.6 source tree (see conftest.py). The service runs as a subprocess (adapters/backtestingpy/
service/run, or run_from_source.py for a source tree) on an ephemeral port. Every recorded case
that has an equity curve (tests/parity/reference/*/equity.csv) is run, all at once so runs
overlap on the workers, and must equal its recording exactly: statistics, closed and open
trades, equity, warm-up and warnings.
"""
from __future__ import annotations

import math
import os
import random
import time

import pytest

import backtestingpy_fake
from conftest import (REFERENCE_DIR, load_bars, needs_library, read_meta, real_service_argv,
                      recorded_body, service_process)

pytestmark = needs_library

CASES = [r.id for r in backtestingpy_fake.load_recordings(REFERENCE_DIR)]


@pytest.fixture(scope='module')
def service(tmp_path_factory):
    with service_process(real_service_argv(), tmp_path_factory.mktemp('service')) as (proc, client):
        yield proc, client


@pytest.fixture(scope='module')
def client(service):
    return service[1]


@pytest.fixture(scope='module')
def recorded_runs(client):
    """Every replayable case submitted at once; case id -> finished job."""
    data, ids = {}, {}
    for case in CASES:
        meta = read_meta(case)
        if meta['data'] not in data:
            data[meta['data']] = load_bars(meta['data'])
        ids[case] = client.submit(recorded_body(meta, data[meta['data']]))
    return {case: client.wait(job_id, timeout=300) for case, job_id in ids.items()}


def synthetic_data(n: int, seed: int = 7) -> dict:
    """A deterministic 1-minute random walk with 4-decimal prices."""
    rng = random.Random(seed)
    t0 = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z
    data = {k: [] for k in ('time', 'open', 'high', 'low', 'close', 'volume')}
    price = 100.0
    for i in range(n):
        close = round(price * math.exp(rng.gauss(0, 0.001)), 4)
        data['time'].append(t0 + i * 60 * 10**9)
        data['open'].append(price)
        data['high'].append(round(max(price, close) + 0.01, 4))
        data['low'].append(round(min(price, close) - 0.01, 4))
        data['close'].append(close)
        data['volume'].append(1000.0)
        price = close
    return data


def test_health_names_the_library(client):
    status, _, doc, _ = client.get('/health')
    assert status == 200 and doc['status'] == 'ok'
    assert doc['library'] == 'backtesting'
    # the recordings are 0.6.6's; a source tree reports "0.6.6 (source tree)"
    assert doc['library_version'].startswith('0.6.6'), doc['library_version']
    assert doc['service_version'] == '1.0.0' and doc['workers'] == 2


@pytest.mark.parametrize('case', CASES)
def test_recorded_case_is_reproduced_exactly(recorded_runs, case):
    job = recorded_runs[case]
    assert job['status'] == 'done', job.get('error')
    assert job['progress'] == 1.0
    expected = backtestingpy_fake.Recording(os.path.join(REFERENCE_DIR, case)).result()
    got = job['result']
    assert list(got) == ['stats', 'trades', 'open_trades', 'equity', 'warmup_bars', 'warnings']
    assert list(got['stats']) == list(expected['stats'])  # the library's order
    for key in expected:
        assert got[key] == expected[key], f'{case}: result.{key} differs from the recording'


def test_goog_sma_cross_headline_numbers(recorded_runs):
    result = recorded_runs['goog_sma_cross']['result']
    assert result['stats']['Return [%]'] == 718.1237000000001
    assert result['stats']['Duration'] == {'seconds': 269222400.0}
    assert len(result['trades']) == 93 and len(result['open_trades']) == 1
    assert result['trades'][0] == {
        'size': -59, 'entry_bar': 63, 'exit_bar': 75, 'entry_price': 169.02, 'exit_price': 179.13,
        'sl': None, 'tp': None, 'pnl': -596.4899999999991, 'return_pct': -0.05981540646077388,
        'commission': 0.0, 'entry_time': '2004-11-17T00:00:00', 'exit_time': '2004-12-06T00:00:00',
        'tag': None}
    assert result['open_trades'][0]['exit_bar'] is None
    assert len(result['equity']) == 2148 and result['warmup_bars'] == 19


def test_progress_rises_to_one(client):
    job_id = client.submit({'strategy': 'sma_cross', 'data': synthetic_data(30000)})
    seen = []
    while True:
        job = client.job(job_id)
        seen.append(job['progress'])
        if job['status'] in ('done', 'failed', 'cancelled'):
            break
        time.sleep(0.005)
    assert job['status'] == 'done', job['error']
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len(job['result']['equity']) == 30000


def test_a_window_runs_as_the_library_does_on_df_loc(client):
    """start/end on the whole data give the run on the bars of df.loc[start:end]."""
    import pandas as pd
    data = synthetic_data(3000, seed=11)
    start, end = data['time'][700], data['time'][2100] + 30 * 10**9  # end between two bars
    frame = pd.DataFrame(data, index=pd.to_datetime(data['time'], unit='ns'))
    cut = frame.loc[pd.Timestamp(start, unit='ns'):pd.Timestamp(end, unit='ns')]
    cut_data = {k: [int(v) if k == 'time' else float(v) for v in cut[k]] for k in data}
    body = {'strategy': 'sma_cross', 'params': {'fast': 5, 'slow': 30},
            'settings': {'commission': 0.001}}
    windowed = client.wait(client.submit({**body, 'data': data, 'start': start, 'end': end}))
    on_cut = client.wait(client.submit({**body, 'data': cut_data}))
    assert windowed['status'] == on_cut['status'] == 'done'
    assert windowed['bars'] == on_cut['bars'] == 1401
    for key in ('equity', 'trades', 'open_trades', 'warmup_bars', 'stats'):
        assert windowed['result'][key] == on_cut['result'][key], key


def test_cancel_a_long_run(client):
    job_id = client.submit({'strategy': 'sma_cross', 'params': {'fast': 5, 'slow': 30},
                            'data': synthetic_data(200_000)})
    job = client.wait(job_id, until=0.03, timeout=120)
    assert job['status'] == 'running' and 0.03 <= job['progress'] < 0.9, job
    status, _, doc, _ = client.delete(f'/backtest/{job_id}')
    assert (status, doc) == (202, {'id': job_id, 'status': 'cancelling'})
    cancelled_at = time.monotonic()
    job = client.wait(job_id, timeout=30)
    assert job['status'] == 'cancelled' and 'result' not in job
    assert time.monotonic() - cancelled_at < 5
    assert job['progress'] < 1.0


def test_sigterm_stops_the_service(tmp_path):
    with service_process(real_service_argv(), tmp_path) as (proc, client):
        job_id = client.submit({'strategy': 'sma_cross', 'data': synthetic_data(200_000, seed=3)})
        client.wait(job_id, until=0.01, timeout=120)
        proc.terminate()
        assert proc.wait(15) == 0
