"""Python peers of workload W7: write then read a Zarr v3 store.

Usage:
    python w7_peers.py --side {zarr-python,dask,tensorstore,codec}
        [--dir DIR] [--reps R] [--shape N] [--chunk C] [--threads T]

Run it with the python of ``<repo>/.venv-bench`` (created by ``run.py`` with
numpy and dask[array]).  ensure_packages(): W7 additionally needs, pip-installed
into that venv::

    .venv-bench/bin/pip install 'zarr>=3' tensorstore numcodecs 'dask[array]'

The array: float64, shape N x N (default 16384 x 16384 = 2 GiB), chunks C x C
(default 1024 x 1024), element (i, j) =
``280.0 + 20.0*sin(i/500.0)*cos(j/700.0) + 0.01*((i*16384 + j) % 1000)``,
evaluated left to right in float64 (the constant 16384 stays 16384 for any N).
Codecs (Zarr v3): ``bytes`` (little endian) + ``blosc`` (lz4, clevel 5, byte
shuffle, typesize 8, blocksize 0).  The store lives at ``DIR/<side>.zarr``.

Sides:

* ``zarr-python``: ``zarr.create_array`` + ``arr[:] = data``, then
  ``zarr.open_array`` + ``arr[:]``; ``async.concurrency`` and
  ``threading.max_workers`` of ``zarr.config`` set to T.
* ``dask``: ``da.from_array(data, chunks=C).to_zarr(...)`` (zarr 3 creates the
  array, then ``da.store`` without a lock), read by
  ``da.from_zarr(path).compute()``; threaded scheduler with T workers (zarr's
  own config set to T as for ``zarr-python``).
* ``tensorstore``: driver ``zarr3`` on a ``file`` kvstore, ``write(data)`` then
  ``read()``; context ``data_copy_concurrency`` and ``file_io_concurrency``
  limited to T.
* ``codec``: the in-memory codec ceiling, no store: the chunks (copied to
  contiguous arrays, untimed) are compressed with ``numcodecs.Blosc`` by a
  ThreadPoolExecutor of T threads (blosc's own threads off), then
  decompressed; write = compress all, read = decompress all (each into a
  fresh buffer, not reassembled; the check compares chunk by chunk).
  ``stored_bytes`` is the total compressed size.

Protocol: build the input (untimed); one untimed warm-up write + read; then R
timed repetitions of (write the whole array, read it back whole into a NumPy
array), write and read timed separately with ``time.perf_counter``.  A write
includes creating/opening the array (metadata), a read includes opening it.
The previous store is removed (untimed) before every write.  The read-back
array must equal the input exactly (checked untimed after the warm-up and
after the last repetition).  One JSON line goes to stdout (besides the keys
asked for: ``checksum`` = float(input.sum()) and the thread settings used),
logs to stderr.
The store is removed at the end.  Reads hit the OS page cache (just written).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import time

import numpy as np

SIDES = ("zarr-python", "dask", "tensorstore", "codec")
CNAME, CLEVEL, TYPESIZE = "lz4", 5, 8
FLAT_STRIDE = 16384        # the formula's i*16384 + j, whatever N is


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def make_data(n, rows=256):
    """The W7 input, built row-block by row-block to keep temporaries small."""
    out = np.empty((n, n), dtype=np.float64)
    j = np.arange(n, dtype=np.int64)
    cj = np.cos(j / 700.0)[None, :]
    for r0 in range(0, n, rows):
        i = np.arange(r0, min(r0 + rows, n), dtype=np.int64)[:, None]
        k = (i * FLAT_STRIDE + j[None, :]) % 1000
        out[r0:r0 + len(i)] = 280.0 + 20.0 * np.sin(i / 500.0) * cj + 0.01 * k
    return out


def dir_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def remove(path):
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- sides
# Each returns (write(data), read() -> ndarray, stored_bytes(), versions).

def zarr_config(threads):
    import zarr
    zarr.config.set({"async.concurrency": threads,
                     "threading.max_workers": threads})
    return {"async.concurrency": zarr.config.get("async.concurrency"),
            "threading.max_workers": zarr.config.get("threading.max_workers")}


def side_zarr(path, n, c, threads):
    import numcodecs
    import zarr
    import zarr.codecs
    cfg = zarr_config(threads)

    def compressors():
        return zarr.codecs.BloscCodec(cname=CNAME, clevel=CLEVEL,
                                      shuffle="shuffle", typesize=TYPESIZE)

    def write(data):
        arr = zarr.create_array(
            store=path, shape=data.shape, chunks=(c, c), dtype=data.dtype,
            serializer=zarr.codecs.BytesCodec(endian="little"),
            compressors=compressors(), filters=None, fill_value=0.0,
            zarr_format=3)
        arr[:] = data

    def read():
        return zarr.open_array(path, mode="r", zarr_format=3)[:]

    versions = {"zarr": zarr.__version__, "numcodecs": numcodecs.__version__}
    return write, read, lambda: dir_bytes(path), versions, {"zarr_config": cfg}


def side_dask(path, n, c, threads):
    import dask
    import dask.array as da
    import numcodecs
    import zarr
    import zarr.codecs
    cfg = zarr_config(threads)
    dask.config.set(scheduler="threads", num_workers=threads)

    def write(data):
        # mode="a" (default) on a removed path: mode="w" would make dask
        # store under a global lock, serialising the chunk writes.
        da.from_array(data, chunks=(c, c)).to_zarr(
            path, zarr_format=3,
            serializer=zarr.codecs.BytesCodec(endian="little"),
            compressors=zarr.codecs.BloscCodec(cname=CNAME, clevel=CLEVEL,
                                               shuffle="shuffle",
                                               typesize=TYPESIZE),
            filters=None, fill_value=0.0)

    def read():
        return da.from_zarr(path).compute()

    versions = {"dask": dask.__version__, "zarr": zarr.__version__,
                "numcodecs": numcodecs.__version__}
    extra = {"zarr_config": cfg, "dask_scheduler": "threads",
             "dask_num_workers": threads}
    return write, read, lambda: dir_bytes(path), versions, extra


def side_tensorstore(path, n, c, threads):
    import tensorstore as ts
    context = ts.Context({"data_copy_concurrency": {"limit": threads},
                          "file_io_concurrency": {"limit": threads}})
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": path},
        "metadata": {
            "shape": [n, n],
            "data_type": "float64",
            "chunk_grid": {"name": "regular",
                           "configuration": {"chunk_shape": [c, c]}},
            "chunk_key_encoding": {"name": "default"},
            "fill_value": 0.0,
            "codecs": [
                {"name": "bytes", "configuration": {"endian": "little"}},
                {"name": "blosc", "configuration": {
                    "cname": CNAME, "clevel": CLEVEL, "shuffle": "shuffle",
                    "typesize": TYPESIZE, "blocksize": 0}},
            ],
        },
    }
    read_spec = {"driver": "zarr3",
                 "kvstore": {"driver": "file", "path": path}}

    def write(data):
        arr = ts.open(spec, create=True, delete_existing=True,
                      context=context).result()
        arr.write(data).result()

    def read():
        return ts.open(read_spec, open=True, context=context).result() \
                 .read().result()

    from importlib.metadata import version
    versions = {"tensorstore": version("tensorstore")}
    extra = {"ts_context": {"data_copy_concurrency": threads,
                            "file_io_concurrency": threads}}
    return write, read, lambda: dir_bytes(path), versions, extra


def side_codec(path, n, c, threads):
    from concurrent.futures import ThreadPoolExecutor

    import numcodecs
    import numcodecs.blosc
    from numcodecs import Blosc
    numcodecs.blosc.use_threads = False
    codec = Blosc(cname=CNAME, clevel=CLEVEL, shuffle=Blosc.SHUFFLE,
                  typesize=TYPESIZE, blocksize=0)
    pool = ThreadPoolExecutor(max_workers=threads)
    state = {"data": None, "chunks": None, "compressed": None}

    def split(data):
        """Contiguous copies of the C x C chunks, row-major (untimed)."""
        if state["data"] is not data:
            state["data"] = data
            state["chunks"] = [np.ascontiguousarray(data[r:r + c, q:q + c])
                               for r in range(0, n, c)
                               for q in range(0, n, c)]

    def reset():
        state["compressed"] = None

    def write(data):
        state["compressed"] = list(pool.map(codec.encode, state["chunks"]))

    def read():
        return list(pool.map(codec.decode, state["compressed"]))

    def equal(data, raw):
        """The decompressed chunks equal the input's chunks (untimed)."""
        return len(raw) == len(state["chunks"]) and all(
            np.array_equal(np.frombuffer(b, dtype=np.float64)
                           .reshape(x.shape), x)
            for b, x in zip(raw, state["chunks"]))

    versions = {"numcodecs": numcodecs.__version__,
                "blosc": numcodecs.blosc.VERSION_STRING}
    extra = {"blosc_use_threads": numcodecs.blosc.use_threads,
             "prepare": split, "reset": reset, "equal": equal}
    return (write, read,
            lambda: sum(len(b) for b in state["compressed"]), versions, extra)


BUILDERS = {"zarr-python": side_zarr, "dask": side_dask,
            "tensorstore": side_tensorstore, "codec": side_codec}


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--side", choices=SIDES, required=True)
    p.add_argument("--dir", default="/tmp/w7",
                   help="scratch directory (store: DIR/<side>.zarr)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--shape", type=int, default=16384)
    p.add_argument("--chunk", type=int, default=1024)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    n, c, t = a.shape, a.chunk, a.threads
    if a.reps < 1 or t < 1:
        p.error("--reps and --threads must be >= 1")
    if n % c:
        p.error("--shape must be a multiple of --chunk")
    os.makedirs(a.dir, exist_ok=True)
    path = os.path.abspath(os.path.join(a.dir, f"{a.side}.zarr"))

    log(f"W7 {a.side}: {n}x{n} f64, chunks {c}x{c}, {t} threads, {path}")
    t0 = time.perf_counter()
    data = make_data(n)
    log(f"  input built in {time.perf_counter() - t0:.2f} s "
        f"({data.nbytes / 2**30:.3f} GiB)")
    write, read, stored, versions, extra = BUILDERS[a.side](path, n, c, t)
    prepare = extra.pop("prepare", lambda d: None)
    reset = extra.pop("reset", lambda: remove(path))
    equal = extra.pop("equal", lambda d, x: x.shape == d.shape and
                      x.dtype == d.dtype and np.array_equal(x, d))

    def verify(back):
        if not equal(data, back):
            log("  READ-BACK MISMATCH")
            sys.exit(1)

    try:
        prepare(data)                                # untimed
        reset()                                      # warm-up, untimed
        write(data)
        verify(read())
        log("  warm-up done, read-back verified")
        w_times, r_times = [], []
        for rep in range(a.reps):
            back = None
            reset()
            t0 = time.perf_counter()
            write(data)
            w_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            back = read()
            r_times.append(time.perf_counter() - t0)
            log(f"  rep {rep}: write {w_times[-1]:.3f} s, "
                f"read {r_times[-1]:.3f} s")
        verify(back)
        del back
        stored_bytes = stored()
    finally:
        remove(path)

    wm, rm = statistics.median(w_times), statistics.median(r_times)
    versions.update({"numpy": np.__version__,
                     "python": sys.version.split()[0]})
    out = {
        "side": a.side, "workload": "W7", "shape": [n, n], "chunk": [c, c],
        "threads": t, "write_s": w_times, "read_s": r_times,
        "write_median_s": wm, "read_median_s": rm,
        "write_mb_s": data.nbytes / 1e6 / wm,
        "read_mb_s": data.nbytes / 1e6 / rm,
        "stored_bytes": stored_bytes,
        "peak_rss_bytes":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "checksum": float(data.sum()),
        "versions": versions,
    }
    out.update(extra)
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
