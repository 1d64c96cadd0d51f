//! The whole engine at every SIMD dispatch level: fused elementwise chains, the vectorized
//! math, `where`, casts and reductions give the same results (bit for bit, or within the
//! documented ulp bounds for the transcendental functions) as ndarray and the standard
//! library. One test in this binary, because the level is forced for the whole process.

use ndarray::{ArrayD, IxDyn};
use tessera::kernels::dispatch::{force_level, Level};
use tessera::prelude::*;

/// Distance in ulps between two finite values (or 0 when both are NaN or equal).
fn ulps(a: f64, b: f64) -> u64 {
    if (a.is_nan() && b.is_nan()) || a == b {
        return 0;
    }
    let key = |v: f64| {
        let b = v.to_bits() as i64;
        if b < 0 {
            i64::MIN - b
        } else {
            b
        }
    };
    key(a).abs_diff(key(b))
}

fn values(n: usize) -> Vec<f64> {
    let edges = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-310,
        -1e-310,
        700.0,
        -745.0,
        710.0,
        1e22,
        -1e-20,
        3.0,
    ];
    let mut s = 99u64;
    let mut v: Vec<f64> = edges.to_vec();
    while v.len() < n {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 40.0);
    }
    v
}

fn check_level(level: Level) {
    force_level(Some(level));
    let n = 1000;
    let v = values(n);
    // Finite exponents (the edge values are in `x`).
    let w: Vec<f64> = v
        .iter()
        .rev()
        .map(|x| if x.abs() < 1e3 { x * 0.25 + 0.5 } else { 0.75 })
        .collect();
    let nd = |d: &Vec<f64>| ArrayD::from_shape_vec(IxDyn(&[n]), d.clone()).unwrap();
    let x = Array::from_ndarray(nd(&v), vec![77]).unwrap();
    let y = Array::from_ndarray(nd(&w), vec![77]).unwrap();

    type F = fn(f64) -> f64;
    let unary: [(&str, Array<f64>, F, u64); 8] = [
        ("sin", x.sin(), f64::sin, 2),
        ("cos", x.cos(), f64::cos, 2),
        ("tan", x.tan(), f64::tan, 3),
        ("exp", x.exp(), f64::exp, 2),
        ("ln", x.ln(), f64::ln, 2),
        ("log1p", x.log1p(), f64::ln_1p, 3),
        ("expm1", x.expm1(), f64::exp_m1, 3),
        ("tanh", x.tanh(), f64::tanh, 3),
    ];
    for (name, arr, f, tol) in unary {
        let got = arr.compute().unwrap();
        for (g, &a) in got.iter().zip(&v) {
            assert!(ulps(*g, f(a)) <= tol, "{name}({a}) = {g} at {level:?}");
        }
    }
    // A fused chain with pow, where, clip and a cast; f32 through its own kernels.
    let chain = (x.pow(&y).unwrap() * 2.0 + 1.0).minimum(1e6).unwrap();
    let picked = where_(&x.greater(0.0).unwrap(), &chain, &y).unwrap();
    let got = picked.compute().unwrap();
    for i in 0..n {
        let c = (v[i].powf(w[i]) * 2.0 + 1.0).min(1e6);
        let c = if v[i].powf(w[i]).is_nan() {
            f64::NAN
        } else {
            c
        };
        let want = if v[i] > 0.0 { c } else { w[i] };
        assert!(
            ulps(got[i], want) <= 6,
            "chain at {i}: {} vs {want} at {level:?}",
            got[i]
        );
    }
    let xf = x.astype::<f32>();
    let got = xf.sin().compute().unwrap();
    for (g, &a) in got.iter().zip(&v) {
        let want = (a as f32 as f64).sin() as f32;
        assert!(
            (g.is_nan() && want.is_nan()) || ulps(*g as f64, want as f64) <= 1 << 29,
            "sin_f32({a}) = {g} at {level:?}"
        );
    }
    let ints = x.astype::<i32>();
    let got = ints.compute().unwrap();
    for (g, &a) in got.iter().zip(&v) {
        assert_eq!(*g, a as i32, "cast of {a} at {level:?}");
    }
    // Reductions with NaN rules.
    assert!(x.max(..).unwrap().compute_scalar().unwrap().is_nan());
    let nanmax = x.nanmax(..).unwrap().compute_scalar().unwrap();
    assert_eq!(nanmax, f64::INFINITY);
    let argmin = x.argmin(..).unwrap().compute_scalar().unwrap();
    assert_eq!(argmin, 5, "the first NaN at {level:?}");
    let finite = where_(&x.isfinite(), &x, 0.0).unwrap();
    let s = (&finite * 0.5 + &y)
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let want: f64 = v
        .iter()
        .zip(&w)
        .map(|(a, b)| if a.is_finite() { a * 0.5 + b } else { *b })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    assert!(
        (s - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{s} vs {want} at {level:?}"
    );
    let argmax = finite.argmax(..).unwrap().compute_scalar().unwrap();
    assert_eq!(argmax, 13, "1e22 at {level:?}");
}

#[test]
fn every_level_gives_the_reference_results() {
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        check_level(level);
    }
    force_level(None);
}
