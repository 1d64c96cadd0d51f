//! Reading a program's leaves as views of the region a task computes.

use super::generate::generate;
use super::pool;
use crate::chunks::{next_in_box, ChunkGrid};
use crate::dtype::{with_dtype, ChunkData, Element};
use crate::error::{Error, Result};
use crate::expr::Op;
use crate::plan::{Leaf, NO_ROOT_AXIS};
use crate::task::Fetch;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder, Slice};
use std::sync::Arc;

/// The data behind one leaf for one task, and which part of it the task reads.
pub(crate) struct LeafData {
    data: Arc<ChunkData>,
    /// Region inside `data`, per leaf axis: (start, len). Empty for constants.
    sub: Vec<(usize, usize)>,
    /// Constants are 0-d data broadcast to the region.
    constant: bool,
    /// Whether `data` came from this thread's buffer pool (and goes back to it).
    pooled: bool,
    /// Whether `data` was read for this task alone (a part of a spilled chunk), so that it
    /// counts as the task's memory.
    owned: bool,
    /// A generated leaf whose values are computed tile by tile where they are read
    /// ([`GenTiles`](super::generate::GenTiles)): `data` is empty, `sub` is the leaf's box.
    pub(crate) lazy: bool,
}

impl Drop for LeafData {
    fn drop(&mut self) {
        if self.pooled {
            let data = std::mem::replace(
                &mut self.data,
                Arc::new(ChunkData::Bool(ArrayD::default(IxDyn(&[0])))),
            );
            if let Ok(c) = Arc::try_unwrap(data) {
                pool::give(c);
            }
        }
    }
}

/// Resolves `leaf` for the root region `region` ((start, len) per root axis). With `lazy`,
/// a generated leaf is not materialized: the tile evaluator computes its tiles.
pub(crate) fn resolve(
    leaf: &Leaf,
    region: &[(usize, usize)],
    fetch: &dyn Fetch,
    lazy: bool,
) -> Result<LeafData> {
    let node = &leaf.node;
    let lreg = leaf.region(region);
    if let Some(stage) = leaf.stage {
        return from_chunks(node.dtype, &node.grid, &lreg, |lin, part| {
            fetch.chunk_part(stage, lin, part)
        });
    }
    match &node.op {
        Op::Memory(data) => Ok(LeafData {
            data: data.clone(),
            sub: lreg,
            constant: false,
            pooled: false,
            owned: false,
            lazy: false,
        }),
        Op::Source(src) => {
            let shape: Vec<usize> = lreg.iter().map(|r| r.1).collect();
            let mut buf = pool::take(node.dtype, &shape);
            src.read_into(&lreg, &mut buf)?;
            Ok(LeafData {
                data: Arc::new(buf),
                sub: shape.iter().map(|&l| (0, l)).collect(),
                constant: false,
                pooled: true,
                owned: false,
                lazy: false,
            })
        }
        Op::Chunks(chunks) => from_chunks(node.dtype, &node.grid, &lreg, |lin, part| {
            let c = chunks.get(lin).cloned().ok_or_else(|| Error::Task {
                task: node.label(),
                msg: format!("persisted chunk {lin} is missing"),
            })?;
            Ok((c, part.to_vec(), false))
        }),
        Op::Fill(s) => {
            let data = with_dtype!(s.dtype(), T => {
                let v = T::from_scalar(*s).unwrap_or_default();
                T::into_chunk(ArrayD::from_elem(IxDyn(&[]), v))
            });
            Ok(LeafData {
                data: Arc::new(data),
                sub: Vec::new(),
                constant: true,
                pooled: false,
                owned: false,
                lazy: false,
            })
        }
        Op::Generate(_) if lazy => Ok(LeafData {
            data: Arc::new(ChunkData::Bool(ArrayD::default(IxDyn(&[0])))),
            sub: lreg,
            constant: false,
            pooled: false,
            owned: false,
            lazy: true,
        }),
        Op::Generate(g) => {
            let data = generate(g, node.dtype, &node.shape, &lreg);
            let sub = lreg.iter().map(|&(_, l)| (0, l)).collect();
            Ok(LeafData {
                data: Arc::new(data),
                sub,
                constant: false,
                pooled: false,
                owned: false,
                lazy: false,
            })
        }
        _ => Err(Error::internal(
            node.label(),
            "a computed node is read without a stage",
        )),
    }
}

/// Locates the leaf region in the chunks of `grid`. When it lies inside one chunk (chunk
/// grids are unified when expressions are built), that chunk is read in place; a region that
/// spans several chunks (after a rechunk) is assembled into a task buffer.
fn from_chunks(
    dtype: crate::dtype::DType,
    grid: &ChunkGrid,
    lreg: &[(usize, usize)],
    get: impl Fn(usize, &[(usize, usize)]) -> Result<crate::task::ChunkPart>,
) -> Result<LeafData> {
    if lreg.iter().any(|r| r.1 == 0) {
        // An empty region reads nothing (and the scheduler planned no read for it).
        let shape: Vec<usize> = lreg.iter().map(|r| r.1).collect();
        return Ok(LeafData {
            data: Arc::new(pool::take(dtype, &shape)),
            sub: shape.iter().map(|&l| (0, l)).collect(),
            constant: false,
            pooled: false,
            owned: false,
            lazy: false,
        });
    }
    let (first, last) = grid.chunk_box(lreg);
    if first == last {
        let part: Vec<(usize, usize)> = lreg
            .iter()
            .enumerate()
            .map(|(ax, &(s, l))| (s - grid.axis(ax).offset(first[ax]), l))
            .collect();
        let (data, sub, owned) = get(grid.ravel(&first), &part)?;
        return Ok(LeafData {
            data,
            sub,
            constant: false,
            pooled: false,
            owned,
            lazy: false,
        });
    }
    let shape: Vec<usize> = lreg.iter().map(|r| r.1).collect();
    let mut out = pool::take(dtype, &shape);
    let mut idx = first.clone();
    loop {
        // The overlap of chunk `idx` with the region, in chunk and in region coordinates.
        let mut part = Vec::with_capacity(idx.len());
        let mut in_out = Vec::with_capacity(idx.len());
        for (ax, &(s, l)) in lreg.iter().enumerate() {
            let a = grid.axis(ax);
            let (c0, c1) = (a.offset(idx[ax]), a.offset(idx[ax] + 1));
            let (lo, hi) = (s.max(c0), (s + l).min(c1));
            part.push((lo - c0, hi - lo));
            in_out.push((lo - s)..(hi - s));
        }
        let (chunk, sub, _) = get(grid.ravel(&idx), &part)?;
        let in_chunk: Vec<std::ops::Range<usize>> = sub.iter().map(|&(a, l)| a..a + l).collect();
        copy_block(&chunk, &in_chunk, &mut out, &in_out)?;
        if !next_in_box(&mut idx, &first, &last) {
            return Ok(LeafData {
                data: Arc::new(out),
                sub: shape.iter().map(|&l| (0, l)).collect(),
                constant: false,
                pooled: true,
                owned: false,
                lazy: false,
            });
        }
    }
}

/// Copies block `src_blk` of `src` into block `dst_blk` of `dst` (same dtype and shape).
fn copy_block(
    src: &ChunkData,
    src_blk: &[std::ops::Range<usize>],
    dst: &mut ChunkData,
    dst_blk: &[std::ops::Range<usize>],
) -> Result<()> {
    with_dtype!(src.dtype(), T => {
        let s = T::view(src);
        let d = T::chunk_mut(dst);
        match (s, d) {
            (Some(s), Some(d)) => {
                let sv = s.slice_each_axis(|a| Slice::from(src_blk[a.axis.index()].clone()));
                let mut dv = d.slice_each_axis_mut(|a| Slice::from(dst_blk[a.axis.index()].clone()));
                dv.assign(&sv);
                Ok(())
            }
            _ => Err(Error::Internal {
                op: "rechunk".into(),
                msg: "chunks of one array have different dtypes".into(),
            }),
        }
    })
}

impl LeafData {
    /// The leaf's box in its node (for lazy generated leaves).
    pub(crate) fn sub(&self) -> &[(usize, usize)] {
        &self.sub
    }

    /// Bytes held only for this task, for memory accounting: source reads and stored
    /// chunks assembled into a task buffer, and materialized generated data.
    pub(crate) fn owned_bytes(&self, leaf: &Leaf) -> usize {
        if self.pooled || self.owned || (matches!(leaf.node.op, Op::Generate(_)) && !self.lazy) {
            self.data.nbytes()
        } else {
            0
        }
    }

    /// The leaf as a view in root axis order with the root region's shape.
    pub(crate) fn view<T: Element>(
        &self,
        leaf: &Leaf,
        shape: &[usize],
    ) -> Result<ArrayViewD<'_, T>> {
        if self.lazy {
            return Err(Error::internal(
                leaf.node.label(),
                "a generated leaf computed per tile was read as a view",
            ));
        }
        let whole = T::view(&self.data).ok_or_else(|| Error::Internal {
            op: leaf.node.label(),
            msg: format!(
                "chunk of dtype {} where {} was expected",
                self.data.dtype(),
                T::DTYPE
            ),
        })?;
        let mut v = whole;
        if !self.constant {
            for (ax, &(s, l)) in self.sub.iter().enumerate() {
                v.slice_axis_inplace(Axis(ax), Slice::from(s..s + l));
                // A stepped leaf axis: every step-th element of the box, backwards for a
                // negative step (the box starts and ends on selected elements).
                let step = leaf.step[ax];
                if step != 1 && !leaf.stretched[ax] {
                    v.slice_axis_inplace(Axis(ax), Slice::new(0, None, step));
                }
            }
        }
        // Squeezed axes (length 1, on no root axis) are dropped.
        let mut to_root: Vec<usize> = Vec::new();
        if !self.constant {
            to_root.clone_from(&leaf.axis_to_root);
            for ax in (0..to_root.len()).rev() {
                if to_root[ax] == NO_ROOT_AXIS {
                    v.index_axis_inplace(Axis(ax), 0);
                    to_root.remove(ax);
                }
            }
        }
        let m = to_root.len();
        let n = shape.len();
        for _ in m..n {
            let nd = v.ndim();
            v = v.insert_axis(Axis(nd));
        }
        // perm[d]: which axis of v becomes root axis d.
        let mut perm = vec![usize::MAX; n];
        for (p, &d) in to_root.iter().enumerate() {
            perm[d] = p;
        }
        let mut next = m;
        for p in perm.iter_mut() {
            if *p == usize::MAX {
                *p = next;
                next += 1;
            }
        }
        let v = v.permuted_axes(IxDyn(&perm));
        // Broadcast: stretched axes (length 1 in the leaf) get stride 0. An axis read
        // backwards (a negative step) is described from its last element with a positive
        // stride, then inverted again on the finished view.
        let mut strides = Vec::with_capacity(n);
        let mut ptr = v.as_ptr();
        let mut backwards = Vec::new();
        for d in 0..n {
            let (have, want) = (v.shape()[d], shape[d]);
            if have == want {
                let st = v.strides()[d];
                if st < 0 && have > 1 {
                    ptr = ptr.wrapping_offset(st * (have as isize - 1));
                    backwards.push(d);
                }
                strides.push(st.unsigned_abs());
            } else if have == 1 {
                strides.push(0);
            } else {
                return Err(Error::Internal {
                    op: leaf.node.label(),
                    msg: format!("cannot broadcast leaf region {:?} to {shape:?}", v.shape()),
                });
            }
        }
        // SAFETY: `ptr` and the strides describe the same elements as the valid view `v` of
        // `self.data` (borrowed for the returned lifetime): axes kept at their length keep
        // their stride, those with a negative stride start from the element `v` reaches last
        // along them with the stride's magnitude (the same set of addresses), and stretched
        // axes of length 1 get stride 0, so only ever address index 0 of that axis. Every
        // in-bounds index therefore addresses an element `v` addresses.
        let mut out =
            unsafe { ArrayViewD::from_shape_ptr(IxDyn(shape).strides(IxDyn(&strides)), ptr) };
        for d in backwards {
            out.invert_axis(Axis(d));
        }
        Ok(out)
    }
}

/// The input blocks of one gathered block as views of their leaves' data (see
/// [`BlockFn::call_views`](crate::expr::BlockFn::call_views)).
pub struct BlockViews<'a> {
    /// Per input block: its leaf's data, the leaf, and the block's shape.
    pub(crate) items: Vec<(&'a LeafData, &'a crate::plan::Leaf, Vec<usize>)>,
}

impl BlockViews<'_> {
    /// The number of blocks.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no blocks.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Block `i` as a view of element type `T`, in the shape of its region.
    pub fn view<T: Element>(&self, i: usize) -> Result<ArrayViewD<'_, T>> {
        let (data, leaf, shape) = &self.items[i];
        let v = data.view::<T>(leaf, shape)?;
        if v.shape() != shape.as_slice() {
            return Err(Error::internal(
                leaf.node.label(),
                format!(
                    "a view of shape {:?} for a block of shape {shape:?}",
                    v.shape()
                ),
            ));
        }
        Ok(v)
    }
}
