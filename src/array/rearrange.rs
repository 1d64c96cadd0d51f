//! Rearranging elements without changing them: `broadcast_to`, `moveaxis`, `swapaxes`,
//! `flip`, `roll`, `rot90`. Each is a fused view (or a join of views): nothing is copied
//! until a consumer reads it.

use super::axis::{resolve_axis, AxisIndex};
use super::{Array, Axes, Idx};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};

impl<T: Element> Array<T> {
    /// This array broadcast to `shape`, as `numpy.broadcast_to`: NumPy's rules (axes of
    /// length 1 stretch, missing leading axes are added). A view: the broadcast axes are
    /// never materialized; they get chunks of about the default chunk size.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 3, 1, 2)?;
    /// let y = x.broadcast_to(&[2, 3])?.compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[0, 1, 2], [0, 1, 2]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Array<T>> {
        let op = "broadcast_to";
        let nd = shape.len();
        if self.ndim() > nd {
            return Err(Error::Broadcast {
                op: op.into(),
                left: self.shape().to_vec(),
                right: shape.to_vec(),
            });
        }
        let skip = nd - self.ndim();
        let auto = ChunkGrid::new(shape, crate::chunks::ChunkSpec::Auto, T::DTYPE.size())?;
        let mut axes: Vec<AxisChunks> = Vec::with_capacity(nd);
        for (d, &len) in shape.iter().enumerate() {
            let own = d.checked_sub(skip).map(|k| self.shape()[k]);
            match own {
                Some(l) if l == len => axes.push(self.node.grid.axis(d - skip).clone()),
                Some(1) | None => axes.push(auto.axis(d).clone()),
                Some(_) => {
                    return Err(Error::Broadcast {
                        op: op.into(),
                        left: self.shape().to_vec(),
                        right: shape.to_vec(),
                    })
                }
            }
        }
        let grid = ChunkGrid::from_axes(axes);
        let everywhere = Array::<bool>::full(shape, true, &grid)?;
        super::where_(&everywhere, self, self)
    }

    /// Moves axis `source` to position `destination`, the others keeping their order, as
    /// `numpy.moveaxis` (a transposed view).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::zeros(&[2, 3, 4], 2)?;
    /// assert_eq!(x.moveaxis(0, 2)?.shape(), &[3, 4, 2]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn moveaxis(
        &self,
        source: impl AxisIndex,
        destination: impl AxisIndex,
    ) -> Result<Array<T>> {
        let nd = self.ndim();
        let source = resolve_axis("moveaxis", source, nd)?;
        let destination = resolve_axis("moveaxis", destination, nd)?;
        let mut order: Vec<usize> = (0..nd).filter(|&a| a != source).collect();
        order.insert(destination, source);
        self.permute_axes(&order)
    }

    /// Exchanges axes `a` and `b`, as `numpy.swapaxes` (a transposed view).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::zeros(&[2, 3, 4], 2)?;
    /// assert_eq!(x.swapaxes(0, 2)?.shape(), &[4, 3, 2]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn swapaxes(&self, a: impl AxisIndex, b: impl AxisIndex) -> Result<Array<T>> {
        let nd = self.ndim();
        let a = resolve_axis("swapaxes", a, nd)?;
        let b = resolve_axis("swapaxes", b, nd)?;
        let mut order: Vec<usize> = (0..nd).collect();
        order.swap(a, b);
        self.permute_axes(&order)
    }

    /// Reverses the order of the elements along `axes` (`..` for all), as `numpy.flip` (a
    /// view read backwards).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// assert_eq!(x.flip(1)?.compute()?, ndarray::arr2(&[[2, 1], [4, 3]]).into_dyn());
    /// assert_eq!(x.flip(..)?.compute()?, ndarray::arr2(&[[4, 3], [2, 1]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn flip(&self, axes: impl Into<Axes>) -> Result<Array<T>> {
        let axes: Axes = axes.into();
        let nd = self.ndim();
        let list: Vec<usize> = match axes.resolve("flip", nd)? {
            None => (0..nd).collect(),
            Some(l) => l,
        };
        let mut idx = vec![Idx::all(); nd];
        for (i, &ax) in list.iter().enumerate() {
            if list[..i].contains(&ax) {
                return Err(Error::Axis {
                    op: "flip".into(),
                    axis: ax as isize,
                    ndim: nd,
                });
            }
            idx[ax] = Idx::slice(0, None, -1); // ndarray's `..;-1`: the whole axis, backwards
        }
        if self.is_empty() {
            return Ok(self.clone());
        }
        self.index(&idx)
    }

    /// [`flip`](Array::flip) along axis 0, as `numpy.flipud`.
    pub fn flipud(&self) -> Result<Array<T>> {
        self.flip(0)
    }

    /// [`flip`](Array::flip) along axis 1, as `numpy.fliplr`.
    pub fn fliplr(&self) -> Result<Array<T>> {
        self.flip(1)
    }

    /// Rolls the elements by `shift` positions along `axis` (those pushed off the end come
    /// back at the start), as `numpy.roll`; `None` rolls the flattened array and restores
    /// the shape. Two slices joined: no copy until read.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 5, 1, 2)?;
    /// assert_eq!(x.roll(2, Some(0))?.compute()?.as_slice().unwrap(), &[3, 4, 0, 1, 2]);
    /// assert_eq!(x.roll(-1, None)?.compute()?.as_slice().unwrap(), &[1, 2, 3, 4, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn roll(&self, shift: isize, axis: Option<isize>) -> Result<Array<T>> {
        let Some(axis) = axis else {
            return self.ravel()?.roll(shift, Some(0))?.reshape(self.shape());
        };
        let axis = resolve_axis("roll", axis, self.ndim())?;
        let n = self.shape()[axis];
        if n == 0 {
            return Ok(self.clone());
        }
        let s = shift.rem_euclid(n as isize) as usize;
        if s == 0 {
            return Ok(self.clone());
        }
        let tail = self.slice_axis(axis, n - s..n)?;
        let head = self.slice_axis(axis, 0..n - s)?;
        super::concatenate(&[&tail, &head], axis)
    }

    /// Rotates by 90 degrees `k` times in the plane of `axes` (from the first axis towards
    /// the second), as `numpy.rot90(m, k, axes)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// assert_eq!(x.rot90(1, (0, 1))?.compute()?, ndarray::arr2(&[[2, 4], [1, 3]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn rot90<A: AxisIndex>(&self, k: i64, axes: (A, A)) -> Result<Array<T>> {
        let nd = self.ndim();
        let a = resolve_axis("rot90", axes.0, nd)?;
        let b = resolve_axis("rot90", axes.1, nd)?;
        if a == b {
            return Err(Error::Axis {
                op: "rot90".into(),
                axis: b as isize,
                ndim: nd,
            });
        }
        match k.rem_euclid(4) {
            0 => Ok(self.clone()),
            1 => self.flip(b)?.swapaxes(a, b),
            2 => self.flip(vec![a, b]),
            _ => self.swapaxes(a, b)?.flip(b),
        }
    }
}
