//! `sinh`, `cosh`, `asinh`, `acosh` and `atanh`.
//!
//! `sinh` and `cosh` come from the `expm1` kernel kept as a double-double `t = e^|x| - 1`:
//! `sinh|x| = (t + t/(1+t))/2` (two positive terms: no cancellation near 0) and
//! `cosh x = (E + 1/E)/2` with `E = 1 + t`; each quotient is corrected with its exact
//! remainder (Dekker's product), and the halves are summed in double-double. Above
//! `|x| = 22` both are `e^|x|/2` from the `exp` kernel, scaled so that results up to the
//! overflow threshold (`|x| ≈ 710.48`) stay in the fast path.
//!
//! The inverse functions are logarithms of arguments formed in double-double:
//! `asinh|x| = ln(1 + u)` with `u = |x| + (√(x²+1) - 1)`, `acosh x = ln(x + √(x²-1))`,
//! `atanh|x| = ln(1 + u)/2` with `u = 2|x|/(1-|x|)`, with `x²` as an exact product, the
//! square root corrected to first order and the quotient corrected with its remainder.
//! [`ln_dd`] takes the logarithm of `vh + vl`: `vh` is reduced as in `ln` and
//! `ln(1 + vl/vh) = vl/vh` is added; [`ln1p_dd`] takes `ln(1 + uh + ul)` without rounding
//! `1 + uh` where `uh` is small (so tiny arguments keep every bit). Beyond `2^28`,
//! `asinh` and `acosh` are `ln(2|x|)` (the dropped term is below 2^-58 relative).

use super::dd::{fast_two_sum, sqrt_dd, two_prod, two_sum};
use super::exp::{exp_reduced, expm1_core, pow2, reduce as exp_reduce};
use super::log::{ln1p_split, reduce, LN2_HI, LN2_LO};
use super::{kernel, map_f64};

/// `ln(vh + vl) + kadd·ln2` for a positive normal `vh`, `|vl| ≤ 2^-50·vh` and an integer
/// `kadd` (0 or 1).
#[inline(always)]
pub(super) fn ln_dd(vh: f64, vl: f64, kadd: f64) -> f64 {
    let (k, f) = reduce(vh);
    let k = k + kadd;
    let (hi, lo) = ln1p_split(f);
    // k·LN2_HI is exact; Fast2Sum holds: |k·LN2_HI| ≥ ln2 > |hi| unless k = 0.
    let (s, e) = fast_two_sum(k * LN2_HI, hi);
    s + (e + (lo + (k * LN2_LO + vl / vh)))
}

/// `ln(1 + uh + ul)` for `1 + uh` positive and normal, `|ul| ≤ 2^-50·|uh|`. Where `1 + uh` is
/// in `[√2/2, √2)`, `uh` itself is the reduced argument (so `1 + uh` is never rounded and a
/// tiny `uh` keeps all its bits); elsewhere `1 + uh` is formed as a double-double and reduced.
#[inline(always)]
pub(super) fn ln1p_dd(uh: f64, ul: f64) -> f64 {
    let (vh, ve) = two_sum(1.0, uh);
    let (k, fr) = reduce(vh);
    let near = k == 0.0;
    let f = if near { uh } else { fr };
    let c = if near {
        ul / (1.0 + uh)
    } else {
        (ve + ul) / vh
    };
    let (hi, lo) = ln1p_split(f);
    let (s, e) = fast_two_sum(k * LN2_HI, hi);
    s + (e + (lo + (k * LN2_LO + c)))
}

/// Above this, `sinh|x|` and `cosh x` are `e^|x|/2` (the other term is below 2^-63 of it).
const HYP_LARGE: f64 = 22.0;
/// `|x|` is clamped here: `e^711/2` overflows, as the result does.
const HYP_CLAMP: f64 = 711.0;
/// Beyond this, `√(x² ± 1) = |x|` to 2^-57 and `x²` could overflow.
const TWO28: f64 = 268435456.0;

/// `e^a/2` for `22 ≤ a ≤ 711`, overflowing to `+∞` exactly when the result does: the `exp`
/// kernel's reduction and polynomial, scaled by `2^(k-2)` and then by 2 (so that `2^(k-2)` is
/// a normal double up to `k = 1025`).
#[inline(always)]
fn half_exp(a: f64) -> f64 {
    let (kbits, r, rlo) = exp_reduce(a);
    (exp_reduced(r, rlo) * pow2(kbits.wrapping_sub(2))) * 2.0
}

/// Fast `sinh x`; asks for the slow path for NaN only.
#[inline(always)]
pub(super) fn sinh_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let large = a > HYP_LARGE;
    let small = if large { HYP_LARGE } else { a };
    let (th, tl) = expm1_core(small);
    // q = t/(1 + t), with its remainder computed exactly (1 + t ≤ e^22 < 2^32).
    let (dh, de) = two_sum(1.0, th);
    let dl = de + tl;
    let q = th / dh;
    let (p, pe) = two_prod(q, dh);
    let ql = (((th - p) - pe) + (tl - q * dl)) / dh;
    // (t + q)/2 in double-double, halved exactly.
    let (s, se) = fast_two_sum(th, q);
    let ys = 0.5 * (s + (se + (tl + ql)));
    let yl = half_exp(if a > HYP_CLAMP { HYP_CLAMP } else { a });
    ((if large { yl } else { ys }).copysign(x), x.is_nan())
}

/// Fast `cosh x`; asks for the slow path for NaN only.
#[inline(always)]
pub(super) fn cosh_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let large = a > HYP_LARGE;
    let small = if large { HYP_LARGE } else { a };
    let (th, tl) = expm1_core(small);
    let (eh, ee) = two_sum(1.0, th);
    let el = ee + tl;
    // 1/E = q + ql, with the remainder 1 - q·E computed exactly (1 - p is exact).
    let q = 1.0 / eh;
    let (p, pe) = two_prod(q, eh);
    let ql = (((1.0 - p) - pe) - q * el) * q;
    let (s, se) = fast_two_sum(eh, q);
    let ys = 0.5 * (s + (se + (el + ql)));
    let yl = half_exp(if a > HYP_CLAMP { HYP_CLAMP } else { a });
    (if large { yl } else { ys }, x.is_nan())
}

/// Fast `asinh x`; asks for the slow path for NaN and `±∞`.
#[inline(always)]
pub(super) fn asinh_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let big = a > TWO28;
    let ab = if big { 0.0 } else { a };
    // 1 + a² = sh + sl, then √ of it as r + rc, then u = a + (r - 1) + rc = uh + ul, and
    // asinh a = ln(1 + u).
    let (p, pe) = two_prod(ab, ab);
    let (sh, se) = two_sum(1.0, p);
    let (sh, sl) = fast_two_sum(sh, se + pe);
    let (r, rc) = sqrt_dd(sh, sl);
    let (s1, e1) = two_sum(r, -1.0);
    let (uh, e2) = two_sum(ab, s1);
    let (uh, ul) = fast_two_sum(uh, (e1 + e2) + rc);
    let y = ln1p_dd(uh, ul);
    // Beyond 2^28: ln(2a) = ln(a) + ln2.
    let yb = ln_dd(a, 0.0, 1.0);
    ((if big { yb } else { y }).copysign(x), !(a <= f64::MAX))
}

/// Fast `acosh x`; asks for the slow path for NaN, `x ≤ 1` and `+∞`.
#[inline(always)]
pub(super) fn acosh_fast(x: f64) -> (f64, bool) {
    let big = x > TWO28;
    // Arguments that take another path (or the slow one) are replaced by 2.
    let xb = if big || !(x > 1.0) { 2.0 } else { x };
    // x² - 1 = dh + dl exactly enough (x² - 1 ≥ 2^-51), renormalized for the square root.
    let (p, pe) = two_prod(xb, xb);
    let (dh, de) = fast_two_sum(p, -1.0);
    let (dh, dl) = fast_two_sum(dh, de + pe);
    let (r, rc) = sqrt_dd(dh, dl);
    let (vh, ve) = fast_two_sum(xb, r);
    let vl = ve + rc;
    let (vh, vl, kadd) = if big { (x, 0.0, 1.0) } else { (vh, vl, 0.0) };
    (ln_dd(vh, vl, kadd), !(x > 1.0 && x <= f64::MAX))
}

/// Fast `atanh x`; asks for the slow path for NaN and `|x| ≥ 1`.
#[inline(always)]
pub(super) fn atanh_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let slow = !(a < 1.0);
    let a = if slow { 0.5 } else { a };
    // u = 2a/(1 - a) = uh + ul (1 - a exact as a double-double, the quotient corrected with
    // its exact remainder), and atanh a = ln(1 + u)/2.
    let (dh, dl) = fast_two_sum(1.0, -a);
    let n = 2.0 * a;
    let uh = n / dh;
    let (p, pe) = two_prod(uh, dh);
    let ul = (((n - p) - pe) - uh * dl) / dh;
    (0.5 * ln1p_dd(uh, ul).copysign(x), slow)
}

kernel!(Sinh, sinh_fast, f64::sinh);
kernel!(Cosh, cosh_fast, f64::cosh);
kernel!(Asinh, asinh_fast, f64::asinh);
kernel!(Acosh, acosh_fast, f64::acosh);
kernel!(Atanh, atanh_fast, f64::atanh);

/// `out[i] = sinh(x[i])` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the platform's `sinh` at every
/// level. `sinh(±0) = ±0`, `sinh(±∞) = ±∞`, overflow gives `±∞`; only NaN takes the slow
/// path.
///
/// ```
/// let x = [0.0, 1.0, -2.0, 1000.0];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::sinh(&x, &mut y);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 1f64.sinh()).abs() <= 2.0 * f64::EPSILON);
/// assert!((y[2] - (-2f64).sinh()).abs() <= 8.0 * f64::EPSILON);
/// assert_eq!(y[3], f64::INFINITY);
/// ```
pub fn sinh(x: &[f64], out: &mut [f64]) {
    map_f64::<Sinh>(x, out)
}

/// `out[i] = cosh(x[i])` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`sinh`] for the tests); overflow and `±∞` give `+∞`; only NaN takes the
/// slow path.
pub fn cosh(x: &[f64], out: &mut [f64]) {
    map_f64::<Cosh>(x, out)
}

/// `out[i] = asinh(x[i])` (NumPy's `arcsinh`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against `libm`'s `asinh` at every level.
/// `asinh(±0) = ±0`; NaN and infinities are computed by the standard library.
pub fn asinh(x: &[f64], out: &mut [f64]) {
    map_f64::<Asinh>(x, out)
}

/// `out[i] = acosh(x[i])` (NumPy's `arccosh`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`asinh`] for the tests); `x ≤ 1` (NaN below 1, `acosh(1) = 0`), NaN and
/// `+∞` are computed by the standard library.
pub fn acosh(x: &[f64], out: &mut [f64]) {
    map_f64::<Acosh>(x, out)
}

/// `out[i] = atanh(x[i])` (NumPy's `arctanh`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`asinh`] for the tests); `atanh(±0) = ±0`; `|x| ≥ 1` (±∞ at ±1, NaN
/// beyond) and NaN are computed by the standard library.
///
/// ```
/// let x = [0.5, -0.5, 1.0, 2.0];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::atanh(&x, &mut y);
/// assert!((y[0] - 0.5493061443340549).abs() <= f64::EPSILON);
/// assert_eq!(y[1], -y[0]);
/// assert_eq!(y[2], f64::INFINITY);
/// assert!(y[3].is_nan());
/// ```
pub fn atanh(x: &[f64], out: &mut [f64]) {
    map_f64::<Atanh>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    /// Random arguments: for each `(lo, hi, log)`, uniform in `[lo, hi)`, or of log-uniform
    /// magnitude in `[2^lo, 2^hi)` with a random sign.
    fn args(seed: u64, ranges: &[(f64, f64, bool)], n: usize) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|i| {
                let (lo, hi, log) = ranges[i % ranges.len()];
                if log {
                    let m = rng.log_uniform(lo, hi);
                    if rng.unit() < 0.5 {
                        m
                    } else {
                        -m
                    }
                } else {
                    rng.uniform(lo, hi)
                }
            })
            .collect()
    }

    #[test]
    fn sinh_cosh_accuracy() {
        let ranges = [
            (-1.0, 1.0, false),
            (-25.0, 25.0, false),
            (-710.4, 710.4, false),
            (-60.0, 3.0, true),
        ];
        let x = args(71, &ranges, 150_000);
        check_f64("sinh", sinh, f64::sinh, &x, 2);
        let x = args(72, &ranges, 150_000);
        check_f64("cosh", cosh, f64::cosh, &x, 2);
    }

    #[test]
    fn inverse_accuracy() {
        let x = args(
            73,
            &[
                (-1.0, 1.0, false),
                (-40.0, 40.0, false),
                (-1000.0, 1020.0, true),
            ],
            150_000,
        );
        check_f64("asinh", asinh, libm::asinh, &x, 2);
        let x: Vec<f64> = args(
            74,
            &[(1.0, 3.0, false), (-50.0, 3.0, true), (0.0, 1023.0, true)],
            150_000,
        )
        .into_iter()
        .enumerate()
        .map(|(i, v)| if i % 3 == 1 { 1.0 + v.abs() } else { v.abs() })
        .collect();
        check_f64("acosh", acosh, libm::acosh, &x, 2);
        let x = args(
            75,
            &[
                (-1.0, 1.0, false),
                (-0.999, -0.9, false),
                (-1000.0, 0.0, true),
            ],
            150_000,
        );
        check_f64("atanh", atanh, libm::atanh, &x, 2);
    }

    #[test]
    fn special_values() {
        let mut x = specials();
        x.extend([710.5, -711.0, 1e300, -1e300, f64::MAX]);
        check_exact_f64(sinh, f64::sinh, &x);
        check_exact_f64(cosh, f64::cosh, &x);
        let top = [
            708.0000000000001,
            -708.0000000000001,
            709.0,
            710.0,
            -710.4758600739439,
            710.475860073944,
            21.999999999999996,
            22.000000000000004,
        ];
        check_f64("sinh", sinh, f64::sinh, &top, 2);
        check_f64("cosh", cosh, f64::cosh, &top, 2);
        check_exact_f64(asinh, f64::asinh, &specials());
        let mut x = specials();
        x.extend([1.0, 1.0 - f64::EPSILON / 2.0, 0.5, -1.0, -2.0, -1e300]);
        check_exact_f64(acosh, f64::acosh, &x);
        let mut x = specials();
        x.extend([1.0, -1.0, 1.0 + f64::EPSILON, -2.0, 1e300]);
        check_exact_f64(atanh, f64::atanh, &x);
        // Odd functions keep the sign of zero and tiny arguments are returned as they are.
        let tiny = [-0.0, 0.0, -5e-324, 1e-310, -1e-200, 1e-20];
        for f in [sinh as fn(&[f64], &mut [f64]), asinh, atanh] {
            let mut y = [1.0; 6];
            f(&tiny, &mut y);
            for (a, b) in tiny.iter().zip(&y) {
                assert_eq!(a.to_bits(), b.to_bits(), "{a:e}");
            }
        }
        // Around 2^-52, where 1 + x rounds: the result is x itself (x³/3 is far below its ulp).
        let mut rng = Rng::new(77);
        let near: Vec<f64> = (0..20_000)
            .map(|i| {
                let v = rng.log_uniform(-56.0, -48.0);
                if i % 2 == 0 {
                    v
                } else {
                    -v
                }
            })
            .collect();
        for f in [asinh as fn(&[f64], &mut [f64]), atanh, sinh] {
            check_exact_f64(f, |v| v, &near);
        }
        let mut y = [0.0; 2];
        cosh(&[-0.0, 1e-300], &mut y);
        assert_eq!(y, [1.0, 1.0]);
        let edges = [
            f64::EPSILON,
            -f64::EPSILON,
            1e-8,
            0.5,
            -0.5,
            22.0,
            707.9,
            -708.0,
            268435456.0,
            268435456.00000006,
            f64::MAX,
            -f64::MAX,
        ];
        check_f64("sinh", sinh, f64::sinh, &edges[..8], 2);
        check_f64("cosh", cosh, f64::cosh, &edges[..8], 2);
        check_f64("asinh", asinh, libm::asinh, &edges, 2);
        let near1 = [
            1.0 + f64::EPSILON,
            1.0 + 2.0 * f64::EPSILON,
            1.0 + 1e-10,
            1.5,
            268435456.0,
            268435456.00000006,
            f64::MAX,
        ];
        check_f64("acosh", acosh, libm::acosh, &near1, 2);
        let near_one = [
            1.0 - f64::EPSILON / 2.0,
            -(1.0 - f64::EPSILON / 2.0),
            1.0 - f64::EPSILON,
            0.999999,
            f64::MIN_POSITIVE,
        ];
        check_f64("atanh", atanh, libm::atanh, &near_one, 2);
    }

    #[test]
    fn lengths_and_offsets() {
        let mut rng = Rng::new(76);
        let x: Vec<f64> = (0..80).map(|_| rng.uniform(-3.0, 3.0)).collect();
        check_slicing(sinh, &x);
        check_slicing(cosh, &x);
        check_slicing(asinh, &x);
        check_slicing(acosh, &x);
        check_slicing(atanh, &x);
    }
}
