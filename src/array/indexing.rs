//! Basic indexing through one entry point, [`Array::index`]: ranges with steps (negative
//! too), open ranges and negative positions, integers that drop an axis, new axes and an
//! ellipsis. It lowers to a stepped slice, a `squeeze` and `expand_dims`, all fused views.

use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use ndarray::SliceInfoElem;

/// One entry of an index (see [`Array::index`]).
///
/// Positions may be negative (counted from the end). Ranges follow `ndarray`'s `s![]`: the
/// range `start..end` is taken first, then every `step`-th element of it, from its end when
/// `step` is negative (NumPy's `x[5:1:-1]` is `Idx::slice(2, Some(6), -1)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idx {
    /// Elements `start..end` (to the end for `None`) of one axis, every `step`-th.
    Slice {
        /// First position of the range.
        start: isize,
        /// End of the range (exclusive), or the axis end.
        end: Option<isize>,
        /// Stride (never 0; negative walks the range backwards).
        step: isize,
    },
    /// One position of an axis; the axis is dropped.
    Index(isize),
    /// A new axis of length 1.
    NewAxis,
    /// As many whole axes as the other entries leave (at most one per index).
    Ellipsis,
}

impl Idx {
    /// The whole axis.
    pub fn all() -> Idx {
        Idx::Slice {
            start: 0,
            end: None,
            step: 1,
        }
    }

    /// `start..end` with a step (see the type's documentation).
    pub fn slice(start: isize, end: Option<isize>, step: isize) -> Idx {
        Idx::Slice { start, end, step }
    }
}

impl From<SliceInfoElem> for Idx {
    fn from(e: SliceInfoElem) -> Idx {
        match e {
            SliceInfoElem::Slice { start, end, step } => Idx::Slice { start, end, step },
            SliceInfoElem::Index(i) => Idx::Index(i),
            SliceInfoElem::NewAxis => Idx::NewAxis,
        }
    }
}

impl From<isize> for Idx {
    fn from(i: isize) -> Idx {
        Idx::Index(i)
    }
}

impl From<std::ops::Range<isize>> for Idx {
    fn from(r: std::ops::Range<isize>) -> Idx {
        Idx::slice(r.start, Some(r.end), 1)
    }
}

impl From<std::ops::RangeFull> for Idx {
    fn from(_: std::ops::RangeFull) -> Idx {
        Idx::all()
    }
}

/// How one input axis is read: from `start`, `len` elements, `step` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AxisSel {
    /// The first element read.
    pub start: usize,
    /// The stride between elements read (never 0; 1 when at most one is read).
    pub step: isize,
    /// How many are read.
    pub len: usize,
}

impl<T: Element> Array<T> {
    /// Basic indexing, NumPy's `x[...]`: one entry per axis, with [`Idx::Ellipsis`] standing
    /// for the axes not named and missing trailing entries taking whole axes.
    ///
    /// Indexing is lazy and fused like [`slice`](Self::slice): a stepped range reads only the
    /// chunks holding selected elements (the result's chunks follow the source's), and
    /// sources such as Zarr stores decode only those.
    ///
    /// ```
    /// use tessera::{Array, Idx};
    /// let a = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (10 * i + j) as i32);
    /// let x = Array::from_ndarray(a, 2).unwrap();
    /// // x[1, ::-2] and x[..., None, 2:5]
    /// let r = x.index(&[Idx::Index(1), Idx::slice(0, None, -2)]).unwrap();
    /// assert_eq!(r.compute().unwrap().as_slice().unwrap(), &[15, 13, 11]);
    /// let c = x.index(&[Idx::Ellipsis, Idx::NewAxis, Idx::slice(2, Some(5), 1)]).unwrap();
    /// assert_eq!(c.shape(), &[4, 1, 3]);
    /// // ndarray's s![] entries convert: x[-1, 1::2]
    /// let idx: Vec<Idx> = ndarray::s![-1, 1..;2].iter().map(|&e| e.into()).collect();
    /// assert_eq!(x.index(&idx).unwrap().compute().unwrap().as_slice().unwrap(), &[31, 33, 35]);
    /// ```
    ///
    /// Errors: positions out of bounds, a step of 0, more entries than axes, more than one
    /// ellipsis; each names the entry and the array's shape.
    pub fn index(&self, idx: &[Idx]) -> Result<Array<T>> {
        let op = "index";
        let nd = self.ndim();
        let err = |msg: String| Error::Shape {
            op: op.into(),
            msg: format!("{msg} (array of shape {:?})", self.shape()),
        };
        let consuming = idx
            .iter()
            .filter(|e| matches!(e, Idx::Slice { .. } | Idx::Index(_)))
            .count();
        let ellipses = idx.iter().filter(|e| matches!(e, Idx::Ellipsis)).count();
        if ellipses > 1 {
            return Err(err("an index can have only one ellipsis".into()));
        }
        if consuming > nd {
            return Err(err(format!("{consuming} indices for {nd} axes")));
        }
        // Expand the ellipsis (or the implicit one at the end).
        let mut full: Vec<Idx> = Vec::with_capacity(idx.len() + nd);
        for e in idx {
            if matches!(e, Idx::Ellipsis) {
                full.extend(std::iter::repeat_n(Idx::all(), nd - consuming));
            } else {
                full.push(*e);
            }
        }
        if ellipses == 0 {
            full.extend(std::iter::repeat_n(Idx::all(), nd - consuming));
        }
        let mut sels = Vec::with_capacity(nd);
        let mut dropped = Vec::new();
        let mut new_axes = Vec::new();
        let (mut ax, mut out_ax) = (0usize, 0usize);
        for (k, e) in full.iter().enumerate() {
            match *e {
                Idx::NewAxis => {
                    new_axes.push(out_ax);
                    out_ax += 1;
                }
                Idx::Index(i) => {
                    let n = self.shape()[ax];
                    let p = if i < 0 {
                        i.checked_add(n as isize).unwrap_or(-1)
                    } else {
                        i
                    };
                    if p < 0 || p >= n as isize {
                        return Err(err(format!(
                            "index {i} (entry {k}) is out of bounds for axis {ax} of length {n}"
                        )));
                    }
                    sels.push(AxisSel {
                        start: p as usize,
                        step: 1,
                        len: 1,
                    });
                    dropped.push(ax);
                    ax += 1;
                }
                Idx::Slice { start, end, step } => {
                    if step == 0 {
                        return Err(err(format!("step 0 (entry {k})")));
                    }
                    sels.push(range_sel(self.shape()[ax], start, end, step));
                    ax += 1;
                    out_ax += 1;
                }
                Idx::Ellipsis => {}
            }
        }
        let mut out = self.stepped(sels)?;
        // The integer-indexed axes are length 1 now: drop them, then insert the new axes
        // (their positions count the result's axes).
        if !dropped.is_empty() {
            out = out.squeeze(dropped)?;
        }
        for a in new_axes {
            out = out.expand_dims(a)?;
        }
        Ok(out)
    }

    /// The stepped slice selecting `sels` (one per axis).
    fn stepped(&self, sels: Vec<AxisSel>) -> Result<Array<T>> {
        if sels
            .iter()
            .zip(self.shape())
            .all(|(s, &n)| s.start == 0 && s.step == 1 && s.len == n)
        {
            return Ok(self.clone());
        }
        let axes = sels
            .iter()
            .enumerate()
            .map(|(d, s)| stepped_chunks(self.node.grid.axis(d), s))
            .collect();
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            sels.iter().map(|s| s.len).collect(),
            ChunkGrid::from_axes(axes),
            Op::Slice {
                start: sels.iter().map(|s| s.start).collect(),
                step: sels.iter().map(|s| s.step).collect(),
                input: self.node.clone(),
            },
        )))
    }
}

/// The selection of `start..end` (ndarray's normalization: negative positions count from the
/// end, both clamped to the axis) every `step`-th element, from the end for negative steps.
fn range_sel(n: usize, start: isize, end: Option<isize>, step: isize) -> AxisSel {
    let norm = |p: isize| -> usize {
        let p = if p < 0 {
            p.saturating_add(n as isize)
        } else {
            p
        };
        p.clamp(0, n as isize) as usize
    };
    let (lo, hi) = (norm(start), end.map_or(n, norm));
    let hi = hi.max(lo);
    let len = (hi - lo).div_ceil(step.unsigned_abs());
    let first = if step > 0 || len == 0 { lo } else { hi - 1 };
    AxisSel {
        start: first,
        // One element or none: the step no longer matters (and never grows when composed).
        step: if len <= 1 { 1 } else { step },
        len,
    }
}

/// The result's chunks along one axis: the selected elements grouped by the input chunk that
/// holds them, in selection order, so every result chunk lies inside one input chunk.
pub(crate) fn stepped_chunks(axis: &AxisChunks, s: &AxisSel) -> AxisChunks {
    if s.len == 0 {
        return AxisChunks::regular(1, 0);
    }
    let mut sizes: Vec<usize> = Vec::new();
    let mut cur = usize::MAX;
    let mut j = 0;
    while j < s.len {
        let p = s.start.saturating_add_signed(j as isize * s.step);
        let c = axis.chunk_of(p);
        // Every selected element in chunk c: those up to its far edge in the walk direction.
        let remaining = if s.step > 0 {
            let end = axis.offset(c + 1);
            (end - p).div_ceil(s.step.unsigned_abs())
        } else {
            let begin = axis.offset(c);
            (p - begin) / s.step.unsigned_abs() + 1
        };
        let take = remaining.min(s.len - j);
        if c == cur {
            if let Some(last) = sizes.last_mut() {
                *last += take;
            }
        } else {
            sizes.push(take);
            cur = c;
        }
        j += take;
    }
    AxisChunks::from_sizes(sizes)
}
