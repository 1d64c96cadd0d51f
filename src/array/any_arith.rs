//! Arithmetic, comparisons and NumPy's binary functions on [`AnyArray`]s, with NumPy 2's
//! type promotion decided at run time ([`DType::promote`]): two arrays promote both ways
//! (`int32` with `float64` gives `float64`), a [`Scalar`] operand is weak as Python's numbers
//! are ([`DType::promote_weak`]), and true division of integers gives `float64`.

use super::elementwise::{broadcast, cast_node};
use super::AnyArray;
use crate::dtype::{with_dtype, DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, Node, Op};
use crate::promotion::weak_scalar;
use std::sync::Arc;

/// The right operand of an [`AnyArray`] operation: another array or a weak scalar.
///
/// Built with `From` from an `AnyArray` (owned or borrowed), a [`Scalar`], or a Rust number
/// (`2.5`, `3`, `7u64`), which becomes a weak scalar of that type.
#[derive(Debug, Clone)]
pub enum AnyOperand {
    /// An array, promoted with the other operand by [`DType::promote`].
    Array(AnyArray),
    /// A scalar, promoted by [`DType::promote_weak`].
    Scalar(Scalar),
}

impl From<AnyArray> for AnyOperand {
    fn from(a: AnyArray) -> Self {
        AnyOperand::Array(a)
    }
}

impl From<&AnyArray> for AnyOperand {
    fn from(a: &AnyArray) -> Self {
        AnyOperand::Array(a.clone())
    }
}

impl From<Scalar> for AnyOperand {
    fn from(s: Scalar) -> Self {
        AnyOperand::Scalar(s)
    }
}

macro_rules! operand_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for AnyOperand {
            fn from(v: $t) -> Self {
                AnyOperand::Scalar(v.to_scalar())
            }
        }
    )*};
}
operand_from_number!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Which element types an operation accepts, and what it gives.
enum Kind {
    /// Numeric; on `bool`, the logical form (`add` is `or`, `multiply` is `and`).
    Arithmetic,
    /// Numeric; on two booleans, computed in `int8` (NumPy's `remainder`, `floor_divide`
    /// and `power` of booleans).
    NumericOnly,
    /// Numeric only (`subtract` of booleans is refused, as in NumPy).
    Subtract,
    /// True division: computed in the promoted type's quotient type.
    Divide,
    /// Any type; the result is `bool`.
    Compare,
    /// `f32` and `f64` only.
    FloatOnly,
    /// Integers and `bool` (where it is the logical form).
    Bitwise,
    /// Integers only.
    IntegerOnly,
    /// `bool` only.
    Logical,
}

fn kind(op: BinaryOp) -> Kind {
    use BinaryOp::*;
    match op {
        Add | Mul | Maximum | Minimum => Kind::Arithmetic,
        Rem | Pow | FloorDivide => Kind::NumericOnly,
        Sub | Fmod | Fmax | Fmin => Kind::Subtract,
        Div => Kind::Divide,
        Eq | Ne | Lt | Le | Gt | Ge => Kind::Compare,
        Arctan2 | Hypot | Copysign | Nextafter | Logaddexp | Logaddexp2 | Heaviside => {
            Kind::FloatOnly
        }
        BitAnd | BitOr | BitXor => Kind::Bitwise,
        LeftShift | RightShift | Gcd | Lcm => Kind::IntegerOnly,
        And | Or | Xor => Kind::Logical,
    }
}

/// The type an operation computes in, the operation as run, and the result type, for
/// operands promoted to `promoted`; an error when the operation is not defined there.
fn plan(op: BinaryOp, promoted: DType) -> Result<(DType, BinaryOp, DType)> {
    let refuse = || Error::DType {
        op: op.name().to_string(),
        dtype: promoted,
    };
    let is_bool = promoted == DType::Bool;
    Ok(match kind(op) {
        Kind::Arithmetic if is_bool => {
            let logical = match op {
                BinaryOp::Add | BinaryOp::Maximum => BinaryOp::Or,
                _ => BinaryOp::And,
            };
            (promoted, logical, promoted)
        }
        Kind::Arithmetic => (promoted, op, promoted),
        Kind::NumericOnly if is_bool => (DType::I8, op, DType::I8),
        Kind::NumericOnly | Kind::Subtract if !is_bool => (promoted, op, promoted),
        Kind::Divide => {
            let q = if promoted.is_float() {
                promoted
            } else {
                DType::F64
            };
            (q, op, q)
        }
        Kind::Compare => (promoted, op, DType::Bool),
        Kind::FloatOnly if promoted.is_float() => (promoted, op, promoted),
        Kind::Bitwise if is_bool => {
            let logical = match op {
                BinaryOp::BitAnd => BinaryOp::And,
                BinaryOp::BitOr => BinaryOp::Or,
                _ => BinaryOp::Xor,
            };
            (promoted, logical, promoted)
        }
        Kind::Bitwise | Kind::IntegerOnly if promoted.is_integer() => (promoted, op, promoted),
        Kind::Logical if is_bool => (promoted, op, promoted),
        _ => return Err(refuse()),
    })
}

/// A 0-d node holding the weak scalar `s` converted to `out` (checked to fit when both are
/// integers).
fn weak_scalar_node(op: &str, s: Scalar, out: DType) -> Result<Arc<Node>> {
    with_dtype!(s.dtype(), S => {
        let v = S::from_scalar(s).ok_or_else(|| Error::Internal {
            op: op.to_string(),
            msg: "scalar of the wrong type".into(),
        })?;
        with_dtype!(out, O => Ok(super::Array::<O>::scalar(weak_scalar::<S, O>(op, v)?).node))
    })
}

impl AnyArray {
    /// `self op other` with NumPy 2's promotion: the general form of [`add`](AnyArray::add),
    /// [`less`](AnyArray::less), ...; an error when the shapes do not broadcast, when `op` is
    /// not defined for the promoted type (`arctan2` of integers, shifts of floats, `subtract`
    /// of booleans), or when a scalar integer does not fit an integer array's type (except in
    /// comparisons, which then hold for every element or none, and true division, which
    /// divides in `float64`, as in NumPy 2).
    ///
    /// ```
    /// use tessera::{AnyArray, Array, BinaryOp, DType};
    /// let a = AnyArray::from(Array::<u8>::arange(0, 4, 1, 2)?);
    /// let b = AnyArray::from(Array::<i8>::full(&[4], -1, 2)?);
    /// assert_eq!(a.binary(BinaryOp::Add, &b)?.dtype(), DType::I16);
    /// assert_eq!(a.binary(BinaryOp::Mul, 2.5)?.dtype(), DType::F64);
    /// assert_eq!(a.binary(BinaryOp::Add, 1)?.dtype(), DType::U8);
    /// assert!(a.binary(BinaryOp::Add, 300).is_err()); // does not fit u8
    /// assert!(a.binary(BinaryOp::LeftShift, 1.5).is_err()); // shifts need integers
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn binary(&self, op: BinaryOp, other: impl Into<AnyOperand>) -> Result<AnyArray> {
        let name = op.name();
        let (promoted, other) = match other.into() {
            AnyOperand::Array(b) => (self.dtype().promote(b.dtype()), Ok(b)),
            AnyOperand::Scalar(s) => (self.dtype().promote_weak(s.dtype()), Err(s)),
        };
        let (compute, op, result) = plan(op, promoted)?;
        let rhs = match other {
            Ok(b) => cast_node(b.node(), compute),
            // True division converts the scalar straight to the float it divides in.
            Err(s) if matches!(kind(op), Kind::Divide) => weak_scalar_node(name, s, compute)?,
            Err(s) => match weak_scalar_node(name, s, promoted) {
                Ok(checked) => cast_node(&checked, compute),
                // An integer beyond the array's range compares the same with every element.
                Err(_) if result == DType::Bool && promoted.is_integer() => {
                    return Ok(self.constant_comparison(op, s));
                }
                Err(e) => return Err(e),
            },
        };
        let lhs = cast_node(self.node(), compute);
        let (shape, grid) = broadcast(name, &[&lhs, &rhs])?;
        Ok(AnyArray::from_node(Node::new(
            result,
            shape,
            grid,
            Op::Binary(op, lhs, rhs),
        )))
    }
}

impl AnyArray {
    /// The result of comparing every element of this integer array with an integer `s`
    /// outside its type's range: `s` is above every element or below every one.
    fn constant_comparison(&self, op: BinaryOp, s: Scalar) -> AnyArray {
        let above =
            with_dtype!(s.dtype(), S => S::from_scalar(s).is_some_and(|v| v.to_f64() > 0.0));
        let value = match op {
            BinaryOp::Lt | BinaryOp::Le => above,
            BinaryOp::Gt | BinaryOp::Ge => !above,
            BinaryOp::Ne => true,
            _ => false,
        };
        let node = self.node();
        AnyArray::from_node(Node::new(
            DType::Bool,
            node.shape.clone(),
            node.grid.clone(),
            Op::Fill(Scalar::Bool(value)),
        ))
    }
}

macro_rules! named {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {
        impl AnyArray {
            $(
                $(#[$m])*
                pub fn $name(&self, other: impl Into<AnyOperand>) -> Result<AnyArray> {
                    self.binary(BinaryOp::$op, other)
                }
            )*
        }
    };
}

named! {
    /// Elementwise `self + other`, promoted as NumPy 2 does (see [`binary`](AnyArray::binary)).
    ///
    /// ```
    /// use tessera::{AnyArray, Array, DType};
    /// let i = AnyArray::from(Array::<i32>::arange(0, 3, 1, 2)?);
    /// let x = AnyArray::from(Array::<f32>::ones(&[3], 2)?);
    /// let s = i.add(&x)?;
    /// assert_eq!(s.dtype(), DType::F64); // int32 with float32 gives float64
    /// assert_eq!(s.compute()?.to_f64().as_slice().unwrap(), &[1.0, 2.0, 3.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    add => Add;
    /// Elementwise `self - other` (not defined for two boolean operands).
    sub => Sub;
    /// Elementwise `self * other`.
    mul => Mul;
    /// Elementwise true division: integers and booleans divide as `float64`.
    ///
    /// ```
    /// use tessera::{AnyArray, Array, DType};
    /// let i = AnyArray::from(Array::<i64>::arange(0, 3, 1, 2)?);
    /// let q = i.div(2)?;
    /// assert_eq!(q.dtype(), DType::F64);
    /// assert_eq!(q.compute()?.to_f64().as_slice().unwrap(), &[0.0, 0.5, 1.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    div => Div;
    /// Elementwise floored remainder (NumPy's `%`).
    rem => Rem;
    /// Elementwise floored division (NumPy's `//`).
    floor_divide => FloorDivide;
    /// Elementwise power.
    pow => Pow;
    /// Elementwise maximum (NaN propagates).
    maximum => Maximum;
    /// Elementwise minimum (NaN propagates).
    minimum => Minimum;
    /// Elementwise `==` in the promoted type, giving booleans.
    equal => Eq;
    /// Elementwise `!=`.
    not_equal => Ne;
    /// Elementwise `<`.
    less => Lt;
    /// Elementwise `<=`.
    less_equal => Le;
    /// Elementwise `>`.
    greater => Gt;
    /// Elementwise `>=`.
    greater_equal => Ge;
}
