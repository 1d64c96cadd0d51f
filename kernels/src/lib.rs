//! Per-chunk numeric kernels for tessera.
//!
//! This crate has no dependency on the main `tessera` crate: every function here is a pure
//! function over slices or scalars. The main crate calls these kernels from its fused tile
//! evaluator and its reductions.
//!
//! - [`scalar`]: element semantics that follow NumPy (wrapping integer arithmetic, integer
//!   division by zero gives 0, floored remainder, NaN-propagating `maximum`/`minimum`,
//!   round-half-to-even).
//! - [`sum`]: pairwise summation of floats with a stated error bound, and a streaming
//!   cascade that keeps the pairwise bound when values arrive tile by tile.
//! - [`moments`]: (count, mean, M2) partials for mean/var/std, combined with Chan et al.'s
//!   formula so that variance stays accurate on data with a large mean.
//! - [`wide_div`]: division and remainder of 64-bit integers, vectorized through `f64` where
//!   the operands allow it, with the same results as the scalar operations.
//!
//! ```
//! use tessera_kernels::sum::pairwise_sum;
//! let x: Vec<f64> = (1..=1000).map(|i| i as f64).collect();
//! assert_eq!(pairwise_sum(&x), 500_500.0);
//! ```
#![warn(missing_docs)]

pub mod dispatch;
pub mod elementwise;
pub mod float_rem;
pub mod math;
pub mod moments;
pub mod reduce;
pub mod scalar;
pub mod sum;
#[cfg(target_arch = "x86_64")]
mod sum_x86;
pub mod wide_div;
