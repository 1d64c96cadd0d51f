//! The `f32` functions, evaluated in `f64` in the same vectorized loop and rounded back.
//!
//! `exp_f32`, `sin_f32` and `cos_f32` have their own fast paths: `f64` arithmetic with
//! polynomials of lower degree, accurate to 2^-31 or better (minimax coefficients computed for
//! this module with a Remez exchange), which is plenty for an `f32` result and takes fewer
//! operations than the full `f64` path. The others use the `f64` fast paths as they are.
//! Either way the `f64` value is within 2^-31 (relative) of the exact one, so after rounding
//! the error is at most 0.5 + 2^-7 ulp of the `f32`. The slow path calls the `f64` standard
//! function and rounds.

use super::atan::{Acos, Asin, Atan};
use super::cbrt::Cbrt;
use super::exp::{pow2, Exp2, Expm1};
use super::hyper::{Acosh, Asinh, Atanh, Cosh, Sinh};
use super::log::{Ln, Log1p};
use super::log::{Log10, Log2};
use super::tanh::Tanh;
use super::trig::{out_of_range, select, Tan, PIO2_1, TINY_R};
use super::{kernel, map_f32, ROUND_MAGIC};
use std::f64::consts::{FRAC_2_PI, LN_2, LOG2_E};

// Minimax coefficients of (e^r - 1 - r)/r² on [-0.3467, 0.3467], degree 5 (relative error
// 2^-28.5, so 2^-31 on e^r).
const E0: f64 = 0.5000000013408816;
const E1: f64 = 0.16666666532073876;
const E2: f64 = 0.04166646523408657;
const E3: f64 = 0.008333360754189893;
const E4: f64 = 0.0013933630223076563;
const E5: f64 = 0.00019857811751544;

/// `e^x` for `f32` arguments; only NaN takes the slow path. `x` is clamped to
/// `[-110, 90]`, beyond which the `f32` result is 0 or `inf` (e^-110 < 2^-150, e^90 > 2^128).
#[inline(always)]
fn exp_f32_fast(x: f64) -> (f64, bool) {
    let x1 = if x > 90.0 { 90.0 } else { x };
    let x1 = if x1 < -110.0 { -110.0 } else { x1 };
    let t = x1 * LOG2_E + ROUND_MAGIC;
    let k = t - ROUND_MAGIC;
    // |k| ≤ 159: the rounding of k·ln2 is below 2^-46, far below an f32 ulp.
    let r = x1 - k * LN_2;
    let p = E3 + r * (E4 + r * E5);
    let p = E0 + r * (E1 + r * (E2 + r * p));
    let y = 1.0 + (r + (r * r) * p);
    (y * pow2(t.to_bits()), x.is_nan())
}

/// π/2 - PIO2_1 rounded to 53 bits (fdlibm's e_rem_pio2.c `pio2_1t`).
const PIO2_1T: f64 = 6.07710050650619224932e-11;
// Minimax coefficients of (sin r - r)/r³ in z = r² on [0, (π/4)²] (relative error 2^-32.4).
const S0: f64 = -0.1666666666381726;
const S1: f64 = 0.008333331863658805;
const S2: f64 = -0.0001984008196772674;
const S3: f64 = 2.7249411175104707e-06;
// Minimax coefficients of (cos r - 1 + z/2)/z² in z = r² on [0, (π/4)²] (relative error
// 2^-34).
const C0: f64 = 0.041666666664301015;
const C1: f64 = -0.0013888887666142471;
const C2: f64 = 2.480059784141435e-05;
const C3: f64 = -2.73006853938694e-07;

/// sin (`shift` 0) or cos (`shift` 1) for `f32` arguments. The two-part reduction is within
/// about 2^-70 of the exact one for |x| ≤ 2^17; the slow path is as for the `f64` functions.
#[inline(always)]
fn sincos_f32_fast(x: f64, shift: u64) -> (f64, bool) {
    let t = x * FRAC_2_PI + ROUND_MAGIC;
    let q = t - ROUND_MAGIC;
    let r = (x - q * PIO2_1) - q * PIO2_1T;
    let z = r * r;
    let s = r + (r * z) * (S0 + z * (S1 + z * (S2 + z * S3)));
    let c = (1.0 - 0.5 * z) + (z * z) * (C0 + z * (C1 + z * (C2 + z * C3)));
    let quadrant = t.to_bits().wrapping_add(shift);
    let v = select(0u64.wrapping_sub(quadrant & 1), c, s);
    let sign = (quadrant & 2) << 62;
    let tiny = r.abs() < TINY_R && q != 0.0;
    let slow = out_of_range(x) || tiny || (shift == 0 && x == 0.0);
    (f64::from_bits(v.to_bits() ^ sign), slow)
}

#[inline(always)]
fn sin_f32_fast(x: f64) -> (f64, bool) {
    sincos_f32_fast(x, 0)
}

#[inline(always)]
fn cos_f32_fast(x: f64) -> (f64, bool) {
    sincos_f32_fast(x, 1)
}

kernel!(ExpF32, exp_f32_fast, f64::exp);
kernel!(SinF32, sin_f32_fast, f64::sin);
kernel!(CosF32, cos_f32_fast, f64::cos);

/// `out[i] = e^x[i]` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart). Overflow gives `inf`
/// and results below the normal range are rounded to subnormals or zero.
pub fn exp_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<ExpF32>(x, out)
}

/// `out[i] = 2^x[i]` in `f32`, through the `f64` fast path of [`exp2`](super::exp2).
pub fn exp2_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Exp2>(x, out)
}

/// `out[i] = ∛x[i]` in `f32`, through the `f64` fast path of [`cbrt`](super::cbrt).
pub fn cbrt_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Cbrt>(x, out)
}

/// `out[i] = sinh(x[i])` in `f32`, through the `f64` fast path of [`sinh`](super::sinh).
pub fn sinh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Sinh>(x, out)
}

/// `out[i] = cosh(x[i])` in `f32`, through the `f64` fast path of [`cosh`](super::cosh).
pub fn cosh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Cosh>(x, out)
}

/// `out[i] = asinh(x[i])` in `f32`, through the `f64` fast path of [`asinh`](super::asinh).
pub fn asinh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Asinh>(x, out)
}

/// `out[i] = acosh(x[i])` in `f32`, through the `f64` fast path of [`acosh`](super::acosh).
pub fn acosh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Acosh>(x, out)
}

/// `out[i] = atanh(x[i])` in `f32`, through the `f64` fast path of [`atanh`](super::atanh).
pub fn atanh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Atanh>(x, out)
}

/// `out[i] = atan(x[i])` in `f32`, through the `f64` fast path of [`atan`](super::atan).
pub fn atan_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Atan>(x, out)
}

/// `out[i] = asin(x[i])` in `f32`, through the `f64` fast path of [`asin`](super::asin).
pub fn asin_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Asin>(x, out)
}

/// `out[i] = acos(x[i])` in `f32`, through the `f64` fast path of [`acos`](super::acos).
pub fn acos_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Acos>(x, out)
}

/// `out[i] = ln(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart).
pub fn ln_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Ln>(x, out)
}

/// `out[i] = log2(x[i])` in `f32`, through the `f64` fast path of [`log2`](super::log2).
pub fn log2_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Log2>(x, out)
}

/// `out[i] = log10(x[i])` in `f32`, through the `f64` fast path of [`log10`](super::log10).
pub fn log10_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Log10>(x, out)
}

/// `out[i] = ln(1 + x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart).
pub fn log1p_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Log1p>(x, out)
}

/// `out[i] = e^x[i] - 1` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart).
pub fn expm1_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Expm1>(x, out)
}

/// `out[i] = sin(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart). `|x| > 2^17` is
/// reduced exactly by the standard library.
pub fn sin_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<SinF32>(x, out)
}

/// `out[i] = cos(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart). `|x| > 2^17` is
/// reduced exactly by the standard library.
pub fn cos_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<CosF32>(x, out)
}

/// `out[i] = tan(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart). `|x| > 2^17` is
/// reduced exactly by the standard library.
pub fn tan_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Tan>(x, out)
}

/// `out[i] = tanh(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 300 thousand random arguments against the `f64` standard
/// library rounded to `f32` at every level (at most 1 ulp apart).
pub fn tanh_f32(x: &[f32], out: &mut [f32]) {
    map_f32::<Tanh>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    type Kernel = fn(&[f32], &mut [f32]);
    /// A function, its `f64` reference and its argument ranges.
    type Case = (&'static str, Kernel, fn(f64) -> f64, Vec<(f64, f64, bool)>);

    /// Every function with its reference and the argument ranges it is tested on (each
    /// `(lo, hi, log)`: uniform, or log-uniform magnitude of either sign in `[2^lo, 2^hi)`).
    fn cases() -> Vec<Case> {
        vec![
            (
                "exp",
                exp_f32 as Kernel,
                f64::exp as fn(f64) -> f64,
                vec![
                    (-1.0, 1.0, false),
                    (-104.0, 89.0, false),
                    (-30.0, 4.0, true),
                ],
            ),
            (
                "exp2",
                exp2_f32,
                f64::exp2,
                vec![
                    (-1.0, 1.0, false),
                    (-150.0, 128.0, false),
                    (-30.0, 7.0, true),
                ],
            ),
            (
                "cbrt",
                cbrt_f32,
                f64::cbrt,
                vec![
                    (-10.0, 10.0, false),
                    (-149.0, 128.0, true),
                    (-1e6, 1e6, false),
                ],
            ),
            (
                "sinh",
                sinh_f32,
                f64::sinh,
                vec![(-1.0, 1.0, false), (-89.0, 89.0, false), (-40.0, 5.0, true)],
            ),
            (
                "cosh",
                cosh_f32,
                f64::cosh,
                vec![(-1.0, 1.0, false), (-89.0, 89.0, false), (-40.0, 5.0, true)],
            ),
            (
                "asinh",
                asinh_f32,
                f64::asinh,
                vec![
                    (-1.0, 1.0, false),
                    (-100.0, 100.0, false),
                    (-140.0, 128.0, true),
                ],
            ),
            (
                "acosh",
                acosh_f32,
                f64::acosh,
                vec![(1.0, 2.0, false), (1.0, 1000.0, false), (0.0, 128.0, true)],
            ),
            (
                "atanh",
                atanh_f32,
                f64::atanh,
                vec![
                    (-1.0, 1.0, false),
                    (-0.9999, -0.99, false),
                    (-140.0, 0.0, true),
                ],
            ),
            (
                "atan",
                atan_f32,
                f64::atan,
                vec![
                    (-3.0, 3.0, false),
                    (-1e4, 1e4, false),
                    (-140.0, 128.0, true),
                ],
            ),
            (
                "asin",
                asin_f32,
                f64::asin,
                vec![(-1.0, 1.0, false), (0.99, 1.0, false), (-140.0, 0.0, true)],
            ),
            (
                "acos",
                acos_f32,
                f64::acos,
                vec![
                    (-1.0, 1.0, false),
                    (-1.0, -0.99, false),
                    (-140.0, 0.0, true),
                ],
            ),
            (
                "ln",
                ln_f32,
                f64::ln,
                vec![(0.5, 2.0, false), (-149.0, 128.0, true), (0.0, 1e6, false)],
            ),
            (
                "log2",
                log2_f32,
                f64::log2,
                vec![(0.5, 2.0, false), (-149.0, 128.0, true), (0.0, 1e6, false)],
            ),
            (
                "log10",
                log10_f32,
                f64::log10,
                vec![(0.5, 2.0, false), (-149.0, 128.0, true), (0.0, 1e6, false)],
            ),
            (
                "log1p",
                log1p_f32,
                f64::ln_1p,
                vec![(-1.0, 1.0, false), (-40.0, 128.0, true), (-1.0, 1e4, false)],
            ),
            (
                "expm1",
                expm1_f32,
                f64::exp_m1,
                vec![
                    (-1.0, 1.0, false),
                    (-110.0, 89.0, false),
                    (-40.0, 4.0, true),
                ],
            ),
            (
                "sin",
                sin_f32,
                f64::sin,
                vec![
                    (-10.0, 10.0, false),
                    (-1e5, 1e5, false),
                    (-40.0, 100.0, true),
                ],
            ),
            (
                "cos",
                cos_f32,
                f64::cos,
                vec![
                    (-10.0, 10.0, false),
                    (-1e5, 1e5, false),
                    (-40.0, 100.0, true),
                ],
            ),
            (
                "tan",
                tan_f32,
                f64::tan,
                vec![
                    (-10.0, 10.0, false),
                    (-1e5, 1e5, false),
                    (-40.0, 100.0, true),
                ],
            ),
            (
                "tanh",
                tanh_f32,
                f64::tanh,
                vec![(-1.0, 1.0, false), (-12.0, 12.0, false), (-40.0, 5.0, true)],
            ),
        ]
    }

    fn arguments(seed: u64, ranges: &[(f64, f64, bool)], n: usize) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|i| {
                let (lo, hi, log) = ranges[i % ranges.len()];
                let v = if log {
                    let m = rng.log_uniform(lo, hi);
                    if rng.unit() < 0.5 {
                        m
                    } else {
                        -m
                    }
                } else {
                    rng.uniform(lo, hi)
                };
                v as f32
            })
            .collect()
    }

    #[test]
    fn accuracy() {
        for (i, (name, f, reference, ranges)) in cases().into_iter().enumerate() {
            let x = arguments(40 + i as u64, &ranges, 300_000);
            check_f32(name, f, reference, &x);
        }
    }

    #[test]
    fn special_values_and_slicing() {
        let mut x: Vec<f32> = vec![
            0.0,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            1e-40,
            -1e-40,
            1.0,
            -1.0,
            88.72283,
            88.72284,
            89.0,
            -87.33654,
            -103.97208,
            -103.97209,
            -104.0,
            -200.0,
            131072.0,
            131073.0,
            1e20,
            -3.0e38,
        ];
        let mut rng = Rng::new(49);
        x.extend((0..80).map(|_| rng.uniform(-3.0, 3.0) as f32));
        for (name, f, reference, _) in cases() {
            check_f32(name, f, reference, &x);
            check_slicing_f32(f, &x);
            let nonfinite = [
                0.0f32,
                -0.0,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                1e-45,
            ];
            check_exact_f32(f, reference, &nonfinite);
        }
        let mut y = [0.0f32; 3];
        for f in [sin_f32 as Kernel, tan_f32, tanh_f32, expm1_f32, log1p_f32] {
            f(&[-0.0, 0.0, -1e-45], &mut y);
            assert_eq!(y[0].to_bits(), (-0.0f32).to_bits());
            assert_eq!(y[1].to_bits(), 0);
            assert_eq!(y[2], -1e-45);
        }
        exp_f32(&[100.0, -110.0, -90.0], &mut y);
        assert_eq!(y[0], f32::INFINITY);
        assert_eq!(y[1], 0.0);
        assert_eq!(y[2], (-90f64).exp() as f32);
    }
}
