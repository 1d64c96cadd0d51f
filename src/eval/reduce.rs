//! Chunk-level reductions: the [`Reducer`]s and the n-d pairwise traversal of a chunk view.
//!
//! A reducer turns values into an accumulator (`Acc`), merges accumulators, and finishes one
//! accumulator into an output element. [`reduce_view`] reduces any strided view over any set
//! of axes: a contiguous run of reduced values goes to the reducer's vectorized `run` kernel;
//! along every other reduced axis the traversal splits the range in halves down to blocks of
//! [`BASE`] and merges the halves, so float sums are pairwise along every axis.

use crate::dtype::Element;
use crate::error::Result;
use ndarray::{ArrayViewD, Axis};
use tessera_kernels::elementwise;
use tessera_kernels::moments::Moments;
use tessera_kernels::reduce::{self as kreduce, Extreme};
use tessera_kernels::sum::{nan_pairwise_sum, pairwise_sum, Cascade};

/// Sub-views along a reduced axis merged sequentially before splitting in halves.
pub(crate) const BASE: usize = 8;

/// Per-type reduction kernels.
pub(crate) trait RElem: Element + super::tile::RegElem + crate::task::wire::Wire {
    /// Sum of a contiguous run (pairwise for floats, exact wrapping integer sum otherwise).
    fn sum_run(x: &[Self]) -> Self::Sum;
    /// Sum of the non-NaN values of a run and their count.
    fn nansum_run(x: &[Self]) -> (Self::Sum, u64);
    /// Sum of a run in the mean type.
    fn mean_run(x: &[Self]) -> Self::Mean;
    /// Moments of a run, optionally skipping NaN.
    fn moments_run(x: &[Self], skip_nan: bool) -> Moments;
    /// `acc[j] += x[j]` in the mean type (vectorized).
    fn add_row_mean(acc: &mut [Self::Mean], x: &[Self]);
    /// `acc[j] += x[j]` in the sum type (vectorized).
    fn add_row_sum(acc: &mut [Self::Sum], x: &[Self]);
    /// `min`/`max` of a contiguous run with NumPy's NaN rules (see
    /// [`tessera_kernels::reduce::min_max`]).
    fn extreme_run(x: &[Self], which: Extreme, skip_nan: bool) -> Option<Self>;
    /// Position of the first extreme of a run (see
    /// [`tessera_kernels::reduce::arg_extreme`]).
    fn arg_run(x: &[Self], which: Extreme, skip_nan: bool) -> Option<usize>;
    /// Whether the value is NaN.
    fn nan(self) -> bool;
    /// Whether the value counts as true (non-zero; NaN is true).
    fn truthy(self) -> bool;
}

/// Pairwise float sums at the widest SIMD level available.
trait FloatSum: Sized {
    fn fsum(x: &[Self]) -> Self;
}
impl FloatSum for f32 {
    #[inline]
    fn fsum(x: &[f32]) -> f32 {
        pairwise_sum(x)
    }
}
impl FloatSum for f64 {
    #[inline]
    fn fsum(x: &[f64]) -> f64 {
        tessera_kernels::sum::sum_f64(x)
    }
}

/// `extreme_run` and `arg_run` through the reduction kernels (every numeric type).
macro_rules! extremes_by_kernel {
    () => {
        #[inline]
        fn extreme_run(x: &[Self], which: Extreme, skip_nan: bool) -> Option<Self> {
            kreduce::min_max(x, which, skip_nan)
        }
        #[inline]
        fn arg_run(x: &[Self], which: Extreme, skip_nan: bool) -> Option<usize> {
            kreduce::arg_extreme(x, which, skip_nan)
        }
    };
}

macro_rules! relem_float {
    ($($t:ty),*) => {$(
        impl RElem for $t {
            #[inline] fn sum_run(x: &[Self]) -> Self { <$t as FloatSum>::fsum(x) }
            #[inline] fn nansum_run(x: &[Self]) -> (Self, u64) { nan_pairwise_sum(x) }
            #[inline] fn mean_run(x: &[Self]) -> Self { <$t as FloatSum>::fsum(x) }
            #[inline]
            fn moments_run(x: &[Self], skip_nan: bool) -> Moments {
                if skip_nan { Moments::of_non_nan(x) } else { Moments::of(x) }
            }
            #[inline]
            fn add_row_mean(acc: &mut [Self], x: &[Self]) {
                elementwise::update(acc, x, |a, v| a + v);
            }
            #[inline]
            fn add_row_sum(acc: &mut [Self], x: &[Self]) {
                elementwise::update(acc, x, |a, v| a + v);
            }
            extremes_by_kernel!();
            #[inline] fn nan(self) -> bool { self.is_nan() }
            #[inline] fn truthy(self) -> bool { self != 0.0 }
        }
    )*};
}
relem_float!(f32, f64);

macro_rules! relem_int {
    ($($t:ty),*) => {$(
        impl RElem for $t {
            #[inline]
            fn sum_run(x: &[Self]) -> Self::Sum {
                kreduce::sum_widening(x, |v| v as Self::Sum)
            }
            #[inline] fn nansum_run(x: &[Self]) -> (Self::Sum, u64) { (Self::sum_run(x), x.len() as u64) }
            fn mean_run(x: &[Self]) -> f64 {
                let mut buf = [0.0f64; 256];
                let mut c = Cascade::new();
                for part in x.chunks(256) {
                    for (b, &v) in buf.iter_mut().zip(part) { *b = v as f64; }
                    c.push(pairwise_sum(&buf[..part.len()]));
                }
                c.total()
            }
            fn moments_run(x: &[Self], _skip_nan: bool) -> Moments {
                moments_converted(x, |v| v as f64)
            }
            #[inline]
            fn add_row_mean(acc: &mut [f64], x: &[Self]) {
                elementwise::update(acc, x, |a, v| a + v as f64);
            }
            #[inline]
            fn add_row_sum(acc: &mut [Self::Sum], x: &[Self]) {
                elementwise::update(acc, x, |a, v| a.wrapping_add(v as Self::Sum));
            }
            extremes_by_kernel!();
            #[inline] fn nan(self) -> bool { false }
            #[inline] fn truthy(self) -> bool { self != 0 }
        }
    )*};
}
relem_int!(i8, i16, i32, i64, u8, u16, u32, u64);

impl RElem for bool {
    fn sum_run(x: &[Self]) -> i64 {
        kreduce::count(x, |b| b) as i64
    }
    fn extreme_run(x: &[Self], which: Extreme, _skip_nan: bool) -> Option<Self> {
        let want = which == Extreme::Max;
        let first = *x.first()?;
        Some(if kreduce::any(x, |b| b == want) {
            want
        } else {
            first
        })
    }
    fn arg_run(x: &[Self], which: Extreme, _skip_nan: bool) -> Option<usize> {
        let want = which == Extreme::Max;
        x.first()?;
        Some(kreduce::position(x, |b| b == want).unwrap_or(0))
    }
    fn nansum_run(x: &[Self]) -> (i64, u64) {
        (Self::sum_run(x), x.len() as u64)
    }
    fn mean_run(x: &[Self]) -> f64 {
        Self::sum_run(x) as f64
    }
    fn moments_run(x: &[Self], _skip_nan: bool) -> Moments {
        moments_converted(x, |b| f64::from(u8::from(b)))
    }
    fn add_row_mean(acc: &mut [f64], x: &[Self]) {
        for (a, &v) in acc.iter_mut().zip(x) {
            *a += f64::from(u8::from(v));
        }
    }
    fn add_row_sum(acc: &mut [i64], x: &[Self]) {
        for (a, &v) in acc.iter_mut().zip(x) {
            *a += i64::from(v);
        }
    }
    fn nan(self) -> bool {
        false
    }
    fn truthy(self) -> bool {
        self
    }
}

/// Moments of non-float values, converted to `f64` through a stack buffer (no allocation)
/// and combined block by block with Chan's formula.
fn moments_converted<T: Copy>(x: &[T], conv: impl Fn(T) -> f64) -> Moments {
    let mut buf = [0.0f64; 512];
    let mut m = Moments::default();
    for part in x.chunks(buf.len()) {
        for (b, &v) in buf.iter_mut().zip(part) {
            *b = conv(v);
        }
        m.merge(&Moments::of(&buf[..part.len()]));
    }
    m
}

/// Where a chunk lies in the whole input (for arg-reductions).
pub(crate) struct ChunkPos<'a> {
    /// Global start of the chunk along each input axis.
    pub offsets: &'a [usize],
    /// The input's shape.
    pub shape: &'a [usize],
    /// Reduced axes.
    pub axes: &'a [usize],
}

/// A reduction: values to accumulators to output elements.
pub(crate) trait Reducer<T: RElem>: Send + Sync {
    /// Partial result.
    type Acc: Clone + Send + Sync + crate::task::wire::Wire + 'static;
    /// Output element type.
    type Out: Element;
    /// The accumulator of no values.
    fn identity(&self) -> Self::Acc;
    /// Folds one value in.
    fn push(&self, acc: &mut Self::Acc, x: T);
    /// The accumulator of a contiguous run.
    fn run(&self, x: &[T]) -> Self::Acc {
        let mut a = self.identity();
        for &v in x {
            self.push(&mut a, v);
        }
        a
    }
    /// Folds `x[j]` into `out[j]` for every `j` (one row of kept positions).
    #[inline]
    fn push_slice(&self, out: &mut [Self::Acc], x: &[T]) {
        for (o, &v) in out.iter_mut().zip(x) {
            self.push(o, v);
        }
    }
    /// Folds `b` (covering later values) into `a`.
    fn merge(&self, a: &mut Self::Acc, b: &Self::Acc);
    /// The output element from the accumulator of `count` values.
    fn finish(&self, acc: &Self::Acc, count: f64) -> Result<Self::Out>;
    /// The partials of one chunk view, one per kept position in C order.
    fn chunk(&self, view: ArrayViewD<'_, T>, pos: &ChunkPos<'_>) -> Vec<Self::Acc> {
        let mask: Vec<bool> = (0..view.ndim()).map(|a| pos.axes.contains(&a)).collect();
        let kept: usize = view
            .shape()
            .iter()
            .zip(&mask)
            .filter(|(_, &m)| !m)
            .map(|(&n, _)| n)
            .product();
        let mut out = vec![self.identity(); kept];
        reduce_view(self, view, &mask, &mut out);
        out
    }
}

/// Positions per block when the leading axis of long rows is folded block by block.
const COLUMN_BLOCK: usize = 8192;

/// `view` as rows (leading index) of C-ordered positions, when only its leading axis is
/// reduced, it has more than one row and its rows are at least four column blocks long.
fn long_rows<'a, T>(view: &ArrayViewD<'a, T>, mask: &[bool]) -> Option<ndarray::ArrayView2<'a, T>> {
    let n0 = view.len_of(Axis(0));
    let leading_only = mask.first() == Some(&true) && !mask[1..].iter().any(|&m| m);
    if !leading_only || view.ndim() < 2 || n0 < 2 || !view.is_standard_layout() {
        return None;
    }
    let row_len = view.len() / n0;
    if row_len < 4 * COLUMN_BLOCK {
        return None;
    }
    view.clone().into_shape_with_order((n0, row_len)).ok()
}

/// Merges the reduction of `view` over the axes where `mask` is true into `out` (one
/// accumulator per kept position, C order).
pub(crate) fn reduce_view<T: RElem, R: Reducer<T> + ?Sized>(
    r: &R,
    view: ArrayViewD<'_, T>,
    mask: &[bool],
    out: &mut [R::Acc],
) {
    if view.ndim() == 0 {
        if let Some(&x) = view.first() {
            r.push(&mut out[0], x);
        }
        return;
    }
    if mask.iter().all(|&m| m) {
        if let Some(s) = view.to_slice() {
            let a = r.run(s);
            r.merge(&mut out[0], &a);
            return;
        }
    }
    let n0 = view.len_of(Axis(0));
    if let Some(rows) = long_rows(&view, mask) {
        // Only the leading axis reduced, over rows too long for their accumulators to stay
        // in cache: fold it one block of positions at a time. Each position takes the same
        // steps in the same order, so the bits do not change.
        let row_len = rows.ncols();
        for c0 in (0..row_len).step_by(COLUMN_BLOCK) {
            let c1 = (c0 + COLUMN_BLOCK).min(row_len);
            let block = rows.slice(ndarray::s![.., c0..c1]).into_dyn();
            reduce_view(r, block, &[true, false], &mut out[c0..c1]);
        }
        return;
    }
    if !mask[0] {
        // Kept leading axis: each index writes its own part of `out`.
        if view.ndim() == 1 {
            match view.to_slice() {
                Some(s) => r.push_slice(out, s),
                None => {
                    for (o, &x) in out.iter_mut().zip(view.iter()) {
                        r.push(o, x);
                    }
                }
            }
            return;
        }
        let per = out.len() / n0.max(1);
        for (i, part) in out.chunks_mut(per.max(1)).enumerate().take(n0) {
            reduce_view(r, view.index_axis(Axis(0), i), &mask[1..], part);
        }
        return;
    }
    // Reduced leading axis: pairwise over its index.
    if n0 <= BASE {
        for i in 0..n0 {
            reduce_view(r, view.index_axis(Axis(0), i), &mask[1..], out);
        }
        return;
    }
    let half = n0 / 2;
    let (a, b) = view.split_at(Axis(0), half);
    reduce_view(r, a, mask, out);
    let mut tmp = vec![r.identity(); out.len()];
    reduce_view(r, b, mask, &mut tmp);
    for (o, t) in out.iter_mut().zip(&tmp) {
        r.merge(o, t);
    }
}

/// Reduces contiguous tiles (C-order ranges of one chunk) over all axes, combining the tile
/// partials like a binary counter so that the pairwise error bound holds across tiles.
pub(crate) struct TileCascade<A> {
    levels: Vec<Option<A>>,
}

impl<A: Clone> TileCascade<A> {
    pub(crate) fn new() -> Self {
        TileCascade { levels: Vec::new() }
    }

    pub(crate) fn push(&mut self, mut v: A, merge: impl Fn(&mut A, &A)) {
        for slot in self.levels.iter_mut() {
            match slot.take() {
                Some(mut prev) => {
                    merge(&mut prev, &v);
                    v = prev;
                }
                None => {
                    *slot = Some(v);
                    return;
                }
            }
        }
        self.levels.push(Some(v));
    }

    /// The combined partial (older values first), or `None` if nothing was pushed.
    pub(crate) fn finish(self, merge: impl Fn(&mut A, &A)) -> Option<A> {
        let mut acc: Option<A> = None;
        for v in self.levels.into_iter().rev().flatten() {
            acc = Some(match acc {
                None => v,
                Some(mut a) => {
                    merge(&mut a, &v);
                    a
                }
            });
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::super::reducers::{ArgR, MinMaxR, SumR, VarR};
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    /// Long rows fold in column blocks with the bits of folding whole rows (a view in
    /// another memory order takes the whole-row path).
    #[test]
    fn long_rows_in_column_blocks_keep_the_bits() {
        let sum = SumR {
            skip_nan: false,
            prod: false,
        };
        let var = VarR {
            ddof: 1.0,
            sqrt: true,
            skip_nan: false,
        };
        for (rows, cols) in [(2usize, 4 * COLUMN_BLOCK), (19, 5 * COLUMN_BLOCK + 37)] {
            let shape = [rows, cols / 2 + cols % 2, 2];
            let n: usize = shape.iter().product();
            let x: Vec<f64> = (0..n)
                .map(|i| ((i as f64) * 0.37).sin() * 1e3 + (i % 11) as f64 * 1e-7)
                .collect();
            let c = ArrayD::from_shape_vec(IxDyn(&shape), x).unwrap();
            assert!(long_rows(&c.view(), &[true, false, false]).is_some());
            // The same values in Fortran order: no column blocks.
            let mut f = ArrayD::<f64>::zeros(ndarray::ShapeBuilder::f(IxDyn(&shape)));
            f.assign(&c);
            assert!(long_rows(&f.view(), &[true, false, false]).is_none());
            let (offsets, axes) = (vec![0; 3], [0usize]);
            let p = pos(&offsets, &shape, &axes);
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            assert_eq!(bits(sum.chunk(c.view(), &p)), bits(sum.chunk(f.view(), &p)));
            let (a, b) = (var.chunk(c.view(), &p), var.chunk(f.view(), &p));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "var {rows}");
        }
    }

    fn pos<'a>(offsets: &'a [usize], shape: &'a [usize], axes: &'a [usize]) -> ChunkPos<'a> {
        ChunkPos {
            offsets,
            shape,
            axes,
        }
    }

    #[test]
    fn sum_over_each_axis_set() {
        let a =
            ArrayD::from_shape_vec(IxDyn(&[3, 4, 5]), (0..60).map(|v| v as f64).collect()).unwrap();
        let r = SumR {
            skip_nan: false,
            prod: false,
        };
        for axes in [vec![0], vec![1], vec![2], vec![0, 2], vec![0, 1, 2]] {
            let got = Reducer::<f64>::chunk(&r, a.view(), &pos(&[0, 0, 0], &[3, 4, 5], &axes));
            let mut expect = a.clone();
            for &ax in axes.iter().rev() {
                expect = expect.sum_axis(Axis(ax));
            }
            assert_eq!(
                got,
                expect.iter().copied().collect::<Vec<_>>(),
                "axes {axes:?}"
            );
        }
        // Transposed (non-contiguous) input.
        let t = a.view().reversed_axes();
        let got = Reducer::<f64>::chunk(&r, t.clone(), &pos(&[0, 0, 0], &[5, 4, 3], &[1]));
        let expect = t.sum_axis(Axis(1));
        assert_eq!(got, expect.iter().copied().collect::<Vec<_>>());
        assert_eq!(<u8 as RElem>::sum_run(&[1u8, 255]), 256u64);
    }

    #[test]
    fn min_max_nan_rules() {
        let x = [1.0f64, f64::NAN, -3.0];
        let a = ArrayD::from_shape_vec(IxDyn(&[3]), x.to_vec()).unwrap();
        let p = pos(&[0], &[3], &[0]);
        let mx = MinMaxR {
            max: true,
            skip_nan: false,
        };
        assert!(Reducer::<f64>::chunk(&mx, a.view(), &p)[0]
            .unwrap()
            .is_nan());
        let nmn = MinMaxR {
            max: false,
            skip_nan: true,
        };
        assert_eq!(Reducer::<f64>::chunk(&nmn, a.view(), &p)[0], Some(-3.0));
        let am = ArgR {
            max: false,
            skip_nan: false,
        };
        assert_eq!(Reducer::<f64>::chunk(&am, a.view(), &p)[0].unwrap().1, 1);
        let nam = ArgR {
            max: false,
            skip_nan: true,
        };
        assert_eq!(Reducer::<f64>::chunk(&nam, a.view(), &p)[0].unwrap().1, 2);
    }

    #[test]
    fn cascade_merges_in_order() {
        let mut c = TileCascade::new();
        for i in 0..5 {
            c.push(vec![i], |a: &mut Vec<i32>, b| a.extend_from_slice(b));
        }
        assert_eq!(
            c.finish(|a, b| a.extend_from_slice(b)),
            Some(vec![0, 1, 2, 3, 4])
        );
    }
}
