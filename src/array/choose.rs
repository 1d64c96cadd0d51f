//! Elementwise selection among arrays: `select`, `choose`, `putmask`, and `compress` by a
//! known boolean vector. All are fused elementwise work (or a `take`).

use super::axis::{resolve_axis, AxisIndex};
use super::{where_, Array, Operand};
use crate::dtype::Element;
use crate::error::{Error, Result};

/// The element of the first choice whose condition holds, else `default`, as
/// `numpy.select(condlist, choicelist, default)` (conditions and choices broadcast
/// together).
///
/// ```
/// use tessera::{select, Array};
/// let x = Array::<i64>::arange(0, 6, 1, 4)?;
/// let small = x.less(2)?;
/// let big = x.greater(3)?;
/// let y = select(&[&small, &big], &[&x, &(&x * 10)], -1)?;
/// assert_eq!(y.compute()?.as_slice().unwrap(), &[0, 1, -1, -1, 40, 50]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn select<T: Element>(
    conds: &[&Array<bool>],
    choices: &[&Array<T>],
    default: T,
) -> Result<Array<T>> {
    if conds.len() != choices.len() {
        return Err(Error::Argument {
            op: "select".into(),
            msg: format!("{} conditions for {} choices", conds.len(), choices.len()),
        });
    }
    let mut out: Option<Array<T>> = None;
    for (c, x) in conds.iter().zip(choices).rev() {
        out = Some(match out {
            None => where_(c, *x, default)?,
            Some(rest) => where_(c, *x, &rest)?,
        });
    }
    match out {
        Some(o) => Ok(o),
        None => Err(Error::Argument {
            op: "select".into(),
            msg: "needs at least one condition".into(),
        }),
    }
}

/// Each element taken from the choice its index names, as `numpy.choose(index, choices)`
/// (the index and the choices broadcast together). An index outside `0..choices.len()`
/// fails the computation, naming it, as NumPy's default `mode="raise"` does.
///
/// ```
/// use tessera::{choose, Array};
/// let idx = Array::from_ndarray(ndarray::arr1(&[0i64, 2, 1, 0]), 2)?;
/// let a = Array::<i32>::arange(0, 4, 1, 2)?;
/// let b = Array::<i32>::arange(10, 14, 1, 2)?;
/// let c = Array::<i32>::arange(20, 24, 1, 2)?;
/// assert_eq!(choose(&idx, &[&a, &b, &c])?.compute()?.as_slice().unwrap(), &[0, 21, 12, 3]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn choose<T: Element>(index: &Array<i64>, choices: &[&Array<T>]) -> Result<Array<T>> {
    let n = choices.len() as i64;
    let Some((last, rest)) = choices.split_last() else {
        return Err(Error::Argument {
            op: "choose".into(),
            msg: "needs at least one choice".into(),
        });
    };
    // The index, checked block by block as it is read.
    let index = index.map_blocks(move |b, info| {
        if let Some(bad) = b.iter().find(|&&i| i < 0 || i >= n) {
            return Err(Error::Argument {
                op: "choose".into(),
                msg: format!(
                    "index {bad} (in block {:?}) is outside 0..{n}, the number of choices",
                    info.index
                ),
            });
        }
        Ok(b.to_owned())
    })?;
    let mut out = (*last).clone();
    for (k, x) in rest.iter().enumerate().rev() {
        out = where_(&index.equal(k as i64)?, *x, &out)?;
    }
    Ok(out)
}

impl<T: Element> Array<T> {
    /// A copy with `values` where `mask` is true, as NumPy's `putmask`/`place` into a new
    /// array (`where(mask, values, self)`; `values` broadcasts: a scalar or an array).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 4.0, 1.0, 2)?;
    /// let y = x.putmask(&x.greater(1.5)?, -1.0)?;
    /// assert_eq!(y.compute()?.as_slice().unwrap(), &[0.0, 1.0, -1.0, -1.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn putmask(&self, mask: &Array<bool>, values: impl Operand<T>) -> Result<Array<T>> {
        where_(mask, values, self)
    }

    /// The slices along `axis` whose entry of `condition` is true, as
    /// `numpy.compress(condition, x, axis)` for a known condition (entries past the
    /// condition's end are dropped, as in NumPy). A [`take`](Array::take) of the selected
    /// positions.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4], [5, 6]]), 2)?;
    /// let y = x.compress(&[true, false, true], 0)?;
    /// assert_eq!(y.compute()?, ndarray::arr2(&[[1, 2], [5, 6]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn compress(&self, condition: &[bool], axis: impl AxisIndex) -> Result<Array<T>> {
        let axis = resolve_axis("compress", axis, self.ndim())?;
        let n = self.shape()[axis];
        if condition.len() > n {
            return Err(Error::Argument {
                op: "compress".into(),
                msg: format!(
                    "a condition of {} entries for axis {axis} of length {n}",
                    condition.len()
                ),
            });
        }
        let picks: Vec<isize> = condition
            .iter()
            .enumerate()
            .filter(|(_, &c)| c)
            .map(|(i, _)| i as isize)
            .collect();
        self.take(&picks, axis)
    }
}
