//! A first tour of tessera: build chunked arrays, compute several results, print timings.
//!
//! Run with `cargo run --release --example quickstart`.

use std::time::Instant;
use tessera::prelude::*;

fn main() -> Result<(), tessera::Error> {
    let n = 4000;
    let chunks = 500;
    println!("tessera quickstart: a {n} x {n} f64 array in {chunks} x {chunks} chunks");

    // Inputs are generated lazily, chunk by chunk; the values do not depend on the chunking.
    let x = random::uniform::<f64>(&[n, n], chunks, 1)?;
    let y = random::normal::<f64>(&[n, n], chunks, 2, 0.0, 1.0)?;

    let t = Instant::now();
    let s = (x.sin() * &y + 1.0).sum(..)?; // one fused pass, no intermediate arrays
    println!(
        "sum(sin(x) * y + 1)          = {:>14.6}   ({:.3} s)",
        s.compute_scalar()?,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let col_means = x.mean(0)?;
    let row_stds = x.std(1)?;
    let r = compute_many(&[&col_means, &row_stds])?;
    println!(
        "mean(axis 0)[..3]            = {:.6?}   ({:.3} s, with std(axis 1) in one run)",
        &r[0].as_slice().unwrap_or(&[])[..3.min(n)],
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let anomaly_std = (&x - &x.mean(0)?).std(..)?;
    println!(
        "(x - x.mean(axis=0)).std()   = {:>14.9}   ({:.3} s)",
        anomaly_std.compute_scalar()?,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let sym = (&x + &x.t()).sum(..)?;
    println!(
        "(x + x.T).sum()              = {:>14.3}   ({:.3} s)",
        sym.compute_scalar()?,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let big = x.greater(0.99)?.count_nonzero(..)?;
    println!(
        "count(x > 0.99)              = {:>14}   ({:.3} s)",
        big.compute_scalar()?,
        t.elapsed().as_secs_f64()
    );

    println!("\nThe plan of the first result:\n{}", s.explain());
    Ok(())
}
