//! The tessera side of the peer benchmarks (`benches/peers/run.py` runs it beside NumPy and
//! Dask): `bench_workload WID SIZE [--reps R] [--threads N]`.
//!
//! Protocol, the same for every side: build the inputs (untimed; the same counter-based
//! random data the peers generate), run once untimed, then time R runs. Prints one JSON line
//! with the times, the median, the peak RSS of the process and a checksum of the result.

use ndarray::ArrayD;
use std::time::Instant;
use tessera::prelude::*;

fn sizes(w: &str, size: &str) -> Option<(Vec<usize>, Vec<usize>)> {
    Some(match (w, size) {
        ("W1", "S") => (vec![20_000_000], vec![2_000_000]),
        ("W1", "M") => (vec![200_000_000], vec![4_000_000]),
        ("W2" | "W3" | "W4", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W2" | "W3" | "W4", "M") => (vec![20000, 20000], vec![2000, 2000]),
        ("W8", "S") => (vec![1_000_000], vec![100]),
        ("W8", "M") => (vec![10_000_000], vec![100]),
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_workload W1|W2|W3|W4|W8 S|M [--reps R] [--threads N]";
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
    let x = input(&shape, &chunks, 1)?;
    let y = if w == "W1" {
        Some(input(&shape, &chunks, 2)?)
    } else {
        None
    };

    let run = || -> Result<f64, tessera::Error> {
        Ok(match w.as_str() {
            "W1" => {
                let y = y.as_ref().ok_or(tessera::Error::Cancelled)?;
                (x.sin() * y + 1.0).sum(..)?.compute_with(&opts)?.sum()
            }
            "W2" => {
                let m = x.mean(0)?;
                let s = x.std(1)?;
                let (r, _) = tessera::compute_many_with(&[&m, &s], &opts)?;
                r[0].sum() + r[1].sum()
            }
            "W3" => (&x - &x.mean(0)?).std(..)?.compute_with(&opts)?.sum(),
            "W4" => (&x + &x.t()).sum(..)?.compute_with(&opts)?.sum(),
            _ => (&x + 1.0).sum(..)?.compute_with(&opts)?.sum(),
        })
    };

    let mut checksum = run()?; // warm-up
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        checksum = run()?;
        times.push(t.elapsed().as_secs_f64());
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = if sorted.is_empty() {
        f64::NAN
    } else if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
    };
    let threads = opts.threads.unwrap_or_else(rayon_threads);
    let times_s: Vec<String> = times.iter().map(|t| format!("{t:.6}")).collect();
    println!(
        "{{\"side\": \"tessera\", \"workload\": \"{w}\", \"size\": \"{size}\", \"times_s\": [{}], \
         \"median_s\": {median:.6}, \"peak_rss_bytes\": {}, \"checksum\": {checksum:.17e}, \
         \"threads\": {threads}, \"versions\": {{\"tessera\": \"{}\"}}}}",
        times_s.join(", "),
        peak_rss_bytes(),
        env!("CARGO_PKG_VERSION")
    );
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
