//! FFTs and complex arithmetic against NumPy, run on the same inputs in the test virtual
//! environment by `tests/interop/fft_reference.py`.
//!
//! Transforms are checked for every norm, both axes of a 2-d input and lengths cut and
//! padded, in two chunkings each (which must agree bit for bit), for `complex128` and
//! `complex64`; values within a small multiple of machine epsilon times the largest
//! magnitude (NumPy uses pocketfft, tessera rustfft, which round differently). Complex
//! arithmetic on special values (±0, ±inf, NaN, 1e300) must give NumPy's classes of
//! results (NaN where NumPy has NaN, the same infinities) and finite parts within a few ulp
//! of the larger part. A property test checks that transforms do not depend on the chunking.

mod common;

use common::python::{load_f32, load_f64, run_reference, TempDir};
use ndarray::{ArrayD, IxDyn, Zip};
use proptest::prelude::*;
use std::sync::OnceLock;
use tessera::{fftfreq, rfftfreq, Array, ChunkSpec, Complex, ComplexArray, FftNorm};

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("fft_reference.py", "fft-ref"))
}

fn real(name: &str) -> ArrayD<f64> {
    load_f64(reference(), name)
}

fn real32(name: &str) -> ArrayD<f32> {
    load_f32(reference(), name)
}

fn cplx(name: &str) -> ArrayD<Complex<f64>> {
    let (re, im) = (real(&format!("{name}_re")), real(&format!("{name}_im")));
    Zip::from(&re)
        .and(&im)
        .map_collect(|&r, &i| Complex::new(r, i))
}

fn cplx32(name: &str) -> ArrayD<Complex<f32>> {
    let (re, im) = (real32(&format!("{name}_re")), real32(&format!("{name}_im")));
    Zip::from(&re)
        .and(&im)
        .map_collect(|&r, &i| Complex::new(r, i))
}

/// A part of a result against NumPy's: the same NaN and infinity pattern, finite values
/// within `tol · scale`.
fn close(g: f64, w: f64, tol: f64) -> bool {
    if w.is_nan() || g.is_nan() {
        return w.is_nan() && g.is_nan();
    }
    if w.is_infinite() || g.is_infinite() {
        return w == g;
    }
    (g - w).abs() <= tol
}

fn scale(parts: impl Iterator<Item = f64>) -> f64 {
    parts
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(v.abs()))
}

fn assert_close_c<F: Into<f64> + Copy>(
    got: &ArrayD<Complex<F>>,
    want: &ArrayD<Complex<F>>,
    eps: f64,
    ctx: &str,
) {
    assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
    let s = scale(want.iter().flat_map(|c| [c.re.into(), c.im.into()]));
    for (k, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        let ok =
            close(g.re.into(), w.re.into(), eps * s) && close(g.im.into(), w.im.into(), eps * s);
        assert!(
            ok,
            "{ctx}: element {k}: got {}{:+}i, want {}{:+}i",
            g.re.into(),
            g.im.into(),
            w.re.into(),
            w.im.into()
        );
    }
}

fn assert_close_r<F: Into<f64> + Copy>(got: &ArrayD<F>, want: &ArrayD<F>, eps: f64, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
    let s = scale(want.iter().map(|&v| v.into()));
    for (k, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
        assert!(
            close(g.into(), w.into(), eps * s),
            "{ctx}: element {k}: got {}, want {}",
            g.into(),
            w.into()
        );
    }
}

/// Two chunkings of a 2-d input of `shape`: small uneven blocks, and one block.
fn chunkings(shape: &[usize]) -> [ChunkSpec; 2] {
    [
        ChunkSpec::PerAxis(shape.iter().map(|&n| n.div_ceil(3).max(1)).collect()),
        ChunkSpec::PerAxis(shape.to_vec()),
    ]
}

const NORMS: [(&str, FftNorm); 3] = [
    ("backward", FftNorm::Backward),
    ("ortho", FftNorm::Ortho),
    ("forward", FftNorm::Forward),
];
const LENGTHS: [Option<usize>; 3] = [None, Some(4), Some(13)];
const EPS64: f64 = 1e-13;
const EPS32: f64 = 2e-6;

fn tag(norm: &str, axis: usize, n: Option<usize>) -> String {
    match n {
        Some(n) => format!("{norm}_{axis}_{n}"),
        None => format!("{norm}_{axis}_None"),
    }
}

/// Computes `f` of the input in both chunkings, asserting that they agree bit for bit.
fn both<T: PartialEq + std::fmt::Debug>(
    shape: &[usize],
    f: impl Fn(&ChunkSpec) -> tessera::Result<ArrayD<T>>,
) -> ArrayD<T> {
    let [a, b] = chunkings(shape);
    let x = f(&a).unwrap();
    assert_eq!(x, f(&b).unwrap(), "the result depends on the chunking");
    x
}

#[test]
fn one_dimensional_transforms_match_numpy() {
    let z2 = cplx("z2");
    let r2 = real("r2");
    for (name, norm) in NORMS {
        for axis in 0..2 {
            for n in LENGTHS {
                let t = tag(name, axis, n);
                let z = |c: &ChunkSpec| ComplexArray::from_ndarray(&z2, c.clone());
                let got = both(&[6, 10], |c| z(c)?.fft(n, axis, norm)?.compute());
                assert_close_c(
                    &got,
                    &cplx(&format!("fft_z2_{t}")),
                    EPS64,
                    &format!("fft {t}"),
                );
                let got = both(&[6, 10], |c| z(c)?.ifft(n, axis, norm)?.compute());
                assert_close_c(
                    &got,
                    &cplx(&format!("ifft_z2_{t}")),
                    EPS64,
                    &format!("ifft {t}"),
                );
                let got = both(&[6, 10], |c| z(c)?.irfft(n, axis, norm)?.compute());
                assert_close_r(
                    &got,
                    &real(&format!("irfft_z2_{t}")),
                    EPS64,
                    &format!("irfft {t}"),
                );
                let got = both(&[7, 12], |c| {
                    Array::from_ndarray(r2.clone(), c.clone())?
                        .rfft(n, axis, norm)?
                        .compute()
                });
                assert_close_c(
                    &got,
                    &cplx(&format!("rfft_r2_{t}")),
                    EPS64,
                    &format!("rfft {t}"),
                );
            }
        }
    }
}

#[test]
fn single_precision_transforms_match_numpy() {
    let z2 = cplx32("z2f");
    let r2 = real32("r2f");
    for (name, norm) in NORMS {
        for axis in 0..2 {
            for n in LENGTHS {
                let t = tag(name, axis, n);
                let got = both(&[6, 10], |c| {
                    ComplexArray::from_ndarray(&z2, c.clone())?
                        .fft(n, axis, norm)?
                        .compute()
                });
                assert_close_c(
                    &got,
                    &cplx32(&format!("fft_z2f_{t}")),
                    EPS32,
                    &format!("f32 fft {t}"),
                );
                let got = both(&[7, 12], |c| {
                    Array::from_ndarray(r2.clone(), c.clone())?
                        .rfft(n, axis, norm)?
                        .compute()
                });
                assert_close_c(
                    &got,
                    &cplx32(&format!("rfft_r2f_{t}")),
                    EPS32,
                    &format!("f32 rfft {t}"),
                );
            }
        }
    }
}

#[test]
fn multi_dimensional_transforms_match_numpy() {
    let z3 = cplx("z3");
    let z = |c: &ChunkSpec| ComplexArray::from_ndarray(&z3, c.clone());
    let shape = [4, 5, 8];
    let b = FftNorm::Backward;
    let got = both(&shape, |c| z(c)?.fft2(None, None, b)?.compute());
    assert_close_c(&got, &cplx("fft2_z3"), EPS64, "fft2");
    let got = both(&shape, |c| {
        z(c)?.ifft2(Some([3, 9]), Some([0, 2]), b)?.compute()
    });
    assert_close_c(&got, &cplx("ifft2_z3_axes02_s"), EPS64, "ifft2 s axes");
    let got = both(&shape, |c| z(c)?.fftn(None, None, b)?.compute());
    assert_close_c(&got, &cplx("fftn_z3"), EPS64, "fftn");
    let got = both(&shape, |c| z(c)?.fftn(Some(&[6, 4]), None, b)?.compute());
    assert_close_c(&got, &cplx("fftn_z3_s"), EPS64, "fftn s");
    let got = both(&shape, |c| {
        z(c)?.ifftn(None, None, FftNorm::Ortho)?.compute()
    });
    assert_close_c(&got, &cplx("ifftn_z3_ortho"), EPS64, "ifftn ortho");
    let r2 = real("r2");
    let got = both(&[7, 12], |c| {
        Array::from_ndarray(r2.clone(), c.clone())?
            .fft(None, 1, b)?
            .compute()
    });
    assert_close_c(&got, &cplx("fft_r2_real"), EPS64, "fft of real input");
    // Shifts are exact.
    let got = both(&shape, |c| z(c)?.fftshift(None)?.compute());
    assert_eq!(got, cplx("fftshift_z3"));
    let got = both(&shape, |c| z(c)?.ifftshift(Some(&[1]))?.compute());
    assert_eq!(got, cplx("ifftshift_z3_1"));
}

#[test]
fn frequencies_match_numpy() {
    for (n, d) in [(8, 1.0), (9, 0.25), (1, 2.0)] {
        assert_eq!(
            fftfreq(n, d, 3).unwrap().compute().unwrap(),
            real(&format!("fftfreq_{n}")),
            "fftfreq {n}"
        );
        assert_eq!(
            rfftfreq(n, d, 2).unwrap().compute().unwrap(),
            real(&format!("rfftfreq_{n}")),
            "rfftfreq {n}"
        );
    }
}

#[test]
fn complex_arithmetic_matches_numpy() {
    let (w, v) = (cplx("w"), cplx("v"));
    for chunks in [7usize, 40] {
        let a = ComplexArray::from_ndarray(&w, chunks).unwrap();
        let b = ComplexArray::from_ndarray(&v, 40 - chunks + 3).unwrap();
        let ulp = 4.0 * f64::EPSILON;
        let rel = |got: &ArrayD<Complex<f64>>, want: &ArrayD<Complex<f64>>, ctx: &str| {
            // Normwise: each part within a few ulp of the larger part (a product's parts can
            // cancel, and NumPy may contract them with fused multiply-adds).
            for (k, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                let m = w.re.abs().max(w.im.abs());
                let ok = close(g.re, w.re, ulp * m) && close(g.im, w.im, ulp * m);
                assert!(ok, "{ctx} element {k}: got {g}, want {w}");
            }
        };
        rel(&(&a + &b).compute().unwrap(), &cplx("add"), "add");
        rel(&(&a - &b).compute().unwrap(), &cplx("sub"), "sub");
        rel(&(&a * &b).compute().unwrap(), &cplx("mul"), "mul");
        rel(&(&a / &b).compute().unwrap(), &cplx("div"), "div");
        let vr = Array::from_ndarray(v.mapv(|c| c.re), 6).unwrap();
        rel(
            &a.try_div(&vr).unwrap().compute().unwrap(),
            &cplx("div_real"),
            "div by real",
        );
        rel(
            &(&a * Complex::new(2.0, -0.5)).compute().unwrap(),
            &cplx("mul_scalar"),
            "mul scalar",
        );
        // Within 2 ulp of each value (libm and NumPy round differently).
        for (name, got) in [("abs", a.abs()), ("angle", a.angle())] {
            let want = real(name);
            for (k, (&g, &w)) in got.compute().unwrap().iter().zip(want.iter()).enumerate() {
                assert!(
                    close(g, w, 2.0 * f64::EPSILON * w.abs()),
                    "{name} element {k}: got {g}, want {w}"
                );
            }
        }
        assert_eq!(
            a.conj().compute().unwrap().mapv(|c| c.im.to_bits()),
            cplx("conj").mapv(|c| c.im.to_bits())
        );
    }
    let z3 = cplx("z3");
    let z = ComplexArray::from_ndarray(&z3, vec![3, 2, 5]).unwrap();
    assert_close_c(
        &z.sum(1).unwrap().compute().unwrap(),
        &cplx("sum_z3_1"),
        EPS64,
        "sum",
    );
    let m = z.mean(..).unwrap().compute_scalar().unwrap();
    let want = cplx("mean_z3");
    let want = want.iter().next().copied().unwrap();
    assert!((m - want).norm() < 1e-15, "mean {m} want {want}");
}

#[test]
fn bad_arguments_are_refused() {
    let x = Array::<f64>::ones(&[4, 3], 2).unwrap();
    let e = x
        .rfft(Some(0), 0, FftNorm::Backward)
        .unwrap_err()
        .to_string();
    assert!(e.contains("rfft") && e.contains("(0)"), "{e}");
    assert!(x.fft(None, 2, FftNorm::Backward).is_err());
    assert!(fftfreq(0, 1.0, 1).is_err());
    let y = Array::<f64>::ones(&[3, 4], 2).unwrap();
    let e = ComplexArray::from_parts(&x, &y).unwrap_err().to_string();
    assert!(e.contains("[4, 3]") && e.contains("[3, 4]"), "{e}");
    let z = ComplexArray::from_real(&x).unwrap();
    assert!(z
        .fftn(Some(&[4]), Some(&[0, 1]), FftNorm::Backward)
        .is_err());
    let empty = Array::<f64>::zeros(&[0], 1).unwrap();
    assert!(empty.fft(None, 0, FftNorm::Backward).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn transforms_do_not_depend_on_chunking(
        rows in 1usize..9, cols in 1usize..17, cr in 1usize..5, cc in 1usize..7,
        axis in 0usize..2, n in proptest::option::of(1usize..20),
    ) {
        let data = ArrayD::from_shape_fn(IxDyn(&[rows, cols]), |i| {
            Complex::new((i[0] * 31 + i[1] * 7) as f64 % 11.0 - 5.0, (i[0] + 2 * i[1]) as f64 % 5.0)
        });
        let one = ComplexArray::from_ndarray(&data, vec![rows, cols]).unwrap();
        let many = ComplexArray::from_ndarray(&data, vec![cr, cc]).unwrap();
        let norm = FftNorm::Ortho;
        prop_assert_eq!(one.fft(n, axis, norm).unwrap().compute().unwrap(),
                        many.fft(n, axis, norm).unwrap().compute().unwrap());
        let m = Some(n.unwrap_or(3));
        prop_assert_eq!(one.irfft(m, axis, norm).unwrap().compute().unwrap(),
                        many.irfft(m, axis, norm).unwrap().compute().unwrap());
        // A round trip returns the input.
        let back = many.fft(None, axis, norm).unwrap().ifft(None, axis, norm).unwrap().compute().unwrap();
        for (g, w) in back.iter().zip(data.iter()) {
            prop_assert!((g - w).norm() < 1e-12);
        }
    }
}
