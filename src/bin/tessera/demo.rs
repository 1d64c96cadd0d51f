//! `tessera demo`: a climate-style workload on a locally generated Zarr store.
//!
//! 1. Generates a daily temperature field (time x lat x lon, f32): a latitude profile, a
//!    seasonal cycle that grows towards the poles, weather noise, and a few stations with
//!    missing values (NaN); writes it to `DIR/demo.zarr/temperature`.
//! 2. Reads it back lazily and writes, in one computation, the time mean
//!    (`time_mean`, NaN-aware) and the anomaly against it (`anomaly`).
//! 3. Computes a few reductions of the stored arrays and prints the store's tree.

use crate::info::human_bytes;
use crate::progress::Bar;
use ndarray::{Array2, Array3};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tessera::zarr::{self, WriteOptions};
use tessera::{compute_many_with, random, where_, Array, ComputeOptions, Progress};

/// How big the generated dataset is.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Size {
    /// 90 x 181 x 360 (about 0.02 GB).
    Small,
    /// 365 x 721 x 1440 (about 1.5 GB).
    Medium,
    /// 1460 x 721 x 1440 (about 6 GB).
    Large,
}

impl Size {
    fn shape(self) -> [usize; 3] {
        match self {
            Size::Small => [90, 181, 360],
            Size::Medium => [365, 721, 1440],
            Size::Large => [1460, 721, 1440],
        }
    }
}

/// Runs `f` with a progress bar, returning its value and the seconds it took.
fn timed<R>(
    label: &str,
    f: impl FnOnce(&ComputeOptions) -> tessera::Result<R>,
) -> tessera::Result<(R, f64)> {
    let p = Arc::new(Progress::default());
    let bar = {
        let p = p.clone();
        Bar::start(label, move || (p.done() as u64, p.total() as u64))
    };
    let t = Instant::now();
    let r = f(&ComputeOptions::new().progress(p))?;
    drop(bar);
    Ok((r, t.elapsed().as_secs_f64()))
}

pub fn run(dir: &Path, size: Size) -> tessera::Result<()> {
    let [nt, nlat, nlon] = size.shape();
    let chunks = [73.min(nt), 181.min(nlat), 360.min(nlon)];
    let store = dir.join("demo.zarr");
    let nbytes = (nt * nlat * nlon * 4) as f64;
    println!(
        "tessera demo: daily temperature, {nt} days x {nlat} latitudes x {nlon} longitudes (f32, {}), chunks {chunks:?}",
        human_bytes(nbytes as u64)
    );
    println!("store: {}", store.display());

    // 1. Generate and write.
    let temperature = synthetic_temperature(nt, nlat, nlon, chunks)?;
    zarr::create_group(
        &store,
        attrs(&[("title", "tessera demo: synthetic daily temperature")]),
    )?;
    let opts = WriteOptions::default()
        .overwrite(true)
        .dimension_names(["time", "lat", "lon"])
        .attribute("units", "K")
        .attribute("long_name", "air temperature at 2 m")
        .fill_value(f64::NAN);
    let w = zarr::to_zarr(&temperature, store.join("temperature"), opts.clone())?;
    let (_, secs) = timed("generate", |o| zarr::write_all(&[&w], o))?;
    println!(
        "1. generated and wrote temperature: {secs:.2} s ({:.2} GB/s of array data)",
        nbytes / secs / 1e9
    );

    // 2. Time mean and anomaly, written in one computation.
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
        opts.attribute("long_name", "temperature anomaly against the time mean"),
    )?;
    let (_, secs) = timed("anomaly", |o| zarr::write_all(&[&w_mean, &w_anom], o))?;
    println!(
        "2. time mean and anomaly (read {}, wrote {}): {secs:.2} s",
        human_bytes(2 * nbytes as u64),
        human_bytes((nbytes + (nlat * nlon * 4) as f64) as u64)
    );

    // 3. Reductions of the stored arrays.
    let t = zarr::open_zarr::<f32>(store.join("temperature"))?;
    let a = zarr::open_zarr::<f32>(store.join("anomaly"))?;
    let global_mean = t.nanmean(..)?;
    let anomaly_std = a.nanstd(..)?;
    let anomaly_max = a.abs().nanmax(..)?;
    let missing = t.isnan().count_nonzero(..)?.astype::<f32>();
    let ((r, _stats), secs) = timed("reduce", |o| {
        compute_many_with(&[&global_mean, &anomaly_std, &anomaly_max, &missing], o)
    })?;
    let v = |i: usize| r[i].first().copied().unwrap_or(f32::NAN);
    println!(
        "3. reductions: global mean {:.3} K, anomaly std {:.3} K, max |anomaly| {:.3} K, {} missing values: {secs:.2} s",
        v(0),
        v(1),
        v(2),
        v(3)
    );
    println!();
    crate::info::run(&store)
}

fn attrs(kv: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect()
}

/// The lazy temperature field: nothing is generated until it is written.
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
