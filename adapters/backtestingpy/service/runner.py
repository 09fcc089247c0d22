"""The real runner of the service: one backtest with the backtesting library (0.6.6).

``run_backtest(request, progress, is_cancelled)`` (the runner contract of jobs.py):
  * builds the library's input: a DataFrame indexed by ``pd.to_datetime(time, unit='ns')``
    (naive, UTC) with columns Open/High/Low/Close and Volume when it was sent, over the bars of
    the request's window (validation.cut_to_window kept those of ``df.loc[start:end]``);
  * runs ``Backtest(df, <catalogue class>, cash=, commission=(commission_fixed, commission),
    spread=, margin=, trade_on_close=, hedging=, exclusive_orders=, finalize_trades=)
    .run(**params)``, where the strategy is a subclass of the catalogue class (same name) whose
    ``next()`` first raises ``CancelledRun`` once ``is_cancelled()`` and afterwards reports the
    share of bars seen about every 1 % of the bars;
  * answers the contract's ``result`` object, built by results.run_result (the conversion the
    parity references are written with), including the warnings the run raised, which are
    recorded per thread so concurrent runs do not see each other's.
``make_engine()`` is the ``http_app.Engine`` for it (library and pandas versions).

Importing this module imports backtesting; the ``run`` launcher checks that first.
"""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd

import backtesting
from backtesting import Backtest

import catalogue
import results
from http_app import Engine
from jobs import CancelledRun, RunRequest

# ------------------------------------------------------------------ warnings, per thread
#
# warnings.catch_warnings() swaps process-wide state, so two runs on two worker threads would
# lose or mix their warnings. Instead, one process-wide hook hands each warning to the list of
# the run on the current thread (or to the original hook when no run is recording), and the
# 'always' filter makes every occurrence count, as in tests/parity/make_reference.py.

_local = threading.local()
_hook_lock = threading.Lock()


def _showwarning(message, category, filename, lineno, file=None, line=None):
    sink = getattr(_local, 'sink', None)
    if sink is not None:
        sink.append(message)
    else:
        _showwarning.original(message, category, filename, lineno, file, line)


_showwarning.original = warnings.showwarning


def _ensure_warning_hook() -> None:
    with _hook_lock:
        if warnings.showwarning is not _showwarning:
            _showwarning.original = warnings.showwarning
            warnings.showwarning = _showwarning
        if not warnings.filters or warnings.filters[0][:3] != ('always', None, Warning):
            warnings.simplefilter('always')


class _RecordWarnings:
    """Collect the warnings raised on this thread while inside the block."""

    def __enter__(self) -> list:
        _ensure_warning_hook()
        self.caught = []
        _local.sink = self.caught
        return self.caught

    def __exit__(self, *exc):
        _local.sink = None
        return False


# ------------------------------------------------------------------ the run

def _frame(data: dict) -> pd.DataFrame:
    index = pd.to_datetime(np.frombuffer(data['time'], dtype=np.int64), unit='ns')
    columns = {'Open': data['open'], 'High': data['high'], 'Low': data['low'],
               'Close': data['close']}
    if data.get('volume') is not None:
        columns['Volume'] = data['volume']
    return pd.DataFrame({k: np.array(v, dtype=np.float64) for k, v in columns.items()},
                        index=index)


def _instrumented(base, bars: int, progress, is_cancelled):
    """A subclass of `base` whose next() honours cancel and reports progress ~every 1 %."""
    step = max(1, bars // 100)
    state = {'next_report': step}
    base_next = base.next

    def next(self):  # noqa: A001 - the library calls it next()
        if is_cancelled():
            raise CancelledRun()
        base_next(self)
        seen = len(self.data)
        if seen >= state['next_report']:
            state['next_report'] = seen + step
            progress(seen / bars)

    return type(base.__name__, (base,), {'next': next, '__module__': base.__module__,
                                         '__doc__': base.__doc__})


def backtest_kwargs(settings: dict) -> dict:
    return dict(cash=settings['cash'],
                commission=(settings['commission_fixed'], settings['commission']),
                spread=settings['spread'], margin=settings['margin'],
                trade_on_close=settings['trade_on_close'], hedging=settings['hedging'],
                exclusive_orders=settings['exclusive_orders'],
                finalize_trades=settings['finalize_trades'])


def run_backtest(request: RunRequest, progress, is_cancelled) -> dict:
    df = _frame(request.data)
    strategy = _instrumented(catalogue.CATALOGUE[request.strategy], len(df), progress,
                             is_cancelled)
    with _RecordWarnings() as caught:
        stats = Backtest(df, strategy, **backtest_kwargs(request.settings)).run(**request.params)
    if is_cancelled():  # cancelled while the statistics were computed
        raise CancelledRun()
    return results.run_result(stats, caught)


def make_engine() -> Engine:
    return Engine(runner=run_backtest, library='backtesting',
                  library_version=getattr(backtesting, '__version__', 'unknown'),
                  pandas_version=pd.__version__)
