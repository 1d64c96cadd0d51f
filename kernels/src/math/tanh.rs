//! `tanh`, from the vectorized `expm1` kernel.
//!
//! fdlibm's s_tanh.c uses `-t/(t+2)` with `t = expm1(-2|x|)` below 1; here `t = expm1(2|x|)`
//! and `t/(t+2)`, which damps the relative error of `t` (by `2/(t+2) ≤ 1`) instead of
//! amplifying it (by up to 1.76), and `t` is kept as a double-double so that the division can
//! be corrected to first order. The result is within about 1.2 ulp instead of 2.

use super::exp::expm1_core;
use super::{kernel, map_f64};

/// Beyond this |x|, tanh(x) rounds to ±1 (1 - tanh 22 < 2^-62); |x| is clamped there.
const CLAMP: f64 = 22.0;

/// Fast `tanh x`; asks for the slow path for NaN only.
#[inline(always)]
pub(super) fn tanh_fast(x: f64) -> (f64, bool) {
    let a = x.abs();
    let a = if a > CLAMP { CLAMP } else { a };
    // With t = expm1(2|x|): tanh|x| = t/(t+2) for |x| < 1 (relative error of t damped by
    // 2/(t+2) ≤ 1), 1 - 2/(t+2) above.
    let small = a < 1.0;
    let (th, tl) = expm1_core(2.0 * a);
    // t + 2 = d + dl exactly (two-sum), plus the tail of t.
    let d = th + 2.0;
    let dd = d - th;
    let dl = ((th - (d - dd)) + (2.0 - dd)) + tl;
    // n/(d + dl) = q + (nl - q·dl)/d to first order, for n = nh + nl.
    let nh = if small { th } else { 2.0 };
    let nl = if small { tl } else { 0.0 };
    let q = nh / d;
    let c = (nl - q * dl) / d;
    let y = if small { q + c } else { (1.0 - q) - c };
    (y.copysign(x), x.is_nan())
}

kernel!(Tanh, tanh_fast, f64::tanh);

/// `out[i] = tanh(x[i])` for `i < min(x.len(), out.len())`.
///
/// Maximum error 2 ulp (the worst error found is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at
/// every level (at most 3 ulp apart, since the standard library's own `tanh` is off by up to
/// 2.1 ulp; the levels agree bit for bit). `tanh(±0) = ±0`, `tanh(±∞) = ±1`; only NaN takes
/// the slow path.
///
/// ```
/// let x = [0.0, 0.5, -30.0, f64::INFINITY];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::tanh(&x, &mut y);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 0.5f64.tanh()).abs() <= 2.0 * f64::EPSILON);
/// assert_eq!(&y[2..], &[-1.0, 1.0]);
/// ```
pub fn tanh(x: &[f64], out: &mut [f64]) {
    map_f64::<Tanh>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    #[test]
    fn accuracy() {
        let mut rng = Rng::new(31);
        let x: Vec<f64> = (0..150_000)
            .map(|i| match i % 4 {
                0 => rng.uniform(-1.0, 1.0),
                1 => rng.uniform(-5.0, 5.0),
                2 => rng.uniform(-25.0, 25.0),
                _ => {
                    let m = rng.log_uniform(-60.0, 1.0);
                    if rng.unit() < 0.5 {
                        m
                    } else {
                        -m
                    }
                }
            })
            .collect();
        check_f64("tanh", tanh, f64::tanh, &x, 3);
    }

    #[test]
    fn special_values() {
        let mut x = specials();
        x.extend([22.0, -22.0, 19.1, 30.0, -1e300, f64::MAX, f64::MIN]);
        check_exact_f64(tanh, f64::tanh, &x);
        let mut y = [0.0; 4];
        tanh(&[-0.0, f64::NEG_INFINITY, f64::INFINITY, -1e-310], &mut y);
        assert_eq!(y[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(&y[1..3], &[-1.0, 1.0]);
        assert_eq!(y[3], -1e-310);
        let edges = [
            1.0,
            -1.0,
            1.0 - f64::EPSILON,
            0.5,
            f64::MIN_POSITIVE,
            1e-300,
        ];
        check_f64("tanh", tanh, f64::tanh, &edges, 3);
    }

    #[test]
    fn lengths_and_offsets() {
        let mut rng = Rng::new(32);
        let x: Vec<f64> = (0..80).map(|_| rng.uniform(-3.0, 3.0)).collect();
        check_slicing(tanh, &x);
    }
}
