//! Live-memory accounting of a computation.
//!
//! Every stored chunk, reduction partial, task buffer and read buffer is registered here
//! while it lives. The peak is reported in [`crate::ComputeStats`]; a memory budget
//! (delaying tasks whose projected memory does not fit, spilling) plugs in at the
//! scheduler's admission point, reading [`MemoryTracker::live`].

use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts bytes currently held by chunks and task buffers, and the peak.
#[derive(Debug, Default)]
pub struct MemoryTracker {
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl MemoryTracker {
    /// Registers `bytes` until the returned guard is dropped.
    pub fn hold(&self, bytes: usize) -> Hold<'_> {
        self.add(bytes);
        Hold { t: self, bytes }
    }

    /// Registers `bytes` (released with [`sub`](Self::sub)).
    pub fn add(&self, bytes: usize) {
        let now = self.live.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    /// Releases `bytes`.
    pub fn sub(&self, bytes: usize) {
        self.live.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes held now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Largest number of bytes held at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

/// Releases its bytes when dropped.
pub struct Hold<'a> {
    t: &'a MemoryTracker,
    bytes: usize,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.t.sub(self.bytes);
    }
}
