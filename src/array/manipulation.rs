//! Changing how an array is cut or which part of it is used: `rechunk`, `slice`.

use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid, ChunkSpec};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use std::ops::Range;

impl<T: Element> Array<T> {
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
            Op::Slice(starts, self.node.clone()),
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
    pub fn slice_axis(&self, axis: usize, range: Range<usize>) -> Result<Array<T>> {
        if axis >= self.ndim() {
            return Err(Error::Axis {
                op: "slice_axis".into(),
                axis,
                ndim: self.ndim(),
            });
        }
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
