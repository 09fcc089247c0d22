"""btrouter's strategy catalogue as one LEAN algorithm (lean_local and qc_cloud engines).

btrouter compiles this file into its binary (adapters/lean/lean_project.h AlgorithmSource) and
runs it with LEAN parameters written by AlgorithmParameters: ``strategy`` and its catalogue
parameters, ``cash``, ``commission``, ``commission_fixed``, ``spread``, ``margin``,
``trade_on_close``, ``exclusive_orders``, ``hedging``, ``finalize_trades``, ``ticker``,
``resolution``, ``extended_hours``, ``start``, ``end``, ``bars``, ``warmup``, ``last_bar``,
``finalize_bar``. The data is btrouter's dataset written as LEAN US-equity trade bars for the
synthetic ticker BTRDATA (raw prices, no splits or dividends).

The decisions are the native engine's (engines/native/strategies/*.cc, DESIGN.md "Strategy
catalogue"): the indicators are computed here over the closes seen so far with the same
arithmetic as the C++ code and pandas 1.5.3 (not with LEAN indicators), decisions start at bar
``warmup + 1`` as backtesting.py's ``next()`` does, crossovers are backtesting.py's
``a[-2] < b[-2] and a[-1] > b[-1]``, and entries are sized as backtesting.py's default ``buy()``:
``floor((equity * leverage * f) / (P * (1 +/- spread) + (fixed + f * P * commission) / f))``
whole units, with ``f = 1 - 2**-52``, ``leverage = 1 / margin``, the equity after closing the
previous position and ``P`` the price the order is expected to fill at.

Fills are LEAN's own. Where they differ from backtesting.py 0.6.6 (reference/
backtestingpy-semantics.md), as far as known from LEAN's documentation and qc_lean.md -- NOT
verified against a real LEAN run here:

* Minute bars: LEAN fills a market order at once, at the latest price (the close of the bar
  whose ``on_data`` placed it), stamped with that bar's end time (= the next bar's start, so
  btrouter maps the fill to the next bar, as backtesting.py's bar index). backtesting.py fills at
  the next bar's open unless ``trade_on_close``; LEAN's price is therefore the ``trade_on_close``
  price whatever that flag says. The size uses that close, so it is exact for LEAN's fill.
* Minute bars at the end of a session (the 15:59 bar, seen at 16:00) and daily bars: the
  exchange is closed, so LEAN turns the market order into a market-on-open order that fills at
  the next session's open price. On daily bars that is backtesting.py's fill price (next open),
  but the order size must be fixed when it is placed, so it is computed from the signal bar's
  close: it can differ from backtesting.py's by a unit or so when the next open gaps.
  ``trade_on_close`` on daily bars is refused by btrouter.
* Equity: LEAN marks to market at its own sampling times; btrouter reads LEAN's
  "Strategy Equity" chart, sampled every few minutes on minute data.
* Commission: a fee model charging ``commission_fixed + commission * |quantity| * price`` per
  order replaces LEAN's default Interactive Brokers fees. ``price`` is LEAN's price when the fee
  is computed (the current price for market orders, the bar's open for market-on-open orders,
  the stop or limit price for stop and limit orders), with the spread added for entries as
  backtesting.py does; LEAN's fee model does not see the fill price itself.
* Spread: a slippage model moves entry fills by ``price * spread`` against the order (exits
  unchanged), as backtesting.py applies the spread once, at entry.
* Margin: orders are sized with ``1 / margin`` as above. LEAN's own leverage is set to twice
  that so that LEAN never rejects an order sized on the previous close when the open gaps, and
  margin calls are disabled (backtesting.py has none).
* Stop-loss / take-profit (``sma_cross`` with ``long_only``): placed once the entry has filled,
  as a stop-market and a limit order, one cancelling the other. backtesting.py can fill them on
  the entry bar itself; here they work from the bar after the fill (on daily bars from the bar
  after the entry bar). LEAN fills a triggered stop at the stop price or the bar's close when the
  bar gapped through it (backtesting.py: the open), and LEAN may round stop and limit prices to
  the security's price step (0.01).
* ``finalize_trades``: the position is closed by an order placed on the second-to-last bar,
  which fills at the last bar's open on daily bars (backtesting.py's price) and at the
  second-to-last bar's close on minute bars; no new decision is taken on the last bar.
* ``exclusive_orders`` changes nothing: every catalogue entry already closes before it reverses.
  ``hedging`` is refused by btrouter (LEAN nets positions).
* Bars LEAN does not deliver (exchange holidays in LEAN's market-hours database) are simply not
  seen here; btrouter refuses weekend bars and minute bars outside 04:00-20:00 New York.

Cloud data (``data_module`` parameter, the qc_cloud engine): QuantConnect Cloud cannot read
btrouter's LEAN-format files, so the bars travel in the project as a Python module whose ``CSV``
holds ``time,open,high,low,close,volume`` rows (bar start, New York time). The algorithm saves
that text to the Object Store and subscribes to it as custom data (``BtrBars``); it reads open,
high, low and close from its own parsed copy by bar time. Custom data trades on LEAN's
"always open" exchange hours, so on daily bars a market order fills at once at the signal bar's
close rather than at the next open -- a difference the comparison report should show. Not run
against the cloud here (no internet).

Progress: ``BTR_PROGRESS <algorithm time, ISO>`` is logged through ``self.log`` about every 1% of
the date range (btrouter's LeanLogFollower reads it).
"""
# region imports
from AlgorithmImports import *  # noqa: F401,F403  (LEAN's Python API)
# endregion

import math
import sys
from collections import deque
from datetime import datetime, timedelta

NAN = float('nan')
F = 1 - sys.float_info.epsilon  # backtesting.py's default size: 1 - 2**-52


# --------------------------------------------------------------------------------------------
# Indicators, one value per bar, in the exact arithmetic of engines/native/indicators.
# --------------------------------------------------------------------------------------------

class Rolling:
    """A window of the last n values: push() removes the oldest (once n are held), then adds."""

    def __init__(self, n):
        self.n = n
        self.window = deque()

    def push(self, v):
        if len(self.window) == self.n:
            self._remove(self.window.popleft())
        self.window.append(v)
        self._add(v)
        return self._value()


class PandasMean(Rolling):
    """pandas 1.5.3 rolling(n).mean(): Kahan-compensated window sum (separate compensation for
    adds and removes) with pandas' sign and equal-values corrections. Inputs are finite."""

    def __init__(self, n):
        super().__init__(n)
        self.sum = self.comp_add = self.comp_remove = self.prev = 0.0
        self.nobs = self.neg = self.same = 0

    def _add(self, v):
        self.nobs += 1
        y = v - self.comp_add
        t = self.sum + y
        self.comp_add = t - self.sum - y
        self.sum = t
        if math.copysign(1.0, v) < 0:
            self.neg += 1
        self.same = self.same + 1 if v == self.prev else 1
        self.prev = v

    def _remove(self, v):
        self.nobs -= 1
        y = -v - self.comp_remove
        t = self.sum + y
        self.comp_remove = t - self.sum - y
        self.sum = t
        if math.copysign(1.0, v) < 0:
            self.neg -= 1

    def _value(self):
        if self.nobs < self.n or self.nobs <= 0:
            return NAN
        if self.same >= self.nobs:
            return self.prev
        result = self.sum / self.nobs
        if (self.neg == 0 and result < 0) or (self.neg == self.nobs and result > 0):
            return 0.0
        return result


class PandasStd(Rolling):
    """pandas 1.5.3 rolling(n).std(ddof): online mean and sum of squared deviations."""

    def __init__(self, n, ddof):
        super().__init__(n)
        self.ddof = ddof
        self.nobs = self.mean = self.ssqdm = self.comp_add = self.comp_remove = self.prev = 0.0
        self.same = 0

    def _add(self, v):
        self.same = self.same + 1 if v == self.prev else 1
        self.prev = v
        self.nobs += 1
        prev_mean = self.mean - self.comp_add
        y = v - self.comp_add
        t = y - self.mean
        self.comp_add = t + self.mean - y
        self.mean = self.mean + t / self.nobs if self.nobs != 0 else 0.0
        self.ssqdm += (v - prev_mean) * (v - self.mean)

    def _remove(self, v):
        self.nobs -= 1
        if self.nobs == 0:
            self.mean = self.ssqdm = 0.0
            return
        prev_mean = self.mean - self.comp_remove
        y = v - self.comp_remove
        t = y - self.mean
        self.comp_remove = t + self.mean - y
        self.mean -= t / self.nobs
        self.ssqdm -= (v - prev_mean) * (v - self.mean)

    def _value(self):
        if self.nobs < self.n or self.nobs <= self.ddof:
            return NAN
        if self.nobs == 1 or self.same >= self.nobs:
            return 0.0
        var = self.ssqdm / (self.nobs - self.ddof)
        return math.sqrt(var if var > 0 else 0.0)


class Ema:
    """alpha = 2/(n+1); leading NaNs skipped; the first value is the left-to-right mean of the
    first n values; then ema = alpha*x + (1-alpha)*ema."""

    def __init__(self, n):
        self.n = n
        self.alpha = 2.0 / (n + 1.0)
        self.seed_sum = 0.0
        self.seen = 0
        self.value = NAN

    def push(self, x):
        if self.seen == 0 and x != x:
            return NAN
        self.seen += 1
        if self.seen < self.n:
            self.seed_sum += x
            return NAN
        if self.seen == self.n:
            self.seed_sum += x
            self.value = self.seed_sum / self.n
        else:
            self.value = self.alpha * x + (1 - self.alpha) * self.value
        return self.value


class WilderRsi:
    """Wilder's RSI: seeded at bar n with the left-to-right means of the first n gains/losses."""

    def __init__(self, n):
        self.n = n
        self.prev = None
        self.count = 0  # changes seen
        self.gain = 0.0
        self.loss = 0.0

    def push(self, x):
        if self.prev is None:
            self.prev = x
            return NAN
        d = x - self.prev
        self.prev = x
        self.count += 1
        g = d if d > 0 else 0.0
        lo = -d if d < 0 else 0.0
        n = self.n
        if self.count < n:
            self.gain += g
            self.loss += lo
            return NAN
        if self.count == n:
            self.gain = (self.gain + g) / n
            self.loss = (self.loss + lo) / n
        else:
            self.gain = ((n - 1) * self.gain + g) / n
            self.loss = ((n - 1) * self.loss + lo) / n
        if self.loss == 0:
            return 50.0 if self.gain == 0 else 100.0
        return 100.0 - 100.0 / (1.0 + self.gain / self.loss)


class PriorExtreme:
    """max (or min) of the n values before the current one; NaN before bar n."""

    def __init__(self, n, use_max):
        self.window = deque(maxlen=n)
        self.n = n
        self.pick = max if use_max else min

    def push(self, x):
        out = self.pick(self.window) if len(self.window) == self.n else NAN
        self.window.append(x)
        return out


# --------------------------------------------------------------------------------------------
# The catalogue: per bar, the orders backtesting.py's next() would place.
# --------------------------------------------------------------------------------------------

def crossed(a0, b0, a1, b1):
    """backtesting.lib.crossover on two bars: a[-2] < b[-2] and a[-1] > b[-1] (NaN never)."""
    return a0 < b0 and a1 > b1


class Catalogue:
    """Feeds bars to the named strategy; step() returns a list of actions:
    ('close',), ('buy', sl, tp) or ('sell',) in placement order."""

    def __init__(self, name, p):
        self.name = name
        self.p = p
        self.prev = (NAN, NAN)
        self.bought = False
        if name == 'sma_cross':
            self.lines = (PandasMean(p['fast']), PandasMean(p['slow']))
        elif name == 'ema_cross':
            self.lines = (Ema(p['fast']), Ema(p['slow']))
        elif name == 'macd_cross':
            self.macd = (Ema(p['fast']), Ema(p['slow']))
            self.signal = Ema(p['signal'])
        elif name == 'rsi_reversion':
            self.rsi = WilderRsi(p['period'])
        elif name == 'bollinger_reversion':
            self.middle = PandasMean(p['period'])
            self.std = PandasStd(p['period'], 0)
        elif name == 'donchian_breakout':
            self.upper = PriorExtreme(p['period'], True)
            self.lower = PriorExtreme(p['period'], False)
        elif name != 'buy_and_hold':
            raise ValueError("unknown strategy '%s'" % name)

    def _two_lines(self, close):
        if self.name == 'macd_cross':
            m = self.macd[0].push(close) - self.macd[1].push(close)
            return m, self.signal.push(m)
        return self.lines[0].push(close), self.lines[1].push(close)

    def step(self, close, high, low, decide, in_position):
        """Updates the indicators with one bar; when `decide`, returns the actions."""
        name = self.name
        if name in ('sma_cross', 'ema_cross', 'macd_cross'):
            f1, s1 = self._two_lines(close)
            f0, s0 = self.prev
            self.prev = (f1, s1)
            if not decide:
                return []
            up = crossed(f0, s0, f1, s1)
            down = crossed(s0, f0, s1, f1)
            if name == 'sma_cross' and self.p['long_only']:
                if up and not in_position:
                    sl = (1 - self.p['sl_pct']) * close if self.p['sl_pct'] > 0 else None
                    tp = (1 + self.p['tp_pct']) * close if self.p['tp_pct'] > 0 else None
                    return [('buy', sl, tp)]
                if down and not up:
                    return [('close',)]
                return []
            if up:
                return [('close',), ('buy', None, None)]
            if down:
                return [('close',), ('sell',)]
            return []
        if name == 'rsi_reversion':
            rsi = self.rsi.push(close)
            if not decide:
                return []
            if not in_position and rsi < self.p['lower']:
                return [('buy', None, None)]
            if in_position and rsi > self.p['upper']:
                return [('close',)]
            return []
        if name == 'bollinger_reversion':
            middle = self.middle.push(close)
            sd = self.std.push(close)
            lower = middle - self.p['k'] * sd
            if not decide:
                return []
            if not in_position and close < lower:
                return [('buy', None, None)]
            if in_position and close > middle:
                return [('close',)]
            return []
        if name == 'donchian_breakout':
            upper = self.upper.push(high)
            lower = self.lower.push(low)
            if not decide:
                return []
            if not in_position and close > upper:
                return [('buy', None, None)]
            if in_position and close < lower:
                return [('close',)]
            return []
        # buy_and_hold
        if not decide or self.bought:
            return []
        self.bought = True
        return [('buy', None, None)]


PARAM_TYPES = {
    'sma_cross': {'fast': int, 'slow': int, 'long_only': bool, 'sl_pct': float,
                  'tp_pct': float},
    'rsi_reversion': {'period': int, 'lower': float, 'upper': float},
    'ema_cross': {'fast': int, 'slow': int},
    'macd_cross': {'fast': int, 'slow': int, 'signal': int},
    'bollinger_reversion': {'period': int, 'k': float},
    'donchian_breakout': {'period': int},
    'buy_and_hold': {},
}


# --------------------------------------------------------------------------------------------
# LEAN models for btrouter's cost settings.
# --------------------------------------------------------------------------------------------

def order_price(security, order):
    """The price LEAN fills `order` at before slippage, as far as a model can see it."""
    if order.type == OrderType.MARKET_ON_OPEN:
        return float(security.open)
    if order.type == OrderType.STOP_MARKET:
        return float(order.stop_price)
    if order.type == OrderType.LIMIT:
        return float(order.limit_price)
    return float(security.price)


def signed(x, quantity):
    return x if quantity > 0 else -x


class BtrFeeModel(FeeModel):
    """commission_fixed + commission * |quantity| * price per order (backtesting.py's
    commission=(fixed, relative)); entries are charged on the spread-adjusted price."""

    def __init__(self, relative, fixed, spread):
        super().__init__()
        self.relative = relative
        self.fixed = fixed
        self.spread = spread

    def get_order_fee(self, parameters):
        order = parameters.order
        price = order_price(parameters.security, order)
        if order.tag == 'entry':
            price = price * (1 + signed(self.spread, float(order.quantity)))
        fee = self.fixed + abs(float(order.quantity)) * price * self.relative
        return OrderFee(CashAmount(fee, 'USD'))


class EntrySpreadSlippage:
    """Moves entry fills by price * spread against the order; exits fill unchanged."""

    def __init__(self, spread):
        self.spread = spread

    def get_slippage_approximation(self, asset, order):
        if order.tag != 'entry':
            return 0.0
        return order_price(asset, order) * self.spread


# --------------------------------------------------------------------------------------------
# The algorithm.
# --------------------------------------------------------------------------------------------

def parse_date(text):
    return datetime.strptime(text[:10], '%Y-%m-%d')


def parse_bool(text):
    return str(text).strip().lower() in ('true', '1')


class BtrBars(PythonData):
    """btrouter's bars as custom data read from the Object Store (cloud data mode)."""
    KEY = 'btrouter/bars.csv'
    PERIOD = timedelta(days=1)

    def get_source(self, config, date, is_live):
        return SubscriptionDataSource(BtrBars.KEY, SubscriptionTransportMedium.OBJECT_STORE,
                                      FileFormat.CSV)

    def reader(self, config, line, date, is_live):
        if not line or not line[0].isdigit():
            return None
        cells = line.split(',')
        bar = BtrBars()
        bar.symbol = config.symbol
        bar.time = datetime.strptime(cells[0], '%Y-%m-%d %H:%M:%S')
        bar.end_time = bar.time + BtrBars.PERIOD
        bar.value = float(cells[4])
        return bar


def parse_rows(text):
    """{bar start: (open, high, low, close)} from the data module's CSV text."""
    rows = {}
    for line in text.splitlines():
        if not line or not line[0].isdigit():
            continue
        cells = line.split(',')
        rows[datetime.strptime(cells[0], '%Y-%m-%d %H:%M:%S')] = tuple(
            float(x) for x in cells[1:5])
    return rows


class BtrouterCatalogueAlgorithm(QCAlgorithm):

    def _param(self, name, default=None):
        value = self.get_parameter(name)
        if value is None or value == '':
            if default is None:
                raise ValueError("btrouter: missing LEAN parameter '%s'" % name)
            return default
        return value

    def initialize(self):
        self._strategy_name = self._param('strategy')
        if self._strategy_name not in PARAM_TYPES:
            raise ValueError("btrouter: unknown strategy '%s'" % self._strategy_name)
        params = {}
        for key, kind in PARAM_TYPES[self._strategy_name].items():
            text = self._param(key)
            if kind is bool:
                params[key] = parse_bool(text)
            elif kind is int:
                params[key] = int(float(text))
            else:
                params[key] = float(text)
        self._catalogue = Catalogue(self._strategy_name, params)

        self._cash = float(self._param('cash'))
        self._commission = float(self._param('commission', '0'))
        self._commission_fixed = float(self._param('commission_fixed', '0'))
        self._spread = float(self._param('spread', '0'))
        self._leverage = 1.0 / float(self._param('margin', '1'))
        self._finalize = parse_bool(self._param('finalize_trades', 'false'))
        if parse_bool(self._param('hedging', 'false')):
            raise ValueError('btrouter: hedging=true is not supported on LEAN')
        self._daily = self._param('resolution') == 'daily'
        self._warmup = int(self._param('warmup', '0'))
        finalize_bar = self._param('finalize_bar', '')
        self._finalize_at = self._bar_key(datetime.fromisoformat(finalize_bar)) \
            if self._finalize and finalize_bar else None

        start = parse_date(self._param('start'))
        end = parse_date(self._param('end'))
        self.set_start_date(start.year, start.month, start.day)
        self.set_end_date(end.year, end.month, end.day)
        self.set_cash(self._cash)
        try:
            self.settings.daily_precise_end_time = True
        except Exception:  # older LEAN: legacy daily end times (midnight) are fine too
            pass

        resolution = Resolution.DAILY if self._daily else Resolution.MINUTE
        self._rows = None
        module = self._param('data_module', '')
        if module:  # cloud data mode: the bars came inside the project
            import importlib
            text = importlib.import_module(module).CSV
            self._rows = {self._bar_key(t): row for t, row in parse_rows(text).items()}
            BtrBars.KEY = 'btrouter/%s-%s.csv' % (self.project_id, module)
            BtrBars.PERIOD = timedelta(days=1) if self._daily else timedelta(minutes=1)
            self.object_store.save(BtrBars.KEY, text)
            security = self.add_data(BtrBars, self._param('ticker'), resolution,
                                     fill_forward=False)
        else:
            security = self.add_equity(
                self._param('ticker'), resolution, fill_forward=False,
                extended_market_hours=parse_bool(self._param('extended_hours', 'false')),
                data_normalization_mode=DataNormalizationMode.RAW)
        self._symbol = security.symbol
        security.set_fee_model(BtrFeeModel(self._commission, self._commission_fixed, self._spread))
        if self._spread > 0:
            security.set_slippage_model(EntrySpreadSlippage(self._spread))
        security.set_leverage(2.0 * self._leverage)
        self.portfolio.margin_call_model = MarginCallModel.NULL
        self.set_benchmark(self._symbol)

        self._bar_index = -1
        self._done = False
        self._bracket = None      # (sl, tp) waiting for its entry to fill
        self._bracket_ids = []    # open stop-loss / take-profit order ids
        self._progress_step = max((end + timedelta(days=1) - start) / 100, timedelta(minutes=1))
        self._next_progress = start

    # --- helpers -----------------------------------------------------------------------------

    def _bar_key(self, t):
        """The part of a bar time both sides agree on: the date for daily bars (LEAN stamps
        daily bars 09:30 or 00:00), the minute otherwise."""
        return t.date() if self._daily else t.replace(second=0, microsecond=0)

    def _position(self):
        """Units held plus those of pending market orders (not the SL/TP brackets)."""
        quantity = float(self.portfolio[self._symbol].quantity)
        for order in self.transactions.get_open_orders(self._symbol):
            if order.tag in ('entry', 'close', 'finalize'):
                quantity += float(order.quantity)
        return quantity

    def _cancel_brackets(self):
        for order_id in self._bracket_ids:
            self.transactions.cancel_order(order_id)
        self._bracket_ids = []
        self._bracket = None

    def _close(self, tag):
        position = self._position()
        self._cancel_brackets()
        if position != 0:
            self.market_order(self._symbol, -position, tag=tag)

    def _enter(self, sign, price, sl=None, tp=None):
        """backtesting.py's default buy()/sell(): all the margin available, whole units."""
        held = float(self.portfolio[self._symbol].quantity)
        equity = float(self.portfolio.total_portfolio_value)
        if held != 0:
            # The close placed just before has not filled yet (a market-on-open order): the
            # equity after it is the current one less its fee.
            equity -= self._commission_fixed + abs(held) * price * self._commission
        margin_available = max(0.0, equity)
        adjusted = price * (1 + signed(self._spread, sign))
        per_unit = adjusted + (self._commission_fixed + F * price * self._commission) / F
        units = int((margin_available * self._leverage * F) // per_unit)
        if units <= 0:
            return
        self.market_order(self._symbol, sign * units, tag='entry')
        if sl is not None or tp is not None:
            self._bracket = (sl, tp)
            self._place_bracket()

    def _place_bracket(self):
        """Places the pending stop-loss / take-profit once the entry has filled."""
        if self._bracket is None or self._bracket_ids:
            return
        held = float(self.portfolio[self._symbol].quantity)
        if held <= 0:
            return
        sl, tp = self._bracket
        self._bracket = None
        if sl is not None:
            self._bracket_ids.append(
                self.stop_market_order(self._symbol, -held, sl, tag='sl').order_id)
        if tp is not None:
            self._bracket_ids.append(self.limit_order(self._symbol, -held, tp, tag='tp').order_id)

    def _log_progress(self):
        if self.time >= self._next_progress:
            self.log('BTR_PROGRESS ' + self.time.strftime('%Y-%m-%dT%H:%M:%S'))
            while self._next_progress <= self.time:
                self._next_progress += self._progress_step

    # --- LEAN events -------------------------------------------------------------------------

    def _bar_prices(self, data):
        """(time, high, low, close) of this slice's bar, or None."""
        if self._rows is not None:
            if not data.contains_key(self._symbol):
                return None
            bar = data[self._symbol]
            row = self._rows.get(self._bar_key(bar.time))
            return None if row is None else (bar.time, row[1], row[2], row[3])
        if self._symbol not in data.bars:
            return None
        bar = data.bars[self._symbol]
        if bar.is_fill_forward:
            return None
        return bar.time, float(bar.high), float(bar.low), float(bar.close)

    def on_data(self, data):
        self._log_progress()
        prices = self._bar_prices(data)
        if prices is None:
            return
        bar_time, high, low, close = prices
        self._bar_index += 1
        self._place_bracket()
        decide = self._bar_index >= self._warmup + 1 and not self._done
        actions = self._catalogue.step(close, high, low, decide, self._position() != 0)
        for action in actions:
            if action[0] == 'close':
                self._close('close')
            elif action[0] == 'buy':
                self._enter(+1, close, action[1], action[2])
            else:
                self._enter(-1, close)
        if self._finalize_at is not None and not self._done and \
                self._bar_key(bar_time) >= self._finalize_at:
            self._close('finalize')
            self._done = True

    def on_order_event(self, order_event):
        if order_event.status != OrderStatus.FILLED:
            return
        if order_event.order_id in self._bracket_ids:  # one side filled: cancel the other
            for order_id in self._bracket_ids:
                if order_id != order_event.order_id:
                    self.transactions.cancel_order(order_id)
            self._bracket_ids = []

    def on_end_of_algorithm(self):
        self.log('BTR_PROGRESS ' + self.time.strftime('%Y-%m-%dT%H:%M:%S'))
        if self._rows is not None and self.object_store.contains_key(BtrBars.KEY):
            self.object_store.delete(BtrBars.KEY)
