//! Interoperability with the reference Zarr implementation, zarr-python (>= 3).
//!
//! - zarr-python writes stores (`tests/interop/write_stores.py`: Zarr v2 and v3, every
//!   element type, blosc/zstd/gzip/crc32c/no compression, edge chunks, missing chunks with a
//!   non-zero fill value, sharding, Fortran order, big-endian, transpose, a group with
//!   attributes and dimension names) and saves the values as `.npy`; tessera must read
//!   exactly those values (bit for bit, NaNs included), whatever its read chunking or slice,
//!   and `info` must report what zarr-python wrote.
//! - tessera writes stores and zarr-python reads them (`tests/interop/check_store.py`): the
//!   values, dtype, shape, chunks, shards, fill value, attributes, dimension names and codecs
//!   must be what was asked for.
//!
//! The Python environment is created once (see `tests/common/python.rs`).

mod common;

use common::python::{
    assert_npy_eq, compute_npy, files_below, nd_to_npy, read_npy, run_py, script, slice_any,
    LeBytes, Npy, TempDir,
};
use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Map, Value};
use std::ops::Range;
use std::path::{Path, PathBuf};
use tessera::zarr::{
    self, BloscCompressor, Compression, MissingChunks, NodeInfo, NodeKind, ReadOptions, Shuffle,
    WriteOptions,
};
use tessera::{AnyArray, Array, ChunkSpec, DType, Error};

// ------------------------------------------------------------------------------------------
// zarr-python writes, tessera reads
// ------------------------------------------------------------------------------------------

/// One array written by `write_stores.py`, as its manifest describes it.
#[derive(Debug)]
struct Entry {
    name: String,
    path: PathBuf,
    zarr_format: u8,
    dtype: DType,
    data_type: String,
    shape: Vec<usize>,
    /// Storage chunks (shards for a sharded array).
    chunks: Vec<usize>,
    fill_value: Value,
    attributes: Map<String, Value>,
    dimension_names: Option<Vec<String>>,
    stored_chunks: u64,
    values: Npy,
}

/// The stores written by zarr-python in a fresh temporary directory, and their manifest.
struct PyStores {
    dir: TempDir,
    manifest: Value,
    arrays: Vec<Entry>,
    /// Arrays with an axis of length 0.
    empty: Vec<Entry>,
}

fn dtype_named(s: &str) -> DType {
    match s {
        "bool" => DType::Bool,
        "i8" => DType::I8,
        "i16" => DType::I16,
        "i32" => DType::I32,
        "i64" => DType::I64,
        "u8" => DType::U8,
        "u16" => DType::U16,
        "u32" => DType::U32,
        "u64" => DType::U64,
        "f32" => DType::F32,
        "f64" => DType::F64,
        other => panic!("unknown dtype {other} in the manifest"),
    }
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
}

fn python_stores() -> PyStores {
    let dir = TempDir::new("interop-py");
    run_py(script("write_stores.py"), &[dir.path()]);
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let entries = |key: &str| -> Vec<Entry> {
        manifest[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Entry {
                name: e["name"].as_str().unwrap().to_string(),
                path: dir.join(e["path"].as_str().unwrap()),
                zarr_format: e["zarr_format"].as_u64().unwrap() as u8,
                dtype: dtype_named(e["dtype"].as_str().unwrap()),
                data_type: e["data_type"].as_str().unwrap().to_string(),
                shape: usizes(&e["shape"]),
                chunks: usizes(&e["chunks"]),
                fill_value: e["fill_value"].clone(),
                attributes: e["attributes"].as_object().unwrap().clone(),
                dimension_names: strings(&e["dimension_names"]),
                stored_chunks: e["stored_chunks"].as_u64().unwrap(),
                values: read_npy(dir.join(e["npy"].as_str().unwrap())),
            })
            .collect()
    };
    let arrays = entries("arrays");
    let empty = entries("empty");
    assert!(
        arrays.len() >= 30,
        "the manifest lists only {} arrays",
        arrays.len()
    );
    PyStores {
        dir,
        manifest,
        arrays,
        empty,
    }
}

/// The chunk sizes along an axis of length `len` cut every `c`.
fn regular_sizes(len: usize, c: usize) -> Vec<usize> {
    if len == 0 {
        return vec![0];
    }
    (0..len.div_ceil(c)).map(|k| c.min(len - k * c)).collect()
}

fn grid_sizes(a: &AnyArray) -> Vec<Vec<usize>> {
    (0..a.shape().len())
        .map(|ax| a.chunks().chunks(ax))
        .collect()
}

fn typed_npy<T: LeBytes>(path: &Path, opts: &ReadOptions) -> Npy {
    let a = zarr::open_zarr_with::<T>(path, opts)
        .unwrap_or_else(|e| panic!("open_zarr::<{}> {}: {e}", T::DTYPE, path.display()));
    nd_to_npy(&a.compute().unwrap())
}

/// Opens with the statically typed API (`open_zarr_with::<T>`) for the stored dtype.
fn read_typed(path: &Path, dtype: DType, opts: &ReadOptions) -> Npy {
    match dtype {
        DType::Bool => typed_npy::<bool>(path, opts),
        DType::I8 => typed_npy::<i8>(path, opts),
        DType::I16 => typed_npy::<i16>(path, opts),
        DType::I32 => typed_npy::<i32>(path, opts),
        DType::I64 => typed_npy::<i64>(path, opts),
        DType::U8 => typed_npy::<u8>(path, opts),
        DType::U16 => typed_npy::<u16>(path, opts),
        DType::U32 => typed_npy::<u32>(path, opts),
        DType::U64 => typed_npy::<u64>(path, opts),
        DType::F32 => typed_npy::<f32>(path, opts),
        DType::F64 => typed_npy::<f64>(path, opts),
    }
}

#[test]
fn reads_zarr_python_stores_exactly() {
    let s = python_stores();
    for e in &s.arrays {
        let ctx = format!("{} ({})", e.name, e.path.display());
        let a = zarr::open_zarr_any(&e.path).unwrap_or_else(|err| panic!("{ctx}: {err}"));
        assert_eq!(a.dtype(), e.dtype, "{ctx}");
        assert_eq!(a.shape(), &e.shape[..], "{ctx}");
        let want_grid: Vec<Vec<usize>> = e
            .shape
            .iter()
            .zip(&e.chunks)
            .map(|(&l, &c)| regular_sizes(l, c))
            .collect();
        assert_eq!(grid_sizes(&a), want_grid, "{ctx}: chunk grid");
        let got = compute_npy(&a).unwrap_or_else(|err| panic!("{ctx}: {err}"));
        assert_npy_eq(&got, &e.values, &ctx);
        // The typed API reads the same values.
        let typed = read_typed(&e.path, e.dtype, &ReadOptions::default());
        assert_npy_eq(&typed, &e.values, &format!("{ctx}, typed"));
    }
    // Conversions on read: a float view of integer data holds the same numbers.
    let i = s.arrays.iter().find(|e| e.name == "v3_i32_zstd").unwrap();
    let as_f64 = zarr::open_zarr_any(&i.path)
        .unwrap()
        .astype::<f64>()
        .compute()
        .unwrap();
    let ints = zarr::open_zarr::<i32>(&i.path).unwrap().compute().unwrap();
    let want: ArrayD<f64> = ints.mapv(f64::from);
    assert_eq!(as_f64, want);
}

/// Ranges that cut every axis away from its chunk boundaries when possible.
fn inner_box(shape: &[usize]) -> Vec<Range<usize>> {
    shape
        .iter()
        .map(|&l| {
            let (a, b) = (l / 4, l - l / 5);
            if a < b {
                a..b
            } else {
                0..l
            }
        })
        .collect()
}

#[test]
fn reads_zarr_python_stores_rechunked_and_sliced() {
    let s = python_stores();
    for e in &s.arrays {
        let half: Vec<usize> = e.shape.iter().map(|&l| l.div_ceil(2).max(1)).collect();
        let specs = [ChunkSpec::Uniform(3), ChunkSpec::PerAxis(half.clone())];
        let boxes = [
            inner_box(&e.shape),
            e.shape.iter().map(|&l| l - 1..l).collect(),
        ];
        for spec in &specs {
            let ctx = format!("{} read in chunks {spec:?}", e.name);
            let opts = ReadOptions::default().chunks(spec.clone());
            let a = zarr::open_zarr_any_with(&e.path, &opts)
                .unwrap_or_else(|err| panic!("{ctx}: {err}"));
            let want_grid: Vec<Vec<usize>> = match &spec {
                ChunkSpec::Uniform(n) => e.shape.iter().map(|&l| regular_sizes(l, *n)).collect(),
                _ => e
                    .shape
                    .iter()
                    .zip(&half)
                    .map(|(&l, &c)| regular_sizes(l, c))
                    .collect(),
            };
            assert_eq!(grid_sizes(&a), want_grid, "{ctx}: chunk grid");
            let got = compute_npy(&a).unwrap_or_else(|err| panic!("{ctx}: {err}"));
            assert_npy_eq(&got, &e.values, &ctx);
            for b in &boxes {
                let sl = slice_any(&a, b).unwrap();
                let got = compute_npy(&sl).unwrap_or_else(|err| panic!("{ctx} [{b:?}]: {err}"));
                assert_npy_eq(&got, &e.values.slice(b), &format!("{ctx}, slice {b:?}"));
            }
        }
        // Slices of the storage-chunked array, and the typed API with a read chunking.
        let a = zarr::open_zarr_any(&e.path).unwrap();
        for b in &boxes {
            let got = compute_npy(&slice_any(&a, b).unwrap()).unwrap();
            assert_npy_eq(&got, &e.values.slice(b), &format!("{} slice {b:?}", e.name));
        }
        let typed = read_typed(&e.path, e.dtype, &ReadOptions::default().chunks(2));
        assert_npy_eq(&typed, &e.values, &format!("{}, typed, chunks 2", e.name));
    }
}

/// What `info` must list among an array's codecs (tessera's spelling of what
/// `write_stores.py` asked zarr-python for).
fn expected_codecs(name: &str) -> &'static [&'static str] {
    match name {
        "v3_f32_blosc_lz4_shuffle" => &["bytes", "blosc(lz4, shuffle, level 5)"],
        "v3_f64_blosc_zstd_bitshuffle" => &["bytes", "blosc(zstd, bitshuffle, level 3)"],
        "v3_i32_zstd" | "v3_i32_missing_fill" => &["bytes", "zstd(level 3)"],
        "v3_i64_gzip" => &["bytes", "gzip(level 6)"],
        "v3_u8_crc32c" => &["bytes", "zstd(level 1)", "crc32c"],
        "v3_bool_none" | "v3_u16_none" => &["bytes"],
        "v3_i8_gzip" => &["gzip(level 1)"],
        "v3_u32_zstd" => &["zstd(level 5)"],
        "v3_u64_blosclz_noshuffle" => &["blosc(blosclz, noshuffle, level 5)"],
        "v3_i16_default" => &["bytes", "zstd(level 0)"],
        "v3_i32_big_endian" => &["bytes"],
        "v3_i32_sharded" => &["sharding(chunks [5,10]: bytes, zstd(level 3))"],
        "v3_f64_sharded_partial" => &["sharding(chunks [2,4]: bytes, zstd(level 0))"],
        "v3_u8_transpose" => &["transpose", "bytes"],
        "v2_f32_blosc_lz4" => &["blosc(lz4, shuffle 1, level 5)"],
        "v2_f64_blosc_zstd_bitshuffle" => &["blosc(zstd, shuffle 2, level 4)"],
        "v2_i32_zstd" => &["zstd(level 3)"],
        "v2_i64_gzip" => &["gzip(level 5)"],
        "v2_u8_none" | "v2_f64_order_f_edge" => &["uncompressed"],
        "v2_bool_zstd" | "v2_i32_order_f" => &["zstd(level 1)"],
        _ => &[],
    }
}

fn array_info(n: &NodeInfo) -> &zarr::ArrayInfo {
    match &n.kind {
        NodeKind::Array(a) => a,
        NodeKind::Group { .. } => panic!("{} is a group, not an array", n.path),
    }
}

/// Whether two JSON fill values are the same number (or the same special value).
fn same_fill(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        _ => got == want,
    }
}

fn chunk_file_bytes(dir: &Path) -> u64 {
    files_below(dir)
        .iter()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap();
            !matches!(
                name,
                "zarr.json" | ".zarray" | ".zattrs" | ".zgroup" | ".zmetadata"
            )
        })
        .map(|f| std::fs::metadata(dir.join(f)).unwrap().len())
        .sum()
}

#[test]
fn info_describes_zarr_python_stores() {
    let s = python_stores();
    for e in &s.arrays {
        let ctx = &e.name;
        let node = zarr::info(&e.path).unwrap_or_else(|err| panic!("{ctx}: {err}"));
        assert_eq!(node.path, "/", "{ctx}");
        assert!(node.children.is_empty(), "{ctx}");
        let i = array_info(&node);
        assert_eq!(i.zarr_format, e.zarr_format, "{ctx}");
        let shape: Vec<u64> = e.shape.iter().map(|&d| d as u64).collect();
        assert_eq!(i.shape, shape, "{ctx}");
        assert_eq!(i.dtype, Some(e.dtype), "{ctx}");
        // zarrs spells the data type "<zarr name> / <numpy type string>".
        assert_eq!(
            i.data_type.split(" / ").next(),
            Some(e.data_type.as_str()),
            "{ctx}: data type {}",
            i.data_type
        );
        let chunks: Vec<u64> = e.chunks.iter().map(|&d| d as u64).collect();
        assert_eq!(i.chunks, chunks, "{ctx}");
        let grid: u64 = e
            .shape
            .iter()
            .zip(&e.chunks)
            .map(|(&l, &c)| l.div_ceil(c) as u64)
            .product();
        assert_eq!(i.grid_chunks, grid, "{ctx}");
        assert_eq!(i.stored_chunks, e.stored_chunks, "{ctx}: stored chunks");
        assert_eq!(
            i.bytes_on_disk,
            chunk_file_bytes(&e.path),
            "{ctx}: bytes on disk"
        );
        assert_eq!(i.attributes, e.attributes, "{ctx}");
        let names = e
            .dimension_names
            .as_ref()
            .map(|v| v.iter().cloned().map(Some).collect::<Vec<_>>());
        assert_eq!(i.dimension_names, names, "{ctx}");
        assert!(
            same_fill(&i.fill_value, &e.fill_value),
            "{ctx}: fill value {} vs {}",
            i.fill_value,
            e.fill_value
        );
        assert_eq!(
            i.nbytes(),
            Some(e.shape.iter().product::<usize>() as u64 * e.dtype.size() as u64),
            "{ctx}"
        );
    }

    // The group: attributes at each level, arrays with dimension names and attributes.
    let g = &s.manifest["group"];
    let root = zarr::info(s.dir.join(g["path"].as_str().unwrap())).unwrap();
    match &root.kind {
        NodeKind::Group { attributes } => {
            assert_eq!(Value::Object(attributes.clone()), g["attributes"])
        }
        NodeKind::Array(_) => panic!("the group reads as an array"),
    }
    let mut children: Vec<&str> = root.children.iter().map(|c| c.path.as_str()).collect();
    children.sort();
    assert_eq!(children, ["/sub", "/temperature"]);
    let temp = root
        .children
        .iter()
        .find(|c| c.path == "/temperature")
        .unwrap();
    let t = array_info(temp);
    assert_eq!(
        t.dimension_names,
        Some(vec![
            Some("time".to_string()),
            Some("lat".to_string()),
            Some("lon".to_string())
        ])
    );
    assert_eq!(
        Value::Object(t.attributes.clone()),
        json!({"units": "K", "scale": 0.5, "valid": [0, 400]})
    );
    let sub = root.children.iter().find(|c| c.path == "/sub").unwrap();
    match &sub.kind {
        NodeKind::Group { attributes } => {
            assert_eq!(Value::Object(attributes.clone()), g["sub_attributes"])
        }
        NodeKind::Array(_) => panic!("/sub reads as an array"),
    }
    assert_eq!(sub.children.len(), 1);
    assert_eq!(sub.children[0].path, "/sub/mask");
    let m = array_info(&sub.children[0]);
    assert_eq!(m.dimension_names, Some(vec![Some("x".to_string())]));
    assert_eq!(m.dtype, Some(DType::Bool));
    // Arrays inside the group open by their directory.
    let e = s
        .arrays
        .iter()
        .find(|e| e.name == "group_v3__temperature")
        .unwrap();
    let got = compute_npy(&zarr::open_zarr_any(s.dir.join("group_v3/temperature")).unwrap());
    assert_npy_eq(&got.unwrap(), &e.values, "group_v3/temperature");
}

/// `info` names every codec of the pipeline, whichever JSON form the metadata gives it (a
/// codec without configuration may be written as `{"name": "crc32c"}` or as `"crc32c"`).
#[test]
fn info_lists_the_codecs_of_zarr_python_stores() {
    let s = python_stores();
    let mut wrong = Vec::new();
    for e in &s.arrays {
        let node = zarr::info(&e.path).unwrap();
        let i = array_info(&node);
        let listed = i.codecs.join(", ");
        if i.codecs.is_empty() || i.codecs.iter().any(|c| c.contains('?')) {
            wrong.push(format!("{}: [{listed}] has unnamed codecs", e.name));
        }
        for want in expected_codecs(&e.name) {
            if !i.codecs.iter().any(|c| c == want) {
                wrong.push(format!("{}: [{listed}] lacks {want:?}", e.name));
            }
        }
    }
    assert!(wrong.is_empty(), "info codecs:\n{}", wrong.join("\n"));
}

fn store_err<T: std::fmt::Debug>(
    r: tessera::Result<T>,
    ctx: &str,
) -> (String, String, Option<String>, String) {
    match r {
        Err(Error::Store {
            store,
            array,
            chunk,
            msg,
        }) => (store, array, chunk, msg),
        other => panic!("{ctx}: expected a store error, got {other:?}"),
    }
}

#[test]
fn missing_chunk_policy_on_zarr_python_stores() {
    let s = python_stores();
    let get = |n: &str| s.arrays.iter().find(|e| e.name == n).unwrap();
    let error = ReadOptions::default().missing_chunks(MissingChunks::Error);

    // v3: chunks (0,0), (0,1), (2,3) and (3,3) of a 4x4 grid are stored.
    let e = get("v3_f64_missing_fill");
    let present = ["c/0/0", "c/0/1", "c/2/3", "c/3/3"];
    let mut stored: Vec<String> = files_below(&e.path)
        .into_iter()
        .filter(|f| f != "zarr.json")
        .collect();
    stored.sort();
    assert_eq!(stored, present);
    let a = zarr::open_zarr_with::<f64>(&e.path, &error).unwrap();
    let (store, _, chunk, msg) = store_err(a.compute(), &e.name);
    assert_eq!(store, e.path.display().to_string());
    let chunk = chunk.expect("the error names the missing chunk");
    assert!(
        chunk.starts_with("c/") && !present.contains(&chunk.as_str()),
        "{chunk} is not a missing chunk"
    );
    assert!(msg.contains("missing"), "{msg}");
    // Slices inside stored chunks read fine; the default policy reads the fill value.
    for b in [vec![0..10, 0..20], vec![25..40, 30..40], vec![3..7, 12..19]] {
        let got = nd_to_npy(&a.slice(&b).unwrap().compute().unwrap());
        assert_npy_eq(&got, &e.values.slice(&b), &format!("{} {b:?}", e.name));
    }
    let (_, _, chunk, _) = store_err(a.slice(&[0..10, 0..21]).unwrap().compute(), &e.name);
    assert_eq!(chunk.as_deref(), Some("c/0/2"));
    let filled = zarr::open_zarr::<f64>(&e.path).unwrap().compute().unwrap();
    assert_eq!(filled[[15, 15]], -7.5);
    assert_eq!(filled[[39, 0]], -7.5);

    // v2 keys use dots: only chunks 1.0 and 2.2 are stored.
    let e = get("v2_i16_missing_fill");
    let a = zarr::open_zarr_with::<i16>(&e.path, &error).unwrap();
    let (store, _, chunk, _) = store_err(a.compute(), &e.name);
    assert_eq!(store, e.path.display().to_string());
    let chunk = chunk.unwrap();
    let parts: Vec<&str> = chunk.split('.').collect();
    assert!(
        parts.len() == 2
            && parts.iter().all(|p| p.parse::<u32>().is_ok())
            && chunk != "1.0"
            && chunk != "2.2",
        "{chunk} is not a missing v2 chunk key"
    );
    let b = [8..16, 0..8];
    let got = nd_to_npy(&a.slice(&b).unwrap().compute().unwrap());
    assert_npy_eq(&got, &e.values.slice(&b), "v2 stored chunk");
    let (_, _, chunk, _) = store_err(a.slice(&[16..20, 0..8]).unwrap().compute(), &e.name);
    assert_eq!(chunk.as_deref(), Some("2.0"));
    let b = [16..20, 16..20];
    let got = nd_to_npy(&a.slice(&b).unwrap().compute().unwrap());
    assert_npy_eq(&got, &e.values.slice(&b), "v2 edge chunk 2.2");
    let filled = zarr::open_zarr::<i16>(&e.path).unwrap().compute().unwrap();
    assert_eq!(filled[[0, 0]], -3);
    assert_eq!(filled[[19, 19]], -3);

    // Sharded: the shard files (0,0) and (1,1) exist; shards (0,1) and (1,0) do not.
    let e = get("v3_f64_sharded_partial");
    let a = zarr::open_zarr_with::<f64>(&e.path, &error).unwrap();
    let (_, _, chunk, _) = store_err(a.slice(&[0..8, 8..16]).unwrap().compute(), &e.name);
    assert_eq!(chunk.as_deref(), Some("c/0/1"));
    let b = [12..16, 10..16];
    let got = nd_to_npy(&a.slice(&b).unwrap().compute().unwrap());
    assert_npy_eq(&got, &e.values.slice(&b), "stored inner chunks of a shard");
}

/// Arrays with an axis of length 0 (valid in Zarr v2 and v3): they open, `info` describes
/// them, and they read as empty arrays.
#[test]
fn reads_empty_zarr_python_arrays() {
    let s = python_stores();
    assert_eq!(s.empty.len(), 3);
    let mut wrong = Vec::new();
    for e in &s.empty {
        let ctx = &e.name;
        let a = zarr::open_zarr_any(&e.path).unwrap_or_else(|err| panic!("{ctx}: {err}"));
        assert_eq!(a.dtype(), e.dtype, "{ctx}");
        assert_eq!(a.shape(), &e.shape[..], "{ctx}");
        let node = zarr::info(&e.path).unwrap_or_else(|err| panic!("{ctx}: {err}"));
        let i = array_info(&node);
        assert_eq!(i.stored_chunks, 0, "{ctx}");
        assert_eq!(i.grid_chunks, 0, "{ctx}");
        assert_eq!(i.nbytes(), Some(0), "{ctx}");
        match compute_npy(&a) {
            Ok(got) => assert_npy_eq(&got, &e.values, ctx),
            Err(err) => wrong.push(format!("{ctx} {:?}: {err}", e.shape)),
        }
    }
    assert!(
        wrong.is_empty(),
        "reading empty arrays failed:\n{}",
        wrong.join("\n")
    );
}

/// Inner chunks absent from a shard that exists are missing chunks too: with
/// `MissingChunks::Error`, data that must be complete cannot come back as fill values.
#[test]
fn missing_inner_chunks_of_a_stored_shard_are_errors() {
    let s = python_stores();
    let e = s
        .arrays
        .iter()
        .find(|e| e.name == "v3_f64_sharded_partial")
        .unwrap();
    let error = ReadOptions::default().missing_chunks(MissingChunks::Error);
    let a = zarr::open_zarr_with::<f64>(&e.path, &error).unwrap();
    // Shard c/0/0 holds only the inner chunks covering [0..3, 0..5] (inner chunks 2x4).
    let r = a.slice(&[4..8, 0..8]).unwrap().compute();
    assert!(
        matches!(r, Err(Error::Store { .. })),
        "inner chunks [4..8, 0..8] of shard c/0/0 were never written, yet reading them with \
         MissingChunks::Error gave {r:?}"
    );
}

// ------------------------------------------------------------------------------------------
// tessera writes, zarr-python reads
// ------------------------------------------------------------------------------------------

/// What one store written by tessera must look like to zarr-python.
struct Written {
    path: PathBuf,
    values: Npy,
    dtype: &'static str,
    chunks: Vec<usize>,
    shards: Option<Vec<usize>>,
    fill_value: Value,
    attributes: Value,
    dimension_names: Option<Vec<&'static str>>,
    /// (name, configuration entries that must match) of the compressors, in order.
    compressors: Vec<(&'static str, Value)>,
}

fn numpy_name(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I8 => "int8",
        DType::I16 => "int16",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::U8 => "uint8",
        DType::U16 => "uint16",
        DType::U32 => "uint32",
        DType::U64 => "uint64",
        DType::F32 => "float32",
        DType::F64 => "float64",
    }
}

fn compressors_of(c: Compression) -> Vec<(&'static str, Value)> {
    match c {
        Compression::None => vec![],
        Compression::Blosc {
            compressor,
            level,
            shuffle,
        } => {
            let cname = match compressor {
                BloscCompressor::Lz4 => "lz4",
                BloscCompressor::Lz4hc => "lz4hc",
                BloscCompressor::Zstd => "zstd",
                BloscCompressor::Zlib => "zlib",
                BloscCompressor::BloscLz => "blosclz",
            };
            let shuffle = match shuffle {
                Shuffle::None => "noshuffle",
                Shuffle::Byte => "shuffle",
                Shuffle::Bit => "bitshuffle",
            };
            vec![(
                "blosc",
                json!({"cname": cname, "clevel": level, "shuffle": shuffle}),
            )]
        }
        Compression::Zstd { level } => vec![("zstd", json!({ "level": level }))],
        Compression::Gzip { level } => vec![("gzip", json!({ "level": level }))],
    }
}

/// Writes `values` with tessera (read chunks `read_chunks`, options `opts`) to `dir/name`.
#[allow(clippy::too_many_arguments)]
fn write_case<T: LeBytes>(
    dir: &TempDir,
    name: &str,
    values: ArrayD<T>,
    read_chunks: impl Into<ChunkSpec>,
    opts: WriteOptions,
    chunks: &[usize],
    fill_value: Value,
) -> Written
where
    AnyArray: From<Array<T>>,
{
    let path = dir.join(name);
    let x = Array::from_ndarray(values.clone(), read_chunks).unwrap();
    let written = Written {
        path: path.clone(),
        values: nd_to_npy(&values),
        dtype: numpy_name(T::DTYPE),
        chunks: opts.chunks.clone().unwrap_or_else(|| chunks.to_vec()),
        shards: opts.shards.clone(),
        fill_value,
        attributes: Value::Object(opts.attributes.clone()),
        dimension_names: None,
        compressors: compressors_of(opts.compression),
    };
    let report = zarr::to_zarr(&x, &path, opts)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .compute()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(report.path, path);
    written
}

fn random<T: common::Gen>(seed: u64, shape: &[usize]) -> ArrayD<T> {
    common::random_nd::<T>(&mut common::Rng::new(seed), shape, 0.1)
}

#[test]
fn zarr_python_reads_tessera_stores() {
    let dir = TempDir::new("interop-tessera");
    let mut cases: Vec<Written> = Vec::new();

    // Every element type, 1-d to 4-d, edge chunks, every compression.
    let mut w = write_case(
        &dir,
        "f64_default",
        random::<f64>(1, &[23, 17]),
        [5, 4],
        WriteOptions::default()
            .dimension_names(["y", "x"])
            .attribute("units", "m")
            .attribute("scale", 2.5)
            .attribute("flags", json!([1, 2, 3]))
            .attribute("nested", json!({"a": null, "b": true, "c": "é"})),
        &[5, 4],
        json!(0.0),
    );
    w.dimension_names = Some(vec!["y", "x"]);
    cases.push(w);
    let blosc = |compressor, level, shuffle| Compression::Blosc {
        compressor,
        level,
        shuffle,
    };
    cases.push(write_case(
        &dir,
        "f32_lz4_bit",
        random::<f32>(2, &[40]),
        7,
        WriteOptions::default().compression(blosc(BloscCompressor::Lz4, 5, Shuffle::Bit)),
        &[7],
        json!(0.0),
    ));
    cases.push(write_case(
        &dir,
        "i32_zstd",
        random::<i32>(3, &[5, 6, 7]),
        [2, 3, 4],
        WriteOptions::default().compression(Compression::Zstd { level: 5 }),
        &[2, 3, 4],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "i64_gzip",
        random::<i64>(4, &[9, 10]),
        [9, 10],
        WriteOptions::default()
            .chunks([4, 4])
            .compression(Compression::Gzip { level: 6 }),
        &[4, 4],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "u8_none_4d",
        random::<u8>(5, &[2, 3, 4, 5]),
        [1, 2, 3, 4],
        WriteOptions::default().compression(Compression::None),
        &[1, 2, 3, 4],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "bool_zlib_noshuffle",
        random::<bool>(6, &[17, 5]),
        [4, 5],
        WriteOptions::default().compression(blosc(BloscCompressor::Zlib, 1, Shuffle::None)),
        &[4, 5],
        json!(false),
    ));
    cases.push(write_case(
        &dir,
        "i8_lz4hc",
        random::<i8>(7, &[30]),
        8,
        WriteOptions::default().compression(blosc(BloscCompressor::Lz4hc, 9, Shuffle::Byte)),
        &[8],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "i16_blosclz",
        random::<i16>(8, &[6, 6]),
        4,
        WriteOptions::default().compression(blosc(BloscCompressor::BloscLz, 2, Shuffle::Byte)),
        &[4, 4],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "u16_zstd1",
        random::<u16>(9, &[11]),
        5,
        WriteOptions::default().compression(Compression::Zstd { level: 1 }),
        &[5],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "u32_gzip0",
        random::<u32>(10, &[3, 4]),
        [2, 2],
        WriteOptions::default().compression(Compression::Gzip { level: 0 }),
        &[2, 2],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "u64_default_rechunked",
        random::<u64>(11, &[7, 3]),
        [2, 3],
        WriteOptions::default().chunks([3, 3]),
        &[3, 3],
        json!(0),
    ));

    // A 0-d array, and arrays with an axis of length 0.
    cases.push(write_case(
        &dir,
        "f64_zero_d",
        ArrayD::from_elem(IxDyn(&[]), 2.5f64),
        ChunkSpec::Uniform(1),
        WriteOptions::default(),
        &[],
        json!(0.0),
    ));
    cases.push(write_case(
        &dir,
        "i16_empty_axis",
        ArrayD::<i16>::zeros(IxDyn(&[3, 0])),
        [2, 2],
        WriteOptions::default().chunks([2, 2]),
        &[2, 2],
        json!(0),
    ));
    cases.push(write_case(
        &dir,
        "u32_empty_first_axis",
        ArrayD::<u32>::zeros(IxDyn(&[0, 5])),
        [2, 2],
        WriteOptions::default().chunks([4, 4]).fill_value(3.0),
        &[4, 4],
        json!(3),
    ));

    // Sharding: edge shards, and shards without an explicit inner chunk shape.
    let mut w = write_case(
        &dir,
        "i32_sharded",
        random::<i32>(12, &[30, 41]),
        [10, 10],
        WriteOptions::default()
            .shards([10, 20])
            .chunks([5, 10])
            .compression(Compression::Zstd { level: 3 })
            .dimension_names(["row", "col"]),
        &[5, 10],
        json!(0),
    );
    w.dimension_names = Some(vec!["row", "col"]);
    cases.push(w);
    cases.push(write_case(
        &dir,
        "f64_sharded_whole",
        random::<f64>(13, &[16, 9]),
        4,
        WriteOptions::default().shards([8, 9]),
        &[8, 9],
        json!(0.0),
    ));

    // A non-zero fill value; chunks holding only the fill value are not stored.
    let mut fv = ArrayD::<f64>::from_elem(IxDyn(&[12, 12]), -1.5);
    fv.slice_mut(ndarray::s![0..4, 4..8]).fill(3.25);
    fv[[11, 11]] = f64::NAN;
    cases.push(write_case(
        &dir,
        "f64_fill",
        fv,
        4,
        WriteOptions::default().fill_value(-1.5),
        &[4, 4],
        json!(-1.5),
    ));
    let mut fu = ArrayD::<u8>::from_elem(IxDyn(&[10]), 7);
    fu[[9]] = 1;
    cases.push(write_case(
        &dir,
        "u8_fill",
        fu,
        3,
        WriteOptions::default().fill_value(7.0),
        &[3],
        json!(7),
    ));

    // Region writes into existing stores: unaligned, aligned, at the edge; plain and sharded.
    let path = dir.join("i32_regions");
    let mut want = ArrayD::<i32>::zeros(IxDyn(&[20, 30]));
    let base = Array::<i32>::zeros(&[20, 30], [6, 7]).unwrap();
    zarr::to_zarr(&base, &path, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    for (k, (off, shape)) in [
        ([3usize, 5usize], [10usize, 17usize]),
        ([6, 7], [6, 7]),
        ([18, 28], [2, 2]),
        ([0, 29], [20, 1]),
    ]
    .into_iter()
    .enumerate()
    {
        let v = random::<i32>(100 + k as u64, &shape);
        want.slice_mut(ndarray::s![
            off[0]..off[0] + shape[0],
            off[1]..off[1] + shape[1]
        ])
        .assign(&v);
        let x = Array::from_ndarray(v, 4).unwrap();
        zarr::to_zarr_region(&x, &path, &off)
            .unwrap()
            .compute()
            .unwrap();
    }
    cases.push(Written {
        path,
        values: nd_to_npy(&want),
        dtype: "int32",
        chunks: vec![6, 7],
        shards: None,
        fill_value: json!(0),
        attributes: json!({}),
        dimension_names: None,
        compressors: compressors_of(Compression::default()),
    });
    let path = dir.join("f32_sharded_regions");
    let mut want = ArrayD::<f32>::from_elem(IxDyn(&[12, 10]), 0.5);
    let base = Array::from_ndarray(want.clone(), 3).unwrap();
    zarr::to_zarr(
        &base,
        &path,
        WriteOptions::default()
            .shards([6, 10])
            .chunks([3, 5])
            .fill_value(0.5),
    )
    .unwrap()
    .compute()
    .unwrap();
    let v = random::<f32>(200, &[5, 4]);
    want.slice_mut(ndarray::s![4..9, 3..7]).assign(&v);
    zarr::to_zarr_region(&Array::from_ndarray(v, 2).unwrap(), &path, &[4, 3])
        .unwrap()
        .compute()
        .unwrap();
    cases.push(Written {
        path,
        values: nd_to_npy(&want),
        dtype: "float32",
        chunks: vec![3, 5],
        shards: Some(vec![6, 10]),
        fill_value: json!(0.5),
        attributes: json!({}),
        dimension_names: None,
        compressors: compressors_of(Compression::default()),
    });

    // A group holding arrays.
    let group = dir.join("group");
    let mut attrs = Map::new();
    attrs.insert("title".into(), json!("tessera group"));
    attrs.insert("count".into(), json!(2));
    zarr::create_group(&group, attrs).unwrap();
    zarr::to_zarr(
        &Array::<f64>::arange(0.0, 10.0, 1.0, 4).unwrap(),
        group.join("a"),
        WriteOptions::default().attribute("role", "first"),
    )
    .unwrap()
    .compute()
    .unwrap();
    let mut sub_attrs = Map::new();
    sub_attrs.insert("level".into(), json!(1));
    zarr::create_group(group.join("sub"), sub_attrs).unwrap();
    zarr::to_zarr(
        &Array::<i64>::ones(&[3, 2], 2).unwrap(),
        group.join("sub").join("b"),
        WriteOptions::default(),
    )
    .unwrap()
    .compute()
    .unwrap();

    // One Python run checks everything.
    let out = dir.join("py-out");
    let mut args: Vec<PathBuf> = vec![out.clone()];
    args.extend(cases.iter().map(|c| c.path.clone()));
    args.push(group.clone());
    args.push(group.join("a"));
    let stdout = run_py(script("check_store.py"), &args);
    let got: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("check_store.py printed no JSON ({e}):\n{stdout}"));
    assert_eq!(got.len(), cases.len() + 2);

    for (k, (c, g)) in cases.iter().zip(&got).enumerate() {
        let ctx = c.path.display().to_string();
        assert_eq!(g["node_type"], "array", "{ctx}");
        assert_eq!(g["zarr_format"], 3, "{ctx}");
        assert_eq!(g["dtype"], c.dtype, "{ctx}");
        assert_eq!(usizes(&g["shape"]), c.values.shape, "{ctx}");
        assert_eq!(usizes(&g["chunks"]), c.chunks, "{ctx}: chunks");
        let shards = (!g["shards"].is_null()).then(|| usizes(&g["shards"]));
        assert_eq!(shards, c.shards, "{ctx}: shards");
        assert!(
            same_fill(&g["fill_value"], &c.fill_value),
            "{ctx}: fill value {} vs {}",
            g["fill_value"],
            c.fill_value
        );
        assert_eq!(g["attributes"], c.attributes, "{ctx}: attributes");
        let names = strings(&g["dimension_names"]);
        let want_names = c
            .dimension_names
            .as_ref()
            .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(names, want_names, "{ctx}: dimension names");
        assert_eq!(g["serializer"]["name"], "bytes", "{ctx}");
        let comps = g["compressors"].as_array().unwrap();
        assert_eq!(
            comps.len(),
            c.compressors.len(),
            "{ctx}: compressors {comps:?}"
        );
        for (got_c, (name, conf)) in comps.iter().zip(&c.compressors) {
            assert_eq!(got_c["name"], *name, "{ctx}");
            for (key, v) in conf.as_object().unwrap() {
                assert_eq!(
                    &got_c["configuration"][key], v,
                    "{ctx}: compressor setting {key}"
                );
            }
        }
        let values = read_npy(out.join(format!("{k}.npy")));
        assert_npy_eq(&values, &c.values, &ctx);
    }
    // Chunks equal to the fill value were not stored, and zarr-python agrees.
    let fill_case = cases
        .iter()
        .position(|c| c.path.ends_with("f64_fill"))
        .unwrap();
    assert_eq!(got[fill_case]["nchunks_initialized"], 2);

    let g = &got[cases.len()];
    assert_eq!(g["node_type"], "group");
    assert_eq!(g["zarr_format"], 3);
    assert_eq!(
        g["attributes"],
        json!({"title": "tessera group", "count": 2})
    );
    assert_eq!(g["members"], json!(["a", "sub", "sub/b"]));
    let a = &got[cases.len() + 1];
    assert_eq!(a["attributes"], json!({"role": "first"}));
    let values = read_npy(out.join(format!("{}.npy", cases.len() + 1)));
    let want: ArrayD<f64> =
        ArrayD::from_shape_vec(IxDyn(&[10]), (0..10).map(f64::from).collect()).unwrap();
    assert_npy_eq(&values, &nd_to_npy(&want), "group/a");
}
