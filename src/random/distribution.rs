//! Sampling the distributions of [`crate::random`] element by element.
//!
//! Every element owns a stream of uniform numbers keyed by the seed and its flat (C-order)
//! index ([`Stream`]): a sampler that needs a variable number of draws (a rejection
//! method) takes them from that stream, so an element's value never depends on the
//! chunking, the thread count or the other elements.

use crate::eval::generate::mix;
use std::sync::Arc;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// Distinct from the multiplier of the plain uniform stream, so that `uniform(seed)` and
/// the samplers' streams of the same seed are unrelated.
const STREAM_MIX: u64 = 0xA076_1D64_78BD_642F;

/// The uniform draws of one element: SplitMix64 started from a mix of the seed and the
/// element's flat index.
pub(crate) struct Stream {
    state: u64,
}

impl Stream {
    /// The stream of element `i` of the array drawn with `seed`.
    #[inline]
    pub(crate) fn new(seed: u64, i: u64) -> Stream {
        Stream {
            state: mix(seed.wrapping_mul(STREAM_MIX) ^ mix(i.wrapping_add(1).wrapping_mul(GAMMA))),
        }
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// Uniform in `[0, 1)` (multiples of 2^-53).
    #[inline]
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1)` (odd multiples of 2^-54): safe under `ln` and as a divisor.
    #[inline]
    pub(crate) fn open(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller, one value of each pair).
    #[inline]
    fn normal(&mut self) -> f64 {
        let r = (-2.0 * self.open().ln()).sqrt();
        r * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Uniform in `0..n` without bias (Lemire's multiply-and-reject); `n = 0` means the
    /// whole `u64` range.
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return self.next_u64();
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Gamma with shape `k > 0` and scale 1 (Marsaglia and Tsang; shapes below 1 through
    /// `Gamma(k + 1) · U^(1/k)`).
    fn gamma(&mut self, k: f64) -> f64 {
        if k < 1.0 {
            let boost = self.open().ln() / k;
            return self.gamma(k + 1.0) * boost.exp();
        }
        let d = k - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Beta with parameters `a, b > 0`: Jöhnk's method (in logarithms) when both are at
    /// most 1, else the ratio of two gammas.
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        if a <= 1.0 && b <= 1.0 {
            loop {
                let lx = self.open().ln() / a;
                let ly = self.open().ln() / b;
                let m = lx.max(ly);
                let ls = m + ((lx - m).exp() + (ly - m).exp()).ln();
                if ls <= 0.0 {
                    return (lx - ls).exp();
                }
            }
        }
        let x = self.gamma(a);
        let y = self.gamma(b);
        x / (x + y)
    }

    /// Binomial with `n` trials of probability `p` (exact: geometric waiting times while
    /// `n·p` is small, else the beta splitting of the trials).
    fn binomial(&mut self, mut n: u64, mut p: f64) -> u64 {
        let mut base = 0u64; // successes already decided
        let mut flip = false; // count failures instead of successes
        loop {
            if p > 0.5 {
                // Count the other outcome: X = n - Bin(n, 1 - p).
                p = 1.0 - p;
                flip = !flip;
            }
            if n == 0 || p <= 0.0 {
                return finish(base, n, 0, flip);
            }
            if (n as f64) * p < 30.0 {
                let lq = (-p).ln_1p();
                let mut x = 0u64;
                let mut used = 0u64;
                loop {
                    let g = ((1.0 - self.uniform()).ln() / lq).ceil().max(1.0);
                    if g >= (n - used) as f64 + 1.0 {
                        break;
                    }
                    used += g as u64;
                    x += 1;
                }
                return finish(base, n, x, flip);
            }
            // The a-th smallest of n uniforms is Beta(a, n + 1 - a): the trials below it
            // are Bin(a - 1, p / X), the ones above it Bin(n - a, (p - X) / (1 - X)).
            let a = 1 + n / 2;
            let b = n + 1 - a;
            let x = self.beta(a as f64, b as f64);
            if x >= p {
                // Successes are among the a - 1 trials below x.
                let (nn, pp) = (a - 1, p / x);
                // The trials above are failures: remember them when counting failures.
                if flip {
                    base += n - (a - 1);
                }
                n = nn;
                p = pp;
            } else {
                // The a trials up to x are successes (x itself included).
                if !flip {
                    base += a;
                }
                let (nn, pp) = (b - 1, (p - x) / (1.0 - x));
                n = nn;
                p = pp;
            }
        }

        /// The result once the remaining `n` trials gave `x` of the counted outcome.
        fn finish(base: u64, n: u64, x: u64, flip: bool) -> u64 {
            if flip {
                base + (n - x)
            } else {
                base + x
            }
        }
    }

    /// Poisson with mean `lam >= 0` (exact: products of uniforms below 30, else the
    /// gamma splitting of Ahrens and Dieter).
    fn poisson(&mut self, mut lam: f64) -> u64 {
        let mut base = 0u64;
        loop {
            if lam <= 0.0 {
                return base;
            }
            if lam < 30.0 {
                let limit = (-lam).exp();
                let mut prod = self.open();
                let mut k = 0u64;
                while prod > limit {
                    prod *= self.open();
                    k += 1;
                }
                return base + k;
            }
            let m = (0.875 * lam).floor() as u64;
            let x = self.gamma(m as f64); // the m-th arrival time of a unit-rate process
            if x < lam {
                base += m;
                lam -= x;
            } else {
                return base + self.binomial(m - 1, lam / x);
            }
        }
    }
}

/// A distribution sampled element by element.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Uniform integers in `low..low + span` (`span = 0`: every `u64`).
    Integers {
        /// Smallest value.
        low: i128,
        /// Number of values.
        span: u64,
    },
    /// Exponential with this scale (mean).
    Exponential {
        /// Scale.
        scale: f64,
    },
    /// Gamma with this shape and scale.
    Gamma {
        /// Shape `k`.
        shape: f64,
        /// Scale `θ`.
        scale: f64,
    },
    /// Beta with parameters `a` and `b`.
    Beta {
        /// First shape parameter.
        a: f64,
        /// Second shape parameter.
        b: f64,
    },
    /// Binomial: successes in `n` trials of probability `p`.
    Binomial {
        /// Trials.
        n: u64,
        /// Success probability.
        p: f64,
    },
    /// Poisson with mean `lam`.
    Poisson {
        /// Mean.
        lam: f64,
    },
    /// Student's t with `df` degrees of freedom.
    StandardT {
        /// Degrees of freedom.
        df: f64,
    },
    /// `exp` of a normal with this mean and standard deviation.
    LogNormal {
        /// Mean of the underlying normal.
        mean: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Indices `0..n` drawn with replacement with these cumulative probabilities (the
    /// last is 1).
    Weighted {
        /// Cumulative probabilities.
        cum: Arc<Vec<f64>>,
    },
    /// A keyed pseudorandom permutation of `0..n`: element `i` is the image of `i`.
    Permutation {
        /// The length.
        n: u64,
    },
}

/// One sampled value: a float, or an exact integer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Draw {
    /// A real value.
    Real(f64),
    /// An integer value.
    Int(i128),
}

impl Distribution {
    /// The NumPy name of the distribution (for plans).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Distribution::Integers { .. } => "integers",
            Distribution::Exponential { .. } => "exponential",
            Distribution::Gamma { .. } => "gamma",
            Distribution::Beta { .. } => "beta",
            Distribution::Binomial { .. } => "binomial",
            Distribution::Poisson { .. } => "poisson",
            Distribution::StandardT { .. } => "standard_t",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Weighted { .. } => "choice",
            Distribution::Permutation { .. } => "permutation",
        }
    }

    /// The value of element `i` of the array drawn with `seed`.
    pub(crate) fn sample(&self, seed: u64, i: u64) -> Draw {
        let mut s = Stream::new(seed, i);
        match *self {
            Distribution::Integers { low, span } => Draw::Int(low + i128::from(s.below(span))),
            Distribution::Exponential { scale } => Draw::Real(-scale * (1.0 - s.uniform()).ln()),
            Distribution::Gamma { shape, scale } => Draw::Real(scale * s.gamma(shape)),
            Distribution::Beta { a, b } => Draw::Real(s.beta(a, b)),
            Distribution::Binomial { n, p } => Draw::Int(i128::from(s.binomial(n, p))),
            Distribution::Poisson { lam } => Draw::Int(i128::from(s.poisson(lam))),
            Distribution::StandardT { df } => {
                let z = s.normal();
                let chi2 = 2.0 * s.gamma(0.5 * df);
                Draw::Real(z / (chi2 / df).sqrt())
            }
            Distribution::LogNormal { mean, sigma } => {
                Draw::Real((mean + sigma * s.normal()).exp())
            }
            Distribution::Weighted { ref cum } => {
                let u = s.uniform();
                let k = cum
                    .partition_point(|&c| c <= u)
                    .min(cum.len().saturating_sub(1));
                Draw::Int(k as i128)
            }
            Distribution::Permutation { n } => Draw::Int(i128::from(permute(seed, n, i))),
        }
    }
}

/// The image of `i` under a keyed pseudorandom permutation of `0..n`: a four-round
/// Feistel network on the smallest even number of bits covering `n`, walked until it lands
/// below `n` (fewer than four steps on average).
pub(crate) fn permute(seed: u64, n: u64, i: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let half = bits.div_ceil(2).max(1);
    let mask = (1u64 << half) - 1;
    let keys: [u64; 4] = std::array::from_fn(|r| mix(seed ^ (r as u64 + 1).wrapping_mul(GAMMA)));
    let mut x = i;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for k in keys {
            let f = mix(k ^ r) & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_bijections() {
        for n in [1u64, 2, 3, 7, 16, 17, 1000, 4097] {
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let j = permute(11, n, i) as usize;
                assert!(!seen[j], "n = {n}: {j} twice");
                seen[j] = true;
            }
        }
        // Different seeds give different orders.
        let a: Vec<u64> = (0..50).map(|i| permute(1, 50, i)).collect();
        let b: Vec<u64> = (0..50).map(|i| permute(2, 50, i)).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn unbiased_integers_stay_in_range() {
        let d = Distribution::Integers { low: -3, span: 7 };
        let mut counts = [0usize; 7];
        for i in 0..70_000 {
            let Draw::Int(v) = d.sample(5, i) else {
                panic!()
            };
            assert!((-3..4).contains(&v));
            counts[(v + 3) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn discrete_means_match() {
        let mean = |d: Distribution| {
            (0..200_000u64)
                .map(|i| match d.sample(9, i) {
                    Draw::Int(v) => v as f64,
                    Draw::Real(v) => v,
                })
                .sum::<f64>()
                / 200_000.0
        };
        for (n, p) in [
            (10u64, 0.3),
            (1000, 0.2),
            (1000, 0.9),
            (100_000, 0.5),
            (7, 1.0),
        ] {
            let m = mean(Distribution::Binomial { n, p });
            let sd = (n as f64 * p * (1.0 - p) / 200_000.0).sqrt();
            assert!(
                (m - n as f64 * p).abs() <= 5.0 * sd + 1e-12,
                "bin({n}, {p}): {m}"
            );
        }
        for lam in [0.5, 4.0, 29.0, 31.0, 1000.0] {
            let m = mean(Distribution::Poisson { lam });
            let sd = (lam / 200_000.0).sqrt();
            assert!((m - lam).abs() <= 5.0 * sd, "poisson({lam}): {m}");
        }
    }
}
