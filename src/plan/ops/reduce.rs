//! The reduce operator: each output chunk reduces the box of input chunks it covers, every
//! input chunk to a partial (the input's elementwise program fused in) and the partials
//! combined in a fixed tree of at most `split_every` inputs per combine.

use super::{program_task_bytes, walk_tree, ChunkOp, InputRegion, Region, TreeBox, TreeOp};
use crate::chunks::ChunkGrid;
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::reduce_stage::{self, ReduceStage};
use crate::expr::{Node, ReduceSpec};
use crate::plan::tree::{for_each_box, TreeShape};
use crate::plan::{Program, TaskCounts};
use crate::task::Payload;
use crate::task::TaskEnv;
use std::fmt;

/// A reduction of a fused program over some axes.
pub(crate) struct ReduceOp {
    /// What is reduced, over which axes.
    pub spec: ReduceSpec,
    /// The fused program computing the reduction's input.
    pub program: Program,
    /// The chunk grid of the reduction's input (the program runs over its chunks).
    pub grid: ChunkGrid,
    /// The typed reducer.
    exec: Box<dyn ReduceStage>,
    /// The shape of each output chunk's reduction tree.
    tree: TreeShape,
    /// When a shared scan computes this reduction's chunk partials with others: which stage
    /// and which of its members (the chunks' partials are then read, not computed).
    pub shared: Option<SharedRef>,
}

/// A member of a shared scan stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SharedRef {
    /// The shared scan's stage.
    pub stage: usize,
    /// The member's index among its reductions.
    pub member: usize,
}

impl fmt::Debug for ReduceOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReduceOp")
            .field("spec", &self.spec)
            .field("program", &self.program)
            .field("grid", &self.grid)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl ReduceOp {
    /// The reduction `spec` of the values `program` computes over `grid`.
    pub(crate) fn new(spec: ReduceSpec, program: Program, grid: ChunkGrid) -> Self {
        let exec = reduce_stage::make(&spec, program.dtypes[program.result()]);
        ReduceOp {
            tree: TreeShape::new(&grid, &spec.axes, spec.split_every),
            spec,
            program,
            grid,
            exec,
            shared: None,
        }
    }

    /// The reduction `spec` of values of type `input` chunked as `grid`, whose chunk partials
    /// a shared scan computes (`program` reads that scan's stage, so reads are counted).
    pub(crate) fn shared(
        spec: ReduceSpec,
        program: Program,
        grid: ChunkGrid,
        input: crate::dtype::DType,
        shared: SharedRef,
    ) -> Self {
        let exec = reduce_stage::make(&spec, input);
        ReduceOp {
            tree: TreeShape::new(&grid, &spec.axes, spec.split_every),
            spec,
            program,
            grid,
            exec,
            shared: Some(shared),
        }
    }

    /// The input chunk index of output chunk `lin` of `node` along the kept axes, with
    /// `ridx` (chunk indices along the reduced axes) filled in.
    fn input_chunk_index(&self, node: &Node, lin: usize, ridx: &[usize]) -> Vec<usize> {
        let nd = self.grid.ndim();
        let mut out_idx = Vec::new();
        node.grid.unravel(lin, &mut out_idx);
        let mut idx = vec![0usize; nd];
        let kept = (0..nd).filter(|a| !self.spec.axes.contains(a));
        for (k, a) in kept.enumerate() {
            idx[a] = if self.spec.keepdims {
                out_idx[a]
            } else {
                out_idx[k]
            };
        }
        for (k, &a) in self.spec.axes.iter().enumerate() {
            idx[a] = ridx[k];
        }
        idx
    }

    /// Calls `f` with the region of every input chunk that output chunk `lin` of `node`
    /// reduces.
    fn for_each_input_chunk(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&Region)) {
        let singles: Vec<Vec<(usize, usize)>> = self
            .tree
            .counts
            .iter()
            .map(|&c| (0..c).map(|i| (i, 1)).collect())
            .collect();
        if singles.iter().any(|p| p.is_empty()) {
            return;
        }
        let mut region = Vec::new();
        for_each_box(&singles, |b| {
            let ridx: Vec<usize> = b.iter().map(|p| p.0).collect();
            self.grid
                .region(&self.input_chunk_index(node, lin, &ridx), &mut region);
            f(&region);
        });
    }
}

impl ChunkOp for ReduceOp {
    fn describe(&self) -> String {
        let shared = match self.shared {
            Some(s) => format!(" (partials from stage {})", s.stage),
            None => String::new(),
        };
        format!(
            "reduce {} axes={:?} split_every={}{shared}",
            self.spec.kind.name(),
            self.spec.axes,
            self.spec.split_every
        )
    }

    fn reduction(&self) -> Option<&ReduceSpec> {
        Some(&self.spec)
    }

    fn programs(&self) -> &[Program] {
        std::slice::from_ref(&self.program)
    }

    fn task_counts(&self, _node: &Node) -> TaskCounts {
        let t = TreeShape::new(&self.grid, &self.spec.axes, self.spec.split_every);
        TaskCounts {
            // A shared scan computes the chunk partials of its members.
            reduce_chunk: if self.shared.is_some() {
                0
            } else {
                self.grid.num_chunks()
            },
            reduce_combine: t.combine_tasks() * t.num_outputs(),
            ..Default::default()
        }
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = self.grid.max_chunk_len();
        let out = node.grid.max_chunk_len() * node.dtype.size();
        let temp = if self.program.is_identity() {
            0
        } else {
            chunk * self.program.dtypes[self.program.result()].size()
        };
        out + temp + program_task_bytes(&self.program, chunk)
    }

    fn task_chunk_shape(&self, _node: &Node) -> Vec<usize> {
        super::max_chunk_shape(&self.grid)
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        self.for_each_input_chunk(node, lin, &mut |region| {
            f(&InputRegion {
                program: 0,
                region: region.to_vec(),
                inserted_axis: None,
            })
        });
    }

    fn tree(&self) -> Option<&dyn TreeOp> {
        Some(self)
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        walk_tree(self, node, lin, env)
    }
}

impl TreeOp for ReduceOp {
    fn root(&self, _node: &Node, _lin: usize) -> TreeBox {
        self.tree.counts.iter().map(|&c| (0, c)).collect()
    }

    fn children(&self, bx: &TreeBox) -> Option<Vec<TreeBox>> {
        let lens: Vec<usize> = bx.iter().map(|b| b.1).collect();
        if lens.iter().product::<usize>() <= 1 {
            return None;
        }
        // A box the tree splits goes to its pieces; one it does not, to its single chunks.
        let pieces = self.tree.split(&lens).unwrap_or_else(|| {
            lens.iter()
                .map(|&l| (0..l).map(|i| (i, 1)).collect())
                .collect()
        });
        let mut out = Vec::new();
        for_each_box(&pieces, |b| {
            out.push(
                b.iter()
                    .zip(bx)
                    .map(|(&(o, l), &(s, _))| (s + o, l))
                    .collect(),
            )
        });
        Some(out)
    }

    fn leaf_reads(&self, node: &Node, lin: usize, bx: &TreeBox, f: &mut dyn FnMut(&InputRegion)) {
        let ridx: Vec<usize> = bx.iter().map(|b| b.0).collect();
        let idx = self.input_chunk_index(node, lin, &ridx);
        let mut region = Vec::new();
        self.grid.region(&idx, &mut region);
        f(&InputRegion {
            program: 0,
            region,
            inserted_axis: None,
        });
    }

    fn leaf(
        &self,
        node: &Node,
        lin: usize,
        bx: &TreeBox,
        env: &TaskEnv<'_>,
    ) -> Result<(Payload, usize)> {
        let ridx: Vec<usize> = bx.iter().map(|b| b.0).collect();
        let idx = self.input_chunk_index(node, lin, &ridx);
        self.exec.chunk_partial(self, &idx, env)
    }

    fn combine(&self, parts: &[Payload], env: &TaskEnv<'_>) -> Result<(Payload, usize)> {
        self.exec.combine(parts, env)
    }

    fn encode_partial(&self, part: &Payload, out: &mut Vec<u8>) -> Result<()> {
        self.exec.encode_partial(&**part, out)
    }

    fn decode_partial(&self, inp: &mut &[u8]) -> Result<(Payload, usize)> {
        let (part, bytes) = self.exec.decode_partial(inp)?;
        Ok((Payload::from(part), bytes))
    }

    fn finish(
        &self,
        node: &Node,
        lin: usize,
        part: &Payload,
        _env: &TaskEnv<'_>,
    ) -> Result<ChunkData> {
        self.exec.finish(self, node, lin, part)
    }
}
