"""Shared workload definitions and timing protocol for the peer benchmarks.

Both ``numpy_workload.py`` and ``dask_workload.py`` use ``main`` here; they
only supply a function building the callable that runs one workload.

Protocol (identical for every side, tessera included): build the inputs
(untimed), run once untimed as a warm-up, then run R timed repetitions
(R=5 at size S, R=3 at size M, or ``--reps R``) timed with
``time.perf_counter``.  One line of JSON goes to stdout.

W11 and W12 generate their data inside the timed region, each side with its
own random generator, so their checksums are statistical (see ``run.py``).
W12 (the ``tessera demo`` pipeline, see ``w12.py``) is timed per phase: its
run returns a dict with ``phases`` (seconds per phase) and ``stats`` (the
phase-3 reductions); its time per repetition is the sum of the phases, and
the JSON line gains ``phases_s``, ``phase_medians_s`` and ``stats``.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np

# Per workload and size: the shape of x, and the chunk shape tessera/Dask use.
SIZES = {
    "W1": {"S": ((20_000_000,), (2_000_000,)),
           "M": ((200_000_000,), (4_000_000,))},
    "W2": {"S": ((4000, 4000), (500, 500)),
           "M": ((20000, 20000), (2000, 2000))},
    "W8": {"S": ((1_000_000,), (100,)),
           "M": ((10_000_000,), (100,))},
}
SIZES["W5"] = {"S": ((1024, 1024), (256, 256)),
               "M": ((4096, 4096), (1024, 1024))}
# W9: qr then svd of a tall-and-skinny array; W13: svd_compressed(k=20).
SIZES["W9"] = {"S": ((200_000, 50), (10_000, 50)),
               "M": ((2_000_000, 50), (100_000, 50))}
SIZES["W13"] = {"S": ((100_000, 1000), (10_000, 1000)),
                "M": ((1_000_000, 1000), (100_000, 1000))}
# W14: mean |dv/dx - du/dy| by periodic central differences through map_overlap.
SIZES["W14"] = SIZES["W2"]
# W14M: mean of a 3×3 mean filter (edge values repeated) through map_overlap.
SIZES["W14M"] = SIZES["W2"]
SIZES["W3"] = SIZES["W2"]
# W16: median(x, axis=0) and percentile(x, [5, 95], axis=1).
SIZES["W16"] = SIZES["W2"]
# W17: sort of 1-d f64 (checksum: every 1000th sorted value, summed).
SIZES["W17"] = {"S": ((10_000_000,), (1_000_000,)),
                "M": ((100_000_000,), (10_000_000,))}
# W18: histogram(x, bins=100) and unique(x) of int32 x = floor(uniform * 100000).
SIZES["W18"] = {"S": ((10_000_000,), (1_000_000,)),
                "M": ((100_000_000,), (10_000_000,))}
SIZES["W4"] = SIZES["W2"]
# W11: u and v (seeds SEED_X, SEED_Y), generated inside the timed region.
SIZES["W11"] = {"S": ((40, 500, 500), (8, 500, 250)),
                "M": ((200, 1000, 2000), (20, 1000, 1000))}
# W6 and W3Z read a Zarr store the tessera side makes on first use (uniform values,
# seed 1, blosc lz4 + byte shuffle) at store_path(); tessera runs them under a memory
# limit (1 GiB at M, 64 MiB at S), Dask with its threaded scheduler as it is.
SIZES["W6"] = {"S": ((4000, 4000), (4000, 40)),
               "M": ((20000, 20000), (20000, 200))}
SIZES["W3Z"] = {"S": ((4000, 4000), (500, 500)),
                "M": ((32000, 32000), (2000, 2000))}
# W10: mean over axis 0 of a store larger than memory (checksum: the sum of the mean).
SIZES["W10"] = {"S": ((40, 512, 512), (10, 256, 256)),
                "M": ((800, 2048, 2048), (50, 512, 512))}
# W15: x[x > 0.9].sum() + x.vindex[i, j].sum() on a store (the points: W15_POINTS).
SIZES["W15"] = {"S": ((4000, 4000), (500, 500)),
                "M": ((20000, 20000), (2000, 2000))}
OUT_OF_CORE = ("W6", "W3Z", "W10", "W15")
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W8", "W9", "W10", "W11",
             "W12", "W13", "W14", "W14M", "W15", "W16", "W17", "W18", "W3Z")
W12_PHASES = ("generate", "analyse", "reduce")
DEFAULT_REPS = {"S": 5, "M": 3}
SEED_X, SEED_Y = 1, 2


def w15_points(size):
    """W15's point coordinates (the tessera side computes the same)."""
    shape, _ = SIZES["W15"][size]
    p = np.arange(1_000_000 if size == "M" else 100_000, dtype=np.int64)
    return (p * 2654435761 + 12345) % shape[0], (p * 40503 + 977) % shape[1]


def store_path(workload, size):
    """Where the input store of an out-of-core workload lives."""
    import tempfile
    return os.path.join(tempfile.gettempdir(), "tessera-peers",
                        f"{workload}-{size}.zarr")


def inputs(workload, size):
    """The NumPy input arrays (x, and y for W1), plus the chunk shape."""
    from datagen import uniform
    shape, chunks = SIZES[workload][size]
    arrays = [uniform(shape, SEED_X)]
    if workload == "W18":
        arrays = [(arrays[0] * 100000.0).astype(np.int32)]
    if workload in ("W1", "W5", "W14"):
        arrays.append(uniform(shape, SEED_Y))
    return arrays, chunks


def checksum(workload, result):
    """Scalar summary: W2 is sum(mean) + sum(std); W11 the sum of its three
    means; W12 global mean + anomaly std; the rest are scalars."""
    if workload == "W17":
        return float(np.asarray(result)[::1000].sum())
    if workload == "W18":
        (h, _edges), u = result
        h, u = np.asarray(h), np.asarray(u)
        return float(np.dot(h, np.arange(h.shape[0]))) + float(u.shape[0]) + float(u.sum())
    if workload == "W16":
        med, pct = result
        return float(np.asarray(med).sum()) + float(np.asarray(pct).sum())
    if workload == "W2":
        mean, std = result
        return float(mean.sum()) + float(std.sum())
    if workload == "W11":
        return sum(float(m.sum(dtype=np.float64)) for m in result)
    if workload == "W12":
        return result["stats"]["global_mean"] + result["stats"]["anomaly_std"]
    if workload == "W5":
        return float(np.asarray(result).sum())
    if workload == "W9":
        (_q, r), (_u, s, _vt) = result
        return float(np.abs(np.diag(r)).sum()) + float(np.asarray(s).sum())
    if workload == "W13":
        _u, s, _vt = result
        return float(np.asarray(s).sum())
    return float(result)


def main(side, build, threads, versions):
    """Parse argv, time ``build(workload, size)()`` and print the JSON line."""
    p = argparse.ArgumentParser(description=f"{side} side of a tessera workload")
    p.add_argument("workload", choices=WORKLOADS)
    p.add_argument("size", choices=("S", "M"))
    p.add_argument("--reps", type=int, default=None)
    a = p.parse_args()
    reps = a.reps or DEFAULT_REPS[a.size]

    run = build(a.workload, a.size)          # untimed: data generation
    result = run()                           # untimed warm-up
    times, phases = [], {}
    for _ in range(reps):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
        if isinstance(result, dict) and "phases" in result:
            for k, v in result["phases"].items():
                phases.setdefault(k, []).append(v)
            times[-1] = sum(result["phases"].values())

    out = {
        "side": side, "workload": a.workload, "size": a.size,
        "times_s": times, "median_s": statistics.median(times),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "checksum": checksum(a.workload, result), "threads": threads,
        "versions": versions,
    }
    if phases:
        out["phases_s"] = phases
        out["phase_medians_s"] = {k: statistics.median(v)
                                  for k, v in phases.items()}
        out["stats"] = result["stats"]
    print(json.dumps(out))
    sys.stdout.flush()
