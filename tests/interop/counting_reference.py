"""NumPy's counting, set and covariance routines on fixed arrays, the oracle of
tests/counting_numpy.rs. Results are saved as <case>.npy (float64) in the directory given
as the only argument.

x[i] = ((i * 7919) % 53) / 4 - 3 (40 x 30, ties, exact edge values), k[i] = (i * 31) % 17
(600 integers), w[i] = 1 + (i % 5) / 4.
"""
import os
import sys

import numpy as np

out = sys.argv[1]


def save(name, a):
    np.save(os.path.join(out, f"{name}.npy"), np.array(a, dtype=np.float64, order="C"))


i = np.arange(1200)
x = (((i * 7919) % 53) / 4.0 - 3.0).reshape(40, 30)
k = (np.arange(600) * 31) % 17
w = (1 + (i % 5) / 4.0).reshape(40, 30)
wk = 1 + (np.arange(600) % 5) / 4.0

h, e = np.histogram(x, bins=7)
save("hist_auto", h)
save("hist_auto_edges", e)
h, e = np.histogram(x, bins=10, range=(-2.0, 5.5))
save("hist_range", h)
save("bincount", np.bincount(k))
save("bincount_min", np.bincount(k, minlength=25))
save("bincount_w", np.bincount(k, weights=wk))
sorted_list = np.array([-3.0, -1.0, 0.0, 0.25, 2.0, 4.0, 9.0])
save("search_left", np.searchsorted(sorted_list, x, side="left"))
save("search_right", np.searchsorted(sorted_list, x, side="right"))
save("digitize", np.digitize(x, sorted_list))
save("digitize_right", np.digitize(x, sorted_list, right=True))
save("isin", np.isin(x, [0.0, 2.5, -3.0, 7.0]))
u, first, counts = np.unique(x, return_index=True, return_counts=True)
save("unique", u)
save("unique_first", first)
save("unique_counts", counts)
y = x[:20] * 2.0
save("union", np.union1d(x, y))
save("intersect", np.intersect1d(x, y))
save("setdiff", np.setdiff1d(x, y))
save("average_all", np.average(x, weights=w))
save("average_0", np.average(x, axis=0, weights=w))
save("cov_rows", np.cov(x))
save("cov_cols_ddof0", np.cov(x, rowvar=False, ddof=0))
save("cov_1d", np.cov(x[0]))
save("corrcoef", np.corrcoef(x[:6]))
xr = x.ravel()
yr = (((i * 4513) % 61) / 5.0 - 2.0)
zr = (i % 7) * 1.0
h, ex, ey = np.histogram2d(xr, yr, bins=[5, 4], range=[[-3.0, 10.0], [-2.0, 8.0]])
save("hist2d", h)
h, edges = np.histogramdd((xr, yr, zr), bins=(3, 4, 2))
save("histdd", h)
save("histdd_edges1", edges[1])
i8 = ((i * 37) % 256 - 128).astype(np.int8)
save("sum_i8_as_i8", np.sum(i8, dtype=np.int8))
save("sum_i8_as_f64", np.sum(i8, dtype=np.float64))
xn = xr.copy()
xn[::7] = np.nan
save("nanprod", np.nanprod(np.where(np.isnan(xn), np.nan, 1.0 + xn / 100.0).reshape(40, 30), axis=0))
for name, v in (("k", k), ("k_sparse", ((np.arange(600) * 7919) % 1009) * 100000 - 3)):
    u, first, counts = np.unique(v, return_index=True, return_counts=True)
    save(f"unique_{name}", u)
    save(f"unique_{name}_first", first)
    save(f"unique_{name}_counts", counts)
print("ok")
