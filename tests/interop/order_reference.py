"""NumPy's order statistics on fixed arrays, the oracle of tests/order_numpy.rs.

For each shape, x[i] = ((i * 7919) % 101) / 7 - 5 over the flat index i (many ties), and
xn = x with NaN where i % 37 == 5; results are saved as <shape>_<case>.npy (float64) in
the directory given as the only argument.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
SHAPES = [(23,), (9, 14), (4, 6, 11)]
LONG = [(3000,), (2400, 5), (3, 2200), (2, 2200, 3)]
METHODS = ["linear", "nearest", "lower", "higher", "midpoint"]
QS = [0.0, 0.1, 0.25, 0.5, 0.9, 1.0]


def save(shape, name, a):
    tag = "x".join(map(str, shape))
    np.save(os.path.join(out, f"{tag}_{name}.npy"), np.array(a, dtype=np.float64, order="C"))


def inputs(shape):
    """x, and xn: x with NaN where the flat index i has i % 37 == 5."""
    n = int(np.prod(shape))
    i = np.arange(n)
    x = (((i * 7919) % 101) / 7.0 - 5.0).reshape(shape)
    xn = x.copy().ravel()
    xn[i % 37 == 5] = np.nan
    return x, xn.reshape(shape)


def save_quantiles(shape, ax, x, xn):
    for m in METHODS:
        save(shape, f"quantile_{m}_{ax}", np.quantile(x, QS, axis=ax, method=m))
        save(shape, f"nanquantile_{m}_{ax}", np.nanquantile(xn, QS, axis=ax, method=m))
    save(shape, f"median_{ax}", np.median(x, axis=ax))
    save(shape, f"median_nan_{ax}", np.median(xn, axis=ax))
    save(shape, f"nanmedian_{ax}", np.nanmedian(xn, axis=ax))
    save(shape, f"percentile_{ax}", np.percentile(x, [5, 95], axis=ax))


for shape in SHAPES:
    x, xn = inputs(shape)
    for ax in range(len(shape)):
        save(shape, f"sort_{ax}", np.sort(xn, axis=ax))
        save(shape, f"argsort_{ax}", np.argsort(xn, axis=ax, kind="stable"))
        save_quantiles(shape, ax, x, xn)
        save(shape, f"ptp_{ax}", np.ptp(x, axis=ax))
        k = min(3, shape[ax])
        save(shape, f"topk_{ax}", np.flip(np.sort(x, axis=ax), axis=ax).take(range(k), axis=ax))
        save(shape, f"bottomk_{ax}", np.sort(x, axis=ax).take(range(k), axis=ax))
# Long lanes in several chunks: the quantiles count within the chunks (no rechunk).
for shape in LONG:
    x, xn = inputs(shape)
    save_quantiles(shape, int(np.argmax(shape)), x, xn)
print("ok")
