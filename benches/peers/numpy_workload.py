"""NumPy side of the tessera benchmark workloads.

Usage: python numpy_workload.py WID SIZE [--reps R]
    (WID in W1..W4, W8, W11, W12)

Plain eager NumPy on in-memory arrays from ``datagen`` (the chunk shapes do
not apply).  The ufuncs and reductions used here run on one thread.  W11
generates u and v with ``np.random.default_rng(seed).random`` inside the
timed region (both whole in memory: 2 x 3.2 GB at M, plus one temporary of
the same size).  W12 is the ``tessera demo`` pipeline with whole in-memory
NumPy arrays read and written by zarr-python (``arr[:]``; zarr-python runs the
codecs on its own threads), see ``w12.py``.  Prints one JSON line; see
``common.py`` for the protocol.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import common  # noqa: E402

VERSIONS = {"numpy": np.__version__, "python": sys.version.split()[0]}


def w11(size):
    shape, _chunks = common.SIZES["W11"][size]

    def run():
        u = np.random.default_rng(common.SEED_X).random(shape)
        v = np.random.default_rng(common.SEED_Y).random(shape)
        return (u * u).mean(axis=0), (v * v).mean(axis=0), (u * v).mean(axis=0)
    return run


def w12(size):
    import time

    import w12 as d
    d.quiet()
    d.configure_zarr(os.cpu_count())
    VERSIONS.update(d.versions())
    shape = d.shape(size)
    store = d.scratch_store()

    def run():
        d.remove(store)                                   # untimed
        phases = {}
        t0 = time.perf_counter()
        base, amp, season, missing = d.fields(*shape)
        t = np.random.default_rng(d.SEED).standard_normal(shape,
                                                          dtype=np.float32)
        t *= np.float32(d.NOISE_STD)
        for day in range(shape[0]):        # day by day: no 3-D temporaries
            np.add(season[day] * amp + base, t[day], out=t[day])
        t[:, missing] = np.nan
        g = d.create_group(store)
        d.create_array(g, "temperature", size)[...] = t
        del t
        t1 = time.perf_counter()
        phases["generate"] = t1 - t0

        g = d.open_group(store)
        t = g["temperature"][...]
        time_mean = np.nanmean(t, axis=0)
        d.create_array(g, "time_mean", size)[...] = time_mean
        t -= time_mean                     # the anomaly, in place
        d.create_array(g, "anomaly", size)[...] = t
        del t
        t2 = time.perf_counter()
        phases["analyse"] = t2 - t1

        g = d.open_group(store)
        t = g["temperature"][...]
        global_mean, missing_n = np.nanmean(t), np.isnan(t).sum()
        del t
        a = g["anomaly"][...]
        r = (global_mean, np.nanstd(a), np.nanmax(np.abs(a)), missing_n)
        del a
        phases["reduce"] = time.perf_counter() - t2
        return {"phases": phases, "stats": d.stats(*r)}
    return run


def build(workload, size):
    if workload == "W11":
        return w11(size)
    if workload == "W12":
        return w12(size)
    (x, *rest), _chunks = common.inputs(workload, size)
    if workload == "W1":
        y = rest[0]
        return lambda: np.sum(np.sin(x) * y + 1)
    if workload == "W2":
        return lambda: (x.mean(axis=0), x.std(axis=1))
    if workload == "W17":
        return lambda: np.sort(x)
    if workload == "W18":
        return lambda: (np.histogram(x, bins=100), np.unique(x))
    if workload == "W16":
        return lambda: (np.median(x, axis=0), np.percentile(x, [5, 95], axis=1))
    if workload == "W3":
        return lambda: (x - x.mean(axis=0)).std()
    if workload == "W4":
        return lambda: (x + x.T).sum()
    if workload == "W8":
        return lambda: (x + 1).sum()
    if workload == "W5":
        y = rest[0]
        return lambda: x @ y
    if workload == "W9":
        return lambda: (np.linalg.qr(x),
                        np.linalg.svd(x, full_matrices=False))
    raise ValueError(workload)


if __name__ == "__main__":
    # W12's NumPy work is single-threaded, zarr-python's codecs use them all.
    common.main("numpy", build,
                threads=(os.cpu_count() if sys.argv[1:2] in (["W12"], ["W5"], ["W9"])
                         else 1),
                versions=VERSIONS)
