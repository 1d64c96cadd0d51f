"""NumPy's `reciprocal`, `fix` and `round(x, decimals)` on integer arrays, the oracle of
tests/integer_ufuncs_numpy.rs. Writes, to the directory given as the only argument, for
each integer type: in_<dt>.npy (operands: extremes, halves of powers of ten, random
values; no zeros, whose reciprocal NumPy leaves to the platform) and
<func>_<dt>.npy."""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
for dt in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
    t = np.dtype(dt)
    info = np.iinfo(t)
    special = [1, 2, 3, 5, 15, 25, 35, 45, 50, 55, 95, 99, 100, 149, 150, 250, 251, 127,
               info.max, info.max - 1, info.min, info.min + 1, -1, -2, -15, -25, -50, -150]
    special = [v for v in special if info.min <= v <= info.max and v != 0]
    rand = rng.integers(info.min, info.max, size=200, dtype=t, endpoint=True)
    rand[rand == 0] = 1
    a = np.concatenate([np.array(special, dtype=t), rand])
    np.save(os.path.join(out, f"in_{dt}.npy"), a)
    with np.errstate(all="ignore"):
        np.save(os.path.join(out, f"reciprocal_{dt}.npy"), np.reciprocal(a))
        np.save(os.path.join(out, f"fix_{dt}.npy"), np.fix(a))
        for d in (0, 1, -1, -2, -3, -5, -20):
            np.save(os.path.join(out, f"round_{d}_{dt}.npy"), np.round(a, d))
print("ok")
