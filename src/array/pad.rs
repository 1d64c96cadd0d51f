//! `pad`, `diff`, `repeat` and `tile`: new arrays made of slices, flips, broadcasts and
//! joins of the input (views and joins; nothing is copied until read).

use super::axis::{resolve_axis, AxisIndex};
use super::{concatenate, Array};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};

/// How [`Array::pad`] fills the new elements, as NumPy's `mode`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum PadMode<T> {
    /// A constant value (`constant`, `constant_values`).
    Constant(T),
    /// The edge value repeated (`edge`).
    Edge,
    /// The mirror image without the edge (`reflect`: `3 2 | 1 2 3 | 2 1`).
    Reflect,
    /// The mirror image with the edge (`symmetric`: `2 1 | 1 2 3 | 3 2`).
    Symmetric,
    /// The other end of the axis (`wrap`: `2 3 | 1 2 3 | 1 2`).
    Wrap,
    /// A linear ramp from this value to the edge value (`linear_ramp`, `end_values`),
    /// computed in `f64` and cast back.
    LinearRamp(T),
}

impl<T: Numeric> Array<T> {
    /// Pads each axis with `widths[axis] = (before, after)` new elements, as
    /// `numpy.pad(x, widths, mode)`. Axes are padded in order, so corners take the values
    /// the earlier axes' padding gave them (as NumPy does). `Reflect`, `Symmetric` and `Wrap`
    /// take widths up to the axis length (`Reflect`: one less); wider ones are an error.
    ///
    /// ```
    /// use tessera::{Array, PadMode};
    /// let x = Array::<i32>::arange(1, 4, 1, 2)?;
    /// let p = |m| -> Result<Vec<i32>, tessera::Error> {
    ///     Ok(x.pad(&[(2, 2)], m)?.compute()?.iter().copied().collect())
    /// };
    /// assert_eq!(p(PadMode::Constant(0))?, vec![0, 0, 1, 2, 3, 0, 0]);
    /// assert_eq!(p(PadMode::Edge)?, vec![1, 1, 1, 2, 3, 3, 3]);
    /// assert_eq!(p(PadMode::Reflect)?, vec![3, 2, 1, 2, 3, 2, 1]);
    /// assert_eq!(p(PadMode::Symmetric)?, vec![2, 1, 1, 2, 3, 3, 2]);
    /// assert_eq!(p(PadMode::Wrap)?, vec![2, 3, 1, 2, 3, 1, 2]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn pad(&self, widths: &[(usize, usize)], mode: PadMode<T>) -> Result<Array<T>> {
        let op = "pad";
        if widths.len() != self.ndim() {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!(
                    "{} widths for an array of shape {:?}",
                    widths.len(),
                    self.shape()
                ),
            });
        }
        let mut x = self.clone();
        for (axis, &(before, after)) in widths.iter().enumerate() {
            if before == 0 && after == 0 {
                continue;
            }
            let n = x.shape()[axis];
            let limit = match mode {
                PadMode::Reflect => n.saturating_sub(1),
                PadMode::Symmetric | PadMode::Wrap => n,
                _ => usize::MAX,
            };
            if before.max(after) > limit || (n == 0 && !matches!(mode, PadMode::Constant(_))) {
                return Err(Error::Argument {
                    op: op.into(),
                    msg: format!(
                        "{mode:?} padding of ({before}, {after}) along axis {axis} of length {n} \
                         (at most {limit} per side)"
                    ),
                });
            }
            let side = |width: usize, front: bool| -> Result<Option<Array<T>>> {
                if width == 0 {
                    return Ok(None);
                }
                let mut shape = x.shape().to_vec();
                shape[axis] = width;
                let edge = if front { 0..1 } else { n - 1..n };
                Ok(Some(match mode {
                    PadMode::Constant(v) => {
                        let chunks: Vec<usize> = (0..shape.len())
                            .map(|d| x.chunks().axis(d).max_size().max(1))
                            .collect();
                        Array::full(&shape, v, chunks)?
                    }
                    PadMode::Edge => x.slice_axis(axis, edge)?.broadcast_to(&shape)?,
                    PadMode::Reflect if front => x.slice_axis(axis, 1..width + 1)?.flip(axis)?,
                    PadMode::Reflect => x.slice_axis(axis, n - 1 - width..n - 1)?.flip(axis)?,
                    PadMode::Symmetric if front => x.slice_axis(axis, 0..width)?.flip(axis)?,
                    PadMode::Symmetric => x.slice_axis(axis, n - width..n)?.flip(axis)?,
                    PadMode::Wrap if front => x.slice_axis(axis, n - width..n)?,
                    PadMode::Wrap => x.slice_axis(axis, 0..width)?,
                    PadMode::LinearRamp(end) => {
                        // Position p of `width` (counted from the far end) holds
                        // end + (edge − end) · p / width.
                        let edge = x.slice_axis(axis, edge)?.astype::<f64>();
                        let end = end.to_f64();
                        let mut steps = Array::<f64>::arange(0.0, width as f64, 1.0, width.max(1))?;
                        if !front {
                            steps = steps.flip(0)?;
                        }
                        let mut pshape = vec![1; shape.len()];
                        pshape[axis] = width;
                        let frac = steps.reshape(&pshape)?.try_div(width as f64)?;
                        let ramp = edge.try_sub(end)?.try_mul(&frac)?.try_add(end)?;
                        ramp.broadcast_to(&shape)?.astype::<T>()
                    }
                }))
            };
            let (head, tail) = (side(before, true)?, side(after, false)?);
            let parts: Vec<&Array<T>> = head.iter().chain(Some(&x)).chain(tail.iter()).collect();
            x = concatenate(&parts, axis)?;
        }
        Ok(x)
    }

    /// The `n`-th discrete difference along `axis`, as `numpy.diff(x, n, axis, prepend,
    /// append)`: `prepend` and `append` (arrays of the same shape but along `axis`) are
    /// joined first, then `x[1:] − x[:-1]` is taken `n` times.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1, 4, 9, 16]), 2)?;
    /// assert_eq!(x.diff(1, 0, None, None)?.compute()?.as_slice().unwrap(), &[3, 5, 7]);
    /// assert_eq!(x.diff(2, 0, None, None)?.compute()?.as_slice().unwrap(), &[2, 2]);
    /// let zero = Array::from_ndarray(ndarray::arr1(&[0]), 1)?;
    /// assert_eq!(x.diff(1, 0, Some(&zero), None)?.compute()?.as_slice().unwrap(), &[1, 3, 5, 7]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn diff(
        &self,
        n: usize,
        axis: impl AxisIndex,
        prepend: Option<&Array<T>>,
        append: Option<&Array<T>>,
    ) -> Result<Array<T>> {
        let axis = resolve_axis("diff", axis, self.ndim())?;
        let parts: Vec<&Array<T>> = prepend
            .into_iter()
            .chain(Some(self))
            .chain(append)
            .collect();
        let mut x = if parts.len() > 1 {
            concatenate(&parts, axis)?
        } else {
            self.clone()
        };
        for _ in 0..n {
            let len = x.shape()[axis];
            if len == 0 {
                break;
            }
            x = x
                .slice_axis(axis, 1..len)?
                .try_sub(&x.slice_axis(axis, 0..len - 1)?)?;
        }
        Ok(x)
    }
}

impl<T: Element> Array<T> {
    /// Each element repeated `repeats` times along `axis` (the flattened array for `None`),
    /// as `numpy.repeat(x, repeats, axis)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// assert_eq!(x.repeat(2, Some(1))?.compute()?, ndarray::arr2(&[[1, 1, 2, 2], [3, 3, 4, 4]]).into_dyn());
    /// assert_eq!(x.repeat(2, None)?.compute()?.as_slice().unwrap(), &[1, 1, 2, 2, 3, 3, 4, 4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn repeat(&self, repeats: usize, axis: Option<isize>) -> Result<Array<T>> {
        let Some(axis) = axis else {
            return self.ravel()?.repeat(repeats, Some(0));
        };
        let axis = resolve_axis("repeat", axis, self.ndim())?;
        let mut wide = self.shape().to_vec();
        wide.insert(axis + 1, repeats);
        let mut out = self.shape().to_vec();
        out[axis] *= repeats;
        self.expand_dims(axis + 1)?
            .broadcast_to(&wide)?
            .reshape(&out)
    }

    /// This array repeated `reps[i]` times along each axis, as `numpy.tile(x, reps)`: with
    /// more reps than axes, the array gets leading axes of length 1; with fewer, the reps
    /// apply to the last axes.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 3, 1, 2)?;
    /// assert_eq!(x.tile(&[2])?.compute()?.as_slice().unwrap(), &[0, 1, 2, 0, 1, 2]);
    /// assert_eq!(x.tile(&[2, 1])?.shape(), &[2, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn tile(&self, reps: &[usize]) -> Result<Array<T>> {
        let mut x = self.clone();
        while x.ndim() < reps.len() {
            x = x.expand_dims(0)?;
        }
        let skip = x.ndim() - reps.len();
        for (i, &r) in reps.iter().enumerate() {
            let axis = skip + i;
            if r == 1 {
                continue;
            }
            if r == 0 {
                x = x.slice_axis(axis, 0..0)?;
                continue;
            }
            let copies: Vec<&Array<T>> = std::iter::repeat_n(&x, r).collect();
            x = concatenate(&copies, axis)?;
        }
        Ok(x)
    }
}
