//! Reductions: `sum`, `mean`, `var`, `min`, `argmax`, ... over any set of axes.

use super::axis::{resolve_axes, AxisIndex};
use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::{Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::{Node, Op, ReduceKind, ReduceSpec};
use std::ops::RangeFull;

/// Default number of partial results one tree task combines.
pub const DEFAULT_SPLIT_EVERY: usize = 8;

/// Which axes a reduction runs over, whether they are kept as length-1 axes, and the tree's
/// fan-in.
///
/// Build it from an axis (`0`), several (`[0, 2]`, `&[..]`, `vec![..]`) or all (`..`):
///
/// ```
/// use tessera::{Array, Axes};
/// let x = Array::<f64>::ones(&[4, 6], 2).unwrap();
/// assert_eq!(x.sum(..).unwrap().shape(), &[] as &[usize]);
/// assert_eq!(x.sum(0).unwrap().shape(), &[6]);
/// assert_eq!(x.sum(Axes::from(1).keepdims()).unwrap().shape(), &[4, 1]);
/// assert_eq!(x.sum(Axes::all().split_every(4)).unwrap().compute_scalar().unwrap(), 24.0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Axes {
    axes: Option<Vec<isize>>,
    keepdims: bool,
    split_every: Option<usize>,
}

impl Axes {
    /// All axes.
    pub fn all() -> Self {
        Axes::default()
    }

    /// No axis (NumPy's `axis=()`): the reduction applies elementwise.
    pub fn none() -> Self {
        Axes::new(Vec::<usize>::new())
    }

    /// These axes (negative ones count from the end).
    pub fn new<A: AxisIndex>(axes: impl IntoIterator<Item = A>) -> Self {
        Axes {
            axes: Some(axes.into_iter().map(AxisIndex::to_isize).collect()),
            ..Default::default()
        }
    }

    /// The axes given, resolved against `ndim` axes (`None` for all).
    pub(crate) fn resolve(&self, op: &str, ndim: usize) -> Result<Option<Vec<usize>>> {
        self.axes
            .as_deref()
            .map(|a| resolve_axes(op, a, ndim))
            .transpose()
    }

    /// Keep reduced axes as length-1 axes (NumPy's `keepdims=True`).
    pub fn keepdims(mut self) -> Self {
        self.keepdims = true;
        self
    }

    /// Combine at most `n` (>= 2) partial results per tree task.
    pub fn split_every(mut self, n: usize) -> Self {
        self.split_every = Some(n);
        self
    }
}

impl<A: AxisIndex> From<A> for Axes {
    fn from(a: A) -> Self {
        Axes::new([a])
    }
}
impl<A: AxisIndex, const N: usize> From<[A; N]> for Axes {
    fn from(a: [A; N]) -> Self {
        Axes::new(a)
    }
}
impl<A: AxisIndex> From<&[A]> for Axes {
    fn from(a: &[A]) -> Self {
        Axes::new(a.iter().copied())
    }
}
impl<A: AxisIndex> From<Vec<A>> for Axes {
    fn from(a: Vec<A>) -> Self {
        Axes::new(a)
    }
}
impl From<RangeFull> for Axes {
    fn from(_: RangeFull) -> Self {
        Axes::all()
    }
}

impl<T: Element> Array<T> {
    pub(crate) fn reduce<U: Element>(
        &self,
        kind: ReduceKind,
        axes: Axes,
        ddof: f64,
    ) -> Result<Array<U>> {
        let nd = self.ndim();
        let op = kind.name();
        let mut list = match axes.resolve(op, nd)? {
            None => (0..nd).collect(),
            Some(v) => v,
        };
        list.sort_unstable();
        for (i, &a) in list.iter().enumerate() {
            if i > 0 && list[i - 1] == a {
                return Err(Error::Axis {
                    op: op.into(),
                    axis: a as isize,
                    ndim: nd,
                });
            }
        }
        let split_every = axes.split_every.unwrap_or(DEFAULT_SPLIT_EVERY);
        if split_every < 2 {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("split_every must be at least 2, got {split_every}"),
            });
        }
        if kind.is_arg() && list.len() != 1 && list.len() != nd {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("reduces one axis or all axes, not {list:?}"),
            });
        }
        if kind.needs_nonempty() && list.iter().any(|&a| self.node.shape[a] == 0) {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "zero-size array (shape {:?}) to a reduction which has no identity",
                    self.node.shape
                ),
            });
        }
        if !(ddof.is_finite() && ddof >= 0.0) {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("ddof must be finite and >= 0, got {ddof}"),
            });
        }
        let mut shape = Vec::new();
        let mut grid_axes = Vec::new();
        for a in 0..nd {
            if list.contains(&a) {
                if axes.keepdims {
                    shape.push(1);
                    grid_axes.push(AxisChunks::regular(1, 1));
                }
            } else {
                shape.push(self.node.shape[a]);
                grid_axes.push(self.node.grid.axis(a).clone());
            }
        }
        Ok(Array::wrap(Node::new(
            U::DTYPE,
            shape,
            ChunkGrid::from_axes(grid_axes),
            Op::Reduce(
                ReduceSpec {
                    kind,
                    axes: list,
                    keepdims: axes.keepdims,
                    split_every,
                    ddof,
                },
                self.node.clone(),
            ),
        )))
    }

    /// Sum. Integers and `bool` sum exactly (wrapping) into `i64`/`u64` (NumPy's promotion);
    /// floats sum pairwise along every axis.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<u8>::full(&[1000], 255, 64).unwrap();
    /// assert_eq!(x.sum(..).unwrap().compute_scalar().unwrap(), 255_000u64);
    /// ```
    pub fn sum(&self, axes: impl Into<Axes>) -> Result<Array<T::Sum>> {
        self.reduce(ReduceKind::Sum, axes.into(), 0.0)
    }
    /// Product, in the same type as [`sum`](Array::sum).
    pub fn prod(&self, axes: impl Into<Axes>) -> Result<Array<T::Sum>> {
        self.reduce(ReduceKind::Prod, axes.into(), 0.0)
    }
    /// Arithmetic mean (`f64` for integers).
    pub fn mean(&self, axes: impl Into<Axes>) -> Result<Array<T::Mean>> {
        self.reduce(ReduceKind::Mean, axes.into(), 0.0)
    }
    /// Variance with `ddof = 0`, from Chan et al.'s (count, mean, M2) partials.
    pub fn var(&self, axes: impl Into<Axes>) -> Result<Array<T::Mean>> {
        self.reduce(ReduceKind::Var, axes.into(), 0.0)
    }
    /// Variance with `ddof` delta degrees of freedom (divides by `n - ddof`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 4.0, 1.0, 3).unwrap();
    /// let v = x.var_ddof(.., 1.0).unwrap().compute_scalar().unwrap();
    /// assert!((v - 5.0 / 3.0).abs() < 1e-15);
    /// ```
    pub fn var_ddof(&self, axes: impl Into<Axes>, ddof: f64) -> Result<Array<T::Mean>> {
        self.reduce(ReduceKind::Var, axes.into(), ddof)
    }
    /// Standard deviation with `ddof = 0`.
    pub fn std(&self, axes: impl Into<Axes>) -> Result<Array<T::Mean>> {
        self.reduce(ReduceKind::Std, axes.into(), 0.0)
    }
    /// Standard deviation with `ddof` delta degrees of freedom.
    pub fn std_ddof(&self, axes: impl Into<Axes>, ddof: f64) -> Result<Array<T::Mean>> {
        self.reduce(ReduceKind::Std, axes.into(), ddof)
    }
    /// Minimum; NaN propagates. An error for a reduced axis of length 0.
    pub fn min(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::Min, axes.into(), 0.0)
    }
    /// Maximum; NaN propagates. An error for a reduced axis of length 0.
    pub fn max(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::Max, axes.into(), 0.0)
    }
    /// Index of the minimum along one axis, or the flat (C-order) index over all axes
    /// (`..`). Ties give the first index; a NaN counts as the minimum.
    ///
    /// ```
    /// use ndarray::array;
    /// use tessera::Array;
    /// let x = Array::from_ndarray(array![[3.0, 1.0], [1.0, 5.0]], 1).unwrap();
    /// assert_eq!(x.argmin(..).unwrap().compute_scalar().unwrap(), 1);
    /// assert_eq!(x.argmin(0).unwrap().compute().unwrap().into_raw_vec_and_offset().0, vec![1, 0]);
    /// ```
    pub fn argmin(&self, axes: impl Into<Axes>) -> Result<Array<i64>> {
        self.reduce(ReduceKind::ArgMin, axes.into(), 0.0)
    }
    /// Index of the maximum (see [`argmin`](Array::argmin)).
    pub fn argmax(&self, axes: impl Into<Axes>) -> Result<Array<i64>> {
        self.reduce(ReduceKind::ArgMax, axes.into(), 0.0)
    }
    /// Whether any element is non-zero (NaN counts as non-zero).
    pub fn any(&self, axes: impl Into<Axes>) -> Result<Array<bool>> {
        self.reduce(ReduceKind::Any, axes.into(), 0.0)
    }
    /// Whether every element is non-zero.
    pub fn all(&self, axes: impl Into<Axes>) -> Result<Array<bool>> {
        self.reduce(ReduceKind::All, axes.into(), 0.0)
    }
    /// Number of non-zero elements.
    pub fn count_nonzero(&self, axes: impl Into<Axes>) -> Result<Array<i64>> {
        self.reduce(ReduceKind::CountNonzero, axes.into(), 0.0)
    }
}

impl<T: Numeric> Array<T> {
    /// The sum over `axes` accumulated in, and returned as, `U` (NumPy's `sum(dtype=U)`):
    /// `i8` sums wrap as NumPy's do, `f32` data can be summed in `f64`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i8>::full(&[4], 100, 2)?;
    /// assert_eq!(x.sum_as::<i8>(..)?.compute_scalar()?, -112); // 400 wrapped, as numpy
    /// assert_eq!(x.sum_as::<f64>(..)?.compute_scalar()?, 400.0);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn sum_as<U: Numeric>(&self, axes: impl Into<Axes>) -> Result<Array<U>> {
        Ok(self.astype::<U>().sum(axes)?.astype::<U>())
    }

    /// The product over `axes` accumulated in, and returned as, `U` (NumPy's
    /// `prod(dtype=U)`).
    pub fn prod_as<U: Numeric>(&self, axes: impl Into<Axes>) -> Result<Array<U>> {
        Ok(self.astype::<U>().prod(axes)?.astype::<U>())
    }

    /// The mean over `axes` accumulated in, and returned as, the float type `U` (NumPy's
    /// `mean(dtype=U)`).
    pub fn mean_as<U: Float>(&self, axes: impl Into<Axes>) -> Result<Array<U>> {
        Ok(self.astype::<U>().mean(axes)?.astype::<U>())
    }
}

impl<T: Float> Array<T> {
    /// Product ignoring NaN (NaN counts as one), as NumPy's `nanprod`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[2.0, f64::NAN, 3.0]), 2)?;
    /// assert_eq!(x.nanprod(..)?.compute_scalar()?, 6.0);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nanprod(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        let ones = super::where_(&self.isnan(), T::from_f64(1.0), self)?;
        Ok(ones.prod(axes)?.astype::<T>())
    }

    /// Sum ignoring NaN.
    pub fn nansum(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanSum, axes.into(), 0.0)
    }
    /// Mean ignoring NaN (NaN for an all-NaN slice).
    pub fn nanmean(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanMean, axes.into(), 0.0)
    }
    /// Minimum ignoring NaN (NaN for an all-NaN slice).
    pub fn nanmin(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanMin, axes.into(), 0.0)
    }
    /// Maximum ignoring NaN (NaN for an all-NaN slice).
    pub fn nanmax(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanMax, axes.into(), 0.0)
    }
    /// Variance ignoring NaN, `ddof = 0`.
    pub fn nanvar(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanVar, axes.into(), 0.0)
    }
    /// Variance ignoring NaN with `ddof`.
    pub fn nanvar_ddof(&self, axes: impl Into<Axes>, ddof: f64) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanVar, axes.into(), ddof)
    }
    /// Standard deviation ignoring NaN, `ddof = 0`.
    pub fn nanstd(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanStd, axes.into(), 0.0)
    }
    /// Standard deviation ignoring NaN with `ddof`.
    pub fn nanstd_ddof(&self, axes: impl Into<Axes>, ddof: f64) -> Result<Array<T>> {
        self.reduce(ReduceKind::NanStd, axes.into(), ddof)
    }
    /// Index of the minimum ignoring NaN; computing it fails on an all-NaN slice.
    pub fn nanargmin(&self, axes: impl Into<Axes>) -> Result<Array<i64>> {
        self.reduce(ReduceKind::NanArgMin, axes.into(), 0.0)
    }
    /// Index of the maximum ignoring NaN; computing it fails on an all-NaN slice.
    pub fn nanargmax(&self, axes: impl Into<Axes>) -> Result<Array<i64>> {
        self.reduce(ReduceKind::NanArgMax, axes.into(), 0.0)
    }
}
