//! Pairwise (cascade) summation of floating-point values.
//!
//! [`pairwise_sum`] splits the input in halves recursively down to blocks of
//! [`BLOCK`] values, which are summed with eight independent accumulators (NumPy's order).
//! The rounding error is bounded by about `(log2(n / BLOCK) + BLOCK / 8 + 1) · ε · Σ|xᵢ|`
//! instead of `n · ε · Σ|xᵢ|` for a plain running sum (ε: unit roundoff). [`sum_f64`] runs the
//! same additions in the same order with explicit AVX2 or AVX-512 vectors where the CPU has
//! them, several blocks at a time (the compiler vectorizes the portable block loop into
//! pairs of SSE lanes, and one block alone is a chain of dependent additions).

use num_traits::Float;

/// Number of values summed directly (eight interleaved accumulators) before splitting.
pub const BLOCK: usize = 128;

/// Sums `x` pairwise. Returns `0` for an empty slice.
///
/// ```
/// use tessera_kernels::sum::pairwise_sum;
/// assert_eq!(pairwise_sum(&[1.0f32, 2.0, 3.0]), 6.0);
/// assert_eq!(pairwise_sum::<f64>(&[]), 0.0);
/// ```
pub fn pairwise_sum<T: Float>(x: &[T]) -> T {
    pairwise_map(x, |v| v)
}

/// [`pairwise_sum`] of `f(v)` over the values `v` of `x`, in the same order, without
/// materializing the mapped values.
///
/// ```
/// use tessera_kernels::sum::pairwise_map;
/// assert_eq!(pairwise_map(&[1.0f64, 2.0, 3.0], |v| v * v), 14.0);
/// ```
pub fn pairwise_map<T: Float>(x: &[T], f: impl Fn(T) -> T + Copy) -> T {
    if x.len() <= BLOCK {
        return block_sum(x, f);
    }
    let half = split(x.len());
    pairwise_map(&x[..half], f) + pairwise_map(&x[half..], f)
}

/// Where the pairwise recursion splits a run of `len > BLOCK` values: half of it, rounded
/// down to a multiple of 8 so that blocks keep their accumulator layout.
#[inline(always)]
pub(crate) fn split(len: usize) -> usize {
    ((len / 2) & !7).max(8)
}

/// [`pairwise_sum`] of `f64` values, run at the widest SIMD level the CPU has (see
/// [`crate::dispatch::level`]); the association order is the same at every level, so the result
/// is bit-identical to `pairwise_sum`.
///
/// ```
/// let x: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
/// assert_eq!(tessera_kernels::sum::sum_f64(&x), tessera_kernels::sum::pairwise_sum(&x));
/// ```
pub fn sum_f64(x: &[f64]) -> f64 {
    match crate::dispatch::level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level()` only returns Avx512 when the CPU reports avx512f, vl, dq and bw.
        crate::dispatch::Level::Avx512 => unsafe { crate::sum_x86::pairwise_avx512(x) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level()` only returns Avx2 when the CPU reports avx2 and fma.
        crate::dispatch::Level::Avx2 => unsafe { crate::sum_x86::pairwise_avx2(x) },
        _ => pairwise_sum(x),
    }
}

/// Sums `f` of at most a few hundred values with eight interleaved accumulators.
#[inline(always)]
fn block_sum<T: Float>(x: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for k in 0..8 {
            acc[k] = acc[k] + f(c[k]);
        }
    }
    let mut tail = T::zero();
    for &v in chunks.remainder() {
        tail = tail + f(v);
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// Sums the values of `x` that are not NaN, pairwise; also returns how many were counted.
///
/// ```
/// use tessera_kernels::sum::nan_pairwise_sum;
/// assert_eq!(nan_pairwise_sum(&[1.0, f64::NAN, 2.0]), (3.0, 2));
/// ```
pub fn nan_pairwise_sum<T: Float>(x: &[T]) -> (T, u64) {
    if x.len() <= BLOCK {
        let mut s = T::zero();
        let mut n = 0u64;
        for &v in x {
            if !v.is_nan() {
                s = s + v;
                n += 1;
            }
        }
        return (s, n);
    }
    let half = x.len() / 2;
    let (a, na) = nan_pairwise_sum(&x[..half]);
    let (b, nb) = nan_pairwise_sum(&x[half..]);
    (a + b, na + nb)
}

/// Streaming pairwise summation: values arrive as a sequence of partial sums (one per tile of
/// equal size) and are combined like a binary counter, so the result has the same error bound
/// as [`pairwise_sum`] over the concatenated input, without holding the input.
///
/// ```
/// use tessera_kernels::sum::Cascade;
/// let mut c = Cascade::new();
/// for i in 0..10 { c.push(i as f64); }
/// assert_eq!(c.total(), 45.0);
/// ```
#[derive(Debug, Clone)]
pub struct Cascade<T> {
    /// `levels[k]` holds a partial sum of `2^k` pushed values, when occupied.
    levels: Vec<Option<T>>,
}

impl<T: Float> Default for Cascade<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Cascade<T> {
    /// An empty cascade whose total is zero.
    pub fn new() -> Self {
        Cascade { levels: Vec::new() }
    }

    /// Adds one partial sum (for example the pairwise sum of one tile).
    pub fn push(&mut self, mut v: T) {
        for slot in self.levels.iter_mut() {
            match slot.take() {
                Some(prev) => v = prev + v,
                None => {
                    *slot = Some(v);
                    return;
                }
            }
        }
        self.levels.push(Some(v));
    }

    /// The sum of everything pushed, combining the pending levels from small to large.
    pub fn total(&self) -> T {
        let mut acc: Option<T> = None;
        for v in self.levels.iter().flatten() {
            acc = Some(match acc {
                None => *v,
                Some(a) => *v + a,
            });
        }
        acc.unwrap_or_else(T::zero)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(x: &[f64]) -> f64 {
        // Neumaier-compensated reference, exact enough for these checks.
        let mut s = 0.0f64;
        let mut c = 0.0f64;
        for &v in x {
            let t = s + v;
            if s.abs() >= v.abs() {
                c += (s - t) + v;
            } else {
                c += (v - t) + s;
            }
            s = t;
        }
        s + c
    }

    #[test]
    fn matches_small_integers_exactly() {
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 4097] {
            let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(
                pairwise_sum(&x),
                (n * n.saturating_sub(1) / 2) as f64,
                "n={n}"
            );
        }
    }

    #[test]
    fn pairwise_is_more_accurate_than_naive() {
        let x: Vec<f32> = (0..1_000_000)
            .map(|i| 0.1 + (i % 7) as f32 * 1e-3)
            .collect();
        let reference = exact(&x.iter().map(|&v| v as f64).collect::<Vec<_>>());
        let pw = pairwise_sum(&x) as f64;
        let naive = x.iter().fold(0.0f32, |a, &b| a + b) as f64;
        assert!(
            (pw - reference).abs() / reference < 1e-6,
            "{pw} vs {reference}"
        );
        assert!((naive - reference).abs() > (pw - reference).abs());
    }

    #[test]
    fn cascade_equals_sum() {
        let mut c = Cascade::new();
        let mut all = Vec::new();
        for t in 0..37 {
            let tile: Vec<f64> = (0..64).map(|i| ((t * 64 + i) as f64).sin()).collect();
            c.push(pairwise_sum(&tile));
            all.extend(tile);
        }
        assert!((c.total() - exact(&all)).abs() < 1e-12);
        assert_eq!(Cascade::<f64>::new().total(), 0.0);
    }

    #[test]
    fn every_level_gives_the_same_sum() {
        use crate::dispatch::{with_level, Level};
        let x: Vec<f64> = (0..100_003)
            .map(|i| ((i * 7919) % 1013) as f64 * 1.37e-3)
            .collect();
        let reference = pairwise_sum(&x);
        for l in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(l, || {
                for n in [0, 1, 7, 8, 129, 1000, 100_003] {
                    assert_eq!(
                        sum_f64(&x[..n]).to_bits(),
                        pairwise_sum(&x[..n]).to_bits(),
                        "{l:?} n={n}"
                    );
                }
                assert_eq!(sum_f64(&x), reference);
            });
        }
    }

    #[test]
    fn every_level_matches_the_portable_order_bit_for_bit() {
        use crate::dispatch::{with_level, Level};
        // Values of mixed sign over twelve orders of magnitude: any change in the order of
        // the additions changes the rounded sum.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let x: Vec<f64> = (0..2200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let m = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                m * 10f64.powi((state % 13) as i32 - 6)
            })
            .collect();
        for l in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(l, || {
                for start in [0, 1, 3] {
                    for n in 0..=2100 {
                        let s = &x[start..start + n];
                        assert_eq!(
                            sum_f64(s).to_bits(),
                            pairwise_sum(s).to_bits(),
                            "{l:?} start={start} n={n}"
                        );
                    }
                }
            });
        }
    }

    #[test]
    fn nan_sum_skips_nan() {
        let mut x = vec![1.0f64; 1000];
        x[3] = f64::NAN;
        x[999] = f64::NAN;
        assert_eq!(nan_pairwise_sum(&x), (998.0, 998));
    }
}
