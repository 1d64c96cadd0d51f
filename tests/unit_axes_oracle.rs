//! `expand_dims` and `squeeze` against ndarray's `insert_axis` and `index_axis(.., 0)`:
//! sources, computed operands and stages, broadcasting through the new axes, reductions
//! over them, Zarr-free; results must not depend on the chunking.

use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::{Array, ChunkSpec, Error};

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0.0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1.0;
        (k * 0.37f64).sin() * 10.0
    })
}

#[test]
fn expand_dims_at_every_position_of_0d_to_3d() {
    let shapes: [&[usize]; 4] = [&[], &[5], &[3, 4], &[2, 3, 4]];
    for shape in shapes {
        let a = data(shape);
        let x = Array::from_ndarray(a.clone(), 2).unwrap();
        for axis in 0..=shape.len() {
            let e = x.expand_dims(axis).unwrap();
            let want = a.clone().insert_axis(Axis(axis));
            assert_eq!(e.shape(), want.shape());
            assert_eq!(e.compute().unwrap(), want, "{shape:?} axis {axis}");
            // Computed operand, read by a consumer that broadcasts the new axis.
            let y = (&x * 2.0).expand_dims(axis).unwrap();
            let mut big = want.shape().to_vec();
            big[axis] = 3;
            let ones = Array::<f64>::ones(&big, 2).unwrap();
            let got = (&ones * &y).compute().unwrap();
            let w = want.mapv(|v| v * 2.0);
            let w = w.broadcast(IxDyn(&big)).unwrap().to_owned();
            assert_eq!(got, w, "{shape:?} axis {axis}");
        }
    }
    assert!(matches!(
        Array::<f64>::ones(&[2], 1).unwrap().expand_dims(2),
        Err(Error::Axis { axis: 2, .. })
    ));
}

#[test]
fn squeeze_all_and_some_unit_axes() {
    let a = data(&[1, 4, 1, 3, 1]);
    let x = Array::from_ndarray(a.clone(), [1, 3, 1, 2, 1]).unwrap();
    let all = x.squeeze(..).unwrap();
    assert_eq!(all.shape(), &[4, 3]);
    let want = a.clone().into_shape_with_order(IxDyn(&[4, 3])).unwrap();
    assert_eq!(all.compute().unwrap(), want);
    let some = (&x + 1.0).squeeze([0, 4]).unwrap();
    assert_eq!(some.shape(), &[4, 1, 3]);
    let w = a
        .index_axis(Axis(4), 0)
        .index_axis(Axis(0), 0)
        .mapv(|v| v + 1.0);
    assert_eq!(some.compute().unwrap(), w);
    // Of a stage (a reduction kept with keepdims), then reduced again.
    let k = x.sum(tessera::Axes::from(1).keepdims()).unwrap();
    let s = k.squeeze(..).unwrap().max(..).unwrap();
    let ks = a.sum_axis(Axis(1));
    let m = ks.iter().cloned().fold(f64::MIN, f64::max);
    assert!((s.compute_scalar().unwrap() - m).abs() < 1e-12);
    // A squeeze and an expand_dims cancel.
    let back = all.expand_dims(1).unwrap().squeeze(1).unwrap();
    assert_eq!(back.compute().unwrap(), want);
    assert!(matches!(x.squeeze(1), Err(Error::Shape { .. })));
    assert!(matches!(x.squeeze(5), Err(Error::Axis { axis: 5, .. })));
    assert_eq!(x.squeeze(Vec::<usize>::new()).unwrap().shape(), x.shape());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn unit_axes_do_not_depend_on_chunking(
        n in 1usize..8, m in 1usize..6, c0 in 1usize..8, c1 in 1usize..6, axis in 0usize..3,
    ) {
        let a = data(&[n, m]);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(vec![c0, c1])).unwrap();
        let e = x.sin().expand_dims(axis).unwrap();
        let want = a.mapv(f64::sin).insert_axis(Axis(axis));
        let got = e.compute().unwrap();
        prop_assert_eq!(got.shape(), want.shape());
        for (g, w) in got.iter().zip(want.iter()) {
            prop_assert!((g - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0));
        }
        let s = e.squeeze(axis).unwrap().t().sum(0).unwrap().compute().unwrap();
        let w = a.mapv(f64::sin).sum_axis(Axis(1));
        for (g, w) in s.iter().zip(w.iter()) {
            prop_assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()));
        }
    }
}
