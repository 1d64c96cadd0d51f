//! Reduce stages: for one output chunk, reduce every input chunk of its box to a partial
//! (elementwise work fused in) and combine the partials in a fixed tree.

use super::map::leaves_for;
use super::reduce::{ChunkPos, RElem, Reducer, TileCascade};
use super::reducers::{AnyAllR, ArgR, CountR, MeanR, MinMaxR, NanMeanR, SumR, VarR};
use super::strided::store_tile;
use super::strided::TileSpec;
use super::tile::TileRunner;
use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::expr::{ReduceKind, ReduceSpec};
use crate::plan::ops::reduce::ReduceOp;
use crate::task::wire::Wire;
use crate::task::Payload;
use crate::task::TaskEnv;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use std::any::Any;
use std::marker::PhantomData;

/// Whether a reduction of `spec` over a chunk of `ndim` axes folds its values tile by tile as
/// they come, with no chunk-sized buffer: full reductions, and reductions over only the
/// leading or only the last axis when the tiles are flat (not arg-reductions).
pub(crate) fn streams(spec: &ReduceSpec, ndim: usize, flat_tiles: bool) -> bool {
    if spec.kind.is_arg() {
        return false;
    }
    spec.axes.len() == ndim
        || (ndim > 1 && flat_tiles && (spec.axes == [0] || spec.axes == [ndim - 1]))
}

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
    /// Whether the tiles are flat runs of the chunk (not blocks of a transpose), in C order
    /// or in column blocks.
    pub flat_tiles: bool,
    /// `Some(w)` when the tiles come in column blocks of `w` positions (see
    /// [`column_blocks`]), `None` when they come in C order.
    pub column_blocks: Option<usize>,
}

/// The block width in which to feed the tiles of a chunk of `shape` to reductions of
/// `specs` (see [`TileRunner::tiles_by_column_blocks`]), or `None` to feed them in C order.
///
/// Column blocks pay when every reduction folds rows into accumulators over the leading
/// axis and a row's accumulators outgrow the caches: in C order each row then reads and
/// writes every accumulator from memory again.
pub(crate) fn column_blocks<'a>(
    specs: impl Iterator<Item = &'a ReduceSpec>,
    shape: &[usize],
    runner: &TileRunner<'_>,
) -> Option<usize> {
    let row_len: usize = shape.iter().skip(1).product();
    let leading = |s: &ReduceSpec| s.axes == [0] && streams(s, shape.len(), true);
    let pays = shape.len() > 1 && shape[0] > 1 && row_len >= 4 * runner.cap();
    let mut specs = specs.peekable();
    let fed = specs.peek().is_some();
    (pays && runner.flat_tiles() && fed && specs.all(leading)).then(|| runner.cap())
}

/// The typed executor of one reduce stage.
pub(crate) trait ReduceStage: Send + Sync {
    /// The partial of input chunk `idx` (its chunk index in the input grid) of `op`, with
    /// its size in bytes: the leaf task of the reduction tree.
    fn chunk_partial(
        &self,
        op: &ReduceOp,
        idx: &[usize],
        env: &TaskEnv<'_>,
    ) -> Result<(Payload, usize)>;

    /// The partials `parts` merged in their order: a combine task of the reduction tree.
    fn combine(&self, parts: &[Payload], env: &TaskEnv<'_>) -> Result<(Payload, usize)>;

    /// Output chunk `out_lin` of `op` (whose result is `node`) from the partial of all its
    /// input chunks.
    fn finish(
        &self,
        op: &ReduceOp,
        node: &Node,
        out_lin: usize,
        part: &Payload,
    ) -> Result<ChunkData>;

    /// Appends the byte form of partial `part` (made by this stage) to `out`.
    fn encode_partial(&self, part: &(dyn Any + Send + Sync), out: &mut Vec<u8>) -> Result<()>;

    /// A partial from its byte form at the front of `inp` (advancing it), with its size in
    /// bytes.
    fn decode_partial(&self, inp: &mut &[u8]) -> Result<(Box<dyn Any + Send + Sync>, usize)>;

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
    fn chunk_partial(
        &self,
        op: &ReduceOp,
        idx: &[usize],
        env: &TaskEnv<'_>,
    ) -> Result<(Payload, usize)> {
        let acc = chunk_partial::<T, R>(&self.r, op, idx, env)?;
        let bytes = acc.len() * std::mem::size_of::<R::Acc>();
        Ok((Arc::new(acc), bytes))
    }

    fn combine(&self, parts: &[Payload], env: &TaskEnv<'_>) -> Result<(Payload, usize)> {
        env.check()?;
        let mut it = parts.iter().map(|p| {
            p.downcast_ref::<Vec<R::Acc>>()
                .ok_or_else(|| Error::internal("reduce", "a partial of another type"))
        });
        let mut acc = it.next().transpose()?.cloned().unwrap_or_default();
        for p in it {
            for (a, b) in acc.iter_mut().zip(p?) {
                self.r.merge(a, b);
            }
        }
        env.counters.add_combine();
        let bytes = acc.len() * std::mem::size_of::<R::Acc>();
        Ok((Arc::new(acc), bytes))
    }

    fn finish(
        &self,
        op: &ReduceOp,
        node: &Node,
        out_lin: usize,
        part: &Payload,
    ) -> Result<ChunkData> {
        let acc = part
            .downcast_ref::<Vec<R::Acc>>()
            .ok_or_else(|| Error::internal("reduce", "a partial of another type"))?;
        let count: f64 = op
            .spec
            .axes
            .iter()
            .map(|&a| op.grid.axis(a).len() as f64)
            .product();
        let oshape = node.grid.region_shape(out_lin);
        let mut vals = Vec::with_capacity(acc.len());
        for a in acc {
            vals.push(self.r.finish(a, count)?);
        }
        let arr = ArrayD::from_shape_vec(IxDyn(&oshape), vals).map_err(|e| Error::Internal {
            op: node.label(),
            msg: format!("output chunk shape {oshape:?}: {e}"),
        })?;
        Ok(R::Out::into_chunk(arr))
    }

    fn encode_partial(&self, part: &(dyn Any + Send + Sync), out: &mut Vec<u8>) -> Result<()> {
        part.downcast_ref::<Vec<R::Acc>>()
            .ok_or_else(|| Error::internal("reduce", "a partial of another type"))?
            .put(out);
        Ok(())
    }

    fn decode_partial(&self, inp: &mut &[u8]) -> Result<(Box<dyn Any + Send + Sync>, usize)> {
        let acc = Vec::<R::Acc>::take(inp)
            .ok_or_else(|| Error::internal("reduce", "a malformed partial was received"))?;
        let bytes = acc.len() * std::mem::size_of::<R::Acc>();
        Ok((Box::new(acc), bytes))
    }

    fn tile_partial<'a>(
        &'a self,
        spec: &'a ReduceSpec,
        reg: usize,
        place: ChunkPlace<'_>,
    ) -> Box<dyn TilePartial + 'a> {
        tile_partial::<T, R>(&self.r, spec, reg, place)
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

/// Starts the partial of one chunk at `place` for the reduction `spec` with reducer `r`, fed
/// tile by tile from output instruction `reg` of a program.
fn tile_partial<'a, T: RElem, R: Reducer<T>>(
    r: &'a R,
    spec: &'a ReduceSpec,
    reg: usize,
    place: ChunkPlace<'_>,
) -> Box<dyn TilePartial + 'a> {
    let shape: Vec<usize> = place.region.iter().map(|r| r.1).collect();
    let state = if spec.axes.len() == shape.len() && !spec.kind.is_arg() {
        PartialState::Full(TileCascade::new())
    } else if spec.axes == [0] && streams(spec, shape.len(), place.flat_tiles) {
        PartialState::Leading(LeadingRows::new(r, &shape, place.column_blocks))
    } else if streams(spec, shape.len(), place.flat_tiles) {
        PartialState::Trailing(TrailingRows::new(r, &shape))
    } else {
        PartialState::Buffer(ArrayD::<T>::default(IxDyn(&shape)))
    };
    Box::new(Partial {
        r,
        spec,
        reg,
        offsets: place.region.iter().map(|r| r.0).collect(),
        input_shape: place.shape.to_vec(),
        state,
    })
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
/// order); reductions over the leading axis fold each row into per-position accumulators as
/// it comes ([`LeadingRows`]); other axis reductions and arg-reductions gather the chunk's
/// values first.
enum PartialState<T, A> {
    Full(TileCascade<A>),
    Leading(LeadingRows<A>),
    Trailing(TrailingRows<T, A>),
    Buffer(ArrayD<T>),
}

/// The reduction of a chunk over its last axis, fed in C order: each row is reduced as one
/// contiguous run when it is complete (pieces of a row split between tiles are gathered in
/// a row buffer first), exactly as the gathered reduction reduces it.
struct TrailingRows<T, A> {
    out: Vec<A>,
    row: Vec<T>,
    row_len: usize,
}

impl<T: RElem, A: Clone> TrailingRows<T, A> {
    fn new<R: Reducer<T, Acc = A>>(r: &R, shape: &[usize]) -> Self {
        let rows: usize = shape[..shape.len() - 1].iter().product();
        TrailingRows {
            out: vec![r.identity(); rows],
            row: Vec::new(),
            row_len: shape[shape.len() - 1].max(1),
        }
    }

    /// Folds the values `x` starting at flat position `start` of the chunk.
    fn push<R: Reducer<T, Acc = A>>(&mut self, r: &R, start: usize, x: &[T]) {
        let mut pos = 0;
        while pos < x.len() {
            let f = start + pos;
            let (row, col) = (f / self.row_len, f % self.row_len);
            let run = (self.row_len - col).min(x.len() - pos);
            let piece = &x[pos..pos + run];
            if col == 0 && run == self.row_len {
                let a = r.run(piece);
                r.merge(&mut self.out[row], &a);
            } else {
                if col == 0 {
                    self.row.clear();
                }
                self.row.extend_from_slice(piece);
                if col + run == self.row_len {
                    let a = r.run(&self.row);
                    r.merge(&mut self.out[row], &a);
                }
            }
            pos += run;
        }
    }
}

/// One step of the pairwise reduction over a chunk's leading axis, in the order
/// [`reduce_view`](super::reduce::reduce_view) takes it: fold row `r` into the top
/// accumulator, start a new one, or merge the top one into the one below.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RowEvent {
    Row(usize),
    Open,
    Merge,
}

/// The reduction of a chunk over its leading axis, fed row piece by row piece: the pieces
/// are folded into per-position accumulators while they arrive, following `reduce_view`'s
/// recursive halving (runs of at most `BASE` rows folded in order, halves merged), so the
/// result is bit-identical to reducing the gathered chunk, with `O(log rows)` accumulator
/// levels instead of a chunk-sized buffer.
///
/// The pieces come in one of two orders:
/// - C order (`block` = `None`): every row in turn; each level spans a whole row.
/// - Column blocks (`block` = `Some(w)`): for each block of `w` positions, that block of
///   every row in turn (see [`TileRunner::tiles_by_column_blocks`]). The levels above the
///   first span one block and are reused from block to block, so all of a block's
///   accumulators stay in cache while its rows stream past. Each position still sees the
///   same steps in the same order, so the bits do not change.
struct LeadingRows<A> {
    events: Vec<RowEvent>,
    next: usize,
    /// Level 0: one accumulator per position of a row, the partial in the end.
    base: Vec<A>,
    /// Levels above 0, each as long as the pass's columns; `depth - 1` of them are open.
    upper: Vec<Vec<A>>,
    depth: usize,
    row_len: usize,
    block: Option<usize>,
    /// The columns of the pass under way: `[cols.0, cols.1)`.
    cols: (usize, usize),
    identity: A,
}

impl<A: Clone> LeadingRows<A> {
    fn new<T: RElem, R: Reducer<T, Acc = A>>(r: &R, shape: &[usize], block: Option<usize>) -> Self {
        fn plan(lo: usize, hi: usize, out: &mut Vec<RowEvent>) {
            if hi - lo <= super::reduce::BASE {
                out.extend((lo..hi).map(RowEvent::Row));
                return;
            }
            let half = lo + (hi - lo) / 2;
            plan(lo, half, out);
            out.push(RowEvent::Open);
            plan(half, hi, out);
            out.push(RowEvent::Merge);
        }
        let row_len: usize = shape[1..].iter().product();
        let mut events = Vec::new();
        plan(0, shape[0], &mut events);
        let block = block.filter(|&w| w > 0);
        LeadingRows {
            events,
            next: 0,
            base: vec![r.identity(); row_len],
            upper: Vec::new(),
            depth: 1,
            row_len,
            block,
            cols: (0, if block.is_some() { 0 } else { row_len }),
            identity: r.identity(),
        }
    }

    /// The open level `k` over the pass's columns.
    fn level(&mut self, k: usize) -> &mut [A] {
        let (c0, c1) = self.cols;
        if k == 0 {
            &mut self.base[c0..c1]
        } else {
            &mut self.upper[k - 1][..c1 - c0]
        }
    }

    /// Runs the opening and merging steps before row `row` (or all remaining ones).
    fn advance<T: RElem, R: Reducer<T, Acc = A>>(&mut self, r: &R, row: Option<usize>) {
        while let Some(&e) = self.events.get(self.next) {
            match e {
                RowEvent::Row(k) if Some(k) == row => return,
                RowEvent::Row(_) => {}
                RowEvent::Open => {
                    let width = self.cols.1 - self.cols.0;
                    if self.upper.len() < self.depth {
                        self.upper.push(Vec::new());
                    }
                    let level = &mut self.upper[self.depth - 1];
                    level.clear();
                    level.resize(width, self.identity.clone());
                    self.depth += 1;
                }
                RowEvent::Merge if self.depth > 1 => {
                    self.depth -= 1;
                    let (c0, c1) = self.cols;
                    let (below, top) = if self.depth == 1 {
                        (&mut self.base[c0..c1], &self.upper[0][..c1 - c0])
                    } else {
                        let (lo, hi) = self.upper.split_at_mut(self.depth - 1);
                        (&mut lo[self.depth - 2][..c1 - c0], &hi[0][..c1 - c0])
                    };
                    for (a, b) in below.iter_mut().zip(top) {
                        r.merge(a, b);
                    }
                }
                RowEvent::Merge => {}
            }
            self.next += 1;
        }
    }

    /// Folds the values `x` starting at flat position `start` of the chunk.
    fn push<T: RElem, R: Reducer<T, Acc = A>>(&mut self, r: &R, start: usize, x: &[T]) {
        let mut pos = 0;
        while pos < x.len() {
            let f = start + pos;
            let (row, col) = (f / self.row_len, f % self.row_len);
            let mut run = (self.row_len - col).min(x.len() - pos);
            if let Some(w) = self.block {
                // A new block starts a new pass over the rows.
                let c0 = col - col % w;
                if c0 != self.cols.0 || self.cols.1 == 0 {
                    self.advance(r, None);
                    self.next = 0;
                    self.cols = (c0, (c0 + w).min(self.row_len));
                }
                run = run.min(self.cols.1 - col);
            }
            if col == self.cols.0 {
                self.advance(r, Some(row));
            }
            let at = col - self.cols.0;
            let top = self.depth - 1;
            r.push_slice(&mut self.level(top)[at..at + run], &x[pos..pos + run]);
            pos += run;
        }
    }

    fn finish<T: RElem, R: Reducer<T, Acc = A>>(mut self, r: &R) -> Vec<A> {
        self.advance(r, None);
        self.base
    }
}

impl<T: RElem, R: Reducer<T>> TilePartial for Partial<'_, T, R> {
    fn push(&mut self, runner: &TileRunner<'_>, tile: &TileSpec) {
        let x = &runner.output::<T>(self.reg)[..tile.len()];
        match &mut self.state {
            PartialState::Full(c) => {
                let r = self.r;
                c.push(r.run(x), |a, b| r.merge(a, b));
            }
            PartialState::Leading(rows) => {
                if let TileSpec::Flat { start, .. } = *tile {
                    rows.push(self.r, start, x);
                }
            }
            PartialState::Trailing(rows) => {
                if let TileSpec::Flat { start, .. } = *tile {
                    rows.push(self.r, start, x);
                }
            }
            PartialState::Buffer(buf) => store_tile(buf, tile, x),
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
            PartialState::Leading(rows) => rows.finish(r),
            PartialState::Trailing(rows) => rows.out,
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

/// The partial of input chunk `idx` of `op` (its index in the input grid).
fn chunk_partial<T: RElem, R: Reducer<T>>(
    r: &R,
    op: &ReduceOp,
    idx: &[usize],
    env: &TaskEnv<'_>,
) -> Result<Vec<R::Acc>> {
    env.check()?;
    let spec = &op.spec;
    let grid = &op.grid;
    if let Some(shared) = &op.shared {
        // Computed by the shared scan with the other reductions of the same inputs.
        let payload = env.fetch.payload(shared.stage, grid.ravel(idx))?;
        let bad = || crate::error::Error::internal("shared scan", "partials of another type");
        let all = payload.downcast_ref::<SharedPartials>().ok_or_else(bad)?;
        let mine = all.get(shared.member).ok_or_else(bad)?;
        return mine.downcast_ref::<Vec<R::Acc>>().cloned().ok_or_else(bad);
    }
    env.counters.add_reduce_chunk();
    let mut region = Vec::new();
    grid.region(idx, &mut region);
    let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
    let offsets: Vec<usize> = region.iter().map(|r| r.0).collect();
    let gshape = grid.shape();
    let pos = ChunkPos {
        offsets: &offsets,
        shape: &gshape,
        axes: &spec.axes,
    };
    let prog = &op.program;
    let leaves = leaves_for(prog, &region, env, !prog.is_identity())?;
    if prog.is_identity() {
        let view = leaves[0].view::<T>(&prog.leaves[0], &shape)?;
        return Ok(r.chunk(view, &pos));
    }
    let all_axes = spec.axes.len() == grid.ndim();
    let mut runner = TileRunner::new(prog, &leaves, &shape)?;
    let n = runner.len;
    if all_axes && !spec.kind.is_arg() {
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
    // Axis reductions of a computed expression: fed tile by tile (over the leading axis)
    // or gathered into a task-local buffer, as a shared scan's members are.
    let place = ChunkPlace {
        region: &region,
        shape: &gshape,
        flat_tiles: runner.flat_tiles(),
        column_blocks: column_blocks(std::iter::once(spec), &shape, &runner),
    };
    let buffer = !streams(spec, shape.len(), place.flat_tiles);
    let _tmp = env.mem.hold(if buffer {
        n * std::mem::size_of::<T>()
    } else {
        0
    });
    let tiles = match place.column_blocks {
        Some(_) => runner.tiles_by_column_blocks(),
        None => runner.tiles(),
    };
    let mut partial = tile_partial::<T, R>(r, spec, prog.result(), place);
    for t in tiles {
        env.check()?;
        runner.run(&t);
        partial.push(&runner, &t);
    }
    let (acc, _) = partial.finish()?;
    acc.downcast::<Vec<R::Acc>>()
        .map(|b| *b)
        .map_err(|_| crate::error::Error::internal("reduce", "partial of another type"))
}

#[cfg(test)]
mod tests {
    use super::super::reducers::{SumR, VarR};
    use super::*;

    /// Folding a chunk row by row in C order, in tiles of any length, gives the bits of
    /// reducing the gathered chunk over its leading axis.
    #[test]
    fn leading_rows_match_the_gathered_reduction_bit_for_bit() {
        let sum = SumR {
            skip_nan: false,
            prod: false,
        };
        let var = VarR {
            ddof: 0.0,
            sqrt: false,
            skip_nan: false,
        };
        for rows in [1usize, 2, 7, 8, 9, 16, 17, 20, 33, 64] {
            for (cols, tile) in [(1usize, 3usize), (5, 4), (13, 64), (3, 1)] {
                let shape = [rows, cols, 2];
                let n = rows * cols * 2;
                let x: Vec<f64> = (0..n)
                    .map(|i| ((i as f64) * 0.7311).sin() * 1e3 + (i % 7) as f64 * 1e-9)
                    .collect();
                let a = ArrayD::from_shape_vec(IxDyn(&shape), x.clone()).unwrap();
                let (offsets, gshape) = (vec![0; 3], shape.to_vec());
                let pos = ChunkPos {
                    offsets: &offsets,
                    shape: &gshape,
                    axes: &[0],
                };
                let want = sum.chunk(a.view(), &pos);
                let mut lr = LeadingRows::new::<f64, _>(&sum, &shape, None);
                for (k, t) in x.chunks(tile).enumerate() {
                    lr.push::<f64, _>(&sum, k * tile, t);
                }
                let got = lr.finish::<f64, _>(&sum);
                let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "sum rows {rows} cols {cols} tile {tile}"
                );
                let want_var = var.chunk(a.view(), &pos);
                let mut lr = LeadingRows::new::<f64, _>(&var, &shape, None);
                for (k, t) in x.chunks(tile).enumerate() {
                    lr.push::<f64, _>(&var, k * tile, t);
                }
                let got = lr.finish::<f64, _>(&var);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want_var:?}"),
                    "var rows {rows}"
                );
                // Column blocks of `tile` positions, every row of a block before the next
                // block, as `TileRunner::tiles_by_column_blocks` orders them.
                let row_len = cols * 2;
                let blocks = |f: &mut dyn FnMut(usize, &[f64])| {
                    for c0 in (0..row_len).step_by(tile) {
                        for r in 0..rows {
                            let s = r * row_len + c0;
                            f(s, &x[s..s + tile.min(row_len - c0)]);
                        }
                    }
                };
                let mut lr = LeadingRows::new::<f64, _>(&sum, &shape, Some(tile));
                blocks(&mut |s, t| lr.push::<f64, _>(&sum, s, t));
                let got = lr.finish::<f64, _>(&sum);
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "column blocks rows {rows} tile {tile}"
                );
                let mut lr = LeadingRows::new::<f64, _>(&var, &shape, Some(tile));
                blocks(&mut |s, t| lr.push::<f64, _>(&var, s, t));
                let got = lr.finish::<f64, _>(&var);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want_var:?}"),
                    "var in column blocks rows {rows}"
                );
                // Over the last axis, rows split between tiles.
                let last = ChunkPos {
                    offsets: &offsets,
                    shape: &gshape,
                    axes: &[2],
                };
                let want = sum.chunk(a.view(), &last);
                let mut tr = TrailingRows::new(&sum, &shape);
                for (k, t) in x.chunks(tile).enumerate() {
                    tr.push(&sum, k * tile, t);
                }
                assert_eq!(
                    bits(&tr.out),
                    bits(&want),
                    "last axis rows {rows} tile {tile}"
                );
            }
        }
    }
}
