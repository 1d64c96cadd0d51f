//! Writing lazy arrays to Zarr v3 stores: one task per storage chunk (or shard), atomic
//! chunk files, one sync at the end, metadata last.

use super::options::{Compression, WriteOptions};
use super::store::{Durability, LocalStore};
use super::{store_error, zarr_data_type};
use crate::array::AnyArray;
use crate::chunks::{AxisChunks, ChunkGrid, ChunkSpec};
use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::error::{Error, Result};
use crate::eval::map::eval_into;
use crate::eval::pool;
use crate::eval::strided::StridedDst;
use crate::exec::sink::{drop_inserted_axis, OutputSink};
use crate::exec::{execute, ComputeOptions};
use crate::expr::{Node, Op};
use crate::plan::ops::InputRegion;
use crate::plan::{Plan, Program};
use crate::task::TaskEnv;
use ndarray::{ArrayViewMutD, Axis, Slice};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zarrs::array::codec::{BloscCodec, GzipCodec, ZstdCodec};
use zarrs::array::{Array as ZArray, ArrayBuilder, ArraySubset, CodecOptions};
use zarrs::storage::{ReadableWritableListableStorageTraits, ReadableWritableStorageTraits};

/// A pending write of one array to a Zarr store, returned by [`to_zarr`](crate::zarr::to_zarr).
/// Nothing is written until [`compute`](ZarrWrite::compute) (or [`write_all`]).
#[derive(Debug, Clone)]
pub struct ZarrWrite {
    /// The values, chunked so that every task covers exactly one storage chunk (or shard),
    /// or the part of one that a region write touches.
    node: Arc<Node>,
    target: Target,
    opts: WriteOptions,
    /// The storage chunk (or shard) shape.
    storage_chunks: Vec<usize>,
    /// `Some(offset)` for a write into a region of an existing array.
    region: Option<Vec<usize>>,
}

/// Where a write goes.
#[derive(Clone)]
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub(crate) enum Target {
    /// A directory on the local filesystem (the array at its root).
    Local(PathBuf),
    /// An array path inside another store (object storage).
    Remote {
        storage: Arc<dyn ReadableWritableListableStorageTraits>,
        label: String,
        path: String,
    },
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.label())
    }
}

impl Target {
    /// The store, for messages.
    pub(crate) fn label(&self) -> String {
        match self {
            Target::Local(p) => p.display().to_string(),
            Target::Remote { label, .. } => label.clone(),
        }
    }

    /// The array path inside the store.
    fn array_path(&self) -> &str {
        match self {
            Target::Local(_) => "/",
            Target::Remote { path, .. } => path,
        }
    }

    /// Opens the existing array (for region writes).
    fn open_existing(&self) -> Result<super::read::Opened> {
        match self {
            Target::Local(p) => super::read::open_local(p),
            Target::Remote {
                storage,
                label,
                path,
            } => super::read::open_in(storage.clone(), label.clone(), path),
        }
    }
}

/// What a finished write did.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteReport {
    /// The store written.
    pub path: PathBuf,
    /// Storage chunks (or shards) computed and handed to the store. Chunks whose values all
    /// equal the fill value are counted but, as zarr-python does, not stored (and an older
    /// file of that chunk is removed).
    pub chunks_written: usize,
    /// Storage chunks (or shards) in the written region.
    pub chunks_total: usize,
    /// Bytes of array data written (uncompressed).
    pub bytes: usize,
    /// Wall-clock time, including the final sync and the metadata.
    pub elapsed: Duration,
}

impl ZarrWrite {
    pub(crate) fn new(array: &AnyArray, target: Target, opts: WriteOptions) -> Result<ZarrWrite> {
        let node = array.node().clone();
        let store = target.label();
        let shape = node.shape.clone();
        let storage_chunks = match (&opts.shards, &opts.chunks) {
            (Some(s), _) => s.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => default_storage_chunks(&node.grid, node.dtype.size(), &shape)?,
        };
        check_chunks(&store, &shape, &storage_chunks, "chunk")?;
        if let (Some(sh), Some(c)) = (&opts.shards, &opts.chunks) {
            check_chunks(&store, &shape, c, "inner chunk")?;
            if sh.iter().zip(c).any(|(s, c)| s % c != 0) {
                return Err(store_error(
                    &store,
                    "/",
                    None,
                    format!("shard shape {sh:?} is not a multiple of the chunk shape {c:?}"),
                ));
            }
        }
        if let Some(names) = &opts.dimension_names {
            if names.len() != shape.len() {
                return Err(store_error(
                    &store,
                    "/",
                    None,
                    format!(
                        "{} dimension names given for an array of {} dimensions",
                        names.len(),
                        shape.len()
                    ),
                ));
            }
        }
        let grid = ChunkGrid::from_axes(
            shape
                .iter()
                .zip(&storage_chunks)
                .map(|(&len, &c)| AxisChunks::regular(c, len))
                .collect(),
        );
        let node = rechunked(&node, grid);
        Ok(ZarrWrite {
            node,
            target,
            opts,
            storage_chunks,
            region: None,
        })
    }

    pub(crate) fn new_region(
        array: &AnyArray,
        target: Target,
        offset: &[usize],
    ) -> Result<ZarrWrite> {
        let store = target.label();
        let existing = target.open_existing()?;
        let node = array.node().clone();
        if existing.dtype != node.dtype {
            return Err(store_error(
                &store,
                "/",
                None,
                format!(
                    "cannot write {} values into an array of {}",
                    node.dtype, existing.dtype
                ),
            ));
        }
        let fits = offset.len() == node.shape.len()
            && offset.len() == existing.shape.len()
            && offset
                .iter()
                .zip(&node.shape)
                .zip(&existing.shape)
                .all(|((&o, &n), &e)| o.checked_add(n).is_some_and(|end| end <= e));
        if !fits {
            return Err(store_error(
                &store,
                "/",
                None,
                format!(
                    "region at offset {offset:?} with shape {:?} does not fit the stored shape {:?}",
                    node.shape, existing.shape
                ),
            ));
        }
        let irregular = (0..existing.shape.len())
            .any(|ax| !matches!(existing.grid.axis(ax), AxisChunks::Regular { .. }));
        if irregular {
            return Err(store_error(
                &store,
                target.array_path(),
                None,
                "region writes into arrays with an irregular chunk grid are not supported",
            ));
        }
        // Cut the values at the stored chunk boundaries, so each task touches one chunk.
        let axes = (0..offset.len())
            .map(|ax| {
                let stored = existing.grid.axis(ax);
                let (lo, hi) = (offset[ax], offset[ax] + node.shape[ax]);
                if lo == hi {
                    return AxisChunks::regular(1, 0);
                }
                let sizes = (stored.chunk_of(lo)..=stored.chunk_of(hi - 1))
                    .map(|k| stored.offset(k + 1).min(hi) - stored.offset(k).max(lo))
                    .collect();
                AxisChunks::from_sizes(sizes)
            })
            .collect();
        let storage_chunks = (0..offset.len())
            .map(|ax| existing.grid.axis(ax).size(0).max(1))
            .collect();
        Ok(ZarrWrite {
            node: rechunked(&node, ChunkGrid::from_axes(axes)),
            target,
            opts: WriteOptions::default(),
            storage_chunks,
            region: Some(offset.to_vec()),
        })
    }

    /// Runs the write.
    pub fn compute(&self) -> Result<WriteReport> {
        Ok(write_all(&[self], &ComputeOptions::default())?.remove(0))
    }

    /// Runs the write with options (thread count).
    pub fn compute_with(&self, opts: &ComputeOptions) -> Result<WriteReport> {
        Ok(write_all(&[self], opts)?.remove(0))
    }

    /// Where the array is written (a directory, or a URL-like name for object storage).
    pub fn location(&self) -> String {
        match &self.target {
            Target::Local(p) => p.display().to_string(),
            Target::Remote { label, path, .. } => format!("{label}{path}"),
        }
    }
}

fn rechunked(node: &Arc<Node>, grid: ChunkGrid) -> Arc<Node> {
    if node.grid == grid {
        node.clone()
    } else {
        Node::new(
            node.dtype,
            node.shape.clone(),
            grid,
            Op::Rechunk(node.clone()),
        )
    }
}

/// The array's own chunk shape when it is regular, else automatic chunks of about 128 MiB.
fn default_storage_chunks(grid: &ChunkGrid, elem: usize, shape: &[usize]) -> Result<Vec<usize>> {
    let regular = (0..grid.ndim()).all(|ax| matches!(grid.axis(ax), AxisChunks::Regular { .. }));
    let g = if regular {
        grid.clone()
    } else {
        ChunkGrid::new(shape, ChunkSpec::Auto, elem)?
    };
    Ok((0..g.ndim()).map(|ax| g.axis(ax).size(0).max(1)).collect())
}

fn check_chunks(store: &str, shape: &[usize], chunks: &[usize], what: &str) -> Result<()> {
    if chunks.len() != shape.len() || chunks.contains(&0) {
        return Err(store_error(
            store,
            "/",
            None,
            format!("{what} shape {chunks:?} does not fit an array of shape {shape:?} (one positive size per axis)"),
        ));
    }
    Ok(())
}

/// Writes several arrays in one pass over their shared inputs.
///
/// Each array's chunks are written as they are computed; after all of them succeeded, the
/// store is synced and each array's metadata is written. If any task fails, no metadata is
/// written for new arrays (so no reader mistakes the partial store for a complete array) and
/// the error says how many chunks had been written.
pub fn write_all(writes: &[&ZarrWrite], opts: &ComputeOptions) -> Result<Vec<WriteReport>> {
    let t0 = Instant::now();
    for w in writes {
        refuse_reading_own_target(w)?;
    }
    let sinks = writes
        .iter()
        .map(|w| ZarrSink::prepare(w))
        .collect::<Result<Vec<_>>>()?;
    let nodes: Vec<Arc<Node>> = writes.iter().map(|w| w.node.clone()).collect();
    let plan = Plan::build_for(&nodes, opts.limit());
    let refs: Vec<&dyn OutputSink> = sinks.iter().map(|s| s as &dyn OutputSink).collect();
    if let Err(e) = execute(&plan, &refs, opts) {
        let s = &sinks[0];
        let written: Vec<String> = sinks
            .iter()
            .map(|s| {
                format!(
                    "{}: {} of {} chunks written",
                    s.store,
                    s.written.load(Ordering::Relaxed),
                    s.total
                )
            })
            .collect();
        let state = if writes.iter().any(|w| w.region.is_none()) {
            "array metadata was not written, so the store does not hold a valid array"
        } else {
            "the region is partly updated"
        };
        return Err(store_error(
            &s.store,
            "/",
            None,
            format!("write failed ({}); {state}: {e}", written.join("; ")),
        ));
    }
    let mut reports = Vec::with_capacity(sinks.len());
    for (s, w) in sinks.iter().zip(writes) {
        s.finish(w)?;
        reports.push(WriteReport {
            path: PathBuf::from(w.location()),
            chunks_written: s.written.load(Ordering::Relaxed),
            chunks_total: s.total,
            bytes: w.node.len() * w.node.dtype.size(),
            elapsed: t0.elapsed(),
        });
    }
    Ok(reports)
}

/// Receives the computed chunks of one write and stores them.
struct ZarrSink {
    array: ZArray<dyn ReadableWritableStorageTraits>,
    /// The local store, which is synced at the end (`None` for object storage).
    local: Option<Arc<LocalStore>>,
    store: String,
    dtype: DType,
    storage_chunks: Vec<usize>,
    region: Option<Vec<usize>>,
    fill: ChunkData,
    codec: CodecOptions,
    written: AtomicUsize,
    total: usize,
}

impl ZarrSink {
    fn prepare(w: &ZarrWrite) -> Result<ZarrSink> {
        let store = w.target.label();
        let apath = w.target.array_path().to_string();
        let err = |m: String| store_error(&store, &apath, None, m);
        let (storage, local): (Arc<dyn ReadableWritableStorageTraits>, _) = match &w.target {
            Target::Local(p) => {
                let l = LocalStore::new(p, w.opts.durability);
                (l.clone(), Some(l))
            }
            Target::Remote { storage, .. } => (storage.clone(), None),
        };
        let array = if w.region.is_some() {
            ZArray::open(storage, &apath).map_err(|e| err(e.to_string()))?
        } else {
            match &w.target {
                Target::Local(p) => prepare_directory(p, w.opts.overwrite, &store)?,
                Target::Remote { storage, .. } => {
                    prepare_prefix(storage.as_ref(), &apath, w.opts.overwrite, &store)?
                }
            }
            build_array(w, storage, &apath).map_err(|e| err(e.to_string()))?
        };
        let dtype = w.node.dtype;
        let fill = with_dtype!(dtype, T => {
            let v = w.opts.fill_value.map(T::from_f64).unwrap_or_default();
            T::into_chunk(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[]), v))
        });
        Ok(ZarrSink {
            array,
            local,
            store,
            dtype,
            storage_chunks: w.storage_chunks.clone(),
            region: w.region.clone(),
            fill,
            codec: CodecOptions::default().with_concurrent_target(1),
            written: AtomicUsize::new(0),
            total: w.node.grid.num_chunks(),
        })
    }

    /// Syncs the store and writes the metadata (new arrays only).
    fn finish(&self, w: &ZarrWrite) -> Result<()> {
        let err = |m: String| store_error(&self.store, w.target.array_path(), None, m);
        let sync = || match &self.local {
            Some(l) => l.sync().map_err(|e| err(format!("sync: {e}"))),
            None => Ok(()), // object stores make each object durable when it is written
        };
        if w.opts.durability != Durability::OsDecides {
            sync()?;
        }
        if self.region.is_none() {
            let meta =
                zarrs::array::ArrayMetadataOptions::default().with_include_zarrs_metadata(false);
            self.array
                .store_metadata_opt(&meta)
                .map_err(|e| err(format!("writing metadata: {e}")))?;
            if w.opts.durability != Durability::OsDecides {
                sync()?;
            }
        }
        Ok(())
    }

    /// Stores the values of `region` (array coordinates, inside one storage chunk), produced
    /// by `fill` into a strided destination of the region's shape.
    fn write_region<T: Element + zarrs::array::Element>(
        &self,
        region: &[(usize, usize)],
        fill: impl FnOnce(&mut StridedDst<T>) -> Result<()>,
    ) -> Result<()> {
        let off = self.region.as_deref();
        // The region in stored-array coordinates.
        let abs: Vec<(usize, usize)> = region
            .iter()
            .enumerate()
            .map(|(ax, &(s, l))| (s + off.map_or(0, |o| o[ax]), l))
            .collect();
        let cidx: Vec<u64> = abs
            .iter()
            .zip(&self.storage_chunks)
            .map(|(&(s, _), &c)| (s / c) as u64)
            .collect();
        let key = || self.array.chunk_key(&cidx).to_string();
        let cshape = self
            .array
            .chunk_shape_usize(&cidx)
            .map_err(|e| store_error(&self.store, "/", Some(key()), e))?;
        let origin: Vec<usize> = cidx
            .iter()
            .zip(&cshape)
            .map(|(&i, &c)| i as usize * c)
            .collect();
        let covers_chunk_in_array = abs.iter().enumerate().all(|(ax, &(s, l))| {
            s == origin[ax] && (l == cshape[ax] || s + l == self.array.shape()[ax] as usize)
        });
        let mut buf = if covers_chunk_in_array {
            pool::take(self.dtype, &cshape)
        } else {
            pool::take(self.dtype, &region.iter().map(|r| r.1).collect::<Vec<_>>())
        };
        let result = (|| {
            let a = T::chunk_mut(&mut buf)
                .ok_or_else(|| Error::internal("to_zarr", "write buffer of the wrong dtype"))?;
            if covers_chunk_in_array {
                let in_chunk: Vec<usize> = region.iter().map(|r| r.1).collect();
                if in_chunk != cshape {
                    // An edge chunk: the part outside the array holds the fill value.
                    let fv = T::chunk_ref(&self.fill)
                        .and_then(|f| f.first().copied())
                        .unwrap_or_default();
                    a.fill(fv);
                }
                {
                    let mut v: ArrayViewMutD<'_, T> = a.view_mut();
                    for (ax, &l) in in_chunk.iter().enumerate() {
                        v.slice_axis_inplace(Axis(ax), Slice::from(0..l));
                    }
                    fill(&mut StridedDst::new(v))?;
                }
                let data = a
                    .as_slice()
                    .ok_or_else(|| Error::internal("to_zarr", "write buffer is not contiguous"))?;
                self.array
                    .store_chunk_opt(&cidx, data, &self.codec)
                    .map_err(|e| store_error(&self.store, "/", Some(key()), e))
            } else {
                fill(&mut StridedDst::new(a.view_mut()))?;
                let start: Vec<u64> = abs
                    .iter()
                    .zip(&origin)
                    .map(|(&(s, _), &o)| (s - o) as u64)
                    .collect();
                let shape: Vec<u64> = abs.iter().map(|r| r.1 as u64).collect();
                let sub = ArraySubset::new_with_start_shape(start, shape)
                    .map_err(|e| store_error(&self.store, "/", Some(key()), e))?;
                let data = a
                    .as_slice()
                    .ok_or_else(|| Error::internal("to_zarr", "write buffer is not contiguous"))?;
                self.array
                    .store_chunk_subset_opt(&cidx, &sub, data, &self.codec)
                    .map_err(|e| store_error(&self.store, "/", Some(key()), e))
            }
        })();
        pool::give(buf);
        result?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl OutputSink for ZarrSink {
    fn eval_into(
        &self,
        program: &Program,
        input: &InputRegion,
        region: &[(usize, usize)],
        env: &TaskEnv<'_>,
    ) -> Result<()> {
        with_dtype!(self.dtype, T => {
            self.write_region::<T>(region, |dst| {
                drop_inserted_axis(dst, input)?;
                eval_into::<T>(program, &input.region, env, dst)
            })
        })
    }

    fn put(&self, region: &[(usize, usize)], chunk: &Arc<ChunkData>) -> Result<()> {
        with_dtype!(self.dtype, T => {
            let a = T::chunk_ref(chunk)
                .ok_or_else(|| Error::internal("to_zarr", "chunk of the wrong dtype"))?;
            self.write_region::<T>(region, |dst| {
                dst.scatter_array(a);
                Ok(())
            })
        })
    }
}

/// A new array replaces its target before any chunk is computed, so a write whose values
/// are read from the target itself would read an emptied store: refuse it.
fn refuse_reading_own_target(w: &ZarrWrite) -> Result<()> {
    let Target::Local(target) = &w.target else {
        return Ok(());
    };
    if w.region.is_some() {
        return Ok(());
    }
    let Ok(target) = target.canonicalize() else {
        return Ok(()); // the target does not exist yet
    };
    let mut stack = vec![w.node.clone()];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n.id) {
            continue;
        }
        if let Op::Source(src) = &n.op {
            let root = src.local_root().and_then(|r| r.canonicalize().ok());
            if root.is_some_and(|r| r.starts_with(&target) || target.starts_with(&r)) {
                return Err(store_error(
                    &target.display().to_string(),
                    "/",
                    None,
                    "the values to write are read from this store, which the write would \
                     replace first; write to another path, then rename",
                ));
            }
        }
        stack.extend(n.inputs().into_iter().cloned());
    }
    Ok(())
}

/// Applies the overwrite policy to the target directory and creates it.
fn prepare_directory(path: &Path, overwrite: bool, store: &str) -> Result<()> {
    let err = |m: String| store_error(store, "/", None, m);
    if path.exists() {
        let empty = path.is_dir()
            && std::fs::read_dir(path)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !empty {
            if !overwrite {
                return Err(err(
                    "target exists (pass WriteOptions::overwrite(true) to replace it)".into(),
                ));
            }
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
            removed.map_err(|e| err(format!("removing the old target: {e}")))?;
        }
    }
    std::fs::create_dir_all(path).map_err(|e| err(format!("creating the directory: {e}")))
}

/// Applies the overwrite policy to an array path in an object store.
fn prepare_prefix(
    storage: &dyn ReadableWritableListableStorageTraits,
    path: &str,
    overwrite: bool,
    store: &str,
) -> Result<()> {
    let err = |m: String| store_error(store, path, None, m);
    let rel = path.trim_matches('/');
    let prefix = if rel.is_empty() {
        String::new()
    } else {
        format!("{rel}/")
    };
    let prefix = zarrs::storage::StorePrefix::new(prefix).map_err(|e| err(e.to_string()))?;
    let existing = storage
        .list_prefix(&prefix)
        .map_err(|e| err(format!("listing the target: {e}")))?;
    if !existing.is_empty() {
        if !overwrite {
            return Err(err(
                "target exists (pass WriteOptions::overwrite(true) to replace it)".into(),
            ));
        }
        storage
            .erase_prefix(&prefix)
            .map_err(|e| err(format!("removing the old target: {e}")))?;
    }
    Ok(())
}

/// Builds the zarrs array (metadata in memory only; it is stored last).
fn build_array(
    w: &ZarrWrite,
    storage: Arc<dyn ReadableWritableStorageTraits>,
    path: &str,
) -> std::result::Result<ZArray<dyn ReadableWritableStorageTraits>, String> {
    let node = &w.node;
    let shape: Vec<u64> = node.shape.iter().map(|&d| d as u64).collect();
    let chunks: Vec<u64> = w.storage_chunks.iter().map(|&c| c as u64).collect();
    let fill = fill_value_metadata(node.dtype, w.opts.fill_value);
    let mut b = ArrayBuilder::new(shape, chunks, zarr_data_type(node.dtype), fill);
    let codec: Option<Arc<dyn zarrs::array::BytesToBytesCodecTraits>> = match w.opts.compression {
        Compression::None => None,
        Compression::Blosc {
            compressor,
            level,
            shuffle,
        } => {
            let level = level
                .min(9)
                .try_into()
                .map_err(|_| "blosc level".to_string())?;
            Some(Arc::new(
                BloscCodec::new(
                    compressor.to_zarrs(),
                    level,
                    None,
                    shuffle.to_zarrs(),
                    Some(node.dtype.size()),
                )
                .map_err(|e| e.to_string())?,
            ))
        }
        Compression::Zstd { level } => Some(Arc::new(ZstdCodec::new(level, false))),
        Compression::Gzip { level } => {
            Some(Arc::new(GzipCodec::new(level).map_err(|e| e.to_string())?))
        }
    };
    b.bytes_to_bytes_codecs(codec.into_iter().collect());
    if w.opts.shards.is_some() {
        let inner: Vec<u64> = w
            .opts
            .chunks
            .clone()
            .unwrap_or_else(|| w.storage_chunks.clone())
            .iter()
            .map(|&c| c as u64)
            .collect();
        b.subchunk_shape(inner);
    }
    if let Some(names) = &w.opts.dimension_names {
        b.dimension_names(Some(names.clone()));
    }
    b.attributes(w.opts.attributes.clone());
    b.build(storage, path).map_err(|e| e.to_string())
}

fn fill_value_metadata(dtype: DType, v: Option<f64>) -> zarrs::array::FillValue {
    use zarrs::array::FillValue;
    let v = v.unwrap_or(0.0);
    match dtype {
        DType::Bool => FillValue::from(v != 0.0),
        DType::F32 => FillValue::from(v as f32),
        DType::F64 => FillValue::from(v),
        DType::I8 => FillValue::from(v as i8),
        DType::I16 => FillValue::from(v as i16),
        DType::I32 => FillValue::from(v as i32),
        DType::I64 => FillValue::from(v as i64),
        DType::U8 => FillValue::from(v as u8),
        DType::U16 => FillValue::from(v as u16),
        DType::U32 => FillValue::from(v as u32),
        DType::U64 => FillValue::from(v as u64),
    }
}
