//! Pairs of float arithmetic instructions run as one pass over the tile.
//!
//! An affine step such as `a * b + 1.0` or `(x - m) / 2.0` is two instructions: the first
//! writes a tile that only the second reads. When the second has a scalar operand, both run
//! in one loop, `g(f(a, b), s)`, which saves a store and a load of every element and one
//! step of the per-tile loop. The result is the same bits: each operation still rounds
//! once, in the same order (the loop computes `f` then `g`, and Rust never contracts them
//! into a fused multiply-add).
//!
//! Only `+ - * /` on `f32` and `f64` are paired: they are the common affine chains, and each
//! pair is its own compiled loop (24 binary-then-scalar and 36 scalar-then-scalar kernels per
//! dtype). A pair's kernel also runs in place: given [`Src::Output`] for one operand, it
//! overwrites that operand's values in the output register, so the tile evaluator can give
//! the pair the register of an operand it reads last (one tile buffer less per tile).

use super::tile::{Out, RegElem, Src};
use super::tile_ops::imm;
use crate::dtype::{with_float, DType, Scalar};
use crate::expr::BinaryOp;
use crate::plan::{Instr, Program};
use tessera_kernels::elementwise;
use tessera_kernels::scalar::Arith;

/// `out = g(f(a, b), s)`.
pub(crate) type BinaryThenFn = fn(Src<'_>, Src<'_>, Scalar, &mut Out<'_>, usize);
/// `out = g(f(a, s1), s2)`.
pub(crate) type ScalarThenFn = fn(Src<'_>, Scalar, Scalar, &mut Out<'_>, usize);

/// Codes of the paired operations: `x + y`, `x - y`, `x * y`, `x / y`, and for a scalar on
/// the left, `s - x` and `s / x` (`+` and `*` commute).
const ADD: u8 = 0;
const SUB: u8 = 1;
const MUL: u8 = 2;
const DIV: u8 = 3;
const RSUB: u8 = 4;
const RDIV: u8 = 5;

/// `x op y` for an operation code (`y` is the scalar for `RSUB`/`RDIV`, applied on the left).
#[inline(always)]
fn ar<T: Arith>(code: u8, x: T, y: T) -> T {
    match code {
        ADD => x.add(y),
        SUB => x.sub(y),
        MUL => x.mul(y),
        DIV => x.div(y),
        RSUB => y.sub(x),
        _ => y.div(x),
    }
}

/// The code of `op` with a scalar on the left (`scalar_left`) or the right, if paired.
fn code(op: BinaryOp, scalar_left: bool) -> Option<u8> {
    Some(match (op, scalar_left) {
        (BinaryOp::Add, _) => ADD,
        (BinaryOp::Mul, _) => MUL,
        (BinaryOp::Sub, false) => SUB,
        (BinaryOp::Sub, true) => RSUB,
        (BinaryOp::Div, false) => DIV,
        (BinaryOp::Div, true) => RDIV,
        _ => return None,
    })
}

fn binary_then<T: RegElem + Arith, const F: u8, const G: u8>(
    a: Src<'_>,
    b: Src<'_>,
    s: Scalar,
    out: &mut Out<'_>,
    n: usize,
) {
    let v = imm::<T>(s);
    let o = &mut T::out(out)[..n];
    match (a, b) {
        (Src::Output, b) => {
            elementwise::update(o, &T::src(b)[..n], move |x, y| ar(G, ar(F, x, y), v))
        }
        (a, Src::Output) => {
            elementwise::update(o, &T::src(a)[..n], move |y, x| ar(G, ar(F, x, y), v))
        }
        (a, b) => elementwise::zip(&T::src(a)[..n], &T::src(b)[..n], o, move |x, y| {
            ar(G, ar(F, x, y), v)
        }),
    }
}

fn scalar_then<T: RegElem + Arith, const F: u8, const G: u8>(
    a: Src<'_>,
    s1: Scalar,
    s2: Scalar,
    out: &mut Out<'_>,
    n: usize,
) {
    let (v1, v2) = (imm::<T>(s1), imm::<T>(s2));
    let o = &mut T::out(out)[..n];
    match a {
        Src::Output => elementwise::map_in_place(o, move |x| ar(G, ar(F, x, v1), v2)),
        a => elementwise::map(&T::src(a)[..n], o, move |x| ar(G, ar(F, x, v1), v2)),
    }
}

/// The kernel `$fun::<$t, F, G>` for run-time codes `$f` and `$g` in the listed ranges.
macro_rules! pick {
    ($fun:ident, $t:ty, $f:expr, $g:expr; [$($fc:ident),*]; $gs:tt) => {
        match $f {
            $($fc => pick!(@g $fun, $t, $fc, $g; $gs),)*
            _ => return None,
        }
    };
    (@g $fun:ident, $t:ty, $fc:ident, $g:expr; [$($gc:ident),*]) => {
        match $g {
            $($gc => $fun::<$t, { $fc }, { $gc }> as _,)*
            _ => return None,
        }
    };
}

fn binary_then_fn(dt: DType, f: u8, g: u8) -> Option<BinaryThenFn> {
    Some(with_float!(dt, T => pick!(binary_then, T, f, g;
        [ADD, SUB, MUL, DIV]; [ADD, SUB, MUL, DIV, RSUB, RDIV]), _ => return None))
}

fn scalar_then_fn(dt: DType, f: u8, g: u8) -> Option<ScalarThenFn> {
    Some(with_float!(dt, T => pick!(scalar_then, T, f, g;
        [ADD, SUB, MUL, DIV, RSUB, RDIV]; [ADD, SUB, MUL, DIV, RSUB, RDIV]), _ => return None))
}

/// A pair of instructions run as one step (the second reads the first; nothing but
/// constants, computed before the first tile, lies between them).
#[derive(Clone, Copy)]
pub(crate) enum Pair {
    /// `g(f(a, b), s)`.
    BinaryThen(BinaryThenFn, usize, usize, Scalar),
    /// `g(f(a, s1), s2)`.
    ScalarThen(ScalarThenFn, usize, Scalar, Scalar),
}

/// `Some((k, s, left))` when instruction `ins` is `x op s` or `s op x` with a constant
/// scalar `s` (`left`: on the left) and a computed operand `k`.
fn with_scalar(
    prog: &Program,
    ins: &Instr,
    constant: &[bool],
) -> Option<(BinaryOp, usize, Scalar, bool)> {
    let scalar_of = |k: usize| match prog.instrs[k] {
        Instr::Const(s) => Some(s),
        _ => None,
    };
    match *ins {
        Instr::Binary(op, a, b) if !constant[a] => scalar_of(b).map(|s| (op, a, s, false)),
        Instr::Binary(op, a, b) if !constant[b] => scalar_of(a).map(|s| (op, b, s, true)),
        _ => None,
    }
}

/// The pair formed by instruction `i` and instruction `j`, the next one computed per tile,
/// if they can run as one step: both with the same float dtype, `i` a `+ - * /` of two
/// computed operands or of one and a scalar, read by `j` alone (once) and not the result,
/// and `j` a `+ - * /` of `i` and a scalar. `readers[k]` counts the reads of instruction `k`
/// by the program's instructions.
pub(crate) fn pair(
    prog: &Program,
    constant: &[bool],
    readers: &[usize],
    i: usize,
    j: usize,
) -> Option<Pair> {
    if j >= prog.instrs.len() || constant[i] || constant[j] || readers[i] != 1 {
        return None;
    }
    if prog.is_output(i) || prog.dtypes[i] != prog.dtypes[j] {
        return None;
    }
    let dt = prog.dtypes[i];
    let (op2, k, s2, left2) = with_scalar(prog, &prog.instrs[j], constant)?;
    let g = code(op2, left2)?;
    if k != i {
        return None;
    }
    if let Some((op1, a, s1, left1)) = with_scalar(prog, &prog.instrs[i], constant) {
        let f = code(op1, left1)?;
        return scalar_then_fn(dt, f, g).map(|fun| Pair::ScalarThen(fun, a, s1, s2));
    }
    match prog.instrs[i] {
        Instr::Binary(op1, a, b) if !constant[a] && !constant[b] => {
            let f = code(op1, false)?;
            binary_then_fn(dt, f, g).map(|fun| Pair::BinaryThen(fun, a, b, s2))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_apply_the_scalar_on_its_side() {
        assert_eq!(ar(SUB, 5.0, 2.0), 3.0);
        assert_eq!(ar(RSUB, 5.0, 2.0), -3.0);
        assert_eq!(ar(DIV, 6.0, 2.0), 3.0);
        assert_eq!(ar(RDIV, 6.0, 2.0), 2.0 / 6.0);
        assert_eq!(code(BinaryOp::Sub, true), Some(RSUB));
        assert_eq!(code(BinaryOp::Rem, false), None);
    }
}
