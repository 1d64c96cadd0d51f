//! The scan operators (`cumsum`, `cumprod`, `nancumsum`, `nancumprod` along an axis).
//!
//! A scan is two stages. [`ScanTotalsOp`] reduces every input chunk along the axis to its
//! total (one element per chunk along it, accumulated in the scan's order). [`ScanOp`] then
//! scans each input chunk starting from its carry: the totals of the chunks before it along
//! the axis, accumulated in order. Each input chunk is read twice and the totals are tiny; the
//! carry's order depends only on the chunking, so results do not depend on the thread count.

use super::{one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion, Region};
use crate::chunks::ChunkGrid;
use crate::dtype::ChunkData;
use crate::error::Result;
use crate::eval::map::map_chunk;
use crate::eval::scan::{carry, scan};
use crate::expr::{Node, ScanKind};
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;

/// The total of each chunk of the input along `axis`.
#[derive(Debug, Clone)]
pub(crate) struct ScanTotalsOp {
    /// What is accumulated.
    pub kind: ScanKind,
    /// The scanned axis.
    pub axis: usize,
    /// The fused program of the input.
    pub program: Program,
    /// The input's chunk grid.
    pub input_grid: ChunkGrid,
}

impl ChunkOp for ScanTotalsOp {
    fn describe(&self) -> String {
        format!("{} chunk totals axis={}", self.kind.name(), self.axis)
    }

    fn programs(&self) -> &[Program] {
        std::slice::from_ref(&self.program)
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = self.input_grid.max_chunk_len();
        let input = chunk * self.program.dtypes[self.program.result()].size();
        input
            + node.grid.max_chunk_len() * node.dtype.size()
            + program_task_bytes(&self.program, chunk)
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        // Chunk `c` along the axis is the total of input chunk `c`: the same chunk index.
        let mut idx = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut idx);
        self.input_grid.region(&idx, &mut region);
        f(&InputRegion {
            program: 0,
            region,
            inserted_axis: None,
        });
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let mut input = None;
        self.reads(node, lin, &mut |r| input = Some(r.region.clone()));
        let region = input.unwrap_or_default();
        let dtype = self.program.dtypes[self.program.result()];
        let values = map_chunk(&self.program, dtype, &region, None, env)?;
        scan(self.kind, self.axis, &values, None, true)
    }
}

/// The scan itself: each input chunk scanned from its carry.
#[derive(Debug, Clone)]
pub(crate) struct ScanOp {
    /// What is accumulated.
    pub kind: ScanKind,
    /// The scanned axis.
    pub axis: usize,
    /// The fused programs of the input (0) and of its chunk totals (1).
    pub programs: Vec<Program>,
}

impl ScanOp {
    /// The input region of output chunk `lin`, and the region of the totals of the chunks
    /// before it along the axis (`None` for the first).
    fn regions(&self, node: &Node, lin: usize) -> (Box<Region>, Option<Box<Region>>) {
        let mut idx = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut idx);
        node.grid.region(&idx, &mut region);
        let c = idx[self.axis];
        let before = (c > 0).then(|| {
            let mut r = region.clone();
            r[self.axis] = (0, c);
            r.into_boxed_slice()
        });
        (region.into_boxed_slice(), before)
    }
}

impl ChunkOp for ScanOp {
    fn describe(&self) -> String {
        format!("{} axis={}", self.kind.name(), self.axis)
    }

    fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let chunk = node.grid.max_chunk_len();
        let input = chunk * self.programs[0].dtypes[self.programs[0].result()].size();
        input + chunk * node.dtype.size() + program_task_bytes(&self.programs[0], chunk)
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        let (region, before) = self.regions(node, lin);
        f(&InputRegion {
            program: 0,
            region: region.into_vec(),
            inserted_axis: None,
        });
        if let Some(region) = before {
            f(&InputRegion {
                program: 1,
                region: region.into_vec(),
                inserted_axis: None,
            });
        }
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let (region, before) = self.regions(node, lin);
        let input = &self.programs[0];
        let values = map_chunk(input, input.dtypes[input.result()], &region, None, env)?;
        let carry = match before {
            Some(r) => {
                let totals = map_chunk(&self.programs[1], node.dtype, &r, None, env)?;
                Some(carry(self.kind, self.axis, &totals)?)
            }
            None => None,
        };
        scan(self.kind, self.axis, &values, carry.as_ref(), false)
    }
}
