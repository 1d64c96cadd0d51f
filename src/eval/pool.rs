//! Per-thread reuse of task buffers.
//!
//! Freshly allocated memory costs a page fault per page on first touch; a task that reads a
//! stored chunk into a new buffer pays that on every chunk. Buffers for source reads are taken
//! from, and given back to, a small pool per worker thread instead.
//!
//! The pool is bounded (a few buffers, [`CAP_BYTES`] per thread), and the bytes it holds idle
//! across all threads ([`idle_bytes`]) count against a computation's memory limit when the
//! scheduler decides whether a stored chunk stays in memory.

use crate::dtype::{with_dtype, ChunkData, DType, Element};
use ndarray::{ArrayD, IxDyn};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Buffers kept per thread.
const KEEP: usize = 4;

/// Idle bytes kept per thread at most.
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
    if bytes > CAP_BYTES {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let mut held: usize = p.iter().map(ChunkData::nbytes).sum();
        while !p.is_empty() && (p.len() >= KEEP || held + bytes > CAP_BYTES) {
            let old = p.remove(0);
            held -= old.nbytes();
            IDLE.fetch_sub(old.nbytes(), Ordering::Relaxed);
        }
        IDLE.fetch_add(bytes, Ordering::Relaxed);
        p.push(c);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
