//! Prints the speed of the main kernels at every SIMD level this CPU supports, in ns per
//! element (one thread, operands in L1), next to the standard library's scalar loop.
//!
//! `cargo run --release -p tessera-kernels --example level_speed`. Building it once more
//! with `RUSTFLAGS="-C target-cpu=native"` shows what compiling for this exact CPU would add
//! over run-time dispatch.

use std::hint::black_box;
use std::time::Instant;
use tessera_kernels::dispatch::{with_level, Level};
use tessera_kernels::{elementwise, float_rem, math, reduce, scalar, scalar::Arith, sum, wide_div};

const N: usize = 1024;

/// A slice kernel.
type K = fn(&[f64], &mut [f64]);
/// A math kernel: name, vectorized form, the standard library's function, whether it
/// needs positive arguments.
type MathCase = (&'static str, K, fn(f64) -> f64, bool);
/// Another kernel, writing into the output.
type Row<'a> = (&'static str, &'a dyn Fn(&mut [f64]));

/// Median over 31 rounds of the ns per element of `f` (each round repeats it to ~0.2 ms).
fn time(mut f: impl FnMut()) -> f64 {
    f();
    let reps = 200;
    let mut t: Vec<f64> = (0..31)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..reps {
                f();
            }
            s.elapsed().as_nanos() as f64 / (reps * N) as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[15]
}

fn main() {
    let x: Vec<f64> = (0..N)
        .map(|i| ((i * 7919) % 4001) as f64 / 1000.0 - 2.0)
        .collect();
    let pos: Vec<f64> = x.iter().map(|v| v.abs() * 100.0 + 1e-3).collect();
    let y: Vec<f64> = x.iter().rev().copied().collect();
    let mut out = vec![0.0; N];
    let unary: [MathCase; 8] = [
        ("sin", math::sin, f64::sin, false),
        ("cos", math::cos, f64::cos, false),
        ("tan", math::tan, f64::tan, false),
        ("exp", math::exp, f64::exp, false),
        ("expm1", math::expm1, f64::exp_m1, false),
        ("ln", math::ln, f64::ln, true),
        ("log1p", math::log1p, f64::ln_1p, true),
        ("tanh", math::tanh, f64::tanh, false),
    ];
    let levels: Vec<Level> = Level::ALL.into_iter().filter(|l| l.supported()).collect();
    print!("| kernel (ns/element) | std scalar |");
    for l in &levels {
        print!(" {} |", l.name());
    }
    println!();
    println!("|---|---:|{}", "---:|".repeat(levels.len()));
    for (name, f, sf, positive) in unary {
        let a = if positive { &pos } else { &x };
        let std_ns = time(|| {
            for (o, &v) in out.iter_mut().zip(a.iter()) {
                *o = sf(black_box(v));
            }
            black_box(&out);
        });
        print!("| {name} | {std_ns:.3} |");
        for &l in &levels {
            print!(
                " {:.3} |",
                with_level(l, || time(|| f(black_box(a), &mut out)))
            );
        }
        println!();
    }
    let std_pow = time(|| {
        for ((o, &p), &q) in out.iter_mut().zip(&pos).zip(&y) {
            *o = black_box(p).powf(q);
        }
        black_box(&out);
    });
    print!("| pow | {std_pow:.3} |");
    for &l in &levels {
        print!(
            " {:.3} |",
            with_level(l, || time(|| math::pow(black_box(&pos), &y, &mut out)))
        );
    }
    println!();
    let rows: [Row<'_>; 6] = [
        ("a*b+1", &|o| {
            elementwise::zip(black_box(&x), &y, o, |p, q| p * q + 1.0)
        }),
        ("maximum", &|o| {
            elementwise::zip(black_box(&x), &y, o, Arith::maximum)
        }),
        ("sum", &|o| o[0] = sum::sum_f64(black_box(&x))),
        ("moments (mean, M2)", &|o| {
            o[0] = tessera_kernels::moments::Moments::of(black_box(&x[..])).m2
        }),
        ("sqrt", &|o| elementwise::map(black_box(&pos), o, f64::sqrt)),
        ("max (NaN-propagating)", &|o| {
            o[0] = reduce::min_max(black_box(&x), reduce::Extreme::Max, false).unwrap_or(0.0)
        }),
    ];
    for (name, f) in rows {
        print!("| {name} | - |");
        for &l in &levels {
            print!(" {:.3} |", with_level(l, || time(|| f(&mut out))));
        }
        println!();
    }
    // Closures, not function pointers: a pointer would be called per element, unvectorized.
    let mut outi = vec![0i32; N];
    print!("| f64 as i32 | - |");
    for &l in &levels {
        let t = with_level(l, || {
            time(|| elementwise::map(black_box(&x), &mut outi, |v| (v * 1e6) as i32))
        });
        print!(" {t:.3} |");
    }
    println!();
    // 64-bit integer division: the vector kernel, against the plain loop over `Arith::div`
    // (the "std scalar" column: one hardware division per element).
    let xi: Vec<i64> = (0..N as i64)
        .map(|i| (i * 7919) % 100_003 - 50_000)
        .collect();
    let yi: Vec<i64> = (0..N as i64).map(|i| (i * 31) % 97 + 1).collect();
    let mut oi = vec![0i64; N];
    let std_div = time(|| {
        for ((o, &p), &q) in oi.iter_mut().zip(&xi).zip(&yi) {
            *o = Arith::div(black_box(p), q);
        }
        black_box(&oi);
    });
    print!("| i64 / i64 | {std_div:.3} |");
    for &l in &levels {
        let t = with_level(l, || {
            time(|| wide_div::div_i64(black_box(&xi), &yi, &mut oi))
        });
        print!(" {t:.3} |");
    }
    println!();
    // Float remainder: the vector kernel against the plain loop over `Arith::rem` (one C
    // library `fmod` per element).
    let xr: Vec<f64> = x.iter().map(|v| v * 1000.0 - 500.0).collect();
    let yr: Vec<f64> = (0..N).map(|i| 0.37 + (i % 13) as f64 * 0.61).collect();
    let mut orr = vec![0f64; N];
    let std_rem = time(|| {
        for ((o, &p), &q) in orr.iter_mut().zip(&xr).zip(&yr) {
            *o = Arith::rem(black_box(p), q);
        }
        black_box(&orr);
    });
    print!("| f64 % f64 | {std_rem:.3} |");
    for &l in &levels {
        let t = with_level(l, || {
            time(|| float_rem::rem_f64(black_box(&xr), &yr, &mut orr))
        });
        print!(" {t:.3} |");
    }
    println!();
    print!("| f64 to i32 (clamped) | - |");
    for &l in &levels {
        let t = with_level(l, || {
            time(|| elementwise::map(black_box(&x), &mut outi, |v| scalar::f64_to_i32(v * 1e6)))
        });
        print!(" {t:.3} |");
    }
    println!();
}
