//! The tessera side of the peer benchmarks (`benches/peers/run.py` runs it beside NumPy and
//! Dask): `bench_workload WID SIZE [--reps R] [--threads N]`.
//!
//! Protocol, the same for every side: build the inputs (untimed; the same counter-based
//! random data the peers generate), run once untimed, then time R runs. Prints one JSON line
//! with the times, the median, the peak RSS of the process and a checksum of the result.
//!
//! W11 and W12 generate their data inside the timed region (each side with its own random
//! generator, so their checksums agree only statistically):
//!
//! - W11: the means over axis 0 of `u*u`, `v*v` and `u*v` in one computation, u and v
//!   uniform in [0, 1) (seeds 1 and 2); checksum = the sum of the three means.
//! - W12: the `tessera demo` pipeline (src/bin/tessera/demo.rs; S = `--size small`, M =
//!   `--size medium`), repeated here with the same field, store layout, write options and
//!   phases, without the progress bars and the final tree listing: (1) generate and write
//!   `temperature`; (2) write `time_mean` (NaN-aware) and `anomaly` in one computation;
//!   (3) the four reductions in one computation. The store lives in a fresh directory
//!   under the system temporary directory (`$TMPDIR`), removed untimed before every run
//!   and at the end. A run's time is the sum of its phases; the JSON line also has
//!   `phases_s`, `phase_medians_s` and `stats` (the reductions); checksum = global mean +
//!   anomaly std.
//!
//! W6 and W3Z read a Zarr store under a memory limit (the out-of-core workloads). The store
//! (uniform values, seed 1, blosc lz4 with byte shuffle) is made untimed on first use at
//! `$TMPDIR/tessera-peers/<WID>-<SIZE>.zarr` and kept for the peers and later runs:
//!
//! - W6: rechunk row chunks into column chunks, then sum (M: f64 20000², (20000, 200) →
//!   (200, 20000), memory limit 1 GiB; S: 4000², (4000, 40) → (40, 4000), 64 MiB).
//! - W3Z: W3's anomaly `(x - x.mean(0)).std()` of a stored array (M: f64 32000², 8.2 GB,
//!   chunks 2000², memory limit 1 GiB; S: 4000², chunks 500², 64 MiB).
//! - W10: `mean(axis 0)` of a store larger than this machine's memory (M: f64 800 × 2048²,
//!   26.8 GB, chunks 50 × 512², memory limit 1 GiB; S: 40 × 512², chunks 10 × 256², 64 MiB).

use ndarray::{Array2, Array3, ArrayD};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tessera::prelude::*;
use tessera::zarr::{self, WriteOptions};
use tessera::Boundary;

fn sizes(w: &str, size: &str) -> Option<(Vec<usize>, Vec<usize>)> {
    Some(match (w, size) {
        ("W1", "S") => (vec![20_000_000], vec![2_000_000]),
        ("W1", "M") => (vec![200_000_000], vec![4_000_000]),
        ("W2" | "W3" | "W4" | "W16", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W2" | "W3" | "W4" | "W16", "M") => (vec![20000, 20000], vec![2000, 2000]),
        ("W5", "S") => (vec![1024, 1024], vec![256, 256]),
        ("W5", "M") => (vec![4096, 4096], vec![1024, 1024]),
        ("W9", "S") => (vec![200_000, 50], vec![10_000, 50]),
        ("W9", "M") => (vec![2_000_000, 50], vec![100_000, 50]),
        ("W15", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W15", "M") => (vec![20000, 20000], vec![2000, 2000]),
        ("W14" | "W14M", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W14" | "W14M", "M") => (vec![20000, 20000], vec![2000, 2000]),
        ("W13", "S") => (vec![100_000, 1000], vec![10_000, 1000]),
        ("W13", "M") => (vec![1_000_000, 1000], vec![100_000, 1000]),
        ("W17" | "W18", "S") => (vec![10_000_000], vec![1_000_000]),
        ("W17" | "W18", "M") => (vec![100_000_000], vec![10_000_000]),
        ("W8", "S") => (vec![1_000_000], vec![100]),
        ("W8", "M") => (vec![10_000_000], vec![100]),
        ("W11", "S") => (vec![40, 500, 500], vec![8, 500, 250]),
        ("W11", "M") => (vec![200, 1000, 2000], vec![20, 1000, 1000]),
        // The demo's small and medium sizes; its chunks are [73, 181, 360] clipped.
        ("W12", "S") => (vec![90, 181, 360], vec![73, 181, 360]),
        ("W12", "M") => (vec![365, 721, 1440], vec![73, 181, 360]),
        ("W6", "S") => (vec![4000, 4000], vec![4000, 40]),
        ("W6", "M") => (vec![20000, 20000], vec![20000, 200]),
        ("W3Z", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W3Z", "M") => (vec![32000, 32000], vec![2000, 2000]),
        ("W10", "S") => (vec![40, 512, 512], vec![10, 256, 256]),
        ("W10", "M") => (vec![800, 2048, 2048], vec![50, 512, 512]),
        _ => return None,
    })
}

/// Peak resident set size of this process, from /proc (0 where unavailable).
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn input(shape: &[usize], chunks: &[usize], seed: u64) -> Result<Array<f64>, tessera::Error> {
    // Materialize once, outside the clock, as the peers do with NumPy arrays.
    let data: ArrayD<f64> = random::uniform::<f64>(shape, chunks.to_vec(), seed)?.compute()?;
    Array::from_ndarray(data, chunks.to_vec())
}

/// W15's points: `i_p = (p · 2654435761 + 12345) mod rows`, `j_p = (p · 40503 + 977) mod
/// cols` (the peers compute the same).
fn w15_points(n: usize, rows: usize, cols: usize) -> (Vec<isize>, Vec<isize>) {
    (0..n as u64)
        .map(|p| {
            (
                ((p * 2_654_435_761 + 12_345) % rows as u64) as isize,
                ((p * 40_503 + 977) % cols as u64) as isize,
            )
        })
        .unzip()
}

/// The memory limit of the out-of-core workloads.
fn store_budget(size: &str) -> usize {
    if size == "M" {
        1 << 30
    } else {
        64 << 20
    }
}

/// The input store of W6 / W3Z, made on first use (written aside, then renamed).
fn input_store(
    w: &str,
    size: &str,
    shape: &[usize],
    chunks: &[usize],
) -> Result<PathBuf, tessera::Error> {
    let dir = std::env::temp_dir().join("tessera-peers");
    let path = dir.join(format!("{w}-{size}.zarr"));
    if path.join("zarr.json").exists() {
        return Ok(path);
    }
    let tmp = dir.join(format!(".{w}-{size}-{}.zarr", std::process::id()));
    let x = random::uniform::<f64>(shape, chunks.to_vec(), 1)?;
    let opts = WriteOptions::default()
        .overwrite(true)
        .compression(zarr::Compression::Blosc {
            compressor: zarr::BloscCompressor::Lz4,
            level: 5,
            shuffle: zarr::Shuffle::Byte,
        });
    zarr::to_zarr(&x, &tmp, opts)?.compute()?;
    let _ = std::fs::remove_dir_all(&path);
    std::fs::rename(&tmp, &path).map_err(|e| tessera::Error::Argument {
        op: "input store".into(),
        msg: format!("renaming {} to {}: {e}", tmp.display(), path.display()),
    })?;
    Ok(path)
}

/// What one run gives: the checksum and, for W12, the seconds per phase and the reductions.
struct Run {
    checksum: f64,
    phases: Option<[f64; 3]>,
    stats: Option<[f32; 4]>,
}

impl Run {
    fn plain(checksum: f64) -> Run {
        Run {
            checksum,
            phases: None,
            stats: None,
        }
    }
}

const W12_PHASES: [&str; 3] = ["generate", "analyse", "reduce"];

/// W11: three means over axis 0 of products of two generated arrays, in one computation.
fn w11(shape: &[usize], chunks: &[usize], opts: &ComputeOptions) -> Result<f64, tessera::Error> {
    let u = random::uniform::<f64>(shape, chunks.to_vec(), 1)?;
    let v = random::uniform::<f64>(shape, chunks.to_vec(), 2)?;
    let a = (&u * &u).mean(0)?;
    let b = (&v * &v).mean(0)?;
    let c = (&u * &v).mean(0)?;
    let (r, _) = tessera::compute_many_with(&[&a, &b, &c], opts)?;
    Ok(r.iter().map(|m| m.sum()).sum())
}

/// W12: the three phases of `tessera demo` (src/bin/tessera/demo.rs) on a fresh store.
fn w12(store: &Path, shape: &[usize], opts: &ComputeOptions) -> Result<Run, tessera::Error> {
    let [nt, nlat, nlon] = [shape[0], shape[1], shape[2]];
    let chunks = [73.min(nt), 181.min(nlat), 360.min(nlon)];
    let _ = std::fs::remove_dir_all(store); // untimed: the previous run's store

    // 1. Generate and write.
    let t0 = Instant::now();
    let temperature = synthetic_temperature(nt, nlat, nlon, chunks)?;
    zarr::create_group(
        store,
        attrs(&[("title", "tessera demo: synthetic daily temperature")]),
    )?;
    let wopts = WriteOptions::default()
        .overwrite(true)
        .dimension_names(["time", "lat", "lon"])
        .attribute("units", "K")
        .attribute("long_name", "air temperature at 2 m")
        .fill_value(f64::NAN);
    let w = zarr::to_zarr(&temperature, store.join("temperature"), wopts.clone())?;
    zarr::write_all(&[&w], opts)?;
    let generate = t0.elapsed().as_secs_f64();

    // 2. Time mean and anomaly, written in one computation.
    let t1 = Instant::now();
    let t = zarr::open_zarr::<f32>(store.join("temperature"))?;
    let time_mean = t.nanmean(0)?;
    let anomaly = t.try_sub(&time_mean)?;
    let w_mean = zarr::to_zarr(
        &time_mean,
        store.join("time_mean"),
        WriteOptions::default()
            .overwrite(true)
            .dimension_names(["lat", "lon"])
            .attribute("units", "K")
            .fill_value(f64::NAN),
    )?;
    let w_anom = zarr::to_zarr(
        &anomaly,
        store.join("anomaly"),
        wopts.attribute("long_name", "temperature anomaly against the time mean"),
    )?;
    zarr::write_all(&[&w_mean, &w_anom], opts)?;
    let analyse = t1.elapsed().as_secs_f64();

    // 3. Reductions of the stored arrays.
    let t2 = Instant::now();
    let t = zarr::open_zarr::<f32>(store.join("temperature"))?;
    let a = zarr::open_zarr::<f32>(store.join("anomaly"))?;
    let global_mean = t.nanmean(..)?;
    let anomaly_std = a.nanstd(..)?;
    let anomaly_max = a.abs().nanmax(..)?;
    let missing = t.isnan().count_nonzero(..)?.astype::<f32>();
    let (r, _) =
        tessera::compute_many_with(&[&global_mean, &anomaly_std, &anomaly_max, &missing], opts)?;
    let reduce = t2.elapsed().as_secs_f64();

    let v = |i: usize| r[i].first().copied().unwrap_or(f32::NAN);
    let stats = [v(0), v(1), v(2), v(3)];
    Ok(Run {
        checksum: f64::from(stats[0]) + f64::from(stats[1]),
        phases: Some([generate, analyse, reduce]),
        stats: Some(stats),
    })
}

fn attrs(kv: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect()
}

/// The demo's lazy temperature field (the same code as src/bin/tessera/demo.rs).
fn synthetic_temperature(
    nt: usize,
    nlat: usize,
    nlon: usize,
    chunks: [usize; 3],
) -> tessera::Result<Array<f32>> {
    let lat = |i: usize| -90.0 + 180.0 * i as f64 / (nlat.max(2) - 1) as f64;
    // Mean temperature by latitude, with a longitude wave (continents).
    let base = Array2::from_shape_fn((nlat, nlon), |(i, j)| {
        let l = lat(i).to_radians();
        let lon = 360.0 * j as f64 / nlon as f64;
        (250.0 + 50.0 * l.cos().powi(2) + 3.0 * (2.0 * lon.to_radians()).sin()) as f32
    });
    // Seasonal amplitude grows towards the poles, opposite sign in the south.
    let amp = Array2::from_shape_fn((nlat, nlon), |(i, _)| (15.0 * lat(i) / 90.0) as f32);
    let season = Array3::from_shape_fn((nt, 1, 1), |(d, _, _)| {
        (2.0 * std::f64::consts::PI * (d as f64 - 105.0) / 365.25).sin() as f32
    });
    // A few stations report nothing at all.
    let missing = Array2::from_shape_fn((nlat, nlon), |(i, j)| (i * 7 + j * 13) % 997 == 0);
    let base = Array::from_ndarray(base, [chunks[1], chunks[2]])?;
    let amp = Array::from_ndarray(amp, [chunks[1], chunks[2]])?;
    let season = Array::from_ndarray(season, [chunks[0], 1, 1])?;
    let missing = Array::from_ndarray(missing, [chunks[1], chunks[2]])?;
    let noise = random::normal::<f32>(&[nt, nlat, nlon], chunks.to_vec(), 42, 0.0, 2.0)?;
    let t = season.try_mul(&amp)?.try_add(&base)?.try_add(&noise)?;
    where_(&missing, f32::NAN, &t)
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        f64::NAN
    } else if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
    }
}

fn json_list(xs: &[f64]) -> String {
    let v: Vec<String> = xs.iter().map(|t| format!("{t:.6}")).collect();
    format!("[{}]", v.join(", "))
}

/// Removes the W12 scratch directory when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: bench_workload W1|W2|W3|W4|W5|W6|W8|W9|W10|W11|W12|W13|W14|W14M|W15|W16|W17|W18|W3Z S|M [--reps R] \
         [--threads N]";
    let w = args.first().ok_or(usage)?.clone();
    let size = args.get(1).ok_or(usage)?.clone();
    let mut reps = if size == "M" { 3 } else { 5 };
    let mut opts = ComputeOptions::new();
    let mut i = 2;
    while i < args.len() {
        match args[i].as_str() {
            "--reps" => reps = args.get(i + 1).ok_or(usage)?.parse()?,
            "--threads" => opts = opts.threads(args.get(i + 1).ok_or(usage)?.parse()?),
            other => return Err(format!("unknown argument {other}; {usage}").into()),
        }
        i += 2;
    }
    let (shape, chunks) = sizes(&w, &size).ok_or(usage)?;
    let stored = w == "W6" || w == "W3Z" || w == "W10" || w == "W15";
    let generated = w == "W11" || w == "W12" || stored;
    let store_in = if stored {
        Some(input_store(&w, &size, &shape, &chunks)?)
    } else {
        None
    };
    let limited = opts.clone().memory_limit(store_budget(&size));
    let x = if generated {
        None
    } else {
        Some(input(&shape, &chunks, 1)?)
    };
    let xi: Option<Array<i32>> = match (&x, w.as_str()) {
        (Some(x), "W18") => {
            let v = x.try_mul(100000.0)?.floor().astype::<i32>().compute()?;
            Some(Array::from_ndarray(v, chunks.clone())?)
        }
        _ => None,
    };
    let y = if w == "W1" || w == "W5" || w == "W14" {
        Some(input(&shape, &chunks, 2)?)
    } else {
        None
    };
    let scratch = Scratch(std::env::temp_dir().join(format!("tessera-w12-{}", std::process::id())));
    let store = scratch.0.join("demo.zarr");

    let run = || -> Result<Run, Box<dyn std::error::Error>> {
        if w == "W11" {
            return Ok(Run::plain(w11(&shape, &chunks, &opts)?));
        }
        if w == "W12" {
            return Ok(w12(&store, &shape, &opts)?);
        }
        if let Some(p) = &store_in {
            let x = zarr::open_zarr::<f64>(p)?;
            let y = if w == "W6" {
                let cols = vec![chunks[1], chunks[0]];
                x.rechunk(cols)?.sum(..)?
            } else if w == "W10" {
                x.mean(0)?.sum(..)?
            } else if w == "W15" {
                // x[x > 0.9].sum() + x.vindex[i, j].sum() over deterministic points.
                let points = if size == "M" { 1_000_000 } else { 100_000 };
                let (i, j) = w15_points(points, shape[0], shape[1]);
                let selected = x.mask_select(&x.greater(0.9)?)?.sum(..)?;
                let picked = x.vindex(&[&i, &j])?.sum(..)?;
                &selected + &picked
            } else {
                (&x - &x.mean(0)?).std(..)?
            };
            if std::env::var_os("TESSERA_BENCH_EXPLAIN").is_some() {
                eprintln!("{}", y.explain_with(&limited));
            }
            let (r, stats) = y.compute_stats(&limited)?;
            eprintln!(
                "{w}: peak tracked {} MiB, spilled {} chunks ({} MiB), dropped {}, peak RSS {} MiB",
                stats.peak_bytes >> 20,
                stats.spilled_chunks,
                stats.spilled_bytes >> 20,
                stats.dropped_chunks,
                stats.peak_rss.unwrap_or(0) >> 20
            );
            return Ok(Run::plain(r.sum()));
        }
        let x = x.as_ref().ok_or("no input")?;
        Ok(Run::plain(match w.as_str() {
            "W1" => {
                let y = y.as_ref().ok_or("no input")?;
                (x.sin() * y + 1.0).sum(..)?.compute_with(&opts)?.sum()
            }
            "W2" => {
                let m = x.mean(0)?;
                let s = x.std(1)?;
                let (r, _) = tessera::compute_many_with(&[&m, &s], &opts)?;
                r[0].sum() + r[1].sum()
            }
            "W3" => (x - &x.mean(0)?).std(..)?.compute_with(&opts)?.sum(),
            "W17" => {
                let s = x.sort(0)?.compute_with(&opts)?;
                s.iter().step_by(1000).sum()
            }
            "W18" => {
                // int32 values floor(u · 100000), materialized outside the clock.
                let xi = xi.as_ref().ok_or("no input")?;
                let (h, _edges) = xi.histogram(100, None)?;
                let h = h.compute_with(&opts)?;
                let u = xi.unique()?;
                let weighted: f64 = h
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| k as f64 * c as f64)
                    .sum();
                weighted
                    + u.values.len() as f64
                    + u.values.iter().map(|&v| f64::from(v)).sum::<f64>()
            }
            "W16" => {
                let m = x.median(0)?;
                let p = x.percentile(&[5.0, 95.0], 1, tessera::QuantileMethod::Linear)?;
                let (r, _) = tessera::compute_many_with(&[&m, &p], &opts)?;
                r[0].sum() + r[1].sum()
            }
            "W4" => (x + &x.t()).sum(..)?.compute_with(&opts)?.sum(),
            "W5" => {
                let y = y.as_ref().ok_or("no input")?;
                x.matmul(y)?.compute_with(&opts)?.sum()
            }
            "W9" => {
                // qr, then svd: two computations, as a user asking for both would run.
                let explain = std::env::var_os("TESSERA_BENCH_EXPLAIN").is_some();
                let t = Instant::now();
                let (q, r) = tessera::linalg::qr(x)?;
                let (qr, _) = tessera::compute_many_with(&[&q, &r], &opts)?;
                let (u, s, vt) = tessera::linalg::svd(x)?;
                if explain {
                    eprintln!("qr {:.3} s\n{}", t.elapsed().as_secs_f64(), u.explain());
                }
                let t = Instant::now();
                let (usv, _) = tessera::compute_many_with(&[&u, &s, &vt], &opts)?;
                if explain {
                    eprintln!("svd {:.3} s", t.elapsed().as_secs_f64());
                }
                let diag: f64 = (0..qr[1].shape()[0]).map(|i| qr[1][[i, i]].abs()).sum();
                diag + usv[1].sum()
            }
            "W14" => {
                // Vorticity dv/dx − du/dy by central differences (periodic), then mean |ω|.
                let y = y.as_ref().ok_or("no input")?;
                let dvdx = y.map_overlap(&[1, 1], Boundary::Periodic, |b, _| {
                    let mut out = ndarray::ArrayD::<f64>::zeros(b.shape());
                    let n = b.shape()[1];
                    let d = &b.slice(ndarray::s![.., 2..n]) - &b.slice(ndarray::s![.., 0..n - 2]);
                    out.slice_mut(ndarray::s![.., 1..n - 1]).assign(&(d / 2.0));
                    Ok(out)
                })?;
                let dudy = x.map_overlap(&[1, 1], Boundary::Periodic, |b, _| {
                    let mut out = ndarray::ArrayD::<f64>::zeros(b.shape());
                    let n = b.shape()[0];
                    let d = &b.slice(ndarray::s![2..n, ..]) - &b.slice(ndarray::s![0..n - 2, ..]);
                    out.slice_mut(ndarray::s![1..n - 1, ..]).assign(&(d / 2.0));
                    Ok(out)
                })?;
                (&dvdx - &dudy).abs().mean(..)?.compute_with(&opts)?.sum()
            }
            "W14M" => {
                // A 3×3 mean filter (edge values repeated beyond the array), then its mean.
                x.map_overlap(&[1, 1], Boundary::Nearest, |b, _| mean3x3(b))?
                    .mean(..)?
                    .compute_with(&opts)?
                    .sum()
            }
            "W13" => {
                let (u, s, vt) = tessera::linalg::svd_compressed(x, 20, 0, 42)?;
                if std::env::var_os("TESSERA_BENCH_EXPLAIN").is_some() {
                    eprintln!("{}", s.explain());
                }
                let (usv, _) = tessera::compute_many_with(&[&u, &s, &vt], &opts)?;
                usv[1].sum()
            }
            _ => (x + 1.0).sum(..)?.compute_with(&opts)?.sum(),
        }))
    };

    let mut last = run()?; // warm-up
    let mut times = Vec::with_capacity(reps);
    let mut phases: [Vec<f64>; 3] = Default::default();
    for _ in 0..reps {
        let t = Instant::now();
        last = run()?;
        let mut secs = t.elapsed().as_secs_f64();
        if let Some(p) = last.phases {
            for (all, s) in phases.iter_mut().zip(p) {
                all.push(s);
            }
            secs = p.iter().sum(); // W12: the sum of the phases, as the peers report it
        }
        times.push(secs);
    }
    let checksum = last.checksum;
    let median_s = median(&times);
    let threads = opts.threads.unwrap_or_else(rayon_threads);
    let mut extra = String::new();
    if let (Some(_), Some(s)) = (last.phases, last.stats) {
        let lists: Vec<String> = W12_PHASES
            .iter()
            .zip(&phases)
            .map(|(k, v)| format!("\"{k}\": {}", json_list(v)))
            .collect();
        let medians: Vec<String> = W12_PHASES
            .iter()
            .zip(&phases)
            .map(|(k, v)| format!("\"{k}\": {:.6}", median(v)))
            .collect();
        extra = format!(
            ", \"phases_s\": {{{}}}, \"phase_medians_s\": {{{}}}, \"stats\": {{\"global_mean\": \
             {:.9e}, \"anomaly_std\": {:.9e}, \"anomaly_max\": {:.9e}, \"missing\": {}}}",
            lists.join(", "),
            medians.join(", "),
            s[0],
            s[1],
            s[2],
            s[3] as u64
        );
    }
    println!(
        "{{\"side\": \"tessera\", \"workload\": \"{w}\", \"size\": \"{size}\", \"times_s\": {}, \
         \"median_s\": {median_s:.6}, \"peak_rss_bytes\": {}, \"checksum\": {checksum:.17e}, \
         \"threads\": {threads}, \"versions\": {{\"tessera\": \"{}\", \"matmul\": \"{}\"}}{extra}}}",
        json_list(&times),
        peak_rss_bytes(),
        env!("CARGO_PKG_VERSION"),
        tessera::linalg::matmul_backend()
    );
    drop(scratch);
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The mean of each element's 3×3 neighbourhood in a block with a one-element halo (the
/// halo itself keeps its values: `map_overlap` trims it).
fn mean3x3(b: ndarray::ArrayViewD<'_, f64>) -> tessera::Result<ndarray::ArrayD<f64>> {
    let (r, c) = (b.shape()[0], b.shape()[1]);
    let mut out = b.to_owned();
    if r >= 3 && c >= 3 {
        let mut acc = ndarray::Array2::<f64>::zeros((r - 2, c - 2)).into_dyn();
        for di in 0..3 {
            for dj in 0..3 {
                acc += &b.slice(ndarray::s![di..r - 2 + di, dj..c - 2 + dj]);
            }
        }
        out.slice_mut(ndarray::s![1..r - 1, 1..c - 1])
            .assign(&(acc / 9.0));
    }
    Ok(out)
}
