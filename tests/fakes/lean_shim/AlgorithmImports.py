"""A small stand-in for LEAN's Python algorithm API, for the fake LEAN launcher (fake_lean.py):
``from AlgorithmImports import *`` in a project's main.py finds this module, so the fake runs a
user's own algorithm the way LEAN would call it -- Initialize, then OnData once per bar, then
OnEndOfAlgorithm -- and records its orders, fills and equity.

What it offers (PascalCase and LEAN's snake_case names): QCAlgorithm with SetStartDate,
SetEndDate, SetCash, SetWarmUp, AddEquity, GetParameter, SetHoldings, Liquidate, MarketOrder,
SMA, EMA, Debug, Log, Error, Time, IsWarmingUp, Portfolio (Cash, TotalPortfolioValue, Invested,
[symbol].Quantity/Invested/AveragePrice/IsLong/IsShort), Securities ([symbol].Price/Close);
Resolution; Slice (data[symbol] -> TradeBar, ContainsKey, Bars); TradeBar.

Fills: a market order placed on a daily bar fills at the next bar's open (LEAN turns it into a
market-on-open order while the exchange is closed); on minute bars it fills at once at the
bar's close, stamped with the bar's end (the next bar). Fees: LEAN's default Interactive
Brokers equity model, $0.005 a share, at least $1, at most 0.5% of the order's value. Not
faithful: every other LEAN model (slippage, margin calls, buying-power checks, splits).
"""
from __future__ import annotations

import datetime as _dt
from collections import deque as _deque

__all__ = ["QCAlgorithm", "Resolution", "Symbol", "TradeBar", "Slice", "Market",
           "SimpleMovingAverage", "ExponentialMovingAverage", "datetime", "timedelta"]

datetime = _dt.datetime
timedelta = _dt.timedelta


class Resolution:
    TICK, SECOND, MINUTE, HOUR, DAILY = 0, 1, 2, 3, 4
    Tick, Second, Minute, Hour, Daily = 0, 1, 2, 3, 4


class Market:
    USA = "usa"


class Symbol:
    def __init__(self, value: str):
        self.value = self.Value = value.upper()
        self.id = self.ID = f"{self.value} 2T"

    def __str__(self):
        return self.value

    def __repr__(self):
        return self.value

    def __eq__(self, other):
        return str(self) == str(other).upper()

    def __hash__(self):
        return hash(self.value)


class TradeBar:
    def __init__(self, symbol, time, period, o, h, l, c, v):
        self.symbol = self.Symbol = symbol
        self.time = self.Time = time
        self.end_time = self.EndTime = time + period
        self.open, self.high, self.low, self.close, self.volume = o, h, l, c, v
        self.Open, self.High, self.Low, self.Close, self.Volume = o, h, l, c, v
        self.price = self.Price = self.value = self.Value = c


class Slice(dict):
    """The bars of one time step by symbol; indexable by Symbol or ticker text."""

    def __getitem__(self, key):
        return dict.__getitem__(self, Symbol(str(key)))

    def __contains__(self, key):
        return dict.__contains__(self, Symbol(str(key)))

    def contains_key(self, key):
        return key in self

    ContainsKey = contains_key

    def get(self, key, default=None):
        return self[key] if key in self else default

    @property
    def bars(self):
        return dict(self)

    Bars = bars


class _Point:
    def __init__(self):
        self.value = self.Value = 0.0


class _Indicator:
    def __init__(self, period: int):
        if int(period) < 1:
            raise ValueError(f"indicator period must be >= 1, got {period}")
        self.period = int(period)
        self.samples = self.Samples = 0
        self.current = self.Current = _Point()

    @property
    def is_ready(self):
        return self.samples >= self.period

    IsReady = is_ready

    def _set(self, value: float):
        self.current.value = self.current.Value = value

    def __float__(self):
        return float(self.current.value)


class SimpleMovingAverage(_Indicator):
    def __init__(self, period: int):
        super().__init__(period)
        self._window = _deque(maxlen=self.period)

    def update(self, time, value):
        self._window.append(float(value))
        self.samples = self.Samples = self.samples + 1
        self._set(sum(self._window) / len(self._window))
        return self.is_ready

    Update = update


class ExponentialMovingAverage(_Indicator):
    def __init__(self, period: int):
        super().__init__(period)
        self._k = 2.0 / (self.period + 1)
        self._seed = []

    def update(self, time, value):
        value = float(value)
        self.samples = self.Samples = self.samples + 1
        if self.samples <= self.period:  # LEAN seeds the EMA with the SMA of the first period
            self._seed.append(value)
            self._set(sum(self._seed) / len(self._seed))
        else:
            self._set(value * self._k + self.current.value * (1 - self._k))
        return self.is_ready

    Update = update


class _Holding:
    def __init__(self, symbol):
        self.symbol = self.Symbol = symbol
        self.quantity = 0.0
        self.average_price = 0.0
        self.price = 0.0

    Quantity = property(lambda self: self.quantity)
    AveragePrice = property(lambda self: self.average_price)
    invested = property(lambda self: self.quantity != 0)
    Invested = invested
    is_long = property(lambda self: self.quantity > 0)
    IsLong = is_long
    is_short = property(lambda self: self.quantity < 0)
    IsShort = is_short
    holdings_value = property(lambda self: self.quantity * self.price)
    HoldingsValue = holdings_value
    unrealized_profit = property(lambda self: self.quantity * (self.price - self.average_price))
    UnrealizedProfit = unrealized_profit


class _Portfolio(dict):
    def __init__(self):
        super().__init__()
        self.cash = 100000.0

    def __getitem__(self, key):
        return dict.__getitem__(self, Symbol(str(key)))

    Cash = property(lambda self: self.cash)
    total_portfolio_value = property(
        lambda self: self.cash + sum(h.quantity * h.price for h in self.values()))
    TotalPortfolioValue = total_portfolio_value
    invested = property(lambda self: any(h.quantity != 0 for h in self.values()))
    Invested = invested


class _Security:
    def __init__(self, symbol, resolution, holding):
        self.symbol = self.Symbol = symbol
        self.resolution = resolution
        self.holdings = self.Holdings = holding

    price = property(lambda self: self.holdings.price)
    Price = Close = close = price


class _Securities(dict):
    def __getitem__(self, key):
        return dict.__getitem__(self, Symbol(str(key)))

    def __contains__(self, key):
        return dict.__contains__(self, Symbol(str(key)))

    ContainsKey = contains_key = __contains__


class QCAlgorithm:
    """The base class of an algorithm; the fake engine drives it (run_algorithm)."""

    def __init__(self):
        self.portfolio = self.Portfolio = _Portfolio()
        self.securities = self.Securities = _Securities()
        self.time = self.Time = None
        self.start_date = self.end_date = None
        self.is_warming_up = self.IsWarmingUp = False
        self._warmup_bars = 0
        self._parameters: dict = {}
        self._orders: list = []  # pending [symbol, quantity, tag]
        self._indicators: list = []  # (symbol, indicator)
        self._messages: list = []  # (kind, time, text)
        self._cash_set = False

    # -- set-up ---------------------------------------------------------------------------
    def Initialize(self):
        pass

    def OnData(self, data):
        pass

    def OnEndOfAlgorithm(self):
        pass

    @staticmethod
    def _date(year, month=None, day=None):
        if isinstance(year, _dt.datetime):
            return year
        if isinstance(year, _dt.date):
            return _dt.datetime(year.year, year.month, year.day)
        return _dt.datetime(int(year), int(month), int(day))

    def SetStartDate(self, year, month=None, day=None):
        self.start_date = self._date(year, month, day)

    def SetEndDate(self, year, month=None, day=None):
        self.end_date = self._date(year, month, day)

    def SetCash(self, cash):
        self.portfolio.cash = float(cash)
        self._cash_set = True

    def SetWarmUp(self, period, resolution=None):
        self._warmup_bars = int(period.days if isinstance(period, _dt.timedelta) else period)

    def AddEquity(self, ticker, resolution=Resolution.DAILY, market=None, *args, **kwargs):
        symbol = Symbol(str(ticker))
        if symbol not in self.securities:
            holding = _Holding(symbol)
            dict.__setitem__(self.portfolio, symbol, holding)
            dict.__setitem__(self.securities, symbol, _Security(symbol, resolution, holding))
        return self.securities[symbol]

    def GetParameter(self, name, default_value=None):
        value = self._parameters.get(name)
        if value is None:
            return default_value
        if isinstance(default_value, bool):
            return value.lower() == "true"
        if isinstance(default_value, int):
            return int(float(value))
        if isinstance(default_value, float):
            return float(value)
        return value

    def _indicator(self, indicator, symbol):
        self._indicators.append((Symbol(str(symbol)), indicator))
        return indicator

    def SMA(self, symbol, period, resolution=None, selector=None):
        return self._indicator(SimpleMovingAverage(period), symbol)

    def EMA(self, symbol, period, smoothing_factor=None, resolution=None, selector=None):
        return self._indicator(ExponentialMovingAverage(period), symbol)

    # -- orders ---------------------------------------------------------------------------
    def MarketOrder(self, symbol, quantity, asynchronous=False, tag="", order_properties=None):
        quantity = int(quantity)
        if quantity != 0:
            self._orders.append([Symbol(str(symbol)), quantity, tag])
        return quantity

    def _pending(self, symbol):
        return sum(q for s, q, _ in self._orders if s == symbol)

    def SetHoldings(self, symbol, percentage, liquidate_existing_holdings=False, tag="",
                    order_properties=None):
        symbol = Symbol(str(symbol))
        if liquidate_existing_holdings:
            for other in list(self.portfolio.keys()):
                if other != symbol:
                    self.Liquidate(other)
        holding = self.portfolio[symbol]
        if holding.price <= 0:
            return
        # LEAN keeps 0.25% of the portfolio value free (FreePortfolioValuePercentage).
        value = self.portfolio.total_portfolio_value * 0.9975 * float(percentage)
        target = int(value / holding.price)
        self.MarketOrder(symbol, target - holding.quantity - self._pending(symbol), tag=tag)

    def Liquidate(self, symbol=None, tag="Liquidated", *args, **kwargs):
        symbols = [Symbol(str(symbol))] if symbol is not None else list(self.portfolio.keys())
        for s in symbols:
            self._orders = [o for o in self._orders if o[0] != s]
            held = self.portfolio[s].quantity
            if held:
                self.MarketOrder(s, -held, tag=tag)

    # -- logging --------------------------------------------------------------------------
    def Debug(self, message):
        self._messages.append(("Debug", self.time, str(message)))

    def Log(self, message):
        self._messages.append(("Log", self.time, str(message)))

    def Error(self, message):
        self._messages.append(("Error", self.time, str(message)))

    # LEAN's snake_case API (PEP 8 names, LEAN 2.5.0.0+).
    initialize = Initialize
    set_start_date, set_end_date, set_cash, set_warm_up = (SetStartDate, SetEndDate, SetCash,
                                                            SetWarmUp)
    add_equity, get_parameter, sma, ema = AddEquity, GetParameter, SMA, EMA
    market_order, set_holdings, liquidate = MarketOrder, SetHoldings, Liquidate
    debug, log, error = Debug, Log, Error


def _user_method(algorithm, pascal, snake):
    """The algorithm's override of a hook, under either of LEAN's names."""
    cls = type(algorithm)
    for name in (snake, pascal):
        method = getattr(cls, name, None)
        if method is not None and method is not getattr(QCAlgorithm, name, None):
            return getattr(algorithm, name)
    return getattr(algorithm, pascal)


def ib_fee(quantity: float, price: float) -> float:
    """LEAN's default equity fee (Interactive Brokers fixed tier)."""
    fee = max(1.0, 0.005 * abs(quantity))
    return min(fee, 0.005 * abs(quantity) * price) if price > 0 else fee

