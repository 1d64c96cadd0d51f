//! Expressions of any depth build, plan, run and drop without exhausting the stack: every
//! walk over the graph (program building, planning, freeing) keeps its own stack.

use tessera::{Array, ComputeOptions};

/// Runs `f` on a thread with a small stack, so that a walk recursing once per node fails
/// here long before it would on a main thread.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn a_million_chained_additions_compute_and_drop() {
    on_small_stack(|| {
        let x = Array::<f64>::arange(0.0, 10.0, 1.0, 4).unwrap();
        let mut y = x.clone();
        for _ in 0..1_000_000 {
            y = y + 1.0;
        }
        let v = y.compute_with(&ComputeOptions::new().threads(2)).unwrap();
        let want: Vec<f64> = (0..10).map(|i| i as f64 + 1e6).collect();
        assert_eq!(v.as_slice().unwrap(), want.as_slice());
        drop(y);
        // The original array is still usable: dropping the chain freed only its own nodes.
        assert_eq!(x.sum(..).unwrap().compute_scalar().unwrap(), 45.0);
    });
}

#[test]
fn a_deep_chain_of_mixed_operations_matches_the_loop() {
    on_small_stack(|| {
        let x = Array::<f64>::arange(0.0, 6.0, 1.0, 4).unwrap();
        let mut y = x.clone();
        let mut want: Vec<f64> = (0..6).map(|i| i as f64).collect();
        for k in 0..100_000 {
            y = match k % 3 {
                0 => &y * 0.5,
                1 => &y + &x,
                _ => y.abs(),
            };
            for (w, i) in want.iter_mut().zip(0..) {
                *w = match k % 3 {
                    0 => *w * 0.5,
                    1 => *w + i as f64,
                    _ => w.abs(),
                };
            }
        }
        assert_eq!(y.compute().unwrap().as_slice().unwrap(), want.as_slice());
        let explain = y.sum(..).unwrap().explain();
        assert!(explain.contains("total: 1 stages"), "{explain}");
    });
}
