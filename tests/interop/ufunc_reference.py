"""NumPy's elementwise functions on fixed inputs, the oracle of tests/ufunc_numpy.rs.

Writes to the directory given as the only argument, for each element type:
  in_a_<dt>.npy, in_b_<dt>.npy  the operands (480 values: the first 256 are every pair of
                                 16 special values, the rest random);
  in_s_<dt>.npy                  shift counts (integers), from -3 to the bit width + 3;
  <func>_<dt>.npy                the results.
The Rust test reshapes the flat operands to 1-d to 3-d shapes and several chunkings.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
N = 480
rng = np.random.default_rng(20240607)


def save(name, a):
    np.save(os.path.join(out, f"{name}.npy"), np.ascontiguousarray(a))


def pairs(specials, rest):
    s = np.asarray(specials)
    k = len(s)
    a = np.concatenate([np.repeat(s, k), rest[0]])
    b = np.concatenate([np.tile(s, k), rest[1]])
    return a, b


FLOAT_UNARY = {
    "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "arcsinh": np.arcsinh, "arccosh": np.arccosh,
    "arctanh": np.arctanh, "log2": np.log2, "log10": np.log10, "exp2": np.exp2,
    "cbrt": np.cbrt, "square": np.square, "reciprocal": np.reciprocal,
    "isinf": np.isinf, "isposinf": np.isposinf, "isneginf": np.isneginf,
    "signbit": np.signbit, "trunc": np.trunc, "fix": np.fix, "degrees": np.degrees,
    "radians": np.radians, "sinc": np.sinc,
    "nan_to_num": np.nan_to_num,
    "nan_to_num_custom": lambda x: np.nan_to_num(x, nan=-9.0, posinf=7.0, neginf=-7.0),
    "clip_min": lambda x: np.clip(x, -0.5, None),
    "clip_max": lambda x: np.clip(x, None, 0.5),
}
for d in (-2, 0, 1, 3):
    FLOAT_UNARY[f"round_{d}"] = (lambda d: lambda x: np.round(x, d))(d)

FLOAT_BINARY = {
    "arctan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign,
    "nextafter": np.nextafter, "fmod": np.fmod, "fmax": np.fmax, "fmin": np.fmin,
    "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2, "heaviside": np.heaviside,
    "floor_divide": np.floor_divide,
    "divmod_q": lambda a, b: np.divmod(a, b)[0], "divmod_r": lambda a, b: np.divmod(a, b)[1],
}

with np.errstate(all="ignore"):
    for dt, tiny, big_exp in ((np.float64, 5e-324, 700.0), (np.float32, 1e-45, 87.0)):
        t = np.dtype(dt)
        fi = np.finfo(dt)
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5,
                             tiny, -fi.tiny, fi.max, -fi.max, 3.0, 1e-30, -7.25], dtype=dt)
        m = N - 256
        third = m // 3

        def rand():
            return np.concatenate([
                rng.uniform(-1.2, 1.2, third),
                rng.uniform(-30.0, 30.0, third),
                np.sign(rng.uniform(-1, 1, m - 2 * third))
                * np.exp(rng.uniform(-big_exp, big_exp, m - 2 * third)),
            ]).astype(dt)

        a, b = pairs(specials, (rand(), rand()))
        a, b = a.astype(dt), b.astype(dt)
        save(f"in_a_{t.name}", a)
        save(f"in_b_{t.name}", b)
        for name, f in FLOAT_UNARY.items():
            r = np.asarray(f(a))
            assert r.dtype in (t, np.bool_), (name, r.dtype)
            save(f"{name}_{t.name}", r)
        for name, f in FLOAT_BINARY.items():
            r = np.asarray(f(a, b))
            assert r.dtype == t, (name, r.dtype)
            save(f"{name}_{t.name}", r)
        # Broadcasting: (4, 10, 12) against the first 12 values of b.
        save(f"arctan2_bcast_{t.name}", np.arctan2(a.reshape(4, 10, 12), b[:12]))
        save(f"floor_divide_bcast_{t.name}", np.floor_divide(a.reshape(4, 10, 12), b[:12]))

    INT_BINARY = {
        "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
        "bitwise_xor": np.bitwise_xor, "gcd": np.gcd, "lcm": np.lcm,
        "floor_divide": np.floor_divide, "fmod": np.fmod, "fmax": np.fmax, "fmin": np.fmin,
        "divmod_q": lambda a, b: np.divmod(a, b)[0], "divmod_r": lambda a, b: np.divmod(a, b)[1],
    }
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
               np.uint64):
        t = np.dtype(dt)
        ii = np.iinfo(dt)
        bits = 8 * t.itemsize
        specials = np.array([0, 1, -1, 2, -3, 7, -8, 13, 5, 64, -64, 100, 127, -100, 0, 1],
                            dtype=np.int64).astype(dt)
        specials[14] = ii.min
        specials[15] = ii.max
        m = N - 256
        rest = (rng.integers(ii.min, ii.max, m, dtype=dt, endpoint=True),
                np.concatenate([rng.integers(-20, 21, m // 2).astype(dt),
                                rng.integers(ii.min, ii.max, m - m // 2, dtype=dt,
                                             endpoint=True)]))
        a, b = pairs(specials, rest)
        a, b = a.astype(dt), b.astype(dt)
        s = rng.integers(-3 if ii.min < 0 else 0, bits + 4, N).astype(dt)
        save(f"in_a_{t.name}", a)
        save(f"in_b_{t.name}", b)
        save(f"in_s_{t.name}", s)
        save(f"invert_{t.name}", np.invert(a))
        save(f"square_{t.name}", np.square(a))
        save(f"left_shift_{t.name}", np.left_shift(a, s))
        save(f"right_shift_{t.name}", np.right_shift(a, s))
        save(f"left_shift_b_{t.name}", np.left_shift(a, b))
        save(f"right_shift_b_{t.name}", np.right_shift(a, b))
        for name, f in INT_BINARY.items():
            r = np.asarray(f(a, b))
            assert r.dtype == t, (name, r.dtype)
            save(f"{name}_{t.name}", r)

    x = rng.integers(0, 2, N).astype(bool)
    y = rng.integers(0, 2, N).astype(bool)
    save("in_a_bool", x)
    save("in_b_bool", y)
    for name, f in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                    ("bitwise_xor", np.bitwise_xor)):
        save(f"{name}_bool", f(x, y))
    save("invert_bool", np.invert(x))

print("ok")
