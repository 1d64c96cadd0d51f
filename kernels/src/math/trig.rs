//! `sin`, `cos` and `tan`.
//!
//! The argument is reduced by multiples of π/2 with a three-part Cody–Waite constant, `r` is
//! kept as a double-double `r + rlo`, and fdlibm's kernels (k_sin.c, k_cos.c, k_tan.c, with
//! their minimax polynomials on `[-π/4, π/4]`, made branch-free) give `sin r`, `cos r` and
//! `tan r` or `-1/tan r`.
//!
//! The reduction error: `q·PIO2_1` and `q·PIO2_2` are exact for `|q| < 2^20`, the first
//! subtraction is exact (Sterbenz), the second is split exactly, and `PIO2_1 + PIO2_2 +
//! PIO2_3` differs from π/2 by less than 2^-122; so for `|x| ≤ 2^17` (`|q| < 2^17`) the
//! reduced argument is within about 2^-104 of the true one. That is negligible unless `|r|`
//! is tiny, so arguments with `|r| < 2^-40` and `q ≠ 0` (within 2^-40 of a nonzero multiple of
//! π/2) are sent to the standard library, which reduces exactly, as are `|x| > 2^17`.

use super::{kernel, map_f64, ROUND_MAGIC};
use std::f64::consts::{FRAC_2_PI, FRAC_PI_4};

/// π/2 in three parts: fdlibm's e_rem_pio2.c `pio2_1` (first 33 bits), `pio2_2` (next 33
/// bits) and `pio2_2t` (the rest, rounded to 53 bits).
pub(super) const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_3: f64 = 2.02226624879595063154e-21;
/// Largest |x| the fast reduction handles (beyond it the std library is used).
const FAST_LIMIT: f64 = 131072.0;
/// Below this |r| (with q ≠ 0) the reduction error is not negligible: 2^-40.
pub(super) const TINY_R: f64 = 9.094947017729282e-13;

// fdlibm's k_sin.c coefficients.
const S1: f64 = -1.66666666666666324348e-01;
const S2: f64 = 8.33333333332248946124e-03;
const S3: f64 = -1.98412698298579493134e-04;
const S4: f64 = 2.75573137070700676789e-06;
const S5: f64 = -2.50507602534068634195e-08;
const S6: f64 = 1.58969099521155010221e-10;
// fdlibm's k_cos.c coefficients.
const C1: f64 = 4.16666666666666019037e-02;
const C2: f64 = -1.38888888888741095749e-03;
const C3: f64 = 2.48015872894767294178e-05;
const C4: f64 = -2.75573143513906633035e-07;
const C5: f64 = 2.08757232129817482790e-09;
const C6: f64 = -1.13596475577881948265e-11;
// fdlibm's k_tan.c coefficients: tan x ≈ x + x³·(T0 + T1·x² + ... + T12·x^24) on
// [0, 0.6744].
const T0: f64 = 3.33333333333334091986e-01;
const T1: f64 = 1.33333333333201242699e-01;
const T2: f64 = 5.39682539762260521377e-02;
const T3: f64 = 2.18694882948595424599e-02;
const T4: f64 = 8.86323982359930005737e-03;
const T5: f64 = 3.59207910759131235356e-03;
const T6: f64 = 1.45620945432529025516e-03;
const T7: f64 = 5.88041240820264096874e-04;
const T8: f64 = 2.46463134818469906812e-04;
const T9: f64 = 7.81794442939557092300e-05;
const T10: f64 = 7.14072491382608190305e-05;
const T11: f64 = -1.85586374855275456654e-05;
const T12: f64 = 2.59073051863633712884e-05;
/// The tail of π/4 (fdlibm's k_tan.c `pio4lo`; the head `pio4` is `FRAC_PI_4`).
const PIO4_LO: f64 = 3.06161699786838301793e-17;
/// From this |r| on (0.6744, fdlibm's high word 0x3FE59428), tan r is computed as
/// tan(π/4 - |r|) transformed.
const TAN_BIG: f64 = f64::from_bits(0x3FE5_9428_0000_0000);
const SIGN: u64 = 1 << 63;

/// The reduced argument of one value with |x| ≤ FAST_LIMIT.
struct Reduced {
    /// Bits of `ROUND_MAGIC + q`: the low bits hold the quadrant.
    quadrant: u64,
    /// Whether the reduction is not accurate enough (|r| < 2^-40 with q ≠ 0).
    tiny: bool,
    r: f64,
    rlo: f64,
}

#[inline(always)]
fn reduce(x: f64) -> Reduced {
    let t = x * FRAC_2_PI + ROUND_MAGIC;
    let q = t - ROUND_MAGIC;
    // Exact: q·PIO2_1 has at most 50 significant bits and is within a factor 2 of x.
    let a = x - q * PIO2_1;
    // q·PIO2_2 is exact; the subtraction is split exactly (Fast2Sum; where |a| < |w| the
    // difference is below 2^-12 and exact, and e = 0).
    let w = q * PIO2_2;
    let b = a - w;
    let e = (a - b) - w;
    let c = q * PIO2_3;
    let r = b - c;
    let rlo = ((b - r) - c) + e;
    Reduced {
        quadrant: t.to_bits(),
        tiny: r.abs() < TINY_R && q != 0.0,
        r,
        rlo,
    }
}

/// sin(r + rlo) for |r| ≤ π/4 (fdlibm's __kernel_sin with a tail).
#[inline(always)]
fn sin_kernel(r: f64, rlo: f64) -> f64 {
    let z = r * r;
    let v = z * r;
    let p = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    r - ((z * (0.5 * rlo - v * p) - rlo) - v * S1)
}

/// cos(r + rlo) for |r| ≤ π/4 (fdlibm's __kernel_cos with a tail).
#[inline(always)]
fn cos_kernel(r: f64, rlo: f64) -> f64 {
    let z = r * r;
    let p = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (z * p - r * rlo))
}

/// `a` where `mask` is all ones, `b` where it is zero.
#[inline(always)]
pub(super) fn select(mask: u64, a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// Whether `x` is out of the fast range (NaN, infinite, |x| > 2^17).
#[inline(always)]
pub(super) fn out_of_range(x: f64) -> bool {
    !(x.abs() <= FAST_LIMIT)
}

/// Fast sin (`shift` 0) or cos (`shift` 1).
#[inline(always)]
fn sincos_fast(x: f64, shift: u64) -> (f64, bool) {
    let red = reduce(x);
    let quadrant = red.quadrant.wrapping_add(shift);
    let s = sin_kernel(red.r, red.rlo);
    let c = cos_kernel(red.r, red.rlo);
    let odd = 0u64.wrapping_sub(quadrant & 1);
    let v = select(odd, c, s);
    let sign = (quadrant & 2) << 62;
    let slow = out_of_range(x) || red.tiny || (shift == 0 && x == 0.0);
    (f64::from_bits(v.to_bits() ^ sign), slow)
}

/// Fast `sin x`; asks for the slow path for NaN, `±∞`, `|x| > 2^17`, `±0` and arguments
/// within 2^-40 of a nonzero multiple of π/2.
#[inline(always)]
pub(super) fn sin_fast(x: f64) -> (f64, bool) {
    sincos_fast(x, 0)
}

/// Fast `cos x`; asks for the slow path for NaN, `±∞`, `|x| > 2^17` and arguments within
/// 2^-40 of a nonzero multiple of π/2.
#[inline(always)]
pub(super) fn cos_fast(x: f64) -> (f64, bool) {
    sincos_fast(x, 1)
}

/// `x` with the low 32 bits of its mantissa cleared (fdlibm's `SET_LOW_WORD(x, 0)`).
#[inline(always)]
fn trunc32(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0xffff_ffff_0000_0000)
}

/// fdlibm's __kernel_tan, branch-free: tan(x + y) (`odd` all zeros) or -1/tan(x + y) (`odd`
/// all ones) for |x| ≤ π/4. Both branches are evaluated, and one division serves both.
#[inline(always)]
fn tan_kernel(x: f64, y: f64, odd: u64) -> f64 {
    let big = x.abs() >= TAN_BIG;
    let sign = x.to_bits() & SIGN;
    // Big: tan(π/4 - |x|) on the reduced argument (exact subtraction, then the tails).
    let xa = f64::from_bits(x.to_bits() ^ sign);
    let ya = f64::from_bits(y.to_bits() ^ sign);
    let xb = (FRAC_PI_4 - xa) + (PIO4_LO - ya);
    let x = if big { xb } else { x };
    let y = if big { 0.0 } else { y };
    let z = x * x;
    let w = z * z;
    let r = T1 + w * (T3 + w * (T5 + w * (T7 + w * (T9 + w * T11))));
    let v = z * (T2 + w * (T4 + w * (T6 + w * (T8 + w * (T10 + w * T12)))));
    let s = z * x;
    let r = y + z * (s * (r + v) + y);
    let r = r + T0 * s;
    // tan(x + y) = w, with w = x + r.
    let w = x + r;
    // ±1 for tan / -1/tan.
    let iy = f64::from_bits(1.0f64.to_bits() | (odd & SIGN));
    let a = (if big { w * w } else { -1.0 }) / (if big { w + iy } else { w });
    // Big: tan(π/4 - u) = 1 - 2·tan u/(1 + tan u), and -1/tan(π/4 - u) likewise.
    let big_value = f64::from_bits((iy - 2.0 * (x - (a - r))).to_bits() ^ sign);
    // Small, odd: -1/(x + r) with a = -1/w refined using 32-bit parts of w and a.
    let wt = trunc32(w);
    let vt = r - (wt - x);
    let at = trunc32(a);
    let st = 1.0 + at * wt;
    let odd_value = at + a * (st + at * vt);
    if big {
        big_value
    } else {
        select(odd, odd_value, w)
    }
}

/// Fast `tan x`; the slow path as for [`sin_fast`].
#[inline(always)]
pub(super) fn tan_fast(x: f64) -> (f64, bool) {
    let red = reduce(x);
    // tan(r + qπ/2) = tan r for even q, -1/tan r for odd q.
    let odd = 0u64.wrapping_sub(red.quadrant & 1);
    let slow = out_of_range(x) || red.tiny || x == 0.0;
    (tan_kernel(red.r, red.rlo, odd), slow)
}

kernel!(Sin, sin_fast, f64::sin, fma: super::trig_fma::sin_fast_fma);
kernel!(Cos, cos_fast, f64::cos, fma: super::trig_fma::cos_fast_fma);
kernel!(Tan, tan_fast, f64::tan);

/// `out[i] = sin(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 2 ulp, at every level (the levels with fused multiply-add run a shorter fast
/// path whose last bits differ from the others' for some arguments; the worst errors found
/// are in the accuracy table of [`crate::math`]). The tests check 123 thousand random
/// arguments against the standard library at every level (at most 2 ulp apart; the levels
/// with fused multiply-add agree bit for bit, as do the others). `|x| > 2^17`, non-finite
/// arguments, `±0` and arguments within 2^-40 of a nonzero multiple of π/2 are computed by
/// the standard library.
///
/// ```
/// let x = [0.0, 1.0, -2.5, 1e22];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::sin(&x, &mut y);
/// for (a, b) in x.iter().zip(&y) {
///     assert!((a.sin() - b).abs() <= 2.0 * f64::EPSILON * a.sin().abs().max(f64::MIN_POSITIVE));
/// }
/// assert_eq!(y[3], 1e22f64.sin());
/// ```
pub fn sin(x: &[f64], out: &mut [f64]) {
    map_f64::<Sin>(x, out)
}

/// `out[i] = cos(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 2 ulp, at every level, with the same two groups of levels as [`sin`]; tested
/// as [`sin`] is. The slow path is as for [`sin`] (but `cos(±0)` is computed by the fast
/// path: exactly 1).
pub fn cos(x: &[f64], out: &mut [f64]) {
    map_f64::<Cos>(x, out)
}

/// `out[i] = tan(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 2 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 123 thousand random arguments against the standard library at every
/// level (at most 1 ulp apart, and the levels agree bit for bit). The slow path is as for [`sin`].
pub fn tan(x: &[f64], out: &mut [f64]) {
    map_f64::<Tan>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;
    use std::f64::consts::FRAC_PI_2;

    fn random(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let mut x: Vec<f64> = (0..n)
            .map(|i| {
                let scale = [1.0, 10.0, 1000.0, 1e5, 131072.0, 1e7][i % 6];
                rng.uniform(-scale, scale)
            })
            .collect();
        // Near multiples of π/2 (the reduction's hard cases) and huge arguments.
        for k in (1..83_000).step_by(97) {
            let m = k as f64 * FRAC_PI_2;
            x.extend([m, -m, m + 1e-9, m - 1e-12]);
        }
        x.extend([
            1e22,
            -1e22,
            1e300,
            2f64.powi(60),
            3.0e9,
            6381956970095103.0 * 2f64.powi(797),
        ]);
        x
    }

    #[test]
    fn sin_cos_accuracy() {
        let x = random(21, 120_000);
        check_f64_by("sin", sin, f64::sin, &x, 2, Agree::WithinFma);
        check_f64_by("cos", cos, f64::cos, &x, 2, Agree::WithinFma);
    }

    #[test]
    fn tan_accuracy() {
        let x = random(22, 120_000);
        check_f64("tan", tan, f64::tan, &x, 3);
    }

    #[test]
    fn special_values() {
        let mut x = specials();
        // Beyond 2^17, and within 2^-40 of nonzero multiples of π/2: the standard library.
        x.extend([131072.0000000001, -131073.0, 1e22, f64::MAX, f64::MIN]);
        x.extend([
            3.0 * FRAC_PI_2,
            -7.0 * FRAC_PI_2,
            100.0 * std::f64::consts::PI,
        ]);
        x.extend([1000.0 * FRAC_PI_2, 1001.0 * FRAC_PI_2]);
        check_exact_f64_by(sin, f64::sin, &x, Agree::WithinFma);
        check_exact_f64_by(cos, f64::cos, &x, Agree::WithinFma);
        check_exact_f64(tan, f64::tan, &x);
        let mut y = [1.0; 4];
        sin(&[-0.0, 0.0, 1e-310, -5e-324], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(y[1].to_bits(), 0);
        assert_eq!(y[2], 1e-310);
        assert_eq!(y[3], -5e-324);
        tan(&[-0.0, 0.0, 1e-310, -5e-324], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(y[1].to_bits(), 0);
        assert_eq!(y[2], 1e-310);
        assert_eq!(y[3], -5e-324);
        cos(&[-0.0, 0.0], &mut y);
        assert_eq!(&y[..2], &[1.0, 1.0]);
        let edges = [
            FRAC_PI_2,
            -FRAC_PI_2,
            std::f64::consts::PI,
            std::f64::consts::FRAC_PI_4,
            131072.0,
            -131072.0,
            f64::MIN_POSITIVE,
            1e-300,
        ];
        check_f64_by("sin", sin, f64::sin, &edges, 2, Agree::WithinFma);
        check_f64_by("cos", cos, f64::cos, &edges, 2, Agree::WithinFma);
        check_f64("tan", tan, f64::tan, &edges, 3);
    }

    #[test]
    fn lengths_and_offsets() {
        let x = random(23, 80);
        check_slicing(sin, &x);
        check_slicing(cos, &x);
        check_slicing(tan, &x);
    }
}
