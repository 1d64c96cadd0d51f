//! Functions applied along axes: `apply_along_axis`, `apply_over_axes`, and
//! `map_blocks_axes` (Dask's `map_blocks` with `drop_axis` / `new_axis`).

use super::axis::{resolve_axis, AxisIndex};
use super::{gather, Array, BlockInfo};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayView1, ArrayViewD, Axis, IxDyn};

impl<T: Element> Array<T> {
    /// Applies `f` to every 1-d lane along `axis`, as `numpy.apply_along_axis(f, axis, x)`.
    /// `f` returns `out_len` values per lane (the axis then has that length), or, with
    /// `out_len = None`, one value (the axis is dropped). The axis is first rechunked into
    /// one chunk so that each task holds whole lanes.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[3, 1, 2], [9, 7, 8]]), 1)?;
    /// // The largest element of each row, and each row sorted.
    /// let top = x.apply_along_axis(1, None, |lane| Ok(vec![*lane.iter().max().unwrap()]))?;
    /// assert_eq!(top.compute()?.as_slice().unwrap(), &[3, 9]);
    /// let sorted = x.apply_along_axis(1, Some(3), |lane| {
    ///     let mut v = lane.to_vec();
    ///     v.sort();
    ///     Ok(v)
    /// })?;
    /// assert_eq!(sorted.compute()?, ndarray::arr2(&[[1, 2, 3], [7, 8, 9]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn apply_along_axis<U, F>(
        &self,
        axis: impl AxisIndex,
        out_len: Option<usize>,
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(ArrayView1<'_, T>) -> Result<Vec<U>> + Send + Sync + 'static,
    {
        let op = "apply_along_axis";
        let nd = self.ndim();
        let axis = resolve_axis(op, axis, nd)?;
        let len = out_len.unwrap_or(1);
        let g = move |b: ArrayViewD<'_, T>, _: &BlockInfo| -> Result<ArrayD<U>> {
            let mut shape = b.shape().to_vec();
            shape[axis] = len;
            let mut out = ArrayD::<U>::from_elem(IxDyn(&shape), U::default());
            for (lane, mut dst) in b
                .lanes(Axis(axis))
                .into_iter()
                .zip(out.lanes_mut(Axis(axis)))
            {
                let v = f(lane)?;
                if v.len() != len {
                    return Err(Error::Shape {
                        op: op.into(),
                        msg: format!(
                            "the function returned {} values for a lane, not {len}",
                            v.len()
                        ),
                    });
                }
                for (d, x) in dst.iter_mut().zip(v) {
                    *d = x;
                }
            }
            Ok(out)
        };
        // Whole lanes per task: the axis in one chunk, replaced by the function's values
        // (one value per lane: an axis of length 1, then dropped).
        let out = self.map_blocks_axes(&[axis], &[(axis, len)], g)?;
        if out_len.is_none() {
            out.squeeze(axis)
        } else {
            Ok(out)
        }
    }

    /// Applies `f(array, axis)` for each axis in turn, as `numpy.apply_over_axes`: a result
    /// with one axis fewer gets it back with length 1, so the number of axes stays.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i64>::arange(0, 24, 1, 5)?.reshape(&[2, 3, 4])?;
    /// let s = x.apply_over_axes(&[0, 2], |a, ax| a.sum(ax))?;
    /// assert_eq!(s.shape(), &[1, 3, 1]);
    /// assert_eq!(s.compute()?.iter().copied().collect::<Vec<_>>(), vec![60, 92, 124]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn apply_over_axes<A: AxisIndex, F>(&self, axes: &[A], f: F) -> Result<Array<T>>
    where
        F: Fn(&Array<T>, usize) -> Result<Array<T>>,
    {
        let mut x = self.clone();
        for &axis in axes {
            let nd = x.ndim();
            let axis = resolve_axis("apply_over_axes", axis, nd)?;
            let y = f(&x, axis)?;
            x = if y.ndim() + 1 == nd {
                y.expand_dims(axis)?
            } else {
                y
            };
            if x.ndim() != nd {
                return Err(Error::Shape {
                    op: "apply_over_axes".into(),
                    msg: format!("the function turned {nd} axes into {}", x.ndim()),
                });
            }
        }
        Ok(x)
    }

    /// `map_blocks` over this array whose function removes the axes `drop_axis` of each
    /// block and inserts new axes, as Dask's `map_blocks(f, drop_axis=..., new_axis=...)`.
    /// Dropped axes are first rechunked into one chunk (each block holds them whole);
    /// `new_axis` lists `(position in the result, length)`, each one chunk long. `f` gets
    /// each block and returns the result's block.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::ones(&[4, 6], [2, 3])?;
    /// // Each row block summed over its columns: axis 1 dropped.
    /// let s = x.map_blocks_axes(&[1], &[], |b, _| Ok(b.sum_axis(ndarray::Axis(1))))?;
    /// assert_eq!(s.compute()?.as_slice().unwrap(), &[6.0; 4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn map_blocks_axes<U, F>(
        &self,
        drop_axis: &[usize],
        new_axis: &[(usize, usize)],
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(ArrayViewD<'_, T>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        let op = "map_blocks_axes";
        let nd = self.ndim();
        for (i, &a) in drop_axis.iter().enumerate() {
            if a >= nd || drop_axis[..i].contains(&a) {
                return Err(Error::Axis {
                    op: op.into(),
                    axis: a as isize,
                    ndim: nd,
                });
            }
        }
        // The input with its dropped axes in one chunk.
        let in_axes: Vec<AxisChunks> = (0..nd)
            .map(|d| {
                if drop_axis.contains(&d) {
                    AxisChunks::from_sizes(vec![self.shape()[d]])
                } else {
                    self.chunks().axis(d).clone()
                }
            })
            .collect();
        let in_grid = ChunkGrid::from_axes(in_axes.clone());
        let input = Array::<T>::wrap(self.rechunk_to(in_grid.clone()));
        // The result's axes: the kept ones, then the new ones inserted at their positions.
        let kept: Vec<usize> = (0..nd).filter(|d| !drop_axis.contains(d)).collect();
        let out_nd = kept.len() + new_axis.len();
        let mut source: Vec<Option<usize>> = vec![None; out_nd]; // input axis of each result axis
        let mut new_len = vec![0usize; out_nd];
        for &(pos, len) in new_axis {
            if pos >= out_nd || new_len[pos] != 0 {
                return Err(Error::Axis {
                    op: op.into(),
                    axis: pos as isize,
                    ndim: out_nd,
                });
            }
            new_len[pos] = len.max(1);
        }
        let mut next = kept.iter();
        let mut out_axes = Vec::with_capacity(out_nd);
        for d in 0..out_nd {
            if new_len[d] != 0 {
                let len = new_axis.iter().find(|n| n.0 == d).map_or(1, |n| n.1);
                out_axes.push(AxisChunks::from_sizes(vec![len]));
            } else {
                let a = *next
                    .next()
                    .ok_or_else(|| Error::internal(op, "axis count"))?;
                source[d] = Some(a);
                out_axes.push(in_axes[a].clone());
            }
        }
        let grid = ChunkGrid::from_axes(out_axes);
        let in_grid2 = in_grid.clone();
        let reads = move |index: &[usize]| {
            let mut in_index = vec![0usize; nd];
            for (d, s) in source.iter().enumerate() {
                if let Some(a) = s {
                    in_index[*a] = index[d];
                }
            }
            let mut region = Vec::new();
            in_grid2.region(&in_index, &mut region);
            vec![(0, region)]
        };
        Ok(gather(op, &[&input], grid, reads, move |blocks, info| {
            let out = f(blocks[0].clone(), info)?;
            if out.shape() != info.out_shape.as_slice() {
                return Err(Error::Shape {
                    op: op.into(),
                    msg: format!(
                        "the function returned a block of shape {:?} for block {:?}, whose \
                         shape is {:?}",
                        out.shape(),
                        info.index,
                        info.out_shape
                    ),
                });
            }
            Ok(out)
        }))
    }
}
