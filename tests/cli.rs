//! The `tessera` command-line tool: demo, info and stats on a generated store, and clear
//! failures (non-zero exit, message naming the path) on bad input.

use std::path::PathBuf;
use std::process::Command;

fn tessera() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tessera-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn demo_info_and_stats() {
    let dir = tempdir("demo");
    let out = tessera()
        .args(["demo", "--size", "small"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "temperature",
        "time_mean",
        "anomaly",
        "blosc(zstd",
        "dimensions: time, lat, lon",
    ] {
        assert!(
            stdout.contains(needle),
            "demo output lacks {needle:?}:\n{stdout}"
        );
    }
    let store = dir.join("demo.zarr");

    // info lists the three arrays with their shapes.
    let out = tessera().arg("info").arg(&store).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        info.contains("[90, 181, 360]") && info.contains("[181, 360]"),
        "{info}"
    );
    assert!(info.contains("stored chunks 2/2"), "{info}");

    // stats agrees with the library's reductions of the same array.
    let t = tessera::zarr::open_zarr::<f32>(store.join("temperature")).unwrap();
    let want_min = t.nanmin(..).unwrap().compute_scalar().unwrap();
    let want_max = t.nanmax(..).unwrap().compute_scalar().unwrap();
    let want_nan = t
        .isnan()
        .count_nonzero(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let out = tessera()
        .arg("stats")
        .arg(store.join("temperature"))
        .output()
        .unwrap();
    let stats = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stats}");
    let row: Vec<f64> = stats
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(row.len(), 5, "{stats}");
    assert!((row[0] - want_min as f64).abs() < 1e-4, "{stats}");
    assert!((row[1] - want_max as f64).abs() < 1e-4, "{stats}");
    assert_eq!(row[4] as i64, want_nan);

    // Per-axis statistics: one row per latitude of the time mean.
    let out = tessera()
        .args(["stats", "--axis", "0"])
        .arg(store.join("time_mean"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(rows, 3 + 181);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_paths_fail_with_a_message() {
    for args in [
        vec!["info", "/nonexistent/tessera/store"],
        vec!["stats", "/nonexistent/tessera/store"],
    ] {
        let out = tessera().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("/nonexistent/tessera/store"), "{err}");
    }
    // A directory that is not a store.
    let dir = tempdir("notastore");
    std::fs::create_dir_all(&dir).unwrap();
    let out = tessera().arg("stats").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = tessera()
        .args(["stats", "--axis", "7"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rechunk_copies_a_store_into_other_chunks_within_a_memory_limit() {
    use tessera::zarr::{self, WriteOptions};
    let dir = tempdir("rechunk");
    let spill = dir.join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    let (input, output) = (dir.join("rows.zarr"), dir.join("cols.zarr"));
    let a = ndarray::Array2::from_shape_fn((600, 400), |(i, j)| (i * 400 + j) as f64 * 0.25);
    let x = tessera::Array::from_ndarray(a.clone(), [600, 20]).unwrap();
    zarr::to_zarr(&x, &input, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let out = tessera()
        .arg("rechunk")
        .arg(&input)
        .arg(&output)
        .args([
            "--chunks",
            "20,400",
            "--memory",
            "600K",
            "--explain",
            "--threads",
            "2",
        ])
        .arg("--spill-dir")
        .arg(&spill)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("rechunked") && stdout.contains("30 chunks"),
        "{stdout}"
    );
    // The plan decodes each stored column chunk once and spills over the limit.
    assert!(stderr.contains("pass rechunk-staging: staged"), "{stderr}");
    assert!(stderr.contains("spilled to disk"), "{stderr}");
    assert!(stderr.contains("memory limit: 614400 bytes"), "{stderr}");
    let back = zarr::open_zarr::<f64>(&output).unwrap();
    assert_eq!(back.chunks().chunks(0), vec![20; 30]);
    assert_eq!(back.chunks().chunks(1), vec![400]);
    assert_eq!(back.compute().unwrap(), a.into_dyn());
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0);

    // Bad arguments fail with a message, writing nothing.
    let other = dir.join("bad.zarr");
    for (args, needle) in [
        (vec!["--chunks", "20"], "1 chunk lengths given"),
        (vec!["--chunks", "20,400", "--memory", "lots"], "not a size"),
        (vec!["--chunks", "20,0"], "not a positive chunk length"),
    ] {
        let out = tessera()
            .arg("rechunk")
            .arg(&input)
            .arg(&other)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(needle),
            "{args:?}: {err}"
        );
        assert!(!other.join("zarr.json").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
