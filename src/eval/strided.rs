//! Copying flat (C-order) ranges of elements out of and into strided n-d views.
//!
//! The tile evaluator works on contiguous tiles of a few hundred elements. A leaf may be any
//! view (a sub-block of a larger array, a transposed chunk, a broadcast row); these helpers
//! copy the elements at C-order positions `start..start + n` of such a view into a tile, or
//! from a tile into an output view, walking the view's strides.

use ndarray::{ArrayViewD, ArrayViewMutD};

/// Which elements of a region one tile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TileSpec {
    /// C-order positions `start..start + n`.
    Flat { start: usize, n: usize },
    /// The block `[outer, r0..r0 + nr, c0..c0 + nc]` of the last two axes, where `outer` is
    /// the C-order index over the leading axes; the tile holds it row by row.
    Block {
        outer: usize,
        r0: usize,
        nr: usize,
        c0: usize,
        nc: usize,
    },
}

impl TileSpec {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        match *self {
            TileSpec::Flat { n, .. } => n,
            TileSpec::Block { nr, nc, .. } => nr * nc,
        }
    }
}

/// Offset of the block's first element and the strides of its rows and columns.
fn block_origin(
    shape: &[usize],
    strides: &[isize],
    outer: usize,
    r0: usize,
    c0: usize,
) -> (isize, isize, isize) {
    let nd = shape.len();
    let mut rem = outer;
    let mut off = 0isize;
    for ax in (0..nd - 2).rev() {
        off += (rem % shape[ax]) as isize * strides[ax];
        rem /= shape[ax];
    }
    let (rs, cs) = (strides[nd - 2], strides[nd - 1]);
    (off + r0 as isize * rs + c0 as isize * cs, rs, cs)
}

/// Where the elements of `tile` lie in an array of `shape` and `strides`, as (offset of the
/// first element, count), when they are adjacent in memory: a flat run of a C-contiguous
/// array, or one row of a block with unit column stride. `None` otherwise, and for tiles
/// that do not lie inside the array.
fn adjacent_run(shape: &[usize], strides: &[isize], tile: &TileSpec) -> Option<(isize, usize)> {
    let nd = shape.len();
    match *tile {
        TileSpec::Flat { start, n } => {
            let mut expect = 1isize;
            for ax in (0..nd).rev() {
                if shape[ax] > 1 && strides[ax] != expect {
                    return None;
                }
                expect *= shape[ax] as isize;
            }
            (start + n <= shape.iter().product()).then_some((start as isize, n))
        }
        TileSpec::Block {
            outer,
            r0,
            nr: 1,
            c0,
            nc,
        } => {
            if nd < 2 || strides[nd - 1] != 1 {
                return None;
            }
            let outer_len: usize = shape[..nd - 2].iter().product();
            if outer >= outer_len || r0 >= shape[nd - 2] || c0 + nc > shape[nd - 1] {
                return None;
            }
            Some((block_origin(shape, strides, outer, r0, c0).0, nc))
        }
        TileSpec::Block { .. } => None,
    }
}

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

    /// Copies the elements of `tile` into `dst` (`dst.len() == tile.len()`).
    pub(crate) fn load(&self, tile: &TileSpec, dst: &mut [T]) {
        match *tile {
            TileSpec::Flat { start, .. } => self.gather(start, dst),
            TileSpec::Block {
                outer,
                r0,
                nr,
                c0,
                nc,
            } => {
                assert!(
                    self.view.ndim() >= 2 && r0 + nr <= self.view.shape()[self.view.ndim() - 2]
                );
                assert!(c0 + nc <= self.view.shape()[self.view.ndim() - 1] && dst.len() == nr * nc);
                let (o, rs, cs) =
                    block_origin(self.view.shape(), self.view.strides(), outer, r0, c0);
                let base = self.view.as_ptr();
                if rs == 1 && cs != 1 {
                    // Contiguous down the columns (a transposed view): read column runs.
                    for c in 0..nc {
                        // SAFETY: rows r0..r0 + nr of column c0 + c at `outer` are in bounds
                        // (asserted above) and adjacent in memory (row stride 1), so this is
                        // a valid slice of the viewed memory.
                        let col = unsafe {
                            std::slice::from_raw_parts(base.offset(o + c as isize * cs), nr)
                        };
                        for (r, &v) in col.iter().enumerate() {
                            dst[r * nc + c] = v;
                        }
                    }
                } else if cs == 1 {
                    for r in 0..nr {
                        // SAFETY: columns c0..c0 + nc of row r0 + r are in bounds and adjacent
                        // (column stride 1).
                        let row = unsafe {
                            std::slice::from_raw_parts(base.offset(o + r as isize * rs), nc)
                        };
                        dst[r * nc..(r + 1) * nc].copy_from_slice(row);
                    }
                } else {
                    for r in 0..nr {
                        for c in 0..nc {
                            // SAFETY: (outer, r0 + r, c0 + c) is in bounds (asserted above),
                            // so the offset addresses an element of the viewed memory.
                            dst[r * nc + c] =
                                unsafe { *base.offset(o + r as isize * rs + c as isize * cs) };
                        }
                    }
                }
            }
        }
    }

    /// The elements of `tile` as a slice of the viewed memory, when they are adjacent there
    /// (a flat run of a C-contiguous view, or one row of a block with unit column stride):
    /// the tile evaluator then reads them in place instead of copying.
    pub(crate) fn borrow(&self, tile: &TileSpec) -> Option<&'a [T]> {
        let (off, n) = adjacent_run(self.view.shape(), self.view.strides(), tile)?;
        // SAFETY: `adjacent_run` checked that elements off..off + n of the view are in
        // bounds and adjacent in memory, which the view borrows for 'a.
        Some(unsafe { std::slice::from_raw_parts(self.view.as_ptr().offset(off), n) })
    }

    /// The whole view as one slice, when it is C-contiguous.
    pub(crate) fn contiguous(&self) -> Option<&'a [T]> {
        self.contiguous
    }

    /// Whether the view is laid out down its columns (the last axis is not the fastest
    /// moving one), so that blocks read it better than flat runs.
    pub(crate) fn prefers_blocks(&self) -> bool {
        let nd = self.view.ndim();
        if nd < 2 || self.contiguous.is_some() {
            return false;
        }
        let (rs, cs) = (self.view.strides()[nd - 2], self.view.strides()[nd - 1]);
        self.view.shape()[nd - 2] > 1 && rs.abs() == 1 && cs.abs() > 1
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
            if stride == 1 {
                // SAFETY: the run's `run` elements are in bounds (walk only produces in-bounds
                // runs) and adjacent (stride 1), so they form a valid slice of the memory the
                // view borrows for 'a.
                out.copy_from_slice(unsafe { std::slice::from_raw_parts(base.offset(off), run) });
                return;
            }
            for (k, o) in out.iter_mut().enumerate() {
                // SAFETY: `off + k * stride` is the offset of an element whose multi-index
                // lies inside `shape` (walk only produces in-bounds runs), so the pointer is
                // inside the memory the view borrows for 'a; T is Copy and initialized.
                *o = unsafe { *base.offset(off + k as isize * stride) };
            }
        });
    }
}

/// Copies `src` to the elements of `tile` of the task-local buffer `buf`: straight into its
/// memory for a flat tile of a C-ordered buffer, through a [`StridedDst`] otherwise.
pub(crate) fn store_tile<T: Copy>(buf: &mut ndarray::ArrayD<T>, tile: &TileSpec, src: &[T]) {
    if let (TileSpec::Flat { start, n }, Some(dst)) = (*tile, buf.as_slice_mut()) {
        dst[start..start + n].copy_from_slice(&src[..n]);
        return;
    }
    StridedDst::new(buf.view_mut()).store(tile, src);
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

    /// The same destination without `axis`, which must have length 1 (`stack` writes a
    /// program's values into an output chunk that has one more axis). The addressed
    /// elements do not change. Returns `false` (and changes nothing) if the axis is missing
    /// or longer than 1.
    pub(crate) fn drop_unit_axis(&mut self, axis: usize) -> bool {
        if self.shape.get(axis) != Some(&1) {
            return false;
        }
        self.shape.remove(axis);
        self.strides.remove(axis);
        true
    }

    /// The elements of `tile` as one slice of the destination, when they are adjacent there
    /// (a flat run of a C-contiguous destination, or one row of a block with unit column
    /// stride), so that a tile's result can be written in place.
    pub(crate) fn adjacent_mut(&mut self, tile: &TileSpec) -> Option<&mut [T]> {
        let (off, n) = adjacent_run(&self.shape, &self.strides, tile)?;
        // SAFETY: `adjacent_run` checked that elements off..off + n of the destination are in
        // bounds and adjacent; the constructor's contract gives exclusive write access, and
        // the returned borrow of `self` keeps it exclusive.
        Some(unsafe { std::slice::from_raw_parts_mut(self.base.offset(off), n) })
    }

    /// Copies `src` to the elements of `tile`.
    pub(crate) fn store(&mut self, tile: &TileSpec, src: &[T]) {
        match *tile {
            TileSpec::Flat { start, .. } => self.scatter(start, src),
            TileSpec::Block {
                outer,
                r0,
                nr,
                c0,
                nc,
            } => {
                let nd = self.shape.len();
                assert!(nd >= 2 && r0 + nr <= self.shape[nd - 2] && c0 + nc <= self.shape[nd - 1]);
                assert!(src.len() == nr * nc);
                let (o, rs, cs) = block_origin(&self.shape, &self.strides, outer, r0, c0);
                for r in 0..nr {
                    let from = &src[r * nc..(r + 1) * nc];
                    if cs == 1 {
                        // SAFETY: columns c0..c0 + nc of row r0 + r are in bounds (asserted
                        // above) and adjacent; the constructor's contract gives exclusive
                        // write access.
                        let row = unsafe {
                            std::slice::from_raw_parts_mut(
                                self.base.offset(o + r as isize * rs),
                                nc,
                            )
                        };
                        row.copy_from_slice(from);
                    } else {
                        for (c, &v) in from.iter().enumerate() {
                            // SAFETY: (outer, r0 + r, c0 + c) is in bounds; exclusive access
                            // as above.
                            unsafe { *self.base.offset(o + r as isize * rs + c as isize * cs) = v };
                        }
                    }
                }
            }
        }
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
                if stride == 1 {
                    // SAFETY: an in-bounds run of adjacent elements (see `walk`); the
                    // constructor's contract gives exclusive write access.
                    unsafe { std::slice::from_raw_parts_mut(base.offset(off), run) }
                        .copy_from_slice(from);
                    return;
                }
                for (k, v) in from.iter().enumerate() {
                    // SAFETY: in-bounds offset (see `walk`); the constructor's contract gives
                    // exclusive write access to this memory.
                    unsafe { *base.offset(off + k as isize * stride) = *v };
                }
            },
        );
    }

    /// Writes the whole array `a` (of this destination's shape, any layout) in C order.
    pub(crate) fn scatter_array(&mut self, a: &ndarray::ArrayD<T>) {
        match a.as_slice() {
            Some(s) => self.scatter(0, s),
            None => self.scatter(0, &a.iter().copied().collect::<Vec<_>>()),
        }
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
    fn borrow_only_adjacent_elements_and_match_load() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3, 4]), (0..24).collect::<Vec<i32>>()).unwrap();
        let check = |src: &StridedSrc<'_, i32>, t: TileSpec, adjacent: bool| {
            let mut copy = vec![0; t.len()];
            src.load(&t, &mut copy);
            match src.borrow(&t) {
                Some(s) => {
                    assert!(adjacent, "{t:?} borrowed");
                    assert_eq!(s, &copy[..], "{t:?}");
                }
                None => assert!(!adjacent, "{t:?} not borrowed"),
            }
        };
        let c = StridedSrc::new(a.view());
        check(&c, TileSpec::Flat { start: 5, n: 11 }, true);
        check(
            &c,
            TileSpec::Block {
                outer: 1,
                r0: 2,
                nr: 1,
                c0: 1,
                nc: 3,
            },
            true,
        );
        check(
            &c,
            TileSpec::Block {
                outer: 0,
                r0: 0,
                nr: 2,
                c0: 0,
                nc: 4,
            },
            false,
        );
        // Out-of-range blocks are refused, not read.
        assert!(c
            .borrow(&TileSpec::Block {
                outer: 2,
                r0: 0,
                nr: 1,
                c0: 0,
                nc: 1
            })
            .is_none());
        assert!(c
            .borrow(&TileSpec::Block {
                outer: 0,
                r0: 0,
                nr: 1,
                c0: 2,
                nc: 3
            })
            .is_none());
        assert!(c.borrow(&TileSpec::Flat { start: 20, n: 5 }).is_none());
        let t = a.view().reversed_axes();
        let tr = StridedSrc::new(t.into_dyn());
        check(&tr, TileSpec::Flat { start: 0, n: 3 }, false);
        check(
            &tr,
            TileSpec::Block {
                outer: 1,
                r0: 0,
                nr: 1,
                c0: 0,
                nc: 2,
            },
            false,
        );
        // A slice whose rows are contiguous but not adjacent to each other.
        let sl = a.slice(ndarray::s![.., .., 1..3]).into_dyn();
        let ss = StridedSrc::new(sl);
        check(&ss, TileSpec::Flat { start: 0, n: 4 }, false);
        check(
            &ss,
            TileSpec::Block {
                outer: 1,
                r0: 1,
                nr: 1,
                c0: 0,
                nc: 2,
            },
            true,
        );
    }

    #[test]
    fn adjacent_mut_only_for_adjacent_elements() {
        let mut a = ArrayD::<i32>::zeros(IxDyn(&[3, 1, 4]));
        // C-contiguous, with a length-1 axis of any stride.
        let mut d = StridedDst::new(a.view_mut());
        assert_eq!(
            d.adjacent_mut(&TileSpec::Flat { start: 2, n: 9 })
                .map(|s| s.len()),
            Some(9)
        );
        assert!(d.adjacent_mut(&TileSpec::Flat { start: 5, n: 8 }).is_none());
        let row = TileSpec::Block {
            outer: 2,
            r0: 0,
            nr: 1,
            c0: 1,
            nc: 3,
        };
        d.adjacent_mut(&row).unwrap().copy_from_slice(&[7, 8, 9]);
        assert!(d
            .adjacent_mut(&TileSpec::Block {
                outer: 3,
                r0: 0,
                nr: 1,
                c0: 0,
                nc: 1
            })
            .is_none());
        assert!(d
            .adjacent_mut(&TileSpec::Block {
                outer: 0,
                r0: 0,
                nr: 2,
                c0: 0,
                nc: 1
            })
            .is_none());
        assert_eq!(a.as_slice().unwrap()[8..12], [0, 7, 8, 9]);
        // Negative strides and a transposed destination: flat runs are not adjacent.
        let mut r = a.view_mut();
        r.invert_axis(ndarray::Axis(2));
        let mut d = StridedDst::new(r);
        assert!(d.adjacent_mut(&TileSpec::Flat { start: 0, n: 2 }).is_none());
        let mut t = ArrayD::<i32>::zeros(IxDyn(&[4, 3]));
        let mut d = StridedDst::new(t.view_mut().reversed_axes());
        assert!(d.adjacent_mut(&TileSpec::Flat { start: 0, n: 2 }).is_none());
        assert!(d
            .adjacent_mut(&TileSpec::Block {
                outer: 0,
                r0: 0,
                nr: 1,
                c0: 0,
                nc: 2
            })
            .is_none());
        // A zero-length axis: nothing is adjacent, nothing is out of bounds.
        let mut e = ArrayD::<i32>::zeros(IxDyn(&[0, 5]));
        let mut d = StridedDst::new(e.view_mut());
        assert!(d.adjacent_mut(&TileSpec::Flat { start: 0, n: 1 }).is_none());
        assert!(d
            .adjacent_mut(&TileSpec::Block {
                outer: 0,
                r0: 0,
                nr: 1,
                c0: 0,
                nc: 1
            })
            .is_none());
    }

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
    fn blocks_roundtrip_through_transposed_views() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 5, 6]), (0..60).collect::<Vec<i32>>()).unwrap();
        let t = a.view().permuted_axes(IxDyn(&[0, 2, 1]));
        let src = StridedSrc::new(t.clone());
        assert!(src.prefers_blocks());
        let tile = TileSpec::Block {
            outer: 1,
            r0: 2,
            nr: 3,
            c0: 1,
            nc: 2,
        };
        let mut out = vec![0; 6];
        src.load(&tile, &mut out);
        for r in 0..3 {
            for c in 0..2 {
                assert_eq!(out[r * 2 + c], t[[1, 2 + r, 1 + c]]);
            }
        }
        let mut b = ArrayD::<i32>::zeros(IxDyn(&[2, 6, 5]));
        StridedDst::new(b.view_mut()).store(&tile, &out);
        assert_eq!(b[[1, 4, 2]], t[[1, 4, 2]]);
        assert_eq!(b.iter().filter(|&&v| v != 0).count(), 6);
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
