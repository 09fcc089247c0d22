#!/usr/bin/env python3
"""Test-only launcher: the real service on a backtesting.py *source tree* (not installed).

  BTR_BACKTESTING_SRC=/path/to/backtesting.py python3 run_from_source.py --listen 127.0.0.1:0 ...

Takes the library from $BTR_BACKTESTING_SRC (a 0.6.6 work tree) and, in this process only,
puts the stubs the parity generator uses in place (tests/parity/make_reference.py): a stub
``backtesting._plotting`` when bokeh is missing, and the 'ME'/'YE' resample alias shim on
pandas < 2.2; a work tree without _version.py reports $BTR_BACKTESTING_VERSION (default
0.6.6) + " (source tree)". Then it runs the service exactly as adapters/backtestingpy/service/run does.
Product code stubs nothing; this file exists so the tests can run where pip cannot.
"""
import os
import sys

sys.dont_write_bytecode = True
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'parity'))
sys.path.insert(0, os.path.join(REPO, 'adapters', 'backtestingpy', 'service'))

import make_reference  # noqa: E402  (setup_backtesting, install_resample_shim)


def main() -> int:
    src = os.environ.get('BTR_BACKTESTING_SRC')
    if not src or not os.path.isdir(os.path.join(src, 'backtesting')):
        sys.stderr.write('run_from_source.py: set BTR_BACKTESTING_SRC to a backtesting.py '
                         '0.6.6 source tree\n')
        return 2
    backtesting, _ = make_reference.setup_backtesting(src)
    make_reference.install_resample_shim()
    if getattr(backtesting, '__version__', '?.?.?').startswith('?'):
        # A work tree has no generated _version.py; the caller vouches for the tag.
        backtesting.__version__ = os.environ.get('BTR_BACKTESTING_VERSION', '0.6.6') + ' (source tree)'

    import http_app
    import runner
    return http_app.main(sys.argv[1:], runner.make_engine)


if __name__ == '__main__':
    sys.exit(main())
