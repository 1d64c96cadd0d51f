//! Every reduction over every subset of axes (including none), with and without
//! `keepdims`, for several chunkings and `split_every` values, against reference reductions
//! (exact integer arithmetic, `f64` accumulation, NumPy's NaN and tie rules).

mod common;

use common::reduce_ref::{groups, reduce_ref, R};
use common::*;
use tessera::{Array, Axes, ChunkGrid, ChunkSpec, DType, Element, Error, Float};

/// One reduction call: the input, the reduced axes and the options.
struct Case<'a> {
    shape: &'a [usize],
    vals: &'a [V],
    dtype: DType,
    axes: Vec<usize>,
    keepdims: bool,
    split: usize,
    /// Pass all axes as `..` rather than as a list.
    all_form: bool,
}

impl Case<'_> {
    fn axes(&self) -> Axes {
        let a = if self.all_form {
            Axes::all()
        } else {
            Axes::new(self.axes.clone())
        };
        let a = if self.keepdims { a.keepdims() } else { a };
        a.split_every(self.split)
    }
}

/// `split`, raised where the reduction tree recurses forever (a known bug, see
/// `tree_recursion_with_small_split_every` in `reduction_cases.rs`): with `k` reduced axes
/// of several chunks, `2^k > split_every` overflows the stack.
fn usable_split(grid: &ChunkGrid, axes: &[usize], split: usize) -> usize {
    let k = axes.iter().filter(|&&a| grid.chunks(a).len() > 1).count();
    if 1usize << k > split {
        8.max(1 << k)
    } else {
        split
    }
}

/// Checks a built (or refused) reduction against the reference.
fn chk<U: ToV>(r: R, res: tessera::Result<Array<U>>, c: &Case, ddof: f64) {
    let ctx = format!(
        "{r:?} axes={:?} keepdims={} split={} ddof={ddof} of {} {:?} = {:?}",
        c.axes, c.keepdims, c.split, c.dtype, c.shape, c.vals
    );
    let nd = c.shape.len();
    if r.is_arg() && c.axes.len() != 1 && c.axes.len() != nd {
        assert!(
            matches!(res, Err(Error::Argument { .. })),
            "must be refused: {ctx}"
        );
        return;
    }
    if r.needs_nonempty() && c.axes.iter().any(|&a| c.shape[a] == 0) {
        assert!(
            matches!(res, Err(Error::Shape { .. })),
            "must be refused: {ctx}"
        );
        return;
    }
    let a = res.unwrap_or_else(|e| panic!("{e}: {ctx}"));
    let (shape, gs) = groups(c.shape, c.vals, &c.axes, c.keepdims);
    assert_eq!(a.shape(), &shape[..], "{ctx}");
    let want: Option<Vec<Want>> = gs
        .iter()
        .map(|g| reduce_ref(r, g, c.dtype, a.dtype(), ddof))
        .collect();
    match want {
        Some(w) => check(&got(&a), &shape, &w, ctx),
        None => {
            let e = a.compute().expect_err(&ctx).to_string();
            assert!(e.contains("All-NaN"), "{e}: {ctx}");
        }
    }
}

/// The reductions every element type has.
fn element_reductions<T: Element + ToV>(x: &Array<T>, c: &Case)
where
    T::Sum: ToV,
    T::Mean: ToV,
{
    chk(R::Sum, x.sum(c.axes()), c, 0.0);
    chk(R::Prod, x.prod(c.axes()), c, 0.0);
    chk(R::Mean, x.mean(c.axes()), c, 0.0);
    chk(R::Var, x.var(c.axes()), c, 0.0);
    chk(R::Var, x.var_ddof(c.axes(), 1.0), c, 1.0);
    chk(R::Std, x.std(c.axes()), c, 0.0);
    chk(R::Std, x.std_ddof(c.axes(), 1.0), c, 1.0);
    chk(R::Min, x.min(c.axes()), c, 0.0);
    chk(R::Max, x.max(c.axes()), c, 0.0);
    chk(R::ArgMin, x.argmin(c.axes()), c, 0.0);
    chk(R::ArgMax, x.argmax(c.axes()), c, 0.0);
    chk(R::Any, x.any(c.axes()), c, 0.0);
    chk(R::All, x.all(c.axes()), c, 0.0);
    chk(R::Count, x.count_nonzero(c.axes()), c, 0.0);
}

/// The NaN-ignoring reductions of float types.
fn nan_reductions<T: Float + ToV>(x: &Array<T>, c: &Case) {
    chk(R::NanSum, x.nansum(c.axes()), c, 0.0);
    chk(R::NanMean, x.nanmean(c.axes()), c, 0.0);
    chk(R::NanMin, x.nanmin(c.axes()), c, 0.0);
    chk(R::NanMax, x.nanmax(c.axes()), c, 0.0);
    chk(R::NanVar, x.nanvar(c.axes()), c, 0.0);
    chk(R::NanVar, x.nanvar_ddof(c.axes(), 1.0), c, 1.0);
    chk(R::NanStd, x.nanstd(c.axes()), c, 0.0);
    chk(R::NanStd, x.nanstd_ddof(c.axes(), 1.0), c, 1.0);
    chk(R::NanArgMin, x.nanargmin(c.axes()), c, 0.0);
    chk(R::NanArgMax, x.nanargmax(c.axes()), c, 0.0);
}

const SHAPES: &[&[usize]] = &[
    &[],
    &[0],
    &[1],
    &[9],
    &[4, 5],
    &[3, 0],
    &[1, 6],
    &[3, 4, 5],
    &[2, 3, 1, 3],
];

/// Every reduction over every axis subset, keepdims or not, for several chunkings.
fn all_reductions<T: Gen>(seed: u64, special: f64, extra: impl Fn(&Array<T>, &Case))
where
    T::Sum: ToV,
    T::Mean: ToV,
{
    let mut rng = Rng::new(seed);
    for shape in SHAPES {
        for (k, spec) in chunkings(&mut rng, shape).into_iter().enumerate() {
            let nd = random_nd::<T>(&mut rng, shape, special);
            let vals = vals(&nd);
            let x = Array::from_ndarray(nd, spec).unwrap();
            for (i, axes) in subsets(shape.len()).into_iter().enumerate() {
                for keepdims in [false, true] {
                    let c = Case {
                        shape,
                        vals: &vals,
                        dtype: T::DTYPE,
                        all_form: axes.len() == shape.len() && (i + k) % 2 == 0,
                        axes: axes.clone(),
                        keepdims,
                        split: usable_split(
                            x.chunks(),
                            &axes,
                            [2, 3, 8][(i + k + usize::from(keepdims)) % 3],
                        ),
                    };
                    element_reductions(&x, &c);
                    extra(&x, &c);
                }
            }
        }
    }
}

fn none<T: Element>(_: &Array<T>, _: &Case) {}

#[test]
fn f64_reductions() {
    all_reductions::<f64>(1, 0.0, nan_reductions::<f64>);
}
#[test]
fn f64_reductions_with_nan_and_inf() {
    all_reductions::<f64>(2, 0.25, nan_reductions::<f64>);
}
#[test]
fn f32_reductions() {
    all_reductions::<f32>(3, 0.15, nan_reductions::<f32>);
}
#[test]
fn i64_reductions_wrap() {
    all_reductions::<i64>(4, 0.2, none::<i64>);
}
#[test]
fn i32_reductions() {
    all_reductions::<i32>(5, 0.0, none::<i32>);
}
#[test]
fn i8_reductions() {
    all_reductions::<i8>(6, 0.1, none::<i8>);
}
#[test]
fn u8_reductions() {
    all_reductions::<u8>(7, 0.1, none::<u8>);
}
#[test]
fn u64_reductions_wrap() {
    all_reductions::<u64>(8, 0.2, none::<u64>);
}
#[test]
fn bool_reductions() {
    all_reductions::<bool>(9, 0.0, none::<bool>);
}

/// Many chunks per reduced axis, so that the combine tree has several levels.
#[test]
fn deep_trees_for_every_split_every() {
    let mut rng = Rng::new(10);
    let cases: [(&[usize], ChunkSpec); 3] = [
        (&[50], ChunkSpec::from(1)),
        (&[12, 10], ChunkSpec::from([1, 3])),
        (
            &[7, 6, 5],
            ChunkSpec::from(vec![vec![1, 2, 1, 3], vec![1; 6], vec![2, 2, 1]]),
        ),
    ];
    for (shape, spec) in cases {
        let nd = random_nd::<f64>(&mut rng, shape, 0.02);
        let vals = vals(&nd);
        let x = Array::from_ndarray(nd, spec).unwrap();
        let ints = random_nd::<i64>(&mut rng, shape, 0.1);
        let ivals = common::vals(&ints);
        let y = Array::from_ndarray(ints, [1, 2, 3][..shape.len()].to_vec()).unwrap();
        for axes in subsets(shape.len()) {
            for split in [2, 3, 8] {
                let mut c = Case {
                    shape,
                    vals: &vals,
                    dtype: DType::F64,
                    axes: axes.clone(),
                    keepdims: false,
                    split: usable_split(x.chunks(), &axes, split),
                    all_form: false,
                };
                element_reductions(&x, &c);
                nan_reductions(&x, &c);
                c.vals = &ivals;
                c.dtype = DType::I64;
                c.split = usable_split(y.chunks(), &axes, split);
                element_reductions(&y, &c);
            }
        }
    }
}
