//! Distributed computation over MPI (cargo feature `mpi`): the same program on every
//! process of an `mpirun` (or Slurm `srun`) job, each process computing its share of the
//! chunk tasks on its own threads.
//!
//! Every process (a *rank*) runs the same code, builds the same arrays and calls the same
//! [`Cluster`] methods in the same order. A computation splits its chunk tasks among the
//! ranks by a fixed ownership rule (by output chunk index; a reduction's chunk partials
//! where their input chunks were made), sends a chunk from one rank to another only when a
//! task there reads it (a rechunk, a transpose, a contraction), and combines the partials of
//! a reduction in the same tree and order as a single-process run: results are
//! bit-identical to [`Array::compute`] with the same chunking, whatever the number of ranks.
//!
//! - [`Cluster::compute`] returns the result on rank 0 (`None` elsewhere);
//! - [`Cluster::compute_all`] returns it on every rank;
//! - [`Cluster::compute_many_with`] computes several arrays over one plan, returning them
//!   where [`ResultsOn`] says;
//! - [`Cluster::write`] writes a Zarr array: each rank writes the chunks it computes, and
//!   rank 0 writes the metadata once every rank has written its chunks (a failure on any
//!   rank leaves no metadata, as a single-process write does).
//!
//! A task failing on any rank stops the computation on every rank, and each returns that
//! task's error ([`Error::Task`] naming the rank, or [`Error::Rank`]). Ranks exchange
//! messages point to point (MPI `send` and matched probes); MPI must provide
//! `MPI_THREAD_MULTIPLE` (Open MPI and MPICH do).
//!
//! ```no_run
//! use tessera::{cluster::Cluster, random};
//!
//! fn main() -> Result<(), tessera::Error> {
//!     let cluster = Cluster::init()?; // once per process
//!     let x = random::uniform::<f64>(&[20_000, 20_000], [2000, 2000], 42)?;
//!     let m = x.mean(0)?;
//!     if let Some(m) = cluster.compute(&m)? {
//!         println!("rank 0 of {}: {:?}", cluster.size(), &m.as_slice().unwrap()[..4]);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Run it with `mpirun -np 4 ./target/release/my-program` (or `srun -n 4 ...` under Slurm);
//! set the threads of each rank with `RAYON_NUM_THREADS` or [`ComputeOptions::threads`].

use crate::array::ranked::compute_ranked;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exec::distributed::{Peers, Transport};
use crate::{Array, ComputeOptions, ComputeStats};
use mpi::collective::SystemOperation;
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source, Status};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::CommunicatorCollectives;
use ndarray::ArrayD;

/// Which ranks a distributed computation returns its results on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultsOn {
    /// Rank 0 only; the other ranks get `None`. Output chunks computed elsewhere are sent
    /// to rank 0.
    #[default]
    Root,
    /// Every rank (an all-gather): each output chunk is sent to every other rank.
    EveryRank,
}

/// The processes of an MPI job, ready to compute arrays together. Create one per process
/// with [`Cluster::init`]; MPI is finalized when it is dropped.
pub struct Cluster {
    peers: Peers,
    /// The communicator for collective calls made between computations.
    world: SimpleCommunicator,
    /// Keeps MPI initialized.
    _universe: mpi::environment::Universe,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("rank", &self.rank())
            .field("size", &self.size())
            .finish()
    }
}

/// The MPI transport: sends from any thread, receives by matched probes.
struct MpiTransport {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
}

// SAFETY: MPI was initialized with MPI_THREAD_MULTIPLE (checked in `Cluster::init`), under
// which any thread may call MPI on a communicator; the handle itself is never changed.
unsafe impl Send for MpiTransport {}
// SAFETY: as for `Send`: concurrent MPI calls are allowed at MPI_THREAD_MULTIPLE.
unsafe impl Sync for MpiTransport {}

/// The tag of tessera's messages.
const TAG: i32 = 7301;

impl Transport for MpiTransport {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn send(&self, to: usize, bytes: &[u8]) -> Result<()> {
        if bytes.len() > i32::MAX as usize {
            return Err(Error::Argument {
                op: "distributed compute".into(),
                msg: format!(
                    "a message of {} bytes is over MPI's limit of 2 GiB: use smaller chunks",
                    bytes.len()
                ),
            });
        }
        let to = i32::try_from(to)
            .map_err(|_| Error::internal("send", format!("rank {to} out of range")))?;
        self.world.process_at_rank(to).send_with_tag(bytes, TAG);
        Ok(())
    }

    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>> {
        let Some(probed) = self
            .world
            .any_process()
            .immediate_matched_probe_with_tag(TAG)
        else {
            return Ok(None);
        };
        let (bytes, status) = probed.matched_receive_vec::<u8>();
        Ok(Some((source(&status)?, bytes)))
    }
}

fn source(status: &Status) -> Result<usize> {
    usize::try_from(status.source_rank())
        .map_err(|_| Error::internal("receive", "a message from a negative rank"))
}

impl Cluster {
    /// Initializes MPI (at `MPI_THREAD_MULTIPLE`) for this process and joins its job's
    /// processes (`MPI_COMM_WORLD`). Call it once per process, on the main thread; a
    /// process started without `mpirun` is a job of one rank.
    ///
    /// Fails when MPI was already initialized or does not support calls from several
    /// threads at once.
    pub fn init() -> Result<Cluster> {
        let refuse = |msg: String| Error::Argument {
            op: "Cluster::init".into(),
            msg,
        };
        let (universe, level) = mpi::initialize_with_threading(mpi::Threading::Multiple)
            .ok_or_else(|| refuse("MPI is already initialized in this process".into()))?;
        if level != mpi::Threading::Multiple {
            return Err(refuse(format!(
                "the MPI library provides thread level {level:?}, and tessera needs Multiple \
                 (workers of every rank send chunks): use an MPI built with thread support"
            )));
        }
        let world = universe.world();
        let rank = usize::try_from(world.rank()).map_err(|_| refuse("a negative rank".into()))?;
        let size = usize::try_from(world.size()).map_err(|_| refuse("a negative size".into()))?;
        let transport = MpiTransport {
            world: universe.world(),
            rank,
            size,
        };
        Ok(Cluster {
            peers: Peers::new(Box::new(transport)),
            world,
            _universe: universe,
        })
    }

    /// This process's rank, from 0.
    pub fn rank(&self) -> usize {
        self.peers.rank()
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.peers.size()
    }

    /// Waits until every rank has called it.
    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// Whether `ok` holds on every rank (a collective call).
    fn all(&self, ok: bool) -> bool {
        let mine = u8::from(ok);
        let mut least = mine;
        self.world
            .all_reduce_into(&mine, &mut least, SystemOperation::min());
        least == 1
    }

    /// `opts` with the memory limit every rank agrees on: the smallest of their limits (the
    /// plan depends on it, and every rank must build the same plan).
    fn agreed(&self, opts: &ComputeOptions) -> ComputeOptions {
        let mine = opts.limit() as u64;
        let mut least = mine;
        self.world
            .all_reduce_into(&mine, &mut least, SystemOperation::min());
        let mut o = opts.clone();
        o.memory_limit = Some(usize::try_from(least).unwrap_or(usize::MAX));
        o
    }

    /// Computes `a` on every rank together; rank 0 returns the result, the others `None`.
    /// Every rank must call it (with the same array).
    pub fn compute<T: Element>(&self, a: &Array<T>) -> Result<Option<ArrayD<T>>> {
        Ok(self.compute_with(a, &ComputeOptions::default())?.0)
    }

    /// [`compute`](Self::compute) with options (threads per rank, memory limit per rank,
    /// progress), also returning what this rank did.
    pub fn compute_with<T: Element>(
        &self,
        a: &Array<T>,
        opts: &ComputeOptions,
    ) -> Result<(Option<ArrayD<T>>, ComputeStats)> {
        let (r, stats) = self.compute_many_with(&[a], opts, ResultsOn::Root)?;
        Ok((r.and_then(|mut v| v.pop()), stats))
    }

    /// Computes `a` on every rank together; every rank returns the result.
    pub fn compute_all<T: Element>(&self, a: &Array<T>) -> Result<ArrayD<T>> {
        let (r, _) =
            self.compute_many_with(&[a], &ComputeOptions::default(), ResultsOn::EveryRank)?;
        r.and_then(|mut v| v.pop())
            .ok_or_else(|| Error::internal("compute_all", "no result on this rank"))
    }

    /// Computes several arrays over one shared plan on every rank together (each input
    /// read or generated once, as [`compute_many`](crate::compute_many) does), returning
    /// the results where `on` says (`None` on the other ranks) and what this rank did.
    pub fn compute_many_with<T: Element>(
        &self,
        arrays: &[&Array<T>],
        opts: &ComputeOptions,
        on: ResultsOn,
    ) -> Result<(Option<Vec<ArrayD<T>>>, ComputeStats)> {
        let all = on == ResultsOn::EveryRank;
        compute_ranked(arrays, &self.agreed(opts), &self.peers, all)
    }

    /// Writes a Zarr array on every rank together: each rank writes the chunks it computes;
    /// rank 0 writes the metadata after every rank has written all of its chunks, then every
    /// rank returns. On failure no rank writes metadata and every rank returns the error.
    pub fn write(&self, w: &crate::zarr::ZarrWrite) -> Result<crate::zarr::WriteReport> {
        self.write_with(w, &ComputeOptions::default())
    }

    /// [`write`](Self::write) with options.
    pub fn write_with(
        &self,
        w: &crate::zarr::ZarrWrite,
        opts: &ComputeOptions,
    ) -> Result<crate::zarr::WriteReport> {
        self.write_all(&[w], opts)?
            .pop()
            .ok_or_else(|| Error::internal("write", "no report"))
    }

    /// Writes several Zarr arrays in one pass over their shared inputs (as
    /// [`zarr::write_all`](crate::zarr::write_all) does) on every rank together, with the
    /// guarantees of [`write`](Self::write). Each report counts the chunks this rank wrote.
    pub fn write_all(
        &self,
        writes: &[&crate::zarr::ZarrWrite],
        opts: &ComputeOptions,
    ) -> Result<Vec<crate::zarr::WriteReport>> {
        let opts = self.agreed(opts);
        crate::zarr::write_ranked(writes, &opts, &self.peers, &|ok| self.all(ok))
    }
}
