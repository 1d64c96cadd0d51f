//! The scheduler: one task graph across stages, bounded by the tasks in flight, free of
//! deadlocks for plans whose tasks read many chunks of earlier stages, and safe to re-enter
//! from inside a task.

use ndarray::{ArrayD, Axis, IxDyn};
use tessera::{Array, ComputeOptions};

fn data(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n).map(|i| ((i * 7919) % 1013) as f64 - 500.0).collect(),
    )
    .unwrap()
}

/// A reduction over 20 000 chunks holds a few dozen tasks at once, not one per chunk.
#[test]
fn tasks_held_grow_with_threads_not_chunks() {
    for threads in [1, 2, 4] {
        let x = Array::<f64>::arange(0.0, 200_000.0, 1.0, 10).unwrap();
        let opts = ComputeOptions::new().threads(threads);
        let (v, stats) = x.sum(..).unwrap().compute_stats(&opts).unwrap();
        assert_eq!(v[[]], 199_999.0 * 200_000.0 / 2.0);
        assert_eq!(stats.tasks.reduce_chunk, 20_000);
        assert!(
            stats.peak_tasks <= 16 * threads + 64,
            "{threads} threads held {} tasks",
            stats.peak_tasks
        );
        // A rechunk between two stages: the second reads the first's chunks as they come.
        let y = (&x * 2.0).rechunk(7).unwrap();
        let (v, stats) = (&y + 1.0).sum(..).unwrap().compute_stats(&opts).unwrap();
        assert_eq!(v[[]], 199_999.0 * 200_000.0 + 200_000.0);
        assert!(
            stats.peak_tasks <= 16 * threads + 64,
            "{threads} threads held {} tasks across stages",
            stats.peak_tasks
        );
        // Stored chunks are freed as their readers finish: far fewer than all are live.
        assert!(
            stats.peak_bytes < 200_000 * 8 / 4,
            "peak {} bytes",
            stats.peak_bytes
        );
    }
}

/// Stages whose every task reads a whole row or column of an earlier stage's chunks, chained
/// and transposed, at thread counts from 1 to 8: no plan waits forever, results are exact.
#[test]
fn chained_stages_reading_many_chunks_finish_at_any_thread_count() {
    let a = data(&[24, 30]);
    let want_t = (&a.t() * 2.0 + &a.t()).sum_axis(Axis(0));
    for threads in [1, 2, 3, 8] {
        let opts = ComputeOptions::new().threads(threads);
        let x = Array::from_ndarray(a.clone(), [5, 4]).unwrap();
        // Stage 1: rows of chunks; stage 2: its transpose added to a rechunk of it.
        let rows = (&x * 2.0).rechunk([24, 7]).unwrap();
        let cols = rows.t().rechunk([3, 24]).unwrap();
        let z = (&cols + &x.t()).sum(0).unwrap();
        assert_eq!(z.compute_with(&opts).unwrap(), want_t, "{threads} threads");
        // Several outputs sharing the stages, and a reduction of a reduction.
        let m = z.max(..).unwrap();
        let both = tessera::compute_many_with(&[&z, &z.rechunk(30).unwrap()], &opts)
            .unwrap()
            .0;
        assert_eq!(both[0], want_t);
        assert_eq!(both[1], want_t);
        let top = want_t.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(m.compute_scalar().unwrap(), top);
    }
}

/// A block function that computes another array itself runs it on its own thread, at any
/// thread count, without waiting for the pool it runs on.
#[test]
fn a_task_may_compute_another_array() {
    for threads in [1, 2, 4] {
        let x = Array::<f64>::arange(0.0, 64.0, 1.0, 8).unwrap();
        let y = x
            .map_blocks(|b, _| {
                let inner = Array::<f64>::ones(&[100], 7)?.sum(..)?.compute_scalar()?;
                Ok(b.mapv(|v| v + inner))
            })
            .unwrap();
        let opts = ComputeOptions::new().threads(threads);
        let got = y.sum(..).unwrap().compute_with(&opts).unwrap();
        assert_eq!(got[[]], (0..64).map(|v| v as f64 + 100.0).sum::<f64>());
    }
}

/// Results are bit-identical for every thread count, reduction trees included.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let a = data(&[37, 41]).mapv(|v| v * 1.000_001 + 0.1);
    let x = Array::from_ndarray(a, [3, 5]).unwrap();
    let exprs = [
        (&x * &x).sum(..).unwrap(),
        x.sin().mean(..).unwrap(),
        x.rechunk([10, 2]).unwrap().std(..).unwrap(),
    ];
    let mut first: Option<Vec<u64>> = None;
    for threads in [1, 2, 3, 5, 8] {
        let opts = ComputeOptions::new().threads(threads);
        let bits: Vec<u64> = exprs
            .iter()
            .map(|e| e.compute_with(&opts).unwrap()[[]].to_bits())
            .collect();
        match &first {
            None => first = Some(bits),
            Some(f) => assert_eq!(f, &bits, "{threads} threads"),
        }
    }
}

/// A slice of a computed stage computes only the stage's chunks the slice touches: the
/// scheduler culls the rest (and their reduction trees) before they run.
#[test]
fn a_slice_of_a_computed_stage_runs_only_the_chunks_it_touches() {
    let a = data(&[40, 30]);
    let x = Array::from_ndarray(a.clone(), [10, 10]).unwrap();
    // A stage of 4 × 3 blocks (a block function cannot be fused into its reader).
    let r = x.map_blocks(|b, _| Ok(b.mapv(|v| v * 2.0))).unwrap();
    let s = (&r + 1.0).slice(&[0..5, 0..5]).unwrap();
    let (v, stats) = s.compute_stats(&ComputeOptions::new().threads(2)).unwrap();
    let want = a
        .slice(ndarray::s![0..5, 0..5])
        .mapv(|v| v * 2.0 + 1.0)
        .into_dyn();
    assert_eq!(v, want);
    // One block of the stage, one output chunk.
    assert_eq!(stats.tasks.map, 2, "{:?}", stats.tasks);
    // A slice of an axis reduction's result: only the output chunk's tree runs.
    let m = x.sum(0).unwrap().slice_axis(0, 10..20).unwrap();
    let (v, stats) = m.compute_stats(&ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(v, a.sum_axis(Axis(0)).slice(ndarray::s![10..20]).into_dyn());
    assert_eq!(stats.tasks.reduce_chunk, 4, "{:?}", stats.tasks);
}
