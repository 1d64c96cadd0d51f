//! One distributed workload under MPI, for `benches/peers/cluster_run.py`:
//! `mpirun -np N target/release/examples/bench_cluster W1|W2|W11 S|M [--reps R] [--threads T]`.
//!
//! Every side generates its inputs inside the timed region (uniform values, each side with
//! its own generator), so that no rank holds the whole input. After one untimed warm-up run,
//! R runs are timed on rank 0 (all ranks start each run together); rank 0 prints one line
//! of JSON with the times and a checksum, and every rank prints its peak resident memory.

use std::time::Instant;
use tessera::cluster::{Cluster, ResultsOn};
use tessera::{random, Array, ComputeOptions};

fn shape(w: &str, size: &str) -> Option<(Vec<usize>, Vec<usize>)> {
    Some(match (w, size) {
        ("W1", "S") => (vec![20_000_000], vec![2_000_000]),
        ("W1", "M") => (vec![200_000_000], vec![4_000_000]),
        ("W2", "S") => (vec![4000, 4000], vec![500, 500]),
        ("W2", "M") => (vec![20000, 20000], vec![2000, 2000]),
        ("W11", "S") => (vec![40, 500, 500], vec![8, 500, 250]),
        ("W11", "M") => (vec![200, 1000, 2000], vec![20, 1000, 1000]),
        _ => return None,
    })
}

/// The workload's outputs.
fn outputs(w: &str, shape: &[usize], chunks: &[usize]) -> tessera::Result<Vec<Array<f64>>> {
    let u = random::uniform::<f64>(shape, chunks.to_vec(), 1)?;
    let v = random::uniform::<f64>(shape, chunks.to_vec(), 2)?;
    Ok(match w {
        "W1" => vec![(u.sin() * &v + 1.0).sum(..)?],
        "W2" => vec![u.mean(0)?, u.std(1)?],
        _ => vec![(&u * &u).mean(0)?, (&v * &v).mean(0)?, (&u * &v).mean(0)?],
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cluster = Cluster::init()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_cluster W1|W2|W11 S|M [--reps R] [--threads T]";
    let w = args.first().ok_or(usage)?.clone();
    let size = args.get(1).ok_or(usage)?.clone();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let reps = flag("--reps").unwrap_or(3);
    let opts = match flag("--threads") {
        Some(t) => ComputeOptions::new().threads(t),
        None => ComputeOptions::new(),
    };
    let (shape, chunks) = shape(&w, &size).ok_or(usage)?;
    let mut times = Vec::new();
    let mut checksum = 0.0;
    for rep in 0..=reps {
        cluster.barrier();
        let t0 = Instant::now();
        let outs = outputs(&w, &shape, &chunks)?;
        let refs: Vec<&Array<f64>> = outs.iter().collect();
        let (r, stats) = cluster.compute_many_with(&refs, &opts, ResultsOn::Root)?;
        let secs = t0.elapsed().as_secs_f64();
        if std::env::var_os("TESSERA_BENCH_VERBOSE").is_some() {
            eprintln!(
                "rank {}: {:.3} s in compute, {:?} tasks, peak {} MB tracked",
                cluster.rank(),
                stats.elapsed.as_secs_f64(),
                stats.tasks,
                stats.peak_bytes >> 20
            );
        }
        if let Some(r) = r {
            checksum = r.iter().map(|a| a.sum()).sum();
        }
        if rep > 0 {
            times.push(secs);
        }
    }
    let rss = tessera::peak_rss().unwrap_or(0);
    if cluster.rank() == 0 {
        println!(
            "{{\"side\": \"tessera\", \"workload\": \"{w}\", \"size\": \"{size}\", \"ranks\": {}, \
             \"times_s\": {times:?}, \"checksum\": {checksum}, \"peak_rss_rank0\": {rss}}}",
            cluster.size()
        );
    }
    Ok(())
}
