//! `sin` and `cos`.
//!
//! The argument is reduced by multiples of π/2 with a three-part Cody–Waite constant and
//! fdlibm's minimax polynomials are evaluated on `[-π/4, π/4]`. Arguments with `|x| > 2^17`
//! (and non-finite ones) are recomputed with the standard library, which reduces exactly. No
//! fused multiply-add is used, so every level gives bit-identical results.

use crate::dispatch;
use std::f64::consts::FRAC_2_PI;
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_3: f64 = 2.02226624871116645580e-21;
/// 1.5 · 2^52: adding it rounds to an integer held in the low mantissa bits.
const ROUND_MAGIC: f64 = 6755399441055744.0;
/// Largest |x| the fast reduction handles (beyond it the std library is used).
const FAST_LIMIT: f64 = 131072.0;

const S1: f64 = -1.66666666666666324348e-01;
const S2: f64 = 8.33333333332248946124e-03;
const S3: f64 = -1.98412698298579493134e-04;
const S4: f64 = 2.75573137070700676789e-06;
const S5: f64 = -2.50507602534068634195e-08;
const S6: f64 = 1.58969099521155010221e-10;
const C1: f64 = 4.16666666666666019037e-02;
const C2: f64 = -1.38888888888741095749e-03;
const C3: f64 = 2.48015872894767294178e-05;
const C4: f64 = -2.75573143513906633035e-07;
const C5: f64 = 2.08757232129817482790e-09;
const C6: f64 = -1.13596475577881948265e-11;

/// sin (`shift` 0) or cos (`shift` 1) of one value with |x| <= FAST_LIMIT.
#[inline(always)]
fn sincos_fast(x: f64, shift: u64) -> f64 {
    let t = x * FRAC_2_PI + ROUND_MAGIC;
    let q = t - ROUND_MAGIC;
    let quadrant = (t.to_bits()).wrapping_add(shift);
    let r = ((x - q * PIO2_1) - q * PIO2_2) - q * PIO2_3;
    let z = r * r;
    // sin(r) on [-π/4, π/4].
    let sr = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    let s = r + (z * r) * (S1 + z * sr);
    // cos(r) on [-π/4, π/4].
    let cr = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    let c = w + (((1.0 - w) - hz) + z * cr);
    let v = if quadrant & 1 == 1 { c } else { s };
    let sign = (quadrant & 2) << 62;
    f64::from_bits(v.to_bits() ^ sign)
}

/// Whether the fast path cannot handle `v` (large, non-finite, or a zero whose sign must be
/// kept).
#[inline(always)]
fn needs_slow(v: f64) -> bool {
    v.is_nan() || v.abs() > FAST_LIMIT || v == 0.0
}

/// Evaluates the fast path; returns whether some element needs the slow path.
#[inline(always)]
fn sincos_body(x: &[f64], out: &mut [f64], shift: u64) -> bool {
    let mut slow = false;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = sincos_fast(v, shift);
        slow |= needs_slow(v);
    }
    slow
}

fn sincos(x: &[f64], out: &mut [f64], shift: u64) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let slow = dispatch::run(|| sincos_body(x, out, shift));
    // Large or non-finite arguments: exact reduction in the standard library (zeros too, to
    // keep the sign of -0).
    if slow {
        for (o, &v) in out.iter_mut().zip(x) {
            if needs_slow(v) {
                *o = if shift == 0 { v.sin() } else { v.cos() };
            }
        }
    }
}

/// `out[i] = sin(x[i])` for `i < min(len)`.
///
/// ```
/// let x = [0.0, 1.0, -2.5, 1e22];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::sin(&x, &mut y);
/// for (a, b) in x.iter().zip(&y) {
///     assert!((a.sin() - b).abs() <= 2.0 * f64::EPSILON * a.sin().abs().max(f64::MIN_POSITIVE));
/// }
/// ```
pub fn sin(x: &[f64], out: &mut [f64]) {
    sincos(x, out, 0)
}

/// `out[i] = cos(x[i])` for `i < min(len)`.
pub fn cos(x: &[f64], out: &mut [f64]) {
    sincos(x, out, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::Level;

    /// Distance in units in the last place between two finite doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        let key = |v: f64| {
            let b = v.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        key(a).abs_diff(key(b))
    }

    fn check(level: Level) {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut x = Vec::new();
        for i in 0..200_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let scale = [1.0, 10.0, 1000.0, 1e5, 1e7][i % 5];
            x.push((u - 0.5) * 2.0 * scale);
        }
        x.extend([
            0.0,
            -0.0,
            1e-310,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            1e22,
            131072.0,
        ]);
        for (f, name) in [(sin as fn(&[f64], &mut [f64]), "sin"), (cos, "cos")] {
            let mut y = vec![0.0; x.len()];
            dispatch::with_level(level, || f(&x, &mut y));
            let mut worst = 0;
            for (&a, &b) in x.iter().zip(&y) {
                let e = if name == "sin" { a.sin() } else { a.cos() };
                if e.is_nan() {
                    assert!(b.is_nan(), "{name}({a}) = {b}, expected NaN");
                    continue;
                }
                worst = worst.max(ulps(e, b));
            }
            // The std library is itself within 1 ulp, so 2 ulps bound our error by 3.
            assert!(worst <= 2, "{name} at {level:?}: {worst} ulps");
        }
    }

    #[test]
    fn accurate_at_every_level() {
        for level in Level::ALL {
            check(level);
        }
    }

    #[test]
    fn signed_zero_and_subnormal() {
        let mut y = [1.0; 2];
        sin(&[-0.0, 1e-310], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(y[1], 1e-310);
    }
}
