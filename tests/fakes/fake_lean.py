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
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile

from fake_lean_results import build_orders, charts, closed_trade, money, state, statistics
from lean_user_algorithm import AlgorithmError, is_user_algorithm, run_user_algorithm

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
