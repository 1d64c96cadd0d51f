//! The dependency-counted scheduler: every task of every stage, one ready queue.
//!
//! Tasks are enumerated lazily from the stages, never listed in advance: each stage has a
//! cursor over its output chunks (and, for a tree operator, a depth-first walk over the
//! current output chunk's reduction tree). A task waits for the stored chunks it reads (its
//! dependencies, found by index arithmetic from its operator's input regions) and becomes
//! ready when the last of them is stored; a combine task of a reduction tree becomes ready
//! when its children's partials have arrived. Stages overlap: a task of a later stage runs as
//! soon as its inputs exist, without waiting for its whole input stage.
//!
//! [`Scheduler::admit_next`] is the single admission point for enumeration: it picks which
//! task enters the computation next (the latest stage whose next task reads only chunks
//! already admitted, so a waiting task never waits for a task that has not been enumerated).
//! [`Scheduler::next_job`] is the single point where a ready task starts: only when the live
//! bytes, the running tasks' projected bytes and its own fit the memory limit, or when no
//! other task runs (so a plan always finishes). The ready queue prefers later stages and combine tasks, which
//! consume and free stored chunks and partials. The scheduler holds the tasks admitted and
//! not yet finished (at most a look-ahead of waiting tasks, plus the ready and running ones
//! and the open nodes of reduction trees), whatever the number of chunks.
//!
//! Workers are the threads of a rayon pool, each running [`Scheduler::worker`]; no code
//! inside a task starts parallel work of its own. The first real error wins: it sets the
//! cancellation flag, running tasks stop at their next check, and every worker returns.

use super::reads::upstream_chunks;
use super::sink::OutputSink;
use super::spill::SpillDir;
use super::store::{ChunkStore, Taken};
use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::plan::ops::{TreeBox, TreeOp};
use crate::plan::Plan;
use crate::task::memory::MemoryTracker;
use crate::task::{Counters, Fetch, Payload, TaskEnv};
use std::cell::Cell;
use std::collections::{BinaryHeap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

thread_local! {
    /// Set while this thread runs a scheduler worker: a computation started from inside a
    /// task (a `map_blocks` function calling `compute`) then runs on this thread alone.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is a scheduler worker.
pub(super) fn in_worker() -> bool {
    IN_WORKER.with(|w| w.get())
}

/// What a task computes.
enum Work {
    /// A whole output chunk (operators without a tree).
    Whole,
    /// The partial of one input chunk of a reduction tree.
    Leaf(TreeBox),
    /// The merge of a tree node's children's partials, with their bytes.
    Combine(Vec<Payload>, usize),
}

/// One task: output chunk `lin` of stage `stage`, or a node of its reduction tree.
struct Job {
    stage: usize,
    lin: usize,
    work: Work,
    /// For a tree task below the root: the open combine node it feeds, and its position.
    parent: Option<(u64, usize)>,
}

/// A task in the ready queue, ordered by priority.
struct Ready {
    stage: usize,
    combine: bool,
    seq: u64,
    job: Job,
}

impl Ready {
    fn key(&self) -> (usize, bool, std::cmp::Reverse<u64>) {
        (self.stage, self.combine, std::cmp::Reverse(self.seq))
    }
}
impl PartialEq for Ready {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ready {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key().cmp(&o.key())
    }
}

/// A node of a reduction tree whose children are not all finished.
struct OpenNode {
    stage: usize,
    lin: usize,
    parts: Vec<Option<Payload>>,
    bytes: usize,
    pending: usize,
    parent: Option<(u64, usize)>,
}

/// One level of a stage's depth-first walk over a reduction tree.
struct Frame {
    id: u64,
    children: Vec<TreeBox>,
    next: usize,
}

/// Where a stage's enumeration stands.
#[derive(Default)]
struct Cursor {
    /// Output chunks before this one have all their tasks admitted.
    next: usize,
    /// The walk over output chunk `next`'s tree, while one is under way.
    walk: Option<Vec<Frame>>,
    /// The stage's next task, produced but not admitted yet, with its dependencies.
    peeked: Option<(Job, Vec<(usize, usize)>)>,
}

/// The scheduler's mutable state, behind one lock.
struct State {
    ready: BinaryHeap<Ready>,
    /// Admitted tasks waiting for stored chunks, with how many they still wait for.
    waiting: HashMap<u64, (Job, usize)>,
    /// The waiting tasks of each stored chunk `(stage, chunk)` not yet computed.
    waiters: HashMap<(usize, usize), Vec<u64>>,
    open: HashMap<u64, OpenNode>,
    cursors: Vec<Cursor>,
    /// Per stage read by others: which of its chunks are computed.
    done: Vec<Vec<bool>>,
    running: usize,
    /// Projected bytes of the running tasks.
    reserved: usize,
    next_id: u64,
    seq: u64,
    peak_tasks: usize,
}

impl State {
    fn tasks(&self) -> usize {
        self.ready.len() + self.waiting.len() + self.open.len() + self.running
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn push_ready(&mut self, job: Job) {
        self.seq += 1;
        self.ready.push(Ready {
            stage: job.stage,
            combine: matches!(job.work, Work::Combine(..)),
            seq: self.seq,
            job,
        });
        self.peak_tasks = self.peak_tasks.max(self.tasks());
    }

    fn enumerated(&self, stage: usize, chunk: usize) -> bool {
        self.cursors[stage].next > chunk
    }

    fn is_done(&self, stage: usize, chunk: usize) -> bool {
        self.done[stage].get(chunk).copied().unwrap_or(false)
    }
}

/// What a finished task hands back.
enum Finished {
    /// An output chunk of its stage (already delivered to sinks and stored).
    Chunk,
    /// A partial for the parent node of a reduction tree, with its bytes.
    Part(Payload, usize),
}

/// Runs one plan.
pub(super) struct Scheduler<'p> {
    plan: &'p Plan,
    /// The sinks of each stage's output chunks.
    sinks: Vec<Vec<&'p dyn OutputSink>>,
    /// How many reads each stored chunk will get (empty for stages no one reads).
    reads: Vec<Vec<u32>>,
    /// Chunks stored for later stages (in memory, spilled or dropped).
    pub store: ChunkStore<'p>,
    pub mem: MemoryTracker,
    pub counters: Counters,
    cancel: AtomicBool,
    first_error: Mutex<Option<Error>>,
    state: Mutex<State>,
    wake: Condvar,
    /// How many waiting tasks may be admitted ahead of the running ones.
    lookahead: usize,
    /// The memory limit: a task starts only when the live bytes plus the running tasks'
    /// and its own projected bytes fit, or when no other task runs.
    budget: usize,
    /// Each stage's projected bytes of one task.
    task_bytes: Vec<usize>,
}

impl Fetch for Scheduler<'_> {
    fn payload(&self, stage: usize, idx: usize) -> Result<Payload> {
        match self.store.take(&self.mem, stage, idx, None)? {
            Taken::Data(p, _, _) => Ok(p),
            Taken::Recompute => self.recompute(stage, idx),
        }
    }

    fn chunk_part(
        &self,
        stage: usize,
        idx: usize,
        part: &[(usize, usize)],
    ) -> Result<crate::task::ChunkPart> {
        let (payload, sub, owned) = match self.store.take(&self.mem, stage, idx, Some(part))? {
            Taken::Data(p, sub, owned) => (p, sub, owned),
            Taken::Recompute => (self.recompute(stage, idx)?, part.to_vec(), true),
        };
        let chunk = payload.downcast::<ChunkData>().map_err(|_| {
            Error::internal(
                format!("stage {stage} chunk {idx}"),
                "a stage's partials read as array data",
            )
        })?;
        Ok((chunk, sub, owned))
    }
}

fn poisoned() -> Error {
    Error::internal("scheduler", "a lock was poisoned by a panic")
}

impl<'p> Scheduler<'p> {
    /// A scheduler for `plan` delivering output `i` to `sinks[i]`, with `threads` workers.
    pub(super) fn new(
        plan: &'p Plan,
        sinks: &[&'p dyn OutputSink],
        threads: usize,
        counters: Counters,
        budget: usize,
        spill: &'p SpillDir,
    ) -> Self {
        let n = plan.stages.len();
        let mut per_stage: Vec<Vec<&dyn OutputSink>> = vec![Vec::new(); n];
        for (&s, &k) in plan.outputs.iter().zip(sinks) {
            per_stage[s].push(k);
        }
        let reads = super::reads::count_reads(plan, &|s, lin| skipped(plan, &per_stage[s], s, lin));
        let done = reads.iter().map(|r| vec![false; r.len()]).collect();
        let task_bytes: Vec<usize> = plan
            .stages
            .iter()
            .map(|s| s.projected_task_bytes())
            .collect();
        // Room kept for the running tasks' buffers when deciding whether a stored chunk fits.
        let headroom = task_bytes
            .iter()
            .max()
            .copied()
            .unwrap_or(0)
            .saturating_mul(threads)
            .min(budget / 2);
        let overflow = plan.stages.iter().map(|s| s.overflow).collect();
        Scheduler {
            plan,
            sinks: per_stage,
            reads,
            store: ChunkStore::new(
                overflow,
                spill,
                budget,
                headroom,
                crate::eval::pool::idle_bytes,
            ),
            mem: MemoryTracker::default(),
            counters,
            cancel: AtomicBool::new(false),
            first_error: Mutex::new(None),
            state: Mutex::new(State {
                ready: BinaryHeap::new(),
                waiting: HashMap::new(),
                waiters: HashMap::new(),
                open: HashMap::new(),
                cursors: (0..n).map(|_| Cursor::default()).collect(),
                done,
                running: 0,
                reserved: 0,
                next_id: 0,
                seq: 0,
                peak_tasks: 0,
            }),
            wake: Condvar::new(),
            lookahead: 4 * threads + 16,
            budget,
            task_bytes,
        }
    }

    /// Computes chunk `lin` of stage `s` again, for a reader of a chunk dropped over the
    /// memory budget.
    fn recompute(&self, s: usize, lin: usize) -> Result<Payload> {
        let stage = &self.plan.stages[s];
        Ok(stage.op.run_payload(&stage.node, lin, &self.env())?.0)
    }

    /// The most tasks held at once (admitted and not finished, and open tree nodes).
    pub(super) fn peak_tasks(&self) -> usize {
        self.state.lock().map(|s| s.peak_tasks).unwrap_or(0)
    }

    /// The first real error, if a task failed.
    pub(super) fn error(&self) -> Option<Error> {
        let first = self.first_error.lock().ok().and_then(|mut f| f.take());
        match first {
            Some(e) => Some(e),
            None if self.cancel.load(Ordering::Relaxed) => Some(Error::internal(
                "scheduler",
                "cancelled with no failing task",
            )),
            None => None,
        }
    }

    fn env(&self) -> TaskEnv<'_> {
        TaskEnv {
            fetch: self,
            mem: &self.mem,
            counters: &self.counters,
            cancel: &self.cancel,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| poisoned())
    }

    /// Whether chunk `lin` of stage `s` is needed: read by a later task, or an output chunk
    /// that its sinks do not already hold.
    fn needed(&self, s: usize, lin: usize) -> bool {
        self.reads[s].get(lin).is_some_and(|&r| r > 0)
            || (!self.sinks[s].is_empty() && !skipped(self.plan, &self.sinks[s], s, lin))
    }

    /// Runs tasks until the computation is complete or has failed.
    pub(super) fn worker(&self) {
        let was = IN_WORKER.with(|w| w.replace(true));
        let r = catch_unwind(AssertUnwindSafe(|| self.work_loop()));
        IN_WORKER.with(|w| w.set(was));
        let err = match r {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(p) => Error::internal("scheduler", panic_message(&p)),
        };
        self.fail(err);
    }

    fn work_loop(&self) -> Result<()> {
        while let Some((job, reserved)) = self.next_job()? {
            let (stage, lin) = (job.stage, job.lin);
            let parent = job.parent;
            let r = match catch_unwind(AssertUnwindSafe(|| self.run_job(job))) {
                Ok(r) => r,
                Err(p) => Err(Error::Task {
                    task: String::new(),
                    msg: panic_message(&p),
                }),
            };
            match r {
                Ok(done) => self.complete(stage, lin, parent, reserved, done)?,
                Err(e) => {
                    self.fail(self.label(stage, lin, e));
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Records a failure (the first real one wins) and stops every worker.
    fn fail(&self, e: Error) {
        self.cancel.store(true, Ordering::Relaxed);
        if !matches!(e, Error::Cancelled) {
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert(e);
            }
        }
        // Take the lock so that no worker misses the wake-up between its check and its wait.
        drop(self.state.lock());
        self.wake.notify_all();
    }

    /// Names the task that failed in its error.
    fn label(&self, s: usize, lin: usize, e: Error) -> Error {
        let label = self.plan.stages[s].node.label();
        match e {
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
        }
    }

    /// The next task to run with the bytes reserved for it, or `None` when the computation
    /// is complete or cancelled.
    fn next_job(&self) -> Result<Option<(Job, usize)>> {
        let mut st = self.lock()?;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(top) = st.ready.peek() {
                let projected = match top.job.work {
                    Work::Combine(..) => 0, // its partials are live already
                    _ => self.task_bytes[top.job.stage],
                };
                let need = self
                    .mem
                    .live()
                    .saturating_add(st.reserved)
                    .saturating_add(projected);
                if st.running == 0 || need <= self.budget {
                    if let Some(r) = st.ready.pop() {
                        st.running += 1;
                        st.reserved += projected;
                        return Ok(Some((r.job, projected)));
                    }
                }
                // Over the limit: wait for a running task to finish and free memory.
                st = self.wake.wait(st).map_err(|_| poisoned())?;
                continue;
            }
            if st.waiting.len() < self.lookahead || st.running == 0 {
                if self.admit_next(&mut st) {
                    continue;
                }
                if st.running == 0 {
                    if st.waiting.is_empty() && st.open.is_empty() {
                        self.wake.notify_all();
                        return Ok(None); // every task has run
                    }
                    return Err(Error::internal(
                        "scheduler",
                        "tasks wait for chunks no task will compute",
                    ));
                }
            }
            st = self.wake.wait(st).map_err(|_| poisoned())?;
        }
    }

    /// The admission point: admits the next task of the latest stage whose next task reads
    /// only chunks already admitted. Returns `false` when every task has been admitted.
    fn admit_next(&self, st: &mut State) -> bool {
        for s in (0..self.plan.stages.len()).rev() {
            if st.cursors[s].peeked.is_none() {
                let Some(job) = self.produce(st, s) else {
                    continue;
                };
                let deps = self.deps(&job);
                st.cursors[s].peeked = Some((job, deps));
            }
            let Some((_, deps)) = &st.cursors[s].peeked else {
                continue;
            };
            if !deps.iter().all(|&(k, c)| st.enumerated(k, c)) {
                continue;
            }
            let Some((job, deps)) = st.cursors[s].peeked.take() else {
                continue;
            };
            let cur = &mut st.cursors[s];
            match cur.walk.as_mut() {
                // The last leaf of an output chunk's tree completes the chunk's enumeration.
                Some(walk) => {
                    while walk.last().is_some_and(|f| f.next >= f.children.len()) {
                        walk.pop();
                    }
                    if walk.is_empty() {
                        cur.walk = None;
                        cur.next = job.lin + 1;
                    }
                }
                None => cur.next = job.lin + 1,
            }
            let mut pending = 0;
            let id = st.id();
            for &(k, c) in &deps {
                if !st.is_done(k, c) {
                    pending += 1;
                    st.waiters.entry((k, c)).or_default().push(id);
                }
            }
            if pending == 0 {
                st.push_ready(job);
            } else {
                st.waiting.insert(id, (job, pending));
                st.peak_tasks = st.peak_tasks.max(st.tasks());
            }
            return true;
        }
        false
    }

    /// The next task of stage `s` in enumeration order, or `None` when it has no more.
    fn produce(&self, st: &mut State, s: usize) -> Option<Job> {
        let stage = &self.plan.stages[s];
        let total = stage.node.grid.num_chunks();
        loop {
            let cur = &mut st.cursors[s];
            if let (Some(walk), Some(tree)) = (cur.walk.as_mut(), stage.op.tree()) {
                while walk.last().is_some_and(|f| f.next >= f.children.len()) {
                    walk.pop();
                }
                let lin = cur.next;
                match walk.last_mut() {
                    None => {
                        cur.walk = None;
                        cur.next += 1;
                        continue;
                    }
                    Some(f) => {
                        let pos = f.next;
                        f.next += 1;
                        let bx = f.children[pos].clone();
                        let parent = Some((f.id, pos));
                        return Some(self.descend(st, tree, s, lin, bx, parent));
                    }
                }
            }
            if cur.next >= total {
                return None;
            }
            let lin = cur.next;
            if !self.needed(s, lin) {
                cur.next += 1; // culled: nothing reads this chunk
                continue;
            }
            match stage.op.tree() {
                Some(tree) => {
                    cur.walk = Some(Vec::new());
                    let root = tree.root(&stage.node, lin);
                    return Some(self.descend(st, tree, s, lin, root, None));
                }
                None => {
                    return Some(Job {
                        stage: s,
                        lin,
                        work: Work::Whole,
                        parent: None,
                    })
                }
            }
        }
    }

    /// Descends from tree box `bx` to its first leaf, opening a node for every box with
    /// children on the way.
    fn descend(
        &self,
        st: &mut State,
        tree: &dyn TreeOp,
        s: usize,
        lin: usize,
        mut bx: TreeBox,
        mut parent: Option<(u64, usize)>,
    ) -> Job {
        while let Some(children) = tree.children(&bx) {
            let id = st.id();
            st.open.insert(
                id,
                OpenNode {
                    stage: s,
                    lin,
                    parts: vec![None; children.len()],
                    bytes: 0,
                    pending: children.len(),
                    parent,
                },
            );
            bx = children[0].clone();
            parent = Some((id, 0));
            if let Some(walk) = st.cursors[s].walk.as_mut() {
                walk.push(Frame {
                    id,
                    children,
                    next: 1,
                });
            }
        }
        Job {
            stage: s,
            lin,
            work: Work::Leaf(bx),
            parent,
        }
    }

    /// The stored chunks `(stage, chunk)` task `job` reads, each once.
    fn deps(&self, job: &Job) -> Vec<(usize, usize)> {
        let stage = &self.plan.stages[job.stage];
        let mut out = Vec::new();
        let mut add = |r: &crate::plan::ops::InputRegion| {
            upstream_chunks(self.plan, stage, r, &mut |k, c| out.push((k, c)));
        };
        match (&job.work, stage.op.tree()) {
            (Work::Whole, _) => stage.op.reads(&stage.node, job.lin, &mut add),
            (Work::Leaf(bx), Some(tree)) => tree.leaf_reads(&stage.node, job.lin, bx, &mut add),
            _ => {}
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Runs one task.
    fn run_job(&self, job: Job) -> Result<Finished> {
        let env = self.env();
        env.check()?;
        let stage = &self.plan.stages[job.stage];
        let (s, lin) = (job.stage, job.lin);
        let tree = stage.op.tree();
        let part = match (job.work, tree) {
            (Work::Whole, _) => return self.run_whole(s, lin, &env),
            (Work::Leaf(bx), Some(tree)) => tree.leaf(&stage.node, lin, &bx, &env)?,
            (Work::Combine(parts, bytes), Some(tree)) => {
                let r = tree.combine(&parts, &env);
                drop(parts);
                self.mem.sub(bytes);
                r?
            }
            _ => {
                return Err(Error::internal(
                    "scheduler",
                    "a tree task of a stage with no tree",
                ))
            }
        };
        match (job.parent, tree) {
            (Some(_), _) => Ok(Finished::Part(part.0, part.1)),
            (None, Some(tree)) => {
                let chunk = tree.finish(&stage.node, lin, &part.0, &env)?;
                let bytes = chunk.nbytes();
                self.deliver(s, lin, Arc::new(chunk), bytes)?;
                Ok(Finished::Chunk)
            }
            (None, None) => Err(Error::internal(
                "scheduler",
                "a tree task of a stage with no tree",
            )),
        }
    }

    /// Runs an operator's task for a whole output chunk.
    fn run_whole(&self, s: usize, lin: usize, env: &TaskEnv<'_>) -> Result<Finished> {
        let stage = &self.plan.stages[s];
        let reads = self.reads[s].get(lin).map_or(0, |&r| r as usize);
        if let ([k], 0) = (self.sinks[s].as_slice(), reads) {
            if let Some(input) = stage.op.direct(&stage.node, lin) {
                // Write straight into the output: no intermediate chunk.
                env.counters.add_map();
                let program = &stage.op.programs()[input.program];
                let region = crate::plan::ops::chunk_region(&stage.node.grid, lin);
                k.eval_into(program, &input, &region, env)?;
                return Ok(Finished::Chunk);
            }
        }
        let (payload, bytes) = stage.op.run_payload(&stage.node, lin, env)?;
        self.deliver_payload(s, lin, payload, bytes)?;
        Ok(Finished::Chunk)
    }

    /// Hands an output chunk to the stage's sinks and stores it for later readers.
    fn deliver(&self, s: usize, lin: usize, chunk: Arc<ChunkData>, bytes: usize) -> Result<()> {
        if !self.sinks[s].is_empty() {
            let region = crate::plan::ops::chunk_region(&self.plan.stages[s].node.grid, lin);
            for k in &self.sinks[s] {
                k.put(&region, &chunk)?;
            }
        }
        self.keep(s, lin, chunk, bytes)
    }

    fn deliver_payload(&self, s: usize, lin: usize, payload: Payload, bytes: usize) -> Result<()> {
        if self.sinks[s].is_empty() {
            return self.keep(s, lin, payload, bytes);
        }
        let chunk = payload.downcast::<ChunkData>().map_err(|_| {
            Error::internal(
                self.plan.stages[s].node.label(),
                "an output stage produced no array data",
            )
        })?;
        self.deliver(s, lin, chunk, bytes)
    }

    /// Stores chunk `lin` of stage `s` when later tasks read it.
    fn keep(&self, s: usize, lin: usize, payload: Payload, bytes: usize) -> Result<()> {
        let reads = self.reads[s].get(lin).map_or(0, |&r| r as usize);
        if reads > 0 {
            self.store.keep(&self.mem, s, lin, payload, bytes, reads)?;
        }
        Ok(())
    }

    /// Records a finished task: wakes the tasks waiting for its chunk, or hands its partial
    /// to its tree node (which becomes ready with its last child).
    fn complete(
        &self,
        s: usize,
        lin: usize,
        parent: Option<(u64, usize)>,
        reserved: usize,
        done: Finished,
    ) -> Result<()> {
        let mut st = self.lock()?;
        st.running -= 1;
        st.reserved -= reserved;
        match (done, parent) {
            (Finished::Part(part, bytes), Some((id, pos))) => {
                self.mem.add(bytes);
                let node = st
                    .open
                    .get_mut(&id)
                    .ok_or_else(|| Error::internal("scheduler", "a partial for no tree node"))?;
                node.parts[pos] = Some(part);
                node.bytes += bytes;
                node.pending -= 1;
                if node.pending == 0 {
                    if let Some(node) = st.open.remove(&id) {
                        let parts = node.parts.into_iter().flatten().collect();
                        st.push_ready(Job {
                            stage: node.stage,
                            lin: node.lin,
                            work: Work::Combine(parts, node.bytes),
                            parent: node.parent,
                        });
                    }
                }
            }
            (Finished::Chunk, _) => {
                if let Some(d) = st.done[s].get_mut(lin) {
                    *d = true;
                }
                for id in st.waiters.remove(&(s, lin)).unwrap_or_default() {
                    let Some(w) = st.waiting.get_mut(&id) else {
                        continue;
                    };
                    w.1 -= 1;
                    if w.1 == 0 {
                        if let Some((job, _)) = st.waiting.remove(&id) {
                            st.push_ready(job);
                        }
                    }
                }
            }
            (Finished::Part(..), None) => {
                return Err(Error::internal("scheduler", "a partial with no tree node"));
            }
        }
        drop(st);
        self.wake.notify_all();
        Ok(())
    }
}

/// Whether output chunk `lin` of stage `s` is already in place in every one of its `sinks`
/// (see [`OutputSink::skip`]).
fn skipped(plan: &Plan, sinks: &[&dyn OutputSink], s: usize, lin: usize) -> bool {
    if sinks.is_empty() {
        return false;
    }
    let region = crate::plan::ops::chunk_region(&plan.stages[s].node.grid, lin);
    sinks.iter().all(|k| k.skip(&region))
}

/// The message of a caught panic.
pub(super) fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".into()
    }
}
