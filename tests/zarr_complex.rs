//! Complex Zarr arrays (`complex64`, `complex128`) against zarr-python
//! (`tests/interop/complex_stores.py`): stores zarr-python wrote (v2 and v3; blosc, zstd,
//! none; sharded) read by `open_zarr_complex` bit for bit, including NaN, infinities and
//! `-0.0`; stores tessera wrote (v2 and v3, compressed, sharded, uneven edge chunks) read
//! back by zarr-python with the right dtype, shape, chunks and values; and the errors for
//! reading a complex store as real or with the wrong part type.

mod common;

use common::python::{load_f32, load_f64, run_py, script, TempDir};
use ndarray::{ArrayD, IxDyn, Zip};
use serde_json::Value;
use tessera::zarr::{self, Compression, WriteOptions, ZarrFormat};
use tessera::{Array, Complex, ComplexArray};

fn planes_f64(dir: &TempDir, name: &str) -> ArrayD<Complex<f64>> {
    let re = load_f64(dir, &format!("{name}_re"));
    let im = load_f64(dir, &format!("{name}_im"));
    Zip::from(&re)
        .and(&im)
        .map_collect(|&r, &i| Complex::new(r, i))
}

fn planes_f32(dir: &TempDir, name: &str) -> ArrayD<Complex<f32>> {
    let (re, im) = (
        load_f32(dir, &format!("{name}_re")),
        load_f32(dir, &format!("{name}_im")),
    );
    Zip::from(&re)
        .and(&im)
        .map_collect(|&r, &i| Complex::new(r, i))
}

/// Bit patterns, so that NaN equals NaN and -0.0 differs from 0.0.
fn bits64(a: &ArrayD<Complex<f64>>) -> Vec<(u64, u64)> {
    a.iter().map(|c| (c.re.to_bits(), c.im.to_bits())).collect()
}

fn bits32(a: &ArrayD<Complex<f32>>) -> Vec<(u32, u32)> {
    a.iter().map(|c| (c.re.to_bits(), c.im.to_bits())).collect()
}

#[test]
fn stores_written_by_zarr_python_read_exactly() {
    let dir = TempDir::new("complex-read");
    let out = run_py(
        script("complex_stores.py"),
        &["write".as_ref(), dir.path().as_os_str()],
    );
    assert_eq!(out.trim(), "ok");
    for name in ["c128_v3_zstd", "c128_v3_sharded", "c128_v2_blosc"] {
        let z = zarr::open_zarr_complex::<f64>(dir.join(name)).unwrap();
        let want = planes_f64(&dir, name);
        let got = z.compute().unwrap();
        assert_eq!(got.shape(), want.shape(), "{name}");
        assert_eq!(bits64(&got), bits64(&want), "{name}");
        // Rechunked on opening, and only the real plane of a slice.
        let opts = zarr::ReadOptions::default().chunks(vec![3, 2]);
        let z = zarr::open_zarr_complex_with::<f64>(dir.join(name), &opts).unwrap();
        let re = z.real().slice(&[1..4, 2..5]).unwrap().compute().unwrap();
        assert_eq!(
            re,
            want.slice(ndarray::s![1..4, 2..5])
                .mapv(|c| c.re)
                .into_dyn(),
            "{name}"
        );
    }
    for name in ["c64_v3_blosc", "c64_v2_none"] {
        let z = zarr::open_zarr_complex::<f32>(dir.join(name)).unwrap();
        let want = planes_f32(&dir, name);
        assert_eq!(bits32(&z.compute().unwrap()), bits32(&want), "{name}");
    }
    // The wrong part type, or opening as a real array, is refused with a clear error.
    let e = zarr::open_zarr_complex::<f32>(dir.join("c128_v3_zstd"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("complex128") && e.contains("complex64"), "{e}");
    let e = zarr::open_zarr_any(dir.join("c128_v3_zstd"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("open_zarr_complex"), "{e}");
    assert!(zarr::open_zarr::<f64>(dir.join("c128_v3_zstd")).is_err());
    let real = dir.join("real");
    let x = Array::<f64>::ones(&[4], 2).unwrap();
    zarr::to_zarr(&x, &real, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let e = zarr::open_zarr_complex::<f64>(&real)
        .unwrap_err()
        .to_string();
    assert!(e.contains("float64"), "{e}");
}

#[test]
fn stores_written_by_tessera_read_in_zarr_python() {
    let dir = TempDir::new("complex-write");
    let shape = [9usize, 7];
    let data = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
        Complex::new(i[0] as f64 - 3.5, (i[1] * i[0]) as f64 * 0.25 - 1.0)
    });
    let mut data = data;
    data[[0, 0]] = Complex::new(f64::NAN, f64::NEG_INFINITY);
    data[[8, 6]] = Complex::new(-0.0, 1e300);
    let z = ComplexArray::from_ndarray(&data, vec![4, 3]).unwrap();
    let z32 =
        ComplexArray::from_parts(&z.real().astype::<f32>(), &z.imag().astype::<f32>()).unwrap();
    let zstd = Compression::Zstd { level: 3 };
    let cases: Vec<(&str, WriteOptions)> = vec![
        (
            "v3_zstd",
            WriteOptions::default().compression(zstd).chunks(vec![4, 5]),
        ),
        (
            "v3_sharded",
            WriteOptions::default()
                .shards(vec![4, 7])
                .chunks(vec![2, 7]),
        ),
        ("v3_default", WriteOptions::default()),
        (
            "v2_blosc",
            WriteOptions::default()
                .format(ZarrFormat::V2)
                .chunks(vec![5, 2]),
        ),
    ];
    let mut paths = Vec::new();
    for (name, opts) in &cases {
        let p = dir.join(format!("c128_{name}"));
        zarr::to_zarr_complex(&z, &p, opts.clone())
            .unwrap()
            .compute()
            .unwrap();
        paths.push(p);
        let p = dir.join(format!("c64_{name}"));
        zarr::to_zarr_complex(&z32, &p, opts.clone())
            .unwrap()
            .compute()
            .unwrap();
        paths.push(p);
    }
    let out_dir = TempDir::new("complex-check");
    let mut args = vec!["check".as_ref(), out_dir.path().as_os_str()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    let report: Value = serde_json::from_str(&run_py(script("complex_stores.py"), &args)).unwrap();
    let want32 = data.mapv(|c| Complex::new(c.re as f32, c.im as f32));
    for (k, p) in paths.iter().enumerate() {
        let r = &report[k];
        let (name, opts) = &cases[k / 2];
        assert_eq!(r["shape"], serde_json::json!(shape), "{name}");
        let v2 = opts.format == ZarrFormat::V2;
        assert_eq!(r["format"], if v2 { 2 } else { 3 }, "{name}");
        if let Some(c) = &opts.chunks {
            assert_eq!(r["chunks"], serde_json::json!(c), "{name}");
        }
        if k % 2 == 0 {
            assert_eq!(r["dtype"], "complex128", "{name}");
            assert_eq!(
                bits64(&planes_f64(&out_dir, &k.to_string())),
                bits64(&data),
                "{name}"
            );
            // And tessera reads its own store back.
            let back = zarr::open_zarr_complex::<f64>(p)
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(bits64(&back), bits64(&data), "{name}");
        } else {
            assert_eq!(r["dtype"], "complex64", "{name}");
            assert_eq!(
                bits32(&planes_f32(&out_dir, &k.to_string())),
                bits32(&want32),
                "{name}"
            );
        }
    }
    // A non-zero fill value is refused (complex stores are written with 0).
    let e = zarr::to_zarr_complex(&z, dir.join("bad"), WriteOptions::default().fill_value(1.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("fill value"), "{e}");
}
