//! `concatenate` and `stack` against ndarray's `concatenate` and `stack`: 1-d to 4-d shapes,
//! differently chunked operands, computed operands (fused elementwise work, reductions),
//! joins read by later stages and reductions, and errors. Results must not depend on the
//! chunking or the thread count.

use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::{concatenate, stack, Array, ChunkSpec, ComputeOptions, Error};

fn data(shape: &[usize], seed: i64) -> ArrayD<i64> {
    let mut k = seed;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k = (k * 1_103_515_245 + 12_345) % 1_000_003;
        k % 199 - 99
    })
}

fn nd_concat(parts: &[ArrayD<i64>], axis: usize) -> ArrayD<i64> {
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(Axis(axis), &views).unwrap()
}

fn nd_stack(parts: &[ArrayD<i64>], axis: usize) -> ArrayD<i64> {
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::stack(Axis(axis), &views).unwrap()
}

#[test]
fn concatenate_every_axis_of_1d_to_4d() {
    let shapes: [&[usize]; 4] = [&[7], &[5, 6], &[3, 4, 5], &[2, 3, 4, 3]];
    for base in shapes {
        for axis in 0..base.len() {
            let mut parts = Vec::new();
            let mut arrays = Vec::new();
            for (i, extra) in [0usize, 2, 1].iter().enumerate() {
                let mut shape = base.to_vec();
                shape[axis] += extra;
                let a = data(&shape, i as i64 + 3);
                // Different chunkings per operand.
                let chunks: Vec<usize> = shape.iter().map(|&n| (n / (i + 1)).max(1)).collect();
                arrays.push(Array::from_ndarray(a.clone(), chunks).unwrap());
                parts.push(a);
            }
            let refs: Vec<&Array<i64>> = arrays.iter().collect();
            let c = concatenate(&refs, axis).unwrap();
            let want = nd_concat(&parts, axis);
            assert_eq!(c.shape(), want.shape());
            for threads in [1, 3] {
                let got = c
                    .compute_with(&ComputeOptions::new().threads(threads))
                    .unwrap();
                assert_eq!(got, want, "{base:?} axis {axis}");
            }
        }
    }
}

#[test]
fn stack_every_position_of_0d_to_3d() {
    let shapes: [&[usize]; 4] = [&[], &[6], &[4, 5], &[3, 2, 4]];
    for base in shapes {
        for axis in 0..=base.len() {
            let parts: Vec<ArrayD<i64>> = (0..3).map(|i| data(base, i + 11)).collect();
            let arrays: Vec<Array<i64>> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let chunks: Vec<usize> = base.iter().map(|&n| (n / (i + 1)).max(1)).collect();
                    Array::from_ndarray(p.clone(), chunks).unwrap()
                })
                .collect();
            let refs: Vec<&Array<i64>> = arrays.iter().collect();
            let s = stack(&refs, axis).unwrap();
            let want = nd_stack(&parts, axis);
            assert_eq!(s.shape(), want.shape());
            assert_eq!(s.compute().unwrap(), want, "{base:?} axis {axis}");
        }
    }
}

#[test]
fn joins_of_computed_operands_feed_later_stages() {
    let a = data(&[6, 5], 1);
    let b = data(&[4, 5], 2);
    let x = Array::from_ndarray(a.clone(), [4, 2]).unwrap();
    let y = Array::from_ndarray(b.clone(), [3, 5]).unwrap();
    // Elementwise work fused into the join; a reduction as an operand.
    let c = concatenate(
        &[&(&x * 2), &(&y + 1), &x.sum(0).unwrap().broadcast_to_rows()],
        0,
    );
    let c = c.unwrap();
    let want = nd_concat(
        &[
            a.mapv(|v| v * 2),
            b.mapv(|v| v + 1),
            a.sum_axis(Axis(0)).insert_axis(Axis(0)).into_dyn(),
        ],
        0,
    );
    assert_eq!(c.compute().unwrap(), want);
    // The join read by an elementwise stage, a reduction, and through a transpose.
    let e = (&c - 3).sum(1).unwrap();
    assert_eq!(e.compute().unwrap(), want.mapv(|v| v - 3).sum_axis(Axis(1)));
    let t = c.t().max(..).unwrap();
    assert_eq!(t.compute_scalar().unwrap(), *want.iter().max().unwrap());
    // Output and intermediate at once: the join is computed once and read by the sum.
    let both = tessera::compute_many(&[&c, &c.sum(0).unwrap().broadcast_to_rows()]).unwrap();
    assert_eq!(both[0], want);
    assert_eq!(
        both[1],
        want.sum_axis(Axis(0)).insert_axis(Axis(0)).into_dyn()
    );
    // A stacked pair reduced over the new axis.
    let s = stack(&[&x, &(&x * 3)], 0).unwrap().sum(0).unwrap();
    assert_eq!(s.compute().unwrap(), a.mapv(|v| 4 * v));
}

#[test]
fn empty_operands_and_single_operands() {
    let a = data(&[0, 3], 1);
    let b = data(&[2, 3], 2);
    let x = Array::from_ndarray(a.clone(), 2).unwrap();
    let y = Array::from_ndarray(b.clone(), 2).unwrap();
    assert_eq!(concatenate(&[&x, &y], 0).unwrap().compute().unwrap(), b);
    assert_eq!(concatenate(&[&x, &x], 0).unwrap().shape(), &[0, 3]);
    assert_eq!(concatenate(&[&y], 1).unwrap().compute().unwrap(), b);
    assert_eq!(
        stack(&[&y], 2).unwrap().compute().unwrap(),
        nd_stack(&[b], 2)
    );
}

#[test]
fn bad_joins_are_errors_naming_the_input() {
    let x = Array::<f64>::zeros(&[2, 3], 2).unwrap();
    let y = Array::<f64>::zeros(&[2, 4], 2).unwrap();
    let z = Array::<f64>::zeros(&[2], 2).unwrap();
    let e = concatenate(&[&x, &y], 0).unwrap_err();
    assert!(
        matches!(&e, Error::Shape { msg, .. } if msg.contains("array 1")),
        "{e}"
    );
    assert!(concatenate(&[&x, &y], 1).is_ok());
    let e = concatenate(&[&x, &z], 0).unwrap_err();
    assert!(e.to_string().contains("dimensions"), "{e}");
    assert!(matches!(
        concatenate(&[&x], 2),
        Err(Error::Axis { axis: 2, .. })
    ));
    assert!(matches!(
        concatenate::<f64>(&[], 0),
        Err(Error::Argument { .. })
    ));
    let s = Array::<f64>::scalar(1.0);
    assert!(concatenate(&[&s, &s], 0).is_err());
    assert!(matches!(
        stack(&[&x, &x], 3),
        Err(Error::Axis { axis: 3, .. })
    ));
    let e = stack(&[&x, &y], 0).unwrap_err();
    assert!(e.to_string().contains("array 1"), "{e}");
}

/// `sum(0)` kept as a row, for joining with 2-d arrays.
trait Row {
    fn broadcast_to_rows(&self) -> Array<i64>;
}

impl Row for Array<i64> {
    fn broadcast_to_rows(&self) -> Array<i64> {
        let n = self.shape()[0];
        let ones = Array::<i64>::ones(&[1, n], n).unwrap();
        &ones * self
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn joins_do_not_depend_on_chunking(
        n in 1usize..7, m in 1usize..6, k in 1usize..5,
        c1 in 1usize..7, c2 in 1usize..6, c3 in 1usize..7, axis in 0usize..2,
        threads in 1usize..4,
    ) {
        let a = data(&[n, m], 5);
        let mut bshape = vec![n, m];
        bshape[axis] = k;
        let b = data(&bshape, 6);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(vec![c1, c2])).unwrap();
        let y = Array::from_ndarray(b.clone(), ChunkSpec::PerAxis(vec![c3, c1])).unwrap();
        let opts = ComputeOptions::new().threads(threads);
        let c = concatenate(&[&x, &(&y * 2)], axis).unwrap();
        let want = nd_concat(&[a.clone(), b.mapv(|v| v * 2)], axis);
        prop_assert_eq!(c.compute_with(&opts).unwrap(), want.clone());
        prop_assert_eq!(
            c.sum(1 - axis).unwrap().compute_with(&opts).unwrap(),
            want.sum_axis(Axis(1 - axis))
        );
        let s = stack(&[&x, &(&x + 1), &x.rechunk(c3).unwrap()], axis).unwrap();
        let want = nd_stack(&[a.clone(), a.mapv(|v| v + 1), a.clone()], axis);
        prop_assert_eq!(s.compute_with(&opts).unwrap(), want);
    }
}
