//! Linear algebra on chunked arrays, as `numpy.linalg` and `dask.array.linalg`.
//!
//! Every routine is lazy: it records the blocked algorithm as more nodes of the graph, and
//! nothing runs until `compute`. The blocked algorithms:
//!
//! - [`qr`] and [`svd`] of a tall-and-skinny array (one chunk along axis 1) are TSQR: a QR of
//!   each row block, then a QR of the stacked `R` factors (recursively, a tree, when they are
//!   many), with each block's `Q` recombined with its rows of the next level's `Q`. A
//!   short-and-fat array (one chunk along axis 0) is factored through its first square block
//!   ([`qr`]) or its transpose ([`svd`]).
//! - [`svd_compressed`] is the randomized SVD of Halko, Martinsson and Tropp with power
//!   iterations: a few passes over the array, each a product with a thin matrix.
//! - [`cholesky`] and [`solve_triangular`] are blocked over square diagonal blocks: each
//!   block of the result is a small factorization or triangular solve of one block, after
//!   the products of the blocks before it are subtracted.
//! - [`solve`], [`inv`], [`det`], [`slogdet`], [`eigh`] and [`eigvalsh`] factor the matrix in
//!   one task (it must fit in memory once); [`lstsq`] and [`pinv`] go through TSQR.
//!
//! Local factorizations run in `faer` (pure Rust). Block matrix products run in faer too,
//! or in the system OpenBLAS with the `openblas` feature ([`matmul_backend`]). The
//! routines take `f32` and `f64` arrays ([`LinalgFloat`]).
//!
//! ```
//! use tessera::{linalg, Array};
//! let a = Array::from_ndarray(ndarray::arr2(&[[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]]), [2, 2])?;
//! let (q, r) = linalg::qr(&a)?;
//! let back = q.matmul(&r)?.compute()?;
//! assert!((back[[1, 1]] - 3.0_f64).abs() < 1e-12);
//! # Ok::<(), tessera::Error>(())
//! ```

mod backend;
mod dense;
mod factor;
mod norms;
mod randomized;
mod square;
mod tsqr;

pub(crate) use backend::gemm_add;
pub use backend::matmul_backend;
pub use factor::{cholesky, lstsq, solve, solve_triangular, Lstsq};
pub use norms::{diagonal, matrix_norm, norm, trace, vector_norm, MatrixNorm};
pub use randomized::svd_compressed;
pub use square::{det, eigh, eigvalsh, inv, matrix_power, pinv, slogdet};
pub use tsqr::{qr, svd};

use crate::array::Array;
use crate::dtype::Float;
use crate::error::{Error, Result};

mod sealed {
    /// The faer scalar behind a [`LinalgFloat`](super::LinalgFloat).
    pub trait Faer: faer::traits::RealField {}
    impl Faer for f32 {}
    impl Faer for f64 {}
}

/// The element types the factorizations take: `f32` and `f64`.
pub trait LinalgFloat: Float + sealed::Faer {}
impl LinalgFloat for f32 {}
impl LinalgFloat for f64 {}

/// The shape of `a`, which must be a matrix.
fn matrix_dims<T: crate::Element>(op: &str, a: &Array<T>) -> Result<(usize, usize)> {
    match *a.shape() {
        [m, n] => Ok((m, n)),
        ref s => Err(Error::Shape {
            op: op.into(),
            msg: format!("needs a 2-d array, got shape {s:?}"),
        }),
    }
}

/// The size of `a`, which must be a square matrix.
fn square_dims<T: crate::Element>(op: &str, a: &Array<T>) -> Result<usize> {
    let (m, n) = matrix_dims(op, a)?;
    if m != n {
        return Err(Error::Shape {
            op: op.into(),
            msg: format!("needs a square matrix, got shape [{m}, {n}]"),
        });
    }
    Ok(n)
}
