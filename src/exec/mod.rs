//! The scheduler: runs a plan's chunk tasks on a pool of worker threads.
//!
//! [`scheduler`] holds the one dependency-counted task graph across all stages, enumerated
//! lazily; [`reads`] counts how often each stored chunk is read, so that it is freed after its
//! last reader (chunks nobody reads are never computed); [`sink`] delivers output chunks. A
//! failing or panicking task cancels the rest and makes the computation return its error.

// The distributed executor's entry points are used by `tessera::cluster` (feature `mpi`)
// and the tests.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) mod distributed;
mod message;
mod ranks;
mod reads;
mod scheduler;
pub(crate) mod sink;
mod spill;
mod store;

use crate::error::{Error, Result};
use crate::plan::{Plan, TaskCounts};
use crate::task::Counters;
use scheduler::Scheduler;
use sink::OutputSink;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Options of one computation.
#[derive(Debug, Clone, Default)]
pub struct ComputeOptions {
    /// Worker threads; `None` uses rayon's global pool (one thread per core).
    pub threads: Option<usize>,
    /// Where the computation reports its progress, if anywhere.
    pub progress: Option<Arc<Progress>>,
    /// The memory limit in bytes; `None` uses [`ComputeOptions::default_memory_limit`].
    pub memory_limit: Option<usize>,
    /// Where chunks that do not fit the memory limit are spilled; `None` uses
    /// [`ComputeOptions::default_spill_dir`].
    pub spill_dir: Option<std::path::PathBuf>,
}

/// The progress of a running computation: chunk tasks done out of the total, updated as
/// tasks finish. Share one with [`ComputeOptions::progress`] and read it from another thread
/// (for example to draw a progress bar).
///
/// ```
/// use std::sync::Arc;
/// use tessera::{Array, ComputeOptions, Progress};
/// let p = Arc::new(Progress::default());
/// let x = Array::<f64>::ones(&[100], 10).unwrap();
/// x.sum(..).unwrap().compute_with(&ComputeOptions::new().progress(p.clone())).unwrap();
/// // 10 chunk sums, then a tree of combine tasks (at most 8 inputs each).
/// assert_eq!((p.done(), p.total()), (13, 13));
/// ```
#[derive(Debug, Default)]
pub struct Progress {
    total: AtomicUsize,
    done: AtomicUsize,
}

impl Progress {
    /// Chunk tasks finished so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Chunk tasks in the computations started so far.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// One more task finished.
    pub(crate) fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl ComputeOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs on a pool of `n` threads.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n.max(1));
        self
    }

    /// Reports progress to `p`.
    pub fn progress(mut self, p: Arc<Progress>) -> Self {
        self.progress = Some(p);
        self
    }

    /// Limits the memory the computation's tracked data may take (stored chunks, reduction
    /// partials, task and read buffers) to `bytes`.
    ///
    /// A plan in which one task alone needs more is refused before anything runs
    /// ([`Error::MemoryLimit`], naming the operation, its chunk shape and a rechunk that
    /// would fit). While it runs, the scheduler starts a task only when the live bytes plus
    /// the task's projected bytes fit the limit, or when no other task is running (so that a
    /// plan always finishes; its stored chunks may then exceed the limit).
    ///
    /// ```
    /// use tessera::{Array, ComputeOptions, Error};
    /// let x = Array::<f64>::ones(&[1000, 1000], [100, 1000]).unwrap();
    /// let opts = ComputeOptions::new().memory_limit(1 << 20);
    /// // A task on a chunk of 100 x 1000 f64 (800 kB) fits 1 MiB ...
    /// assert_eq!(x.sum(..).unwrap().compute_with(&opts).unwrap()[[]], 1e6);
    /// // ... one on the whole array (8 MB) does not, and nothing runs.
    /// let whole = x.rechunk([1000, 1000]).unwrap();
    /// let e = (&whole * 2.0).sum(..).unwrap().compute_with(&opts).unwrap_err();
    /// assert!(matches!(e, Error::MemoryLimit { .. }), "{e}");
    /// ```
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// The memory limit used when none is set: the environment variable
    /// `TESSERA_MEMORY_LIMIT` (bytes, or a number with a `K`, `M`, `G` or `T` suffix in
    /// powers of 1024) where it is set and valid, otherwise three quarters of the memory
    /// available to the process (its cgroup limit or the physical memory).
    pub fn default_memory_limit() -> usize {
        std::env::var("TESSERA_MEMORY_LIMIT")
            .ok()
            .and_then(|v| parse_bytes(&v))
            .unwrap_or_else(|| crate::task::memory::available_memory() / 4 * 3)
    }

    /// The limit this computation runs under.
    pub(crate) fn limit(&self) -> usize {
        self.memory_limit.unwrap_or_else(Self::default_memory_limit)
    }

    /// Spills chunks that do not fit the memory limit under `dir`.
    ///
    /// A chunk that later stages read is kept in memory while the live bytes fit the limit.
    /// Over it, a chunk of a held source (cheap to read again) is dropped and re-read by each
    /// reader; any other chunk is written to a file in a directory of its own under `dir`
    /// (`tessera-spill-<pid>-<n>`), read back by its readers (each reads only the box it
    /// needs) and deleted after the last one. The directory is created with the first spilled
    /// chunk and removed when the computation ends, whether it succeeded, failed or panicked.
    ///
    /// ```
    /// use tessera::{Array, ComputeOptions};
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-spill-{}", std::process::id()));
    /// let a = ndarray::Array2::from_shape_fn((200, 200), |(i, j)| (i * 200 + j) as f64);
    /// let x = Array::from_ndarray(a.clone(), [10, 200]).unwrap(); // row chunks
    /// // A computed stage (320 kB) whose row chunks are read back as column chunks: every
    /// // column chunk needs a piece of every row chunk, so all of them are stored at once.
    /// let y = x.map_blocks(|b, _| Ok(b.mapv(|v| v * 2.0))).unwrap();
    /// let cols = y.rechunk([200, 10]).unwrap();
    /// let opts = ComputeOptions::new().memory_limit(200_000).spill_dir(&dir);
    /// let (sums, stats) = cols.sum(0).unwrap().compute_stats(&opts).unwrap();
    /// assert_eq!(sums[[7]], 2.0 * a.column(7).sum());
    /// assert!(stats.spilled_chunks > 0);
    /// // The computation's spill directory is gone.
    /// assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    /// std::fs::remove_dir(&dir).unwrap();
    /// ```
    pub fn spill_dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.spill_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The spill directory used when none is set: the environment variable
    /// `TESSERA_SPILL_DIR` where it is set, otherwise the system's temporary directory.
    pub fn default_spill_dir() -> std::path::PathBuf {
        std::env::var_os("TESSERA_SPILL_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
    }
}

/// Parses a memory size as the `TESSERA_MEMORY_LIMIT` variable and the command-line tool
/// take it: a whole number of bytes with an optional `K`, `M`, `G` or `T` suffix (powers of
/// 1024, either case); `None` for anything else or a size that overflows.
///
/// ```
/// assert_eq!(tessera::parse_memory_size("512M"), Some(512 << 20));
/// assert_eq!(tessera::parse_memory_size("1.5G"), None);
/// ```
pub fn parse_memory_size(v: &str) -> Option<usize> {
    parse_bytes(v)
}

/// `"512M"`-style sizes: a whole number of bytes with an optional binary suffix.
fn parse_bytes(v: &str) -> Option<usize> {
    let v = v.trim();
    let (digits, shift) = match v.char_indices().last()? {
        (i, 'k' | 'K') => (&v[..i], 10),
        (i, 'm' | 'M') => (&v[..i], 20),
        (i, 'g' | 'G') => (&v[..i], 30),
        (i, 't' | 'T') => (&v[..i], 40),
        _ => (v, 0),
    };
    digits
        .trim()
        .parse::<usize>()
        .ok()?
        .checked_mul(1usize << shift)
}

/// Refuses a plan in which one task alone would need more than `budget` bytes, naming the
/// first such stage's operation and chunk shape and a chunk shape that would fit.
fn check_fits(plan: &Plan, budget: usize) -> Result<()> {
    for stage in &plan.stages {
        let projected = stage.projected_task_bytes();
        if projected <= budget {
            continue;
        }
        let chunk = stage.op.task_chunk_shape(&stage.node);
        // Shrink the longest axes until the task would fit with room to spare.
        let mut fit = chunk.clone();
        let mut bytes = projected as f64;
        while bytes > budget as f64 / 2.0 {
            let Some((a, &len)) = fit.iter().enumerate().max_by_key(|(_, &l)| l) else {
                break;
            };
            if len <= 1 {
                break;
            }
            fit[a] = len.div_ceil(2);
            bytes *= fit[a] as f64 / len as f64;
        }
        let hint = if bytes <= budget as f64 {
            format!("rechunk its input to chunks of at most {fit:?}, or raise the memory limit")
        } else {
            "raise the memory limit".into()
        };
        return Err(Error::MemoryLimit {
            op: stage.node.label(),
            chunk,
            projected,
            budget,
            hint,
        });
    }
    Ok(())
}

/// The process's peak resident memory in bytes so far (Linux `VmHWM`), where the OS reports
/// it; what [`ComputeStats::peak_rss`] holds at the end of a computation.
///
/// ```
/// if cfg!(target_os = "linux") {
///     assert!(tessera::peak_rss().unwrap() > 0);
/// }
/// ```
pub fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// What a computation did: tasks run by kind, chunks stored between stages, peak memory.
#[derive(Debug, Clone, Default)]
pub struct ComputeStats {
    /// Tasks run, by kind.
    pub tasks: TaskCounts,
    /// Chunks materialized for other stages to read (fused work materializes none).
    pub stored_chunks: usize,
    /// Peak bytes held by stored chunks, reduction partials, task buffers and read buffers
    /// (outputs not included).
    pub peak_bytes: usize,
    /// The most tasks the scheduler held at once: admitted and not finished (ready, waiting
    /// or running) and open nodes of reduction trees. It grows with the threads and the
    /// scheduler's look-ahead, not with the number of chunks.
    pub peak_tasks: usize,
    /// The memory limit the computation ran under, in bytes.
    pub memory_limit: usize,
    /// Chunks written to spill files because they did not fit the memory limit.
    pub spilled_chunks: usize,
    /// Bytes written to spill files.
    pub spilled_bytes: usize,
    /// Chunks of held sources dropped over the memory limit and re-read by their readers.
    pub dropped_chunks: usize,
    /// The process's peak resident memory in bytes when the computation finished, where the
    /// OS reports it (Linux `VmHWM`: the peak over the process's life so far, not only this
    /// computation).
    pub peak_rss: Option<usize>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Runs `plan`, delivering output `i` to `sinks[i]`.
pub(crate) fn execute(
    plan: &Plan,
    sinks: &[&dyn OutputSink],
    opts: &ComputeOptions,
) -> Result<ComputeStats> {
    let t0 = Instant::now();
    if let Some(p) = &opts.progress {
        p.total
            .fetch_add(plan.task_counts().total(), Ordering::Relaxed);
    }
    let budget = opts.limit();
    check_fits(plan, budget)?;
    let counters = Counters::new(opts.progress.clone());
    // Dropped after the scheduler, whatever happens: the spill files go with it.
    let spill = spill::SpillDir::new(
        opts.spill_dir
            .clone()
            .unwrap_or_else(ComputeOptions::default_spill_dir),
    );
    let sched = if scheduler::in_worker() {
        // Started from inside a task: run on this thread, whose pool is busy with the outer
        // computation.
        let sched = Scheduler::new(plan, sinks, 1, counters, budget, &spill, None);
        sched.worker();
        sched
    } else {
        let n = opts
            .threads
            .unwrap_or_else(rayon::current_num_threads)
            .max(1);
        let sched = Scheduler::new(plan, sinks, n, counters, budget, &spill, None);
        pool(n)?.broadcast(|_| sched.worker());
        sched
    };
    stats_of(&sched, &spill, budget, t0, opts)
}

/// What a finished computation did, or its error.
fn stats_of(
    sched: &Scheduler<'_>,
    spill: &spill::SpillDir,
    budget: usize,
    t0: Instant,
    opts: &ComputeOptions,
) -> Result<ComputeStats> {
    let spilled = spill.chunks.load(Ordering::Relaxed);
    if spilled > 0 {
        // A computation at its memory limit: leave nothing the allocator could hand back.
        store::release_freed_memory();
    }
    if let Some(e) = sched.error() {
        return Err(e);
    }
    if let Some(p) = &opts.progress {
        // Culled tasks never run; the computation is complete all the same.
        let total = p.total();
        p.done.fetch_max(total, Ordering::Relaxed);
    }
    Ok(ComputeStats {
        tasks: sched.counters.counts(),
        stored_chunks: sched.store.stored.load(Ordering::Relaxed),
        peak_bytes: sched.mem.peak(),
        peak_tasks: sched.peak_tasks(),
        memory_limit: budget,
        spilled_chunks: spilled,
        spilled_bytes: spill.bytes.load(Ordering::Relaxed),
        dropped_chunks: sched.store.dropped.load(Ordering::Relaxed),
        peak_rss: peak_rss(),
        elapsed: t0.elapsed(),
    })
}

/// A cached rayon pool with `n` threads.
fn pool(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut p = pools
        .lock()
        .map_err(|_| Error::internal("scheduler", "a lock was poisoned by a panic"))?;
    if let Some(tp) = p.get(&n) {
        return Ok(tp.clone());
    }
    let tp = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("tessera-{i}"))
        .build()
        .map_err(|e| Error::Argument {
            op: "compute".into(),
            msg: format!("cannot start {n} threads: {e}"),
        })?;
    let tp = Arc::new(tp);
    p.insert(n, tp.clone());
    Ok(tp)
}

#[cfg(test)]
mod tests {
    #[test]
    fn memory_sizes_parse_with_binary_suffixes() {
        use super::parse_bytes;
        assert_eq!(parse_bytes("4096"), Some(4096));
        assert_eq!(parse_bytes(" 512M "), Some(512 << 20));
        assert_eq!(parse_bytes("2g"), Some(2 << 30));
        assert_eq!(parse_bytes("3K"), Some(3 << 10));
        assert_eq!(parse_bytes("1T"), Some(1 << 40));
        for bad in ["", "M", "-1", "1.5G", "12Q", "99999999999999999999T"] {
            assert_eq!(parse_bytes(bad), None, "{bad:?}");
        }
    }

    use crate::chunks::{ChunkGrid, ChunkSpec};
    use crate::dtype::{DType, Element};
    use crate::expr::{Node, Op};
    use crate::{Array, Error};
    use ndarray::{ArrayD, IxDyn};
    use std::sync::Arc;

    /// An array whose in-memory data is shorter than its declared shape: reading its last
    /// chunks slices out of bounds, which panics inside the task.
    fn broken() -> Array<f64> {
        let data = Arc::new(f64::into_chunk(ArrayD::zeros(IxDyn(&[4]))));
        let grid = ChunkGrid::new(&[10], ChunkSpec::Uniform(3), 8).unwrap();
        Array::wrap(Node::new(DType::F64, vec![10], grid, Op::Memory(data)))
    }

    #[test]
    fn a_panicking_task_becomes_an_error_naming_it() {
        for threads in [1, 2, 4] {
            let opts = super::ComputeOptions::new().threads(threads);
            let e = (&broken() + 1.0)
                .sum(..)
                .unwrap()
                .compute_with(&opts)
                .unwrap_err();
            match &e {
                Error::Task { task, msg } => {
                    assert!(task.contains("stage 0") && task.contains("chunk"), "{e}");
                    assert!(msg.contains("panicked"), "{e}");
                }
                other => panic!("expected a task error, got {other}"),
            }
            // A map stage writing straight into the output fails the same way.
            let e = (&broken() * 2.0).compute_with(&opts).unwrap_err();
            assert!(matches!(e, Error::Task { .. }), "{e}");
        }
    }
}
