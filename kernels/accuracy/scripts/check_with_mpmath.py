#!/usr/bin/env python3
"""Cross-checks the harness's reference against mpmath (an independent arbitrary-precision
library) on the arguments printed by `tessera-accuracy --dump N`.

    cargo run --release -- --dump 200 > /tmp/ref.tsv
    python3 scripts/check_with_mpmath.py /tmp/ref.tsv

For each line (name, dtype, x, y, rounded, err) it recomputes f(x) with mpmath at 3000 bits,
rounds it to the dtype (nearest-even, gradual underflow) and checks that the harness's
correctly rounded result is the same and that its error, in ulps, agrees to 1e-9 ulp.
Needs mpmath (`pip install mpmath`).
"""
import sys

import mpmath
from mpmath import mpf

mpmath.mp.prec = 3000

FORMATS = {"f64": (53, -1022, 1023), "f32": (24, -126, 127)}

FUNCS = {
    "exp": lambda x, y: mpmath.exp(x),
    "ln": lambda x, y: mpmath.log(x),
    "log1p": lambda x, y: mpmath.log1p(x),
    "expm1": lambda x, y: mpmath.expm1(x),
    "sin": lambda x, y: mpmath.sin(x),
    "cos": lambda x, y: mpmath.cos(x),
    "tan": lambda x, y: mpmath.tan(x),
    "tanh": lambda x, y: mpmath.tanh(x),
    "pow": lambda x, y: mpmath.power(x, y),
}


def round_to(v, fmt):
    """Correctly rounded value of v in fmt, and the exponent of its ulp."""
    prec, emin, emax = fmt
    min_ulp = emin - (prec - 1)
    if v == 0:
        return mpf(0), min_ulp
    _, e = mpmath.frexp(v)  # |v| = m * 2^e, 0.5 <= m < 1
    k = int(e) - 1
    q = max(k, emin) - (prec - 1)
    scaled = v / mpf(2) ** q
    n = mpmath.floor(scaled)
    frac = scaled - n
    if frac > 0.5 or (frac == 0.5 and int(n) % 2 == 1):
        n += 1
    r = n * mpf(2) ** q
    if r == 0:
        return r, min_ulp
    _, er = mpmath.frexp(r)
    kr = int(er) - 1
    if kr > emax:
        return mpmath.inf if v > 0 else -mpmath.inf, emax - (prec - 1)
    return r, max(kr, emin) - (prec - 1)


def main(path):
    bad = 0
    count = 0
    worst = 0.0
    with open(path) as f:
        for line in f:
            name, dtype, xs, ys, rs, errs = line.split("\t")
            base = name[:-4] if name.endswith("_f32") else name
            x, y = mpf(float(xs)), mpf(float(ys))
            exact = FUNCS[base](x, y)
            r, ulp = round_to(exact, FORMATS[dtype])
            rounded = float(rs)
            if mpmath.isinf(r):
                ok = rounded == float(r)
                diff = 0.0
            else:
                err = float((mpf(rounded) - exact) / mpf(2) ** ulp)
                diff = abs(err - float(errs))
                ok = mpf(rounded) == r and diff < 1e-9
            worst = max(worst, diff)
            count += 1
            if not ok:
                bad += 1
                if bad <= 20:
                    print(f"MISMATCH {name}({xs}, {ys}): harness {rs} ({errs.strip()} ulp), "
                          f"mpmath {mpmath.nstr(r, 20)} ({mpmath.nstr(exact, 25)})")
    print(f"{count} values, {bad} mismatches, largest error-estimate difference {worst:.2e} ulp")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
