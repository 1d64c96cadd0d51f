//! Physical operators: what one stage of a plan does for each of its output chunks.
//!
//! A stage is one [`ChunkOp`] producing the chunks of one node. For an output chunk an
//! operator says which regions of its inputs it reads ([`ChunkOp::reads`], index arithmetic
//! over the grids, never a stored task list), how much memory one task needs, and computes
//! the chunk ([`ChunkOp::run`]). Each input of an operator is a fused [`Program`]: the
//! elementwise work in front of the operator runs inside its tasks, tile by tile, and only the
//! program's leaves are read (sources, generators, other stages' chunks). The scheduler
//! (`exec`) knows nothing operator-specific: it counts reads through `reads`, stores chunks
//! later stages read, and frees them after their last reader.
//!
//! - [`map::MapOp`]: an elementwise expression, one task per output chunk;
//! - [`reduce::ReduceOp`]: a reduction, each output chunk a tree over its input chunks;
//! - [`concat::ConcatOp`]: `concatenate` and `stack`, each output chunk one input's region;
//! - [`contract::ContractOp`]: `matmul`, each output chunk a row of blocks times a column;
//! - [`blocks::MapBlocksOp`]: `map_blocks`, a user function over aligned input blocks;
//! - [`gather::GatherOp`]: a function of any listed input regions per output block (the
//!   linear-algebra routines);
//! - [`reshape::ReshapeOp`]: `reshape`, each output block one input block laid out anew;
//! - [`shared_scan::SharedScanOp`]: the chunk partials of several reductions (and whole
//!   chunks of elementwise outputs of the same grid) in one pass;
//! - [`kept_chunk::KeptChunkOp`]: the chunks of an output that a shared scan computed;
//! - [`scan::ScanTotalsOp`] and [`scan::ScanOp`]: `cumsum` and its kin, chunk totals then a
//!   scan of each chunk from its carry.

pub(crate) mod blocks;
pub(crate) mod concat;
pub(crate) mod contract;
pub(crate) mod gather;
pub(crate) mod kept_chunk;
pub(crate) mod map;
pub(crate) mod reduce;
pub(crate) mod reshape;
pub(crate) mod scan;
pub(crate) mod shared_scan;

use super::{Program, TaskCounts};
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::expr::{Node, ReduceSpec};
use crate::task::wire::Wire;
use crate::task::Payload;
use crate::task::TaskEnv;
use std::fmt;
use std::sync::Arc;

/// `(start, len)` per axis: a box of an array.
pub(crate) type Region = [(usize, usize)];

/// The region an output chunk needs from one input: a region of the input program's root.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InputRegion {
    /// Which of [`ChunkOp::programs`] is read.
    pub program: usize,
    /// `(start, len)` per axis of that program's root.
    pub region: Vec<(usize, usize)>,
    /// An axis of length 1 in the output chunk that the program's root does not have
    /// (`stack` inserts one), or `None`.
    pub inserted_axis: Option<usize>,
}

/// One physical operator: how the chunks of a stage's node are computed.
pub(crate) trait ChunkOp: Send + Sync + fmt::Debug {
    /// A short description for plans, e.g. `map` or `reduce sum axes=[0] split_every=8`.
    fn describe(&self) -> String;

    /// The reduction this operator computes, if it is one (for plan summaries).
    fn reduction(&self) -> Option<&ReduceSpec> {
        None
    }

    /// The fused programs of the operator's inputs.
    fn programs(&self) -> &[Program];

    /// Tasks by kind that computing every output chunk takes.
    fn task_counts(&self, node: &Node) -> TaskCounts;

    /// Memory one task needs at most, in bytes: its output, generated inputs and buffers.
    fn projected_task_bytes(&self, node: &Node) -> usize;

    /// The largest chunk shape one task works on (the input chunk of a reduction, the output
    /// chunk otherwise), for error messages.
    fn task_chunk_shape(&self, node: &Node) -> Vec<usize> {
        max_chunk_shape(&node.grid)
    }

    /// Calls `f` with every input region output chunk `lin` reads, once per read.
    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion));

    /// When output chunk `lin` is exactly one program evaluated over one region, that region:
    /// an output sink may then evaluate it straight into its memory.
    fn direct(&self, _node: &Node, _lin: usize) -> Option<InputRegion> {
        None
    }

    /// When each output chunk is computed by a tree of tasks (a reduction: one task per
    /// input chunk, then combine tasks), the tree; the scheduler then runs the tree's tasks
    /// as tasks of their own instead of [`run`](Self::run).
    fn tree(&self) -> Option<&dyn TreeOp> {
        None
    }

    /// Where output chunk `lin` comes in the order in which a distributed computation
    /// splits the stage's chunks among ranks, in contiguous blocks (a permutation of the
    /// chunk indices). The C order by default; an operator whose chunks feed reductions puts
    /// the reduced axes innermost, so that each reduction's inputs stay on one rank.
    fn rank_order(&self, _node: &Node, lin: usize) -> usize {
        lin
    }

    /// Computes output chunk `lin` in one call (a tree operator walks its whole tree).
    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData>;

    /// Computes output chunk `lin` as the scheduler stores it for later stages, with its
    /// size in bytes. Array data by default; an operator whose chunks are something else
    /// (the partials of a shared scan) overrides this.
    fn run_payload(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<(Payload, usize)> {
        let chunk = self.run(node, lin, env)?;
        let bytes = chunk.nbytes();
        Ok((Arc::new(chunk), bytes))
    }

    /// Appends the byte form of one of this operator's stored chunks (as
    /// [`run_payload`](Self::run_payload) made it) to `out`, for another process.
    fn encode_payload(&self, payload: &Payload, out: &mut Vec<u8>) -> Result<()> {
        payload
            .downcast_ref::<ChunkData>()
            .ok_or_else(|| {
                crate::error::Error::internal("send", "a stage's partials as array data")
            })?
            .put(out);
        Ok(())
    }

    /// A stored chunk from its byte form, with its size in bytes.
    fn decode_payload(&self, inp: &mut &[u8]) -> Result<(Payload, usize)> {
        let chunk = ChunkData::take(inp)
            .ok_or_else(|| crate::error::Error::internal("receive", "a malformed chunk"))?;
        let bytes = chunk.nbytes();
        Ok((Arc::new(chunk), bytes))
    }
}

/// A node of an output chunk's task tree: `(start, len)` per reduced axis, counted in input
/// chunks.
pub(crate) type TreeBox = Vec<(usize, usize)>;

/// An operator whose output chunks are each computed by a tree of tasks: a leaf task per
/// input chunk makes a partial, combine tasks merge the partials of their children in order,
/// and the root's partial becomes the output chunk. The tree depends only on the chunk
/// grids, so results do not depend on which thread runs which task.
pub(crate) trait TreeOp: Sync {
    /// The root box of output chunk `lin`.
    fn root(&self, node: &Node, lin: usize) -> TreeBox;

    /// The children of box `bx` in merge order, or `None` when `bx` is one input chunk
    /// (a leaf task).
    fn children(&self, bx: &TreeBox) -> Option<Vec<TreeBox>>;

    /// Calls `f` with every input region the leaf task `bx` of output chunk `lin` reads.
    fn leaf_reads(&self, node: &Node, lin: usize, bx: &TreeBox, f: &mut dyn FnMut(&InputRegion));

    /// The leaf task: the partial of input chunk `bx` of output chunk `lin`, with its bytes.
    fn leaf(
        &self,
        node: &Node,
        lin: usize,
        bx: &TreeBox,
        env: &TaskEnv<'_>,
    ) -> Result<(Payload, usize)>;

    /// A combine task: `parts` merged in their order, with the result's bytes.
    fn combine(&self, parts: &[Payload], env: &TaskEnv<'_>) -> Result<(Payload, usize)>;

    /// Appends the byte form of a partial of this tree to `out`, for another process.
    fn encode_partial(&self, part: &Payload, out: &mut Vec<u8>) -> Result<()>;

    /// A partial from its byte form, with its size in bytes.
    fn decode_partial(&self, inp: &mut &[u8]) -> Result<(Payload, usize)>;

    /// Output chunk `lin` from the root's partial.
    fn finish(
        &self,
        node: &Node,
        lin: usize,
        part: &Payload,
        env: &TaskEnv<'_>,
    ) -> Result<ChunkData>;
}

/// Walks the task tree of output chunk `lin` in one thread, children in merge order: what a
/// tree operator's [`ChunkOp::run`] does. Gives the same bits as the scheduler's tasks.
pub(crate) fn walk_tree(
    tree: &dyn TreeOp,
    node: &Node,
    lin: usize,
    env: &TaskEnv<'_>,
) -> Result<ChunkData> {
    fn part(
        tree: &dyn TreeOp,
        node: &Node,
        lin: usize,
        bx: &TreeBox,
        env: &TaskEnv<'_>,
    ) -> Result<Payload> {
        match tree.children(bx) {
            None => Ok(tree.leaf(node, lin, bx, env)?.0),
            Some(children) => {
                let parts = children
                    .iter()
                    .map(|c| part(tree, node, lin, c, env))
                    .collect::<Result<Vec<_>>>()?;
                Ok(tree.combine(&parts, env)?.0)
            }
        }
    }
    let root = part(tree, node, lin, &tree.root(node, lin), env)?;
    tree.finish(node, lin, &root, env)
}

/// The task counts of an operator computing each output chunk in one task of its own.
pub(crate) fn one_task_per_chunk(node: &Node) -> TaskCounts {
    TaskCounts {
        map: node.grid.num_chunks(),
        ..Default::default()
    }
}

/// The region of chunk `lin` (C-order index) of `grid`: `(start, len)` per axis.
pub(crate) fn chunk_region(grid: &crate::chunks::ChunkGrid, lin: usize) -> Vec<(usize, usize)> {
    let mut idx = Vec::new();
    let mut region = Vec::new();
    grid.unravel(lin, &mut idx);
    grid.region(&idx, &mut region);
    region
}

/// Projected bytes of a task evaluating `program` over a chunk of `chunk_len` elements:
/// sources are read into a task buffer (and their encoded bytes, at most as many, are held
/// while they are decoded), generated leaves may be materialized, and a stored stage's chunks
/// may be assembled into one (after a rechunk) or read back from a spill file.
pub(crate) fn program_task_bytes(program: &Program, chunk_len: usize) -> usize {
    program
        .leaves
        .iter()
        .map(|l| {
            let copies = match l.node.op {
                _ if l.stage.is_some() => 1,
                crate::expr::Op::Source(_) => 2,
                crate::expr::Op::Generate(_) => 1,
                _ => 0,
            };
            copies * chunk_len * l.node.dtype.size()
        })
        .sum()
}

/// The largest chunk length along each axis of `grid`.
pub(crate) fn max_chunk_shape(grid: &crate::chunks::ChunkGrid) -> Vec<usize> {
    (0..grid.ndim()).map(|a| grid.axis(a).max_size()).collect()
}
