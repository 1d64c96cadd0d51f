//! tessera writes a Zarr store and reads it back (no other implementation involved): every
//! element type, 0-d to 4-d shapes with edge chunks, sharding, every compression, fill
//! values, region writes, the overwrite policy, several writes sharing inputs, and a property
//! test that the values survive whatever the write and read chunkings. Also: a sliced read
//! opens only the chunks it needs.

mod common;

use common::python::{assert_npy_eq, compute_npy, files_below, nd_to_npy, LeBytes, TempDir};
use common::{random_nd, Gen, Rng};
use ndarray::{ArrayD, IxDyn, Slice};
use proptest::prelude::*;
use std::ops::Range;
use std::path::Path;
use tessera::zarr::{
    self, ArrayInfo, BloscCompressor, Compression, Durability, MissingChunks, NodeKind,
    ReadOptions, Shuffle, WriteOptions,
};
use tessera::{AnyArray, Array, ChunkSpec, ComputeOptions, DType, Error, Idx};

fn info_of(path: &Path) -> ArrayInfo {
    match zarr::info(path).unwrap().kind {
        NodeKind::Array(a) => *a,
        NodeKind::Group { .. } => panic!("{} is a group", path.display()),
    }
}

fn sizes(len: usize, c: usize) -> Vec<usize> {
    if len == 0 {
        return vec![0];
    }
    (0..len.div_ceil(c)).map(|k| c.min(len - k * c)).collect()
}

fn grid(a: &AnyArray) -> Vec<Vec<usize>> {
    (0..a.shape().len())
        .map(|ax| a.chunks().chunks(ax))
        .collect()
}

fn nd_slice<T: Clone>(a: &ArrayD<T>, r: &[Range<usize>]) -> ArrayD<T> {
    a.slice_each_axis(|ax| Slice::from(r[ax.axis.index()].clone()))
        .to_owned()
}

fn assert_no_tmp_files(store: &Path) {
    let tmp: Vec<String> = files_below(store)
        .into_iter()
        .filter(|f| f.contains(".tessera-tmp-"))
        .collect();
    assert!(
        tmp.is_empty(),
        "{}: temporary files left: {tmp:?}",
        store.display()
    );
}

/// Writes `values` (in-memory chunks `mem_chunks`) with `opts`, reads it back every way and
/// checks the values bit for bit; returns the store's description.
fn roundtrip<T: Gen + LeBytes>(
    dir: &TempDir,
    name: &str,
    values: &ArrayD<T>,
    mem_chunks: impl Into<ChunkSpec>,
    opts: WriteOptions,
) -> ArrayInfo
where
    AnyArray: From<Array<T>>,
{
    let path = dir.join(name);
    let x = Array::from_ndarray(values.clone(), mem_chunks).unwrap();
    let storage: Vec<usize> = opts
        .shards
        .clone()
        .or_else(|| opts.chunks.clone())
        .unwrap_or_else(|| {
            (0..x.ndim())
                .map(|ax| x.chunks().axis(ax).size(0).max(1))
                .collect()
        });
    let report = zarr::to_zarr(&x, &path, opts)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .compute()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = nd_to_npy(values);
    let grid_total: usize = values
        .shape()
        .iter()
        .zip(&storage)
        .map(|(&l, &c)| sizes(l, c).len())
        .product();
    assert_eq!(
        report.chunks_total, grid_total,
        "{name}: chunks in the report"
    );
    assert!(report.chunks_written <= report.chunks_total, "{name}");
    assert_eq!(report.bytes, values.len() * T::DTYPE.size(), "{name}");
    assert_no_tmp_files(&path);

    let typed = zarr::open_zarr::<T>(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_npy_eq(&nd_to_npy(&typed.compute().unwrap()), &want, name);
    let any = zarr::open_zarr_any(&path).unwrap();
    assert_eq!(any.dtype(), T::DTYPE, "{name}");
    assert_eq!(any.shape(), values.shape(), "{name}");
    let want_grid: Vec<Vec<usize>> = values
        .shape()
        .iter()
        .zip(&storage)
        .map(|(&l, &c)| sizes(l, c))
        .collect();
    assert_eq!(
        grid(&any),
        want_grid,
        "{name}: read chunking = storage chunks"
    );
    assert_npy_eq(&compute_npy(&any).unwrap(), &want, name);
    let re = zarr::open_zarr_with::<T>(&path, &ReadOptions::default().chunks(3)).unwrap();
    assert_npy_eq(
        &nd_to_npy(&re.compute().unwrap()),
        &want,
        &format!("{name}, chunks 3"),
    );

    let info = info_of(&path);
    assert_eq!(info.zarr_format, 3);
    assert_eq!(info.dtype, Some(T::DTYPE), "{name}");
    let shape: Vec<u64> = values.shape().iter().map(|&d| d as u64).collect();
    assert_eq!(info.shape, shape, "{name}");
    let storage_u64: Vec<u64> = storage.iter().map(|&c| c as u64).collect();
    assert_eq!(info.chunks, storage_u64, "{name}");
    assert_eq!(info.grid_chunks, grid_total as u64, "{name}");
    // The report counts every chunk task; those equal to the fill value are not stored.
    assert!(
        info.stored_chunks <= report.chunks_written as u64,
        "{name}: {} chunks stored, {} written",
        info.stored_chunks,
        report.chunks_written
    );
    info
}

/// Random values with extremes, NaN, infinities and signed zeros (compare bit for bit).
fn data<T: Gen>(seed: u64, shape: &[usize]) -> ArrayD<T> {
    random_nd::<T>(&mut Rng::new(seed), shape, 0.1)
}

/// Random finite values (compare with `==`).
fn plain<T: Gen>(seed: u64, shape: &[usize]) -> ArrayD<T> {
    random_nd::<T>(&mut Rng::new(seed), shape, 0.0)
}

#[test]
fn every_element_type_roundtrips() {
    let dir = TempDir::new("rt-types");
    fn one<T: Gen + LeBytes>(dir: &TempDir, seed: u64)
    where
        AnyArray: From<Array<T>>,
    {
        let v = data::<T>(seed, &[13, 7]);
        let name = format!("{}", T::DTYPE);
        let info = roundtrip(dir, &name, &v, [4, 3], WriteOptions::default());
        assert_eq!(info.data_type.split(" / ").next(), Some(T::DTYPE.name()));
        assert_eq!(info.grid_chunks, 4 * 3);
    }
    one::<bool>(&dir, 1);
    one::<i8>(&dir, 2);
    one::<i16>(&dir, 3);
    one::<i32>(&dir, 4);
    one::<i64>(&dir, 5);
    one::<u8>(&dir, 6);
    one::<u16>(&dir, 7);
    one::<u32>(&dir, 8);
    one::<u64>(&dir, 9);
    one::<f32>(&dir, 10);
    one::<f64>(&dir, 11);
    // Extremes and special floats survive bit for bit.
    let v = ArrayD::from_shape_vec(
        IxDyn(&[6]),
        vec![
            f64::NAN,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
        ],
    )
    .unwrap();
    roundtrip(&dir, "specials", &v, 4, WriteOptions::default());
    let v = ArrayD::from_shape_vec(IxDyn(&[4]), vec![i64::MIN, i64::MAX, -1, 0]).unwrap();
    roundtrip(&dir, "i64-extremes", &v, 3, WriteOptions::default());
    let v = ArrayD::from_shape_vec(IxDyn(&[3]), vec![u64::MAX, 0, 1 << 63]).unwrap();
    roundtrip(&dir, "u64-extremes", &v, 2, WriteOptions::default());
}

/// `info` names every codec of stores tessera writes itself, whatever the element type (the
/// `bytes` codec of one-byte types has no configuration and may be stored as a bare name).
#[test]
fn info_names_the_codecs_of_every_element_type() {
    let dir = TempDir::new("rt-codec-names");
    fn one<T: Gen + LeBytes>(dir: &TempDir, wrong: &mut Vec<String>)
    where
        AnyArray: From<Array<T>>,
    {
        let path = dir.join(T::DTYPE.name());
        let x = Array::from_ndarray(data::<T>(1, &[4]), 2).unwrap();
        for (k, c) in [Compression::None, Compression::Zstd { level: 1 }]
            .into_iter()
            .enumerate()
        {
            let p = path.with_extension(k.to_string());
            zarr::to_zarr(&x, &p, WriteOptions::default().compression(c))
                .unwrap()
                .compute()
                .unwrap();
            let codecs = info_of(&p).codecs;
            let want: Vec<&str> = if k == 0 {
                vec!["bytes"]
            } else {
                vec!["bytes", "zstd(level 1)"]
            };
            if codecs != want {
                wrong.push(format!("{} {c:?}: {codecs:?}", T::DTYPE));
            }
        }
    }
    let mut wrong = Vec::new();
    one::<bool>(&dir, &mut wrong);
    one::<i8>(&dir, &mut wrong);
    one::<u8>(&dir, &mut wrong);
    one::<i16>(&dir, &mut wrong);
    one::<f64>(&dir, &mut wrong);
    assert!(wrong.is_empty(), "info codecs:\n{}", wrong.join("\n"));
}

#[test]
fn shapes_from_0d_to_4d_with_edge_chunks() {
    let dir = TempDir::new("rt-shapes");
    let cases: &[(&[usize], &[usize])] = &[
        (&[1], &[1]),
        (&[7], &[3]),
        (&[7], &[7]),
        (&[7], &[100]),
        (&[1, 5], &[1, 2]),
        (&[4, 6], &[3, 4]),
        (&[3, 1, 4], &[2, 1, 3]),
        (&[2, 3, 4], &[1, 2, 3]),
        (&[2, 1, 3, 2], &[1, 1, 2, 1]),
        (&[5, 4, 3, 7], &[2, 3, 2, 4]),
        (&[101], &[10]),
    ];
    for (k, &(shape, chunks)) in cases.iter().enumerate() {
        let v = data::<i32>(100 + k as u64, shape);
        roundtrip(
            &dir,
            &format!("s{k}"),
            &v,
            ChunkSpec::Uniform(2),
            WriteOptions::default().chunks(chunks.to_vec()),
        );
        // The in-memory chunking becomes the storage chunking when none is given.
        roundtrip(
            &dir,
            &format!("m{k}"),
            &v,
            chunks.to_vec(),
            WriteOptions::default(),
        );
    }
}

/// A 0-d array (one value, chunk shape `[]`) is a valid Zarr array.
#[test]
fn zero_dimensional_arrays_roundtrip() {
    let dir = TempDir::new("rt-0d");
    let v = ArrayD::from_elem(IxDyn(&[]), 2.5f64);
    roundtrip(
        &dir,
        "f64",
        &v,
        ChunkSpec::Uniform(1),
        WriteOptions::default(),
    );
    let v = ArrayD::from_elem(IxDyn(&[]), true);
    roundtrip(
        &dir,
        "bool",
        &v,
        ChunkSpec::Uniform(1),
        WriteOptions::default().fill_value(1.0),
    );
    let v = ArrayD::from_elem(IxDyn(&[]), -7i8);
    roundtrip(
        &dir,
        "i8",
        &v,
        ChunkSpec::Uniform(1),
        WriteOptions::default().compression(Compression::None),
    );
}

/// Arrays with an axis of length 0 are valid Zarr arrays (zarr-python writes and reads them);
/// writing one stores no chunk and reading it gives an empty array.
#[test]
fn arrays_with_an_empty_axis_roundtrip() {
    let dir = TempDir::new("rt-empty");
    let mut wrong = Vec::new();
    for (k, shape) in [&[0usize][..], &[3, 0], &[0, 2, 3]].into_iter().enumerate() {
        let v = ArrayD::<i16>::zeros(IxDyn(shape));
        let chunks: Vec<usize> = shape.iter().map(|_| 2).collect();
        let path = dir.join(format!("empty-{k}"));
        let x = Array::from_ndarray(v.clone(), chunks.clone()).unwrap();
        if let Err(e) = zarr::to_zarr(&x, &path, WriteOptions::default().chunks(chunks))
            .unwrap()
            .compute()
        {
            wrong.push(format!("writing shape {shape:?}: {e}"));
            continue;
        }
        let back = zarr::open_zarr::<i16>(&path).unwrap();
        assert_eq!(back.shape(), shape);
        match back.compute() {
            Ok(b) => assert_eq!(b, v, "{shape:?}"),
            Err(e) => wrong.push(format!("reading shape {shape:?}: {e}")),
        }
        assert_eq!(info_of(&path).stored_chunks, 0);
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// A slice with an empty range is an empty array, whether the source is in memory or a store.
#[test]
fn empty_slices_of_a_store_read_as_empty() {
    let dir = TempDir::new("rt-empty-slice");
    let v = plain::<i32>(3, &[4, 6]);
    let path = dir.join("s");
    let x = Array::from_ndarray(v.clone(), 2).unwrap();
    zarr::to_zarr(&x, &path, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let a = zarr::open_zarr::<i32>(&path).unwrap();
    let mut wrong = Vec::new();
    for r in [
        vec![1..1, 0..6],
        vec![0..4, 3..3],
        vec![4..4, 6..6],
        vec![2..2, 1..5],
    ] {
        let want = nd_slice(&v, &r);
        // The same slice of the in-memory array works.
        assert_eq!(
            x.slice(&r).unwrap().compute().unwrap(),
            want,
            "in memory {r:?}"
        );
        match a.slice(&r).unwrap().compute() {
            Ok(got) => assert_eq!(got, want, "{r:?}"),
            Err(e) => wrong.push(format!("slice {r:?}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn sharded_stores_roundtrip() {
    let dir = TempDir::new("rt-shards");
    let v = data::<i32>(7, &[30, 41]);
    // (shards, inner chunks): edge shards and edge inner chunks; one inner chunk per shard;
    // a shard larger than the array.
    let cases: &[(&[usize], Option<&[usize]>)] = &[
        (&[10, 20], Some(&[5, 10])),
        (&[10, 20], Some(&[10, 20])),
        (&[12, 12], Some(&[4, 3])),
        (&[8, 9], None),
        (&[64, 64], Some(&[16, 16])),
    ];
    for (k, &(shards, inner)) in cases.iter().enumerate() {
        let mut opts = WriteOptions::default()
            .shards(shards.to_vec())
            .compression(Compression::Zstd { level: 3 });
        if let Some(c) = inner {
            opts = opts.chunks(c.to_vec());
        }
        let name = format!("shards-{k}");
        let info = roundtrip(&dir, &name, &v, [7, 7], opts);
        let inner = inner.unwrap_or(shards);
        let inner_s = format!(
            "[{}]",
            inner
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(
            info.codecs
                .iter()
                .any(|c| c.starts_with(&format!("sharding(chunks {inner_s}:"))
                    && c.contains("zstd(level 3)")),
            "{name}: codecs {:?}",
            info.codecs
        );
        // Slices across shard and inner chunk boundaries.
        let path = dir.join(&name);
        let a = zarr::open_zarr::<i32>(&path).unwrap();
        for r in [vec![3..27, 9..33], vec![29..30, 0..41], vec![0..1, 40..41]] {
            assert_eq!(
                a.slice(&r).unwrap().compute().unwrap(),
                nd_slice(&v, &r),
                "{name} {r:?}"
            );
        }
    }
    // Inner chunks that must divide the shard.
    let x = Array::from_ndarray(v.clone(), 10).unwrap();
    let r = zarr::to_zarr(
        &x,
        dir.join("bad-shards"),
        WriteOptions::default().shards([10, 20]).chunks([3, 10]),
    );
    assert!(matches!(r, Err(Error::Store { .. })), "{r:?}");
}

fn all_compressions() -> Vec<(Compression, &'static str)> {
    let mut out = vec![
        (Compression::None, ""),
        (Compression::default(), "blosc(zstd, shuffle, level 3)"),
        (Compression::Zstd { level: 1 }, "zstd(level 1)"),
        (Compression::Zstd { level: 19 }, "zstd(level 19)"),
        (Compression::Zstd { level: -3 }, "zstd(level -3)"),
        (Compression::Gzip { level: 0 }, "gzip(level 0)"),
        (Compression::Gzip { level: 9 }, "gzip(level 9)"),
    ];
    for (c, cn) in [
        (BloscCompressor::Lz4, "lz4"),
        (BloscCompressor::Lz4hc, "lz4hc"),
        (BloscCompressor::Zstd, "zstd"),
        (BloscCompressor::Zlib, "zlib"),
        (BloscCompressor::BloscLz, "blosclz"),
    ] {
        for (s, sn) in [
            (Shuffle::None, "noshuffle"),
            (Shuffle::Byte, "shuffle"),
            (Shuffle::Bit, "bitshuffle"),
        ] {
            for level in [1u8, 9] {
                let name: &'static str =
                    Box::leak(format!("blosc({cn}, {sn}, level {level})").into_boxed_str());
                out.push((
                    Compression::Blosc {
                        compressor: c,
                        level,
                        shuffle: s,
                    },
                    name,
                ));
            }
        }
    }
    out
}

#[test]
fn every_compression_roundtrips() {
    let dir = TempDir::new("rt-compression");
    let smooth: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&[40, 30]), |i| {
        (i[0] as f64 * 0.1).sin() + i[1] as f64
    });
    let ints = data::<i64>(3, &[17, 9]);
    let bools = data::<bool>(4, &[33]);
    for (k, (c, codec)) in all_compressions().into_iter().enumerate() {
        let opts = || WriteOptions::default().compression(c).chunks([16, 16]);
        let info = roundtrip(&dir, &format!("f64-{k}"), &smooth, 10, opts());
        let want: Vec<&str> = if codec.is_empty() {
            vec!["bytes"]
        } else {
            vec!["bytes", codec]
        };
        assert_eq!(info.codecs, want, "{c:?}");
        let raw = 16 * 16 * 8 * info.stored_chunks;
        if c != Compression::None && !matches!(c, Compression::Gzip { level: 0 }) {
            assert!(
                info.bytes_on_disk < raw,
                "{c:?}: {} of {raw} bytes",
                info.bytes_on_disk
            );
        }
        roundtrip(
            &dir,
            &format!("i64-{k}"),
            &ints,
            4,
            WriteOptions::default().compression(c).chunks([5, 4]),
        );
        roundtrip(
            &dir,
            &format!("bool-{k}"),
            &bools,
            8,
            WriteOptions::default().compression(c).chunks([8]),
        );
    }
}

#[test]
fn fill_values_and_chunks_not_stored() {
    let dir = TempDir::new("rt-fill");
    // Chunks equal to the fill value are not written, and read back as it.
    let mut v = ArrayD::<f64>::from_elem(IxDyn(&[12, 12]), -1.5);
    v.slice_mut(ndarray::s![0..4, 4..8]).fill(3.0);
    v[[11, 11]] = f64::NAN;
    let info = roundtrip(&dir, "f64", &v, 4, WriteOptions::default().fill_value(-1.5));
    assert_eq!(info.stored_chunks, 2);
    assert_eq!(info.fill_value, serde_json::json!(-1.5));
    let v = ArrayD::<u8>::from_shape_fn(IxDyn(&[10]), |i| if i[0] == 9 { 1 } else { 7 });
    let info = roundtrip(&dir, "u8", &v, 3, WriteOptions::default().fill_value(7.0));
    assert_eq!(info.stored_chunks, 1);
    let v = ArrayD::<bool>::from_shape_fn(IxDyn(&[6, 6]), |i| i[0] != 5);
    let info = roundtrip(&dir, "bool", &v, 3, WriteOptions::default().fill_value(1.0));
    assert_eq!(info.stored_chunks, 2);
    assert_eq!(info.fill_value, serde_json::json!(true));
    // With the default fill value 0, an all-zero array stores nothing and reads as zeros.
    let v = ArrayD::<i32>::zeros(IxDyn(&[9, 9]));
    let info = roundtrip(&dir, "zeros", &v, 3, WriteOptions::default());
    assert_eq!(info.stored_chunks, 0);
    // NaN as the fill value.
    let v = ArrayD::<f32>::from_shape_fn(IxDyn(&[8]), |i| if i[0] < 4 { f32::NAN } else { 1.0 });
    let info = roundtrip(
        &dir,
        "nan",
        &v,
        4,
        WriteOptions::default().fill_value(f64::NAN),
    );
    assert_eq!(info.stored_chunks, 1);
}

#[test]
fn region_writes() {
    let dir = TempDir::new("rt-region");
    // (store options, base chunks): plain, with a fill value and nothing stored, sharded.
    let stores: Vec<(&str, WriteOptions, f64)> = vec![
        ("plain", WriteOptions::default().chunks([6, 7]), 0.0),
        (
            "fill",
            WriteOptions::default().chunks([6, 7]).fill_value(9.0),
            9.0,
        ),
        (
            "sharded",
            WriteOptions::default().shards([6, 14]).chunks([3, 7]),
            0.0,
        ),
        (
            "raw",
            WriteOptions::default()
                .chunks([6, 7])
                .compression(Compression::None),
            0.0,
        ),
    ];
    for (name, opts, base_value) in stores {
        let path = dir.join(name);
        let mut want = ArrayD::<f64>::from_elem(IxDyn(&[20, 30]), base_value);
        let base = Array::from_ndarray(want.clone(), 10).unwrap();
        zarr::to_zarr(&base, &path, opts)
            .unwrap()
            .compute()
            .unwrap();
        let storage = info_of(&path).chunks;
        // Unaligned, aligned to a stored chunk, at the array's edge, a whole row/column,
        // one element, the whole array, and overlapping an earlier region.
        for (k, (off, shape)) in [
            ([3usize, 5usize], [10usize, 17usize]),
            ([6, 7], [6, 7]),
            ([12, 28], [8, 2]),
            ([18, 0], [2, 30]),
            ([0, 29], [20, 1]),
            ([7, 8], [1, 1]),
            ([4, 4], [4, 4]),
        ]
        .into_iter()
        .enumerate()
        {
            let v = plain::<f64>(1000 + k as u64, &shape);
            want.slice_mut(ndarray::s![
                off[0]..off[0] + shape[0],
                off[1]..off[1] + shape[1]
            ])
            .assign(&v);
            // In-memory chunks unrelated to the stored ones.
            let x = Array::from_ndarray(v, [3, 4]).unwrap();
            let w = zarr::to_zarr_region(&x, &path, &off).unwrap();
            let report = w
                .compute()
                .unwrap_or_else(|e| panic!("{name} {off:?}: {e}"));
            let touched: usize = (0..2)
                .map(|ax| {
                    let c = storage[ax] as usize;
                    (off[ax] + shape[ax] - 1) / c - off[ax] / c + 1
                })
                .product();
            assert_eq!(report.chunks_total, touched, "{name} {off:?}");
            let back = zarr::open_zarr::<f64>(&path).unwrap().compute().unwrap();
            assert_eq!(back, want, "{name}: after the region at {off:?} {shape:?}");
        }
        let whole = plain::<f64>(2000, &[20, 30]);
        zarr::to_zarr_region(
            &Array::from_ndarray(whole.clone(), 7).unwrap(),
            &path,
            &[0, 0],
        )
        .unwrap()
        .compute()
        .unwrap();
        assert_eq!(
            zarr::open_zarr::<f64>(&path).unwrap().compute().unwrap(),
            whole,
            "{name}"
        );
        assert_no_tmp_files(&path);
        // A region computed from the store itself (read and written in one pass).
        let src = zarr::open_zarr::<f64>(&path)
            .unwrap()
            .slice(&[0..5, 0..5])
            .unwrap();
        zarr::to_zarr_region(&(src * 2.0), &path, &[10, 10])
            .unwrap()
            .compute()
            .unwrap();
        let back = zarr::open_zarr::<f64>(&path).unwrap().compute().unwrap();
        let mut want = whole.clone();
        let doubled = whole.slice(ndarray::s![0..5, 0..5]).mapv(|x| x * 2.0);
        want.slice_mut(ndarray::s![10..15, 10..15]).assign(&doubled);
        assert_eq!(back, want, "{name}: region from the store itself");
    }

    // Regions that do not fit, and values of another type, are refused before any write.
    let path = dir.join("plain");
    let before = std::fs::read(path.join("zarr.json")).unwrap();
    let x = Array::<f64>::ones(&[5, 5], 5).unwrap();
    for (off, why) in [
        (vec![16usize, 0usize], "past the end"),
        (vec![0, 26], "past the end"),
        (vec![0], "too few offsets"),
        (vec![0, 0, 0], "too many offsets"),
        (vec![usize::MAX, 0], "overflowing offset"),
    ] {
        let r = zarr::to_zarr_region(&x, &path, &off);
        assert!(matches!(r, Err(Error::Store { .. })), "{why}: {r:?}");
    }
    let r = zarr::to_zarr_region(&Array::<f64>::ones(&[2], 2).unwrap(), &path, &[0, 0]);
    assert!(matches!(r, Err(Error::Store { .. })), "1-d into 2-d: {r:?}");
    let r = zarr::to_zarr_region(&Array::<i32>::ones(&[2, 2], 2).unwrap(), &path, &[0, 0]);
    assert!(matches!(r, Err(Error::Store { .. })), "i32 into f64: {r:?}");
    assert_eq!(std::fs::read(path.join("zarr.json")).unwrap(), before);
}

#[test]
fn overwrite_policy() {
    let dir = TempDir::new("rt-overwrite");
    let path = dir.join("store");
    let first = plain::<f64>(1, &[8, 8]);
    zarr::to_zarr(
        &Array::from_ndarray(first.clone(), 4).unwrap(),
        &path,
        WriteOptions::default(),
    )
    .unwrap()
    .compute()
    .unwrap();
    // Writing again without overwrite fails when the write runs, and changes nothing.
    let second = data::<i32>(2, &[5, 3]);
    let x = Array::from_ndarray(second.clone(), 2).unwrap();
    let w = zarr::to_zarr(&x, &path, WriteOptions::default()).unwrap();
    match w.compute() {
        Err(Error::Store { store, msg, .. }) => {
            assert_eq!(store, path.display().to_string());
            assert!(msg.contains("exists"), "{msg}");
        }
        other => panic!("expected a store error, got {other:?}"),
    }
    assert_eq!(
        zarr::open_zarr::<f64>(&path).unwrap().compute().unwrap(),
        first
    );
    // overwrite(false) is the default; overwrite(true) replaces the array entirely.
    assert!(
        zarr::to_zarr(&x, &path, WriteOptions::default().overwrite(false))
            .unwrap()
            .compute()
            .is_err()
    );
    zarr::to_zarr(&x, &path, WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(
        zarr::open_zarr::<i32>(&path).unwrap().compute().unwrap(),
        second
    );
    assert!(zarr::open_zarr::<f64>(&path).is_err());
    // No chunk of the old array survives (old chunk c/1/1 is outside the new 3x2 grid).
    let files = files_below(&path);
    assert!(
        files
            .iter()
            .all(|f| f == "zarr.json" || f.starts_with("c/")),
        "{files:?}"
    );
    assert_eq!(info_of(&path).stored_chunks as usize, files.len() - 1);
    assert_eq!(files.len() - 1, 3 * 2);
    // An empty directory is not an existing store.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    zarr::to_zarr(&x, &empty, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(
        zarr::open_zarr::<i32>(&empty).unwrap().compute().unwrap(),
        second
    );
    // A file in the way is refused unless overwriting.
    let file = dir.join("file");
    std::fs::write(&file, b"not a store").unwrap();
    assert!(zarr::to_zarr(&x, &file, WriteOptions::default())
        .unwrap()
        .compute()
        .is_err());
    assert_eq!(std::fs::read(&file).unwrap(), b"not a store");
    zarr::to_zarr(&x, &file, WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(
        zarr::open_zarr::<i32>(&file).unwrap().compute().unwrap(),
        second
    );
}

#[test]
fn invalid_write_options_are_refused_up_front() {
    let dir = TempDir::new("rt-options");
    let x = Array::<f32>::ones(&[6, 4], 2).unwrap();
    let target = dir.join("never");
    for (why, opts) in [
        (
            "chunks of another rank",
            WriteOptions::default().chunks([2]),
        ),
        ("zero chunk", WriteOptions::default().chunks([0, 2])),
        (
            "shards of another rank",
            WriteOptions::default().shards([4, 4, 4]),
        ),
        ("zero shard", WriteOptions::default().shards([0, 4])),
        (
            "shard not a multiple of the chunk",
            WriteOptions::default().shards([4, 4]).chunks([3, 2]),
        ),
        (
            "one dimension name for two axes",
            WriteOptions::default().dimension_names(["x"]),
        ),
    ] {
        let r = zarr::to_zarr(&x, &target, opts);
        match r {
            Err(Error::Store { store, .. }) => assert_eq!(store, target.display().to_string()),
            other => panic!("{why}: expected a store error, got {other:?}"),
        }
        assert!(!target.exists(), "{why}: the target was touched");
    }
}

#[test]
fn write_all_writes_arrays_sharing_an_input() {
    let dir = TempDir::new("rt-write-all");
    let v = plain::<f64>(5, &[24, 18]);
    // The shared input is itself a store.
    let src = dir.join("src");
    zarr::to_zarr(
        &Array::from_ndarray(v.clone(), [8, 6]).unwrap(),
        &src,
        WriteOptions::default(),
    )
    .unwrap()
    .compute()
    .unwrap();
    let x = zarr::open_zarr::<f64>(&src).unwrap();
    let doubled = &x * 2.0;
    let plus = (&x + 1.0).rechunk([5, 5]).unwrap();
    let means = x.mean(vec![0]).unwrap();
    let w1 = zarr::to_zarr(&doubled, dir.join("doubled"), WriteOptions::default()).unwrap();
    let w2 = zarr::to_zarr(
        &plus,
        dir.join("plus"),
        WriteOptions::default()
            .chunks([7, 4])
            .compression(Compression::Zstd { level: 2 }),
    )
    .unwrap();
    let w3 = zarr::to_zarr(&means, dir.join("means"), WriteOptions::default()).unwrap();
    let any = zarr::open_zarr_any(&src).unwrap();
    let w4 = zarr::to_zarr(
        &any,
        dir.join("copy"),
        WriteOptions::default().shards([12, 18]).chunks([4, 6]),
    )
    .unwrap();
    let reports =
        zarr::write_all(&[&w1, &w2, &w3, &w4], &ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(reports.len(), 4);
    assert_eq!(reports[0].path, dir.join("doubled"));
    assert_eq!(reports[1].chunks_total, 4 * 5);
    let back = |n: &str| {
        zarr::open_zarr::<f64>(dir.join(n))
            .unwrap()
            .compute()
            .unwrap()
    };
    assert_eq!(back("doubled"), v.mapv(|a| a * 2.0));
    assert_eq!(back("plus"), v.mapv(|a| a + 1.0));
    assert_eq!(back("copy"), v);
    let m = back("means");
    let want = v.mean_axis(ndarray::Axis(0)).unwrap();
    assert_eq!(m.shape(), want.shape());
    for (a, b) in m.iter().zip(want.iter()) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert_eq!(info_of(&dir.join("plus")).chunks, vec![7, 4]);
    for n in ["doubled", "plus", "means", "copy"] {
        assert_no_tmp_files(&dir.join(n));
    }
}

#[test]
fn durability_modes_roundtrip() {
    let dir = TempDir::new("rt-durability");
    let v = data::<u16>(6, &[9, 9]);
    for (k, d) in [
        Durability::AtEnd,
        Durability::PerChunk,
        Durability::OsDecides,
    ]
    .into_iter()
    .enumerate()
    {
        roundtrip(
            &dir,
            &format!("d{k}"),
            &v,
            4,
            WriteOptions::default().durability(d),
        );
    }
}

/// Deletes every chunk file of `store` outside the box `r` of a 10x10-chunked 2-d array.
fn keep_only_chunks_under(store: &Path, r: &[Range<usize>], chunk: usize) -> usize {
    let mut kept = 0;
    for f in files_below(store) {
        let parts: Vec<&str> = f.split('/').collect();
        if parts.len() != 3 || parts[0] != "c" {
            continue;
        }
        let (i, j): (usize, usize) = (parts[1].parse().unwrap(), parts[2].parse().unwrap());
        let needed = |ax: usize, k: usize| k * chunk < r[ax].end && (k + 1) * chunk > r[ax].start;
        if needed(0, i) && needed(1, j) {
            kept += 1;
        } else {
            std::fs::remove_file(store.join(&f)).unwrap();
        }
    }
    kept
}

#[test]
fn sliced_reads_open_only_the_chunks_they_need() {
    let dir = TempDir::new("rt-culling");
    let v = plain::<f64>(8, &[40, 40]);
    let store = dir.join("s");
    zarr::to_zarr(
        &Array::from_ndarray(v.clone(), 10).unwrap(),
        &store,
        WriteOptions::default().chunks([10, 10]),
    )
    .unwrap()
    .compute()
    .unwrap();
    let r = [12..27, 5..18];
    assert_eq!(keep_only_chunks_under(&store, &r, 10), 4);
    let strict = ReadOptions::default().missing_chunks(MissingChunks::Error);
    let a = zarr::open_zarr_with::<f64>(&store, &strict).unwrap();
    // The whole array needs deleted chunks.
    assert!(matches!(
        a.compute(),
        Err(Error::Store { chunk: Some(_), .. })
    ));
    let want = nd_slice(&v, &r);
    assert_eq!(a.slice(&r).unwrap().compute().unwrap(), want);
    // Slices of slices, reductions and elementwise work over the slice: still only the
    // chunks under it.
    let s = a.slice(&r).unwrap();
    assert_eq!(
        s.slice(&[1..14, 2..10]).unwrap().compute().unwrap(),
        nd_slice(&want, &[1..14, 2..10])
    );
    let total = (&s * 2.0).sum(..).unwrap().compute_scalar().unwrap();
    assert!((total - 2.0 * want.sum()).abs() < 1e-9 * want.sum().abs().max(1.0));
    // A read chunking aligned with the storage chunks culls the same way.
    let b = zarr::open_zarr_with::<f64>(&store, &strict.clone().chunks([5, 5])).unwrap();
    assert_eq!(b.slice(&r).unwrap().compute().unwrap(), want);
    // The dynamic API too.
    let any = zarr::open_zarr_any_with(&store, &strict).unwrap();
    let got = common::python::slice_any(&any, &r).unwrap();
    assert_npy_eq(&compute_npy(&got).unwrap(), &nd_to_npy(&want), "any slice");
    // Each stored chunk needed is read once per task: one task per chunk under the slice.
    let (_, stats) = a
        .slice(&r)
        .unwrap()
        .compute_stats(&ComputeOptions::default())
        .unwrap();
    assert!(stats.tasks.total() <= 4 + 1, "{:?}", stats.tasks);
}

#[test]
fn stepped_indexing_opens_only_chunks_holding_selected_elements() {
    let dir = TempDir::new("rt-stepped");
    let v = plain::<f64>(9, &[40, 40]);
    let store = dir.join("s");
    zarr::to_zarr(
        &Array::from_ndarray(v.clone(), 10).unwrap(),
        &store,
        WriteOptions::default().chunks([10, 10]),
    )
    .unwrap()
    .compute()
    .unwrap();
    // Rows 25, 10 (x[25:5:-15]) and columns 0, 13, 26, 39 (x[:, ::13]): the chunks in rows
    // 1..3 and every column; row chunks 0 and 3 hold nothing selected and are deleted.
    assert_eq!(keep_only_chunks_under(&store, &[10..30, 0..40], 10), 8);
    let strict = ReadOptions::default().missing_chunks(MissingChunks::Error);
    let a = zarr::open_zarr_with::<f64>(&store, &strict).unwrap();
    let got = a
        .index(&[Idx::slice(6, Some(26), -15), Idx::slice(0, None, 13)])
        .unwrap();
    let want = v.slice(ndarray::s![6..26;-15, ..;13]).to_owned().into_dyn();
    assert_eq!(got.compute().unwrap(), want);
    // x[::20] reads rows 0 and 20: row 0 lies in a deleted chunk.
    assert!(a
        .index(&[Idx::slice(0, None, 20)])
        .unwrap()
        .compute()
        .is_err());
}

/// A shape, then per axis: in-memory, write and read chunk sizes, and shard multiples.
type Chunkings = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>);

fn shape_and_chunks() -> impl Strategy<Value = Chunkings> {
    prop::collection::vec(1usize..=9, 1..=3).prop_flat_map(|shape| {
        let n = shape.len();
        let per_axis = |shape: &Vec<usize>| shape.iter().map(|&l| 1..=l + 1).collect::<Vec<_>>();
        (
            Just(shape.clone()),
            per_axis(&shape),
            per_axis(&shape),
            per_axis(&shape),
            prop::collection::vec(1usize..=3, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    /// The values read back do not depend on the in-memory, storage (and shard), or read
    /// chunking, nor on the slice read.
    #[test]
    fn roundtrip_is_independent_of_chunking(
        (shape, mem, write, read, shard_mult) in shape_and_chunks(),
        sharded in any::<bool>(),
        seed in any::<u64>(),
        cut in prop::collection::vec((0usize..9, 0usize..9), 3),
    ) {
        let dir = TempDir::new("rt-prop");
        let v = data::<i32>(seed, &shape);
        let x = Array::from_ndarray(v.clone(), mem.clone()).unwrap();
        let mut opts = WriteOptions::default().chunks(write.clone());
        if sharded {
            let shards: Vec<usize> = write.iter().zip(&shard_mult).map(|(c, m)| c * m).collect();
            opts = opts.shards(shards);
        }
        let path = dir.join("p");
        zarr::to_zarr(&x, &path, opts).unwrap().compute().unwrap();
        let a = zarr::open_zarr_with::<i32>(&path, &ReadOptions::default().chunks(read.clone())).unwrap();
        prop_assert_eq!(a.compute().unwrap(), v.clone());
        let r: Vec<Range<usize>> = shape
            .iter()
            .zip(&cut)
            .map(|(&l, &(p, q))| {
                // Non-empty (empty slices: see empty_slices_of_a_store_read_as_empty).
                let (p, q) = (p % l, q % l);
                p.min(q)..p.max(q) + 1
            })
            .collect();
        prop_assert_eq!(a.slice(&r).unwrap().compute().unwrap(), nd_slice(&v, &r));
        let stored = zarr::open_zarr::<i32>(&path).unwrap();
        prop_assert_eq!(stored.slice(&r).unwrap().compute().unwrap(), nd_slice(&v, &r));
    }
}

#[test]
fn group_of_arrays_roundtrips() {
    let dir = TempDir::new("rt-group");
    let root = dir.join("g");
    let mut attrs = serde_json::Map::new();
    attrs.insert("title".into(), serde_json::json!("roundtrip"));
    zarr::create_group(&root, attrs.clone()).unwrap();
    let t = plain::<f32>(9, &[4, 5, 6]);
    zarr::to_zarr(
        &Array::from_ndarray(t.clone(), 2).unwrap(),
        root.join("t"),
        WriteOptions::default()
            .dimension_names(["time", "lat", "lon"])
            .attribute("units", "K")
            .attribute("valid_range", serde_json::json!([0, 400])),
    )
    .unwrap()
    .compute()
    .unwrap();
    let info = zarr::info(&root).unwrap();
    match &info.kind {
        NodeKind::Group { attributes } => assert_eq!(attributes, &attrs),
        NodeKind::Array(_) => panic!("the root is a group"),
    }
    assert_eq!(info.children.len(), 1);
    assert_eq!(info.children[0].path, "/t");
    let NodeKind::Array(a) = &info.children[0].kind else {
        panic!("/t is an array")
    };
    assert_eq!(
        a.dimension_names,
        Some(vec![
            Some("time".into()),
            Some("lat".into()),
            Some("lon".into())
        ])
    );
    assert_eq!(a.attributes["units"], "K");
    assert_eq!(a.attributes["valid_range"], serde_json::json!([0, 400]));
    assert_eq!(
        zarr::open_zarr::<f32>(root.join("t"))
            .unwrap()
            .compute()
            .unwrap(),
        t
    );
    assert_eq!(
        DType::F32,
        zarr::open_zarr_any(root.join("t")).unwrap().dtype()
    );
}

/// Replacing the store that the values are read from would empty it before the read: such a
/// write is refused up front and the store keeps its data.
#[test]
fn overwriting_the_store_being_read_is_refused() {
    let dir = TempDir::new("rt-own-target");
    let p = dir.join("x.zarr");
    let x = tessera::Array::<f64>::arange(0.0, 100.0, 1.0, 30).unwrap();
    tessera::zarr::to_zarr(&x, &p, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let y = tessera::zarr::open_zarr::<f64>(&p).unwrap();
    let sq = &y * &y;
    let w = tessera::zarr::to_zarr(&sq, &p, WriteOptions::default().overwrite(true)).unwrap();
    match w.compute() {
        Err(tessera::Error::Store { msg, .. }) => {
            assert!(msg.contains("read from this store"), "{msg}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let back = tessera::zarr::open_zarr::<f64>(&p).unwrap();
    assert_eq!(back.sum(..).unwrap().compute_scalar().unwrap(), 4950.0);
    // Writing the same values elsewhere works.
    let q = dir.join("sq.zarr");
    tessera::zarr::to_zarr(&sq, &q, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let want: f64 = (0..100).map(|i| (i * i) as f64).sum();
    let got = tessera::zarr::open_zarr::<f64>(&q)
        .unwrap()
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    assert_eq!(got, want);
}
