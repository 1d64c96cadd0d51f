//! Splitting and stacking: `split`, `array_split`, `hsplit`/`vsplit`/`dsplit`, `hstack`,
//! `vstack`, `dstack`, `block`, `atleast_1d/2d/3d`. Pieces are slices (views) and stacks
//! are joins: nothing is copied until read.

use super::axis::{resolve_axis, AxisIndex};
use super::{concatenate, Array};
use crate::dtype::Element;
use crate::error::{Error, Result};

impl<T: Element> Array<T> {
    /// Splits into `sections` equal pieces along `axis`, as `numpy.split(x, sections,
    /// axis)`; an axis that does not divide evenly is an error (see
    /// [`array_split`](Array::array_split)).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 6, 1, 4)?;
    /// let parts = x.split(3, 0)?;
    /// assert_eq!(parts[1].compute()?.as_slice().unwrap(), &[2, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn split(&self, sections: usize, axis: impl AxisIndex) -> Result<Vec<Array<T>>> {
        let axis = resolve_axis("split", axis, self.ndim())?;
        let n = self.shape()[axis];
        if sections == 0 || !n.is_multiple_of(sections) {
            return Err(Error::Argument {
                op: "split".into(),
                msg: format!(
                    "axis {axis} of length {n} does not split into {sections} equal pieces \
                     (array_split allows unequal ones)"
                ),
            });
        }
        let cuts: Vec<usize> = (1..sections).map(|i| i * n / sections).collect();
        self.split_at(&cuts, axis)
    }

    /// Splits along `axis` before each of `indices` (increasing; past the end they give
    /// empty pieces), as `numpy.split(x, indices, axis)`: `indices.len() + 1` pieces.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 6, 1, 4)?;
    /// let parts = x.split_at(&[1, 4], 0)?;
    /// assert_eq!(parts[1].compute()?.as_slice().unwrap(), &[1, 2, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn split_at(&self, indices: &[usize], axis: impl AxisIndex) -> Result<Vec<Array<T>>> {
        let axis = resolve_axis("split_at", axis, self.ndim())?;
        let n = self.shape()[axis];
        let mut bounds = vec![0];
        for &i in indices {
            bounds.push(i.min(n).max(*bounds.last().unwrap_or(&0)));
        }
        bounds.push(n);
        bounds
            .windows(2)
            .map(|w| self.slice_axis(axis, w[0]..w[1]))
            .collect()
    }

    /// Splits into `sections` pieces along `axis`, the first `len % sections` one element
    /// longer, as `numpy.array_split`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 7, 1, 4)?;
    /// let lens: Vec<usize> = x.array_split(3, 0)?.iter().map(|p| p.shape()[0]).collect();
    /// assert_eq!(lens, vec![3, 2, 2]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn array_split(&self, sections: usize, axis: impl AxisIndex) -> Result<Vec<Array<T>>> {
        let axis = resolve_axis("array_split", axis, self.ndim())?;
        let n = self.shape()[axis];
        if sections == 0 {
            return Err(Error::Argument {
                op: "array_split".into(),
                msg: "needs at least one section".into(),
            });
        }
        let (each, extra) = (n / sections, n % sections);
        let mut cuts = Vec::with_capacity(sections - 1);
        let mut at = 0;
        for i in 0..sections - 1 {
            at += each + usize::from(i < extra);
            cuts.push(at);
        }
        self.split_at(&cuts, axis)
    }

    /// [`split`](Array::split) along axis 1 (axis 0 for a 1-d array), as `numpy.hsplit`.
    pub fn hsplit(&self, sections: usize) -> Result<Vec<Array<T>>> {
        self.split(sections, usize::from(self.ndim() > 1))
    }

    /// [`split`](Array::split) along axis 0 of an array of at least 2 axes, as
    /// `numpy.vsplit`.
    pub fn vsplit(&self, sections: usize) -> Result<Vec<Array<T>>> {
        self.needs_axes("vsplit", 2)?;
        self.split(sections, 0)
    }

    /// [`split`](Array::split) along axis 2 of an array of at least 3 axes, as
    /// `numpy.dsplit`.
    pub fn dsplit(&self, sections: usize) -> Result<Vec<Array<T>>> {
        self.needs_axes("dsplit", 3)?;
        self.split(sections, 2)
    }

    /// This array with at least 1 axis, as `numpy.atleast_1d` (a 0-d array becomes `[x]`).
    pub fn atleast_1d(&self) -> Result<Array<T>> {
        match self.ndim() {
            0 => self.expand_dims(0),
            _ => Ok(self.clone()),
        }
    }

    /// This array with at least 2 axes, as `numpy.atleast_2d` (new axes in front).
    pub fn atleast_2d(&self) -> Result<Array<T>> {
        match self.ndim() {
            0 => self.expand_dims(0)?.expand_dims(0),
            1 => self.expand_dims(0),
            _ => Ok(self.clone()),
        }
    }

    /// This array with at least 3 axes, as `numpy.atleast_3d`: `(n)` becomes `(1, n, 1)` and
    /// `(m, n)` becomes `(m, n, 1)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::zeros(&[4], 2)?;
    /// assert_eq!(x.atleast_3d()?.shape(), &[1, 4, 1]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn atleast_3d(&self) -> Result<Array<T>> {
        match self.ndim() {
            0 => self.expand_dims(0)?.expand_dims(0)?.expand_dims(0),
            1 => self.expand_dims(0)?.expand_dims(2),
            2 => self.expand_dims(2),
            _ => Ok(self.clone()),
        }
    }

    fn needs_axes(&self, op: &str, n: usize) -> Result<()> {
        if self.ndim() < n {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!("needs at least {n} axes, got shape {:?}", self.shape()),
            });
        }
        Ok(())
    }
}

/// Joins along axis 1 (axis 0 for 1-d arrays), as `numpy.hstack`.
///
/// ```
/// use tessera::{hstack, Array};
/// let a = Array::<i32>::arange(0, 2, 1, 1)?;
/// let b = Array::<i32>::arange(5, 6, 1, 1)?;
/// assert_eq!(hstack(&[&a, &b])?.compute()?.as_slice().unwrap(), &[0, 1, 5]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn hstack<T: Element>(arrays: &[&Array<T>]) -> Result<Array<T>> {
    let parts: Vec<Array<T>> = arrays
        .iter()
        .map(|a| a.atleast_1d())
        .collect::<Result<_>>()?;
    let axis = usize::from(parts.first().is_some_and(|p| p.ndim() > 1));
    concatenate(&parts.iter().collect::<Vec<_>>(), axis)
}

/// Joins along axis 0 after [`atleast_2d`](Array::atleast_2d), as `numpy.vstack`.
///
/// ```
/// use tessera::{vstack, Array};
/// let a = Array::<i32>::arange(0, 3, 1, 2)?;
/// assert_eq!(vstack(&[&a, &a])?.shape(), &[2, 3]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn vstack<T: Element>(arrays: &[&Array<T>]) -> Result<Array<T>> {
    let parts: Vec<Array<T>> = arrays
        .iter()
        .map(|a| a.atleast_2d())
        .collect::<Result<_>>()?;
    concatenate(&parts.iter().collect::<Vec<_>>(), 0)
}

/// Joins along axis 2 after [`atleast_3d`](Array::atleast_3d), as `numpy.dstack`.
pub fn dstack<T: Element>(arrays: &[&Array<T>]) -> Result<Array<T>> {
    let parts: Vec<Array<T>> = arrays
        .iter()
        .map(|a| a.atleast_3d())
        .collect::<Result<_>>()?;
    concatenate(&parts.iter().collect::<Vec<_>>(), 2)
}

/// An array assembled from a grid of blocks, as `numpy.block([[a, b], [c, d]])`: each row of
/// blocks is joined along the last axis, then the rows along the axis before it (blocks
/// with fewer axes get leading axes of length 1).
///
/// ```
/// use tessera::{block, Array};
/// let a = Array::<i32>::ones(&[2, 2], 1)?;
/// let b = Array::<i32>::zeros(&[2, 1], 1)?;
/// let c = Array::<i32>::zeros(&[1, 3], 1)?;
/// let m = block(&[vec![&a, &b], vec![&c]])?;
/// assert_eq!(m.compute()?, ndarray::arr2(&[[1, 1, 0], [1, 1, 0], [0, 0, 0]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn block<T: Element>(rows: &[Vec<&Array<T>>]) -> Result<Array<T>> {
    let nd = rows
        .iter()
        .flatten()
        .map(|a| a.ndim())
        .max()
        .unwrap_or(0)
        .max(2);
    let lift = |a: &Array<T>| -> Result<Array<T>> {
        let mut x = a.clone();
        while x.ndim() < nd {
            x = x.expand_dims(0)?;
        }
        Ok(x)
    };
    let joined: Vec<Array<T>> = rows
        .iter()
        .map(|row| {
            let parts: Vec<Array<T>> = row.iter().map(|a| lift(a)).collect::<Result<_>>()?;
            concatenate(&parts.iter().collect::<Vec<_>>(), nd - 1)
        })
        .collect::<Result<_>>()?;
    concatenate(&joined.iter().collect::<Vec<_>>(), nd - 2)
}
