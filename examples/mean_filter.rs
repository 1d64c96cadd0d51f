//! A 3×3 mean filter with `map_overlap`: each block gets a one-element halo of its
//! neighbours (the edge value repeated beyond the array), the filter runs on the extended
//! block, and the halo is trimmed. Checks the result against the filter run on the whole
//! array at once, then times it on a larger array.
//!
//! `cargo run --release --example mean_filter [N]` (default N = 8000: an N × N `f64` array
//! in 1000² chunks).

use ndarray::{s, ArrayD, ArrayViewD, Ix2};
use std::time::Instant;
use tessera::{random, Array, Boundary, PadMode};

/// The mean of each element's 3×3 neighbourhood, for the elements not on the block's
/// edge (those keep their value; `map_overlap` trims them).
fn mean3x3(b: ArrayViewD<'_, f64>) -> tessera::Result<ArrayD<f64>> {
    let v = b
        .view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| tessera::Error::Argument {
            op: "mean3x3".into(),
            msg: e.to_string(),
        })?;
    let (r, c) = v.dim();
    let mut out = v.to_owned();
    if r >= 3 && c >= 3 {
        let mut acc = ndarray::Array2::<f64>::zeros((r - 2, c - 2));
        for di in 0..3 {
            for dj in 0..3 {
                acc += &v.slice(s![di..r - 2 + di, dj..c - 2 + dj]);
            }
        }
        out.slice_mut(s![1..r - 1, 1..c - 1]).assign(&(acc / 9.0));
    }
    Ok(out.into_dyn())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Correctness on a small array: blocks with halos against the whole array padded once.
    let small = random::uniform::<f64>(&[300, 200], [64, 48], 3)?;
    let filtered = small
        .map_overlap(&[1, 1], Boundary::Nearest, |b, _| mean3x3(b))?
        .compute()?;
    let padded = small.pad(&[(1, 1), (1, 1)], PadMode::Edge)?.compute()?;
    let whole = mean3x3(padded.view())?;
    let want = whole.slice(s![1..301, 1..201]).to_owned().into_dyn();
    let err = (&filtered - &want)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(err < 1e-12, "blocks and whole array differ by {err}");
    println!("300 × 200 in 64 × 48 blocks: matches the whole-array filter (max diff {err:e})");

    let n: usize = std::env::args().nth(1).map_or(Ok(8000), |a| a.parse())?;
    let x: Array<f64> = random::uniform(&[n, n], [1000, 1000], 1)?;
    let y = x
        .map_overlap(&[1, 1], Boundary::Nearest, |b, _| mean3x3(b))?
        .mean(..)?;
    for _ in 0..3 {
        let t = Instant::now();
        let m = y.compute_scalar()?;
        println!(
            "{n} × {n} f64: mean of the filtered array {m:.6} in {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
