//! Blocked factorizations and solvers: `cholesky`, `solve_triangular`, `solve`, `lstsq`.

use super::dense::{self, view2};
use super::tsqr::{one_block, tsqr};
use super::{matrix_dims, square_dims, LinalgFloat};
use crate::array::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::error::{Error, Result};
use ndarray::Array2;

/// The lower Cholesky factor `l` of a symmetric positive-definite matrix, `a = l · lᵀ`, as
/// `numpy.linalg.cholesky(a)` (only the lower triangle of `a` is read; `l.t()` is the upper
/// factor).
///
/// Blocked over the diagonal blocks given by `a`'s row chunks (its columns are chunked the
/// same way): block `(i, j)` of `l` is the Cholesky factor of its block of `a` (`i = j`) or
/// a triangular solve with the diagonal block (`i > j`), after the products of the blocks
/// left of it are subtracted. A matrix that is not positive definite fails the computation
/// with [`Error::LinAlg`].
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[4.0, 2.0], [2.0, 5.0]]), 1)?;
/// let l = linalg::cholesky(&a)?.compute()?;
/// assert_eq!(l, ndarray::arr2(&[[2.0, 0.0], [1.0, 2.0]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
// Block indices `(i, j, k)` are the algorithm's own notation: indexing reads best here.
#[allow(clippy::needless_range_loop)]
pub fn cholesky<T: LinalgFloat>(a: &Array<T>) -> Result<Array<T>> {
    let op = "cholesky";
    let n = square_dims(op, a)?;
    let bounds = a.chunks().axis(0).clone();
    let a = square_blocks(a, &bounds);
    let nb = bounds.count();
    let block = |i: usize, j: usize| a.slice(&[range(&bounds, i), range(&bounds, j)]);
    let mut l: Vec<Vec<Array<T>>> = Vec::with_capacity(nb);
    for i in 0..nb {
        let mut row = Vec::with_capacity(nb);
        for j in 0..=i {
            let mut s = block(i, j)?;
            for k in 0..j {
                let lik: &Array<T> = &row[k];
                let ljk: &Array<T> = if j == i { &row[k] } else { &l[j][k] };
                s = s.try_sub(&lik.matmul(&ljk.t())?)?;
            }
            let lij = if i == j {
                let r = bounds.size(i);
                gather(
                    op,
                    &[&s],
                    one_block(r, r),
                    move |_| vec![(0, vec![(0, r), (0, r)])],
                    move |b, _| Ok(dense::cholesky(op, &view2(&b[0])?)?.into_dyn()),
                )
            } else {
                let ljj: &Array<T> = &l[j][j];
                let (r, c) = (bounds.size(i), bounds.size(j));
                // l_ij · l_jjᵀ = s, so l_ijᵀ = l_jj⁻¹ · sᵀ.
                gather(
                    op,
                    &[&s, ljj],
                    one_block(r, c),
                    move |_| vec![(0, vec![(0, r), (0, c)]), (1, vec![(0, c), (0, c)])],
                    move |b, _| {
                        let st = view2(&b[0])?.t().to_owned();
                        let x = dense::solve_triangular(op, &view2(&b[1])?, &st.view(), true)?;
                        Ok(x.t().to_owned().into_dyn())
                    },
                )
            };
            row.push(lij);
        }
        l.push(row);
    }
    lower_from_blocks(l, &bounds, n)
}

/// Solves `a · x = b` for `x`, where `a` is triangular (`lower`, or upper), as
/// `scipy.linalg.solve_triangular`; `b` is a vector or a matrix of right-hand sides.
///
/// Blocked substitution over `a`'s row chunks: block `i` of `x` is a triangular solve with
/// diagonal block `i` after the products with the blocks of `x` already found are
/// subtracted. Only the named triangle of `a` is read. A zero on the diagonal fails the
/// computation with [`Error::LinAlg`].
///
/// ```
/// use tessera::{linalg, Array};
/// let l = Array::from_ndarray(ndarray::arr2(&[[2.0, 0.0], [1.0, 4.0]]), 1)?;
/// let b = Array::from_ndarray(ndarray::arr1(&[2.0, 9.0]), 1)?;
/// let x = linalg::solve_triangular(&l, &b, true)?.compute()?;
/// assert_eq!(x, ndarray::arr1(&[1.0, 2.0]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn solve_triangular<T: LinalgFloat>(
    a: &Array<T>,
    b: &Array<T>,
    lower: bool,
) -> Result<Array<T>> {
    let op = "solve_triangular";
    let n = square_dims(op, a)?;
    let (b, vector) = right_hand_side(op, n, b)?;
    let bounds = a.chunks().axis(0).clone();
    let a = square_blocks(a, &bounds);
    let nb = bounds.count();
    let k = b.shape()[1];
    let mut x: Vec<Option<Array<T>>> = vec![None; nb];
    let order: Vec<usize> = if lower {
        (0..nb).collect()
    } else {
        (0..nb).rev().collect()
    };
    for &i in &order {
        let mut rhs = b.slice(&[range(&bounds, i), 0..k])?;
        let done = if lower { 0..i } else { i + 1..nb };
        for j in done {
            let xj = x[j]
                .as_ref()
                .ok_or_else(|| Error::internal(op, "block solved out of order"))?;
            rhs = rhs.try_sub(
                &a.slice(&[range(&bounds, i), range(&bounds, j)])?
                    .matmul(xj)?,
            )?;
        }
        let diag = a.slice(&[range(&bounds, i), range(&bounds, i)])?;
        let r = bounds.size(i);
        x[i] = Some(gather(
            op,
            &[&diag, &rhs],
            one_block(r, k),
            move |_| vec![(0, vec![(0, r), (0, r)]), (1, vec![(0, r), (0, k)])],
            move |b, _| {
                Ok(dense::solve_triangular(op, &view2(&b[0])?, &view2(&b[1])?, lower)?.into_dyn())
            },
        ));
    }
    let blocks: Vec<Array<T>> = x.into_iter().flatten().collect();
    let refs: Vec<&Array<T>> = blocks.iter().collect();
    let x = crate::concatenate(&refs, 0)?;
    if vector {
        x.squeeze(1)
    } else {
        Ok(x)
    }
}

/// Solves `a · x = b` for a square `a`, as `numpy.linalg.solve`; `b` is a vector or a
/// matrix of right-hand sides.
///
/// `a` is factored (LU with partial pivoting) in one task, so it must fit in memory once;
/// each chunk of `b`'s columns is solved in a task of its own. A singular `a` fails the
/// computation with [`Error::LinAlg`].
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[3.0, 1.0], [1.0, 2.0]]), 1)?;
/// let b = Array::from_ndarray(ndarray::arr1(&[9.0, 8.0]), 1)?;
/// let x = linalg::solve(&a, &b)?.compute()?;
/// assert!((x[0] - 2.0_f64).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn solve<T: LinalgFloat>(a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    let op = "solve";
    let n = square_dims(op, a)?;
    let (b, vector) = right_hand_side(op, n, b)?;
    let cols = b.chunks().axis(1).clone();
    let grid = ChunkGrid::from_axes(vec![AxisChunks::from_sizes(vec![n.max(1)]), cols.clone()]);
    let grid = if n == 0 { b.chunks().clone() } else { grid };
    let x = gather(
        op,
        &[a, &b],
        grid,
        move |ix| {
            let c = (cols.offset(ix[1]), cols.size(ix[1]));
            vec![(0, vec![(0, n), (0, n)]), (1, vec![(0, n), c])]
        },
        move |b, _| Ok(dense::solve(op, &view2(&b[0])?, &view2(&b[1])?)?.into_dyn()),
    );
    if vector {
        x.squeeze(1)
    } else {
        Ok(x)
    }
}

/// The result of [`lstsq`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Lstsq<T: crate::Element> {
    /// The least-squares solution of minimum norm (`n` or `n × k`).
    pub solution: Array<T>,
    /// The sums of squared residuals `‖b − a·x‖²`, one per column of `b` (0-d for a vector
    /// `b`). NumPy returns an empty array when `a` is rank-deficient or not taller than
    /// wide; these are always computed.
    pub residuals: Array<T>,
    /// The numerical rank of `a`: its singular values above `rcond · max(s)`.
    pub rank: Array<i64>,
    /// The singular values of `a`, in decreasing order.
    pub singular_values: Array<T>,
}

/// The least-squares solution of `a · x = b`, as `numpy.linalg.lstsq(a, b, rcond=None)`:
/// of all `x` minimizing `‖b − a·x‖`, the one of minimum norm.
///
/// Through TSQR (`a` tall-and-skinny: one chunk along axis 1): `a = q · r`, and `x` is the
/// minimum-norm solution of the small `r · x = qᵀ · b`, found from the SVD of `r` with
/// singular values below `max(m, n) · ε · max(s)` treated as zero (NumPy's default
/// `rcond`), so rank-deficient matrices get NumPy's answer.
///
/// ```
/// use tessera::{linalg, Array};
/// // Fit y = c0 + c1 t through (0, 1), (1, 3), (2, 5).
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), [2, 2])?;
/// let y = Array::from_ndarray(ndarray::arr1(&[1.0, 3.0, 5.0]), 2)?;
/// let fit = linalg::lstsq(&a, &y)?;
/// let c = fit.solution.compute()?;
/// assert!((c[0] - 1.0_f64).abs() < 1e-12 && (c[1] - 2.0).abs() < 1e-12);
/// assert_eq!(fit.rank.compute_scalar()?, 2);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn lstsq<T: LinalgFloat>(a: &Array<T>, b: &Array<T>) -> Result<Lstsq<T>> {
    let op = "lstsq";
    let (m, n) = matrix_dims(op, a)?;
    let (b2, vector) = right_hand_side(op, m, b)?;
    if a.chunks().axis(1).count() > 1 {
        return Err(Error::Chunks {
            shape: vec![m, n],
            msg: format!(
                "{op} needs one chunk along axis 1 (a tall-and-skinny array); rechunk to [{}, {n}]",
                a.chunks().axis(0).max_size().max(n)
            ),
        });
    }
    let f = tsqr(op, a)?;
    let (q, r) = (f.q()?, f.r);
    let k = b2.shape()[1];
    let qtb = q
        .t()
        .matmul(&b2)?
        .rechunk(vec![q.shape()[1].max(1), k.max(1)])?;
    let rk = r.shape()[0];
    let eps = <T as num_traits::Float>::epsilon();
    let rcond = eps * <T as num_traits::NumCast>::from(m.max(n)).unwrap_or(eps);
    // One task: the SVD of r, the minimum-norm solution, the rank and the singular values,
    // laid out as rows [x (n × k); s padded; rank padded].
    let width = k.max(rk).max(1);
    let rows = n + 2;
    let all = gather(
        op,
        &[&r, &qtb],
        one_block(rows, width),
        move |_| vec![(0, vec![(0, rk), (0, n)]), (1, vec![(0, rk), (0, k)])],
        move |b, _| {
            let (u, s, vt) = dense::svd(op, &view2(&b[0])?)?;
            let qtb = view2(&b[1])?;
            let cut = s.iter().copied().fold(zero::<T>(), num_traits::Float::max) * rcond;
            let mut out = Array2::<T>::zeros((rows, width));
            let utb = u.t().dot(&qtb);
            let mut rank = 0usize;
            for (p, &sp) in s.iter().enumerate() {
                if sp > cut {
                    rank += 1;
                    for c in 0..k {
                        let coef = utb[[p, c]] / sp;
                        for row in 0..n {
                            out[[row, c]] += vt[[p, row]] * coef;
                        }
                    }
                }
                out[[n, p]] = sp;
            }
            out[[n + 1, 0]] = <T as num_traits::NumCast>::from(rank).unwrap_or(zero::<T>());
            Ok(out.into_dyn())
        },
    );
    let x = all.slice(&[0..n, 0..k])?;
    let s = all.slice(&[n..n + 1, 0..rk])?.squeeze(0)?;
    let rank = all
        .slice(&[n + 1..n + 2, 0..1])?
        .squeeze(..)?
        .astype::<i64>();
    let resid = b2.try_sub(&a.matmul(&x)?)?;
    let residuals = resid.try_mul(&resid)?.sum(0)?.astype::<T>();
    let (solution, residuals) = if vector {
        (x.squeeze(1)?, residuals.squeeze(0)?)
    } else {
        (x, residuals)
    };
    Ok(Lstsq {
        solution,
        residuals,
        rank,
        singular_values: s,
    })
}

fn zero<T: LinalgFloat>() -> T {
    <T as num_traits::Zero>::zero()
}

/// `b` as a matrix of right-hand sides with `n` rows, and whether it was a vector.
pub(super) fn right_hand_side<T: LinalgFloat>(
    op: &str,
    n: usize,
    b: &Array<T>,
) -> Result<(Array<T>, bool)> {
    let (b, vector) = match b.ndim() {
        1 => (b.expand_dims(1)?, true),
        2 => (b.clone(), false),
        _ => {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "the right-hand side must be 1-d or 2-d, got shape {:?}",
                    b.shape()
                ),
            })
        }
    };
    if b.shape()[0] != n {
        return Err(Error::Shape {
            op: op.into(),
            msg: format!(
                "the matrix has {n} rows but the right-hand side has shape {:?}",
                b.shape()
            ),
        });
    }
    Ok((b, vector))
}

/// The range of block `i` of `bounds`.
pub(super) fn range(bounds: &AxisChunks, i: usize) -> std::ops::Range<usize> {
    bounds.offset(i)..bounds.offset(i) + bounds.size(i)
}

/// `a` with its columns chunked as its rows (square diagonal blocks).
pub(super) fn square_blocks<T: LinalgFloat>(a: &Array<T>, bounds: &AxisChunks) -> Array<T> {
    Array::wrap(a.rechunk_to(ChunkGrid::from_axes(vec![bounds.clone(), bounds.clone()])))
}

/// The lower triangular matrix whose blocks on and below the diagonal are `blocks` (row `i`
/// lists blocks `0..=i`), zeros above.
fn lower_from_blocks<T: LinalgFloat>(
    blocks: Vec<Vec<Array<T>>>,
    bounds: &AxisChunks,
    n: usize,
) -> Result<Array<T>> {
    let nb = bounds.count();
    if nb == 0 {
        return Array::zeros(&[n, n], vec![1, 1]);
    }
    let mut rows = Vec::with_capacity(nb);
    for (i, row) in blocks.into_iter().enumerate() {
        let mut parts = row;
        let r = bounds.size(i);
        let rest = n - bounds.offset(i) - r;
        if rest > 0 {
            parts.push(Array::zeros(&[r, rest], vec![r, bounds.max_size()])?);
        }
        let refs: Vec<&Array<T>> = parts.iter().collect();
        rows.push(crate::concatenate(&refs, 1)?);
    }
    let refs: Vec<&Array<T>> = rows.iter().collect();
    crate::concatenate(&refs, 0)
}
