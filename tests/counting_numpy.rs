//! Counting, set and covariance routines against NumPy
//! (`tests/interop/counting_reference.py`): `histogram` (given and found ranges),
//! `bincount` (weights, minlength), `searchsorted`, `digitize`, `isin`, `unique` (counts,
//! first indices), `union1d`, `intersect1d`, `setdiff1d`, `average`, `cov`, `corrcoef`,
//! each under several chunkings.

mod common;

use common::python::{load_f64, run_reference, TempDir};
use ndarray::{ArrayD, IxDyn};
use std::sync::OnceLock;
use tessera::{histogram2d, histogramdd, intersect1d, setdiff1d, union1d, Array, Side};

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("counting_reference.py", "counting-ref"))
}

fn load(name: &str) -> ArrayD<f64> {
    load_f64(reference(), name)
}

fn close(got: &ArrayD<f64>, name: &str, tol: f64, ctx: &str) {
    let want = load(name);
    assert_eq!(got.shape(), want.shape(), "{ctx}: {name} shape");
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{ctx}: {name}: {g} vs {w}"
        );
    }
}

fn vec_close(got: &[f64], name: &str, ctx: &str) {
    close(
        &ArrayD::from_shape_vec(IxDyn(&[got.len()]), got.to_vec()).unwrap(),
        name,
        0.0,
        ctx,
    );
}

fn f<T: tessera::Element>(a: tessera::Result<Array<T>>) -> ArrayD<f64> {
    a.unwrap().compute().unwrap().mapv(|v| v.to_f64())
}

#[test]
fn counting_and_sets_match_numpy() {
    let xv = ArrayD::from_shape_vec(
        IxDyn(&[40, 30]),
        (0..1200)
            .map(|i| ((i * 7919) % 53) as f64 / 4.0 - 3.0)
            .collect(),
    )
    .unwrap();
    let wv = ArrayD::from_shape_vec(
        IxDyn(&[40, 30]),
        (0..1200).map(|i| 1.0 + (i % 5) as f64 / 4.0).collect(),
    )
    .unwrap();
    let kv = ArrayD::from_shape_vec(
        IxDyn(&[600]),
        (0..600).map(|i| ((i * 31) % 17) as i64).collect(),
    )
    .unwrap();
    let wkv = ArrayD::from_shape_vec(
        IxDyn(&[600]),
        (0..600).map(|i| 1.0 + (i % 5) as f64 / 4.0).collect(),
    )
    .unwrap();
    let list = [-3.0, -1.0, 0.0, 0.25, 2.0, 4.0, 9.0];
    for (cx, ck) in [([40usize, 30usize], 600usize), ([7, 11], 64), ([1, 30], 7)] {
        let ctx = format!("chunks {cx:?} / {ck}");
        let x = Array::from_ndarray(xv.clone(), cx).unwrap();
        let w = Array::from_ndarray(wv.clone(), [13, 4]).unwrap();
        let k = Array::from_ndarray(kv.clone(), ck).unwrap();
        let wk = Array::from_ndarray(wkv.clone(), 50).unwrap();

        let (h, e) = x.histogram(7, None).unwrap();
        close(&f(Ok(h)), "hist_auto", 0.0, &ctx);
        vec_close(&e, "hist_auto_edges", &ctx);
        let (h, _) = x.histogram(10, Some((-2.0, 5.5))).unwrap();
        close(&f(Ok(h)), "hist_range", 0.0, &ctx);
        close(&f(k.bincount(0)), "bincount", 0.0, &ctx);
        close(&f(k.bincount(25)), "bincount_min", 0.0, &ctx);
        close(&f(k.bincount_weighted(&wk, 0)), "bincount_w", 1e-15, &ctx);
        close(
            &f(x.searchsorted(&list, Side::Left)),
            "search_left",
            0.0,
            &ctx,
        );
        close(
            &f(x.searchsorted(&list, Side::Right)),
            "search_right",
            0.0,
            &ctx,
        );
        close(&f(x.digitize(&list, false)), "digitize", 0.0, &ctx);
        close(&f(x.digitize(&list, true)), "digitize_right", 0.0, &ctx);
        close(&f(x.isin(&[0.0, 2.5, -3.0, 7.0])), "isin", 0.0, &ctx);
        let u = x.unique().unwrap();
        vec_close(&u.values, "unique", &ctx);
        vec_close(
            &u.first_index.iter().map(|&v| v as f64).collect::<Vec<_>>(),
            "unique_first",
            &ctx,
        );
        vec_close(
            &u.counts.iter().map(|&v| v as f64).collect::<Vec<_>>(),
            "unique_counts",
            &ctx,
        );
        // Integer values: a dense table (small range) and the sort (a sparse one).
        let sparse = Array::<i64>::arange(0, 600, 1, ck)
            .unwrap()
            .try_mul(7919)
            .unwrap()
            .try_rem(1009)
            .unwrap()
            .try_mul(100000)
            .unwrap()
            .try_sub(3)
            .unwrap();
        for (name, arr) in [("k", &k), ("k_sparse", &sparse)] {
            let u = arr.unique().unwrap();
            let tf = |v: &[i64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
            vec_close(&tf(&u.values), &format!("unique_{name}"), &ctx);
            vec_close(&tf(&u.first_index), &format!("unique_{name}_first"), &ctx);
            vec_close(&tf(&u.counts), &format!("unique_{name}_counts"), &ctx);
        }
        let y = x.slice(&[0..20, 0..30]).unwrap().try_mul(2.0).unwrap();
        vec_close(&union1d(&x, &y).unwrap(), "union", &ctx);
        vec_close(&intersect1d(&x, &y).unwrap(), "intersect", &ctx);
        vec_close(&setdiff1d(&x, &y).unwrap(), "setdiff", &ctx);
        close(&f(x.average(Some(&w), ..)), "average_all", 1e-14, &ctx);
        close(&f(x.average(Some(&w), 0)), "average_0", 1e-14, &ctx);
        close(&f(x.cov(true, 1.0)), "cov_rows", 1e-12, &ctx);
        close(&f(x.cov(false, 0.0)), "cov_cols_ddof0", 1e-12, &ctx);
        close(
            &f(x.slice(&[0..1, 0..30])
                .unwrap()
                .reshape(&[30])
                .unwrap()
                .cov(true, 1.0)),
            "cov_1d",
            1e-12,
            &ctx,
        );
        close(
            &f(x.slice(&[0..6, 0..30]).unwrap().corrcoef(true)),
            "corrcoef",
            1e-12,
            &ctx,
        );
        let xr = x.reshape(&[1200]).unwrap();
        let yv: Vec<f64> = (0..1200)
            .map(|i| ((i * 4513) % 61) as f64 / 5.0 - 2.0)
            .collect();
        let zv: Vec<f64> = (0..1200).map(|i| (i % 7) as f64).collect();
        let y = Array::from_ndarray(ndarray::Array1::from(yv).into_dyn(), ck).unwrap();
        let z = Array::from_ndarray(ndarray::Array1::from(zv).into_dyn(), 100).unwrap();
        let (h, _) = histogram2d(&xr, &y, [5, 4], Some([(-3.0, 10.0), (-2.0, 8.0)])).unwrap();
        close(&f(Ok(h)), "hist2d", 0.0, &ctx);
        let (h, edges) = histogramdd(&[&xr, &y, &z], &[3, 4, 2], None).unwrap();
        close(&f(Ok(h)), "histdd", 0.0, &ctx);
        vec_close(&edges[1], "histdd_edges1", &ctx);
        let i8v: Vec<i8> = (0..1200).map(|i| ((i * 37) % 256 - 128) as i8).collect();
        let a8 = Array::from_ndarray(ndarray::Array1::from(i8v).into_dyn(), ck).unwrap();
        close(&f(a8.sum_as::<i8>(..)), "sum_i8_as_i8", 0.0, &ctx);
        close(&f(a8.sum_as::<f64>(..)), "sum_i8_as_f64", 0.0, &ctx);
        let xn = xr.try_div(100.0).unwrap().try_add(1.0).unwrap();
        let nan_at = Array::<i64>::arange(0, 1200, 1, ck)
            .unwrap()
            .try_rem(7)
            .unwrap()
            .equal(0)
            .unwrap();
        let xn = tessera::where_(&nan_at, f64::NAN, &xn)
            .unwrap()
            .reshape(&[40, 30])
            .unwrap();
        close(&f(xn.nanprod(0)), "nanprod", 1e-13, &ctx);
    }
}

#[test]
fn bad_counting_arguments_are_refused() {
    let x = Array::from_ndarray(ndarray::arr1(&[1.0, f64::NAN]).into_dyn(), 1).unwrap();
    assert!(x.histogram(3, None).is_err()); // NaN in the data range
    assert!(x.histogram(0, Some((0.0, 1.0))).is_err());
    assert!(x.histogram(3, Some((2.0, 1.0))).is_err());
    let k = Array::from_ndarray(ndarray::arr1(&[1i32, -2]).into_dyn(), 1).unwrap();
    assert!(k.bincount(0).is_err());
    assert!(x.bincount(0).is_err()); // floats
    assert!(x.searchsorted(&[3.0, 1.0], Side::Left).is_err());
    assert!(x.cov(true, 1.0).is_ok());
    let x3 = Array::<f64>::zeros(&[2, 2, 2], 1).unwrap();
    assert!(x3.cov(true, 1.0).is_err());
}

#[test]
fn unique_counts_nan_once_as_numpy_does() {
    // numpy.unique([nan, 1, nan, 0], return_index=True, return_counts=True) (equal_nan).
    let x =
        Array::from_ndarray(ndarray::arr1(&[f64::NAN, 1.0, f64::NAN, 0.0]).into_dyn(), 3).unwrap();
    let u = x.unique().unwrap();
    assert_eq!(u.values.len(), 3);
    assert_eq!(&u.values[..2], &[0.0, 1.0]);
    assert!(u.values[2].is_nan());
    assert_eq!(u.counts, vec![1, 1, 2]);
    assert_eq!(u.first_index, vec![3, 1, 0]);
}
