"""Bit-exact NumPy port of tessera's counter-based ``random::uniform``.

Element ``i`` (flat C-order index) of ``uniform(shape, seed, low, high)`` is
a SplitMix64-style mix of ``seed`` and ``i``; see ``_reference`` below for the
formula.  The NumPy version works on uint64 arrays (wrapping arithmetic) in
blocks of ``BLOCK`` elements written into one preallocated float64 array, so
peak memory stays close to the size of the output.

Run ``python datagen.py --selftest`` to check the vectorised version against a
pure-Python big-integer implementation.
"""

import sys

import numpy as np

MASK = (1 << 64) - 1
SEED_MUL = 0xD1B54A32D192ED03
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
BLOCK = 1 << 24


def _reference(seed, i, low=0.0, high=1.0):
    """Pure-Python (big int) value of element ``i``; the specification."""
    key = (seed * SEED_MUL) & MASK
    z = (key + (i + 1) * GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * MIX1) & MASK
    z = ((z ^ (z >> 27)) * MIX2) & MASK
    z = z ^ (z >> 31)
    u = float(z >> 11) * 2.0 ** -53
    return low + (high - low) * u


def _fill(out, start, seed, low, high):
    """Write elements ``start .. start+len(out)`` into the float64 view ``out``."""
    n = out.shape[0]
    key = np.uint64((seed * SEED_MUL) & MASK)
    z = np.arange(start + 1, start + 1 + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z *= np.uint64(GOLDEN)
        z += key
        z ^= z >> np.uint64(30)
        z *= np.uint64(MIX1)
        z ^= z >> np.uint64(27)
        z *= np.uint64(MIX2)
        z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    np.multiply(z, 2.0 ** -53, out=out, casting="unsafe")
    if (low, high) != (0.0, 1.0):
        out *= high - low
        out += low


def uniform(shape, seed, low=0.0, high=1.0):
    """Float64 array of ``shape`` equal, bit for bit, to tessera's uniform."""
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    shape = tuple(int(s) for s in shape)
    out = np.empty(shape, dtype=np.float64)
    flat = out.reshape(-1)
    for start in range(0, flat.shape[0], BLOCK):
        _fill(flat[start:start + BLOCK], start, seed, float(low), float(high))
    return out


def selftest():
    cases = [(1, 0, 0.0, 1.0), (1, 1, 0.0, 1.0), (2, 0, 0.0, 1.0),
             (2, 12345, 0.0, 1.0), (0, 7, 0.0, 1.0), (3, 10, -2.0, 5.0),
             (2**63 + 5, 99, 0.0, 1.0)]
    for seed, i, low, high in cases:
        got = uniform(i + 1, seed, low, high)[i]
        want = _reference(seed, i, low, high)
        assert got == want, (seed, i, got, want)
    # Indices past the first block, and a 2-D shape (flat C order).
    big = uniform(BLOCK + 10, 1)
    for i in (0, BLOCK - 1, BLOCK, BLOCK + 9):
        assert big[i] == _reference(1, i), i
    m = uniform((3, 5), 2)
    for r in range(3):
        for c in range(5):
            assert m[r, c] == _reference(2, r * 5 + c), (r, c)
    assert 0.0 <= big.min() and big.max() < 1.0
    print("datagen selftest ok; uniform(1, seed=1)[0] = %r, "
          "uniform(1, seed=2)[0] = %r" % (_reference(1, 0), _reference(2, 0)))


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        selftest()
    else:
        sys.exit("usage: python datagen.py --selftest")
