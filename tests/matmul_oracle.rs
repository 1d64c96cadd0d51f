//! `matmul` against ndarray's `dot` on several shapes and chunkings: exact for integers,
//! within rounding for floats (the contracted axis is summed block by block), bit-identical
//! across thread counts for one chunking.

use ndarray::{Array1, Array2, ArrayD};
use proptest::prelude::*;
use tessera::{Array, ComputeOptions, Error};

fn mat(m: usize, n: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((m, n), |(i, j)| {
        (((i * 31 + j * 17 + seed * 7) % 23) as f64 - 11.0) * 0.25
    })
}

fn imat(m: usize, n: usize, seed: usize) -> Array2<i64> {
    Array2::from_shape_fn((m, n), |(i, j)| ((i * 13 + j * 7 + seed) % 19) as i64 - 9)
}

fn close(got: &ArrayD<f64>, want: &ArrayD<f64>) {
    assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{g} vs {w}");
    }
}

#[test]
fn matrix_products_match_ndarray_for_every_chunking() {
    let (a, b) = (mat(37, 23, 1), mat(23, 41, 2));
    let want = a.dot(&b).into_dyn();
    for (ca, cb) in [
        ([37, 23], [23, 41]),
        ([10, 5], [5, 7]),
        ([7, 23], [4, 41]), // contracted chunks differ: unified
        ([1, 1], [23, 1]),
        ([16, 9], [10, 16]),
    ] {
        let x = Array::from_ndarray(a.clone(), ca).unwrap();
        let y = Array::from_ndarray(b.clone(), cb).unwrap();
        let p = x.matmul(&y).unwrap();
        assert_eq!(p.shape(), &[37, 41]);
        assert_eq!(p.chunks().chunks(0), x.chunks().chunks(0), "rows follow a");
        assert_eq!(
            p.chunks().chunks(1),
            y.chunks().chunks(1),
            "columns follow b"
        );
        let one = p.compute_with(&ComputeOptions::new().threads(1)).unwrap();
        close(&one, &want);
        for threads in [2, 4] {
            let again = p
                .compute_with(&ComputeOptions::new().threads(threads))
                .unwrap();
            assert_eq!(
                again, one,
                "bit-identical at {threads} threads, chunks {ca:?} {cb:?}"
            );
        }
    }
}

#[test]
fn integer_and_f32_products_are_exact() {
    let (a, b) = (imat(12, 30, 3), imat(30, 9, 4));
    let x = Array::from_ndarray(a.clone(), [5, 7]).unwrap();
    let y = Array::from_ndarray(b.clone(), [11, 4]).unwrap();
    assert_eq!(
        x.matmul(&y).unwrap().compute().unwrap(),
        a.dot(&b).into_dyn()
    );
    let (af, bf) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
    let xf = Array::from_ndarray(af.clone(), [5, 7]).unwrap();
    let yf = Array::from_ndarray(bf.clone(), [11, 4]).unwrap();
    // Small integers in f32: every partial sum is exact, so the result is too.
    assert_eq!(
        xf.matmul(&yf).unwrap().compute().unwrap(),
        af.dot(&bf).into_dyn()
    );
}

#[test]
fn vectors_follow_numpy() {
    let m = mat(6, 4, 5);
    let (u, v) = (
        Array1::from_shape_fn(6, |i| i as f64 - 2.0),
        Array1::from_shape_fn(4, |i| 1.5 - i as f64),
    );
    let xm = Array::from_ndarray(m.clone(), [4, 3]).unwrap();
    let xu = Array::from_ndarray(u.clone(), 4).unwrap();
    let xv = Array::from_ndarray(v.clone(), 3).unwrap();
    close(
        &xu.matmul(&xm).unwrap().compute().unwrap(),
        &u.dot(&m).into_dyn(),
    );
    close(
        &xm.matmul(&xv).unwrap().compute().unwrap(),
        &m.dot(&v).into_dyn(),
    );
    let inner = xv.matmul(&xv).unwrap();
    assert_eq!(inner.shape(), &[] as &[usize]);
    assert_eq!(inner.compute_scalar().unwrap(), v.dot(&v));
}

#[test]
fn producers_are_fused_and_consumers_read_the_product() {
    let (a, b) = (mat(20, 15, 6), mat(15, 10, 7));
    let x = Array::from_ndarray(a.clone(), [6, 4]).unwrap();
    let y = Array::from_ndarray(b.clone(), [5, 3]).unwrap();
    let p = (&x * 2.0 + 1.0).matmul(&y.t()).unwrap_err();
    assert!(matches!(p, Error::Shape { .. }), "{p}");
    let p = (&x * 2.0 + 1.0).matmul(&y).unwrap();
    let want = a.mapv(|v| v * 2.0 + 1.0).dot(&b);
    close(&p.compute().unwrap(), &want.clone().into_dyn());
    // A reduction of the product, and the product of a transposed operand.
    let s = p.sum(0).unwrap().compute().unwrap();
    close(&s, &want.sum_axis(ndarray::Axis(0)).into_dyn());
    let gram = x.t().matmul(&x).unwrap().compute().unwrap();
    close(&gram, &a.t().dot(&a).into_dyn());
    let plan = p.explain();
    assert!(plan.contains("matmul k-blocks=6"), "{plan}"); // 4 and 5 unified
    assert!(
        plan.contains("add(multiply(L0, 2.0), 1.0)"),
        "fused producer: {plan}"
    );
}

#[test]
fn bad_shapes_are_errors() {
    let x = Array::<f64>::ones(&[3, 4], 2).unwrap();
    let e = x.matmul(&x).unwrap_err();
    assert!(e.to_string().contains("contracted lengths 4 and 3"), "{e}");
    let cube = Array::<f64>::ones(&[2, 3, 4], 2).unwrap();
    assert_eq!(cube.matmul(&x.t()).unwrap().shape(), &[2, 3, 3], "batched");
    let e = cube.matmul(&x).unwrap_err();
    assert!(e.to_string().contains("contracted lengths 4 and 3"), "{e}");
    let s = Array::<f64>::ones(&[], 1).unwrap();
    assert!(s.matmul(&x).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn integer_products_do_not_depend_on_the_chunking(
        m in 1usize..9, k in 1usize..9, n in 1usize..9,
        c0 in 1usize..9, c1 in 1usize..9, c2 in 1usize..9, c3 in 1usize..9,
    ) {
        let (a, b) = (imat(m, k, 1), imat(k, n, 2));
        let x = Array::from_ndarray(a.clone(), [c0, c1]).unwrap();
        let y = Array::from_ndarray(b.clone(), [c2, c3]).unwrap();
        prop_assert_eq!(x.matmul(&y).unwrap().compute().unwrap(), a.dot(&b).into_dyn());
    }
}

#[test]
fn dot_inner_outer_and_vdot_follow_numpy() {
    let (a, b) = (imat(5, 4, 8), imat(3, 4, 9));
    let x = Array::from_ndarray(a.clone(), [2, 3]).unwrap();
    let y = Array::from_ndarray(b.clone(), [3, 2]).unwrap();
    // inner(a, b) = a @ b.T for matrices.
    assert_eq!(
        x.inner(&y).unwrap().compute().unwrap(),
        a.dot(&b.t()).into_dyn()
    );
    assert_eq!(
        x.dot(&y.t()).unwrap().compute().unwrap(),
        a.dot(&b.t()).into_dyn()
    );
    // outer flattens both operands.
    let o = x.outer(&y).unwrap().compute().unwrap();
    assert_eq!(o.shape(), &[20, 12]);
    let (fa, fb): (Vec<i64>, Vec<i64>) = (a.iter().copied().collect(), b.iter().copied().collect());
    for (i, &p) in fa.iter().enumerate() {
        for (j, &q) in fb.iter().enumerate() {
            assert_eq!(o[[i, j]], p * q);
        }
    }
    // vdot: the flattened inner product; sizes must agree.
    let z = Array::from_ndarray(imat(4, 3, 9), [3, 2]).unwrap();
    let want: i64 = fa
        .iter()
        .zip(imat(4, 5, 1).iter())
        .map(|(p, q)| p * q)
        .sum();
    let w = Array::from_ndarray(imat(4, 5, 1), [2, 2]).unwrap();
    assert_eq!(x.vdot(&w).unwrap().compute_scalar().unwrap(), want);
    assert!(x.vdot(&z).is_err());
    // Vectors: dot and inner are the inner product.
    let v = Array::<i64>::arange(0, 7, 1, 3).unwrap();
    assert_eq!(v.dot(&v).unwrap().compute_scalar().unwrap(), 91);
    assert_eq!(v.inner(&v).unwrap().compute_scalar().unwrap(), 91);
}

#[test]
fn products_with_few_output_chunks_split_the_contracted_axis() {
    // One output chunk over 12 contracted blocks: partial products per group, summed.
    let (a, b) = (mat(6, 120, 3), mat(120, 5, 4));
    let x = Array::from_ndarray(a.clone(), [6, 10]).unwrap();
    let y = Array::from_ndarray(b.clone(), [10, 5]).unwrap();
    let p = x.matmul(&y).unwrap();
    let plan = p.explain();
    assert!(plan.matches("matmul").count() > 1, "{plan}");
    let one = p.compute_with(&ComputeOptions::new().threads(1)).unwrap();
    close(&one, &a.dot(&b).into_dyn());
    let two = p.compute_with(&ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(two, one, "bit-identical across thread counts");
    // Exact for integers.
    let (ai, bi) = (imat(3, 200, 1), imat(200, 2, 2));
    let xi = Array::from_ndarray(ai.clone(), [3, 7]).unwrap();
    let yi = Array::from_ndarray(bi.clone(), [9, 2]).unwrap();
    assert_eq!(
        xi.matmul(&yi).unwrap().compute().unwrap(),
        ai.dot(&bi).into_dyn()
    );
}

#[test]
fn the_matmul_backend_is_reported() {
    let backend = tessera::linalg::matmul_backend();
    if !cfg!(feature = "openblas") {
        assert_eq!(backend, "faer");
    } else if std::env::var_os("TESSERA_BLAS").is_none()
        && [
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
        ]
        .iter()
        .any(|p| std::path::Path::new(p).exists())
    {
        assert!(backend.starts_with("openblas"), "{backend}");
    }
    // Whatever computes them, products of plain, transposed and sliced operands agree with
    // ndarray (the other tests here run on the same backend).
    let (a, b) = (mat(64, 48, 5), mat(48, 80, 6));
    let x = Array::from_ndarray(a.clone(), [32, 16]).unwrap();
    let y = Array::from_ndarray(b.clone(), [16, 40]).unwrap();
    close(
        &x.matmul(&y).unwrap().compute().unwrap(),
        &a.dot(&b).into_dyn(),
    );
    let yt = Array::from_ndarray(b.t().to_owned(), [40, 16]).unwrap().t();
    close(
        &x.matmul(&yt).unwrap().compute().unwrap(),
        &a.dot(&b).into_dyn(),
    );
    let xs = x.slice(&[3..60, 5..45]).unwrap();
    let ys = y.slice(&[5..45, 7..70]).unwrap();
    let want = a
        .slice(ndarray::s![3..60, 5..45])
        .dot(&b.slice(ndarray::s![5..45, 7..70]));
    close(
        &xs.matmul(&ys).unwrap().compute().unwrap(),
        &want.into_dyn(),
    );
}

#[test]
fn boolean_products_follow_numpy() {
    let a = Array2::from_shape_fn((7, 9), |(i, j)| (i * 3 + j) % 4 == 0);
    let b = Array2::from_shape_fn((9, 5), |(i, j)| (i + 2 * j) % 5 == 0);
    let want = Array2::from_shape_fn((7, 5), |(i, j)| (0..9).any(|k| a[[i, k]] && b[[k, j]]));
    for c in [1, 3, 9] {
        let x = Array::from_ndarray(a.clone(), c).unwrap();
        let y = Array::from_ndarray(b.clone(), c).unwrap();
        assert_eq!(
            x.matmul(&y).unwrap().compute().unwrap(),
            want.clone().into_dyn()
        );
    }
}
