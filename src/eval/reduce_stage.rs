//! Reduce stages: for one output chunk, reduce every input chunk of its box to a partial
//! (elementwise work fused in) and combine the partials in a fixed tree.

use super::map::leaves_for;
use super::reduce::{ChunkPos, RElem, Reducer, TileCascade};
use super::reducers::{AnyAllR, ArgR, CountR, MeanR, MinMaxR, NanMeanR, SumR, VarR};
use super::strided::StridedDst;
use super::strided::TileSpec;
use super::tile::TileRunner;
use super::TaskEnv;
use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::error::Result;
use crate::expr::Node;
use crate::expr::{ReduceKind, ReduceSpec};
use crate::plan::ops::reduce::ReduceOp;
use crate::plan::tree::{for_each_box, TreeShape};
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use std::any::Any;
use std::marker::PhantomData;

/// The partials of one input chunk of a shared scan: one `Vec<Acc>` per member reduction,
/// type-erased (each member's reducer knows its own accumulator type).
pub(crate) type SharedPartials = Vec<Box<dyn Any + Send + Sync>>;

/// One reduction's partial of one chunk, fed tile by tile from an output of a shared
/// program (see [`ReduceStage::tile_partial`]).
pub(crate) trait TilePartial {
    /// Folds in the values of `tile`.
    fn push(&mut self, runner: &TileRunner<'_>, tile: &TileSpec);
    /// The partial (the reducer's `Vec<Acc>`, boxed) and its size in bytes.
    fn finish(self: Box<Self>) -> Result<(Box<dyn Any + Send + Sync>, usize)>;
}

/// Where a chunk lies in a reduce stage's input: what [`ReduceStage::tile_partial`] needs
/// to place the partials of axis reductions and arg-reductions.
pub(crate) struct ChunkPlace<'a> {
    /// The chunk's region in the input: `(start, len)` per axis.
    pub region: &'a [(usize, usize)],
    /// The input's shape.
    pub shape: &'a [usize],
}

/// The typed executor of one reduce stage.
pub(crate) trait ReduceStage: Send + Sync {
    /// Computes output chunk `out_lin` (C-order index in the output grid) of `op`, whose
    /// result is `node`.
    fn output_chunk(
        &self,
        op: &ReduceOp,
        node: &Node,
        out_lin: usize,
        env: &TaskEnv<'_>,
    ) -> Result<ChunkData>;

    /// Starts the partial of one chunk at `place` for the reduction `spec`, fed tile by tile
    /// from output instruction `reg` of a shared program.
    fn tile_partial<'a>(
        &'a self,
        spec: &'a ReduceSpec,
        reg: usize,
        place: ChunkPlace<'_>,
    ) -> Box<dyn TilePartial + 'a>;

    /// The partial of one chunk at `place` for the reduction `spec` of a leaf's own view
    /// (`data` read as `leaf`), with its size in bytes: as an unshared reduction of a leaf
    /// computes it, with no copy.
    fn view_partial(
        &self,
        spec: &ReduceSpec,
        data: &super::leaf::LeafData,
        leaf: &crate::plan::Leaf,
        place: ChunkPlace<'_>,
    ) -> Result<(Box<dyn Any + Send + Sync>, usize)>;
}

/// Builds the executor for a reduction of `spec` over input values of type `input`.
pub(crate) fn make(spec: &ReduceSpec, input: DType) -> Box<dyn ReduceStage> {
    use ReduceKind::*;
    let ddof = spec.ddof;
    with_dtype!(input, T => match spec.kind {
        Sum => boxed::<T, _>(SumR { skip_nan: false, prod: false }),
        NanSum => boxed::<T, _>(SumR { skip_nan: true, prod: false }),
        Prod => boxed::<T, _>(SumR { skip_nan: false, prod: true }),
        Mean => boxed::<T, _>(MeanR),
        NanMean => boxed::<T, _>(NanMeanR),
        Var => boxed::<T, _>(VarR { ddof, sqrt: false, skip_nan: false }),
        Std => boxed::<T, _>(VarR { ddof, sqrt: true, skip_nan: false }),
        NanVar => boxed::<T, _>(VarR { ddof, sqrt: false, skip_nan: true }),
        NanStd => boxed::<T, _>(VarR { ddof, sqrt: true, skip_nan: true }),
        Min => boxed::<T, _>(MinMaxR { max: false, skip_nan: false }),
        Max => boxed::<T, _>(MinMaxR { max: true, skip_nan: false }),
        NanMin => boxed::<T, _>(MinMaxR { max: false, skip_nan: true }),
        NanMax => boxed::<T, _>(MinMaxR { max: true, skip_nan: true }),
        ArgMin => boxed::<T, _>(ArgR { max: false, skip_nan: false }),
        ArgMax => boxed::<T, _>(ArgR { max: true, skip_nan: false }),
        NanArgMin => boxed::<T, _>(ArgR { max: false, skip_nan: true }),
        NanArgMax => boxed::<T, _>(ArgR { max: true, skip_nan: true }),
        Any => boxed::<T, _>(AnyAllR { all: false }),
        All => boxed::<T, _>(AnyAllR { all: true }),
        CountNonzero => boxed::<T, _>(CountR),
    })
}

fn boxed<T: RElem, R: Reducer<T> + 'static>(r: R) -> Box<dyn ReduceStage> {
    Box::new(Exec::<T, R> { r, _t: PhantomData })
}

struct Exec<T, R> {
    r: R,
    _t: PhantomData<fn() -> T>,
}

impl<T: RElem, R: Reducer<T> + 'static> ReduceStage for Exec<T, R> {
    fn output_chunk(
        &self,
        op: &ReduceOp,
        node: &Node,
        out_lin: usize,
        env: &TaskEnv<'_>,
    ) -> Result<ChunkData> {
        let spec = &op.spec;
        let grid = &op.grid;
        let nd = grid.ndim();
        let tree = TreeShape::new(grid, &spec.axes, spec.split_every);
        // The output chunk's index along the kept input axes.
        let mut out_idx = Vec::new();
        node.grid.unravel(out_lin, &mut out_idx);
        let kept: Vec<usize> = (0..nd).filter(|a| !spec.axes.contains(a)).collect();
        let mut base = vec![0usize; nd];
        if spec.keepdims {
            for &a in &kept {
                base[a] = out_idx[a];
            }
        } else {
            for (k, &a) in kept.iter().enumerate() {
                base[a] = out_idx[k];
            }
        }
        let full: Vec<(usize, usize)> = tree.counts.iter().map(|&c| (0, c)).collect();
        let ctx = Ctx {
            ex: self,
            op,
            spec,
            tree: &tree,
            base,
            env,
        };
        let acc = ctx.tree_box(&full)?;
        let count: f64 = spec
            .axes
            .iter()
            .map(|&a| grid.axis(a).len() as f64)
            .product();
        let oshape = node.grid.region_shape(out_lin);
        let mut vals = Vec::with_capacity(acc.len());
        for a in &acc {
            vals.push(self.r.finish(a, count)?);
        }
        let arr = ArrayD::from_shape_vec(IxDyn(&oshape), vals).map_err(|e| {
            crate::error::Error::Internal {
                op: node.label(),
                msg: format!("output chunk shape {oshape:?}: {e}"),
            }
        })?;
        Ok(R::Out::into_chunk(arr))
    }

    fn tile_partial<'a>(
        &'a self,
        spec: &'a ReduceSpec,
        reg: usize,
        place: ChunkPlace<'_>,
    ) -> Box<dyn TilePartial + 'a> {
        let shape: Vec<usize> = place.region.iter().map(|r| r.1).collect();
        let state = if spec.axes.len() == shape.len() && !spec.kind.is_arg() {
            PartialState::Full(TileCascade::new())
        } else {
            PartialState::Buffer(ArrayD::<T>::default(IxDyn(&shape)))
        };
        Box::new(Partial {
            r: &self.r,
            spec,
            reg,
            offsets: place.region.iter().map(|r| r.0).collect(),
            input_shape: place.shape.to_vec(),
            state,
        })
    }

    fn view_partial(
        &self,
        spec: &ReduceSpec,
        data: &super::leaf::LeafData,
        leaf: &crate::plan::Leaf,
        place: ChunkPlace<'_>,
    ) -> Result<(Box<dyn Any + Send + Sync>, usize)> {
        let shape: Vec<usize> = place.region.iter().map(|r| r.1).collect();
        let offsets: Vec<usize> = place.region.iter().map(|r| r.0).collect();
        let pos = ChunkPos {
            offsets: &offsets,
            shape: place.shape,
            axes: &spec.axes,
        };
        let acc = self.r.chunk(data.view::<T>(leaf, &shape)?, &pos);
        let bytes = acc.len() * std::mem::size_of::<R::Acc>();
        Ok((Box::new(acc), bytes))
    }
}

/// The partial of one chunk of one member of a shared scan.
struct Partial<'a, T: RElem, R: Reducer<T>> {
    r: &'a R,
    spec: &'a ReduceSpec,
    reg: usize,
    offsets: Vec<usize>,
    input_shape: Vec<usize>,
    state: PartialState<T, R::Acc>,
}

/// Full reductions fold tiles as they come (a binary-counter cascade keeps the pairwise
/// order); axis reductions and arg-reductions gather the chunk's values first.
enum PartialState<T, A> {
    Full(TileCascade<A>),
    Buffer(ArrayD<T>),
}

impl<T: RElem, R: Reducer<T>> TilePartial for Partial<'_, T, R> {
    fn push(&mut self, runner: &TileRunner<'_>, tile: &TileSpec) {
        let x = &runner.output::<T>(self.reg)[..tile.len()];
        match &mut self.state {
            PartialState::Full(c) => {
                let r = self.r;
                c.push(r.run(x), |a, b| r.merge(a, b));
            }
            PartialState::Buffer(buf) => StridedDst::new(buf.view_mut()).store(tile, x),
        }
    }

    fn finish(self: Box<Self>) -> Result<(Box<dyn Any + Send + Sync>, usize)> {
        let r = self.r;
        let acc: Vec<R::Acc> = match self.state {
            PartialState::Full(c) => {
                vec![c
                    .finish(|a, b| r.merge(a, b))
                    .unwrap_or_else(|| r.identity())]
            }
            PartialState::Buffer(buf) => {
                let pos = ChunkPos {
                    offsets: &self.offsets,
                    shape: &self.input_shape,
                    axes: &self.spec.axes,
                };
                r.chunk(buf.view(), &pos)
            }
        };
        let bytes = acc.len() * std::mem::size_of::<R::Acc>();
        Ok((Box::new(acc), bytes))
    }
}

struct Ctx<'a, T: RElem, R: Reducer<T>> {
    ex: &'a Exec<T, R>,
    op: &'a ReduceOp,
    spec: &'a ReduceSpec,
    tree: &'a TreeShape,
    /// Chunk index along kept axes (reduced axes are filled per chunk).
    base: Vec<usize>,
    env: &'a TaskEnv<'a>,
}

impl<T: RElem, R: Reducer<T> + 'static> Ctx<'_, T, R> {
    fn merge_all(&self, parts: Vec<Vec<R::Acc>>) -> Vec<R::Acc> {
        let mut it = parts.into_iter();
        let mut acc = it.next().unwrap_or_default();
        for p in it {
            for (a, b) in acc.iter_mut().zip(&p) {
                self.ex.r.merge(a, b);
            }
        }
        acc
    }

    /// Reduces the box of input chunks `bx` ((start, len) per reduced axis).
    fn tree_box(&self, bx: &[(usize, usize)]) -> Result<Vec<R::Acc>> {
        self.env.check()?;
        let lens: Vec<usize> = bx.iter().map(|b| b.1).collect();
        let parts: Vec<Vec<R::Acc>> = match self.tree.split(&lens) {
            None => {
                let mut chunks = Vec::new();
                let singles: Vec<Vec<(usize, usize)>> = bx
                    .iter()
                    .map(|&(s, l)| (s..s + l).map(|i| (i, 1)).collect())
                    .collect();
                for_each_box(&singles, |b| {
                    chunks.push(b.iter().map(|p| p.0).collect::<Vec<_>>())
                });
                chunks
                    .par_iter()
                    .map(|c| self.chunk_partial(c))
                    .collect::<Result<_>>()?
            }
            Some(pieces) => {
                let mut subs = Vec::new();
                for_each_box(&pieces, |b| {
                    subs.push(
                        b.iter()
                            .zip(bx)
                            .map(|(&(o, l), &(s, _))| (s + o, l))
                            .collect::<Vec<_>>(),
                    )
                });
                subs.par_iter()
                    .map(|b| self.tree_box(b))
                    .collect::<Result<_>>()?
            }
        };
        if parts.len() > 1 {
            self.env.counters.add_combine();
        }
        Ok(self.merge_all(parts))
    }

    /// The partial of one input chunk (`ridx`: chunk index along the reduced axes).
    fn chunk_partial(&self, ridx: &[usize]) -> Result<Vec<R::Acc>> {
        self.env.check()?;
        let grid = &self.op.grid;
        let mut idx = self.base.clone();
        for (k, &a) in self.spec.axes.iter().enumerate() {
            idx[a] = ridx[k];
        }
        if let Some(shared) = &self.op.shared {
            // Computed by the shared scan with the other reductions of the same inputs.
            let payload = self.env.fetch.payload(shared.stage, grid.ravel(&idx))?;
            let bad = || crate::error::Error::internal("shared scan", "partials of another type");
            let all = payload.downcast_ref::<SharedPartials>().ok_or_else(bad)?;
            let mine = all.get(shared.member).ok_or_else(bad)?;
            return mine.downcast_ref::<Vec<R::Acc>>().cloned().ok_or_else(bad);
        }
        self.env.counters.add_reduce_chunk();
        let mut region = Vec::new();
        grid.region(&idx, &mut region);
        let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
        let offsets: Vec<usize> = region.iter().map(|r| r.0).collect();
        let gshape = grid.shape();
        let pos = ChunkPos {
            offsets: &offsets,
            shape: &gshape,
            axes: &self.spec.axes,
        };
        let prog = &self.op.program;
        let leaves = leaves_for(prog, &region, self.env, !prog.is_identity())?;
        let owned: usize = leaves
            .iter()
            .zip(&prog.leaves)
            .map(|(d, l)| d.owned_bytes(l))
            .sum();
        let _hold = self.env.mem.hold(owned);
        let r = &self.ex.r;
        if prog.is_identity() {
            let view = leaves[0].view::<T>(&prog.leaves[0], &shape)?;
            return Ok(r.chunk(view, &pos));
        }
        let all_axes = self.spec.axes.len() == grid.ndim();
        let mut runner = TileRunner::new(prog, &leaves, &shape)?;
        let n = runner.len;
        if all_axes && !self.spec.kind.is_arg() {
            // Stream tiles straight into the reduction: no chunk is materialized.
            let mut cascade = TileCascade::new();
            for t in runner.tiles() {
                runner.run(&t);
                cascade.push(r.run(&runner.result::<T>()[..t.len()]), |a, b| {
                    r.merge(a, b)
                });
            }
            let acc = cascade
                .finish(|a, b| r.merge(a, b))
                .unwrap_or_else(|| r.identity());
            return Ok(vec![acc]);
        }
        // Axis reductions of a computed expression: evaluate into a task-local buffer.
        let _tmp = self.env.mem.hold(n * std::mem::size_of::<T>());
        let mut tmp = ArrayD::<T>::default(IxDyn(&shape));
        {
            let mut dst = StridedDst::new(tmp.view_mut());
            for t in runner.tiles() {
                runner.run(&t);
                dst.store(&t, &runner.result::<T>()[..t.len()]);
            }
        }
        Ok(r.chunk(tmp.view().into_dyn(), &pos))
    }
}
