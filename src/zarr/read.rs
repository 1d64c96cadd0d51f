//! Opening Zarr arrays as lazy sources: metadata checks, the chunk grid, and the
//! [`ChunkSource`] that tasks call to decode the region they need.

use super::metadata::StoreMetadata;
use super::store::LocalStore;
use super::{dtype_of, store_error, MissingChunks, ReadOptions};
use crate::array::AnyArray;
use crate::chunks::{next_in_box, AxisChunks, ChunkGrid};
use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::error::{Error, Result};
use crate::expr::{ChunkSource, Node, Op};
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::{
    Array as ZArray, ArrayBytesFixedDisjointView, ArrayShardedExt, ArraySubset, CodecOptions,
};
use zarrs::storage::byte_range::ByteRange;
use zarrs::storage::ReadableStorageTraits;

/// The largest array tessera agrees to open: 64 PiB (larger shapes in metadata are taken
/// as corrupt rather than as data).
pub const MAX_ARRAY_BYTES: u64 = 1 << 56;

/// The largest stored chunk tessera agrees to decode (a bound on what metadata can make it
/// allocate): 16 GiB.
pub const MAX_CHUNK_BYTES: u64 = 16 << 30;

/// An opened Zarr array: the zarrs handle plus where it lives, for error messages.
pub(crate) struct Opened {
    pub(crate) array: ZArray<dyn ReadableStorageTraits>,
    pub(crate) store: String,
    pub(crate) path: String,
    pub(crate) dtype: DType,
    /// The stored elements are complex numbers with parts of type `dtype`
    /// (`complex64`: `f32` parts, `complex128`: `f64`), read one plane at a time.
    pub(crate) complex: bool,
    pub(crate) shape: Vec<usize>,
    pub(crate) grid: ChunkGrid,
    /// The store's directory, for local stores.
    pub(crate) local_root: Option<std::path::PathBuf>,
    /// Attributes, fill value, dimension names.
    pub(crate) metadata: Arc<StoreMetadata>,
}

/// Opens the array at `path` (a directory holding `zarr.json` or `.zarray`), checking that
/// its metadata is usable before anything is read.
pub(crate) fn open_local(path: &Path) -> Result<Opened> {
    let store = path.display().to_string();
    if !path.is_dir() {
        return Err(store_error(&store, "/", None, "no such directory"));
    }
    let storage: Arc<dyn ReadableStorageTraits> =
        LocalStore::new(path, super::store::Durability::AtEnd);
    let mut opened = open_in(storage, store, "/")?;
    opened.local_root = Some(path.to_path_buf());
    Ok(opened)
}

/// Opens the array at `array_path` inside `storage`.
pub(crate) fn open_in(
    storage: Arc<dyn ReadableStorageTraits>,
    store: String,
    array_path: &str,
) -> Result<Opened> {
    // zarrs validates metadata; a panic on a malformed document must not abort the caller.
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ZArray::open(storage, array_path)
    }))
    .map_err(|_| store_error(&store, array_path, None, "metadata could not be parsed"))?;
    let array = opened.map_err(|e| store_error(&store, array_path, None, e))?;
    let (dtype, complex) = match (
        dtype_of(array.data_type()),
        super::complex_part_of(array.data_type()),
    ) {
        (Some(d), _) => (d, false),
        (None, Some(part)) => (part, true),
        (None, None) => {
            return Err(store_error(
                &store,
                array_path,
                None,
                format!(
                    "data type {} is not supported (tessera reads bool, int8..int64, uint8..uint64, float32, float64, complex64, complex128)",
                    array.data_type()
                ),
            ))
        }
    };
    let elem_size = dtype.size() * if complex { 2 } else { 1 };
    let shape = checked_shape(&array, &store, array_path, elem_size)?;
    let grid = grid_of(&array, &shape, &store, array_path)?;
    // Irregular grids can hold one huge chunk anywhere: bound the largest one.
    let largest = (0..shape.len())
        .map(|ax| grid.axis(ax).max_size() as u64)
        .try_fold(elem_size as u64, |acc, c| acc.checked_mul(c.max(1)));
    if largest.is_none_or(|b| b > MAX_CHUNK_BYTES) {
        return Err(store_error(
            &store,
            array_path,
            None,
            format!(
                "a chunk is larger than the {} GiB tessera decodes per chunk",
                MAX_CHUNK_BYTES >> 30
            ),
        ));
    }
    let metadata = Arc::new(StoreMetadata::of(&array, dtype));
    Ok(Opened {
        array,
        store,
        path: array_path.to_string(),
        dtype,
        complex,
        shape,
        grid,
        local_root: None,
        metadata,
    })
}

/// The shape as `usize`, refusing shapes and chunk shapes no machine could hold.
fn checked_shape(
    array: &ZArray<dyn ReadableStorageTraits>,
    store: &str,
    path: &str,
    elem_size: usize,
) -> Result<Vec<usize>> {
    let err = |m: String| store_error(store, path, None, m);
    let shape = array.shape();
    let mut n: u64 = 1;
    for &d in shape {
        n = n.checked_mul(d).ok_or_else(|| {
            err(format!(
                "shape {shape:?} has more elements than a u64 holds"
            ))
        })?;
    }
    let bytes = n.checked_mul(elem_size as u64);
    if bytes.is_none_or(|b| b > MAX_ARRAY_BYTES.min(isize::MAX as u64)) {
        return Err(err(format!(
            "shape {shape:?} holds more than the {} PiB tessera opens",
            MAX_ARRAY_BYTES >> 50
        )));
    }
    let zeros = vec![0u64; shape.len()];
    let chunk = array
        .chunk_shape(&zeros)
        .map_err(|e| err(format!("chunk shape: {e}")))?;
    let chunk_elems = chunk
        .iter()
        .try_fold(1u64, |acc, c| acc.checked_mul(c.get()));
    let chunk_bytes = chunk_elems.and_then(|e| e.checked_mul(elem_size as u64));
    if chunk_bytes.is_none_or(|b| b > MAX_CHUNK_BYTES) {
        return Err(err(format!(
            "chunk shape {:?} is larger than the {} GiB tessera decodes per chunk",
            chunk.iter().map(|c| c.get()).collect::<Vec<_>>(),
            MAX_CHUNK_BYTES >> 30
        )));
    }
    shape
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| err(format!("shape {shape:?} overflows usize"))))
        .collect()
}

/// The storage chunking as a tessera grid (edge chunks clipped to the array). Regular grids
/// cost O(1) per axis whatever the chunk count; other grids are listed chunk by chunk, up to
/// a bound.
fn grid_of(
    array: &ZArray<dyn ReadableStorageTraits>,
    shape: &[usize],
    store: &str,
    path: &str,
) -> Result<ChunkGrid> {
    const MAX_LISTED_CHUNKS: u64 = 1 << 24;
    let nd = shape.len();
    let counts = array.chunk_grid_shape().to_vec();
    let zeros = vec![0u64; nd];
    let first = array
        .chunk_shape(&zeros)
        .map_err(|e| store_error(store, path, None, format!("chunk shape: {e}")))?;
    let regular = match serde_json::to_value(array.metadata()) {
        Ok(m) => match m.get("chunk_grid") {
            Some(g) => g.get("name").and_then(|n| n.as_str()) == Some("regular"),
            None => true, // Zarr v2 grids are always regular
        },
        Err(_) => false,
    };
    let mut axes = Vec::with_capacity(nd);
    for ax in 0..nd {
        if shape[ax] == 0 {
            axes.push(AxisChunks::regular(1, 0));
            continue;
        }
        if regular {
            axes.push(AxisChunks::regular(first[ax].get() as usize, shape[ax]));
            continue;
        }
        if counts[ax] > MAX_LISTED_CHUNKS {
            return Err(store_error(
                store,
                path,
                None,
                format!(
                    "irregular chunk grid with {} chunks along axis {ax}",
                    counts[ax]
                ),
            ));
        }
        let mut idx = vec![0u64; nd];
        let mut sizes = Vec::new();
        for k in 0..counts[ax] {
            idx[ax] = k;
            let s = array
                .chunk_subset_bounded(&idx)
                .map(|s| s.shape()[ax] as usize)
                .unwrap_or(0);
            sizes.push(s);
        }
        axes.push(AxisChunks::from_sizes(sizes));
    }
    Ok(ChunkGrid::from_axes(axes))
}

/// The lazy array over an opened Zarr array.
pub(crate) fn lazy(opened: Opened, opts: &ReadOptions) -> Result<AnyArray> {
    if opened.complex {
        return Err(store_error(
            &opened.store,
            &opened.path,
            None,
            format!(
                "the stored data type is {}: open it with open_zarr_complex",
                opened.array.data_type()
            ),
        ));
    }
    let source = ZarrSource::new(opened, opts);
    let (shape, grid, dtype) = (
        source.opened.shape.clone(),
        source.opened.grid.clone(),
        source.opened.dtype,
    );
    let node = Node::new(dtype, shape, grid, Op::Source(Arc::new(source)));
    let any = AnyArray::from_node(node);
    match &opts.chunks {
        Some(spec) => any.rechunk(spec.clone()),
        None => Ok(any),
    }
}

impl Opened {
    /// Bytes per stored element (both parts of a complex number).
    pub(crate) fn elem_size(&self) -> usize {
        self.dtype.size() * if self.complex { 2 } else { 1 }
    }
}

impl ZarrSource {
    /// The source reading `opened` with the missing-chunk policy of `opts`.
    pub(crate) fn new(opened: Opened, opts: &ReadOptions) -> ZarrSource {
        let sharded = opened.array.is_sharded();
        let raw = !sharded && opened.array.codecs().bytes_to_bytes_codecs().is_empty();
        let shard_index = if sharded && opts.missing_chunks == MissingChunks::Error {
            ShardIndex::of(&opened.array)
        } else {
            None
        };
        ZarrSource {
            opened,
            missing: opts.missing_chunks,
            codec: CodecOptions::default().with_concurrent_target(1),
            raw,
            shard_index,
        }
    }

    pub(crate) fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Checks what `read_into` checks before decoding `region`: chunks present (under
    /// [`MissingChunks::Error`]) and uncompressed chunks of the right size.
    pub(crate) fn check_region(&self, region: &[(usize, usize)]) -> Result<()> {
        if self.missing == MissingChunks::Error {
            self.check_present(region)?;
        }
        if self.raw && !self.is_whole_chunk(region) {
            self.check_raw_sizes(region)?;
        }
        Ok(())
    }
}

/// Reads regions of a Zarr array for tasks.
pub(crate) struct ZarrSource {
    opened: Opened,
    missing: MissingChunks,
    codec: CodecOptions,
    /// Chunks are stored uncompressed: partial reads take byte ranges without decoding the
    /// whole chunk, so their stored size is checked first.
    raw: bool,
    /// Where shard indexes are, for checking inner chunks under [`MissingChunks::Error`].
    shard_index: Option<ShardIndex>,
}

/// The layout of a sharded array's shard index (standard layouts only: little-endian
/// `bytes`, optionally followed by `crc32c`).
struct ShardIndex {
    shard: Vec<u64>,
    inner: Vec<u64>,
    at_end: bool,
    crc: bool,
}

impl ShardIndex {
    fn of(array: &ZArray<dyn ReadableStorageTraits>) -> Option<ShardIndex> {
        let meta = serde_json::to_value(array.metadata()).ok()?;
        let codecs = meta.get("codecs")?.as_array()?;
        let [sharding] = codecs.as_slice() else {
            return None;
        };
        let conf = sharding.get("configuration")?;
        let inner: Vec<u64> = conf
            .get("chunk_shape")?
            .as_array()?
            .iter()
            .map(|v| v.as_u64())
            .collect::<Option<_>>()?;
        let names: Vec<String> = conf
            .get("index_codecs")
            .and_then(|c| c.as_array())
            .map(|c| {
                c.iter()
                    .filter_map(|x| match x {
                        serde_json::Value::String(s) => Some(s.clone()),
                        other => other.get("name")?.as_str().map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_else(|| vec!["bytes".into(), "crc32c".into()]);
        let crc = match names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["bytes"] => false,
            ["bytes", "crc32c"] => true,
            _ => return None,
        };
        let at_end = conf.get("index_location").and_then(|v| v.as_str()) != Some("start");
        let zeros = vec![0u64; array.dimensionality()];
        let shard = array
            .chunk_shape(&zeros)
            .ok()?
            .iter()
            .map(|c| c.get())
            .collect();
        (inner.iter().all(|&c| c > 0)).then_some(ShardIndex {
            shard,
            inner,
            at_end,
            crc,
        })
    }
}

impl std::fmt::Debug for ZarrSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZarrSource({}{})", self.opened.store, self.opened.path)
    }
}

thread_local! {
    /// Decode buffer for `bool` arrays (decoded as bytes, then checked).
    static BOOL_BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl ZarrSource {
    fn err(&self, region: &[(usize, usize)], msg: impl std::fmt::Display) -> Error {
        store_error(
            &self.opened.store,
            &self.opened.path,
            Some(self.chunk_keys(region)),
            msg,
        )
    }

    /// The keys of the stored chunks a region touches, for error messages.
    fn chunk_keys(&self, region: &[(usize, usize)]) -> String {
        let a = &self.opened.array;
        let (first, last) = self.opened.grid.chunk_box(region);
        let first: Vec<u64> = first.iter().map(|&i| i as u64).collect();
        let last: Vec<u64> = last.iter().map(|&i| i as u64).collect();
        if first == last {
            a.chunk_key(&first).to_string()
        } else {
            format!("{} to {}", a.chunk_key(&first), a.chunk_key(&last))
        }
    }

    /// Calls `f` with the index of every stored chunk (or shard) the region touches.
    fn for_each_chunk(
        &self,
        region: &[(usize, usize)],
        mut f: impl FnMut(&[u64]) -> Result<()>,
    ) -> Result<()> {
        let (first, last) = self.opened.grid.chunk_box(region);
        let mut idx = first.clone();
        loop {
            let ci: Vec<u64> = idx.iter().map(|&i| i as u64).collect();
            f(&ci)?;
            if !next_in_box(&mut idx, &first, &last) {
                return Ok(());
            }
        }
    }

    /// With [`MissingChunks::Error`], fails if a stored chunk of the region (or an inner
    /// chunk of a shard) is absent.
    fn check_present(&self, region: &[(usize, usize)]) -> Result<()> {
        let array = &self.opened.array;
        self.for_each_chunk(region, |ci| {
            let key = array.chunk_key(ci);
            let present = array
                .storage()
                .size_key(&key)
                .map_err(|e| self.err(region, e))?;
            if present.is_none() {
                return Err(self.missing(key.to_string()));
            }
            Ok(())
        })?;
        if let Some(index) = &self.shard_index {
            self.check_inner_chunks(region, index)?;
        }
        Ok(())
    }

    /// Fails if an inner chunk of a shard that the region touches is absent from the shard
    /// index (offset and size both `u64::MAX`, as the sharding codec specifies).
    fn check_inner_chunks(&self, region: &[(usize, usize)], index: &ShardIndex) -> Result<()> {
        let array = &self.opened.array;
        let nd = region.len();
        let per_shard: Vec<u64> = (0..nd)
            .map(|ax| index.shard[ax].div_ceil(index.inner[ax]))
            .collect();
        let n_inner: u64 = per_shard.iter().product();
        let index_len = n_inner * 16 + if index.crc { 4 } else { 0 };
        self.for_each_chunk(region, |shard| {
            let key = array.chunk_key(shard);
            let range = if index.at_end {
                ByteRange::Suffix(index_len)
            } else {
                ByteRange::FromStart(0, Some(index_len))
            };
            let size = array
                .storage()
                .size_key(&key)
                .map_err(|e| self.err(region, e))?;
            if size.is_none_or(|s| s < index_len) {
                return Ok(()); // absent shard (checked above) or corrupt: the decoder reports it
            }
            let bytes = array
                .storage()
                .get_partial(&key, range)
                .map_err(|e| self.err(region, e))?
                .unwrap_or_default();
            // The inner chunks of this shard that the region overlaps.
            let origin: Vec<u64> = (0..nd).map(|ax| shard[ax] * index.shard[ax]).collect();
            let lo: Vec<u64> = (0..nd)
                .map(|ax| (region[ax].0 as u64).max(origin[ax]) - origin[ax])
                .collect();
            let hi: Vec<u64> = (0..nd)
                .map(|ax| {
                    ((region[ax].0 + region[ax].1) as u64).min(origin[ax] + index.shard[ax])
                        - origin[ax]
                })
                .collect();
            let first: Vec<u64> = (0..nd).map(|ax| lo[ax] / index.inner[ax]).collect();
            let last: Vec<u64> = (0..nd)
                .map(|ax| (hi[ax].max(lo[ax] + 1) - 1) / index.inner[ax])
                .collect();
            let mut idx = first.clone();
            loop {
                let lin = idx
                    .iter()
                    .zip(&per_shard)
                    .fold(0u64, |acc, (&i, &n)| acc * n + i) as usize;
                let entry = |k: usize| -> Option<u64> {
                    bytes
                        .get(k * 8..k * 8 + 8)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_le_bytes)
                };
                if entry(2 * lin) == Some(u64::MAX) && entry(2 * lin + 1) == Some(u64::MAX) {
                    return Err(self.missing(format!("{key} (inner chunk {idx:?})")));
                }
                if !next_in_box(&mut idx, &first, &last) {
                    return Ok(());
                }
            }
        })
    }

    fn missing(&self, key: String) -> Error {
        store_error(
            &self.opened.store,
            &self.opened.path,
            Some(key),
            "chunk is missing (reading missing chunks as the fill value is turned off)",
        )
    }

    /// Whether `region` is exactly one stored chunk, whole (zarrs then decodes the full value,
    /// which checks its size; edge chunks extend past the array and are always read in part).
    fn is_whole_chunk(&self, region: &[(usize, usize)]) -> bool {
        let (first, last) = self.opened.grid.chunk_box(region);
        if first != last {
            return false;
        }
        let idx: Vec<u64> = first.iter().map(|&i| i as u64).collect();
        self.opened.array.chunk_subset(&idx).is_ok_and(|c| {
            c.start()
                .iter()
                .zip(c.shape())
                .zip(region)
                .all(|((&cs, &cl), &(s, l))| cs == s as u64 && cl == l as u64)
        })
    }

    /// For uncompressed arrays read in part, fails if a stored chunk has the wrong size
    /// (partial reads take byte ranges and would not notice).
    fn check_raw_sizes(&self, region: &[(usize, usize)]) -> Result<()> {
        let array = &self.opened.array;
        let size = self.opened.elem_size() as u64;
        self.for_each_chunk(region, |ci| {
            let key = array.chunk_key(ci);
            let want: u64 = array
                .chunk_shape(ci)
                .map_err(|e| self.err(region, e))?
                .iter()
                .map(|c| c.get())
                .product::<u64>()
                * size;
            match array
                .storage()
                .size_key(&key)
                .map_err(|e| self.err(region, e))?
            {
                Some(got) if got != want => Err(store_error(
                    &self.opened.store,
                    &self.opened.path,
                    Some(key.to_string()),
                    format!("uncompressed chunk holds {got} bytes, {want} expected"),
                )),
                _ => Ok(()),
            }
        })
    }

    /// Decodes `region` into `bytes` (C order, `region`'s shape).
    pub(crate) fn decode(&self, region: &[(usize, usize)], bytes: &mut [u8]) -> Result<()> {
        let start: Vec<u64> = region.iter().map(|r| r.0 as u64).collect();
        let shape: Vec<u64> = region.iter().map(|r| r.1 as u64).collect();
        let subset = ArraySubset::new_with_start_shape(start, shape.clone())
            .map_err(|e| self.err(region, e))?;
        let size = self.opened.elem_size();
        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: this is the only view created over `bytes`, which this call borrows
            // mutably for the whole decode, so no other access can overlap it.
            let mut view = unsafe {
                ArrayBytesFixedDisjointView::new(
                    UnsafeCellSlice::new(bytes),
                    size,
                    &shape,
                    ArraySubset::new_with_shape(shape.clone()),
                )
            }
            .map_err(|e| e.to_string())?;
            self.opened
                .array
                .retrieve_array_subset_into_opt(&subset, (&mut view).into(), &self.codec)
                .map_err(|e| e.to_string())
        }))
        .map_err(|_| self.err(region, "decoding panicked (corrupt chunk?)"))?;
        decoded.map_err(|e| self.err(region, e))
    }
}

impl ChunkSource for ZarrSource {
    fn label(&self) -> String {
        format!("zarr({})", self.opened.store)
    }

    fn dtype(&self) -> DType {
        self.opened.dtype
    }

    fn local_root(&self) -> Option<std::path::PathBuf> {
        self.opened.local_root.clone()
    }

    fn store_metadata(&self) -> Option<Arc<StoreMetadata>> {
        Some(self.opened.metadata.clone())
    }

    fn read_into(&self, region: &[(usize, usize)], out: &mut ChunkData) -> Result<()> {
        if region.iter().any(|r| r.1 == 0) {
            return Ok(()); // nothing to read
        }
        self.check_region(region)?;
        if self.opened.complex {
            return Err(self.err(region, "internal: a complex array read as real"));
        }
        if let ChunkData::Bool(a) = out {
            let dst = a
                .as_slice_mut()
                .ok_or_else(|| self.err(region, "internal: task buffer is not contiguous"))?;
            // The buffer is taken out of the thread's slot for the decode, not borrowed in
            // it: while zarrs decodes, rayon may run another task of the pool on this
            // thread (work stealing), and a second bool read would find the slot borrowed.
            let mut b = BOOL_BYTES.with(|slot| std::mem::take(&mut *slot.borrow_mut()));
            b.clear();
            b.resize(dst.len(), 0);
            let r = self.decode(region, &mut b);
            if r.is_ok() {
                for (d, &v) in dst.iter_mut().zip(b.iter()) {
                    *d = v != 0;
                }
            }
            BOOL_BYTES.with(|slot| {
                let mut slot = slot.borrow_mut();
                if slot.capacity() < b.capacity() {
                    *slot = b;
                }
            });
            return r;
        }
        with_dtype!(self.opened.dtype, T => {
            let a = T::chunk_mut(out)
                .ok_or_else(|| self.err(region, "internal: task buffer has the wrong dtype"))?;
            let dst = a
                .as_slice_mut()
                .ok_or_else(|| self.err(region, "internal: task buffer is not contiguous"))?;
            let len = std::mem::size_of_val(dst);
            // SAFETY: `dst` is a live, exclusively borrowed slice of `len` bytes; every
            // element type reaching here (integers and floats; `bool` is handled above) is
            // valid for any bit pattern, so writing arbitrary bytes cannot create an invalid
            // value, and u8 has alignment 1.
            let bytes = unsafe { std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<u8>(), len) };
            self.decode(region, bytes)
        })
    }
}

/// Opens the Zarr array at `path` as a lazy `Array<T>`; errors if the stored dtype is not `T`.
pub(crate) fn open_typed<T: Element>(path: &Path, opts: &ReadOptions) -> Result<crate::Array<T>> {
    typed(open_local(path)?, opts)
}

/// The lazy `Array<T>` over an opened array; errors if the stored dtype is not `T`.
pub(crate) fn typed<T: Element>(opened: Opened, opts: &ReadOptions) -> Result<crate::Array<T>> {
    if opened.dtype != T::DTYPE {
        return Err(store_error(
            &opened.store,
            &opened.path,
            None,
            format!(
                "stored dtype is {} but {} was requested (use open_zarr_any, or astype after opening)",
                opened.dtype,
                T::DTYPE
            ),
        ));
    }
    lazy(opened, opts)?.downcast::<T>()
}
