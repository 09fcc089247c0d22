#!/usr/bin/env python3
"""A fake LEAN launcher for the lean_local adapter tests: it stands where `docker run ...
quantconnect/lean` (or `lean backtest`) stands in engines.lean_local.command.

  fake_lean.py --config CONFIG.json [--fault MODE] [--btrouter PATH] [--pid-file PATH]

Faithful to (shapes taken from real LEAN v2.5.0.0 output: shared/reference/qc_lean.md §2 and the
fixtures in shared/fixtures/lean/):
  - the inputs LEAN reads: the launcher config (algorithm-location, data-folder,
    results-destination-folder, algorithm-id, parameters, close-automatically, environment), the
    market-hours and symbol-properties databases in the data folder (it fails like LEAN without
    them), and the LEAN-format bars (equity/usa/daily/<t>.zip, or minute/<t>/<date>_trade.zip,
    deci-cent prices) -- the bars it tests on are read back from those files, so the adapter's
    data writer and its result reader are checked end to end;
  - stdout lines "yyyyMMdd HH:mm:ss.fff LEVEL:: text" (engine banner, "Dates: Start: ...",
    "Begin DataStream ...", "Log: BTR_PROGRESS <time>" as the btrouter algorithm logs them, the
    "Algorithm Id:(...) completed in ..." summary, the "STATISTICS::" block, ERROR lines with
    continuation lines) and the same lines in results/log.txt with ISO-UTC prefixes;
  - results/<algorithm-id>.json (rollingWindow, totalPerformance with 4-decimal strings and
    closedTrades, charts with the "Strategy Equity" candles in Unix seconds -- one per bar, at the
    bar's end in New York time -- orders keyed by id, profitLoss, statistics strings with LEAN's
    formatting quirks, runtimeStatistics, state, algorithmConfiguration with the parameters),
    <id>-summary.json, <id>-order-events.json, <id>-log.txt;
  - exit status 0 only for a completed run, 1 after a runtime error.

A project's own algorithm (a main.py that is not btrouter's catalogue algorithm) is run as LEAN
runs it: imported against lean_shim/AlgorithmImports.py (a small stand-in for LEAN's Python API)
and driven bar by bar over the LEAN-format data of the securities it adds
(lean_user_algorithm.py); its Debug/Log lines go to the log, an exception in its code ends the
run like a LEAN runtime error.

Not faithful to: the numbers. It runs the requested catalogue strategy with btrouter's native
engine (`btrouter backtest`, binary from --btrouter or $BTR_BINARY) on the bars it read, so
trades, fills and equity follow backtesting.py semantics, not LEAN's fill and fee models; LEAN-only
statistics (alpha, beta, capacity, information ratio, ...) are 0 or rough stand-ins.

Faults (--fault): runtime_error (ERROR lines, state.Status "RuntimeError", exit 1);
missing_results (exit 0 without <id>.json); malformed_json (a truncated <id>.json, exit 0);
hang (a few lines, then sleeps forever with a `sleep` child in its process group);
hang_ignore_term (the same, both ignoring SIGTERM); exit_nonzero (an ERROR line, exit 3);
slow (progress lines spread over about 2 s). --pid-file receives "<pid> [<child pid>]".
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from zoneinfo import ZoneInfo

from lean_user_algorithm import AlgorithmError, is_user_algorithm, run_user_algorithm

NY = ZoneInfo("America/New_York")
UTC = dt.timezone.utc
VERSION = "2.5.0.0"
FLAGS = ["trade_on_close", "exclusive_orders", "hedging", "finalize_trades"]
DATABASES = ["market-hours/market-hours-database.json",
             "symbol-properties/symbol-properties-database.csv"]


class Log:
    """LEAN's console (stdout) and file (log.txt) log handlers."""

    def __init__(self):
        self.file_lines: list[str] = []
        self.algorithm_lines: list[str] = []

    def emit(self, level: str, text: str) -> None:
        now = dt.datetime.now(UTC)
        print(f"{now:%Y%m%d %H:%M:%S}.{now.microsecond // 1000:03d} {level}:: {text}", flush=True)
        self.file_lines.append(f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond:06d}0Z {level}:: {text}")

    def trace(self, text: str) -> None:
        self.emit("TRACE", text)

    def algorithm(self, kind: str, when: dt.datetime, text: str) -> None:
        self.trace(f"{kind}: {text}")
        self.algorithm_lines.append(f"{when:%Y-%m-%d %H:%M:%S} {text}")


def flag(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def utc_seconds(ny: dt.datetime) -> int:
    return int(ny.replace(tzinfo=NY).astimezone(UTC).timestamp())


def iso_utc(ny: dt.datetime) -> str:
    return ny.replace(tzinfo=NY).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timespan(seconds: float) -> str:
    """A .NET TimeSpan string: [d.]hh:mm:ss[.fffffff]."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{int(hours):02d}:{int(minutes):02d}:{int(secs):02d}"
    if secs != int(secs):
        text += f".{round((secs - int(secs)) * 1e7):07d}"
    return f"{int(days)}.{text}" if days else text


def num(x, digits: int) -> str:
    """LEAN's round-N decimal string, trailing zeros dropped ("0.6453", "100000", "0")."""
    if x is None or not math.isfinite(x):
        return "0"
    text = f"{round(x, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(x, digits: int) -> str:
    """LEAN's percent statistic: round(x*100, digits) with its zeros kept, "0%" for zero."""
    if x is None or not math.isfinite(x) or x == 0:
        return "0%"
    text = f"{x * 100:.{digits}f}" if digits else f"{round(x * 100)}"
    return ("0" + text[2:] if text.startswith("-0") and float(text) == 0 else text) + "%"


def money(x: float) -> str:  # runtimeStatistics: "$1,234.56", "$-1,728.37"
    return f"${x:,.2f}" if x >= 0 else f"$-{-x:,.2f}"


def load_bars(config: dict, params: dict) -> tuple[list[tuple], dt.timedelta]:
    """The LEAN-format bars of the run: [(New York time, o, h, l, c, v)], prices in dollars."""
    folder = os.path.join(config["data-folder"], "equity", "usa")
    ticker = params.get("ticker", "BTRDATA").lower()
    rows = []
    if params.get("resolution", "daily") == "minute":
        period = dt.timedelta(minutes=1)
        day_dir = os.path.join(folder, "minute", ticker)
        for name in sorted(os.listdir(day_dir)):
            if not name.endswith("_trade.zip"):
                continue
            day = dt.datetime.strptime(name[:8], "%Y%m%d")
            with zipfile.ZipFile(os.path.join(day_dir, name)) as z:
                text = z.read(f"{name[:8]}_{ticker}_minute_trade.csv").decode()
            for line in text.splitlines():
                if line.strip():
                    f = line.split(",")
                    rows.append((day + dt.timedelta(milliseconds=int(f[0])), *f[1:6]))
    else:
        period = dt.timedelta(days=1)
        with zipfile.ZipFile(os.path.join(folder, "daily", ticker + ".zip")) as z:
            text = z.read(ticker + ".csv").decode()
        for line in text.splitlines():
            if line.strip():
                f = line.split(",")
                rows.append((dt.datetime.strptime(f[0], "%Y%m%d %H:%M"), *f[1:6]))
    start = dt.datetime.fromisoformat(params["start"]) if "start" in params else None
    end = dt.datetime.fromisoformat(params["end"]) + dt.timedelta(days=1) if "end" in params else None
    bars = []
    for t, o, h, l, c, v in rows:
        if (start is None or t >= start) and (end is None or t < end):
            bars.append((t, *(int(p) / 10000 for p in (o, h, l, c)), int(float(v))))
    return bars, period


def strategy_params(binary: str, name: str) -> list[str]:
    """The catalogue parameter names of strategy `name` (the algorithm's other parameters are
    settings such as cash or warmup)."""
    done = subprocess.run([binary, "strategies", "--format", "json"], capture_output=True,
                          text=True, check=True)
    for strategy in json.loads(done.stdout):
        if strategy["name"] == name:
            return [p["name"] for p in strategy["params"]]
    return []


def run_native(binary: str, bars: list[tuple], params: dict) -> tuple[dict, list[float]]:
    """btrouter's native engine on `bars`: its JSON document and its equity curve."""
    with tempfile.TemporaryDirectory(prefix="fake_lean_") as tmp:
        data = os.path.join(tmp, "bars.csv")
        with open(data, "w") as out:
            out.write("time,open,high,low,close,volume\n")
            for t, o, h, l, c, v in bars:
                out.write(f"{t:%Y-%m-%d %H:%M:%S},{o!r},{h!r},{l!r},{c!r},{v}\n")
        cmd = [binary, "backtest", "--data", data, "--strategy", params.get("strategy", ""),
               "--format", "json", "--no-cache", "--out", os.path.join(tmp, "out")]
        for key in ("cash", "commission", "commission_fixed", "spread", "margin"):
            if key in params:
                cmd += ["--" + key.replace("_", "-"), str(params[key])]
        cmd += ["--" + k.replace("_", "-") for k in FLAGS if flag(params.get(k, "false"))]
        for key in strategy_params(binary, params.get("strategy", "")):
            if key in params:
                value = str(params[key])
                cmd += ["--param", f"{key}={value.lower() if value in ('True', 'False') else value}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or f"btrouter exited {done.returncode}")
        with open(os.path.join(tmp, "out", "equity.csv")) as f:
            equity = [float(line.split(",")[1]) for line in f.read().splitlines()[1:] if line]
        return json.loads(done.stdout), equity


def build_orders(trades, open_trades, bars, params, symbol, algorithm_id):
    """LEAN orders (dict by id) and order events; every trade gets its entry and exit orders."""
    rate, fixed = float(params.get("commission", 0)), float(params.get("commission_fixed", 0))
    fills = []  # (bar, exit first, trade index, quantity, price)
    for i, t in enumerate(trades + open_trades):
        fills.append((t["entry_bar"], 1, i, t["size"], t["entry_price"]))
        if t.get("exit_bar") is not None and i < len(trades):
            fills.append((t["exit_bar"], 0, i, -t["size"], t["exit_price"]))
    fills.sort(key=lambda f: (f[0], f[1], f[2]))
    orders, events, ids = {}, [], {}
    for oid, (bar, _, index, qty, price) in enumerate(fills, start=1):
        ids.setdefault(index, []).append(oid)
        when = iso_utc(bars[bar][0])
        orders[str(oid)] = {
            "type": 0, "id": oid, "contingentId": 0, "brokerId": [str(oid)], "symbol": symbol,
            "price": price, "priceCurrency": "USD", "time": when, "createdTime": when,
            "lastFillTime": when, "quantity": float(qty), "status": 3, "tag": "",
            "properties": {"timeInForce": {}}, "securityType": 1, "direction": 0 if qty > 0 else 1,
            "value": price * qty,
            "orderSubmissionData": {"bidPrice": price, "askPrice": price, "lastPrice": price},
            "isMarketable": True, "priceAdjustmentMode": 0}
        base = {"algorithmId": algorithm_id, "orderId": oid, "symbol": symbol["id"],
                "symbolValue": symbol["value"], "symbolPermtick": symbol["permtick"],
                "time": float(utc_seconds(bars[bar][0])), "fillPriceCurrency": "USD",
                "direction": "buy" if qty > 0 else "sell", "isAssignment": False,
                "quantity": float(qty)}
        events.append({"id": f"{algorithm_id}-{oid}-1", "orderEventId": 1, **base,
                       "status": "submitted", "fillPrice": 0.0, "fillQuantity": 0.0})
        events.append({"id": f"{algorithm_id}-{oid}-2", "orderEventId": 2, **base,
                       "status": "filled", "orderFeeAmount": fixed + rate * abs(qty) * price,
                       "orderFeeCurrency": "USD", "fillPrice": price, "fillQuantity": float(qty)})
    return orders, events, ids


def closed_trade(t, bars, symbol, order_ids):
    """A totalPerformance.closedTrades entry (LEAN's Trade) for a native closed trade."""
    qty, entry = abs(t["size"]), t["entry_price"]
    span = bars[t["entry_bar"]:t["exit_bar"] + 1]
    sign = 1 if t["size"] > 0 else -1
    highs, lows = [b[2] for b in span], [b[3] for b in span]
    worst, best = (min(lows), max(highs)) if sign > 0 else (max(highs), min(lows))
    mae = round(min(0.0, sign * (worst - entry) * qty), 2)
    mfe = round(max(0.0, sign * (best - entry) * qty), 2)
    gross = t["pnl"] + t["commission"]
    entry_t, exit_t = bars[t["entry_bar"]][0], bars[t["exit_bar"]][0]
    return {"symbol": symbol, "entryTime": iso_utc(entry_t), "entryPrice": entry,
            "direction": 0 if sign > 0 else 1, "quantity": float(qty),
            "exitTime": iso_utc(exit_t), "exitPrice": t["exit_price"], "profitLoss": gross,
            "totalFees": t["commission"], "mae": mae, "mfe": mfe,
            "duration": timespan((exit_t - entry_t).total_seconds()),
            "endTradeDrawdown": round(gross - mfe, 2), "isWin": t["pnl"] > 0,
            "orderIds": order_ids}


def psr(equity: list[float]) -> float:
    """Probabilistic Sharpe ratio (benchmark 0) of the per-bar returns."""
    r = [b / a - 1 for a, b in zip(equity, equity[1:]) if a > 0]
    if len(r) < 3:
        return 0.0
    mean = sum(r) / len(r)
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / len(r))
    if sd == 0:
        return 0.0
    sr = mean / sd
    skew = sum((x - mean) ** 3 for x in r) / len(r) / sd ** 3
    kurt = sum((x - mean) ** 4 for x in r) / len(r) / sd ** 4
    denom = 1 - skew * sr + (kurt - 1) / 4 * sr * sr
    z = sr * math.sqrt(len(r) - 1) / math.sqrt(denom) if denom > 0 else 0.0
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def statistics(native, equity, trades, closed, durations, orders, cash, symbol):
    """The "statistics" strings and totalPerformance (portfolio + trade statistics)."""
    m = native["metrics"]
    pnl = [t["pnl"] for t in trades]
    wins, losses = [p for p in pnl if p > 0], [p for p in pnl if p <= 0]
    win_rate = len(wins) / len(pnl) if pnl else 0.0
    avg_win = sum(t["return_pct"] for t in trades if t["pnl"] > 0) / len(wins) if wins else 0.0
    avg_loss = sum(t["return_pct"] for t in trades if t["pnl"] <= 0) / len(losses) if losses else 0.0
    pl_ratio = abs(avg_win / avg_loss) if avg_loss else 0.0
    expectancy = win_rate * pl_ratio - (1 - win_rate) if pnl else 0.0
    volume = sum(abs(o["value"]) for o in orders.values())
    turnover = volume / (sum(equity) / len(equity)) / len(equity) if equity else 0.0
    fees = m.get("commissions") or 0.0
    vol = m.get("annual_volatility") or 0.0
    prob = psr(equity)
    g = lambda k: m.get(k) if m.get(k) is not None else 0.0  # noqa: E731
    stats = {
        "Total Orders": str(len(orders)), "Average Win": pct(avg_win, 2),
        "Average Loss": pct(avg_loss, 2), "Compounding Annual Return": pct(g("cagr"), 3),
        "Drawdown": pct(g("max_drawdown"), 3), "Expectancy": num(expectancy, 3),
        "Start Equity": num(cash, 2), "End Equity": f"{equity[-1]:.2f}",
        "Net Profit": pct(g("total_return"), 3), "Sharpe Ratio": num(g("sharpe_ratio"), 3),
        "Sortino Ratio": num(g("sortino_ratio"), 3), "Probabilistic Sharpe Ratio": pct(prob, 3),
        "Loss Rate": pct(1 - win_rate if pnl else 0, 0), "Win Rate": pct(win_rate, 0),
        "Profit-Loss Ratio": f"{pl_ratio:.2f}" if pl_ratio else "0", "Alpha": "0", "Beta": "0",
        "Annual Standard Deviation": num(vol, 3), "Annual Variance": num(vol * vol, 3),
        "Information Ratio": "0", "Tracking Error": "0", "Treynor Ratio": "0",
        "Total Fees": f"${fees:.2f}", "Estimated Strategy Capacity": "$0.00",
        "Lowest Capacity Asset": symbol["id"], "Portfolio Turnover": pct(turnover, 2),
        "Drawdown Recovery": "0"}
    portfolio = {
        "averageWinRate": num(avg_win, 4), "averageLossRate": num(avg_loss, 4),
        "profitLossRatio": num(pl_ratio, 4), "winRate": num(win_rate, 4),
        "lossRate": num(1 - win_rate if pnl else 0, 4), "expectancy": num(expectancy, 4),
        "startEquity": num(cash, 4), "endEquity": num(equity[-1], 4),
        "compoundingAnnualReturn": num(g("cagr"), 4), "drawdown": num(g("max_drawdown"), 4),
        "totalNetProfit": num(g("total_return"), 4), "sharpeRatio": num(g("sharpe_ratio"), 4),
        "probabilisticSharpeRatio": num(prob, 4), "sortinoRatio": num(g("sortino_ratio"), 4),
        "alpha": "0", "beta": "0", "annualStandardDeviation": num(vol, 4),
        "annualVariance": num(vol * vol, 4), "informationRatio": "0", "trackingError": "0",
        "treynorRatio": "0", "portfolioTurnover": num(turnover, 4), "valueAtRisk99": "0",
        "valueAtRisk95": "0", "drawdownRecovery": "0"}
    durations = sorted(durations) or [0]
    trade = {
        "startDateTime": closed[0]["entryTime"] if closed else None,
        "endDateTime": closed[-1]["exitTime"] if closed else None,
        "totalNumberOfTrades": len(pnl), "numberOfWinningTrades": len(wins),
        "numberOfLosingTrades": len(losses), "totalProfitLoss": num(sum(pnl), 4),
        "totalProfit": num(sum(wins), 4), "totalLoss": num(sum(losses), 4),
        "largestProfit": num(max(wins, default=0), 4), "largestLoss": num(min(losses, default=0), 4),
        "averageProfitLoss": num(sum(pnl) / len(pnl) if pnl else 0, 4),
        "averageProfit": num(sum(wins) / len(wins) if wins else 0, 4),
        "averageLoss": num(sum(losses) / len(losses) if losses else 0, 4),
        "averageTradeDuration": timespan(sum(durations) / len(durations)),
        "medianTradeDuration": timespan(durations[len(durations) // 2]),
        "profitLossRatio": num(pl_ratio, 4), "winRate": num(win_rate, 4),
        "lossRate": num(1 - win_rate if pnl else 0, 4),
        "profitFactor": num(sum(wins) / -sum(losses) if sum(losses) else 0, 4),
        "totalFees": num(fees, 4)}
    return stats, portfolio, trade


def charts(bars, period, equity, cash):
    """Strategy Equity (candles at each bar's end, New York time → Unix seconds), Drawdown."""
    t0 = utc_seconds(bars[0][0])
    candles, returns, drawdown = [[t0, cash, cash, cash, cash]], [[t0, 0.0]], [[t0, 0.0]]
    previous, peak = cash, cash
    for bar, value in zip(bars, equity):
        t = utc_seconds(bar[0] + period)
        candles.append([t, previous, max(previous, value), min(previous, value), value])
        returns.append([t, (value / previous - 1) * 100 if previous else 0.0])
        peak = max(peak, value)
        drawdown.append([t, round((value / peak - 1) * 100, 2)])
        previous = value

    def series(name, unit, index, kind, values):
        s = {"name": name, "unit": unit, "index": index, "seriesType": kind, "values": values}
        return s if kind == 2 else {**s, "color": "", "scatterMarkerSymbol": "none"}
    return {
        "Strategy Equity": {"name": "Strategy Equity", "chartType": 0, "series": {
            "Equity": series("Equity", "$", 0, 2, candles),
            "Return": series("Return", "%", 1, 3, returns)}},
        "Drawdown": {"name": "Drawdown", "chartType": 0, "series": {
            "Equity Drawdown": series("Equity Drawdown", "%", 0, 0, drawdown)}}}


def state(status, error="", stack="", logs=0, orders=0, started=None):
    now = dt.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"StartTime": started or now, "EndTime": now, "RuntimeError": error,
            "StackTrace": stack, "LogCount": str(logs), "OrderCount": str(orders),
            "InsightCount": "0", "Name": "btrouter", "Hostname": socket.gethostname(),
            "Status": status}


def write_json(path, doc, truncate=False):
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text[: len(text) // 2] if truncate else text)


def fail(log, message, code=1):
    log.emit("ERROR", message)
    sys.exit(code)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--fault", default="none")
    parser.add_argument("--btrouter", default=os.environ.get("BTR_BINARY", ""))
    parser.add_argument("--pid-file", default="")
    args, _ = parser.parse_known_args()
    sys.stdout.reconfigure(encoding="utf-8")
    if args.pid_file:
        with open(args.pid_file, "w") as out:
            out.write(f"{os.getpid()}\n")
    log = Log()
    started = dt.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.trace(f"Engine.Main(): LEAN ALGORITHMIC TRADING ENGINE v{VERSION} Mode: DEBUG (64bit) "
              f"Host: {socket.gethostname()}")
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    if not config.get("close-automatically"):
        log.trace("Engine.Main(): Press any key to continue.")  # LEAN waits on stdin here
    location = config.get("algorithm-location", "")
    log.trace(f"JobQueue.NextJob(): Selected {location}")
    if not os.path.isfile(location):
        fail(log, f"Engine.Run(): Could not find file '{location}'.")
    for db in DATABASES:
        path = os.path.join(config.get("data-folder", ""), db)
        if not os.path.isfile(path):
            fail(log, f"Engine.Run(): System.IO.FileNotFoundException: Could not find file "
                      f"'{path}'.")
    aid, params = str(config["algorithm-id"]), dict(config.get("parameters", {}))
    results = config["results-destination-folder"]
    log.trace(f"SetUp Backtesting: User: 0 ProjectId: 0 AlgoId: {aid}")
    if is_user_algorithm(location):
        return run_project_algorithm(args, config, params, log, started)
    bars, period = load_bars(config, params)
    if not bars:
        fail(log, "Engine.Run(): no data in the requested range")
    cash = float(params.get("cash", 100000))
    first, last = bars[0][0], bars[-1][0]
    log.trace(f"Dates: Start: {first:%m/%d/%Y} End: {last:%m/%d/%Y} Cash: ¤{cash:,.2f} "
              "MaximumRuntime: 100.00:00:00 MaxOrders: 2147483647")
    log.trace(f"AlgorithmManager.Run(): Begin DataStream - Start: {first.month}/{first.day}/"
              f"{first.year} 12:00:00 AM Stop: {last.month}/{last.day}/{last.year} 11:59:59 PM "
              f"Time: {first.month}/{first.day}/{first.year} 12:00:00 AM Warmup: False")
    log.algorithm("Debug", first, f"Launching analysis for {aid} with LEAN Engine v{VERSION}")
    marks = [bars[i * (len(bars) - 1) // 20][0] for i in range(21)]
    if args.fault == "exit_nonzero":
        fail(log, "Engine.Run(): fake LEAN fault exit_nonzero: the engine stopped", 3)
    if args.fault in ("hang", "hang_ignore_term"):
        if args.fault == "hang_ignore_term":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for mark in marks[:3]:
            log.algorithm("Log", mark, f"BTR_PROGRESS {mark:%Y-%m-%dT%H:%M:%S}")
        child = subprocess.Popen(["sleep", "3600"])
        if args.pid_file:
            with open(args.pid_file, "w") as out:
                out.write(f"{os.getpid()} {child.pid}\n")
        while True:
            time.sleep(1)
    tick = time.monotonic()
    try:
        native, equity = run_native(args.btrouter, bars, params)
        error = "fake LEAN fault runtime_error: ZeroDivisionError : division by zero" \
            if args.fault == "runtime_error" else ""
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        native, equity, error = None, [], f"Error during Initialize: {e}"
    fail_at = 10 if args.fault == "runtime_error" else 0
    for i, mark in enumerate(marks):
        if error and i == fail_at:
            stack = "  at on_data\n    raise ZeroDivisionError('division by zero')\n in main.py: line 1"
            log.emit("ERROR", f"Extensions.SetRuntimeError(): RuntimeError at "
                              f"{mark:%m/%d/%Y %H:%M:%S} UTC. Context: OnData {error}\n{stack}")
            log.trace("AlgorithmManager.Run(): Firing On End Of Algorithm...")
            write_json(os.path.join(results, f"{aid}.json"), {
                "rollingWindow": {}, "charts": {}, "orders": {}, "profitLoss": {},
                "statistics": {}, "runtimeStatistics": {},
                "state": state("RuntimeError", error, stack, len(log.file_lines), 0, started)})
            write_log(results, aid, log)
            return 1
        log.algorithm("Log", mark, f"BTR_PROGRESS {mark:%Y-%m-%dT%H:%M:%S}")
        if args.fault == "slow":
            time.sleep(0.1)
    return write_results(args, config, params, log, started, bars, period, native, equity, tick)


def run_project_algorithm(args, config, params, log, started) -> int:
    """A project's own main.py (lean_user_algorithm.py), as LEAN runs a user's algorithm."""
    aid, results = str(config["algorithm-id"]), config["results-destination-folder"]
    tick = time.monotonic()
    try:
        bars, native, equity = run_user_algorithm(
            config["algorithm-location"], config, params, load_bars,
            lambda kind, when, text: log.algorithm(kind, when, text))
    except AlgorithmError as e:
        stack = e.stack.strip() or " in main.py"
        log.emit("ERROR", f"Extensions.SetRuntimeError(): {e}\n{stack}")
        log.trace("AlgorithmManager.Run(): Firing On End Of Algorithm...")
        write_json(os.path.join(results, f"{aid}.json"), {
            "rollingWindow": {}, "charts": {}, "orders": {}, "profitLoss": {},
            "statistics": {}, "runtimeStatistics": {},
            "state": state("RuntimeError", str(e), stack, len(log.file_lines), 0, started)})
        write_log(results, aid, log)
        return 1
    period = bars[1][0] - bars[0][0] if len(bars) > 1 else dt.timedelta(days=1)
    period = dt.timedelta(days=1) if period >= dt.timedelta(days=1) else dt.timedelta(minutes=1)
    first, last = bars[0][0], bars[-1][0]
    log.trace(f"Dates: Start: {first:%m/%d/%Y} End: {last:%m/%d/%Y} "
              f"Cash: ¤{native['cash']:,.2f} MaximumRuntime: 100.00:00:00 MaxOrders: 2147483647")
    return write_results(args, config, params, log, started, bars, period, native, equity, tick)


def write_results(args, config, params, log, started, bars, period, native, equity, tick) -> int:
    """LEAN's result files and closing log lines for a finished run."""
    aid, results = str(config["algorithm-id"]), config["results-destination-folder"]
    cash = native.get("cash", float(params.get("cash", 100000)))
    first, last = bars[0][0], bars[-1][0]
    ticker = native.get("ticker", params.get("ticker", "BTRDATA"))
    symbol = {"value": ticker, "id": ticker + " 2T", "permtick": ticker}
    log.trace("AlgorithmManager.Run(): Firing On End Of Algorithm...")
    trades, open_trades = native["trades"], native["open_trades"]
    orders, events, ids = build_orders(trades, open_trades, bars, params, symbol, aid)
    closed = [closed_trade(t, bars, symbol, ids[i]) for i, t in enumerate(trades)]
    durations = [(bars[t["exit_bar"]][0] - bars[t["entry_bar"]][0]).total_seconds()
                 for t in trades]
    stats, portfolio, trade_stats = statistics(native, equity, trades, closed, durations, orders,
                                               cash, symbol)
    profit_loss = {}
    for c, t in zip(closed, trades):
        profit_loss[c["exitTime"]] = profit_loss.get(c["exitTime"], 0.0) + t["pnl"]
    unrealized = sum(t["pnl"] for t in open_trades)
    holdings = sum(t["size"] * bars[-1][4] for t in open_trades)
    fees = native["metrics"].get("commissions") or 0.0
    runtime = {"Equity": money(equity[-1]), "Fees": f"-${fees:,.2f}",
               "Holdings": money(holdings), "Net Profit": money(sum(t["pnl"] for t in trades)),
               "Probabilistic Sharpe Ratio": stats["Probabilistic Sharpe Ratio"],
               "Return": f"{(equity[-1] / cash - 1) * 100:.2f} %", "Unrealized": money(unrealized),
               "Volume": money(sum(abs(o["value"]) for o in orders.values()))}
    seconds = max(time.monotonic() - tick, 1e-3)
    log.algorithm("Debug", last, f"Algorithm Id:({aid}) completed in {seconds:.2f} seconds at "
                                 f"{len(bars) / seconds / 1000:.0f}k data points per second. "
                                 f"Processing total of {len(bars):,} data points.")
    log.trace(f"Debug: Your log was successfully created and can be retrieved from: "
              f"{results}/{aid}-log.txt")
    log.trace("\n" + "\n".join(f"STATISTICS:: {k} {v}" for k, v in stats.items()) +
              "\nSTATISTICS:: OrderListHash 00000000000000000000000000000000")
    performance = {"tradeStatistics": trade_stats, "portfolioStatistics": portfolio,
                   "closedTrades": closed}
    config_out = {"name": config.get("backtest-name", "local"), "tags": [],
                  "accountCurrency": "USD", "brokerage": 0, "accountType": 0, "parameters": params,
                  "outOfSampleMaxEndDate": None, "outOfSampleDays": 0,
                  "startDate": f"{first:%Y-%m-%d}T00:00:00Z", "endDate": f"{last:%Y-%m-%d}T23:59:59Z",
                  "tradingDaysPerYear": 252}
    result = {"rollingWindow": {}, "totalPerformance": performance,
              "charts": charts(bars, period, equity, cash), "orders": orders,
              "profitLoss": profit_loss, "statistics": stats, "runtimeStatistics": runtime,
              "state": state("Completed", "", "", len(log.file_lines), len(orders), started),
              "algorithmConfiguration": config_out}
    if args.fault != "missing_results":
        write_json(os.path.join(results, f"{aid}.json"), result, args.fault == "malformed_json")
    summary = {k: result[k] for k in ("statistics", "runtimeStatistics", "state",
                                      "algorithmConfiguration")}
    summary["totalPerformance"] = {**performance, "closedTrades": []}
    summary["charts"] = {"Strategy Equity": {**result["charts"]["Strategy Equity"], "series": {
        "Equity": result["charts"]["Strategy Equity"]["series"]["Equity"]}}}
    summary["rollingWindow"] = {}
    write_json(os.path.join(results, f"{aid}-summary.json"), summary)
    with open(os.path.join(results, f"{aid}-order-events.json"), "w") as out:
        out.write(json.dumps(events))
    log.trace("BacktestingResultHandler.SendAnalysisResult(): Processed final packet")
    log.trace("Engine.Main(): Analysis Completed and Results Posted.")
    log.trace(f"Engine.Main(): Packet removed from queue: {aid}")
    log.trace("Program.Main(): Exiting Lean...")
    write_log(results, aid, log)
    return 0


def write_log(results, aid, log):
    with open(os.path.join(results, "log.txt"), "w", encoding="utf-8") as out:
        out.write("\n".join(log.file_lines) + "\n")
    with open(os.path.join(results, f"{aid}-log.txt"), "w", encoding="utf-8") as out:
        out.write("\n".join(log.algorithm_lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
