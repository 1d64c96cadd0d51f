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

/// Where a paired step writes over the register of a computed operand (its last reader), on
/// either side of a non-commutative first operation, and where the overwritten operand is a
/// leaf copied into its register (a transpose) rather than read in place. The trailing
/// negation keeps the pair from being the program's result, which is written straight to
/// the output instead.
#[test]
fn pairs_that_overwrite_an_operand() {
    let (x, y, xv, yv) = inputs();
    let ax = x.abs();
    let av = xv.mapv(f64::abs);
    let z = |a: &ArrayD<f64>, b: &ArrayD<f64>, f: fn(f64, f64) -> f64| {
        ndarray::Zip::from(a).and(b).map_collect(|&p, &q| f(p, q))
    };
    let cases: Vec<(&str, Array<f64>, ArrayD<f64>)> = vec![
        (
            "-(|x|*y+1)",
            -(&ax * &y + 1.0),
            z(&av, &yv, |p, q| -(p * q + 1.0)),
        ),
        (
            "-((y-|x|)*2)",
            -((&y - &ax) * 2.0),
            z(&av, &yv, |p, q| -((q - p) * 2.0)),
        ),
        (
            "-((y/|x|)-3)",
            -((&y / &ax) - 3.0),
            z(&av, &yv, |p, q| -((q / p) - 3.0)),
        ),
        (
            "-((|x|/y)/3)",
            -((&ax / &y) / 3.0),
            z(&av, &yv, |p, q| -((p / q) / 3.0)),
        ),
        (
            "-((|x|-0.5)/3)",
            -((&ax - 0.5) / 3.0),
            av.mapv(|p| -((p - 0.5) / 3.0)),
        ),
        (
            "-((2-|x|)*4)",
            -((2.0 - &ax) * 4.0),
            av.mapv(|p| -((2.0 - p) * 4.0)),
        ),
    ];
    for (name, got, want) in cases {
        assert!(same(&got.compute().unwrap(), &want), "{name}");
    }
    // Transposed leaves are copied into registers tile by tile.
    let (xt, yt) = (x.t(), y.t());
    let (xtv, ytv) = (xv.t().to_owned(), yv.t().to_owned());
    let got = (-((&xt - 0.5) * 2.0)).compute().unwrap();
    assert!(same(&got, &xtv.mapv(|p| -((p - 0.5) * 2.0))));
    let got = (-((&xt / &yt) - 1.0)).compute().unwrap();
    assert!(same(&got, &z(&xtv, &ytv, |p, q| -((p / q) - 1.0))));
    // Reductions read the paired step's register.
    let got = ((&y - &ax) * 2.0)
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let want: f64 = z(&av, &yv, |p, q| (q - p) * 2.0).sum();
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{got} vs {want}"
    );
}
