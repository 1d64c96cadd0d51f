//! Per-thread reuse of task buffers.
//!
//! Freshly allocated memory costs a page fault per page on first touch; a task that reads a
//! stored chunk into a new buffer pays that on every chunk. Buffers for source reads are taken
//! from, and given back to, a small pool per worker thread instead.

use crate::dtype::{with_dtype, ChunkData, DType, Element};
use ndarray::{ArrayD, IxDyn};
use std::cell::RefCell;

/// Buffers kept per thread.
const KEEP: usize = 4;

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
        Some(p.swap_remove(i))
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
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= KEEP {
            p.remove(0);
        }
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
