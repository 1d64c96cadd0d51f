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

use super::distributed::Network;
use super::message::Message;
use super::ranks::Ranks;
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
    /// A task another rank runs: nothing to do here.
    Remote,
}

/// Where a tree task's partial goes.
#[derive(Clone, Debug)]
enum Up {
    /// Position `pos` of open node `id` on this rank.
    Node(u64, usize),
    /// Nowhere: the task is its tree's root and makes the output chunk.
    Root,
    /// To rank `to`, which runs the parent node, named by the task's own box.
    Send { to: usize, bx: TreeBox },
}

/// The node whose children a walk frame enumerates.
enum FrameNode {
    /// An open node on this rank.
    Local(u64),
    /// A node rank `.0` runs.
    Remote(usize),
}

/// A distributed computation as one rank runs it.
pub(super) struct Ranked<'p> {
    /// This rank and the number of ranks.
    pub ranks: Ranks,
    /// Sends messages to the other ranks.
    pub net: &'p Network<'p>,
    /// Per stage: the ranks every output chunk of the stage is delivered to, besides its
    /// owner's own sinks (rank 0 for results gathered there, all ranks for results every
    /// rank gets, none for chunks each owner writes).
    pub gather: Vec<Vec<usize>>,
}

/// One task: output chunk `lin` of stage `stage`, or a node of its reduction tree.
struct Job {
    stage: usize,
    lin: usize,
    work: Work,
    /// For a tree task: where its partial goes.
    parent: Up,
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
    parent: Up,
}

/// One level of a stage's depth-first walk over a reduction tree.
struct Frame {
    node: FrameNode,
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
    /// Tree nodes other ranks run whose partials open nodes here wait for, by their
    /// `(stage, chunk, box)`: the node and position each fills.
    remote_parts: HashMap<(usize, usize, TreeBox), (u64, usize)>,
    /// Partials that arrived before their node was opened here.
    early_parts: HashMap<(usize, usize, TreeBox), (Payload, usize)>,
    /// Chunks other ranks will still send here.
    chunks_expected: usize,
    /// Every other rank has ended and everything it sent has arrived.
    peers_done: bool,
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
    /// A partial sent to the rank of its parent node.
    Sent,
}

/// Runs one plan.
pub(super) struct Scheduler<'p> {
    plan: &'p Plan,
    /// The sinks of each stage's output chunks.
    sinks: Vec<Vec<&'p dyn OutputSink>>,
    /// How many reads each stored chunk will get (empty for stages no one reads), on all
    /// ranks.
    reads: Vec<Vec<u32>>,
    /// How many of those reads this rank's tasks make.
    local_reads: Vec<Vec<u32>>,
    /// The ranks whose tasks read each stored chunk (empty unless distributed).
    readers: Vec<Vec<Vec<u32>>>,
    /// The distributed computation this scheduler runs one rank of, if any.
    ranked: Option<Ranked<'p>>,
    /// Whether this rank's failure was sent to the others.
    announced: AtomicBool,
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
        ranked: Option<Ranked<'p>>,
    ) -> Self {
        let n = plan.stages.len();
        let mut per_stage: Vec<Vec<&dyn OutputSink>> = vec![Vec::new(); n];
        for (&s, &k) in plan.outputs.iter().zip(sinks) {
            per_stage[s].push(k);
        }
        let skip = |s: usize, lin: usize| skipped(plan, &per_stage[s], s, lin);
        let (reads, local_reads, readers) = match &ranked {
            Some(r) if r.ranks.n > 1 => {
                let rr = super::reads::count_reads_ranked(plan, r.ranks, &skip);
                (rr.global, rr.local, rr.readers)
            }
            _ => {
                let reads = super::reads::count_reads(plan, &skip);
                (reads.clone(), reads, Vec::new())
            }
        };
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
        let chunks_expected = ranked.as_ref().map_or(0, |r| {
            expected_chunks(plan, r, &per_stage, &reads, &local_reads)
        });
        Scheduler {
            plan,
            sinks: per_stage,
            reads,
            local_reads,
            readers,
            ranked,
            announced: AtomicBool::new(false),
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
                remote_parts: HashMap::new(),
                early_parts: HashMap::new(),
                chunks_expected,
                peers_done: false,
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
            let parent = job.parent.clone();
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
            self.announce(&e);
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert(e);
            }
        }
        // Take the lock so that no worker misses the wake-up between its check and its wait.
        drop(self.state.lock());
        self.wake.notify_all();
    }

    /// Sends this rank's first real failure to every other rank, which stop too.
    fn announce(&self, e: &Error) {
        let Some(r) = &self.ranked else { return };
        if self.announced.swap(true, Ordering::Relaxed) {
            return;
        }
        let (task, msg) = match e {
            Error::Task { task, msg } => (Some(task.clone()), msg.clone()),
            other => (None, other.to_string()),
        };
        let others: Vec<usize> = (0..r.ranks.n).filter(|&k| k != r.ranks.me).collect();
        // A rank that cannot be told fails its own way (its sends fail or it waits for
        // this one's end message, sent whatever happens).
        let _ = r
            .net
            .send_many(&others, r.net.head(&Message::Failed { task, msg }));
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
                    if st.waiting.is_empty() && st.open.is_empty() && st.chunks_expected == 0 {
                        self.wake.notify_all();
                        return Ok(None); // every task has run
                    }
                    if self.ranked.is_none() {
                        return Err(Error::internal(
                            "scheduler",
                            "tasks wait for chunks no task will compute",
                        ));
                    }
                    if st.peers_done {
                        return Err(Error::internal(
                            "scheduler",
                            "tasks wait for chunks or partials no rank will send",
                        ));
                    }
                    // Otherwise other ranks are still computing what this one waits for.
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
            if matches!(job.work, Work::Remote) {
                return true; // another rank runs it
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
                        let parent = match f.node {
                            FrameNode::Local(id) => Up::Node(id, pos),
                            FrameNode::Remote(to) => Up::Send { to, bx: bx.clone() },
                        };
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
                    return Some(self.descend(st, tree, s, lin, root, Up::Root));
                }
                None => {
                    let work = if self.owner(s, lin) == self.me() {
                        Work::Whole
                    } else {
                        Work::Remote
                    };
                    return Some(Job {
                        stage: s,
                        lin,
                        work,
                        parent: Up::Root,
                    });
                }
            }
        }
    }

    /// Descends from tree box `bx` to its first leaf, opening a node for every box with
    /// children on the way that this rank runs. A node another rank runs is not opened; when
    /// its parent is open here, that parent waits for its partial.
    fn descend(
        &self,
        st: &mut State,
        tree: &dyn TreeOp,
        s: usize,
        lin: usize,
        mut bx: TreeBox,
        mut parent: Up,
    ) -> Job {
        loop {
            let owner = self.node_owner(s, lin, &bx);
            let local = owner == self.me();
            if !local {
                self.expect_part(st, s, lin, &bx, &parent);
            }
            let Some(children) = tree.children(&bx) else {
                let work = if local { Work::Leaf(bx) } else { Work::Remote };
                return Job {
                    stage: s,
                    lin,
                    work,
                    parent,
                };
            };
            let node = if local {
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
                FrameNode::Local(id)
            } else {
                FrameNode::Remote(owner)
            };
            bx = children[0].clone();
            parent = match node {
                FrameNode::Local(id) => Up::Node(id, 0),
                FrameNode::Remote(to) => Up::Send { to, bx: bx.clone() },
            };
            if let Some(walk) = st.cursors[s].walk.as_mut() {
                walk.push(Frame {
                    node,
                    children,
                    next: 1,
                });
            }
        }
    }

    /// Registers that the partial of node `bx` (run by another rank) fills position `pos`
    /// of open node `id` here, when `parent` is such a node; takes it at once if it came
    /// early.
    fn expect_part(&self, st: &mut State, s: usize, lin: usize, bx: &TreeBox, parent: &Up) {
        let Up::Node(id, pos) = *parent else { return };
        let key = (s, lin, bx.clone());
        match st.early_parts.remove(&key) {
            Some((part, bytes)) => {
                // Its bytes were counted when it arrived.
                self.fill(st, id, pos, part, bytes);
            }
            None => {
                st.remote_parts.insert(key, (id, pos));
            }
        }
    }

    /// Puts a partial into position `pos` of open node `id`; the node's combine task becomes
    /// ready with its last partial.
    fn fill(&self, st: &mut State, id: u64, pos: usize, part: Payload, bytes: usize) {
        let Some(node) = st.open.get_mut(&id) else {
            return;
        };
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
            (Work::Remote, _) => {
                return Err(Error::internal("scheduler", "another rank's task ran here"))
            }
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
            (Up::Node(..), _) => Ok(Finished::Part(part.0, part.1)),
            (Up::Send { to, bx }, Some(tree)) => {
                let m = Message::Part {
                    stage: s,
                    lin,
                    bx,
                    body: &[],
                };
                let net = self.net()?;
                let mut bytes = net.head(&m);
                tree.encode_partial(&part.0, &mut bytes)?;
                net.send(to, bytes)?;
                Ok(Finished::Sent)
            }
            (Up::Root, Some(tree)) => {
                let chunk = tree.finish(&stage.node, lin, &part.0, &env)?;
                let bytes = chunk.nbytes();
                self.deliver(s, lin, Arc::new(chunk), bytes)?;
                Ok(Finished::Chunk)
            }
            (_, None) => Err(Error::internal(
                "scheduler",
                "a tree task of a stage with no tree",
            )),
        }
    }

    /// Runs an operator's task for a whole output chunk.
    fn run_whole(&self, s: usize, lin: usize, env: &TaskEnv<'_>) -> Result<Finished> {
        let stage = &self.plan.stages[s];
        let reads = self.reads[s].get(lin).map_or(0, |&r| r as usize);
        let sends = !self.targets(s, lin).is_empty();
        if let ([k], 0, false) = (self.sinks[s].as_slice(), reads, sends) {
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
        self.send_chunk(s, lin, &payload)?;
        let reads = self.local_reads[s].get(lin).map_or(0, |&r| r as usize);
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
        parent: Up,
        reserved: usize,
        done: Finished,
    ) -> Result<()> {
        let mut st = self.lock()?;
        st.running -= 1;
        st.reserved -= reserved;
        match (done, parent) {
            (Finished::Part(part, bytes), Up::Node(id, pos)) => {
                self.mem.add(bytes);
                if !st.open.contains_key(&id) {
                    return Err(Error::internal("scheduler", "a partial for no tree node"));
                }
                self.fill(&mut st, id, pos, part, bytes);
            }
            (Finished::Chunk, _) => self.chunk_done(&mut st, s, lin),
            (Finished::Sent, _) => {}
            (Finished::Part(..), _) => {
                return Err(Error::internal("scheduler", "a partial with no tree node"));
            }
        }
        drop(st);
        self.wake.notify_all();
        Ok(())
    }
}

impl Scheduler<'_> {
    /// This rank (0 when not distributed).
    fn me(&self) -> usize {
        self.ranked.as_ref().map_or(0, |r| r.ranks.me)
    }

    /// The rank that computes chunk `lin` of stage `s`.
    fn owner(&self, s: usize, lin: usize) -> usize {
        self.ranked
            .as_ref()
            .map_or(0, |r| r.ranks.chunk_owner(self.plan, s, lin))
    }

    /// The rank that runs node `bx` of the tree of chunk `lin` of stage `s`.
    fn node_owner(&self, s: usize, lin: usize, bx: &TreeBox) -> usize {
        self.ranked
            .as_ref()
            .map_or(0, |r| r.ranks.node_owner(self.plan, s, lin, bx))
    }

    fn net(&self) -> Result<&Network<'_>> {
        self.ranked
            .as_ref()
            .map(|r| r.net)
            .ok_or_else(|| Error::internal("scheduler", "a message in a single-process run"))
    }

    /// The other ranks chunk `lin` of stage `s` goes to: its readers and the ranks its
    /// output is gathered to.
    fn targets(&self, s: usize, lin: usize) -> Vec<usize> {
        let Some(r) = &self.ranked else {
            return Vec::new();
        };
        let mut out: Vec<usize> = self
            .readers
            .get(s)
            .and_then(|x| x.get(lin))
            .map(|x| x.iter().map(|&k| k as usize).collect())
            .unwrap_or_default();
        out.extend(&r.gather[s]);
        out.sort_unstable();
        out.dedup();
        out.retain(|&k| k != r.ranks.me);
        out
    }

    /// Sends chunk `lin` of stage `s` to the other ranks that read or gather it.
    fn send_chunk(&self, s: usize, lin: usize, payload: &Payload) -> Result<()> {
        let targets = self.targets(s, lin);
        if targets.is_empty() {
            return Ok(());
        }
        let net = self.net()?;
        let mut bytes = net.head(&Message::Chunk {
            stage: s,
            lin,
            body: &[],
        });
        self.plan.stages[s].op.encode_payload(payload, &mut bytes)?;
        net.send_many(&targets, bytes)
    }

    /// Records that chunk `lin` of stage `s` exists here: wakes the tasks waiting for it.
    fn chunk_done(&self, st: &mut State, s: usize, lin: usize) {
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

    /// Takes a chunk another rank computed: delivers it to this rank's sinks when its stage
    /// is an output gathered here, and stores it for this rank's readers.
    pub(super) fn receive_chunk(&self, s: usize, lin: usize, body: &[u8]) -> Result<()> {
        let stage = self
            .plan
            .stages
            .get(s)
            .ok_or_else(|| Error::internal("receive", format!("no stage {s}")))?;
        let mut inp = body;
        let (payload, bytes) = stage.op.decode_payload(&mut inp)?;
        if !self.sinks[s].is_empty() && self.gathered_here(s) {
            let chunk = payload.clone().downcast::<ChunkData>().map_err(|_| {
                Error::internal(stage.node.label(), "an output stage sent no array data")
            })?;
            let region = crate::plan::ops::chunk_region(&stage.node.grid, lin);
            for k in &self.sinks[s] {
                k.put(&region, &chunk)?;
            }
        }
        let reads = self.local_reads[s].get(lin).map_or(0, |&r| r as usize);
        if reads > 0 {
            self.store.keep(&self.mem, s, lin, payload, bytes, reads)?;
        }
        let mut st = self.lock()?;
        st.chunks_expected = st.chunks_expected.saturating_sub(1);
        self.chunk_done(&mut st, s, lin);
        drop(st);
        self.wake.notify_all();
        Ok(())
    }

    /// Whether the output chunks of stage `s` that other ranks compute are delivered here.
    fn gathered_here(&self, s: usize) -> bool {
        self.ranked
            .as_ref()
            .is_some_and(|r| r.gather[s].contains(&r.ranks.me))
    }

    /// Takes the partial of node `bx` of chunk `lin`'s tree in stage `s` from another rank.
    pub(super) fn receive_part(
        &self,
        s: usize,
        lin: usize,
        bx: TreeBox,
        body: &[u8],
    ) -> Result<()> {
        let tree = self
            .plan
            .stages
            .get(s)
            .and_then(|st| st.op.tree())
            .ok_or_else(|| Error::internal("receive", format!("a partial for stage {s}")))?;
        let mut inp = body;
        let (part, bytes) = tree.decode_partial(&mut inp)?;
        self.mem.add(bytes);
        let mut st = self.lock()?;
        let key = (s, lin, bx);
        match st.remote_parts.remove(&key) {
            Some((id, pos)) => self.fill(&mut st, id, pos, part, bytes),
            None => {
                st.early_parts.insert(key, (part, bytes));
            }
        }
        drop(st);
        self.wake.notify_all();
        Ok(())
    }

    /// Stops this rank because another failed with `e` (not sent on).
    pub(super) fn fail_remote(&self, e: Error) {
        self.announced.store(true, Ordering::Relaxed);
        self.fail(e);
    }

    /// Marks every other rank as ended: a task still waiting for a chunk from them now
    /// never gets it, and the computation fails instead of waiting forever.
    pub(super) fn peers_done(&self) {
        if let Ok(mut st) = self.lock() {
            st.peers_done = true;
        }
        self.wake.notify_all();
    }

    /// Whether this rank failed or was stopped.
    pub(super) fn failed(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How many chunks other ranks will send the rank of `r`: those its tasks read and the
/// output chunks gathered to it, that it does not compute itself.
fn expected_chunks(
    plan: &Plan,
    r: &Ranked<'_>,
    sinks: &[Vec<&dyn OutputSink>],
    reads: &[Vec<u32>],
    local_reads: &[Vec<u32>],
) -> usize {
    let me = r.ranks.me;
    let mut n = 0;
    for (s, stage) in plan.stages.iter().enumerate() {
        let gathered = !sinks[s].is_empty() && r.gather[s].contains(&me);
        if !gathered && local_reads[s].iter().all(|&x| x == 0) {
            continue;
        }
        for lin in 0..stage.node.grid.num_chunks() {
            let read_here = local_reads[s].get(lin).is_some_and(|&x| x > 0);
            let output = gathered && !skipped(plan, &sinks[s], s, lin);
            let needed = reads[s].get(lin).is_some_and(|&x| x > 0) || output;
            if needed && (read_here || output) && r.ranks.chunk_owner(plan, s, lin) != me {
                n += 1;
            }
        }
    }
    n
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
