//! `atan`, `asin` and `acos`, from one core: `atan(N/M)` for double-double `N, M ≥ 0`.
//!
//! The ratio `v = N/M` picks one of five intervals with breakpoints 7/16, 11/16, 19/16 and
//! 39/16 (the classical reduction of fdlibm's s_atan.c): `atan v = atan c + atan t` with
//! `c ∈ {0, 1/2, 1, 3/2, ∞}` and `t = (v - c)/(1 + c·v)` (`-1/v` for the last), so
//! `|t| ≤ 7/16`. Here `t` is formed from `N` and `M` directly, `t = (αN + βM)/(γN + δM)`,
//! with numerator and denominator summed exactly as double-doubles (every product by a
//! coefficient is exact), and the quotient corrected with its exact remainder. Then
//! `atan t = t + t³·Q(t²)`, with `Q` of degree 11 interpolated at Chebyshev nodes in
//! 60-digit arithmetic for this module (relative error 2^-53.8 on `[0, (7/16)²]`, which
//! enters the result scaled by `t²/3 < 0.064`), and `atan c` in two parts.
//!
//! `atan x = atan(|x|/1)`, `asin x = atan(|x|/√(1-x²))`, `acos x = atan(√(1-x²)/|x|)`
//! (`π -` that for `x < 0`), with `1 - x²` formed exactly and its square root corrected to
//! first order; signs are copied at the end.

use super::dd::{fast_two_sum, sqrt_dd, two_prod, two_sum};
use super::{kernel, map_f64};
use crate::dispatch;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

// Q(z) = (atan(√z) - √z)/(z·√z) on [0, (7/16)²].
const Q0: f64 = -0.3333333333333333;
const Q1: f64 = 0.1999999999999941;
const Q2: f64 = -0.14285714285566806;
const Q3: f64 = 0.11111111096645038;
const Q4: f64 = -0.09090908355602592;
const Q5: f64 = 0.07692285554889286;
const Q6: f64 = -0.06666241923359964;
const Q7: f64 = 0.05876946456755061;
const Q8: f64 = -0.05216679739313656;
const Q9: f64 = 0.04492259293193656;
const Q10: f64 = -0.033128134256069586;
const Q11: f64 = 0.014773184616983804;

/// atan(1/2), π/4, atan(3/2), π/2 and π in two parts each (the low parts computed for this
/// module from their series in 60-digit arithmetic).
const ATAN_HALF: (f64, f64) = (0.4636476090008061, 2.2698777452961687e-17);
const PI_4: (f64, f64) = (FRAC_PI_4, 3.061616997868383e-17);
const ATAN_3_2: (f64, f64) = (0.982793723247329, 1.3903311031230998e-17);
const PI_2: (f64, f64) = (FRAC_PI_2, 6.123233995736766e-17);
const PI_DD: (f64, f64) = (PI, 1.2246467991473532e-16);

/// Below this, `atan`/`asin` take the slow path (the exact remainder could underflow).
const TINY: f64 = 3.054936363499605e-151; // 2^-500
/// Above this, the remainder of the last interval is not needed and could overflow.
const HUGE: f64 = 7.260824748426675e280; // 2^933

/// `a·N + b·M` as a double-double, for `a = ai + af`, `b = bi + bf` with every product of a
/// part by `nh` or `mh` exact.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn combo(ai: f64, af: f64, bi: f64, bf: f64, nh: f64, nl: f64, mh: f64, ml: f64) -> (f64, f64) {
    let (s, e1) = two_sum(ai * nh, bi * mh);
    let (s, e2) = two_sum(s, af * nh);
    let (s, e3) = two_sum(s, bf * mh);
    let l = ((e1 + e2) + e3) + ((ai + af) * nl + (bi + bf) * ml);
    fast_two_sum(s, l)
}

/// `atan(N/M) ∈ [0, π/2]` as `hi + lo`, for `N = nh + nl ≥ 0`, `M = mh + ml ≥ 0` (not both
/// zero; `|nl| ≤ ulp(nh)`, `|ml| ≤ ulp(mh)`).
#[inline(always)]
fn atan_core(nh: f64, nl: f64, mh: f64, ml: f64) -> (f64, f64) {
    // Interval of v = N/M, and t = (αN + βM)/(γN + δM) with α = ai + af, ...
    let (ai, af, bi, bf, gi, gf, di, base) = if nh < 0.4375 * mh {
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, (0.0, 0.0))
    } else if nh < 0.6875 * mh {
        (2.0, 0.0, -1.0, 0.0, 1.0, 0.0, 2.0, ATAN_HALF)
    } else if nh < 1.1875 * mh {
        (1.0, 0.0, -1.0, 0.0, 1.0, 0.0, 1.0, PI_4)
    } else if nh < 2.4375 * mh {
        (1.0, 0.0, -1.0, -0.5, 1.0, 0.5, 1.0, ATAN_3_2)
    } else {
        (0.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, PI_2)
    };
    let (uh, ul) = combo(ai, af, bi, bf, nh, nl, mh, ml);
    let (dh, dl) = combo(gi, gf, di, 0.0, nh, nl, mh, ml);
    let t = uh / dh;
    let huge = dh > HUGE;
    let (p, pe) = two_prod(t, if huge { 1.0 } else { dh });
    let tl = (((uh - p) - pe) + (ul - t * dl)) / dh;
    let tl = if huge { 0.0 } else { tl };
    let z = t * t;
    let q = Q8 + z * (Q9 + z * (Q10 + z * Q11));
    let q = Q4 + z * (Q5 + z * (Q6 + z * (Q7 + z * q)));
    let q = Q0 + z * (Q1 + z * (Q2 + z * (Q3 + z * q)));
    // atan(t + tl) = atan t + tl/(1 + t²) + O(tl²).
    let (s, e) = fast_two_sum(base.0, t);
    (s, e + (base.1 + (tl * (1.0 - z) + t * (z * q))))
}

/// `1 - a²` for `0 ≤ a < 1`, square-rooted, as a double-double.
#[inline(always)]
fn cosine_of_arcsine(a: f64) -> (f64, f64) {
    let (p, pe) = two_prod(a, a);
    let (h, e) = two_sum(1.0, -p);
    let (h, l) = fast_two_sum(h, e - pe);
    sqrt_dd(h, l)
}

/// Fast `atan x`; asks for the slow path for NaN, `±∞` and `|x| < 2^-500`.
#[inline(always)]
pub(super) fn atan_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let (h, l) = atan_core(a, 0.0, 1.0, 0.0);
    ((h + l).copysign(x), !(TINY..=f64::MAX).contains(&a))
}

/// Fast `asin x`; asks for the slow path for NaN, `|x| ≥ 1` and `|x| < 2^-500`.
#[inline(always)]
pub(super) fn asin_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let slow = !(TINY..1.0).contains(&a);
    let a = if slow { 0.5 } else { a };
    let (ch, cl) = cosine_of_arcsine(a);
    let (h, l) = atan_core(a, 0.0, ch, cl);
    ((h + l).copysign(x), slow)
}

/// Fast `acos x`; asks for the slow path for NaN and `|x| ≥ 1`.
#[inline(always)]
pub(super) fn acos_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let slow = !(a < 1.0);
    let a = if slow { 0.5 } else { a };
    let (sh, sl) = cosine_of_arcsine(a);
    let (h, l) = atan_core(sh, sl, a, 0.0);
    // acos(-|x|) = π - acos|x|.
    let (rh, re) = two_sum(PI_DD.0, -h);
    let neg = (PI_DD.1 - l) + re;
    let y = if x < 0.0 { rh + neg } else { h + l };
    (y, slow)
}

/// Fast `atan2(y, x)`; asks for the slow path for NaN, zeros, infinities, subnormal
/// `max(|x|, |y|)` and ratios `|y/x|` outside about `[2^-500, 2^500]`.
///
/// Both are scaled by the same power of two so that the larger lies in `[2, 4)` (exact:
/// the smaller stays above 2^-499), then `atan(|y|/|x|)` by the core, `π -` it for `x < 0`,
/// signed by `y`.
#[inline(always)]
fn atan2_fast(y: f64, x: f64) -> (f64, bool) {
    let ay = y.abs();
    let ax = x.abs();
    let m = if ay > ax { ay } else { ax };
    let scale = f64::from_bits(0x7ff0_0000_0000_0000 - (m.to_bits() & 0x7ff0_0000_0000_0000));
    let n = ay * scale;
    let d = ax * scale;
    let fast = (f64::MIN_POSITIVE..=f64::MAX).contains(&m) && n >= TINY * d && d >= TINY * n;
    let (n, d) = if fast { (n, d) } else { (1.0, 1.0) };
    let (h, l) = atan_core(n, 0.0, d, 0.0);
    let (rh, re) = two_sum(PI_DD.0, -h);
    let v = if x < 0.0 {
        rh + ((PI_DD.1 - l) + re)
    } else {
        h + l
    };
    (v.copysign(y), !fast)
}

/// The fast path of [`atan2`] over whole slices (of equal lengths); NaN where the slow path
/// is needed. Returns whether some element is.
#[inline(always)]
fn atan2_loop<T: Copy + Into<f64>>(
    y: &[T],
    x: &[T],
    out: &mut [T],
    narrow: impl Fn(f64) -> T,
) -> bool {
    let mut slow = false;
    for ((o, &a), &b) in out.iter_mut().zip(y).zip(x) {
        let (v, s) = atan2_fast(a.into(), b.into());
        *o = narrow(if s { f64::NAN } else { v });
        slow |= s;
    }
    slow
}

/// `out[i] = atan2(y[i], x[i])` (NumPy's `arctan2(y, x)`, the angle of the point `(x, y)`)
/// for `i < min(y.len(), x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check random pairs against the standard library at every level. Zeros,
/// infinities, NaN and pairs whose ratio is below 2^-500 or above 2^500 are computed by the
/// standard library, so the special cases are those of C's `atan2` (`atan2(±0, -0) = ±π`,
/// `atan2(±∞, +∞) = ±π/4`, ...).
///
/// ```
/// let y = [1.0, 1.0, -1.0, 0.0];
/// let x = [1.0, -1.0, -1.0, -1.0];
/// let mut out = [0.0; 4];
/// tessera_kernels::math::atan2(&y, &x, &mut out);
/// use std::f64::consts::{FRAC_PI_4, PI};
/// assert!((out[0] - FRAC_PI_4).abs() <= f64::EPSILON);
/// assert!((out[1] - 3.0 * FRAC_PI_4).abs() <= 2.0 * f64::EPSILON);
/// assert!((out[2] + 3.0 * FRAC_PI_4).abs() <= 2.0 * f64::EPSILON);
/// assert_eq!(out[3], PI);
/// ```
pub fn atan2(y: &[f64], x: &[f64], out: &mut [f64]) {
    let n = y.len().min(x.len()).min(out.len());
    let (y, x, out) = (&y[..n], &x[..n], &mut out[..n]);
    if dispatch::run(
        #[inline(always)]
        || atan2_loop(y, x, out, |v| v),
    ) {
        for ((o, &a), &b) in out.iter_mut().zip(y).zip(x) {
            if o.is_nan() {
                *o = a.atan2(b);
            }
        }
    }
}

/// `out[i] = atan2(y[i], x[i])` in `f32`, through the `f64` fast path of [`atan2`] (the `f64`
/// standard function for the slow path), rounded once.
pub fn atan2_f32(y: &[f32], x: &[f32], out: &mut [f32]) {
    let n = y.len().min(x.len()).min(out.len());
    let (y, x, out) = (&y[..n], &x[..n], &mut out[..n]);
    if dispatch::run(
        #[inline(always)]
        || atan2_loop(y, x, out, |v| v as f32),
    ) {
        for ((o, &a), &b) in out.iter_mut().zip(y).zip(x) {
            if o.is_nan() {
                *o = f64::from(a).atan2(f64::from(b)) as f32;
            }
        }
    }
}

kernel!(Atan, atan_fast, f64::atan);
kernel!(Asin, asin_fast, f64::asin);
kernel!(Acos, acos_fast, f64::acos);

/// `out[i] = atan(x[i])` (NumPy's `arctan`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level. `±∞` give `±π/2`; NaN, infinities and `|x| < 2^-500` (where the result is `x`)
/// are computed by the standard library.
///
/// ```
/// let x = [1.0, -1e300, 0.0];
/// let mut y = [7.0; 3];
/// tessera_kernels::math::atan(&x, &mut y);
/// assert!((y[0] - std::f64::consts::FRAC_PI_4).abs() <= f64::EPSILON);
/// assert_eq!(y[1], -std::f64::consts::FRAC_PI_2);
/// assert_eq!(y[2], 0.0);
/// ```
pub fn atan(x: &[f64], out: &mut [f64]) {
    map_f64::<Atan>(x, out)
}

/// `out[i] = asin(x[i])` (NumPy's `arcsin`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`atan`] for the tests); `|x| > 1` gives NaN; `±1`, NaN and
/// `|x| < 2^-500` are computed by the standard library.
pub fn asin(x: &[f64], out: &mut [f64]) {
    map_f64::<Asin>(x, out)
}

/// `out[i] = acos(x[i])` (NumPy's `arccos`) for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (see [`atan`] for the tests); `|x| > 1` gives NaN; `±1` and NaN are computed
/// by the standard library.
pub fn acos(x: &[f64], out: &mut [f64]) {
    map_f64::<Acos>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

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
    fn accuracy() {
        let x = args(
            81,
            &[
                (-3.0, 3.0, false),
                (-40.0, 40.0, false),
                (-600.0, 1000.0, true),
            ],
            150_000,
        );
        check_f64("atan", atan, f64::atan, &x, 2);
        let unit = [(-1.0, 1.0, false), (0.9, 1.0, false), (-500.0, 0.0, true)];
        check_f64("asin", asin, f64::asin, &args(82, &unit, 150_000), 2);
        check_f64("acos", acos, f64::acos, &args(83, &unit, 150_000), 2);
        // Near ±1, where 1 - x² cancels.
        let near: Vec<f64> = (1..2000)
            .flat_map(|k| {
                let v = 1.0 - k as f64 * f64::EPSILON / 2.0;
                [v, -v]
            })
            .collect();
        check_f64("asin", asin, f64::asin, &near, 2);
        check_f64("acos", acos, f64::acos, &near, 2);
    }

    #[test]
    fn special_values() {
        let mut x = specials();
        x.extend([
            1.0,
            -1.0,
            1.0 + f64::EPSILON,
            -2.0,
            1e300,
            -1e300,
            f64::MAX,
            1e-160,
            -1e-200,
        ]);
        check_exact_f64(atan, f64::atan, &x);
        check_exact_f64(asin, f64::asin, &x);
        check_exact_f64(acos, f64::acos, &x);
        // Interval edges of the reduction, and both sides of them.
        let mut edges = Vec::new();
        for e in [0.4375, 0.6875, 1.1875, 2.4375, 1.0, 0.5, 1.5] {
            for d in [-2.0, -1.0, 0.0, 1.0, 2.0] {
                let v = e + d * f64::EPSILON;
                edges.extend([v, -v, v / 2.4375, 1.0 / v]);
            }
        }
        edges.extend([2f64.powi(-499), 1e-100, 1e-20, 2f64.powi(90), 1e200]);
        check_f64("atan", atan, f64::atan, &edges, 2);
        let unit: Vec<f64> = edges.iter().copied().filter(|v| v.abs() < 1.0).collect();
        check_f64("asin", asin, f64::asin, &unit, 2);
        check_f64("acos", acos, f64::acos, &unit, 2);
        let mut y = [0.0; 4];
        atan(&[-0.0, f64::INFINITY, f64::NEG_INFINITY, -5e-324], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            &y[1..3],
            &[std::f64::consts::FRAC_PI_2, -std::f64::consts::FRAC_PI_2]
        );
        assert_eq!(y[3], -5e-324);
        asin(&[-0.0, 1.0, -1.0, 2.0], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            &y[1..3],
            &[std::f64::consts::FRAC_PI_2, -std::f64::consts::FRAC_PI_2]
        );
        assert!(y[3].is_nan());
        acos(&[0.0, 1.0, -1.0, -0.0], &mut y);
        assert_eq!(
            y,
            [
                std::f64::consts::FRAC_PI_2,
                0.0,
                std::f64::consts::PI,
                std::f64::consts::FRAC_PI_2
            ]
        );
    }

    /// `atan2` at every level: the levels agree bit for bit; returns the first level's output.
    fn atan2_levels(y: &[f64], x: &[f64]) -> Vec<f64> {
        use crate::dispatch::{self, Level};
        let mut first: Option<Vec<f64>> = None;
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            let mut out = vec![0.0; y.len()];
            dispatch::with_level(level, || atan2(y, x, &mut out));
            if let Some(f) = &first {
                for (a, b) in f.iter().zip(&out) {
                    assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
                }
            } else {
                first = Some(out);
            }
        }
        first.unwrap()
    }

    #[test]
    fn atan2_accuracy_and_specials() {
        let mut rng = Rng::new(85);
        let mut y = Vec::new();
        let mut x = Vec::new();
        for i in 0..150_000 {
            let (a, b) = match i % 3 {
                0 => (rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)),
                1 => (
                    rng.log_uniform(-600.0, 600.0),
                    rng.log_uniform(-600.0, 600.0),
                ),
                _ => (
                    rng.log_uniform(-1074.0, 1024.0),
                    rng.log_uniform(-1074.0, 1024.0),
                ),
            };
            let sa = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
            let sb = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
            y.push(sa * a);
            x.push(sb * b);
        }
        let sp = specials();
        for &a in &sp {
            for &b in sp.iter().chain(&[1.0, -1.0, 1e300, -1e-300]) {
                y.push(a);
                x.push(b);
                y.push(b);
                x.push(a);
            }
        }
        let out = atan2_levels(&y, &x);
        for ((&a, &b), &v) in y.iter().zip(&x).zip(&out) {
            let e = a.atan2(b);
            if e.is_nan() || e == 0.0 || e.is_infinite() {
                assert!(
                    e.to_bits() == v.to_bits() || (e.is_nan() && v.is_nan()),
                    "atan2({a:e}, {b:e}) = {v:e}, expected {e:e}"
                );
            } else {
                assert!(ulps(e, v) <= 2, "atan2({a:e}, {b:e}) = {v:e}, std {e:e}");
            }
        }
        // Slicing: shorter operands bound the count, and nothing past it is written.
        let mut out = vec![-7.5; 12];
        atan2(&y[..10], &x[..11], &mut out);
        assert!(out[10..].iter().all(|&v| v == -7.5));
        for i in 0..10 {
            assert_eq!(
                out[i].to_bits(),
                atan2_levels(&y[i..i + 1], &x[i..i + 1])[0].to_bits()
            );
        }
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut out32 = vec![0.0f32; y32.len()];
        atan2_f32(&y32, &x32, &mut out32);
        for ((&a, &b), &v) in y32.iter().zip(&x32).zip(&out32) {
            let e = f64::from(a).atan2(f64::from(b)) as f32;
            assert!(
                e.to_bits() == v.to_bits() || (e.is_nan() && v.is_nan()) || ulps32(e, v) <= 1,
                "atan2_f32({a:e}, {b:e}) = {v:e}, expected {e:e}"
            );
        }
    }

    #[test]
    fn lengths_and_offsets() {
        let mut rng = Rng::new(84);
        let x: Vec<f64> = (0..80).map(|_| rng.uniform(-1.0, 1.0)).collect();
        check_slicing(atan, &x);
        check_slicing(asin, &x);
        check_slicing(acos, &x);
    }
}
