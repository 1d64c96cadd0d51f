//! Reference reductions on widened values: exact `i128` sums and products for integers,
//! `f64` sums and two-pass moments for floats, and NumPy's NaN and tie rules.
#![allow(dead_code)]

use super::{eps, ravel, unravel, wrap, Want, V};
use tessera::DType;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum R {
    Sum,
    Prod,
    Mean,
    Var,
    Std,
    Min,
    Max,
    ArgMin,
    ArgMax,
    Any,
    All,
    Count,
    NanSum,
    NanMean,
    NanMin,
    NanMax,
    NanVar,
    NanStd,
    NanArgMin,
    NanArgMax,
}

impl R {
    pub fn is_arg(self) -> bool {
        matches!(self, R::ArgMin | R::ArgMax | R::NanArgMin | R::NanArgMax)
    }
    /// No identity: an empty reduced axis is an error when the expression is built.
    pub fn needs_nonempty(self) -> bool {
        self.is_arg() || matches!(self, R::Min | R::Max | R::NanMin | R::NanMax)
    }
    fn skips_nan(self) -> bool {
        matches!(
            self,
            R::NanSum
                | R::NanMean
                | R::NanMin
                | R::NanMax
                | R::NanVar
                | R::NanStd
                | R::NanArgMin
                | R::NanArgMax
        )
    }
}

/// The output shape of reducing `axes` of `shape`, and the values of each output element in
/// C order of the reduced positions (for all axes: the flat C-order index).
pub fn groups(
    shape: &[usize],
    vals: &[V],
    axes: &[usize],
    keepdims: bool,
) -> (Vec<usize>, Vec<Vec<V>>) {
    let out: Vec<usize> = (0..shape.len())
        .filter_map(|d| match (axes.contains(&d), keepdims) {
            (false, _) => Some(shape[d]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    let mut g = vec![Vec::new(); out.iter().product()];
    for (l, &v) in vals.iter().enumerate() {
        let idx = unravel(l, shape);
        let oi: Vec<usize> = (0..shape.len())
            .filter_map(|d| match (axes.contains(&d), keepdims) {
                (false, _) => Some(idx[d]),
                (true, true) => Some(0),
                (true, false) => None,
            })
            .collect();
        g[ravel(&oi, &out)].push(v);
    }
    (out, g)
}

fn abs_sum(xs: &[V]) -> f64 {
    xs.iter().map(|v| v.f().abs()).sum()
}

/// Two-pass variance in f64 with NumPy's divisor `max(n - ddof, 0)`, and a tolerance.
fn variance(xs: &[V], ddof: f64, out: DType) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().map(|v| v.f()).sum::<f64>() / n;
    let m2: f64 = xs.iter().map(|v| (v.f() - mean).powi(2)).sum();
    let sq: f64 = xs.iter().map(|v| v.f() * v.f()).sum();
    let div = (n - ddof).max(0.0);
    (m2 / div, 4.0 * (n + 2.0) * eps(out) * sq / div.max(1.0))
}

fn extreme(xs: &[V], max: bool) -> Option<(usize, V)> {
    let mut best: Option<(usize, V)> = None;
    for (i, &v) in xs.iter().enumerate() {
        if v.is_nan() {
            return Some((i, v));
        }
        let better = match best {
            None => true,
            Some((_, b)) => {
                let o = match (v, b) {
                    (V::F(x), V::F(y)) => x.partial_cmp(&y).unwrap(),
                    (x, y) => x.i().cmp(&y.i()),
                };
                if max {
                    o.is_gt()
                } else {
                    o.is_lt()
                }
            }
        };
        if better {
            best = Some((i, v));
        }
    }
    best
}

/// The expected value of reduction `r` of `xs` (input dtype `inp`, output dtype `out`), or
/// `None` when computing it must fail (`nanargmin`/`nanargmax` of an all-NaN slice).
pub fn reduce_ref(r: R, xs: &[V], inp: DType, out: DType, ddof: f64) -> Option<Want> {
    if matches!(r, R::NanArgMin | R::NanArgMax) {
        return nan_arg_ref(xs, r == R::NanArgMax);
    }
    let float_in = inp.is_float();
    let kept: Vec<V> = if r.skips_nan() {
        xs.iter().copied().filter(|v| !v.is_nan()).collect()
    } else {
        xs.to_vec()
    };
    let xs = &kept[..];
    let n = xs.len() as f64;
    let base = match r {
        R::NanSum => R::Sum,
        R::NanMean => R::Mean,
        R::NanMin => R::Min,
        R::NanMax => R::Max,
        R::NanVar => R::Var,
        R::NanStd => R::Std,
        other => other,
    };
    Some(match base {
        R::Sum if !float_in => Want::Exact(V::I(wrap(out, xs.iter().map(|v| v.i()).sum()))),
        R::Sum => Want::Near(
            xs.iter().map(|v| v.f()).sum(),
            (n + 2.0) * eps(out) * abs_sum(xs),
        ),
        R::Prod if !float_in => Want::Exact(V::I(wrap(
            out,
            xs.iter().fold(1i128, |a, v| a.wrapping_mul(v.i())),
        ))),
        R::Prod => {
            let p: f64 = xs.iter().map(|v| v.f()).product();
            Want::Near(p, (n + 2.0) * eps(out) * p.abs())
        }
        R::Mean if !float_in => {
            let s: i128 = xs.iter().map(|v| v.i()).sum();
            Want::Near(s as f64 / n, (n + 2.0) * eps(out) * abs_sum(xs) / n)
        }
        R::Mean => Want::Near(
            xs.iter().map(|v| v.f()).sum::<f64>() / n,
            (n + 2.0) * eps(out) * abs_sum(xs) / n,
        ),
        R::Var => {
            let (v, tol) = variance(xs, ddof, out);
            Want::Near(v, tol)
        }
        R::Std => {
            let (v, tol) = variance(xs, ddof, out);
            Want::Near(v.sqrt(), tol.sqrt())
        }
        R::Min | R::Max => match extreme(xs, base == R::Max) {
            Some((_, v)) => Want::Exact(v),
            None => Want::Exact(V::F(f64::NAN)), // nanmin/nanmax of an all-NaN slice
        },
        R::ArgMin | R::ArgMax => match extreme(xs, base == R::ArgMax) {
            Some((i, _)) => Want::Exact(V::I(i as i128)),
            None => unreachable!("arg-reduction of an empty slice"),
        },
        R::Any => Want::Exact(V::B(xs.iter().any(|v| v.truthy()))),
        R::All => Want::Exact(V::B(xs.iter().all(|v| v.truthy()))),
        R::Count => Want::Exact(V::I(xs.iter().filter(|v| v.truthy()).count() as i128)),
        _ => unreachable!(),
    })
}

/// `nanargmin`/`nanargmax` of `xs`: the first position (in `xs`) of the extreme non-NaN
/// value, `None` for an all-NaN slice.
pub fn nan_arg_ref(xs: &[V], max: bool) -> Option<Want> {
    let pos: Vec<usize> = (0..xs.len()).filter(|&i| !xs[i].is_nan()).collect();
    let vals: Vec<V> = pos.iter().map(|&i| xs[i]).collect();
    extreme(&vals, max).map(|(k, _)| Want::Exact(V::I(pos[k] as i128)))
}
