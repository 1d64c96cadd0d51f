//! Reference semantics of the elementwise operations, computed on widened values
//! (`i128` with explicit wrapping for integers, `f64` rounded to the dtype for floats).
#![allow(dead_code)]

use super::{
    bcast_index, broadcast_shape, eps, got, int_range, round_to, unravel, wrap, ToV, Want, V,
};
use tessera::{Array, DType, Element, MixedOperand, Numeric};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Max,
    Min,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

pub const ARITH: [Bin; 8] = [
    Bin::Add,
    Bin::Sub,
    Bin::Mul,
    Bin::Div,
    Bin::Rem,
    Bin::Pow,
    Bin::Max,
    Bin::Min,
];
pub const CMP: [Bin; 6] = [Bin::Eq, Bin::Ne, Bin::Lt, Bin::Le, Bin::Gt, Bin::Ge];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Un {
    Neg,
    Abs,
    Sign,
    Sqrt,
    Exp,
    Ln,
    Log1p,
    Expm1,
    Sin,
    Cos,
    Tan,
    Tanh,
    Floor,
    Ceil,
    Round,
    IsNan,
    IsFinite,
}

fn ordering_holds(op: Bin, o: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, o) {
        (Bin::Ne, None) => true,
        (_, None) => false,
        (Bin::Eq, Some(o)) => o == Equal,
        (Bin::Ne, Some(o)) => o != Equal,
        (Bin::Lt, Some(o)) => o == Less,
        (Bin::Le, Some(o)) => o != Greater,
        (Bin::Gt, Some(o)) => o == Greater,
        (Bin::Ge, Some(o)) => o != Less,
        _ => unreachable!("{op:?} is not a comparison"),
    }
}

/// `x ** y` for integers: wrapping for `y >= 0`; for `y < 0` the truncated real result.
fn int_pow(dt: DType, x: i128, y: i128) -> i128 {
    if y < 0 {
        return match x {
            1 => 1,
            -1 if y % 2 == 0 => 1,
            -1 => -1,
            _ => 0,
        };
    }
    let (mut acc, mut base, mut e) = (1i128, x, y as u128);
    while e > 0 {
        if e & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    wrap(dt, acc)
}

/// NumPy's float remainder: `fmod`, moved to the divisor's sign; an exact zero takes the
/// divisor's sign.
fn float_rem(x: f64, y: f64) -> f64 {
    let m = x % y;
    if m == 0.0 {
        0.0f64.copysign(y)
    } else if (m < 0.0) != (y < 0.0) {
        m + y
    } else {
        m
    }
}

/// The expected result of `a op b` for operands of dtype `dt`.
pub fn bin_ref(op: Bin, dt: DType, a: V, b: V) -> Want {
    if CMP.contains(&op) {
        let o = match (a, b) {
            (V::F(x), V::F(y)) => x.partial_cmp(&y),
            (x, y) => x.i().partial_cmp(&y.i()),
        };
        return Want::Exact(V::B(ordering_holds(op, o)));
    }
    if let (Bin::Div, V::I(x), V::I(y)) = (op, a, b) {
        // True division: integers divide as f64 (NumPy's `true_divide`).
        return Want::Exact(V::F(x as f64 / y as f64));
    }
    match (a, b) {
        (V::I(x), V::I(y)) => Want::Exact(V::I(match op {
            Bin::Add => wrap(dt, x.wrapping_add(y)),
            Bin::Sub => wrap(dt, x.wrapping_sub(y)),
            Bin::Mul => wrap(dt, x.wrapping_mul(y)),
            Bin::Rem if y == 0 => 0,
            Bin::Rem => {
                let m = x.rem_euclid(y.abs());
                if y < 0 && m != 0 {
                    m + y
                } else {
                    m
                }
            }
            Bin::Pow => int_pow(dt, x, y),
            Bin::Max => x.max(y),
            Bin::Min => x.min(y),
            _ => unreachable!(),
        })),
        (V::F(x), V::F(y)) => {
            let nan = x.is_nan() || y.is_nan();
            let r = match op {
                Bin::Add => x + y,
                Bin::Sub => x - y,
                Bin::Mul => x * y,
                Bin::Div => x / y,
                Bin::Rem => float_rem(x, y),
                Bin::Pow => {
                    let w = round_to(dt, x.powf(y));
                    return Want::Near(w, 4.0 * eps(dt) * w.abs());
                }
                Bin::Max if nan => f64::NAN,
                Bin::Min if nan => f64::NAN,
                Bin::Max => x.max(y),
                Bin::Min => x.min(y),
                _ => unreachable!(),
            };
            Want::Exact(V::F(round_to(dt, r)))
        }
        _ => panic!("bin_ref: unsupported operands {a:?} {b:?}"),
    }
}

/// The expected result of `op(a)` for an operand of dtype `dt`.
pub fn un_ref(op: Un, dt: DType, a: V) -> Want {
    match a {
        V::I(x) => Want::Exact(V::I(match op {
            Un::Neg => wrap(dt, -x),
            Un::Abs => wrap(dt, x.abs()),
            Un::Sign => x.signum(),
            _ => panic!("{op:?} is not defined for integers"),
        })),
        V::F(x) => {
            let exact = |r: f64| Want::Exact(V::F(round_to(dt, r)));
            let near = |r: f64| {
                let w = round_to(dt, r);
                Want::Near(w, 4.0 * eps(dt) * w.abs())
            };
            match op {
                Un::Neg => exact(-x),
                Un::Abs => exact(x.abs()),
                Un::Sign if x.is_nan() || x == 0.0 => exact(x),
                Un::Sign => exact(x.signum()),
                Un::Sqrt => exact(x.sqrt()),
                Un::Floor => exact(x.floor()),
                Un::Ceil => exact(x.ceil()),
                Un::Round => exact(x.round_ties_even()),
                Un::IsNan => Want::Exact(V::B(x.is_nan())),
                Un::IsFinite => Want::Exact(V::B(x.is_finite())),
                Un::Exp => near(x.exp()),
                Un::Ln => near(x.ln()),
                Un::Log1p => near(x.ln_1p()),
                Un::Expm1 => near(x.exp_m1()),
                Un::Sin => near(x.sin()),
                Un::Cos => near(x.cos()),
                Un::Tan => near(x.tan()),
                Un::Tanh => near(x.tanh()),
            }
        }
        V::B(_) => panic!("{op:?} is not defined for bool"),
    }
}

/// The expected result of casting `a` to `to` with Rust's `as` semantics (NaN to 0,
/// saturating float to integer, non-zero to `true`).
pub fn cast_ref(a: V, to: DType) -> V {
    if to == DType::Bool {
        return V::B(a.truthy());
    }
    if to.is_float() {
        return V::F(match a {
            V::I(x) if to == DType::F32 => x as f32 as f64,
            V::I(x) => x as f64,
            V::B(b) => f64::from(u8::from(b)),
            V::F(x) => round_to(to, x),
        });
    }
    V::I(match a {
        V::I(x) => wrap(to, x),
        V::B(b) => i128::from(b),
        V::F(x) if x.is_nan() => 0,
        V::F(x) => {
            let (lo, hi) = int_range(to);
            let t = x.trunc();
            if t <= lo as f64 {
                lo
            } else if t >= hi as f64 {
                hi
            } else {
                t as i128
            }
        }
    })
}

/// The expected result of `a op b` with NumPy broadcasting.
pub fn expect(
    op: Bin,
    a: (&[usize], &[V]),
    b: (&[usize], &[V]),
    dt: DType,
) -> (Vec<usize>, Vec<Want>) {
    let s = broadcast_shape(a.0, b.0).unwrap();
    let n: usize = s.iter().product();
    let want = (0..n)
        .map(|l| {
            let idx = unravel(l, &s);
            bin_ref(
                op,
                dt,
                a.1[bcast_index(&idx, a.0)],
                b.1[bcast_index(&idx, b.0)],
            )
        })
        .collect();
    (s, want)
}

pub fn compare<T: Element>(op: Bin, a: &Array<T>, b: impl MixedOperand<T>) -> Array<bool> {
    match op {
        Bin::Eq => a.equal(b),
        Bin::Ne => a.not_equal(b),
        Bin::Lt => a.less(b),
        Bin::Le => a.less_equal(b),
        Bin::Gt => a.greater(b),
        Bin::Ge => a.greater_equal(b),
        _ => unreachable!(),
    }
    .unwrap()
}

/// The result of `a op b` through the operator (when there is one) and the named method,
/// with borrowed and owned operands.
pub fn forms<T: Numeric + ToV>(op: Bin, a: &Array<T>, b: &Array<T>) -> Vec<(Vec<usize>, Vec<V>)> {
    let o = b.clone();
    match op {
        Bin::Add => vec![got(&(a + b)), got(&a.try_add(o).unwrap())],
        Bin::Sub => vec![got(&(a.clone() - b)), got(&a.try_sub(b).unwrap())],
        Bin::Mul => vec![got(&(a * o)), got(&a.try_mul(b).unwrap())],
        // True division gives the quotient type (f64 for integers); widened exactly to f64.
        Bin::Div => vec![
            got(&(a.clone() / o).astype::<f64>()),
            got(&a.try_div(b).unwrap().astype::<f64>()),
        ],
        Bin::Rem => vec![got(&(a % b)), got(&a.try_rem(o).unwrap())],
        Bin::Pow => vec![got(&a.pow(b).unwrap()), got(&a.pow(o).unwrap())],
        Bin::Max => vec![got(&a.maximum(b).unwrap())],
        Bin::Min => vec![got(&a.minimum(o).unwrap())],
        cmp => vec![got(&compare(cmp, a, b)), got(&compare(cmp, a, o))],
    }
}
