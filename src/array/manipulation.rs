//! Changing how an array is cut, which part of it is used, or its unit axes: `rechunk`,
//! `slice`, `expand_dims`, `squeeze`.

use super::axis::{resolve_axis, AxisIndex};
use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid, ChunkSpec};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use std::ops::Range;

impl<T: Element> Array<T> {
    /// The same values with a new axis of length 1 at position `axis` (NumPy's
    /// `expand_dims`, `x[:, None]`). Free: it changes how the values are viewed, fused into
    /// whatever reads them.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 4.0, 1.0, 2).unwrap();
    /// let col = x.expand_dims(1).unwrap();           // shape [4, 1]
    /// let table = (&col * &x).compute().unwrap();    // outer product by broadcasting
    /// assert_eq!(table.shape(), &[4, 4]);
    /// assert_eq!(table[[3, 2]], 6.0);
    /// ```
    pub fn expand_dims(&self, axis: impl AxisIndex) -> Result<Array<T>> {
        let nd = self.ndim() + 1;
        let axis = resolve_axis("expand_dims", axis, nd)?;
        let mut shape = self.shape().to_vec();
        shape.insert(axis, 1);
        let mut axes: Vec<AxisChunks> = (0..self.ndim())
            .map(|d| self.node.grid.axis(d).clone())
            .collect();
        axes.insert(axis, AxisChunks::regular(1, 1));
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape,
            ChunkGrid::from_axes(axes),
            Op::ExpandDims(axis, self.node.clone()),
        )))
    }

    /// The same values without length-1 axes: all of them for `..`, or the axes given (each
    /// must have length 1), like NumPy's `squeeze`. Free, as [`expand_dims`](Self::expand_dims).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::ones(&[1, 3, 1], 2).unwrap();
    /// assert_eq!(x.squeeze(..).unwrap().shape(), &[3]);
    /// assert_eq!(x.squeeze(2).unwrap().shape(), &[1, 3]);
    /// assert!(x.squeeze(1).is_err()); // axis 1 has length 3
    /// ```
    pub fn squeeze(&self, axes: impl Into<super::Axes>) -> Result<Array<T>> {
        let axes = axes.into();
        let nd = self.ndim();
        let mut drop: Vec<usize> = match axes.resolve("squeeze", nd)? {
            None => (0..nd).filter(|&d| self.shape()[d] == 1).collect(),
            Some(list) => {
                for &a in &list {
                    if self.shape()[a] != 1 {
                        return Err(Error::Shape {
                            op: "squeeze".into(),
                            msg: format!(
                                "axis {a} of an array of shape {:?} does not have length 1",
                                self.shape()
                            ),
                        });
                    }
                }
                list.to_vec()
            }
        };
        drop.sort_unstable();
        drop.dedup();
        if drop.is_empty() {
            return Ok(self.clone());
        }
        let keep: Vec<usize> = (0..nd).filter(|d| !drop.contains(d)).collect();
        let shape = keep.iter().map(|&d| self.shape()[d]).collect();
        let grid_axes = keep
            .iter()
            .map(|&d| self.node.grid.axis(d).clone())
            .collect();
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape,
            ChunkGrid::from_axes(grid_axes),
            Op::Squeeze(drop, self.node.clone()),
        )))
    }

    /// The same values cut into different chunks.
    ///
    /// Rechunking is fused into whatever reads the array: a task that needs a region spanning
    /// several old chunks assembles it from them (Dask's one-stage rechunk); sources such as
    /// in-memory arrays, generators and Zarr stores are read directly in the new chunks.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 10.0, 1.0, 3).unwrap();
    /// let y = x.rechunk(5).unwrap();
    /// assert_eq!(y.chunks().chunks(0), vec![5, 5]);
    /// assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> Result<Array<T>> {
        let grid = ChunkGrid::new(self.shape(), chunks.into(), T::DTYPE.size())?;
        if grid == self.node.grid {
            return Ok(self.clone());
        }
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            self.node.shape.clone(),
            grid,
            Op::Rechunk(self.node.clone()),
        )))
    }

    /// The box of the array given by one range per axis (axes without a range are kept
    /// whole), like NumPy's `x[a:b, c:d]` with step 1.
    ///
    /// Slicing is lazy and fused: only the chunks of a source (an in-memory array, a
    /// generator, a Zarr store) that overlap the box are ever read. The result's chunks are the
    /// input's chunks cut at the box's edges.
    ///
    /// ```
    /// use tessera::Array;
    /// let a = ndarray::Array::from_shape_vec((4, 5), (0..20i64).collect()).unwrap();
    /// let x = Array::from_ndarray(a, 2).unwrap();
    /// let y = x.slice(&[1..3, 2..5]).unwrap();
    /// assert_eq!(y.shape(), &[2, 3]);
    /// assert_eq!(y.sum(..).unwrap().compute_scalar().unwrap(), 7 + 8 + 9 + 12 + 13 + 14);
    /// assert!(x.slice(&[0..6]).is_err());
    /// ```
    pub fn slice(&self, ranges: &[Range<usize>]) -> Result<Array<T>> {
        let nd = self.ndim();
        if ranges.len() > nd {
            return Err(Error::Shape {
                op: "slice".into(),
                msg: format!(
                    "{} ranges given for an array of {nd} dimensions",
                    ranges.len()
                ),
            });
        }
        let mut starts = Vec::with_capacity(nd);
        let mut shape = Vec::with_capacity(nd);
        let mut axes = Vec::with_capacity(nd);
        for ax in 0..nd {
            let len = self.node.shape[ax];
            let r = ranges.get(ax).cloned().unwrap_or(0..len);
            if r.start > r.end || r.end > len {
                return Err(Error::Shape {
                    op: "slice".into(),
                    msg: format!(
                        "range {r:?} is out of bounds for axis {ax} of length {len} (shape {:?})",
                        self.node.shape
                    ),
                });
            }
            starts.push(r.start);
            shape.push(r.end - r.start);
            axes.push(slice_axis(self.node.grid.axis(ax), &r));
        }
        if starts.iter().all(|&s| s == 0) && shape == self.node.shape {
            return Ok(self.clone());
        }
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape,
            ChunkGrid::from_axes(axes),
            Op::Slice {
                step: vec![1; starts.len()],
                start: starts,
                input: self.node.clone(),
            },
        )))
    }

    /// The array restricted to `range` along one axis (NumPy's `x[..., a:b, ...]`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 10, 1, 4).unwrap();
    /// let y = x.slice_axis(0, 3..7).unwrap();
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![3, 4, 5, 6]);
    /// ```
    pub fn slice_axis(&self, axis: impl AxisIndex, range: Range<usize>) -> Result<Array<T>> {
        let axis = resolve_axis("slice_axis", axis, self.ndim())?;
        let mut ranges: Vec<Range<usize>> = self.shape().iter().map(|&n| 0..n).collect();
        ranges[axis] = range;
        self.slice(&ranges)
    }
}

/// The chunks of `axis` restricted to `r` (cut at its edges).
fn slice_axis(axis: &AxisChunks, r: &Range<usize>) -> AxisChunks {
    let len = r.end - r.start;
    if let AxisChunks::Regular { size, .. } = *axis {
        if r.start.is_multiple_of(size) {
            return AxisChunks::regular(size, len);
        }
    }
    if len == 0 {
        return AxisChunks::regular(1, 0);
    }
    let (first, last) = (axis.chunk_of(r.start), axis.chunk_of(r.end - 1));
    let sizes = (first..=last)
        .map(|k| {
            let (lo, hi) = (axis.offset(k).max(r.start), axis.offset(k + 1).min(r.end));
            hi - lo
        })
        .collect();
    AxisChunks::from_sizes(sizes)
}
