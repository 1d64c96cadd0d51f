//! The kept-chunk operator: the chunks of an elementwise output that a shared scan computed
//! beside its reductions (a Zarr write next to a reduction of the same input, say). Each
//! task takes its chunk from the scan's payload of the same chunk index.

use super::{chunk_region, one_task_per_chunk, ChunkOp, InputRegion};
use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::eval::reduce_stage::SharedPartials;
use crate::expr::Node;
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;

/// Hands on the chunks that shared scan stage `stage` kept as its entry `entry`.
#[derive(Debug, Clone)]
pub(crate) struct KeptChunkOp {
    /// A program whose one leaf is the shared scan's stage (for read counting and plans).
    pub program: Program,
    /// The shared scan's stage.
    pub stage: usize,
    /// The chunk's index in the scan's payload (after the reductions' partials).
    pub entry: usize,
}

impl ChunkOp for KeptChunkOp {
    fn describe(&self) -> String {
        format!("chunks kept by the shared scan of stage {}", self.stage)
    }

    fn programs(&self) -> &[Program] {
        std::slice::from_ref(&self.program)
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        node.grid.max_chunk_len() * node.dtype.size()
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        f(&InputRegion {
            program: 0,
            region: chunk_region(&node.grid, lin),
            inserted_axis: None,
        });
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.check()?;
        env.counters.add_map();
        let payload = env.fetch.payload(self.stage, lin)?;
        let bad = || Error::internal(node.label(), "a shared scan without the kept chunk");
        let parts = payload.downcast_ref::<SharedPartials>().ok_or_else(bad)?;
        let chunk = parts.get(self.entry).ok_or_else(bad)?;
        chunk.downcast_ref::<ChunkData>().cloned().ok_or_else(bad)
    }
}
