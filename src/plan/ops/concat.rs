//! The concatenate operator (`concatenate` and `stack`): the output's chunks along the joined
//! axis are the inputs' chunks one after another, so each output chunk is one region of one
//! input, computed by that input's fused program (nothing is copied twice).

use super::{one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion};
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::map::map_chunk;
use crate::expr::Node;
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;

/// Joins its inputs along `axis`.
#[derive(Debug, Clone)]
pub(crate) struct ConcatOp {
    /// The joined axis of the output.
    pub axis: usize,
    /// Whether `axis` is a new axis (`stack`: input `i` is index `i` along it) rather than an
    /// existing one (`concatenate`).
    pub stack: bool,
    /// The fused program of each input.
    pub programs: Vec<Program>,
    /// The output chunk index along `axis` where each input begins.
    pub first_chunk: Vec<usize>,
    /// The output element offset along `axis` where each input begins.
    pub start: Vec<usize>,
}

impl ChunkOp for ConcatOp {
    fn describe(&self) -> String {
        let what = if self.stack { "stack" } else { "concatenate" };
        format!("{what} axis={} inputs={}", self.axis, self.programs.len())
    }

    fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = node.grid.max_chunk_len();
        let generated = self
            .programs
            .iter()
            .map(|p| program_task_bytes(p, chunk))
            .max()
            .unwrap_or(0);
        chunk * node.dtype.size() + generated
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        if let Some(r) = self.direct(node, lin) {
            f(&r);
        }
    }

    fn direct(&self, node: &Node, lin: usize) -> Option<InputRegion> {
        let mut idx = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut idx);
        node.grid.region(&idx, &mut region);
        let c = idx[self.axis];
        let input = self
            .first_chunk
            .partition_point(|&f| f <= c)
            .checked_sub(1)?;
        if self.stack {
            region.remove(self.axis);
        } else {
            region[self.axis].0 -= self.start[input];
        }
        Some(InputRegion {
            program: input,
            region,
            inserted_axis: self.stack.then_some(self.axis),
        })
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        let r = self.direct(node, lin).ok_or_else(|| {
            crate::error::Error::internal(node.label(), format!("chunk {lin} has no input"))
        })?;
        env.counters.add_map();
        map_chunk(
            &self.programs[r.program],
            node.dtype,
            &r.region,
            r.inserted_axis,
            env,
        )
    }
}
