//! `cbrt`.
//!
//! `|x| = 2^(3k)·y` with `y = 2^j·m`, `j ∈ {0, 1, 2}`, `m ∈ [1, 2)`, from the exponent bits
//! (`k = round((e - 1)/3)` in floating point, so no integer division is needed). A degree-5
//! polynomial in `m - 1.5` (interpolated at Chebyshev nodes for this module, relative error
//! 2^-19) times `∛(2^j)` gives `t ≈ ∛y`; `t` is cut to 26 bits, so that `t³` is computed
//! exactly as a sum of two doubles and the residual `δ = (y - t³)/t³` (below 2^-17) exactly
//! enough. Then `∛y = t·(1 + δ)^(1/3)` with the series to `δ³` (the next term is below
//! 2^-72), so the only sizable error is the final rounding of `t + t·c`.

use super::exp::pow2;
use super::{kernel, map_f64, u52_to_f64, ROUND_MAGIC};

const SIGN: u64 = 1 << 63;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
/// Clears the low 27 bits of the mantissa: 26 significant bits remain.
const HEAD26: u64 = 0xffff_ffff_f800_0000;

const CBRT2: f64 = 1.259_921_049_894_873_2;
const CBRT4: f64 = 1.587_401_051_968_199_4;

// ∛m ≈ P(m - 1.5) on [1, 2] (relative error 2^-19.1).
const P0: f64 = 1.1447129481629712;
const P1: f64 = 0.2543816456245347;
const P2: f64 = -0.056436294682730176;
const P3: f64 = 0.020886322742377984;
const P4: f64 = -0.010271170742060062;
const P5: f64 = 0.005072953325280809;

/// Fast `∛x`; asks for the slow path for NaN, `±0`, subnormal `x` and `±∞`.
#[inline(always)]
pub(super) fn cbrt_fast(x: f64) -> (f64, bool) {
    let abits = x.to_bits() & !SIGN;
    let a = f64::from_bits(abits);
    let e = u52_to_f64(abits >> 52) - 1023.0;
    // (e - 1)/3 is within 1/3 of an integer (never a tie): round it to get k = ⌊e/3⌋.
    let kt = (e - 1.0) * (1.0 / 3.0) + ROUND_MAGIC;
    let k = kt - ROUND_MAGIC;
    let j = e - 3.0 * k;
    let m = f64::from_bits((abits & MANTISSA) | ONE_BITS);
    let (scale, root) = if j >= 2.0 {
        (4.0, CBRT4)
    } else if j >= 1.0 {
        (2.0, CBRT2)
    } else {
        (1.0, 1.0)
    };
    let y = m * scale;
    let d = m - 1.5;
    let p = P0 + d * (P1 + d * (P2 + d * (P3 + d * (P4 + d * P5))));
    let t = f64::from_bits((root * p).to_bits() & HEAD26);
    // t³ = p1 + p2 exactly: t² has 52 bits, split into two 26-bit halves.
    let t2 = t * t;
    let t2h = f64::from_bits(t2.to_bits() & HEAD26);
    let p1 = t2h * t;
    let p2 = (t2 - t2h) * t;
    // y - p1 is exact (p1 is within 2^-16 of y).
    let delta = ((y - p1) - p2) / (p1 + p2);
    let c = delta * (1.0 / 3.0 - delta * (1.0 / 9.0 - delta * (5.0 / 81.0)));
    let r = (t + t * c) * pow2(kt.to_bits());
    (
        r.copysign(x),
        !((f64::MIN_POSITIVE..=f64::MAX).contains(&a)),
    )
}

kernel!(Cbrt, cbrt_fast, f64::cbrt);

/// `out[i] = ∛x[i]` for `i < min(x.len(), out.len())`.
///
/// Within 1 ulp (the worst error measured is in the accuracy table of [`crate::math`]);
/// the tests check 150 thousand random arguments against the standard library at every
/// level. Perfect cubes give exact results; `±0`, subnormal and non-finite arguments are
/// computed by the standard library (`cbrt(-8) = -2`, `cbrt(-0) = -0`).
///
/// ```
/// let x = [27.0, -8.0, 2.0, -0.0];
/// let mut y = [0.0; 4];
/// tessera_kernels::math::cbrt(&x, &mut y);
/// assert_eq!(&y[..2], &[3.0, -2.0]);
/// assert!((y[2] - 2f64.cbrt()).abs() <= f64::EPSILON * 2.0);
/// assert_eq!(y[3].to_bits(), (-0.0f64).to_bits());
/// ```
pub fn cbrt(x: &[f64], out: &mut [f64]) {
    map_f64::<Cbrt>(x, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::*;

    #[test]
    fn accuracy() {
        let mut rng = Rng::new(61);
        let x: Vec<f64> = (0..150_000)
            .map(|i| {
                let v = match i % 3 {
                    0 => rng.log_uniform(-1022.0, 1024.0),
                    1 => rng.uniform(0.0, 10.0),
                    _ => rng.uniform(1.0, 8.0),
                };
                if i % 2 == 0 {
                    v
                } else {
                    -v
                }
            })
            .collect();
        check_f64("cbrt", cbrt, f64::cbrt, &x, 2);
    }

    #[test]
    fn special_values_and_cubes() {
        let mut x = specials();
        x.extend([
            f64::MIN_POSITIVE * 0.5,
            f64::MIN_POSITIVE - 5e-324,
            -f64::MIN_POSITIVE * 0.75,
        ]);
        check_exact_f64(cbrt, f64::cbrt, &x);
        let cubes: Vec<f64> = (-20_000i32..=20_000)
            .map(|n| {
                let n = f64::from(n);
                n * n * n
            })
            .filter(|&v| v != 0.0)
            .collect();
        let mut y = vec![0.0; cubes.len()];
        cbrt(&cubes, &mut y);
        for (c, v) in cubes.iter().zip(&y) {
            assert_eq!(v * v * v, *c, "cbrt({c})");
        }
        // Powers of two with exponents of every residue modulo 3.
        let p: Vec<f64> = (-1022..1024).map(|k| 2f64.powi(k)).collect();
        check_f64("cbrt", cbrt, f64::cbrt, &p, 1);
        let edges = [
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            1.0 - f64::EPSILON / 2.0,
            1.0 + f64::EPSILON,
            8.0 - 4.0 * f64::EPSILON,
            -1.0,
        ];
        check_f64("cbrt", cbrt, f64::cbrt, &edges, 2);
    }

    #[test]
    fn lengths_and_offsets() {
        let mut rng = Rng::new(62);
        let x: Vec<f64> = (0..80).map(|_| rng.uniform(-30.0, 30.0)).collect();
        check_slicing(cbrt, &x);
    }
}
