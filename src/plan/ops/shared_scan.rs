//! The shared-scan operator: the first level of several reductions over the same chunks,
//! and whole chunks of elementwise outputs of the same grid, computed in one pass. Each task
//! evaluates one program with an output per member (the leaves read, decoded or generated
//! once, common subexpressions computed once) and feeds every output's tiles to its
//! reduction's partial or into its kept chunk. The members' own stages
//! ([`ReduceOp`](super::reduce::ReduceOp) with `shared` set,
//! [`KeptChunkOp`](super::kept_chunk::KeptChunkOp)) then combine those partials in their
//! usual trees or hand the chunks on, so results are bit-identical to computing separately.

use super::{chunk_region, program_task_bytes, ChunkOp, InputRegion};
use crate::chunks::ChunkGrid;
use crate::dtype::ChunkData;
use crate::dtype::{with_dtype, DType};
use crate::error::{Error, Result};
use crate::eval::map::leaves_for;
use crate::eval::reduce_stage::TilePartial;
use crate::eval::reduce_stage::{
    self, column_blocks, streams, ChunkPlace, ReduceStage, SharedPartials,
};
use crate::eval::strided::{store_tile, TileSpec};
use crate::eval::tile::{RegElem, TileRunner};
use crate::expr::{Node, ReduceSpec};
use crate::plan::{Instr, Program, TaskCounts};
use crate::task::wire::Wire;
use crate::task::Payload;
use crate::task::TaskEnv;
use ndarray::{ArrayD, IxDyn};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// One reduction of a shared scan.
pub(crate) struct Member {
    /// What it computes.
    pub spec: ReduceSpec,
    /// The program output holding its input values.
    pub reg: usize,
    exec: Box<dyn ReduceStage>,
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("spec", &self.spec)
            .field("reg", &self.reg)
            .finish_non_exhaustive()
    }
}

/// The chunk partials of several reductions of one grid, and whole chunks of elementwise
/// outputs of that grid, in one pass per chunk.
///
/// A task's payload ([`SharedPartials`]) holds each reduction's partial (its reducer's
/// `Vec<Acc>`), then each kept output's chunk (a [`ChunkData`]).
#[derive(Debug)]
pub(crate) struct SharedScanOp {
    /// One program computing every member's input.
    pub program: Program,
    /// The grid the members reduce (their inputs' common grid).
    pub grid: ChunkGrid,
    /// The reductions.
    pub members: Vec<Member>,
    /// The program outputs kept as whole chunks (elementwise outputs of the grid).
    pub kept: Vec<usize>,
}

impl SharedScanOp {
    /// The scan of the reductions `specs`, whose inputs are outputs `regs` of `program`
    /// (one per reduction, then one per kept chunk).
    pub(crate) fn new(
        program: Program,
        regs: Vec<usize>,
        specs: Vec<ReduceSpec>,
        grid: ChunkGrid,
    ) -> Self {
        let kept = regs[specs.len().min(regs.len())..].to_vec();
        let members = specs
            .into_iter()
            .zip(regs)
            .map(|(spec, reg)| Member {
                exec: reduce_stage::make(&spec, program.dtypes[reg]),
                spec,
                reg,
            })
            .collect();
        SharedScanOp {
            program,
            grid,
            members,
            kept,
        }
    }
}

impl ChunkOp for SharedScanOp {
    fn describe(&self) -> String {
        let mut names: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("{}{:?}", m.spec.kind.name(), m.spec.axes))
            .collect();
        if !self.kept.is_empty() {
            names.push(format!("{} kept chunk outputs", self.kept.len()));
        }
        format!("shared scan of {}", names.join(", "))
    }

    fn programs(&self) -> &[Program] {
        std::slice::from_ref(&self.program)
    }

    fn task_counts(&self, _node: &Node) -> TaskCounts {
        // A scan of kept outputs alone computes chunks, as a map stage would.
        let n = self.grid.num_chunks();
        if self.members.is_empty() {
            TaskCounts {
                map: n,
                ..Default::default()
            }
        } else {
            TaskCounts {
                reduce_chunk: n,
                ..Default::default()
            }
        }
    }

    fn projected_task_bytes(&self, _node: &Node) -> usize {
        let chunk = self.grid.max_chunk_len();
        let buffers: usize = self
            .members
            .iter()
            .filter(|m| m.spec.axes.len() < self.grid.ndim() || m.spec.kind.is_arg())
            .map(|m| chunk * self.program.dtypes[m.reg].size())
            .sum();
        let kept: usize = self
            .kept
            .iter()
            .map(|&r| chunk * self.program.dtypes[r].size())
            .sum();
        buffers + kept + program_task_bytes(&self.program, chunk)
    }

    fn task_chunk_shape(&self, _node: &Node) -> Vec<usize> {
        super::max_chunk_shape(&self.grid)
    }

    fn encode_payload(&self, payload: &Payload, out: &mut Vec<u8>) -> Result<()> {
        let parts = payload
            .downcast_ref::<SharedPartials>()
            .ok_or_else(|| Error::internal("send", "a shared scan chunk of another type"))?;
        for (m, p) in self.members.iter().zip(parts) {
            m.exec.encode_partial(&**p, out)?;
        }
        for p in parts.iter().skip(self.members.len()) {
            p.downcast_ref::<ChunkData>()
                .ok_or_else(|| Error::internal("send", "a kept chunk of another type"))?
                .put(out);
        }
        Ok(())
    }

    fn decode_payload(&self, inp: &mut &[u8]) -> Result<(Payload, usize)> {
        let mut parts: SharedPartials = Vec::with_capacity(self.members.len());
        let mut bytes = 0;
        for m in &self.members {
            let (p, b) = m.exec.decode_partial(inp)?;
            parts.push(p);
            bytes += b;
        }
        for _ in &self.kept {
            let chunk = ChunkData::take(inp)
                .ok_or_else(|| Error::internal("receive", "a malformed kept chunk"))?;
            bytes += chunk.nbytes();
            parts.push(Box::new(chunk));
        }
        Ok((Arc::new(parts), bytes))
    }

    /// The member with the largest partials (the largest output chunks) keeps its reduced
    /// axes innermost: its trees' leaves are neighbours, so they fall on one rank and only
    /// the smaller partials of the other members cross between ranks.
    fn rank_order(&self, _node: &Node, lin: usize) -> usize {
        let nd = self.grid.ndim();
        let kept_len = |m: &Member| -> usize {
            (0..nd)
                .filter(|a| !m.spec.axes.contains(a))
                .map(|a| self.grid.axis(a).size(0))
                .product()
        };
        let Some(m) = self.members.iter().rev().max_by_key(|m| kept_len(m)) else {
            return lin;
        };
        let mut idx = Vec::new();
        self.grid.unravel(lin, &mut idx);
        let order = (0..nd)
            .filter(|a| !m.spec.axes.contains(a))
            .chain(m.spec.axes.iter().copied().filter(|&a| a < nd));
        order.fold(0, |acc, a| acc * self.grid.axis(a).count() + idx[a])
    }

    fn reads(&self, _node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        let region = chunk_region(&self.grid, lin);
        f(&InputRegion {
            program: 0,
            region,
            inserted_axis: None,
        });
    }

    fn run(&self, node: &Node, _lin: usize, _env: &TaskEnv<'_>) -> Result<ChunkData> {
        Err(Error::internal(
            node.label(),
            "a shared scan's chunks are partials",
        ))
    }

    fn run_payload(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<(Payload, usize)> {
        if self.members.is_empty() {
            env.counters.add_map();
        } else {
            env.counters.add_reduce_chunk();
        }
        let region = chunk_region(&self.grid, lin);
        let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
        let input_shape = self.grid.shape();
        // A member reducing a leaf is fed tile by tile where it streams (one pass over the
        // leaf for every member), otherwise it reduces the leaf's own view, which must then be
        // materialized. Streaming over the leading or last axis gives the view's bits.
        let leaf_of = |m: &Member| match self.program.instrs[m.reg] {
            Instr::Leaf(l) => Some(l),
            _ => None,
        };
        let nd = shape.len();
        let by_view = |m: &Member, flat: bool| {
            leaf_of(m).is_some() && (m.spec.axes.len() == nd || !streams(&m.spec, nd, flat))
        };
        let views = self.members.iter().any(|m| by_view(m, false));
        let leaves = leaves_for(&self.program, &region, env, !views)?;
        let _hold = env.mem.hold(self.projected_task_bytes(node));
        let runner = TileRunner::new(&self.program, &leaves, &shape)?;
        let flat_tiles = runner.flat_tiles();
        let fed = self.members.iter().filter(|m| !by_view(m, flat_tiles));
        let blocks = column_blocks(fed.map(|m| &m.spec), &shape, &runner);
        let place = || ChunkPlace {
            region: &region,
            shape: &input_shape,
            flat_tiles,
            column_blocks: blocks,
        };
        let mut partials: Vec<_> = self
            .members
            .iter()
            .map(|m| {
                (!by_view(m, flat_tiles)).then(|| m.exec.tile_partial(&m.spec, m.reg, place()))
            })
            .collect();
        let mut kept: Vec<Box<dyn TilePartial>> = self
            .kept
            .iter()
            .map(|&reg| kept_chunk(self.program.dtypes[reg], reg, &shape))
            .collect();
        if partials.iter().any(Option::is_some) || !kept.is_empty() {
            let mut runner = runner;
            let tiles = match blocks {
                Some(_) => runner.tiles_by_column_blocks(),
                None => runner.tiles(),
            };
            for t in tiles {
                env.check()?;
                runner.run(&t);
                for p in partials.iter_mut().flatten() {
                    p.push(&runner, &t);
                }
                for k in &mut kept {
                    k.push(&runner, &t);
                }
            }
        }
        let mut bytes = 0;
        let mut out: SharedPartials = Vec::with_capacity(partials.len());
        for (m, p) in self.members.iter().zip(partials) {
            let (partial, size) = match (p, leaf_of(m)) {
                (Some(p), _) => p.finish()?,
                (None, Some(l)) => {
                    m.exec
                        .view_partial(&m.spec, &leaves[l], &self.program.leaves[l], place())?
                }
                (None, None) => {
                    return Err(Error::internal(node.label(), "a member without input"))
                }
            };
            out.push(partial);
            bytes += size;
        }
        for k in kept {
            let (chunk, size) = k.finish()?;
            out.push(chunk);
            bytes += size;
        }
        Ok((Arc::new(out), bytes))
    }
}

/// A kept output's chunk of `shape`, filled tile by tile from program output `reg`.
fn kept_chunk(dtype: DType, reg: usize, shape: &[usize]) -> Box<dyn TilePartial> {
    with_dtype!(dtype, T => Box::new(KeptChunk::<T> {
        reg,
        buf: ArrayD::default(IxDyn(shape)),
    }))
}

/// The chunk of one kept output of a shared scan.
struct KeptChunk<T> {
    reg: usize,
    buf: ArrayD<T>,
}

impl<T: RegElem> TilePartial for KeptChunk<T> {
    fn push(&mut self, runner: &TileRunner<'_>, tile: &TileSpec) {
        let x = &runner.output::<T>(self.reg)[..tile.len()];
        store_tile(&mut self.buf, tile, x);
    }

    fn finish(self: Box<Self>) -> Result<(Box<dyn Any + Send + Sync>, usize)> {
        let chunk = T::into_chunk(self.buf);
        let bytes = chunk.nbytes();
        Ok((Box::new(chunk), bytes))
    }
}
