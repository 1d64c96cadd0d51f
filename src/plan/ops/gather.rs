//! The gather operator: each output block a function of the input regions its read map
//! lists (any number, from any inputs, anywhere in them).
//!
//! The linear-algebra routines are built from it: a block of TSQR's `Q` reads one block of
//! the local factors and the matching rows of the next level's `Q`; a factorization of a
//! matrix that fits one task reads all of it.

use super::{program_task_bytes, ChunkOp, InputRegion};
use crate::array::BlockInfo;
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::map::{leaves_for, map_chunk};
use crate::eval::BlockViews;
use crate::expr::{BlockFn, BlockRead, Node, ReadMap};
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;
use std::sync::Arc;

/// Output block `i` is `func` of the regions `reads(i)` lists.
#[derive(Debug, Clone)]
pub(crate) struct GatherOp {
    /// The block function.
    pub func: Arc<dyn BlockFn>,
    /// The fused program of each input.
    pub programs: Vec<Program>,
    /// The regions each output block reads.
    pub reads: ReadMap,
}

impl GatherOp {
    /// The block info and the reads of output block `lin`.
    fn block(&self, node: &Node, lin: usize) -> (BlockInfo, Vec<BlockRead>) {
        let mut index = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut index);
        node.grid.region(&index, &mut region);
        let reads = (self.reads.0)(&index);
        let out_shape = region.iter().map(|r| r.1).collect();
        (
            BlockInfo {
                index,
                region,
                out_shape,
            },
            reads,
        )
    }
}

impl ChunkOp for GatherOp {
    fn describe(&self) -> String {
        format!("{} inputs={}", self.func.name(), self.programs.len())
    }

    fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        super::one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let out = node.grid.max_chunk_len() * node.dtype.size();
        let most_read = (0..node.grid.num_chunks())
            .map(|lin| {
                self.block(node, lin)
                    .1
                    .iter()
                    .map(|(input, region)| {
                        let p = &self.programs[*input];
                        let len = region.iter().map(|r| r.1).product::<usize>();
                        len * p.dtypes[p.result()].size() + program_task_bytes(p, len)
                    })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        // The function's own work space (a factorization's copy of its input) is about as
        // large as what it reads.
        2 * most_read + out
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        for (program, region) in self.block(node, lin).1 {
            f(&InputRegion {
                program,
                region,
                inserted_axis: None,
            });
        }
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let (info, reads) = self.block(node, lin);
        if self.programs.iter().all(Program::is_identity) {
            // Plain reads of stored data: the function gets views, without copies.
            let leaves = reads
                .iter()
                .map(|(input, region)| leaves_for(&self.programs[*input], region, env, false))
                .collect::<Result<Vec<_>>>()?;
            let items = reads
                .iter()
                .zip(&leaves)
                .map(|((input, region), l)| {
                    (
                        &l[0],
                        &self.programs[*input].leaves[0],
                        region.iter().map(|r| r.1).collect(),
                    )
                })
                .collect();
            return self.func.call_views(&BlockViews { items }, &info);
        }
        let blocks = reads
            .iter()
            .map(|(input, region)| {
                let p = &self.programs[*input];
                map_chunk(p, p.dtypes[p.result()], region, None, env)
            })
            .collect::<Result<Vec<_>>>()?;
        self.func.call(&blocks, &info)
    }
}
