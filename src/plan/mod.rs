//! Lowering of the expression graph to a plan of array-level stages.
//!
//! A stage is one fused operation over a whole array: a **map** stage computes the chunks of
//! an elementwise expression (fused into one register program), a **reduce** stage runs a
//! fused program over the chunks of its input and combines the partial results in a tree.
//! Elementwise and transpose nodes never become stages of their own: they are fused into
//! every stage that reads them. Nodes no output needs are never visited (culling), and chunk
//! tasks are enumerated from a stage by index arithmetic, so building a plan costs the same
//! for 10 chunks as for 10⁶.

mod program;
pub(crate) mod tree;

pub(crate) use program::{Instr, Leaf, Program};

use crate::chunks::ChunkGrid;
use crate::expr::{Node, NodeId, Op, ReduceSpec};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// What a stage does.
#[derive(Debug, Clone)]
pub(crate) enum StageKind {
    /// One task per output chunk evaluates the program over the chunk's region.
    Map,
    /// One task per input chunk evaluates the program and reduces it to a partial; partials
    /// are combined in a tree of at most `split_every` inputs per task.
    Reduce(ReduceSpec),
}

/// One array-level stage of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    /// The node whose chunks this stage produces.
    pub node: Arc<Node>,
    /// What the stage does.
    pub kind: StageKind,
    /// The fused program (for a reduce stage, the program computing the reduction's input).
    pub program: Program,
    /// The chunk grid the program runs over (the output's for map stages, the input's for
    /// reduce stages).
    pub grid: ChunkGrid,
}

impl Stage {
    /// Number of tasks by kind: (`map`, `reduce-chunk`, `reduce-combine`).
    pub fn task_counts(&self) -> TaskCounts {
        match &self.kind {
            StageKind::Map => TaskCounts {
                map: self.grid.num_chunks(),
                ..Default::default()
            },
            StageKind::Reduce(spec) => {
                let t = tree::TreeShape::new(&self.grid, &spec.axes, spec.split_every);
                TaskCounts {
                    reduce_chunk: self.grid.num_chunks(),
                    reduce_combine: t.combine_tasks() * t.num_outputs(),
                    ..Default::default()
                }
            }
        }
    }

    /// Memory a single task of this stage needs at most, in bytes: its input views that must
    /// be generated, its output, and its working buffers.
    pub fn projected_task_bytes(&self) -> usize {
        let chunk = self.grid.max_chunk_len();
        let out = chunk * self.node.dtype.size();
        let generated: usize = self
            .program
            .leaves
            .iter()
            .filter(|l| matches!(l.node.op, Op::Generate(_)))
            .map(|l| chunk * l.node.dtype.size())
            .sum();
        let temp = match &self.kind {
            StageKind::Reduce(_) if !self.program.is_identity() => {
                chunk * self.program.dtypes[self.program.result()].size()
            }
            _ => 0,
        };
        out + generated + temp
    }
}

/// Counts of chunk tasks by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounts {
    /// Fused elementwise tasks writing one chunk each.
    pub map: usize,
    /// First-level reduction tasks (one per input chunk, elementwise work fused in).
    pub reduce_chunk: usize,
    /// Tree tasks combining partial results.
    pub reduce_combine: usize,
}

impl TaskCounts {
    /// All tasks.
    pub fn total(&self) -> usize {
        self.map + self.reduce_chunk + self.reduce_combine
    }
}

impl std::ops::AddAssign for TaskCounts {
    fn add_assign(&mut self, o: Self) {
        self.map += o.map;
        self.reduce_chunk += o.reduce_chunk;
        self.reduce_combine += o.reduce_combine;
    }
}

/// A lowered, optimized plan: stages in dependency order and the stages of the outputs.
///
/// Its inside is private; [`stages`](Plan::stages), [`task_counts`](Plan::task_counts) and
/// [`explain`](Plan::explain) describe it.
///
/// ```
/// use tessera::{random, ReduceKind};
/// let x = random::uniform::<f64>(&[1000], 100, 1).unwrap();
/// let plan = (x.sin() + 1.0).sum(..).unwrap().plan();
/// let stages = plan.stages();
/// assert_eq!(stages.len(), 1); // sin and + run inside the reduction's first level
/// assert_eq!(stages[0].reduction, Some(ReduceKind::Sum));
/// assert_eq!(plan.task_counts().reduce_chunk, 10);
/// ```
#[derive(Debug, Clone)]
pub struct Plan {
    /// Stages; every stage's inputs come before it.
    pub(crate) stages: Vec<Stage>,
    /// The stage computing each requested output.
    pub(crate) outputs: Vec<usize>,
}

/// A read-only description of one stage of a [`Plan`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StageInfo {
    /// The reduction the stage computes, or `None` for a map stage (one task per chunk).
    pub reduction: Option<crate::expr::ReduceKind>,
    /// The operation producing the stage's chunks, as [`Array::explain`](crate::Array::explain)
    /// names it.
    pub label: String,
    /// The fused program each task runs, e.g. `add(sin(L0), 1.0)`.
    pub program: String,
    /// Element type of the stage's chunks.
    pub dtype: crate::dtype::DType,
    /// Shape of the stage's result.
    pub shape: Vec<usize>,
    /// Chunking of the stage's result.
    pub chunks: ChunkGrid,
    /// Its chunk tasks.
    pub tasks: TaskCounts,
    /// Whether the stage computes a requested output (rather than an intermediate).
    pub is_output: bool,
}

impl Plan {
    /// The stages in the order they run; every stage comes after the stages it reads.
    pub fn stages(&self) -> Vec<StageInfo> {
        self.stages
            .iter()
            .enumerate()
            .map(|(i, st)| StageInfo {
                reduction: match &st.kind {
                    StageKind::Reduce(spec) => Some(spec.kind),
                    StageKind::Map => None,
                },
                label: st.node.label(),
                program: st.program.describe(),
                dtype: st.node.dtype,
                shape: st.node.shape.clone(),
                chunks: st.node.grid.clone(),
                tasks: st.task_counts(),
                is_output: self.outputs.contains(&i),
            })
            .collect()
    }

    /// Lowers the expressions `outputs` into one plan over their shared graph.
    pub(crate) fn build(outputs: &[Arc<Node>]) -> Plan {
        // Which nodes become stages: the outputs and every reduction they need.
        let mut stage_nodes: Vec<Arc<Node>> = Vec::new();
        let mut stage_of: HashMap<NodeId, usize> = HashMap::new();
        let mut visited: HashMap<NodeId, ()> = HashMap::new();
        let output_ids: Vec<NodeId> = outputs.iter().map(|n| n.id).collect();
        for o in outputs {
            collect(
                o,
                &output_ids,
                &mut visited,
                &mut stage_nodes,
                &mut stage_of,
            );
        }
        let stages = stage_nodes
            .iter()
            .map(|node| match &node.op {
                Op::Reduce(spec, input) => Stage {
                    node: node.clone(),
                    kind: StageKind::Reduce(spec.clone()),
                    program: Program::build(input, &stage_of, Some(node.id)),
                    grid: input.grid.clone(),
                },
                _ => Stage {
                    node: node.clone(),
                    kind: StageKind::Map,
                    program: Program::build(node, &stage_of, Some(node.id)),
                    grid: node.grid.clone(),
                },
            })
            .collect();
        Plan {
            stages,
            outputs: outputs.iter().map(|o| stage_of[&o.id]).collect(),
        }
    }

    /// Task counts summed over all stages.
    pub fn task_counts(&self) -> TaskCounts {
        let mut t = TaskCounts::default();
        for s in &self.stages {
            t += s.task_counts();
        }
        t
    }

    /// A readable description of the plan: one line per stage with its fused program,
    /// chunking and task counts.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        for (i, st) in self.stages.iter().enumerate() {
            let t = st.task_counts();
            let kind = match &st.kind {
                StageKind::Map => "map".to_string(),
                StageKind::Reduce(r) => format!(
                    "reduce {} axes={:?} split_every={}",
                    r.kind.name(),
                    r.axes,
                    r.split_every
                ),
            };
            let _ = writeln!(
                s,
                "stage {i}: {kind} -> {} {:?} chunks {} ({} chunks)",
                st.node.dtype,
                st.node.shape,
                st.node.grid.describe(),
                st.node.grid.num_chunks()
            );
            let _ = writeln!(s, "  program: {}", st.program.describe());
            for (li, l) in st.program.leaves.iter().enumerate() {
                let src = match l.stage {
                    Some(k) => format!("stage {k}"),
                    None => l.node.label(),
                };
                let _ = writeln!(
                    s,
                    "  L{li}: {src} {} {:?} axes->{:?}",
                    l.node.dtype, l.node.shape, l.axis_to_root
                );
            }
            let _ = writeln!(
                s,
                "  tasks: map={} reduce-chunk={} reduce-combine={}; per-task memory <= {} bytes",
                t.map,
                t.reduce_chunk,
                t.reduce_combine,
                st.projected_task_bytes()
            );
        }
        let t = self.task_counts();
        let _ = writeln!(
            s,
            "total: {} stages, {} tasks (map={} reduce-chunk={} reduce-combine={})",
            self.stages.len(),
            t.total(),
            t.map,
            t.reduce_chunk,
            t.reduce_combine
        );
        s
    }
}

/// Post-order walk: a node's stage comes after the stages it reads.
fn collect(
    node: &Arc<Node>,
    outputs: &[NodeId],
    visited: &mut HashMap<NodeId, ()>,
    stages: &mut Vec<Arc<Node>>,
    stage_of: &mut HashMap<NodeId, usize>,
) {
    // Iterative DFS so that long elementwise chains cannot overflow the stack.
    let mut stack: Vec<(Arc<Node>, bool)> = vec![(node.clone(), false)];
    while let Some((n, expanded)) = stack.pop() {
        if expanded {
            let is_stage = outputs.contains(&n.id) || matches!(n.op, Op::Reduce(..));
            if is_stage && !stage_of.contains_key(&n.id) {
                stage_of.insert(n.id, stages.len());
                stages.push(n.clone());
            }
            continue;
        }
        if visited.insert(n.id, ()).is_some() {
            continue;
        }
        stack.push((n.clone(), true));
        for i in n.inputs().into_iter().rev() {
            stack.push((i.clone(), false));
        }
    }
}
