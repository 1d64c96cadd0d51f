"""NumPy side of the tessera benchmark workloads.

Usage: python numpy_workload.py WID SIZE [--reps R]     (WID in W1..W4, W8)

Plain eager NumPy on in-memory arrays from ``datagen`` (the chunk shapes do
not apply).  The ufuncs and reductions used here run on one thread.  Prints
one JSON line; see ``common.py`` for the protocol.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import common  # noqa: E402


def build(workload, size):
    (x, *rest), _chunks = common.inputs(workload, size)
    if workload == "W1":
        y = rest[0]
        return lambda: np.sum(np.sin(x) * y + 1)
    if workload == "W2":
        return lambda: (x.mean(axis=0), x.std(axis=1))
    if workload == "W3":
        return lambda: (x - x.mean(axis=0)).std()
    if workload == "W4":
        return lambda: (x + x.T).sum()
    if workload == "W8":
        return lambda: (x + 1).sum()
    raise ValueError(workload)


if __name__ == "__main__":
    common.main("numpy", build, threads=1,
                versions={"numpy": np.__version__,
                          "python": sys.version.split()[0]})
