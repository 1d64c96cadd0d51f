//! Zarr v2 writes, store metadata on opened arrays, and `WriteOptions::like`.
//!
//! tessera writes Zarr v2 stores with every v2 compressor (blosc with each inner
//! compressor and shuffle, zstd, gzip, none) and both dimension separators; zarr-python
//! (`tests/interop/check_store.py`) reads every one back: format, dtype, shape, chunks,
//! fill value, attributes (dimension names in `_ARRAY_DIMENSIONS`, as xarray writes them),
//! compressor, separator and values must be what was written. Fill values keep their exact
//! type (a `u64` fill above 2^53, NaN and infinities) in both formats.

mod common;

use common::python::{assert_npy_eq, nd_to_npy, read_npy, run_py, script, LeBytes, Npy, TempDir};
use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Value};
use std::path::PathBuf;
use tessera::zarr::{
    self, BloscCompressor, Compression, DimensionSeparator, ReadOptions, Shuffle, WriteOptions,
    ZarrFormat,
};
use tessera::{AnyArray, Array, ChunkSpec, Error, Scalar};

/// One store written by tessera, and what zarr-python must report for it.
struct Case {
    path: PathBuf,
    values: Npy,
    chunks: Vec<usize>,
    fill: Value,
    compressor: Value,
    separator: &'static str,
    attributes: Value,
}

fn random<T: common::Gen>(seed: u64, shape: &[usize]) -> ArrayD<T> {
    common::random_nd::<T>(&mut common::Rng::new(seed), shape, 0.1)
}

#[allow(clippy::too_many_arguments)]
fn write_v2<T: LeBytes>(
    dir: &TempDir,
    name: &str,
    values: ArrayD<T>,
    read_chunks: impl Into<ChunkSpec>,
    chunks: &[usize],
    opts: WriteOptions,
    fill: Value,
    compressor: Value,
) -> Case
where
    AnyArray: From<Array<T>>,
{
    let path = dir.join(name);
    let x = Array::from_ndarray(values.clone(), read_chunks).unwrap();
    let separator = match opts.dimension_separator {
        Some(DimensionSeparator::Slash) => "/",
        _ => ".",
    };
    let mut attributes = Value::Object(opts.attributes.clone());
    if let Some(names) = &opts.dimension_names {
        attributes["_ARRAY_DIMENSIONS"] = json!(names);
    }
    let opts = opts.format(ZarrFormat::V2).chunks(chunks.to_vec());
    zarr::to_zarr(&x, &path, opts)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .compute()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    Case {
        path,
        values: nd_to_npy(&values),
        chunks: chunks.to_vec(),
        fill,
        compressor,
        separator,
        attributes,
    }
}

#[test]
fn zarr_python_reads_every_v2_combination() {
    let dir = TempDir::new("v2-write");
    let blosc = |compressor, level, shuffle| Compression::Blosc {
        compressor,
        level,
        shuffle,
    };
    let compressions: Vec<(Compression, Value)> = vec![
        (Compression::None, Value::Null),
        (
            blosc(BloscCompressor::Zstd, 3, Shuffle::Byte),
            json!({"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 1}),
        ),
        (
            blosc(BloscCompressor::Lz4, 5, Shuffle::Bit),
            json!({"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 2}),
        ),
        (
            blosc(BloscCompressor::Lz4hc, 9, Shuffle::None),
            json!({"id": "blosc", "cname": "lz4hc", "clevel": 9, "shuffle": 0}),
        ),
        (
            blosc(BloscCompressor::Zlib, 1, Shuffle::Byte),
            json!({"id": "blosc", "cname": "zlib", "clevel": 1}),
        ),
        (
            blosc(BloscCompressor::BloscLz, 2, Shuffle::Byte),
            json!({"id": "blosc", "cname": "blosclz", "clevel": 2}),
        ),
        (
            Compression::Zstd { level: 5 },
            json!({"id": "zstd", "level": 5}),
        ),
        (
            Compression::Gzip { level: 6 },
            json!({"id": "gzip", "level": 6}),
        ),
    ];
    let mut cases = Vec::new();
    for (k, (c, want)) in compressions.iter().enumerate() {
        for sep in [DimensionSeparator::Dot, DimensionSeparator::Slash] {
            let name = format!("c{k}_{sep:?}");
            let opts = WriteOptions::default()
                .compression(*c)
                .dimension_separator(sep);
            // Element types rotate through the combinations; shapes have edge chunks.
            let case = match k % 4 {
                0 => write_v2(
                    &dir,
                    &name,
                    random::<f64>(k as u64, &[13, 9]),
                    [5, 4],
                    &[5, 4],
                    opts.fill_value(f64::NAN)
                        .dimension_names(["y", "x"])
                        .attribute("units", "K"),
                    json!("NaN"),
                    want.clone(),
                ),
                1 => write_v2(
                    &dir,
                    &name,
                    random::<i32>(k as u64, &[4, 5, 6]),
                    [2, 5, 3],
                    &[3, 2, 4],
                    opts.fill_value(-7i32),
                    json!(-7),
                    want.clone(),
                ),
                2 => write_v2(
                    &dir,
                    &name,
                    random::<u64>(k as u64, &[11]),
                    4,
                    &[4],
                    opts.fill_value(u64::MAX - 2),
                    json!(u64::MAX - 2),
                    want.clone(),
                ),
                _ => write_v2(
                    &dir,
                    &name,
                    random::<bool>(k as u64, &[6, 7]),
                    [6, 7],
                    &[4, 4],
                    opts.attribute("flags", json!([1, 2])),
                    json!(false),
                    want.clone(),
                ),
            };
            cases.push(case);
        }
    }
    // Other element types once each, and a 0-d array.
    cases.push(write_v2(
        &dir,
        "f32_inf",
        random::<f32>(40, &[10]),
        3,
        &[3],
        WriteOptions::default().fill_value(f32::NEG_INFINITY),
        json!("-Infinity"),
        json!({"id": "blosc", "cname": "zstd"}),
    ));
    for (name, case) in [
        (
            "i8",
            write_v2(
                &dir,
                "i8",
                random::<i8>(41, &[9]),
                4,
                &[4],
                WriteOptions::default(),
                json!(0),
                json!({"id": "blosc"}),
            ),
        ),
        (
            "u16",
            write_v2(
                &dir,
                "u16",
                random::<u16>(42, &[3, 3]),
                2,
                &[2, 2],
                WriteOptions::default().fill_value(9u16),
                json!(9),
                json!({"id": "blosc"}),
            ),
        ),
        (
            "i64_zero_d",
            write_v2(
                &dir,
                "i64_zero_d",
                ArrayD::from_elem(IxDyn(&[]), -3i64),
                ChunkSpec::Uniform(1),
                &[],
                WriteOptions::default(),
                json!(0),
                json!({"id": "blosc"}),
            ),
        ),
    ] {
        assert!(case.path.ends_with(name));
        cases.push(case);
    }

    let out = dir.join("py-out");
    let mut args: Vec<PathBuf> = vec![out.clone()];
    args.extend(cases.iter().map(|c| c.path.clone()));
    let stdout = run_py(script("check_store.py"), &args);
    let got: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("check_store.py printed no JSON ({e}):\n{stdout}"));
    assert_eq!(got.len(), cases.len());
    for (k, (c, g)) in cases.iter().zip(&got).enumerate() {
        let ctx = c.path.display().to_string();
        assert_eq!(g["node_type"], "array", "{ctx}");
        assert_eq!(g["zarr_format"], 2, "{ctx}");
        assert_eq!(
            g["chunks"].as_array().unwrap().len(),
            c.chunks.len(),
            "{ctx}"
        );
        for (a, b) in g["chunks"].as_array().unwrap().iter().zip(&c.chunks) {
            assert_eq!(a.as_u64(), Some(*b as u64), "{ctx}: chunks");
        }
        assert_eq!(g["fill_value"], c.fill, "{ctx}: fill value");
        assert_eq!(g["attributes"], c.attributes, "{ctx}: attributes");
        assert_eq!(g["dimension_separator"], c.separator, "{ctx}: separator");
        let comps = g["compressors"].as_array().unwrap();
        if c.compressor.is_null() {
            assert!(comps.is_empty(), "{ctx}: compressors {comps:?}");
        } else {
            assert_eq!(comps.len(), 1, "{ctx}: compressors {comps:?}");
            let want = c.compressor.as_object().unwrap();
            for (key, v) in want {
                let got_v = if key == "id" {
                    &comps[0]["name"]
                } else {
                    &comps[0]["configuration"][key]
                };
                assert_eq!(got_v, v, "{ctx}: compressor {key}");
            }
        }
        let values = read_npy(out.join(format!("{k}.npy")));
        assert_npy_eq(&values, &c.values, &ctx);
        // The chunk keys use the separator asked for (a 0-d array's only chunk is "0").
        if c.chunks.len() >= 2 {
            let nested = c.path.join("0").join("0").exists();
            let flat = c.path.join("0.0").exists() || c.path.join("0.0.0").exists();
            assert_eq!(
                (nested, flat),
                (c.separator == "/", c.separator == "."),
                "{ctx}"
            );
        }
    }
}

#[test]
fn v2_stores_reopen_with_their_metadata_and_resume() {
    let dir = TempDir::new("v2-meta");
    let x = Array::<u64>::from_ndarray(random::<u64>(7, &[8, 6]), [3, 4]).unwrap();
    let opts = WriteOptions::default()
        .format(ZarrFormat::V2)
        .fill_value(u64::MAX)
        .dimension_names(["t", "x"])
        .attribute("title", "counts");
    let path = dir.join("a");
    let r = zarr::to_zarr(&x, &path, opts.clone().resume(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_skipped), (6, 0));
    // A finished v2 array is found complete by a resumed write.
    let r = zarr::to_zarr(&x, &path, opts.clone().resume(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_skipped), (0, 6));
    // An unfinished one (metadata not yet written, one chunk missing) is completed.
    // The pending record holds the v2 metadata with its attributes inside.
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(path.join(name)).unwrap()).unwrap()
    };
    let mut intended = read(".zarray");
    intended["attributes"] = read(".zattrs");
    std::fs::remove_file(path.join(".zarray")).unwrap();
    std::fs::remove_file(path.join(".zattrs")).unwrap();
    std::fs::remove_file(path.join("1.1")).unwrap();
    let pending = serde_json::to_vec(&intended).unwrap();
    std::fs::write(path.join(".tessera-pending.json"), pending).unwrap();
    let r = zarr::to_zarr(&x, &path, opts.clone().resume(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_skipped), (1, 5));

    let back = zarr::open_zarr::<u64>(&path).unwrap();
    assert_eq!(back.compute().unwrap(), x.compute().unwrap());
    let m = back.store_metadata().unwrap();
    assert_eq!(m.format, ZarrFormat::V2);
    assert_eq!(m.fill_value, Scalar::U64(u64::MAX));
    assert_eq!(
        m.dimension_names,
        Some(vec![Some("t".to_string()), Some("x".to_string())])
    );
    // The dimension-name attribute became dimension names.
    assert_eq!(
        m.attributes,
        json!({"title": "counts"}).as_object().cloned().unwrap()
    );
    // Rechunked or sliced (all axes kept) it still describes the store; reduced it does not.
    let re = zarr::open_zarr_with::<u64>(&path, &ReadOptions::default().chunks([2, 2])).unwrap();
    assert_eq!(
        re.store_metadata().unwrap().fill_value,
        Scalar::U64(u64::MAX)
    );
    assert!(back
        .slice(&[1..5, 0..6])
        .unwrap()
        .store_metadata()
        .is_some());
    assert!(back.sum(0).unwrap().store_metadata().is_none());

    // `like` copies format, fill value, names and attributes into a rewrite.
    let doubled = &back + 1;
    let out = dir.join("b");
    zarr::to_zarr(&doubled, &out, WriteOptions::default().like(&back))
        .unwrap()
        .compute()
        .unwrap();
    assert!(out.join(".zarray").is_file());
    let b = zarr::open_zarr::<u64>(&out).unwrap();
    assert_eq!(*b.store_metadata().unwrap(), *m);
    // And from v2 into v3, the names become v3 dimension names.
    let out3 = dir.join("c");
    zarr::to_zarr(
        &back,
        &out3,
        WriteOptions::default().like(&back).format(ZarrFormat::V3),
    )
    .unwrap()
    .compute()
    .unwrap();
    let c = zarr::open_zarr_any(&out3).unwrap();
    let mc = c.store_metadata().unwrap();
    assert_eq!(mc.format, ZarrFormat::V3);
    assert_eq!(mc.dimension_names, m.dimension_names);
    assert_eq!(mc.fill_value, Scalar::U64(u64::MAX));
    assert_eq!(mc.attributes, m.attributes);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(out3.join("zarr.json")).unwrap()).unwrap();
    assert_eq!(meta["fill_value"], json!(u64::MAX));
    // An array not opened from a store leaves the options unchanged.
    let plain = WriteOptions::default().like(&Array::<f64>::zeros(&[2], 2).unwrap());
    assert_eq!(plain.fill_value, None);
    assert_eq!(plain.format, ZarrFormat::V3);
}

#[test]
fn bad_v2_and_fill_options_are_refused() {
    let dir = TempDir::new("v2-bad");
    let x = Array::<u8>::zeros(&[10], 5).unwrap();
    let e =
        zarr::to_zarr(&x, dir.join("a"), WriteOptions::default().fill_value(-1i32)).unwrap_err();
    assert!(matches!(e, Error::Store { .. }), "{e}");
    assert!(e.to_string().contains("fill value -1"), "{e}");
    let e = zarr::to_zarr(&x, dir.join("b"), WriteOptions::default().fill_value(0.5)).unwrap_err();
    assert!(e.to_string().contains("uint8"), "{e}");
    let e = zarr::to_zarr(
        &x,
        dir.join("c"),
        WriteOptions::default()
            .format(ZarrFormat::V2)
            .shards([10])
            .chunks([5]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("shards need Zarr v3"), "{e}");
    assert!(!dir.join("c").exists());
    // An integer-valued float fill converts exactly.
    zarr::to_zarr(&x, dir.join("d"), WriteOptions::default().fill_value(200.0))
        .unwrap()
        .compute()
        .unwrap();
    let d = zarr::open_zarr::<u8>(dir.join("d")).unwrap();
    assert_eq!(d.store_metadata().unwrap().fill_value, Scalar::U8(200));
}
