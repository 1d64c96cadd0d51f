//! Per-element functions behind the NumPy ufuncs that have no slice kernel in
//! `tessera_kernels`: `sinc`, `arctan2`, `hypot`, `logaddexp`, floored division, `fmod`,
//! `nextafter`, shifts, `gcd` and `lcm`.
//!
//! They are scalar: [`tile_ops`](super::tile_ops) applies them one element at a time
//! (`map`/`zip`), and the transcendental ones call the platform's libm through Rust's float
//! methods (`sin`, `hypot`, `atan2`, ...). The semantics follow NumPy's
//! `npy_math` (e.g. `npy_divmod`, `npy_logaddexp`, `npy_lshift`), including its results for
//! zero divisors and out-of-range shift counts.

use super::tile::RegElem;

/// The float functions (for `f32` and `f64`).
pub(crate) trait UFloat: RegElem + num_traits::Float {
    /// `180 / π`, divided in this type (as NumPy's `npy_degreesf` does for `f32`).
    const DEGREES: Self;
    /// `π / 180` in this type.
    const RADIANS: Self;
    /// `ln 2`.
    const LN_2: Self;
    /// `log2(e)`.
    const LOG2_E: Self;
    /// `π`.
    const PI: Self;
    /// A tiny value standing for zero in `sinc` (NumPy's `1.0e-20`).
    const SINC_TINY: Self;
    /// The magnitude of `self` with the sign of `s`.
    fn copysign_(self, s: Self) -> Self;
    /// The next representable value after `self` towards `y`.
    fn nextafter(self, y: Self) -> Self;
}

macro_rules! ufloat {
    ($t:ident) => {
        impl UFloat for $t {
            const DEGREES: Self = 180.0 / std::$t::consts::PI;
            const RADIANS: Self = std::$t::consts::PI / 180.0;
            const LN_2: Self = std::$t::consts::LN_2;
            const LOG2_E: Self = std::$t::consts::LOG2_E;
            const PI: Self = std::$t::consts::PI;
            const SINC_TINY: Self = 1.0e-20;
            #[inline]
            fn copysign_(self, s: Self) -> Self {
                self.copysign(s)
            }
            #[inline]
            fn nextafter(self, y: Self) -> Self {
                if self.is_nan() || y.is_nan() {
                    return self + y;
                }
                if self == y {
                    return y;
                }
                if self == 0.0 {
                    return <$t>::from_bits(1).copysign(y);
                }
                let b = self.to_bits();
                // Sign and magnitude: a step away from zero is the next bit pattern.
                let away = (y > self) == (self > 0.0);
                <$t>::from_bits(if away { b + 1 } else { b - 1 })
            }
        }
    };
}
ufloat!(f64);
ufloat!(f32);

/// NumPy's normalized `sinc`: `sin(y) / y` with `y = π·x` (`π·1e-20` at zero, giving 1).
#[inline]
pub(crate) fn sinc<F: UFloat>(x: F) -> F {
    let y = F::PI * if x == F::zero() { F::SINC_TINY } else { x };
    y.sin() / y
}

/// `ln(e^a + e^b)` without overflow (`npy_logaddexp`).
#[inline]
pub(crate) fn logaddexp<F: UFloat>(a: F, b: F) -> F {
    if a == b {
        // Infinities of the same sign, without an `inf - inf`.
        return a + F::LN_2;
    }
    let d = a - b;
    if d > F::zero() {
        a + (-d).exp().ln_1p()
    } else if d <= F::zero() {
        b + d.exp().ln_1p()
    } else {
        d // NaN
    }
}

/// `log2(2^a + 2^b)` without overflow (`npy_logaddexp2`).
#[inline]
pub(crate) fn logaddexp2<F: UFloat>(a: F, b: F) -> F {
    if a == b {
        return a + F::one();
    }
    let d = a - b;
    if d > F::zero() {
        a + F::LOG2_E * (-d).exp2().ln_1p()
    } else if d <= F::zero() {
        b + F::LOG2_E * d.exp2().ln_1p()
    } else {
        d
    }
}

/// The Heaviside step: 0 below zero, `h0` at zero, 1 above, NaN for NaN.
#[inline]
pub(crate) fn heaviside<F: UFloat>(x: F, h0: F) -> F {
    if x.is_nan() {
        x
    } else if x == F::zero() {
        h0
    } else if x < F::zero() {
        F::zero()
    } else {
        F::one()
    }
}

/// The larger operand, or the other one where one is NaN (`fmax`).
#[inline]
pub(crate) fn fmax<F: UFloat>(a: F, b: F) -> F {
    if a >= b || b.is_nan() {
        a
    } else {
        b
    }
}

/// The smaller operand, or the other one where one is NaN (`fmin`).
#[inline]
pub(crate) fn fmin<F: UFloat>(a: F, b: F) -> F {
    if a <= b || b.is_nan() {
        a
    } else {
        b
    }
}

/// Floored division of floats (`npy_floor_divide` through `npy_divmod`): the quotient of
/// `a - fmod(a, b)` snapped to an integer, `a / b` for a zero divisor.
#[inline]
pub(crate) fn floor_divide_float<F: UFloat>(a: F, b: F) -> F {
    let zero = F::zero();
    if b == zero {
        return a / b;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != zero && ((b < zero) != (m < zero)) {
        div = div - F::one();
    }
    if div != zero {
        let f = div.floor();
        if div - f > F::from(0.5).unwrap_or_else(F::zero) {
            f + F::one()
        } else {
            f
        }
    } else {
        zero.copysign_(a / b)
    }
}

/// The integer functions (for `i8`–`i64` and `u8`–`u64`).
pub(crate) trait UInt: RegElem + Copy {
    /// Floored division; 0 for a zero divisor (NumPy's result, which warns).
    fn floor_div(self, b: Self) -> Self;
    /// Truncated remainder (the sign of the dividend); 0 for a zero divisor.
    fn fmod(self, b: Self) -> Self;
    /// `self << b`; 0 for a count outside `0..BITS` (`npy_lshift`).
    fn shl(self, b: Self) -> Self;
    /// `self >> b` (arithmetic for signed types); for a count outside `0..BITS`, -1 for a
    /// negative `self` and 0 otherwise (`npy_rshift`).
    fn shr(self, b: Self) -> Self;
    /// The greatest common divisor of the magnitudes (`gcd(0, 0) = 0`).
    fn gcd(self, b: Self) -> Self;
    /// The least common multiple of the magnitudes (0 where either is 0), wrapping as
    /// NumPy's does where it overflows.
    fn lcm(self, b: Self) -> Self;
}

macro_rules! uint {
    ($($t:ty),*) => {$(
        impl UInt for $t {
            #[inline]
            #[allow(unused_comparisons)]
            fn floor_div(self, b: Self) -> Self {
                if b == 0 {
                    return 0;
                }
                let q = self.wrapping_div(b);
                if self.wrapping_rem(b) != 0 && ((self < 0) != (b < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                }
            }
            #[inline]
            fn fmod(self, b: Self) -> Self {
                if b == 0 { 0 } else { self.wrapping_rem(b) }
            }
            #[inline]
            fn shl(self, b: Self) -> Self {
                // A negative count reads as a huge unsigned one, as in NumPy's C.
                if (b as u64) < <$t>::BITS as u64 { self.wrapping_shl(b as u32) } else { 0 }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn shr(self, b: Self) -> Self {
                if (b as u64) < <$t>::BITS as u64 {
                    self.wrapping_shr(b as u32)
                } else if self < 0 {
                    (0 as $t).wrapping_sub(1)
                } else {
                    0
                }
            }
            #[inline]
            fn gcd(self, b: Self) -> Self {
                let (mut x, mut y) = (self.unsigned_abs_(), b.unsigned_abs_());
                while y != 0 {
                    let r = x % y;
                    x = y;
                    y = r;
                }
                x as $t
            }
            #[inline]
            fn lcm(self, b: Self) -> Self {
                // NumPy's `npy_lcm`: `|a| / gcd * |b|` in the unsigned type, wrapping.
                let g = UInt::gcd(self, b).unsigned_abs_();
                if g == 0 {
                    return 0;
                }
                (self.unsigned_abs_() / g).wrapping_mul(b.unsigned_abs_()) as $t
            }
        }
    )*};
}

/// `unsigned_abs` for signed and unsigned types alike.
trait Magnitude: Sized {
    type U;
    fn unsigned_abs_(self) -> Self::U;
}
macro_rules! magnitude {
    (signed $($t:ty, $u:ty);*) => {$(
        impl Magnitude for $t {
            type U = $u;
            #[inline] fn unsigned_abs_(self) -> $u { self.unsigned_abs() }
        }
    )*};
    (unsigned $($t:ty);*) => {$(
        impl Magnitude for $t {
            type U = $t;
            #[inline] fn unsigned_abs_(self) -> $t { self }
        }
    )*};
}
magnitude!(signed i8, u8; i16, u16; i32, u32; i64, u64);
magnitude!(unsigned u8; u16; u32; u64);
uint!(i8, i16, i32, i64, u8, u16, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nextafter_steps_one_ulp() {
        assert_eq!(1.0f64.nextafter(2.0), 1.0 + f64::EPSILON);
        assert_eq!(1.0f64.nextafter(0.0), 1.0 - f64::EPSILON / 2.0);
        assert_eq!((-1.0f32).nextafter(0.0), -1.0 + f32::EPSILON / 2.0);
        assert_eq!(0.0f64.nextafter(-1.0), -f64::from_bits(1));
        assert_eq!(f64::MAX.nextafter(f64::INFINITY), f64::INFINITY);
        assert!(f64::NAN.nextafter(1.0).is_nan());
    }

    #[test]
    fn integer_division_and_shifts_follow_numpy() {
        assert_eq!((-7i32).floor_div(2), -4);
        assert_eq!(7i32.floor_div(-2), -4);
        assert_eq!(7i32.floor_div(0), 0);
        assert_eq!(i8::MIN.floor_div(-1), i8::MIN);
        assert_eq!((-7i32).fmod(2), -1);
        assert_eq!(1i8.shl(8), 0);
        assert_eq!(1i8.shl(-1), 0);
        assert_eq!((-8i16).shr(100), -1);
        assert_eq!(8u16.shr(16), 0);
        assert_eq!((-12i32).gcd(18), 6);
        assert_eq!((-4i64).lcm(6), 12);
        assert_eq!(0u8.lcm(5), 0);
    }

    /// Every new operation has a kernel for exactly the dtypes `result_dtype` accepts, and
    /// an `Error::DType` (not a panic) for the others.
    #[test]
    fn kernels_match_result_dtypes() {
        use crate::dtype::DType::*;
        use crate::expr::{BinaryOp as B, UnaryOp as U};
        use crate::Error;
        let dts = [Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64];
        let unary = [
            U::Arcsin,
            U::Arccos,
            U::Arctan,
            U::Sinh,
            U::Cosh,
            U::Arcsinh,
            U::Arccosh,
            U::Arctanh,
            U::Log2,
            U::Log10,
            U::Exp2,
            U::Cbrt,
            U::Square,
            U::Reciprocal,
            U::IsInf,
            U::IsPosInf,
            U::IsNegInf,
            U::SignBit,
            U::Trunc,
            U::Degrees,
            U::Radians,
            U::Sinc,
            U::Invert,
        ];
        let binary = [
            B::Arctan2,
            B::Hypot,
            B::Copysign,
            B::Nextafter,
            B::Fmod,
            B::Fmax,
            B::Fmin,
            B::Logaddexp,
            B::Logaddexp2,
            B::Heaviside,
            B::FloorDivide,
            B::BitAnd,
            B::BitOr,
            B::BitXor,
            B::LeftShift,
            B::RightShift,
            B::Gcd,
            B::Lcm,
        ];
        for dt in dts {
            for op in unary {
                match super::super::tile_ops::unary(op, dt) {
                    Ok(_) => assert!(op.result_dtype(dt).is_some(), "{op:?} {dt}"),
                    Err(Error::DType { .. }) => assert!(op.result_dtype(dt).is_none()),
                    Err(e) => panic!("{op:?} {dt}: {e}"),
                }
            }
            for op in binary {
                match super::super::tile_ops::binary(op, dt) {
                    Ok(_) => assert!(op.result_dtype(dt).is_some(), "{op:?} {dt}"),
                    Err(Error::DType { .. }) => assert!(op.result_dtype(dt).is_none()),
                    Err(e) => panic!("{op:?} {dt}: {e}"),
                }
            }
        }
    }

    #[test]
    fn float_floor_divide_matches_python() {
        assert_eq!(floor_divide_float(7.0f64, 2.0), 3.0);
        assert_eq!(floor_divide_float(-7.0f64, 2.0), -4.0);
        assert_eq!(floor_divide_float(-1.0f64, f64::INFINITY), -1.0);
        assert!(floor_divide_float(1.0f64, 0.0).is_infinite());
    }
}
