//! Per-thread reuse of task buffers.
//!
//! Freshly allocated memory costs a page fault per page on first touch; a task that reads a
//! stored chunk into a new buffer pays that on every chunk. Buffers for source reads are taken
//! from, and given back to, a small pool per worker thread instead.
//!
//! The pool is bounded (a few buffers, [`CAP_BYTES`] or one buffer per thread), and the bytes it holds idle
//! across all threads ([`idle_bytes`]) count against a computation's memory limit when the
//! scheduler decides whether a stored chunk stays in memory.

use crate::dtype::{with_dtype, ChunkData, DType, Element};
use ndarray::{ArrayD, IxDyn};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Buffers kept per thread.
const KEEP: usize = 4;

/// Idle bytes kept per thread at most, or one buffer where a single one is larger.
pub(crate) const CAP_BYTES: usize = 64 << 20;

/// Bytes idle in all threads' pools.
static IDLE: AtomicUsize = AtomicUsize::new(0);

/// Bytes the pools of all threads hold idle now.
pub(crate) fn idle_bytes() -> usize {
    IDLE.load(Ordering::Relaxed)
}

thread_local! {
    static POOL: RefCell<Vec<ChunkData>> = const { RefCell::new(Vec::new()) };
}

/// A C-order buffer of `dtype` and `shape`, reused when the thread has one of that size.
/// Its contents are unspecified (the caller overwrites every element).
pub(crate) fn take(dtype: DType, shape: &[usize]) -> ChunkData {
    let n: usize = shape.iter().product();
    let found = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|c| c.dtype() == dtype && c.len() == n)?;
        let c = p.swap_remove(i);
        IDLE.fetch_sub(c.nbytes(), Ordering::Relaxed);
        Some(c)
    });
    with_dtype!(dtype, T => {
        let reuse = found
            .and_then(T::from_chunk)
            .and_then(|a| a.into_shape_with_order(IxDyn(shape)).ok());
        T::into_chunk(reuse.unwrap_or_else(|| ArrayD::<T>::default(IxDyn(shape))))
    })
}

/// Gives a buffer back to this thread's pool.
pub(crate) fn give(c: ChunkData) {
    if c.is_empty() {
        return;
    }
    let bytes = c.nbytes();
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let mut held: usize = p.iter().map(ChunkData::nbytes).sum();
        // Over the cap only the newest buffer stays (a thread reading chunks larger than the
        // cap still reuses one).
        while !p.is_empty() && (p.len() >= KEEP || held + bytes > CAP_BYTES) {
            let old = p.remove(0);
            held -= old.nbytes();
            IDLE.fetch_sub(old.nbytes(), Ordering::Relaxed);
        }
        IDLE.fetch_add(bytes, Ordering::Relaxed);
        p.push(c);
    });
}

/// Byte buffers kept for file reads (shared by all threads: a buffer is taken by the task
/// that reads a file and given back by whoever drops the bytes, often another thread).
static BYTES: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// An empty byte buffer with room for at least `len` bytes, reused where one is free.
pub(crate) fn take_bytes(len: usize) -> Vec<u8> {
    let found = BYTES.lock().ok().and_then(|mut b| {
        let i = b.iter().position(|v| v.capacity() >= len)?;
        let v = b.swap_remove(i);
        IDLE.fetch_sub(v.capacity(), Ordering::Relaxed);
        Some(v)
    });
    let mut v = found.unwrap_or_default();
    v.clear();
    v.reserve(len);
    v
}

/// Gives a byte buffer back (kept while the byte pool holds at most [`KEEP`] buffers and
/// [`CAP_BYTES`], or this one alone).
pub(crate) fn give_bytes(v: Vec<u8>) {
    let bytes = v.capacity();
    if bytes == 0 {
        return;
    }
    if let Ok(mut b) = BYTES.lock() {
        let mut held: usize = b.iter().map(Vec::capacity).sum();
        while !b.is_empty() && (b.len() >= KEEP || held + bytes > CAP_BYTES) {
            let old = b.remove(0);
            held -= old.capacity();
            IDLE.fetch_sub(old.capacity(), Ordering::Relaxed);
        }
        IDLE.fetch_add(bytes, Ordering::Relaxed);
        b.push(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_a_byte_buffer_large_enough() {
        let mut v = take_bytes(1000);
        v.extend_from_slice(&[7; 1000]);
        let ptr = v.as_ptr();
        give_bytes(v);
        let w = take_bytes(500);
        assert!(w.is_empty() && w.capacity() >= 1000);
        assert_eq!(w.as_ptr(), ptr);
        give_bytes(w);
    }

    #[test]
    fn reuses_a_buffer_of_the_same_size() {
        let a = take(DType::F64, &[4, 8]);
        let ptr = f64::chunk_ref(&a).map(|a| a.as_ptr());
        give(a);
        let b = take(DType::F64, &[32]);
        assert_eq!(b.shape(), &[32]);
        assert_eq!(f64::chunk_ref(&b).map(|a| a.as_ptr()), ptr);
        let c = take(DType::F32, &[32]);
        assert_eq!(c.dtype(), DType::F32);
    }
}
