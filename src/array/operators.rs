//! Operator overloading: `+ - * / %` and unary `-` on numeric arrays, `& | ^ !` on boolean
//! arrays (logical) and integer arrays (bitwise), `<< >>` on integer arrays, for owned and
//! borrowed arrays and scalars (on either side for `+ - * / %`, on the right for the
//! others).
//!
//! Operands of different element types are promoted as NumPy 2 does (see
//! [`promotion`](crate::promotion)): `Array<i32> + Array<f64>` is an `Array<f64>`. A scalar
//! has the array's element type, so a literal never widens the array (`Array<f32> * 2.0`
//! stays `f32`, as a Python float does in NumPy 2). `/` is true division (`Array<i64> / 2`
//! is an `Array<f64>`).
//!
//! Operators panic with a clear message when shapes do not broadcast, as ndarray's
//! operators panic; the named methods (`try_add`, ...) return a `Result` instead.

use super::elementwise::sealed::PromotedNode;
use super::Array;
use crate::dtype::{Element, Integer, Numeric};
use crate::expr::{BinaryOp, UnaryOp};
use crate::promotion::Promote;
use std::ops;

/// The operation as computed in `C`: `& | ^` on `bool` are the logical operations.
fn in_type<C: Element>(op: BinaryOp) -> BinaryOp {
    match (op, C::DTYPE) {
        (BinaryOp::BitAnd, crate::DType::Bool) => BinaryOp::And,
        (BinaryOp::BitOr, crate::DType::Bool) => BinaryOp::Or,
        (BinaryOp::BitXor, crate::DType::Bool) => BinaryOp::Xor,
        _ => op,
    }
}

/// `a op b` computed in `C`; panics on an error, as operators do.
fn apply<T: Element, C: Element>(a: &Array<T>, op: BinaryOp, b: impl PromotedNode<T>) -> Array<C> {
    match a.promoted::<C, C>(in_type::<C>(op), b) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

/// `s op a` for a scalar `s` on the left, computed in `C`; panics on an error.
fn apply_scalar_lhs<T: Element, C: Element>(s: T, op: BinaryOp, a: &Array<T>) -> Array<C> {
    let lhs = Array::<C>::scalar(C::cast_from(s));
    match lhs.binary_op(in_type::<C>(op), a.astype::<C>().node) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

/// The result type of `Array<T> op Array<U>`.
type Promoted<T, U> = <T as Promote<U>>::Output;
/// The result type of true division in `C`.
type Quotient<C> = <C as Element>::Quotient;

macro_rules! binop {
    ($tr:ident, $m:ident, $op:ident, $bound:ident) => {
        binop!(@arrays $tr, $m, $op, $bound, Promoted<T, U>, Promoted<T, U>);
        binop!(@scalar $tr, $m, $op, $bound, T);
    };
    (@div $tr:ident, $m:ident, $op:ident) => {
        binop!(@arrays $tr, $m, $op, Numeric, Promoted<T, U>, Quotient<Promoted<T, U>>);
        binop!(@scalar $tr, $m, $op, Numeric, Quotient<T>);
    };
    (@arrays $tr:ident, $m:ident, $op:ident, $bound:ident, $p:ty, $out:ty) => {
        impl<T: Promote<U>, U: Element> ops::$tr<&Array<U>> for &Array<T>
        where
            $p: $bound,
        {
            type Output = Array<$out>;
            fn $m(self, rhs: &Array<U>) -> Array<$out> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: Promote<U>, U: Element> ops::$tr<Array<U>> for &Array<T>
        where
            $p: $bound,
        {
            type Output = Array<$out>;
            fn $m(self, rhs: Array<U>) -> Array<$out> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: Promote<U>, U: Element> ops::$tr<&Array<U>> for Array<T>
        where
            $p: $bound,
        {
            type Output = Array<$out>;
            fn $m(self, rhs: &Array<U>) -> Array<$out> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
        impl<T: Promote<U>, U: Element> ops::$tr<Array<U>> for Array<T>
        where
            $p: $bound,
        {
            type Output = Array<$out>;
            fn $m(self, rhs: Array<U>) -> Array<$out> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
    };
    (@scalar $tr:ident, $m:ident, $op:ident, $bound:ident, $out:ty) => {
        impl<T: $bound> ops::$tr<T> for &Array<T> {
            type Output = Array<$out>;
            fn $m(self, rhs: T) -> Array<$out> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<T> for Array<T> {
            type Output = Array<$out>;
            fn $m(self, rhs: T) -> Array<$out> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
    };
}

binop!(Add, add, Add, Numeric);
binop!(Sub, sub, Sub, Numeric);
binop!(Mul, mul, Mul, Numeric);
binop!(@div Div, div, Div);
binop!(Rem, rem, Rem, Numeric);
binop!(BitAnd, bitand, BitAnd, Logical);
binop!(BitOr, bitor, BitOr, Logical);
binop!(BitXor, bitxor, BitXor, Logical);
binop!(Shl, shl, LeftShift, Integer);
binop!(Shr, shr, RightShift, Integer);

/// The element types of `&`, `|`, `^` and `!` on arrays (and of
/// [`bitwise_and`](Array::bitwise_and), ..., [`invert`](Array::invert)): `bool`, where they
/// are the logical operations, and the integer types, where they are bitwise.
pub trait Logical: Element {}
impl Logical for bool {}
macro_rules! logical_int {
    ($($t:ty),*) => {$(
        impl Logical for $t {}
        impl ops::Not for &Array<$t> {
            type Output = Array<$t>;
            fn not(self) -> Array<$t> {
                self.unary_op(UnaryOp::Invert)
            }
        }
        impl ops::Not for Array<$t> {
            type Output = Array<$t>;
            fn not(self) -> Array<$t> {
                self.unary_op(UnaryOp::Invert)
            }
        }
    )*};
}
logical_int!(i8, i16, i32, i64, u8, u16, u32, u64);

/// `scalar op array` for every numeric type (the scalar has the array's type).
macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        scalar_lhs!(@op $t, Add, add, Add, $t);
        scalar_lhs!(@op $t, Sub, sub, Sub, $t);
        scalar_lhs!(@op $t, Mul, mul, Mul, $t);
        scalar_lhs!(@op $t, Div, div, Div, Quotient<$t>);
        scalar_lhs!(@op $t, Rem, rem, Rem, $t);
    )*};
    (@op $t:ty, $tr:ident, $m:ident, $op:ident, $out:ty) => {
        impl ops::$tr<&Array<$t>> for $t {
            type Output = Array<$out>;
            fn $m(self, rhs: &Array<$t>) -> Array<$out> {
                apply_scalar_lhs(self, BinaryOp::$op, rhs)
            }
        }
        impl ops::$tr<Array<$t>> for $t {
            type Output = Array<$out>;
            fn $m(self, rhs: Array<$t>) -> Array<$out> {
                apply_scalar_lhs(self, BinaryOp::$op, &rhs)
            }
        }
    };
}
scalar_lhs!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl<T: Numeric> ops::Neg for &Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        self.unary_op(UnaryOp::Neg)
    }
}
impl<T: Numeric> ops::Neg for Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        self.unary_op(UnaryOp::Neg)
    }
}
impl ops::Not for &Array<bool> {
    type Output = Array<bool>;
    fn not(self) -> Array<bool> {
        self.unary_op(UnaryOp::Not)
    }
}
impl ops::Not for Array<bool> {
    type Output = Array<bool>;
    fn not(self) -> Array<bool> {
        self.unary_op(UnaryOp::Not)
    }
}
