//! Zarr stores as sources and sinks of lazy arrays (through the `zarrs` crate).
//!
//! - [`open_zarr`] / [`open_zarr_any`] open a stored array (Zarr v2 or v3, every codec zarrs
//!   supports by default: blosc, zstd, gzip, crc32c, sharding, transpose) as a lazy array.
//!   Nothing is read until a computation needs it; tasks decode the chunks they need in
//!   parallel, and slicing or culling means unneeded chunks are never read.
//! - [`to_zarr`] records a write; [`ZarrWrite::compute`] (or [`write_all`] for several
//!   outputs sharing inputs) runs it: one task per storage chunk or shard, each chunk file
//!   replaced atomically, one sync at the end, and the metadata written last, so a failed
//!   write never leaves a store that looks complete. Running the same write again with
//!   [`WriteOptions::resume`] finishes it, computing only the chunks not stored yet.
//!   [`write_and_compute`] writes arrays and computes others (reductions, say) in one pass.
//! - [`info()`] describes a store's tree of groups and arrays (what `tessera info` prints).
//!
//! ```
//! use tessera::zarr::{self, WriteOptions};
//! use tessera::Array;
//! let dir = std::env::temp_dir().join(format!("tessera-doc-{}", std::process::id()));
//! let x = Array::<f64>::arange(0.0, 100.0, 1.0, 30)?;
//! zarr::to_zarr(&x, &dir, WriteOptions::default().overwrite(true))?.compute()?;
//! let y = zarr::open_zarr::<f64>(&dir)?;
//! assert_eq!(y.chunks().chunks(0), vec![30, 30, 30, 10]);
//! assert_eq!(y.sum(..)?.compute_scalar()?, 4950.0);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), tessera::Error>(())
//! ```

mod complex;
mod info;
mod metadata;
mod options;
mod read;
#[cfg(feature = "s3")]
pub mod s3;
pub mod store;
mod write;

pub use complex::{open_zarr_complex, open_zarr_complex_with, to_zarr_complex};
pub use info::{info, ArrayInfo, NodeInfo, NodeKind};
pub use metadata::{DimensionSeparator, StoreMetadata, ZarrFormat, V2_DIMENSIONS_ATTRIBUTE};
pub use options::{
    BloscCompressor, Compression, MissingChunks, ReadOptions, Shuffle, WriteOptions,
};
pub use read::{MAX_ARRAY_BYTES, MAX_CHUNK_BYTES};
pub use store::Durability;
#[cfg(feature = "mpi")]
pub(crate) use write::write_ranked;
pub use write::{write_all, write_and_compute, WriteReport, ZarrWrite};

use crate::array::AnyArray;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::Array;
use std::path::Path;
use zarrs::array::{data_type, DataType};

/// Opens the Zarr array in directory `path` as a lazy `Array<T>`, chunked as stored.
///
/// Fails with a clear error if the directory holds no array, its metadata is invalid, or the
/// stored element type is not `T` (see [`open_zarr_any`] for unknown types).
pub fn open_zarr<T: Element>(path: impl AsRef<Path>) -> Result<Array<T>> {
    read::open_typed(path.as_ref(), &ReadOptions::default())
}

/// [`open_zarr`] with options (a different chunking, missing-chunk policy).
pub fn open_zarr_with<T: Element>(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Array<T>> {
    read::open_typed(path.as_ref(), opts)
}

/// Opens the Zarr array in directory `path` whatever its element type.
pub fn open_zarr_any(path: impl AsRef<Path>) -> Result<AnyArray> {
    open_zarr_any_with(path, &ReadOptions::default())
}

/// [`open_zarr_any`] with options.
pub fn open_zarr_any_with(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<AnyArray> {
    read::lazy(read::open_local(path.as_ref())?, opts)
}

/// Records a write of `array` to a new Zarr array (v3, or v2 by [`WriteOptions::format`])
/// in directory `path`; run it with [`ZarrWrite::compute`], or several at once with
/// [`write_all`].
///
/// The options are checked here; the target is only touched when the write runs. An
/// existing non-empty target is an error unless [`WriteOptions::overwrite`] is set, or
/// [`WriteOptions::resume`] is set and the target holds an unfinished (or finished) write
/// of the same array.
pub fn to_zarr(
    array: &(impl Clone + Into<AnyArray>),
    path: impl AsRef<Path>,
    opts: WriteOptions,
) -> Result<ZarrWrite> {
    ZarrWrite::new(
        &array.clone().into(),
        write::Target::Local(path.as_ref().to_path_buf()),
        opts,
    )
}

/// Records a write of `array` into the region starting at `offset` of the existing Zarr
/// array in `path` (same element type). Stored chunks the region covers only in part are
/// read, updated and rewritten by one task each, so the tasks of one write never lose each
/// other's updates. Values computed from the same array must not be written into it
/// (a task may read a chunk another task has already replaced).
///
/// ```
/// use tessera::zarr::{self, WriteOptions};
/// use tessera::Array;
/// let dir = std::env::temp_dir().join(format!("tessera-doc-region-{}", std::process::id()));
/// let z = Array::<i32>::zeros(&[10], 4)?;
/// zarr::to_zarr(&z, &dir, WriteOptions::default().overwrite(true))?.compute()?;
/// let ones = Array::<i32>::ones(&[3], 3)?;
/// zarr::to_zarr_region(&ones, &dir, &[5])?.compute()?;
/// let back = zarr::open_zarr::<i32>(&dir)?.compute()?;
/// assert_eq!(back.into_raw_vec_and_offset().0, vec![0, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn to_zarr_region(
    array: &(impl Clone + Into<AnyArray>),
    path: impl AsRef<Path>,
    offset: &[usize],
) -> Result<ZarrWrite> {
    ZarrWrite::new_region(
        &array.clone().into(),
        write::Target::Local(path.as_ref().to_path_buf()),
        offset,
    )
}

/// Creates (or replaces the metadata of) a Zarr v3 group in directory `path`, so that arrays
/// written below it form one dataset.
pub fn create_group(
    path: impl AsRef<Path>,
    attributes: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let path = path.as_ref();
    let name = path.display().to_string();
    std::fs::create_dir_all(path).map_err(|e| store_error(&name, "/", None, e))?;
    let storage = store::LocalStore::new(path, Durability::AtEnd);
    let mut g = zarrs::group::GroupBuilder::new();
    g.attributes(attributes);
    let g = g
        .build(storage, "/")
        .map_err(|e| store_error(&name, "/", None, e))?;
    g.store_metadata()
        .map_err(|e| store_error(&name, "/", None, e))
}

/// Builds an [`Error::Store`].
pub(crate) fn store_error(
    store: &str,
    array: &str,
    chunk: Option<String>,
    msg: impl std::fmt::Display,
) -> Error {
    Error::Store {
        store: store.to_string(),
        array: array.to_string(),
        chunk,
        msg: msg.to_string(),
    }
}

/// The tessera element type of a Zarr data type, if tessera supports it.
pub(crate) fn dtype_of(dt: &DataType) -> Option<DType> {
    DType::ALL.into_iter().find(|&d| zarr_data_type(d) == *dt)
}

/// The type of the parts of a complex Zarr data type (`complex64`: `f32`, `complex128`:
/// `f64`).
pub(crate) fn complex_part_of(dt: &DataType) -> Option<DType> {
    if *dt == data_type::complex64() {
        Some(DType::F32)
    } else if *dt == data_type::complex128() {
        Some(DType::F64)
    } else {
        None
    }
}

/// The Zarr data type of a tessera element type.
pub(crate) fn zarr_data_type(d: DType) -> DataType {
    match d {
        DType::Bool => data_type::bool(),
        DType::I8 => data_type::int8(),
        DType::I16 => data_type::int16(),
        DType::I32 => data_type::int32(),
        DType::I64 => data_type::int64(),
        DType::U8 => data_type::uint8(),
        DType::U16 => data_type::uint16(),
        DType::U32 => data_type::uint32(),
        DType::U64 => data_type::uint64(),
        DType::F32 => data_type::float32(),
        DType::F64 => data_type::float64(),
    }
}
