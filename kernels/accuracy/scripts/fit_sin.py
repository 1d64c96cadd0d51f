"""Minimax fit of the polynomial behind the fused multiply-add sin/cos fast path.

sin r ~ r + r^3 * P(r^2) on |r| <= pi/2 + 1e-6, minimising the relative error of sin
(weight r^3 / sin r on the error of P). A plain Remez exchange on a dense Chebyshev grid,
in mpmath at 60 digits; prints the maximum relative error and the coefficients P0..P(n-1)
as Python floats (the nearest doubles), which `kernels/src/math/trig_fma.rs` quotes.

    pip install mpmath && python3 fit_sin.py 8
"""

import sys

import mpmath as mp

mp.mp.dps = 60
R = mp.pi / 2 + mp.mpf("1e-6")
Z = R * R


def target(z):
    """(sin r - r) / r^3 at r = sqrt(z), with its limit -1/6 at 0."""
    if z < mp.mpf("1e-30"):
        return mp.mpf(-1) / 6
    r = mp.sqrt(z)
    return (mp.sin(r) - r) / r**3


def weight(z):
    """Turns an error in P into a relative error of sin: r^3 / sin r."""
    if z < mp.mpf("1e-30"):
        return mp.mpf(1)
    r = mp.sqrt(z)
    return r**3 / mp.sin(r)


def remez(n, iters=30, grid_size=4000):
    """Coefficients of P (degree n - 1) and the maximum weighted error."""
    ref = [Z * (1 - mp.cos(mp.pi * i / n)) / 2 for i in range(n + 1)]
    grid = [Z * (1 - mp.cos(mp.pi * i / grid_size)) / 2 for i in range(grid_size + 1)]
    for _ in range(iters):
        a = mp.matrix(n + 1, n + 1)
        b = mp.matrix(n + 1, 1)
        for i, z in enumerate(ref):
            for j in range(n):
                a[i, j] = z**j
            a[i, n] = (-1) ** i / weight(z)
            b[i] = target(z)
        sol = mp.lu_solve(a, b)
        c = [sol[j] for j in range(n)]
        err = [(sum(c[j] * z**j for j in range(n)) - target(z)) * weight(z) for z in grid]
        # The new reference: one extremum per run of equal sign, then the n + 1 largest
        # alternating ones.
        peaks = [0] + [k for k in range(1, len(grid) - 1)
                       if abs(err[k]) >= abs(err[k - 1]) and abs(err[k]) >= abs(err[k + 1])]
        peaks.append(len(grid) - 1)
        seq = []
        for k in peaks:
            if seq and mp.sign(err[k]) == mp.sign(err[seq[-1]]):
                if abs(err[k]) > abs(err[seq[-1]]):
                    seq[-1] = k
            else:
                seq.append(k)
        while len(seq) > n + 1:
            seq.pop(0 if abs(err[seq[0]]) < abs(err[seq[-1]]) else -1)
        if len(seq) == n + 1:
            ref = [grid[k] for k in seq]
    return c, max(abs(e) for e in err)


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [8]:
        coeffs, worst = remez(n)
        print(f"{n} coefficients: max relative error {mp.nstr(worst, 5)} "
              f"(2^{mp.nstr(mp.log(worst, 2), 5)})")
        for c in coeffs:
            print("   ", repr(float(c)))
