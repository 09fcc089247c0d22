"""Synthetic 1-minute GBM bars, exactly per /work/shared/reference/gbm_recipe.md.

Counter-based SplitMix64 + Box-Muller (cosine branch), so the N-bar file is the
first N rows of any longer file.  ``gbm_csv_bytes(n)`` returns the CSV text
(header ``Time,Open,High,Low,Close,Volume``, prices ``%.4f``) whose sha256 the
recipe lists; backtests must run on that CSV as read back by pandas.
"""
from __future__ import annotations

import hashlib
import io

import numpy as np

SEED = 20240601
S0 = 100.0
MU = 0.05
SIGMA = 0.20
DT = 1.0 / (365 * 24 * 60)
WICK = 0.5
START = np.datetime64('2020-01-01T00:00:00')

SHA256 = {
    100_000: 'bc603d002489c8be646df9b874d04a0bc8d57ad4a815b8da86844cba329e1812',
    1_000_000: '2299577d522e55a51b93ef9871603abea5a8096a1f1fec8a207e39fc0ba735ad',
    5_000_000: 'a5d15f7799f1307a47cd0f1dfbc9c75c124e1277d0afd3dee3cb4c98af43aca3',
}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _splitmix(k: np.ndarray) -> np.ndarray:
    with np.errstate(over='ignore'):
        z = np.uint64(SEED) + (k + np.uint64(1)) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return z


def gbm_arrays(n: int):
    """Unrounded (times, open, high, low, close, volume) arrays for n bars."""
    i = np.arange(n, dtype=np.uint64)
    two53 = 2.0 ** -53

    def m(j):
        return (_splitmix(i * np.uint64(8) + np.uint64(j)) >> np.uint64(11))

    def u_half(j):
        return m(j).astype(np.float64) * two53

    def u_open(j):
        return (m(j) + np.uint64(1)).astype(np.float64) * two53

    def z(a, b):
        return np.sqrt(-2.0 * np.log(u_open(a))) * np.cos(2.0 * np.pi * u_half(b))

    z1, z2, z3 = z(0, 1), z(2, 3), z(4, 5)
    s = SIGMA * np.sqrt(DT)
    r = (MU - SIGMA ** 2 / 2) * DT + s * z1
    r[0] = np.log(S0) + r[0]
    logc = np.cumsum(r)
    close = np.exp(logc)
    open_ = np.empty(n)
    open_[0] = S0
    open_[1:] = close[:-1]
    high = np.maximum(open_, close) * np.exp(WICK * s * np.abs(z2))
    low = np.minimum(open_, close) * np.exp(-WICK * s * np.abs(z3))
    volume = 1000 + np.floor(1000 * u_half(6)).astype(np.int64)
    times = START + np.arange(n).astype('timedelta64[m]')
    return times, open_, high, low, close, volume


def gbm_csv_bytes(n: int) -> bytes:
    times, o, h, l, c, v = gbm_arrays(n)
    ts = np.datetime_as_string(times, unit='s')
    out = io.StringIO()
    out.write('Time,Open,High,Low,Close,Volume\n')
    for t, a, b, d, e, vol in zip(ts, o.tolist(), h.tolist(), l.tolist(), c.tolist(), v.tolist()):
        out.write('%s %s,%.4f,%.4f,%.4f,%.4f,%d\n' % (t[:10], t[11:], a, b, d, e, vol))
    return out.getvalue().encode()


def check_sha(n: int, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    want = SHA256.get(n)
    if want is not None and digest != want:
        raise RuntimeError(f'gbm:{n} sha256 {digest} != recipe {want}')
    return digest
