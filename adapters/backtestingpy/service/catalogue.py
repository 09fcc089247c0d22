"""btrouter strategy catalogue as backtesting.py ``Strategy`` subclasses.

The logic follows the "Strategy catalogue" section of DESIGN.md exactly; the
native C++ engine implements the same strategies and is tested trade-for-trade
against backtesting.py runs of these classes (tests/parity/).

Every tunable parameter is a class attribute so that ``Backtest.run(**params)``
can set it. ``CATALOGUE`` maps the catalogue name to the class; the typed
parameter metadata (``PARAMS``, ``describe()``, ``coerce_params()``) lives in
params.py, which needs no backtesting.py, and is re-exported here.

Indicator numerics matter for bit-comparable runs:
  * SMA / Bollinger middle: pandas ``rolling(n).mean()``;
  * Bollinger sigma: pandas ``rolling(n).std(ddof=0)``;
  * Donchian: pandas ``rolling(n).max()/.min()`` shifted by one bar;
  * RSI (Wilder) and EMA: sequential float64 Python loops, written below in
    exactly the arithmetic form the C++ engine must use.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from backtesting import Strategy
from backtesting.lib import crossover

from params import (CLASS_NAMES, PARAMS, ParamError, coerce_params, describe,  # noqa: F401
                    with_defaults)

NaN = float('nan')


# --------------------------------------------------------------------------
# Indicators (pure functions of numpy arrays; return float64 arrays)
# --------------------------------------------------------------------------

def sma(values, n: int) -> np.ndarray:
    """Simple moving average: pandas rolling(n).mean(); NaN before bar n-1."""
    return pd.Series(np.asarray(values, dtype=float)).rolling(int(n)).mean().to_numpy()


def rolling_std0(values, n: int) -> np.ndarray:
    """Population standard deviation (ddof=0) of the last n values (pandas)."""
    return pd.Series(np.asarray(values, dtype=float)).rolling(int(n)).std(ddof=0).to_numpy()


def ema(values, n: int) -> np.ndarray:
    """EMA with alpha = 2/(n+1).

    NaN before bar n-1; the value at bar n-1 is the left-to-right sum of the
    first n values divided by n; afterwards
    ema_t = alpha*c_t + (1-alpha)*ema_{t-1}.
    """
    c = [float(x) for x in np.asarray(values, dtype=float)]
    n = int(n)
    out = [NaN] * len(c)
    if n < 1 or len(c) < n:
        return np.array(out, dtype=float)
    alpha = 2.0 / (n + 1)
    s = 0.0
    for x in c[:n]:
        s += x
    prev = s / n
    out[n - 1] = prev
    for t in range(n, len(c)):
        prev = alpha * c[t] + (1 - alpha) * prev
        out[t] = prev
    return np.array(out, dtype=float)


def ema_from(values, n: int, start: int) -> np.ndarray:
    """The ema() rule applied to values[start:], NaN before; full-length result."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), NaN)
    if start < len(v):
        out[start:] = ema(v[start:], n)
    return out


def macd_lines(values, fast: int, slow: int, signal: int):
    """(macd, signal) = (ema(fast) - ema(slow), ema(signal) of macd from its first value)."""
    ef = ema(values, fast)
    es = ema(values, slow)
    macd = ef - es  # NaN wherever either EMA is undefined (before bar max(fast,slow)-1)
    defined = np.flatnonzero(~np.isnan(macd))
    first = int(defined[0]) if len(defined) else len(macd)
    sig = ema_from(macd, signal, first)
    return macd, sig


def rsi_wilder(values, period: int) -> np.ndarray:
    """Wilder RSI (backtestingpy-semantics.md section 3), sequential float64 loop.

    d_t = c_t - c_{t-1}; G_t = max(d_t, 0); L_t = max(-d_t, 0).
    Seed at bar `period`: left-to-right sums of G_1..G_period and L_1..L_period,
    each divided by period. Then AG_t = ((period-1)*AG_{t-1} + G_t)/period.
    RSI = 100 - 100/(1 + AG/AL); 100 if AL == 0; 50 if AG == AL == 0.
    NaN before bar `period`.
    """
    c = [float(x) for x in np.asarray(values, dtype=float)]
    p = int(period)
    out = [NaN] * len(c)
    if p < 1 or len(c) <= p:
        return np.array(out, dtype=float)

    def gl(t):
        d = c[t] - c[t - 1]
        return (d if d > 0 else 0.0), (-d if d < 0 else 0.0)

    def value(ag, al):
        if al == 0:
            return 50.0 if ag == 0 else 100.0
        return 100 - 100 / (1 + ag / al)

    sg = 0.0
    sl = 0.0
    for t in range(1, p + 1):
        g, l = gl(t)
        sg += g
        sl += l
    ag = sg / p
    al = sl / p
    out[p] = value(ag, al)
    for t in range(p + 1, len(c)):
        g, l = gl(t)
        ag = ((p - 1) * ag + g) / p
        al = ((p - 1) * al + l) / p
        out[t] = value(ag, al)
    return np.array(out, dtype=float)


def donchian_upper(high, period: int) -> np.ndarray:
    """max(High[i-period .. i-1]); NaN before bar `period`."""
    return pd.Series(np.asarray(high, dtype=float)).rolling(int(period)).max().shift(1).to_numpy()


def donchian_lower(low, period: int) -> np.ndarray:
    """min(Low[i-period .. i-1]); NaN before bar `period`."""
    return pd.Series(np.asarray(low, dtype=float)).rolling(int(period)).min().shift(1).to_numpy()


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------

class SmaCross(Strategy):
    fast = 10
    slow = 20
    long_only = False
    sl_pct = 0.0
    tp_pct = 0.0

    def init(self):
        self.sma_fast = self.I(sma, self.data.Close, self.fast, name=f'SMA({self.fast})')
        self.sma_slow = self.I(sma, self.data.Close, self.slow, name=f'SMA({self.slow})')

    def next(self):
        if not self.long_only:
            if crossover(self.sma_fast, self.sma_slow):
                self.position.close()
                self.buy()
            elif crossover(self.sma_slow, self.sma_fast):
                self.position.close()
                self.sell()
            return
        if crossover(self.sma_fast, self.sma_slow):
            if not self.position:
                close = self.data.Close[-1]
                sl = (1 - self.sl_pct) * close if self.sl_pct > 0 else None
                tp = (1 + self.tp_pct) * close if self.tp_pct > 0 else None
                self.buy(sl=sl, tp=tp)
        elif crossover(self.sma_slow, self.sma_fast):
            self.position.close()


class RsiReversion(Strategy):
    period = 14
    lower = 30.0
    upper = 70.0

    def init(self):
        self.rsi = self.I(rsi_wilder, self.data.Close, self.period, name=f'RSI({self.period})',
                          overlay=False)

    def next(self):
        if not self.position:
            if self.rsi[-1] < self.lower:
                self.buy()
        elif self.rsi[-1] > self.upper:
            self.position.close()


class EmaCross(Strategy):
    fast = 12
    slow = 26

    def init(self):
        self.ema_fast = self.I(ema, self.data.Close, self.fast, name=f'EMA({self.fast})')
        self.ema_slow = self.I(ema, self.data.Close, self.slow, name=f'EMA({self.slow})')

    def next(self):
        if crossover(self.ema_fast, self.ema_slow):
            self.position.close()
            self.buy()
        elif crossover(self.ema_slow, self.ema_fast):
            self.position.close()
            self.sell()


class MacdCross(Strategy):
    fast = 12
    slow = 26
    signal = 9

    def init(self):
        close = self.data.Close
        self.macd = self.I(lambda c: macd_lines(c, self.fast, self.slow, self.signal)[0], close,
                           name='MACD', overlay=False)
        self.macd_signal = self.I(lambda c: macd_lines(c, self.fast, self.slow, self.signal)[1],
                                  close, name='MACD_signal', overlay=False)

    def next(self):
        if crossover(self.macd, self.macd_signal):
            self.position.close()
            self.buy()
        elif crossover(self.macd_signal, self.macd):
            self.position.close()
            self.sell()


def _bb_middle(c, n):
    return sma(c, n)


def _bb_upper(c, n, k):
    return sma(c, n) + k * rolling_std0(c, n)


def _bb_lower(c, n, k):
    return sma(c, n) - k * rolling_std0(c, n)


class BollingerReversion(Strategy):
    period = 20
    k = 2.0

    def init(self):
        c = self.data.Close
        self.bb_middle = self.I(_bb_middle, c, self.period, name='BB_middle')
        self.bb_upper = self.I(_bb_upper, c, self.period, self.k, name='BB_upper')
        self.bb_lower = self.I(_bb_lower, c, self.period, self.k, name='BB_lower')

    def next(self):
        close = self.data.Close[-1]
        if not self.position:
            if close < self.bb_lower[-1]:
                self.buy()
        elif close > self.bb_middle[-1]:
            self.position.close()


class DonchianBreakout(Strategy):
    period = 20

    def init(self):
        self.dc_upper = self.I(donchian_upper, self.data.High, self.period, name='DC_upper')
        self.dc_lower = self.I(donchian_lower, self.data.Low, self.period, name='DC_lower')

    def next(self):
        close = self.data.Close[-1]
        if not self.position:
            if close > self.dc_upper[-1]:
                self.buy()
        elif close < self.dc_lower[-1]:
            self.position.close()


class BuyAndHold(Strategy):
    def init(self):
        self._bought = False

    def next(self):
        if not self._bought:
            self._bought = True
            self.buy()


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

CATALOGUE = {
    'sma_cross': SmaCross,
    'rsi_reversion': RsiReversion,
    'ema_cross': EmaCross,
    'macd_cross': MacdCross,
    'bollinger_reversion': BollingerReversion,
    'donchian_breakout': DonchianBreakout,
    'buy_and_hold': BuyAndHold,
}


# The typed parameter metadata and its validation live in params.py (no backtesting.py needed);
# they are re-exported here for existing users (tests/parity/make_reference.py).
if {n: c.__name__ for n, c in CATALOGUE.items()} != CLASS_NAMES:
    raise ImportError('catalogue.CATALOGUE and params.CLASS_NAMES disagree')
