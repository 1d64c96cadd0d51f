"""Dask Array side of the tessera benchmark workloads.

Usage: python dask_workload.py WID SIZE [--reps R]      (WID in W1..W4, W8)

Inputs are NumPy arrays from ``datagen`` wrapped with ``da.from_array`` using
the same chunk shapes as tessera, before the clock starts.  Graphs are built
and computed inside the timed region with the threaded scheduler.  W2 computes
both results in one ``dask.compute`` call.  Prints one JSON line; see
``common.py`` for the protocol.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from dask.system import CPU_COUNT  # noqa: E402

import common  # noqa: E402


def build(workload, size):
    (xn, *rest), chunks = common.inputs(workload, size)
    x = da.from_array(xn, chunks=chunks)
    if workload == "W1":
        y = da.from_array(rest[0], chunks=chunks)
        return lambda: da.sum(da.sin(x) * y + 1).compute()
    if workload == "W2":
        return lambda: dask.compute(x.mean(axis=0), x.std(axis=1))
    if workload == "W3":
        return lambda: (x - x.mean(axis=0)).std().compute()
    if workload == "W4":
        return lambda: (x + x.T).sum().compute()
    if workload == "W8":
        return lambda: (x + 1).sum().compute()
    raise ValueError(workload)


if __name__ == "__main__":
    dask.config.set(scheduler="threads")
    common.main("dask", build, threads=CPU_COUNT,
                versions={"dask": dask.__version__, "numpy": np.__version__,
                          "python": sys.version.split()[0]})
