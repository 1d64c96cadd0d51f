//! Spilling: stored chunks that do not fit the memory limit go to local files, readers get
//! the right values, and the spill directory is gone however the computation ends.

use ndarray::{Array2, ArrayD, Axis};
use std::path::{Path, PathBuf};
use tessera::{Array, ComputeOptions, Error};

fn data(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 7919 + j * 31) % 1013) as f64 * 0.5
    })
}

/// A fresh, empty parent directory for one test's spill directories.
fn spill_parent(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("tessera-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn entries(p: &Path) -> usize {
    std::fs::read_dir(p).unwrap().count()
}

/// Row chunks computed by a block function (a stage), read back as column chunks: every
/// column chunk needs a piece of every row chunk.
fn rows_to_columns(a: &Array2<f64>, fail_at: Option<usize>) -> Array<f64> {
    let (r, c) = a.dim();
    Array::from_ndarray(a.clone(), [r / 20, c])
        .unwrap()
        .map_blocks(move |b, info| {
            if Some(info.index[0]) == fail_at {
                return Err(Error::Argument {
                    op: "test".into(),
                    msg: "block refused".into(),
                });
            }
            Ok(b.mapv(|v| v * 2.0 + 1.0))
        })
        .unwrap()
        .rechunk([r, c / 20])
        .unwrap()
}

#[test]
fn a_plan_over_the_limit_spills_and_gets_the_right_values() {
    let a = data(400, 300); // 960 kB
    let parent = spill_parent("spill-values");
    let want: ArrayD<f64> = a.mapv(|v| v * 2.0 + 1.0).sum_axis(Axis(0)).into_dyn();
    for threads in [1, 2, 4] {
        let limit = 400 * 1024;
        let opts = ComputeOptions::new()
            .threads(threads)
            .memory_limit(limit)
            .spill_dir(&parent);
        let (got, stats) = rows_to_columns(&a, None)
            .sum(0)
            .unwrap()
            .compute_stats(&opts)
            .unwrap();
        assert_eq!(got, want, "threads {threads}");
        assert!(stats.spilled_chunks > 0, "{stats:?}");
        assert!(stats.spilled_bytes >= stats.spilled_chunks * 20 * 300 * 8);
        assert!(stats.peak_bytes <= limit, "{stats:?}");
        assert_eq!(entries(&parent), 0, "spill directory removed");
        // The same plan with room for everything spills nothing.
        let (again, stats) = rows_to_columns(&a, None)
            .sum(0)
            .unwrap()
            .compute_stats(&ComputeOptions::new().threads(threads).spill_dir(&parent))
            .unwrap();
        assert_eq!(again, want);
        assert_eq!(stats.spilled_chunks, 0);
    }
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn the_spill_directory_is_removed_after_an_error_and_a_panic() {
    let a = data(400, 300);
    let parent = spill_parent("spill-errors");
    let opts = ComputeOptions::new()
        .threads(2)
        .memory_limit(400 * 1024)
        .spill_dir(&parent);
    // The last row block fails after the others were spilled.
    let e = rows_to_columns(&a, Some(19))
        .sum(0)
        .unwrap()
        .compute_with(&opts)
        .unwrap_err();
    assert!(e.to_string().contains("block refused"), "{e}");
    assert_eq!(entries(&parent), 0);
    // A panicking block function.
    let (r, c) = a.dim();
    let boom = Array::from_ndarray(a.clone(), [r / 20, c])
        .unwrap()
        .map_blocks(|b, info| {
            assert!(info.index[0] != 19, "block 19 panics");
            Ok(b.to_owned())
        })
        .unwrap()
        .rechunk([r, c / 20])
        .unwrap();
    let e = boom.sum(0).unwrap().compute_with(&opts).unwrap_err();
    assert!(e.to_string().contains("panicked"), "{e}");
    assert_eq!(entries(&parent), 0);
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn an_unwritable_spill_directory_is_a_clear_error() {
    let parent = spill_parent("spill-unwritable");
    let file = parent.join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let opts = ComputeOptions::new()
        .memory_limit(400 * 1024)
        .spill_dir(&file);
    let e = rows_to_columns(&data(400, 300), None)
        .sum(0)
        .unwrap()
        .compute_with(&opts)
        .unwrap_err();
    match &e {
        Error::Spill { path, .. } => assert!(path.starts_with(&file), "{e}"),
        other => panic!("expected a spill error, got {other}"),
    }
    let _ = std::fs::remove_dir_all(&parent);
}
