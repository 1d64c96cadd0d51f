//! Order statistics against NumPy (`tests/interop/order_reference.py`): `sort`, `argsort`
//! (stable, NaN last), `quantile` / `nanquantile` with every method, `median`,
//! `nanmedian`, `percentile`, `ptp` and `topk`, along every axis of 1-d to 3-d arrays with
//! ties and NaNs, under several chunkings (the results must not depend on them).

mod common;

use common::python::{load_f64, run_reference, TempDir};
use ndarray::{ArrayD, IxDyn};
use std::sync::OnceLock;
use tessera::{Array, QuantileMethod};

const SHAPES: &[&[usize]] = &[&[23], &[9, 14], &[4, 6, 11]];
const QS: &[f64] = &[0.0, 0.1, 0.25, 0.5, 0.9, 1.0];
const METHODS: &[(&str, QuantileMethod)] = &[
    ("linear", QuantileMethod::Linear),
    ("nearest", QuantileMethod::Nearest),
    ("lower", QuantileMethod::Lower),
    ("higher", QuantileMethod::Higher),
    ("midpoint", QuantileMethod::Midpoint),
];

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("order_reference.py", "order-ref"))
}

fn load(shape: &[usize], name: &str) -> ArrayD<f64> {
    let tag: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    load_f64(reference(), &format!("{}_{name}", tag.join("x")))
}

fn inputs(shape: &[usize]) -> (ArrayD<f64>, ArrayD<f64>) {
    let n: usize = shape.iter().product();
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 101) as f64 / 7.0 - 5.0)
        .collect();
    let xn: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 37 == 5 { f64::NAN } else { v })
        .collect();
    (
        ArrayD::from_shape_vec(IxDyn(shape), x).unwrap(),
        ArrayD::from_shape_vec(IxDyn(shape), xn).unwrap(),
    )
}

/// Equal up to `tol` relative, NaN matching NaN.
fn close(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
    for (g, w) in got.iter().zip(want.iter()) {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol * w.abs().max(1.0);
        assert!(ok, "{ctx}: {g} vs {w}");
    }
}

#[test]
fn order_statistics_match_numpy() {
    for &shape in SHAPES {
        let (x, xn) = inputs(shape);
        let chunkings: Vec<Vec<usize>> = vec![
            shape.to_vec(),
            shape.iter().map(|&d| d.div_ceil(3).max(1)).collect(),
            shape.iter().map(|_| 2).collect(),
        ];
        for chunks in &chunkings {
            let a = Array::from_ndarray(x.clone(), chunks.clone()).unwrap();
            let an = Array::from_ndarray(xn.clone(), chunks.clone()).unwrap();
            for ax in 0..shape.len() {
                let ctx = |name: &str| format!("{shape:?} chunks {chunks:?} axis {ax}: {name}");
                let neg = ax as isize - shape.len() as isize; // the same axis, negative
                close(
                    &an.sort(ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("sort_{ax}")),
                    0.0,
                    &ctx("sort"),
                );
                let idx = an
                    .argsort(neg)
                    .unwrap()
                    .compute()
                    .unwrap()
                    .mapv(|v| v as f64);
                close(
                    &idx,
                    &load(shape, &format!("argsort_{ax}")),
                    0.0,
                    &ctx("argsort"),
                );
                for &(mname, m) in METHODS {
                    let q = a.quantile(QS, ax, m).unwrap().compute().unwrap();
                    close(
                        &q,
                        &load(shape, &format!("quantile_{mname}_{ax}")),
                        1e-14,
                        &ctx(mname),
                    );
                    let q = an.nanquantile(QS, ax, m).unwrap().compute().unwrap();
                    close(
                        &q,
                        &load(shape, &format!("nanquantile_{mname}_{ax}")),
                        1e-14,
                        &ctx(mname),
                    );
                }
                close(
                    &a.median(ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("median_{ax}")),
                    1e-14,
                    &ctx("median"),
                );
                close(
                    &an.median(ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("median_nan_{ax}")),
                    1e-14,
                    &ctx("median of NaN"),
                );
                close(
                    &an.nanmedian(ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("nanmedian_{ax}")),
                    1e-14,
                    &ctx("nanmedian"),
                );
                let p = a
                    .percentile(&[5.0, 95.0], ax, QuantileMethod::Linear)
                    .unwrap()
                    .compute()
                    .unwrap();
                close(
                    &p,
                    &load(shape, &format!("percentile_{ax}")),
                    1e-14,
                    &ctx("percentile"),
                );
                close(
                    &a.ptp(ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("ptp_{ax}")),
                    0.0,
                    &ctx("ptp"),
                );
                let k = shape[ax].min(3) as isize;
                close(
                    &a.topk(k, ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("topk_{ax}")),
                    0.0,
                    &ctx("topk"),
                );
                close(
                    &a.topk(-k, ax).unwrap().compute().unwrap(),
                    &load(shape, &format!("bottomk_{ax}")),
                    0.0,
                    &ctx("bottomk"),
                );
                // argtopk gives the positions of topk's values.
                if shape.len() == 1 {
                    let pos = a.argtopk(k, ax).unwrap().compute().unwrap();
                    let vals = a.topk(k, ax).unwrap().compute().unwrap();
                    for (p, v) in pos.iter().zip(vals.iter()) {
                        assert_eq!(x[[*p as usize]], *v, "{}", ctx("argtopk"));
                    }
                }
            }
        }
    }
}

/// Lanes long enough, in several chunks, that the quantiles count and select within the
/// chunks instead of rechunking the axis (the plan shows the selection stage).
#[test]
fn long_lanes_quantiles_match_numpy_without_rechunking() {
    let long: &[(&[usize], &[usize])] = &[
        (&[3000], &[700]),
        (&[2400, 5], &[500, 2]),
        (&[3, 2200], &[2, 450]),
        (&[2, 2200, 3], &[1, 500, 2]),
    ];
    for &(shape, chunks) in long {
        let (x, xn) = inputs(shape);
        let a = Array::from_ndarray(x, chunks.to_vec()).unwrap();
        let an = Array::from_ndarray(xn, chunks.to_vec()).unwrap();
        let ax = (0..shape.len()).max_by_key(|&d| shape[d]).unwrap();
        let ctx = |name: &str| format!("{shape:?} chunks {chunks:?} axis {ax}: {name}");
        for &(mname, m) in METHODS {
            let q = a.quantile(QS, ax, m).unwrap();
            assert!(q.explain().contains("quantile_select"), "{}", ctx("plan"));
            let want = load(shape, &format!("quantile_{mname}_{ax}"));
            close(&q.compute().unwrap(), &want, 1e-14, &ctx(mname));
            let q = an.nanquantile(QS, ax, m).unwrap().compute().unwrap();
            let want = load(shape, &format!("nanquantile_{mname}_{ax}"));
            close(&q, &want, 1e-14, &ctx(mname));
        }
        let cases = [
            ("median", a.median(ax).unwrap()),
            ("median_nan", an.median(ax).unwrap()),
            ("nanmedian", an.nanmedian(ax).unwrap()),
            (
                "percentile",
                a.percentile(&[5.0, 95.0], ax, QuantileMethod::Linear)
                    .unwrap(),
            ),
        ];
        for (name, got) in cases {
            let want = load(shape, &format!("{name}_{ax}"));
            close(&got.compute().unwrap(), &want, 1e-14, &ctx(name));
        }
    }
}

#[test]
fn integer_quantiles_are_f64_and_bad_arguments_are_refused() {
    let x = Array::from_ndarray(ndarray::arr1(&[7i32, 1, 4, 10]).into_dyn(), 3).unwrap();
    let m: Array<f64> = x.median(0).unwrap();
    assert_eq!(m.compute_scalar().unwrap(), 5.5);
    assert!(x.quantile(&[1.5], 0, QuantileMethod::Linear).is_err());
    assert!(x.quantile(&[], 0, QuantileMethod::Linear).is_err());
    assert!(x.topk(0, 0).is_err());
    assert!(x.topk(5, 0).is_err());
    assert!(x.partition(4, 0).is_err());
    assert_eq!(
        x.partition(1, 0)
            .unwrap()
            .compute()
            .unwrap()
            .as_slice()
            .unwrap()[1],
        4
    );
    assert!(x.sort(1).is_err());
}

#[test]
fn lanes_are_blocks_no_larger_than_a_chunk() {
    // A median over a long axis: each task holds at most one chunk's worth of elements.
    let x = tessera::random::uniform::<f64>(&[4000, 300], [500, 300], 1).unwrap();
    let largest_block = 500 * 300;
    let lanes = x.sort(0).unwrap();
    let g = lanes.chunks();
    assert_eq!(g.axis(0).count(), 1);
    assert!(
        g.axis(0).max_size() * g.axis(1).max_size() <= largest_block,
        "{:?}",
        g.describe()
    );
}

#[test]
fn one_dimensional_sorts_of_many_chunks_match_a_plain_sort() {
    // Ties (values mod 97), NaNs, and chunkings from one to hundreds of chunks: the sample
    // sort must give exactly the sorted values (NaN last), its argsort a stable order.
    let n = 10_000;
    let v: Vec<f64> = (0..n)
        .map(|i| {
            if i % 501 == 7 {
                f64::NAN
            } else {
                ((i * 7919) % 97) as f64 - 40.0
            }
        })
        .collect();
    let mut want = v.clone();
    want.sort_by(|a, b| {
        a.partial_cmp(b)
            .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
    });
    for chunk in [10_000usize, 1000, 777, 33] {
        let x = Array::from_ndarray(
            ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).unwrap(),
            chunk,
        )
        .unwrap();
        let got = x.sort(0).unwrap().compute().unwrap();
        assert_eq!(got.len(), n);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g == w || (g.is_nan() && w.is_nan()),
                "chunks {chunk}: {g} vs {w}"
            );
        }
        let ints = x.astype::<i64>().sort(-1).unwrap().compute().unwrap();
        assert!(ints.as_slice().unwrap().windows(2).all(|w| w[0] <= w[1]));
    }
}
