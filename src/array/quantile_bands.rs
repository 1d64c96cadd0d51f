//! Exact quantiles along an axis held in several chunks, without rechunking the axis.
//!
//! Dask moves a median's axis into one chunk first (dask/dask#5062), a shuffle of the whole
//! array. Here every chunk stays where it is:
//!
//! 1. **Splitters** (when the quantile is built): a regular sample along the axis (every
//!    `stride`-th value) gives, for each lane and each quantile `q`, nested brackets
//!    `[lo, hi]`: the sample's quantiles at `q ∓ c·se` for the widths `c` (3.5 and 7), `se`
//!    the standard error of a sample quantile.
//! 2. **Counts** (when built, one pass over the array): each chunk counts, per lane, its
//!    values below each `lo`, above each `hi`, and its NaNs. Summed along the axis they say
//!    exactly which bracket holds the ranks the quantile reads: the narrowest that does, or
//!    the whole lane when none does. The splitters only decide how much is copied next;
//!    the result is exact whatever they are.
//! 3. **Bands** (lazy): each chunk packs, lane after lane, its values inside each lane's
//!    bracket into a 1-d array whose chunk sizes the counts give exactly.
//! 4. **Selection** (lazy): one task per block of lanes reads the bands of its lanes from
//!    every chunk along the axis and selects the wanted ranks among them (less the count
//!    below the bracket), with the same rank arithmetic as the whole-lane path, so both
//!    give the same bits.
//!
//! The array is read three times (a sample, the counts, the bands); a task holds one chunk
//! or, at the end, the bands of its lanes (a few percent of their values). Short chunks
//! along the axis (whose counts would not be small beside them), short lanes and many
//! quantiles at once take the whole-lane path instead.

use super::order::{lerp, quantile_ranks, QuantileMethod};
use super::{gather, Array, Idx};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use std::sync::Arc;

/// Bracket levels per quantile.
const LEVELS: usize = 2;
/// Counts per quantile and lane in a chunk: below each `lo`, above each `hi`.
const PER_QUANTILE: usize = 2 * LEVELS;
/// Values tested together before any is copied.
const GROUP: usize = 8;
/// Quantiles asked for at once beyond which the whole-lane path is taken.
const MAX_QUANTILES: usize = 8;
/// The most count entries (lanes × chunks along the axis × counts) held when built.
const MAX_COUNTS: usize = 1 << 25;

/// How large the sample choosing the splitters is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sampling {
    /// Sampled values over all lanes.
    pub budget: usize,
    /// The fewest sampled values per lane.
    pub min_per_lane: usize,
    /// The smallest sampling stride: shorter lanes take the whole-lane path.
    pub min_stride: usize,
    /// How many times smaller than the values the counts must be (0: no limit).
    pub count_share: usize,
    /// The brackets' half-widths, in standard errors of a sample quantile.
    pub widths: [f64; LEVELS],
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            budget: 1 << 24,
            min_per_lane: 512,
            min_stride: 4,
            count_share: 4,
            widths: [3.5, 7.0],
        }
    }
}

/// The array's chunk grid seen as lanes along `axis`.
struct Lanes {
    grid: ChunkGrid,
    axis: usize,
    /// The array's shape without `axis`; lanes are numbered in its C order.
    shape: Vec<usize>,
}

impl Lanes {
    fn count(&self) -> usize {
        self.shape.iter().product()
    }

    /// The region of the array's block `idx`.
    fn region(&self, idx: &[usize]) -> Vec<(usize, usize)> {
        let mut region = Vec::new();
        self.grid.region(idx, &mut region);
        region
    }

    /// The number of each lane crossing `region`, in the region's own C order.
    fn ids(&self, region: &[(usize, usize)]) -> Vec<usize> {
        let other: Vec<(usize, usize)> = region
            .iter()
            .enumerate()
            .filter(|(d, _)| *d != self.axis)
            .map(|(_, r)| *r)
            .collect();
        let count: usize = other.iter().map(|r| r.1).product();
        let mut ids = Vec::with_capacity(count);
        let mut local = vec![0usize; other.len()];
        for _ in 0..count {
            let mut id = 0;
            for (d, &(start, _)) in other.iter().enumerate() {
                id = id * self.shape[d] + start + local[d];
            }
            ids.push(id);
            for d in (0..other.len()).rev() {
                local[d] += 1;
                if local[d] < other[d].1 {
                    break;
                }
                local[d] = 0;
            }
        }
        ids
    }

    /// The block index of chunk `piece` along the axis and `other` on the other axes.
    fn block(&self, other: &[usize], piece: usize) -> Vec<usize> {
        let mut idx = other.to_vec();
        idx.insert(self.axis, piece);
        idx
    }
}

/// Walks block `b` in memory order as `f64` values. When values follow the axis
/// (`axis` is not the last), calls `f(first, row)` for each position along the axis, `row`
/// holding one value of each of the block's lanes `first..first + row.len()` (lanes counted
/// in the block's C order); when `axis` is the last, calls `f(lane, values)` with each whole
/// lane. `buf` is the reused conversion buffer.
fn walk<T: Element>(
    b: &ArrayViewD<'_, T>,
    axis: usize,
    buf: &mut Vec<f64>,
    mut f: impl FnMut(usize, &[f64]),
) {
    let shape = b.shape();
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let last_axis = axis + 1 == shape.len();
    let group = if last_axis { len } else { inner };
    if group == 0 || b.is_empty() {
        return;
    }
    let first = |call: usize| if last_axis { call } else { call / len * inner };
    buf.clear();
    if let Some(flat) = b.as_slice() {
        for (call, values) in flat.chunks_exact(group).enumerate() {
            buf.clear();
            buf.extend(values.iter().map(|v| v.to_f64()));
            f(first(call), buf);
        }
        return;
    }
    // A strided block: its rows (lanes of the last axis) in C order fill the groups.
    let mut call = 0;
    for row in b.rows() {
        match row.as_slice() {
            Some(values) => buf.extend(values.iter().map(|v| v.to_f64())),
            None => buf.extend(row.iter().map(|v| v.to_f64())),
        }
        if buf.len() == group {
            f(first(call), buf);
            buf.clear();
            call += 1;
        }
    }
}

/// Counts, for the `nl` lanes of one block, the values below each lower splitter (even
/// `c`), above each upper one (odd `c`) and the NaNs (`c == per`): `counts[c * nl + lane]`,
/// with `split[c * nl + lane]` the splitters.
fn count_block<T: Element>(
    b: &ArrayViewD<'_, T>,
    axis: usize,
    split: &[f64],
    per: usize,
    nl: usize,
) -> Vec<i64> {
    let mut counts = vec![0i64; (per + 1) * nl];
    let rows = axis + 1 < b.ndim();
    let mut buf = Vec::new();
    walk(b, axis, &mut buf, |first, values| {
        let w = values.len();
        if rows {
            for c in 0..per {
                let s = &split[c * nl + first..][..w];
                let n = &mut counts[c * nl + first..][..w];
                if c % 2 == 0 {
                    for i in 0..w {
                        n[i] += i64::from(values[i] < s[i]);
                    }
                } else {
                    for i in 0..w {
                        n[i] += i64::from(values[i] > s[i]);
                    }
                }
            }
            let n = &mut counts[per * nl + first..][..w];
            for i in 0..w {
                n[i] += i64::from(values[i].is_nan());
            }
        } else {
            for c in 0..per {
                let s = split[c * nl + first];
                let hits = if c % 2 == 0 {
                    values.iter().filter(|&&v| v < s).count()
                } else {
                    values.iter().filter(|&&v| v > s).count()
                };
                counts[c * nl + first] += hits as i64;
            }
            counts[per * nl + first] += values.iter().filter(|v| v.is_nan()).count() as i64;
        }
    });
    counts
}

/// Copies, for the `nl` lanes of one block and `m` quantiles, each value inside slot
/// `s = j * nl + lane`'s bracket `lo[s]..=hi[s]` to `out[cursor[s]]`, advancing the cursor.
/// The last element of `out` takes the values outside every bracket (the copy has no
/// branch); a bracket holding more values than counted leaves its cursor past its end.
fn band_block<T: Element>(
    b: &ArrayViewD<'_, T>,
    axis: usize,
    (lo, hi): (&[f64], &[f64]),
    m: usize,
    cursor: &mut [usize],
    out: &mut [f64],
) {
    let rows = axis + 1 < b.ndim();
    let nl = lo.len() / m.max(1);
    let trash = out.len() - 1;
    let mut buf = Vec::new();
    walk(b, axis, &mut buf, |first, values| {
        let out = &mut *out;
        for j in 0..m {
            let base = j * nl + first;
            if rows {
                let w = values.len();
                let (lo, hi) = (&lo[base..base + w], &hi[base..base + w]);
                let cursor = &mut cursor[base..base + w];
                // Most values lie outside their brackets: groups of eight are tested at
                // once (vectorized), and only groups holding one are copied from.
                for g in (0..w).step_by(GROUP) {
                    let e = (g + GROUP).min(w);
                    let mut any = false;
                    for i in g..e {
                        any |= (lo[i] <= values[i]) & (values[i] <= hi[i]);
                    }
                    if !any {
                        continue;
                    }
                    for i in g..e {
                        let v = values[i];
                        let inside = (lo[i] <= v) & (v <= hi[i]);
                        let at = if inside { cursor[i].min(trash) } else { trash };
                        out[at] = v;
                        cursor[i] += usize::from(inside);
                    }
                }
            } else {
                let (lo, hi) = (lo[base], hi[base]);
                let mut at = cursor[base];
                for group in values.chunks(GROUP) {
                    if !group
                        .iter()
                        .fold(false, |any, &v| any | ((lo <= v) & (v <= hi)))
                    {
                        continue;
                    }
                    for &v in group {
                        let inside = (lo <= v) & (v <= hi);
                        out[if inside { at.min(trash) } else { trash }] = v;
                        at += usize::from(inside);
                    }
                }
                cursor[base] = at;
            }
        }
    });
}

/// Lays out `c` (`c[kk * nl + lane]`, `k` values per lane) as a block of `shape`, whose
/// `axis` has length `k`.
fn scatter(c: &[i64], k: usize, shape: &[usize], axis: usize) -> ArrayD<i64> {
    let mut out = ArrayD::<i64>::zeros(IxDyn(shape));
    let nl = c.len() / k.max(1);
    for kk in 0..k {
        for (li, d) in out.index_axis_mut(Axis(axis), kk).iter_mut().enumerate() {
            *d = c[kk * nl + li];
        }
    }
    out
}

/// What the selection of one quantile of one lane needs.
#[derive(Debug, Clone, Copy)]
struct Pick {
    /// The bracket: values `lo <= v <= hi` are copied.
    lo: f64,
    hi: f64,
    /// Values of the lane below `lo`.
    below: usize,
    /// The ranks read and the weight of the second ([`quantile_ranks`]).
    ranks: (usize, usize, f64),
    /// The result is NaN (a NaN in the lane, or no values).
    undefined: bool,
}

impl Pick {
    const UNDEFINED: Pick = Pick {
        lo: f64::INFINITY,
        hi: f64::NEG_INFINITY,
        below: 0,
        ranks: (0, 0, 0.0),
        undefined: true,
    };
}

/// The quantile of `band` (the values of a lane inside its bracket, `below` values lying
/// under it) at the ranks `ranks`.
fn select(band: &mut [f64], below: usize, ranks: (usize, usize, f64)) -> Result<f64> {
    let (lo, hi, t) = ranks;
    let out_of_band = || {
        Error::internal(
            "quantile",
            "a rank fell outside its counted bracket: the array's values changed between \
             counting and selecting (is its source deterministic?)",
        )
    };
    let Some(at) = lo.checked_sub(below).filter(|&r| r < band.len()) else {
        return Err(out_of_band());
    };
    let (_, a, rest) = band.select_nth_unstable_by(at, f64::total_cmp);
    let a = *a;
    if t == 0.0 {
        return Ok(a);
    }
    let b = if hi == lo {
        a
    } else {
        rest.iter()
            .copied()
            .min_by(f64::total_cmp)
            .ok_or_else(out_of_band)?
    };
    Ok(lerp(a, b, t))
}

/// The quantiles `qs` along `axis` by counting within the chunks (see the module), or
/// `None` when the whole-lane path suits the array better.
pub(super) fn quantiles<T: Element>(
    x: &Array<T>,
    axis: usize,
    qs: &[f64],
    method: QuantileMethod,
    skip_nan: bool,
    sampling: Sampling,
) -> Result<Option<Array<T::Mean>>> {
    let shape = x.shape().to_vec();
    let nd = shape.len();
    let n = shape[axis];
    let grid = x.chunks().clone();
    let pieces = grid.axis(axis).count();
    let m = qs.len();
    let lanes = Lanes {
        grid: grid.clone(),
        axis,
        shape: (0..nd).filter(|&d| d != axis).map(|d| shape[d]).collect(),
    };
    let nl = lanes.count();
    if pieces < 2 || m > MAX_QUANTILES || nl == 0 {
        return Ok(None);
    }
    // Every `stride`-th value along the axis: at least `min_stride` apart, as many as the
    // budget allows, and no fewer than `min_per_lane` (shorter lanes take the other path).
    let per_lane = (sampling.budget / nl).max(sampling.min_per_lane).max(1);
    let stride = (n / per_lane).max(sampling.min_stride).max(1);
    let k = m * PER_QUANTILE + 1;
    // The counts must be small beside the values, and fit in memory when built.
    let small = pieces * k * 8 * sampling.count_share <= n * T::DTYPE.size();
    if n / stride < sampling.min_per_lane || !small || nl * pieces * k > MAX_COUNTS {
        return Ok(None);
    }

    // 1. Splitters, from the sample's quantiles around each one asked for.
    let s = n.div_ceil(stride) as f64;
    let mut sample_qs = Vec::new();
    let mut brackets: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    for &q in qs {
        let se = (q * (1.0 - q) / s).sqrt() + 1.0 / s;
        for c in sampling.widths {
            let mut at = |p: f64| {
                sample_qs.push(p);
                sample_qs.len() - 1
            };
            let lo = (q - c * se > 0.0).then(|| at(q - c * se));
            let hi = (q + c * se < 1.0).then(|| at(q + c * se));
            brackets.push((lo, hi));
        }
    }
    let sampled: Vec<f64> = if sample_qs.is_empty() {
        Vec::new()
    } else {
        let mut idx = vec![Idx::all(); nd];
        idx[axis] = Idx::slice(0, None, stride as isize);
        x.index(&idx)?
            .lane_quantiles(axis, &sample_qs, QuantileMethod::Linear, true)?
            .compute()?
            .iter()
            .map(|v| v.to_f64())
            .collect()
    };
    let per = m * PER_QUANTILE;
    let mut split = vec![0.0; nl * per];
    for lane in 0..nl {
        for (b, &(lo, hi)) in brackets.iter().enumerate() {
            // A lane with no sampled values (all NaN) gets no splitter: its whole lane.
            let value = |i: Option<usize>, none: f64| {
                i.map(|i| sampled[i * nl + lane])
                    .filter(|v| !v.is_nan())
                    .unwrap_or(none)
            };
            split[lane * per + 2 * b] = value(lo, f64::NEG_INFINITY);
            split[lane * per + 2 * b + 1] = value(hi, f64::INFINITY);
        }
    }
    let split = Arc::new(split);
    let lanes = Arc::new(lanes);

    // 2. Counts per chunk and lane, computed now.
    let count_grid = ChunkGrid::from_axes(
        (0..nd)
            .map(|d| {
                if d == axis {
                    AxisChunks::regular(k, pieces * k)
                } else {
                    grid.axis(d).clone()
                }
            })
            .collect(),
    );
    let counts = {
        let (reads, lanes, split) = (lanes.clone(), lanes.clone(), split.clone());
        gather(
            "quantile_counts",
            &[x],
            count_grid,
            move |idx| vec![(0, reads.region(idx))],
            move |v: &[ArrayViewD<'_, T>], info| {
                let ids = lanes.ids(&lanes.region(&info.index));
                let nl = ids.len();
                let mut mine = vec![0.0; per * nl];
                for (li, &id) in ids.iter().enumerate() {
                    for c in 0..per {
                        mine[c * nl + li] = split[id * per + c];
                    }
                }
                let c = count_block(&v[0], axis, &mine, per, nl);
                Ok(scatter(&c, k, &info.out_shape, axis))
            },
        )
    };
    let mut perm: Vec<usize> = (0..nd).filter(|&d| d != axis).collect();
    perm.push(axis);
    // Lane after lane, chunk after chunk along the axis, `k` counts each.
    let counts: Vec<usize> = counts
        .compute()?
        .permuted_axes(IxDyn(&perm))
        .iter()
        .map(|&c| c as usize)
        .collect();

    // The bracket of every lane and quantile, and its values in each chunk.
    let levels = LEVELS;
    let piece_len: Vec<usize> = (0..pieces).map(|p| grid.axis(axis).size(p)).collect();
    let mut picks = Vec::with_capacity(nl * m);
    let mut bands = vec![0usize; nl * m * pieces];
    for lane in 0..nl {
        let row = |p: usize| &counts[(lane * pieces + p) * k..(lane * pieces + p + 1) * k];
        let nan: usize = (0..pieces).map(|p| row(p)[k - 1]).sum();
        let valid = if skip_nan { n - nan } else { n };
        let undefined = (!skip_nan && nan > 0) || valid == 0;
        for (j, &q) in qs.iter().enumerate() {
            let slot = lane * m + j;
            if undefined {
                picks.push(Pick::UNDEFINED);
                continue;
            }
            let ranks = quantile_ranks(valid, q, method);
            let level = (0..levels).find_map(|l| {
                let c = 2 * (j * levels + l);
                let below: usize = (0..pieces).map(|p| row(p)[c]).sum();
                let above: usize = (0..pieces).map(|p| row(p)[c + 1]).sum();
                (below <= ranks.0 && ranks.1 < valid - above).then_some((c, below))
            });
            let band = &mut bands[slot * pieces..(slot + 1) * pieces];
            let pick = match level {
                Some((c, below)) => {
                    for (p, b) in band.iter_mut().enumerate() {
                        let r = row(p);
                        *b = piece_len[p] - r[k - 1] - r[c] - r[c + 1];
                    }
                    Pick {
                        lo: split[lane * per + c],
                        hi: split[lane * per + c + 1],
                        below,
                        ranks,
                        undefined: false,
                    }
                }
                None => {
                    for (p, b) in band.iter_mut().enumerate() {
                        *b = piece_len[p] - row(p)[k - 1];
                    }
                    Pick {
                        lo: f64::NEG_INFINITY,
                        hi: f64::INFINITY,
                        below: 0,
                        ranks,
                        undefined: false,
                    }
                }
            };
            picks.push(pick);
        }
    }

    // 3. Bands: block after block of the array (C order), one 1-d chunk each.
    let mut block = Vec::new();
    let band_sizes: Vec<usize> = (0..grid.num_chunks())
        .map(|lin| {
            grid.unravel(lin, &mut block);
            let p = block[axis];
            let total: usize = lanes
                .ids(&lanes.region(&block))
                .iter()
                .flat_map(|&id| (0..m).map(move |j| (id * m + j) * pieces + p))
                .map(|s| bands[s])
                .sum();
            total.max(1)
        })
        .collect();
    let band_axis = AxisChunks::from_sizes(band_sizes);
    let picks = Arc::new(picks);
    let bands = Arc::new(bands);
    let packed = {
        let (reads, lanes, picks, bands) =
            (lanes.clone(), lanes.clone(), picks.clone(), bands.clone());
        gather(
            "quantile_bands",
            &[x],
            ChunkGrid::from_axes(vec![band_axis.clone()]),
            move |idx| {
                let mut block = Vec::new();
                reads.grid.unravel(idx[0], &mut block);
                vec![(0, reads.region(&block))]
            },
            move |v: &[ArrayViewD<'_, T>], info| {
                let mut block = Vec::new();
                lanes.grid.unravel(info.index[0], &mut block);
                let p = block[axis];
                let ids = lanes.ids(&lanes.region(&block));
                let nl = ids.len();
                let mut cursor = vec![0; m * nl];
                let mut end = vec![0; m * nl];
                let (mut lo, mut hi) = (vec![0.0; m * nl], vec![0.0; m * nl]);
                // Packed lane after lane, each lane's quantiles in order.
                let mut at = 0;
                for (li, &id) in ids.iter().enumerate() {
                    for j in 0..m {
                        let s = j * nl + li;
                        cursor[s] = at;
                        at += bands[(id * m + j) * pieces + p];
                        end[s] = at;
                        let pick = picks[id * m + j];
                        (lo[s], hi[s]) = (pick.lo, pick.hi);
                    }
                }
                let len = info.out_shape[0];
                let mut out = vec![0.0f64; len + 1];
                band_block(&v[0], axis, (&lo, &hi), m, &mut cursor, &mut out);
                if cursor != end {
                    return Err(Error::internal(
                        "quantile",
                        "a chunk's values changed between counting and selecting \
                         (is the array's source deterministic?)",
                    ));
                }
                out.truncate(len);
                ArrayD::from_shape_vec(IxDyn(&info.out_shape), out)
                    .map_err(|e| Error::internal("quantile", e.to_string()))
            },
        )
    };

    // 4. Selection: the quantiles first, then the other axes, chunked as the array.
    let mut out_axes = vec![AxisChunks::regular(m, m)];
    out_axes.extend((0..nd).filter(|&d| d != axis).map(|d| grid.axis(d).clone()));
    let reads_lanes = lanes.clone();
    let result = gather(
        "quantile_select",
        &[&packed],
        ChunkGrid::from_axes(out_axes),
        move |idx| {
            (0..pieces)
                .map(|p| {
                    let b = reads_lanes.grid.ravel(&reads_lanes.block(&idx[1..], p));
                    (0, vec![(band_axis.offset(b), band_axis.size(b))])
                })
                .collect()
        },
        move |v: &[ArrayViewD<'_, f64>], info| {
            let ids = lanes.ids(&lanes.region(&lanes.block(&info.index[1..], 0)));
            let nb = ids.len();
            let mut out = vec![<T::Mean as Element>::from_f64(f64::NAN); m * nb];
            let mut start = vec![0usize; pieces];
            let mut band = Vec::new();
            for (li, &id) in ids.iter().enumerate() {
                for j in 0..m {
                    let s = id * m + j;
                    band.clear();
                    for (p, at) in start.iter_mut().enumerate() {
                        let len = bands[s * pieces + p];
                        let packed = v[p].as_slice().ok_or_else(|| {
                            Error::internal("quantile", "a band chunk is not contiguous")
                        })?;
                        let part = packed.get(*at..*at + len).ok_or_else(|| {
                            Error::internal("quantile", "a band chunk is shorter than counted")
                        })?;
                        band.extend_from_slice(part);
                        *at += len;
                    }
                    let pick = picks[s];
                    if !pick.undefined {
                        out[j * nb + li] = <T::Mean as Element>::from_f64(select(
                            &mut band, pick.below, pick.ranks,
                        )?);
                    }
                }
            }
            ArrayD::from_shape_vec(IxDyn(&info.out_shape), out)
                .map_err(|e| Error::internal("quantile", e.to_string()))
        },
    );
    Ok(Some(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small sample and narrow brackets, so that the splitters often miss and every
    /// bracket level and the whole-lane fallback are taken.
    const TINY: Sampling = Sampling {
        budget: 0,
        min_per_lane: 8,
        min_stride: 2,
        count_share: 0,
        widths: [0.05, 0.3],
    };

    const METHODS: [QuantileMethod; 5] = [
        QuantileMethod::Linear,
        QuantileMethod::Nearest,
        QuantileMethod::Lower,
        QuantileMethod::Higher,
        QuantileMethod::Midpoint,
    ];

    fn same_bits(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    #[test]
    fn lanes_are_numbered_in_c_order() {
        let lanes = Lanes {
            grid: ChunkGrid::from_axes(vec![
                AxisChunks::regular(2, 4),
                AxisChunks::regular(5, 10),
                AxisChunks::regular(3, 6),
            ]),
            axis: 1,
            shape: vec![4, 6],
        };
        assert_eq!(
            lanes.ids(&[(2, 2), (5, 5), (3, 3)]),
            vec![15, 16, 17, 21, 22, 23]
        );
        assert_eq!(lanes.block(&[1, 0], 1), vec![1, 1, 0]);
    }

    /// The median along axis 0 by the banded path, which must be taken.
    fn banded_median(x: &Array<f64>) -> Array<f64> {
        let q = quantiles(
            x,
            0,
            &[0.5],
            QuantileMethod::Linear,
            false,
            Sampling::default(),
        );
        q.unwrap().expect("the banded path")
    }

    #[test]
    fn a_median_counts_within_the_chunks() {
        // 2-d, median over the long axis in four chunks: the banded path is taken and
        // agrees with sorting each lane.
        let v: Vec<f64> = (0..4000 * 3).map(|i| ((i * 7919) % 1013) as f64).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&[4000, 3]), v).unwrap();
        let x = Array::from_ndarray(a.clone(), vec![1000, 2]).unwrap();
        let q = banded_median(&x);
        let got = q.compute().unwrap();
        for c in 0..3 {
            let mut lane: Vec<f64> = a.index_axis(Axis(1), c).iter().copied().collect();
            lane.sort_by(f64::total_cmp);
            let want = 0.5 * (lane[1999] + lane[2000]);
            assert_eq!(got[[0, c]], want);
        }
    }

    #[test]
    fn values_that_change_after_counting_give_an_error() {
        use std::sync::atomic::{AtomicBool, Ordering};
        static SHIFT: AtomicBool = AtomicBool::new(false);
        let v: Vec<f64> = (0..3000).map(|i| ((i * 37) % 101) as f64).collect();
        let base =
            Array::from_ndarray(ArrayD::from_shape_vec(IxDyn(&[3000]), v).unwrap(), 500).unwrap();
        // A source that is not deterministic: its values move once the counts are taken.
        let x = base
            .map_blocks(|b, _| {
                let shift = if SHIFT.load(Ordering::SeqCst) {
                    0.5
                } else {
                    0.0
                };
                Ok(b.mapv(|v| v + shift))
            })
            .unwrap();
        let q = banded_median(&x);
        SHIFT.store(true, Ordering::SeqCst);
        let err = q.compute().unwrap_err().to_string();
        assert!(
            err.contains("changed between counting and selecting"),
            "{err}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The banded path gives the whole-lane path's bits, for any chunking, ties, NaNs,
        /// method and quantiles, even with splitters from a sample of four.
        #[test]
        fn bands_agree_with_whole_lanes(
            rows in 16usize..300,
            cols in 1usize..5,
            row_chunk in 2usize..40,
            col_chunk in 1usize..4,
            distinct in 1u64..50,
            nan_every in 0usize..9,
            axis in 0usize..2,
            method in 0usize..5,
            skip_nan in any::<bool>(),
            qs in proptest::collection::vec(0.0f64..=1.0, 1..4),
            seed in any::<u64>(),
        ) {
            let (shape, chunks) = if axis == 0 {
                ([rows, cols], vec![row_chunk, col_chunk])
            } else {
                ([cols, rows], vec![col_chunk, row_chunk])
            };
            let n = rows * cols;
            let v: Vec<f64> = (0..n as u64)
                .map(|i| {
                    let h = (i ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20;
                    if nan_every > 0 && (i as usize) % (nan_every + 3) == 1 {
                        f64::NAN
                    } else {
                        (h % distinct) as f64 - 7.5
                    }
                })
                .collect();
            let a = ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap();
            let x = Array::from_ndarray(a, chunks).unwrap();
            let method = METHODS[method];
            let banded = quantiles(&x, axis, &qs, method, skip_nan, TINY).unwrap();
            let whole = x.lane_quantiles(axis, &qs, method, skip_nan).unwrap();
            let whole = whole.compute().unwrap();
            match banded {
                Some(b) => {
                    let b = b.compute().unwrap();
                    prop_assert!(same_bits(&b, &whole), "{b:?} vs {whole:?}");
                }
                // Only a single chunk along the axis keeps the whole-lane path.
                None => prop_assert!(rows <= row_chunk),
            }
        }
    }
}
