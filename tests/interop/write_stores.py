"""Writes Zarr stores with zarr-python for tessera's interop tests.

Usage: python write_stores.py DIR

Writes many arrays under DIR (Zarr v2 and v3, several dtypes and codecs, edge chunks,
missing chunks with a non-zero fill value, sharding, a Fortran-order v2 array, a group with
attributes and dimension names), saves the values each array must read as (C order,
little-endian) as `<name>.npy` next to it, and writes DIR/manifest.json describing every
array. The Rust side (tests/zarr_interop.rs) reads each store with tessera and compares.
"""

import json
import os
import sys

import numpy as np
import zarr
import numcodecs
from zarr.codecs import (
    BloscCodec,
    BytesCodec,
    Crc32cCodec,
    GzipCodec,
    TransposeCodec,
    ZstdCodec,
)

OUT = sys.argv[1]
RNG = np.random.default_rng(20240611)
MANIFEST = []

# Dtype names as the Rust side spells them.
RUST_DTYPE = {
    "bool": "bool",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "float32": "f32",
    "float64": "f64",
}
META_FILES = {"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"}


def values(dtype, shape):
    """Deterministic test values; floats include NaN, +-inf and -0.0."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    if dtype == np.bool_:
        v = RNG.random(n) < 0.4
    elif dtype.kind == "f":
        v = (RNG.standard_normal(n) * 1000).astype(dtype)
        for i, special in zip(range(3, n, 11), [np.nan, np.inf, -np.inf, -0.0]):
            v[i] = special
    else:
        info = np.iinfo(dtype)
        v = RNG.integers(info.min, info.max, size=n, endpoint=True, dtype=dtype)
        if n > 2:
            v[0], v[1] = info.min, info.max
    return v.reshape(shape)


def stored_chunk_files(path):
    """Chunk (or shard) files zarr-python actually wrote, metadata excluded."""
    n = 0
    for _root, _dirs, files in os.walk(path):
        n += sum(1 for f in files if f not in META_FILES)
    return n


def json_scalar(v):
    """A NumPy scalar as JSON (non-finite floats as the strings Zarr v3 uses)."""
    v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def record(rel, arr, expected, **extra):
    """Saves the expected values and describes the array in the manifest."""
    path = os.path.join(OUT, rel)
    name = rel.replace("/", "__")
    npy = name + ".npy"
    np.save(
        os.path.join(OUT, npy),
        np.array(expected, dtype=expected.dtype.newbyteorder("<"), order="C"),
    )
    meta = arr.metadata.to_dict()
    chunks = list(arr.shards) if arr.shards is not None else list(arr.chunks)
    entry = {
        "name": name,
        "path": rel,
        "zarr_format": arr.metadata.zarr_format,
        "dtype": RUST_DTYPE[str(arr.dtype)],
        "data_type": str(arr.dtype),
        "shape": list(arr.shape),
        "chunks": chunks,
        "inner_chunks": list(arr.chunks),
        "fill_value": json_scalar(arr.fill_value),
        "attributes": dict(arr.attrs),
        "dimension_names": list(meta["dimension_names"]) if meta.get("dimension_names") else None,
        "stored_chunks": stored_chunk_files(path),
        "npy": npy,
    }
    entry.update(extra)
    MANIFEST.append(entry)


def array(rel, data, chunks, zarr_format=3, fill_value=None, write=None, **kw):
    """Creates an array at OUT/rel and writes `data` (or only the regions in `write`)."""
    kwargs = dict(
        store=os.path.join(OUT, rel),
        shape=data.shape,
        dtype=data.dtype,
        chunks=chunks,
        zarr_format=zarr_format,
        config={"write_empty_chunks": False},
        **kw,
    )
    if fill_value is not None:
        kwargs["fill_value"] = fill_value
    arr = zarr.create_array(**kwargs)
    if write is None:
        arr[...] = data
        expected = data
    else:
        fv = arr.fill_value
        expected = np.full(data.shape, fv, dtype=data.dtype)
        for region in write:
            arr[region] = data[region]
            expected[region] = data[region]
    record(rel, arr, expected)
    return arr


def main():
    os.makedirs(OUT, exist_ok=True)

    # ---- Zarr v3 ------------------------------------------------------------------------
    array(
        "v3_f32_blosc_lz4_shuffle",
        values("float32", (37, 23)),
        (10, 8),
        compressors=[BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")],
    )
    array(
        "v3_f64_blosc_zstd_bitshuffle",
        values("float64", (50,)),
        (7,),
        compressors=[BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")],
    )
    array("v3_i32_zstd", values("int32", (6, 7, 5)), (4, 3, 2), compressors=[ZstdCodec(level=3)])
    array("v3_i64_gzip", values("int64", (20, 30)), (7, 9), compressors=[GzipCodec(level=6)])
    array(
        "v3_u8_crc32c",
        values("uint8", (3, 4, 5, 6)),
        (2, 3, 4, 5),
        compressors=[ZstdCodec(level=1), Crc32cCodec()],
    )
    array("v3_bool_none", values("bool", (17, 13)), (5, 5), compressors=None)
    array("v3_u16_none", values("uint16", (9, 4)), (4, 4), compressors=None)
    array("v3_i8_gzip", values("int8", (33,)), (10,), compressors=[GzipCodec(level=1)])
    array("v3_u32_zstd", values("uint32", (5, 5)), (2, 3), compressors=[ZstdCodec(level=5)])
    array(
        "v3_u64_blosclz_noshuffle",
        values("uint64", (12, 3)),
        (5, 2),
        compressors=[BloscCodec(cname="blosclz", clevel=5, shuffle="noshuffle")],
    )
    array("v3_i16_default", values("int16", (8, 9)), (3, 4))
    array(
        "v3_i32_big_endian",
        values("int32", (11, 6)),
        (4, 4),
        serializer=BytesCodec(endian="big"),
        compressors=None,
    )
    # One element per chunk on a 4-d array, and a single chunk larger than the array.
    array("v3_f64_4d_tiny_chunks", values("float64", (2, 3, 2, 2)), (1, 1, 1, 1))
    array("v3_f32_one_big_chunk", values("float32", (3, 5)), (8, 8))

    # Missing chunks read as a non-zero fill value.
    array(
        "v3_f64_missing_fill",
        values("float64", (40, 40)),
        (10, 10),
        fill_value=-7.5,
        write=[(slice(0, 10), slice(0, 20)), (slice(25, 33), slice(31, 40))],
    )
    array(
        "v3_i32_missing_fill",
        values("int32", (25, 7)),
        (6, 7),
        fill_value=42,
        write=[(slice(7, 9), slice(None))],
        compressors=[ZstdCodec(level=3)],
    )
    array(
        "v3_bool_missing_fill_true",
        values("bool", (10, 10)),
        (4, 4),
        fill_value=True,
        write=[(slice(0, 3), slice(5, 10))],
    )
    array(
        "v3_f32_missing_nan_fill",
        values("float32", (9, 9)),
        (3, 3),
        fill_value=np.nan,
        write=[(slice(3, 6), slice(0, 9))],
    )

    # Sharded: edge shards and edge inner chunks, one shard written in part only.
    array(
        "v3_i32_sharded",
        values("int32", (30, 45)),
        (5, 10),
        shards=(10, 20),
        compressors=[ZstdCodec(level=3)],
    )
    array(
        "v3_f64_sharded_partial",
        values("float64", (16, 16)),
        (2, 4),
        shards=(8, 8),
        fill_value=1.25,
        write=[(slice(0, 3), slice(0, 5)), (slice(12, 16), slice(10, 16))],
    )

    # The transpose codec (Fortran order inside chunks) in v3.
    array(
        "v3_u8_transpose",
        values("uint8", (6, 5, 4)),
        (4, 3, 4),
        filters=[TransposeCodec(order=(2, 1, 0))],
        compressors=None,
    )

    # ---- Zarr v2 ------------------------------------------------------------------------
    array(
        "v2_f32_blosc_lz4",
        values("float32", (19, 21)),
        (6, 5),
        zarr_format=2,
        compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
    )
    array(
        "v2_f64_blosc_zstd_bitshuffle",
        values("float64", (13, 3, 7)),
        (4, 3, 3),
        zarr_format=2,
        compressors=numcodecs.Blosc(cname="zstd", clevel=4, shuffle=numcodecs.Blosc.BITSHUFFLE),
    )
    array("v2_i32_zstd", values("int32", (100,)), (33,), zarr_format=2, compressors=numcodecs.Zstd(level=3))
    array("v2_i64_gzip", values("int64", (10, 11)), (3, 4), zarr_format=2, compressors=numcodecs.GZip(level=5))
    array("v2_u8_none", values("uint8", (2, 3, 4, 5)), (1, 2, 3, 4), zarr_format=2, compressors=None)
    array("v2_bool_zstd", values("bool", (15, 4)), (4, 4), zarr_format=2, compressors=numcodecs.Zstd(level=1))
    array(
        "v2_i32_order_f",
        values("int32", (9, 7, 5)),
        (4, 3, 5),
        zarr_format=2,
        order="F",
        compressors=numcodecs.Zstd(level=1),
    )
    array(
        "v2_f64_order_f_edge",
        values("float64", (7, 10)),
        (3, 4),
        zarr_format=2,
        order="F",
        compressors=None,
    )
    array(
        "v2_i16_missing_fill",
        values("int16", (20, 20)),
        (8, 8),
        zarr_format=2,
        fill_value=-3,
        write=[(slice(8, 16), slice(0, 8)), (slice(17, 19), slice(17, 19))],
    )
    array(
        "v2_f64_nested_keys",
        values("float64", (6, 6)),
        (4, 4),
        zarr_format=2,
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )

    # ---- Arrays with no elements (kept out of MANIFEST's main list: see "empty") ---------------
    main_list = list(MANIFEST)
    MANIFEST.clear()
    array("v3_f32_empty_axis", values("float32", (3, 0)), (2, 2))
    array("v3_i64_empty_first_axis", values("int64", (0, 4, 2)), (1, 2, 2), fill_value=5)
    array("v2_u8_empty", values("uint8", (0,)), (4,), zarr_format=2)
    empty = list(MANIFEST)
    MANIFEST.clear()
    MANIFEST.extend(main_list)

    # ---- A v3 group with attributes and dimension names -----------------------------------
    root = zarr.open_group(
        os.path.join(OUT, "group_v3"),
        mode="w",
        zarr_format=3,
        attributes={"title": "interop", "version": 3, "tags": ["a", "b"]},
    )
    temp = root.create_array(
        "temperature",
        shape=(4, 6, 5),
        dtype="float32",
        chunks=(2, 6, 3),
        dimension_names=["time", "lat", "lon"],
        attributes={"units": "K", "scale": 0.5, "valid": [0, 400]},
        compressors=[ZstdCodec(level=3)],
    )
    tv = values("float32", (4, 6, 5))
    temp[...] = tv
    record("group_v3/temperature", temp, tv)
    sub = root.create_group("sub", attributes={"kind": "nested"})
    mask = sub.create_array("mask", shape=(7,), dtype="bool", chunks=(3,), dimension_names=["x"])
    mv = values("bool", (7,))
    mask[...] = mv
    record("group_v3/sub/mask", mask, mv)

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(
            {
                "zarr_version": zarr.__version__,
                "numpy_version": np.__version__,
                "arrays": MANIFEST,
                "empty": empty,
                "group": {
                    "path": "group_v3",
                    "attributes": dict(root.attrs),
                    "children": ["/sub", "/temperature"],
                    "sub_attributes": dict(sub.attrs),
                },
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
