"""The fake LEAN launcher's engine for a project's own algorithm (fake_lean.py): it imports the
project's main.py against lean_shim/AlgorithmImports.py, drives the QCAlgorithm subclass it
finds over the LEAN-format bars of the securities the algorithm adds, and returns the run in
the shape fake_lean.py turns into LEAN's result files (the same shape as a catalogue run by
btrouter's native engine: trades, open trades, metrics, one equity point per bar).
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import sys
import traceback

SHIM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lean_shim")


class AlgorithmError(Exception):
    """The algorithm failed: the message and LEAN-like stack text."""

    def __init__(self, message: str, stack: str = ""):
        super().__init__(message)
        self.stack = stack


def is_user_algorithm(main_path: str) -> bool:
    """False for btrouter's own catalogue algorithm (it logs BTR_PROGRESS lines)."""
    with open(main_path, encoding="utf-8") as f:
        return "BTR_PROGRESS" not in f.read()


def _load_class(main_path: str, qc):
    sys.path[:0] = [SHIM_DIR, os.path.dirname(os.path.abspath(main_path))]
    spec = importlib.util.spec_from_file_location("main", main_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, qc.QCAlgorithm) and c is not qc.QCAlgorithm]
    if not classes:
        raise AlgorithmError("Algorithm.Initialize() Error: main.py defines no class derived "
                             "from QCAlgorithm")
    return classes[0]


class _Book:
    """Fills, fees, first-in-first-out lots and the closed trades of one run."""

    def __init__(self, algorithm, ib_fee):
        self.algorithm, self.ib_fee = algorithm, ib_fee
        self.lots: dict = {}  # symbol -> [[size, price, bar, fee per unit]]
        self.trades: list = []
        self.fees = 0.0
        self.orders = 0

    def fill(self, symbol, quantity: int, price: float, bar: int) -> None:
        fee = self.ib_fee(quantity, price)
        holding = self.algorithm.portfolio[symbol]
        portfolio = self.algorithm.portfolio
        portfolio.cash -= quantity * price + fee
        self.fees += fee
        self.orders += 1
        fee_per_unit = fee / abs(quantity)
        lots = self.lots.setdefault(symbol, [])
        remaining = quantity
        while remaining and lots and (lots[0][0] > 0) != (remaining > 0):
            lot = lots[0]
            closed = lot[0] if abs(lot[0]) <= abs(remaining) else -remaining
            commission = (lot[3] + fee_per_unit) * abs(closed)
            pnl = (price - lot[1]) * closed - commission
            self.trades.append({"entry_bar": lot[2], "exit_bar": bar, "entry_price": lot[1],
                                "exit_price": price, "size": closed, "pnl": pnl,
                                "commission": commission,
                                "return_pct": pnl / (abs(closed) * lot[1]) if lot[1] else 0.0})
            lot[0] -= closed
            remaining += closed
            if lot[0] == 0:
                lots.pop(0)
        if remaining:
            lots.append([remaining, price, bar, fee_per_unit])
        held = holding.quantity + quantity
        if held == 0:
            holding.average_price = 0.0
        elif (held > 0) == (holding.quantity > 0) and holding.quantity != 0 and \
                abs(held) > abs(holding.quantity):
            holding.average_price = (holding.average_price * holding.quantity +
                                     price * quantity) / held
        elif abs(held) > abs(holding.quantity) or (held > 0) != (holding.quantity > 0):
            holding.average_price = price
        holding.quantity = held

    def open_trades(self, last_bar: int, prices: dict) -> list:
        out = []
        for symbol, lots in self.lots.items():
            for size, price, bar, fee in lots:
                pnl = (prices[symbol] - price) * size - fee * abs(size)
                out.append({"entry_bar": bar, "exit_bar": None, "entry_price": price,
                            "exit_price": None, "size": size, "pnl": pnl,
                            "commission": fee * abs(size),
                            "return_pct": pnl / (abs(size) * price) if price else 0.0})
        return out


def _metrics(equity: list, cash: float, fees: float, first, last) -> dict:
    returns = [b / a - 1 for a, b in zip(equity, equity[1:]) if a > 0]
    peak, drawdown = -math.inf, 0.0
    for value in equity:
        peak = max(peak, value)
        if peak > 0:
            drawdown = max(drawdown, 1 - value / peak)
    years = max((last - first).total_seconds() / 86400 / 365.25, 1e-9)
    growth = equity[-1] / cash if cash > 0 else 0.0
    mean = sum(returns) / len(returns) if returns else 0.0
    sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns)) if returns else 0.0
    return {"total_return": growth - 1, "max_drawdown": drawdown, "commissions": fees,
            "cagr": growth ** (1 / years) - 1 if growth > 0 else -1.0,
            "annual_volatility": sd * math.sqrt(252),
            "sharpe_ratio": mean / sd * math.sqrt(252) if sd > 0 else 0.0}


def _series(algorithm, config, params, load_bars, qc):
    """[(symbol, bars, period)] of the added securities, in the algorithm's dates."""
    start = algorithm.start_date or dt.datetime.fromisoformat(params["start"])
    end = algorithm.end_date or dt.datetime.fromisoformat(params["end"])
    out = []
    for symbol, security in algorithm.securities.items():
        minute = security.resolution in (qc.Resolution.MINUTE, qc.Resolution.SECOND,
                                         qc.Resolution.TICK)
        wanted = dict(params, ticker=symbol.value, resolution="minute" if minute else "daily",
                      start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}")
        try:
            bars, period = load_bars(config, wanted)
        except (OSError, KeyError) as e:
            raise AlgorithmError(f"Data for symbol {symbol.value} not found in the data folder "
                                 f"({'minute' if minute else 'daily'}): {e}") from None
        out.append((symbol, bars, period))
    return out


def run_user_algorithm(main_path, config, params, load_bars, log_message):
    """Runs main.py. Returns (bars of the first security, native-shaped dict, equity list);
    raises AlgorithmError for an error in the algorithm (its traceback as the stack). The
    project's modules are forgotten afterwards, so a long-lived caller (the fake cloud) runs
    the next project's files, not these."""
    path, modules = list(sys.path), set(sys.modules)
    try:
        return _run(main_path, config, params, load_bars, log_message)
    finally:
        sys.path[:] = path
        project = os.path.dirname(os.path.abspath(main_path))
        for name in set(sys.modules) - modules:
            module = sys.modules[name]
            where = getattr(module, "__file__", None) or next(
                iter(getattr(module, "__path__", None) or []), "")
            if where.startswith(project) or name == "main":
                del sys.modules[name]


def _run(main_path, config, params, load_bars, log_message):
    sys.path.insert(0, SHIM_DIR)
    import AlgorithmImports as qc  # noqa: E402 (the shim, as LEAN's PythonNet module)
    from AlgorithmImports import _user_method, ib_fee
    try:
        algorithm = _load_class(main_path, qc)()
        algorithm._parameters = dict(params)
        algorithm.portfolio.cash = float(params.get("cash", 100000))
        _user_method(algorithm, "Initialize", "initialize")()
    except AlgorithmError:
        raise
    except Exception as e:  # noqa: BLE001 -- any error in user code is the algorithm's
        raise AlgorithmError(f"During the algorithm initialization, the following exception "
                             f"has occurred: {type(e).__name__} : {e}",
                             traceback.format_exc()) from None
    if not algorithm.securities:
        raise AlgorithmError("Initialize() added no securities: call AddEquity(ticker)")
    series = _series(algorithm, config, params, load_bars, qc)
    symbol0, bars, period = series[0]
    if not bars:
        raise AlgorithmError(f"no data for {symbol0.value} between the algorithm's start and "
                             "end dates")
    by_time = [{b[0]: b for b in s_bars} for _, s_bars, _ in series]
    daily = period >= dt.timedelta(days=1)
    cash0 = algorithm.portfolio.cash
    book = _Book(algorithm, ib_fee)
    on_data = _user_method(algorithm, "OnData", "on_data")
    equity, pending, seen = [], [], 0
    for i, bar in enumerate(bars):
        t = bar[0]
        for symbol, quantity, _tag in pending:  # orders of the previous bar
            row = by_time[[s for s, _, _ in series].index(symbol)].get(t)
            if row is not None:
                price = row[1] if daily else algorithm.portfolio[symbol].price
                book.fill(symbol, quantity, price, i)
        pending = []
        data = qc.Slice()
        for (symbol, _, _), rows in zip(series, by_time):
            row = rows.get(t)
            if row is None:
                continue
            algorithm.portfolio[symbol].price = row[4]
            dict.__setitem__(data, symbol, qc.TradeBar(symbol, t, period, *row[1:6]))
        for symbol, indicator in algorithm._indicators:
            if symbol in data:
                indicator.update(t + period, data[symbol].close)
        algorithm.time = algorithm.Time = t + period
        algorithm.is_warming_up = algorithm.IsWarmingUp = seen < algorithm._warmup_bars
        seen += 1
        try:
            on_data(data)
        except Exception as e:  # noqa: BLE001
            raise AlgorithmError(f"Runtime Error: {type(e).__name__} : {e}",
                                 traceback.format_exc()) from None
        if not algorithm.is_warming_up:
            pending = [o for o in algorithm._orders if o[0] in algorithm.securities]
        algorithm._orders = []
        equity.append(algorithm.portfolio.total_portfolio_value)
        for kind, when, text in algorithm._messages:
            log_message(kind, when or t, text)
        algorithm._messages = []
    _user_method(algorithm, "OnEndOfAlgorithm", "on_end_of_algorithm")()
    for kind, when, text in algorithm._messages:
        log_message(kind, when or bars[-1][0], text)
    prices = {s: algorithm.portfolio[s].price for s in algorithm.securities}
    native = {"trades": book.trades, "open_trades": book.open_trades(len(bars) - 1, prices),
              "metrics": _metrics(equity, cash0, book.fees, bars[0][0], bars[-1][0]),
              "cash": cash0, "ticker": symbol0.value}
    return bars, native, equity
