//! [`pairwise_sum`](crate::sum::pairwise_sum) of `f64` with explicit AVX2 and AVX-512 vectors,
//! bit-identical to it.
//!
//! The pairwise sum's leaves are blocks of at most [`BLOCK`] values, each summed with eight
//! accumulators. Those eight lanes are one AVX-512 vector (two AVX2 vectors), so a leaf is
//! one chain of vector additions; but a chain waits for each addition's latency, and the
//! compiler vectorizes the portable code poorly (it deinterleaves the eight accumulators
//! into pairs of SSE lanes). Here every node of at most [`NODE`] values is summed in three
//! steps that keep the association of the portable recursion exactly:
//!
//! 1. its leaves are listed, in order, by the same splitting rule;
//! 2. their block sums are computed four leaves at a time, with the four chains interleaved
//!    (each leaf's lanes still add that leaf's values in order, so each leaf's sum is the
//!    same double);
//! 3. the leaf sums are combined along the same tree.
//!
//! The leaves can map each value before adding it (`fv`/`fs` of [`four_avx512`]): the
//! variance's second pass sums `(v - mean)²` this way, without a buffer of squares.
//!
//! `kernels/examples/level_speed.rs` times it per level (figures in `BENCHMARKS.md`).

use crate::sum::{split, BLOCK};
use std::arch::x86_64::*;

/// Largest node summed by listing its leaves: every leaf of a node longer than [`BLOCK`]
/// has at least `BLOCK / 2` values, so a node of `NODE` values has at most `MAX_LEAVES`.
const NODE: usize = 1024;
/// Bound on the number of leaves of a node of at most [`NODE`] values (checked by a test).
const MAX_LEAVES: usize = 2 * NODE / BLOCK;

/// The leaves of the pairwise recursion over `x`, in order, appended to `out[*k..]`.
fn leaves<'a>(x: &'a [f64], out: &mut [&'a [f64]; MAX_LEAVES], k: &mut usize) {
    if x.len() <= BLOCK {
        out[*k] = x;
        *k += 1;
        return;
    }
    let half = split(x.len());
    leaves(&x[..half], out, k);
    leaves(&x[half..], out, k);
}

/// Combines the leaf sums `sums[*k..]` of a node of `len` values along the recursion.
fn combine(len: usize, sums: &[f64; MAX_LEAVES], k: &mut usize) -> f64 {
    if len <= BLOCK {
        *k += 1;
        return sums[*k - 1];
    }
    let half = split(len);
    let a = combine(half, sums, k);
    let b = combine(len - half, sums, k);
    a + b
}

/// The block sum's final step: `((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))`, plus the
/// values after the last full group of eight (mapped by `f`), added in order from zero.
#[inline(always)]
fn finish(a: [f64; 8], rest: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut tail = 0.0;
    for &v in rest {
        tail += f(v);
    }
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + tail
}

/// The pairwise sum of `x` at one level: nodes of at most [`NODE`] values through `node`,
/// larger ones split as in the portable recursion.
#[inline(always)]
fn recurse(x: &[f64], node: &dyn Fn(&[f64]) -> f64) -> f64 {
    if x.len() <= NODE {
        return node(x);
    }
    let half = split(x.len());
    recurse(&x[..half], node) + recurse(&x[half..], node)
}

/// Sums the leaves of `x` (at most [`NODE`] values) four at a time with `four`, and combines
/// them.
#[inline(always)]
fn node_with(x: &[f64], four: impl Fn([&[f64]; 4]) -> [f64; 4]) -> f64 {
    let blocks = x.len() / BLOCK;
    if x.len().is_multiple_of(BLOCK) && blocks.is_multiple_of(4) && blocks.is_power_of_two() {
        // A power of two times four blocks (the tile lengths): the recursion halves exactly
        // down to whole blocks, so the leaves are the consecutive blocks and the tree is
        // complete; combining neighbours level by level is the same association, without
        // walking the tree.
        let mut sums = [0.0; MAX_LEAVES];
        for (j, g) in x.chunks_exact(4 * BLOCK).enumerate() {
            let (a, rest) = g.split_at(BLOCK);
            let (b, rest) = rest.split_at(BLOCK);
            let (c, d) = rest.split_at(BLOCK);
            sums[4 * j..4 * j + 4].copy_from_slice(&four([a, b, c, d]));
        }
        let mut m = blocks;
        while m > 1 {
            for i in 0..m / 2 {
                sums[i] = sums[2 * i] + sums[2 * i + 1];
            }
            m /= 2;
        }
        return sums[0];
    }
    let mut list: [&[f64]; MAX_LEAVES] = [&[]; MAX_LEAVES];
    let mut n = 0;
    leaves(x, &mut list, &mut n);
    let mut sums = [0.0; MAX_LEAVES];
    let mut j = 0;
    while j < n {
        // A missing fourth leaf is an empty slice; its sum is discarded.
        let group = [list[j], list[j + 1], list[j + 2], list[j + 3]];
        let s = four(group);
        let m = (n - j).min(4);
        sums[j..j + m].copy_from_slice(&s[..m]);
        j += 4;
    }
    let mut k = 0;
    combine(x.len(), &sums, &mut k)
}

/// [`pairwise_sum`](crate::sum::pairwise_sum) of `x` with AVX-512.
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
pub(crate) fn pairwise_avx512(x: &[f64]) -> f64 {
    recurse(x, &|x| node_with(x, |g| four_avx512(g, |v| v, |v| v)))
}

/// [`pairwise_sum`](crate::sum::pairwise_sum) of `x` with AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn pairwise_avx2(x: &[f64]) -> f64 {
    recurse(x, &|x| node_with(x, |g| four_avx2(g, |v| v, |v| v)))
}

/// The pairwise sum of `(v - mean)²` over `x` with AVX-512, bit-identical to
/// [`pairwise_map`](crate::sum::pairwise_map) with that map: each lane computes the same
/// subtraction and product as the scalar code.
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
pub(crate) fn sq_dev_avx512(x: &[f64], mean: f64) -> f64 {
    let m = _mm512_set1_pd(mean);
    let sq = |v: __m512d| {
        let d = _mm512_sub_pd(v, m);
        _mm512_mul_pd(d, d)
    };
    recurse(x, &|x| {
        node_with(x, |g| four_avx512(g, sq, |v| (v - mean) * (v - mean)))
    })
}

/// As [`sq_dev_avx512`], with AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn sq_dev_avx2(x: &[f64], mean: f64) -> f64 {
    let m = _mm256_set1_pd(mean);
    let sq = |v: __m256d| {
        let d = _mm256_sub_pd(v, m);
        _mm256_mul_pd(d, d)
    };
    recurse(x, &|x| {
        node_with(x, |g| four_avx2(g, sq, |v| (v - mean) * (v - mean)))
    })
}

/// The block sums of four leaves (at most [`BLOCK`] values each; empty ones give 0), their
/// eight-lane chains interleaved, of the values mapped by `fv` (eight at a time) and `fs`
/// (the tail after the last group of eight; the same map).
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
#[inline]
fn four_avx512(
    l: [&[f64]; 4],
    fv: impl Fn(__m512d) -> __m512d,
    fs: impl Fn(f64) -> f64,
) -> [f64; 4] {
    let groups = l.map(|s| s.len() / 8);
    let common = groups.iter().copied().min().unwrap_or(0);
    let mut acc = [_mm512_setzero_pd(); 4];
    for i in 0..common {
        for j in 0..4 {
            // SAFETY: `i < common <= l[j].len() / 8`, so the eight values from `8 * i` lie
            // inside `l[j]`; `loadu` has no alignment requirement.
            let v = unsafe { _mm512_loadu_pd(l[j].as_ptr().add(8 * i)) };
            acc[j] = _mm512_add_pd(acc[j], fv(v));
        }
    }
    let mut out = [0.0; 4];
    for j in 0..4 {
        for i in common..groups[j] {
            // SAFETY: as above, with `i < groups[j] = l[j].len() / 8`.
            let v = unsafe { _mm512_loadu_pd(l[j].as_ptr().add(8 * i)) };
            acc[j] = _mm512_add_pd(acc[j], fv(v));
        }
        let mut lanes = [0.0; 8];
        // SAFETY: `lanes` holds eight `f64`, the size of one vector; `storeu` has no
        // alignment requirement.
        unsafe { _mm512_storeu_pd(lanes.as_mut_ptr(), acc[j]) };
        out[j] = finish(lanes, &l[j][8 * groups[j]..], &fs);
    }
    out
}

/// As [`four_avx512`], each leaf's eight lanes held in two AVX2 vectors.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn four_avx2(l: [&[f64]; 4], fv: impl Fn(__m256d) -> __m256d, fs: impl Fn(f64) -> f64) -> [f64; 4] {
    let groups = l.map(|s| s.len() / 8);
    let common = groups.iter().copied().min().unwrap_or(0);
    let mut lo = [_mm256_setzero_pd(); 4];
    let mut hi = [_mm256_setzero_pd(); 4];
    for i in 0..common {
        for j in 0..4 {
            // SAFETY: `i < common <= l[j].len() / 8`, so the eight values from `8 * i` lie
            // inside `l[j]` (four at `8 * i`, four at `8 * i + 4`); `loadu` has no alignment
            // requirement.
            let (a, b) = unsafe {
                let p = l[j].as_ptr().add(8 * i);
                (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4)))
            };
            lo[j] = _mm256_add_pd(lo[j], fv(a));
            hi[j] = _mm256_add_pd(hi[j], fv(b));
        }
    }
    let mut out = [0.0; 4];
    for j in 0..4 {
        for i in common..groups[j] {
            // SAFETY: as above, with `i < groups[j] = l[j].len() / 8`.
            let (a, b) = unsafe {
                let p = l[j].as_ptr().add(8 * i);
                (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4)))
            };
            lo[j] = _mm256_add_pd(lo[j], fv(a));
            hi[j] = _mm256_add_pd(hi[j], fv(b));
        }
        let mut lanes = [0.0; 8];
        // SAFETY: `lanes` holds eight `f64`: four from `lo` at 0 and four from `hi` at 4;
        // `storeu` has no alignment requirement.
        unsafe {
            _mm256_storeu_pd(lanes.as_mut_ptr(), lo[j]);
            _mm256_storeu_pd(lanes.as_mut_ptr().add(4), hi[j]);
        }
        out[j] = finish(lanes, &l[j][8 * groups[j]..], &fs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_have_at_most_max_leaves() {
        let x = vec![0.0; NODE];
        for len in 0..=NODE {
            let mut list: [&[f64]; MAX_LEAVES] = [&[]; MAX_LEAVES];
            let mut n = 0;
            leaves(&x[..len], &mut list, &mut n);
            assert!(n <= MAX_LEAVES, "len {len}: {n} leaves");
            let covered: usize = list[..n].iter().map(|s| s.len()).sum();
            assert_eq!(covered, len);
        }
    }
}
