#!/usr/bin/python3
"""Time backtesting.py's Backtest.optimize() on the grid bench/optimize_bench runs natively.

sma_cross stop-and-reverse (the service's catalogue.SmaCross), cash 10 000, commission 0, grid
fast = 1..A x slow = A+1..A+B (every point admissible), maximize 'Sharpe Ratio', on GOOG daily
(--csv, default ../shared/data/GOOG.csv) or on the first N synthetic 1-minute GBM bars (--bars).
backtesting.py runs its grid on a multiprocessing pool (one process per core). A whole 10,000-set
grid takes backtesting.py minutes, so by default it runs a random subset of the grid
(`max_tries`, the same per-set work) and reports sets per second.

  /usr/bin/python3 bench/backtestingpy_optimize.py --backtesting /path/to/backtesting.py-0.6.6 \
      [--grid 100x100] [--max-tries 400] [--csv PATH | --bars 1000000]

Prints: backtestingpy optimize sets=N seconds=S sets_per_s=R
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import types
import warnings

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..'))


def load(args, pd):
    if args.bars:
        sys.path.insert(0, os.path.join(REPO, 'tests', 'parity'))
        import io
        import gbm
        raw = gbm.gbm_csv_bytes(args.bars)
        return pd.read_csv(io.BytesIO(raw), index_col=0, parse_dates=True), f'gbm {args.bars} bars'
    csv = args.csv or os.path.join(os.environ.get('BTR_SHARED_DIR', os.path.join(REPO, '..', 'shared')),
                                   'data', 'GOOG.csv')
    return pd.read_csv(csv, index_col=0, parse_dates=True), csv


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--backtesting', required=True, help='backtesting.py 0.6.6 work tree')
    ap.add_argument('--grid', default='100x100')
    ap.add_argument('--max-tries', type=int, default=400,
                    help='sets actually run (a random subset); 0 = the whole grid')
    ap.add_argument('--csv', default=None)
    ap.add_argument('--bars', type=int, default=0, help='GBM minute bars instead of --csv')
    args = ap.parse_args()
    a, b = (int(x) for x in args.grid.split('x'))

    sys.path.insert(0, os.path.abspath(args.backtesting))
    try:
        import bokeh  # noqa: F401
    except ImportError:  # plotting is never used
        stub = types.ModuleType('backtesting._plotting')
        stub.plot = stub.plot_heatmaps = stub.set_bokeh_output = None
        sys.modules['backtesting._plotting'] = stub
    sys.path.insert(0, os.path.join(REPO, 'adapters', 'backtestingpy', 'service'))
    import pandas as pd
    from backtesting import Backtest
    import catalogue

    df, source = load(args, pd)
    bt = Backtest(df, catalogue.SmaCross, cash=10_000, commission=0.0)
    tries = args.max_tries if args.max_tries else None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t = time.perf_counter()
        _, heatmap = bt.optimize(fast=range(1, a + 1), slow=range(a + 1, a + b + 1),
                                 maximize='Sharpe Ratio', max_tries=tries, random_state=1,
                                 return_heatmap=True)
        dt = time.perf_counter() - t
    sets = len(heatmap)
    print(f'# data: {source}; {len(df)} bars; grid {a}x{b} = {a * b} sets; cores {os.cpu_count()}')
    print(f'backtestingpy optimize sets={sets} seconds={dt:.2f} sets_per_s={sets / dt:.4g}')


if __name__ == '__main__':
    main()
