//! `ln`, `log1p`, `log2` and `log10`.
//!
//! fdlibm's method (as in e_log.c and musl's log.c), made branch-free: `x = 2^k·m` with
//! `m ∈ [√2/2, √2)` obtained with integer operations on the bits, `f = m - 1`,
//! `s = f/(2+f)`, and `ln(1+f) = f - f²/2 + s·(f²/2 + R(s²))` with fdlibm's `Lg1..Lg7`.

use super::{kernel, map_f64, u52_to_f64};

/// ln2 in two parts (fdlibm's e_log.c): `k·LN2_HI` is exact for `|k| < 2^21`.
pub(super) const LN2_HI: f64 = 6.93147180369123816490e-01;
pub(super) const LN2_LO: f64 = 1.90821492927058770002e-10;

// fdlibm's e_log.c coefficients (|error| < 2^-58.45 on [0, 0.1716]).
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;

/// Added to the bits of a double, moves mantissas at or above √2/2 (high word 0x3fe6a09e)
/// into the next exponent, so that the exponent field gives `k` with `m ∈ [√2/2, √2)`.
const SQRT_HALF_OFFSET: u64 = (0x3ff0_0000 - 0x3fe6_a09e) << 32;
/// The high word of √2/2, re-added to the reduced mantissa bits.
const SQRT_HALF_HI: u64 = 0x3fe6_a09e << 32;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;

/// Splits a positive normal `u` into `k` (as a double) and `m - 1`, with `u = 2^k·m`,
/// `m ∈ [√2/2, √2)`.
#[inline(always)]
pub(super) fn reduce(u: f64) -> (f64, f64) {
    let ix = u.to_bits().wrapping_add(SQRT_HALF_OFFSET);
    let k = u52_to_f64(ix >> 52) - 1023.0;
    let m = f64::from_bits((ix & MANTISSA) + SQRT_HALF_HI);
    (k, m - 1.0)
}

/// `ln(1+f) + k·ln2 + c` for `1+f ∈ [√2/2, √2)` and a small correction `c`.
#[inline(always)]
fn combine(k: f64, f: f64, c: f64) -> f64 {
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    s * (hfsq + r) + (k * LN2_LO + c) - hfsq + f + k * LN2_HI
}

/// Fast `ln x`; asks for the slow path for NaN, `x ≤ 0`, subnormal `x` and `+∞`.
#[inline(always)]
pub(super) fn ln_fast(x: f64) -> (f64, bool) {
    let (k, f) = reduce(x);
    (
        combine(k, f, 0.0),
        !(f64::MIN_POSITIVE..=f64::MAX).contains(&x),
    )
}

/// Fast `ln(1 + x)`; asks for the slow path for NaN, `x ≤ -1`, `+∞` and `±0`.
#[inline(always)]
pub(super) fn log1p_fast(x: f64) -> (f64, bool) {
    let u = 1.0 + x;
    let (k, fu) = reduce(u);
    // When 1 + x is already in [√2/2, √2), use x itself (no rounding error to correct).
    let near = k == 0.0;
    let f = if near { x } else { fu };
    // Otherwise ln(1+x) = ln(u) + ln(1 + c/u) ≈ ln(u) + c/u, with c = (1 + x) - u exactly
    // (both forms are exact where used; negligible once k ≥ 54).
    let c = if k >= 2.0 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    };
    let c = if near || k >= 54.0 { 0.0 } else { c / u };
    (combine(k, f, c), !(x > -1.0 && x <= f64::MAX) || x == 0.0)
}

kernel!(Ln, ln_fast, f64::ln);
kernel!(Log1p, log1p_fast, f64::ln_1p);

/// `out[i] = ln(x[i])` (natural logarithm) for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level (at most 1 ulp apart, and the levels agree bit for bit). Subnormal, zero, negative and
/// non-finite arguments are computed by the standard library (`ln(0) = -inf`, `ln(x < 0) = NaN`).
///
/// ```
/// let x = [1.0, std::f64::consts::E, 0.0, -1.0];
/// let mut y = [7.0; 4];
/// tessera_kernels::math::ln(&x, &mut y);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 1.0).abs() <= f64::EPSILON);
/// assert_eq!(y[2], f64::NEG_INFINITY);
/// assert!(y[3].is_nan());
/// ```
pub fn ln(x: &[f64], out: &mut [f64]) {
    map_f64::<Ln>(x, out)
}

/// `out[i] = ln(1 + x[i])` for `i < min(x.len(), out.len())`, accurate for small `|x|`.
///
/// Maximum error 2 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level (at most 1 ulp apart, and the levels agree bit for bit). `x ≤ -1`, `±0`, and non-finite
/// arguments are computed by the standard library (`log1p(-1) = -inf`, `log1p(-0) = -0`).
pub fn log1p(x: &[f64], out: &mut [f64]) {
    map_f64::<Log1p>(x, out)
}

/// `1/ln2` in two parts: the high part has its low 32 bits zero.
const IVLN2_HI: f64 = 1.442_695_040_721_446_275_71;
const IVLN2_LO: f64 = 1.675_171_316_488_651_183_53e-10;
/// `1/ln10` and `log10(2)` in two parts each, as above.
const IVLN10_HI: f64 = 4.342_944_818_781_688_809_39e-1;
const IVLN10_LO: f64 = 2.508_294_671_164_527_522_98e-11;
const LOG10_2_HI: f64 = 3.010_299_956_636_117_713_06e-1;
const LOG10_2_LO: f64 = 3.694_239_077_158_930_786_16e-13;

/// `ln(1+f)` for `1+f ∈ [√2/2, √2)` as an unevaluated sum `hi + lo`, with `hi` holding
/// only the top 21 bits of its mantissa, so that `hi` times the high part of a constant is
/// exact (fdlibm's e_log2.c and e_log10.c split).
#[inline(always)]
pub(super) fn ln1p_split(f: f64) -> (f64, f64) {
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = s * (hfsq + t2 + t1);
    let hi = f64::from_bits((f - hfsq).to_bits() & 0xffff_ffff_0000_0000);
    let lo = (f - hi) - hfsq + r;
    (hi, lo)
}

/// Fast `log2 x`; asks for the slow path for NaN, `x ≤ 0`, subnormal `x` and `+∞`.
#[inline(always)]
pub(super) fn log2_fast(x: f64) -> (f64, bool) {
    let (k, f) = reduce(x);
    let (hi, lo) = ln1p_split(f);
    let val_hi = hi * IVLN2_HI;
    let val_lo = (lo + hi) * IVLN2_LO + lo * IVLN2_HI;
    // k + val_hi is exact in two parts: k is an integer, val_hi small next to it or k = 0.
    let w = k + val_hi;
    let val_lo = val_lo + ((k - w) + val_hi);
    (val_lo + w, !(f64::MIN_POSITIVE..=f64::MAX).contains(&x))
}

/// Fast `log10 x`; asks for the slow path for NaN, `x ≤ 0`, subnormal `x` and `+∞`.
#[inline(always)]
pub(super) fn log10_fast(x: f64) -> (f64, bool) {
    let (k, f) = reduce(x);
    let (hi, lo) = ln1p_split(f);
    let val_hi = hi * IVLN10_HI;
    let y2 = k * LOG10_2_HI;
    let val_lo = k * LOG10_2_LO + (lo + hi) * IVLN10_LO + lo * IVLN10_HI;
    let w = y2 + val_hi;
    let val_lo = val_lo + ((y2 - w) + val_hi);
    (val_lo + w, !(f64::MIN_POSITIVE..=f64::MAX).contains(&x))
}

kernel!(Log2, log2_fast, f64::log2);
kernel!(Log10, log10_fast, f64::log10);

/// `out[i] = log2(x[i])` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level. Subnormal, zero, negative and non-finite arguments are computed by the standard
/// library (`log2(0) = -inf`, `log2(x < 0) = NaN`). Powers of two give exact integers.
///
/// ```
/// let x = [8.0, 0.5, 10.0, 0.0];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::log2(&x, &mut y);
/// assert_eq!(&y[..2], &[3.0, -1.0]);
/// assert!((y[2] - 10f64.log2()).abs() <= f64::EPSILON * 4.0);
/// assert_eq!(y[3], f64::NEG_INFINITY);
/// ```
pub fn log2(x: &[f64], out: &mut [f64]) {
    map_f64::<Log2>(x, out)
}

/// `out[i] = log10(x[i])` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`log2`] for the tests and special arguments); powers of ten up to
/// `1e22` give exact integers.
pub fn log10(x: &[f64], out: &mut [f64]) {
    map_f64::<Log10>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    #[test]
    fn ln_accuracy() {
        let mut rng = Rng::new(11);
        let mut x = Vec::new();
        for i in 0..150_000 {
            x.push(match i % 3 {
                0 => rng.log_uniform(-1022.0, 1024.0),
                1 => rng.uniform(0.5, 2.0),
                _ => 1.0 + rng.uniform(-1e-6, 1e-6),
            });
        }
        check_f64("ln", ln, f64::ln, &x, 2);
    }

    fn log_args(seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..150_000)
            .map(|i| match i % 3 {
                0 => rng.log_uniform(-1022.0, 1024.0),
                1 => rng.uniform(0.5, 2.0),
                _ => 1.0 + rng.uniform(-1e-6, 1e-6),
            })
            .collect()
    }

    #[test]
    fn log2_and_log10_accuracy() {
        check_f64("log2", log2, f64::log2, &log_args(12), 2);
        check_f64("log10", log10, f64::log10, &log_args(13), 2);
    }

    #[test]
    fn log2_and_log10_of_powers_are_exact() {
        let pow2 = |k: i32| {
            if k >= -1022 {
                f64::from_bits(((k + 1023) as u64) << 52)
            } else {
                f64::from_bits(1u64 << (k + 1074))
            }
        };
        let p2: Vec<f64> = (-1074..1024).map(pow2).collect();
        let mut y = vec![0.0; p2.len()];
        log2(&p2, &mut y);
        for (k, v) in (-1074..1024).zip(&y) {
            assert_eq!(*v, k as f64, "log2(2^{k})");
        }
        let p10: Vec<f64> = (0..=22)
            .map(|k| format!("1e{k}").parse().unwrap())
            .collect();
        let mut y = vec![0.0; p10.len()];
        log10(&p10, &mut y);
        for (k, v) in y.iter().enumerate() {
            assert_eq!(*v, k as f64, "log10(1e{k})");
        }
        let special = [0.0, -0.0, -1.0, f64::INFINITY, f64::NAN, 5e-324];
        let mut y = [0.0; 6];
        log10(&special, &mut y);
        assert_eq!(&y[..2], &[f64::NEG_INFINITY; 2]);
        assert!(y[2].is_nan() && y[4].is_nan());
        assert_eq!(y[3], f64::INFINITY);
        assert_eq!(y[5], 5e-324f64.log10());
    }

    #[test]
    fn log1p_accuracy() {
        let mut rng = Rng::new(12);
        let mut x = Vec::new();
        for i in 0..150_000 {
            x.push(match i % 4 {
                0 => rng.log_uniform(-60.0, 1024.0),
                1 => -rng.log_uniform(-60.0, 0.0),
                2 => rng.uniform(-0.35, 0.45),
                _ => rng.uniform(-1.0, 3.0),
            });
        }
        check_f64("log1p", log1p, f64::ln_1p, &x, 3);
    }

    #[test]
    fn ln_special_values() {
        let mut x = specials();
        x.extend([
            -1.0,
            1.0,
            f64::MIN_POSITIVE * 0.5,
            f64::MIN_POSITIVE - 5e-324,
            -f64::MIN_POSITIVE,
            1e-320,
        ]);
        check_exact_f64(ln, f64::ln, &x);
        let edges = [
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::EPSILON,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            std::f64::consts::FRAC_1_SQRT_2,
            std::f64::consts::SQRT_2,
        ];
        check_f64("ln", ln, f64::ln, &edges, 2);
    }

    #[test]
    fn log1p_special_values() {
        let mut x = specials();
        x.extend([-1.0, -1.0 - f64::EPSILON, -2.0, -1e300]);
        check_exact_f64(log1p, f64::ln_1p, &x);
        let edges = [
            -1.0 + f64::EPSILON / 2.0,
            -0.9999,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1e-300,
            -1e-300,
            f64::EPSILON,
            f64::MAX,
            9007199254740992.0,
            1e16,
            std::f64::consts::SQRT_2 - 1.0,
            std::f64::consts::FRAC_1_SQRT_2 - 1.0,
        ];
        check_f64("log1p", log1p, f64::ln_1p, &edges, 3);
        let mut y = [0.0; 2];
        log1p(&[-0.0, -1.0], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(y[1], f64::NEG_INFINITY);
    }

    #[test]
    fn lengths_and_offsets() {
        let mut rng = Rng::new(13);
        let x: Vec<f64> = (0..80).map(|_| rng.uniform(-0.9, 20.0)).collect();
        check_slicing(ln, &x);
        check_slicing(log1p, &x);
    }
}
