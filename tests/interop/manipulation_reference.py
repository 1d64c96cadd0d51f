"""NumPy's shape manipulation on fixed arrays, the oracle of tests/manipulation_numpy.rs.

For each shape, x = arange(size).reshape(shape) * 1.0 + 0.5; every result is saved as
<shape>_<case>.npy (float64) in the directory given as the only argument.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
SHAPES = [(7,), (4, 6), (3, 4, 5), (2, 3, 4, 2)]


def save(shape, name, a):
    tag = "x".join(map(str, shape))
    np.save(os.path.join(out, f"{tag}_{name}.npy"), np.array(a, dtype=np.float64, order="C"))


for shape in SHAPES:
    x = np.arange(np.prod(shape)).reshape(shape) * 1.0 + 0.5
    nd = x.ndim
    save(shape, "flip_all", np.flip(x))
    save(shape, "flip_0", np.flip(x, 0))
    save(shape, "flip_last", np.flip(x, nd - 1))
    save(shape, "roll_3_0", np.roll(x, 3, axis=0))
    save(shape, "roll_-2_none", np.roll(x, -2))
    save(shape, "roll_-2_last", np.roll(x, -2, axis=nd - 1))
    save(shape, "moveaxis_0_last", np.moveaxis(x, 0, -1))
    save(shape, "swapaxes_0_last", np.swapaxes(x, 0, -1))
    save(shape, "broadcast_to", np.broadcast_to(x, (2,) + shape))
    save(shape, "diff_1_last", np.diff(x, 1, axis=nd - 1))
    save(shape, "diff_2_0", np.diff(x, 2, axis=0))
    save(shape, "diff_prepend", np.diff(x, 1, axis=0, prepend=np.take(x, [0], axis=0) * 2,
                                      append=np.take(x, [0], axis=0)))
    save(shape, "repeat_3_0", np.repeat(x, 3, axis=0))
    save(shape, "repeat_2_none", np.repeat(x, 2))
    save(shape, "tile_2", np.tile(x, (2,) * nd))
    save(shape, "tile_more", np.tile(x, (2,) + (1,) * nd))
    widths = [(1, 2)] * nd
    save(shape, "pad_constant", np.pad(x, widths, mode="constant", constant_values=7))
    save(shape, "pad_edge", np.pad(x, widths, mode="edge"))
    save(shape, "pad_reflect", np.pad(x, [(1, 1)] * nd, mode="reflect"))
    save(shape, "pad_symmetric", np.pad(x, [(2, 1)] * nd, mode="symmetric"))
    save(shape, "pad_wrap", np.pad(x, [(2, 2)] * nd, mode="wrap"))
    save(shape, "pad_ramp", np.pad(x, [(2, 1)] * nd, mode="linear_ramp", end_values=3.0))
    for i, part in enumerate(np.array_split(x, 3, axis=0)):
        save(shape, f"array_split_{i}", part)
    save(shape, "atleast_3d", np.atleast_3d(x))
    if nd >= 2:
        for k in (1, 2, 3):
            save(shape, f"rot90_{k}", np.rot90(x, k, axes=(0, 1)))
        save(shape, "tril_-1", np.tril(x, -1))
        save(shape, "triu_1", np.triu(x, 1))
    if nd == 1:
        for k in (-1, 0, 2):
            save(shape, f"diag_{k}", np.diag(x, k))
    if nd == 2:
        for k in (-1, 0, 2):
            save(shape, f"diag_{k}", np.diag(x, k))
    if nd <= 3:
        for indexing in ("xy", "ij"):
            vecs = [np.arange(n) * 1.0 for n in shape]
            for i, g in enumerate(np.meshgrid(*vecs, indexing=indexing)):
                save(shape, f"meshgrid_{indexing}_{i}", g)
        save(shape, "indices", np.indices(shape))
print("ok")
