//! Shape manipulation (`flip`, `roll`, `moveaxis`, `swapaxes`, `broadcast_to`, `diff`,
//! `repeat`, `tile`, `pad` in every mode, `array_split`, `atleast_3d`, `rot90`, `tril`,
//! `triu`, `diag`, `meshgrid`, `indices`) against NumPy, run on the same arrays in the test
//! virtual environment by `tests/interop/manipulation_reference.py`, for 1-d to 4-d shapes
//! and several chunkings.

mod common;

use common::python::{load_f64, run_reference, TempDir};
use ndarray::{ArrayD, IxDyn};
use std::sync::OnceLock;
use tessera::{indices, meshgrid, Array, PadMode};

const SHAPES: &[&[usize]] = &[&[7], &[4, 6], &[3, 4, 5], &[2, 3, 4, 2]];

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("manipulation_reference.py", "manipulation-ref"))
}

fn load(shape: &[usize], name: &str) -> ArrayD<f64> {
    let tag: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    load_f64(reference(), &format!("{}_{name}", tag.join("x")))
}

fn input(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f64 + 0.5).collect()).unwrap()
}

#[test]
fn manipulation_matches_numpy_for_every_chunking() {
    for &shape in SHAPES {
        let nd = shape.len();
        let last = nd - 1;
        let raw = input(shape);
        for chunk in [1usize, 2, 3, 64] {
            let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
            let check = |name: &str, got: tessera::Result<Array<f64>>| {
                let got = got.unwrap_or_else(|e| panic!("{shape:?} {name}: {e}"));
                let got = got.compute().unwrap();
                let want = load(shape, name);
                assert_eq!(
                    got.shape(),
                    want.shape(),
                    "{shape:?} chunks {chunk}: {name} shape"
                );
                let tol = if name == "pad_ramp" { 1e-12 } else { 0.0 };
                for (g, w) in got.iter().zip(want.iter()) {
                    assert!(
                        (g - w).abs() <= tol,
                        "{shape:?} chunks {chunk}: {name}: {g} vs {w}"
                    );
                }
            };
            check("flip_all", x.flip(..));
            check("flip_0", x.flip(0));
            check("flip_last", x.flip(-1)); // negative axes count from the end
            check("roll_3_0", x.roll(3, Some(0)));
            check("roll_-2_none", x.roll(-2, None));
            check("roll_-2_last", x.roll(-2, Some(-1)));
            check("moveaxis_0_last", x.moveaxis(0, -1));
            check("swapaxes_0_last", x.swapaxes(0, last));
            check("broadcast_to", x.broadcast_to(&[&[2][..], shape].concat()));
            check("diff_1_last", x.diff(1, -1, None, None));
            check("diff_2_0", x.diff(2, 0, None, None));
            let first = x.slice_axis(0, 0..1).unwrap();
            let twice = first.try_mul(2.0).unwrap();
            check("diff_prepend", x.diff(1, 0, Some(&twice), Some(&first)));
            check("repeat_3_0", x.repeat(3, Some(0)));
            check("repeat_2_none", x.repeat(2, None));
            check("tile_2", x.tile(&vec![2; nd]));
            check("tile_more", x.tile(&[vec![2], vec![1; nd]].concat()));
            check(
                "pad_constant",
                x.pad(&vec![(1, 2); nd], PadMode::Constant(7.0)),
            );
            check("pad_edge", x.pad(&vec![(1, 2); nd], PadMode::Edge));
            check("pad_reflect", x.pad(&vec![(1, 1); nd], PadMode::Reflect));
            check(
                "pad_symmetric",
                x.pad(&vec![(2, 1); nd], PadMode::Symmetric),
            );
            check("pad_wrap", x.pad(&vec![(2, 2); nd], PadMode::Wrap));
            check(
                "pad_ramp",
                x.pad(&vec![(2, 1); nd], PadMode::LinearRamp(3.0)),
            );
            for (i, part) in x.array_split(3, 0).unwrap().into_iter().enumerate() {
                check(&format!("array_split_{i}"), Ok(part));
            }
            check("atleast_3d", x.atleast_3d());
            if nd >= 2 {
                for k in 1..=3 {
                    check(&format!("rot90_{k}"), x.rot90(k, (0, 1)));
                }
                check("tril_-1", x.tril(-1));
                check("triu_1", x.triu(1));
            }
            if nd <= 2 {
                for k in [-1i64, 0, 2] {
                    check(&format!("diag_{k}"), x.diag(k));
                }
            }
            if nd <= 3 {
                let vecs: Vec<Array<f64>> = shape
                    .iter()
                    .map(|&n| Array::<f64>::arange(0.0, n as f64, 1.0, chunk).unwrap())
                    .collect();
                let refs: Vec<&Array<f64>> = vecs.iter().collect();
                for (ij, label) in [(false, "xy"), (true, "ij")] {
                    for (i, g) in meshgrid(&refs, ij).unwrap().into_iter().enumerate() {
                        check(&format!("meshgrid_{label}_{i}"), Ok(g));
                    }
                }
                check(
                    "indices",
                    Ok(indices(shape, chunk).unwrap().astype::<f64>()),
                );
            }
        }
    }
}

#[test]
fn splits_stacks_and_constructors() {
    let x = Array::<i64>::arange(0, 12, 1, 5)
        .unwrap()
        .reshape(&[3, 4])
        .unwrap();
    let parts = x.split(2, 1).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[1].compute().unwrap(),
        ndarray::arr2(&[[2, 3], [6, 7], [10, 11]]).into_dyn()
    );
    assert!(matches!(
        x.split(3, 1),
        Err(tessera::Error::Argument { .. })
    ));
    let pieces = x.split_at(&[1, 10], 1).unwrap();
    assert_eq!(
        pieces.iter().map(|p| p.shape()[1]).collect::<Vec<_>>(),
        vec![1, 3, 0]
    );
    assert_eq!(x.hsplit(4).unwrap().len(), 4);
    assert_eq!(
        x.vsplit(3).unwrap()[2].compute().unwrap(),
        ndarray::arr2(&[[8, 9, 10, 11]]).into_dyn()
    );
    let v = Array::<i64>::arange(0, 3, 1, 2).unwrap();
    assert_eq!(tessera::vstack(&[&v, &v]).unwrap().shape(), &[2, 3]);
    assert_eq!(tessera::hstack(&[&x, &x]).unwrap().shape(), &[3, 8]);
    assert_eq!(tessera::dstack(&[&x, &x]).unwrap().shape(), &[3, 4, 2]);
    let s = Array::<i64>::scalar(5);
    assert_eq!(s.atleast_1d().unwrap().shape(), &[1]);
    assert_eq!(s.atleast_2d().unwrap().shape(), &[1, 1]);
    assert_eq!(v.atleast_2d().unwrap().shape(), &[1, 3]);
    let m = tessera::block(&[vec![&x, &x], vec![&x, &x]])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(m.shape(), &[6, 8]);
    assert_eq!(m[[4, 6]], 6);
    assert_eq!(
        x.zeros_like().unwrap().compute().unwrap(),
        ndarray::Array2::<i64>::zeros((3, 4)).into_dyn()
    );
    assert_eq!(x.ones_like().unwrap().chunks(), x.chunks());
    assert_eq!(x.full_like(3).unwrap().compute().unwrap().sum(), 36);
    assert_eq!(
        Array::<f32>::empty(&[2, 2], 1)
            .unwrap()
            .compute()
            .unwrap()
            .sum(),
        0.0
    );
    assert!(x.broadcast_to(&[3, 5]).is_err());
    assert!(x.pad(&[(5, 0), (0, 0)], PadMode::Reflect).is_err());
    assert!(x.pad(&[(1, 1)], PadMode::Edge).is_err());
    assert!(x.moveaxis(2, 0).is_err());
    assert!(x.rot90(1, (0, 0)).is_err());
}

mod chunking {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// A chain of manipulations gives the same values under any chunking as in one chunk.
        #[test]
        fn manipulations_do_not_depend_on_the_chunking(
            rows in 1usize..7, cols in 2usize..7, c0 in 1usize..5, c1 in 1usize..5,
            shift in -9isize..9, reps in 1usize..3,
        ) {
            let raw = input(&[rows, cols]);
            let build = |x: Array<f64>| -> tessera::Result<ArrayD<f64>> {
                let y = x.roll(shift, Some(1))?.flip(0)?.pad(&[(1, 0), (0, 2)], PadMode::Edge)?;
                let z = y.tile(&[1, reps])?.repeat(2, Some(0))?.tril(1)?.diff(1, 1, None, None)?;
                z.rot90(1, (0, 1))?.compute()
            };
            let one = build(Array::from_ndarray(raw.clone(), [rows, cols]).unwrap()).unwrap();
            let many = build(Array::from_ndarray(raw, [c0, c1]).unwrap()).unwrap();
            prop_assert_eq!(one, many);
        }
    }
}
