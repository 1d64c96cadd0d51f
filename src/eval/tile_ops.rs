//! The kernel behind each instruction of a fused program, chosen once per task.
//!
//! [`TileRunner`](super::tile::TileRunner) resolves every instruction to a [`Step`] holding a
//! plain function pointer for its operation and dtypes before the first tile, so that the
//! per-tile loop makes one indirect call per instruction and nothing else: no matching on
//! operations or dtypes, no `Result` passed back per tile (an unsupported operation is an
//! error before any tile runs). A binary operation with a scalar operand (`x + 1.0`,
//! `x < 0.5`) reads the scalar as an immediate instead of a register filled with it, which
//! saves one tile-sized read per instruction.

use super::tile::{Out, RegElem, Src};
use super::tile_fuse::Pair;
use crate::dtype::{with_dtype, with_float, with_integer, with_numeric, DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, UnaryOp};
use tessera_kernels::scalar::{f64_to_i32, round_half_even, Arith};
use tessera_kernels::{elementwise, float_rem, math, wide_div};

use super::ufunc_scalar::{self as uf, UFloat, UInt};

/// An instruction with one operand: `out[..n] = f(a[..n])`.
pub(crate) type UnaryFn = fn(Src<'_>, &mut Out<'_>, usize);
/// An instruction with two operands.
pub(crate) type BinaryFn = fn(Src<'_>, Src<'_>, &mut Out<'_>, usize);
/// A binary instruction with a scalar operand, applied as an immediate.
pub(crate) type ScalarFn = fn(Src<'_>, Scalar, &mut Out<'_>, usize);
/// `out = where(c, a, b)`.
pub(crate) type WhereFn = fn(Src<'_>, Src<'_>, Src<'_>, &mut Out<'_>, usize);

/// What one instruction does for each tile.
#[derive(Clone, Copy)]
pub(crate) enum Step {
    /// Read leaf `l` (in place where its tile is adjacent in memory, else copied).
    Leaf(usize),
    /// Fill the register with a constant.
    Fill(Scalar),
    /// `f(a)`.
    Unary(UnaryFn, usize),
    /// `f(a, b)`.
    Binary(BinaryFn, usize, usize),
    /// `f(a, s)` for a constant operand `s` of the instruction (either side): no constant
    /// register is read.
    Scalar(ScalarFn, usize, Scalar),
    /// `f(c, a, b)`.
    Where(WhereFn, usize, usize, usize),
    /// Nothing: the value is computed by the next step, a [`Fused`](Step::Fused) pair.
    Folded,
    /// This instruction and the one before it, run as one pass ([`tile_fuse`](super::tile_fuse)).
    Fused(Pair),
}

#[inline]
fn map<A: RegElem, B: RegElem>(a: Src<'_>, out: &mut Out<'_>, n: usize, f: impl Fn(A) -> B) {
    elementwise::map(&A::src(a)[..n], &mut B::out(out)[..n], f);
}

#[inline]
fn zip<A: RegElem, B: RegElem>(
    a: Src<'_>,
    b: Src<'_>,
    out: &mut Out<'_>,
    n: usize,
    f: impl Fn(A, A) -> B,
) {
    elementwise::zip(&A::src(a)[..n], &A::src(b)[..n], &mut B::out(out)[..n], f);
}

/// A slice kernel of `tessera_kernels::wide_div` or `float_rem` applied to a tile.
#[inline]
fn wide<T: RegElem>(
    a: Src<'_>,
    b: Src<'_>,
    out: &mut Out<'_>,
    n: usize,
    f: fn(&[T], &[T], &mut [T]),
) {
    f(&T::src(a)[..n], &T::src(b)[..n], &mut T::out(out)[..n]);
}

/// The scalar operand as `T` (the planner gives it the instruction's dtype).
#[inline]
pub(crate) fn imm<T: RegElem>(s: Scalar) -> T {
    T::from_scalar(s).unwrap_or_default()
}

fn bad<T>(op: &str, dt: DType) -> Result<T> {
    Err(Error::DType {
        op: op.to_string(),
        dtype: dt,
    })
}

/// The kernel of a unary operation on operands of dtype `dt`.
pub(crate) fn unary(op: UnaryOp, dt: DType) -> Result<UnaryFn> {
    use UnaryOp::*;
    Ok(match op {
        // Float to i32 through the clamped conversion: the same values as `as`, vectorized
        // (`tessera_kernels::scalar::f64_to_i32`).
        Cast(DType::I32) if dt == DType::F64 => |a, o, n| map::<f64, i32>(a, o, n, f64_to_i32),
        Cast(DType::I32) if dt == DType::F32 => {
            |a, o, n| map::<f32, i32>(a, o, n, |v| f64_to_i32(f64::from(v)))
        }
        Cast(to) => {
            with_dtype!(dt, A => with_dtype!(to, B => (|a, o, n| map::<A, B>(a, o, n, B::cast_from)) as UnaryFn))
        }
        Not if dt == DType::Bool => |a, o, n| map::<bool, bool>(a, o, n, |x| !x),
        Not => return bad(op.name(), dt),
        Neg | Abs | Sign => with_numeric!(dt, T => match op {
            Neg => |a, o, n| map::<T, T>(a, o, n, Arith::neg),
            Abs => |a, o, n| map::<T, T>(a, o, n, Arith::abs),
            _ => |a, o, n| map::<T, T>(a, o, n, Arith::sign),
        }, bool => return bad(op.name(), dt)),
        IsNan | IsFinite => with_float!(dt, F => match op {
            IsNan => |a, o, n| map::<F, bool>(a, o, n, |x| x.is_nan()),
            _ => |a, o, n| map::<F, bool>(a, o, n, |x| x.is_finite()),
        }, _ => return bad(op.name(), dt)),
        Exp | Ln | Log1p | Log2 | Log10 | Expm1 | Sin | Cos | Tan | Tanh | Exp2 | Cbrt | Sinh
        | Cosh | Arcsinh | Arccosh | Arctanh | Arcsin | Arccos | Arctan => match dt {
            DType::F64 => math_f64(op),
            DType::F32 => math_f32(op),
            _ => return bad(op.name(), dt),
        },
        Sqrt | Floor | Ceil | Round => with_float!(dt, F => match op {
            Sqrt => |a, o, n| map::<F, F>(a, o, n, F::sqrt),
            Floor => |a, o, n| map::<F, F>(a, o, n, F::floor),
            Ceil => |a, o, n| map::<F, F>(a, o, n, F::ceil),
            _ => |a, o, n| map::<F, F>(a, o, n, round_half_even),
        }, _ => return bad(op.name(), dt)),
        Square => with_numeric!(dt, T => |a, o, n| map::<T, T>(a, o, n, |x| Arith::mul(x, x)),
            bool => return bad(op.name(), dt)),
        Invert => with_integer!(dt, T => |a, o, n| map::<T, T>(a, o, n, |x| !x),
            _ => return bad(op.name(), dt)),
        IsInf | IsPosInf | IsNegInf | SignBit => with_float!(dt, F => match op {
            IsInf => |a, o, n| map::<F, bool>(a, o, n, F::is_infinite),
            IsPosInf => |a, o, n| map::<F, bool>(a, o, n, |x| x == F::INFINITY),
            IsNegInf => |a, o, n| map::<F, bool>(a, o, n, |x| x == F::NEG_INFINITY),
            _ => |a, o, n| map::<F, bool>(a, o, n, F::is_sign_negative),
        }, _ => return bad(op.name(), dt)),
        Reciprocal | Trunc if !dt.is_float() => with_integer!(dt, T => match op {
            // Integer 1/x, truncating; 0 for a zero divisor.
            Reciprocal => |a, o, n| map::<T, T>(a, o, n, |x| Arith::div(T::one(), x)),
            _ => |a, o, n| map::<T, T>(a, o, n, |x| x),
        }, _ => return bad(op.name(), dt)),
        Sinc if dt == DType::F64 => |a, o, n| math::sinc(&f64::src(a)[..n], &mut f64::out(o)[..n]),
        Sinc if dt == DType::F32 => {
            |a, o, n| math::sinc_f32(&f32::src(a)[..n], &mut f32::out(o)[..n])
        }
        Reciprocal | Trunc | Degrees | Radians | Sinc => {
            with_float!(dt, F => ufunc_unary::<F>(op), _ => return bad(op.name(), dt))
        }
    })
}

/// The kernels of the float-only NumPy ufuncs of one operand without a slice kernel in
/// `tessera_kernels`. They are scalar (one call per element, through the platform's libm
/// for the transcendental ones; see [`ufunc_scalar`](super::ufunc_scalar)); `reciprocal`,
/// `trunc`, `degrees` and `radians` are exact one-instruction maps.
fn ufunc_unary<F: UFloat>(op: UnaryOp) -> UnaryFn {
    use UnaryOp::*;
    match op {
        Log2 => |a, o, n| map::<F, F>(a, o, n, F::log2),
        Log10 => |a, o, n| map::<F, F>(a, o, n, F::log10),
        Reciprocal => |a, o, n| map::<F, F>(a, o, n, |x| F::one() / x),
        Trunc => |a, o, n| map::<F, F>(a, o, n, F::trunc),
        Degrees => |a, o, n| map::<F, F>(a, o, n, |x| x * F::DEGREES),
        Radians => |a, o, n| map::<F, F>(a, o, n, |x| x * F::RADIANS),
        _ => |a, o, n| map::<F, F>(a, o, n, uf::sinc),
    }
}

/// The kernels of the NumPy ufuncs of two float operands without a slice kernel in
/// `tessera_kernels` (`arctan2` has one, [`math::atan2`], which [`binary`] uses; its arm here
/// is not reached). Scalar, as [`ufunc_unary`]'s: `hypot` calls libm,
/// `logaddexp`/`logaddexp2` are NumPy's formulas over std's `exp`/`exp2`/`ln_1p`;
/// `copysign`, `nextafter` (bit manipulation), `fmod`, `fmax`, `fmin`, `heaviside` and
/// `floor_divide` (NumPy's `npy_divmod`) are exact.
fn ufunc_binary_float<F: UFloat>(op: BinaryOp) -> BinaryFn {
    use BinaryOp::*;
    match op {
        Arctan2 => |a, b, o, n| zip::<F, F>(a, b, o, n, F::atan2),
        Hypot => |a, b, o, n| zip::<F, F>(a, b, o, n, F::hypot),
        Copysign => |a, b, o, n| zip::<F, F>(a, b, o, n, F::copysign_),
        Nextafter => |a, b, o, n| zip::<F, F>(a, b, o, n, F::nextafter),
        Fmod => |a, b, o, n| zip::<F, F>(a, b, o, n, |x, y| x % y),
        Fmax => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::fmax),
        Fmin => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::fmin),
        Logaddexp => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::logaddexp),
        Logaddexp2 => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::logaddexp2),
        Heaviside => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::heaviside),
        _ => |a, b, o, n| zip::<F, F>(a, b, o, n, uf::floor_divide_float),
    }
}

/// The kernels of the integer NumPy ufuncs of two operands (scalar, exact; NumPy's results
/// for zero divisors and out-of-range shift counts, see [`UInt`]).
fn ufunc_binary_int<T: UInt + Arith>(op: BinaryOp) -> BinaryFn {
    use BinaryOp::*;
    match op {
        Fmod => |a, b, o, n| zip::<T, T>(a, b, o, n, T::fmod),
        Fmax => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::maximum),
        Fmin => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::minimum),
        FloorDivide => |a, b, o, n| zip::<T, T>(a, b, o, n, T::floor_div),
        LeftShift => |a, b, o, n| zip::<T, T>(a, b, o, n, T::shl),
        RightShift => |a, b, o, n| zip::<T, T>(a, b, o, n, T::shr),
        Gcd => |a, b, o, n| zip::<T, T>(a, b, o, n, T::gcd),
        _ => |a, b, o, n| zip::<T, T>(a, b, o, n, T::lcm),
    }
}

/// Applies a slice kernel of `tessera_kernels::math` to a tile.
macro_rules! math_step {
    ($t:ty, $f:path) => {
        (|a, o, n| $f(&<$t>::src(a)[..n], &mut <$t>::out(o)[..n])) as UnaryFn
    };
}

fn math_f64(op: UnaryOp) -> UnaryFn {
    use UnaryOp::*;
    match op {
        Exp => math_step!(f64, math::exp),
        Ln => math_step!(f64, math::ln),
        Log1p => math_step!(f64, math::log1p),
        Log2 => math_step!(f64, math::log2),
        Log10 => math_step!(f64, math::log10),
        Expm1 => math_step!(f64, math::expm1),
        Sin => math_step!(f64, math::sin),
        Cos => math_step!(f64, math::cos),
        Tan => math_step!(f64, math::tan),
        Exp2 => math_step!(f64, math::exp2),
        Cbrt => math_step!(f64, math::cbrt),
        Sinh => math_step!(f64, math::sinh),
        Cosh => math_step!(f64, math::cosh),
        Arcsinh => math_step!(f64, math::asinh),
        Arccosh => math_step!(f64, math::acosh),
        Arctanh => math_step!(f64, math::atanh),
        Arcsin => math_step!(f64, math::asin),
        Arccos => math_step!(f64, math::acos),
        Arctan => math_step!(f64, math::atan),
        _ => math_step!(f64, math::tanh),
    }
}

fn math_f32(op: UnaryOp) -> UnaryFn {
    use UnaryOp::*;
    match op {
        Exp => math_step!(f32, math::exp_f32),
        Ln => math_step!(f32, math::ln_f32),
        Log1p => math_step!(f32, math::log1p_f32),
        Log2 => math_step!(f32, math::log2_f32),
        Log10 => math_step!(f32, math::log10_f32),
        Expm1 => math_step!(f32, math::expm1_f32),
        Sin => math_step!(f32, math::sin_f32),
        Cos => math_step!(f32, math::cos_f32),
        Tan => math_step!(f32, math::tan_f32),
        Exp2 => math_step!(f32, math::exp2_f32),
        Cbrt => math_step!(f32, math::cbrt_f32),
        Sinh => math_step!(f32, math::sinh_f32),
        Cosh => math_step!(f32, math::cosh_f32),
        Arcsinh => math_step!(f32, math::asinh_f32),
        Arccosh => math_step!(f32, math::acosh_f32),
        Arctanh => math_step!(f32, math::atanh_f32),
        Arcsin => math_step!(f32, math::asin_f32),
        Arccos => math_step!(f32, math::acos_f32),
        Arctan => math_step!(f32, math::atan_f32),
        _ => math_step!(f32, math::tanh_f32),
    }
}

/// The kernel of a binary operation on operands of dtype `dt`.
// The comparisons are generic over every element type, `bool` included, where `x < y` is
// the intended ordering (false < true).
#[allow(clippy::bool_comparison)]
pub(crate) fn binary(op: BinaryOp, dt: DType) -> Result<BinaryFn> {
    use BinaryOp::*;
    Ok(match op {
        Eq | Ne | Lt | Le | Gt | Ge => with_dtype!(dt, T => match op {
            Eq => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x == y),
            Ne => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x != y),
            Lt => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x < y),
            Le => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x <= y),
            Gt => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x > y),
            _ => |a, b, o, n| zip::<T, bool>(a, b, o, n, |x, y| x >= y),
        }),
        And | Or | Xor if dt == DType::Bool => match op {
            And => |a, b, o, n| zip::<bool, bool>(a, b, o, n, |x, y| x & y),
            Or => |a, b, o, n| zip::<bool, bool>(a, b, o, n, |x, y| x | y),
            _ => |a, b, o, n| zip::<bool, bool>(a, b, o, n, |x, y| x ^ y),
        },
        And | Or | Xor => return bad(op.name(), dt),
        BitAnd | BitOr | BitXor => with_integer!(dt, T => match op {
            BitAnd => |a, b, o, n| zip::<T, T>(a, b, o, n, |x, y| x & y),
            BitOr => |a, b, o, n| zip::<T, T>(a, b, o, n, |x, y| x | y),
            _ => |a, b, o, n| zip::<T, T>(a, b, o, n, |x, y| x ^ y),
        }, _ => return bad(op.name(), dt)),
        Arctan2 if dt == DType::F64 => |a, b, o, n| wide(a, b, o, n, math::atan2),
        Arctan2 if dt == DType::F32 => |a, b, o, n| wide(a, b, o, n, math::atan2_f32),
        Logaddexp if dt == DType::F64 => |a, b, o, n| wide(a, b, o, n, math::logaddexp),
        Logaddexp if dt == DType::F32 => |a, b, o, n| wide(a, b, o, n, math::logaddexp_f32),
        Logaddexp2 if dt == DType::F64 => |a, b, o, n| wide(a, b, o, n, math::logaddexp2),
        Logaddexp2 if dt == DType::F32 => |a, b, o, n| wide(a, b, o, n, math::logaddexp2_f32),
        Arctan2 | Hypot | Copysign | Nextafter | Logaddexp | Logaddexp2 | Heaviside => {
            with_float!(dt, F => ufunc_binary_float::<F>(op), _ => return bad(op.name(), dt))
        }
        Fmod | Fmax | Fmin | FloorDivide => with_float!(dt, F => ufunc_binary_float::<F>(op),
            _ => with_integer!(dt, T => ufunc_binary_int::<T>(op), _ => return bad(op.name(), dt))),
        LeftShift | RightShift | Gcd | Lcm => {
            with_integer!(dt, T => ufunc_binary_int::<T>(op), _ => return bad(op.name(), dt))
        }
        // 64-bit integer division has no vector instruction: `wide_div` goes through `f64`
        // where the operands allow, with the same results.
        Div if dt == DType::I64 => |a, b, o, n| wide(a, b, o, n, wide_div::div_i64),
        Rem if dt == DType::I64 => |a, b, o, n| wide(a, b, o, n, wide_div::rem_i64),
        Div if dt == DType::U64 => |a, b, o, n| wide(a, b, o, n, wide_div::div_u64),
        Rem if dt == DType::U64 => |a, b, o, n| wide(a, b, o, n, wide_div::rem_u64),
        // Float `%` has no vector instruction either: `float_rem` computes it exactly with a
        // fused multiply-add where the quotient is small.
        Rem if dt == DType::F64 => |a, b, o, n| wide(a, b, o, n, float_rem::rem_f64),
        Rem if dt == DType::F32 => |a, b, o, n| wide(a, b, o, n, float_rem::rem_f32),
        Pow if dt == DType::F64 => {
            |a, b, o, n| math::pow(&f64::src(a)[..n], &f64::src(b)[..n], &mut f64::out(o)[..n])
        }
        Pow if dt == DType::F32 => {
            |a, b, o, n| math::pow_f32(&f32::src(a)[..n], &f32::src(b)[..n], &mut f32::out(o)[..n])
        }
        _ => with_numeric!(dt, T => match op {
            Add => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::add),
            Sub => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::sub),
            Mul => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::mul),
            Div => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::div),
            Rem => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::rem),
            Pow => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::pow),
            Maximum => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::maximum),
            Minimum => |a, b, o, n| zip::<T, T>(a, b, o, n, Arith::minimum),
            _ => return bad(op.name(), dt),
        }, bool => return bad(op.name(), dt)),
    })
}

/// The kernel of `a op s` (`scalar_left`: `s op a`) with the scalar as an immediate, for the
/// operations where that is as exact as the two-operand kernel (the same operation on the
/// same values): arithmetic but `%` and `**`, maximum/minimum and comparisons, on numeric
/// dtypes. `None` for the others, which read the constant's register, and for 64-bit
/// integer `/`, whose two-operand kernel is the vectorized one (`wide_div`).
// See `binary` on the comparisons.
#[allow(clippy::bool_comparison)]
pub(crate) fn scalar(op: BinaryOp, dt: DType, scalar_left: bool) -> Option<ScalarFn> {
    use BinaryOp::*;
    // Booleans have no arithmetic; 64-bit integer division runs through the two-operand
    // kernel, which is vectorized (`binary`), with the scalar in a constant register.
    if dt == DType::Bool || (op == Div && matches!(dt, DType::I64 | DType::U64)) {
        return None;
    }
    // Operations whose operands commute need no left-hand version.
    let f: ScalarFn = with_numeric!(dt, T => match (op, scalar_left) {
        (Add, _) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::add(x, v)) },
        (Mul, _) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::mul(x, v)) },
        (Sub, false) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::sub(x, v)) },
        (Sub, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::sub(v, x)) },
        (Div, false) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::div(x, v)) },
        (Div, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::div(v, x)) },
        (Maximum, false) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::maximum(x, v)) },
        (Maximum, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::maximum(v, x)) },
        (Minimum, false) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::minimum(x, v)) },
        (Minimum, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, T>(a, o, n, move |x| Arith::minimum(v, x)) },
        (Eq, _) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x == v) },
        (Ne, _) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x != v) },
        (Lt, false) | (Gt, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x < v) },
        (Le, false) | (Ge, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x <= v) },
        (Gt, false) | (Lt, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x > v) },
        (Ge, false) | (Le, true) => |a, s, o, n| { let v = imm::<T>(s); map::<T, bool>(a, o, n, move |x| x >= v) },
        _ => return None,
    }, bool => return None);
    Some(f)
}

/// The kernel of `where(c, a, b)` for values of dtype `dt`.
pub(crate) fn select(dt: DType) -> WhereFn {
    with_dtype!(dt, T => |c, a, b, o, n| {
        elementwise::select(&bool::src(c)[..n], &T::src(a)[..n], &T::src(b)[..n], &mut T::out(o)[..n])
    })
}
