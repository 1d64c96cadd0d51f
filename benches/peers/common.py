"""Shared workload definitions and timing protocol for the peer benchmarks.

Both ``numpy_workload.py`` and ``dask_workload.py`` use ``main`` here; they
only supply a function building the callable that runs one workload.

Protocol (identical for every side, tessera included): build the inputs
(untimed), run once untimed as a warm-up, then run R timed repetitions
(R=5 at size S, R=3 at size M, or ``--reps R``) timed with
``time.perf_counter``.  One line of JSON goes to stdout.
"""

import argparse
import json
import resource
import statistics
import sys
import time

# Per workload and size: the shape of x, and the chunk shape tessera/Dask use.
SIZES = {
    "W1": {"S": ((20_000_000,), (2_000_000,)),
           "M": ((200_000_000,), (4_000_000,))},
    "W2": {"S": ((4000, 4000), (500, 500)),
           "M": ((20000, 20000), (2000, 2000))},
    "W8": {"S": ((1_000_000,), (100,)),
           "M": ((10_000_000,), (100,))},
}
SIZES["W3"] = SIZES["W2"]
SIZES["W4"] = SIZES["W2"]
WORKLOADS = ("W1", "W2", "W3", "W4", "W8")
DEFAULT_REPS = {"S": 5, "M": 3}
SEED_X, SEED_Y = 1, 2


def inputs(workload, size):
    """The NumPy input arrays (x, and y for W1), plus the chunk shape."""
    from datagen import uniform
    shape, chunks = SIZES[workload][size]
    arrays = [uniform(shape, SEED_X)]
    if workload == "W1":
        arrays.append(uniform(shape, SEED_Y))
    return arrays, chunks


def checksum(workload, result):
    """Scalar summary: W2 is sum(mean) + sum(std); the rest are scalars."""
    if workload == "W2":
        mean, std = result
        return float(mean.sum()) + float(std.sum())
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
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)

    out = {
        "side": side, "workload": a.workload, "size": a.size,
        "times_s": times, "median_s": statistics.median(times),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "checksum": checksum(a.workload, result), "threads": threads,
        "versions": versions,
    }
    print(json.dumps(out))
    sys.stdout.flush()
