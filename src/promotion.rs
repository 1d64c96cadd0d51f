//! NumPy 2's type promotion (NEP 50), at the type level and at run time.
//!
//! - [`Promote`] gives the element type of an operation between two arrays: `i32` and `f64`
//!   give `f64`, `u8` and `i8` give `i16`, `f32` and `i32` give `f64`, `bool` takes the
//!   other type. [`DType::promote`] is the same rule for types known only at run time (what
//!   [`AnyArray`](crate::AnyArray)'s arithmetic uses).
//! - A scalar next to a typed array has the array's element type, so a Rust literal never
//!   widens the array: `x_f32 * 2.0` stays `f32`, as a Python float does in NumPy 2. For an
//!   [`AnyArray`](crate::AnyArray), a [`Scalar`](crate::Scalar) operand is weak as Python's
//!   numbers are ([`DType::promote_weak`]): it takes the array's type, except that a float
//!   next to an integer or boolean array gives `f64` and an integer next to a boolean array
//!   `i64`; an integer the array's type cannot hold (`300` next to `u8`) is an error, as
//!   NumPy raises `OverflowError`.
//! - True division (`/`, [`try_div`](crate::Array::try_div)) divides in the promoted type's
//!   [`Quotient`](crate::Element::Quotient): `f64` for integers and booleans. Floored
//!   division is [`floor_divide`](crate::Array::floor_divide), NumPy's `//`.
//!
//! ```
//! use tessera::Array;
//! let i = Array::<i32>::arange(0, 4, 1, 2)?;
//! let x = Array::<f32>::ones(&[4], 2)?;
//! let y: Array<f64> = &i + &x; // i32 and f32 promote to f64
//! let z: Array<f32> = &x * 2.0; // a literal does not widen the array
//! let q: Array<f64> = &i / 2; // true division of integers
//! assert_eq!(q.compute()?.as_slice().unwrap(), &[0.0, 0.5, 1.0, 1.5]);
//! # let _ = (y, z);
//! # Ok::<(), tessera::Error>(())
//! ```

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};

/// The element type of a binary operation between an `Array<Self>` and an `Array<U>`
/// (NumPy's `result_type`, NEP 50).
///
/// ```
/// use tessera::{Element, Promote, DType};
/// assert_eq!(<<u8 as Promote<i8>>::Output as Element>::DTYPE, DType::I16);
/// assert_eq!(<<i64 as Promote<u64>>::Output as Element>::DTYPE, DType::F64);
/// ```
pub trait Promote<U: Element>: Element {
    /// The promoted element type.
    type Output: Element;
}

impl<T: Element> Promote<T> for T {
    type Output = T;
}

macro_rules! promote_table {
    ($($t:ty: $($u:ty => $o:ty),*;)*) => {$($(
        impl Promote<$u> for $t {
            type Output = $o;
        }
    )*)*};
}

// Rows: the left array's type; entries: the other array's type => the result (the table of
// NumPy 2.4's `np.result_type`).
promote_table! {
    bool: i8 => i8, i16 => i16, i32 => i32, i64 => i64, u8 => u8, u16 => u16, u32 => u32, u64 => u64, f32 => f32, f64 => f64;
    i8: bool => i8, i16 => i16, i32 => i32, i64 => i64, u8 => i16, u16 => i32, u32 => i64, u64 => f64, f32 => f32, f64 => f64;
    i16: bool => i16, i8 => i16, i32 => i32, i64 => i64, u8 => i16, u16 => i32, u32 => i64, u64 => f64, f32 => f32, f64 => f64;
    i32: bool => i32, i8 => i32, i16 => i32, i64 => i64, u8 => i32, u16 => i32, u32 => i64, u64 => f64, f32 => f64, f64 => f64;
    i64: bool => i64, i8 => i64, i16 => i64, i32 => i64, u8 => i64, u16 => i64, u32 => i64, u64 => f64, f32 => f64, f64 => f64;
    u8: bool => u8, i8 => i16, i16 => i16, i32 => i32, i64 => i64, u16 => u16, u32 => u32, u64 => u64, f32 => f32, f64 => f64;
    u16: bool => u16, i8 => i32, i16 => i32, i32 => i32, i64 => i64, u8 => u16, u32 => u32, u64 => u64, f32 => f32, f64 => f64;
    u32: bool => u32, i8 => i64, i16 => i64, i32 => i64, i64 => i64, u8 => u32, u16 => u32, u64 => u64, f32 => f64, f64 => f64;
    u64: bool => u64, i8 => f64, i16 => f64, i32 => f64, i64 => f64, u8 => u64, u16 => u64, u32 => u64, f32 => f64, f64 => f64;
    f32: bool => f32, i8 => f32, i16 => f32, i32 => f64, i64 => f64, u8 => f32, u16 => f32, u32 => f64, u64 => f64, f64 => f64;
    f64: bool => f64, i8 => f64, i16 => f64, i32 => f64, i64 => f64, u8 => f64, u16 => f64, u32 => f64, u64 => f64, f32 => f64;
}

impl DType {
    /// Whether this is a signed integer type.
    pub fn is_signed_integer(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// The element type of a binary operation between arrays of `self` and `other`
    /// (NumPy 2's `result_type`; the run-time form of [`Promote`]).
    ///
    /// ```
    /// use tessera::DType;
    /// assert_eq!(DType::I32.promote(DType::F64), DType::F64);
    /// assert_eq!(DType::U8.promote(DType::I8), DType::I16);
    /// assert_eq!(DType::F32.promote(DType::I16), DType::F32);
    /// assert_eq!(DType::Bool.promote(DType::U16), DType::U16);
    /// ```
    pub fn promote(self, other: DType) -> DType {
        if self == other {
            return self;
        }
        match (self, other) {
            (DType::Bool, x) | (x, DType::Bool) => x,
            (a, b) if a.is_float() || b.is_float() => {
                let (float, other) = if a.is_float() { (a, b) } else { (b, a) };
                match (float, other) {
                    (DType::F32, DType::F32) => DType::F32,
                    (DType::F32, int) if int.is_integer() && int.size() <= 2 => DType::F32,
                    _ => DType::F64,
                }
            }
            (a, b) if a.is_signed_integer() == b.is_signed_integer() => {
                if a.size() >= b.size() {
                    a
                } else {
                    b
                }
            }
            (a, b) => {
                let (signed, unsigned) = if a.is_signed_integer() {
                    (a, b)
                } else {
                    (b, a)
                };
                if unsigned.size() < signed.size() {
                    signed
                } else {
                    match unsigned.size() {
                        1 => DType::I16,
                        2 => DType::I32,
                        4 => DType::I64,
                        _ => DType::F64,
                    }
                }
            }
        }
    }

    /// The element type of a binary operation between an array of `self` and a weak scalar
    /// of type `scalar` (NumPy 2's rule for Python numbers next to an array).
    ///
    /// ```
    /// use tessera::DType;
    /// assert_eq!(DType::F32.promote_weak(DType::F64), DType::F32);
    /// assert_eq!(DType::I16.promote_weak(DType::F32), DType::F64);
    /// assert_eq!(DType::Bool.promote_weak(DType::U8), DType::I64);
    /// ```
    pub fn promote_weak(self, scalar: DType) -> DType {
        match (self, scalar) {
            (a, s) if a == s => a,
            (a, _) if a.is_float() => a,
            (_, s) if s.is_float() => DType::F64,
            (DType::Bool, _) => DType::I64,
            (a, _) => a,
        }
    }
}

/// The weak scalar `s` converted to `out`, or an error naming `op` when it is an integer
/// that the integer type `out` cannot hold (NumPy 2's `OverflowError`).
pub(crate) fn weak_scalar<S: Element, O: Element>(op: &str, s: S) -> Result<O> {
    let v = O::cast_from(s);
    let integer = |d: DType| d.is_integer() || d == DType::Bool;
    let round_trips = S::cast_from(v).to_scalar() == s.to_scalar();
    let keeps_sign = (s.to_f64() < 0.0) == (v.to_f64() < 0.0);
    if integer(S::DTYPE) && O::DTYPE.is_integer() && !(round_trips && keeps_sign) {
        return Err(Error::Argument {
            op: op.to_string(),
            msg: format!(
                "the scalar {s:?} is out of bounds for {} (the array's type; scalars do not \
                 widen arrays, convert the array with astype first)",
                O::DTYPE
            ),
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! check_row {
        ($t:ty: $($u:ty),*) => {$(
            assert_eq!(
                <<$t as Promote<$u>>::Output as Element>::DTYPE,
                <$t>::DTYPE.promote(<$u>::DTYPE),
                "{} with {}", <$t>::DTYPE, <$u>::DTYPE
            );
        )*};
    }

    macro_rules! check_all {
        ($($t:ty),*) => {$(
            check_row!($t: bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
        )*};
    }

    #[test]
    fn run_time_rules_match_the_type_tables() {
        check_all!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
    }

    #[test]
    fn promotion_is_symmetric() {
        use DType::*;
        let all = [Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64];
        for a in all {
            for b in all {
                assert_eq!(a.promote(b), b.promote(a), "{a} {b}");
            }
        }
    }

    #[test]
    fn weak_integers_must_fit() {
        assert_eq!(weak_scalar::<i32, u8>("add", 255).unwrap(), 255u8);
        assert!(weak_scalar::<i32, u8>("add", 300).is_err());
        assert!(weak_scalar::<i32, u32>("add", -1).is_err());
        assert!(weak_scalar::<i64, u64>("add", -1).is_err());
        assert!(weak_scalar::<u64, i64>("add", 1 << 63).is_err());
        assert_eq!(weak_scalar::<i64, i8>("add", -128).unwrap(), -128i8);
        assert_eq!(weak_scalar::<f64, f32>("mul", 0.1).unwrap(), 0.1f32);
        assert_eq!(weak_scalar::<u64, i64>("add", 7).unwrap(), 7i64);
        assert!(weak_scalar::<u64, i64>("add", u64::MAX).is_err());
        let e = weak_scalar::<i32, u8>("add", 300).unwrap_err().to_string();
        assert!(e.contains("300") && e.contains("uint8"), "{e}");
    }
}
