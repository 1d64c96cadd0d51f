//! `sin` and `cos` for the levels with fused multiply-add (AVX2 and AVX-512).
//!
//! Fewer operations than the fdlibm-style fast paths of `trig.rs` (about 25 per element
//! instead of about 65), at the price of results that differ from the baseline level in the
//! last bit for some arguments (both stay within the documented bound):
//!
//! - one reduction by multiples of π (not π/2): `x = q·π + r` with `|r| ≤ π/2`, so one
//!   polynomial serves every lane (no sin/cos kernel pair to evaluate and blend); `cos` uses
//!   `x = (q + 1/2)·π + r`, since `cos(x) = (-1)^(q+1)·sin(r)`;
//! - the reduction is three fused multiply-adds with π split in three doubles
//!   (`PI_A + PI_B + PI_C` is within 2^-161 of π). The first is exact: `q·PI_A` is a multiple
//!   of 2^-51 and, for `q ≠ 0`, `x` a multiple of 2^-52, so `x - q·PI_A` is a multiple of
//!   2^-52 below 2 in magnitude. The other two round once each, so `r` is within about one
//!   ulp of the exact reduced argument, relative, whatever its size;
//! - `sin r = r + r³·P(r²)` with a degree-7 `P` fitted for this crate (Remez, relative error
//!   of `sin` below 2^-61 on `|r| ≤ π/2 + 10^-6`; `kernels/accuracy/scripts/fit_sin.py`),
//!   evaluated by Horner's rule with fused multiply-adds and finished by one fused
//!   multiply-add, `r + (r·r²)·P`. `sin` evaluates it at `|r|` and applies the sign of `r`
//!   afterwards (the same value, as `sin` is odd), which keeps `sin(-0) = -0`.
//!
//! The slow path takes the same arguments as the baseline's but `sin(±0)`, which is `±0`
//! directly: NaN, `±∞`, `|x| > 2^17`, and arguments within 2^-40 of a nonzero
//! multiple of π/2: near a zero of the function (`|r| < 2^-40` with `q ≠ 0`) the standard
//! library's exact reduction gives a correctly rounded value, and near a peak (`|r|` within
//! 2^-40 of π/2) its result is exactly ±1 where the polynomial may land 1 ulp below.

use super::trig::{out_of_range, TINY_R};
use super::ROUND_MAGIC;
use std::f64::consts::{FRAC_1_PI, FRAC_PI_2};

/// The sign bit of an `f64`.
const SIGN: u64 = 1 << 63;

/// π as the sum of three doubles, each the nearest to what the others leave.
const PI_A: f64 = f64::from_bits(0x4009_21FB_5444_2D18);
const PI_B: f64 = f64::from_bits(0x3CA1_A626_3314_5C07);
const PI_C: f64 = f64::from_bits(0xB92F_1976_B7ED_8FBC);

// sin r ≈ r + r³·(P0 + P1·z + … + P7·z^7), z = r², on |r| ≤ π/2 + 10^-6.
const P0: f64 = -0.16666666666666666;
const P1: f64 = 0.00833333333333328;
const P2: f64 = -0.00019841269841234385;
const P3: f64 = 2.755731921480694e-06;
const P4: f64 = -2.5052107167133923e-08;
const P5: f64 = 1.6058952933776557e-10;
const P6: f64 = -7.643303950407732e-13;
const P7: f64 = 2.7241961352251455e-15;

/// `sin r` for `|r| ≤ π/2 + 10^-6`.
#[inline(always)]
fn sin_poly(r: f64) -> f64 {
    let z = r * r;
    let p = P7.mul_add(z, P6);
    let p = p.mul_add(z, P5);
    let p = p.mul_add(z, P4);
    let p = p.mul_add(z, P3);
    let p = p.mul_add(z, P2);
    let p = p.mul_add(z, P1);
    let p = p.mul_add(z, P0);
    (r * z).mul_add(p, r)
}

/// Whether `|r|` is within 2^-40 of π/2: `x` is then within 2^-40 of a point where the
/// function is ±1, where the rounding of the reduction can make the result 1 ulp below 1.
#[inline(always)]
fn near_peak(a: f64) -> bool {
    (a - FRAC_PI_2).abs() < TINY_R
}

/// `x - k·π` for an integer-valued `k` (`k·π/2` when the parts are halved by the caller),
/// and the partial result before the smallest part is subtracted. That one keeps the sign of
/// a zero `x` (the last step may not: with `c < 0`, `-0 - 0·c` is `+0`), and has the sign of
/// the result whenever the result is at least 2^-88 in magnitude.
#[inline(always)]
fn reduce(x: f64, k: f64, a: f64, b: f64, c: f64) -> (f64, f64) {
    let r = (-k).mul_add(a, x);
    let r = (-k).mul_add(b, r);
    ((-k).mul_add(c, r), r)
}

/// Fast `sin x` with fused multiply-adds; the slow path as in the module docs.
#[inline(always)]
pub(super) fn sin_fast_fma(x: f64) -> (f64, bool) {
    // q = round(x/π), held in the low bits of t.
    let t = x.mul_add(FRAC_1_PI, ROUND_MAGIC);
    let q = t - ROUND_MAGIC;
    let (r, r_hi) = reduce(x, q, PI_A, PI_B, PI_C);
    // sin(qπ + r) = (-1)^q sin r, and sin is odd: the polynomial is evaluated at |r| and
    // signed by the parity of q and the sign of r, taken from the partial reduction so that
    // sin(±0) = ±0 without a slow path. (Where the two signs could differ, |r| < 2^-88 and
    // q ≠ 0: the slow path.)
    let a = r.abs();
    let sign = (t.to_bits() << 63) ^ (r_hi.to_bits() & SIGN);
    let v = f64::from_bits(sin_poly(a).to_bits() ^ sign);
    let slow = out_of_range(x) || (a < TINY_R && q != 0.0) || near_peak(a);
    (v, slow)
}

/// Fast `cos x` with fused multiply-adds; the slow path as in the module docs.
#[inline(always)]
pub(super) fn cos_fast_fma(x: f64) -> (f64, bool) {
    // q = round(x/π - 1/2); x = (2q + 1)·π/2 + r.
    let t = x.mul_add(FRAC_1_PI, -0.5) + ROUND_MAGIC;
    let q = t - ROUND_MAGIC;
    let k = q.mul_add(2.0, 1.0);
    let (r, _) = reduce(x, k, 0.5 * PI_A, 0.5 * PI_B, 0.5 * PI_C);
    // cos((q + 1/2)π + r) = (-1)^(q+1) sin r.
    let sign = (!t.to_bits()) << 63;
    let v = f64::from_bits(sin_poly(r).to_bits() ^ sign);
    let a = r.abs();
    // cos peaks at x = qπ; the peak at 0 is computed well (cos(0) = 1 exactly).
    let slow = out_of_range(x) || a < TINY_R || (near_peak(a) && x.abs() > 1.0);
    (v, slow)
}
