//! Chunk-level evaluation: what one task does.
//!
//! - [`leaf`]: reading a program's inputs as views of the task's region;
//! - [`tile`]: running a fused program tile by tile;
//! - [`map`]: map tasks (one output chunk each);
//! - [`reduce`], [`reducers`] and [`reduce_stage`]: the chunk traversal, the reducers and the
//!   per-output reduction tree;
//! - [`scan`]: running sums and products along an axis;
//! - [`generate`]: generated inputs (ranges, random numbers);
//! - [`strided`]: copying tiles out of and into strided views.

pub(crate) mod generate;
pub(crate) mod leaf;
pub(crate) mod map;
pub(crate) mod pool;
pub(crate) mod reduce;
pub(crate) mod reduce_stage;
pub(crate) mod reducers;
mod regalloc;
pub(crate) mod scan;
pub(crate) mod strided;
pub(crate) mod tile;
mod tile_fuse;
mod tile_ops;

/// What tasks report back while they run: cancellation, memory and task counts.
pub(crate) struct TaskEnv<'a> {
    /// Reads other stages' chunks.
    pub fetch: &'a dyn leaf::Fetch,
    /// Live-memory accounting.
    pub mem: &'a crate::exec::memory::MemoryTracker,
    /// Task counters.
    pub counters: &'a crate::exec::Counters,
    /// Set when a task failed: other tasks stop early.
    pub cancel: &'a std::sync::atomic::AtomicBool,
}

impl TaskEnv<'_> {
    /// `Err(Cancelled)` once another task has failed.
    pub(crate) fn check(&self) -> crate::error::Result<()> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            Err(crate::error::Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
