//! Workload W7 (tessera side): write then read a Zarr v3 store of f64, blosc lz4 byte
//! shuffle, the same data and protocol as `benches/peers/w7_peers.py`.
//!
//! ```text
//! cargo run --release --example w7_zarr -- --side tessera|codec [--dir DIR] [--reps R]
//!     [--shape N] [--chunk C]
//! ```
//! `tessera`: `to_zarr(..).compute()` then `open_zarr(..).compute()`, each timed;
//! `codec`: the in-memory ceiling of the blosc build tessera ships (compress all chunks, then
//! decompress all, on all cores, no store). One warm-up, then R timed repetitions; one JSON
//! line on stdout.

use ndarray::{s, Array2};
use rayon::prelude::*;
use std::time::Instant;
use tessera::zarr::{self, BloscCompressor, Compression, Shuffle, WriteOptions};
use tessera::Array;
use zarrs::array::codec::{
    blosc_compress_bytes, blosc_decompress_bytes, BloscCompressor as ZC, BloscShuffleMode,
};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn data(n: usize) -> Array2<f64> {
    let si: Vec<f64> = (0..n).map(|i| (i as f64 / 500.0).sin()).collect();
    let cj: Vec<f64> = (0..n).map(|j| (j as f64 / 700.0).cos()).collect();
    Array2::from_shape_fn((n, n), |(i, j)| {
        280.0 + 20.0 * si[i] * cj[j] + 0.01 * ((i * 16384 + j) % 1000) as f64
    })
}

/// Whether `a` holds exactly `data(n)` (checked without materializing a second array).
fn matches_data(a: &ndarray::ArrayD<f64>, n: usize) -> bool {
    let si: Vec<f64> = (0..n).map(|i| (i as f64 / 500.0).sin()).collect();
    let cj: Vec<f64> = (0..n).map(|j| (j as f64 / 700.0).cos()).collect();
    a.shape() == [n, n]
        && a.indexed_iter().all(|(ix, &v)| {
            let (i, j) = (ix[0], ix[1]);
            v == 280.0 + 20.0 * si[i] * cj[j] + 0.01 * ((i * 16384 + j) % 1000) as f64
        })
}

fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            total += if path.is_dir() {
                dir_bytes(&path)
            } else {
                e.metadata().map_or(0, |m| m.len())
            };
        }
    }
    total
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let side = arg("--side", "tessera");
    let dir = std::path::PathBuf::from(arg("--dir", "/tmp/w7"));
    let reps: usize = arg("--reps", "3").parse()?;
    let n: usize = arg("--shape", "16384").parse()?;
    let c: usize = arg("--chunk", "1024").parse()?;
    let threads = rayon::current_num_threads();
    std::fs::create_dir_all(&dir)?;
    let input = data(n);
    let nbytes = (n * n * 8) as f64;
    let checksum: f64 = input.sum();
    let (mut w, mut r) = (Vec::new(), Vec::new());
    let stored;
    if side == "codec" {
        let mut chunks = Vec::new();
        for i in (0..n).step_by(c) {
            for j in (0..n).step_by(c) {
                let b = input
                    .slice(s![i..(i + c).min(n), j..(j + c).min(n)])
                    .to_owned();
                let v: Vec<u8> = b.iter().flat_map(|x| x.to_le_bytes()).collect();
                chunks.push(v);
            }
        }
        let level = 5u8.try_into().map_err(|_| "level")?;
        let compress = |chunks: &Vec<Vec<u8>>| -> Result<Vec<Vec<u8>>, String> {
            chunks
                .par_iter()
                .map(|ch| {
                    blosc_compress_bytes(ch, level, BloscShuffleMode::Shuffle, 8, ZC::LZ4, 0, 1)
                        .map_err(|e| e.to_string())
                })
                .collect()
        };
        let decompress = |enc: &Vec<Vec<u8>>, sizes: &Vec<usize>| -> Result<Vec<Vec<u8>>, String> {
            enc.par_iter()
                .zip(sizes)
                .map(|(e, &sz)| blosc_decompress_bytes(e, sz, 1).map_err(|e| e.to_string()))
                .collect()
        };
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let enc = compress(&chunks)?;
        let dec = decompress(&enc, &sizes)?;
        if dec != chunks {
            return Err("codec roundtrip differs".into());
        }
        stored = enc.iter().map(|e| e.len() as u64).sum::<u64>();
        for _ in 0..reps {
            let t = Instant::now();
            let enc = compress(&chunks)?;
            w.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let dec = decompress(&enc, &sizes)?;
            r.push(t.elapsed().as_secs_f64());
            drop(dec);
        }
    } else {
        let path = dir.join("tessera.zarr");
        // The input moves into the lazy array; the check compares against a regenerated copy,
        // so the process holds at most the input and one read-back array, as the peers do.
        drop(input);
        let x = Array::from_ndarray(data(n), [c, c])?;
        let durability = match arg("--durability", "at-end").as_str() {
            "os" => zarr::Durability::OsDecides,
            "per-chunk" => zarr::Durability::PerChunk,
            _ => zarr::Durability::AtEnd,
        };
        let opts = WriteOptions::default()
            .overwrite(true)
            .durability(durability)
            .compression(Compression::Blosc {
                compressor: BloscCompressor::Lz4,
                level: 5,
                shuffle: Shuffle::Byte,
            });
        let write = || zarr::to_zarr(&x, &path, opts.clone())?.compute();
        let read = || zarr::open_zarr::<f64>(&path)?.compute();
        let _ = std::fs::remove_dir_all(&path);
        write()?;
        let back = read()?;
        let same = matches_data(&back, n);
        drop(back);
        if !same {
            return Err("read-back differs from the input".into());
        }
        for _ in 0..reps {
            let _ = std::fs::remove_dir_all(&path);
            let t = Instant::now();
            write()?;
            w.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let back = read()?;
            r.push(t.elapsed().as_secs_f64());
            drop(back);
        }
        stored = dir_bytes(&path);
        std::fs::remove_dir_all(&path)?;
    }
    let (wm, rm) = (median(&w), median(&r));
    println!(
        "{{\"side\": \"tessera{}\", \"workload\": \"W7\", \"shape\": [{n}, {n}], \"chunk\": [{c}, {c}], \"threads\": {threads}, \"write_s\": {w:?}, \"read_s\": {r:?}, \"write_median_s\": {wm}, \"read_median_s\": {rm}, \"write_mb_s\": {}, \"read_mb_s\": {}, \"stored_bytes\": {stored}, \"peak_rss_bytes\": {}, \"checksum\": {checksum}}}",
        match (side.as_str(), arg("--durability", "at-end").as_str()) {
            ("codec", _) => "-codec",
            (_, "os") => "-nosync",
            (_, "per-chunk") => "-fsync-each",
            _ => "",
        },
        nbytes / 1e6 / wm,
        nbytes / 1e6 / rm,
        peak_rss()
    );
    Ok(())
}
