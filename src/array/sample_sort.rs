//! The sort of a 1-d array held in several chunks: a sample sort, so that the work is
//! spread over as many tasks as there are chunks and no task holds more than its bucket.
//!
//! 1. Splitters: a regular sample of the values (64 per chunk), sorted, cut into as many
//!    buckets as the array has chunks (computed when the sort is built).
//! 2. The counting pass: how many values of each chunk fall in each bucket (a computation
//!    of its own), which gives the result's chunk sizes (empty buckets are dropped) and
//!    where each bucket lies in each sorted chunk.
//! 3. Each chunk is sorted on its own; one task per bucket then reads the bucket's span of
//!    every sorted chunk (known from the counts) and merges them. Values equal under
//!    the order are indistinguishable, so the sorts need not be stable (NaN comes last).

use super::{gather, Array, Idx};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn};
use std::cmp::Ordering;
use std::sync::Arc;

/// Samples taken per chunk to choose the splitters.
const SAMPLES_PER_CHUNK: usize = 64;

/// The bucket of `v`: the number of splitters not greater than it (NumPy's order).
#[inline]
fn bucket_of<T: Element, O: Fn(&T, &T) -> Ordering>(splitters: &[T], v: &T, order: O) -> usize {
    splitters.partition_point(|s| order(s, v) != Ordering::Greater)
}

/// The sorted union of the sorted runs `a` and `b` (`a`'s element first among equals).
fn merge_two<T: Copy, O: Fn(&T, &T) -> Ordering>(a: &[T], b: &[T], order: O) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if order(&b[j], &a[i]) == Ordering::Less {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The sorted 1-d array `x` (several chunks), ordered by `order`.
pub(crate) fn sample_sort<T, O>(x: &Array<T>, order: O) -> Result<Array<T>>
where
    T: Element,
    O: Fn(&T, &T) -> Ordering + Copy + Send + Sync + 'static,
{
    let op = "sort";
    let n = x.shape()[0];
    let grid = x.chunks().clone();
    let chunks = grid.axis(0).count();
    // 1. Splitters from a regular sample.
    let step = (n / (SAMPLES_PER_CHUNK * chunks)).max(1);
    let sample = x.index(&[Idx::slice(0, None, step as isize)])?.compute()?;
    let mut sample: Vec<T> = sample.iter().copied().collect();
    sample.sort_unstable_by(|a, b| order(a, b));
    let mut splitters: Vec<T> = (1..chunks)
        .map(|k| sample[k * sample.len() / chunks])
        .collect();
    splitters.dedup_by(|a, b| order(a, b) == Ordering::Equal);
    let buckets = splitters.len() + 1;
    // 2. Each chunk sorted on its own (lazy), and the counting pass: how many values of each
    //    chunk fall in each bucket (one row per chunk).
    let sorted = x.map_blocks(move |b, _| {
        let mut v: Vec<T> = b.iter().copied().collect();
        v.sort_unstable_by(|a, b| order(a, b));
        ArrayD::from_shape_vec(IxDyn(b.shape()), v).map_err(|e| Error::internal(op, e.to_string()))
    })?;
    let s = Arc::new(splitters);
    let count_grid = ChunkGrid::from_axes(vec![
        AxisChunks::regular(1, chunks),
        AxisChunks::from_sizes(vec![buckets]),
    ]);
    let in_grid = grid.clone();
    let counts = gather::<T, i64, _>(
        "sort-count",
        &[x],
        count_grid,
        move |ix| {
            vec![(
                0,
                vec![(in_grid.axis(0).offset(ix[0]), in_grid.axis(0).size(ix[0]))],
            )]
        },
        move |b, info| {
            let mut c = vec![0i64; buckets];
            for v in b[0].iter() {
                c[bucket_of(&s, v, order)] += 1;
            }
            ArrayD::from_shape_vec(IxDyn(&info.out_shape), c)
                .map_err(|e| Error::internal(op, e.to_string()))
        },
    )
    .compute()?;
    // Where each bucket starts in each sorted chunk.
    let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); buckets];
    for k in 0..chunks {
        let mut at = grid.axis(0).offset(k);
        for (b, span) in spans.iter_mut().enumerate() {
            let c = counts[[k, b]] as usize;
            if c > 0 {
                span.push((at, c));
            }
            at += c;
        }
    }
    let spans: Vec<Vec<(usize, usize)>> = spans.into_iter().filter(|s| !s.is_empty()).collect();
    let out_grid = ChunkGrid::from_axes(vec![AxisChunks::from_sizes(
        spans.iter().map(|s| s.iter().map(|r| r.1).sum()).collect(),
    )]);
    // 3. One task per non-empty bucket: its span of every sorted chunk, merged.
    let spans = Arc::new(spans);
    let reads = spans.clone();
    Ok(gather(
        op,
        &[&sorted],
        out_grid,
        move |ix| reads[ix[0]].iter().map(|&r| (0, vec![r])).collect(),
        move |runs, info| {
            // The runs are sorted already: merge them pairwise instead of sorting again.
            let mut merged: Vec<Vec<T>> =
                runs.iter().map(|r| r.iter().copied().collect()).collect();
            while merged.len() > 1 {
                let mut next = Vec::with_capacity(merged.len().div_ceil(2));
                let mut it = merged.into_iter();
                while let Some(a) = it.next() {
                    next.push(match it.next() {
                        Some(b) => merge_two(&a, &b, order),
                        None => a,
                    });
                }
                merged = next;
            }
            let v = merged.pop().unwrap_or_default();
            ArrayD::from_shape_vec(IxDyn(&info.out_shape), v)
                .map_err(|e| Error::internal(op, e.to_string()))
        },
    ))
}
