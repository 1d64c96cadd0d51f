"""Dask Array side of the tessera benchmark workloads.

Usage: python dask_workload.py WID SIZE [--reps R]
    (WID in W1..W4, W6, W8, W10, W11, W12, W3Z)

Inputs are NumPy arrays from ``datagen`` wrapped with ``da.from_array`` using
the same chunk shapes as tessera, before the clock starts.  Graphs are built
and computed inside the timed region with the threaded scheduler.  W2 computes
both results in one ``dask.compute`` call.  W11 generates u and v with
``da.random.default_rng(seed).random`` inside the timed region and computes
the three means in one ``dask.compute`` call.  W12 is the ``tessera demo``
pipeline on Dask + zarr-python (see ``w12.py``); zarr arrays are written with
``da.store(..., lock=False)``.  Prints one JSON line; see ``common.py`` for
the protocol.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from dask.system import CPU_COUNT  # noqa: E402

import common  # noqa: E402

VERSIONS = {"dask": dask.__version__, "numpy": np.__version__,
            "python": sys.version.split()[0]}


def w11(size):
    shape, chunks = common.SIZES["W11"][size]

    def run():
        u = da.random.default_rng(common.SEED_X).random(shape, chunks=chunks)
        v = da.random.default_rng(common.SEED_Y).random(shape, chunks=chunks)
        return dask.compute((u * u).mean(axis=0), (v * v).mean(axis=0),
                            (u * v).mean(axis=0))
    return run


def w12(size):
    import time

    import w12 as d
    d.quiet()
    d.configure_zarr(CPU_COUNT)
    VERSIONS.update(d.versions())
    shape, chunks = d.shape(size), d.chunks(size)
    store = d.scratch_store()

    def run():
        d.remove(store)                                   # untimed
        phases = {}
        t0 = time.perf_counter()
        base, amp, season, missing = d.fields(*shape)
        base = da.from_array(base, chunks=chunks[1:])
        amp = da.from_array(amp, chunks=chunks[1:])
        season = da.from_array(season, chunks=(chunks[0], 1, 1))
        missing = da.from_array(missing, chunks=chunks[1:])
        noise = da.random.default_rng(d.SEED).standard_normal(
            shape, chunks=chunks, dtype=np.float32) * np.float32(d.NOISE_STD)
        t = da.where(missing, np.float32("nan"), season * amp + base + noise)
        assert t.dtype == np.float32, t.dtype
        g = d.create_group(store)
        da.store(t, d.create_array(g, "temperature", size), lock=False)
        t1 = time.perf_counter()
        phases["generate"] = t1 - t0

        t = da.from_zarr(store, component="temperature")
        time_mean = da.nanmean(t, axis=0)
        anomaly = t - time_mean
        g = d.open_group(store)
        da.store([time_mean, anomaly],
                 [d.create_array(g, "time_mean", size),
                  d.create_array(g, "anomaly", size)], lock=False)
        t2 = time.perf_counter()
        phases["analyse"] = t2 - t1

        t = da.from_zarr(store, component="temperature")
        a = da.from_zarr(store, component="anomaly")
        r = dask.compute(da.nanmean(t), da.nanstd(a), da.nanmax(abs(a)),
                         da.isnan(t).sum())
        phases["reduce"] = time.perf_counter() - t2
        return {"phases": phases, "stats": d.stats(*r)}
    return run


def build(workload, size):
    if workload == "W11":
        return w11(size)
    if workload == "W12":
        return w12(size)
    if workload in common.OUT_OF_CORE:
        path = common.store_path(workload, size)
        if not os.path.exists(os.path.join(path, "zarr.json")):
            raise SystemExit(f"{path} is missing: the tessera side makes it")
        _shape, chunks = common.SIZES[workload][size]
        x = da.from_zarr(path)
        if workload == "W6":
            return lambda: x.rechunk((chunks[1], chunks[0])).sum().compute()
        if workload == "W10":
            return lambda: x.mean(axis=0).sum().compute()
        if workload == "W15":
            i, j = common.w15_points(size)
            return lambda: (x[x > 0.9].sum() + x.vindex[i, j].sum()).compute()
        return lambda: (x - x.mean(axis=0)).std().compute()
    (xn, *rest), chunks = common.inputs(workload, size)
    x = da.from_array(xn, chunks=chunks)
    if workload == "W1":
        y = da.from_array(rest[0], chunks=chunks)
        return lambda: da.sum(da.sin(x) * y + 1).compute()
    if workload == "W18":
        # Dask's histogram needs the range: found first, as NumPy does inside.
        def run():
            lo, hi = dask.compute(x.min(), x.max())
            h = da.histogram(x, bins=100, range=(lo, hi))
            return dask.compute(h, da.unique(x))
        return run
    if workload == "W16":
        # Dask's median needs the axis in one chunk, and it has no percentile along an
        # axis: rechunk as its documentation advises and map NumPy over the blocks.
        def run():
            med = da.median(x.rechunk({0: -1, 1: "auto"}), axis=0)
            xr = x.rechunk({1: -1, 0: "auto"})
            pct = xr.map_blocks(lambda b: np.percentile(b, [5, 95], axis=1).T,
                                chunks=(xr.chunks[0], (2,)), dtype=x.dtype).T
            return dask.compute(med, pct)
        return run
    if workload == "W2":
        return lambda: dask.compute(x.mean(axis=0), x.std(axis=1))
    if workload == "W3":
        return lambda: (x - x.mean(axis=0)).std().compute()
    if workload == "W4":
        return lambda: (x + x.T).sum().compute()
    if workload == "W8":
        return lambda: (x + 1).sum().compute()
    if workload == "W5":
        y = da.from_array(rest[0], chunks=chunks)
        return lambda: (x @ y).compute()
    if workload == "W14":
        v = da.from_array(rest[0], chunks=chunks)

        def ddx(b):
            out = np.zeros_like(b)
            out[:, 1:-1] = (b[:, 2:] - b[:, :-2]) / 2.0
            return out

        def ddy(b):
            out = np.zeros_like(b)
            out[1:-1, :] = (b[2:, :] - b[:-2, :]) / 2.0
            return out

        def run():
            dvdx = v.map_overlap(ddx, depth=1, boundary="periodic")
            dudy = x.map_overlap(ddy, depth=1, boundary="periodic")
            return abs(dvdx - dudy).mean().compute()
        return run
    if workload == "W14M":
        def mean3x3(b):
            r, c = b.shape
            out = b.copy()
            if r < 3 or c < 3:
                return out
            acc = np.zeros((r - 2, c - 2))
            for di in range(3):
                for dj in range(3):
                    acc += b[di:r - 2 + di, dj:c - 2 + dj]
            out[1:-1, 1:-1] = acc / 9.0
            return out

        return lambda: x.map_overlap(mean3x3, depth=1,
                                     boundary="nearest").mean().compute()
    if workload == "W9":
        return lambda: (dask.compute(*da.linalg.qr(x)),
                        dask.compute(*da.linalg.svd(x)))
    if workload == "W13":
        return lambda: dask.compute(
            *da.linalg.svd_compressed(x, k=20, n_power_iter=0, seed=42))
    raise ValueError(workload)


if __name__ == "__main__":
    dask.config.set(scheduler="threads")
    common.main("dask", build, threads=CPU_COUNT, versions=VERSIONS)
