//! The map-blocks operator: a user function over the aligned blocks of its inputs.

use super::{one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion};
use crate::array::BlockInfo;
use crate::chunks::ChunkGrid;
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::map::map_chunk;
use crate::expr::{BlockFn, Node};
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;
use std::sync::Arc;

/// Output block `i` is the function of block `i` of every input.
#[derive(Debug, Clone)]
pub(crate) struct MapBlocksOp {
    /// The user's function.
    pub func: Arc<dyn BlockFn>,
    /// The fused program of each input.
    pub programs: Vec<Program>,
    /// The shape of each input (for broadcasting).
    pub shapes: Vec<Vec<usize>>,
    /// The grid the inputs are aligned to.
    pub in_grid: ChunkGrid,
}

impl MapBlocksOp {
    /// The block index and aligned region of output block `lin`, and each input's region.
    fn regions(&self, node: &Node, lin: usize) -> (BlockInfo, Vec<Vec<(usize, usize)>>) {
        let mut index = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut index);
        self.in_grid.region(&index, &mut region);
        let full = self.in_grid.shape();
        let nd = full.len();
        let inputs = self
            .shapes
            .iter()
            .map(|s| {
                let skip = nd - s.len();
                s.iter()
                    .enumerate()
                    .map(|(k, &len)| {
                        if len == 1 && full[skip + k] != 1 {
                            (0, 1) // broadcast along this axis: its one element
                        } else {
                            region[skip + k]
                        }
                    })
                    .collect()
            })
            .collect();
        let out_shape = node.grid.region_shape(lin);
        (
            BlockInfo {
                index,
                region,
                out_shape,
            },
            inputs,
        )
    }
}

impl ChunkOp for MapBlocksOp {
    fn describe(&self) -> String {
        format!(
            "map_blocks {} inputs={}",
            self.func.name(),
            self.programs.len()
        )
    }

    fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = self.in_grid.max_chunk_len();
        let inputs: usize = self
            .programs
            .iter()
            .map(|p| chunk * p.dtypes[p.result()].size() + program_task_bytes(p, chunk))
            .sum();
        inputs + node.grid.max_chunk_len() * node.dtype.size()
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        let (_, regions) = self.regions(node, lin);
        for (program, region) in regions.into_iter().enumerate() {
            f(&InputRegion {
                program,
                region,
                inserted_axis: None,
            });
        }
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let (info, regions) = self.regions(node, lin);
        let blocks = self
            .programs
            .iter()
            .zip(&regions)
            .map(|(p, r)| map_chunk(p, p.dtypes[p.result()], r, None, env))
            .collect::<Result<Vec<_>>>()?;
        self.func.call(&blocks, &info)
    }
}
