//! Damaged and invalid Zarr stores: every case must give `Err(Error::Store { .. })` naming
//! the store (and the chunk key when a chunk is involved), never a panic, an abort or a huge
//! allocation. Also: a write whose computation fails part-way leaves no store that looks
//! complete, and a writer's leftover temporary files are ignored.
//!
//! Stores are written by tessera (or by hand, for v2 and codecs tessera does not write) and
//! then damaged; no Python is needed.

mod common;

use common::python::{files_below, TempDir};
use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Value};
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use tessera::zarr::{self, Compression, MissingChunks, NodeKind, ReadOptions, WriteOptions};
use tessera::{Array, ComputeOptions, Error};

/// A deterministic f64 array of `shape` (no value equals the fill value 0).
fn values(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f64 * 0.5 + 1.0).collect()).unwrap()
}

/// Writes `values(shape)` with tessera to `dir/name`.
fn write(dir: &TempDir, name: &str, shape: &[usize], opts: WriteOptions) -> (PathBuf, ArrayD<f64>) {
    let path = dir.join(name);
    let v = values(shape);
    let x = Array::from_ndarray(v.clone(), shape.to_vec()).unwrap();
    zarr::to_zarr(&x, &path, opts).unwrap().compute().unwrap();
    (path, v)
}

/// The fields of a store error; panics (naming `ctx`) on anything else.
fn store_error<T: Debug>(r: tessera::Result<T>, ctx: &str) -> (String, Option<String>, String) {
    match r {
        Err(Error::Store {
            store, chunk, msg, ..
        }) => (store, chunk, msg),
        Err(other) => panic!("{ctx}: expected Error::Store, got the error {other:?}"),
        Ok(v) => panic!("{ctx}: expected Error::Store, got Ok({v:?})"),
    }
}

/// Asserts a store error naming `store` and, if given, the chunk key `key`; returns the
/// message.
fn expect_store_error<T: Debug>(
    r: tessera::Result<T>,
    store: &Path,
    key: Option<&str>,
    ctx: &str,
) -> String {
    let (s, chunk, msg) = store_error(r, ctx);
    assert_eq!(
        s,
        store.display().to_string(),
        "{ctx}: store named in the error"
    );
    if let Some(key) = key {
        let chunk = chunk.unwrap_or_else(|| panic!("{ctx}: the error names no chunk ({msg})"));
        assert!(
            chunk.contains(key),
            "{ctx}: the error names chunk {chunk:?}, not {key:?} ({msg})"
        );
    }
    let shown = Error::Store {
        store: s.clone(),
        array: "/".into(),
        chunk: None,
        msg: msg.clone(),
    }
    .to_string();
    assert!(shown.contains(&s), "{ctx}: {shown}");
    msg
}

fn chunk_path(store: &Path, key: &str) -> PathBuf {
    store.join(key)
}

// ------------------------------------------------------------------------------------------
// Damaged chunks
// ------------------------------------------------------------------------------------------

/// Reads a store with one damaged chunk every way: whole, summed, sliced around the chunk,
/// and with a different read chunking; all fail naming the chunk, and a slice avoiding the
/// chunk still reads.
fn check_damaged_chunk(
    store: &Path,
    key: &str,
    clean: &[std::ops::Range<usize>],
    want: &ArrayD<f64>,
    ctx: &str,
) {
    let a = zarr::open_zarr::<f64>(store).unwrap_or_else(|e| panic!("{ctx}: open: {e}"));
    expect_store_error(a.compute(), store, Some(key), &format!("{ctx}: compute"));
    expect_store_error(
        a.sum(..).unwrap().compute_scalar(),
        store,
        Some(key),
        &format!("{ctx}: sum"),
    );
    expect_store_error(
        a.compute_with(&ComputeOptions::new().threads(1)),
        store,
        Some(key),
        &format!("{ctx}: one thread"),
    );
    let r = zarr::open_zarr_with::<f64>(store, &ReadOptions::default().chunks(7))
        .unwrap()
        .compute();
    let (_, chunk, _) = store_error(r, &format!("{ctx}: read chunks 7"));
    assert!(chunk.is_some(), "{ctx}: read chunks 7: no chunk named");
    let ok = a.slice(clean).unwrap().compute().unwrap();
    let want = want
        .slice_each_axis(|ax| {
            let r = &clean[ax.axis.index()];
            ndarray::Slice::from(r.start..r.end)
        })
        .to_owned();
    assert_eq!(ok, want, "{ctx}: slice avoiding the damaged chunk");
}

#[test]
fn truncated_empty_and_garbage_chunks() {
    let dir = TempDir::new("corrupt-chunks");
    for compression in [
        Compression::default(),
        Compression::Zstd { level: 3 },
        Compression::Gzip { level: 5 },
    ] {
        for damage in ["truncated", "empty", "garbage"] {
            let name = format!("{damage}-{compression:?}").replace([' ', '{', '}', ':', ','], "");
            let (store, v) = write(
                &dir,
                &name,
                &[20, 20],
                WriteOptions::default()
                    .chunks([10, 10])
                    .compression(compression),
            );
            let file = chunk_path(&store, "c/0/1");
            let bytes = std::fs::read(&file).unwrap();
            let damaged: Vec<u8> = match damage {
                "truncated" => bytes[..bytes.len() / 2].to_vec(),
                "empty" => Vec::new(),
                _ => (0..bytes.len()).map(|i| (i * 7919 % 251) as u8).collect(),
            };
            std::fs::write(&file, damaged).unwrap();
            check_damaged_chunk(&store, "c/0/1", &[0..20, 0..10], &v, &name);
        }
    }
}

/// CRC-32C (Castagnoli), as the `crc32c` codec appends it (little-endian).
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[test]
fn failed_crc32c_checksum() {
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    let dir = TempDir::new("corrupt-crc");
    let (store, v) = write(
        &dir,
        "crc",
        &[20, 20],
        WriteOptions::default()
            .chunks([10, 10])
            .compression(Compression::None),
    );
    // Add the crc32c codec after `bytes`, and the checksum to every chunk.
    let meta_path = store.join("zarr.json");
    let mut meta = read_json(&meta_path);
    meta["codecs"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "crc32c"}));
    write_json(&meta_path, &meta);
    for key in ["c/0/0", "c/0/1", "c/1/0", "c/1/1"] {
        let f = chunk_path(&store, key);
        let mut b = std::fs::read(&f).unwrap();
        let c = crc32c(&b);
        b.extend_from_slice(&c.to_le_bytes());
        std::fs::write(&f, b).unwrap();
    }
    let ok = zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap();
    assert_eq!(ok, v, "the checksummed store reads back");
    let info = zarr::info(&store).unwrap();
    match &info.kind {
        NodeKind::Array(a) => assert_eq!(a.stored_chunks, 4),
        NodeKind::Group { .. } => panic!("not an array"),
    }

    // One flipped bit in the data of chunk c/1/0, then one in its checksum.
    let f = chunk_path(&store, "c/1/0");
    let good = std::fs::read(&f).unwrap();
    for at in [17, good.len() - 2] {
        let mut b = good.clone();
        b[at] ^= 0x10;
        std::fs::write(&f, &b).unwrap();
        let msg = expect_store_error(
            zarr::open_zarr::<f64>(&store).unwrap().compute(),
            &store,
            Some("c/1/0"),
            &format!("crc32c, byte {at} flipped"),
        );
        let lower = msg.to_lowercase();
        assert!(
            lower.contains("checksum") || lower.contains("crc"),
            "the message does not say the checksum failed: {msg}"
        );
        let clean = zarr::open_zarr::<f64>(&store)
            .unwrap()
            .slice(&[0..10, 0..20])
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(clean, v.slice(ndarray::s![0..10, 0..20]).into_dyn());
    }
}

/// Writes an uncompressed f64 store of `shape` in 10x10 chunks, then removes (`change < 0`)
/// or appends (`change > 0`) bytes at the end of chunk `key`.
fn resized_chunk(
    dir: &TempDir,
    case: &str,
    shape: [usize; 2],
    key: &str,
    change: i64,
) -> (PathBuf, ArrayD<f64>) {
    let (store, v) = write(
        dir,
        case,
        &shape,
        WriteOptions::default()
            .chunks([10, 10])
            .compression(Compression::None),
    );
    let f = chunk_path(&store, key);
    let mut b = std::fs::read(&f).unwrap();
    assert_eq!(
        b.len(),
        800,
        "{case}: Zarr stores every chunk (edge ones too) full size"
    );
    if change < 0 {
        b.truncate((b.len() as i64 + change) as usize);
    } else {
        b.extend(std::iter::repeat_n(0xAB, change as usize));
    }
    std::fs::write(&f, b).unwrap();
    (store, v)
}

#[test]
fn uncompressed_chunks_of_the_wrong_size() {
    let dir = TempDir::new("corrupt-size");
    // Too short: every read of the chunk fails, whatever the read chunking.
    for (case, change) in [("short", -8i64), ("one-byte-short", -1), ("half", -400)] {
        let (store, v) = resized_chunk(&dir, case, [20, 20], "c/0/1", change);
        check_damaged_chunk(&store, "c/0/1", &[0..20, 0..10], &v, case);
    }
    // Too long: reading the whole chunk fails.
    for (case, change) in [("long", 8i64), ("one-byte-long", 1), ("much-longer", 800)] {
        let (store, _) = resized_chunk(&dir, case, [20, 20], "c/0/1", change);
        let a = zarr::open_zarr::<f64>(&store).unwrap();
        expect_store_error(a.compute(), &store, Some("c/0/1"), case);
        expect_store_error(
            a.slice(&[0..10, 10..20]).unwrap().compute(),
            &store,
            Some("c/0/1"),
            case,
        );
    }
}

/// A chunk of the wrong size is corrupt however much of it a task reads: reading part of it
/// (an edge chunk, which the array covers only in part, or any chunk under a read chunking
/// that differs from the storage chunking) must fail too, not return whatever bytes sit at
/// the computed offsets.
#[test]
fn wrong_size_chunks_fail_partial_reads_too() {
    let dir = TempDir::new("corrupt-size-partial");
    let mut wrong = Vec::new();
    for (case, change) in [("long", 8i64), ("one-byte-long", 1), ("double", 800)] {
        let (store, _) = resized_chunk(&dir, case, [20, 20], "c/0/1", change);
        for (what, opts) in [
            ("read chunks 7", ReadOptions::default().chunks(7)),
            ("read chunks 5", ReadOptions::default().chunks([5, 5])),
        ] {
            let r = zarr::open_zarr_with::<f64>(&store, &opts)
                .unwrap()
                .compute();
            if !matches!(r, Err(Error::Store { .. })) {
                wrong.push(format!(
                    "interior chunk c/0/1 {change:+} bytes, {what}: {}",
                    if r.is_ok() {
                        "Ok".to_string()
                    } else {
                        format!("{r:?}")
                    }
                ));
            }
        }
    }
    // [15, 15] in 10x10 chunks: the edge chunk c/1/1 is read in part (its 5x5 corner).
    for (case, change) in [
        ("edge-short", -8i64),
        ("edge-long", 8),
        ("edge-clipped", -600),
    ] {
        let (store, _) = resized_chunk(&dir, case, [15, 15], "c/1/1", change);
        let r = zarr::open_zarr::<f64>(&store).unwrap().compute();
        if !matches!(r, Err(Error::Store { .. })) {
            wrong.push(format!(
                "edge chunk c/1/1 {change:+} bytes, storage chunking: {}",
                if r.is_ok() {
                    "Ok".to_string()
                } else {
                    format!("{r:?}")
                }
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "chunks of the wrong size read without error:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn damaged_shards() {
    let dir = TempDir::new("corrupt-shards");
    for damage in ["truncated", "index-garbage", "empty"] {
        let (store, v) = write(
            &dir,
            damage,
            &[20, 20],
            WriteOptions::default().shards([10, 20]).chunks([5, 5]),
        );
        let f = chunk_path(&store, "c/1/0");
        let mut b = std::fs::read(&f).unwrap();
        match damage {
            "truncated" => b.truncate(b.len() / 2),
            "index-garbage" => {
                let n = b.len();
                for (i, x) in b[n - 40..].iter_mut().enumerate() {
                    *x = 0xEE ^ i as u8;
                }
            }
            _ => b.clear(),
        }
        std::fs::write(&f, b).unwrap();
        check_damaged_chunk(&store, "c/1/0", &[0..10, 0..20], &v, damage);
    }
}

/// A v2 store written by hand (raw little-endian chunks, no compressor).
fn v2_store(dir: &TempDir, name: &str, zarray: Value) -> PathBuf {
    let store = dir.join(name);
    std::fs::create_dir_all(&store).unwrap();
    write_json(&store.join(".zarray"), &zarray);
    store
}

fn v2_meta() -> Value {
    json!({
        "zarr_format": 2,
        "shape": [4, 4],
        "chunks": [2, 2],
        "dtype": "<f8",
        "compressor": null,
        "fill_value": 0.0,
        "filters": null,
        "order": "C",
    })
}

#[test]
fn damaged_v2_chunks_are_named_by_their_v2_key() {
    let dir = TempDir::new("corrupt-v2");
    let store = v2_store(&dir, "v2", v2_meta());
    let v = values(&[4, 4]);
    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        let mut b = Vec::new();
        for r in 0..2 {
            for c in 0..2 {
                b.extend_from_slice(&v[[i * 2 + r, j * 2 + c]].to_le_bytes());
            }
        }
        std::fs::write(store.join(format!("{i}.{j}")), b).unwrap();
    }
    assert_eq!(
        zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap(),
        v
    );
    let f = store.join("0.1");
    let b = std::fs::read(&f).unwrap();
    std::fs::write(&f, &b[..20]).unwrap();
    check_damaged_chunk(&store, "0.1", &[0..4, 0..2], &v, "v2 truncated");
    std::fs::remove_file(&f).unwrap();
    let missing = ReadOptions::default().missing_chunks(MissingChunks::Error);
    let msg = expect_store_error(
        zarr::open_zarr_with::<f64>(&store, &missing)
            .unwrap()
            .compute(),
        &store,
        Some("0.1"),
        "v2 missing chunk",
    );
    assert!(msg.contains("missing"), "{msg}");
    let filled = zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap();
    assert_eq!(filled[[0, 3]], 0.0);
    assert_eq!(filled[[3, 3]], v[[3, 3]]);
}

#[test]
fn missing_chunks_with_the_error_policy() {
    let dir = TempDir::new("corrupt-missing");
    let (store, v) = write(
        &dir,
        "m",
        &[20, 30],
        WriteOptions::default().chunks([10, 10]).fill_value(-2.0),
    );
    std::fs::remove_file(chunk_path(&store, "c/1/0")).unwrap();
    let missing = ReadOptions::default().missing_chunks(MissingChunks::Error);
    let a = zarr::open_zarr_with::<f64>(&store, &missing).unwrap();
    let msg = expect_store_error(a.compute(), &store, Some("c/1/0"), "missing chunk");
    assert!(msg.contains("missing"), "{msg}");
    let (_, chunk, _) = store_error(a.slice(&[15..16, 5..6]).unwrap().compute(), "one element");
    assert_eq!(chunk.as_deref(), Some("c/1/0"), "exactly the missing key");
    // Reads that avoid it work; the default policy reads the fill value.
    let part = a.slice(&[0..20, 10..30]).unwrap().compute().unwrap();
    assert_eq!(part, v.slice(ndarray::s![0..20, 10..30]).into_dyn());
    let filled = zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap();
    let mut want = v.clone();
    want.slice_mut(ndarray::s![10..20, 0..10]).fill(-2.0);
    assert_eq!(filled, want);
    // With a read chunking that spans several stored chunks.
    let r = zarr::open_zarr_with::<f64>(&store, &missing.clone().chunks([20, 30]))
        .unwrap()
        .compute();
    let msg = expect_store_error(r, &store, Some("c/1/0"), "missing chunk, one read chunk");
    assert!(msg.contains("missing"), "{msg}");
}

// ------------------------------------------------------------------------------------------
// Invalid metadata
// ------------------------------------------------------------------------------------------

/// The metadata of a valid 2-d f64 array (written by tessera), and its store.
fn valid_metadata(dir: &TempDir) -> Value {
    let (store, _) = write(
        dir,
        "template",
        &[20, 20],
        WriteOptions::default().chunks([10, 10]),
    );
    read_json(&store.join("zarr.json"))
}

enum Meta {
    /// zarr.json with this text.
    V3Text(String),
    /// .zarray with this text.
    V2Text(String),
}

/// What `info` may do with a store that cannot be opened as an array.
#[derive(PartialEq)]
enum InfoMay {
    /// Only fail with a store error.
    Fail,
    /// Fail, or describe it (valid metadata tessera cannot read, or a group).
    FailOrDescribe,
    /// Not checked here (see `info_of_absurd_shapes_does_not_panic`).
    Unchecked,
}

fn v3_with(base: &Value, f: impl FnOnce(&mut Value)) -> Meta {
    let mut m = base.clone();
    f(&mut m);
    Meta::V3Text(serde_json::to_string(&m).unwrap())
}

fn v2_with(f: impl FnOnce(&mut Value)) -> Meta {
    let mut m = v2_meta();
    f(&mut m);
    Meta::V2Text(serde_json::to_string(&m).unwrap())
}

/// Runs `f`, turning a panic into an `Err` with its message.
fn no_panic<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

/// Checks one invalid store; returns what went wrong, if anything.
fn check_invalid(store: &Path, info_may: &InfoMay, must_say: Option<&str>) -> Vec<String> {
    let mut wrong = Vec::new();
    let want_store = store.display().to_string();
    let mut check =
        |what: &str, r: Result<Option<(String, Option<String>, String)>, String>| match r {
            Err(p) => wrong.push(format!("{what} panicked: {p}")),
            Ok(None) => wrong.push(format!("{what} did not fail with a store error")),
            Ok(Some((s, chunk, msg))) => {
                if s != want_store {
                    wrong.push(format!("{what}: error names store {s}"));
                }
                if chunk.is_some() {
                    wrong.push(format!(
                        "{what}: error names a chunk ({chunk:?}) for bad metadata"
                    ));
                }
                if let Some(needle) = must_say {
                    if !msg.to_lowercase().contains(needle) {
                        wrong.push(format!("{what}: message lacks {needle:?}: {msg}"));
                    }
                }
            }
        };
    let as_store = |e: &Error| match e {
        Error::Store {
            store, chunk, msg, ..
        } => Some((store.clone(), chunk.clone(), msg.clone())),
        _ => None,
    };
    check(
        "open_zarr_any",
        no_panic(|| zarr::open_zarr_any(store).err().and_then(|e| as_store(&e))),
    );
    check(
        "open_zarr::<f64>",
        no_panic(|| {
            zarr::open_zarr::<f64>(store)
                .err()
                .and_then(|e| as_store(&e))
        }),
    );
    check(
        "open_zarr_with::<f64>",
        no_panic(|| {
            zarr::open_zarr_with::<f64>(store, &ReadOptions::default().chunks(5))
                .err()
                .and_then(|e| as_store(&e))
        }),
    );
    if *info_may == InfoMay::Unchecked {
        return wrong;
    }
    match no_panic(|| zarr::info(store)) {
        Err(p) => wrong.push(format!("info panicked: {p}")),
        Ok(Ok(_)) if *info_may == InfoMay::FailOrDescribe => {}
        Ok(Ok(n)) => wrong.push(format!("info described invalid metadata: {n:?}")),
        Ok(Err(e)) => {
            if as_store(&e).is_none_or(|(s, _, _)| s != want_store) {
                wrong.push(format!("info: not a store error naming the store: {e:?}"));
            }
        }
    }
    wrong
}

#[test]
fn invalid_metadata_is_a_store_error() {
    let dir = TempDir::new("corrupt-meta");
    let base = valid_metadata(&dir);
    assert_eq!(base["shape"], json!([20, 20]));
    assert_eq!(
        base["chunk_grid"]["configuration"]["chunk_shape"],
        json!([10, 10])
    );
    let shape = |s: Value| {
        move |m: &mut Value| {
            m["shape"] = s;
        }
    };
    let chunk_shape = |c: Value| {
        move |m: &mut Value| {
            m["chunk_grid"]["configuration"]["chunk_shape"] = c;
        }
    };
    use InfoMay::{Fail, FailOrDescribe, Unchecked};
    let cases: Vec<(&str, Meta, InfoMay, Option<&str>)> = vec![
        (
            "garbage json",
            Meta::V3Text("{not json at all".into()),
            Fail,
            None,
        ),
        ("empty zarr.json", Meta::V3Text(String::new()), Fail, None),
        ("json array", Meta::V3Text("[1, 2, 3]".into()), Fail, None),
        (
            "binary zarr.json",
            Meta::V3Text("\u{0}\u{1}\u{2}\u{fffd}".into()),
            Fail,
            None,
        ),
        (
            "missing shape",
            v3_with(&base, |m| {
                m.as_object_mut().unwrap().remove("shape");
            }),
            Fail,
            None,
        ),
        (
            "negative shape",
            v3_with(&base, shape(json!([-5, 10]))),
            Fail,
            None,
        ),
        (
            "fractional shape",
            v3_with(&base, shape(json!([2.5, 10]))),
            Fail,
            None,
        ),
        (
            "shape not a list",
            v3_with(&base, shape(json!("big"))),
            Fail,
            None,
        ),
        (
            "absurd shape",
            v3_with(
                &base,
                shape(json!([
                    1_000_000_000_000_000_000u64,
                    1_000_000_000_000_000_000u64
                ])),
            ),
            Unchecked,
            None,
        ),
        (
            "u64::MAX shape",
            v3_with(&base, shape(json!([u64::MAX, 1]))),
            FailOrDescribe,
            None,
        ),
        (
            "absurd chunk shape",
            v3_with(&base, |m| {
                m["shape"] = json!([1u64 << 40]);
                m["chunk_grid"]["configuration"]["chunk_shape"] = json!([1u64 << 40]);
            }),
            FailOrDescribe,
            Some("chunk"),
        ),
        (
            "zero chunk shape",
            v3_with(&base, chunk_shape(json!([0, 10]))),
            Fail,
            None,
        ),
        (
            "negative chunk shape",
            v3_with(&base, chunk_shape(json!([-10, 10]))),
            Fail,
            None,
        ),
        (
            "1-d chunks for a 2-d array",
            v3_with(&base, chunk_shape(json!([10]))),
            Fail,
            None,
        ),
        (
            "3-d chunks for a 2-d array",
            v3_with(&base, chunk_shape(json!([10, 10, 10]))),
            Fail,
            None,
        ),
        (
            "unknown chunk grid",
            v3_with(&base, |m| m["chunk_grid"]["name"] = json!("made_up_grid")),
            Fail,
            None,
        ),
        (
            "unknown chunk key encoding",
            v3_with(&base, |m| {
                m["chunk_key_encoding"]["name"] = json!("made_up_keys")
            }),
            Fail,
            None,
        ),
        (
            "float16",
            v3_with(&base, |m| {
                m["data_type"] = json!("float16");
                m["fill_value"] = json!(0.0);
            }),
            FailOrDescribe,
            Some("not supported"),
        ),
        (
            // Supported, but only as a complex array.
            "complex128",
            v3_with(&base, |m| {
                m["data_type"] = json!("complex128");
                m["fill_value"] = json!([0.0, 0.0]);
            }),
            FailOrDescribe,
            Some("open_zarr_complex"),
        ),
        (
            "made-up data type",
            v3_with(&base, |m| m["data_type"] = json!("float17")),
            Fail,
            None,
        ),
        (
            "data type not a string",
            v3_with(&base, |m| m["data_type"] = json!(42)),
            Fail,
            None,
        ),
        (
            "unknown codec",
            v3_with(&base, |m| {
                m["codecs"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "made_up_codec", "configuration": {}}));
            }),
            Fail,
            None,
        ),
        (
            "no codecs",
            v3_with(&base, |m| m["codecs"] = json!([])),
            Fail,
            None,
        ),
        (
            "bad bytes endian",
            v3_with(&base, |m| {
                m["codecs"][0] = json!({"name": "bytes", "configuration": {"endian": "middle"}});
            }),
            Fail,
            None,
        ),
        (
            "bad blosc configuration",
            v3_with(&base, |m| {
                m["codecs"][1] = json!({"name": "blosc", "configuration": {"cname": "nope"}});
            }),
            Fail,
            None,
        ),
        (
            "fill value of the wrong type",
            v3_with(&base, |m| m["fill_value"] = json!("not a number")),
            Fail,
            None,
        ),
        (
            "missing fill value",
            v3_with(&base, |m| {
                m.as_object_mut().unwrap().remove("fill_value");
            }),
            Fail,
            None,
        ),
        (
            "zarr_format 4",
            v3_with(&base, |m| m["zarr_format"] = json!(4)),
            Fail,
            None,
        ),
        (
            "a group, not an array",
            Meta::V3Text(json!({"zarr_format": 3, "node_type": "group"}).to_string()),
            FailOrDescribe,
            None,
        ),
        ("v2 garbage .zarray", Meta::V2Text("{{{".into()), Fail, None),
        (
            "v2 complex dtype",
            v2_with(|m| m["dtype"] = json!("<c16")),
            FailOrDescribe,
            None,
        ),
        (
            "v2 object dtype",
            v2_with(|m| m["dtype"] = json!("|O")),
            Fail,
            None,
        ),
        (
            "v2 made-up dtype",
            v2_with(|m| m["dtype"] = json!("<q9")),
            Fail,
            None,
        ),
        (
            "v2 negative shape",
            v2_with(|m| m["shape"] = json!([-1, 4])),
            Fail,
            None,
        ),
        (
            "v2 zero chunks",
            v2_with(|m| m["chunks"] = json!([0, 2])),
            Fail,
            None,
        ),
        (
            "v2 chunks of another rank",
            v2_with(|m| m["chunks"] = json!([2])),
            Fail,
            None,
        ),
        (
            "v2 bad order",
            v2_with(|m| m["order"] = json!("X")),
            Fail,
            None,
        ),
        (
            "v2 unknown compressor",
            v2_with(|m| m["compressor"] = json!({"id": "made_up"})),
            Fail,
            None,
        ),
        (
            "v2 absurd shape",
            v2_with(|m| {
                m["shape"] = json!([1_000_000_000_000_000_000u64, 1_000_000_000_000_000_000u64])
            }),
            Unchecked,
            None,
        ),
    ];
    let mut wrong = Vec::new();
    for (k, (name, meta, info_may, must_say)) in cases.into_iter().enumerate() {
        let store = dir.join(format!("case-{k}"));
        std::fs::create_dir_all(&store).unwrap();
        match meta {
            Meta::V3Text(t) => std::fs::write(store.join("zarr.json"), t).unwrap(),
            Meta::V2Text(t) => std::fs::write(store.join(".zarray"), t).unwrap(),
        }
        // A chunk file where the valid metadata would have one.
        std::fs::create_dir_all(store.join("c").join("0")).unwrap();
        std::fs::write(store.join("c").join("0").join("0"), [1u8; 8]).unwrap();
        for w in check_invalid(&store, &info_may, must_say) {
            wrong.push(format!("{name}: {w}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// A 1-d shape of 1e18 float64 values (8e18 bytes, just under `isize::MAX`) in chunks of 10:
/// opening it must be refused, or at least cost nothing, before anything is read. Today the
/// chunk grid is built as one size per chunk (1e17 sizes), so the process aborts trying to
/// allocate 8e17 bytes. Ignored because the abort kills every test of this binary.
#[test]
fn absurd_1d_shape_is_refused_without_allocating() {
    let dir = TempDir::new("corrupt-absurd-1d");
    let base = valid_metadata(&dir);
    let Meta::V3Text(text) = v3_with(&base, |m| {
        m["shape"] = json!([1_000_000_000_000_000_000u64]);
        m["chunk_grid"]["configuration"]["chunk_shape"] = json!([10]);
    }) else {
        unreachable!()
    };
    let store = dir.join("absurd");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("zarr.json"), text).unwrap();
    let t0 = std::time::Instant::now();
    let wrong = check_invalid(&store, &InfoMay::FailOrDescribe, None);
    assert!(wrong.is_empty(), "{wrong:?}");
    assert!(
        t0.elapsed().as_secs() < 5,
        "opening took {:?}",
        t0.elapsed()
    );
}

/// Many (but addressable) chunks: shape [2e9] in chunks of 1 is a valid array of 16 GB; opening
/// it lazily must not cost time or memory proportional to the number of chunks.
#[test]
fn opening_an_array_of_many_chunks_is_cheap() {
    let dir = TempDir::new("corrupt-many-chunks");
    let base = valid_metadata(&dir);
    let Meta::V3Text(text) = v3_with(&base, |m| {
        m["shape"] = json!([2_000_000_000u64]);
        m["chunk_grid"]["configuration"]["chunk_shape"] = json!([1]);
    }) else {
        unreachable!()
    };
    let store = dir.join("many");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("zarr.json"), text).unwrap();
    let t0 = std::time::Instant::now();
    let a = zarr::open_zarr::<f64>(&store).unwrap();
    assert_eq!(a.shape(), &[2_000_000_000]);
    assert!(
        t0.elapsed().as_secs() < 5,
        "opening took {:?}",
        t0.elapsed()
    );
    let v = a.slice_axis(0, 5..8).unwrap().compute().unwrap();
    assert_eq!(v.as_slice().unwrap(), &[0.0, 0.0, 0.0]);
}

/// `info` describes (or refuses) metadata whose element or chunk counts overflow a u64, but
/// never panics on it: shape [1e18, 1e18] in 10x10 chunks has 1e34 chunks.
#[test]
fn info_of_absurd_shapes_does_not_panic() {
    let dir = TempDir::new("corrupt-info-absurd");
    let base = valid_metadata(&dir);
    let huge = 1_000_000_000_000_000_000u64;
    let cases = [
        (
            "v3 [1e18, 1e18]",
            v3_with(&base, |m| m["shape"] = json!([huge, huge])),
        ),
        (
            "v3 [u64::MAX, 2]",
            v3_with(&base, |m| m["shape"] = json!([u64::MAX, 2])),
        ),
        (
            "v2 [1e18, 1e18]",
            v2_with(|m| m["shape"] = json!([huge, huge])),
        ),
    ];
    let mut wrong = Vec::new();
    for (k, (name, meta)) in cases.into_iter().enumerate() {
        let store = dir.join(format!("case-{k}"));
        std::fs::create_dir_all(&store).unwrap();
        match meta {
            Meta::V3Text(t) => std::fs::write(store.join("zarr.json"), t).unwrap(),
            Meta::V2Text(t) => std::fs::write(store.join(".zarray"), t).unwrap(),
        }
        match no_panic(|| zarr::info(&store)) {
            Err(p) => wrong.push(format!("{name}: info panicked: {p}")),
            Ok(Err(Error::Store { .. })) => {}
            Ok(Err(e)) => wrong.push(format!("{name}: info failed with a non-store error {e:?}")),
            Ok(Ok(n)) => {
                if let NodeKind::Array(a) = &n.kind {
                    if let Err(p) = no_panic(|| (a.nbytes(), a.compression_ratio())) {
                        wrong.push(format!("{name}: ArrayInfo::nbytes panicked: {p}"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn missing_array_paths() {
    let dir = TempDir::new("corrupt-paths");
    let nowhere = dir.join("does-not-exist");
    let msg = expect_store_error(
        zarr::open_zarr::<f64>(&nowhere),
        &nowhere,
        None,
        "no directory",
    );
    assert!(msg.contains("no such directory"), "{msg}");
    expect_store_error(
        zarr::open_zarr_any(&nowhere),
        &nowhere,
        None,
        "no directory (any)",
    );
    expect_store_error(zarr::info(&nowhere), &nowhere, None, "info, no directory");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    expect_store_error(
        zarr::open_zarr::<f64>(&empty),
        &empty,
        None,
        "empty directory",
    );
    expect_store_error(zarr::info(&empty), &empty, None, "info, empty directory");
    let file = dir.join("a-file");
    std::fs::write(&file, b"zarr").unwrap();
    expect_store_error(zarr::open_zarr::<f64>(&file), &file, None, "a file");
    expect_store_error(zarr::info(&file), &file, None, "info, a file");
    // A region write needs an existing array.
    let x = Array::<f64>::ones(&[2], 2).unwrap();
    expect_store_error(
        zarr::to_zarr_region(&x, &nowhere, &[0]),
        &nowhere,
        None,
        "region into nothing",
    );
    // A group is not an array.
    let g = dir.join("group");
    zarr::create_group(&g, serde_json::Map::new()).unwrap();
    expect_store_error(zarr::open_zarr::<f64>(&g), &g, None, "a group");
}

#[test]
fn wrong_requested_dtype() {
    let dir = TempDir::new("corrupt-dtype");
    let (store, v) = write(&dir, "f64", &[6, 4], WriteOptions::default());
    let msg = expect_store_error(zarr::open_zarr::<f32>(&store), &store, None, "f32 of f64");
    assert!(
        msg.contains("float64") && msg.contains("float32"),
        "the message names both types: {msg}"
    );
    expect_store_error(
        zarr::open_zarr_with::<i64>(&store, &ReadOptions::default().chunks(2)),
        &store,
        None,
        "i64 of f64",
    );
    expect_store_error(zarr::open_zarr::<bool>(&store), &store, None, "bool of f64");
    // The dynamic API opens it, refuses the wrong downcast, and converts on request.
    let any = zarr::open_zarr_any(&store).unwrap();
    assert!(matches!(
        any.clone().downcast::<f32>(),
        Err(Error::DType { .. })
    ));
    let f32s = any.astype::<f32>().compute().unwrap();
    assert_eq!(f32s, v.mapv(|x| x as f32));
    // Writing values of another type into the array's region is refused too.
    let x = Array::<f32>::ones(&[2, 2], 2).unwrap();
    let msg = expect_store_error(
        zarr::to_zarr_region(&x, &store, &[0, 0]),
        &store,
        None,
        "region f32",
    );
    assert!(msg.contains("float32") && msg.contains("float64"), "{msg}");
}

// ------------------------------------------------------------------------------------------
// Writes that fail part-way, and a writer's leftovers
// ------------------------------------------------------------------------------------------

/// A store whose chunk c/1/0 is garbage, opened lazily.
fn corrupt_source(dir: &TempDir, name: &str) -> (PathBuf, Array<f64>) {
    let (store, _) = write(
        dir,
        name,
        &[20, 20],
        WriteOptions::default().chunks([10, 10]),
    );
    std::fs::write(chunk_path(&store, "c/1/0"), vec![0x5A; 100]).unwrap();
    let a = zarr::open_zarr::<f64>(&store).unwrap();
    (store, a)
}

fn tmp_files(dir: &Path) -> Vec<String> {
    files_below(dir)
        .into_iter()
        .filter(|f| f.contains(".tessera-tmp-"))
        .collect()
}

fn assert_incomplete(target: &Path, ctx: &str) {
    assert!(
        !target.join("zarr.json").exists(),
        "{ctx}: a failed write left {}/zarr.json (files: {:?})",
        target.display(),
        files_below(target)
    );
    assert!(
        zarr::open_zarr::<f64>(target).is_err(),
        "{ctx}: the target opens"
    );
    assert!(
        zarr::open_zarr_any(target).is_err(),
        "{ctx}: the target opens"
    );
    assert!(
        tmp_files(target).is_empty(),
        "{ctx}: temporary files left: {:?}",
        tmp_files(target)
    );
}

#[test]
fn a_failed_write_leaves_no_complete_looking_store() {
    let dir = TempDir::new("corrupt-write");
    let (src, a) = corrupt_source(&dir, "source");
    let y = (&a * 2.0) + 1.0;

    // A new target.
    let target = dir.join("new");
    let w = zarr::to_zarr(&y, &target, WriteOptions::default().chunks([5, 5])).unwrap();
    let msg = expect_store_error(w.compute(), &target, None, "failed write");
    assert!(
        msg.contains("c/1/0") && msg.contains(&src.display().to_string()),
        "the message names the failing source chunk: {msg}"
    );
    assert_incomplete(&target, "new target");
    // On one thread too (the failing task may come first or last).
    let target1 = dir.join("new-1thread");
    let w = zarr::to_zarr(&y, &target1, WriteOptions::default().chunks([10, 10])).unwrap();
    expect_store_error(
        w.compute_with(&ComputeOptions::new().threads(1)),
        &target1,
        None,
        "failed write, one thread",
    );
    assert_incomplete(&target1, "one thread");

    // Replacing a complete store: the old metadata must not survive over new chunks.
    let old = dir.join("old");
    zarr::to_zarr(
        &Array::<f64>::ones(&[20, 20], 10).unwrap(),
        &old,
        WriteOptions::default(),
    )
    .unwrap()
    .compute()
    .unwrap();
    let w = zarr::to_zarr(&y, &old, WriteOptions::default().overwrite(true)).unwrap();
    expect_store_error(w.compute(), &old, None, "failed overwrite");
    assert_incomplete(&old, "overwritten target");

    // Two writes in one pass, one of them failing: neither is marked complete.
    let good = Array::<f64>::ones(&[20, 20], 10).unwrap() + &y.slice(&[0..20, 0..20]).unwrap();
    let (t1, t2) = (dir.join("both-1"), dir.join("both-2"));
    let w1 = zarr::to_zarr(
        &Array::<f64>::ones(&[8], 4).unwrap(),
        &t1,
        WriteOptions::default(),
    )
    .unwrap();
    let w2 = zarr::to_zarr(&good, &t2, WriteOptions::default()).unwrap();
    let r = zarr::write_all(&[&w1, &w2], &ComputeOptions::default());
    let (_, _, msg) = store_error(r, "write_all with a failing write");
    assert!(msg.contains("c/1/0"), "{msg}");
    assert_incomplete(&t1, "write_all, good write");
    assert_incomplete(&t2, "write_all, failing write");

    // A failing region write reports a partly updated region; the array stays valid.
    let region = dir.join("region");
    zarr::to_zarr(
        &Array::<f64>::zeros(&[30, 30], 10).unwrap(),
        &region,
        WriteOptions::default(),
    )
    .unwrap()
    .compute()
    .unwrap();
    let msg = expect_store_error(
        zarr::to_zarr_region(&y, &region, &[5, 5])
            .unwrap()
            .compute(),
        &region,
        None,
        "failed region write",
    );
    assert!(msg.contains("partly updated"), "{msg}");
    assert!(region.join("zarr.json").exists());
    assert!(tmp_files(&region).is_empty());
    let back = zarr::open_zarr::<f64>(&region).unwrap().compute().unwrap();
    assert_eq!(back.shape(), &[30, 30]);
}

#[test]
fn leftover_temporary_files_are_ignored() {
    let dir = TempDir::new("corrupt-tmp");
    let (store, v) = write(
        &dir,
        "s",
        &[20, 20],
        WriteOptions::default().chunks([10, 10]).fill_value(-1.0),
    );
    let before = match zarr::info(&store).unwrap().kind {
        NodeKind::Array(a) => a,
        NodeKind::Group { .. } => panic!("not an array"),
    };
    assert_eq!(before.stored_chunks, 4);
    // A crashed writer's leftovers: next to a chunk, next to the metadata, and in place of
    // a chunk that was never renamed into place.
    std::fs::write(store.join("c/0/.0.tessera-tmp-999999-1"), b"garbage").unwrap();
    std::fs::write(store.join(".zarr.json.tessera-tmp-999999-2"), b"{garbage").unwrap();
    std::fs::remove_file(store.join("c/1/1")).unwrap();
    std::fs::write(store.join("c/1/.1.tessera-tmp-999999-3"), vec![7u8; 800]).unwrap();
    std::fs::create_dir_all(store.join("c/2")).unwrap();
    std::fs::write(store.join("c/2/.0.tessera-tmp-1-4"), b"x").unwrap();

    let mut want = v.clone();
    want.slice_mut(ndarray::s![10..20, 10..20]).fill(-1.0);
    assert_eq!(
        zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap(),
        want
    );
    let after = match zarr::info(&store).unwrap().kind {
        NodeKind::Array(a) => a,
        NodeKind::Group { .. } => panic!("not an array"),
    };
    assert_eq!(after.stored_chunks, 3, "temporary files are not chunks");
    let sizes: u64 = ["c/0/0", "c/0/1", "c/1/0"]
        .iter()
        .map(|k| std::fs::metadata(store.join(k)).unwrap().len())
        .sum();
    assert_eq!(
        after.bytes_on_disk, sizes,
        "temporary files are not counted"
    );
    let missing = ReadOptions::default().missing_chunks(MissingChunks::Error);
    expect_store_error(
        zarr::open_zarr_with::<f64>(&store, &missing)
            .unwrap()
            .compute(),
        &store,
        Some("c/1/1"),
        "a temporary file does not stand in for a chunk",
    );
    // A region write over the store leaves no temporary file of its own.
    let ones = Array::<f64>::ones(&[3, 3], 3).unwrap();
    zarr::to_zarr_region(&ones, &store, &[9, 9])
        .unwrap()
        .compute()
        .unwrap();
    let own: Vec<String> = tmp_files(&store)
        .into_iter()
        .filter(|f| !f.contains("-999999-") && !f.ends_with("tmp-1-4"))
        .collect();
    assert!(own.is_empty(), "{own:?}");
    want.slice_mut(ndarray::s![9..12, 9..12]).fill(1.0);
    assert_eq!(
        zarr::open_zarr::<f64>(&store).unwrap().compute().unwrap(),
        want
    );
}
