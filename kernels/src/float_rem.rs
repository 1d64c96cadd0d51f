//! Floating-point remainder (`%`, NumPy's floored `remainder`), vectorized.
//!
//! No SIMD instruction computes `fmod`, so the plain loop over
//! [`Arith::rem`] calls the C library once per element. Here,
//! where the quotient is below 2^52 in magnitude and the divisor finite and nonzero, the
//! truncated quotient `q` is taken from the rounded division `a / b`, and `fmod(a, b)` is
//! `a - q·b` in one fused multiply-add, which is exact whenever `q` is the true truncated
//! quotient (the exact remainder is representable). Rounding can make `a / b` reach an
//! integer that the exact quotient only approaches from below (never the reverse: rounding is
//! monotonic and integers are representable), so `q` is at most one too far from zero; the
//! first remainder then has the sign opposite to `a`, and the multiply-add is redone with
//! the quotient one step closer to zero. NumPy's floored remainder follows as in the scalar
//! operation: zero takes the sign of the divisor, and a nonzero remainder whose sign differs
//! from the divisor's gets the divisor added (one rounding, as NumPy does). Other elements
//! (a zero, infinite or NaN operand where the quotient is not small, a quotient of 2^52 or
//! more) are flagged by the vector loop and redone with the scalar operation afterwards.
//! `f32` operands are widened to `f64`, where the same steps give the exact `fmod` (which
//! then narrows exactly), and the divisor is added in `f32`.
//!
//! The levels with fused multiply-add (AVX2, AVX-512) take this path; the others run the
//! scalar operation, as a multiply-add without hardware support is a library call. Every
//! result equals [`Arith::rem`] bit for bit.
//!
//! ```
//! use tessera_kernels::float_rem::rem_f64;
//! let a = [7.5, -7.5, 7.5, 1e300, 3.0, f64::INFINITY];
//! let b = [2.0, 2.0, -2.0, 3.0, 0.0, 1.0];
//! let mut r = [0.0; 6];
//! rem_f64(&a, &b, &mut r);
//! assert_eq!(&r[..4], &[1.5, 0.5, -0.5, 1e300 % 3.0]);
//! assert!(r[4].is_nan() && r[5].is_nan());
//! ```

use crate::elementwise;
use crate::scalar::Arith;

/// Quotients below this magnitude take the vector path.
const LIMIT: f64 = 4_503_599_627_370_496.0; // 2^52

/// `(fmod(a, b), whether the element needs the scalar operation instead)`.
#[inline(always)]
fn fmod_fast(a: f64, b: f64) -> (f64, bool) {
    let d = a / b;
    // False for NaN quotients (0/0, inf/inf) and for a zero divisor (infinite quotient).
    let ok = d.abs() < LIMIT && b.is_finite();
    let q = d.trunc();
    let r = (-q).mul_add(b, a);
    // q one too far from zero: the remainder has the wrong sign.
    let over = r != 0.0 && ((r < 0.0) != (a < 0.0));
    let q = if over { q - 1f64.copysign(d) } else { q };
    // An exact zero takes the dividend's sign, as C's `fmod` gives it.
    let r = (-q).mul_add(b, a);
    (if r == 0.0 { r.copysign(a) } else { r }, !ok)
}

/// NumPy's floored remainder from `fmod`, as [`Arith::rem`] computes it.
#[inline(always)]
fn floored<T: Arith + PartialOrd + Copy>(r: T, b: T, neg_zero_b: bool) -> T {
    let zero = T::zero();
    if r == zero {
        if neg_zero_b {
            zero.neg()
        } else {
            zero
        }
    } else if (r < zero) != (b < zero) {
        r.add(b)
    } else {
        r
    }
}

/// The kernel: the vector pass, then the scalar operation for the flagged elements.
#[inline(always)]
fn run<T: Arith + PartialOrd + Copy>(
    x: &[T],
    y: &[T],
    out: &mut [T],
    widen: impl Fn(T) -> f64 + Copy,
    narrow: impl Fn(f64) -> T + Copy,
) {
    let fast = |a: T, b: T| {
        let wb = widen(b);
        let (r, s) = fmod_fast(widen(a), wb);
        (floored(narrow(r), b, wb.is_sign_negative()), s)
    };
    elementwise::zip_or_exact(x, y, out, fast, Arith::rem)
}

/// `out[i] = x[i] % y[i]` as [`Arith::rem`] for `f64` (NumPy's `remainder`: the sign of
/// the divisor; NaN for a zero divisor or an infinite dividend), for `i` below the shortest
/// length.
pub fn rem_f64(x: &[f64], y: &[f64], out: &mut [f64]) {
    run(x, y, out, |v| v, |v| v)
}

/// `out[i] = x[i] % y[i]` as [`Arith::rem`] for `f32`.
pub fn rem_f32(x: &[f32], y: &[f32], out: &mut [f32]) {
    run(x, y, out, f64::from, |v| v as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector path's `fmod` itself against the C library's, bit for bit, where the
    /// rounded quotient reaches an integer (the floored remainder hides a wrong quotient in
    /// those cases, so the kernel tests cannot see it) and on zero remainders of both signs.
    #[test]
    fn fmod_fast_is_fmod() {
        let mut seen_over = 0;
        let mut state = 7u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.0;
            let k = ((state >> 40) % 5000) as f64 - 2500.0;
            let a = k * b;
            let (r, slow) = fmod_fast(a, b);
            if slow {
                continue;
            }
            let want = a % b;
            assert_eq!(r.to_bits(), want.to_bits(), "{a:e} % {b:e}");
            if (a / b).trunc() != (a / b - want / b).round() {
                seen_over += 1;
            }
        }
        assert!(
            seen_over > 100,
            "{seen_over} quotients rounded up to an integer"
        );
        for (a, b) in [(-6.0, 3.0), (6.0, -3.0), (-0.0, 2.0), (0.0, -2.0)] {
            assert_eq!(fmod_fast(a, b).0.to_bits(), (a % b).to_bits(), "{a} % {b}");
        }
    }
}
