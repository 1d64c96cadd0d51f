//! Boolean-mask selection and the positions of true elements: `mask_select` (NumPy's
//! `x[mask]`), `extract`, `nonzero`, `flatnonzero`, `argwhere`.
//!
//! The length of a selection depends on the data. tessera keeps every array's shape
//! known: building a selection runs a counting pass over the mask (one small computation
//! that reads the mask once and keeps one count per block), so the result has known
//! chunks, one per block of the mask that holds a true element, and the selection itself
//! stays lazy. (Dask leaves such sizes unknown until `compute_chunk_sizes`.)

use super::axis::{resolve_axis, AxisIndex};
use super::elementwise::broadcast;
use super::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn};
use std::sync::{Arc, Mutex};

/// The most bytes of selected values the counting pass of [`Array::mask_select`] keeps
/// (beyond it the selection is computed again at `compute`): an eighth of the default
/// memory limit ([`ComputeOptions::default_memory_limit`](crate::ComputeOptions::default_memory_limit)).
fn keep_bytes() -> usize {
    crate::ComputeOptions::default_memory_limit() / 8
}

/// What the counting pass of a selection found.
struct Counted<T> {
    /// The number of selected elements in each block (C order).
    counts: Vec<usize>,
    /// The selected values of each block, when they were kept.
    kept: Option<Vec<ArrayD<T>>>,
}

/// The elements of `x` where `mask` (of `x`'s type and shape) is non-zero, in C order.
fn selected<T: Element>(
    x: &ndarray::ArrayViewD<'_, T>,
    mask: &ndarray::ArrayViewD<'_, T>,
) -> Vec<T> {
    let zero = T::default();
    x.iter()
        .zip(mask.iter())
        .filter(|(_, m)| **m != zero)
        .map(|(v, _)| *v)
        .collect()
}

/// The counting pass of a selection: the number of nonzero elements of `mask` in each block
/// of its grid (C order), and, while their total size stays within `keep_bytes`, the
/// elements of `x` at those positions, per block (`None` once over it).
fn count_and_keep<T: Element>(
    x: &Array<T>,
    mask: &Array<T>,
    keep_bytes: usize,
) -> Result<Counted<T>> {
    let g = mask.chunks().clone();
    let nd = g.ndim();
    let grid = ChunkGrid::from_axes(
        (0..nd)
            .map(|d| AxisChunks::regular(1, g.axis(d).count()))
            .collect(),
    );
    let nblocks = g.num_chunks();
    /// The values kept so far, by block, and their bytes (`None` once over the limit).
    type Kept<T> = Mutex<Option<(Vec<Option<ArrayD<T>>>, usize)>>;
    let kept: Arc<Kept<T>> = Arc::new(Mutex::new(Some((vec![None; nblocks], 0))));
    let stash = kept.clone();
    let reads_grid = g.clone();
    let dims: Vec<usize> = (0..nd).map(|d| g.axis(d).count()).collect();
    let zero = T::default();
    let counts = gather(
        "mask-count",
        &[x, mask],
        grid,
        move |ix| {
            let mut region = Vec::new();
            reads_grid.region(ix, &mut region);
            vec![(0, region.clone()), (1, region)]
        },
        move |b, info| {
            let n = b[1].iter().filter(|&&v| v != zero).count();
            let bytes = n * std::mem::size_of::<T>();
            let mut st = stash.lock().unwrap_or_else(|e| e.into_inner());
            if st
                .as_ref()
                .is_some_and(|(_, used)| used + bytes <= keep_bytes)
            {
                let picked = selected(&b[0], &b[1]);
                let block = info
                    .index
                    .iter()
                    .zip(&dims)
                    .fold(0, |acc, (&i, &d)| acc * d + i);
                if let Some((vals, used)) = st.as_mut() {
                    *used += bytes;
                    vals[block] = Some(
                        ArrayD::from_shape_vec(IxDyn(&[n]), picked)
                            .map_err(|e| Error::internal("mask_select", e.to_string()))?,
                    );
                }
            } else {
                *st = None; // over the limit: the selection is computed again later
            }
            Ok(ArrayD::from_elem(IxDyn(&info.out_shape), n as i64))
        },
    );
    let counts: Vec<usize> = counts.compute()?.iter().map(|&c| c as usize).collect();
    let kept = kept.lock().unwrap_or_else(|e| e.into_inner()).take();
    let kept = kept.map(|(vals, _)| {
        vals.into_iter()
            .map(|v| v.unwrap_or_else(|| ArrayD::from_elem(IxDyn(&[0]), T::default())))
            .collect()
    });
    Ok(Counted { counts, kept })
}

impl<T: Element> Array<T> {
    /// The elements where `mask` is true, in C order, as NumPy's `x[mask]`: a 1-d array.
    /// `mask` broadcasts against this array. The selection works on blocks whole along
    /// every axis but the first (rechunked so, about as large as the input's blocks), so
    /// that block order is C order. The counting pass this needs runs now (see
    /// the module documentation); the selection runs at `compute`, each output chunk from
    /// one block of the mask that holds a true element.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i64>::arange(0, 10, 1, 4)?;
    /// let big = x.mask_select(&x.greater(6)?)?;
    /// assert_eq!(big.shape(), &[3]);
    /// assert_eq!(big.compute()?.as_slice().unwrap(), &[7, 8, 9]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn mask_select(&self, mask: &Array<bool>) -> Result<Array<T>> {
        self.mask_select_keeping(mask, keep_bytes())
    }

    /// [`mask_select`](Array::mask_select) keeping at most `keep_bytes` of values from the
    /// counting pass.
    fn mask_select_keeping(&self, mask: &Array<bool>, keep_bytes: usize) -> Result<Array<T>> {
        let op = "mask_select";
        let (shape, aligned) = broadcast(op, &[&self.node, &mask.node])?;
        // Blocks whole along every axis but the first, so that their order is C order.
        let trailing: usize = shape.iter().skip(1).product::<usize>().max(1);
        let rows = (aligned.max_chunk_len() / trailing).max(1);
        let grid = ChunkGrid::from_axes(
            shape
                .iter()
                .enumerate()
                .map(|(d, &len)| {
                    if d == 0 {
                        AxisChunks::regular(rows, len)
                    } else {
                        AxisChunks::from_sizes(vec![len])
                    }
                })
                .collect(),
        );
        let x = if self.shape() == shape.as_slice() {
            Array::wrap(self.rechunk_to(grid.clone()))
        } else {
            self.broadcast_to(&shape)?.rechunk(&grid)?
        };
        let m = if mask.shape() == shape.as_slice() {
            Array::<bool>::wrap(mask.rechunk_to(grid.clone()))
        } else {
            mask.broadcast_to(&shape)?.rechunk(&grid)?
        };
        let mask_t = m.astype::<T>();
        let Counted { counts, kept } = count_and_keep(&x, &mask_t, keep_bytes)?;
        let blocks: Vec<usize> = (0..counts.len()).filter(|&b| counts[b] > 0).collect();
        let total: usize = counts.iter().sum();
        if total == 0 {
            return Array::<T>::zeros_any(&[0]);
        }
        let out_grid = ChunkGrid::from_axes(vec![AxisChunks::from_sizes(
            blocks.iter().map(|&b| counts[b]).collect(),
        )]);
        if let Some(kept) = kept {
            // The values came with the count: the selection is not computed again.
            let kept: Arc<Vec<ArrayD<T>>> =
                Arc::new(blocks.iter().map(|&b| kept[b].clone()).collect());
            return Ok(gather::<T, T, _>(
                "mask_select[sizes counted, values kept]",
                &[],
                out_grid,
                |_| Vec::new(),
                move |_, info| Ok(kept[info.index[0]].clone()),
            ));
        }
        let blocks = Arc::new(blocks);
        let in_grid = grid.clone();
        Ok(gather(
            "mask_select[sizes counted]",
            &[&x, &mask_t],
            out_grid,
            move |ix| {
                let region = crate::plan::ops::chunk_region(&in_grid, blocks[ix[0]]);
                vec![(0, region.clone()), (1, region)]
            },
            move |b, info| {
                let picked = selected(&b[0], &b[1]);
                ArrayD::from_shape_vec(IxDyn(&info.out_shape), picked)
                    .map_err(|e| Error::internal(op, e.to_string()))
            },
        ))
    }

    /// An empty array of `shape` for any element type.
    fn zeros_any(shape: &[usize]) -> Result<Array<T>> {
        Array::full(shape, T::default(), 1)
    }
}

impl<T: Element> Array<T> {
    /// The slices along `axis` where the 1-d `mask` is true, as NumPy's `x[:, mask]` (for
    /// `axis = 1`). The mask is computed now (the counting pass: its length is that of the
    /// axis), and the selection is a lazy [`take`](Array::take) of its true positions.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]), 1)?;
    /// let keep = Array::from_ndarray(ndarray::arr1(&[true, false, true]), 2)?;
    /// assert_eq!(x.mask_along(&keep, 1)?.compute()?, ndarray::arr2(&[[1, 3], [4, 6]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn mask_along(&self, mask: &Array<bool>, axis: impl AxisIndex) -> Result<Array<T>> {
        let op = "mask_along";
        let axis = resolve_axis(op, axis, self.ndim())?;
        let n = self.shape()[axis];
        if mask.shape() != [n] {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "a mask of shape {:?} along axis {axis} of length {n} (shape {:?})",
                    mask.shape(),
                    self.shape()
                ),
            });
        }
        let keep: Vec<isize> = mask
            .compute()?
            .iter()
            .enumerate()
            .filter(|(_, &k)| k)
            .map(|(i, _)| i as isize)
            .collect();
        self.take(&keep, axis)
    }
}

/// The elements of `x` where `condition` is true, as `numpy.extract(condition, x)`.
pub fn extract<T: Element>(condition: &Array<bool>, x: &Array<T>) -> Result<Array<T>> {
    x.mask_select(condition)
}

impl Array<bool> {
    /// The indices of the true elements, one `i64` array per axis, as `numpy.nonzero` (and
    /// the one-argument `numpy.where`). Runs the counting pass of
    /// [`mask_select`](Array::mask_select) now.
    ///
    /// ```
    /// use tessera::Array;
    /// let m = Array::from_ndarray(ndarray::arr2(&[[true, false], [false, true]]), 1)?;
    /// let nz = m.nonzero()?;
    /// assert_eq!(nz[0].compute()?.as_slice().unwrap(), &[0, 1]);
    /// assert_eq!(nz[1].compute()?.as_slice().unwrap(), &[0, 1]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nonzero(&self) -> Result<Vec<Array<i64>>> {
        let grid = self.chunks().clone();
        let shape = self.shape().to_vec();
        (0..shape.len())
            .map(|d| {
                let pos = Array::<i64>::arange(
                    0,
                    shape[d] as i64,
                    1,
                    crate::chunks::ChunkSpec::Explicit(vec![grid.axis(d).sizes()]),
                )?;
                let mut v = pos;
                for a in 0..shape.len() {
                    if a != d {
                        v = v.expand_dims(a)?;
                    }
                }
                v.broadcast_to(&shape)?.rechunk(&grid)?.mask_select(self)
            })
            .collect()
    }

    /// The flat (C-order) indices of the true elements, as `numpy.flatnonzero`.
    ///
    /// ```
    /// use tessera::Array;
    /// let m = Array::from_ndarray(ndarray::arr2(&[[true, false], [false, true]]), 1)?;
    /// assert_eq!(m.flatnonzero()?.compute()?.as_slice().unwrap(), &[0, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn flatnonzero(&self) -> Result<Array<i64>> {
        let n = self.len();
        let flat = Array::<i64>::arange(0, n as i64, 1, n.max(1))?.reshape(self.shape())?;
        flat.rechunk(self.chunks())?.mask_select(self)
    }

    /// The indices of the true elements as rows of an `(n, ndim)` array, as
    /// `numpy.argwhere`.
    ///
    /// ```
    /// use tessera::Array;
    /// let m = Array::from_ndarray(ndarray::arr2(&[[false, true], [true, true]]), 1)?;
    /// assert_eq!(m.argwhere()?.compute()?, ndarray::arr2(&[[0, 1], [1, 0], [1, 1]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn argwhere(&self) -> Result<Array<i64>> {
        let cols = self.nonzero()?;
        if cols.is_empty() {
            return Array::<i64>::zeros(&[usize::from(self.to_scalar_true()?), 0], 1);
        }
        let refs: Vec<&Array<i64>> = cols.iter().collect();
        super::stack(&refs, 1)
    }

    /// For a 0-d mask: whether it is true (computed now).
    fn to_scalar_true(&self) -> Result<bool> {
        self.compute_scalar()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_and_recomputed_selections_agree() {
        let v = ndarray::Array2::from_shape_fn((37, 11), |(i, j)| ((i * 13 + j * 7) % 10) as i32);
        let x = Array::from_ndarray(v.clone().into_dyn(), [5, 4]).unwrap();
        let mask = x.greater(6).unwrap();
        let want: Vec<i32> = v.iter().copied().filter(|&e| e > 6).collect();
        // 0 bytes: nothing kept, the selection is computed again; enough: kept.
        for (limit, label) in [(0, "[sizes counted]"), (1 << 20, "values kept")] {
            let y = x.mask_select_keeping(&mask, limit).unwrap();
            assert!(y.explain().contains(label), "{}", y.explain());
            assert_eq!(y.compute().unwrap().as_slice().unwrap(), &want[..]);
            assert_eq!(y.shape(), &[want.len()]);
        }
        // A limit crossed part way: the whole selection is computed again.
        let y = x.mask_select_keeping(&mask, 40).unwrap();
        assert!(!y.explain().contains("values kept"));
        assert_eq!(y.compute().unwrap().as_slice().unwrap(), &want[..]);
    }
}
