//! Generated arrays: ranges, identity matrices and counter-based random numbers.
//!
//! Random values depend only on the seed and the element's flat (C-order) index, never on the
//! chunking: element `i` of `uniform(seed)` is the SplitMix64 output number `i + 1` of a
//! generator started at `seed · 0xD1B54A32D192ED03`, turned into a float in `[0, 1)` from its
//! top 53 bits. `normal` uses the Box–Muller transform of uniforms `2i` and `2i + 1`.

use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::expr::Generator;
use ndarray::{ArrayD, IxDyn};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED_MIX: u64 = 0xD1B5_4A32_D192_ED03;

/// The SplitMix64 finalizer.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The uniform `[0, 1)` value number `i` of the stream `seed`.
#[inline]
pub(crate) fn uniform01(seed: u64, i: u64) -> f64 {
    let z = seed
        .wrapping_mul(SEED_MIX)
        .wrapping_add(i.wrapping_add(1).wrapping_mul(GAMMA));
    (mix(z) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The standard normal value number `i` of the stream `seed`.
#[inline]
pub(crate) fn normal01(seed: u64, i: u64) -> f64 {
    let u1 = 1.0 - uniform01(seed, 2 * i); // in (0, 1]
    let u2 = uniform01(seed, 2 * i + 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Generates the region `reg` ((start, len) per axis) of an array of `shape`.
pub(crate) fn generate(
    g: &Generator,
    dtype: DType,
    shape: &[usize],
    reg: &[(usize, usize)],
) -> ChunkData {
    let rshape: Vec<usize> = reg.iter().map(|r| r.1).collect();
    let n: usize = rshape.iter().product();
    let nd = shape.len();
    let total: u64 = shape.iter().map(|&v| v as u64).product();
    // Rows along the last axis: (flat index of the row's first element, row index for eye).
    let (run, last_start) = if nd == 0 {
        (1, 0)
    } else {
        (rshape[nd - 1], reg[nd - 1].0)
    };
    let rows = n.checked_div(run).unwrap_or(0);
    with_dtype!(dtype, T => {
        let mut v: Vec<T> = Vec::with_capacity(n);
        let mut idx = vec![0usize; nd.saturating_sub(1)];
        for _ in 0..rows {
            let mut f0 = 0u64;
            for ax in 0..nd {
                let i = if ax + 1 == nd { last_start } else { reg[ax].0 + idx[ax] };
                f0 = f0 * shape[ax] as u64 + i as u64;
            }
            let row = if nd == 2 { reg[0].0 + idx[0] } else { 0 };
            fill_row(g, f0, total, row, last_start, run, &mut v);
            for ax in (0..nd.saturating_sub(1)).rev() {
                idx[ax] += 1;
                if idx[ax] < rshape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
        T::into_chunk(ArrayD::from_shape_vec(IxDyn(&rshape), v).unwrap_or_else(|_| ArrayD::default(IxDyn(&rshape))))
    })
}

/// Appends the `len` values at flat indices `f0..f0 + len` (one row along the last axis;
/// `row` and `col0` locate it for `eye`).
fn fill_row<T: Element>(
    g: &Generator,
    f0: u64,
    total: u64,
    row: usize,
    col0: usize,
    len: usize,
    out: &mut Vec<T>,
) {
    let idx = f0..f0 + len as u64;
    match *g {
        Generator::Uniform { seed, low, high } => {
            out.extend(idx.map(|f| T::from_f64(low + (high - low) * uniform01(seed, f))))
        }
        Generator::Normal { seed, mean, std } => {
            out.extend(idx.map(|f| T::from_f64(mean + std * normal01(seed, f))))
        }
        Generator::Range { start, step, end } => out.extend(idx.map(|f| {
            T::from_f64(match end {
                Some(e) if f + 1 == total => e,
                _ => start + step * f as f64,
            })
        })),
        Generator::IntRange { start, step } => out.extend(idx.map(|f| {
            let x = start + step * f as i128;
            if x >= 0 {
                T::from_u64(x as u64)
            } else {
                T::from_i64(x as i64)
            }
        })),
        Generator::Eye { k } => out.extend(
            (0..len).map(|c| T::from_f64(f64::from(u8::from((col0 + c) as i64 - row as i64 == k)))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_splitmix_and_peer_values() {
        // Seed 0: the first SplitMix64 output of state 0.
        let z = mix(GAMMA);
        assert_eq!(z, 0xE220_A839_7B1D_CDAF);
        assert_eq!(uniform01(1, 0), 0.17601256256594233);
        assert_eq!(uniform01(2, 0), 0.2357696609793668);
    }

    #[test]
    fn region_matches_whole() {
        let g = Generator::Uniform {
            seed: 7,
            low: -1.0,
            high: 1.0,
        };
        let whole = generate(&g, DType::F64, &[5, 6], &[(0, 5), (0, 6)]);
        let part = generate(&g, DType::F64, &[5, 6], &[(2, 2), (3, 3)]);
        let (w, p) = (
            f64::chunk_ref(&whole).unwrap(),
            f64::chunk_ref(&part).unwrap(),
        );
        assert_eq!(p[[1, 2]], w[[3, 5]]);
        assert!(w.iter().all(|&v| (-1.0..1.0).contains(&v)));
    }
}
