//! Hand-written reduction cases: ties and NaN in arg-reductions across chunk boundaries,
//! truth reductions, `ddof`, reductions of transposed inputs, and known bugs.

mod common;

use common::*;
use tessera::{Array, Axes, ChunkSpec};

#[test]
fn tree_recursion_with_small_split_every() {
    in_child_process("tree_recursion_with_small_split_every", || {
        let x = Array::<f64>::ones(&[2, 2], 1).unwrap();
        let s = x.sum(Axes::all().split_every(3)).unwrap();
        assert_eq!(s.compute_scalar().unwrap(), 4.0);
        // The default split_every (8) with four reduced axes of two chunks each.
        let y = Array::<i32>::ones(&[2, 2, 2, 2], 1).unwrap();
        assert_eq!(y.sum(..).unwrap().compute_scalar().unwrap(), 16);
        let z = Array::<f64>::ones(&[6, 6], 2).unwrap();
        assert_eq!(
            z.max(Axes::all().split_every(2))
                .unwrap()
                .compute_scalar()
                .unwrap(),
            1.0
        );
    });
}

#[test]
fn variance_with_an_infinity_is_nan() {
    let inf = f64::INFINITY;
    // Reduced along a strided axis: NumPy gives NaN (inf - inf), tessera inf.
    let x = Array::from_ndarray(ndarray::array![[1.0, 2.0], [inf, 3.0], [4.0, 5.0]], 3).unwrap();
    let v = x.var(0).unwrap().compute().unwrap();
    assert!(v[0].is_nan(), "var along axis 0 of [1, inf, 4] is {}", v[0]);
    // var([2, 3, 5]) = 14/9 (NumPy: 1.5555555555555556).
    assert!(
        (v[1] - 14.0 / 9.0).abs() < 1e-15,
        "var of [2, 3, 5] is {}",
        v[1]
    );
    // A 0-d array, and a reduction over no axes.
    assert!(Array::scalar(inf)
        .var(..)
        .unwrap()
        .compute_scalar()
        .unwrap()
        .is_nan());
    let y = Array::from_ndarray(ndarray::array![1.0, -inf], 1).unwrap();
    let s = y.std(Axes::none()).unwrap().compute().unwrap();
    assert_eq!(s[0], 0.0);
    assert!(s[1].is_nan());
}

#[test]
fn variance_of_a_single_nan_is_nan() {
    let y = Array::from_ndarray(ndarray::array![[1.0, f64::NAN]], 1).unwrap();
    let v = y.var(Axes::none()).unwrap().compute().unwrap();
    assert_eq!(v[[0, 0]], 0.0);
    assert!(
        v[[0, 1]].is_nan(),
        "var over no axes of NaN is {}",
        v[[0, 1]]
    );
    let v = y.std(0).unwrap().compute().unwrap();
    assert!(
        v[1].is_nan(),
        "std along a length-1 axis of NaN is {}",
        v[1]
    );
}

#[test]
fn arg_reductions_take_the_first_tie_and_the_first_nan() {
    let nan = f64::NAN;
    let flat = |v: Vec<f64>, c: usize| Array::from_ndarray(ndarray::Array1::from(v), c).unwrap();
    // (values, argmin, argmax, nanargmin, nanargmax), every chunk size: ties and NaNs fall
    // in different chunks.
    let cases = [
        (vec![3.0, 1.0, 5.0, 1.0, 5.0], 1, 2, 1, 2),
        (vec![2.0, 2.0, 2.0], 0, 0, 0, 0),
        (vec![1.0, nan, 0.0, nan, 9.0], 1, 1, 2, 4),
        (vec![nan, 4.0, -1.0, -1.0], 0, 0, 2, 1),
        (vec![-0.0, 0.0, -1.0, -1.0, 7.0, 7.0], 2, 4, 2, 4),
        (
            vec![f64::NEG_INFINITY, 0.0, f64::INFINITY, f64::INFINITY],
            0,
            2,
            0,
            2,
        ),
    ];
    for (v, amin, amax, namin, namax) in cases {
        for c in 1..=v.len() {
            let x = flat(v.clone(), c);
            let one = |a: tessera::Result<Array<i64>>| a.unwrap().compute_scalar().unwrap();
            assert_eq!(one(x.argmin(..)), amin, "argmin {v:?} chunks {c}");
            assert_eq!(one(x.argmax(0)), amax, "argmax {v:?} chunks {c}");
            assert_eq!(one(x.nanargmin(..)), namin, "nanargmin {v:?} chunks {c}");
            assert_eq!(one(x.nanargmax(0)), namax, "nanargmax {v:?} chunks {c}");
        }
    }
    // Along each axis of a matrix, and the flat index over all axes.
    let m = ndarray::array![[5, 1, 1, 0], [0, 7, 1, 0], [5, 7, 0, 3]];
    for spec in [
        ChunkSpec::from(1),
        ChunkSpec::from([2, 3]),
        ChunkSpec::from(8),
    ] {
        let x = Array::from_ndarray(m.clone(), spec).unwrap();
        let v = |a: tessera::Result<Array<i64>>| {
            a.unwrap().compute().unwrap().into_raw_vec_and_offset().0
        };
        assert_eq!(v(x.argmax(0)), vec![0, 1, 0, 2]);
        assert_eq!(v(x.argmin(0)), vec![1, 0, 2, 0]);
        assert_eq!(v(x.argmax(1)), vec![0, 1, 1]);
        assert_eq!(v(x.argmin(Axes::from(1).keepdims())), vec![3, 0, 2]);
        assert_eq!(v(x.argmax(..)), vec![5]);
        assert_eq!(v(x.argmin(..)), vec![3]);
    }
}

#[test]
fn truth_reductions_on_bool_and_numbers() {
    let b = ndarray::array![
        [true, false, false],
        [false, false, false],
        [true, true, true]
    ];
    let f = ndarray::array![
        [f64::NAN, 0.0, -0.0],
        [0.0, -0.0, 0.0],
        [1e-300, -2.0, f64::INFINITY]
    ];
    for c in [1, 2, 3] {
        let x = Array::from_ndarray(b.clone(), c).unwrap();
        let y = Array::from_ndarray(f.clone(), c).unwrap();
        let v = |a: Array<bool>| a.compute().unwrap().into_raw_vec_and_offset().0;
        let n = |a: Array<i64>| a.compute().unwrap().into_raw_vec_and_offset().0;
        for (any, all, count) in [
            (
                x.any(1).unwrap(),
                x.all(1).unwrap(),
                x.count_nonzero(1).unwrap(),
            ),
            (
                y.any(1).unwrap(),
                y.all(1).unwrap(),
                y.count_nonzero(1).unwrap(),
            ),
        ] {
            assert_eq!(v(any), vec![true, false, true]);
            assert_eq!(v(all), vec![false, false, true]);
            assert_eq!(n(count), vec![1, 0, 3]);
        }
        assert_eq!(v(x.any(0).unwrap()), vec![true, true, true]);
        assert_eq!(v(y.all(0).unwrap()), vec![false, false, false]);
        assert_eq!(n(y.count_nonzero(..).unwrap()), vec![4]);
        assert_eq!(x.sum(..).unwrap().compute_scalar().unwrap(), 4i64);
        assert_eq!(
            x.mean(0)
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            vec![2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]
        );
    }
}

#[test]
fn ddof_follows_numpy() {
    let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 4.0, 7.0], 3).unwrap();
    let m2: f64 = 21.0; // squared deviations from the mean 3.5: 6.25 + 2.25 + 0.25 + 12.25
    let var = |d: f64| -> f64 { x.var_ddof(.., d).unwrap().compute_scalar().unwrap() };
    assert!((var(0.0) - m2 / 4.0).abs() < 1e-14);
    assert!((var(1.0) - m2 / 3.0).abs() < 1e-14);
    assert!((var(1.5) - m2 / 2.5).abs() < 1e-14);
    let s: f64 = x.std_ddof(.., 1.0).unwrap().compute_scalar().unwrap();
    assert!((s - (m2 / 3.0).sqrt()).abs() < 1e-14);
    // A constant slice with ddof = n: 0 / 0.
    let c = Array::<f64>::full(&[3], 2.0, 2).unwrap();
    assert!(c
        .var_ddof(.., 3.0)
        .unwrap()
        .compute_scalar()
        .unwrap()
        .is_nan());
    // Integers: f64 result.
    let i = Array::from_ndarray(ndarray::array![1i32, 2, 4, 7], 2).unwrap();
    assert!(
        (i.std_ddof(.., 2.0).unwrap().compute_scalar().unwrap() - (m2 / 2.0).sqrt()).abs() < 1e-14
    );
    assert!(x.var_ddof(.., -1.0).is_err());
    assert!(x.var_ddof(.., f64::NAN).is_err());
}

#[test]
fn reductions_of_transposed_and_fused_inputs() {
    let mut rng = Rng::new(11);
    let z = random_nd::<i64>(&mut rng, &[3, 4, 5], 0.0);
    let x = Array::from_ndarray(z.clone(), vec![vec![1, 2], vec![3, 1], vec![2, 2, 1]]).unwrap();
    let p = x.permute_axes(&[2, 0, 1]).unwrap();
    let zp = z.clone().permuted_axes(ndarray::IxDyn(&[2, 0, 1]));
    for ax in 0..3 {
        let want = zp.sum_axis(ndarray::Axis(ax));
        assert_eq!(
            p.sum(ax).unwrap().compute().unwrap(),
            want,
            "sum of permuted, axis {ax}"
        );
    }
    let sq = (&p * &p - 1).max([0, 2]).unwrap().compute().unwrap();
    let want = zp
        .mapv(|v| v * v - 1)
        .fold_axis(ndarray::Axis(2), i64::MIN, |&a, &b| a.max(b));
    assert_eq!(
        sq,
        want.fold_axis(ndarray::Axis(0), i64::MIN, |&a, &b| a.max(b))
    );
}

#[test]
fn ddof_at_least_n_divides_by_zero() {
    let x = Array::from_ndarray(ndarray::array![1.0, 2.0, 4.0, 7.0], 3).unwrap();
    let var = |d: f64| -> f64 { x.var_ddof(.., d).unwrap().compute_scalar().unwrap() };
    assert_eq!(var(4.0), f64::INFINITY);
    assert_eq!(var(6.0), f64::INFINITY);
}
