"""One distributed workload on dask.distributed, for ``cluster_run.py``.

Usage: python dask_cluster.py WID SIZE WORKERS [--reps R]

Starts a ``LocalCluster`` of WORKERS single-threaded worker processes (untimed), then runs
the workload once untimed and R times timed.  The inputs are generated inside the timed
region (``da.random.default_rng(seed).random``), as tessera's side does.  One line of JSON
goes to stdout: times, checksum, and the largest peak RSS of a worker process.
"""

import argparse
import json
import resource
import time

import dask
import dask.array as da
from dask.distributed import Client, LocalCluster

SIZES = {
    "W1": {"S": ((20_000_000,), (2_000_000,)), "M": ((200_000_000,), (4_000_000,))},
    "W2": {"S": ((4000, 4000), (500, 500)), "M": ((20000, 20000), (2000, 2000))},
    "W11": {"S": ((40, 500, 500), (8, 500, 250)),
            "M": ((200, 1000, 2000), (20, 1000, 1000))},
}


def outputs(w, shape, chunks):
    u = da.random.default_rng(1).random(shape, chunks=chunks)
    v = da.random.default_rng(2).random(shape, chunks=chunks)
    if w == "W1":
        return [da.sum(da.sin(u) * v + 1)]
    if w == "W2":
        return [u.mean(axis=0), u.std(axis=1)]
    return [(u * u).mean(axis=0), (v * v).mean(axis=0), (u * v).mean(axis=0)]


def peak_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload")
    p.add_argument("size")
    p.add_argument("workers", type=int)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    shape, chunks = SIZES[a.workload][a.size]
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        times = []
        checksum = 0.0
        for rep in range(a.reps + 1):
            t0 = time.perf_counter()
            r = dask.compute(*outputs(a.workload, shape, chunks))
            secs = time.perf_counter() - t0
            checksum = float(sum(x.sum() for x in r))
            if rep > 0:
                times.append(secs)
        rss = client.run(peak_rss_kib)
    print(json.dumps({"side": "dask", "workload": a.workload, "size": a.size,
                      "ranks": a.workers, "times_s": times, "checksum": checksum,
                      "peak_rss_worker_max": max(rss.values()) * 1024,
                      "dask": dask.__version__}))


if __name__ == "__main__":
    main()
