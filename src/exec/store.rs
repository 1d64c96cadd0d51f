//! Chunks stored between stages until their last reader: in memory while they fit the memory
//! budget, otherwise spilled to local disk or dropped to be re-read.
//!
//! When a finished chunk would push the live bytes (plus room for the running tasks' work)
//! over the budget, its stage's [`Overflow`] decides: a held source (a store, a generator: cheap
//! to read again) drops it, and each reader re-reads the chunk itself; anything else (a
//! computed stage, or a source staged because reading it in another chunking would decode its
//! chunks many times) is written to a spill file, from which readers read back only the box
//! they need.

use super::spill::{SpillDir, SpilledChunk};
use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::plan::Overflow;
use crate::task::memory::MemoryTracker;
use crate::task::Payload;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Where a stored chunk is.
#[derive(Clone)]
enum Stored {
    Memory(Payload),
    Disk(Arc<SpilledChunk>),
    /// Over the budget and cheap to read again: each reader recomputes it.
    Dropped,
}

struct Entry {
    data: Stored,
    /// Reads still to come.
    reads_left: usize,
    /// Bytes of the chunk (counted in live memory only while it is in memory).
    bytes: usize,
}

/// What a read of a stored chunk gives.
pub(super) enum Taken {
    /// The data, the box read inside it, and whether it was made for this read alone.
    Data(Payload, Vec<(usize, usize)>, bool),
    /// The chunk was dropped: the reader recomputes it.
    Recompute,
}

/// The stored chunks of every stage.
pub(super) struct ChunkStore<'s> {
    stages: Vec<Mutex<HashMap<usize, Entry>>>,
    overflow: Vec<Overflow>,
    spill: &'s SpillDir,
    budget: usize,
    /// Bytes kept free for the running tasks' work when deciding whether a chunk fits.
    headroom: usize,
    /// Resident bytes outside the tracker that count against the budget (the buffers idle
    /// in the workers' pools).
    untracked: fn() -> usize,
    /// Chunks stored (in memory, on disk or dropped).
    pub stored: AtomicUsize,
    /// Chunks dropped over the budget.
    pub dropped: AtomicUsize,
    /// Bytes spilled since freed memory was last handed back to the OS.
    spilled_since_trim: AtomicUsize,
}

/// Hands memory the allocator holds but no longer uses back to the OS. Under a memory limit
/// this matters: glibc keeps freed chunk-sized blocks in each thread's arena, so resident
/// memory would grow past the limit by what the arenas once held.
pub(super) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the OS; it
    // touches no memory in use and may be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn poisoned() -> Error {
    Error::internal("scheduler", "a lock was poisoned by a panic")
}

impl<'s> ChunkStore<'s> {
    /// A store for stages with the given overflow policies.
    pub(super) fn new(
        overflow: Vec<Overflow>,
        spill: &'s SpillDir,
        budget: usize,
        headroom: usize,
        untracked: fn() -> usize,
    ) -> Self {
        ChunkStore {
            stages: (0..overflow.len())
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
            overflow,
            spill,
            budget,
            headroom,
            untracked,
            stored: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            spilled_since_trim: AtomicUsize::new(0),
        }
    }

    /// Stores chunk `lin` of stage `s` for `reads` later reads.
    pub(super) fn keep(
        &self,
        mem: &MemoryTracker,
        s: usize,
        lin: usize,
        payload: Payload,
        bytes: usize,
        reads: usize,
    ) -> Result<()> {
        // Buffers idle in the workers' pools are resident too.
        let fits = mem
            .live()
            .saturating_add(bytes)
            .saturating_add(self.headroom)
            .saturating_add((self.untracked)())
            <= self.budget;
        let data = match (fits, self.overflow[s]) {
            (false, Overflow::Reread) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                Stored::Dropped
            }
            (false, Overflow::Spill) => match payload.downcast_ref::<ChunkData>() {
                Some(c) => {
                    let f = self.spill.write(c)?;
                    // The buffer serves this thread's next chunk read instead of going back
                    // to the allocator.
                    if let Ok(c) = payload.downcast::<ChunkData>() {
                        if let Ok(c) = Arc::try_unwrap(c) {
                            crate::eval::pool::give(c);
                        }
                    }
                    // Every budget/8 spilled bytes, hand back what the arenas hold freed.
                    let since = self.spilled_since_trim.fetch_add(bytes, Ordering::Relaxed);
                    if since + bytes >= self.budget / 8 {
                        self.spilled_since_trim.store(0, Ordering::Relaxed);
                        release_freed_memory();
                    }
                    Stored::Disk(Arc::new(f))
                }
                None => {
                    mem.add(bytes); // reduction partials stay in memory
                    Stored::Memory(payload)
                }
            },
            (true, _) => {
                mem.add(bytes);
                Stored::Memory(payload)
            }
        };
        self.stored.fetch_add(1, Ordering::Relaxed);
        self.stages[s].lock().map_err(|_| poisoned())?.insert(
            lin,
            Entry {
                data,
                reads_left: reads,
                bytes,
            },
        );
        Ok(())
    }

    /// One read of chunk `lin` of stage `s`: box `part` of it, or all of it. The chunk is
    /// freed after its last read.
    pub(super) fn take(
        &self,
        mem: &MemoryTracker,
        s: usize,
        lin: usize,
        part: Option<&[(usize, usize)]>,
    ) -> Result<Taken> {
        let data = {
            let mut st = self.stages[s].lock().map_err(|_| poisoned())?;
            let Some(e) = st.get_mut(&lin) else {
                return Err(Error::internal(
                    format!("stage {s} chunk {lin}"),
                    "chunk read more often than planned",
                ));
            };
            e.reads_left -= 1;
            let data = e.data.clone();
            if e.reads_left == 0 {
                if let Some(e) = st.remove(&lin) {
                    if matches!(e.data, Stored::Memory(_)) {
                        mem.sub(e.bytes);
                    }
                }
            }
            data
        };
        match data {
            Stored::Memory(p) => {
                let sub = match part {
                    Some(b) => b.to_vec(),
                    None => Vec::new(),
                };
                Ok(Taken::Data(p, sub, false))
            }
            Stored::Disk(f) => {
                let whole: Vec<(usize, usize)> = f.shape().iter().map(|&n| (0, n)).collect();
                let b = part.unwrap_or(&whole);
                // The file is removed when the last handle `f` drops, after this read.
                let r = self.spill.read(&f, b);
                let sub = b.iter().map(|&(_, l)| (0, l)).collect();
                Ok(Taken::Data(Arc::new(r?), sub, true))
            }
            Stored::Dropped => Ok(Taken::Recompute),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Element;

    fn chunk(n: usize) -> Payload {
        let a = ndarray::Array::from_shape_fn((n, 4), |(i, j)| (i * 4 + j) as f64).into_dyn();
        Arc::new(f64::into_chunk(a))
    }

    #[test]
    fn chunks_over_the_budget_spill_or_drop_by_their_stage_policy() {
        let dir = SpillDir::new(std::env::temp_dir());
        let mem = MemoryTracker::default();
        // Budget 1000 bytes with 200 kept free: one chunk of 8 x 4 f64 (256 bytes) fits
        // beside 512 live bytes, a second one does not.
        let overflow = vec![Overflow::Spill, Overflow::Reread];
        let store = ChunkStore::new(overflow, &dir, 1000, 200, || 0);
        mem.add(512);
        store.keep(&mem, 0, 0, chunk(8), 256, 2).unwrap();
        assert_eq!(mem.live(), 768, "in memory");
        store.keep(&mem, 0, 1, chunk(8), 256, 2).unwrap();
        assert_eq!(mem.live(), 768, "spilled: not counted in memory");
        assert_eq!(dir.chunks.load(Ordering::Relaxed), 1);
        store.keep(&mem, 1, 0, chunk(8), 256, 1).unwrap();
        assert_eq!(store.dropped.load(Ordering::Relaxed), 1);
        assert!(matches!(
            store.take(&mem, 1, 0, None).unwrap(),
            Taken::Recompute
        ));

        // A box of a spilled chunk reads exactly those values, made for the reader.
        let Taken::Data(p, sub, owned) = store.take(&mem, 0, 1, Some(&[(2, 3), (1, 2)])).unwrap()
        else {
            panic!("a spilled chunk is data");
        };
        let c = p.downcast::<ChunkData>().unwrap();
        let got = f64::chunk_ref(&c).unwrap();
        assert_eq!(
            got,
            &ndarray::arr2(&[[9.0, 10.0], [13.0, 14.0], [17.0, 18.0]]).into_dyn()
        );
        assert_eq!((sub, owned), (vec![(0, 3), (0, 2)], true));
        // The last read removes the file; the in-memory chunk frees its bytes.
        store.take(&mem, 0, 1, None).unwrap();
        assert_eq!(std::fs::read_dir(dir.path().unwrap()).unwrap().count(), 0);
        let Taken::Data(_, sub, owned) = store.take(&mem, 0, 0, Some(&[(1, 1), (0, 4)])).unwrap()
        else {
            panic!("an in-memory chunk is data");
        };
        assert_eq!((sub, owned), (vec![(1, 1), (0, 4)], false));
        store.take(&mem, 0, 0, None).unwrap();
        assert_eq!(mem.live(), 512);
        assert!(
            store.take(&mem, 0, 0, None).is_err(),
            "read more often than planned"
        );
    }
}
