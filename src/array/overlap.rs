//! `map_overlap`: a function over each block with halos of its neighbours' elements, the
//! halos trimmed from its result. Each task reads its block and the halos straight from
//! the neighbouring chunks (a gather of regions): no overlapped copy of the array exists.

use super::{gather, Array, BlockInfo};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use crate::expr::BlockRead;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};

/// What the halos hold beyond the array's edges in [`Array::map_overlap`], as Dask's
/// `boundary`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Boundary<T> {
    /// No halo beyond the edges: blocks at an edge are passed without it (`'none'`).
    None,
    /// A constant value.
    Constant(T),
    /// The mirror image, edge included (`'reflect'`: NumPy's `symmetric` padding).
    Reflect,
    /// The other end of the axis (`'periodic'`).
    Periodic,
    /// The edge value repeated (`'nearest'`).
    Nearest,
}

/// One piece of a block with halos along one axis: `len` elements of the array from
/// `src`, placed at `dst` in the block.
#[derive(Debug, Clone, Copy)]
struct Segment {
    src: usize,
    len: usize,
    dst: usize,
}

/// The pieces of the block `[s, s + l)` with `d` halo elements on each side along an axis
/// of length `n`, the block's length with halos, and where the block itself starts in it.
fn segments<T>(
    s: usize,
    l: usize,
    d: usize,
    n: usize,
    b: &Boundary<T>,
) -> (Vec<Segment>, usize, usize) {
    let lo = s.saturating_sub(d);
    let hi = (s + l + d).min(n);
    if matches!(b, Boundary::None) {
        return (
            vec![Segment {
                src: lo,
                len: hi - lo,
                dst: 0,
            }],
            hi - lo,
            s - lo,
        );
    }
    let before = d - (s - lo); // halo elements beyond the start of the array
    let mut segs = Vec::with_capacity(3);
    if matches!(b, Boundary::Periodic) && before > 0 {
        segs.push(Segment {
            src: n - before,
            len: before,
            dst: 0,
        });
    }
    segs.push(Segment {
        src: lo,
        len: hi - lo,
        dst: before,
    });
    let after = s + l + d - hi;
    if matches!(b, Boundary::Periodic) && after > 0 {
        segs.push(Segment {
            src: 0,
            len: after,
            dst: before + hi - lo,
        });
    }
    (segs, l + 2 * d, d)
}

impl<T: Numeric> Array<T> {
    /// Applies `f` to every block extended by `depth[axis]` elements of its neighbours on
    /// each side, and trims the extension from the result, as Dask's
    /// `map_overlap(f, depth, boundary)`. `f` gets the extended block and the block's
    /// [`BlockInfo`] (its index and region without halos) and must return an array of the
    /// extended block's shape. Beyond the array's edges, halos follow `boundary`.
    ///
    /// Each task reads its block and halos directly from the chunks that hold them, so no
    /// overlapped copy of the array is ever made, and depths may exceed the chunk size.
    ///
    /// ```
    /// use tessera::{Array, Boundary};
    /// // A 3-point moving sum with zeros beyond the edges.
    /// let x = Array::<i64>::arange(0, 8, 1, 3)?;
    /// let s = x.map_overlap(&[1], Boundary::Constant(0), |b, _| {
    ///     let mut out = b.to_owned();
    ///     for i in 1..b.len() - 1 {
    ///         out[i] = b[i - 1] + b[i] + b[i + 1];
    ///     }
    ///     Ok(out)
    /// })?;
    /// assert_eq!(s.compute()?.as_slice().unwrap(), &[1, 3, 6, 9, 12, 15, 18, 13]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn map_overlap<U, F>(
        &self,
        depth: &[usize],
        boundary: Boundary<T>,
        f: F,
    ) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(ArrayViewD<'_, T>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        let op = "map_overlap";
        let shape = self.shape().to_vec();
        if depth.len() != shape.len() {
            return Err(Error::Argument {
                op: op.into(),
                msg: format!("{} depths for an array of shape {shape:?}", depth.len()),
            });
        }
        for (axis, (&d, &n)) in depth.iter().zip(&shape).enumerate() {
            let too_deep = match boundary {
                Boundary::Periodic | Boundary::Reflect => d > n,
                Boundary::Nearest => d > 0 && n == 0,
                _ => false,
            };
            if too_deep {
                return Err(Error::Argument {
                    op: op.into(),
                    msg: format!(
                        "a depth of {d} along axis {axis} of length {n} with {boundary:?} \
                         boundaries (at most the axis length)"
                    ),
                });
            }
        }
        let grid = self.chunks().clone();
        let depth = depth.to_vec();
        let plan = {
            let (grid, depth, shape) = (grid.clone(), depth.clone(), shape.clone());
            move |index: &[usize]| -> Vec<Vec<(Vec<Segment>, usize, usize)>> {
                let mut region = Vec::new();
                grid.region(index, &mut region);
                vec![region
                    .iter()
                    .enumerate()
                    .map(|(a, &(s, l))| segments(s, l, depth[a], shape[a], &boundary))
                    .collect()]
            }
        };
        let reads_plan = plan.clone();
        let reads = move |index: &[usize]| -> Vec<BlockRead> {
            let axes = &reads_plan(index)[0];
            product(axes.iter().map(|(segs, _, _)| segs.len()).collect())
                .into_iter()
                .map(|pick| {
                    let region = pick
                        .iter()
                        .enumerate()
                        .map(|(a, &k)| (axes[a].0[k].src, axes[a].0[k].len))
                        .collect();
                    (0, region)
                })
                .collect()
        };
        Ok(gather(op, &[self], grid, reads, move |blocks, info| {
            let axes = &plan(&info.index)[0];
            let full: Vec<usize> = axes.iter().map(|a| a.1).collect();
            let fill = match boundary {
                Boundary::Constant(v) => v,
                _ => <T as tessera_kernels::scalar::Arith>::zero(),
            };
            let mut ext = ArrayD::<T>::from_elem(IxDyn(&full), fill);
            let picks = product(axes.iter().map(|(segs, _, _)| segs.len()).collect());
            for (pick, block) in picks.iter().zip(blocks) {
                let mut dst = ext.view_mut();
                for (a, &k) in pick.iter().enumerate() {
                    let seg = axes[a].0[k];
                    dst.slice_axis_inplace(Axis(a), Slice::from(seg.dst..seg.dst + seg.len));
                }
                dst.assign(block);
            }
            // Reflect and Nearest halos beyond the edges, from what was read, axis by axis.
            if matches!(boundary, Boundary::Reflect | Boundary::Nearest) {
                for (a, (segs, len, _)) in axes.iter().enumerate() {
                    let inner = segs[0];
                    let (before, after) = (inner.dst, len - inner.dst - inner.len);
                    for j in 0..before {
                        let from = match boundary {
                            Boundary::Reflect => before + (before - 1 - j).min(inner.len - 1),
                            _ => before,
                        };
                        let src = ext.index_axis(Axis(a), from).to_owned();
                        ext.index_axis_mut(Axis(a), j).assign(&src);
                    }
                    let end = inner.dst + inner.len;
                    for j in 0..after {
                        let from = match boundary {
                            Boundary::Reflect => end - 1 - j.min(inner.len - 1),
                            _ => end - 1,
                        };
                        let src = ext.index_axis(Axis(a), from).to_owned();
                        ext.index_axis_mut(Axis(a), end + j).assign(&src);
                    }
                }
            }
            let out = f(ext.view(), info)?;
            if out.shape() != full.as_slice() {
                return Err(Error::Shape {
                    op: op.into(),
                    msg: format!(
                        "the function returned a block of shape {:?} for block {:?}, whose \
                         extended shape is {full:?}",
                        out.shape(),
                        info.index
                    ),
                });
            }
            let mut inner = out.view();
            for (a, (_, _, start)) in axes.iter().enumerate() {
                let l = info.out_shape[a];
                inner.slice_axis_inplace(Axis(a), Slice::from(*start..*start + l));
            }
            Ok(inner.as_standard_layout().into_owned())
        }))
    }
}

/// Every combination of one index per axis (`counts[a]` choices on axis `a`), in C order.
fn product(counts: Vec<usize>) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for c in counts {
        out = out
            .into_iter()
            .flat_map(|p| {
                (0..c).map(move |k| {
                    let mut q = p.clone();
                    q.push(k);
                    q
                })
            })
            .collect();
    }
    out
}
