//! Division and remainder of 64-bit integers, vectorized.
//!
//! Neither SSE/AVX nor NEON divides 64-bit integers, so the plain loop over
//! [`Arith::div`] runs one scalar division per element. Here,
//! where both operands are below 2^51 in magnitude, the quotient is computed in `f64`: the
//! operands convert exactly (by adding them to 1.5·2^52 in the bits), and a quotient of
//! integers below 2^53 is never rounded across an integer (an exact quotient `k - r/|b|`
//! with `r ≥ 1` is at least `1/|b|` from `k`, more than half an ulp of `k`), so truncating it
//! gives the integer quotient. The remainder is then `a - q·b`, exactly. Elements with a
//! larger operand are flagged by the vector loop and redone with the scalar operation
//! afterwards. At the baseline level (no wide vectors) the scalar operation runs directly.
//! Every result equals [`Arith::div`] / [`Arith::rem`] bit for bit
//! (truncating division, NumPy's floored remainder, 0 for a zero divisor, wrapping
//! `MIN / -1`).
//!
//! ```
//! use tessera_kernels::wide_div::{div_i64, rem_i64};
//! let a = [7i64, -7, i64::MIN, 5];
//! let b = [2i64, 2, -1, 0];
//! let mut q = [0; 4];
//! let mut r = [0; 4];
//! div_i64(&a, &b, &mut q);
//! rem_i64(&a, &b, &mut r);
//! assert_eq!(q, [3, -3, i64::MIN, 0]);
//! assert_eq!(r, [1, 1, 0, 0]);
//! ```

use crate::elementwise;
use crate::scalar::{trunc_small, Arith, ROUND_MAGIC, ROUND_MAGIC_BITS};

/// Operands below this magnitude take the `f64` path.
const LIMIT: u64 = 1 << 51;

/// `n as f64` for `|n| < 2^51`, with integer and float additions only (AVX2 has no 64-bit
/// integer conversion): the bits of `1.5·2^52 + n` are those of 1.5·2^52 plus `n`.
#[inline(always)]
fn small_to_f64(n: i64) -> f64 {
    f64::from_bits(ROUND_MAGIC_BITS.wrapping_add(n) as u64) - ROUND_MAGIC
}

/// The quotient of `n / d` (both below 2^51 in magnitude, `d ≠ 0`) truncated toward zero.
#[inline(always)]
fn small_quotient(n: i64, d: i64) -> i64 {
    trunc_small(small_to_f64(n) / small_to_f64(d))
}

/// A 64-bit integer type with the vector path.
trait Wide: Arith + Copy + PartialEq {
    /// Whether both operands are below [`LIMIT`] in magnitude.
    fn small(a: Self, b: Self) -> bool;
    /// The value as `i64` (exact for small values).
    fn to_i64(self) -> i64;
    /// An `i64` quotient or remainder back in this type (exact for small values).
    fn from_i64(v: i64) -> Self;
}

impl Wide for i64 {
    #[inline(always)]
    fn small(a: i64, b: i64) -> bool {
        a.unsigned_abs() < LIMIT && b.unsigned_abs() < LIMIT
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self
    }
    #[inline(always)]
    fn from_i64(v: i64) -> i64 {
        v
    }
}

impl Wide for u64 {
    #[inline(always)]
    fn small(a: u64, b: u64) -> bool {
        a < LIMIT && b < LIMIT
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn from_i64(v: i64) -> u64 {
        v as u64
    }
}

/// `(a / b or a % b, whether the element needs the scalar operation instead)`.
#[inline(always)]
fn fast<T: Wide, const REM: bool>(a: T, b: T) -> (T, bool) {
    let ok = T::small(a, b);
    let zero = b == T::zero();
    let (n, d) = if ok && !zero {
        (a.to_i64(), b.to_i64())
    } else {
        (0, 1)
    };
    let q = small_quotient(n, d);
    let v = if REM {
        // a - q·b, then NumPy's floored remainder: the sign of the divisor.
        let r = n.wrapping_sub(q.wrapping_mul(d));
        let r = if r != 0 && ((r < 0) != (d < 0)) {
            r.wrapping_add(d)
        } else {
            r
        };
        T::from_i64(r)
    } else {
        T::from_i64(q)
    };
    (if zero { T::zero() } else { v }, !ok && !zero)
}

/// The kernel: the vector pass, then the scalar operation for the flagged elements. Without
/// wide vectors the `f64` detour is slower than the scalar division, so the baseline level
/// runs the scalar operation alone.
#[inline(always)]
fn run<T: Wide, const REM: bool>(x: &[T], y: &[T], out: &mut [T]) {
    let exact = |a: T, b: T| if REM { a.rem(b) } else { a.div(b) };
    elementwise::zip_or_exact(x, y, out, fast::<T, REM>, exact)
}

/// `out[i] = x[i] / y[i]` as [`Arith::div`] for `i64` (truncating; 0 where `y[i] == 0`),
/// for `i` below the shortest length.
pub fn div_i64(x: &[i64], y: &[i64], out: &mut [i64]) {
    run::<i64, false>(x, y, out)
}

/// `out[i] = x[i] % y[i]` as [`Arith::rem`] for `i64` (floored: the sign of the divisor; 0
/// where `y[i] == 0`).
pub fn rem_i64(x: &[i64], y: &[i64], out: &mut [i64]) {
    run::<i64, true>(x, y, out)
}

/// `out[i] = x[i] / y[i]` as [`Arith::div`] for `u64` (0 where `y[i] == 0`).
pub fn div_u64(x: &[u64], y: &[u64], out: &mut [u64]) {
    run::<u64, false>(x, y, out)
}

/// `out[i] = x[i] % y[i]` as [`Arith::rem`] for `u64` (0 where `y[i] == 0`).
pub fn rem_u64(x: &[u64], y: &[u64], out: &mut [u64]) {
    run::<u64, true>(x, y, out)
}
