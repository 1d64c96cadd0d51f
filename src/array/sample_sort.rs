//! The sort of a 1-d array held in several chunks: a sample sort, so that the work is
//! spread over as many tasks as there are chunks and no task holds more than its bucket.
//!
//! 1. Splitters: a regular sample of the values (64 per chunk), sorted, cut into as many
//!    buckets as the array has chunks (computed when the sort is built).
//! 2. Each chunk is partitioned by bucket (a stable counting sort by bucket number). When
//!    the array is at most an eighth of the default memory limit, the partitioned chunks
//!    are computed now and kept, and counted; a larger array is counted on its own (a
//!    computation of its own) and partitioned again when the result is computed. The counts
//!    give the result's chunk sizes (empty buckets are dropped) and where each bucket lies
//!    in each partitioned chunk.
//! 3. One task per bucket reads the bucket's span of every partitioned chunk (known from
//!    the counts) and sorts their concatenation: each value is sorted once.
//!
//! Values are compared as unsigned integer keys (an order-preserving map of each type onto
//! `u64`): buckets are found by comparing keys with the splitters' keys, and a bucket is
//! sorted as keys, without a comparator, then mapped back. NaNs go last, as NumPy orders
//! them; equal values are indistinguishable, so the order among them does not matter
//! (`-0.0` comes before `0.0`).

use super::{gather, Array, Idx};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::{ChunkData, Element};
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use std::sync::Arc;

/// Samples taken per chunk to choose the splitters.
const SAMPLES_PER_CHUNK: usize = 64;

/// Order-preserving maps of the numeric types onto `u64` (and back), so that values sort
/// as unsigned integers: the comparisons of an integer sort are branch-free, where a
/// comparator handling NaN is not.
trait SortKey: Copy + PartialEq {
    fn key(self) -> u64;
    fn from_key(k: u64) -> Self;
    /// The key that places the value in a bucket: the key, and for NaN (unequal to itself)
    /// the largest, so that NaNs fall in the last bucket.
    #[inline]
    #[allow(clippy::eq_op)]
    fn bucket_key(self) -> u64 {
        if self == self {
            self.key()
        } else {
            u64::MAX
        }
    }
}

macro_rules! unsigned_key {
    ($($t:ty),*) => {$(
        impl SortKey for $t {
            #[inline]
            fn key(self) -> u64 { self as u64 }
            #[inline]
            fn from_key(k: u64) -> Self { k as $t }
        }
    )*};
}
unsigned_key!(u8, u16, u32, u64);

macro_rules! signed_key {
    ($($t:ty),*) => {$(
        impl SortKey for $t {
            #[inline]
            fn key(self) -> u64 { (self as i64 as u64) ^ (1 << 63) }
            #[inline]
            fn from_key(k: u64) -> Self { (k ^ (1 << 63)) as i64 as $t }
        }
    )*};
}
signed_key!(i8, i16, i32, i64);

impl SortKey for bool {
    #[inline]
    fn key(self) -> u64 {
        u64::from(self)
    }
    #[inline]
    fn from_key(k: u64) -> Self {
        k != 0
    }
}

/// IEEE order on the bits: negative values have all bits flipped, the others the sign bit
/// set (NaNs are taken out before).
impl SortKey for f64 {
    #[inline]
    fn key(self) -> u64 {
        let b = self.to_bits();
        if b >> 63 == 1 {
            !b
        } else {
            b | (1 << 63)
        }
    }
    #[inline]
    fn from_key(k: u64) -> Self {
        f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
    }
}

impl SortKey for f32 {
    #[inline]
    fn key(self) -> u64 {
        let b = self.to_bits();
        u64::from(if b >> 31 == 1 { !b } else { b | (1 << 31) })
    }
    #[inline]
    fn from_key(k: u64) -> Self {
        let k = k as u32;
        f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
    }
}

/// `v` sorted by its keys (an unstable integer sort of the keys, mapped back).
fn by_key<K: SortKey>(v: Vec<K>) -> Vec<K> {
    let mut keys: Vec<u64> = v.into_iter().map(K::key).collect();
    keys.sort_unstable();
    keys.into_iter().map(K::from_key).collect()
}

/// The bucket of the bucket key `k`: the number of splitter keys not greater than it.
#[inline]
fn bucket(splitters: &[u64], k: u64) -> usize {
    if splitters.len() <= 32 {
        // Branch-free for the usual few splitters.
        splitters.iter().map(|&s| usize::from(s <= k)).sum()
    } else {
        splitters.partition_point(|&s| s <= k)
    }
}

/// Work on the values of one chunk or bucket, written once for every key type.
trait KeyedOp {
    type Out;
    fn run<K: SortKey>(&self, v: Vec<K>) -> (Vec<K>, Self::Out);
}

/// Sorts: NaNs last (in their order), the rest by key.
struct SortOp;
impl KeyedOp for SortOp {
    type Out = ();
    #[allow(clippy::eq_op)]
    fn run<K: SortKey>(&self, v: Vec<K>) -> (Vec<K>, ()) {
        // NaN is the only value unequal to itself.
        if v.iter().all(|x| x == x) {
            return (by_key(v), ());
        }
        let (keep, nans): (Vec<K>, Vec<K>) = v.into_iter().partition(|x| x == x);
        let mut sorted = by_key(keep);
        sorted.extend(nans);
        (sorted, ())
    }
}

/// The sorted, distinct bucket keys of the values (for the splitters).
struct KeysOp;
impl KeyedOp for KeysOp {
    type Out = Vec<u64>;
    fn run<K: SortKey>(&self, v: Vec<K>) -> (Vec<K>, Vec<u64>) {
        let mut k: Vec<u64> = v.iter().map(|x| x.bucket_key()).collect();
        k.sort_unstable();
        k.dedup();
        (v, k)
    }
}

/// Counts the values of each bucket, and with `reorder` groups them by bucket (stably).
struct PartitionOp<'a> {
    splitters: &'a [u64],
    reorder: bool,
}

/// Counts the values of each bucket in values already grouped by bucket (in bucket
/// order): a binary search for each splitter.
struct GroupedCountOp<'a> {
    splitters: &'a [u64],
}
impl KeyedOp for GroupedCountOp<'_> {
    type Out = Vec<usize>;
    fn run<K: SortKey>(&self, v: Vec<K>) -> (Vec<K>, Vec<usize>) {
        let mut at: Vec<usize> = self
            .splitters
            .iter()
            .map(|&s| v.partition_point(|x| x.bucket_key() < s))
            .collect();
        at.insert(0, 0);
        at.push(v.len());
        let counts = at.windows(2).map(|w| w[1] - w[0]).collect();
        (v, counts)
    }
}

impl KeyedOp for PartitionOp<'_> {
    type Out = Vec<usize>;
    fn run<K: SortKey>(&self, v: Vec<K>) -> (Vec<K>, Vec<usize>) {
        let mut counts = vec![0usize; self.splitters.len() + 1];
        let ids: Vec<u32> = v
            .iter()
            .map(|x| bucket(self.splitters, x.bucket_key()) as u32)
            .collect();
        for &b in &ids {
            counts[b as usize] += 1;
        }
        if !self.reorder || counts.iter().filter(|&&c| c > 0).count() <= 1 {
            return (v, counts);
        }
        let mut at: Vec<usize> = counts
            .iter()
            .scan(0usize, |acc, &c| {
                let start = *acc;
                *acc += c;
                Some(start)
            })
            .collect();
        let mut out = v.clone();
        for (&x, &b) in v.iter().zip(&ids) {
            out[at[b as usize]] = x;
            at[b as usize] += 1;
        }
        (out, counts)
    }
}

/// Runs `op` on `v` with the key type of `T`.
fn keyed<T: Element, O: KeyedOp>(v: Vec<T>, op: &O) -> (Vec<T>, O::Out) {
    fn raw<K>(a: ArrayD<K>) -> Vec<K> {
        a.into_raw_vec_and_offset().0
    }
    fn nd<K>(v: Vec<K>) -> ArrayD<K> {
        ndarray::Array1::from(v).into_dyn()
    }
    macro_rules! go {
        ($a:expr, $var:ident) => {{
            let (v, out) = op.run(raw($a));
            (ChunkData::$var(nd(v)), out)
        }};
    }
    let (chunk, out) = match T::into_chunk(nd(v)) {
        ChunkData::F64(a) => go!(a, F64),
        ChunkData::F32(a) => go!(a, F32),
        ChunkData::I8(a) => go!(a, I8),
        ChunkData::I16(a) => go!(a, I16),
        ChunkData::I32(a) => go!(a, I32),
        ChunkData::I64(a) => go!(a, I64),
        ChunkData::U8(a) => go!(a, U8),
        ChunkData::U16(a) => go!(a, U16),
        ChunkData::U32(a) => go!(a, U32),
        ChunkData::U64(a) => go!(a, U64),
        ChunkData::Bool(a) => go!(a, Bool),
    };
    // The variant is T's, as `into_chunk` made it.
    (T::from_chunk(chunk).map(raw).unwrap_or_default(), out)
}

/// `v` sorted in NumPy's order (NaN last); equal values in any order (`-0.0` before `0.0`).
pub(crate) fn sort_values<T: Element>(v: Vec<T>) -> Vec<T> {
    keyed(v, &SortOp).0
}

/// The values of a block, in C order.
fn values<T: Element>(b: &ArrayViewD<'_, T>) -> Vec<T> {
    match b.as_slice() {
        Some(s) => s.to_vec(),
        None => b.iter().copied().collect(),
    }
}

/// The sorted 1-d array `x` (several chunks), in NumPy's order.
pub(crate) fn sample_sort<T: Element>(x: &Array<T>) -> Result<Array<T>> {
    sample_sort_keeping(x, crate::ComputeOptions::default_memory_limit() / 8)
}

/// [`sample_sort`], keeping the partitioned chunks when they total at most `keep_bytes`.
fn sample_sort_keeping<T: Element>(x: &Array<T>, keep_bytes: usize) -> Result<Array<T>> {
    let op = "sort";
    let n = x.shape()[0];
    let grid = x.chunks().clone();
    let chunks = grid.axis(0).count();
    // 1. Splitters from a regular sample, as bucket keys.
    let step = (n / (SAMPLES_PER_CHUNK * chunks)).max(1);
    let sample = x.index(&[Idx::slice(0, None, step as isize)])?.compute()?;
    let sample_keys = keyed(sample.iter().copied().collect(), &KeysOp).1;
    let mut splitters: Vec<u64> = (1..chunks)
        .filter_map(|k| {
            let i = k * sample_keys.len() / chunks;
            sample_keys.get(i).copied()
        })
        .collect();
    splitters.dedup();
    let splitters = Arc::new(splitters);
    let buckets = splitters.len() + 1;
    // 2. Each chunk grouped by bucket, and counted: how many values of each chunk fall in
    //    each bucket (one row per chunk).
    let s = splitters.clone();
    let partitioned = x.map_blocks(move |b, _| {
        let (v, _) = keyed(
            values(&b),
            &PartitionOp {
                splitters: &s,
                reorder: true,
            },
        );
        ArrayD::from_shape_vec(IxDyn(b.shape()), v).map_err(|e| Error::internal(op, e.to_string()))
    })?;
    let keep = n.saturating_mul(T::DTYPE.size()) <= keep_bytes;
    // Kept: computed now, and counted from what was kept.
    let partitioned = if keep {
        partitioned.persist()?
    } else {
        partitioned
    };
    let counted = if keep { &partitioned } else { x };
    let count_grid = ChunkGrid::from_axes(vec![
        AxisChunks::regular(1, chunks),
        AxisChunks::from_sizes(vec![buckets]),
    ]);
    let in_grid = grid.clone();
    let s = splitters.clone();
    let counts = gather::<T, i64, _>(
        "sort-count",
        &[counted],
        count_grid,
        move |ix| {
            vec![(
                0,
                vec![(in_grid.axis(0).offset(ix[0]), in_grid.axis(0).size(ix[0]))],
            )]
        },
        move |b, info| {
            let (_, c) = if keep {
                keyed(values(&b[0]), &GroupedCountOp { splitters: &s })
            } else {
                let count = PartitionOp {
                    splitters: &s,
                    reorder: false,
                };
                keyed(values(&b[0]), &count)
            };
            let c: Vec<i64> = c.into_iter().map(|c| c as i64).collect();
            ArrayD::from_shape_vec(IxDyn(&info.out_shape), c)
                .map_err(|e| Error::internal(op, e.to_string()))
        },
    )
    .compute()?;
    // Where each bucket starts in each partitioned chunk.
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
    // 3. One task per non-empty bucket: its span of every partitioned chunk, sorted.
    let spans = Arc::new(spans);
    let reads = spans.clone();
    Ok(gather(
        op,
        &[&partitioned],
        out_grid,
        move |ix| reads[ix[0]].iter().map(|&r| (0, vec![r])).collect(),
        move |runs, info| {
            let mut all: Vec<T> = Vec::with_capacity(info.out_shape.iter().product());
            for r in runs {
                match r.as_slice() {
                    Some(s) => all.extend_from_slice(s),
                    None => all.extend(r.iter().copied()),
                }
            }
            let v = sort_values(all);
            ArrayD::from_shape_vec(IxDyn(&info.out_shape), v)
                .map_err(|e| Error::internal(op, e.to_string()))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<K: SortKey + PartialOrd + std::fmt::Debug>(values: &[K]) {
        for &a in values {
            assert_eq!(K::from_key(a.key()).key(), a.key(), "{a:?} round trip");
            for &b in values {
                if a < b {
                    assert!(a.key() < b.key(), "{a:?} < {b:?}");
                }
            }
        }
    }

    #[test]
    fn keys_keep_the_order_and_invert() {
        check(&[i64::MIN, -5, -1, 0, 1, i64::MAX]);
        check(&[i8::MIN, -1, 0, i8::MAX]);
        check(&[0u64, 1, u64::MAX]);
        check(&[false, true]);
        let f = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            2.5,
            f64::INFINITY,
        ];
        check(&f);
        assert_eq!(
            f64::from_key((-0.0f64).key()).to_bits(),
            (-0.0f64).to_bits()
        );
        check(&[
            f32::NEG_INFINITY,
            -1.0f32,
            -0.0,
            0.0,
            1e-45,
            3.0,
            f32::INFINITY,
        ]);
    }

    #[test]
    fn both_counting_paths_sort_alike() {
        let mut v: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 1013) as f64 - 500.0)
            .collect();
        v[17] = f64::NAN;
        v[400] = -0.0;
        v[401] = 0.0;
        v[4999] = f64::NEG_INFINITY;
        let mut want = v.clone();
        want.sort_by(|a, b| {
            a.partial_cmp(b).unwrap_or(if a.is_nan() {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            })
        });
        let x = Array::from_ndarray(ndarray::Array1::from(v), 700).unwrap();
        for keep in [0, usize::MAX] {
            let got = sample_sort_keeping(&x, keep).unwrap().compute().unwrap();
            let got: Vec<f64> = got.iter().copied().collect();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    g == w || (g.is_nan() && w.is_nan()),
                    "keep {keep}: {g} vs {w}"
                );
            }
        }
        let i: Vec<i32> = (0..3000).map(|k| ((k * 31337) % 2001) - 1000).collect();
        let mut want = i.clone();
        want.sort();
        let x = Array::from_ndarray(ndarray::Array1::from(i), 256).unwrap();
        for keep in [0, usize::MAX] {
            let got = sample_sort_keeping(&x, keep).unwrap().compute().unwrap();
            assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "keep {keep}");
        }
    }

    #[test]
    fn nans_go_last_in_their_order() {
        let n1 = f64::from_bits(0x7ff8_0000_0000_0001);
        let n2 = f64::from_bits(0xfff8_0000_0000_0002);
        let v = sort_values(vec![3.0, n1, -1.0, n2, 0.5]);
        assert_eq!(&v[..3], &[-1.0, 0.5, 3.0]);
        assert_eq!(v[3].to_bits(), n1.to_bits());
        assert_eq!(v[4].to_bits(), n2.to_bits());
        assert_eq!(sort_values(vec![3i16, -7, 0]), vec![-7, 0, 3]);
        assert_eq!(
            sort_values(vec![true, false, true]),
            vec![false, true, true]
        );
    }
}
