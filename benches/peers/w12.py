"""W12: the ``tessera demo`` pipeline (src/bin/tessera/demo.rs) for the peers.

The tessera side (``examples/bench_workload.rs``, workload W12) repeats the
demo's three phases with the same code; this module holds what the NumPy and
Dask sides share: shapes, chunks, the deterministic parts of the field, the
Zarr layout and the scratch store.

* Sizes: S = the demo's ``small`` (90 x 181 x 360), M = ``medium``
  (365 x 721 x 1440); float32, chunks (73, 181, 360) (clipped to the shape).
* The field: ``where(missing, NaN, season * amp + base + noise)`` with the
  demo's latitude profile ``base``, seasonal amplitude ``amp``, seasonal cycle
  ``season`` and station mask ``missing`` (the same formulas, evaluated in
  float64 and rounded to float32 as the demo does).  ``noise`` is N(0, 2^2)
  from each side's own generator (NumPy / Dask ``default_rng(42)``), not
  tessera's counter-based one, so values differ between sides; the missing
  stations are the same.
* The store (Zarr v3, zarr-python): group ``demo.zarr`` (attribute
  ``title``), arrays ``temperature`` (time, lat, lon), ``time_mean`` (lat,
  lon) and ``anomaly`` (time, lat, lon); codecs ``bytes`` + ``blosc`` (zstd,
  level 3, byte shuffle, typesize 4), fill value NaN, the demo's attributes
  and dimension names.  zarr-python does not fsync; tessera's default
  durability (the demo's) syncs once at the end of each write.
* Phases (each side times all three, per repetition; the store of the
  previous repetition is removed untimed first):

  1. ``generate``: build the field, create the group and ``temperature``,
     write it.
  2. ``analyse``: open ``temperature``; write the NaN-aware time mean and
     the anomaly against it (Dask and tessera: one computation).
  3. ``reduce``: open ``temperature`` and ``anomaly``; NaN-aware global
     mean, anomaly std, max |anomaly| and the NaN count of ``temperature``
     (Dask and tessera: one computation).

The store lives in a fresh directory under ``$TMPDIR`` (default /tmp), removed
at exit.
"""

import atexit
import os
import shutil
import tempfile
import warnings

import numpy as np

SHAPES = {"S": (90, 181, 360), "M": (365, 721, 1440)}
SEED = 42
NOISE_STD = 2.0
CLEVEL = 3
DIMS = ("time", "lat", "lon")


def shape(size):
    return SHAPES[size]


def chunks(size):
    nt, nlat, nlon = SHAPES[size]
    return (min(73, nt), min(181, nlat), min(360, nlon))


def fields(nt, nlat, nlon):
    """The demo's deterministic inputs: base, amp (nlat x nlon), season
    (nt x 1 x 1), all float32, and the bool mask of missing stations."""
    lat = -90.0 + 180.0 * np.arange(nlat, dtype=np.float64) / (max(nlat, 2) - 1)
    lon = 360.0 * np.arange(nlon, dtype=np.float64) / nlon
    lr = np.radians(lat)[:, None]
    base = (250.0 + 50.0 * np.cos(lr) ** 2
            + 3.0 * np.sin(np.radians(2.0 * lon))[None, :]).astype(np.float32)
    amp = np.broadcast_to((15.0 * lat / 90.0)[:, None], (nlat, nlon)) \
        .astype(np.float32)
    d = np.arange(nt, dtype=np.float64)
    season = np.sin(2.0 * np.pi * (d - 105.0) / 365.25) \
        .astype(np.float32).reshape(nt, 1, 1)
    i = np.arange(nlat)[:, None]
    j = np.arange(nlon)[None, :]
    missing = (i * 7 + j * 13) % 997 == 0
    return base, amp, season, missing


def n_stations_missing(nlat, nlon):
    return int(fields(1, nlat, nlon)[3].sum())


def quiet():
    """All-NaN stations make the NaN-aware means warn; the demo expects NaN."""
    warnings.simplefilter("ignore", RuntimeWarning)


def configure_zarr(threads):
    """zarr-python's codec threads and I/O concurrency = threads (as W7)."""
    import zarr
    zarr.config.set({"async.concurrency": threads,
                     "threading.max_workers": threads})


def versions():
    import numcodecs
    import zarr
    return {"zarr": zarr.__version__, "numcodecs": numcodecs.__version__}


def scratch_store():
    """A fresh ``.../demo.zarr`` path under $TMPDIR, removed at exit."""
    d = tempfile.mkdtemp(prefix="tessera-w12-")
    atexit.register(shutil.rmtree, d, True)
    return os.path.join(d, "demo.zarr")


def remove(store):
    shutil.rmtree(store, ignore_errors=True)


def create_group(store):
    import zarr
    return zarr.create_group(
        store, zarr_format=3, overwrite=True,
        attributes={"title": "tessera demo: synthetic daily temperature"})


def open_group(store):
    import zarr
    return zarr.open_group(store, mode="r+", zarr_format=3)


def create_array(group, name, size):
    """``temperature``, ``anomaly`` or ``time_mean`` with the demo's metadata."""
    import zarr.codecs
    shp, chk, dims = SHAPES[size], chunks(size), DIMS
    attrs = {"units": "K"}
    if name == "time_mean":
        shp, chk, dims = shp[1:], chk[1:], DIMS[1:]
    else:
        attrs["long_name"] = ("air temperature at 2 m" if name == "temperature"
                              else "temperature anomaly against the time mean")
    return group.create_array(
        name, shape=shp, chunks=chk, dtype=np.float32,
        serializer=zarr.codecs.BytesCodec(endian="little"),
        compressors=zarr.codecs.BloscCodec(cname="zstd", clevel=CLEVEL,
                                           shuffle="shuffle", typesize=4),
        filters=None, fill_value=np.float32("nan"), dimension_names=dims,
        attributes=attrs, overwrite=True)


def stats(global_mean, anomaly_std, anomaly_max, missing):
    return {"global_mean": float(global_mean), "anomaly_std": float(anomaly_std),
            "anomaly_max": float(anomaly_max), "missing": int(missing)}
