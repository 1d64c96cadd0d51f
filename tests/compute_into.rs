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

/// Chunks as wide as the array, a 1-d array and an offset view: the program's last
/// instruction then writes straight into the caller's memory (the in-place path), and the
/// elements around the view stay untouched.
#[test]
fn writes_in_place_into_offset_views() {
    let opts = ComputeOptions::default();
    let a = ArrayD::from_shape_fn(IxDyn(&[37, 23]), |ix| (ix[0] * 100 + ix[1]) as f64 * 0.5);
    let x = Array::from_ndarray(a.clone(), vec![8, 23]).unwrap();
    let y = (&x * 2.0 + 1.0).sin();
    let want = y.compute().unwrap();
    let mut big = ArrayD::<f64>::from_elem(IxDyn(&[40, 30]), -7.0);
    {
        let mut v = big.slice_mut(ndarray::s![2..39, 3..26]).into_dyn();
        y.compute_into(&mut v, &opts).unwrap();
    }
    assert_eq!(big.slice(ndarray::s![2..39, 3..26]).into_dyn(), want.view());
    let outside = big
        .indexed_iter()
        .filter(|(ix, _)| !(2..39).contains(&ix[0]) || !(3..26).contains(&ix[1]))
        .all(|(_, &v)| v == -7.0);
    assert!(outside, "elements outside the view were written");

    // Rows 2..39 of a 40-row buffer: adjacent in memory, so written in place.
    let mut rows = ArrayD::<f64>::from_elem(IxDyn(&[40, 23]), -7.0);
    {
        let mut v = rows.slice_mut(ndarray::s![2..39, ..]).into_dyn();
        y.compute_into(&mut v, &opts).unwrap();
    }
    assert_eq!(rows.slice(ndarray::s![2..39, ..]).into_dyn(), want.view());
    assert!(rows.slice(ndarray::s![..2, ..]).iter().all(|&v| v == -7.0));
    assert!(rows.slice(ndarray::s![39.., ..]).iter().all(|&v| v == -7.0));

    // A transposed leaf: blocks of one row write in place too.
    let sq = ArrayD::from_shape_fn(IxDyn(&[30, 30]), |ix| (ix[0] * 31 + ix[1]) as f64);
    let s = Array::from_ndarray(sq.clone(), vec![30, 30]).unwrap();
    let st = &s + &s.t();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[30, 30]));
    st.compute_into(&mut out.view_mut(), &opts).unwrap();
    assert_eq!(out, &sq + &sq.t());

    // 1-d, with a tail tile shorter than the others.
    let n = 20_001;
    let v = ArrayD::from_shape_fn(IxDyn(&[n]), |ix| ix[0] as f64);
    let z = Array::from_ndarray(v.clone(), vec![9_000]).unwrap();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[n]));
    (&z * &z - 3.0)
        .compute_into(&mut out.view_mut(), &opts)
        .unwrap();
    assert_eq!(out, v.mapv(|e| e * e - 3.0));
}

#[test]
fn refuses_a_view_of_another_shape() {
    let x = input();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[23, 37]));
    let err = x
        .compute_into(&mut out.view_mut(), &ComputeOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("[23, 37]"), "{err}");
}
