//! Distributed execution: one plan run by several processes (ranks), each running the
//! tasks the ownership rule ([`super::ranks`]) gives it on its own threads, on the same
//! scheduler as a single-process run.
//!
//! Ranks exchange messages ([`super::message`]) through a [`Transport`] (MPI in
//! `tessera::cluster`; threads of one process in the tests): chunks a task on another rank
//! reads, partials of reduction trees spanning ranks, output chunks gathered to the ranks
//! that return them, and failures. Worker threads send; the thread that started the
//! computation receives, and hands what arrives to the scheduler.
//!
//! A computation on every rank goes through three steps:
//! 1. *hello*: each rank builds its scheduler (which decides, among others, which output
//!    chunks a resumed write skips) and sends the others its plan's fingerprint; no rank
//!    starts a task before it has every other rank's hello, and a rank whose plan differs
//!    from another's fails the computation on all of them;
//! 2. *run*: workers run this rank's tasks while this thread receives;
//! 3. *done*: when its workers have ended (all tasks run, or the computation failed), a rank
//!    tells each other rank how many messages it sent it, and waits until every other rank
//!    has done the same and every announced message has arrived. Nothing is left in flight,
//!    and a rank whose workers wait for something no rank will send fails instead of
//!    hanging.

use super::message::{self, Message};
use super::ranks::Ranks;
use super::scheduler::{Ranked, Scheduler};
use super::sink::OutputSink;
use super::{check_fits, spill, stats_of, ComputeOptions, ComputeStats};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::task::Counters;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How the ranks of a distributed computation exchange messages.
pub(crate) trait Transport: Send + Sync {
    /// This process's rank.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Sends `bytes` to rank `to`; any thread may call it, and it returns once `bytes`
    /// may be dropped.
    fn send(&self, to: usize, bytes: &[u8]) -> Result<()>;
    /// A message that has arrived, with its sender, if any; one thread calls it at a time.
    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>>;
    /// Whether several ranks run in this one process (then each computation gets worker
    /// threads of its own rather than the process's cached pool, which the ranks would
    /// share and block each other on).
    fn ranks_share_process(&self) -> bool {
        false
    }
}

/// The ranks of distributed computations, as one of them sees them: a transport and the
/// number of the next computation.
pub(crate) struct Peers {
    transport: Box<dyn Transport>,
    epoch: AtomicU64,
    /// Messages of a later computation that arrived during an earlier one.
    deferred: Mutex<Vec<(usize, Vec<u8>)>>,
}

impl Peers {
    /// Peers reached through `transport`.
    pub(crate) fn new(transport: Box<dyn Transport>) -> Self {
        Peers {
            transport,
            epoch: AtomicU64::new(0),
            deferred: Mutex::new(Vec::new()),
        }
    }

    /// This process's rank.
    pub(crate) fn rank(&self) -> usize {
        self.transport.rank()
    }

    /// The number of ranks.
    pub(crate) fn size(&self) -> usize {
        self.transport.size()
    }

    /// The transport.
    pub(crate) fn transport(&self) -> &dyn Transport {
        &*self.transport
    }
}

/// The sending side of one computation, used by the scheduler's workers: counts what it
/// sends to each rank.
pub(crate) struct Network<'a> {
    transport: &'a dyn Transport,
    epoch: u64,
    sent: Vec<AtomicU64>,
}

impl Network<'_> {
    /// The header of `m` (its body is appended by the caller).
    pub(super) fn head(&self, m: &Message<'_>) -> Vec<u8> {
        message::encode_head(m, self.epoch)
    }

    /// Sends a message to rank `to`.
    pub(super) fn send(&self, to: usize, bytes: Vec<u8>) -> Result<()> {
        self.send_many(&[to], bytes)
    }

    /// Sends one message to each of the ranks `to`.
    pub(super) fn send_many(&self, to: &[usize], bytes: Vec<u8>) -> Result<()> {
        for &r in to {
            let counter = self
                .sent
                .get(r)
                .ok_or_else(|| Error::internal("send", format!("no rank {r}")))?;
            counter.fetch_add(1, Ordering::Relaxed);
            self.transport.send(r, &bytes)?;
        }
        Ok(())
    }
}

/// Where the output chunks of a distributed computation go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gather {
    /// To rank 0, which returns the result.
    Root,
    /// To every rank.
    All,
    /// Nowhere: each owner hands its chunks to its own sinks (a store every rank writes).
    Owner,
}

impl Gather {
    /// The ranks of `n` that receive every output chunk.
    fn ranks(self, n: usize) -> Vec<usize> {
        match self {
            Gather::Root => vec![0],
            Gather::All => (0..n).collect(),
            Gather::Owner => Vec::new(),
        }
    }
}

/// A fingerprint of a plan: its description, its stages' and leaves' grids, its outputs.
fn fingerprint(plan: &Plan) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    plan.explain().hash(&mut h);
    for st in &plan.stages {
        format!("{:?}", st.node.grid).hash(&mut h);
        for p in st.op.programs() {
            for l in &p.leaves {
                format!("{:?}", l.node.grid).hash(&mut h);
            }
        }
    }
    plan.outputs.hash(&mut h);
    h.finish()
}

/// Runs this rank's part of `plan`, delivering output `i` to `sinks[i]` as `gather` says.
/// Every rank calls it with the same plan; it returns when every rank has ended, with the
/// first error any rank met.
pub(crate) fn execute_ranked(
    plan: &Plan,
    sinks: &[&dyn OutputSink],
    opts: &ComputeOptions,
    peers: &Peers,
    gather: Gather,
) -> Result<ComputeStats> {
    let t0 = Instant::now();
    let ranks = Ranks {
        me: peers.rank(),
        n: peers.size(),
    };
    let epoch = peers.epoch.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some(p) = &opts.progress {
        p.total
            .fetch_add(plan.task_counts().total(), Ordering::Relaxed);
    }
    let budget = opts.limit();
    check_fits(plan, budget)?; // the same on every rank: no rank goes on alone
    let counters = Counters::new(opts.progress.clone());
    let spill = spill::SpillDir::new(
        opts.spill_dir
            .clone()
            .unwrap_or_else(ComputeOptions::default_spill_dir),
    );
    let net = Network {
        transport: peers.transport(),
        epoch,
        sent: (0..ranks.n).map(|_| AtomicU64::new(0)).collect(),
    };
    let mut per_stage = vec![Vec::new(); plan.stages.len()];
    for &s in &plan.outputs {
        per_stage[s] = gather.ranks(ranks.n);
    }
    let threads = opts
        .threads
        .unwrap_or_else(rayon::current_num_threads)
        .max(1);
    let sched = Scheduler::new(
        plan,
        sinks,
        threads,
        counters,
        budget,
        &spill,
        Some(Ranked {
            ranks,
            net: &net,
            gather: per_stage,
        }),
    );
    let mut comm = Comm::new(ranks, epoch, fingerprint(plan));
    let others: Vec<usize> = (0..ranks.n).filter(|&r| r != ranks.me).collect();
    let hello = message::encode_head(
        &Message::Hello {
            fingerprint: comm.fingerprint,
        },
        epoch,
    );
    for &r in &others {
        peers.transport.send(r, &hello)?;
    }
    let pending: Vec<(usize, Vec<u8>)> = match peers.deferred.lock() {
        Ok(mut d) => {
            let (now, later) = d
                .drain(..)
                .partition(|(_, b)| message::epoch_of(b).is_ok_and(|e| e == epoch));
            *d = later;
            now
        }
        Err(_) => Vec::new(),
    };
    for (from, bytes) in pending {
        comm.handle(&sched, peers, from, bytes);
    }
    while comm.hellos < others.len() {
        comm.pump(&sched, peers)?;
    }
    if let Some(r) = comm.mismatch {
        sched.fail_remote(Error::Argument {
            op: "distributed compute".into(),
            msg: format!(
                "rank {r} built a different plan than rank {}: every rank must run the same \
                 program on the same arrays, with the same memory limit",
                ranks.me
            ),
        });
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|sc| -> Result<()> {
        if !sched.failed() {
            // The process's cached pool keeps its threads' buffers from one computation to
            // the next (fresh memory costs page faults).
            let workers = if peers.transport.ranks_share_process() {
                None
            } else {
                Some(super::pool(threads)?)
            };
            sc.spawn(|| {
                match workers {
                    Some(pool) => {
                        pool.broadcast(|_| sched.worker());
                    }
                    None => std::thread::scope(|w| {
                        for _ in 0..threads {
                            w.spawn(|| sched.worker());
                        }
                    }),
                };
                finished.store(true, Ordering::Release);
            });
        } else {
            finished.store(true, Ordering::Release);
        }
        while !finished.load(Ordering::Acquire) {
            comm.pump(&sched, peers)?;
            if comm.all_done() {
                sched.peers_done();
            }
        }
        for &r in &others {
            let sent = net.sent[r].load(Ordering::Relaxed);
            let done = message::encode_head(
                &Message::Done {
                    sent,
                    failed: sched.failed(),
                },
                epoch,
            );
            peers.transport.send(r, &done)?;
        }
        while !comm.all_done() {
            comm.pump(&sched, peers)?;
        }
        Ok(())
    })?;
    if let Some(r) = comm.failed_peer {
        if !sched.failed() {
            sched.fail_remote(Error::internal(
                "distributed compute",
                format!("rank {r} failed without saying why"),
            ));
        }
    }
    stats_of(&sched, &spill, budget, t0, opts)
}

/// The receiving side of one computation on one rank.
struct Comm {
    ranks: Ranks,
    epoch: u64,
    fingerprint: u64,
    hellos: usize,
    /// A rank whose plan differs from this one's.
    mismatch: Option<usize>,
    /// Per rank: the messages it announced in its end message, once that arrived.
    announced: Vec<Option<u64>>,
    /// Per rank: the counted messages received from it.
    received: Vec<u64>,
    /// A rank that ended failed.
    failed_peer: Option<usize>,
    /// How long to sleep when nothing arrived.
    idle: Duration,
}

impl Comm {
    fn new(ranks: Ranks, epoch: u64, fingerprint: u64) -> Self {
        Comm {
            ranks,
            epoch,
            fingerprint,
            hellos: 0,
            mismatch: None,
            announced: vec![None; ranks.n],
            received: vec![0; ranks.n],
            failed_peer: None,
            idle: Duration::ZERO,
        }
    }

    /// Whether every other rank has ended and all it sent here has arrived.
    fn all_done(&self) -> bool {
        (0..self.ranks.n)
            .filter(|&r| r != self.ranks.me)
            .all(|r| self.announced[r] == Some(self.received[r]))
    }

    /// Receives and handles one message, or sleeps a little when none has arrived.
    fn pump(&mut self, sched: &Scheduler<'_>, peers: &Peers) -> Result<()> {
        match peers.transport.poll()? {
            Some((from, bytes)) => {
                self.idle = Duration::ZERO;
                self.handle(sched, peers, from, bytes);
            }
            None => {
                if self.idle.is_zero() {
                    self.idle = Duration::from_micros(20);
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(self.idle);
                    self.idle = (self.idle * 2).min(Duration::from_micros(500));
                }
            }
        }
        Ok(())
    }

    /// Handles one message from rank `from`.
    fn handle(&mut self, sched: &Scheduler<'_>, peers: &Peers, from: usize, bytes: Vec<u8>) {
        let r = self.dispatch(sched, peers, from, bytes);
        if let Err(e) = r {
            sched.fail_remote(e);
        }
    }

    fn dispatch(
        &mut self,
        sched: &Scheduler<'_>,
        peers: &Peers,
        from: usize,
        bytes: Vec<u8>,
    ) -> Result<()> {
        if from >= self.ranks.n {
            return Err(Error::internal(
                "receive",
                format!("a message from rank {from}"),
            ));
        }
        let epoch = message::epoch_of(&bytes)?;
        if epoch > self.epoch {
            // The sender has started the next computation already.
            if let Ok(mut d) = peers.deferred.lock() {
                d.push((from, bytes));
            }
            return Ok(());
        }
        if epoch < self.epoch {
            return Ok(()); // cannot happen: every computation drains its messages
        }
        match message::decode(&bytes)? {
            Message::Hello { fingerprint } => {
                self.hellos += 1;
                if fingerprint != self.fingerprint {
                    self.mismatch.get_or_insert(from);
                }
            }
            Message::Done { sent, failed } => {
                self.announced[from] = Some(sent);
                if failed {
                    self.failed_peer.get_or_insert(from);
                }
            }
            Message::Chunk { stage, lin, body } => {
                self.received[from] += 1;
                if !sched.failed() {
                    sched.receive_chunk(stage, lin, body)?;
                }
            }
            Message::Part {
                stage,
                lin,
                bx,
                body,
            } => {
                self.received[from] += 1;
                if !sched.failed() {
                    sched.receive_part(stage, lin, bx, body)?;
                }
            }
            Message::Failed { task, msg } => {
                self.received[from] += 1;
                let e = match task {
                    Some(task) => Error::Task {
                        task: format!("rank {from}: {task}"),
                        msg,
                    },
                    None => Error::Rank { rank: from, msg },
                };
                sched.fail_remote(e);
            }
        }
        Ok(())
    }
}

/// A transport between threads of one process, each playing one rank: what the tests run
/// distributed computations on without MPI.
#[cfg(test)]
pub(crate) mod local {
    use super::Transport;
    use crate::error::{Error, Result};
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    type Mailboxes = Arc<Vec<Mutex<VecDeque<(usize, Vec<u8>)>>>>;

    /// One rank's end of an in-process transport.
    pub(crate) struct LocalTransport {
        me: usize,
        boxes: Mailboxes,
    }

    /// The ends of an in-process transport between `n` ranks.
    pub(crate) fn connect(n: usize) -> Vec<LocalTransport> {
        let boxes: Mailboxes = Arc::new((0..n).map(|_| Mutex::new(VecDeque::new())).collect());
        (0..n)
            .map(|me| LocalTransport {
                me,
                boxes: boxes.clone(),
            })
            .collect()
    }

    impl Transport for LocalTransport {
        fn rank(&self) -> usize {
            self.me
        }
        fn size(&self) -> usize {
            self.boxes.len()
        }
        fn send(&self, to: usize, bytes: &[u8]) -> Result<()> {
            let b = self
                .boxes
                .get(to)
                .ok_or_else(|| Error::internal("send", format!("no rank {to}")))?;
            b.lock()
                .map_err(|_| Error::internal("send", "poisoned"))?
                .push_back((self.me, bytes.to_vec()));
            Ok(())
        }
        fn ranks_share_process(&self) -> bool {
            true
        }
        fn poll(&self) -> Result<Option<(usize, Vec<u8>)>> {
            Ok(self.boxes[self.me]
                .lock()
                .map_err(|_| Error::internal("poll", "poisoned"))?
                .pop_front())
        }
    }
}
