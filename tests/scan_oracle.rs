//! `cumsum`, `cumprod`, `nancumsum` and `nancumprod` against sequential scans written with
//! ndarray: 1-d to 4-d shapes, every axis, integer (exact, wrapping into `i64`) and float
//! data, NaN handling, computed operands, scans read by later stages. Results must not depend
//! on the thread count, and integer results not on the chunking.

use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::{Array, ChunkSpec, ComputeOptions, Error};

fn ints(shape: &[usize], seed: i64) -> ArrayD<i32> {
    let mut k = seed;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k = (k * 1_103_515_245 + 12_345) % 2_147_483_647;
        (k % 2001 - 1000) as i32
    })
}

/// The sequential scan of `a` along `axis` with `f`, in i64.
fn seq_i64(a: &ArrayD<i32>, axis: usize, f: impl Fn(i64, i64) -> i64) -> ArrayD<i64> {
    let mut out = a.mapv(i64::from);
    for mut lane in out.lanes_mut(Axis(axis)) {
        for i in 1..lane.len() {
            lane[i] = f(lane[i - 1], lane[i]);
        }
    }
    out
}

/// The sequential scan of `a` along `axis` with `f`, NaN mapped to `nan_as` first if given.
fn seq_f64(
    a: &ArrayD<f64>,
    axis: usize,
    nan_as: Option<f64>,
    f: fn(f64, f64) -> f64,
) -> ArrayD<f64> {
    let mut out = a.mapv(|v| match nan_as {
        Some(r) if v.is_nan() => r,
        _ => v,
    });
    for mut lane in out.lanes_mut(Axis(axis)) {
        for i in 1..lane.len() {
            lane[i] = f(lane[i - 1], lane[i]);
        }
    }
    out
}

fn close(got: &ArrayD<f64>, want: &ArrayD<f64>, rel: f64) -> bool {
    got.shape() == want.shape()
        && got.iter().zip(want).all(|(g, w)| {
            (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= rel * (1.0 + w.abs())
        })
}

#[test]
fn integer_scans_are_exact_on_every_axis() {
    let shapes: [&[usize]; 4] = [&[11], &[6, 7], &[4, 5, 3], &[3, 4, 2, 5]];
    for shape in shapes {
        let a = ints(shape, 7);
        for chunk in [1usize, 2, 3] {
            let x = Array::from_ndarray(a.clone(), chunk).unwrap();
            for axis in 0..shape.len() {
                let want = seq_i64(&a, axis, |p, v| p.wrapping_add(v));
                for threads in [1, 3] {
                    let opts = ComputeOptions::new().threads(threads);
                    let got = x.cumsum(axis).unwrap().compute_with(&opts).unwrap();
                    assert_eq!(got, want, "{shape:?} chunk {chunk} axis {axis}");
                }
                let small = a.mapv(|v| v % 3);
                let xs = Array::from_ndarray(small.clone(), chunk).unwrap();
                let want = seq_i64(&small, axis, |p, v| p.wrapping_mul(v));
                assert_eq!(xs.cumprod(axis).unwrap().compute().unwrap(), want);
                // NaN-skipping scans of integers are the plain ones.
                assert_eq!(
                    x.nancumsum(axis).unwrap().compute().unwrap(),
                    seq_i64(&a, axis, |p, v| p.wrapping_add(v))
                );
            }
        }
    }
}

#[test]
fn float_scans_with_nans() {
    let a = ArrayD::from_shape_fn(IxDyn(&[9, 4]), |i| {
        let (r, c) = (i[0], i[1]);
        if (r * 4 + c) % 7 == 3 {
            f64::NAN
        } else {
            ((r * 4 + c) as f64 * 0.7).sin() + 1.1
        }
    });
    let x = Array::from_ndarray(a.clone(), [2, 3]).unwrap();
    for axis in 0..2 {
        let s = x.cumsum(axis).unwrap().compute().unwrap();
        assert!(close(&s, &seq_f64(&a, axis, None, |p, v| p + v), 1e-14));
        let p = x.cumprod(axis).unwrap().compute().unwrap();
        assert!(close(&p, &seq_f64(&a, axis, None, |p, v| p * v), 1e-14));
        let ns = x.nancumsum(axis).unwrap().compute().unwrap();
        assert!(close(
            &ns,
            &seq_f64(&a, axis, Some(0.0), |p, v| p + v),
            1e-14
        ));
        let np = x.nancumprod(axis).unwrap().compute().unwrap();
        assert!(close(
            &np,
            &seq_f64(&a, axis, Some(1.0), |p, v| p * v),
            1e-14
        ));
    }
    // The first two chunks along the axis match a sequential scan bit for bit.
    let b = ArrayD::from_shape_fn(IxDyn(&[10]), |i| 0.1 * (i[0] as f64 + 1.0));
    let y = Array::from_ndarray(b.clone(), 5).unwrap();
    assert_eq!(
        y.cumsum(0).unwrap().compute().unwrap(),
        seq_f64(&b, 0, None, |p, v| p + v)
    );
}

#[test]
fn scans_of_computed_operands_and_bools_feed_later_stages() {
    let a = ints(&[8, 6], 3);
    let x = Array::from_ndarray(a.clone(), [3, 4]).unwrap();
    // A fused operand, a reduction reading the scan, a transpose of it.
    let c = (&x * 2).cumsum(0).unwrap();
    let want = seq_i64(&a.mapv(|v| v * 2), 0, |p, v| p + v);
    assert_eq!(c.compute().unwrap(), want);
    assert_eq!(c.sum(1).unwrap().compute().unwrap(), want.sum_axis(Axis(1)));
    assert_eq!(c.t().compute().unwrap(), want.t().to_owned());
    // The running count of positives (bool accumulates in i64).
    let pos = x.greater(0).unwrap().cumsum(1).unwrap();
    let want = seq_i64(&a.mapv(|v| i32::from(v > 0)), 1, |p, v| p + v);
    assert_eq!(pos.compute().unwrap(), want);
    // A scan of a scan.
    let cc = x.cumsum(1).unwrap().cumsum(0).unwrap();
    let want = seq_i64(&a, 1, |p, v| p + v);
    let mut w2 = want.clone();
    for mut lane in w2.lanes_mut(Axis(0)) {
        for i in 1..lane.len() {
            lane[i] += lane[i - 1];
        }
    }
    assert_eq!(cc.compute().unwrap(), w2);
    // Bad axes.
    assert!(matches!(x.cumsum(2), Err(Error::Axis { axis: 2, .. })));
    assert!(Array::<f64>::scalar(1.0).cumsum(0).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn scans_do_not_depend_on_chunking_or_threads(
        n in 1usize..12, m in 1usize..7, c0 in 1usize..6, c1 in 1usize..5, axis in 0usize..2,
        threads in 1usize..4,
    ) {
        let a = ints(&[n, m], 11);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(vec![c0, c1])).unwrap();
        let opts = ComputeOptions::new().threads(threads);
        let got = x.cumsum(axis).unwrap().compute_with(&opts).unwrap();
        prop_assert_eq!(got, seq_i64(&a, axis, |p, v| p + v));
        let f = a.mapv(|v| f64::from(v) * 0.25);
        let y = Array::from_ndarray(f.clone(), ChunkSpec::PerAxis(vec![c0, c1])).unwrap();
        let one = y.cumsum(axis).unwrap().compute_with(&ComputeOptions::new().threads(1)).unwrap();
        let many = y.cumsum(axis).unwrap().compute_with(&opts).unwrap();
        // Quarter-integers: every partial sum is exact, so any order agrees with the loop.
        prop_assert_eq!(&one, &seq_f64(&f, axis, None, |p, v| p + v));
        prop_assert_eq!(one, many);
    }
}
