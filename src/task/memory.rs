//! Live-memory accounting of a computation.
//!
//! Every stored chunk, reduction partial, task buffer and read buffer is registered here
//! while it lives. The peak is reported in [`crate::ComputeStats`]; a memory budget
//! (delaying tasks whose projected memory does not fit, spilling) plugs in at the
//! scheduler's admission point, reading [`MemoryTracker::live`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

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

/// The memory available to this process, in bytes: the smaller of its cgroup's limit (v2
/// `memory.max` or v1 `memory.limit_in_bytes`, where one is set) and the physical memory
/// (`MemTotal`); 4 GiB where neither can be read. Read once per process.
pub(crate) fn available_memory() -> usize {
    static AVAILABLE: OnceLock<usize> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).ok();
        let number = |s: String| s.trim().parse::<u64>().ok();
        let cgroup = read("/sys/fs/cgroup/memory.max")
            .and_then(number)
            .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes").and_then(number))
            .filter(|&b| b < 1 << 60);
        let physical = read("/proc/meminfo").and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib.saturating_mul(1024))
        });
        let bytes = match (cgroup, physical) {
            (Some(c), Some(p)) => c.min(p),
            (Some(b), None) | (None, Some(b)) => b,
            (None, None) => 4 << 30,
        };
        usize::try_from(bytes).unwrap_or(usize::MAX)
    })
}
