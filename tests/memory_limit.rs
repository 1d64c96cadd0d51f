//! The memory limit: plans whose single tasks cannot fit are refused before anything runs;
//! tasks start only while the tracked memory stays within the limit; plans that must hold
//! more than the limit still finish.

use ndarray::{ArrayD, Axis, IxDyn};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tessera::{Array, ComputeOptions, Error};

fn data(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n).map(|i| ((i * 7919) % 1013) as f64 * 0.5).collect(),
    )
    .unwrap()
}

/// An array computed by a block function that counts its calls: a stage of its own.
fn counted(a: &ArrayD<f64>, chunks: [usize; 2], calls: &Arc<AtomicUsize>) -> Array<f64> {
    let calls = calls.clone();
    Array::from_ndarray(a.clone(), chunks)
        .unwrap()
        .map_blocks(move |b, _| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(b.mapv(|v| v * 2.0))
        })
        .unwrap()
}

#[test]
fn a_task_over_the_limit_is_refused_before_anything_runs() {
    let calls = Arc::new(AtomicUsize::new(0));
    let a = data(&[200, 100]);
    let x = counted(&a, [200, 100], &calls);
    let opts = ComputeOptions::new().memory_limit(64 * 1024);
    let e = (&x + 1.0).sum(..).unwrap().compute_with(&opts).unwrap_err();
    match &e {
        Error::MemoryLimit {
            op,
            chunk,
            projected,
            budget,
            hint,
        } => {
            assert!(op.contains("map_blocks"), "{e}");
            assert_eq!(chunk, &vec![200, 100], "{e}");
            assert!(*projected >= 200 * 100 * 8, "{e}");
            assert_eq!(*budget, 64 * 1024);
            assert!(
                hint.contains("rechunk its input to chunks of at most"),
                "{e}"
            );
        }
        other => panic!("expected a memory-limit error, got {other}"),
    }
    assert_eq!(calls.load(Ordering::Relaxed), 0, "nothing ran");
    // The suggested chunking fits.
    let x = counted(&a, [50, 50], &calls);
    let v = (&x + 1.0).sum(..).unwrap().compute_with(&opts).unwrap();
    assert_eq!(v[[]], a.mapv(|v| v * 2.0 + 1.0).sum());
}

#[test]
fn tasks_start_only_while_memory_fits() {
    let a = data(&[400, 100]);
    let want = a.mapv(|v| v * 2.0).sum_axis(Axis(0));
    for threads in [1, 2, 4] {
        let calls = Arc::new(AtomicUsize::new(0));
        // 40 blocks of 10 x 100 f64 (8 kB), each stored until the reduction reads it.
        let x = counted(&a, [10, 100], &calls);
        let budget = 40 * 1024;
        let opts = ComputeOptions::new().threads(threads).memory_limit(budget);
        let (v, stats) = x.sum(0).unwrap().compute_stats(&opts).unwrap();
        assert_eq!(v, want, "{threads} threads");
        assert_eq!(stats.memory_limit, budget);
        assert!(
            stats.peak_bytes <= budget,
            "{threads} threads: peak {} over {budget}",
            stats.peak_bytes
        );
        assert!(stats.peak_rss.is_none_or(|r| r > 0));
        assert_eq!(calls.load(Ordering::Relaxed), 40);
    }
}

#[test]
fn a_plan_that_must_hold_more_than_the_limit_still_finishes() {
    // The anomaly against the mean over axis 0: every block is stored until the mean is
    // complete, 20 blocks of 8 kB against a limit of 24 kB. The scheduler runs one task at a
    // time once over the limit rather than waiting forever.
    let a = data(&[200, 100]);
    let twice = a.mapv(|v| v * 2.0);
    let want = &twice - &twice.mean_axis(Axis(0)).unwrap();
    for threads in [1, 2, 4] {
        let calls = Arc::new(AtomicUsize::new(0));
        let x = counted(&a, [10, 100], &calls);
        let opts = ComputeOptions::new()
            .threads(threads)
            .memory_limit(24 * 1024);
        let got = (&x - &x.mean(0).unwrap()).compute_with(&opts).unwrap();
        let close = got
            .iter()
            .zip(want.iter())
            .all(|(g, w)| (g - w).abs() <= 1e-9 * w.abs().max(1.0));
        assert!(close, "{threads} threads");
        assert_eq!(
            calls.load(Ordering::Relaxed),
            20,
            "each block computed once"
        );
    }
}
