"""Reads Zarr stores written by tessera with zarr-python and describes them.

Usage: python check_store.py OUTDIR STORE [STORE ...]

For each STORE (a directory holding an array or a group), opens it with zarr-python and
prints one JSON document on stdout: a list with, per store, what zarr-python reports. For an
array: the format, dtype, shape, chunks, shards, fill value, attributes, dimension names and
codecs; its values (C order, little-endian) are saved as OUTDIR/<k>.npy, where k is the
store's position on the command line (0, 1, ...). For a group: its attributes and the paths
of all its members. tests/zarr_interop.rs compares them with what it wrote.
"""

import json
import os
import sys

import numpy as np
import zarr


def json_scalar(v):
    v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def codec_json(c):
    """A codec as {"name", "configuration"} (v3 codecs, and numcodecs ones for v2)."""
    if hasattr(c, "to_dict"):
        d = c.to_dict()
        return {"name": d["name"], "configuration": d.get("configuration", {})}
    conf = dict(c.get_config())
    return {"name": conf.pop("id"), "configuration": conf}


def describe(k, path, out):
    node = zarr.open(path, mode="r")
    if isinstance(node, zarr.Group):
        return {
            "path": path,
            "node_type": "group",
            "zarr_format": node.metadata.zarr_format,
            "attributes": dict(node.attrs),
            "members": sorted(name for name, _ in node.members(max_depth=None)),
        }
    arr = node
    data = np.asarray(arr[...])
    # np.array keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d).
    data = np.array(data, dtype=data.dtype.newbyteorder("<"), order="C")
    np.save(os.path.join(out, f"{k}.npy"), data)
    meta = arr.metadata.to_dict()
    return {
        "path": path,
        "node_type": "array",
        "zarr_format": arr.metadata.zarr_format,
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "chunks": list(arr.chunks),
        "shards": list(arr.shards) if arr.shards is not None else None,
        "fill_value": json_scalar(arr.fill_value),
        "attributes": dict(arr.attrs),
        "dimension_names": list(meta["dimension_names"]) if meta.get("dimension_names") else None,
        "serializer": codec_json(arr.serializer) if arr.serializer is not None else None,
        "compressors": [codec_json(c) for c in arr.compressors],
        "filters": [codec_json(c) for c in arr.filters],
        "nchunks_initialized": arr.nchunks_initialized,
        "dimension_separator": meta.get("dimension_separator"),
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    result = [describe(k, p, out) for k, p in enumerate(sys.argv[2:])]
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
