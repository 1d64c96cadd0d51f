//! Arrays built from positions: `tril`, `triu`, `diag`, `meshgrid`, `indices`, `empty` and
//! the `*_like` constructors. Masks are computed from index ranges inside the fused
//! programs: nothing is materialized.

use super::{where_, Array};
use crate::chunks::{AxisChunks, ChunkGrid, ChunkSpec};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};

/// `0, 1, ..., len - 1` in `chunks`.
fn positions(len: usize, chunks: &AxisChunks) -> Result<Array<i64>> {
    Array::<i64>::arange(0, len as i64, 1, ChunkSpec::Explicit(vec![chunks.sizes()]))
}

impl<T: Numeric> Array<T> {
    /// The lower triangle of the last two axes: elements with `column − row ≤ k` kept, the
    /// others zero, as `numpy.tril(m, k)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]), 1)?;
    /// assert_eq!(x.tril(0)?.compute()?, ndarray::arr2(&[[1, 0, 0], [4, 5, 0]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn tril(&self, k: i64) -> Result<Array<T>> {
        self.triangle("tril", k, true)
    }

    /// The upper triangle of the last two axes: elements with `column − row ≥ k` kept, the
    /// others zero, as `numpy.triu(m, k)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]), 1)?;
    /// assert_eq!(x.triu(1)?.compute()?, ndarray::arr2(&[[0, 2, 3], [0, 0, 6]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn triu(&self, k: i64) -> Result<Array<T>> {
        self.triangle("triu", k, false)
    }

    fn triangle(&self, op: &str, k: i64, lower: bool) -> Result<Array<T>> {
        let nd = self.ndim();
        if nd < 2 {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!("needs at least 2 axes, got shape {:?}", self.shape()),
            });
        }
        let g = self.chunks();
        let rows = positions(self.shape()[nd - 2], g.axis(nd - 2))?.expand_dims(1)?;
        let cols = positions(self.shape()[nd - 1], g.axis(nd - 1))?.expand_dims(0)?;
        let offset = cols.try_sub(&rows)?;
        let keep = if lower {
            offset.less_equal(k)?
        } else {
            offset.greater_equal(k)?
        };
        where_(&keep, self, <T as tessera_kernels::scalar::Arith>::zero())
    }

    /// A 1-d array placed on the `k`-th diagonal of a square matrix of zeros, or the `k`-th
    /// diagonal of a 2-d array, as `numpy.diag(v, k)`.
    ///
    /// ```
    /// use tessera::Array;
    /// let v = Array::<i32>::arange(1, 3, 1, 1)?;
    /// assert_eq!(v.diag(1)?.compute()?, ndarray::arr2(&[[0, 1, 0], [0, 0, 2], [0, 0, 0]]).into_dyn());
    /// assert_eq!(v.diag(0)?.diag(0)?.compute()?, ndarray::arr1(&[1, 2]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn diag(&self, k: i64) -> Result<Array<T>> {
        match self.ndim() {
            2 => crate::linalg::diagonal(self, k),
            1 => {
                let n = self.shape()[0];
                let size = n + k.unsigned_abs() as usize;
                let chunk = self.chunks().axis(0).max_size().max(1);
                let grid = AxisChunks::regular(chunk, size);
                let pad = Array::<T>::zeros(&[size - n], chunk)?;
                let v = super::concatenate(&[self, &pad], 0)?;
                let v = Array::wrap(v.rechunk_to(ChunkGrid::from_axes(vec![grid.clone()])));
                let rows = positions(size, &grid)?.expand_dims(1)?;
                let cols = positions(size, &grid)?.expand_dims(0)?;
                let on = cols.try_sub(&rows)?.equal(k)?;
                // Row i of the result holds v[i] (k ≥ 0), column j holds v[j] (k < 0).
                let values = if k >= 0 {
                    v.expand_dims(1)?
                } else {
                    v.expand_dims(0)?
                };
                where_(&on, &values, <T as tessera_kernels::scalar::Arith>::zero())
            }
            _ => Err(Error::Shape {
                op: "diag".into(),
                msg: format!("needs a 1-d or 2-d array, got shape {:?}", self.shape()),
            }),
        }
    }
}

impl<T: Element> Array<T> {
    /// An array of `shape`, as `numpy.empty`; tessera has no uninitialized memory, so its
    /// elements are zero (`false`).
    pub fn empty(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<Array<T>> {
        Array::full(shape, T::default(), chunks)
    }

    /// An array of this array's shape and chunks filled with `value`, as
    /// `numpy.full_like`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::zeros(&[2, 3], 2)?;
    /// assert_eq!(x.full_like(7.0)?.compute()?, ndarray::Array2::from_elem((2, 3), 7.0).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn full_like(&self, value: T) -> Result<Array<T>> {
        Array::full(self.shape(), value, self.chunks())
    }

    /// Zeros (`false`) of this array's shape and chunks, as `numpy.zeros_like`.
    pub fn zeros_like(&self) -> Result<Array<T>> {
        self.full_like(T::default())
    }

    /// As [`zeros_like`](Array::zeros_like) (`numpy.empty_like`; nothing is uninitialized).
    pub fn empty_like(&self) -> Result<Array<T>> {
        self.zeros_like()
    }
}

impl<T: Numeric> Array<T> {
    /// Ones of this array's shape and chunks, as `numpy.ones_like`.
    pub fn ones_like(&self) -> Result<Array<T>> {
        self.full_like(<T as tessera_kernels::scalar::Arith>::one())
    }
}

/// Coordinate arrays from 1-d coordinate vectors, as `numpy.meshgrid(*xs, indexing=...)`:
/// with `ij` indexing output `i` has shape `(len(x0), len(x1), ...)` and varies along axis
/// `i`; with `xy` indexing (NumPy's default) the first two axes are swapped. Each output is
/// a broadcast view of its vector.
///
/// ```
/// use tessera::{meshgrid, Array};
/// let x = Array::<i32>::arange(0, 3, 1, 2)?;
/// let y = Array::<i32>::arange(10, 12, 1, 2)?;
/// let g = meshgrid(&[&x, &y], false)?; // xy indexing
/// assert_eq!(g[0].compute()?, ndarray::arr2(&[[0, 1, 2], [0, 1, 2]]).into_dyn());
/// assert_eq!(g[1].compute()?, ndarray::arr2(&[[10, 10, 10], [11, 11, 11]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn meshgrid<T: Element>(xs: &[&Array<T>], ij: bool) -> Result<Vec<Array<T>>> {
    for x in xs {
        if x.ndim() != 1 {
            return Err(Error::Shape {
                op: "meshgrid".into(),
                msg: format!("takes 1-d arrays, got shape {:?}", x.shape()),
            });
        }
    }
    let n = xs.len();
    let mut axis_of: Vec<usize> = (0..n).collect();
    if !ij && n >= 2 {
        axis_of.swap(0, 1);
    }
    let mut shape = vec![0; n];
    for (i, x) in xs.iter().enumerate() {
        shape[axis_of[i]] = x.shape()[0];
    }
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            let mut v = (*x).clone();
            for d in 0..n {
                if d != axis_of[i] {
                    v = v.expand_dims(d)?;
                }
            }
            v.broadcast_to(&shape)
        })
        .collect()
}

/// The index grid of `shape`, as `numpy.indices(shape)`: an `i64` array of shape
/// `(len(shape), *shape)` whose slice `i` holds each element's index along axis `i`.
///
/// ```
/// use tessera::indices;
/// let g = indices(&[2, 3], 2)?.compute()?;
/// assert_eq!(g.shape(), &[2, 2, 3]);
/// assert_eq!(g[[1, 1, 2]], 2);
/// assert_eq!(g[[0, 1, 2]], 1);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn indices(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<Array<i64>> {
    let grid = ChunkGrid::new(shape, chunks.into(), 8)?;
    let axes: Vec<Array<i64>> = (0..shape.len())
        .map(|d| positions(shape[d], grid.axis(d)))
        .collect::<Result<_>>()?;
    let refs: Vec<&Array<i64>> = axes.iter().collect();
    let grids = meshgrid(&refs, true)?;
    let refs: Vec<&Array<i64>> = grids.iter().collect();
    if refs.is_empty() {
        return Array::<i64>::zeros(&[0], 1);
    }
    super::stack(&refs, 0)
}
