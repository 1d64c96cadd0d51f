//! Criterion benchmarks of the reference workloads W1–W4, W7 and W8 at size S (see
//! `../shared/DESIGN.md`), plus plan-building cost at 10⁶ chunks. Inputs are built before
//! the clock; the peer comparison lives in `benches/peers/run.py`.
//!
//! Run with `cargo bench --bench workloads`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tessera::prelude::*;
use tessera::zarr;

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

    // W7 at size S: 4096² f64 (134 MB), chunks 1024², blosc lz4 level 5 with shuffle. The
    // full-size comparison with zarr-python, TensorStore and Dask is benches/peers/w7_run.sh.
    let mut z = c.benchmark_group("W7");
    z.sample_size(10);
    let dir = std::env::temp_dir().join(format!("tessera-bench-w7-{}", std::process::id()));
    let x = input(&[4096, 4096], &[1024, 1024], 7);
    let opts =
        zarr::WriteOptions::default()
            .overwrite(true)
            .compression(zarr::Compression::Blosc {
                compressor: zarr::BloscCompressor::Lz4,
                level: 5,
                shuffle: zarr::Shuffle::Byte,
            });
    for (name, durability) in [
        ("write 4096^2 (sync at end)", zarr::Durability::AtEnd),
        ("write 4096^2 (no sync)", zarr::Durability::OsDecides),
    ] {
        let o = opts.clone().durability(durability);
        z.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    zarr::to_zarr(&x, &dir, o.clone())
                        .unwrap()
                        .compute()
                        .unwrap(),
                )
            })
        });
    }
    z.bench_function("read 4096^2", |b| {
        b.iter(|| black_box(zarr::open_zarr::<f64>(&dir).unwrap().compute().unwrap()))
    });
    z.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, workloads);
criterion_main!(benches);
