//! `exp` and `expm1`.
//!
//! Both reduce `x = k·ln2 + r` with `|r| ≤ ln2/2` (Cody–Waite, with fdlibm's two-part ln2) and
//! evaluate `e^r - 1 - r = r²·P(r)` with one degree-10 minimax polynomial (relative error
//! 2^-58.3 on `[-0.3467, 0.3467]`, computed for this module with a Remez exchange). The
//! leading terms are added with error compensation, so no division is needed.

use super::{kernel, map_f64, ROUND_MAGIC};
use std::f64::consts::LOG2_E;

/// ln2 in two parts (fdlibm's e_exp.c `ln2HI[0]`, `ln2LO[0]`): the high part has 32
/// significant bits, so `k·LN2_HI` is exact for `|k| < 2^21`.
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

// Minimax coefficients of (e^r - 1 - r)/r² on [-0.3467, 0.3467], degree 10.
const E0: f64 = 0.5;
const E1: f64 = 0.1666666666666667;
const E2: f64 = 0.041666666666666616;
const E3: f64 = 0.008333333333326146;
const E4: f64 = 0.0013888888888918041;
const E5: f64 = 0.00019841269874794072;
const E6: f64 = 2.4801587245622568e-05;
const E7: f64 = 2.755725542121823e-06;
const E8: f64 = 2.755734966172299e-07;
const E9: f64 = 2.5105212361916562e-08;
const E10: f64 = 2.088938378312588e-09;

/// Largest `|x|` the fast `exp` handles: beyond it the result may be subnormal or overflow,
/// or `2^k` may not be a normal double.
const EXP_LIMIT: f64 = 708.0;
/// Largest `x` the fast `expm1` handles (keeps `k ≤ 1023`).
const EXPM1_HI: f64 = 709.0;
/// Below this, `expm1(x)` rounds to -1 (e^-40 < 2^-54); the fast path clamps there.
const EXPM1_LO: f64 = -40.0;

/// The reduction `x = k·ln2 + r + rlo`, for `|x| < 2^21·ln2`. Returns the bits of
/// `ROUND_MAGIC + k` (whose low 12 bits are `k` modulo 4096), `r` and the correction `rlo`
/// (the rounding error of `r`, up to 2^-75 absolute).
#[inline(always)]
pub(super) fn reduce(x: f64) -> (u64, f64, f64) {
    let t = x * LOG2_E + ROUND_MAGIC;
    let k = t - ROUND_MAGIC;
    // Exact: k·LN2_HI has at most 43 significant bits and is within a factor 2 of x.
    let hi = x - k * LN2_HI;
    let lo = k * LN2_LO;
    let r = hi - lo;
    let rlo = (hi - r) - lo;
    (t.to_bits(), r, rlo)
}

/// `2^k` from the bits returned by [`reduce`], for `-1022 ≤ k ≤ 1023`.
#[inline(always)]
pub(super) fn pow2(kbits: u64) -> f64 {
    f64::from_bits(kbits.wrapping_add(1023) << 52)
}

/// `e^r - 1 - r` for `|r| ≤ 0.3467`.
#[inline(always)]
fn tail(r: f64) -> f64 {
    let p = E8 + r * (E9 + r * E10);
    let p = E4 + r * (E5 + r * (E6 + r * (E7 + r * p)));
    let p = E0 + r * (E1 + r * (E2 + r * (E3 + r * p)));
    (r * r) * p
}

/// `e^(r + rlo)` for `|r| ≤ 0.3467` and a correction `|rlo| ≤ 2^-50·|r|`.
#[inline(always)]
pub(super) fn exp_reduced(r: f64, rlo: f64) -> f64 {
    let t = tail(r);
    // e^(r + rlo) = 1 + r + t + rlo·(1 + r) + O(2^-110); 1 + r is split exactly.
    let s = 1.0 + r;
    let e = (1.0 - s) + r;
    s + (e + (t + rlo * s))
}

/// Fast `e^x`; asks for the slow path for NaN and `|x| > 708`.
#[inline(always)]
pub(super) fn exp_fast(x: f64) -> (f64, bool) {
    let (kbits, r, rlo) = reduce(x);
    (exp_reduced(r, rlo) * pow2(kbits), !(x.abs() <= EXP_LIMIT))
}

/// Largest `|x|` the fast `exp2` handles: `2^x` and `2^k` stay normal.
const EXP2_LIMIT: f64 = 1022.0;

/// Fast `2^x`; asks for the slow path for NaN and `|x| > 1022`.
///
/// `x = k + r` with `k` the nearest integer (`r` exact, `|r| ≤ 1/2`), then
/// `2^r = e^(r·ln2)`: `r` is cut into a 21-bit head and a tail, so that the head times
/// `LN2_HI` (32 bits) is exact, and `r·ln2` is kept as `u + ulo` for the `exp` polynomial.
/// Integers give exact powers of two.
#[inline(always)]
pub(super) fn exp2_fast(x: f64) -> (f64, bool) {
    let t = x + ROUND_MAGIC;
    let k = t - ROUND_MAGIC;
    let r = x - k;
    let rh = f64::from_bits(r.to_bits() & 0xffff_ffff_0000_0000);
    let rl = r - rh;
    let hi = rh * LN2_HI;
    let lo = rl * LN2_HI + r * LN2_LO;
    // Fast2Sum: |hi| ≥ |lo| (lo is below 2^-20·|hi|, or both are zero).
    let u = hi + lo;
    let ulo = (hi - u) + lo;
    (
        exp_reduced(u, ulo) * pow2(t.to_bits()),
        !(x.abs() <= EXP2_LIMIT),
    )
}

/// `e^x - 1` for `-60 ≤ x ≤ 709` as an unevaluated sum `hi + lo` with `|lo| ≤ ulp(hi)/2`
/// (no checks; used by `expm1` and `tanh`).
#[inline(always)]
pub(super) fn expm1_core(x: f64) -> (f64, f64) {
    let (kbits, r, rlo) = reduce(x);
    let t = tail(r);
    let two_k = pow2(kbits);
    // 2^k·e^(r + rlo) - 1 = (2^k - 1) + 2^k·r + 2^k·(t + rlo·(1 + r)).
    // 2^k - 1 is split exactly (Knuth's two-sum: it rounds for |k| > 53); 2^k·r is exact.
    let a = two_k - 1.0;
    let ab = a - two_k;
    let a_err = (two_k - (a - ab)) + (-1.0 - ab);
    // a + b split exactly (Fast2Sum: |a| ≥ |b| whenever k ≠ 0, and for k = 0, a = 0).
    let b = two_k * r;
    let s = a + b;
    let e = (a - s) + b;
    let m = (e + a_err) + two_k * (t + rlo * (1.0 + r));
    let hi = s + m;
    (hi, (s - hi) + m)
}

/// Fast `e^x - 1`; asks for the slow path for NaN, `x > 709` and `±0`.
#[inline(always)]
pub(super) fn expm1_fast(x: f64) -> (f64, bool) {
    let xc = if x < EXPM1_LO { EXPM1_LO } else { x };
    (expm1_core(xc).0, !(x <= EXPM1_HI) || x == 0.0)
}

kernel!(Exp, exp_fast, f64::exp);
kernel!(Exp2, exp2_fast, f64::exp2);
kernel!(Expm1, expm1_fast, f64::exp_m1);

/// `out[i] = e^x[i]` for `i < min(x.len(), out.len())`.
///
/// Maximum error 1 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level (at most 1 ulp apart, and the levels agree bit for bit). `|x| > 708`, NaN and infinities
/// are computed by the standard library (overflow to `inf`, subnormal and zero results).
///
/// ```
/// let x = [0.0, 1.0, -2.5, 710.0, f64::NEG_INFINITY];
/// let mut y = [0.0; 5];
/// tessera_kernels::math::exp(&x, &mut y);
/// assert_eq!(y[0], 1.0);
/// assert!((y[1] - std::f64::consts::E).abs() <= f64::EPSILON * 3.0);
/// assert_eq!(y[3], f64::INFINITY);
/// assert_eq!(y[4], 0.0);
/// ```
pub fn exp(x: &[f64], out: &mut [f64]) {
    map_f64::<Exp>(x, out)
}

/// `out[i] = 2^x[i]` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level. Integers give exact powers of two; `|x| > 1022`, NaN and infinities are computed
/// by the standard library (overflow to `inf`, subnormal and zero results).
///
/// ```
/// let x = [3.0, -2.0, 0.5, 1100.0, f64::NEG_INFINITY];
/// let mut y = [0.0; 5];
/// tessera_kernels::math::exp2(&x, &mut y);
/// assert_eq!(&y[..2], &[8.0, 0.25]);
/// assert!((y[2] - std::f64::consts::SQRT_2).abs() <= f64::EPSILON * 2.0);
/// assert_eq!(&y[3..], &[f64::INFINITY, 0.0]);
/// ```
pub fn exp2(x: &[f64], out: &mut [f64]) {
    map_f64::<Exp2>(x, out)
}

/// `out[i] = e^x[i] - 1` for `i < min(x.len(), out.len())`, accurate for small `|x|`.
///
/// Maximum error 2 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level (at most 1 ulp apart, and the levels agree bit for bit). `x > 709`, `±0` and NaN are
/// computed by the standard library.
pub fn expm1(x: &[f64], out: &mut [f64]) {
    map_f64::<Expm1>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    fn random(seed: u64, ranges: &[(f64, f64)], n: usize) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|i| {
                let (lo, hi) = ranges[i % ranges.len()];
                rng.uniform(lo, hi)
            })
            .collect()
    }

    #[test]
    fn exp_accuracy() {
        let x = random(
            1,
            &[(-1.0, 1.0), (-10.0, 10.0), (-708.0, 708.0), (-0.35, 0.35)],
            150_000,
        );
        check_f64("exp", exp, f64::exp, &x, 2);
    }

    #[test]
    fn expm1_accuracy() {
        let mut x = random(
            2,
            &[(-1.0, 1.0), (-10.0, 10.0), (-60.0, 709.0), (-0.35, 0.35)],
            120_000,
        );
        let mut rng = Rng::new(3);
        for _ in 0..30_000 {
            let m = rng.log_uniform(-60.0, 0.0);
            x.push(if rng.unit() < 0.5 { m } else { -m });
        }
        check_f64("expm1", expm1, f64::exp_m1, &x, 3);
    }

    #[test]
    fn exp_special_values() {
        let mut x = specials();
        x.extend([
            708.0000000000001,
            -708.0000000000001,
            709.782712893384,
            709.7827128933841,
            710.0,
            -744.0,
            -745.1332191019411,
            -745.1332191019412,
            -746.0,
            -1000.0,
            1e-300,
            -1e-300,
        ]);
        check_exact_f64(exp, f64::exp, &x);
        let mut y = vec![0.0; x.len()];
        exp(&x, &mut y);
        assert_eq!(y[0], 1.0);
        assert_eq!(y[4], f64::INFINITY);
        assert_eq!(y[5], 0.0);
        let edges = [708.0, -708.0, 1.0, -1.0, f64::EPSILON, f64::MIN_POSITIVE];
        check_f64("exp", exp, f64::exp, &edges, 2);
    }

    #[test]
    fn expm1_special_values() {
        let mut x = specials();
        x.extend([
            709.0000000000001,
            709.782712893384,
            709.7827128933841,
            710.0,
            -39.9,
            -40.0,
            -40.1,
            -745.0,
            -1e300,
            1e-300,
            -1e-300,
            1e-17,
            -1e-17,
        ]);
        check_exact_f64(expm1, f64::exp_m1, &x);
        let mut y = [0.0; 3];
        expm1(&[-0.0, f64::NEG_INFINITY, 0.0], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(y[1], -1.0);
        assert_eq!(y[2].to_bits(), 0);
        let edges = [
            709.0,
            -709.0,
            37.0,
            38.0,
            1.0,
            -1.0,
            f64::EPSILON,
            f64::MIN_POSITIVE,
        ];
        check_f64("expm1", expm1, f64::exp_m1, &edges, 3);
    }

    #[test]
    fn exp2_accuracy() {
        let x = random(
            5,
            &[(-1.0, 1.0), (-30.0, 30.0), (-1022.0, 1022.0), (-0.5, 0.5)],
            150_000,
        );
        check_f64("exp2", exp2, f64::exp2, &x, 2);
    }

    #[test]
    fn exp2_special_values() {
        let mut x = specials();
        x.extend([
            1022.0000000000001,
            -1022.0000000000001,
            1023.0,
            1023.9999999999999,
            1024.0,
            -1023.0,
            -1074.0,
            -1075.0,
            -1075.5,
            -1100.0,
            1e300,
            -1e300,
            1e-300,
            -1e-300,
        ]);
        check_exact_f64(exp2, f64::exp2, &x);
        // Integers give exact powers of two; half-integers are as close as std's.
        let ints: Vec<f64> = (-1022..=1022).map(f64::from).collect();
        let mut y = vec![0.0; ints.len()];
        exp2(&ints, &mut y);
        for (k, v) in (-1022..=1022).zip(&y) {
            assert_eq!(*v, 2f64.powi(k), "exp2({k})");
        }
        let edges = [
            1022.0,
            -1022.0,
            0.5,
            -0.5,
            1021.5,
            -1021.5,
            f64::EPSILON,
            f64::MIN_POSITIVE,
        ];
        check_f64("exp2", exp2, f64::exp2, &edges, 1);
    }

    #[test]
    fn lengths_and_offsets() {
        let x = random(4, &[(-20.0, 20.0)], 80);
        check_slicing(exp2, &x);
        check_slicing(exp, &x);
        check_slicing(expm1, &x);
        let mut y: [f64; 0] = [];
        exp(&[], &mut y);
        expm1(&[1.0], &mut y);
    }
}
