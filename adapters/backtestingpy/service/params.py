"""Typed parameter metadata of the btrouter strategy catalogue (no backtesting.py needed).

Contract:
  * ``CLASS_NAMES`` maps each catalogue name to the name of its backtesting.py ``Strategy``
    class in catalogue.py (catalogue.py checks at import that the two agree).
  * ``PARAMS`` maps each catalogue name to its parameters, in order, as
    ``{"name", "type", "default", "min"}``: type is "int", "float" or "bool"; min is inclusive
    (None = no minimum). These are the class attributes ``Backtest.run(**params)`` sets.
  * ``describe()`` is the JSON answer of ``GET /strategies`` (docs/engines/backtestingpy.md).
  * ``coerce_params(strategy, params)`` validates user parameters and returns them coerced
    (ints whole, floats finite, bools real booleans); parameters that are absent stay absent.
    It raises ``ParamError`` (a ValueError) whose text starts with the offending field's JSON
    path and whose ``field`` attribute is that path ("strategy", "params", "params.fast").
  * ``with_defaults(strategy, params)`` is the full parameter set: catalogue defaults overlaid
    with the (coerced) given values.

Only the standard library is imported, so the HTTP layer and test fakes can use this module
without pandas or backtesting.py.
"""
from __future__ import annotations

import math

# catalogue name -> class name in catalogue.py, in catalogue order
CLASS_NAMES = {
    'sma_cross': 'SmaCross',
    'rsi_reversion': 'RsiReversion',
    'ema_cross': 'EmaCross',
    'macd_cross': 'MacdCross',
    'bollinger_reversion': 'BollingerReversion',
    'donchian_breakout': 'DonchianBreakout',
    'buy_and_hold': 'BuyAndHold',
}


def _p(name, typ, default, minimum=None):
    return {'name': name, 'type': typ, 'default': default, 'min': minimum}


# type is one of "int", "float", "bool"; min is inclusive (None = no minimum)
PARAMS = {
    'sma_cross': [_p('fast', 'int', 10, 1), _p('slow', 'int', 20, 1),
                  _p('long_only', 'bool', False), _p('sl_pct', 'float', 0.0, 0.0),
                  _p('tp_pct', 'float', 0.0, 0.0)],
    'rsi_reversion': [_p('period', 'int', 14, 1), _p('lower', 'float', 30.0, 0.0),
                      _p('upper', 'float', 70.0, 0.0)],
    'ema_cross': [_p('fast', 'int', 12, 1), _p('slow', 'int', 26, 1)],
    'macd_cross': [_p('fast', 'int', 12, 1), _p('slow', 'int', 26, 1), _p('signal', 'int', 9, 1)],
    'bollinger_reversion': [_p('period', 'int', 20, 1), _p('k', 'float', 2.0, 0.0)],
    'donchian_breakout': [_p('period', 'int', 20, 1)],
    'buy_and_hold': [],
}

assert list(PARAMS) == list(CLASS_NAMES), 'PARAMS and CLASS_NAMES must list the same strategies'


class ParamError(ValueError):
    """Invalid strategy or parameter; ``field`` is the JSON path of the offending value."""

    def __init__(self, field: str, message: str):
        super().__init__(f'{field}: {message}' if field else message)
        self.field = field


def describe():
    """JSON-serialisable catalogue: [{name, class, params:[{name,type,default,min}]}]."""
    return [{'name': n, 'class': CLASS_NAMES[n], 'params': [dict(p) for p in PARAMS[n]]}
            for n in PARAMS]


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _whole_float(v: float) -> bool:
    return math.isfinite(v) and v.is_integer()


def coerce_params(strategy: str, params: dict) -> dict:
    """Validate and coerce user params against PARAMS; raises ParamError naming the field."""
    if not isinstance(strategy, str) or strategy not in PARAMS:
        raise ParamError('strategy', f'unknown strategy {strategy!r}')
    if params is not None and not isinstance(params, dict):
        raise ParamError('params', 'expected an object')
    spec = {p['name']: p for p in PARAMS[strategy]}
    out = {}
    for k, v in (params or {}).items():
        field = f'params.{k}'
        if k not in spec:
            raise ParamError(field, f'unknown parameter for {strategy}')
        p = spec[k]
        t = p['type']
        if t == 'bool':
            if not isinstance(v, bool):
                raise ParamError(field, 'expected bool')
        elif t == 'int':
            if not _is_number(v) or not (isinstance(v, int) or _whole_float(v)):
                raise ParamError(field, 'expected integer')
            v = int(v)
        else:
            if not _is_number(v) or not math.isfinite(v):
                raise ParamError(field, 'expected finite number')
            v = float(v)
        if p['min'] is not None and t != 'bool' and v < p['min']:
            raise ParamError(field, f'must be >= {p["min"]}')
        out[k] = v
    return out


def with_defaults(strategy: str, params: dict) -> dict:
    """Every parameter of `strategy`: the catalogue defaults overlaid with coerced `params`."""
    given = coerce_params(strategy, params)
    return {p['name']: given.get(p['name'], p['default']) for p in PARAMS[strategy]}
