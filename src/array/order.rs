//! Order statistics along an axis: `sort`, `argsort`, `partition`, `argpartition`, `topk`,
//! `argtopk`, `median`, `quantile`, `percentile` and their NaN-ignoring forms.
//!
//! Sorts and partitions run over whole lanes: the array is rechunked so that the axis is in
//! one chunk while the other axes are narrowed until a block is no larger than the array's
//! largest chunk (at least one lane per block). Dask instead keeps the other axes' chunks,
//! so that a median over a long axis builds blocks many times a chunk (dask/dask#5062);
//! here the memory per task stays that of one input chunk.
//!
//! Quantiles along an axis held in several long chunks are not rechunked at all: see
//! [`quantile_bands`](super::quantile_bands), which counts and selects within the chunks.
//! Short chunks along the axis, or many quantiles at once, take the whole-lane path.

use super::axis::{resolve_axis, AxisIndex};
use super::Array;
use crate::chunks::ChunkSpec;
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use std::cmp::Ordering;

/// How a quantile between two data points is chosen (NumPy's `method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuantileMethod {
    /// Linear interpolation between the two neighbours (NumPy's default).
    #[default]
    Linear,
    /// The nearer neighbour (ties to the even index, as NumPy).
    Nearest,
    /// The lower neighbour.
    Lower,
    /// The higher neighbour.
    Higher,
    /// The mean of the two neighbours.
    Midpoint,
}

/// NumPy's ordering for sorts: NaN after everything (a value unequal to itself is NaN).
#[inline]
fn nan_last<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    match a.partial_cmp(b) {
        Some(o) => o,
        #[allow(clippy::eq_op)]
        None => match (a != a, b != b) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            _ => Ordering::Less,
        },
    }
}

/// NumPy's `lerp` (exact at both ends).
#[inline]
pub(super) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t < 0.5 {
        a + d * t
    } else {
        b - d * (1.0 - t)
    }
}

/// The sorted positions `(lo, hi)` the quantile `q` (in `[0, 1]`) of `n > 0` values reads
/// by `method`, and the weight of `hi`: the quantile is `lerp(v[lo], v[hi], t)`, or `v[lo]`
/// when `t == 0`. `hi` is `lo` or `lo + 1`.
pub(super) fn quantile_ranks(n: usize, q: f64, method: QuantileMethod) -> (usize, usize, f64) {
    let vi = q * (n - 1) as f64;
    let (idx, t) = match method {
        QuantileMethod::Linear => (vi.floor(), vi - vi.floor()),
        QuantileMethod::Lower => (vi.floor(), 0.0),
        QuantileMethod::Higher => (vi.ceil(), 0.0),
        QuantileMethod::Nearest => (round_half_even(vi), 0.0),
        QuantileMethod::Midpoint => {
            let m = 0.5 * (vi.floor() + vi.ceil());
            (m.floor(), m - m.floor())
        }
    };
    let lo = (idx as usize).min(n - 1);
    let hi = if t == 0.0 { lo } else { (lo + 1).min(n - 1) };
    (lo, hi, t)
}

/// The quantile `q` (in `[0, 1]`) of the sorted, NaN-free values `v` by `method`.
fn quantile_sorted(v: &[f64], q: f64, method: QuantileMethod) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let (lo, hi, t) = quantile_ranks(v.len(), q, method);
    if t == 0.0 {
        v[lo]
    } else {
        lerp(v[lo], v[hi], t)
    }
}

/// Puts into their sorted places the elements [`quantile_sorted`] reads for `qs` (and
/// each one's successor), by successive selections on the part right of the previous one:
/// `O(n)` per rank instead of a full sort.
fn select_ranks(v: &mut [f64], qs: &[f64], method: QuantileMethod) {
    let n = v.len();
    if n == 0 {
        return;
    }
    if qs.len() > 8 {
        v.sort_by(f64::total_cmp);
        return;
    }
    let mut ranks: Vec<usize> = Vec::with_capacity(2 * qs.len());
    for &q in qs {
        let vi = q * (n - 1) as f64;
        let lo = match method {
            QuantileMethod::Higher => vi.ceil(),
            QuantileMethod::Nearest => round_half_even(vi),
            _ => vi.floor(),
        } as usize;
        ranks.push(lo.min(n - 1));
        ranks.push((lo + 1).min(n - 1));
    }
    ranks.sort_unstable();
    ranks.dedup();
    let mut start = 0;
    for r in ranks {
        if r < start {
            continue;
        }
        // Elements before `start` are already in place and smaller than the rest.
        v[start..].select_nth_unstable_by(r - start, f64::total_cmp);
        start = r + 1;
    }
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}

impl<T: Element> Array<T> {
    /// The array rechunked for work on whole lanes along `axis`: the axis in one chunk, the
    /// other axes narrowed (largest first, halving) until a block holds no more elements
    /// than the array's largest chunk.
    pub(crate) fn whole_lanes(&self, axis: usize) -> Result<Array<T>> {
        let g = self.chunks();
        let nd = self.ndim();
        let budget: usize = (0..nd)
            .map(|d| g.axis(d).max_size().max(1))
            .product::<usize>()
            .max(self.shape()[axis].max(1));
        let mut sizes: Vec<usize> = (0..nd).map(|d| g.axis(d).max_size().max(1)).collect();
        sizes[axis] = self.shape()[axis].max(1);
        while sizes.iter().product::<usize>() > budget {
            let Some(widest) = (0..nd)
                .filter(|&d| d != axis && sizes[d] > 1)
                .max_by_key(|&d| sizes[d])
            else {
                break;
            };
            sizes[widest] = sizes[widest].div_ceil(2);
        }
        self.rechunk(ChunkSpec::PerAxis(sizes))
    }

    /// The values sorted along `axis` (NumPy's `sort`: stable, NaN last).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[3.0, f64::NAN, 1.0], [2.0, 5.0, -1.0]]), 1)?;
    /// let s = x.sort(-1)?.compute()?;
    /// assert_eq!(s.as_slice().unwrap()[3..], [-1.0, 2.0, 5.0]);
    /// assert!(s[[0, 2]].is_nan()); // NaN last
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn sort(&self, axis: impl AxisIndex) -> Result<Array<T>> {
        let axis = resolve_axis("sort", axis, self.ndim())?;
        let n = self.shape()[axis];
        if self.ndim() == 1 && self.chunks().axis(0).count() > 1 {
            return super::sample_sort::sample_sort(self);
        }
        self.whole_lanes(axis)?
            .apply_along_axis(axis, Some(n), |lane| {
                let mut v = lane.to_vec();
                v.sort_by(nan_last);
                Ok(v)
            })
    }

    /// The indices that sort each lane along `axis` (NumPy's `argsort(kind="stable")`: equal
    /// values keep their order, NaN last).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[3, 1, 2, 1]), 2)?;
    /// assert_eq!(x.argsort(0)?.compute()?.as_slice().unwrap().to_vec(), vec![1, 3, 2, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn argsort(&self, axis: impl AxisIndex) -> Result<Array<i64>> {
        let axis = resolve_axis("argsort", axis, self.ndim())?;
        let n = self.shape()[axis];
        self.whole_lanes(axis)?
            .apply_along_axis(axis, Some(n), |lane| {
                let mut idx: Vec<i64> = (0..lane.len() as i64).collect();
                idx.sort_by(|&a, &b| nan_last(&lane[a as usize], &lane[b as usize]));
                Ok(idx)
            })
    }

    /// NumPy's `partition(kth, axis)`: element `kth` of each lane in its sorted place, the
    /// smaller ones before it and the larger after. (The result is the sorted lane, which
    /// satisfies that; NumPy leaves the order within each side unspecified.)
    pub fn partition(&self, kth: usize, axis: impl AxisIndex) -> Result<Array<T>> {
        let axis = resolve_axis("partition", axis, self.ndim())?;
        self.check_kth("partition", kth, axis)?;
        self.sort(axis)
    }

    /// The indices of [`partition`](Array::partition) (NumPy's `argpartition`).
    pub fn argpartition(&self, kth: usize, axis: impl AxisIndex) -> Result<Array<i64>> {
        let axis = resolve_axis("argpartition", axis, self.ndim())?;
        self.check_kth("argpartition", kth, axis)?;
        self.argsort(axis)
    }

    fn check_kth(&self, op: &str, kth: usize, axis: usize) -> Result<()> {
        if kth >= self.shape()[axis] {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!(
                    "kth = {kth} is out of bounds for an axis of length {}",
                    self.shape()[axis]
                ),
            });
        }
        Ok(())
    }

    /// The `k` largest values along `axis`, largest first (Dask's `topk`); a negative `k`
    /// gives the `|k|` smallest, smallest first. NaN counts as the largest value.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[5, 1, 9, 3, 7]), 2)?;
    /// assert_eq!(x.topk(2, 0)?.compute()?.as_slice().unwrap().to_vec(), vec![9, 7]);
    /// assert_eq!(x.topk(-2, 0)?.compute()?.as_slice().unwrap().to_vec(), vec![1, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn topk(&self, k: isize, axis: impl AxisIndex) -> Result<Array<T>> {
        let axis = resolve_axis("topk", axis, self.ndim())?;
        let (m, largest) = self.check_k("topk", k, axis)?;
        self.whole_lanes(axis)?
            .apply_along_axis(axis, Some(m), move |lane| {
                let mut v = lane.to_vec();
                if largest {
                    v.sort_by(|a, b| nan_last(b, a));
                } else {
                    v.sort_by(nan_last);
                }
                v.truncate(m);
                Ok(v)
            })
    }

    /// The indices of [`topk`](Array::topk) (Dask's `argtopk`): ties keep their order.
    pub fn argtopk(&self, k: isize, axis: impl AxisIndex) -> Result<Array<i64>> {
        let axis = resolve_axis("argtopk", axis, self.ndim())?;
        let (m, largest) = self.check_k("argtopk", k, axis)?;
        self.whole_lanes(axis)?
            .apply_along_axis(axis, Some(m), move |lane| {
                let mut idx: Vec<i64> = (0..lane.len() as i64).collect();
                let at = |i: i64| &lane[i as usize];
                if largest {
                    idx.sort_by(|&a, &b| nan_last(at(b), at(a)));
                } else {
                    idx.sort_by(|&a, &b| nan_last(at(a), at(b)));
                }
                idx.truncate(m);
                Ok(idx)
            })
    }

    fn check_k(&self, op: &str, k: isize, axis: usize) -> Result<(usize, bool)> {
        let m = k.unsigned_abs();
        if k == 0 || m > self.shape()[axis] {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!(
                    "k = {k} must be non-zero and at most the axis length {}",
                    self.shape()[axis]
                ),
            });
        }
        Ok((m, k > 0))
    }

    /// The exact quantiles `qs` (each in `[0, 1]`) along `axis`, by `method`, as NumPy's
    /// `quantile(x, qs, axis, method=...)`: the result has the quantiles on a new first axis
    /// and `axis` removed. A lane holding NaN gives NaN. Integers give `f64`.
    ///
    /// When `axis` spans several long chunks it is not rechunked: a sample and one counting
    /// pass over the array run when the quantile is built, and computing it reads only the
    /// values near each quantile (see `quantile_bands` in the architecture notes). Otherwise
    /// each task holds whole lanes, no more than one input chunk's worth.
    ///
    /// ```
    /// use tessera::{Array, QuantileMethod};
    /// let x = Array::<f64>::arange(1.0, 11.0, 1.0, 3)?;
    /// let q = x.quantile(&[0.25, 0.5], 0, QuantileMethod::Linear)?.compute()?;
    /// assert_eq!(q.as_slice().unwrap().to_vec(), vec![3.25, 5.5]); // numpy.quantile(np.arange(1, 11), [0.25, 0.5])
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn quantile(
        &self,
        qs: &[f64],
        axis: impl AxisIndex,
        method: QuantileMethod,
    ) -> Result<Array<T::Mean>> {
        self.quantiles("quantile", qs, axis, method, false)
    }

    /// [`quantile`](Array::quantile) ignoring NaN (NumPy's `nanquantile`); a lane of NaN
    /// only gives NaN.
    pub fn nanquantile(
        &self,
        qs: &[f64],
        axis: impl AxisIndex,
        method: QuantileMethod,
    ) -> Result<Array<T::Mean>> {
        self.quantiles("nanquantile", qs, axis, method, true)
    }

    /// The percentiles `ps` (each in `[0, 100]`), as NumPy's `percentile`.
    pub fn percentile(
        &self,
        ps: &[f64],
        axis: impl AxisIndex,
        method: QuantileMethod,
    ) -> Result<Array<T::Mean>> {
        let qs: Vec<f64> = ps.iter().map(|p| p / 100.0).collect();
        self.quantiles("percentile", &qs, axis, method, false)
    }

    /// [`percentile`](Array::percentile) ignoring NaN (NumPy's `nanpercentile`).
    pub fn nanpercentile(
        &self,
        ps: &[f64],
        axis: impl AxisIndex,
        method: QuantileMethod,
    ) -> Result<Array<T::Mean>> {
        let qs: Vec<f64> = ps.iter().map(|p| p / 100.0).collect();
        self.quantiles("nanpercentile", &qs, axis, method, true)
    }

    /// The exact median along `axis` (NumPy's `median`): `axis` removed.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1.0, 7.0, 3.0, 4.0], [9.0, 2.0, 8.0, 5.0]]), 1)?;
    /// assert_eq!(x.median(1)?.compute()?.as_slice().unwrap().to_vec(), vec![3.5, 6.5]);
    /// assert_eq!(x.median(0)?.compute()?.as_slice().unwrap().to_vec(), vec![5.0, 4.5, 5.5, 4.5]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn median(&self, axis: impl AxisIndex) -> Result<Array<T::Mean>> {
        self.quantiles("median", &[0.5], axis, QuantileMethod::Linear, false)?
            .squeeze(0)
    }

    /// [`median`](Array::median) ignoring NaN (NumPy's `nanmedian`).
    pub fn nanmedian(&self, axis: impl AxisIndex) -> Result<Array<T::Mean>> {
        self.quantiles("nanmedian", &[0.5], axis, QuantileMethod::Linear, true)?
            .squeeze(0)
    }

    fn quantiles(
        &self,
        op: &'static str,
        qs: &[f64],
        axis: impl AxisIndex,
        method: QuantileMethod,
        skip_nan: bool,
    ) -> Result<Array<T::Mean>> {
        let axis = resolve_axis(op, axis, self.ndim())?;
        if let Some(q) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("quantiles must be in [0, 1] (percentiles in [0, 100]), got {q}"),
            });
        }
        if qs.is_empty() {
            return Err(Error::Argument {
                op: op.into(),
                msg: "no quantile asked for".into(),
            });
        }
        if let Some(banded) = super::quantile_bands::quantiles(
            self,
            axis,
            qs,
            method,
            skip_nan,
            super::quantile_bands::Sampling::default(),
        )? {
            return Ok(banded);
        }
        self.lane_quantiles(axis, qs, method, skip_nan)
    }

    /// The quantiles over whole lanes: `axis` rechunked into one chunk (see
    /// [`whole_lanes`](Array::whole_lanes)), each lane's ranks selected in place.
    pub(super) fn lane_quantiles(
        &self,
        axis: usize,
        qs: &[f64],
        method: QuantileMethod,
        skip_nan: bool,
    ) -> Result<Array<T::Mean>> {
        let qs = qs.to_vec();
        let m = qs.len();
        let per_lane = self
            .whole_lanes(axis)?
            .apply_along_axis(axis, Some(m), move |lane| {
                let mut v: Vec<f64> = lane.iter().map(|x| x.to_f64()).collect();
                let has_nan = v.iter().any(|x| x.is_nan());
                if has_nan && !skip_nan {
                    return Ok(vec![<T::Mean as Element>::from_f64(f64::NAN); m]);
                }
                if has_nan {
                    v.retain(|x| !x.is_nan());
                }
                select_ranks(&mut v, &qs, method);
                Ok(qs
                    .iter()
                    .map(|&q| <T::Mean as Element>::from_f64(quantile_sorted(&v, q, method)))
                    .collect())
            })?;
        // The quantiles first, as NumPy.
        per_lane.moveaxis(axis, 0)
    }
}

impl<F: Numeric> Array<F> {
    /// The range (maximum − minimum) along `axes`, as NumPy's `ptp`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[4, 9, 2], [3, 3, 8]]), 1)?;
    /// assert_eq!(x.ptp(1)?.compute()?.as_slice().unwrap().to_vec(), vec![7, 5]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn ptp(&self, axes: impl Into<super::Axes> + Clone) -> Result<Array<F>> {
        self.max(axes.clone())?.try_sub(&self.min(axes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_methods_follow_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1, 2, 3, 4], 0.4, method=...)
        assert!((quantile_sorted(&v, 0.4, QuantileMethod::Linear) - 2.2).abs() < 1e-15);
        assert_eq!(quantile_sorted(&v, 0.4, QuantileMethod::Lower), 2.0);
        assert_eq!(quantile_sorted(&v, 0.4, QuantileMethod::Higher), 3.0);
        assert_eq!(quantile_sorted(&v, 0.4, QuantileMethod::Midpoint), 2.5);
        assert_eq!(quantile_sorted(&v, 0.4, QuantileMethod::Nearest), 2.0);
        // Virtual index 1.5: nearest rounds half to even (index 2).
        assert_eq!(quantile_sorted(&v, 0.5, QuantileMethod::Nearest), 3.0);
        assert_eq!(quantile_sorted(&v, 1.0 / 6.0, QuantileMethod::Nearest), 1.0);
        assert_eq!(quantile_sorted(&[5.0], 0.3, QuantileMethod::Linear), 5.0);
        assert!(quantile_sorted(&[], 0.3, QuantileMethod::Linear).is_nan());
    }
}
