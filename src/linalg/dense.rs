//! Dense kernels on one block: the bridge between `ndarray` blocks and faer's
//! factorizations. Every routine here runs inside one task on matrices small enough for it
//! (a local QR of one row block, the SVD of an `n × n` factor, the LU of a matrix gathered
//! into one task).

use super::LinalgFloat;
use crate::error::{Error, Result};
use faer::{Mat, MatRef};
use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, Ix2};

/// A 2-d view of a block known to be 2-d.
pub(crate) fn view2<'a, T>(v: &ArrayViewD<'a, T>) -> Result<ArrayView2<'a, T>> {
    v.clone().into_dimensionality::<Ix2>().map_err(|_| {
        Error::internal(
            "linalg",
            format!("block of shape {:?} is not 2-d", v.shape()),
        )
    })
}

/// A faer copy of `a`.
pub(crate) fn to_faer<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// An `ndarray` copy of `m`.
pub(crate) fn from_faer<T: LinalgFloat>(m: MatRef<'_, T>) -> Array2<T> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// `a · b` of two small blocks.
pub(crate) fn matmul<T: LinalgFloat>(a: &ArrayView2<'_, T>, b: &ArrayView2<'_, T>) -> Array2<T> {
    let (fa, fb) = (to_faer(a), to_faer(b));
    let mut out = Mat::<T>::zeros(a.nrows(), b.ncols());
    faer::linalg::matmul::matmul(
        out.as_mut(),
        faer::Accum::Replace,
        fa.as_ref(),
        fb.as_ref(),
        one::<T>(),
        faer::Par::Seq,
    );
    from_faer(out.as_ref())
}

/// The thin QR of `a` (`m × n`): `Q` is `m × k` and `R` is `k × n`, `k = min(m, n)`.
pub(crate) fn qr<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> (Array2<T>, Array2<T>) {
    let f = to_faer(a);
    let qr = f.qr();
    (
        from_faer(qr.compute_thin_Q().as_ref()),
        from_faer(qr.thin_R()),
    )
}

/// The thin SVD of `a`: `U` (`m × k`), the singular values in decreasing order (`k`) and
/// `Vᵀ` (`k × n`), `k = min(m, n)`.
pub(crate) fn svd<T: LinalgFloat>(
    op: &str,
    a: &ArrayView2<'_, T>,
) -> Result<(Array2<T>, Array1<T>, Array2<T>)> {
    if a.iter().any(|v| !num_traits::Float::is_finite(*v)) {
        return Err(not_finite(op));
    }
    let f = to_faer(a);
    let svd = f.thin_svd().map_err(|e| Error::LinAlg {
        op: op.into(),
        msg: format!("the SVD did not converge ({e:?})"),
    })?;
    let s = svd.S().column_vector();
    let s = Array1::from_shape_fn(s.nrows(), |i| s[i]);
    let vt = from_faer(svd.V().transpose());
    Ok((from_faer(svd.U()), s, vt))
}

/// The lower Cholesky factor of the symmetric positive-definite `a`; only its lower
/// triangle is read.
pub(crate) fn cholesky<T: LinalgFloat>(op: &str, a: &ArrayView2<'_, T>) -> Result<Array2<T>> {
    let f = to_faer(a);
    let llt = f.llt(faer::Side::Lower).map_err(|e| Error::LinAlg {
        op: op.into(),
        msg: format!("the matrix is not positive definite ({e:?})"),
    })?;
    let mut l = from_faer(llt.L());
    for i in 0..l.nrows() {
        for j in i + 1..l.ncols() {
            l[[i, j]] = zero::<T>();
        }
    }
    Ok(l)
}

/// Solves `t · x = b` for a triangular `t` (only its `lower` or upper triangle is read).
pub(crate) fn solve_triangular<T: LinalgFloat>(
    op: &str,
    t: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    lower: bool,
) -> Result<Array2<T>> {
    if let Some(i) = (0..t.nrows()).find(|&i| t[[i, i]] == zero::<T>()) {
        return Err(Error::LinAlg {
            op: op.into(),
            msg: format!("the triangular matrix is singular (diagonal element {i} is zero)"),
        });
    }
    let ft = to_faer(t);
    let mut x = to_faer(b);
    if lower {
        faer::linalg::triangular_solve::solve_lower_triangular_in_place(
            ft.as_ref(),
            x.as_mut(),
            faer::Par::Seq,
        );
    } else {
        faer::linalg::triangular_solve::solve_upper_triangular_in_place(
            ft.as_ref(),
            x.as_mut(),
            faer::Par::Seq,
        );
    }
    Ok(from_faer(x.as_ref()))
}

/// The LU factorization with partial pivoting of the square `a`, refusing a singular matrix
/// (an exactly zero pivot, as LAPACK's `getrf` reports it).
pub(crate) fn lu<T: LinalgFloat>(
    op: &str,
    a: &ArrayView2<'_, T>,
) -> Result<faer::linalg::solvers::PartialPivLu<T>> {
    if a.iter().any(|v| !num_traits::Float::is_finite(*v)) {
        return Err(not_finite(op));
    }
    let lu = to_faer(a).partial_piv_lu();
    let u = lu.U();
    if let Some(i) = (0..u.nrows()).find(|&i| u[(i, i)] == zero::<T>()) {
        return Err(Error::LinAlg {
            op: op.into(),
            msg: format!("the matrix is singular (pivot {i} of its LU factorization is zero)"),
        });
    }
    Ok(lu)
}

/// Solves `a · x = b` for the square `a`.
pub(crate) fn solve<T: LinalgFloat>(
    op: &str,
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
) -> Result<Array2<T>> {
    use faer::linalg::solvers::Solve;
    let lu = lu(op, a)?;
    let mut x = to_faer(b);
    lu.solve_in_place(x.as_mut());
    Ok(from_faer(x.as_ref()))
}

/// The sign and the natural log of the absolute value of the determinant of the square `a`
/// (`(0, -inf)` for a singular matrix, as NumPy's `slogdet`).
pub(crate) fn slogdet<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> (T, T) {
    let n = a.nrows();
    if n == 0 {
        return (one::<T>(), zero::<T>());
    }
    let lu = to_faer(a).partial_piv_lu();
    let u = lu.U();
    let mut sign = if permutation_is_odd(lu.P().arrays().0) {
        -one::<T>()
    } else {
        one::<T>()
    };
    let mut log = zero::<T>();
    for i in 0..n {
        let d = u[(i, i)];
        if d == zero::<T>() {
            return (zero::<T>(), num_traits::Float::neg_infinity());
        }
        if d < zero::<T>() {
            sign = -sign;
        }
        log += num_traits::Float::ln(num_traits::Float::abs(d));
    }
    (sign, log)
}

/// Whether the permutation `p` (image of each index) is odd.
fn permutation_is_odd(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    let mut odd = false;
    for start in 0..p.len() {
        let mut len = 0;
        let mut i = start;
        while !seen[i] {
            seen[i] = true;
            i = p[i];
            len += 1;
        }
        if len > 0 && len % 2 == 0 {
            odd = !odd;
        }
    }
    odd
}

/// The eigenvalues (increasing) and eigenvectors (columns) of the symmetric `a`, from its
/// lower triangle.
pub(crate) fn eigh<T: LinalgFloat>(
    op: &str,
    a: &ArrayView2<'_, T>,
) -> Result<(Array1<T>, Array2<T>)> {
    if a.iter().any(|v| !num_traits::Float::is_finite(*v)) {
        return Err(not_finite(op));
    }
    let f = to_faer(a);
    let evd = f
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::LinAlg {
            op: op.into(),
            msg: format!("the eigenvalue iteration did not converge ({e:?})"),
        })?;
    let s = evd.S().column_vector();
    Ok((
        Array1::from_shape_fn(s.nrows(), |i| s[i]),
        from_faer(evd.U()),
    ))
}

/// The eigenvalues (increasing) of the symmetric `a`, from its lower triangle.
pub(crate) fn eigvalsh<T: LinalgFloat>(op: &str, a: &ArrayView2<'_, T>) -> Result<Array1<T>> {
    if a.iter().any(|v| !num_traits::Float::is_finite(*v)) {
        return Err(not_finite(op));
    }
    let w = to_faer(a)
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .map_err(|e| Error::LinAlg {
            op: op.into(),
            msg: format!("the eigenvalue iteration did not converge ({e:?})"),
        })?;
    Ok(Array1::from(w))
}

fn not_finite(op: &str) -> Error {
    Error::LinAlg {
        op: op.into(),
        msg: "the matrix holds NaN or infinite values".into(),
    }
}

fn zero<T: LinalgFloat>() -> T {
    <T as num_traits::Zero>::zero()
}

fn one<T: LinalgFloat>() -> T {
    <T as num_traits::One>::one()
}
