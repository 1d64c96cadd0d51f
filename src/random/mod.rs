//! Seeded random arrays whose values do not depend on the chunking.
//!
//! Element `i` (flat C-order index) of a random array depends only on the seed and `i`:
//! the same seed with different chunks gives the same array. The generator is SplitMix64
//! used as a counter-based generator (see the crate's `eval::generate` module for the
//! exact formula, which the peer benchmark scripts reproduce in NumPy). The other
//! distributions give each element its own SplitMix64 stream keyed by the seed and `i`, so
//! rejection samplers (gamma, beta, binomial, Poisson) stay chunking-independent too; they
//! follow the same distributions as NumPy's `Generator` methods of the same names, not its
//! bit streams.
//!
//! | function | values | method |
//! |---|---|---|
//! | [`uniform`], [`random`], [`uniform_range`] | floats in `[low, high)` | top 53 bits of one draw |
//! | [`normal`] | floats | Box–Muller |
//! | [`integers`] | `[low, high)` in any numeric type | Lemire's unbiased multiply-and-reject |
//! | [`exponential`], [`lognormal`] | floats | inversion; `exp` of a normal |
//! | [`gamma`], [`beta`], [`standard_t`] | floats | Marsaglia–Tsang; Jöhnk or a gamma ratio; normal over a chi |
//! | [`binomial`], [`poisson`] | `i64` | exact: waiting times or inverse products when small, order-statistic splitting (beta, gamma) when large |
//! | [`choice`], [`permutation`], [`shuffle`] | `i64` indices; a reordered array | inversion of the cumulative probabilities; a keyed Feistel permutation; weighted keys (Efraimidis–Spirakis) |
//!
//! ```
//! use tessera::random;
//! let a = random::uniform::<f64>(&[100], 7, 42).unwrap().compute().unwrap();
//! let b = random::uniform::<f64>(&[100], 30, 42).unwrap().compute().unwrap();
//! assert_eq!(a, b);
//! ```

mod distribution;
mod sample;

pub(crate) use distribution::Distribution;
pub(crate) use distribution::Draw;
pub use sample::{
    beta, binomial, choice, exponential, gamma, integers, lognormal, permutation, poisson, random,
    shuffle, standard_t,
};

use crate::array::Array;
use crate::chunks::ChunkSpec;
use crate::dtype::Float;
use crate::error::{Error, Result};
use crate::expr::Generator;

/// Uniform values in `[0, 1)`.
pub fn uniform<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
) -> Result<Array<T>> {
    uniform_range(shape, chunks, seed, 0.0, 1.0)
}

/// Uniform values in `[low, high)`.
pub fn uniform_range<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    low: f64,
    high: f64,
) -> Result<Array<T>> {
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(Error::Argument {
            op: "uniform".into(),
            msg: format!("need finite low <= high, got [{low}, {high})"),
        });
    }
    Array::generated(shape, Generator::Uniform { seed, low, high }, chunks.into())
}

/// Normal values with the given mean and standard deviation (Box–Muller).
///
/// ```
/// use tessera::random;
/// let x = random::normal::<f64>(&[100_000], 10_000, 3, 5.0, 2.0).unwrap();
/// let m = x.mean(..).unwrap().compute_scalar().unwrap();
/// assert!((m - 5.0).abs() < 0.05);
/// ```
pub fn normal<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    mean: f64,
    std: f64,
) -> Result<Array<T>> {
    if !(mean.is_finite() && std.is_finite() && std >= 0.0) {
        return Err(Error::Argument {
            op: "normal".into(),
            msg: format!("need a finite mean and std >= 0, got {mean}, {std}"),
        });
    }
    Array::generated(shape, Generator::Normal { seed, mean, std }, chunks.into())
}
