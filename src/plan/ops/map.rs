//! The map operator: an elementwise expression, one task per output chunk.

use super::{chunk_region, one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion};
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::map::map_chunk;
use crate::expr::Node;
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;

/// Computes each output chunk by running one fused program over the chunk's region.
#[derive(Debug, Clone)]
pub(crate) struct MapOp {
    /// The fused program computing the node.
    pub program: Program,
}

impl ChunkOp for MapOp {
    fn describe(&self) -> String {
        "map".into()
    }

    fn programs(&self) -> &[Program] {
        std::slice::from_ref(&self.program)
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = node.grid.max_chunk_len();
        chunk * node.dtype.size() + program_task_bytes(&self.program, chunk)
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        if let Some(r) = self.direct(node, lin) {
            f(&r);
        }
    }

    fn direct(&self, node: &Node, lin: usize) -> Option<InputRegion> {
        Some(InputRegion {
            program: 0,
            region: chunk_region(&node.grid, lin),
            inserted_axis: None,
        })
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let region = chunk_region(&node.grid, lin);
        map_chunk(&self.program, node.dtype, &region, None, env)
    }
}
