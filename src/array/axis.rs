//! Axis arguments: one axis as any integer, negative counting from the end (`-1` is the
//! last axis), as in NumPy.

use crate::error::{Error, Result};

/// An axis argument: `usize`, `isize`, `i32`, `i64` or `u32`. Negative values count from
/// the end, so `-1` is the last axis; an integer literal (`0`, `-1`) just works.
///
/// ```
/// use tessera::Array;
/// let x = Array::<f64>::ones(&[2, 3, 4], 2)?;
/// assert_eq!(x.cumsum(-1)?.shape(), &[2, 3, 4]);
/// assert_eq!(x.sum(-1)?.shape(), &[2, 3]);
/// assert_eq!(x.sum([0, -1])?.shape(), &[3]);
/// assert_eq!(x.moveaxis(-1, 0)?.shape(), &[4, 2, 3]);
/// assert!(x.sum(-4).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
pub trait AxisIndex: Copy + sealed::Sealed {
    /// The axis as a signed index (values beyond `isize::MAX` saturate, and are out of range
    /// for any array).
    fn to_isize(self) -> isize;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! axis_index {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl AxisIndex for $t {
            #[inline]
            fn to_isize(self) -> isize {
                isize::try_from(self).unwrap_or(isize::MAX)
            }
        }
    )*};
}
axis_index!(usize, isize, i32, i64, u32);

/// `axis` (negative: from the end) as an index into `ndim` axes, or [`Error::Axis`] naming
/// `op`.
pub(crate) fn resolve_axis(op: &str, axis: impl AxisIndex, ndim: usize) -> Result<usize> {
    let axis = axis.to_isize();
    let a = if axis < 0 {
        axis.checked_add(ndim as isize).unwrap_or(-1)
    } else {
        axis
    };
    if a < 0 || a as usize >= ndim {
        return Err(Error::Axis {
            op: op.into(),
            axis,
            ndim,
        });
    }
    Ok(a as usize)
}

/// Resolves every axis of `axes`.
pub(crate) fn resolve_axes<A: AxisIndex>(op: &str, axes: &[A], ndim: usize) -> Result<Vec<usize>> {
    axes.iter().map(|&a| resolve_axis(op, a, ndim)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_axes_count_from_the_end() {
        assert_eq!(resolve_axis("t", -1, 3).unwrap(), 2);
        assert_eq!(resolve_axis("t", -3, 3).unwrap(), 0);
        assert_eq!(resolve_axis("t", 2usize, 3).unwrap(), 2);
        assert!(matches!(
            resolve_axis("t", -4, 3),
            Err(Error::Axis {
                axis: -4,
                ndim: 3,
                ..
            })
        ));
        assert!(resolve_axis("t", 3u32, 3).is_err());
        assert!(resolve_axis("t", usize::MAX, 3).is_err());
        assert!(resolve_axis("t", isize::MIN, 3).is_err());
        assert!(resolve_axis("t", 0, 0).is_err());
    }
}
