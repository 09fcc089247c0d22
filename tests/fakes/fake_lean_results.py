"""LEAN's result shapes for the fake LEAN launcher (fake_lean.py): orders and order events,
closedTrades, the statistics strings with LEAN's formatting, the equity and drawdown charts and
the state block, built from a run's trades and equity (see fake_lean.py for what is faithful).
"""
from __future__ import annotations

import datetime as dt
import math
import socket
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
UTC = dt.timezone.utc


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
