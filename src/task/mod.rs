//! What a running chunk task sees: the chunks other stages produced, the live-memory
//! tracker, the task counters and the cancellation flag.
//!
//! This module sits between the scheduler (`exec`), which creates a [`TaskEnv`] for every
//! task it runs, and the evaluator (`eval`) and operators (`plan::ops`), which only read
//! it; neither of those imports the scheduler.

pub(crate) mod memory;
pub(crate) mod wire;

use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::plan::TaskCounts;
use memory::MemoryTracker;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// What a task produces for other tasks: a chunk of array data, or another value (the
/// partials of a reduction or of a shared scan).
pub(crate) type Payload = Arc<dyn std::any::Any + Send + Sync>;

/// A read box of a stored chunk: data holding the box, where the box lies in that data, and
/// whether the data was made for this read alone.
pub(crate) type ChunkPart = (Arc<ChunkData>, Vec<(usize, usize)>, bool);

/// Gives what other stages produced.
pub(crate) trait Fetch: Sync {
    /// Chunk `idx` (C-order linear index) of stage `stage`, as stored.
    fn payload(&self, stage: usize, idx: usize) -> Result<Payload>;

    /// Box `part` ((start, len) per axis, inside the chunk) of chunk `idx` of stage
    /// `stage`, counted as one read of the chunk: data holding the box, where the box lies
    /// in that data, and whether the data was made for this read (a chunk read back from a
    /// spill file), so that the reader counts it as its own memory.
    fn chunk_part(&self, stage: usize, idx: usize, part: &[(usize, usize)]) -> Result<ChunkPart> {
        Ok((self.chunk(stage, idx)?, part.to_vec(), false))
    }

    /// Chunk `idx` of stage `stage`, which must be array data.
    fn chunk(&self, stage: usize, idx: usize) -> Result<Arc<ChunkData>> {
        self.payload(stage, idx)?
            .downcast::<ChunkData>()
            .map_err(|_| {
                Error::internal(
                    format!("stage {stage} chunk {idx}"),
                    "a stage's partials read as array data",
                )
            })
    }
}

/// Task counters by kind, optionally mirrored into a user's [`Progress`](crate::Progress).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    map: AtomicUsize,
    reduce_chunk: AtomicUsize,
    reduce_combine: AtomicUsize,
    /// Where finished tasks are also reported.
    progress: Option<Arc<crate::Progress>>,
}

impl Counters {
    /// Counters that also report to `progress`.
    pub(crate) fn new(progress: Option<Arc<crate::Progress>>) -> Self {
        Counters {
            progress,
            ..Counters::default()
        }
    }

    fn tick(&self) {
        if let Some(p) = &self.progress {
            p.tick();
        }
    }
    /// One map-like task (one output chunk computed in one task) finished.
    pub(crate) fn add_map(&self) {
        self.map.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    /// One chunk partial of a reduction finished.
    pub(crate) fn add_reduce_chunk(&self) {
        self.reduce_chunk.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    /// One combine task of a reduction tree finished.
    pub(crate) fn add_combine(&self) {
        self.reduce_combine.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }
    /// The counts so far.
    pub(crate) fn counts(&self) -> TaskCounts {
        TaskCounts {
            map: self.map.load(Ordering::Relaxed),
            reduce_chunk: self.reduce_chunk.load(Ordering::Relaxed),
            reduce_combine: self.reduce_combine.load(Ordering::Relaxed),
        }
    }
}

/// What a task reports back to while it runs: cancellation, memory and task counts.
pub(crate) struct TaskEnv<'a> {
    /// Reads other stages' chunks.
    pub fetch: &'a dyn Fetch,
    /// Live-memory accounting.
    pub mem: &'a MemoryTracker,
    /// Task counters.
    pub counters: &'a Counters,
    /// Set when a task failed: other tasks stop early.
    pub cancel: &'a AtomicBool,
}

impl TaskEnv<'_> {
    /// `Err(Cancelled)` once another task has failed.
    pub(crate) fn check(&self) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
