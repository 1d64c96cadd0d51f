//! The scheduler: runs a plan's stages on a rayon pool.
//!
//! Stages run in dependency order; the tasks of a stage run in parallel, enumerated from the
//! stage by index arithmetic (no task list is ever built). A chunk that later stages read is
//! stored with the number of tasks that will read it (computed from the chunk grids) and
//! freed when the last of them has read it; chunks nobody reads are never computed. Inside a
//! reduce stage the tree is walked depth first, so partials are combined as soon as their
//! group is complete and a streaming reduction holds about `threads × split_every` partials.
//! A failing or panicking task cancels the rest and makes the computation return its error.

pub(crate) mod memory;
pub(crate) mod sink;

use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::eval::leaf::{Fetch, Payload};
use crate::eval::TaskEnv;
use crate::plan::{Plan, TaskCounts};
use memory::MemoryTracker;
use rayon::prelude::*;
use sink::OutputSink;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// Peak bytes held by stored chunks and task buffers (outputs not included).
    pub peak_bytes: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Atomic task counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    map: AtomicUsize,
    reduce_chunk: AtomicUsize,
    reduce_combine: AtomicUsize,
    stored: AtomicUsize,
    /// Where finished tasks are also reported.
    progress: Option<Arc<Progress>>,
}

impl Counters {
    fn tick(&self) {
        if let Some(p) = &self.progress {
            p.done.fetch_add(1, Ordering::Relaxed);
        }
    }
    pub(crate) fn add_map(&self) {
        self.map.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    pub(crate) fn add_reduce_chunk(&self) {
        self.reduce_chunk.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    pub(crate) fn add_combine(&self) {
        self.reduce_combine.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    fn counts(&self) -> TaskCounts {
        TaskCounts {
            map: self.map.load(Ordering::Relaxed),
            reduce_chunk: self.reduce_chunk.load(Ordering::Relaxed),
            reduce_combine: self.reduce_combine.load(Ordering::Relaxed),
        }
    }
}

/// Chunks stored for later stages, with their size and how many reads they still await.
type Store = Mutex<HashMap<usize, (Payload, usize, usize)>>;

struct Executor<'p> {
    plan: &'p Plan,
    /// For each stage read by later stages, how many reads each of its chunks will get (0:
    /// nothing needs it); empty for stages no later stage reads.
    reads: Vec<Vec<u32>>,
    store: Vec<Store>,
    mem: MemoryTracker,
    counters: Counters,
    cancel: AtomicBool,
    /// The first real error (tasks stopped by cancellation report `Cancelled`).
    first_error: Mutex<Option<Error>>,
}

impl Fetch for Executor<'_> {
    fn payload(&self, stage: usize, idx: usize) -> Result<Payload> {
        let mut st = self.store[stage]
            .lock()
            .map_err(|_| Error::internal("scheduler", "a lock was poisoned by a panic"))?;
        let Some(entry) = st.get_mut(&idx) else {
            return Err(Error::internal(
                format!("stage {stage} chunk {idx}"),
                "chunk read more often than planned",
            ));
        };
        entry.1 -= 1;
        let data = entry.0.clone();
        if entry.1 == 0 {
            let bytes = entry.2;
            st.remove(&idx);
            self.mem.sub(bytes);
        }
        Ok(data)
    }
}

/// How many times each chunk of each stage will be read by later stages' tasks, from the
/// operators' own [`reads`](crate::plan::ops::ChunkOp::reads). Stages are visited from the
/// last: a chunk no one reads (and that is no output) is culled, and its own reads are not
/// counted.
fn count_reads(plan: &Plan) -> Vec<Vec<u32>> {
    let n = plan.stages.len();
    let reads_stages = |c: usize| {
        plan.stages[c]
            .op
            .programs()
            .iter()
            .flat_map(|p| &p.leaves)
            .filter_map(|l| l.stage)
            .collect::<Vec<_>>()
    };
    let mut counts: Vec<Vec<u32>> = vec![Vec::new(); n];
    for c in 0..n {
        for k in reads_stages(c) {
            if counts[k].is_empty() {
                counts[k] = vec![0; plan.stages[k].node.grid.num_chunks()];
            }
        }
    }
    let mut first = Vec::new();
    let mut last = Vec::new();
    for c in (0..n).rev() {
        if reads_stages(c).is_empty() {
            continue;
        }
        let st = &plan.stages[c];
        let is_output = plan.outputs.contains(&c);
        for lin in 0..st.node.grid.num_chunks() {
            if !is_output && counts[c].get(lin).is_none_or(|&r| r == 0) {
                continue;
            }
            st.op.reads(&st.node, lin, &mut |r| {
                for leaf in &st.op.programs()[r.program].leaves {
                    let Some(k) = leaf.stage else { continue };
                    let lreg = leaf.region(&r.region);
                    if lreg.iter().any(|x| x.1 == 0) {
                        continue; // an empty region reads nothing
                    }
                    let grid = &plan.stages[k].node.grid;
                    let (a, b) = grid.chunk_box(&lreg);
                    first.clone_from(&a);
                    last.clone_from(&b);
                    let mut idx = first.clone();
                    loop {
                        counts[k][grid.ravel(&idx)] += 1;
                        if !crate::chunks::next_in_box(&mut idx, &first, &last) {
                            break;
                        }
                    }
                }
            });
        }
    }
    counts
}

impl Executor<'_> {
    fn env(&self) -> TaskEnv<'_> {
        TaskEnv {
            fetch: self,
            mem: &self.mem,
            counters: &self.counters,
            cancel: &self.cancel,
        }
    }

    fn run(&self, sinks: &[(usize, &dyn OutputSink)]) -> Result<()> {
        for (s, stage) in self.plan.stages.iter().enumerate() {
            let mine: Vec<&dyn OutputSink> = sinks
                .iter()
                .filter(|(o, _)| *o == s)
                .map(|(_, k)| *k)
                .collect();
            let n = stage.node.grid.num_chunks();
            let label = stage.node.label();
            let result = (0..n).into_par_iter().try_for_each(|lin| {
                let task = || -> Result<()> {
                    let env = self.env();
                    env.check()?;
                    let reads = self.reads[s].get(lin).map_or(0, |&r| r as usize);
                    if reads == 0 && mine.is_empty() {
                        return Ok(()); // culled: no one reads this chunk
                    }
                    let mut region = Vec::new();
                    let mut idx = Vec::new();
                    stage.node.grid.unravel(lin, &mut idx);
                    stage.node.grid.region(&idx, &mut region);
                    if let ([k], 0) = (mine.as_slice(), reads) {
                        if let Some(input) = stage.op.direct(&stage.node, lin) {
                            // Write straight into the output: no intermediate chunk.
                            env.counters.add_map();
                            let program = &stage.op.programs()[input.program];
                            return k.eval_into(program, &input, &region, &env);
                        }
                    }
                    let (payload, bytes) = stage.op.run_payload(&stage.node, lin, &env)?;
                    if !mine.is_empty() {
                        let chunk = payload.clone().downcast::<ChunkData>().map_err(|_| {
                            Error::internal(label.clone(), "an output stage produced no array data")
                        })?;
                        for k in &mine {
                            k.put(&region, &chunk)?;
                        }
                    }
                    if reads > 0 {
                        self.mem.add(bytes);
                        self.counters.stored.fetch_add(1, Ordering::Relaxed);
                        self.store[s]
                            .lock()
                            .map_err(|_| {
                                Error::internal("scheduler", "a lock was poisoned by a panic")
                            })?
                            .insert(lin, (payload, reads, bytes));
                    }
                    Ok(())
                };
                let r = match catch_unwind(AssertUnwindSafe(task)) {
                    Ok(r) => r,
                    Err(p) => Err(Error::Task {
                        task: String::new(),
                        msg: panic_message(&p),
                    }),
                };
                r.map_err(|e| {
                    self.cancel.store(true, Ordering::Relaxed);
                    let e = match e {
                        Error::Task { task, msg } => Error::Task {
                            task: if task.is_empty() {
                                format!("stage {s} ({label}) chunk {lin}")
                            } else {
                                format!("stage {s} ({label}) chunk {lin}: {task}")
                            },
                            msg,
                        },
                        Error::Internal { op, msg } => Error::Internal {
                            op: format!("stage {s} ({label}) chunk {lin}: {op}"),
                            msg,
                        },
                        other => other,
                    };
                    if !matches!(e, Error::Cancelled) {
                        if let Ok(mut first) = self.first_error.lock() {
                            first.get_or_insert_with(|| e.clone());
                        }
                    }
                    e
                })
            });
            if let Err(e) = result {
                // Report the failure that caused the cancellation, not a cancelled task.
                let first = self.first_error.lock().ok().and_then(|mut f| f.take());
                return Err(match (first, e) {
                    (Some(f), _) => f,
                    (None, Error::Cancelled) => {
                        Error::internal("scheduler", "cancelled with no failing task")
                    }
                    (None, e) => e,
                });
            }
        }
        Ok(())
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".into()
    }
}

/// Runs `plan`, delivering output `i` to `sinks[i]`.
pub(crate) fn execute(
    plan: &Plan,
    sinks: &[&dyn OutputSink],
    opts: &ComputeOptions,
) -> Result<ComputeStats> {
    let t0 = Instant::now();
    let ex = Executor {
        plan,
        reads: count_reads(plan),
        store: plan
            .stages
            .iter()
            .map(|_| Mutex::new(HashMap::new()))
            .collect(),
        mem: MemoryTracker::default(),
        counters: Counters {
            progress: opts.progress.clone(),
            ..Counters::default()
        },
        cancel: AtomicBool::new(false),
        first_error: Mutex::new(None),
    };
    let pairs: Vec<(usize, &dyn OutputSink)> = plan
        .outputs
        .iter()
        .zip(sinks)
        .map(|(&s, &k)| (s, k))
        .collect();
    if let Some(p) = &opts.progress {
        p.total
            .fetch_add(plan.task_counts().total(), Ordering::Relaxed);
    }
    let run = || ex.run(&pairs);
    match opts.threads {
        Some(n) => pool(n)?.install(run)?,
        None => run()?,
    }
    if let Some(p) = &opts.progress {
        // Culled tasks never run; the computation is complete all the same.
        let total = p.total();
        p.done.fetch_max(total, Ordering::Relaxed);
    }
    Ok(ComputeStats {
        tasks: ex.counters.counts(),
        stored_chunks: ex.counters.stored.load(Ordering::Relaxed),
        peak_bytes: ex.mem.peak(),
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
