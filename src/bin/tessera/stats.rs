//! `tessera stats`: min, max, mean, std and NaN count, reading every stored chunk once.
//!
//! Each chunk is read by one task (a one-chunk slice of the lazy array) and summarized into
//! partial statistics (Chan's count/mean/M2 for mean and std); partials are merged as chunks
//! finish. Mean, std, min and max are over the non-NaN values.

use crate::progress::Bar;
use ndarray::{ArrayD, Axis};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tessera::{zarr, Array, ComputeOptions, Error};
use tessera_kernels::moments::Moments;

/// Partial statistics of a set of values.
#[derive(Clone, Copy)]
struct Summary {
    min: f64,
    max: f64,
    moments: Moments,
    nans: u64,
}

impl Summary {
    fn empty() -> Self {
        Summary {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            moments: Moments::default(),
            nans: 0,
        }
    }

    fn of(values: &[f64]) -> Self {
        let mut s = Summary::empty();
        for &v in values {
            if v.is_nan() {
                s.nans += 1;
            } else {
                s.min = s.min.min(v);
                s.max = s.max.max(v);
            }
        }
        s.moments = Moments::of_non_nan(values);
        s
    }

    fn merge(&mut self, o: &Summary) {
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.moments.merge(&o.moments);
        self.nans += o.nans;
    }
}

pub fn run(path: &Path, axis: Option<usize>, threads: Option<usize>) -> tessera::Result<()> {
    let t0 = Instant::now();
    let any = zarr::open_zarr_any(path)?;
    let x: Array<f64> = any.astype::<f64>();
    let shape = x.shape().to_vec();
    if let Some(a) = axis {
        if a >= shape.len() {
            return Err(Error::Axis {
                op: "stats --axis".into(),
                axis: a as isize,
                ndim: shape.len(),
            });
        }
    }
    if let Some(a) = axis {
        // One partial summary per index along the axis: bound what metadata can make us hold.
        const MAX_LANES: usize = 1 << 24;
        if shape[a] > MAX_LANES {
            return Err(Error::Argument {
                op: "stats --axis".into(),
                msg: format!(
                    "axis {a} has {} entries (at most {MAX_LANES} supported)",
                    shape[a]
                ),
            });
        }
    }
    let grid = x.chunks().clone();
    let n = grid.num_chunks();
    let lanes = axis.map_or(1, |a| shape[a]);
    let acc = Mutex::new(vec![Summary::empty(); lanes]);
    let done = Arc::new(AtomicU64::new(0));
    let bar = {
        let done = done.clone();
        Bar::start("stats", move || (done.load(Ordering::Relaxed), n as u64))
    };
    // Chunk tasks run in the current pool: each one-chunk computation runs inline on the
    // worker that asked for it.
    let one = ComputeOptions::new();
    let work = || {
        (0..n)
            .into_par_iter()
            .try_for_each(|lin| -> tessera::Result<()> {
                let mut idx = Vec::new();
                let mut region = Vec::new();
                grid.unravel(lin, &mut idx);
                grid.region(&idx, &mut region);
                let ranges: Vec<_> = region.iter().map(|&(s, l)| s..s + l).collect();
                let chunk: ArrayD<f64> = x.slice(&ranges)?.compute_with(&one)?;
                let partial = summarize(&chunk, axis);
                let mut acc = acc.lock().map_err(|_| poisoned())?;
                let base = axis.map_or(0, |a| region[a].0);
                for (k, p) in partial.iter().enumerate() {
                    acc[base + k].merge(p);
                }
                done.fetch_add(1, Ordering::Relaxed);
                Ok(())
            })
    };
    match threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| Error::Argument {
                op: "stats --threads".into(),
                msg: e.to_string(),
            })?
            .install(work)?,
        None => work()?,
    }
    drop(bar);
    let acc = acc.into_inner().map_err(|_| poisoned())?;
    println!(
        "{}: {} {:?}, {} chunks read in {:.2} s",
        path.display(),
        any.dtype(),
        shape,
        n,
        t0.elapsed().as_secs_f64()
    );
    println!("statistics over non-NaN values (std with ddof = 0)");
    let header = format!(
        "{:>14} {:>14} {:>14} {:>14} {:>12}",
        "min", "max", "mean", "std", "NaN count"
    );
    match axis {
        None => {
            println!("{header}");
            print_row(None, &acc[0]);
        }
        Some(a) => {
            println!("{:>8} {header}", format!("axis {a}"));
            for (i, s) in acc.iter().enumerate() {
                print_row(Some(i), s);
            }
        }
    }
    Ok(())
}

fn print_row(index: Option<usize>, s: &Summary) {
    let (min, max) = if s.moments.count > 0.0 {
        (s.min, s.max)
    } else {
        (f64::NAN, f64::NAN)
    };
    let lead = index.map(|i| format!("{i:>8} ")).unwrap_or_default();
    println!(
        "{lead}{:>14.6} {:>14.6} {:>14.6} {:>14.6} {:>12}",
        min,
        max,
        s.moments.mean,
        s.moments.variance(0.0).sqrt(),
        s.nans
    );
}

/// The chunk's partial statistics: one, or one per index along `axis`.
fn summarize(chunk: &ArrayD<f64>, axis: Option<usize>) -> Vec<Summary> {
    match axis {
        None => match chunk.as_slice() {
            Some(s) => vec![Summary::of(s)],
            None => vec![Summary::of(&chunk.iter().copied().collect::<Vec<_>>())],
        },
        Some(a) => chunk
            .axis_iter(Axis(a))
            .map(|lane| Summary::of(&lane.iter().copied().collect::<Vec<_>>()))
            .collect(),
    }
}

/// The error for a lock poisoned by a panicking worker.
fn poisoned() -> Error {
    Error::Internal {
        op: "stats".into(),
        msg: "a lock was poisoned by a panic".into(),
    }
}
