//! Out of core: plans over stores several times larger than a small memory limit finish with
//! the right values, keep their tracked memory within the limit, and (in a child process)
//! keep the OS's peak resident memory within the limit plus a fixed allowance.
//!
//! The arrays are 64 MB of f64 (2048 x 4096) against a limit of 8 MiB.

use ndarray::{Array2, ArrayD, Axis};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tessera::zarr::{self, WriteOptions};
use tessera::{Array, ComputeOptions};

const LIMIT: usize = 8 << 20;
const ROWS: usize = 2048;
const COLS: usize = 4096;

fn values() -> &'static Array2<f64> {
    static V: OnceLock<Array2<f64>> = OnceLock::new();
    V.get_or_init(|| {
        Array2::from_shape_fn((ROWS, COLS), |(i, j)| {
            ((i * 7919 + j * 104_729) % 10_007) as f64 * 1e-3 + (i % 13) as f64
        })
    })
}

/// A directory under the temporary directory, shared by runs of this test binary (the
/// input stores are made once and kept; spill directories leave nothing behind).
fn dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tessera-ooc-{tag}"))
}

/// A store of [`values`] with chunks `chunks`, made once (written aside and renamed into
/// place, so a concurrent run never sees half a store).
fn store(tag: &str, chunks: [usize; 2]) -> PathBuf {
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let p = dir(&format!("{tag}-v1"));
    if !p.join("zarr.json").exists() {
        let tmp = dir(&format!("{tag}-making-{}", std::process::id()));
        let x = Array::from_ndarray(values().clone(), chunks).unwrap();
        zarr::to_zarr(&x, &tmp, WriteOptions::default().overwrite(true))
            .unwrap()
            .compute()
            .unwrap();
        if std::fs::rename(&tmp, &p).is_err() {
            let _ = std::fs::remove_dir_all(&tmp); // another run made it first
        }
    }
    p
}

fn limited(threads: usize) -> ComputeOptions {
    ComputeOptions::new()
        .threads(threads)
        .memory_limit(LIMIT)
        .spill_dir(dir("spill"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_anomaly_pattern_runs_within_the_limit() {
    let x = zarr::open_zarr::<f64>(store("square", [256, 256])).unwrap();
    let v = values();
    let anomaly = v - &v.mean_axis(Axis(0)).unwrap();
    let want_std = anomaly.std(0.0);
    for threads in [1, 2] {
        let (got, stats) = (&x - &x.mean(0).unwrap())
            .std(..)
            .unwrap()
            .compute_stats(&limited(threads))
            .unwrap();
        assert!(close(got[[]], want_std), "{} vs {want_std}", got[[]]);
        assert!(stats.peak_bytes <= LIMIT, "{stats:?}");
    }
    // The anomaly itself, written to a store within the limit.
    let out = dir(&format!("anomaly-out-{}", std::process::id()));
    let (r, c) = (ROWS, COLS);
    let a = &x - &x.mean(0).unwrap();
    zarr::to_zarr(&a, &out, WriteOptions::default().overwrite(true))
        .unwrap()
        .compute_with(&limited(2))
        .unwrap();
    let back = zarr::open_zarr::<f64>(&out).unwrap().compute().unwrap();
    assert_eq!(back.shape(), &[r, c]);
    let err = (&back - &anomaly.into_dyn())
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(err < 1e-9, "max error {err}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn three_reductions_sharing_a_store_run_within_the_limit() {
    let x = zarr::open_zarr::<f64>(store("square", [256, 256])).unwrap();
    let v = values();
    let m = x.mean(0).unwrap();
    let s = x.std(1).unwrap();
    let mx = x.max(0).unwrap();
    let (r, stats) = tessera::compute_many_with(&[&m, &s, &mx], &limited(2)).unwrap();
    let want_m = v.mean_axis(Axis(0)).unwrap();
    let want_s = v.std_axis(Axis(1), 0.0);
    let want_max = v.fold_axis(Axis(0), f64::MIN, |a, &b| a.max(b));
    for (got, want) in [(&r[0], want_m), (&r[1], want_s), (&r[2], want_max)] {
        let want: ArrayD<f64> = want.into_dyn();
        assert!(got.iter().zip(&want).all(|(a, b)| close(*a, *b)));
    }
    assert!(stats.peak_bytes <= LIMIT, "{stats:?}");
}

/// Row chunks to column chunks: every column chunk needs a piece of every stored chunk.
fn rows_to_columns(threads: usize) -> (f64, tessera::ComputeStats) {
    let x = zarr::open_zarr::<f64>(store("rows", [ROWS, 64])).unwrap();
    let cols = x.rechunk([32, COLS]).unwrap();
    let (got, stats) = (&cols * 2.0)
        .sum(1)
        .unwrap()
        .sum(..)
        .unwrap()
        .compute_stats(&limited(threads))
        .unwrap();
    (got[[]], stats)
}

#[test]
fn a_row_to_column_rechunk_of_a_store_spills_within_the_limit() {
    let want = 2.0 * values().sum();
    for threads in [1, 2] {
        let (got, stats) = rows_to_columns(threads);
        assert!(close(got, want), "{got} vs {want}");
        assert!(stats.peak_bytes <= LIMIT, "{stats:?}");
        assert!(stats.spilled_chunks > 0, "{stats:?}");
    }
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_rss() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<usize>()
        .unwrap()
        * 1024
}

/// Run by [`the_os_peak_rss_of_a_child_stays_within_the_limit`] in a child process.
#[test]
#[ignore = "run as a child process by the_os_peak_rss_of_a_child_stays_within_the_limit"]
fn child_row_to_column_rechunk() {
    let Ok(root) = std::env::var("TESSERA_OOC_ROOT") else {
        return;
    };
    let before = peak_rss();
    let x = zarr::open_zarr::<f64>(Path::new(&root)).unwrap();
    let cols = x.rechunk([32, COLS]).unwrap();
    let opts = ComputeOptions::new()
        .threads(2)
        .memory_limit(LIMIT)
        .spill_dir(dir("child-spill"));
    let (got, stats) = cols.sum(1).unwrap().compute_stats(&opts).unwrap();
    println!(
        "CHILD before={before} after={} sum={:.17e} spilled={}",
        peak_rss(),
        got.sum(),
        stats.spilled_chunks
    );
}

#[test]
fn the_os_peak_rss_of_a_child_stays_within_the_limit() {
    // 64 MB on disk; the child starts small, reads it all under an 8 MiB limit.
    let root = store("rows", [ROWS, 64]);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_row_to_column_rechunk",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("TESSERA_OOC_ROOT", &root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.find("CHILD ").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("no report from the child:\n{stdout}"));
    let field = |k: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    let want = values().sum();
    assert!(close(field("sum"), want), "{line} vs {want}");
    assert!(field("spilled") > 0.0, "{line}");
    // The process's own baseline (binary, test harness, threads) plus the limit plus a fixed
    // allowance for what the tracker does not see (each worker's few pooled buffers, the
    // decoder's compressed bytes, allocator slack): far below the 64 MB the computation reads
    // (holding the stored chunks instead of spilling them would take all of it).
    let (before, after) = (field("before") as usize, field("after") as usize);
    let allowance = 32 << 20;
    assert!(
        after <= before.max(16 << 20) + LIMIT + allowance,
        "peak RSS {} MiB (baseline {} MiB) over the {} MiB limit + {} MiB",
        after >> 20,
        before >> 20,
        LIMIT >> 20,
        allowance >> 20
    );
}
