#!/usr/bin/python3
"""Time backtesting.py's Backtest(...).run() for btrouter's sma_cross.

SmaCross(fast=10, slow=20), stop-and-reverse, cash 10 000, commission 0, on the
first N synthetic 1-minute GBM bars (reference/gbm_recipe.md), generated in
memory and parsed back with pandas exactly as a CSV would be (4-decimal
prices), or read from --csv.  The timed part is Backtest(...).run() only
(loop + compute_stats); CSV parsing and Backtest() construction are excluded,
as in backtestingpy-semantics.md section 4.

  /usr/bin/python3 bench/backtestingpy_speed.py --backtesting /work/ref/backtesting.py \
      [--bars 100000] [--repeats 3] [--csv PATH]

Prints one line per run and a summary line:
  backtestingpy sma_cross bars=N median_s=... bars_per_s=...
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import types
import warnings

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..'))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--backtesting', required=True, help='backtesting.py 0.6.6 work tree')
    ap.add_argument('--bars', type=int, default=100_000)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--csv', default=None, help='read bars from this CSV instead (first --bars rows)')
    args = ap.parse_args()
    if args.bars < 30 or args.repeats < 1:
        ap.error('--bars must be >= 30 and --repeats >= 1')

    sys.path.insert(0, os.path.abspath(args.backtesting))
    try:
        import bokeh  # noqa: F401
    except ImportError:  # plotting is never used
        stub = types.ModuleType('backtesting._plotting')
        stub.plot = stub.plot_heatmaps = stub.set_bokeh_output = None
        sys.modules['backtesting._plotting'] = stub
    sys.path.insert(0, os.path.join(REPO, 'adapters', 'backtestingpy', 'service'))
    sys.path.insert(0, os.path.join(REPO, 'tests', 'parity'))
    import numpy as np
    import pandas as pd
    from backtesting import Backtest
    import catalogue

    t0 = time.perf_counter()
    if args.csv:
        df = pd.read_csv(args.csv, index_col=0, parse_dates=True, nrows=args.bars)
        source = args.csv
    else:
        import gbm
        raw = gbm.gbm_csv_bytes(args.bars)
        sha = gbm.check_sha(args.bars, raw)  # raises if a listed size does not match the recipe
        df = pd.read_csv(io.BytesIO(raw), index_col=0, parse_dates=True)
        source = f'gbm recipe in memory (sha256 {sha[:16]}...)'
    if len(df) < args.bars:
        print(f'note: only {len(df)} bars available', file=sys.stderr)
    n = len(df)
    print(f'# data: {source}; {n} bars; load {time.perf_counter() - t0:.2f}s; '
          f'python {sys.version.split()[0]} pandas {pd.__version__} numpy {np.__version__}',
          flush=True)

    times = []
    for r in range(args.repeats):
        bt = Backtest(df, catalogue.SmaCross, cash=10_000, commission=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            t = time.perf_counter()
            stats = bt.run(fast=10, slow=20)
            dt = time.perf_counter() - t
        times.append(dt)
        print(f'run {r + 1}/{args.repeats}: bars={n} seconds={dt:.3f} bars_per_s={n / dt:.0f} '
              f'trades={stats["# Trades"]} return_pct={stats["Return [%]"]:.6f}', flush=True)
    med = statistics.median(times)
    print(f'backtestingpy sma_cross bars={n} median_s={med:.3f} bars_per_s={n / med:.0f} '
          f'min_s={min(times):.3f} max_s={max(times):.3f} repeats={args.repeats}')


if __name__ == '__main__':
    main()
