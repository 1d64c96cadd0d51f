//! Pairs of float arithmetic instructions run as one pass over each tile (`a * b + 1`,
//! `(x - m) / s`): the results must be the bits of the two operations applied one after the
//! other, for both float dtypes, with the scalar on either side, and where the pair is not
//! formed (an intermediate read twice, chains of three).

use ndarray::ArrayD;
use tessera::{random, Array};

/// Bit-for-bit equality, NaN equal to NaN.
fn same<T: Copy + Into<f64>>(got: &ArrayD<T>, want: &ArrayD<T>) -> bool {
    got.shape() == want.shape()
        && got.iter().zip(want.iter()).all(|(&a, &b)| {
            let (a, b): (f64, f64) = (a.into(), b.into());
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        })
}

/// Inputs with zeros in `y` (so divisions give infinities and NaN) and ragged chunks.
fn inputs() -> (Array<f64>, Array<f64>, ArrayD<f64>, ArrayD<f64>) {
    let shape = [37, 530];
    let x = random::uniform_range::<f64>(&shape, vec![10, 300], 3, -4.0, 4.0).unwrap();
    let xv = x.compute().unwrap();
    let yv = random::uniform_range::<f64>(&shape, vec![10, 300], 4, -2.0, 2.0)
        .unwrap()
        .compute()
        .unwrap()
        .mapv(|v| if v.abs() < 0.05 { 0.0 } else { v });
    let y = Array::from_ndarray(yv.clone(), [9, 256]).unwrap();
    (x, y, xv, yv)
}

#[test]
fn binary_then_scalar_f64() {
    let (x, y, xv, yv) = inputs();
    let cases: Vec<(&str, Array<f64>, ArrayD<f64>)> = vec![
        ("x*y+1", &x * &y + 1.0, (&xv * &yv).mapv(|v| v + 1.0)),
        ("x/y-2.5", &x / &y - 2.5, (&xv / &yv).mapv(|v| v - 2.5)),
        ("3-x*y", 3.0 - &x * &y, (&xv * &yv).mapv(|v| 3.0 - v)),
        ("2/(x+y)", 2.0 / (&x + &y), (&xv + &yv).mapv(|v| 2.0 / v)),
        ("(x-y)*0.1", (&x - &y) * 0.1, (&xv - &yv).mapv(|v| v * 0.1)),
        ("(x*y)/3", (&x * &y) / 3.0, (&xv * &yv).mapv(|v| v / 3.0)),
    ];
    for (name, got, want) in cases {
        assert!(same(&got.compute().unwrap(), &want), "{name}");
    }
}

#[test]
fn scalar_then_scalar_f64() {
    let (x, _, xv, _) = inputs();
    let cases: Vec<(&str, Array<f64>, ArrayD<f64>)> = vec![
        ("x*2+1", &x * 2.0 + 1.0, xv.mapv(|v| v * 2.0 + 1.0)),
        (
            "(x-0.5)/0.3",
            (&x - 0.5) / 0.3,
            xv.mapv(|v| (v - 0.5) / 0.3),
        ),
        ("1.5/(x*2)", 1.5 / (&x * 2.0), xv.mapv(|v| 1.5 / (v * 2.0))),
        ("(3-x)/7", (3.0 - &x) / 7.0, xv.mapv(|v| (3.0 - v) / 7.0)),
        ("0.7-(1/x)", 0.7 - 1.0 / &x, xv.mapv(|v| 0.7 - 1.0 / v)),
    ];
    for (name, got, want) in cases {
        assert!(same(&got.compute().unwrap(), &want), "{name}");
    }
}

#[test]
fn pairs_in_longer_chains_and_shared_values() {
    let (x, y, xv, yv) = inputs();
    // Three scalar steps: the first two pair up, the third runs alone.
    let got = ((&x * 2.0 + 1.0) - 3.0).compute().unwrap();
    assert!(same(&got, &xv.mapv(|v| (v * 2.0 + 1.0) - 3.0)));
    // A product read twice is not folded into either reader.
    let t = &x * &y;
    let got = ((&t + 1.0) * &t).compute().unwrap();
    let tv = &xv * &yv;
    let want = ndarray::Zip::from(&tv).map_collect(|&v| (v + 1.0) * v);
    assert!(same(&got, &want));
    // A pair behind a transcendental function, fused into a reduction (W1's shape).
    let got = (x.sin() * &y + 1.0)
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let want: f64 = ndarray::Zip::from(&xv)
        .and(&yv)
        .map_collect(|&a, &b| a.sin() * b + 1.0)
        .sum();
    assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
}

#[test]
fn pairs_in_f32() {
    let (x, y, xv, yv) = inputs();
    let (x, y) = (x.astype::<f32>(), y.astype::<f32>());
    let (xv, yv) = (xv.mapv(|v| v as f32), yv.mapv(|v| v as f32));
    let got = (&x * &y + 1.0f32).compute().unwrap();
    assert!(same(&got, &(&xv * &yv).mapv(|v| v + 1.0)));
    let got = (2.0f32 - &x / 3.0f32).compute().unwrap();
    assert!(same(&got, &xv.mapv(|v| 2.0 - v / 3.0)));
    let got = ((&x - &y) / 0.25f32).compute().unwrap();
    assert!(same(&got, &(&xv - &yv).mapv(|v| v / 0.25)));
}
