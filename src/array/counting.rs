//! Counting and set operations: `histogram`, `bincount`, `searchsorted`, `digitize`,
//! `isin`, `unique` and the 1-d set routines.
//!
//! Histograms and bin counts are reductions: one partial count vector per block (a gather
//! over that block), summed by the ordinary tree reduction. Lookups against a known sorted
//! list (`searchsorted`, `digitize`, `isin`) are lazy blockwise maps. `unique` and the set
//! routines return values whose number depends on the data: they run when called (one
//! pass keeping each block's distinct values), like the counting pass of
//! [`mask_select`](Array::mask_select).

use super::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn};
use std::sync::{Arc, Mutex};

/// Which side of equal values [`Array::searchsorted`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// The first position where the value could be inserted (NumPy's default).
    #[default]
    Left,
    /// The last such position.
    Right,
}

/// What [`Array::unique`] returns besides the values (NumPy's `return_*` flags, all
/// computed).
#[derive(Debug, Clone, PartialEq)]
pub struct Unique<T: Element> {
    /// The distinct values, sorted (NaN last, once).
    pub values: Vec<T>,
    /// How often each value occurs.
    pub counts: Vec<i64>,
    /// The flat (C-order) index of each value's first occurrence.
    pub first_index: Vec<i64>,
}

fn bad(op: &str, msg: String) -> Error {
    Error::Argument { op: op.into(), msg }
}

/// `true` for NaN (the only value unequal to itself).
#[inline]
#[allow(clippy::eq_op)]
fn is_nan<T: PartialEq>(v: &T) -> bool {
    v != v
}

/// Equal, counting every NaN as one value.
fn same<T: PartialOrd>(a: &T, b: &T) -> bool {
    a == b || (is_nan(a) && is_nan(b))
}

/// NumPy's order: NaN last.
fn order<T: PartialOrd>(a: &T, b: &T) -> std::cmp::Ordering {
    a.partial_cmp(b)
        .unwrap_or_else(|| is_nan(a).cmp(&is_nan(b)))
}

impl<T: Element> Array<T> {
    /// One vector of `len` values per block (its flat blocks in C order), made by `f` from
    /// the blocks of `inputs` (chunked alike), summed over the blocks: the reduction behind
    /// `histogram` and `bincount`.
    fn per_block_sum<U, F>(
        inputs: &[&Array<T>],
        op: &'static str,
        len: usize,
        f: F,
    ) -> Result<Array<U::Sum>>
    where
        U: Numeric,
        F: Fn(&[ndarray::ArrayViewD<'_, T>]) -> Vec<U> + Send + Sync + 'static,
    {
        let g = inputs[0].chunks().clone();
        let blocks = g.num_chunks();
        if blocks == 0 {
            return Array::<U::Sum>::zeros(&[len], len.max(1));
        }
        let grid = ChunkGrid::from_axes(vec![
            AxisChunks::regular(1, blocks),
            AxisChunks::from_sizes(vec![len]),
        ]);
        let nd = g.ndim();
        let n_in = inputs.len();
        let dims: Vec<usize> = (0..nd).map(|d| g.axis(d).count()).collect();
        let partial = gather::<T, U, _>(
            op,
            inputs,
            grid,
            move |ix| {
                // Block ix[0] of the grid, in C order.
                let mut rest = ix[0];
                let mut bix = vec![0usize; nd];
                for d in (0..nd).rev() {
                    bix[d] = rest % dims[d].max(1);
                    rest /= dims[d].max(1);
                }
                let mut region = Vec::new();
                g.region(&bix, &mut region);
                (0..n_in).map(|k| (k, region.clone())).collect()
            },
            move |b, info| {
                let v = f(b);
                ArrayD::from_shape_vec(IxDyn(&info.out_shape), v)
                    .map_err(|e| Error::internal(op, e.to_string()))
            },
        );
        partial.sum(0)
    }

    /// The counts of `bins` equal-width bins over `range` (NumPy's `histogram`), with the
    /// `bins + 1` edges. Without a range, the data's minimum and maximum are found first (a
    /// pass of its own, as NumPy does). Bins are half-open, the last one closed; values
    /// outside the range, and NaN, are not counted.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0, 2.0, 2.5, 4.0, 9.0]), 2)?;
    /// let (counts, edges) = x.histogram(4, Some((0.0, 8.0)))?;
    /// assert_eq!(counts.compute()?.as_slice().unwrap(), &[1, 2, 1, 0]); // 9 is outside
    /// assert_eq!(edges, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn histogram(
        &self,
        bins: usize,
        range: Option<(f64, f64)>,
    ) -> Result<(Array<i64>, Vec<f64>)> {
        let op = "histogram";
        if bins == 0 {
            return Err(bad(op, "needs at least one bin".into()));
        }
        let (mut lo, mut hi) = match range {
            Some(r) => r,
            None if self.is_empty() => (0.0, 1.0),
            None => {
                let (mn, mx) = (
                    self.min(..)?.compute_scalar()?.to_f64(),
                    self.max(..)?.compute_scalar()?.to_f64(),
                );
                if !(mn.is_finite() && mx.is_finite()) {
                    return Err(bad(
                        op,
                        format!("the data range [{mn}, {mx}] is not finite (pass a range)"),
                    ));
                }
                (mn, mx)
            }
        };
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(bad(
                op,
                format!("need a finite range with low <= high, got [{lo}, {hi}]"),
            ));
        }
        let edges = equal_edges(bins, lo, hi);
        if lo == hi {
            // NumPy widens an empty range by 0.5 on each side.
            lo -= 0.5;
            hi += 0.5;
        }
        let e = Arc::new(edges.clone());
        let norm = bins as f64 / (hi - lo);
        let counts = Self::per_block_sum::<i64, _>(&[self], op, bins, move |b| {
            let mut c = vec![0i64; bins];
            for v in b[0].iter() {
                let x = v.to_f64();
                if !(x >= lo && x <= hi) {
                    continue; // outside, or NaN
                }
                // NumPy's computation: scaled index, then corrected against the edges.
                let mut k = (((x - lo) * norm) as usize).min(bins - 1);
                if x < e[k] {
                    k = k.saturating_sub(1);
                } else if k + 1 < bins && x >= e[k + 1] {
                    k += 1;
                }
                c[k] += 1;
            }
            c
        })?;
        Ok((counts, edges))
    }

    /// `searchsorted(sorted, self, side)` as NumPy: for every element, the index in the
    /// sorted list `sorted` where it would be inserted to keep it sorted. Lazy.
    ///
    /// ```
    /// use tessera::{Array, Side};
    /// let v = Array::from_ndarray(ndarray::arr1(&[0, 3, 5, 9]), 2)?;
    /// let at = v.searchsorted(&[1, 3, 5, 7], Side::Left)?;
    /// assert_eq!(at.compute()?.as_slice().unwrap(), &[0, 1, 2, 4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn searchsorted(&self, sorted: &[T], side: Side) -> Result<Array<i64>> {
        if sorted.windows(2).any(|w| order(&w[0], &w[1]).is_gt()) {
            return Err(bad(
                "searchsorted",
                "the list to search is not sorted".into(),
            ));
        }
        let s: Arc<Vec<T>> = Arc::new(sorted.to_vec());
        self.map_blocks(move |b, _| {
            Ok(b.mapv(|v| {
                let p = match side {
                    Side::Left => s.partition_point(|e| order(e, &v).is_lt()),
                    Side::Right => s.partition_point(|e| order(e, &v).is_le()),
                };
                p as i64
            }))
        })
    }

    /// The index of the bin of `bins` (increasing edges) each element falls in, as NumPy's
    /// `digitize(x, bins, right)`: `i` with `bins[i-1] <= x < bins[i]` (with `right`:
    /// `bins[i-1] < x <= bins[i]`).
    pub fn digitize(&self, bins: &[T], right: bool) -> Result<Array<i64>> {
        self.searchsorted(bins, if right { Side::Left } else { Side::Right })
    }

    /// Whether each element is one of `values` (NumPy's `isin`). Lazy.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1, 5, 2, 7]), 3)?;
    /// assert_eq!(x.isin(&[2, 7])?.compute()?.as_slice().unwrap(), &[false, false, true, true]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn isin(&self, values: &[T]) -> Result<Array<bool>> {
        let mut s = values.to_vec();
        s.sort_by(order);
        let s = Arc::new(s);
        self.map_blocks(move |b, _| {
            Ok(b.mapv(|v| s.binary_search_by(|e| order(e, &v)).is_ok() && !is_nan(&v)))
        })
    }

    /// The distinct values, sorted, with their counts and first flat indices (NumPy's
    /// `unique(..., return_index=True, return_counts=True)`); NaNs count as one value.
    /// Computed when called: one pass keeps each block's distinct values, merged.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[3, 1, 3, 2, 1, 3]), 4)?;
    /// let u = x.unique()?;
    /// assert_eq!(u.values, vec![1, 2, 3]);
    /// assert_eq!(u.counts, vec![2, 1, 3]);
    /// assert_eq!(u.first_index, vec![1, 3, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn unique(&self) -> Result<Unique<T>> {
        let shape = self.shape().to_vec();
        let mut strides = vec![1i64; shape.len()];
        for d in (0..shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shape[d + 1] as i64;
        }
        // Each block's distinct values with their counts and first flat indices.
        type Found<T> = Mutex<Vec<(T, i64, i64)>>;
        let found: Arc<Found<T>> = Arc::new(Mutex::new(Vec::new()));
        let sink = found.clone();
        self.for_each_block("unique", move |b, origin| {
            if let Some(dense) = dense_unique(&b, origin, &strides) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).extend(dense);
                return;
            }
            // The block's values sorted, then counted.
            let mut sorted: Vec<T> = b.iter().copied().collect();
            sorted.sort_unstable_by(order);
            let mut local: Vec<(T, i64, i64)> = Vec::new();
            for v in sorted {
                match local.last_mut() {
                    Some(last) if same(&last.0, &v) => last.1 += 1,
                    _ => local.push((v, 1, i64::MAX)),
                }
            }
            // First occurrences: one scan in C order, until every value has been seen.
            let mut missing = local.len();
            for (pos, v) in b.indexed_iter() {
                if missing == 0 {
                    break;
                }
                let k = if is_nan(v) {
                    local.len() - 1 // NaN sorts last, as one value
                } else {
                    match local.binary_search_by(|e| order(&e.0, v)) {
                        Ok(k) => k,
                        Err(_) => continue,
                    }
                };
                if local[k].2 == i64::MAX {
                    local[k].2 = (0..origin.len())
                        .map(|d| (origin[d] + pos[d]) as i64 * strides[d])
                        .sum::<i64>();
                    missing -= 1;
                }
            }
            sink.lock().unwrap_or_else(|e| e.into_inner()).extend(local);
        })?;
        let mut all = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
        all.sort_by(|a, b| order(&a.0, &b.0).then(a.2.cmp(&b.2)));
        let mut out = Unique {
            values: Vec::new(),
            counts: Vec::new(),
            first_index: Vec::new(),
        };
        for (v, c, i) in merge_runs(all) {
            out.values.push(v);
            out.counts.push(c);
            out.first_index.push(i);
        }
        Ok(out)
    }

    /// Runs `f` on every block with its origin (a computation of its own, in parallel).
    fn for_each_block<F>(&self, op: &'static str, f: F) -> Result<()>
    where
        F: Fn(ndarray::ArrayViewD<'_, T>, &[usize]) + Send + Sync + 'static,
    {
        let g = self.chunks().clone();
        if g.num_chunks() == 0 {
            return Ok(());
        }
        let reads_grid = g.clone();
        let grid = ChunkGrid::from_axes(
            (0..g.ndim())
                .map(|d| AxisChunks::regular(1, g.axis(d).count()))
                .collect(),
        );
        let done = gather::<T, bool, _>(
            op,
            &[self],
            grid,
            move |ix| {
                let mut region = Vec::new();
                reads_grid.region(ix, &mut region);
                vec![(0, region)]
            },
            move |b, info| {
                let origin: Vec<usize> = info
                    .index
                    .iter()
                    .enumerate()
                    .map(|(d, &k)| g.axis(d).offset(k))
                    .collect();
                f(b[0].view(), &origin);
                Ok(ArrayD::from_elem(IxDyn(&info.out_shape), true))
            },
        );
        done.compute().map(|_| ())
    }
}

/// The distinct values of an integer block whose values span a small range (at most
/// twice the block's length), with counts and first flat indices, by counting into a dense
/// table: one pass, no sort. `None` for other blocks.
fn dense_unique<T: Element>(
    b: &ndarray::ArrayViewD<'_, T>,
    origin: &[usize],
    strides: &[i64],
) -> Option<Vec<(T, i64, i64)>> {
    if T::DTYPE.is_float() || T::DTYPE == crate::dtype::DType::Bool || b.is_empty() {
        return None;
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in b.iter() {
        let x = v.to_f64();
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let exact = 2f64.powi(52);
    if lo < -exact || hi > exact || hi - lo > 2.0 * b.len() as f64 + 1024.0 {
        return None;
    }
    let span = (hi - lo) as usize + 1;
    let mut counts = vec![0i64; span];
    let mut first = vec![i64::MAX; span];
    // The flat index of each element, walking the block in C order.
    let nd = origin.len();
    let shape = b.shape().to_vec();
    let mut pos = vec![0usize; nd];
    for v in b.iter() {
        let k = (v.to_f64() - lo) as usize;
        if counts[k] == 0 {
            first[k] = (0..nd)
                .map(|d| (origin[d] + pos[d]) as i64 * strides[d])
                .sum::<i64>();
        }
        counts[k] += 1;
        for d in (0..nd).rev() {
            pos[d] += 1;
            if pos[d] < shape[d] {
                break;
            }
            pos[d] = 0;
        }
    }
    Some(
        (0..span)
            .filter(|&k| counts[k] > 0)
            .map(|k| (T::from_f64(lo + k as f64), counts[k], first[k]))
            .collect(),
    )
}

/// Sorted `(value, count, first index)` entries with equal values merged (counts added,
/// the smallest first index kept).
fn merge_runs<T: Element>(sorted: Vec<(T, i64, i64)>) -> Vec<(T, i64, i64)> {
    let mut out: Vec<(T, i64, i64)> = Vec::new();
    for (v, c, i) in sorted {
        match out.last_mut() {
            Some(last) if order(&last.0, &v).is_eq() || (is_nan(&last.0) && is_nan(&v)) => {
                last.1 += c;
                last.2 = last.2.min(i);
            }
            _ => out.push((v, c, i)),
        }
    }
    out
}

impl<T: Numeric> Array<T> {
    /// The number of occurrences of each value `0..=max` of a non-negative integer array,
    /// at least `minlength` of them (NumPy's `bincount`). The maximum is found first (a
    /// pass of its own); negative values, or a float array, are an error.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[0i64, 1, 1, 3, 1]), 2)?;
    /// assert_eq!(x.bincount(0)?.compute()?.as_slice().unwrap(), &[1, 3, 0, 1]);
    /// let w = Array::from_ndarray(ndarray::arr1(&[0.5, 1.0, 1.0, 2.0, 0.25]), 3)?;
    /// let s = x.bincount_weighted(&w, 6)?.compute()?;
    /// assert_eq!(s.as_slice().unwrap(), &[0.5, 2.25, 0.0, 2.0, 0.0, 0.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn bincount(&self, minlength: usize) -> Result<Array<i64>> {
        let len = self.bin_len("bincount", minlength)?;
        if len == 0 {
            return Array::<i64>::zeros(&[0], 1);
        }
        Array::<T>::per_block_sum::<i64, _>(&[self], "bincount", len, move |b| {
            let mut c = vec![0i64; len];
            for v in b[0].iter() {
                c[v.to_f64() as usize] += 1;
            }
            c
        })
    }

    /// [`bincount`](Array::bincount) summing `weights` (same shape) instead of counting.
    pub fn bincount_weighted(&self, weights: &Array<f64>, minlength: usize) -> Result<Array<f64>> {
        let op = "bincount";
        let len = self.bin_len(op, minlength)?;
        if weights.shape() != self.shape() {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "weights of shape {:?} for values of shape {:?}",
                    weights.shape(),
                    self.shape()
                ),
            });
        }
        if len == 0 {
            return Array::<f64>::zeros(&[0], 1);
        }
        let x = self.astype::<f64>();
        let w = weights.rechunk(crate::chunks::ChunkSpec::Explicit(
            (0..x.ndim()).map(|d| x.chunks().chunks(d)).collect(),
        ))?;
        Array::<f64>::per_block_sum::<f64, _>(&[&x, &w], op, len, move |b| {
            let mut c = vec![0.0f64; len];
            for (&v, &wt) in b[0].iter().zip(b[1].iter()) {
                c[v as usize] += wt;
            }
            c
        })
    }

    /// The number of bins of a bin count: one past the maximum, at least `minlength`.
    fn bin_len(&self, op: &str, minlength: usize) -> Result<usize> {
        if T::DTYPE.is_float() {
            return Err(Error::DType {
                op: op.into(),
                dtype: T::DTYPE,
            });
        }
        if self.is_empty() {
            return Ok(minlength);
        }
        let mn = self.min(..)?.compute_scalar()?.to_f64();
        if mn < 0.0 {
            return Err(bad(
                op,
                format!("the values must be non-negative, found {mn}"),
            ));
        }
        let mx = self.max(..)?.compute_scalar()?.to_f64() as usize;
        Ok((mx + 1).max(minlength))
    }
}

/// The sorted distinct values of `a` and `b` together (NumPy's `union1d`).
pub fn union1d<T: Element>(a: &Array<T>, b: &Array<T>) -> Result<Vec<T>> {
    let mut v = a.unique()?.values;
    v.extend(b.unique()?.values);
    v.sort_by(order);
    v.dedup_by(|x, y| order(x, y).is_eq() || (is_nan(x) && is_nan(y)));
    Ok(v)
}

/// The sorted distinct values in both `a` and `b` (NumPy's `intersect1d`).
pub fn intersect1d<T: Element>(a: &Array<T>, b: &Array<T>) -> Result<Vec<T>> {
    let bv = b.unique()?.values;
    Ok(a.unique()?
        .values
        .into_iter()
        .filter(|v| bv.binary_search_by(|e| order(e, v)).is_ok() && !is_nan(v))
        .collect())
}

/// The sorted distinct values of `a` not in `b` (NumPy's `setdiff1d`).
pub fn setdiff1d<T: Element>(a: &Array<T>, b: &Array<T>) -> Result<Vec<T>> {
    let bv = b.unique()?.values;
    Ok(a.unique()?
        .values
        .into_iter()
        .filter(|v| bv.binary_search_by(|e| order(e, v)).is_err() || is_nan(v))
        .collect())
}

/// The edges of `bins` equal-width bins over `[lo, hi]` (NumPy's `linspace`; an empty range
/// is widened by 0.5 on each side).
fn equal_edges(bins: usize, lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    (0..=bins)
        .map(|i| {
            if i == bins {
                hi
            } else {
                lo + (hi - lo) * i as f64 / bins as f64
            }
        })
        .collect()
}

/// The joint histogram of `samples` (one coordinate array per dimension, all of one shape),
/// as NumPy's `histogramdd` given a sequence of coordinate arrays: `bins[d]` equal-width
/// bins per dimension over `range[d]` (or the data's range, found first). A point is
/// counted when every coordinate lies in its range (the last bin of each dimension is
/// closed); the counts have shape `bins`, and the edges are returned per dimension.
///
/// ```
/// use tessera::{histogramdd, Array};
/// let x = Array::from_ndarray(ndarray::arr1(&[0.1, 0.6, 0.7, 0.9]), 2)?;
/// let y = Array::from_ndarray(ndarray::arr1(&[0.2, 0.2, 0.8, 0.3]), 2)?;
/// let (h, edges) = histogramdd(&[&x, &y], &[2, 2], Some(&[(0.0, 1.0), (0.0, 1.0)]))?;
/// assert_eq!(h.compute()?, ndarray::arr2(&[[1, 0], [2, 1]]).into_dyn());
/// assert_eq!(edges[0], vec![0.0, 0.5, 1.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn histogramdd<T: Element>(
    samples: &[&Array<T>],
    bins: &[usize],
    range: Option<&[(f64, f64)]>,
) -> Result<(Array<i64>, Vec<Vec<f64>>)> {
    let op = "histogramdd";
    let dims = samples.len();
    if dims == 0 || bins.len() != dims || range.is_some_and(|r| r.len() != dims) {
        return Err(bad(
            op,
            format!(
                "{dims} coordinate arrays, {} bin counts and {} ranges",
                bins.len(),
                range.map_or(dims, |r| r.len())
            ),
        ));
    }
    if bins.contains(&0) {
        return Err(bad(op, "needs at least one bin per dimension".into()));
    }
    let shape = samples[0].shape().to_vec();
    if let Some(s) = samples.iter().find(|s| s.shape() != shape.as_slice()) {
        return Err(Error::Shape {
            op: op.into(),
            msg: format!("coordinate arrays of shapes {shape:?} and {:?}", s.shape()),
        });
    }
    let mut edges = Vec::with_capacity(dims);
    for (d, s) in samples.iter().enumerate() {
        let (lo, hi) = match range {
            Some(r) => r[d],
            None if s.is_empty() => (0.0, 1.0),
            None => (
                s.min(..)?.compute_scalar()?.to_f64(),
                s.max(..)?.compute_scalar()?.to_f64(),
            ),
        };
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(bad(
                op,
                format!("dimension {d}: need a finite range with low <= high, got [{lo}, {hi}]"),
            ));
        }
        edges.push(equal_edges(bins[d], lo, hi));
    }
    let first = samples[0].astype::<f64>();
    let grid = crate::chunks::ChunkSpec::Explicit(
        (0..first.ndim())
            .map(|a| first.chunks().chunks(a))
            .collect(),
    );
    let mut coords = vec![first];
    for s in &samples[1..] {
        coords.push(s.astype::<f64>().rechunk(grid.clone())?);
    }
    let refs: Vec<&Array<f64>> = coords.iter().collect();
    let total: usize = bins.iter().product();
    let e = Arc::new(edges.clone());
    let nbins = bins.to_vec();
    let flat = Array::<f64>::per_block_sum::<i64, _>(&refs, op, total, move |b| {
        let mut c = vec![0i64; total];
        let n = b[0].len();
        let coords: Vec<Vec<f64>> = b.iter().map(|v| v.iter().copied().collect()).collect();
        'points: for p in 0..n {
            let mut at = 0usize;
            for (d, coord) in coords.iter().enumerate() {
                let x = coord[p];
                let ed = &e[d];
                let last = ed[ed.len() - 1];
                if !(x >= ed[0] && x <= last) {
                    continue 'points; // outside, or NaN
                }
                let mut k = ed.partition_point(|&v| v <= x) - 1;
                if k == nbins[d] {
                    k -= 1; // on the last edge: the last bin
                }
                at = at * nbins[d] + k;
            }
            c[at] += 1;
        }
        c
    })?;
    Ok((flat.reshape(bins)?, edges))
}

/// The joint histogram of two coordinate arrays (NumPy's `histogram2d`); see
/// [`histogramdd`].
pub fn histogram2d<T: Element>(
    x: &Array<T>,
    y: &Array<T>,
    bins: [usize; 2],
    range: Option<[(f64, f64); 2]>,
) -> Result<(Array<i64>, Vec<Vec<f64>>)> {
    histogramdd(&[x, y], &bins, range.as_ref().map(|r| &r[..]))
}
