//! `svd_compressed`: the randomized SVD of Halko, Martinsson and Tropp, "Finding structure
//! with randomness" (2011), algorithms 4.4 (power iterations with re-orthonormalization)
//! and 5.1.

use super::tsqr::{small_svd, tsqr};
use super::{matrix_dims, LinalgFloat};
use crate::array::Array;
use crate::error::{Error, Result};

/// Columns added to the sketch beyond `k` (Halko et al. suggest 5 to 10; Dask uses 10).
const OVERSAMPLES: usize = 10;

/// The leading `k` singular triplets of a 2-d array by randomized SVD, as
/// `dask.array.linalg.svd_compressed(a, k, n_power_iter, seed=seed)`: `(u, s, vt)` with `u`
/// of shape `(m, k)`, `s` the `k` largest singular values (decreasing) and `vt` `(k, n)`.
///
/// The array is sketched with a Gaussian test matrix of `k + 10` columns (from `seed`, so the
/// result does not depend on the chunking or the threads), `n_power_iter` power iterations
/// sharpen the sketch (each re-orthonormalized by TSQR, as the accuracy of the smaller
/// singular values needs), and the SVD of the small projected matrix gives the result. The
/// array is read `2 + 2·n_power_iter` times, each pass a product with a thin matrix that
/// runs on every core. `a` must have one chunk along axis 1 (rows may be chunked freely).
///
/// ```
/// use tessera::{linalg, Array};
/// // A rank-2 matrix: its two singular values are found exactly.
/// let x = ndarray::Array2::from_shape_fn((200, 30), |(i, j)| {
///     (i as f64).sin() * (j as f64 + 1.0) + 0.5 * (i as f64 * 0.1).cos() * (j as f64).sqrt()
/// });
/// let a = Array::from_ndarray(x, [50, 30])?;
/// let (_u, s, _vt) = linalg::svd_compressed(&a, 2, 1, 7)?;
/// let (_, s_exact, _) = linalg::svd(&a)?;
/// let (s, s_exact) = (s.compute()?, s_exact.compute()?);
/// assert!((s[0] - s_exact[0]).abs() < 1e-9 * s_exact[0]);
/// assert!((s[1] - s_exact[1]).abs() < 1e-9 * s_exact[0]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn svd_compressed<T: LinalgFloat>(
    a: &Array<T>,
    k: usize,
    n_power_iter: usize,
    seed: u64,
) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let op = "svd_compressed";
    let (m, n) = matrix_dims(op, a)?;
    if k == 0 || k > m.min(n) {
        return Err(Error::Argument {
            op: op.into(),
            msg: format!(
                "k must be in 1..={} for an array of shape [{m}, {n}], got {k}",
                m.min(n)
            ),
        });
    }
    if a.chunks().axis(1).count() > 1 {
        return Err(Error::Chunks {
            shape: vec![m, n],
            msg: format!(
                "{op} needs one chunk along axis 1; rechunk to [{}, {n}]",
                a.chunks().axis(0).max_size()
            ),
        });
    }
    let l = (k + OVERSAMPLES).min(m.min(n));
    let omega = crate::random::normal::<T>(&[n, l], vec![n, l], seed, 0.0, 1.0)?;
    let orthonormal = |y: &Array<T>| -> Result<Array<T>> { tsqr(op, y)?.q() };
    let mut y = a.matmul(&omega)?;
    for _ in 0..n_power_iter {
        let q = orthonormal(&y)?;
        let z = a.t().matmul(&q)?.rechunk(vec![n, l])?;
        let z = orthonormal(&z)?;
        y = a.matmul(&z)?;
    }
    let q = orthonormal(&y)?;
    let b = q.t().matmul(a)?.rechunk(vec![l, n])?;
    let (ub, s, vt) = small_svd(op, &b)?;
    let u = q.matmul(&ub)?;
    Ok((
        u.slice(&[0..m, 0..k])?,
        s.slice_axis(0, 0..k)?,
        vt.slice(&[0..k, 0..n])?,
    ))
}
