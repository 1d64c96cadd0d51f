//! W8 at growing chunk counts: `(x + 1).sum()` with 10⁴ to 10⁶ chunks. Prints, per size,
//! the time to build and plan the expression, the compute time per chunk task, the peak
//! live bytes the scheduler tracked and the growth of the process's peak RSS during the
//! computation (the scheduler's own memory: the input is built before).
//!
//! Run with `cargo run --release --example w8_scaling`.

use std::time::Instant;
use tessera::prelude::*;

/// Resets the kernel's peak-RSS counter of this process (Linux), so the next reading
/// measures only what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| elements | chunk | chunks | build+plan µs | compute ms | per task µs | tasks | tracked peak KiB | RSS growth KiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, chunk) in [
        (10_000_000usize, 1000usize),
        (10_000_000, 100),
        (10_000_000, 10),
        (100_000_000, 100),
    ] {
        let data = random::uniform::<f64>(&[n], 1_000_000, 1)?.compute()?;
        let x = Array::from_ndarray(data, chunk)?;
        // Build and plan (median of 5).
        let mut plan_us = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let s = (&x + 1.0).sum(..)?;
            let counts = s.plan().task_counts();
            std::hint::black_box(counts);
            plan_us.push(t.elapsed().as_secs_f64() * 1e6);
        }
        plan_us.sort_by(f64::total_cmp);
        let s = (&x + 1.0).sum(..)?;
        let _ = s.compute()?; // warm-up
        reset_peak_rss();
        let before = rss_kib("VmRSS:");
        let mut best = f64::INFINITY;
        let mut stats = None;
        for _ in 0..3 {
            let t = Instant::now();
            let (_, st) = s.compute_stats(&ComputeOptions::new())?;
            best = best.min(t.elapsed().as_secs_f64());
            stats = Some(st);
        }
        let growth = rss_kib("VmHWM:").saturating_sub(before);
        let st = stats.ok_or("no run")?;
        let tasks = st.tasks.total();
        println!(
            "| {n} | {chunk} | {} | {:.1} | {:.1} | {:.3} | {tasks} | {} | {growth} |",
            x.chunks().num_chunks(),
            plan_us[2],
            best * 1e3,
            best * 1e6 / tasks as f64,
            st.peak_bytes / 1024,
        );
    }
    Ok(())
}
