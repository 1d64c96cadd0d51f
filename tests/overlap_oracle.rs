//! `map_overlap` against the same stencil applied to the whole array (padded with NumPy's
//! matching mode through `pad`, itself checked against NumPy), for every boundary, 1-d to
//! 3-d shapes, depths of one and two, and chunks smaller than the depth.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};
use proptest::prelude::*;
use tessera::{Array, Boundary, Error, PadMode};

/// Each element not on the edge of `b` becomes the sum of its neighbourhood of radius 1
/// (a box filter); edge elements keep their value.
fn box_sum(b: ArrayViewD<'_, i64>) -> ArrayD<i64> {
    let mut out = b.to_owned();
    let shape = b.shape().to_vec();
    for (idx, v) in out.indexed_iter_mut() {
        let idx: Vec<usize> = (0..shape.len()).map(|a| idx[a]).collect();
        if idx.iter().zip(&shape).any(|(&i, &n)| i == 0 || i + 1 == n) {
            continue;
        }
        let mut win = b.view();
        for (a, &i) in idx.iter().enumerate() {
            win.slice_axis_inplace(Axis(a), Slice::from(i - 1..i + 2));
        }
        *v = win.sum();
    }
    out
}

fn whole_array_oracle(raw: &ArrayD<i64>, depth: usize, boundary: Boundary<i64>) -> ArrayD<i64> {
    let nd = raw.ndim();
    let mode = match boundary {
        Boundary::None => return box_sum(raw.view()),
        Boundary::Constant(v) => PadMode::Constant(v),
        Boundary::Reflect => PadMode::Symmetric,
        Boundary::Periodic => PadMode::Wrap,
        Boundary::Nearest => PadMode::Edge,
        _ => unreachable!(),
    };
    let x = Array::from_ndarray(raw.clone(), 64).unwrap();
    let padded = x
        .pad(&vec![(depth, depth); nd], mode)
        .unwrap()
        .compute()
        .unwrap();
    let mut out = box_sum(padded.view());
    for a in 0..nd {
        out.slice_axis_inplace(Axis(a), Slice::from(depth..depth + raw.shape()[a]));
    }
    out.as_standard_layout().into_owned()
}

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n as i64).map(|i| (i * 7) % 13 - 6).collect(),
    )
    .unwrap()
}

#[test]
fn stencils_match_the_whole_array_for_every_boundary() {
    let boundaries = [
        Boundary::None,
        Boundary::Constant(5),
        Boundary::Reflect,
        Boundary::Periodic,
        Boundary::Nearest,
    ];
    for shape in [&[7usize][..], &[6, 5], &[4, 5, 3]] {
        let raw = data(shape);
        for boundary in boundaries {
            for depth in [1usize, 2] {
                let want = whole_array_oracle(&raw, depth, boundary);
                for chunk in [1usize, 2, 3, 64] {
                    let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
                    let y = x
                        .map_overlap(&vec![depth; shape.len()], boundary, |b, _| Ok(box_sum(b)))
                        .unwrap();
                    assert_eq!(y.chunks(), x.chunks());
                    assert_eq!(
                        y.compute().unwrap(),
                        want,
                        "{shape:?} {boundary:?} depth {depth} chunks {chunk}"
                    );
                }
            }
        }
    }
}

#[test]
fn bad_depths_and_blocks_are_errors() {
    let x = Array::<i64>::arange(0, 5, 1, 2).unwrap();
    assert!(matches!(
        x.map_overlap(&[1, 1], Boundary::None, |b, _| Ok(b.to_owned())),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        x.map_overlap(&[6], Boundary::Periodic, |b, _| Ok(b.to_owned())),
        Err(Error::Argument { .. })
    ));
    let y = x
        .map_overlap(&[1], Boundary::Nearest, |b, _| {
            Ok(b.slice_axis(Axis(0), Slice::from(1..)).to_owned())
        })
        .unwrap();
    assert!(matches!(y.compute(), Err(Error::Shape { .. })));
}

#[test]
fn the_function_sees_each_block_index_and_may_change_the_type() {
    let x = Array::<i64>::arange(0, 10, 1, 4).unwrap();
    let y = x
        .map_overlap(&[2], Boundary::Constant(0), |b, info| {
            Ok(b.mapv(|v| v as f64 + 100.0 * info.index[0] as f64))
        })
        .unwrap();
    let got = y.compute().unwrap();
    assert_eq!(got[0], 0.0);
    assert_eq!(got[5], 105.0);
    assert_eq!(got[9], 209.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn results_do_not_depend_on_the_chunking(
        rows in 1usize..9, cols in 1usize..9, c0 in 1usize..5, c1 in 1usize..5, depth in 1usize..3,
    ) {
        let raw = data(&[rows, cols]);
        let depth = depth.min(rows).min(cols);
        let x = Array::from_ndarray(raw.clone(), [c0, c1]).unwrap();
        let y = x.map_overlap(&[depth, depth], Boundary::Reflect, |b, _| Ok(box_sum(b))).unwrap();
        prop_assert_eq!(y.compute().unwrap(), whole_array_oracle(&raw, depth, Boundary::Reflect));
    }
}
