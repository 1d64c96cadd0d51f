//! Dense kernels on one block: the bridge between `ndarray` blocks and faer's
//! factorizations. Every routine here runs inside one task on matrices small enough for it
//! (a local QR of one row block, the SVD of an `n × n` factor, the LU of a matrix gathered
//! into one task).

use super::LinalgFloat;
use crate::error::{Error, Result};
use faer::{Mat, MatMut, MatRef};
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, Ix2};

/// A 2-d view of a block known to be 2-d.
pub(crate) fn view2<'a, T>(v: &ArrayViewD<'a, T>) -> Result<ArrayView2<'a, T>> {
    v.clone().into_dimensionality::<Ix2>().map_err(|_| {
        Error::internal(
            "linalg",
            format!("block of shape {:?} is not 2-d", v.shape()),
        )
    })
}

/// `a` as a faer matrix view, without a copy (any strides).
pub(crate) fn faer_view<'a, T: LinalgFloat>(a: &ArrayView2<'a, T>) -> MatRef<'a, T> {
    let s = a.strides();
    // SAFETY: the ndarray view addresses `nrows × ncols` initialized elements of `T` at
    // these element strides for its lifetime `'a`, which the returned view keeps; faer only
    // reads through a `MatRef`.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), a.nrows(), a.ncols(), s[0], s[1]) }
}

/// `a` as a mutable faer matrix view, without a copy (any strides).
fn faer_view_mut<'a, T: LinalgFloat>(a: &'a mut ArrayViewMut2<'_, T>) -> MatMut<'a, T> {
    let (rows, cols) = a.dim();
    let s = a.strides();
    let (r, c) = (s[0], s[1]);
    // SAFETY: the ndarray view addresses `rows × cols` initialized elements of `T` at these
    // element strides, none aliased (ndarray's mutable views never alias), and it is
    // borrowed exclusively for `'a`, as long as the returned view lives.
    unsafe { MatMut::from_raw_parts_mut(a.as_mut_ptr(), rows, cols, r, c) }
}

/// A faer (column-major) copy of `a`.
pub(crate) fn to_faer<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> Mat<T> {
    faer_view(a).to_owned()
}

/// An `ndarray` (row-major) copy of `m`.
pub(crate) fn from_faer<T: LinalgFloat>(m: MatRef<'_, T>) -> Array2<T> {
    let mut out = Array2::<T>::zeros((m.nrows(), m.ncols()));
    faer_view_mut(&mut out.view_mut()).copy_from(m);
    out
}

/// `a · b` of two blocks, into a new row-major matrix.
pub(crate) fn matmul<T: LinalgFloat>(a: &ArrayView2<'_, T>, b: &ArrayView2<'_, T>) -> Array2<T> {
    let mut out = Array2::<T>::zeros((a.nrows(), b.ncols()));
    matmul_into(out.view_mut(), a, b);
    out
}

/// `out = a · b`.
fn matmul_into<T: LinalgFloat>(
    mut out: ArrayViewMut2<'_, T>,
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
) {
    // Row-major `out = a · b` is column-major `outᵀ = bᵀ · aᵀ`, faer's native layout.
    faer::linalg::matmul::matmul(
        faer_view_mut(&mut out).transpose_mut(),
        faer::Accum::Replace,
        faer_view(b).transpose(),
        faer_view(a).transpose(),
        one::<T>(),
        faer::Par::Seq,
    );
}

/// Rows of `n` columns that fit this many bytes are factored as one cache-resident piece.
const CACHE_BLOCK_BYTES: usize = 1 << 19;

/// The thin QR of `a` (`m × n`, `k = min(m, n)`) as one block of `m + k` rows and `n`
/// columns: `Q` (`m × k`, zero-padded to `n` columns) above `R` (`k × n`).
///
/// A tall block is factored as a TSQR of its own: pieces of rows that fit the cache are
/// factored one by one, their stacked `R` factors once more (recursively), and each piece's
/// `Q` is multiplied by its rows of that `Q`. A Householder QR of the whole block would
/// stream it from memory once per column; this reads it once.
pub(crate) fn qr_stacked<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> Array2<T> {
    let (m, n) = a.dim();
    let piece = (CACHE_BLOCK_BYTES / (n.max(1) * std::mem::size_of::<T>())).max(2 * n);
    if n == 0 || m < 4 * piece {
        return qr_stacked_direct(a);
    }
    let pieces = m / piece;
    let rows = |j: usize| j * piece..if j + 1 == pieces { m } else { (j + 1) * piece };
    let mut out = Array2::<T>::zeros((m + n, n));
    let mut stacked = Array2::<T>::zeros((pieces * n, n));
    for j in 0..pieces {
        let r = rows(j);
        let len = r.len();
        let local = qr_stacked_direct(&a.slice(s![r.clone(), ..]));
        out.slice_mut(s![r, ..]).assign(&local.slice(s![..len, ..]));
        stacked
            .slice_mut(s![j * n..(j + 1) * n, ..])
            .assign(&local.slice(s![len.., ..]));
    }
    let top = qr_stacked(&stacked.view());
    let mut scratch = Array2::<T>::zeros((m - (pieces - 1) * piece, n));
    for j in 0..pieces {
        let r = rows(j);
        let mut q1 = scratch.slice_mut(s![..r.len(), ..]);
        q1.assign(&out.slice(s![r.clone(), ..]));
        matmul_into(
            out.slice_mut(s![r, ..]),
            &q1.view(),
            &top.slice(s![j * n..(j + 1) * n, ..]),
        );
    }
    out.slice_mut(s![m.., ..])
        .assign(&top.slice(s![pieces * n.., ..]));
    out
}

/// [`qr_stacked`] by one Householder QR of the whole block, with `Q` formed in place in the
/// result.
fn qr_stacked_direct<T: LinalgFloat>(a: &ArrayView2<'_, T>) -> Array2<T> {
    let (m, n) = a.dim();
    let k = m.min(n);
    let mut out = Array2::<T>::zeros((m + k, n));
    if k == 0 {
        return out;
    }
    let qr = faer::linalg::solvers::Qr::new(faer_view(a));
    {
        let mut top = out.slice_mut(s![..m, ..k]);
        for i in 0..k {
            top[[i, i]] = one::<T>();
        }
        let coeff = qr.Q_coeff();
        let mut mem = faer::dyn_stack::MemBuffer::new(
            faer::linalg::householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(
                m,
                coeff.nrows(),
                k,
            ),
        );
        faer::linalg::householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            qr.Q_basis(),
            coeff,
            faer::Conj::No,
            faer_view_mut(&mut top),
            faer::Par::Seq,
            faer::dyn_stack::MemStack::new(&mut mem),
        );
    }
    let mut bottom = out.slice_mut(s![m.., ..]);
    faer_view_mut(&mut bottom).copy_from(qr.thin_R());
    out
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
