//! Routines on a square matrix factored in one task (`det`, `slogdet`, `inv`, `eigh`,
//! `eigvalsh`), and those built from others (`pinv`, `matrix_power`).

use super::dense::{self, view2};
use super::tsqr::{one_block, small_svd, tall_svd};
use super::{matrix_dims, square_dims, LinalgFloat};
use crate::array::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::error::{Error, Result};
use ndarray::{Array1, Array2};

/// A grid of one block of `len` elements.
fn one_vector(len: usize) -> ChunkGrid {
    ChunkGrid::from_axes(vec![AxisChunks::from_sizes(vec![len])])
}

/// The reads of a whole `n × n` matrix.
fn whole(n: usize) -> impl Fn(&[usize]) -> Vec<crate::expr::BlockRead> + Send + Sync + 'static {
    move |_| vec![(0, vec![(0, n), (0, n)])]
}

/// The determinant of a square matrix (a 0-d array), as `numpy.linalg.det`: the product of
/// the pivots of its LU factorization, computed in one task. Use [`slogdet`] where the
/// determinant may overflow.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
/// assert!((linalg::det(&a)?.compute_scalar()? + 2.0_f64).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn det<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    let op = "det";
    let n = square_dims(op, a)?;
    let d = gather(op, &[a], one_vector(1), whole(n), move |b, _| {
        let (sign, log) = dense::slogdet(&view2(&b[0])?);
        Ok(Array1::from_elem(1, sign * num_traits::Float::exp(log)).into_dyn())
    });
    d.squeeze(0)
}

/// The sign and the natural logarithm of the absolute value of the determinant of a square
/// matrix (two 0-d arrays), as `numpy.linalg.slogdet`: `(0, -inf)` for a singular matrix.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[0.0, 2.0], [3.0, 0.0]]), 1)?;
/// let (sign, log) = linalg::slogdet(&a)?;
/// assert_eq!(sign.compute_scalar()?, -1.0);
/// assert!((log.compute_scalar()? - 6.0_f64.ln()).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn slogdet<T: LinalgFloat>(a: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let op = "slogdet";
    let n = square_dims(op, a)?;
    let both = gather(op, &[a], one_vector(2), whole(n), move |b, _| {
        let (sign, log) = dense::slogdet(&view2(&b[0])?);
        Ok(Array1::from(vec![sign, log]).into_dyn())
    });
    Ok((
        both.slice_axis(0, 0..1)?.squeeze(0)?,
        both.slice_axis(0, 1..2)?.squeeze(0)?,
    ))
}

/// The inverse of a square matrix, as `numpy.linalg.inv`: LU with partial pivoting in one
/// task, the result chunked as `a`. A singular matrix fails the computation with
/// [`Error::LinAlg`].
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[2.0, 0.0], [0.0, 4.0]]), 1)?;
/// assert_eq!(linalg::inv(&a)?.compute()?, ndarray::arr2(&[[0.5, 0.0], [0.0, 0.25]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn inv<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    let op = "inv";
    let n = square_dims(op, a)?;
    let whole_inv = gather(op, &[a], one_block(n, n), whole(n), move |b, _| {
        let eye = Array2::<T>::eye(n);
        Ok(dense::solve(op, &view2(&b[0])?, &eye.view())?.into_dyn())
    });
    Ok(Array::wrap(whole_inv.rechunk_to(a.chunks().clone())))
}

/// The eigenvalues (increasing) and eigenvectors (the columns of the second array) of a
/// symmetric matrix, as `numpy.linalg.eigh(a)`; only the lower triangle is read. Computed
/// in one task: the matrix must fit in memory once.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[2.0, 1.0], [1.0, 2.0]]), 1)?;
/// let (w, _v) = linalg::eigh(&a)?;
/// let w = w.compute()?;
/// assert!((w[0] - 1.0_f64).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn eigh<T: LinalgFloat>(a: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let op = "eigh";
    let n = square_dims(op, a)?;
    let both = gather(
        op,
        &[a],
        one_block(n + 1, n.max(1)),
        whole(n),
        move |b, _| {
            let (w, v) = dense::eigh(op, &view2(&b[0])?)?;
            let mut out = Array2::<T>::zeros((n + 1, n.max(1)));
            out.row_mut(0).slice_mut(ndarray::s![..n]).assign(&w);
            out.slice_mut(ndarray::s![1.., ..n]).assign(&v);
            Ok(out.into_dyn())
        },
    );
    Ok((
        both.slice(&[0..1, 0..n])?.squeeze(0)?,
        both.slice(&[1..n + 1, 0..n])?,
    ))
}

/// The eigenvalues (increasing) of a symmetric matrix, as `numpy.linalg.eigvalsh(a)`; only
/// the lower triangle is read. Computed in one task.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[2.0, 0.0], [0.0, -1.0]]), 1)?;
/// assert_eq!(linalg::eigvalsh(&a)?.compute()?, ndarray::arr1(&[-1.0, 2.0]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn eigvalsh<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    let op = "eigvalsh";
    let n = square_dims(op, a)?;
    Ok(gather(op, &[a], one_vector(n), whole(n), move |b, _| {
        Ok(dense::eigvalsh(op, &view2(&b[0])?)?.into_dyn())
    }))
}

/// The Moore–Penrose pseudo-inverse, as `numpy.linalg.pinv(a)`: `v · diag(1/s) · uᵀ` from
/// the SVD, with singular values at most `rcond · max(s)` (NumPy's default `rcond =
/// 1e-15`) treated as zero.
///
/// Through [`svd`](super::svd), so `a` needs one chunk along one axis; the result is
/// chunked as `aᵀ`.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), [2, 2])?;
/// let p = linalg::pinv(&a)?.compute()?;
/// assert!((p[[1, 1]] - 0.5_f64).abs() < 1e-12 && p[[0, 2]].abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn pinv<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    let op = "pinv";
    let (m, n) = matrix_dims(op, a)?;
    let (u, s, vt) = if a.chunks().axis(1).count() <= 1 {
        tall_svd(op, a)?
    } else if a.chunks().axis(0).count() <= 1 {
        let (u, s, vt) = tall_svd(op, &a.t())?;
        (vt.t(), s, u.t())
    } else {
        let whole_a = a.rechunk(vec![m.max(1), n.max(1)])?;
        let f = super::tsqr::tsqr(op, &whole_a)?;
        let (ur, s, vt) = small_svd(op, &f.r)?;
        (f.q_times(Some(&ur))?, s, vt)
    };
    let k = s.shape()[0];
    let rcond =
        <T as num_traits::NumCast>::from(1e-15).unwrap_or_else(<T as num_traits::Float>::epsilon);
    let s_inv = gather(
        op,
        &[&s],
        one_vector(k),
        move |_| vec![(0, vec![(0, k)])],
        move |b, _| {
            let s = &b[0];
            let cut = s
                .iter()
                .copied()
                .fold(<T as num_traits::Zero>::zero(), num_traits::Float::max)
                * rcond;
            Ok(s.mapv(|v| {
                if v > cut {
                    <T as num_traits::One>::one() / v
                } else {
                    <T as num_traits::Zero>::zero()
                }
            }))
        },
    );
    // (vᵀ)ᵀ · diag(s⁺) · uᵀ: scale the rows of vᵀ, then one product.
    let scaled = vt.try_mul(&s_inv.expand_dims(1)?)?;
    scaled.t().matmul(&u.t())
}

/// `a` raised to the integer power `n`, as `numpy.linalg.matrix_power`: repeated squaring
/// with [`matmul`](Array::matmul); `n = 0` gives the identity (chunked as `a`) and a negative
/// `n` the power of [`inv`]`(a)`.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 1.0], [0.0, 1.0]]), 1)?;
/// let p = linalg::matrix_power(&a, 5)?.compute()?;
/// assert_eq!(p, ndarray::arr2(&[[1.0, 5.0], [0.0, 1.0]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn matrix_power<T: LinalgFloat>(a: &Array<T>, n: i64) -> Result<Array<T>> {
    let op = "matrix_power";
    let size = square_dims(op, a)?;
    if n == 0 {
        let chunk = a.chunks().axis(0).max_size().max(1);
        return Array::<T>::eye(size, size, 0, vec![chunk, chunk]).map_err(|e| Error::Argument {
            op: op.into(),
            msg: e.to_string(),
        });
    }
    let mut base = if n < 0 { inv(a)? } else { a.clone() };
    let mut e = n.unsigned_abs();
    let mut acc: Option<Array<T>> = None;
    while e > 0 {
        if e & 1 == 1 {
            acc = Some(match acc {
                None => base.clone(),
                Some(x) => x.matmul(&base)?,
            });
        }
        e >>= 1;
        if e > 0 {
            base = base.matmul(&base)?;
        }
    }
    acc.ok_or_else(|| Error::internal(op, "no factor"))
}
