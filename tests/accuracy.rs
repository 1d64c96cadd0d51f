//! Numerical accuracy of large reductions against exact references: the variance of data
//! with a large mean, and sums of many values of mixed magnitude. Each test also measures the
//! error of the naive algorithm on the same data, to show that its bound is one that a naive
//! implementation would fail.

mod common;

use common::Rng;
use ndarray::Array1;
use tessera::{Array, Axes, ChunkSpec};

/// The exact sum of `xs`, rounded once at the end: Shewchuk's non-overlapping partials
/// (each addition split into its rounded sum and exact error with two-sum).
fn exact_sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for mut x in xs {
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    // The partials are non-overlapping and increasing: add them from the largest down.
    partials.iter().rev().fold(0.0, |acc, &p| acc + p)
}

/// Kahan–Neumaier compensated sum.
fn neumaier_sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in xs {
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    s + c
}

/// `n` values `1e8 + k / 1024` with integer `k` in `[-1024, 1024]`: exact binary fractions
/// whose variance is known exactly from integer arithmetic.
fn large_mean_data(n: usize, seed: u64) -> (Vec<f64>, f64) {
    let mut rng = Rng::new(seed);
    let ks: Vec<i64> = (0..n).map(|_| rng.range(-1024, 1025)).collect();
    let (s, s2) = ks.iter().fold((0i128, 0i128), |(a, b), &k| {
        (a + k as i128, b + (k * k) as i128)
    });
    let n128 = n as i128;
    // var = (n Σk² - (Σk)²) / (n² · 1024²), one rounding of an exact integer ratio.
    let num = n128 * s2 - s * s;
    let var = num as f64 / ((n128 * n128) as f64 * 1024.0 * 1024.0);
    (ks.iter().map(|&k| 1e8 + k as f64 / 1024.0).collect(), var)
}

#[test]
fn variance_of_large_mean_data_is_accurate() {
    let n = 1_000_000;
    let (data, exact) = large_mean_data(n, 1);
    assert!(data
        .iter()
        .all(|&x| x.fract() * 1024.0 == (x.fract() * 1024.0).round()));
    // The naive one-pass formula E[x²] - E[x]² loses every digit here.
    let m = data.iter().sum::<f64>() / n as f64;
    let naive = data.iter().map(|x| x * x).sum::<f64>() / n as f64 - m * m;
    let naive_err = ((naive - exact) / exact).abs();
    assert!(naive_err > 1e-2, "naive relative error {naive_err:e}");
    // Two-pass chunk moments combined with Chan et al.'s formula keep ~10 digits here
    // (chunk means carry an absolute error of ~ε·1e8); the naive formula keeps none.
    let bound = 1e-9;
    let x = Array1::from(data);
    let specs = [
        ChunkSpec::from(n),
        ChunkSpec::from(100_000),
        ChunkSpec::from(7_919),
        ChunkSpec::from(vec![vec![1, 499_999, 3, 500_000 - 3]]),
    ];
    for spec in specs {
        let a = Array::from_ndarray(x.clone(), spec.clone()).unwrap();
        for split in [2, 8] {
            let v = a
                .var(Axes::all().split_every(split))
                .unwrap()
                .compute_scalar()
                .unwrap();
            let err = ((v - exact) / exact).abs();
            assert!(
                err < bound,
                "{spec:?} split {split}: var {v} vs {exact}, rel {err:e}"
            );
        }
        let s = a.std_ddof(.., 1.0).unwrap().compute_scalar().unwrap();
        let want = (exact * n as f64 / (n - 1) as f64).sqrt();
        assert!(
            ((s - want) / want).abs() < bound,
            "{spec:?}: std {s} vs {want}"
        );
    }
}

#[test]
fn variance_along_an_axis_of_large_mean_data_is_accurate() {
    // 100 columns of 10_000 values each, reduced along the strided axis 0.
    let (rows, cols) = (10_000, 100);
    let mut exact = Vec::new();
    let mut data = Vec::with_capacity(rows * cols);
    let cols_data: Vec<Vec<f64>> = (0..cols)
        .map(|c| {
            let (d, v) = large_mean_data(rows, 100 + c as u64);
            exact.push(v);
            d
        })
        .collect();
    for r in 0..rows {
        data.extend(cols_data.iter().map(|col| col[r]));
    }
    let nd = ndarray::Array2::from_shape_vec((rows, cols), data).unwrap();
    for spec in [ChunkSpec::from([rows, cols]), ChunkSpec::from([999, 7])] {
        let a = Array::from_ndarray(nd.clone(), spec.clone()).unwrap();
        let v = a.var(0).unwrap().compute().unwrap();
        for (c, (&got, &want)) in v.iter().zip(&exact).enumerate() {
            let err = ((got - want) / want).abs();
            assert!(
                err < 1e-8,
                "{spec:?} column {c}: {got} vs {want}, rel {err:e}"
            );
        }
    }
}

/// `n` positive values `m · 10^e`, `m` in `[1, 10)`, `e` in `[-8, 8]`.
fn mixed_magnitudes(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| (1.0 + 9.0 * rng.unit()) * 10f64.powi(rng.range(-8, 9) as i32))
        .collect()
}

#[test]
fn sum_of_ten_million_mixed_magnitude_values_is_accurate() {
    let n = 10_000_000;
    let data = mixed_magnitudes(n, 2);
    let exact = exact_sum(data.iter().copied());
    let comp = neumaier_sum(data.iter().copied());
    assert!(
        ((comp - exact) / exact).abs() < 1e-15,
        "references disagree: {comp} vs {exact}"
    );
    // Pairwise summation's bound, (log2(n / 128) + 128 / 8 + 1) ε, for ε = 2^-53.
    let bound = ((n as f64 / 128.0).log2() + 17.0) * f64::EPSILON / 2.0;
    let naive = data.iter().fold(0.0, |a, &x| a + x);
    let naive_err = ((naive - exact) / exact).abs();
    assert!(
        naive_err > bound,
        "naive error {naive_err:e} does not exceed the bound {bound:e}"
    );
    let x = Array1::from(data);
    for spec in [
        ChunkSpec::from(n),
        ChunkSpec::from(999_983),
        ChunkSpec::from(65_536),
    ] {
        let a = Array::from_ndarray(x.clone(), spec.clone()).unwrap();
        let s = a.sum(..).unwrap().compute_scalar().unwrap();
        let err = ((s - exact) / exact).abs();
        assert!(
            err < bound,
            "{spec:?}: sum {s} vs {exact}: rel {err:e} (naive {naive_err:e})"
        );
        let m = a.mean(..).unwrap().compute_scalar().unwrap();
        assert!(
            ((m - exact / n as f64) / (exact / n as f64)).abs() < bound,
            "{spec:?}: mean {m}"
        );
    }
}

#[test]
fn f32_sum_of_mixed_magnitudes_is_accurate() {
    let n = 4_000_000;
    let data: Vec<f32> = mixed_magnitudes(n, 3)
        .iter()
        .map(|&x| (x * 1e-5) as f32)
        .collect();
    let exact = exact_sum(data.iter().map(|&x| f64::from(x)));
    let bound = ((n as f64 / 128.0).log2() + 17.0) * f64::from(f32::EPSILON) / 2.0;
    let naive = data.iter().fold(0.0f32, |a, &x| a + x);
    let naive_err = ((f64::from(naive) - exact) / exact).abs();
    assert!(
        naive_err > 10.0 * bound,
        "naive f32 error {naive_err:e}, bound {bound:e}"
    );
    let x = Array1::from(data);
    for spec in [ChunkSpec::from(n), ChunkSpec::from(300_007)] {
        let a = Array::from_ndarray(x.clone(), spec.clone()).unwrap();
        let s = f64::from(a.sum(..).unwrap().compute_scalar().unwrap());
        let err = ((s - exact) / exact).abs();
        assert!(
            err < bound,
            "{spec:?}: f32 sum {s} vs {exact}: rel {err:e} (naive {naive_err:e})"
        );
    }
}

#[test]
fn sum_with_cancellation_is_accurate_relative_to_the_absolute_sum() {
    let n = 2_000_000;
    let mut rng = Rng::new(4);
    let data: Vec<f64> = mixed_magnitudes(n, 5)
        .into_iter()
        .map(|x| if rng.chance(0.5) { -x } else { x })
        .collect();
    let exact = exact_sum(data.iter().copied());
    let abs: f64 = data.iter().map(|x| x.abs()).sum();
    let bound = ((n as f64 / 128.0).log2() + 17.0) * f64::EPSILON / 2.0;
    let naive_err = (data.iter().fold(0.0, |a, &x| a + x) - exact).abs() / abs;
    let a = Array::from_ndarray(Array1::from(data), 123_457).unwrap();
    let s = a.sum(..).unwrap().compute_scalar().unwrap();
    let err = (s - exact).abs() / abs;
    assert!(
        err < bound,
        "sum {s} vs {exact}: error / Σ|x| = {err:e} (naive {naive_err:e})"
    );
}
