//! `take`: integer-array ("fancy") indexing along one axis. Each output chunk reads, from
//! each input chunk holding one of its indices, only the span of that chunk it needs, so a
//! take from a store decodes only the chunks that hold selected elements.

use super::axis::{resolve_axis, AxisIndex};
use super::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::BlockRead;
use ndarray::{ArrayD, Axis, IxDyn};
use std::sync::Arc;

impl<T: Element> Array<T> {
    /// The elements at `indices` along `axis`, in that order (repeats allowed, negative
    /// indices count from the end), as `numpy.take(x, indices, axis)`. The result's axis
    /// has one element per index, chunked as the input's axis is sized.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[0, 1, 2], [3, 4, 5], [6, 7, 8]]), 2)?;
    /// let rows = x.take(&[2, 0, -1], 0)?.compute()?;
    /// assert_eq!(rows, ndarray::arr2(&[[6, 7, 8], [0, 1, 2], [6, 7, 8]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn take(&self, indices: &[isize], axis: impl AxisIndex) -> Result<Array<T>> {
        let op = "take";
        let nd = self.ndim();
        let axis = resolve_axis(op, axis, nd)?;
        let n = self.shape()[axis];
        let picks: Vec<usize> = indices
            .iter()
            .map(|&i| {
                let j = if i < 0 { i + n as isize } else { i };
                if j < 0 || j as usize >= n {
                    Err(Error::Argument {
                        op: op.into(),
                        msg: format!(
                            "index {i} is out of bounds for axis {axis} of length {n} (shape {:?})",
                            self.shape()
                        ),
                    })
                } else {
                    Ok(j as usize)
                }
            })
            .collect::<Result<_>>()?;
        let in_axis = self.chunks().axis(axis).clone();
        let out_axis = AxisChunks::regular(in_axis.max_size().max(1), picks.len());
        let mut axes: Vec<AxisChunks> = (0..nd).map(|d| self.chunks().axis(d).clone()).collect();
        axes[axis] = out_axis.clone();
        let grid = ChunkGrid::from_axes(axes);
        let picks = Arc::new(picks);
        // For output chunk `k` along the axis: the input chunks its indices fall in, each
        // with the span of it that is read.
        let spans = {
            let (picks, in_axis, out_axis) = (picks.clone(), in_axis.clone(), out_axis.clone());
            move |k: usize| -> Vec<(usize, usize)> {
                let (s, l) = (out_axis.offset(k), out_axis.size(k));
                let mut by_chunk: std::collections::BTreeMap<usize, (usize, usize)> =
                    std::collections::BTreeMap::new();
                for &p in &picks[s..s + l] {
                    let c = in_axis.chunk_of(p);
                    let e = by_chunk.entry(c).or_insert((p, p));
                    e.0 = e.0.min(p);
                    e.1 = e.1.max(p);
                }
                by_chunk
                    .values()
                    .map(|&(lo, hi)| (lo, hi - lo + 1))
                    .collect()
            }
        };
        let reads_grid = grid.clone();
        let reads_spans = spans.clone();
        let reads = move |index: &[usize]| -> Vec<BlockRead> {
            let mut region = Vec::new();
            reads_grid.region(index, &mut region);
            reads_spans(index[axis])
                .into_iter()
                .map(|span| {
                    let mut r = region.clone();
                    r[axis] = span;
                    (0, r)
                })
                .collect()
        };
        Ok(gather(op, &[self], grid, reads, move |blocks, info| {
            let k = info.index[axis];
            let spans = spans(k);
            let (s, l) = (info.region[axis].0, info.region[axis].1);
            let mut out_shape = info.out_shape.clone();
            out_shape[axis] = l;
            let mut pieces = Vec::with_capacity(l);
            for &p in &picks[s..s + l] {
                // The spans are disjoint and in increasing order: a binary search.
                let b = spans.partition_point(|sp| sp.0 + sp.1 <= p);
                let span = *spans
                    .get(b)
                    .filter(|sp| p >= sp.0)
                    .ok_or_else(|| Error::internal(op, "an index outside the spans read"))?;
                pieces.push(blocks[b].index_axis(Axis(axis), p - span.0));
            }
            if pieces.is_empty() {
                return Ok(ArrayD::from_elem(IxDyn(&out_shape), T::default()));
            }
            ndarray::stack(Axis(axis), &pieces).map_err(|e| Error::internal(op, e.to_string()))
        }))
    }
}

impl<T: Element> Array<T> {
    /// Pointwise selection by one index list per leading axis, as Dask's `x.vindex[i, j]`
    /// and NumPy's `x[i, j]` with integer arrays: point `p` is the element (or the
    /// sub-array over the remaining axes) at `(indices[0][p], indices[1][p], ...)`. The
    /// result's first axis runs over the points; negative indices count from the end. Each
    /// input chunk holding some points is read once, only the box around its points (the
    /// points are gathered chunk by chunk, then put back in order by a
    /// [`take`](Array::take) of those small pieces).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[0, 1, 2], [3, 4, 5], [6, 7, 8]]), 2)?;
    /// let d = x.vindex(&[&[0, 1, 2], &[2, 1, -3]])?.compute()?;
    /// assert_eq!(d.as_slice().unwrap(), &[2, 4, 6]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn vindex(&self, indices: &[&[isize]]) -> Result<Array<T>> {
        let op = "vindex";
        let nd = self.ndim();
        let k = indices.len();
        if k == 0 || k > nd {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("{k} index lists for an array of shape {:?}", self.shape()),
            });
        }
        let points = indices[0].len();
        if let Some(l) = indices.iter().find(|l| l.len() != points) {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!(
                    "index lists of lengths {points} and {} (they must match)",
                    l.len()
                ),
            });
        }
        let mut coords: Vec<Vec<usize>> = vec![Vec::with_capacity(k); points];
        for (a, list) in indices.iter().enumerate() {
            let n = self.shape()[a];
            for (p, &i) in list.iter().enumerate() {
                let j = if i < 0 { i + n as isize } else { i };
                if j < 0 || j as usize >= n {
                    return Err(Error::Argument {
                        op: op.into(),
                        msg: format!(
                            "index {i} is out of bounds for axis {a} of length {n} (shape {:?})",
                            self.shape()
                        ),
                    });
                }
                coords[p].push(j as usize);
            }
        }
        // Stage 1: the points sorted by the input chunk holding them; one output chunk per
        // such input chunk, reading only the box around its points. Stage 2: a take that
        // puts them back in the caller's order.
        let in_grid = self.chunks().clone();
        let chunk_of = |pt: &[usize]| -> Vec<usize> {
            pt.iter()
                .enumerate()
                .map(|(a, &i)| in_grid.axis(a).chunk_of(i))
                .collect()
        };
        let mut order: Vec<usize> = (0..points).collect();
        order.sort_by_key(|&p| (chunk_of(&coords[p]), p));
        let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new(); // (chunk, points)
        for &p in &order {
            let c = chunk_of(&coords[p]);
            match groups.last_mut() {
                Some((last, members)) if *last == c => members.push(p),
                _ => groups.push((c, vec![p])),
            }
        }
        if groups.is_empty() {
            let mut shape = vec![0];
            shape.extend_from_slice(&self.shape()[k..]);
            return Array::full(&shape, T::default(), 1);
        }
        let boxes: Vec<Vec<(usize, usize)>> = groups
            .iter()
            .map(|(_, members)| {
                (0..k)
                    .map(|a| {
                        let lo = members.iter().map(|&p| coords[p][a]).min().unwrap_or(0);
                        let hi = members.iter().map(|&p| coords[p][a]).max().unwrap_or(0);
                        (lo, hi - lo + 1)
                    })
                    .collect()
            })
            .collect();
        let mut axes = vec![AxisChunks::from_sizes(
            groups.iter().map(|g| g.1.len()).collect(),
        )];
        axes.extend((k..nd).map(|d| in_grid.axis(d).clone()));
        let grid = ChunkGrid::from_axes(axes);
        let groups = Arc::new(groups);
        let boxes = Arc::new(boxes);
        let coords = Arc::new(coords);
        let (reads_grid, reads_boxes) = (grid.clone(), boxes.clone());
        let reads = move |index: &[usize]| -> Vec<BlockRead> {
            let mut region = Vec::new();
            reads_grid.region(index, &mut region);
            let mut b = reads_boxes[index[0]].clone();
            b.extend_from_slice(&region[1..]);
            vec![(0, b)]
        };
        let sorted = gather(op, &[self], grid, reads, move |blocks, info| {
            let (members, bx) = (&groups[info.index[0]].1, &boxes[info.index[0]]);
            let pieces: Vec<_> = members
                .iter()
                .map(|&p| {
                    let mut v = blocks[0].clone();
                    for (r, &i) in bx.iter().zip(&coords[p]) {
                        v.index_axis_inplace(Axis(0), i - r.0);
                    }
                    v
                })
                .collect();
            ndarray::stack(Axis(0), &pieces).map_err(|e| Error::internal(op, e.to_string()))
        });
        let mut back = vec![0isize; points];
        for (pos, &p) in order.iter().enumerate() {
            back[p] = pos as isize;
        }
        sorted.take(&back, 0)
    }
}
