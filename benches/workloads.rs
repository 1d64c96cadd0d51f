//! Criterion benchmarks of the reference workloads W1–W4 and W8 at size S (see
//! `../shared/DESIGN.md`), plus plan-building cost at 10⁶ chunks. Inputs are built before
//! the clock; the peer comparison lives in `benches/peers/run.py`.
//!
//! Run with `cargo bench --bench workloads`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tessera::prelude::*;

fn input(shape: &[usize], chunks: &[usize], seed: u64) -> Array<f64> {
    let data = random::uniform::<f64>(shape, chunks.to_vec(), seed)
        .and_then(|a| a.compute())
        .expect("generate input");
    Array::from_ndarray(data, chunks.to_vec()).expect("wrap input")
}

fn workloads(c: &mut Criterion) {
    let mut g = c.benchmark_group("S");
    g.sample_size(10);

    let x1 = input(&[20_000_000], &[2_000_000], 1);
    let y1 = input(&[20_000_000], &[2_000_000], 2);
    g.bench_function("W1 sum(sin(x)*y+1) 2e7", |b| {
        b.iter(|| black_box((x1.sin() * &y1 + 1.0).sum(..).unwrap().compute().unwrap()))
    });
    drop((x1, y1));

    let x = input(&[4000, 4000], &[500, 500], 1);
    g.bench_function("W2 mean(axis0)+std(axis1) 4000^2", |b| {
        b.iter(|| {
            let m = x.mean(0).unwrap();
            let s = x.std(1).unwrap();
            black_box(compute_many(&[&m, &s]).unwrap())
        })
    });
    g.bench_function("W3 (x - x.mean(0)).std() 4000^2", |b| {
        b.iter(|| {
            black_box(
                (&x - &x.mean(0).unwrap())
                    .std(..)
                    .unwrap()
                    .compute()
                    .unwrap(),
            )
        })
    });
    g.bench_function("W4 (x + x.T).sum() 4000^2", |b| {
        b.iter(|| black_box((&x + &x.t()).sum(..).unwrap().compute().unwrap()))
    });
    drop(x);

    let x8 = input(&[1_000_000], &[100], 1);
    g.bench_function("W8 (x+1).sum() 1e4 chunks of 100", |b| {
        b.iter(|| black_box((&x8 + 1.0).sum(..).unwrap().compute().unwrap()))
    });
    g.finish();

    let mut p = c.benchmark_group("plan");
    p.sample_size(20);
    for chunks in [10usize, 1_000_000] {
        let x = Array::<f64>::zeros(&[10_000_000], 10_000_000 / chunks).unwrap();
        p.bench_function(format!("W8 build+plan, {chunks} chunks"), |b| {
            b.iter(|| {
                let s = (&x + 1.0).sum(..).unwrap();
                black_box(s.plan().task_counts())
            })
        });
    }
    p.finish();
}

criterion_group!(benches, workloads);
criterion_main!(benches);
