"""Complex Zarr stores for tests/zarr_complex.rs.

Usage:
  python complex_stores.py write OUTDIR   writes complex stores with zarr-python (v2 and v3,
                                          several codecs, a sharded one) and their values as
                                          OUTDIR/<name>_re.npy and _im.npy; prints "ok".
  python complex_stores.py check OUTDIR STORE [STORE ...]
                                          reads stores tessera wrote; saves the values of the
                                          k-th as OUTDIR/<k>_re.npy and _im.npy and prints one
                                          JSON list: format, dtype, shape, chunks per store.
"""
import json
import os
import sys

import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec, ZstdCodec


def save(out, name, a):
    np.save(os.path.join(out, f"{name}_re.npy"), np.ascontiguousarray(a.real))
    np.save(os.path.join(out, f"{name}_im.npy"), np.ascontiguousarray(a.imag))


def values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = np.empty(shape, dtype=dtype)
    a.real = rng.standard_normal(shape)
    a.imag = rng.standard_normal(shape)
    flat = a.reshape(-1)
    flat[:4] = [complex(np.inf, -0.0), complex(np.nan, 1.0), complex(-0.0, np.inf), 0]
    return a


def write(out):
    cases = [
        ("c128_v3_zstd", (9, 7), (4, 5), np.complex128, 3, dict(compressors=ZstdCodec(level=3))),
        ("c64_v3_blosc", (10, 6), (3, 6), np.complex64, 3, dict(compressors=BloscCodec())),
        ("c128_v3_sharded", (8, 8), (2, 4), np.complex128, 3, dict(shards=(4, 8))),
        ("c128_v2_blosc", (5, 11), (2, 4), np.complex128, 2, dict(compressors=numcodecs.Blosc())),
        ("c64_v2_none", (12,), (5,), np.complex64, 2, dict(compressors=None)),
    ]
    for name, shape, chunks, dtype, fmt, kw in cases:
        a = values(shape, dtype, len(name))
        z = zarr.create_array(os.path.join(out, name), shape=shape, chunks=chunks, dtype=dtype,
                              zarr_format=fmt, **kw)
        z[...] = a
        save(out, name, a)
    print("ok")


def check(out, stores):
    report = []
    for k, path in enumerate(stores):
        z = zarr.open_array(path, mode="r")
        save(out, str(k), z[...])
        report.append({
            "format": z.metadata.zarr_format,
            "dtype": str(z.dtype),
            "shape": list(z.shape),
            "chunks": list(z.chunks),
            "shards": list(z.shards) if z.shards else None,
        })
    print(json.dumps(report))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3:])
