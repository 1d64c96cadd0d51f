//! The scheduler: runs a plan's chunk tasks on a pool of worker threads.
//!
//! [`scheduler`] holds the one dependency-counted task graph across all stages, enumerated
//! lazily; [`reads`] counts how often each stored chunk is read, so that it is freed after its
//! last reader (chunks nobody reads are never computed); [`sink`] delivers output chunks. A
//! failing or panicking task cancels the rest and makes the computation return its error.

mod reads;
mod scheduler;
pub(crate) mod sink;

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
    let counters = Counters::new(opts.progress.clone());
    let sched = if scheduler::in_worker() {
        // Started from inside a task: run on this thread, whose pool is busy with the outer
        // computation.
        let sched = Scheduler::new(plan, sinks, 1, counters);
        sched.worker();
        sched
    } else {
        let n = opts
            .threads
            .unwrap_or_else(rayon::current_num_threads)
            .max(1);
        let sched = Scheduler::new(plan, sinks, n, counters);
        pool(n)?.broadcast(|_| sched.worker());
        sched
    };
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
        stored_chunks: sched.stored.load(Ordering::Relaxed),
        peak_bytes: sched.mem.peak(),
        peak_tasks: sched.peak_tasks(),
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
