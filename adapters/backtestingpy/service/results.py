"""One conversion of backtesting.py run outputs, shared by the service and the parity generator.

The service (runner.py) answers these as the ``result`` object of the HTTP contract
(docs/engines/backtestingpy.md); tests/parity/make_reference.py writes the same values as the
reference CSV/JSON files. Keeping the extraction here means both read a run identically.

Contract:
  * ``TRADE_COLUMNS``: the trade fields, in order (CSV header, JSON keys).
  * ``closed_trade_values(stats)`` / ``open_trade_values(strategy)``: one tuple of raw values
    (numpy/pandas scalars, None, NaN, NaT) per trade in TRADE_COLUMNS order. Closed trades come
    from ``stats._trades``; open ones from ``stats._strategy.trades`` (still open at the end), with
    exit fields None and pnl/return_pct the library's unrealized ``Trade.pl``/``pl_pct`` at the
    last close (commission = ``Trade._commissions``, 0 while open).
  * ``trade_json(values)``: such a tuple as the contract's trade object: size an int when whole,
    bars ints, times ISO-8601, and JSON null for every NaN/None/NaT.
  * ``jvalue(v)`` / ``stats_json(stats)``: statistics verbatim in library order (all keys but
    ``_strategy``, ``_equity_curve``, ``_trades``): timestamps ISO-8601, durations
    ``{"seconds": float}``, NaN/NaT as "NaN", infinities as "inf"/"-inf".
  * ``warmup_bars(strategy)``: the library's indicator warm-up (``_indicator_warmup_nbars``).
  * ``warning_summary(caught)``: distinct warning texts with counts, bar-specific parts folded.
  * ``run_result(stats, caught)``: the whole contract ``result`` object.

No module is imported at load time beyond the standard library; numpy, pandas and
backtesting are imported by the functions that need them (the caller has them loaded anyway).
"""
from __future__ import annotations

import math
import re

TRADE_COLUMNS = ['size', 'entry_bar', 'exit_bar', 'entry_price', 'exit_price', 'sl', 'tp',
                 'pnl', 'return_pct', 'commission', 'entry_time', 'exit_time', 'tag']

_STATS_HIDDEN = ('_strategy', '_equity_curve', '_trades')


def jvalue(v):
    """A statistics value as JSON (see the module docstring)."""
    import numpy as np
    import pandas as pd
    if v is None:
        return None
    if v is pd.NaT:
        return 'NaN'
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return {'seconds': v.total_seconds()}
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if math.isnan(v):
            return 'NaN'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
        return v
    raise TypeError(f'unexpected stats value {v!r} ({type(v)})')


def stats_json(stats) -> dict:
    """``Backtest.run()`` statistics as an ordered JSON object."""
    return {k: jvalue(stats[k]) for k in stats.index if k not in _STATS_HIDDEN}


def closed_trade_values(stats) -> list:
    """Raw TRADE_COLUMNS tuples of the closed trades (``stats._trades``)."""
    return [(r.Size, r.EntryBar, r.ExitBar, r.EntryPrice, r.ExitPrice, r.SL, r.TP, r.PnL,
             r.ReturnPct, r.Commission, r.EntryTime, r.ExitTime, r.Tag)
            for r in stats['_trades'].itertuples(index=False)]


def open_trade_values(strategy) -> list:
    """Raw TRADE_COLUMNS tuples of the trades still open at the end (``strategy.trades``)."""
    return [(t.size, t.entry_bar, None, t.entry_price, None, t.sl, t.tp, t.pl, t.pl_pct,
             float(t._commissions), t.entry_time, None, t.tag)
            for t in strategy.trades]


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        import pandas as pd
        if x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is always there with backtesting
        pass
    return isinstance(x, float) and math.isnan(x)


def _scalar(x):
    """numpy scalar -> Python scalar; None/NaN/NaT -> None."""
    if hasattr(x, 'item') and not hasattr(x, 'isoformat'):
        x = x.item()
    return None if _missing(x) else x


def _jfloat(x):
    x = _scalar(x)
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _jint(x):
    x = _scalar(x)
    return None if x is None else int(x)


def _jsize(x):
    x = float(_scalar(x))
    return int(x) if x.is_integer() else x


def _jtime(x):
    x = _scalar(x)
    if x is None:
        return None
    return x.isoformat() if hasattr(x, 'isoformat') else str(x)


def _jtag(x):
    x = _scalar(x)
    return None if x is None else str(x)


_TRADE_JSON = [_jsize, _jint, _jint, _jfloat, _jfloat, _jfloat, _jfloat, _jfloat, _jfloat,
               _jfloat, _jtime, _jtime, _jtag]


def trade_json(values) -> dict:
    """A TRADE_COLUMNS tuple as the contract's trade object."""
    return {name: conv(v) for name, conv, v in zip(TRADE_COLUMNS, _TRADE_JSON, values)}


def warmup_bars(strategy) -> int:
    """The library's warm-up W: the bar before the first ``next()`` call."""
    from backtesting._util import _indicator_warmup_nbars
    return int(_indicator_warmup_nbars(strategy))


def warning_summary(caught, limit=10):
    """Distinct warning texts (with 'time=<bar>: ' prefixes folded), with counts.

    `caught` holds ``warnings.WarningMessage`` records, or the warning messages themselves.
    """
    counts = {}
    for w in caught:
        msg = re.sub(r'^time=\d+: ', 'time=<bar>: ', str(getattr(w, 'message', w)))
        msg = re.sub(r'\(equity=[^)]*\)', '(equity=...)', msg)
        counts[msg] = counts.get(msg, 0) + 1
    return [{'message': m, 'count': n} for m, n in sorted(counts.items())[:limit]]


def run_result(stats, caught) -> dict:
    """The contract's ``result`` object for one ``Backtest.run()`` and the warnings it raised."""
    strategy = stats['_strategy']
    equity = stats['_equity_curve']['Equity'].to_numpy(dtype=float).tolist()
    return {
        'stats': stats_json(stats),
        'trades': [trade_json(v) for v in closed_trade_values(stats)],
        'open_trades': [trade_json(v) for v in open_trade_values(strategy)],
        'equity': [e if math.isfinite(e) else None for e in equity],
        'warmup_bars': warmup_bars(strategy),
        'warnings': warning_summary(caught),
    }
