//! Transposed operands on chunks larger than one super-block of tiles (512²) with ragged
//! edges: the blocked traversal must visit every element exactly once.

use ndarray::{Array2, Array3, Axis};
use tessera::{random, Array};

#[test]
fn x_plus_x_t_on_large_ragged_chunks() {
    let n = 1100;
    let x = random::uniform::<f64>(&[n, n], 700, 5).unwrap();
    let xv: Array2<f64> = x.compute().unwrap().into_dimensionality().unwrap();
    let expect = &xv + &xv.t();
    let got = (&x + &x.t()).compute().unwrap();
    assert_eq!(got.shape(), &[n, n]);
    assert!(got.iter().zip(expect.iter()).all(|(a, b)| a == b));
    // Fused into a reduction, and along one axis.
    let s = (&x + &x.t()).sum(..).unwrap().compute_scalar().unwrap();
    assert!((s - expect.sum()).abs() <= 1e-9 * expect.sum());
    let m = (&x * &x.t()).max(1).unwrap().compute().unwrap();
    let em = (&xv * &xv.t()).fold_axis(Axis(1), f64::MIN, |a, &b| a.max(b));
    assert!(m.iter().zip(em.iter()).all(|(a, b)| a == b));
}

#[test]
fn permuted_3d_with_large_trailing_axes() {
    let data = Array3::from_shape_fn((3, 600, 530), |(i, j, k)| {
        (i * 1_000_000 + j * 1000 + k) as i64
    });
    let x = Array::from_ndarray(data.clone(), [2, 550, 520]).unwrap();
    let y = x.permute_axes(&[0, 2, 1]).unwrap();
    let got = (&y * 2).compute().unwrap();
    let expect = data.view().permuted_axes([0, 2, 1]).mapv(|v| v * 2);
    assert_eq!(got, expect.into_dyn());
}

/// Programs that call a transcendental function run in shorter tiles than the others
/// (`COMPUTE_TILE`): every element must still be visited once, in flat runs with a short tail
/// and in blocks of a transposed leaf.
#[test]
fn short_compute_tiles_cover_every_element() {
    let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0);
    let n = 1100;
    let x = random::uniform::<f64>(&[n, n], 700, 7).unwrap();
    let xv: Array2<f64> = x.compute().unwrap().into_dimensionality().unwrap();
    let expect = xv.mapv(f64::sin) * xv.t() + 1.0;
    let got = (x.sin() * &x.t() + 1.0).compute().unwrap();
    assert_eq!(got.shape(), &[n, n]);
    assert!(got.iter().zip(expect.iter()).all(|(&a, &b)| close(a, b)));
    let s = (x.sin() * &x.t() + 1.0)
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    assert!((s - expect.sum()).abs() <= 1e-12 * expect.sum());

    let m = 20_001;
    let v = ndarray::Array1::from_shape_fn(m, |i| i as f64 * 1e-4 - 1.0);
    let z = Array::from_ndarray(v.clone(), vec![9_000]).unwrap();
    let got = (z.exp() - &z).compute().unwrap();
    let expect = v.mapv(f64::exp) - &v;
    assert_eq!(got.len(), m);
    assert!(got.iter().zip(expect.iter()).all(|(&a, &b)| close(a, b)));
}
