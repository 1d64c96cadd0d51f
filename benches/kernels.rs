//! Kernel speed: streaming kernels against this machine's memory bandwidth, and every main
//! kernel at each SIMD dispatch level.
//!
//! - `stream`: a STREAM-like triad (`a = b + s·c`, 24 bytes per element moved) measures the
//!   memory bandwidth in the same run, then tessera's `a*b+c` (computed into a reused
//!   buffer, 32 bytes per element) and `sum(x)` (8 bytes per element) on arrays of 2^25
//!   `f64` (256 MiB each, far larger than cache), with 2 threads. Compare the throughputs
//!   (criterion's `thrpt`, in GiB/s) with the triad's.
//! - `levels`: each kernel on 1024 elements (all operands in L1, one thread) at every level the
//!   CPU supports, plus the standard library's scalar loop where one exists.
//!
//! Run with `cargo bench --bench kernels` (or `-- stream`, `-- levels/sin`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;
use tessera::prelude::*;
use tessera_kernels::dispatch::{self, Level};
use tessera_kernels::reduce::{min_max, Extreme};
use tessera_kernels::{elementwise, math, sum};

const STREAM_N: usize = 1 << 25;
const CHUNK: usize = 1 << 22;

fn filled(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 4.0 - 2.0
        })
        .collect()
}

fn stream(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let n = STREAM_N;
    let b = filled(n, 1);
    let cc = filled(n, 2);
    let mut a = vec![0.0f64; n];
    let mut g = c.benchmark_group("stream");
    g.sample_size(20).measurement_time(Duration::from_secs(4));

    g.throughput(Throughput::Bytes(24 * n as u64));
    g.bench_function("triad a=b+s*c (2 threads)", |bench| {
        bench.iter(|| {
            pool.install(|| {
                a.par_chunks_mut(1 << 16)
                    .zip(b.par_chunks(1 << 16).zip(cc.par_chunks(1 << 16)))
                    .for_each(|(o, (x, y))| elementwise::zip(x, y, o, |p, q| p + 3.0 * q));
            });
            black_box(&a);
        })
    });

    let arr = |v: &Vec<f64>| {
        Array::from_ndarray(
            ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).unwrap(),
            vec![CHUNK],
        )
        .unwrap()
    };
    let (x, y, z) = (arr(&b), arr(&cc), arr(&filled(n, 3)));
    let opts = ComputeOptions::new().threads(2);
    let expr = &x * &y + &z;
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[n]));
    g.throughput(Throughput::Bytes(32 * n as u64));
    g.bench_function("tessera a*b+c (2 threads)", |bench| {
        bench.iter(|| expr.compute_into(&mut out.view_mut(), &opts).unwrap())
    });
    let s = x.sum(..).unwrap();
    g.throughput(Throughput::Bytes(8 * n as u64));
    g.bench_function("tessera sum(x) (2 threads)", |bench| {
        bench.iter(|| black_box(s.compute_with(&opts).unwrap()))
    });
    g.finish();
}

type Unary = fn(&[f64], &mut [f64]);
/// A kernel: name, vectorized form, the std scalar function, whether it needs x > 0.
type Case = (&'static str, Unary, fn(f64) -> f64, bool);

fn levels(c: &mut Criterion) {
    const N: usize = 1024;
    let x = filled(N, 5);
    let pos: Vec<f64> = x.iter().map(|v| v.abs() * 100.0 + 1e-3).collect();
    let y = filled(N, 6);
    let xi: Vec<i32> = x.iter().map(|v| (v * 1e6) as i32).collect();
    let yi: Vec<i32> = y.iter().map(|v| (v * 1e3) as i32 | 1).collect();
    let mut out = vec![0.0f64; N];
    let mut outi = vec![0i32; N];
    let mut g = c.benchmark_group("levels");
    g.sample_size(30)
        .measurement_time(Duration::from_millis(800))
        .warm_up_time(Duration::from_millis(300))
        .throughput(Throughput::Elements(N as u64));
    let unary: [Case; 8] = [
        ("sin", math::sin, f64::sin, false),
        ("cos", math::cos, f64::cos, false),
        ("tan", math::tan, f64::tan, false),
        ("exp", math::exp, f64::exp, false),
        ("expm1", math::expm1, f64::exp_m1, false),
        ("ln", math::ln, f64::ln, true),
        ("log1p", math::log1p, f64::ln_1p, true),
        ("tanh", math::tanh, f64::tanh, false),
    ];
    for (name, f, std_f, positive) in unary {
        let arg = if positive { &pos } else { &x };
        g.bench_function(BenchmarkId::new(name, "std scalar"), |b| {
            b.iter(|| {
                for (o, &v) in out.iter_mut().zip(arg.iter()) {
                    *o = std_f(black_box(v));
                }
                black_box(&out);
            })
        });
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            dispatch::force_level(Some(level));
            g.bench_function(BenchmarkId::new(name, level.name()), |b| {
                b.iter(|| f(black_box(arg), &mut out))
            });
        }
    }
    g.bench_function(BenchmarkId::new("pow", "std scalar"), |b| {
        b.iter(|| {
            for ((o, &p), &q) in out.iter_mut().zip(&pos).zip(&y) {
                *o = black_box(p).powf(q);
            }
        })
    });
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        dispatch::force_level(Some(level));
        let l = level.name();
        g.bench_function(BenchmarkId::new("pow", l), |b| {
            b.iter(|| math::pow(black_box(&pos), &y, &mut out))
        });
        g.bench_function(BenchmarkId::new("add", l), |b| {
            b.iter(|| elementwise::zip(black_box(&x), &y, &mut out, |p, q| p + q))
        });
        g.bench_function(BenchmarkId::new("a*b+1", l), |b| {
            b.iter(|| elementwise::zip(black_box(&x), &y, &mut out, |p, q| p * q + 1.0))
        });
        g.bench_function(BenchmarkId::new("maximum (NaN-propagating)", l), |b| {
            b.iter(|| {
                elementwise::zip(
                    black_box(&x),
                    &y,
                    &mut out,
                    tessera_kernels::scalar::Arith::maximum,
                )
            })
        });
        g.bench_function(BenchmarkId::new("i32 divide", l), |b| {
            b.iter(|| {
                elementwise::zip(
                    black_box(&xi),
                    &yi,
                    &mut outi,
                    tessera_kernels::scalar::Arith::div,
                )
            })
        });
        g.bench_function(BenchmarkId::new("cast f64 to i32", l), |b| {
            b.iter(|| elementwise::map(black_box(&x), &mut outi, |v| (v * 1e6) as i32))
        });
        g.bench_function(BenchmarkId::new("sum (pairwise)", l), |b| {
            b.iter(|| black_box(sum::sum_f64(black_box(&x))))
        });
        g.bench_function(BenchmarkId::new("max (NaN-propagating)", l), |b| {
            b.iter(|| black_box(min_max(black_box(&x), Extreme::Max, false)))
        });
    }
    dispatch::force_level(None);
    g.finish();
}

criterion_group!(benches, stream, levels);
criterion_main!(benches);
