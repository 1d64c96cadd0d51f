//! Writing lazy arrays to Zarr v3 or v2 stores: one task per storage chunk (or shard), atomic
//! chunk files, one sync at the end, metadata last.

use super::metadata::{
    fill_as, v2_dtype, v2_fill_json, zarrs_fill, DimensionSeparator, ZarrFormat,
    V2_DIMENSIONS_ATTRIBUTE,
};
use super::options::{Compression, Shuffle, WriteOptions};
use super::store::{remove_temporaries, Durability, LocalStore};
use super::{store_error, zarr_data_type};
use crate::array::AnyArray;
use crate::chunks::{AxisChunks, ChunkGrid, ChunkSpec};
use crate::dtype::{with_dtype, ChunkData, DType, Element, Scalar};
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
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zarrs::array::codec::{BloscCodec, GzipCodec, ZstdCodec};
use zarrs::array::{Array as ZArray, ArrayBuilder, ArrayMetadataV2, ArraySubset, CodecOptions};
use zarrs::metadata::ArrayMetadata;
use zarrs::storage::{
    Bytes, ReadableWritableListableStorageTraits, ReadableWritableStorageTraits, StoreKey,
    StorePrefix,
};

/// The hidden key (next to `zarr.json`) holding the metadata a new array's unfinished write
/// will store at its end: what a resumed write checks it continues the same array.
const PENDING_KEY: &str = ".tessera-pending.json";

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
    /// The fill value, of the array's element type.
    fill: Scalar,
    /// The values are complex: `node` holds them as real and imaginary parts along an
    /// extra last axis of length 2 (one chunk), and the store gets `complex64`/`complex128`
    /// elements of the other axes.
    complex: bool,
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
    /// Storage chunks (or shards) not computed because a resumed write
    /// ([`WriteOptions::resume`]) found them already stored: `chunks_total - chunks_written`
    /// (all of them when the target already held the finished array, none for other
    /// writes).
    pub chunks_skipped: usize,
    /// Bytes of array data written (uncompressed).
    pub bytes: usize,
    /// Wall-clock time, including the final sync and the metadata.
    pub elapsed: Duration,
}

impl ZarrWrite {
    pub(crate) fn new(array: &AnyArray, target: Target, opts: WriteOptions) -> Result<ZarrWrite> {
        Self::new_of(array, target, opts, false)
    }

    /// A write of the complex values whose real and imaginary parts `packed` holds along
    /// its last axis (of length 2).
    pub(crate) fn new_complex(
        packed: &AnyArray,
        target: Target,
        opts: WriteOptions,
    ) -> Result<ZarrWrite> {
        let store = target.label();
        let refuse = |m: &str| Err(store_error(&store, "/", None, m));
        let zero = |f: Scalar| with_dtype!(f.dtype(), T => T::from_scalar(f).is_some_and(|v| v.to_f64() == 0.0));
        if opts.fill_value.is_some_and(|f| !zero(f)) {
            return refuse("complex arrays are written with the fill value 0");
        }
        Self::new_of(packed, target, opts, true)
    }

    fn new_of(
        array: &AnyArray,
        target: Target,
        opts: WriteOptions,
        complex: bool,
    ) -> Result<ZarrWrite> {
        let node = array.node().clone();
        let store = target.label();
        // The stored shape (without the parts axis of complex values).
        let shape = node.shape[..node.shape.len() - usize::from(complex)].to_vec();
        let elem = node.dtype.size() * if complex { 2 } else { 1 };
        let storage_chunks = match (&opts.shards, &opts.chunks) {
            (Some(s), _) => s.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => {
                let grid = ChunkGrid::from_axes(
                    (0..shape.len())
                        .map(|ax| node.grid.axis(ax).clone())
                        .collect(),
                );
                default_storage_chunks(&grid, elem, &shape)?
            }
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
        let asked = opts.fill_value.unwrap_or(Scalar::U8(0));
        let fill = fill_as(asked, node.dtype).ok_or_else(|| {
            store_error(
                &store,
                "/",
                None,
                format!(
                    "fill value {asked} ({}) is not a value of the array's element type {}",
                    asked.dtype(),
                    node.dtype
                ),
            )
        })?;
        if opts.format == ZarrFormat::V2 && opts.shards.is_some() {
            return Err(store_error(
                &store,
                "/",
                None,
                "shards need Zarr v3 (WriteOptions::format(ZarrFormat::V3))",
            ));
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
        let mut axes: Vec<AxisChunks> = shape
            .iter()
            .zip(&storage_chunks)
            .map(|(&len, &c)| AxisChunks::regular(c, len))
            .collect();
        if complex {
            axes.push(AxisChunks::regular(2, 2));
        }
        let node = rechunked(&node, ChunkGrid::from_axes(axes));
        Ok(ZarrWrite {
            node,
            target,
            opts,
            storage_chunks,
            region: None,
            fill,
            complex,
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
        if existing.complex {
            return Err(store_error(
                &store,
                "/",
                None,
                "region writes into complex arrays are not supported",
            ));
        }
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
            fill: existing.metadata.fill_value,
            complex: false,
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
    write_with_outputs(writes, &[], &[], opts)
}

/// Writes several arrays and computes others in one pass over their shared inputs: what
/// [`write_all`] does for `writes`, while `arrays` are computed as
/// [`compute_many_with`](crate::compute_many_with) computes them.
///
/// An elementwise array written next to reductions of the same chunks runs in one shared
/// scan with them, so each input chunk is read (decoded, generated) once for both. On
/// failure, nothing is returned and no metadata is written for new arrays.
///
/// ```
/// use tessera::{random, zarr, ComputeOptions};
/// use tessera::zarr::WriteOptions;
/// let dir = std::env::temp_dir().join(format!("tessera-doc-wc-{}", std::process::id()));
/// let x = random::uniform::<f64>(&[200, 30], [50, 30], 1)?;
/// let w = zarr::to_zarr(&(&x * 2.0), &dir, WriteOptions::default().overwrite(true))?;
/// let (mean, total) = (x.mean(0)?, x.sum(..)?);
/// let (reports, values) = zarr::write_and_compute(&[&w], &[&mean, &total], &ComputeOptions::new())?;
/// assert_eq!(reports[0].chunks_written, 4);
/// assert_eq!(values[0].shape(), &[30]);
/// let back = zarr::open_zarr::<f64>(&dir)?.sum(..)?.compute()?;
/// assert!((back[[]] - 2.0 * values[1][[]]).abs() < 1e-9 * back[[]].abs());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn write_and_compute<T: Element>(
    writes: &[&ZarrWrite],
    arrays: &[&crate::Array<T>],
    opts: &ComputeOptions,
) -> Result<(Vec<WriteReport>, Vec<ndarray::ArrayD<T>>)> {
    let nodes: Vec<Arc<Node>> = arrays.iter().map(|a| a.node.clone()).collect();
    let (values, reports) = crate::array::assembled(arrays, |sinks| {
        write_with_outputs(writes, &nodes, sinks, opts)
    })?;
    Ok((reports, values))
}

/// [`write_all`] of `writes`, computing `nodes` into `sinks` in the same plan.
fn write_with_outputs(
    writes: &[&ZarrWrite],
    nodes: &[Arc<Node>],
    sinks_out: &[&dyn OutputSink],
    opts: &ComputeOptions,
) -> Result<Vec<WriteReport>> {
    let t0 = Instant::now();
    let mut all: Vec<Arc<Node>> = writes.iter().map(|w| w.node.clone()).collect();
    all.extend(nodes.iter().cloned());
    for w in writes {
        refuse_reading_target(w, &all)?;
    }
    let sinks = writes
        .iter()
        .map(|w| ZarrSink::prepare(w))
        .collect::<Result<Vec<_>>>()?;
    let plan = Plan::build_for(&all, opts.limit());
    let mut refs: Vec<&dyn OutputSink> = sinks.iter().map(|s| s as &dyn OutputSink).collect();
    refs.extend(sinks_out.iter().copied());
    if let Err(e) = execute(&plan, &refs, opts) {
        // Nothing was written: the computation's own error says what failed.
        let Some(s) = sinks.first() else {
            return Err(e);
        };
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
            "array metadata was not written, so the store does not hold a valid array \
             (the same write with WriteOptions::resume(true) writes only the missing chunks)"
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
        let written = s.written.load(Ordering::Relaxed);
        reports.push(WriteReport {
            path: PathBuf::from(w.location()),
            chunks_written: written,
            chunks_total: s.total,
            chunks_skipped: s.total.saturating_sub(written),
            bytes: w.node.len() * w.node.dtype.size(),
            elapsed: t0.elapsed(),
        });
    }
    Ok(reports)
}

/// [`write_all`] on every rank of a distributed computation together: rank 0 prepares the
/// targets, every rank writes the chunks it computes and syncs them, and rank 0 writes the
/// metadata only after every rank has. `agree(ok)` is a collective call returning whether
/// `ok` holds on every rank. Resumed writes are refused (each rank would have to agree on
/// the chunks already stored).
#[cfg(feature = "mpi")]
pub(crate) fn write_ranked(
    writes: &[&ZarrWrite],
    opts: &ComputeOptions,
    peers: &crate::exec::distributed::Peers,
    agree: &dyn Fn(bool) -> bool,
) -> Result<Vec<WriteReport>> {
    use crate::exec::distributed::{execute_ranked, Gather};
    let t0 = Instant::now();
    let primary = peers.rank() == 0;
    let elsewhere = |what: &str| Error::Rank {
        rank: 0,
        msg: format!("{what} failed on another rank"),
    };
    let mut prepared: Result<Vec<ZarrSink>> = writes
        .iter()
        .map(|w| {
            let values: Vec<Arc<Node>> = writes.iter().map(|x| x.node.clone()).collect();
            refuse_reading_target(w, &values)?;
            if w.opts.resume {
                return Err(Error::Argument {
                    op: "distributed write".into(),
                    msg: format!(
                        "{}: a resumed write is not supported on several ranks; resume it in one process",
                        w.location()
                    ),
                });
            }
            Ok(())
        })
        .collect::<Result<Vec<()>>>()
        .and_then(|_| {
            if primary {
                writes.iter().map(|w| ZarrSink::prepare_as(w, true)).collect()
            } else {
                Ok(Vec::new())
            }
        });
    // The targets exist (rank 0 made them) before the other ranks open them.
    if !agree(prepared.is_ok()) {
        return Err(prepared
            .err()
            .unwrap_or_else(|| elsewhere("preparing the store")));
    }
    if !primary {
        prepared = writes
            .iter()
            .map(|w| ZarrSink::prepare_as(w, false))
            .collect();
    }
    // Every rank makes each collective call, in the same order.
    if !agree(prepared.is_ok()) {
        return Err(prepared
            .err()
            .unwrap_or_else(|| elsewhere("opening the store")));
    }
    let sinks = prepared?;
    let nodes: Vec<Arc<Node>> = writes.iter().map(|w| w.node.clone()).collect();
    let plan = Plan::build_for(&nodes, opts.limit());
    let refs: Vec<&dyn OutputSink> = sinks.iter().map(|s| s as &dyn OutputSink).collect();
    // Fails on every rank when it fails on one: no rank goes on to the metadata.
    execute_ranked(&plan, &refs, opts, peers, Gather::Owner).map_err(|e| {
        store_error(
            &sinks[0].store,
            "/",
            None,
            format!("distributed write failed; array metadata was not written: {e}"),
        )
    })?;
    let synced: Result<()> = sinks
        .iter()
        .zip(writes)
        .try_for_each(|(s, w)| s.sync_written(w));
    if !agree(synced.is_ok()) {
        return Err(synced
            .err()
            .unwrap_or_else(|| elsewhere("syncing the chunks")));
    }
    let finished: Result<()> = if primary {
        sinks.iter().zip(writes).try_for_each(|(s, w)| s.finish(w))
    } else {
        Ok(())
    };
    if !agree(finished.is_ok()) {
        return Err(finished
            .err()
            .unwrap_or_else(|| elsewhere("writing the metadata")));
    }
    Ok(sinks
        .iter()
        .zip(writes)
        .map(|(s, w)| WriteReport {
            path: PathBuf::from(w.location()),
            chunks_written: s.written.load(Ordering::Relaxed),
            chunks_total: s.total,
            chunks_skipped: 0,
            bytes: w.node.len() * w.node.dtype.size(),
            elapsed: t0.elapsed(),
        })
        .collect())
}

/// What the target of a new array held when its write started.
#[derive(Debug)]
enum Existing {
    /// Nothing (or it was replaced): every chunk is written.
    Nothing,
    /// An unfinished write of the same array, with the keys it had stored: only chunks
    /// whose keys are missing are written.
    Unfinished(HashSet<String>),
    /// The finished array: nothing is written.
    Complete,
}

/// Receives the computed chunks of one write and stores them.
struct ZarrSink {
    array: ZArray<dyn ReadableWritableStorageTraits>,
    /// The store, to remove the pending record at the end.
    storage: Arc<dyn ReadableWritableStorageTraits>,
    /// What the target held (always `Nothing` for region writes).
    existing: Existing,
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
    /// Complex values: regions carry the parts along an extra last axis.
    complex: bool,
}

impl ZarrSink {
    fn prepare(w: &ZarrWrite) -> Result<ZarrSink> {
        Self::prepare_as(w, true)
    }

    /// A sink for `w`. Only the `primary` one prepares the target (replaces what is there,
    /// records the pending write, finds the chunks a resumed write has); the others, of the
    /// other ranks of a distributed write, only build the array to write chunks into.
    fn prepare_as(w: &ZarrWrite, primary: bool) -> Result<ZarrSink> {
        let store = w.target.label();
        let apath = w.target.array_path().to_string();
        let err = |m: String| store_error(&store, &apath, None, m);
        let (storage, listable, local): (
            Arc<dyn ReadableWritableStorageTraits>,
            Arc<dyn ReadableWritableListableStorageTraits>,
            _,
        ) = match &w.target {
            Target::Local(p) => {
                let l = LocalStore::new(p, w.opts.durability);
                (l.clone(), l.clone(), Some(l))
            }
            Target::Remote { storage, .. } => (storage.clone(), storage.clone(), None),
        };
        let mut existing = Existing::Nothing;
        let array = if w.region.is_some() {
            ZArray::open(storage.clone(), &apath).map_err(|e| err(e.to_string()))?
        } else if !primary {
            build_array(w, storage.clone(), &apath).map_err(|e| err(e.to_string()))?
        } else {
            // The metadata only exists in memory until the end; it is also what the pending
            // record holds and what a resumed write must match.
            let array = build_array(w, storage.clone(), &apath).map_err(|e| err(e.to_string()))?;
            let intended = serde_json::to_value(array.metadata_opt(&metadata_options()))
                .map_err(|e| err(format!("encoding the metadata: {e}")))?;
            let target = TargetStore {
                storage: listable.as_ref(),
                path: &apath,
                store: &store,
            };
            existing = match &w.target {
                Target::Local(p) => prepare_directory(p, &w.opts, &target, &intended)?,
                Target::Remote { .. } => prepare_prefix(&w.opts, &target, &intended)?,
            };
            array
        };
        let dtype = w.node.dtype;
        let fill = with_dtype!(dtype, T => {
            let v = T::from_scalar(w.fill).unwrap_or_default();
            T::into_chunk(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[]), v))
        });
        Ok(ZarrSink {
            array,
            storage,
            existing,
            local,
            store,
            dtype,
            storage_chunks: w.storage_chunks.clone(),
            region: w.region.clone(),
            fill,
            codec: CodecOptions::default().with_concurrent_target(1),
            written: AtomicUsize::new(0),
            total: w.node.grid.num_chunks(),
            complex: w.complex,
        })
    }

    /// Makes the chunks this sink wrote durable, as the write's options ask.
    #[cfg(feature = "mpi")]
    fn sync_written(&self, w: &ZarrWrite) -> Result<()> {
        match &self.local {
            Some(l) if w.opts.durability != Durability::OsDecides => l.sync().map_err(|e| {
                store_error(
                    &self.store,
                    w.target.array_path(),
                    None,
                    format!("sync: {e}"),
                )
            }),
            _ => Ok(()),
        }
    }

    /// Syncs the store and writes the metadata (new arrays only), then removes the pending
    /// record. A target that already held the finished array is left as it is.
    fn finish(&self, w: &ZarrWrite) -> Result<()> {
        if matches!(self.existing, Existing::Complete) {
            return Ok(());
        }
        let err = |m: String| store_error(&self.store, w.target.array_path(), None, m);
        let sync = || match &self.local {
            Some(l) => l.sync().map_err(|e| err(format!("sync: {e}"))),
            None => Ok(()), // object stores make each object durable when it is written
        };
        if w.opts.durability != Durability::OsDecides {
            sync()?;
        }
        if self.region.is_none() {
            self.array
                .store_metadata_opt(&metadata_options())
                .map_err(|e| err(format!("writing metadata: {e}")))?;
            if w.opts.durability != Durability::OsDecides {
                sync()?;
            }
            // The array is complete: the record of the unfinished write goes (a crash before
            // this leaves both, which a resumed write and every reader accept).
            let pending = key_in(w.target.array_path(), PENDING_KEY).map_err(err)?;
            self.storage
                .erase(&pending)
                .map_err(|e| err(format!("removing {PENDING_KEY}: {e}")))?;
        }
        Ok(())
    }

    /// The grid index of the storage chunk (or shard) holding the region that starts at
    /// `start` (stored-array coordinates).
    fn chunk_index(&self, start: impl Iterator<Item = usize>) -> Vec<u64> {
        start
            .zip(&self.storage_chunks)
            .map(|(s, &c)| (s / c) as u64)
            .collect()
    }

    /// Stores the values of `region` (array coordinates, inside one storage chunk), produced
    /// by `fill` into a strided destination of the region's shape.
    fn write_region<T: Element + zarrs::array::Element>(
        &self,
        region: &[(usize, usize)],
        fill: impl FnOnce(&mut StridedDst<T>) -> Result<()>,
    ) -> Result<()> {
        let off = self.region.as_deref();
        // The region in stored-array coordinates (without the parts axis of complex values).
        let stored_axes = region.len() - usize::from(self.complex);
        let abs: Vec<(usize, usize)> = region[..stored_axes]
            .iter()
            .enumerate()
            .map(|(ax, &(s, l))| (s + off.map_or(0, |o| o[ax]), l))
            .collect();
        let cidx = self.chunk_index(abs.iter().map(|r| r.0));
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
        // The buffer's shape: the chunk's (or the region's), and the parts axis.
        let mut buf_shape = if covers_chunk_in_array {
            cshape.clone()
        } else {
            abs.iter().map(|r| r.1).collect()
        };
        if self.complex {
            buf_shape.push(2);
        }
        let mut buf = pool::take(self.dtype, &buf_shape);
        let result = (|| {
            let a = T::chunk_mut(&mut buf)
                .ok_or_else(|| Error::internal("to_zarr", "write buffer of the wrong dtype"))?;
            if covers_chunk_in_array {
                let in_chunk: Vec<usize> = region.iter().map(|r| r.1).collect();
                if in_chunk != buf_shape {
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
                self.store_values(&cidx, None, data)
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
                self.store_values(&cidx, Some(&sub), data)
                    .map_err(|e| store_error(&self.store, "/", Some(key()), e))
            }
        })();
        pool::give(buf);
        result?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl ZarrSink {
    /// Stores `data` as chunk `cidx` (or its part `sub`); complex values are stored as
    /// `Complex` elements, each the pair of consecutive parts in `data`.
    fn store_values<T: Element + zarrs::array::Element>(
        &self,
        cidx: &[u64],
        sub: Option<&ArraySubset>,
        data: &[T],
    ) -> std::result::Result<(), zarrs::array::ArrayError> {
        fn store<E: zarrs::array::Element>(
            sink: &ZarrSink,
            cidx: &[u64],
            sub: Option<&ArraySubset>,
            data: &[E],
        ) -> std::result::Result<(), zarrs::array::ArrayError> {
            match sub {
                None => sink.array.store_chunk_opt(cidx, data, &sink.codec),
                Some(sub) => sink
                    .array
                    .store_chunk_subset_opt(cidx, sub, data, &sink.codec),
            }
        }
        if !self.complex {
            return store(self, cidx, sub, data);
        }
        let pairs = data.len() / 2;
        match T::DTYPE {
            DType::F32 => {
                // SAFETY: T is f32 (the only element type with DTYPE F32), and
                // `Complex<f32>` is `repr(C)` {re, im}: two f32 with f32's alignment. The
                // `pairs` values cover the first 2·pairs elements of `data`.
                let c = unsafe {
                    std::slice::from_raw_parts(
                        data.as_ptr().cast::<num_complex::Complex<f32>>(),
                        pairs,
                    )
                };
                store(self, cidx, sub, c)
            }
            DType::F64 => {
                // SAFETY: as above, for f64 and `Complex<f64>`.
                let c = unsafe {
                    std::slice::from_raw_parts(
                        data.as_ptr().cast::<num_complex::Complex<f64>>(),
                        pairs,
                    )
                };
                store(self, cidx, sub, c)
            }
            _ => store(self, cidx, sub, data),
        }
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

    fn skip(&self, region: &[(usize, usize)]) -> bool {
        match &self.existing {
            Existing::Nothing => false,
            Existing::Complete => true,
            Existing::Unfinished(stored) => {
                // Resumed writes are of new arrays: region coordinates are array coordinates.
                let cidx = self.chunk_index(region.iter().map(|r| r.0));
                stored.contains(self.array.chunk_key(&cidx).as_str())
            }
        }
    }
}

/// A new array replaces its target before any chunk is computed, so a computation reading
/// that target (any of `nodes`: the values written, and what is computed beside them) would
/// read an emptied store: refuse it.
fn refuse_reading_target(w: &ZarrWrite, nodes: &[Arc<Node>]) -> Result<()> {
    let Target::Local(target) = &w.target else {
        return Ok(());
    };
    if w.region.is_some() {
        return Ok(());
    }
    let Ok(target) = target.canonicalize() else {
        return Ok(()); // the target does not exist yet
    };
    let mut stack = nodes.to_vec();
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

/// How the metadata is stored (without zarrs' own version attributes).
fn metadata_options() -> zarrs::array::ArrayMetadataOptions {
    zarrs::array::ArrayMetadataOptions::default().with_include_zarrs_metadata(false)
}

/// The store key `name` inside the array at `path`.
fn key_in(path: &str, name: &str) -> std::result::Result<StoreKey, String> {
    let rel = path.trim_matches('/');
    let key = if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    };
    StoreKey::new(key).map_err(|e| e.to_string())
}

/// The store prefix of the array at `path`.
fn prefix_of(path: &str) -> std::result::Result<StorePrefix, String> {
    let rel = path.trim_matches('/');
    let prefix = if rel.is_empty() {
        String::new()
    } else {
        format!("{rel}/")
    };
    StorePrefix::new(prefix).map_err(|e| e.to_string())
}

/// The target of a new array: its store, the array path in it, and the store's name.
struct TargetStore<'a> {
    storage: &'a dyn ReadableWritableListableStorageTraits,
    path: &'a str,
    store: &'a str,
}

impl TargetStore<'_> {
    fn err(&self, m: impl std::fmt::Display) -> Error {
        store_error(self.store, self.path, None, m)
    }

    /// Records the metadata the write will store at its end (see [`PENDING_KEY`]).
    fn write_pending(&self, intended: &serde_json::Value) -> Result<()> {
        let key = key_in(self.path, PENDING_KEY).map_err(|e| self.err(e))?;
        let json = serde_json::to_vec_pretty(intended)
            .map_err(|e| self.err(format!("encoding the metadata: {e}")))?;
        self.storage
            .set(&key, Bytes::from(json))
            .map_err(|e| self.err(format!("writing {PENDING_KEY}: {e}")))
    }

    /// The JSON value stored at `name` in the array, if any (`Null` when it is not JSON).
    fn json(&self, name: &str) -> Result<Option<serde_json::Value>> {
        let key = key_in(self.path, name).map_err(|e| self.err(e))?;
        let bytes = self
            .storage
            .get(&key)
            .map_err(|e| self.err(format!("reading {name}: {e}")))?;
        Ok(bytes.map(|b| serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null)))
    }

    /// Every key stored below the array.
    fn keys(&self) -> Result<Vec<StoreKey>> {
        let prefix = prefix_of(self.path).map_err(|e| self.err(e))?;
        self.storage
            .list_prefix(&prefix)
            .map_err(|e| self.err(format!("listing the target: {e}")))
    }

    /// What a resumed write finds at the target.
    /// The metadata of a finished array at the target: `zarr.json`, or `.zarray` with the
    /// attributes of `.zattrs` (as the v2 metadata is held in memory).
    fn finished(&self) -> Result<Option<serde_json::Value>> {
        if let Some(v3) = self.json("zarr.json")? {
            return Ok(Some(v3));
        }
        let Some(mut v2) = self.json(".zarray")? else {
            return Ok(None);
        };
        if let (Some(attrs), Some(m)) = (self.json(".zattrs")?, v2.as_object_mut()) {
            if attrs.as_object().is_some_and(|a| !a.is_empty()) {
                m.insert("attributes".into(), attrs);
            }
        }
        Ok(Some(v2))
    }

    fn inspect(&self, intended: &serde_json::Value) -> Result<Found> {
        if let Some(stored) = self.finished()? {
            if stored == *intended {
                let pending = key_in(self.path, PENDING_KEY).map_err(|e| self.err(e))?;
                self.storage
                    .erase(&pending)
                    .map_err(|e| self.err(format!("removing {PENDING_KEY}: {e}")))?;
                return Ok(Found::Resumable(Existing::Complete));
            }
            return Ok(Found::Different(format!(
                "it holds a different finished array ({})",
                differences(&stored, intended)
            )));
        }
        if let Some(pending) = self.json(PENDING_KEY)? {
            if pending == *intended {
                let stored = self.keys()?.into_iter().map(|k| k.to_string()).collect();
                return Ok(Found::Resumable(Existing::Unfinished(stored)));
            }
            return Ok(Found::Different(format!(
                "it holds an unfinished write of a different array ({})",
                differences(&pending, intended)
            )));
        }
        if self.keys()?.is_empty() {
            Ok(Found::Empty)
        } else {
            Ok(Found::Different(
                "it holds files that are not an unfinished tessera write (no zarr.json or \
                 .zarray, and no .tessera-pending.json)"
                    .into(),
            ))
        }
    }
}

/// What a resumed write finds at its target.
enum Found {
    /// No stored value at all.
    Empty,
    /// An unfinished or finished write of the same array.
    Resumable(Existing),
    /// Something else, described.
    Different(String),
}

/// The top-level metadata fields in which `stored` and `intended` differ, with both values.
fn differences(stored: &serde_json::Value, intended: &serde_json::Value) -> String {
    let short = |v: Option<&serde_json::Value>| match v {
        None => "nothing".to_string(),
        Some(v) => {
            let s = v.to_string();
            match s.char_indices().nth(200) {
                Some((i, _)) => format!("{}...", &s[..i]),
                None => s,
            }
        }
    };
    let (Some(a), Some(b)) = (stored.as_object(), intended.as_object()) else {
        return "the stored metadata is not a JSON object".into();
    };
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            format!(
                "{k}: stored {}, this write {}",
                short(a.get(k)),
                short(b.get(k))
            )
        })
        .collect();
    diffs.join("; ")
}

/// The error for a resumed write whose target holds something else.
fn cannot_resume(t: &TargetStore<'_>, what: &str) -> Error {
    t.err(format!(
        "cannot resume the write: {what}; nothing was changed (write to another path, or \
         pass WriteOptions::overwrite(true) to replace the target)"
    ))
}

/// Applies the resume and overwrite policies to the target directory and creates it;
/// returns what the write continues.
fn prepare_directory(
    path: &Path,
    opts: &WriteOptions,
    t: &TargetStore<'_>,
    intended: &serde_json::Value,
) -> Result<Existing> {
    let err = |m: String| t.err(m);
    if opts.resume && path.exists() {
        let found = if path.is_dir() {
            t.inspect(intended)?
        } else {
            Found::Different("it is a file, not a directory".into())
        };
        match found {
            Found::Resumable(existing) => {
                remove_temporaries(path)
                    .map_err(|e| err(format!("removing temporary files: {e}")))?;
                return Ok(existing);
            }
            Found::Empty => {
                // Only a killed writer's temporary files, if anything: start afresh here.
                remove_temporaries(path)
                    .map_err(|e| err(format!("removing temporary files: {e}")))?;
                t.write_pending(intended)?;
                return Ok(Existing::Nothing);
            }
            Found::Different(what) if !opts.overwrite => return Err(cannot_resume(t, &what)),
            Found::Different(_) => {} // replaced below
        }
    }
    if path.exists() {
        let empty = path.is_dir()
            && std::fs::read_dir(path)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !empty {
            if !opts.overwrite {
                let unfinished = path.join(PENDING_KEY).is_file();
                return Err(err(if unfinished {
                    "target holds an unfinished write (pass WriteOptions::resume(true) to \
                     finish it, or WriteOptions::overwrite(true) to replace it)"
                        .into()
                } else {
                    "target exists (pass WriteOptions::overwrite(true) to replace it)".into()
                }));
            }
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
            removed.map_err(|e| err(format!("removing the old target: {e}")))?;
        }
    }
    std::fs::create_dir_all(path).map_err(|e| err(format!("creating the directory: {e}")))?;
    t.write_pending(intended)?;
    Ok(Existing::Nothing)
}

/// Applies the resume and overwrite policies to an array path in an object store (where
/// each object is written whole, so a stored chunk is a complete one).
fn prepare_prefix(
    opts: &WriteOptions,
    t: &TargetStore<'_>,
    intended: &serde_json::Value,
) -> Result<Existing> {
    if opts.resume {
        match t.inspect(intended)? {
            Found::Resumable(existing) => return Ok(existing),
            Found::Empty => {
                t.write_pending(intended)?;
                return Ok(Existing::Nothing);
            }
            Found::Different(what) if !opts.overwrite => return Err(cannot_resume(t, &what)),
            Found::Different(_) => {} // replaced below
        }
    }
    let existing = t.keys()?;
    if !existing.is_empty() {
        if !opts.overwrite {
            return Err(t.err("target exists (pass WriteOptions::overwrite(true) to replace it)"));
        }
        let prefix = prefix_of(t.path).map_err(|e| t.err(e))?;
        t.storage
            .erase_prefix(&prefix)
            .map_err(|e| t.err(format!("removing the old target: {e}")))?;
    }
    t.write_pending(intended)?;
    Ok(Existing::Nothing)
}

/// Builds the zarrs array (metadata in memory only; it is stored last).
fn build_array(
    w: &ZarrWrite,
    storage: Arc<dyn ReadableWritableStorageTraits>,
    path: &str,
) -> std::result::Result<ZArray<dyn ReadableWritableStorageTraits>, String> {
    if w.opts.format == ZarrFormat::V2 {
        let meta = v2_metadata(w)?;
        return ZArray::new_with_metadata(storage, path, ArrayMetadata::V2(meta))
            .map_err(|e| e.to_string());
    }
    let node = &w.node;
    let stored_axes = node.shape.len() - usize::from(w.complex);
    let shape: Vec<u64> = node.shape[..stored_axes]
        .iter()
        .map(|&d| d as u64)
        .collect();
    let chunks: Vec<u64> = w.storage_chunks.iter().map(|&c| c as u64).collect();
    let (data_type, fill, elem) = if w.complex {
        let data_type = match node.dtype {
            DType::F32 => zarrs::array::data_type::complex64(),
            _ => zarrs::array::data_type::complex128(),
        };
        let zero = zarrs::array::FillValue::new(vec![0u8; 2 * node.dtype.size()]);
        (data_type, zero, 2 * node.dtype.size())
    } else {
        let fill = with_dtype!(node.dtype, T => zarrs_fill::<T>(w.fill));
        (zarr_data_type(node.dtype), fill, node.dtype.size())
    };
    let mut b = ArrayBuilder::new(shape, chunks, data_type, fill);
    if w.opts.dimension_separator == Some(DimensionSeparator::Dot) {
        b.chunk_key_encoding_default_separator(zarrs::metadata::ChunkKeySeparator::Dot);
    }
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
                    Some(elem),
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

/// The Zarr v2 metadata of a new array, as zarr-python writes it (numcodecs compressor
/// configurations, dimension names in the `_ARRAY_DIMENSIONS` attribute).
fn v2_metadata(w: &ZarrWrite) -> std::result::Result<ArrayMetadataV2, String> {
    use serde_json::json;
    let dtype = w.node.dtype;
    let compressor = match w.opts.compression {
        Compression::None => serde_json::Value::Null,
        Compression::Blosc {
            compressor,
            level,
            shuffle,
        } => json!({
            "id": "blosc",
            "cname": compressor.v2_name(),
            "clevel": level.min(9),
            "shuffle": match shuffle {
                Shuffle::None => 0,
                Shuffle::Byte => 1,
                Shuffle::Bit => 2,
            },
            "blocksize": 0,
        }),
        Compression::Zstd { level } => json!({ "id": "zstd", "level": level, "checksum": false }),
        Compression::Gzip { level } => json!({ "id": "gzip", "level": level.min(9) }),
    };
    let mut attributes = w.opts.attributes.clone();
    if let Some(names) = &w.opts.dimension_names {
        let names: Option<Vec<&String>> = names.iter().map(Option::as_ref).collect();
        let names = names.ok_or("Zarr v2 cannot store unnamed dimensions among named ones")?;
        attributes.insert(V2_DIMENSIONS_ATTRIBUTE.into(), json!(names));
    }
    let separator = w
        .opts
        .dimension_separator
        .unwrap_or(DimensionSeparator::Dot);
    let stored_axes = w.node.shape.len() - usize::from(w.complex);
    let (dtype_name, fill) = if w.complex {
        let name = if dtype == DType::F32 { "<c8" } else { "<c16" };
        (json!(name), json!([0.0, 0.0]))
    } else {
        (json!(v2_dtype(dtype)), v2_fill_json(w.fill))
    };
    let meta = json!({
        "zarr_format": 2,
        "shape": w.node.shape[..stored_axes],
        "chunks": w.storage_chunks,
        "dtype": dtype_name,
        "compressor": compressor,
        "fill_value": fill,
        "order": "C",
        "filters": null,
        "dimension_separator": separator.as_str(),
        "attributes": attributes,
    });
    serde_json::from_value(meta).map_err(|e| format!("building the v2 metadata: {e}"))
}
