"""NumPy 2's type promotion (NEP 50) on fixed operands, the oracle of tests/promotion_numpy.rs.

Writes to the directory given as the only argument:
  in_<dt>.npy                   12 operand values for each element type (extremes included);
  <op>_<a>_<b>.npy              `op(in_a, in_b)`: its dtype is NumPy's promoted type;
  weak_<op>_<dt>_<tag>.npy      `op(in_dt, scalar)` for a Python int or float scalar;
  refused.txt                   one line `<op> <a> <b>` (or `weak <op> <dt> <tag>`) for each
                                combination NumPy refuses (TypeError, OverflowError).
"""
import os
import sys

import numpy as np

out = sys.argv[1]
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64"]
OPS = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "divide": np.true_divide, "remainder": np.remainder, "floor_divide": np.floor_divide,
    "maximum": np.maximum, "less": np.less, "equal": np.equal,
}
WEAK_OPS = {"add": np.add, "multiply": np.multiply, "divide": np.true_divide, "less": np.less}
SCALARS = {"int2": 2, "float2_5": 2.5, "int300": 300, "intm1": -1}


def operand(dt):
    t = np.dtype(dt)
    if t == np.bool_:
        return np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1], dtype=t)
    if t.kind in "iu":
        info = np.iinfo(t)
        low = -3 if t.kind == "i" else 9
        return np.array([0, 1, 2, 3, low, 7, info.max, info.min, info.max - 1, 100, 10, 4],
                        dtype=t)
    return np.array([0.0, 1.0, 2.5, -1.5, np.nan, np.inf, -np.inf, -0.0, 1e30, 3.0, 0.5, 7.0],
                    dtype=t)


def save(name, a):
    np.save(os.path.join(out, f"{name}.npy"), np.ascontiguousarray(a))


refused = []
inputs = {dt: operand(dt) for dt in DTYPES}
for dt, a in inputs.items():
    save(f"in_{dt}", a)
with np.errstate(all="ignore"):
    for name, f in OPS.items():
        for da in DTYPES:
            for db in DTYPES:
                try:
                    r = f(inputs[da], inputs[db])
                except TypeError:
                    refused.append(f"{name} {da} {db}")
                    continue
                save(f"{name}_{da}_{db}", r)
    for name, f in WEAK_OPS.items():
        for dt in DTYPES:
            for tag, s in SCALARS.items():
                try:
                    r = f(inputs[dt], s)
                except (TypeError, OverflowError):
                    refused.append(f"weak {name} {dt} {tag}")
                    continue
                save(f"weak_{name}_{dt}_{tag}", r)
with open(os.path.join(out, "refused.txt"), "w") as fh:
    fh.write("\n".join(refused) + "\n")
print("ok")
