//! `Array::compute_into` writes the same values as `compute`, into views of any layout, and
//! refuses a view of another shape.

use ndarray::{ArrayD, Axis, IxDyn};
use tessera::prelude::*;

fn input() -> Array<f64> {
    let a = ArrayD::from_shape_fn(IxDyn(&[37, 23]), |ix| (ix[0] * 100 + ix[1]) as f64 * 0.5);
    Array::from_ndarray(a, vec![8, 5]).unwrap()
}

#[test]
fn matches_compute_for_contiguous_and_strided_views() {
    let x = input();
    let y = (&x * 2.0 + 1.0).sin();
    let want = y.compute().unwrap();
    let opts = ComputeOptions::default();

    let mut out = ArrayD::<f64>::from_elem(IxDyn(&[37, 23]), f64::NAN);
    y.compute_into(&mut out.view_mut(), &opts).unwrap();
    assert_eq!(out, want);

    // A Fortran-order buffer, and a reversed view of it.
    let mut f = ArrayD::<f64>::from_elem(IxDyn(&[23, 37]), f64::NAN);
    let mut t = f.view_mut().reversed_axes();
    y.compute_into(&mut t, &opts).unwrap();
    assert_eq!(f.t(), want.view());
    let mut r = ArrayD::<f64>::from_elem(IxDyn(&[37, 23]), f64::NAN);
    let mut rv = r.view_mut();
    rv.invert_axis(Axis(0));
    y.compute_into(&mut rv, &opts).unwrap();
    let mut back = r.view();
    back.invert_axis(Axis(0));
    assert_eq!(back, want.view());

    // A reduction into a one-element view, reusing the same buffer twice.
    let s = x.sum(..).unwrap();
    let mut one = ArrayD::<f64>::zeros(IxDyn(&[]));
    for _ in 0..2 {
        s.compute_into(&mut one.view_mut(), &opts).unwrap();
        assert_eq!(one[[]], x.compute().unwrap().sum());
    }
}

#[test]
fn refuses_a_view_of_another_shape() {
    let x = input();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[23, 37]));
    let err = x.compute_into(&mut out.view_mut(), &ComputeOptions::default()).unwrap_err();
    assert!(err.to_string().contains("[23, 37]"), "{err}");
}
