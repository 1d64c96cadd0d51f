//! Copying flat (C-order) ranges of elements out of and into strided n-d views.
//!
//! The tile evaluator works on contiguous tiles of a few hundred elements. A leaf may be any
//! view (a sub-block of a larger array, a transposed chunk, a broadcast row); these helpers
//! copy the elements at C-order positions `start..start + n` of such a view into a tile, or
//! from a tile into an output view, walking the view's strides.

use ndarray::{ArrayViewD, ArrayViewMutD};

/// A read-only strided view reduced to pointer, shape and strides.
pub(crate) struct StridedSrc<'a, T> {
    view: ArrayViewD<'a, T>,
    contiguous: Option<&'a [T]>,
}

impl<'a, T: Copy> StridedSrc<'a, T> {
    pub(crate) fn new(view: ArrayViewD<'a, T>) -> Self {
        let contiguous = view.to_slice();
        StridedSrc { view, contiguous }
    }

    /// Copies elements `start..start + dst.len()` (C order) into `dst`.
    pub(crate) fn gather(&self, start: usize, dst: &mut [T]) {
        if let Some(s) = self.contiguous {
            dst.copy_from_slice(&s[start..start + dst.len()]);
            return;
        }
        let shape = self.view.shape();
        let strides = self.view.strides();
        let base = self.view.as_ptr();
        walk(shape, strides, start, dst.len(), |pos, off, run, stride| {
            let out = &mut dst[pos..pos + run];
            for (k, o) in out.iter_mut().enumerate() {
                // SAFETY: `off + k * stride` is the offset of an element whose multi-index
                // lies inside `shape` (walk only produces in-bounds runs), so the pointer is
                // inside the memory the view borrows for 'a; T is Copy and initialized.
                *o = unsafe { *base.offset(off + k as isize * stride) };
            }
        });
    }
}

/// A writable strided view reduced to pointer, shape and strides.
pub(crate) struct StridedDst<T> {
    base: *mut T,
    shape: Vec<usize>,
    strides: Vec<isize>,
}

// SAFETY: a StridedDst is only created over regions that exactly one task writes (distinct
// chunks of one output are disjoint), so sending it to the task's thread cannot create a
// data race; T is a plain numeric element.
unsafe impl<T: Send> Send for StridedDst<T> {}

impl<T: Copy> StridedDst<T> {
    /// Wraps a mutable view. The view's memory must stay alive and unaliased while the
    /// returned value is used.
    pub(crate) fn new(mut view: ArrayViewMutD<'_, T>) -> Self {
        StridedDst {
            base: view.as_mut_ptr(),
            shape: view.shape().to_vec(),
            strides: view.strides().to_vec(),
        }
    }

    /// Wraps raw parts.
    ///
    /// # Safety
    /// `base` with `shape` and `strides` must describe memory that is valid for writes of `T`
    /// at every in-bounds multi-index, that nothing else reads or writes while this value is
    /// used, and that outlives it.
    pub(crate) unsafe fn from_raw(base: *mut T, shape: Vec<usize>, strides: Vec<isize>) -> Self {
        StridedDst {
            base,
            shape,
            strides,
        }
    }

    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Copies `src` to elements `start..start + src.len()` (C order).
    pub(crate) fn scatter(&mut self, start: usize, src: &[T]) {
        let base = self.base;
        walk(
            &self.shape,
            &self.strides,
            start,
            src.len(),
            |pos, off, run, stride| {
                let from = &src[pos..pos + run];
                for (k, v) in from.iter().enumerate() {
                    // SAFETY: in-bounds offset (see `walk`); the constructor's contract gives
                    // exclusive write access to this memory.
                    unsafe { *base.offset(off + k as isize * stride) = *v };
                }
            },
        );
    }
}

/// Visits the elements at C-order positions `start..start + n` of an array with `shape` and
/// `strides` as runs along the last axis: `f(position in the range, element offset of the
/// run's first element, run length, stride along the run)`. Every produced offset belongs to
/// an in-bounds multi-index.
fn walk(
    shape: &[usize],
    strides: &[isize],
    start: usize,
    n: usize,
    mut f: impl FnMut(usize, isize, usize, isize),
) {
    if n == 0 {
        return;
    }
    let nd = shape.len();
    if nd == 0 {
        f(0, 0, 1, 0);
        return;
    }
    let total: usize = shape.iter().product();
    assert!(start + n <= total, "flat range out of bounds");
    // Multi-index of `start`.
    let mut idx = vec![0usize; nd];
    let mut rem = start;
    for ax in (0..nd).rev() {
        idx[ax] = rem % shape[ax];
        rem /= shape[ax];
    }
    let last = nd - 1;
    let mut pos = 0;
    while pos < n {
        let off: isize = idx.iter().zip(strides).map(|(&i, &s)| i as isize * s).sum();
        let run = (shape[last] - idx[last]).min(n - pos);
        f(pos, off, run, strides[last]);
        pos += run;
        idx[last] += run;
        // Carry.
        let mut ax = last;
        while idx[ax] == shape[ax] && ax > 0 {
            idx[ax] = 0;
            ax -= 1;
            idx[ax] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn gather_transposed_and_broadcast() {
        let a = ArrayD::from_shape_vec(IxDyn(&[3, 4]), (0..12).collect::<Vec<i32>>()).unwrap();
        let t = a.view().reversed_axes();
        let src = StridedSrc::new(t.clone());
        let mut out = vec![0; 5];
        src.gather(2, &mut out);
        let expect: Vec<i32> = t.iter().copied().skip(2).take(5).collect();
        assert_eq!(out, expect);
        let row = a.slice(ndarray::s![1, ..]).into_dyn();
        let b = row.broadcast(IxDyn(&[2, 4])).unwrap();
        let src = StridedSrc::new(b);
        let mut out = vec![0; 8];
        src.gather(0, &mut out);
        assert_eq!(out, vec![4, 5, 6, 7, 4, 5, 6, 7]);
    }

    #[test]
    fn scatter_into_sub_block() {
        let mut a = ArrayD::<i32>::zeros(IxDyn(&[4, 5]));
        {
            let v = a.slice_mut(ndarray::s![1..3, 2..5]).into_dyn();
            let mut d = StridedDst::new(v);
            assert_eq!(d.len(), 6);
            d.scatter(1, &[1, 2, 3, 4]);
        }
        assert_eq!(a[[1, 3]], 1);
        assert_eq!(a[[1, 4]], 2);
        assert_eq!(a[[2, 2]], 3);
        assert_eq!(a[[2, 3]], 4);
        assert_eq!(a.sum(), 10);
    }
}
