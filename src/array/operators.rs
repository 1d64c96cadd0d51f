//! Operator overloading: `+ - * / %` and unary `-` on numeric arrays, `& | ^ !` on boolean
//! arrays (logical) and integer arrays (bitwise), `<< >>` on integer arrays, for owned and
//! borrowed arrays and scalars (on either side for `+ - * / %`, on the right for the
//! others).
//!
//! Operators panic with a clear message when shapes do not broadcast, as ndarray's do; the
//! named methods (`try_add`, ...) return a `Result` instead.

use super::elementwise::Operand;
use super::Array;
use crate::dtype::{Element, Integer, Numeric};
use crate::expr::{BinaryOp, UnaryOp};
use std::ops;

fn apply<T: Element, U: Element>(a: &Array<T>, op: BinaryOp, b: impl Operand<T>) -> Array<U> {
    // `& | ^` on `bool` are the logical operations.
    let op = match (op, T::DTYPE) {
        (BinaryOp::BitAnd, crate::DType::Bool) => BinaryOp::And,
        (BinaryOp::BitOr, crate::DType::Bool) => BinaryOp::Or,
        (BinaryOp::BitXor, crate::DType::Bool) => BinaryOp::Xor,
        _ => op,
    };
    match a.binary_op(op, b.node()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

macro_rules! binop {
    ($tr:ident, $m:ident, $op:ident, $bound:ident) => {
        impl<T: $bound> ops::$tr<&Array<T>> for &Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: &Array<T>) -> Array<T> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<Array<T>> for &Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: Array<T>) -> Array<T> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<&Array<T>> for Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: &Array<T>) -> Array<T> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<Array<T>> for Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: Array<T>) -> Array<T> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<T> for &Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: T) -> Array<T> {
                apply(self, BinaryOp::$op, rhs)
            }
        }
        impl<T: $bound> ops::$tr<T> for Array<T> {
            type Output = Array<T>;
            fn $m(self, rhs: T) -> Array<T> {
                apply(&self, BinaryOp::$op, rhs)
            }
        }
    };
}

binop!(Add, add, Add, Numeric);
binop!(Sub, sub, Sub, Numeric);
binop!(Mul, mul, Mul, Numeric);
binop!(Div, div, Div, Numeric);
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

/// `scalar op array` for every numeric type.
macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        impl ops::Add<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn add(self, rhs: &Array<$t>) -> Array<$t> { apply(rhs, BinaryOp::Add, self) }
        }
        impl ops::Add<Array<$t>> for $t {
            type Output = Array<$t>;
            fn add(self, rhs: Array<$t>) -> Array<$t> { apply(&rhs, BinaryOp::Add, self) }
        }
        impl ops::Mul<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn mul(self, rhs: &Array<$t>) -> Array<$t> { apply(rhs, BinaryOp::Mul, self) }
        }
        impl ops::Mul<Array<$t>> for $t {
            type Output = Array<$t>;
            fn mul(self, rhs: Array<$t>) -> Array<$t> { apply(&rhs, BinaryOp::Mul, self) }
        }
        impl ops::Sub<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn sub(self, rhs: &Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Sub, rhs) }
        }
        impl ops::Sub<Array<$t>> for $t {
            type Output = Array<$t>;
            fn sub(self, rhs: Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Sub, rhs) }
        }
        impl ops::Div<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn div(self, rhs: &Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Div, rhs) }
        }
        impl ops::Div<Array<$t>> for $t {
            type Output = Array<$t>;
            fn div(self, rhs: Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Div, rhs) }
        }
        impl ops::Rem<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn rem(self, rhs: &Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Rem, rhs) }
        }
        impl ops::Rem<Array<$t>> for $t {
            type Output = Array<$t>;
            fn rem(self, rhs: Array<$t>) -> Array<$t> { apply(&Array::scalar(self), BinaryOp::Rem, rhs) }
        }
    )*};
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
