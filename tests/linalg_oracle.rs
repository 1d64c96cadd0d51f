//! `tessera::linalg` against NumPy's `numpy.linalg` (run on the same matrices in the test
//! virtual environment by `tests/interop/linalg_reference.py`): random, ill-conditioned
//! (condition number 1e10) and rank-deficient matrices, each under several chunkings.
//! Factorizations are checked by what defines them (‖A − QR‖/‖A‖, ‖QᵀQ − I‖,
//! ‖A − UΣVᵀ‖/‖A‖, residuals of solves), values NumPy defines uniquely (singular values,
//! determinants, eigenvalues, norms, minimum-norm solutions) against NumPy.

mod common;

use common::python::{load_f64, run_reference, TempDir};
use ndarray::{Array2, ArrayD, Ix2};
use std::sync::OnceLock;
use tessera::linalg::{self, MatrixNorm};
use tessera::{Array, ComputeOptions, Error};

/// The reference directory, written once per test process.
fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("linalg_reference.py", "linalg-ref"))
}

/// A `.npy` file of the reference as an `f64` array.
fn load(name: &str) -> ArrayD<f64> {
    load_f64(reference(), name)
}

fn load2(name: &str) -> Array2<f64> {
    load(name).into_dimensionality::<Ix2>().unwrap()
}

fn fro(a: &ArrayD<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn mat(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality::<Ix2>().unwrap()
}

/// `max |got − want| ≤ tol · max(1, max |want|)`.
fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let scale = want.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(want)
        .fold(0.0_f64, |m, (g, w)| m.max((g - w).abs()));
    assert!(
        err <= tol * scale,
        "{what}: max error {err:e} over {scale:e}"
    );
}

/// Row chunkings of a tall matrix with `m` rows and `n` columns: one chunk, even and uneven
/// blocks, and enough blocks for a tree of more than one level.
fn row_chunkings(m: usize, n: usize) -> Vec<usize> {
    vec![m, m.div_ceil(3), 50.max(n), n.max(12), 37.max(n)]
}

#[test]
fn qr_reconstructs_and_is_orthonormal_for_every_chunking() {
    for name in ["tall", "illcond", "rankdef"] {
        let a = load2(name);
        let (m, n) = a.dim();
        for rows in row_chunkings(m, n) {
            let x = Array::from_ndarray(a.clone(), [rows, n]).unwrap();
            let (q, r) = linalg::qr(&x).unwrap();
            assert_eq!(q.shape(), &[m, n]);
            assert_eq!(r.shape(), &[n, n]);
            if x.chunks().chunks(0).iter().all(|&c| c >= n) {
                assert_eq!(
                    q.chunks().chunks(0),
                    x.chunks().chunks(0),
                    "q follows a's rows"
                );
            }
            let out = tessera::compute_many(&[&q, &r]).unwrap();
            let (qv, rv) = (mat(out[0].clone()), mat(out[1].clone()));
            let back = qv.dot(&rv).into_dyn();
            let rel = fro(&(&back - &a.clone().into_dyn())) / fro(&a.clone().into_dyn());
            assert!(rel < 1e-13, "{name} rows {rows}: ‖A − QR‖/‖A‖ = {rel:e}");
            let qtq = qv.t().dot(&qv) - Array2::<f64>::eye(n);
            let orth = fro(&qtq.into_dyn());
            assert!(orth < 1e-12, "{name} rows {rows}: ‖QᵀQ − I‖ = {orth:e}");
            for i in 0..n {
                for j in 0..i {
                    assert_eq!(rv[[i, j]], 0.0, "{name}: R is upper triangular");
                }
            }
            // |diag R| is unique (up to sign) for a full-rank matrix: the column norms of
            // the orthogonalized columns; check against the singular values' product.
            if name != "rankdef" {
                let logdet: f64 = (0..n).map(|i| rv[[i, i]].abs().ln()).sum();
                let want: f64 = load(&format!("{name}_sv")).iter().map(|s| s.ln()).sum();
                assert!(
                    (logdet - want).abs() < 1e-8 * want.abs().max(1.0),
                    "{name}: |det R|"
                );
            }
        }
    }
}

#[test]
fn qr_of_short_and_fat_arrays() {
    let a = load2("wide");
    let (m, n) = a.dim();
    for cols in [n, 50, 12, 100] {
        let x = Array::from_ndarray(a.clone(), [m, cols]).unwrap();
        let (q, r) = linalg::qr(&x).unwrap();
        assert_eq!((q.shape(), r.shape()), (&[m, m][..], &[m, n][..]));
        let out = tessera::compute_many(&[&q, &r]).unwrap();
        let (qv, rv) = (mat(out[0].clone()), mat(out[1].clone()));
        let back = qv.dot(&rv).into_dyn();
        assert_close(&back, &a.clone().into_dyn(), 1e-13, "wide QR");
        for i in 0..m {
            for j in 0..i {
                assert_eq!(rv[[i, j]], 0.0, "R is upper trapezoidal");
            }
        }
    }
}

#[test]
fn qr_of_an_array_chunked_both_ways_names_the_rechunk() {
    let x = Array::<f64>::zeros(&[100, 10], [20, 5]).unwrap();
    let e = linalg::qr(&x).unwrap_err();
    assert!(matches!(e, Error::Chunks { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("rechunk to [20, 10]"), "{msg}");
    // Row chunks shorter than the column count are merged into their neighbours.
    let thin_rows = Array::<f64>::ones(&[103, 10], [5, 10]).unwrap();
    let (q, _) = linalg::qr(&thin_rows).unwrap();
    assert_eq!(q.chunks().chunks(0).last(), Some(&13));
    assert!(q.chunks().chunks(0).iter().all(|&c| c >= 10));
    let v = Array::<f64>::zeros(&[10], 5).unwrap();
    assert!(matches!(linalg::qr(&v), Err(Error::Shape { .. })));
}

#[test]
fn qr_is_bit_identical_across_thread_counts() {
    let a = load2("tall");
    let x = Array::from_ndarray(a, [12, 12]).unwrap();
    let (q, r) = linalg::qr(&x).unwrap();
    let one = tessera::compute_many_with(&[&q, &r], &ComputeOptions::new().threads(1)).unwrap();
    for threads in [2, 4] {
        let again =
            tessera::compute_many_with(&[&q, &r], &ComputeOptions::new().threads(threads)).unwrap();
        assert_eq!(again.0, one.0, "{threads} threads");
    }
}

#[test]
fn svd_matches_numpy_singular_values_and_reconstructs() {
    for name in ["tall", "illcond", "rankdef", "wide"] {
        let a = load2(name);
        let (m, n) = a.dim();
        let k = m.min(n);
        let want_s = load(&format!("{name}_sv"));
        let chunkings: Vec<[usize; 2]> = if m >= n {
            row_chunkings(m, n).into_iter().map(|r| [r, n]).collect()
        } else {
            vec![[m, n], [m, 50], [m, 12]]
        };
        for chunks in chunkings {
            let x = Array::from_ndarray(a.clone(), chunks).unwrap();
            let (u, s, vt) = linalg::svd(&x).unwrap();
            assert_eq!(
                (u.shape(), s.shape(), vt.shape()),
                (&[m, k][..], &[k][..], &[k, n][..])
            );
            let out = tessera::compute_many(&[&u, &s, &vt]).unwrap();
            let (uv, sv, vtv) = (mat(out[0].clone()), out[1].clone(), mat(out[2].clone()));
            assert_close(
                &sv,
                &want_s,
                1e-13,
                &format!("{name} {chunks:?}: singular values"),
            );
            let us = &uv * &sv.view().into_dimensionality::<ndarray::Ix1>().unwrap();
            let back = us.dot(&vtv).into_dyn();
            let rel = fro(&(&back - &a.clone().into_dyn())) / fro(&a.clone().into_dyn());
            assert!(rel < 1e-13, "{name} {chunks:?}: ‖A − UΣVᵀ‖/‖A‖ = {rel:e}");
            let utu = fro(&(uv.t().dot(&uv) - Array2::<f64>::eye(k)).into_dyn());
            assert!(utu < 1e-12, "{name} {chunks:?}: ‖UᵀU − I‖ = {utu:e}");
        }
    }
}

#[test]
fn svd_compressed_finds_the_leading_singular_values() {
    // Exactly rank 6: the randomized SVD recovers the leading singular values to rounding.
    let a = load2("rankdef");
    let want = load("rankdef_sv");
    for rows in [240, 60, 37] {
        let x = Array::from_ndarray(a.clone(), [rows, 10]).unwrap();
        for (k, iters) in [(3, 0), (4, 2)] {
            let (u, s, vt) = linalg::svd_compressed(&x, k, iters, 11).unwrap();
            assert_eq!(
                (u.shape(), s.shape(), vt.shape()),
                (&[240, k][..], &[k][..], &[k, 10][..])
            );
            let out = tessera::compute_many(&[&u, &s, &vt]).unwrap();
            let sv = out[1].as_slice().unwrap();
            for i in 0..k {
                assert!(
                    (sv[i] - want[i]).abs() < 1e-10 * want[0],
                    "s[{i}] {} vs {}",
                    sv[i],
                    want[i]
                );
            }
            let uv = mat(out[0].clone());
            let utu = fro(&(uv.t().dot(&uv) - Array2::<f64>::eye(k)).into_dyn());
            assert!(utu < 1e-12, "‖UᵀU − I‖ = {utu:e}");
        }
        // Same seed, different chunking: the same result.
        let (_, s1, _) = linalg::svd_compressed(&x, 3, 1, 5).unwrap();
        let y = Array::from_ndarray(a.clone(), [240, 10]).unwrap();
        let (_, s2, _) = linalg::svd_compressed(&y, 3, 1, 5).unwrap();
        assert_close(
            &s1.compute().unwrap(),
            &s2.compute().unwrap(),
            1e-12,
            "chunking",
        );
    }
    // A full-rank matrix with power iterations: close to the exact leading values.
    let a = load2("tall");
    let want = load("tall_sv");
    let x = Array::from_ndarray(a, [100, 12]).unwrap();
    let (_, s, _) = linalg::svd_compressed(&x, 2, 4, 3).unwrap();
    let s = s.compute().unwrap();
    for i in 0..2 {
        assert!(
            (s[i] - want[i]).abs() < 1e-6 * want[0],
            "s[{i}] {} vs {}",
            s[i],
            want[i]
        );
    }
    let bad = linalg::svd_compressed(&Array::<f64>::zeros(&[10, 4], [5, 4]).unwrap(), 5, 0, 1);
    assert!(matches!(bad, Err(Error::Argument { .. })));
}

#[test]
fn norms_match_numpy() {
    let orders = [
        ("fro", MatrixNorm::Frobenius),
        ("nuc", MatrixNorm::Nuclear),
        ("1", MatrixNorm::One),
        ("-1", MatrixNorm::NegOne),
        ("2", MatrixNorm::Two),
        ("-2", MatrixNorm::NegTwo),
        ("inf", MatrixNorm::Inf),
        ("-inf", MatrixNorm::NegInf),
    ];
    for name in ["tall", "illcond", "rankdef", "wide", "square"] {
        let a = load2(name);
        for chunks in [[37, 7], [50, 300], [300, 5]] {
            let x = Array::from_ndarray(a.clone(), chunks).unwrap();
            for (label, ord) in orders {
                let got = linalg::matrix_norm(&x, ord).unwrap().compute().unwrap();
                let want = load(&format!("{name}_norm_{label}"));
                // The smallest singular value of a singular matrix is rounding noise.
                let tol = if label == "-2" && name == "rankdef" {
                    1e-13 * fro(&a.clone().into_dyn())
                } else {
                    1e-12
                };
                assert_close(&got, &want, tol, &format!("{name} {chunks:?} norm {label}"));
            }
            for (label, ord) in [
                ("1", 1.0),
                ("2", 2.0),
                ("3", 3.0),
                ("0", 0.0),
                ("inf", f64::INFINITY),
                ("-inf", f64::NEG_INFINITY),
                ("0.5", 0.5),
            ] {
                let got = linalg::vector_norm(&x, ord, 0).unwrap().compute().unwrap();
                assert_close(
                    &got,
                    &load(&format!("{name}_vnorm0_{label}")),
                    1e-13,
                    &format!("{name} vector norm {label}"),
                );
            }
            let n = linalg::norm(&x).unwrap().compute().unwrap();
            assert_close(&n, &load(&format!("{name}_norm_fro")), 1e-13, "norm");
            for offset in [-3i64, 0, 2] {
                let d = linalg::diagonal(&x, offset).unwrap().compute().unwrap();
                assert_eq!(
                    d,
                    load(&format!("{name}_diag_{offset}")),
                    "{name} diagonal {offset}"
                );
                let t = linalg::trace(&x, offset).unwrap().compute().unwrap();
                assert_close(&t, &load(&format!("{name}_trace_{offset}")), 1e-13, "trace");
            }
        }
    }
}

#[test]
fn square_routines_match_numpy() {
    let sq = load2("square");
    let rhs = load2("rhs");
    for c in [40, 13, 7] {
        let a = Array::from_ndarray(sq.clone(), [c, c]).unwrap();
        let b = Array::from_ndarray(rhs.clone(), [c, 2]).unwrap();
        assert_close(
            &linalg::det(&a).unwrap().compute().unwrap(),
            &load("square_det"),
            1e-12,
            "det",
        );
        let (sign, log) = linalg::slogdet(&a).unwrap();
        let want = load("square_slogdet");
        assert_eq!(sign.compute_scalar().unwrap(), want[0], "slogdet sign");
        assert!((log.compute_scalar().unwrap() - want[1]).abs() < 1e-12 * want[1].abs());
        let inv = linalg::inv(&a).unwrap();
        assert_eq!(inv.chunks(), a.chunks(), "inv is chunked as a");
        assert_close(&inv.compute().unwrap(), &load("square_inv"), 1e-11, "inv");
        let x = linalg::solve(&a, &b).unwrap().compute().unwrap();
        assert_close(&x, &load("square_solve"), 1e-11, "solve");
        let bv = Array::from_ndarray(rhs.column(0).to_owned(), c).unwrap();
        let xv = linalg::solve(&a, &bv).unwrap().compute().unwrap();
        assert_close(&xv, &load("square_solve_vec"), 1e-11, "solve vector");
        let p3 = linalg::matrix_power(&a, 3).unwrap().compute().unwrap();
        assert_close(&p3, &load("square_power_3"), 1e-12, "matrix_power 3");
        let pm2 = linalg::matrix_power(&a, -2).unwrap().compute().unwrap();
        assert_close(&pm2, &load("square_power_-2"), 1e-10, "matrix_power -2");
        let p0 = linalg::matrix_power(&a, 0).unwrap().compute().unwrap();
        assert_eq!(p0, Array2::<f64>::eye(40).into_dyn());
        let pinv = linalg::pinv(&Array::from_ndarray(sq.clone(), [40, c]).unwrap()).unwrap();
        assert_close(
            &pinv.compute().unwrap(),
            &load("square_pinv"),
            1e-10,
            "pinv of square",
        );
    }
}

#[test]
fn symmetric_and_triangular_routines_match_numpy() {
    let spd = load2("spd");
    let sym = load2("sym");
    let rhs = load2("rhs");
    for c in [40, 16, 9] {
        let a = Array::from_ndarray(spd.clone(), [c, c]).unwrap();
        let l = linalg::cholesky(&a).unwrap();
        assert_close(
            &l.compute().unwrap(),
            &load("spd_cholesky"),
            1e-13,
            &format!("cholesky {c}"),
        );
        // Columns chunked unlike rows: the rows' blocks are used for both.
        let a2 = Array::from_ndarray(spd.clone(), [c, 40]).unwrap();
        assert_close(
            &linalg::cholesky(&a2).unwrap().compute().unwrap(),
            &load("spd_cholesky"),
            1e-13,
            "cholesky, uneven",
        );
        let b = Array::from_ndarray(rhs.clone(), [c, 3]).unwrap();
        let lower = Array::from_ndarray(spd.clone(), [c, c]).unwrap();
        let xl = linalg::solve_triangular(&lower, &b, true)
            .unwrap()
            .compute()
            .unwrap();
        assert_close(&xl, &load("lower_solve"), 1e-12, "lower solve");
        let xu = linalg::solve_triangular(&lower, &b, false)
            .unwrap()
            .compute()
            .unwrap();
        assert_close(&xu, &load("upper_solve"), 1e-12, "upper solve");
        let s = Array::from_ndarray(sym.clone(), [c, c]).unwrap();
        let w = linalg::eigvalsh(&s).unwrap().compute().unwrap();
        assert_close(&w, &load("sym_eigvalsh"), 1e-12, "eigvalsh");
        let (w, v) = linalg::eigh(&s).unwrap();
        let out = tessera::compute_many(&[&w, &v]).unwrap();
        assert_close(&out[0], &load("sym_eigh_w"), 1e-12, "eigh values");
        let (wv, vv) = (
            out[0]
                .clone()
                .into_dimensionality::<ndarray::Ix1>()
                .unwrap(),
            mat(out[1].clone()),
        );
        let av = sym.dot(&vv);
        let vw = &vv * &wv;
        assert_close(&av.into_dyn(), &vw.into_dyn(), 1e-12, "A·V = V·diag(w)");
    }
}

#[test]
fn lstsq_matches_numpy_including_rank_deficient_matrices() {
    for (name, b) in [
        ("tall", "rhs_tall"),
        ("illcond", "rhs_tall"),
        ("rankdef", "rhs_rankdef"),
    ] {
        let a = load2(name);
        let (m, n) = a.dim();
        let bv = load2(b).slice(ndarray::s![..m, ..]).to_owned();
        for rows in [m, 50, 37] {
            let x = Array::from_ndarray(a.clone(), [rows, n]).unwrap();
            let y = Array::from_ndarray(bv.clone(), [rows, 1]).unwrap();
            let fit = linalg::lstsq(&x, &y).unwrap();
            let out = tessera::compute_many(&[&fit.solution, &fit.residuals, &fit.singular_values])
                .unwrap();
            let tol = if name == "illcond" { 1e-5 } else { 1e-11 };
            assert_close(
                &out[0],
                &load(&format!("{name}_lstsq_x")),
                tol,
                &format!("{name} lstsq x"),
            );
            assert_close(
                &out[2],
                &load(&format!("{name}_sv")),
                1e-12,
                "lstsq singular values",
            );
            let rank = fit.rank.compute_scalar().unwrap();
            assert_eq!(
                rank as f64,
                load(&format!("{name}_lstsq_rank"))[[]],
                "{name} rank"
            );
            // The residuals are those of the solution found.
            let xs = mat(out[0].clone());
            let r = &bv - &a.dot(&xs);
            let want: Vec<f64> = r.columns().into_iter().map(|c| c.dot(&c)).collect();
            assert_close(&out[1], &ndarray::arr1(&want).into_dyn(), 1e-9, "residuals");
        }
    }
}

#[test]
fn pinv_matches_numpy_for_tall_wide_and_rank_deficient() {
    for (name, chunks) in [
        ("tall", [50, 12]),
        ("rankdef", [37, 10]),
        ("wide", [12, 50]),
        ("illcond", [200, 10]),
    ] {
        let x = Array::from_ndarray(load2(name), chunks).unwrap();
        let p = linalg::pinv(&x).unwrap().compute().unwrap();
        let tol = if name == "illcond" { 1e-4 } else { 1e-11 };
        assert_close(
            &p,
            &load(&format!("{name}_pinv")),
            tol,
            &format!("{name} pinv"),
        );
    }
}

#[test]
fn singular_and_indefinite_matrices_are_clear_errors() {
    let singular = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [2.0, 4.0]]), 1).unwrap();
    for e in [
        linalg::inv(&singular).unwrap().compute().unwrap_err(),
        linalg::solve(&singular, &Array::<f64>::ones(&[2], 1).unwrap())
            .unwrap()
            .compute()
            .unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::LinAlg { msg, .. } if msg.contains("singular")),
            "{e}"
        );
    }
    let (sign, log) = linalg::slogdet(&singular).unwrap();
    assert_eq!(
        (
            sign.compute_scalar().unwrap(),
            log.compute_scalar().unwrap()
        ),
        (0.0, f64::NEG_INFINITY)
    );
    assert_eq!(
        linalg::det(&singular).unwrap().compute_scalar().unwrap(),
        0.0
    );
    let indefinite = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]]), 1).unwrap();
    let e = linalg::cholesky(&indefinite)
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(
        matches!(&e, Error::LinAlg { msg, .. } if msg.contains("not positive definite")),
        "{e}"
    );
    let zero_diag = Array::from_ndarray(ndarray::arr2(&[[0.0, 0.0], [1.0, 1.0]]), 1).unwrap();
    let e = linalg::solve_triangular(&zero_diag, &Array::<f64>::ones(&[2], 1).unwrap(), true)
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(matches!(&e, Error::LinAlg { .. }), "{e}");
    let rect = Array::<f64>::zeros(&[3, 2], 1).unwrap();
    for e in [
        linalg::inv(&rect).unwrap_err(),
        linalg::det(&rect).unwrap_err(),
        linalg::cholesky(&rect).unwrap_err(),
        linalg::eigh(&rect).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::Shape { msg, .. } if msg.contains("square")),
            "{e}"
        );
    }
    let nan = Array::from_ndarray(ndarray::arr2(&[[f64::NAN, 0.0], [0.0, 1.0]]), 1).unwrap();
    assert!(matches!(
        linalg::eigvalsh(&nan).unwrap().compute(),
        Err(Error::LinAlg { .. })
    ));
    let wrong_rhs = linalg::solve(
        &Array::<f64>::eye(3, 3, 0, 1).unwrap(),
        &Array::<f64>::ones(&[2], 1).unwrap(),
    );
    assert!(matches!(wrong_rhs, Err(Error::Shape { .. })));
}

#[test]
fn f32_factorizations_work() {
    let a = load2("tall").mapv(|v| v as f32);
    let x = Array::from_ndarray(a.clone(), [50, 12]).unwrap();
    let (q, r) = linalg::qr(&x).unwrap();
    let out = tessera::compute_many(&[&q, &r]).unwrap();
    let back = mat32(out[0].clone()).dot(&mat32(out[1].clone()));
    let err = (&back - &a).iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(err < 1e-4, "{err}");
}

fn mat32(a: ArrayD<f32>) -> Array2<f32> {
    a.into_dimensionality::<Ix2>().unwrap()
}

#[test]
fn tall_blocks_are_factored_in_cache_sized_pieces() {
    // Blocks of 7000 × 40 (and 13000 × 40) are factored piece by piece inside their tasks.
    let x = tessera::random::normal::<f64>(&[20_000, 40], [7000, 40], 9, 0.0, 1.0).unwrap();
    let a = mat(x.compute().unwrap());
    for rows in [20_000, 7000, 13_000] {
        let x = Array::from_ndarray(a.clone(), [rows, 40]).unwrap();
        let (q, r) = linalg::qr(&x).unwrap();
        let out = tessera::compute_many(&[&q, &r]).unwrap();
        let (qv, rv) = (mat(out[0].clone()), mat(out[1].clone()));
        let rel = fro(&(qv.dot(&rv) - &a).into_dyn()) / fro(&a.clone().into_dyn());
        assert!(rel < 1e-13, "rows {rows}: ‖A − QR‖/‖A‖ = {rel:e}");
        let orth = fro(&(qv.t().dot(&qv) - Array2::<f64>::eye(40)).into_dyn());
        assert!(orth < 1e-12, "rows {rows}: ‖QᵀQ − I‖ = {orth:e}");
        let (_, s, _) = linalg::svd(&x).unwrap();
        let s = s.compute().unwrap();
        let (_, s_one, _) =
            linalg::svd(&Array::from_ndarray(a.clone(), [20_000, 40]).unwrap()).unwrap();
        assert_close(
            &s,
            &s_one.compute().unwrap(),
            1e-13,
            "singular values across chunkings",
        );
    }
}

#[test]
fn solves_of_an_ill_conditioned_matrix_have_small_residuals() {
    // Condition number 1e10: the solution itself is only good to about 1e-6, but LU with
    // partial pivoting is backward stable, so the residual is at rounding level.
    let a = load2("illsq");
    let b = load2("rhs").slice(ndarray::s![..30, ..]).to_owned();
    for c in [30, 11, 4] {
        let x = Array::from_ndarray(a.clone(), [c, c]).unwrap();
        let y = Array::from_ndarray(b.clone(), [c, 3]).unwrap();
        let sol = mat(linalg::solve(&x, &y).unwrap().compute().unwrap());
        let resid = fro(&(a.dot(&sol) - &b).into_dyn())
            / (fro(&a.clone().into_dyn()) * fro(&sol.clone().into_dyn()));
        assert!(resid < 1e-14, "chunks {c}: relative residual {resid:e}");
        let inv = mat(linalg::inv(&x).unwrap().compute().unwrap());
        let left = fro(&(inv.dot(&a) - Array2::<f64>::eye(30)).into_dyn());
        assert!(left < 1e-4, "chunks {c}: ‖A⁻¹A − I‖ = {left:e}");
        let (sign, log) = linalg::slogdet(&x).unwrap();
        let want = load("illsq_slogdet");
        assert_eq!(sign.compute_scalar().unwrap(), want[0]);
        assert!((log.compute_scalar().unwrap() - want[1]).abs() < 1e-8 * want[1].abs());
        let s = linalg::matrix_norm(&x, MatrixNorm::NegTwo)
            .unwrap()
            .compute_scalar()
            .unwrap();
        let want_s = load("illsq_sv")[29];
        assert!(
            (s - want_s).abs() < 1e-4 * want_s,
            "smallest singular value {s:e} vs {want_s:e}"
        );
    }
}

mod chunking {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// QR and the singular values do not depend on the row chunking (to rounding: the
        /// tree's shape changes the order of the operations).
        #[test]
        fn qr_and_singular_values_do_not_depend_on_the_chunking(
            m in 20usize..90, n in 1usize..7, rows in 1usize..40, seed in 0u64..1000,
        ) {
            let x = tessera::random::normal::<f64>(&[m, n], [m, n], seed, 0.0, 1.0).unwrap();
            let a = mat(x.compute().unwrap());
            let chunked = Array::from_ndarray(a.clone(), [rows, n]).unwrap();
            let (q, r) = linalg::qr(&chunked).unwrap();
            let out = tessera::compute_many(&[&q, &r]).unwrap();
            let (qv, rv) = (mat(out[0].clone()), mat(out[1].clone()));
            let rel = fro(&(qv.dot(&rv) - &a).into_dyn()) / fro(&a.clone().into_dyn());
            prop_assert!(rel < 1e-13, "‖A − QR‖/‖A‖ = {:e}", rel);
            let orth = fro(&(qv.t().dot(&qv) - Array2::<f64>::eye(n)).into_dyn());
            prop_assert!(orth < 1e-12, "‖QᵀQ − I‖ = {:e}", orth);
            let s = linalg::svd(&chunked).unwrap().1.compute().unwrap();
            let whole = Array::from_ndarray(a, [m, n]).unwrap();
            let s1 = linalg::svd(&whole).unwrap().1.compute().unwrap();
            for (u, v) in s.iter().zip(s1.iter()) {
                prop_assert!((u - v).abs() <= 1e-12 * s1[0], "{} vs {}", u, v);
            }
        }
    }
}
