//! The reducers: `sum`/`prod`, `mean`, `var`/`std`, `min`/`max`, `any`/`all`,
//! `count_nonzero` and the arg-reductions, each with its NaN rules (see [`super::reduce`]
//! for the traversal that drives them).

use super::reduce::{ChunkPos, RElem, Reducer};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::task::wire::Wire;
use ndarray::{ArrayViewD, Axis};
use tessera_kernels::moments::Moments;
use tessera_kernels::reduce::{self as kreduce, Extreme};
use tessera_kernels::scalar::Arith;

/// `sum`, `nansum` (skip NaN) and `prod`.
pub(crate) struct SumR {
    pub skip_nan: bool,
    pub prod: bool,
}

impl<T: RElem> Reducer<T> for SumR
where
    T::Sum: Wire,
{
    type Acc = T::Sum;
    type Out = T::Sum;
    fn identity(&self) -> T::Sum {
        if self.prod {
            <T::Sum as Arith>::one()
        } else {
            <T::Sum as Arith>::zero()
        }
    }
    #[inline]
    fn push(&self, acc: &mut T::Sum, x: T) {
        if self.skip_nan && x.nan() {
            return;
        }
        let v = <T::Sum as Element>::cast_from(x);
        *acc = if self.prod { acc.mul(v) } else { acc.add(v) };
    }
    fn run(&self, x: &[T]) -> T::Sum {
        match (self.prod, self.skip_nan) {
            (false, false) => T::sum_run(x),
            (false, true) => T::nansum_run(x).0,
            _ => {
                let mut a = <Self as Reducer<T>>::identity(self);
                for &v in x {
                    <Self as Reducer<T>>::push(self, &mut a, v);
                }
                a
            }
        }
    }
    fn push_slice(&self, out: &mut [T::Sum], x: &[T]) {
        if self.prod || self.skip_nan {
            for (o, &v) in out.iter_mut().zip(x) {
                <Self as Reducer<T>>::push(self, o, v);
            }
        } else {
            T::add_row_sum(out, x);
        }
    }
    #[inline]
    fn merge(&self, a: &mut T::Sum, b: &T::Sum) {
        *a = if self.prod { a.mul(*b) } else { a.add(*b) };
    }
    fn finish(&self, acc: &T::Sum, _count: f64) -> Result<T::Sum> {
        Ok(*acc)
    }
}

/// `mean`: a sum in the mean type, divided by the number of reduced elements at the end.
pub(crate) struct MeanR;

impl<T: RElem> Reducer<T> for MeanR
where
    T::Mean: Wire,
{
    type Acc = T::Mean;
    type Out = T::Mean;
    fn identity(&self) -> T::Mean {
        <T::Mean as Arith>::zero()
    }
    #[inline]
    fn push(&self, acc: &mut T::Mean, x: T) {
        *acc = *acc + <T::Mean as Element>::cast_from(x);
    }
    fn run(&self, x: &[T]) -> T::Mean {
        T::mean_run(x)
    }
    fn push_slice(&self, out: &mut [T::Mean], x: &[T]) {
        T::add_row_mean(out, x);
    }
    #[inline]
    fn merge(&self, a: &mut T::Mean, b: &T::Mean) {
        *a = *a + *b;
    }
    fn finish(&self, acc: &T::Mean, count: f64) -> Result<T::Mean> {
        Ok(*acc / <T::Mean as Element>::from_f64(count))
    }
}

/// `nanmean`: a sum of the non-NaN values and their count.
pub(crate) struct NanMeanR;

impl<T: RElem> Reducer<T> for NanMeanR
where
    T::Mean: Wire,
{
    type Acc = (T::Mean, f64);
    type Out = T::Mean;
    fn identity(&self) -> Self::Acc {
        (<T::Mean as Arith>::zero(), 0.0)
    }
    #[inline]
    fn push(&self, acc: &mut Self::Acc, x: T) {
        if !x.nan() {
            acc.0 = acc.0 + <T::Mean as Element>::cast_from(x);
            acc.1 += 1.0;
        }
    }
    fn run(&self, x: &[T]) -> Self::Acc {
        let (s, n) = T::nansum_run(x);
        (<T::Mean as Element>::cast_from(s), n as f64)
    }
    #[inline]
    fn merge(&self, a: &mut Self::Acc, b: &Self::Acc) {
        a.0 = a.0 + b.0;
        a.1 += b.1;
    }
    fn finish(&self, acc: &Self::Acc, _count: f64) -> Result<T::Mean> {
        Ok(acc.0 / <T::Mean as Element>::from_f64(acc.1))
    }
}

/// `var`, `std` and their NaN-skipping variants, through (count, mean, M2) partials.
pub(crate) struct VarR {
    pub ddof: f64,
    pub sqrt: bool,
    pub skip_nan: bool,
}

impl<T: RElem> Reducer<T> for VarR {
    type Acc = Moments;
    type Out = T::Mean;
    fn identity(&self) -> Moments {
        Moments::default()
    }
    #[inline]
    fn push(&self, acc: &mut Moments, x: T) {
        if self.skip_nan && x.nan() {
            return;
        }
        acc.merge(&Moments::one(x.to_f64()));
    }
    fn run(&self, x: &[T]) -> Moments {
        T::moments_run(x, self.skip_nan)
    }
    #[inline]
    fn merge(&self, a: &mut Moments, b: &Moments) {
        a.merge(b);
    }
    fn finish(&self, acc: &Moments, _count: f64) -> Result<T::Mean> {
        let v = acc.variance(self.ddof);
        Ok(<T::Mean as Element>::from_f64(if self.sqrt {
            v.sqrt()
        } else {
            v
        }))
    }
}

/// `min`, `max` (NaN propagates) and `nanmin`, `nanmax` (NaN skipped).
pub(crate) struct MinMaxR {
    pub max: bool,
    pub skip_nan: bool,
}

/// The extreme a `min`/`max`-like reducer looks for.
fn extreme(max: bool) -> Extreme {
    if max {
        Extreme::Max
    } else {
        Extreme::Min
    }
}

impl<T: RElem> Reducer<T> for MinMaxR {
    type Acc = Option<T>;
    type Out = T;
    fn identity(&self) -> Option<T> {
        None
    }
    fn run(&self, x: &[T]) -> Option<T> {
        T::extreme_run(x, extreme(self.max), self.skip_nan)
    }
    #[inline]
    fn push(&self, acc: &mut Option<T>, x: T) {
        if x.nan() {
            if !self.skip_nan && !acc.is_some_and(|a| a.nan()) {
                *acc = Some(x);
            }
            return;
        }
        match acc {
            None => *acc = Some(x),
            Some(a) => {
                if !a.nan() && ((self.max && x > *a) || (!self.max && x < *a)) {
                    *a = x;
                }
            }
        }
    }
    fn merge(&self, a: &mut Option<T>, b: &Option<T>) {
        if let Some(x) = b {
            <Self as Reducer<T>>::push(self, a, *x);
        }
    }
    fn finish(&self, acc: &Option<T>, _count: f64) -> Result<T> {
        // An all-NaN slice gives NaN for nanmin/nanmax, as NumPy does.
        Ok(acc.unwrap_or_else(|| T::from_f64(f64::NAN)))
    }
}

/// `any` and `all`.
pub(crate) struct AnyAllR {
    pub all: bool,
}

impl<T: RElem> Reducer<T> for AnyAllR {
    type Acc = bool;
    type Out = bool;
    fn identity(&self) -> bool {
        self.all
    }
    #[inline]
    fn push(&self, acc: &mut bool, x: T) {
        if self.all {
            *acc &= x.truthy();
        } else {
            *acc |= x.truthy();
        }
    }
    fn run(&self, x: &[T]) -> bool {
        if self.all {
            kreduce::all(x, |v| v.truthy())
        } else {
            kreduce::any(x, |v| v.truthy())
        }
    }
    fn merge(&self, a: &mut bool, b: &bool) {
        if self.all {
            *a &= *b;
        } else {
            *a |= *b;
        }
    }
    fn finish(&self, acc: &bool, _count: f64) -> Result<bool> {
        Ok(*acc)
    }
}

/// `count_nonzero`.
pub(crate) struct CountR;

impl<T: RElem> Reducer<T> for CountR {
    type Acc = i64;
    type Out = i64;
    fn identity(&self) -> i64 {
        0
    }
    #[inline]
    fn push(&self, acc: &mut i64, x: T) {
        *acc += i64::from(x.truthy());
    }
    fn run(&self, x: &[T]) -> i64 {
        kreduce::count(x, |v| v.truthy()) as i64
    }
    fn merge(&self, a: &mut i64, b: &i64) {
        *a += *b;
    }
    fn finish(&self, acc: &i64, _count: f64) -> Result<i64> {
        Ok(*acc)
    }
}

/// `argmin`, `argmax` (a NaN is the extreme) and `nanargmin`, `nanargmax` (NaN skipped; an
/// all-NaN slice is an error). Ties give the lowest index.
pub(crate) struct ArgR {
    pub max: bool,
    pub skip_nan: bool,
}

impl ArgR {
    /// Whether `(x, i)` should replace the current best `(a, j)`.
    #[inline]
    fn better<T: RElem>(&self, a: T, j: i64, x: T, i: i64) -> bool {
        match (a.nan(), x.nan()) {
            (true, true) => i < j,
            (true, false) => false,
            (false, true) => !self.skip_nan,
            (false, false) => {
                if x == a {
                    i < j
                } else if self.max {
                    x > a
                } else {
                    x < a
                }
            }
        }
    }

    #[inline]
    fn offer<T: RElem>(&self, acc: &mut Option<(T, i64)>, x: T, i: i64) {
        if self.skip_nan && x.nan() {
            return;
        }
        match acc {
            None => *acc = Some((x, i)),
            Some((a, j)) => {
                if self.better(*a, *j, x, i) {
                    *acc = Some((x, i));
                }
            }
        }
    }
}

impl<T: RElem> Reducer<T> for ArgR {
    type Acc = Option<(T, i64)>;
    type Out = i64;
    fn identity(&self) -> Self::Acc {
        None
    }
    fn push(&self, _acc: &mut Self::Acc, _x: T) {
        // Arg-reductions need positions; they go through `chunk`.
    }
    fn merge(&self, a: &mut Self::Acc, b: &Self::Acc) {
        if let Some((x, i)) = *b {
            self.offer(a, x, i);
        }
    }
    fn finish(&self, acc: &Self::Acc, _count: f64) -> Result<i64> {
        acc.map(|(_, i)| i).ok_or_else(|| Error::Task {
            task: if self.max { "nanargmax" } else { "nanargmin" }.into(),
            msg: "All-NaN slice encountered".into(),
        })
    }
    fn chunk(&self, view: ArrayViewD<'_, T>, pos: &ChunkPos<'_>) -> Vec<Self::Acc> {
        let nd = view.ndim();
        if pos.axes.len() == 1 && nd > 1 {
            let ax = pos.axes[0];
            let off = pos.offsets[ax] as i64;
            view.lanes(Axis(ax))
                .into_iter()
                .map(|lane| {
                    let mut acc = None;
                    for (k, &x) in lane.iter().enumerate() {
                        self.offer(&mut acc, x, off + k as i64);
                    }
                    acc
                })
                .collect()
        } else if let Some(s) = view.as_slice() {
            // Contiguous: the kernel finds the local position, mapped to the global C-order
            // index here.
            let Some(mut local) = T::arg_run(s, extreme(self.max), self.skip_nan) else {
                return vec![None];
            };
            let x = s[local];
            let mut flat = 0i64;
            let mut stride = 1i64;
            for ax in (0..nd).rev() {
                let n = view.shape()[ax];
                let idx = local % n;
                local /= n;
                flat += stride * (pos.offsets[ax] + idx) as i64;
                stride *= pos.shape[ax] as i64;
            }
            vec![Some((x, flat))]
        } else {
            // Flattened: global C-order index.
            let mut acc = None;
            for (idx, &x) in view.indexed_iter() {
                let mut flat = 0i64;
                for ax in 0..nd {
                    flat = flat * pos.shape[ax] as i64 + (pos.offsets[ax] + idx[ax]) as i64;
                }
                self.offer(&mut acc, x, flat);
            }
            vec![acc]
        }
    }
}
