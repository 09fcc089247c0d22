#!/usr/bin/python3
"""Generate parity reference outputs from the real backtesting.py (0.6.6).

Runs every case of cases.json through backtesting.py with the btrouter
catalogue (adapters/backtestingpy/service/catalogue.py) and writes, per case,
<out>/<id>/{trades.csv, open_trades.csv (if any), stats.json, equity.csv
(<= 20000 bars only), meta.json} plus <out>/MANIFEST.json.

Usage (Debian's interpreter, Debian's pandas/numpy):
  /usr/bin/python3 tests/parity/make_reference.py \
      --backtesting /path/to/backtesting.py-worktree --shared /work/shared \
      --out tests/parity/reference

Only backtesting.py's *outputs* are stored in this repository; its source is
imported from the work tree given with --backtesting.  Plotting is never used:
if bokeh is not importable, a stub ``backtesting._plotting`` module is put
into sys.modules (in this process only) before backtesting is imported.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import types
import warnings

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
SERVICE_DIR = os.path.join(REPO, 'adapters', 'backtestingpy', 'service')
EQUITY_MAX_BARS = 20000

# The run-output conversion the service answers with (results.py imports no backtesting.py)
sys.path.insert(0, SERVICE_DIR)
from results import (TRADE_COLUMNS, closed_trade_values, open_trade_values,  # noqa: E402
                     stats_json, warmup_bars, warning_summary)


def setup_backtesting(path: str):
    sys.path.insert(0, os.path.abspath(path))
    stubbed = False
    try:
        import bokeh  # noqa: F401
    except ImportError:
        stub = types.ModuleType('backtesting._plotting')

        def _unavailable(*a, **k):
            raise RuntimeError('plotting is stubbed out in make_reference.py')
        stub.plot = stub.plot_heatmaps = stub.set_bokeh_output = _unavailable
        sys.modules['backtesting._plotting'] = stub
        stubbed = True
    import backtesting
    mod_dir = os.path.dirname(os.path.abspath(backtesting.__file__))
    if not mod_dir.startswith(os.path.abspath(path)):
        raise RuntimeError(f'imported backtesting from {mod_dir}, not from {path}')
    sys.path.insert(0, SERVICE_DIR)
    sys.path.insert(0, HERE)
    return backtesting, stubbed


RESAMPLE_SHIM = {'installed': False, 'hits': 0}


def install_resample_shim():
    """backtesting.py 0.6.6 resamples the equity curve with 'ME'/'YE' for monthly/yearly data
    (_stats.compute_stats), aliases that pandas < 2.2 rejects ("ValueError: Invalid frequency:
    ME").  On such a pandas, map them to the equivalent old aliases 'M'/'A' (month/year end) in
    this process only, and count the uses so meta.json can flag the affected cases."""
    import pandas as pd
    from pandas.core.generic import NDFrame
    try:
        pd.tseries.frequencies.to_offset('ME')
        return
    except ValueError:
        pass
    orig = NDFrame.resample
    alias = {'ME': 'M', 'YE': 'A'}

    def resample(self, rule, *args, **kwargs):
        if isinstance(rule, str) and rule in alias:
            RESAMPLE_SHIM['hits'] += 1
            rule = alias[rule]
        return orig(self, rule, *args, **kwargs)
    NDFrame.resample = resample
    RESAMPLE_SHIM['installed'] = True


def git_commit(path: str):
    try:
        out = subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'], capture_output=True,
                             text=True, check=True)
        return out.stdout.strip()
    except Exception:
        return None


def source_hashes(path: str) -> dict:
    d = os.path.join(path, 'backtesting')
    return {f: hashlib.sha256(open(os.path.join(d, f), 'rb').read()).hexdigest()
            for f in sorted(os.listdir(d)) if f.endswith('.py')}


# ---------------------------------------------------------------- formatting

def fnum(x) -> str:
    """repr-exact float/int for CSV; '' for None/NaN."""
    if x is None:
        return ''
    try:
        import pandas as pd
        if x is pd.NaT:
            return ''
    except ImportError:
        pass
    if isinstance(x, bool):
        return 'true' if x else 'false'
    if hasattr(x, 'item') and not hasattr(x, 'isoformat'):
        x = x.item()
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ''
        return repr(x)
    return str(x)


def fsize(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def ftime(t) -> str:
    import pandas as pd
    if t is None or t is pd.NaT or (isinstance(t, float) and math.isnan(t)):
        return ''
    if hasattr(t, 'isoformat'):
        return t.isoformat()
    return str(t)


def ftag(t) -> str:
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return ''
    return str(t)


# ---------------------------------------------------------------- data

class DataCache:
    def __init__(self, shared: str, tmp: str):
        self.shared, self.tmp, self.cache = shared, tmp, {}

    def get(self, spec: str):
        import pandas as pd
        if spec in self.cache:
            return self.cache[spec]
        if spec.startswith('gbm:'):
            import gbm
            n = int(spec.split(':', 1)[1])
            raw = gbm.gbm_csv_bytes(n)
            digest = gbm.check_sha(n, raw)
            path = os.path.join(self.tmp, f'gbm_{n}.csv')
            with open(path, 'wb') as f:
                f.write(raw)
            src = f'gbm_recipe.md N={n} (generated into a temp dir)'
        else:
            path = os.path.join(self.shared, 'data', spec)
            with open(path, 'rb') as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            src = f'shared/data/{spec}'
        df = pd.read_csv(path, index_col=0, parse_dates=True)
        self.cache[spec] = (df, digest, src)
        return self.cache[spec]


# ---------------------------------------------------------------- writing

def trade_row(size, entry_bar, exit_bar, entry_price, exit_price, sl, tp, pnl, ret, comm,
              entry_time, exit_time, tag):
    return [fsize(size), fnum(entry_bar), fnum(exit_bar), fnum(entry_price), fnum(exit_price),
            fnum(sl), fnum(tp), fnum(pnl), fnum(ret), fnum(comm), ftime(entry_time),
            ftime(exit_time), ftag(tag)]


def write_csv(path, header, rows):
    with open(path, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerows(rows)


def commission_arg(c):
    if isinstance(c, dict):
        return (float(c.get('fixed', 0.0)), float(c.get('relative', 0.0)))
    return float(c)


def run_case(bt_mod, catalogue, case, data: DataCache, out_dir: str) -> dict:
    import pandas as pd
    from backtesting import Backtest
    df, digest, src = data.get(case['data'])
    cls = catalogue.CATALOGUE[case['strategy']]
    params = catalogue.coerce_params(case['strategy'], case.get('params', {}))
    kw = dict(cash=case.get('cash', 10000), commission=commission_arg(case.get('commission', 0.0)),
              spread=case.get('spread', 0.0), margin=case.get('margin', 1.0),
              trade_on_close=case.get('trade_on_close', False), hedging=case.get('hedging', False),
              exclusive_orders=case.get('exclusive_orders', False),
              finalize_trades=case.get('finalize_trades', False))
    hits0 = RESAMPLE_SHIM['hits']
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bt = Backtest(df, cls, **kw)
        t0 = time.perf_counter()
        stats = bt.run(**params)
        elapsed = time.perf_counter() - t0
    os.makedirs(out_dir, exist_ok=True)

    closed = closed_trade_values(stats)
    write_csv(os.path.join(out_dir, 'trades.csv'), TRADE_COLUMNS,
              [trade_row(*values) for values in closed])

    strategy = stats['_strategy']
    # still open at the end (strategy.trades == _broker.trades): exit fields empty; pnl /
    # return_pct are the library's unrealized Trade.pl / pl_pct at the last Close (entry
    # commission not included: _commissions is 0 until close)
    open_trades = open_trade_values(strategy)
    open_path = os.path.join(out_dir, 'open_trades.csv')
    if open_trades:
        write_csv(open_path, TRADE_COLUMNS, [trade_row(*values) for values in open_trades])
    elif os.path.exists(open_path):
        os.remove(open_path)

    sj = stats_json(stats)
    with open(os.path.join(out_dir, 'stats.json'), 'w') as f:
        f.write(json.dumps(sj, indent=1, allow_nan=False) + '\n')

    eq_path = os.path.join(out_dir, 'equity.csv')
    want_equity = case.get('equity_csv', len(df) <= EQUITY_MAX_BARS) and len(df) <= EQUITY_MAX_BARS
    if want_equity:
        ec = stats['_equity_curve']
        rows = []
        for t, e, dd, dur in zip(ec.index, ec['Equity'].to_numpy(), ec['DrawdownPct'].to_numpy(),
                                 ec['DrawdownDuration']):
            rows.append([ftime(t), fnum(float(e)), fnum(float(dd)),
                         '' if pd.isna(dur) else fnum(float(dur.total_seconds()))])
        write_csv(eq_path, ['time', 'equity', 'drawdown_pct', 'drawdown_duration_s'], rows)
    elif os.path.exists(eq_path):
        os.remove(eq_path)

    meta = {
        'id': case['id'],
        'data': case['data'], 'data_source': src, 'data_sha256': digest, 'bars': len(df),
        'strategy': case['strategy'], 'strategy_class': cls.__name__, 'params': params,
        'backtest_kwargs': {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
        'warmup_bar_W': warmup_bars(strategy),
        'closed_trades': len(closed), 'open_trades': len(open_trades),
        'equity_csv': bool(want_equity),
        'warnings_total': len(caught),
        'warnings': warning_summary(caught),
        'resample_alias_shim_used': RESAMPLE_SHIM['hits'] > hits0,
    }
    with open(os.path.join(out_dir, 'meta.json'), 'w') as f:
        f.write(json.dumps(meta, indent=1, allow_nan=False) + '\n')
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--backtesting', required=True, help='backtesting.py work tree (tag 0.6.6)')
    ap.add_argument('--backtesting-commit', default=None,
                    help='commit of that work tree, if it is not a git checkout')
    ap.add_argument('--shared', required=True, help='the /work/shared directory')
    ap.add_argument('--out', required=True, help='output directory (tests/parity/reference)')
    ap.add_argument('--cases', default=os.path.join(HERE, 'cases.json'))
    ap.add_argument('--only', nargs='*', help='run only these case ids (MANIFEST not rewritten)')
    args = ap.parse_args()

    bt_mod, stubbed = setup_backtesting(args.backtesting)
    install_resample_shim()
    import numpy as np
    import pandas as pd
    import catalogue

    with open(args.cases) as f:
        cases = json.load(f)
    allowed = {'id', 'data', 'strategy', 'params', 'cash', 'commission', 'spread', 'margin',
               'trade_on_close', 'exclusive_orders', 'hedging', 'finalize_trades', 'equity_csv',
               'note'}
    for c in cases:
        extra = set(c) - allowed
        if extra:
            raise SystemExit(f"case {c.get('id')}: unknown keys {sorted(extra)}")
    ids = [c['id'] for c in cases]
    if len(set(ids)) != len(ids):
        raise SystemExit('duplicate case ids')
    if args.only:
        cases = [c for c in cases if c['id'] in set(args.only)]

    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='btrouter-parity-')
    results = []
    try:
        data = DataCache(args.shared, tmp)
        for case in cases:
            t0 = time.perf_counter()
            meta = run_case(bt_mod, catalogue, case, data, os.path.join(args.out, case['id']))
            elapsed = time.perf_counter() - t0
            with open(os.path.join(args.out, case['id'], 'stats.json')) as f:
                ret = json.load(f)['Return [%]']
            results.append({'id': case['id'], 'closed_trades': meta['closed_trades'],
                            'open_trades': meta['open_trades'], 'return_pct': ret})
            print(f"{case['id']:32s} trades={meta['closed_trades']:6d} open={meta['open_trades']} "
                  f"return%={ret!r} ({elapsed:.3f}s)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.only:
        return
    # stale case directories
    for d in os.listdir(args.out):
        if os.path.isdir(os.path.join(args.out, d)) and d not in ids:
            print(f'note: {d} is not a case in cases.json', file=sys.stderr)
    commit = git_commit(args.backtesting) or args.backtesting_commit
    manifest = {
        'generator': 'tests/parity/make_reference.py',
        'command': ('/usr/bin/python3 tests/parity/make_reference.py --backtesting <backtesting.py 0.6.6 '
                    'work tree> --backtesting-commit 9c2b8e1c99f3a860883222ba8d6d5b5cac3a932d '
                    '--shared /work/shared --out tests/parity/reference   (run from the repo root)'),
        'argv': sys.argv,
        'backtesting_py': {'tag': '0.6.6', 'commit': commit,
                           'source_sha256': source_hashes(args.backtesting),
                           'plotting_stubbed': stubbed,
                           'resample_alias_shim': RESAMPLE_SHIM['installed'] and
                           "pandas < 2.2 rejects 'ME'/'YE' used by _stats.compute_stats for "
                           "monthly/yearly data; mapped to 'M'/'A' (see meta.json "
                           "resample_alias_shim_used)"},
        'python': {'executable': sys.executable, 'version': platform.python_version(),
                   'implementation': platform.python_implementation()},
        'pandas': pd.__version__,
        'numpy': np.__version__,
        'platform': platform.platform(),
        'formats': {
            'trades.csv': 'closed trades from stats._trades; floats repr()-exact; empty = NaN/None; '
                          'return_pct = ReturnPct fraction; times ISO-8601',
            'open_trades.csv': 'stats._strategy.trades (== _broker.trades) still open at the end; exit '
                               'fields empty; pnl/return_pct = unrealized Trade.pl/pl_pct at last Close; '
                               'commission = Trade._commissions (0 while open)',
            'stats.json': 'all stats keys except _strategy/_equity_curve/_trades, in library order; '
                          'floats repr-exact; NaN/inf as "NaN"/"inf"/"-inf"; Timedelta as '
                          '{"seconds": total_seconds}; Timestamp as ISO string',
            'equity.csv': 'stats._equity_curve: time,equity,drawdown_pct (fraction),'
                          f'drawdown_duration_s (empty = NaT); only for cases with <= {EQUITY_MAX_BARS} bars '
                          'and without "equity_csv": false in cases.json (kept out to stay small)',
            'meta.json': 'case echo, data sha256, warm-up W, counts, warnings raised by backtesting.py',
        },
        'cases': results,
    }
    with open(os.path.join(args.out, 'MANIFEST.json'), 'w') as f:
        f.write(json.dumps(manifest, indent=1, allow_nan=False) + '\n')


if __name__ == '__main__':
    main()
