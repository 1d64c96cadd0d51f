//! The reshape operator: each output block is one input block with its elements (in C order)
//! laid out in the output block's shape.

use super::{one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion};
use crate::chunks::ChunkGrid;
use crate::dtype::{with_dtype, ChunkData, Element};
use crate::error::{Error, Result};
use crate::eval::map::map_chunk;
use crate::expr::{AxisGroup, Node};
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;
use ndarray::IxDyn;

/// Reshapes block by block.
#[derive(Debug, Clone)]
pub(crate) struct ReshapeOp {
    /// The fused program of the (rechunked) input.
    pub program: Program,
    /// The input's chunk grid.
    pub input_grid: ChunkGrid,
    /// Which input axes become which output axes.
    pub groups: Vec<AxisGroup>,
}

impl ReshapeOp {
    /// The input region of output block `lin`.
    fn input_region(&self, node: &Node, lin: usize) -> Vec<(usize, usize)> {
        let mut out_idx = Vec::new();
        node.grid.unravel(lin, &mut out_idx);
        let mut in_idx = vec![0; self.input_grid.ndim()];
        for g in &self.groups {
            if !g.input.is_empty() && !g.output.is_empty() {
                in_idx[g.input.start] = out_idx[g.output.start];
            }
        }
        let mut region = Vec::new();
        self.input_grid.region(&in_idx, &mut region);
        region
    }
}

impl ChunkOp for ReshapeOp {
    fn describe(&self) -> String {
        "reshape".into()
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
        f(&InputRegion {
            program: 0,
            region: self.input_region(node, lin),
            inserted_axis: None,
        });
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let region = self.input_region(node, lin);
        let block = map_chunk(&self.program, node.dtype, &region, None, env)?;
        let shape = node.grid.region_shape(lin);
        with_dtype!(node.dtype, T => {
            let a = T::from_chunk(block)
                .ok_or_else(|| Error::internal("reshape", "block of another dtype"))?;
            let a = a.into_shape_with_order(IxDyn(&shape)).map_err(|e| {
                Error::internal("reshape", format!("block {lin} to shape {shape:?}: {e}"))
            })?;
            Ok(T::into_chunk(a))
        })
    }
}
