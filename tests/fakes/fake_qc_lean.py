#!/usr/bin/env python3
"""LEAN-shaped results for the fake QuantConnect API (fake_qc_api.py): the native btrouter
engine stands in for LEAN. See fake_qc_api.py's docstring ("Results") for what is faithful.
"""
from __future__ import annotations

import ast
import datetime
import json
import os
import subprocess
import tempfile
import time
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo('America/New_York')
SETTINGS = {'cash': '--cash', 'commission': '--commission',
            'commission_fixed': '--commission-fixed', 'spread': '--spread', 'margin': '--margin'}
FLAGS = {'trade_on_close': '--trade-on-close', 'exclusive_orders': '--exclusive-orders',
         'hedging': '--hedging', 'finalize_trades': '--finalize-trades'}


class ApiError(Exception):
    """An answer other than success: HTTP code and the envelope's error."""

    def __init__(self, message: str, code: int = 200):
        super().__init__(message)
        self.code = code


def utc_iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def ny_to_unix(naive: datetime.datetime) -> int:
    return int(naive.replace(tzinfo=NEW_YORK).timestamp())


def truthy(text: str) -> bool:
    return str(text).strip().lower() in ('1', 'true', 'yes', '1.0')


def bars_csv(files: dict) -> str | None:
    """The CSV text of the project's data module (btrdata.py) or btrdata.csv, else None."""
    if 'btrdata.py' in files:
        for node in ast.parse(files['btrdata.py']).body:
            if (isinstance(node, ast.Assign) and any(getattr(t, 'id', '') == 'CSV'
                                                     for t in node.targets)
                    and isinstance(node.value, ast.Constant)):
                return node.value.value
        raise ApiError('btrdata.py has no CSV string')
    return files.get('btrdata.csv')


def timespan(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    text = f'{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}'
    return f'{days}.{text}' if days else text


def run_binary(args: list, **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run, retried for a while when the binary is being rebuilt (not executable)."""
    for attempt in range(40):
        try:
            return subprocess.run(args, capture_output=True, text=True, **kwargs)
        except OSError:
            if attempt == 39:
                raise
            time.sleep(0.25)


class Simulator:
    def __init__(self, binary: str, fixture: dict, data_folder: str = ''):
        self.binary = binary
        self.fixture = fixture
        self.data_folder = data_folder  # LEAN-format data: the fake's QuantConnect data library
        self._catalogue = None

    def catalogue(self) -> dict:
        if self._catalogue is None:
            out = run_binary([self.binary, 'strategies', '--format', 'json'], check=True).stdout
            self._catalogue = {s['name']: {p['name']: p['type'] for p in s['params']}
                               for s in json.loads(out)}
        return self._catalogue

    def result(self, files: dict, parameters: dict) -> dict:
        """statistics, runtimeStatistics, totalPerformance, equity chart and orders."""
        fx = self.fixture
        out = {'statistics': dict(fx['statistics']),
               'runtimeStatistics': dict(fx['runtimeStatistics']),
               'totalPerformance': json.loads(json.dumps(fx['totalPerformance'])),
               'chart': fx['charts']['Strategy Equity'],
               'orders': [fx['orders'][k] for k in sorted(fx['orders'], key=int)]}
        main = files.get('main.py', '')
        if main and 'BTR_PROGRESS' not in main:  # a user's own algorithm
            self._run_project(files, parameters, out)
            return out
        text = bars_csv(files)
        if text is not None:
            self._simulate(text, parameters, out)
        return out

    def _run_project(self, files: dict, parameters: dict, out: dict) -> None:
        """The project's own main.py on the data library, as fake_lean.py runs it."""
        from fake_lean import load_bars
        from lean_user_algorithm import AlgorithmError, run_user_algorithm
        if not self.data_folder:
            raise ApiError('this fake QuantConnect has no data library (--data-folder)')
        with tempfile.TemporaryDirectory(prefix='fake_qc_project_') as tmp:
            for name, content in files.items():
                path = os.path.join(tmp, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(content)
            try:
                bars, native, equity = run_user_algorithm(
                    os.path.join(tmp, 'main.py'), {'data-folder': self.data_folder},
                    parameters, load_bars, lambda kind, when, text: None)
            except AlgorithmError as e:
                raise ApiError(str(e)) from None
        times = [b[0] for b in bars]
        period = min((b - a for a, b in zip(times, times[1:])),
                     default=datetime.timedelta(days=1))
        self._fill(out, native['ticker'], times, period, native['cash'], equity, native)

    def _simulate(self, text: str, parameters: dict, out: dict) -> None:
        rows = [line.split(',') for line in text.splitlines()
                if line and line[0].isdigit()]
        # As LEAN: the algorithm sees the bars from its start date (SetStartDate, the "start"
        # parameter) through its end date (SetEndDate, "end", that whole day), no others.
        first = parameters.get('start')
        last = parameters.get('end')
        rows = [r for r in rows
                if (not first or r[0][:10] >= first) and (not last or r[0][:10] <= last)]
        times = [datetime.datetime.fromisoformat(r[0]) for r in rows]
        period = min((b - a for a, b in zip(times, times[1:])),
                     default=datetime.timedelta(days=1))
        strategy = parameters.get('strategy', '')
        types = self.catalogue().get(strategy)
        if types is None:
            raise ApiError(f"unknown strategy '{strategy}'")
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, 'bars.csv')
            with open(data, 'w') as f:
                f.write('time,open,high,low,close,volume\n')
                f.writelines(','.join(r) + '\n' for r in rows)
            args = [self.binary, 'backtest', '--data', data, '--strategy', strategy,
                    '--format', 'json', '--no-cache', '--out', tmp]
            for key, flag in SETTINGS.items():
                if key in parameters:
                    args += [flag, parameters[key]]
            args += [flag for key, flag in FLAGS.items() if truthy(parameters.get(key, '0'))]
            for name, kind in types.items():
                if name in parameters:
                    value = parameters[name]
                    if kind == 'bool':
                        value = 'true' if truthy(value) else 'false'
                    elif kind == 'int':
                        value = str(int(float(value)))
                    args += ['--param', f'{name}={value}']
            run = run_binary(args)
            if run.returncode != 0:
                raise ApiError('btrouter backtest failed: ' + run.stderr.strip())
            native = json.loads(run.stdout)
            with open(os.path.join(tmp, 'equity.csv')) as f:
                equity = [float(line.split(',')[1]) for line in f.read().splitlines()[1:]]
        ticker = parameters.get('ticker', 'BTRDATA')
        cash = float(parameters.get('cash', equity[0] if equity else 10000))
        self._fill(out, ticker, times, period, cash, equity, native)

    @staticmethod
    def _fill(out, ticker, times, period, cash, equity, native) -> None:
        def at(bar: int, fraction: float) -> str:
            return utc_iso(ny_to_unix(times[bar] + period * fraction))

        candles = [[ny_to_unix(times[0]), cash, cash, cash, cash]]
        returns = []
        previous = cash
        for i, value in enumerate(equity):
            t = ny_to_unix(times[i] + period)
            candles.append([t, previous, max(previous, value), min(previous, value), value])
            returns.append([t, 0.0 if previous == 0 else round((value / previous - 1) * 100, 4)])
            previous = value
        symbol = {'value': ticker, 'id': f'{ticker} 2T', 'permtick': ticker}
        closed, orders = [], []

        def order(bar: int, price: float, quantity: float) -> int:
            orders.append({'type': 0, 'id': len(orders) + 1, 'contingentId': 0,
                           'brokerId': [str(len(orders) + 1)], 'symbol': symbol,
                           'price': price, 'priceCurrency': 'USD', 'time': at(bar, 0.5),
                           'createdTime': at(bar, 0.5), 'lastFillTime': at(bar, 0.5),
                           'quantity': quantity, 'status': 3, 'tag': '',
                           'properties': {'timeInForce': {}}, 'securityType': 0,
                           'direction': 0 if quantity > 0 else 1,
                           'value': abs(quantity) * price, 'isMarketable': True,
                           'priceAdjustmentMode': 1})
            return len(orders)

        for t in native['trades']:
            size, fee = t['size'], t.get('commission') or 0.0
            ids = [order(t['entry_bar'], t['entry_price'], size),
                   order(t['exit_bar'], t['exit_price'], -size)]
            duration = (times[t['exit_bar']] - times[t['entry_bar']]).total_seconds()
            closed.append({'symbol': symbol, 'entryTime': at(t['entry_bar'], 0.5),
                           'entryPrice': t['entry_price'], 'direction': 0 if size > 0 else 1,
                           'quantity': abs(size), 'exitTime': at(t['exit_bar'], 0.5),
                           'exitPrice': t['exit_price'], 'profitLoss': t['pnl'] + fee,
                           'totalFees': fee, 'mae': 0.0, 'mfe': 0.0,
                           'duration': timespan(duration), 'endTradeDrawdown': 0.0,
                           'isWin': t['pnl'] > 0, 'orderIds': ids})
        for t in native.get('open_trades', []):
            order(t['entry_bar'], t['entry_price'], t['size'])

        end = equity[-1] if equity else cash
        wins = sum(1 for c in closed if c['isWin'])
        win_rate = wins / len(closed) if closed else 0.0
        stats, perf = out['statistics'], out['totalPerformance']
        stats.update({'Total Orders': str(len(orders)), 'Start Equity': f'{cash:.2f}',
                      'End Equity': f'{end:.2f}',
                      'Net Profit': f'{(end / cash - 1) * 100:.3f}%',
                      'Win Rate': f'{round(win_rate * 100)}%',
                      'Loss Rate': f'{round((1 - win_rate) * 100) if closed else 0}%'})
        out['runtimeStatistics']['Equity'] = f'${end:,.2f}'
        perf['closedTrades'] = closed
        perf['tradeStatistics'].update({
            'totalNumberOfTrades': len(closed), 'numberOfWinningTrades': wins,
            'numberOfLosingTrades': len(closed) - wins, 'winRate': f'{win_rate:.4f}',
            'lossRate': f'{(1 - win_rate) if closed else 0:.4f}'})
        perf['portfolioStatistics'].update({
            'startEquity': f'{cash:.2f}', 'endEquity': f'{end:.2f}',
            'totalNetProfit': f'{end / cash - 1:.4f}', 'winRate': f'{win_rate:.4f}'})
        out['chart'] = {'name': 'Strategy Equity', 'chartType': 0, 'series': {
            'Equity': {'name': 'Equity', 'unit': '$', 'index': 0, 'seriesType': 2,
                       'values': candles},
            'Return': {'name': 'Return', 'unit': '%', 'index': 1, 'seriesType': 3,
                       'values': returns, 'color': '', 'scatterMarkerSymbol': 'none'}}}
        out['orders'] = orders
