//! Reduction kernels over contiguous slices, compiled per SIMD level: `min`/`max` with
//! NumPy's NaN rules, first-occurrence `argmin`/`argmax`, `any`/`all` with early exit,
//! counting, and integer sums widened as NumPy promotes them.
//!
//! Float sums are in [`crate::sum`] (pairwise, with an error bound) and mean/variance
//! partials in [`crate::moments`].
//!
//! NaN rules, as in NumPy: [`min_max`] and [`arg_extreme`] return NaN (its first position)
//! when the slice holds one, unless `skip_nan` is set, which ignores NaN like `nanmin` and
//! `nanargmin`; a slice of NaN only then has no result (`None`).
//!
//! ```
//! use tessera_kernels::reduce::{arg_extreme, min_max, Extreme};
//! let x = [3.0, 1.0, f64::NAN, 1.0];
//! assert!(min_max(&x, Extreme::Min, false).unwrap().is_nan());
//! assert_eq!(min_max(&x, Extreme::Min, true), Some(1.0));
//! assert_eq!(arg_extreme(&x, Extreme::Min, false), Some(2));
//! assert_eq!(arg_extreme(&x, Extreme::Min, true), Some(1));
//! ```

use crate::dispatch;
use crate::scalar::Arith;

/// Which extreme a reduction looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

/// Lanes of the min/max accumulators: 16 independent chains keep a 512-bit unit busy for
/// `f64` and give the compiler a fixed shape to vectorize.
const LANES: usize = 16;
/// Elements scanned between checks for an early exit.
const EXIT_BLOCK: usize = 1024;

/// `(smaller, larger)` selection that ignores NaN in `v` (a NaN never wins).
#[inline(always)]
fn pick<T: Arith>(which: Extreme, acc: T, v: T) -> T {
    let better = match which {
        Extreme::Min => v < acc,
        Extreme::Max => v > acc,
    };
    if better {
        v
    } else {
        acc
    }
}

/// The smallest or largest value of `x`.
///
/// With `skip_nan == false` a NaN anywhere gives NaN (NumPy's `min`/`max`); with
/// `skip_nan == true` NaN values are ignored (`nanmin`/`nanmax`). `None` for an empty
/// slice, or one of NaN only when skipping. When the extreme is a zero and the slice holds
/// both `0.0` and `-0.0`, which of the two is returned is unspecified (they compare equal;
/// NumPy leaves it unspecified too).
pub fn min_max<T: Arith>(x: &[T], which: Extreme, skip_nan: bool) -> Option<T> {
    let Some(start) = position(x, |v| !v.is_nan()) else {
        // Empty, or NaN only.
        return if skip_nan { None } else { x.first().copied() };
    };
    if start > 0 && !skip_nan {
        return Some(x[0]);
    }
    let init = x[start];
    let mut best = init;
    for block in x[start..].chunks(EXIT_BLOCK * 8) {
        let (b, nan) = dispatch::run(
            #[inline(always)]
            || {
                let mut lanes = [init; LANES];
                // NaN is detected with arithmetic, not with a flag: `v - v` is 0 for finite
                // `v` and NaN for NaN (and for ±∞), and a NaN sum stays NaN. A flag OR-ed per
                // element compiles to a chain of mask operations at AVX-512, which would make
                // that level slower than AVX2.
                let mut probe = [T::zero(); LANES];
                let mut it = block.chunks_exact(LANES);
                for c in &mut it {
                    for k in 0..LANES {
                        probe[k] = probe[k].add(c[k].sub(c[k]));
                        lanes[k] = pick(which, lanes[k], c[k]);
                    }
                }
                let mut b = lanes[0];
                for &l in &lanes[1..] {
                    b = pick(which, b, l);
                }
                let mut nan = probe.iter().any(|p| p.is_nan());
                for &v in it.remainder() {
                    nan |= v.is_nan();
                    b = pick(which, b, v);
                }
                (b, nan)
            },
        );
        // `nan` may also mean an infinity: look for a real NaN.
        if nan && !skip_nan {
            if let Some(v) = block.iter().copied().find(|v| v.is_nan()) {
                return Some(v);
            }
        }
        best = pick(which, best, b);
    }
    Some(best)
}

/// The position of the first smallest or largest value of `x` (NumPy's `argmin`/`argmax`:
/// ties give the first occurrence, and with `skip_nan == false` the first NaN is the
/// extreme). `None` for an empty slice, or one of NaN only when skipping.
pub fn arg_extreme<T: Arith>(x: &[T], which: Extreme, skip_nan: bool) -> Option<usize> {
    if !skip_nan {
        if let Some(i) = position(x, |v| v.is_nan()) {
            return Some(i);
        }
    }
    let m = min_max(x, which, true)?;
    position(x, |v| v == m)
}

/// The first position where `pred` holds, scanning in vectorized blocks.
pub fn position<T: Copy>(x: &[T], pred: impl Fn(T) -> bool + Copy) -> Option<usize> {
    let mut base = 0;
    for block in x.chunks(EXIT_BLOCK) {
        if any(block, pred) {
            return block.iter().position(|&v| pred(v)).map(|i| base + i);
        }
        base += block.len();
    }
    None
}

/// Whether `pred` holds for some element, stopping at the first block of 1024 elements that
/// has one.
pub fn any<T: Copy>(x: &[T], pred: impl Fn(T) -> bool) -> bool {
    dispatch::run(
        #[inline(always)]
        || {
            for block in x.chunks(EXIT_BLOCK) {
                // No early exit inside a block, so the block's loop vectorizes.
                if block.iter().fold(false, |a, &v| a | pred(v)) {
                    return true;
                }
            }
            false
        },
    )
}

/// Whether `pred` holds for every element (`true` for an empty slice), stopping at the first
/// block of 1024 elements where it fails.
pub fn all<T: Copy>(x: &[T], pred: impl Fn(T) -> bool) -> bool {
    !any(x, |v| !pred(v))
}

/// How many elements satisfy `pred`.
pub fn count<T: Copy>(x: &[T], pred: impl Fn(T) -> bool) -> u64 {
    dispatch::run(
        #[inline(always)]
        || {
            let mut total = 0u64;
            for block in x.chunks(EXIT_BLOCK) {
                // A 32-bit count per block vectorizes better than a 64-bit one.
                total += u64::from(block.iter().map(|&v| u32::from(pred(v))).sum::<u32>());
            }
            total
        },
    )
}

/// The sum of `x` in the wider type `S` (NumPy promotes signed integers to `int64` and
/// unsigned ones to `uint64`), wrapping on overflow of `S` as NumPy does.
///
/// ```
/// use tessera_kernels::reduce::sum_widening;
/// assert_eq!(sum_widening(&[200u8, 100, 255], |v| v as u64), 555);
/// assert_eq!(sum_widening(&[i32::MAX, i32::MAX], |v| v as i64), 2 * i32::MAX as i64);
/// ```
pub fn sum_widening<T: Copy, S: Arith>(x: &[T], widen: impl Fn(T) -> S) -> S {
    dispatch::run(
        #[inline(always)]
        || {
            let mut lanes = [S::zero(); 8];
            let mut it = x.chunks_exact(8);
            for c in &mut it {
                for k in 0..8 {
                    lanes[k] = lanes[k].add(widen(c[k]));
                }
            }
            let mut s = S::zero();
            for l in lanes {
                s = s.add(l);
            }
            for &v in it.remainder() {
                s = s.add(widen(v));
            }
            s
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::{with_level, Level};

    /// The plain-loop reference for min/max with NumPy's NaN rules.
    fn reference<T: Arith>(x: &[T], which: Extreme, skip_nan: bool) -> Option<T> {
        let mut best: Option<T> = None;
        for &v in x {
            if v.is_nan() {
                if skip_nan {
                    continue;
                }
                return Some(v);
            }
            best = Some(match best {
                None => v,
                Some(b) => pick(which, b, v),
            });
        }
        best
    }

    fn arg_reference<T: Arith>(x: &[T], which: Extreme, skip_nan: bool) -> Option<usize> {
        if !skip_nan {
            if let Some(i) = x.iter().position(|v| v.is_nan()) {
                return Some(i);
            }
        }
        let m = reference(x, which, true)?;
        x.iter().position(|&v| v == m)
    }

    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 11
    }

    fn float_cases() -> Vec<Vec<f64>> {
        let mut s = 7u64;
        let mut cases: Vec<Vec<f64>> = vec![vec![], vec![1.0], vec![f64::NAN], vec![-0.0, 0.0]];
        for n in [2, 15, 16, 17, 31, 33, 64, 100, 1023, 1025, 5000, 40_000] {
            let x: Vec<f64> = (0..n)
                .map(|_| (lcg(&mut s) % 1000) as f64 - 500.0)
                .collect();
            cases.push(x.clone());
            for pos in [0, n / 2, n - 1] {
                let mut y = x.clone();
                y[pos] = f64::NAN;
                cases.push(y);
            }
            let mut z = x.clone();
            z[n - 1] = f64::INFINITY;
            z[0] = -f64::INFINITY;
            cases.push(z);
            cases.push(vec![f64::NAN; n]);
        }
        cases
    }

    /// An infinity makes the arithmetic NaN probe fire without a NaN: the block is checked
    /// and the scan goes on, so a NaN in a later block is still found, at every level.
    #[test]
    fn infinities_do_not_hide_or_fake_a_nan() {
        let mut x: Vec<f64> = (0..20_000).map(|i| (i % 97) as f64).collect();
        x[100] = f64::INFINITY;
        x[200] = f64::NEG_INFINITY;
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(level, || {
                assert_eq!(min_max(&x, Extreme::Max, false), Some(f64::INFINITY));
                assert_eq!(min_max(&x, Extreme::Min, false), Some(f64::NEG_INFINITY));
                let mut y = x.clone();
                y[15_000] = f64::NAN;
                assert!(min_max(&y, Extreme::Max, false).is_some_and(f64::is_nan));
                assert!(min_max(&y, Extreme::Min, false).is_some_and(f64::is_nan));
                assert_eq!(min_max(&y, Extreme::Max, true), Some(f64::INFINITY));
            });
        }
    }

    #[test]
    fn min_max_and_arg_match_the_reference_at_every_level() {
        let cases = float_cases();
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(level, || {
                for x in &cases {
                    for which in [Extreme::Min, Extreme::Max] {
                        for skip in [false, true] {
                            for start in [0, 1.min(x.len())] {
                                let x = &x[start..];
                                let got = min_max(x, which, skip);
                                let want = reference(x, which, skip);
                                match (got, want) {
                                    (Some(a), Some(b)) if a.is_nan() => assert!(b.is_nan()),
                                    _ => assert_eq!(got, want, "{level:?} {which:?} {skip}"),
                                }
                                assert_eq!(
                                    arg_extreme(x, which, skip),
                                    arg_reference(x, which, skip),
                                    "{level:?} {which:?} {skip} n={}",
                                    x.len()
                                );
                            }
                        }
                    }
                }
                // Integers: the first occurrence of a repeated extreme.
                let v: Vec<i16> = (0..3000).map(|i| ((i * 37) % 101) as i16 - 50).collect();
                assert_eq!(min_max(&v, Extreme::Max, false), Some(50));
                assert_eq!(
                    arg_extreme(&v, Extreme::Max, false),
                    v.iter().position(|&a| a == 50)
                );
                assert_eq!(
                    arg_extreme(&v, Extreme::Min, true),
                    v.iter().position(|&a| a == -50)
                );
                let u = [3u8, 255, 0, 255, 0];
                assert_eq!(arg_extreme(&u, Extreme::Min, false), Some(2));
                assert_eq!(arg_extreme(&u, Extreme::Max, false), Some(1));
            });
        }
    }

    #[test]
    fn any_all_count_and_position() {
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(level, || {
                for n in [0usize, 1, 7, 63, 64, 65, 1023, 1024, 1025, 5000] {
                    for hit in [None, Some(0), Some(n / 3), Some(n.saturating_sub(1))] {
                        let hit = hit.filter(|&h| h < n);
                        let mut x = vec![0u8; n];
                        if let Some(h) = hit {
                            x[h] = 9;
                        }
                        assert_eq!(any(&x, |v| v != 0), hit.is_some());
                        assert_eq!(all(&x, |v| v == 0), hit.is_none());
                        assert_eq!(position(&x, |v| v != 0), hit);
                        assert_eq!(count(&x, |v| v != 0), u64::from(hit.is_some()));
                    }
                }
                let b: Vec<bool> = (0..3001).map(|i| i % 3 == 0).collect();
                assert_eq!(count(&b, |v| v), 1001);
                assert!(all(&[] as &[bool], |v| v));
            });
        }
    }

    #[test]
    fn widening_sums_do_not_overflow() {
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            with_level(level, || {
                let x = vec![u8::MAX; 10_001];
                assert_eq!(sum_widening(&x, u64::from), 255 * 10_001);
                let y: Vec<i32> = (0..10_001)
                    .map(|i| if i % 2 == 0 { i32::MAX } else { i32::MIN })
                    .collect();
                let want: i64 = y.iter().map(|&v| i64::from(v)).sum();
                assert_eq!(sum_widening(&y, i64::from), want);
                // int64 wraps, like NumPy.
                assert_eq!(sum_widening(&[i64::MAX, 1], |v| v), i64::MIN);
            });
        }
    }
}
