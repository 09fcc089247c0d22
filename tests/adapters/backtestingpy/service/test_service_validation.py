"""Request validation of the Backtesting.py service (no backtesting library needed).

Every malformed ``POST /backtest/run`` answers 400 ``invalid_argument`` (413 for size) naming
the offending field by its JSON path, and queues nothing (docs/engines/backtestingpy.md).
"""
from __future__ import annotations

import json
import socket

import pytest

from conftest import assert_error, tiny_body, tiny_data

# ------------------------------------------------------------------ validation

def with_data(**columns):
    data = tiny_data(4)
    data.update(columns)
    return {'strategy': 'sma_cross', 'data': {k: v for k, v in data.items() if v is not None}}


BAD_BODIES = [
    ({'data': tiny_data()}, 'strategy'),
    ({'strategy': 7, 'data': tiny_data()}, 'strategy'),
    ({'strategy': 'nope', 'data': tiny_data()}, 'strategy'),
    ({'strategy': 'sma_cross', 'params': [], 'data': tiny_data()}, 'params'),
    ({'strategy': 'sma_cross', 'params': {'fast': 'x'}, 'data': tiny_data()}, 'params.fast'),
    ({'strategy': 'sma_cross', 'params': {'fast': 2.5}, 'data': tiny_data()}, 'params.fast'),
    ({'strategy': 'sma_cross', 'params': {'fast': 0}, 'data': tiny_data()}, 'params.fast'),
    ({'strategy': 'sma_cross', 'params': {'long_only': 1}, 'data': tiny_data()}, 'params.long_only'),
    ({'strategy': 'sma_cross', 'params': {'period': 3}, 'data': tiny_data()}, 'params.period'),
    ({'strategy': 'sma_cross', 'settings': [], 'data': tiny_data()}, 'settings'),
    ({'strategy': 'sma_cross', 'settings': {'leverage': 2}, 'data': tiny_data()}, 'settings.leverage'),
    ({'strategy': 'sma_cross', 'settings': {'cash': 0}, 'data': tiny_data()}, 'settings.cash'),
    ({'strategy': 'sma_cross', 'settings': {'cash': True}, 'data': tiny_data()}, 'settings.cash'),
    ({'strategy': 'sma_cross', 'settings': {'cash': '1'}, 'data': tiny_data()}, 'settings.cash'),
    ({'strategy': 'sma_cross', 'settings': {'margin': 0}, 'data': tiny_data()}, 'settings.margin'),
    ({'strategy': 'sma_cross', 'settings': {'margin': 1.5}, 'data': tiny_data()}, 'settings.margin'),
    ({'strategy': 'sma_cross', 'settings': {'commission': -0.001}, 'data': tiny_data()},
     'settings.commission'),
    ({'strategy': 'sma_cross', 'settings': {'commission': 0.1}, 'data': tiny_data()},
     'settings.commission'),
    ({'strategy': 'sma_cross', 'settings': {'commission_fixed': -1}, 'data': tiny_data()},
     'settings.commission_fixed'),
    ({'strategy': 'sma_cross', 'settings': {'spread': -0.1}, 'data': tiny_data()}, 'settings.spread'),
    ({'strategy': 'sma_cross', 'settings': {'hedging': 0}, 'data': tiny_data()}, 'settings.hedging'),
    ({'strategy': 'sma_cross', 'settings': {'finalize_trades': 'yes'}, 'data': tiny_data()},
     'settings.finalize_trades'),
    ({'strategy': 'sma_cross'}, 'data'),
    ({'strategy': 'sma_cross', 'data': []}, 'data'),
    ({'strategy': 'sma_cross', 'data': tiny_data(), 'extra': 1}, 'extra'),
    (with_data(close=None), 'data.close'),
    (with_data(open='1,2'), 'data.open'),
    (with_data(bid=[1, 2, 3, 4]), 'data.bid'),
    (with_data(high=[1.0, 2.0, 3.0]), 'data.high'),
    (with_data(volume=[1, 2]), 'data.volume'),
    (with_data(low=[1.0, None, 3.0, 4.0]), 'data.low[1]'),
    (with_data(open=[1.0, 2.0, '3', 4.0]), 'data.open[2]'),
    (with_data(close=[1.0, 2.0, 3.0, True]), 'data.close[3]'),
    (with_data(close=[1.0, 2.0, 10**400, 4.0]), 'data.close[2]'),
    (with_data(volume=[1, 2, 3, [4]]), 'data.volume[3]'),
    (with_data(time=[1, 2, 3.0, 4]), 'data.time[2]'),
    (with_data(time=[1, 2, 2, 4]), 'data.time[2]'),
    (with_data(time=[1, 3, 2, 4]), 'data.time[2]'),
    (with_data(time=[1, 2, 3, 2**63]), 'data.time[3]'),
    ({'strategy': 'sma_cross', 'data': {k: v[:1] for k, v in tiny_data().items()}}, 'data.time'),
    ({'strategy': 'sma_cross', 'data': tiny_data(), 'start': '2023-11-14'}, 'start'),
    ({'strategy': 'sma_cross', 'data': tiny_data(), 'end': True}, 'end'),
    ({'strategy': 'sma_cross', 'data': tiny_data(), 'end': 2**63}, 'end'),
    ({'strategy': 'sma_cross', 'data': tiny_data(), 'start': 2, 'end': 1}, 'start'),
]


@pytest.mark.parametrize('body,field', BAD_BODIES, ids=[f for _, f in BAD_BODIES])
def test_invalid_body_names_the_field(client, body, field):
    message = assert_error(client.post('/backtest/run', body), 400, 'invalid_argument', field)
    assert message.startswith(field + ': ')
    assert client.get('/backtest/history')[2] == {'backtests': []}  # nothing was queued


def test_huge_literal_is_rejected_as_not_finite(client):
    body = json.dumps(with_data()).replace('"close": [', '"close": [1e999, ').encode()
    body = body.replace(b'"time": [', b'"time": [0, ').replace(b'"open": [', b'"open": [1, ')
    body = body.replace(b'"high": [', b'"high": [1, ').replace(b'"low": [', b'"low": [1, ')
    body = body.replace(b'"volume": [', b'"volume": [1, ')
    assert_error(client.post('/backtest/run', body), 400, 'invalid_argument', 'data.close[0]')


def test_volume_may_be_omitted_or_null(client):
    for volume in (None, 'null'):
        body = with_data(volume=None)
        if volume == 'null':
            body['data']['volume'] = None
        assert client.wait(client.submit(body))['status'] == 'done'


@pytest.mark.parametrize('raw', [b'', b'{', b'[1, 2]', b'"x"', b'null', b'\xff\xfe{',
                                 b'{"strategy": "sma_cross", "x": NaN}', b'[' * 100000])
def test_body_must_be_a_json_object(client, raw):
    assert_error(client.post('/backtest/run', raw), 400, 'invalid_argument', None)


def raw_exchange(port: int, request: bytes) -> str:
    """Send `request` as is; the whole answer up to the server's close."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b''.join(chunks).decode()


def test_content_length_is_required(client):
    answer = raw_exchange(client.port, b'POST /backtest/run HTTP/1.1\r\nHost: x\r\n'
                          b'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
    assert answer.startswith('HTTP/1.1 400') and '"invalid_argument"' in answer
    answer = raw_exchange(client.port, b'POST /backtest/run HTTP/1.1\r\nHost: x\r\n'
                          b'Connection: close\r\n\r\n')
    assert answer.startswith('HTTP/1.1 400') and 'Content-Length is required' in answer


def test_oversized_body_answers_413_before_it_is_sent(client):
    answer = raw_exchange(client.port, b'POST /backtest/run HTTP/1.1\r\nHost: x\r\n'
                          b'Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n'
                          b'{"strategy":')
    head, _, body = answer.partition('\r\n\r\n')
    assert head.startswith('HTTP/1.1 413') and 'Connection: close' in head
    assert json.loads(body)['error']['code'] == 'payload_too_large'


def test_oversized_body_announced_with_expect_is_refused_before_upload(client):
    answer = raw_exchange(client.port, b'POST /backtest/run HTTP/1.1\r\nHost: x\r\n'
                          b'Expect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n')
    assert answer.startswith('HTTP/1.1 413') and '100 Continue' not in answer
    assert '"payload_too_large"' in answer


def test_413_is_readable_while_the_client_is_still_uploading(client):
    with socket.create_connection(('127.0.0.1', client.port), timeout=10) as s:
        s.sendall(b'POST /backtest/run HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n')
        try:
            s.sendall(b'[' + b'1,' * 1_400_000)  # more than the limit, as a client would
        except OSError:
            pass
        answer = s.recv(65536).decode()
    assert answer.startswith('HTTP/1.1 413')


def test_too_many_bars_answer_413(client):
    assert_error(client.post('/backtest/run', tiny_body(1001)), 413, 'payload_too_large', 'data.time')


# ------------------------------------------------------------------ the window (start, end)

T0 = 1_700_000_000 * 10**9
MINUTE = 60 * 10**9


def window_body(start=None, end=None, n=8):
    body = tiny_body(n)
    if start is not None:
        body['start'] = start
    if end is not None:
        body['end'] = end
    return body


@pytest.mark.parametrize('start,end,kept', [
    (None, None, range(0, 8)),
    (T0 + 2 * MINUTE, None, range(2, 8)),
    (None, T0 + 5 * MINUTE, range(0, 6)),
    (T0 + 2 * MINUTE, T0 + 5 * MINUTE, range(2, 6)),        # both ends inclusive
    (T0 + 2 * MINUTE - 1, T0 + 5 * MINUTE + 1, range(2, 6)),  # between bars
    (T0 - 10 * MINUTE, T0 + 100 * MINUTE, range(0, 8)),     # wider than the data
])
def test_the_window_keeps_the_bars_inside_it(client, start, end, kept):
    body = window_body(start, end)
    job = client.wait(client.submit(body))
    assert job['status'] == 'done', job
    assert job['bars'] == len(kept)
    # The scripted runner answers the closes it was given as the equity curve.
    assert job['result']['equity'] == [body['data']['close'][i] for i in kept]


def test_the_window_selects_what_pandas_loc_selects():
    pd = pytest.importorskip('pandas')
    import validation
    data = tiny_data(30)
    index = pd.to_datetime(data['time'], unit='ns')
    frame = pd.DataFrame({'Close': data['close']}, index=index)
    for start, end in [(T0 + 3 * MINUTE, T0 + 20 * MINUTE), (T0 + 3 * MINUTE + 1, None),
                       (None, T0 + 7 * MINUTE - 1)]:
        doc = {'strategy': 'buy_and_hold', 'data': data, 'start': start, 'end': end}
        request = validation.parse_run_request(doc, 1000)
        expected = frame.loc[None if start is None else pd.Timestamp(start, unit='ns'):
                             None if end is None else pd.Timestamp(end, unit='ns')]
        assert list(request.data['close']) == list(expected['Close'])
        assert list(request.data['time']) == [int(t.value) for t in expected.index]


def test_a_window_without_two_bars_names_the_field_and_the_data_span(client):
    for body, field in [(window_body(T0 + 7 * MINUTE), 'start'),
                        (window_body(None, T0 - 1), 'end'),
                        (window_body(T0 + MINUTE, T0 + MINUTE), 'start')]:
        message = assert_error(client.post('/backtest/run', body), 400, 'invalid_argument', field)
        assert 'at least 2 are needed' in message
        assert '2023-11-14T22:13:20Z to 2023-11-14T22:20:20Z' in message
    assert client.get('/backtest/history')[2] == {'backtests': []}
