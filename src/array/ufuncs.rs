//! NumPy's further elementwise functions: inverse trigonometric and hyperbolic functions,
//! `log2`/`log10`/`exp2`/`cbrt`, classification (`isinf`, `signbit`, ...), `arctan2`,
//! `hypot`, `copysign`, `nextafter`, `fmod`, NaN-ignoring `fmax`/`fmin`, `logaddexp`,
//! `heaviside`, floored division and `divmod`, bitwise operations and shifts, `gcd`/`lcm`,
//! rounding to decimals, one-sided `clip` and `nan_to_num`.
//!
//! Each one is recorded lazily as a unary or binary node of the expression graph, so it
//! fuses with the elementwise operations around it like `sin` or `+` do. Binary functions
//! broadcast as NumPy does and take another array of any element type or a scalar
//! ([`MixedOperand`]; the operands are promoted as NumPy 2 promotes them). The results
//! follow NumPy's, including its values for integer division by zero (0) and for shift
//! counts outside the type's width.

use super::elementwise::{where_, MixedOperand, Operand};
use super::operators::Logical;
use super::Array;
use crate::dtype::{DType, Element, Float, Integer, Numeric};
use crate::error::Result;
use crate::expr::{BinaryOp, UnaryOp};

macro_rules! unary_methods {
    ($bound:ident => $($(#[$m:meta])* $name:ident => $op:ident -> $out:ty;)*) => {
        impl<T: $bound> Array<T> {
            $(
                $(#[$m])*
                pub fn $name(&self) -> Array<$out> {
                    self.unary_op(UnaryOp::$op)
                }
            )*
        }
    };
}

unary_methods! { Float =>
    /// Elementwise inverse sine (NaN outside `[-1, 1]`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0.0f64, 1.0, 2.0]), 2)?;
    /// let y = x.arcsin().compute()?;
    /// assert_eq!(y[[1]], std::f64::consts::FRAC_PI_2);
    /// assert!(y[[2]].is_nan());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    arcsin => Arcsin -> T;
    /// Elementwise inverse cosine (NaN outside `[-1, 1]`).
    arccos => Arccos -> T;
    /// Elementwise inverse tangent.
    arctan => Arctan -> T;
    /// Elementwise hyperbolic sine.
    sinh => Sinh -> T;
    /// Elementwise hyperbolic cosine.
    cosh => Cosh -> T;
    /// Elementwise inverse hyperbolic sine.
    arcsinh => Arcsinh -> T;
    /// Elementwise inverse hyperbolic cosine (NaN below 1).
    arccosh => Arccosh -> T;
    /// Elementwise inverse hyperbolic tangent (±inf at ±1, NaN outside `[-1, 1]`).
    arctanh => Arctanh -> T;
    /// Elementwise base-2 logarithm.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0f32, 8.0, 0.5]), 2)?;
    /// assert_eq!(x.log2().compute()?, ndarray::arr1(&[0.0f32, 3.0, -1.0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    log2 => Log2 -> T;
    /// Elementwise base-10 logarithm.
    log10 => Log10 -> T;
    /// Elementwise `2^x`.
    exp2 => Exp2 -> T;
    /// Elementwise cube root (negative for negative `x`).
    cbrt => Cbrt -> T;
    /// Elementwise conversion from radians to degrees (`x · 180/π`).
    degrees => Degrees -> T;
    /// Elementwise conversion from degrees to radians (`x · π/180`).
    radians => Radians -> T;
    /// Elementwise normalized sinc, `sin(πx) / (πx)`, 1 at 0 (NumPy's `sinc`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0.0f64, 0.5]), 1)?;
    /// let y = x.sinc().compute()?;
    /// assert_eq!(y[[0]], 1.0);
    /// assert!((y[[1]] - 2.0 / std::f64::consts::PI).abs() < 1e-15);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    sinc => Sinc -> T;
    /// Elementwise test for ±infinity.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0f64, f64::INFINITY, -f64::INFINITY, f64::NAN]), 2)?;
    /// assert_eq!(x.isinf().compute()?, ndarray::arr1(&[false, true, true, false]).into_dyn());
    /// assert_eq!(x.isneginf().compute()?, ndarray::arr1(&[false, false, true, false]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    isinf => IsInf -> bool;
    /// Elementwise test for +infinity.
    isposinf => IsPosInf -> bool;
    /// Elementwise test for -infinity.
    isneginf => IsNegInf -> bool;
    /// Elementwise sign bit: true for negative values, `-0.0` and NaNs with the sign set.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-1.0f64, -0.0, 0.0, 2.0]), 3)?;
    /// assert_eq!(x.signbit().compute()?, ndarray::arr1(&[true, true, false, false]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    signbit => SignBit -> bool;
}

impl<T: Numeric> Array<T> {
    /// Elementwise rounding to `decimals` decimal places, half to even, as NumPy's
    /// `round(x, decimals)` (`around`). Floats: `rint(x · 10^d) / 10^d`, or for negative
    /// `decimals` `rint(x / 10^-d) · 10^-d`, with the power of ten in the array's type;
    /// `around(0)` is [`round`](Array::round). Integers: unchanged for `decimals ≥ 0`;
    /// otherwise rounded exactly to a multiple of `10^-d` (half to even, wrapping where the
    /// multiple does not fit the type). NumPy computes this through `float64`, so its
    /// results agree where that is exact (magnitudes up to 2^53, results in the type's range).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.2345f64, 2.5, 1250.0]), 2)?;
    /// assert_eq!(x.around(2)?.compute()?, ndarray::arr1(&[1.23, 2.5, 1250.0]).into_dyn());
    /// assert_eq!(x.around(-2)?.compute()?, ndarray::arr1(&[0.0, 0.0, 1200.0]).into_dyn());
    /// let i = Array::from_ndarray(ndarray::arr1(&[15i32, 25, -25, 7]), 2)?;
    /// assert_eq!(i.around(-1)?.compute()?, ndarray::arr1(&[20, 20, -20, 10]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn around(&self, decimals: i32) -> Result<Array<T>> {
        if T::DTYPE.is_float() {
            // Division in the array's own type (true division of a float keeps it).
            let round = |a: &Array<T>| a.unary_op::<T>(UnaryOp::Round);
            if decimals == 0 {
                return Ok(round(self));
            }
            let f = T::from_f64(10f64.powi(decimals.saturating_abs()));
            return if decimals > 0 {
                round(&self.try_mul(f)?).promoted::<T, T>(BinaryOp::Div, f)
            } else {
                round(&self.promoted::<T, T>(BinaryOp::Div, f)?).try_mul(f)
            };
        }
        if decimals >= 0 {
            return Ok(self.clone());
        }
        // 10^k as i128 (k ≤ 38 fits; beyond, every 64-bit value rounds to 0).
        let k = decimals.unsigned_abs();
        if k > 38 {
            return self.zeros_like();
        }
        let f = 10i128.pow(k);
        let (lo, hi) = integer_range(T::DTYPE);
        if f > hi {
            // Only values beyond ±f/2 round away from 0, to ±f, which wraps in the type.
            let half = f / 2;
            let zero = Array::<T>::scalar(T::from_i64(0));
            let wrap = |v: i128| T::from_u64(v.rem_euclid(1i128 << 64) as u64);
            let mut out = self.zeros_like()?;
            if half < hi {
                let up = self.greater(T::from_u64(half as u64))?;
                out = where_(&up, wrap(f), &zero)?;
            }
            if -half > lo {
                let down = self.less(T::from_i64(-half as i64))?;
                out = where_(&down, wrap(-f), &out)?;
            }
            return Ok(out);
        }
        let f = T::from_u64(f as u64);
        let (zero, one) = (T::from_i64(0), T::from_i64(1));
        // Floored quotient and remainder (r in [0, f)); up when r is past half, or at half
        // with an odd quotient.
        let q = self.floor_divide(f)?;
        let r = self.try_rem(f)?;
        let rest = Array::scalar(f).try_sub(&r)?;
        let odd = q.try_rem(T::from_i64(2))?.not_equal(zero)?;
        let up = r
            .greater(&rest)?
            .logical_or(&r.equal(&rest)?.logical_and(&odd)?)?;
        let q = where_(&up, &q.try_add(one)?, &q)?;
        q.try_mul(f)
    }
}

/// The smallest and largest values of an integer type.
fn integer_range(dt: DType) -> (i128, i128) {
    match dt {
        DType::I8 => (i8::MIN.into(), i8::MAX.into()),
        DType::I16 => (i16::MIN.into(), i16::MAX.into()),
        DType::I32 => (i32::MIN.into(), i32::MAX.into()),
        DType::I64 => (i64::MIN.into(), i64::MAX.into()),
        DType::U8 => (0, u8::MAX.into()),
        DType::U16 => (0, u16::MAX.into()),
        DType::U32 => (0, u32::MAX.into()),
        _ => (0, u64::MAX.into()),
    }
}

unary_methods! { Numeric =>
    /// Elementwise `x * x` (integers wrap).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-3i32, 0, 4]), 2)?;
    /// assert_eq!(x.square().compute()?, ndarray::arr1(&[9, 0, 16]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    square => Square -> T;
    /// Elementwise `1 / x`. Integers divide as integers, truncating (NumPy's `reciprocal`:
    /// 0 for `|x| > 1`), with 0 for a zero divisor (NumPy leaves that case to the platform:
    /// 0 for 8- and 16-bit types, the minimum for 32- and 64-bit ones here).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-1i32, 1, 2]), 2)?;
    /// assert_eq!(x.reciprocal().compute()?, ndarray::arr1(&[-1, 1, 0]).into_dyn());
    /// let y = Array::from_ndarray(ndarray::arr1(&[4.0f64, 0.5]), 2)?;
    /// assert_eq!(y.reciprocal().compute()?, ndarray::arr1(&[0.25, 2.0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    reciprocal => Reciprocal -> T;
    /// Elementwise rounding towards zero (the identity for integers).
    trunc => Trunc -> T;
    /// Elementwise rounding towards zero (NumPy's `fix`; the same as [`trunc`](Array::trunc)).
    fix => Trunc -> T;
}

impl<T: Float> Array<T> {
    /// Elementwise `atan2(self, other)`: the angle of the point `(other, self)`, in
    /// `[-π, π]`, with broadcasting.
    ///
    /// ```
    /// use tessera::Array;
    /// let y = Array::from_ndarray(ndarray::arr1(&[1.0f64, -1.0]), 1)?;
    /// let a = y.arctan2(-1.0)?.compute()?;
    /// assert_eq!(a[[0]], 3.0 * std::f64::consts::FRAC_PI_4);
    /// assert_eq!(a[[1]], -3.0 * std::f64::consts::FRAC_PI_4);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn arctan2<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Arctan2, other)
    }
    /// Elementwise `sqrt(self² + other²)` without overflow or underflow in between.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[3.0f64, 5.0, 1e300]), 2)?;
    /// let h = x.hypot(&Array::from_ndarray(ndarray::arr1(&[4.0f64, 12.0, 1e300]), 2)?)?;
    /// assert_eq!(h.compute()?, ndarray::arr1(&[5.0, 13.0, 1e300 * 2f64.sqrt()]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn hypot<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Hypot, other)
    }
    /// Elementwise magnitude of `self` with the sign of `other`.
    pub fn copysign<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Copysign, other)
    }
    /// Elementwise next representable value after `self` towards `other` (`self` where they
    /// are equal, NaN where either is NaN).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0f64, 0.0]), 1)?;
    /// let y = x.nextafter(2.0)?.compute()?;
    /// assert_eq!(y[[0]], 1.0 + f64::EPSILON);
    /// assert_eq!(y[[1]], f64::from_bits(1)); // the smallest subnormal
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nextafter<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Nextafter, other)
    }
    /// Elementwise `ln(e^self + e^other)`, without overflow for large operands.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0.0f64, 1000.0]), 1)?;
    /// let y = x.logaddexp(&x)?.compute()?;
    /// assert_eq!(y[[0]], std::f64::consts::LN_2);
    /// assert_eq!(y[[1]], 1000.0 + std::f64::consts::LN_2);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn logaddexp<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Logaddexp, other)
    }
    /// Elementwise `log2(2^self + 2^other)`, without overflow for large operands.
    pub fn logaddexp2<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Logaddexp2, other)
    }
    /// The Heaviside step function: 0 where `self < 0`, `h0` where `self == 0`, 1 where
    /// `self > 0`, NaN where `self` is NaN (NumPy's `heaviside(x, h0)`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-2.0f64, 0.0, 3.0]), 2)?;
    /// assert_eq!(x.heaviside(0.5)?.compute()?, ndarray::arr1(&[0.0, 0.5, 1.0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn heaviside<O: MixedOperand<T>>(&self, h0: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Heaviside, h0)
    }

    /// Replaces NaN by `nan`, +inf by `posinf` and -inf by `neginf` (NumPy's `nan_to_num`);
    /// `None` takes NumPy's defaults: 0, the largest finite value and the most negative
    /// finite value.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[f64::NAN, f64::INFINITY, -f64::INFINITY, 1.5]), 2)?;
    /// let y = x.nan_to_num(None, None, Some(-1.0))?.compute()?;
    /// assert_eq!(y, ndarray::arr1(&[0.0, f64::MAX, -1.0, 1.5]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nan_to_num(
        &self,
        nan: Option<T>,
        posinf: Option<T>,
        neginf: Option<T>,
    ) -> Result<Array<T>> {
        let nan = nan.unwrap_or_else(<T as num_traits::Zero>::zero);
        let posinf = posinf.unwrap_or_else(<T as num_traits::Float>::max_value);
        let neginf = neginf.unwrap_or_else(<T as num_traits::Float>::min_value);
        let inner = where_(&self.isneginf(), neginf, self)?;
        let inner = where_(&self.isposinf(), posinf, inner)?;
        where_(&self.isnan(), nan, inner)
    }
}

impl<T: Numeric> Array<T> {
    /// Elementwise truncated remainder, C's `fmod`: the sign of the dividend (where `%`,
    /// [`try_rem`](Array::try_rem), has the divisor's). Integers: 0 for a zero divisor.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-7i32, 7]), 1)?;
    /// assert_eq!(x.fmod(3)?.compute()?, ndarray::arr1(&[-1, 1]).into_dyn());
    /// assert_eq!((&x % 3).compute()?, ndarray::arr1(&[2, 1]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn fmod<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Fmod, other)
    }
    /// Elementwise maximum ignoring NaN: where one operand is NaN, the other (NaN only where
    /// both are). The same as [`maximum`](Array::maximum) for integers.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[f64::NAN, 1.0, f64::NAN]), 2)?;
    /// let y = Array::from_ndarray(ndarray::arr1(&[2.0, f64::NAN, f64::NAN]), 2)?;
    /// let m = x.fmax(&y)?.compute()?;
    /// assert_eq!((m[[0]], m[[1]]), (2.0, 1.0));
    /// assert!(m[[2]].is_nan());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn fmax<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Fmax, other)
    }
    /// Elementwise minimum ignoring NaN (see [`fmax`](Array::fmax)).
    pub fn fmin<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Fmin, other)
    }
    /// Elementwise floored division, NumPy's `//`: rounded towards -inf. Integers: 0 for a
    /// zero divisor (NumPy's result, with a warning there); `MIN // -1` wraps to `MIN`.
    /// Floats: `self / other` for a zero divisor, and `(self - fmod(self, other)) / other`
    /// snapped to an integer otherwise, as NumPy computes it.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-7i64, 7, 5]), 2)?;
    /// let d = Array::from_ndarray(ndarray::arr1(&[2i64, -2, 0]), 2)?;
    /// assert_eq!(x.floor_divide(&d)?.compute()?, ndarray::arr1(&[-4, -4, 0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn floor_divide<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::FloorDivide, other)
    }
    /// NumPy's `divmod`: the pair `(floor_divide(self, other), self % other)`, the floored
    /// quotient and the remainder with the divisor's sign (both 0 for an integer zero
    /// divisor).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-7i32, 7]), 1)?;
    /// let (q, r) = x.divmod(3)?;
    /// assert_eq!(q.compute()?, ndarray::arr1(&[-3, 2]).into_dyn());
    /// assert_eq!(r.compute()?, ndarray::arr1(&[2, 1]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn divmod<O: MixedOperand<T>>(
        &self,
        other: O,
    ) -> Result<(Array<O::Output>, Array<O::Output>)> {
        let other = other.promoted_node("divmod", <O::Output as Element>::DTYPE)?;
        let x = self.astype::<O::Output>();
        let q = x.binary_op(BinaryOp::FloorDivide, other.clone())?;
        let r = x.binary_op(BinaryOp::Rem, other)?;
        Ok((q, r))
    }
    /// Limits values from below only: `maximum(self, lo)`, as NumPy's `clip(x, lo, None)`
    /// (NaN stays NaN).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 5, 1, 2)?;
    /// assert_eq!(x.clip_min(2)?.compute()?, ndarray::arr1(&[2, 2, 2, 3, 4]).into_dyn());
    /// assert_eq!(x.clip_max(2)?.compute()?, ndarray::arr1(&[0, 1, 2, 2, 2]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn clip_min(&self, lo: impl Operand<T>) -> Result<Array<T>> {
        self.binary_op(BinaryOp::Maximum, lo.node())
    }
    /// Limits values from above only: `minimum(self, hi)`, as NumPy's `clip(x, None, hi)`
    /// (NaN stays NaN).
    pub fn clip_max(&self, hi: impl Operand<T>) -> Result<Array<T>> {
        self.binary_op(BinaryOp::Minimum, hi.node())
    }
}

/// The bitwise operation for `T`: the logical one on `bool`, the bitwise one on integers.
pub(crate) fn bitwise_op<T: Logical>(op: BinaryOp) -> BinaryOp {
    if T::DTYPE != DType::Bool {
        return op;
    }
    match op {
        BinaryOp::BitAnd => BinaryOp::And,
        BinaryOp::BitOr => BinaryOp::Or,
        BinaryOp::BitXor => BinaryOp::Xor,
        other => other,
    }
}

impl<T: Logical> Array<T> {
    /// Elementwise bitwise and (`&`); logical and on `bool`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0b1100u8, 0b1010]), 1)?;
    /// assert_eq!(x.bitwise_and(0b0110)?.compute()?, ndarray::arr1(&[0b0100u8, 0b0010]).into_dyn());
    /// assert_eq!((&x | 1).compute()?, ndarray::arr1(&[0b1101u8, 0b1011]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn bitwise_and<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Logical,
    {
        self.promoted::<O::Output, O::Output>(bitwise_op::<O::Output>(BinaryOp::BitAnd), other)
    }
    /// Elementwise bitwise or (`|`); logical or on `bool`.
    pub fn bitwise_or<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Logical,
    {
        self.promoted::<O::Output, O::Output>(bitwise_op::<O::Output>(BinaryOp::BitOr), other)
    }
    /// Elementwise bitwise exclusive or (`^`); logical exclusive or on `bool`.
    pub fn bitwise_xor<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Logical,
    {
        self.promoted::<O::Output, O::Output>(bitwise_op::<O::Output>(BinaryOp::BitXor), other)
    }
    /// Elementwise bitwise not (NumPy's `invert`, `~x`, Rust's `!`); logical not on `bool`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0i8, -1, 5]), 2)?;
    /// assert_eq!(x.invert().compute()?, ndarray::arr1(&[-1i8, 0, -6]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn invert(&self) -> Array<T> {
        if T::DTYPE == DType::Bool {
            self.unary_op(UnaryOp::Not)
        } else {
            self.unary_op(UnaryOp::Invert)
        }
    }
}

impl<T: Integer> Array<T> {
    /// Elementwise `self << other`. A count at least the bit width of `T`, or negative,
    /// gives 0 (NumPy's `left_shift`); bits shifted out are lost.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1i16, 3, 1]), 2)?;
    /// let s = Array::from_ndarray(ndarray::arr1(&[4i16, 1, 16]), 2)?;
    /// assert_eq!(x.left_shift(&s)?.compute()?, ndarray::arr1(&[16i16, 6, 0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn left_shift<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Integer,
    {
        self.promoted::<O::Output, O::Output>(BinaryOp::LeftShift, other)
    }
    /// Elementwise `self >> other`, arithmetic (sign-filling) for signed types. A count at
    /// least the bit width of `T`, or negative, gives -1 for negative `self` and 0 otherwise
    /// (NumPy's `right_shift`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[-16i32, 16, -1]), 2)?;
    /// assert_eq!(x.right_shift(2)?.compute()?, ndarray::arr1(&[-4, 4, -1]).into_dyn());
    /// assert_eq!(x.right_shift(40)?.compute()?, ndarray::arr1(&[-1, 0, -1]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn right_shift<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Integer,
    {
        self.promoted::<O::Output, O::Output>(BinaryOp::RightShift, other)
    }
    /// Elementwise greatest common divisor of the magnitudes (`gcd(0, 0) = 0`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[12i32, -18, 0]), 2)?;
    /// assert_eq!(x.gcd(8)?.compute()?, ndarray::arr1(&[4, 2, 8]).into_dyn());
    /// assert_eq!(x.lcm(8)?.compute()?, ndarray::arr1(&[24, 72, 0]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn gcd<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Integer,
    {
        self.promoted::<O::Output, O::Output>(BinaryOp::Gcd, other)
    }
    /// Elementwise least common multiple of the magnitudes (0 where either is 0).
    pub fn lcm<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>>
    where
        O::Output: Integer,
    {
        self.promoted::<O::Output, O::Output>(BinaryOp::Lcm, other)
    }
}
