//! Norms, `trace` and `diagonal`.

use super::tsqr::{small_svd, tsqr};
use super::{matrix_dims, LinalgFloat};
use crate::array::{gather, Array, Axes};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use ndarray::{Array1, Ix2};

/// The order of a matrix norm ([`matrix_norm`]), as NumPy's `ord` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MatrixNorm {
    /// Frobenius: the square root of the sum of squares (`'fro'`, the default).
    #[default]
    Frobenius,
    /// Nuclear: the sum of the singular values (`'nuc'`).
    Nuclear,
    /// The largest column sum of absolute values (`1`).
    One,
    /// The smallest column sum of absolute values (`-1`).
    NegOne,
    /// The largest singular value (`2`).
    Two,
    /// The smallest singular value (`-2`).
    NegTwo,
    /// The largest row sum of absolute values (`inf`).
    Inf,
    /// The smallest row sum of absolute values (`-inf`).
    NegInf,
}

/// The 2-norm of all of `a`'s elements, as `numpy.linalg.norm(a)` without `ord` or `axis`
/// (the Frobenius norm of a matrix).
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[3.0, 0.0], [0.0, 4.0]]), 1)?;
/// assert_eq!(linalg::norm(&a)?.compute_scalar()?, 5.0);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn norm<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    vector_norm(a, 2.0, ..)
}

/// The vector norm of order `ord` along `axes` (all axes with `..`), as
/// `numpy.linalg.vector_norm(a, ord, axis)`: `(Σ|x|^ord)^(1/ord)`, with `ord = ∞` the largest
/// `|x|`, `-∞` the smallest and `0` the number of non-zero elements.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[3.0, -4.0], [1.0, 0.0]]), 1)?;
/// assert_eq!(linalg::vector_norm(&a, 1.0, 1)?.compute()?, ndarray::arr1(&[7.0, 1.0]).into_dyn());
/// assert_eq!(linalg::vector_norm(&a, f64::INFINITY, ..)?.compute_scalar()?, 4.0);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn vector_norm<T: LinalgFloat>(
    a: &Array<T>,
    ord: f64,
    axes: impl Into<Axes>,
) -> Result<Array<T>> {
    let axes = axes.into();
    if ord.is_nan() {
        return Err(Error::Argument {
            op: "vector_norm".into(),
            msg: "the order is NaN".into(),
        });
    }
    let cast =
        |v: f64| <T as num_traits::NumCast>::from(v).unwrap_or_else(<T as num_traits::Float>::nan);
    Ok(if ord == 2.0 {
        a.try_mul(a)?.sum(axes)?.astype::<T>().sqrt()
    } else if ord == f64::INFINITY {
        a.abs().max(axes)?
    } else if ord == f64::NEG_INFINITY {
        a.abs().min(axes)?
    } else if ord == 0.0 {
        a.count_nonzero(axes)?.astype::<T>()
    } else if ord == 1.0 {
        a.abs().sum(axes)?.astype::<T>()
    } else {
        a.abs()
            .pow(cast(ord))?
            .sum(axes)?
            .astype::<T>()
            .pow(cast(1.0 / ord))?
    })
}

/// The matrix norm of a 2-d array, as `numpy.linalg.matrix_norm(a, ord)`. The
/// singular-value norms (`Nuclear`, `Two`, `NegTwo`) come from TSQR of `a` (rechunked to one
/// chunk along its shorter axis first if needed); the others are reductions.
///
/// ```
/// use tessera::linalg::{self, MatrixNorm};
/// use tessera::Array;
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, -2.0], [3.0, 4.0]]), 1)?;
/// assert_eq!(linalg::matrix_norm(&a, MatrixNorm::One)?.compute_scalar()?, 6.0);
/// assert_eq!(linalg::matrix_norm(&a, MatrixNorm::Inf)?.compute_scalar()?, 7.0);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn matrix_norm<T: LinalgFloat>(a: &Array<T>, ord: MatrixNorm) -> Result<Array<T>> {
    let op = "matrix_norm";
    matrix_dims(op, a)?;
    let abs = || a.abs();
    Ok(match ord {
        MatrixNorm::Frobenius => vector_norm(a, 2.0, ..)?,
        MatrixNorm::One => abs().sum(0)?.astype::<T>().max(..)?,
        MatrixNorm::NegOne => abs().sum(0)?.astype::<T>().min(..)?,
        MatrixNorm::Inf => abs().sum(1)?.astype::<T>().max(..)?,
        MatrixNorm::NegInf => abs().sum(1)?.astype::<T>().min(..)?,
        MatrixNorm::Nuclear => singular_values(op, a)?.sum(..)?.astype::<T>(),
        MatrixNorm::Two => singular_values(op, a)?.max(..)?,
        MatrixNorm::NegTwo => singular_values(op, a)?.min(..)?,
    })
}

/// The singular values of a 2-d array (decreasing), from the `r` of TSQR.
pub(crate) fn singular_values<T: LinalgFloat>(op: &'static str, a: &Array<T>) -> Result<Array<T>> {
    let (m, n) = matrix_dims(op, a)?;
    let g = a.chunks();
    let tall = if g.axis(1).count() <= 1 {
        a.clone()
    } else if g.axis(0).count() <= 1 {
        a.t()
    } else if m >= n {
        a.rechunk(vec![g.axis(0).max_size().max(n), n.max(1)])?
    } else {
        a.t().rechunk(vec![g.axis(1).max_size().max(m), m.max(1)])?
    };
    Ok(small_svd(op, &tsqr(op, &tall)?.r)?.1)
}

/// The `offset`-th diagonal of a 2-d array, as `numpy.diagonal(a, offset)`: above the main
/// diagonal for a positive offset, below it for a negative one. Each chunk of the result
/// reads only the blocks of `a` the diagonal crosses; the result is chunked as `a`'s rows.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::<i32>::arange(0, 9, 1, 2)?.reshape(&[3, 3])?;
/// assert_eq!(linalg::diagonal(&a, 0)?.compute()?, ndarray::arr1(&[0, 4, 8]).into_dyn());
/// assert_eq!(linalg::diagonal(&a, 1)?.compute()?, ndarray::arr1(&[1, 5]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn diagonal<T: Element>(a: &Array<T>, offset: i64) -> Result<Array<T>> {
    let op = "diagonal";
    let (m, n) = matrix_dims(op, a)?;
    let r0 = if offset < 0 {
        offset.unsigned_abs() as usize
    } else {
        0
    };
    let c0 = if offset > 0 { offset as usize } else { 0 };
    let len = m.saturating_sub(r0).min(n.saturating_sub(c0));
    let chunk = a.chunks().axis(0).max_size().max(1);
    let grid = ChunkGrid::from_axes(vec![AxisChunks::regular(chunk, len)]);
    let out = grid.axis(0).clone();
    Ok(gather(
        op,
        &[a],
        grid,
        move |ix| {
            let (s, l) = (out.offset(ix[0]), out.size(ix[0]));
            vec![(0, vec![(r0 + s, l), (c0 + s, l)])]
        },
        |b, _| {
            let block = b[0]
                .clone()
                .into_dimensionality::<Ix2>()
                .map_err(|_| Error::internal("diagonal", "block is not 2-d"))?;
            Ok(Array1::from_iter(block.diag().iter().cloned()).into_dyn())
        },
    ))
}

/// The sum along the `offset`-th diagonal of a 2-d array (a 0-d array), as
/// `numpy.trace(a, offset)`.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::<i64>::arange(0, 9, 1, 2)?.reshape(&[3, 3])?;
/// assert_eq!(linalg::trace(&a, 0)?.compute_scalar()?, 12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn trace<T: Numeric>(a: &Array<T>, offset: i64) -> Result<Array<T::Sum>> {
    diagonal(a, offset)?.sum(..)
}
