//! Generated arrays: ranges, identity matrices and counter-based random numbers.
//!
//! Random values depend only on the seed and the element's flat (C-order) index, never on the
//! chunking: element `i` of `uniform(seed)` is the SplitMix64 output number `i + 1` of a
//! generator started at `seed · 0xD1B54A32D192ED03`, turned into a float in `[0, 1)` from its
//! top 53 bits. `normal` uses the Box–Muller transform of uniforms `2i` and `2i + 1`, with the
//! vectorized `ln` and `cos` of the kernels crate (within their documented ulp bounds of the
//! standard library's, the same bits at every thread count and chunking).
//!
//! Values are produced in runs of consecutive (or evenly strided) flat indices by [`fill`],
//! vectorized through the kernels' dispatch, both when a chunk is materialized ([`generate`])
//! and when a fused program reads a generated leaf tile by tile ([`GenTiles`]), which never
//! materializes the chunk.

use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::expr::Generator;
use crate::plan::{Leaf, NO_ROOT_AXIS};
use ndarray::{ArrayD, IxDyn};
use std::cell::RefCell;
use tessera_kernels::math;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED_MIX: u64 = 0xD1B5_4A32_D192_ED03;

/// The SplitMix64 finalizer.
#[inline(always)]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The uniform `[0, 1)` value number `i` of the stream `seed`: the definition that
/// [`fill`] computes for whole runs (tests check it against this).
#[cfg(test)]
pub(crate) fn uniform01(seed: u64, i: u64) -> f64 {
    let z = seed
        .wrapping_mul(SEED_MIX)
        .wrapping_add(i.wrapping_add(1).wrapping_mul(GAMMA));
    unit(mix(z))
}

/// The top 53 bits of `bits` as a value in `[0, 1)`. They fit an `i64` exactly, whose
/// conversion vectorizes where an unsigned one may not.
#[inline(always)]
fn unit(bits: u64) -> f64 {
    ((bits >> 11) as i64) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The counter of value `f0` of the stream `seed`, and the step between the counters of
/// values `stride` apart: value `f0 + k * stride` mixes `z0 + k * dz` (mod 2^64).
#[inline(always)]
fn counters(seed: u64, f0: i64, stride: i64) -> (u64, u64) {
    let z0 = seed
        .wrapping_mul(SEED_MIX)
        .wrapping_add((f0 as u64).wrapping_add(1).wrapping_mul(GAMMA));
    (z0, (stride as u64).wrapping_mul(GAMMA))
}

/// The standard normal value number `i` of the stream `seed`, with the standard library's
/// `ln` and `cos` (the definition [`fill`] vectorizes).
#[cfg(test)]
pub(crate) fn normal01(seed: u64, i: u64) -> f64 {
    let u1 = 1.0 - uniform01(seed, 2 * i); // in (0, 1]
    let u2 = uniform01(seed, 2 * i + 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Scratch buffers for [`fill`] (normal values need two per run).
#[derive(Default)]
pub(crate) struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
}

/// Writes the values at flat indices `f0, f0 + stride, …` (`out.len()` of them) of a
/// generated array with `total` elements and, for `eye`, `cols` columns.
pub(crate) fn fill<T: Element>(
    g: &Generator,
    total: u64,
    cols: u64,
    f0: i64,
    stride: i64,
    out: &mut [T],
    scratch: &mut Scratch,
) {
    let n = out.len();
    let at = |k: usize| (f0 + k as i64 * stride) as u64;
    match *g {
        Generator::Uniform { seed, low, high } => {
            // The stream's counters along the run form an arithmetic progression, so each
            // lane computes its own from `k` alone and the loop vectorizes.
            let (z0, dz) = counters(seed, f0, stride);
            let span = high - low;
            tessera_kernels::dispatch::run(
                #[inline(always)]
                || {
                    let (z0, dz, low, span) = (z0, dz, low, span);
                    for (k, o) in out.iter_mut().enumerate() {
                        let z = z0.wrapping_add((k as u64).wrapping_mul(dz));
                        *o = T::from_f64(low + span * unit(mix(z)));
                    }
                },
            )
        }
        Generator::Normal { seed, mean, std } => {
            let Scratch { a, b, c } = scratch;
            a.resize(n, 0.0);
            b.resize(n, 0.0);
            c.resize(n, 0.0);
            // Value `i` draws the uniform values `2 i` and `2 i + 1`.
            let (za, dz) = counters(seed, 2 * f0, 2 * stride);
            let (zb, _) = counters(seed, 2 * f0 + 1, 2 * stride);
            tessera_kernels::dispatch::run(
                #[inline(always)]
                || {
                    let (za, zb, dz) = (za, zb, dz);
                    for (k, (a, b)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                        let step = (k as u64).wrapping_mul(dz);
                        *a = 1.0 - unit(mix(za.wrapping_add(step))); // in (0, 1]
                        *b = std::f64::consts::TAU * unit(mix(zb.wrapping_add(step)));
                    }
                },
            );
            math::ln(a, c);
            math::cos(b, a);
            tessera_kernels::dispatch::run(
                #[inline(always)]
                || {
                    for (k, o) in out.iter_mut().enumerate() {
                        *o = T::from_f64(mean + std * ((-2.0 * c[k]).sqrt() * a[k]));
                    }
                },
            )
        }
        Generator::Sample { seed, ref dist } => {
            for (k, o) in out.iter_mut().enumerate() {
                *o = match dist.sample(seed, at(k)) {
                    crate::random::Draw::Real(v) => T::from_f64(v),
                    crate::random::Draw::Int(v) if v >= 0 => T::from_u64(v as u64),
                    crate::random::Draw::Int(v) => T::from_i64(v as i64),
                };
            }
        }
        Generator::Range { start, step, end } => {
            for (k, o) in out.iter_mut().enumerate() {
                let f = at(k);
                *o = T::from_f64(match end {
                    Some(e) if f + 1 == total => e,
                    _ => start + step * f as f64,
                });
            }
        }
        Generator::IntRange { start, step } => {
            for (k, o) in out.iter_mut().enumerate() {
                let x = start + step * at(k) as i128;
                *o = if x >= 0 {
                    T::from_u64(x as u64)
                } else {
                    T::from_i64(x as i64)
                };
            }
        }
        Generator::Eye { k: diag } => {
            let cols = cols.max(1);
            for (k, o) in out.iter_mut().enumerate() {
                let f = at(k);
                let (r, c) = (f / cols, f % cols);
                *o = T::from_f64(f64::from(u8::from(c as i64 - r as i64 == diag)));
            }
        }
    }
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
    let cols = shape.last().map_or(1, |&c| c as u64);
    let run = if nd == 0 { 1 } else { rshape[nd - 1] };
    let mut scratch = Scratch::default();
    with_dtype!(dtype, T => {
        let mut v: Vec<T> = vec![T::default(); n];
        let mut idx = vec![0usize; nd.saturating_sub(1)];
        if run > 0 {
            for row in v.chunks_mut(run) {
                let mut f0 = 0i64;
                for ax in 0..nd {
                    let i = if ax + 1 == nd { reg[ax].0 } else { reg[ax].0 + idx[ax] };
                    f0 = f0 * shape[ax] as i64 + i as i64;
                }
                fill(g, total, cols, f0, 1, row, &mut scratch);
                for ax in (0..nd.saturating_sub(1)).rev() {
                    idx[ax] += 1;
                    if idx[ax] < rshape[ax] {
                        break;
                    }
                    idx[ax] = 0;
                }
            }
        }
        T::into_chunk(ArrayD::from_shape_vec(IxDyn(&rshape), v).unwrap_or_else(|_| ArrayD::default(IxDyn(&rshape))))
    })
}

/// A generated leaf read tile by tile: each tile's values are computed where they are read,
/// so the chunk is never materialized. Root element `r` of the task's region is flat index
/// `base + Σ r[d] · stride[d]` of the generated array.
pub(crate) struct GenTiles<T> {
    g: Generator,
    total: u64,
    cols: u64,
    base: i64,
    stride: Vec<i64>,
    shape: Vec<usize>,
    scratch: RefCell<Scratch>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: Element> GenTiles<T> {
    /// The tiles of `leaf` (a generated node) whose box in the generated array is `sub` (as
    /// [`Leaf::region`] gives it), over a root region of shape `root`.
    pub(crate) fn new(g: &Generator, leaf: &Leaf, sub: &[(usize, usize)], root: &[usize]) -> Self {
        let shape = &leaf.node.shape;
        let nd = shape.len();
        let mut cs = vec![1i64; nd];
        for p in (0..nd.saturating_sub(1)).rev() {
            cs[p] = cs[p + 1] * shape[p + 1] as i64;
        }
        // Root element 0 of the region is the first element of the box along axes read
        // forwards and its last along axes read backwards.
        let mut base = 0i64;
        let mut stride = vec![0i64; root.len()];
        for p in 0..nd {
            let (d, (start, len)) = (leaf.axis_to_root[p], sub[p]);
            if leaf.stretched[p] || d == NO_ROOT_AXIS {
                base += cs[p] * start as i64;
            } else {
                let step = leaf.step[p] as i64;
                let first = if step > 0 {
                    start
                } else {
                    start + len.saturating_sub(1)
                };
                base += cs[p] * first as i64;
                stride[d] += cs[p] * step;
            }
        }
        GenTiles {
            g: g.clone(),
            total: shape.iter().map(|&v| v as u64).product(),
            cols: shape.last().map_or(1, |&c| c as u64),
            base,
            stride,
            shape: root.to_vec(),
            scratch: RefCell::new(Scratch::default()),
            _t: std::marker::PhantomData,
        }
    }

    /// Writes the values of `tile` into `out` (`tile.len()` elements, C order in the tile).
    pub(crate) fn load(&self, tile: &super::strided::TileSpec, out: &mut [T]) {
        use super::strided::TileSpec;
        let mut scratch = self.scratch.borrow_mut();
        let nd = self.shape.len();
        if nd == 0 {
            fill(
                &self.g,
                self.total,
                self.cols,
                self.base,
                0,
                out,
                &mut scratch,
            );
            return;
        }
        let last = nd - 1;
        match *tile {
            TileSpec::Flat { start, n } => {
                // Runs along the last root axis.
                let mut idx = vec![0usize; nd];
                let mut rem = start;
                for d in (0..nd).rev() {
                    idx[d] = rem % self.shape[d].max(1);
                    rem /= self.shape[d].max(1);
                }
                let mut pos = 0;
                while pos < n {
                    let run = (self.shape[last] - idx[last]).min(n - pos);
                    let f0 = self.base
                        + idx
                            .iter()
                            .zip(&self.stride)
                            .map(|(&i, &s)| i as i64 * s)
                            .sum::<i64>();
                    let dst = &mut out[pos..pos + run];
                    fill(
                        &self.g,
                        self.total,
                        self.cols,
                        f0,
                        self.stride[last],
                        dst,
                        &mut scratch,
                    );
                    pos += run;
                    idx[last] = 0;
                    for d in (0..last).rev() {
                        idx[d] += 1;
                        if idx[d] < self.shape[d] {
                            break;
                        }
                        idx[d] = 0;
                    }
                }
            }
            TileSpec::Block {
                outer,
                r0,
                nr,
                c0,
                nc,
            } => {
                // Rows of the last two axes at leading position `outer`.
                let mut lead = 0i64;
                let mut rem = outer;
                for d in (0..nd.saturating_sub(2)).rev() {
                    lead += (rem % self.shape[d].max(1)) as i64 * self.stride[d];
                    rem /= self.shape[d].max(1);
                }
                for r in 0..nr {
                    let f0 = self.base
                        + lead
                        + (r0 + r) as i64 * self.stride[nd - 2]
                        + c0 as i64 * self.stride[last];
                    let dst = &mut out[r * nc..(r + 1) * nc];
                    fill(
                        &self.g,
                        self.total,
                        self.cols,
                        f0,
                        self.stride[last],
                        dst,
                        &mut scratch,
                    );
                }
            }
        }
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
    fn vectorized_values_match_the_scalar_definition() {
        let mut scratch = Scratch::default();
        let n = 3000;
        let mut u = vec![0.0f64; n];
        let g = Generator::Uniform {
            seed: 11,
            low: -2.0,
            high: 3.0,
        };
        fill(&g, 1 << 40, 1, 12345, 1, &mut u, &mut scratch);
        for (k, &v) in u.iter().enumerate() {
            assert_eq!(v, -2.0 + 5.0 * uniform01(11, 12345 + k as u64), "{k}");
        }
        // Strided runs (a transposed or stepped read) give the same values.
        let mut w = vec![0.0f64; 100];
        fill(&g, 1 << 40, 1, 12345 + 7 * 99, -7, &mut w, &mut scratch);
        for (k, &v) in w.iter().enumerate() {
            assert_eq!(v, u[7 * (99 - k)], "{k}");
        }
        let g = Generator::Normal {
            seed: 5,
            mean: 1.0,
            std: 2.0,
        };
        let mut z = vec![0.0f64; n];
        fill(&g, 1 << 40, 1, 777, 1, &mut z, &mut scratch);
        for (k, &v) in z.iter().enumerate() {
            let want = 1.0 + 2.0 * normal01(5, 777 + k as u64);
            // The kernels' ln and cos are within 1 and 2 ulp of the standard library's.
            assert!(
                (v - want).abs() <= 1e-14 * want.abs().max(1.0),
                "{k}: {v} {want}"
            );
        }
        let mut z32 = vec![0.0f32; 64];
        fill(&g, 1 << 40, 1, 777, 1, &mut z32, &mut scratch);
        assert!(z32.iter().zip(&z).all(|(&a, &b)| a == b as f32));
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
