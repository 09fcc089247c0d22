"""Validation of ``POST /backtest/run`` bodies (stdlib only).

``parse_run_request(doc, max_bars)`` turns the decoded JSON body into a ``jobs.RunRequest`` or
raises ``ApiError`` naming the offending field by its JSON path, per
docs/engines/backtestingpy.md:

  * the body is an object with ``strategy`` (required), ``params``, ``settings``, ``data``
    (required) and ``run_key``; other keys are rejected;
  * ``start`` and ``end``, when present (and not null), bound the run to the bars with
    start <= time <= end: integers in ns since the epoch like ``data.time``, both inclusive,
    start not after end. The bars outside are dropped before the run, which then sees exactly
    the bars of pandas' ``df.loc[start:end]`` (indicators warm up inside the window; bar indexes
    and the equity curve are the window's). Fewer than 2 bars inside is an error naming the
    field and the data's first and last bar times;
  * ``run_key``, when present, is the client's key for this run (1 to 128 characters of
    ``A-Z a-z 0-9 . _ : -``): a second submit with the same key answers the first job;
  * ``strategy`` names a catalogue strategy; ``params`` are checked by ``params.coerce_params``;
  * ``settings`` keys are those of ``DEFAULT_SETTINGS`` (unknown keys rejected): ``cash`` > 0,
    ``commission`` in [0, 0.1) (backtesting.py refuses 10 % and more), ``commission_fixed`` and
    ``spread`` >= 0, 0 < ``margin`` <= 1, all finite numbers; the four flags are JSON booleans;
  * ``data`` holds ``time``, ``open``, ``high``, ``low``, ``close`` and optionally ``volume``
    (omitted or null), arrays of one length, at least 2; ``time`` holds integers (ns since the
    epoch, within int64), strictly increasing; the others finite numbers. An element error names
    the element (``data.close[17]``). More than `max_bars` bars answer 413 (field ``data.time``).

Errors are 400 ``invalid_argument`` unless stated. The bars come back as compact arrays
(``array('q')`` for time, ``array('d')`` for the rest) so the decoded lists can be dropped.
"""
from __future__ import annotations

import bisect
import datetime
import math
import re
import operator
from array import array
from itertools import islice

from jobs import RunRequest
from params import ParamError, coerce_params

DEFAULT_SETTINGS = {
    'cash': 10000.0, 'commission': 0.0, 'commission_fixed': 0.0, 'spread': 0.0, 'margin': 1.0,
    'trade_on_close': False, 'hedging': False, 'exclusive_orders': False,
    'finalize_trades': False,
}
PRICE_COLUMNS = ('open', 'high', 'low', 'close')
DATA_KEYS = ('time',) + PRICE_COLUMNS + ('volume',)
BODY_KEYS = ('strategy', 'params', 'settings', 'data', 'run_key', 'start', 'end')
RUN_KEY_PATTERN = re.compile(r'[A-Za-z0-9._:-]{1,128}')


class ApiError(Exception):
    """An HTTP error answer: status, code, message, field (JSON path or None)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def body(self) -> dict:
        return {'error': {'code': self.code, 'message': self.message, 'field': self.field}}


def invalid(field: str | None, message: str) -> ApiError:
    return ApiError(400, 'invalid_argument', f'{field}: {message}' if field else message, field)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond the float range
        return False


# ------------------------------------------------------------------------- settings

def _check_setting(key: str, value):
    field = f'settings.{key}'
    if isinstance(DEFAULT_SETTINGS[key], bool):
        if not isinstance(value, bool):
            raise invalid(field, 'expected true or false')
        return value
    if not _is_number(value) or not _finite(value):
        raise invalid(field, 'expected a finite number')
    if key == 'cash' and not value > 0:
        raise invalid(field, 'must be > 0')
    if key == 'margin' and not 0 < value <= 1:
        raise invalid(field, 'must be in (0, 1]')
    if key in ('commission', 'commission_fixed', 'spread') and value < 0:
        raise invalid(field, 'must be >= 0')
    if key == 'commission' and value >= 0.1:
        raise invalid(field, 'must be < 0.1 (a fraction of the traded value)')
    return value


def parse_settings(settings) -> dict:
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise invalid('settings', 'expected an object')
    out = dict(DEFAULT_SETTINGS)
    for key, value in settings.items():
        if key not in DEFAULT_SETTINGS:
            raise invalid(f'settings.{key}', 'unknown setting (known: '
                          + ', '.join(DEFAULT_SETTINGS) + ')')
        out[key] = _check_setting(key, value)
    return out


# ------------------------------------------------------------------------- data

def _first(values, bad) -> int:
    return next(i for i, v in enumerate(values) if bad(v))


def _numbers(name: str, values: list) -> array:
    """A list of finite JSON numbers as array('d'); the first bad element named otherwise."""
    types = set(map(type, values))
    if not types <= {int, float}:
        i = _first(values, lambda v: type(v) not in (int, float))
        raise invalid(f'data.{name}[{i}]', f'expected a number, got {json_type(values[i])}')
    try:
        out = array('d', values)
    except OverflowError:
        i = _first(values, lambda v: not _finite(v))
        raise invalid(f'data.{name}[{i}]', 'number out of range') from None
    if not all(map(math.isfinite, out)):
        i = _first(out, lambda v: not math.isfinite(v))
        raise invalid(f'data.{name}[{i}]', 'expected a finite number')
    return out


def _times(values: list) -> array:
    """Integer ns times, strictly increasing, as array('q')."""
    if set(map(type, values)) != {int}:
        i = _first(values, lambda v: type(v) is not int)
        raise invalid(f'data.time[{i}]', 'expected an integer (ns since the Unix epoch), got '
                      + json_type(values[i]))
    try:
        out = array('q', values)
    except OverflowError:
        i = _first(values, lambda v: not -2**63 < v < 2**63)
        raise invalid(f'data.time[{i}]', 'outside the 64-bit nanosecond range') from None
    if out[0] == -2**63:  # pandas' NaT
        raise invalid('data.time[0]', 'outside the 64-bit nanosecond range')
    if not all(map(operator.lt, out, islice(out, 1, None))):
        i = 1 + _first(range(len(out) - 1), lambda k: not out[k] < out[k + 1])
        raise invalid(f'data.time[{i}]', 'times must be strictly increasing')
    return out


def parse_data(data, max_bars: int) -> dict:
    if not isinstance(data, dict):
        raise invalid('data', 'expected an object with time, open, high, low, close (, volume)')
    for key in data:
        if key not in DATA_KEYS:
            raise invalid(f'data.{key}', 'unknown column (known: ' + ', '.join(DATA_KEYS) + ')')
    columns = [k for k in DATA_KEYS if k != 'volume' or data.get('volume') is not None]
    for key in columns:
        if key not in data:
            raise invalid(f'data.{key}', 'missing')
        if not isinstance(data[key], list):
            raise invalid(f'data.{key}', 'expected an array')
    n = len(data['time'])
    if n > max_bars:
        raise ApiError(413, 'payload_too_large',
                       f'data.time: {n} bars exceed the service limit of {max_bars}', 'data.time')
    if n < 2:
        raise invalid('data.time', f'at least 2 bars needed, got {n}')
    for key in columns[1:]:
        if len(data[key]) != n:
            raise invalid(f'data.{key}', f'has {len(data[key])} values, data.time has {n}')
    out = {'time': _times(data['time']), 'volume': None}
    for key in columns[1:]:
        out[key] = _numbers(key, data[key])
    return out


# ------------------------------------------------------------------------- window

def _bound(doc: dict, key: str):
    """The optional window bound ``key``: None when absent or null, else an int64 of ns."""
    value = doc.get(key)
    if value is None:
        return None
    if type(value) is not int:
        raise invalid(key, f'expected an integer (ns since the Unix epoch, inclusive), got '
                      f'{json_type(value)}')
    if not -2**63 < value < 2**63:
        raise invalid(key, 'outside the 64-bit nanosecond range')
    return value


def _iso(ns: int) -> str:
    """ns since the epoch as ISO-8601 UTC text, for messages."""
    seconds, rest = divmod(ns, 10**9)
    text = (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)).isoformat()
    return text + (f'.{rest:09d}' if rest else '') + 'Z'


def cut_to_window(data: dict, start, end) -> dict:
    """The bars of `data` with start <= time <= end (None: unbounded), as df.loc[start:end]
    selects them on the time index; at least 2 must remain."""
    if start is None and end is None:
        return data
    if start is not None and end is not None and start > end:
        raise invalid('start', f'{start} is after end {end}; start must not be after end')
    times = data['time']
    first = 0 if start is None else bisect.bisect_left(times, start)
    stop = len(times) if end is None else bisect.bisect_right(times, end)
    if stop - first < 2:
        field = 'end' if start is None or (end is not None and end < times[0]) else 'start'
        raise invalid(field, f'the window holds {max(0, stop - first)} bars, at least 2 are '
                      f'needed (the data runs from {_iso(times[0])} to {_iso(times[-1])})')
    if first == 0 and stop == len(times):
        return data
    return {k: (None if v is None else v[first:stop]) for k, v in data.items()}


def json_type(v) -> str:
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'a boolean'
    return {str: 'a string', list: 'an array', dict: 'an object', float: 'a number',
            int: 'an integer'}.get(type(v), type(v).__name__)


# ------------------------------------------------------------------------- body

def parse_run_request(doc, max_bars: int) -> RunRequest:
    if not isinstance(doc, dict):
        raise invalid(None, f'the body must be a JSON object, got {json_type(doc)}')
    for key in doc:
        if key not in BODY_KEYS:
            raise invalid(key, 'unknown member (known: ' + ', '.join(BODY_KEYS) + ')')
    if 'strategy' not in doc:
        raise invalid('strategy', 'missing')
    if not isinstance(doc['strategy'], str):
        raise invalid('strategy', f'expected a string, got {json_type(doc["strategy"])}')
    try:
        params = coerce_params(doc['strategy'], doc.get('params'))
    except ParamError as exc:
        raise ApiError(400, 'invalid_argument', str(exc), exc.field) from None
    settings = parse_settings(doc.get('settings'))
    if 'data' not in doc:
        raise invalid('data', 'missing')
    data = cut_to_window(parse_data(doc['data'], max_bars), _bound(doc, 'start'),
                         _bound(doc, 'end'))
    return RunRequest(strategy=doc['strategy'], params=params, settings=settings, data=data,
                      run_key=parse_run_key(doc.get('run_key')))


def parse_run_key(value):
    """The optional ``run_key``: None when absent or null, else a checked string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid('run_key', f'expected a string, got {json_type(value)}')
    if not RUN_KEY_PATTERN.fullmatch(value):
        raise invalid('run_key', 'expected 1 to 128 characters of A-Z, a-z, 0-9 and . _ : -')
    return value
