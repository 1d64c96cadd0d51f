//! The distributions beyond `uniform` and `normal`: checked parameters, then a generated
//! array sampled element by element (see [`Distribution`]).

use super::distribution::{permute, Stream};
use super::{uniform, Distribution};
use crate::array::{Array, AxisIndex};
use crate::chunks::ChunkSpec;
use crate::dtype::{Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::Generator;
use std::sync::Arc;

fn bad(op: &str, msg: String) -> Error {
    Error::Argument { op: op.into(), msg }
}

fn sampled<T: Element>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    dist: Distribution,
) -> Result<Array<T>> {
    Array::generated(shape, Generator::Sample { seed, dist }, chunks.into())
}

/// Uniform values in `[0, 1)`: NumPy's `Generator.random`, the same values as [`uniform`].
pub fn random<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
) -> Result<Array<T>> {
    uniform(shape, chunks, seed)
}

/// Uniform integers in `[low, high)`, as NumPy's `Generator.integers(low, high)`, in any
/// numeric type that holds every value of the range exactly (floats: up to 2^53).
///
/// ```
/// use tessera::random;
/// let dice = random::integers::<u8>(&[1000], 300, 7, 1, 7)?.compute()?;
/// assert!(dice.iter().all(|&d| (1..=6).contains(&d)));
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn integers<T: Numeric>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    low: i64,
    high: i64,
) -> Result<Array<T>> {
    let op = "integers";
    if low >= high {
        return Err(bad(op, format!("need low < high, got [{low}, {high})")));
    }
    // Exactly representable: the conversion round-trips, and floats stay within 2^53.
    let fits = |v: i64| {
        T::from_i64(v).to_f64() == v as f64 && (!T::DTYPE.is_float() || v.unsigned_abs() <= 1 << 53)
    };
    if !fits(low) || !fits(high - 1) {
        return Err(bad(
            op,
            format!("[{low}, {high}) does not fit in {}", T::DTYPE),
        ));
    }
    let span = (i128::from(high) - i128::from(low)) as u64;
    sampled(
        shape,
        chunks,
        seed,
        Distribution::Integers {
            low: low.into(),
            span,
        },
    )
}

/// Exponential values with mean `scale`, as NumPy's `Generator.exponential(scale)`.
///
/// ```
/// use tessera::random;
/// let x = random::exponential::<f64>(&[100_000], 25_000, 1, 2.0)?;
/// assert!((x.mean(..)?.compute_scalar()? - 2.0).abs() < 0.05);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn exponential<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    scale: f64,
) -> Result<Array<T>> {
    if !(scale.is_finite() && scale >= 0.0) {
        return Err(bad(
            "exponential",
            format!("need a finite scale >= 0, got {scale}"),
        ));
    }
    sampled(shape, chunks, seed, Distribution::Exponential { scale })
}

/// Gamma values with shape `k` and scale `θ` (mean `k·θ`), as NumPy's
/// `Generator.gamma(shape, scale)`.
pub fn gamma<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    k: f64,
    scale: f64,
) -> Result<Array<T>> {
    if !(k.is_finite() && k > 0.0 && scale.is_finite() && scale >= 0.0) {
        return Err(bad(
            "gamma",
            format!("need a finite shape > 0 and scale >= 0, got {k}, {scale}"),
        ));
    }
    sampled(shape, chunks, seed, Distribution::Gamma { shape: k, scale })
}

/// Beta values with parameters `a` and `b` (mean `a / (a + b)`), as NumPy's
/// `Generator.beta(a, b)`.
pub fn beta<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    a: f64,
    b: f64,
) -> Result<Array<T>> {
    if !(a.is_finite() && a > 0.0 && b.is_finite() && b > 0.0) {
        return Err(bad("beta", format!("need finite a, b > 0, got {a}, {b}")));
    }
    sampled(shape, chunks, seed, Distribution::Beta { a, b })
}

/// Binomial counts: successes in `n` trials of probability `p`, as NumPy's
/// `Generator.binomial(n, p)`. Exact for every `n` (no normal approximation).
///
/// ```
/// use tessera::random;
/// let x = random::binomial(&[10_000], 5000, 3, 20, 0.25)?.compute()?;
/// assert!(x.iter().all(|&k| (0..=20).contains(&k)));
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn binomial(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    n: u64,
    p: f64,
) -> Result<Array<i64>> {
    if !(0.0..=1.0).contains(&p) || n > i64::MAX as u64 {
        return Err(bad(
            "binomial",
            format!("need 0 <= p <= 1 and n <= i64::MAX, got n = {n}, p = {p}"),
        ));
    }
    sampled(shape, chunks, seed, Distribution::Binomial { n, p })
}

/// Poisson counts with mean `lam`, as NumPy's `Generator.poisson(lam)`. Exact for every
/// `lam` (below 10^15).
pub fn poisson(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    lam: f64,
) -> Result<Array<i64>> {
    if !(lam.is_finite() && (0.0..1e15).contains(&lam)) {
        return Err(bad("poisson", format!("need 0 <= lam < 1e15, got {lam}")));
    }
    sampled(shape, chunks, seed, Distribution::Poisson { lam })
}

/// Student's t values with `df` degrees of freedom, as NumPy's `Generator.standard_t(df)`.
pub fn standard_t<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    df: f64,
) -> Result<Array<T>> {
    if !(df.is_finite() && df > 0.0) {
        return Err(bad("standard_t", format!("need a finite df > 0, got {df}")));
    }
    sampled(shape, chunks, seed, Distribution::StandardT { df })
}

/// Log-normal values: `exp` of normal values with this mean and standard deviation, as
/// NumPy's `Generator.lognormal(mean, sigma)`.
pub fn lognormal<T: Float>(
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    mean: f64,
    sigma: f64,
) -> Result<Array<T>> {
    if !(mean.is_finite() && sigma.is_finite() && sigma >= 0.0) {
        return Err(bad(
            "lognormal",
            format!("need a finite mean and sigma >= 0, got {mean}, {sigma}"),
        ));
    }
    sampled(shape, chunks, seed, Distribution::LogNormal { mean, sigma })
}

/// Indices into a population of `n`, as NumPy's `Generator.choice(n, size, replace, p)`
/// (take them from an array with [`Array::take`]).
///
/// - With replacement: each element independently, uniform or with probabilities `p`
///   (which must sum to 1); lazy.
/// - Without replacement and no `p`: the first elements of a keyed pseudorandom
///   permutation of `0..n` (see [`permutation`]); lazy.
/// - Without replacement with `p`: the `size` largest keys `ln(u_i) / p_i` (Efraimidis and
///   Spirakis), computed now over the population.
///
/// ```
/// use tessera::random;
/// let picks = random::choice(10, &[10], 5, 4, false, None)?.compute()?;
/// let mut sorted = picks.iter().copied().collect::<Vec<i64>>();
/// sorted.sort();
/// assert_eq!(sorted, (0..10).collect::<Vec<i64>>()); // every index once
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn choice(
    n: usize,
    shape: &[usize],
    chunks: impl Into<ChunkSpec>,
    seed: u64,
    replace: bool,
    p: Option<&[f64]>,
) -> Result<Array<i64>> {
    let op = "choice";
    let size: usize = shape.iter().product();
    if n == 0 && size > 0 {
        return Err(bad(op, "cannot choose from an empty population".into()));
    }
    let cum = match p {
        None => None,
        Some(p) => {
            if p.len() != n {
                return Err(bad(
                    op,
                    format!("{} probabilities for a population of {n}", p.len()),
                ));
            }
            if p.iter().any(|&v| !(v.is_finite() && v >= 0.0)) {
                return Err(bad(
                    op,
                    "probabilities must be finite and non-negative".into(),
                ));
            }
            let total: f64 = p.iter().sum();
            if (total - 1.0).abs() > 1e-8 {
                return Err(bad(op, format!("probabilities sum to {total}, not 1")));
            }
            let mut acc = 0.0;
            let mut cum: Vec<f64> = p
                .iter()
                .map(|&v| {
                    acc += v / total;
                    acc
                })
                .collect();
            if let Some(last) = cum.last_mut() {
                *last = 1.0;
            }
            Some((cum, p))
        }
    };
    if replace {
        return match cum {
            None => integers::<i64>(shape, chunks, seed, 0, n as i64),
            Some((cum, _)) => sampled(
                shape,
                chunks,
                seed,
                Distribution::Weighted { cum: Arc::new(cum) },
            ),
        };
    }
    if size > n {
        return Err(bad(
            op,
            format!("cannot take {size} of {n} without replacement"),
        ));
    }
    match cum {
        None => sampled(
            shape,
            chunks,
            seed,
            Distribution::Permutation { n: n as u64 },
        ),
        Some((_, p)) => {
            let nonzero = p.iter().filter(|&&v| v > 0.0).count();
            if size > nonzero {
                return Err(bad(
                    op,
                    format!("only {nonzero} entries of p are non-zero, fewer than {size}"),
                ));
            }
            let mut keyed: Vec<(f64, usize)> = p
                .iter()
                .enumerate()
                .filter(|(_, &w)| w > 0.0)
                .map(|(i, &w)| {
                    let u = Stream::new(seed, i as u64).open();
                    (u.ln() / w, i)
                })
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let picked: Vec<i64> = keyed.iter().take(size).map(|&(_, i)| i as i64).collect();
            let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), picked)
                .map_err(|e| Error::internal(op, e.to_string()))?;
            Array::from_ndarray(a, chunks)
        }
    }
}

/// A pseudorandom permutation of `0..n`, as NumPy's `Generator.permutation(n)`: element
/// `i` is the image of `i` under a keyed four-round Feistel network (cycle-walked into
/// `0..n`), so any chunk is computed on its own. Every seed gives a permutation; they are
/// not drawn uniformly from all `n!` orders as Fisher–Yates would.
///
/// ```
/// use tessera::random;
/// let p = random::permutation(8, 3, 5)?.compute()?;
/// let mut v = p.iter().copied().collect::<Vec<i64>>();
/// v.sort();
/// assert_eq!(v, (0..8).collect::<Vec<i64>>());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn permutation(n: usize, chunks: impl Into<ChunkSpec>, seed: u64) -> Result<Array<i64>> {
    sampled(
        &[n],
        chunks,
        seed,
        Distribution::Permutation { n: n as u64 },
    )
}

/// `x` with its slices along `axis` reordered by [`permutation`], as NumPy's
/// `Generator.permutation(x, axis)` (a new lazy array; `x` is unchanged).
///
/// ```
/// use tessera::{random, Array};
/// let x = Array::<i32>::arange(0, 12, 1, 4)?.reshape(&[4, 3])?;
/// let y = random::shuffle(&x, 0, 9)?;
/// let mut rows: Vec<i32> = y.sum(1)?.compute()?.iter().map(|&s| s as i32).collect();
/// rows.sort();
/// assert_eq!(rows, vec![3, 12, 21, 30]); // the same rows, reordered
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn shuffle<T: Element>(x: &Array<T>, axis: impl AxisIndex, seed: u64) -> Result<Array<T>> {
    let axis = crate::array::resolve_axis("shuffle", axis, x.ndim())?;
    let n = x.shape()[axis] as u64;
    let order: Vec<isize> = (0..n).map(|i| permute(seed, n, i) as isize).collect();
    x.take(&order, axis)
}
