//! (count, mean, M2) partials for mean, variance and standard deviation.
//!
//! A chunk's partial is computed with two passes (mean first, then the sum of squared
//! deviations, both pairwise over the whole slice; for `f64` the squares are computed as
//! they are added, in vectors, [`crate::sum::pairwise_map`]), and partials are combined with the formula of Chan, Golub and
//! LeVeque, so the variance of data with a large mean (say 1e8 + noise) keeps its digits.

use crate::sum::{nan_pairwise_sum, pairwise_sum};
use num_traits::Float;

/// The count, mean and sum of squared deviations from the mean (`M2`) of a set of values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Number of values.
    pub count: f64,
    /// Their mean (0 when `count` is 0).
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    /// Moments of one value (an infinite or NaN value makes `M2` NaN, so that the variance
    /// of anything containing it is NaN, as in NumPy).
    #[inline]
    pub fn one(x: f64) -> Self {
        Moments {
            count: 1.0,
            mean: x,
            m2: if x.is_finite() { 0.0 } else { f64::NAN },
        }
    }

    /// Moments of a slice (two-pass, pairwise sums in `f64`).
    ///
    /// ```
    /// use tessera_kernels::moments::Moments;
    /// let m = Moments::of(&[1.0f64, 2.0, 3.0, 4.0]);
    /// assert_eq!((m.count, m.mean, m.m2), (4.0, 2.5, 5.0));
    /// ```
    pub fn of<T: Float + 'static>(x: &[T]) -> Self {
        if x.is_empty() {
            return Moments::default();
        }
        if x.len() == 1 {
            return Self::one(x[0].to_f64().unwrap_or(f64::NAN));
        }
        if let Some(x) = as_f64(x) {
            return Self::of_f64(x);
        }
        let mut buf = [0.0f64; 256];
        let mut sum = crate::sum::Cascade::new();
        for c in x.chunks(256) {
            for (b, v) in buf.iter_mut().zip(c) {
                *b = v.to_f64().unwrap_or(f64::NAN);
            }
            sum.push(pairwise_sum(&buf[..c.len()]));
        }
        let n = x.len() as f64;
        let mean = sum.total() / n;
        let mut m2 = crate::sum::Cascade::new();
        for c in x.chunks(256) {
            for (b, v) in buf.iter_mut().zip(c) {
                let d = v.to_f64().unwrap_or(f64::NAN) - mean;
                *b = d * d;
            }
            m2.push(pairwise_sum(&buf[..c.len()]));
        }
        Moments {
            count: n,
            mean,
            m2: m2.total(),
        }
    }

    /// Moments of an `f64` slice: two pairwise passes over the slice (the sum, then the
    /// squared deviations, computed as they are added), both at the widest SIMD level
    /// (bit-identical results at every level).
    fn of_f64(x: &[f64]) -> Self {
        let n = x.len() as f64;
        let mean = crate::sum::sum_f64(x) / n;
        // Σ (x - mean)², pairwise over the whole slice, the squares computed as they are
        // summed.
        let m2 = match crate::dispatch::level() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level()` only returns Avx512 when the CPU reports avx512f, vl, dq and bw.
            crate::dispatch::Level::Avx512 => unsafe { crate::sum_x86::sq_dev_avx512(x, mean) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level()` only returns Avx2 when the CPU reports avx2 and fma.
            crate::dispatch::Level::Avx2 => unsafe { crate::sum_x86::sq_dev_avx2(x, mean) },
            _ => crate::sum::pairwise_map(x, |v| (v - mean) * (v - mean)),
        };
        Moments { count: n, mean, m2 }
    }

    /// Moments of the values of a slice that are not NaN.
    pub fn of_non_nan<T: Float>(x: &[T]) -> Self {
        let (s, n) = nan_pairwise_sum(x);
        if n == 0 {
            return Moments::default();
        }
        if n == 1 {
            let v = x.iter().find(|v| !v.is_nan()).and_then(|v| v.to_f64());
            return Self::one(v.unwrap_or(f64::NAN));
        }
        let mean = s.to_f64().unwrap_or(f64::NAN) / n as f64;
        let mut m2 = 0.0f64;
        let mut c = 0.0f64;
        for v in x.iter().filter(|v| !v.is_nan()) {
            let d = v.to_f64().unwrap_or(f64::NAN) - mean;
            // Kahan-compensated accumulation of the squared deviations.
            let y = d * d - c;
            let t = m2 + y;
            c = (t - m2) - y;
            m2 = t;
        }
        Moments {
            count: n as f64,
            mean,
            m2,
        }
    }

    /// Folds `other` (which covers values after those of `self`) into `self` (Chan et al.).
    ///
    /// ```
    /// use tessera_kernels::moments::Moments;
    /// let mut a = Moments::of(&[1.0f64, 2.0]);
    /// a.merge(&Moments::of(&[3.0f64, 4.0]));
    /// assert_eq!(a, Moments::of(&[1.0f64, 2.0, 3.0, 4.0]));
    /// ```
    #[inline]
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0.0 {
            return;
        }
        if self.count == 0.0 {
            *self = *other;
            return;
        }
        let n = self.count + other.count;
        let delta = other.mean - self.mean;
        let mean = if other.count == 1.0 {
            self.mean + delta / n
        } else {
            (self.count * self.mean + other.count * other.mean) / n
        };
        self.m2 += other.m2 + delta * delta * self.count * other.count / n;
        self.mean = mean;
        self.count = n;
    }

    /// The variance with `ddof` delta degrees of freedom: `M2 / max(count - ddof, 0)`, as
    /// NumPy computes it (so `inf` or NaN when `count <= ddof`).
    pub fn variance(&self, ddof: f64) -> f64 {
        self.m2 / (self.count - ddof).max(0.0)
    }
}

/// The slice as `&[f64]` when `T` is `f64`.
fn as_f64<T: 'static>(x: &[T]) -> Option<&[f64]> {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f64>() {
        // SAFETY: `T` is `f64` (same TypeId), so the slice already has this type; only the
        // static type changes, not layout, length or lifetime.
        Some(unsafe { std::slice::from_raw_parts(x.as_ptr() as *const f64, x.len()) })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_mean_keeps_digits() {
        let x: Vec<f64> = (0..100_000)
            .map(|i| 1e8 + ((i * 7919) % 1000) as f64 * 1e-3)
            .collect();
        let y: Vec<f64> = x.iter().map(|v| v - 1e8).collect();
        let direct = Moments::of(&y);
        let mut merged = Moments::default();
        for c in x.chunks(777) {
            merged.merge(&Moments::of(c));
        }
        let rel = (merged.variance(0.0) - direct.variance(0.0)).abs() / direct.variance(0.0);
        assert!(rel < 1e-6, "relative error {rel}");
    }

    /// `Moments::of` at every level against the portable two-pass form (a pairwise sum of
    /// the values, then of the squared deviations, materialized), bit for bit,
    /// on values of mixed sign and magnitude around a large mean, for lengths around the
    /// block and vector sizes and at unaligned starts.
    #[test]
    fn every_level_matches_the_portable_two_passes() {
        use crate::dispatch::{with_level, Level};
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let x: Vec<f64> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let m = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                1e3 + m * 10f64.powi((state % 9) as i32 - 4)
            })
            .collect();
        let portable = |s: &[f64]| {
            let mean = pairwise_sum(s) / s.len() as f64;
            let sq: Vec<f64> = s.iter().map(|v| (v - mean) * (v - mean)).collect();
            (mean, pairwise_sum(&sq))
        };
        for l in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(l, || {
                for start in [0, 1, 3] {
                    for n in (2..600).chain([1023, 1024, 1025, 4096, 4990]) {
                        let s = &x[start..start + n];
                        let m = Moments::of(s);
                        let (mean, m2) = portable(s);
                        assert_eq!(m.mean.to_bits(), mean.to_bits(), "{l:?} mean n={n}");
                        assert_eq!(m.m2.to_bits(), m2.to_bits(), "{l:?} m2 start={start} n={n}");
                    }
                }
            });
        }
    }

    #[test]
    fn nan_variant_skips() {
        let m = Moments::of_non_nan(&[1.0f64, f64::NAN, 3.0]);
        assert_eq!((m.count, m.mean, m.m2), (2.0, 2.0, 2.0));
        assert_eq!(Moments::of_non_nan(&[f64::NAN]).count, 0.0);
        assert!(Moments::default().variance(0.0).is_nan());
        assert!(Moments::one(f64::NAN).variance(0.0).is_nan());
        let mut m = Moments::of(&[1.0f64, 4.0]);
        m.merge(&Moments::one(f64::INFINITY));
        assert!(m.variance(0.0).is_nan());
        assert_eq!(Moments::of(&[1.0f64, 3.0]).variance(2.0), f64::INFINITY);
    }
}
