//! Element semantics that follow NumPy, for every numeric element type.
//!
//! | operation | integers | floats |
//! |-----------|----------|--------|
//! | `+ - *`, negation | wrap around on overflow | IEEE 754 |
//! | `/` | truncating; `x / 0 == 0`; `MIN / -1` wraps | IEEE 754 |
//! | `%` | floored: the result has the sign of the divisor; `x % 0 == 0` | floored, `copysign(0, b)` for an exact zero |
//! | `pow` | wrapping; a negative exponent gives the truncated real result (`1`, `-1` or `0`; `0` for `0^-n`) | `powf` |
//! | `maximum`/`minimum` | ordinary | NaN propagates |
//! | `abs` | wrapping (`abs(MIN) == MIN`); identity for unsigned | IEEE |
//! | `sign` | `-1`, `0`, `1` | `-1`, `±0`, `1`, NaN stays NaN |

/// 1.5·2^52: adding it to an integer-valued `f64` below 2^51 in magnitude puts the integer
/// in the low mantissa bits.
pub(crate) const ROUND_MAGIC: f64 = 6755399441055744.0;
pub(crate) const ROUND_MAGIC_BITS: i64 = 0x4338_0000_0000_0000;

/// `v` truncated toward zero, for `|v| < 2^51`: rounded to the nearest integer by adding
/// 1.5·2^52 and reading the low bits, then moved one step toward zero where that rounded
/// away from it. Unlike `trunc` (a library call without SSE4.1) or a saturating `as`
/// conversion, every step vectorizes at every level.
#[inline(always)]
pub(crate) fn trunc_small(v: f64) -> i64 {
    let near = v + ROUND_MAGIC;
    let back = near - ROUND_MAGIC;
    let q = (near.to_bits() as i64).wrapping_sub(ROUND_MAGIC_BITS);
    let away = back.abs() > v.abs();
    let step = if !away {
        0
    } else if v > 0.0 {
        1
    } else {
        -1
    };
    q.wrapping_sub(step)
}

/// Arithmetic with NumPy's semantics (see the module documentation).
pub trait Arith: Copy + PartialOrd + Send + Sync + 'static {
    /// Additive identity.
    fn zero() -> Self;
    /// Multiplicative identity.
    fn one() -> Self;
    /// `a + b`.
    fn add(self, b: Self) -> Self;
    /// `a - b`.
    fn sub(self, b: Self) -> Self;
    /// `a * b`.
    fn mul(self, b: Self) -> Self;
    /// `a / b`.
    fn div(self, b: Self) -> Self;
    /// Floored remainder, `a % b`.
    fn rem(self, b: Self) -> Self;
    /// `a ** b`.
    fn pow(self, b: Self) -> Self;
    /// `-a`.
    fn neg(self) -> Self;
    /// `|a|`.
    fn abs(self) -> Self;
    /// The sign of `a`.
    fn sign(self) -> Self;
    /// The larger of `a` and `b`; NaN if either is NaN.
    fn maximum(self, b: Self) -> Self;
    /// The smaller of `a` and `b`; NaN if either is NaN.
    fn minimum(self, b: Self) -> Self;
    /// Whether the value is NaN (always false for integers).
    fn is_nan(self) -> bool;
    /// Whether the value is finite (always true for integers).
    fn is_finite(self) -> bool;
    /// Whether the value is not zero.
    fn is_nonzero(self) -> bool;
}

macro_rules! int_arith {
    ($($t:ty, $signed:expr, $small:expr);*) => {$(
        impl Arith for $t {
            #[inline] fn zero() -> Self { 0 }
            #[inline] fn one() -> Self { 1 }
            #[inline] fn add(self, b: Self) -> Self { self.wrapping_add(b) }
            #[inline] fn sub(self, b: Self) -> Self { self.wrapping_sub(b) }
            #[inline] fn mul(self, b: Self) -> Self { self.wrapping_mul(b) }
            #[inline]
            fn div(self, b: Self) -> Self {
                if $small {
                    // Exact: a quotient of integers below 2^53 in magnitude is never
                    // rounded across an integer, and it is below 2^32 here.
                    let d = if b == 0 { 1 } else { b };
                    let q = trunc_small(self as f64 / d as f64);
                    if b == 0 { 0 } else { q as Self }
                } else if b == 0 {
                    0
                } else {
                    self.wrapping_div(b)
                }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn rem(self, b: Self) -> Self {
                let r = if $small {
                    self.wrapping_sub(Arith::div(self, b).wrapping_mul(b))
                } else if b == 0 {
                    0
                } else {
                    self.wrapping_rem(b)
                };
                let r = if r != 0 && ((r < 0) != (b < 0)) { r.wrapping_add(b) } else { r };
                if b == 0 { 0 } else { r }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn pow(self, b: Self) -> Self {
                if b < 0 {
                    // Truncated real result of self^b for a negative b.
                    return match self as i128 {
                        1 => 1,
                        -1 => if (b as i128) % 2 == 0 { 1 } else { self },
                        _ => 0,
                    };
                }
                let mut base = self;
                let mut e = b as u128;
                let mut acc: Self = 1;
                while e > 0 {
                    if e & 1 == 1 { acc = acc.wrapping_mul(base); }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            #[inline] fn neg(self) -> Self { (0 as $t).wrapping_sub(self) }
            #[inline]
            #[allow(unused_comparisons)]
            fn abs(self) -> Self { if $signed && self < 0 { self.neg() } else { self } }
            #[inline]
            #[allow(unused_comparisons)]
            fn sign(self) -> Self {
                if self > 0 { 1 } else if self == 0 { 0 } else { (0 as $t).wrapping_sub(1) }
            }
            #[inline] fn maximum(self, b: Self) -> Self { if self >= b { self } else { b } }
            #[inline] fn minimum(self, b: Self) -> Self { if self <= b { self } else { b } }
            #[inline] fn is_nan(self) -> bool { false }
            #[inline] fn is_finite(self) -> bool { true }
            #[inline] fn is_nonzero(self) -> bool { self != 0 }
        }
    )*};
}
int_arith!(
    i8, true, true; i16, true, true; i32, true, true; i64, true, false;
    u8, false, true; u16, false, true; u32, false, true; u64, false, false
);

macro_rules! float_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            #[inline] fn zero() -> Self { 0.0 }
            #[inline] fn one() -> Self { 1.0 }
            #[inline] fn add(self, b: Self) -> Self { self + b }
            #[inline] fn sub(self, b: Self) -> Self { self - b }
            #[inline] fn mul(self, b: Self) -> Self { self * b }
            #[inline] fn div(self, b: Self) -> Self { self / b }
            #[inline]
            fn rem(self, b: Self) -> Self {
                let r = self % b;
                if r == 0.0 { (0.0 as $t).copysign(b) }
                else if (r < 0.0) != (b < 0.0) { r + b }
                else { r }
            }
            #[inline] fn pow(self, b: Self) -> Self { self.powf(b) }
            #[inline] fn neg(self) -> Self { -self }
            #[inline] fn abs(self) -> Self { <$t>::abs(self) }
            #[inline]
            fn sign(self) -> Self {
                if self > 0.0 { 1.0 } else if self < 0.0 { -1.0 } else { self }
            }
            #[inline]
            fn maximum(self, b: Self) -> Self {
                if self.is_nan() || b.is_nan() { <$t>::NAN } else if self >= b { self } else { b }
            }
            #[inline]
            fn minimum(self, b: Self) -> Self {
                if self.is_nan() || b.is_nan() { <$t>::NAN } else if self <= b { self } else { b }
            }
            #[inline] fn is_nan(self) -> bool { <$t>::is_nan(self) }
            #[inline] fn is_finite(self) -> bool { <$t>::is_finite(self) }
            #[inline] fn is_nonzero(self) -> bool { self != 0.0 }
        }
    )*};
}
float_arith!(f32, f64);

/// Rounds half to even, as NumPy's `round` does (`0.5 → 0`, `1.5 → 2`, `2.5 → 2`).
///
/// ```
/// use tessera_kernels::scalar::round_half_even;
/// assert_eq!(round_half_even(2.5f64), 2.0);
/// assert_eq!(round_half_even(-1.5f64), -2.0);
/// ```
#[inline]
pub fn round_half_even<T: num_traits::Float>(x: T) -> T {
    let r = x.round();
    let two = T::one() + T::one();
    if (x - x.trunc()).abs() == T::one() / two && (r / two).fract() != T::zero() {
        r - x.signum()
    } else {
        r
    }
}

/// `v as i32` for an `f64` (Rust's conversion: truncation toward zero, saturation at the
/// bounds, NaN to 0), written so that it vectorizes at every level. The value is clamped into
/// range and NaN replaced by 0 first, so a plain truncating conversion is exact; `as`
/// itself compiles to a conversion followed by fix-ups that do not vectorize well, so at
/// AVX2 and AVX-512 it is no faster than at the baseline, while this form uses the full
/// vector width. The engine's float-to-`i32` casts use it.
///
/// ```
/// use tessera_kernels::scalar::f64_to_i32;
/// for v in [1.9, -1.9, 3e9, -3e9, f64::NAN, f64::INFINITY, -0.0] {
///     assert_eq!(f64_to_i32(v), v as i32);
/// }
/// ```
#[inline(always)]
pub fn f64_to_i32(v: f64) -> i32 {
    const LO: f64 = i32::MIN as f64;
    const HI: f64 = i32::MAX as f64;
    // `clamp` keeps NaN, which is replaced next.
    let c = v.clamp(LO, HI);
    let c = if c.is_nan() { 0.0 } else { c };
    // SAFETY: `c` is not NaN and lies in [i32::MIN, i32::MAX] (both exact in f64), so its
    // truncation toward zero is a representable i32, as `to_int_unchecked` requires.
    unsafe { c.to_int_unchecked::<i32>() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_semantics_follow_numpy() {
        assert_eq!(Arith::div(7i32, 0), 0);
        assert_eq!(Arith::div(i32::MIN, -1), i32::MIN);
        assert_eq!(Arith::rem(-7i32, 3), 2);
        assert_eq!(Arith::rem(7i32, -3), -2);
        assert_eq!(Arith::rem(7u8, 0), 0);
        assert_eq!(Arith::add(250u8, 10), 4);
        assert_eq!(Arith::pow(3i64, 4), 81);
        assert_eq!(Arith::pow(2i8, 8), 0);
        assert_eq!(Arith::pow(-1i32, -3), -1);
        assert_eq!(Arith::pow(5i32, -1), 0);
        assert_eq!(Arith::abs(i8::MIN), i8::MIN);
        assert_eq!(Arith::sign(-5i16), -1);
        assert_eq!(Arith::sign(0u32), 0);
        assert_eq!(Arith::neg(1u8), 255);
    }

    #[test]
    fn small_integer_division_through_f64_is_exact() {
        // Exhaustive for 8 bits, edge values for 16 and 32 bits, against i64 arithmetic.
        let floor_rem = |a: i64, b: i64| {
            if b == 0 {
                0
            } else {
                a.rem_euclid(b) + if b < 0 && a.rem_euclid(b) != 0 { b } else { 0 }
            }
        };
        for a in i8::MIN..=i8::MAX {
            for b in i8::MIN..=i8::MAX {
                let q = if b == 0 {
                    0
                } else {
                    (a as i64 / b as i64) as i8
                };
                assert_eq!(Arith::div(a, b), q, "{a} / {b}");
                assert_eq!(
                    Arith::rem(a, b) as i64,
                    floor_rem(a as i64, b as i64) as i8 as i64,
                    "{a} % {b}"
                );
            }
        }
        for a in 0..=u8::MAX {
            for b in 0..=u8::MAX {
                assert_eq!(Arith::div(a, b), a.checked_div(b).unwrap_or(0));
                assert_eq!(Arith::rem(a, b), a.checked_rem(b).unwrap_or(0));
            }
        }
        let edge = [
            i32::MIN,
            i32::MIN + 1,
            -65537,
            -7,
            -1,
            0,
            1,
            3,
            7,
            65536,
            i32::MAX - 1,
            i32::MAX,
        ];
        for &a in &edge {
            for &b in &edge {
                let q = if b == 0 { 0 } else { a.wrapping_div(b) };
                assert_eq!(Arith::div(a, b), q, "{a} / {b}");
                assert_eq!(
                    Arith::rem(a, b) as i64,
                    floor_rem(a as i64, b as i64) as i32 as i64,
                    "{a} % {b}"
                );
            }
        }
        let uedge = [0u32, 1, 2, 3, 65535, 1 << 31, u32::MAX - 1, u32::MAX];
        for &a in &uedge {
            for &b in &uedge {
                assert_eq!(Arith::div(a, b), a.checked_div(b).unwrap_or(0), "{a} / {b}");
                assert_eq!(Arith::rem(a, b), a.checked_rem(b).unwrap_or(0), "{a} % {b}");
            }
        }
        // Random full-width pairs against 64-bit arithmetic.
        let mut st = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            st = st
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (a, b) = ((st >> 32) as i32, (st as i32) >> (st % 31));
            let want = if b == 0 {
                0
            } else {
                (a as i64 / b as i64) as i32
            };
            assert_eq!(Arith::div(a, b), want, "{a} / {b}");
            let want_rem = floor_rem(a as i64, b as i64) as i32;
            assert_eq!(Arith::rem(a, b), want_rem, "{a} % {b}");
            let (ua, ub) = ((st >> 32) as u32, (st as u32) >> (st % 31));
            assert_eq!(
                Arith::div(ua, ub),
                ua.checked_div(ub).unwrap_or(0),
                "{ua} / {ub}"
            );
            assert_eq!(
                Arith::rem(ua, ub),
                ua.checked_rem(ub).unwrap_or(0),
                "{ua} % {ub}"
            );
            let (ha, hb) = ((st >> 48) as i16, (st >> (st % 16)) as i16);
            let want16 = if hb == 0 {
                0
            } else {
                (ha as i64 / hb as i64) as i16
            };
            assert_eq!(Arith::div(ha, hb), want16, "{ha} / {hb}");
        }
        assert_eq!(Arith::div(i16::MIN, -1), i16::MIN);
        assert_eq!(Arith::rem(i16::MIN, -1), 0);
    }

    #[test]
    fn float_semantics_follow_numpy() {
        assert_eq!(Arith::rem(-1.0f64, 3.0), 2.0);
        assert_eq!(Arith::rem(1.0f64, -3.0), -2.0);
        assert!(Arith::rem(3.0f64, -3.0).is_sign_negative());
        assert!(Arith::maximum(1.0f64, f64::NAN).is_nan());
        assert!(Arith::minimum(f32::NAN, 1.0).is_nan());
        assert!(Arith::sign(f64::NAN).is_nan());
        assert_eq!(Arith::sign(-0.0f64).to_bits(), (-0.0f64).to_bits());
        assert_eq!(round_half_even(0.5f64), 0.0);
        assert_eq!(round_half_even(1.5f32), 2.0);
        assert_eq!(round_half_even(2.4f64), 2.0);
        assert_eq!(round_half_even(-2.5f64), -2.0);
    }
}
