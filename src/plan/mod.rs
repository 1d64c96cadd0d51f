//! Lowering of the expression graph to a plan of array-level stages.
//!
//! A stage is one fused operation over a whole array: a **map** stage computes the chunks of
//! an elementwise expression (fused into one register program), a **reduce** stage runs a
//! fused program over the chunks of its input and combines the partial results in a tree.
//! Elementwise and transpose nodes never become stages of their own: they are fused into
//! every stage that reads them. Nodes no output needs are never visited (culling), and chunk
//! tasks are enumerated from a stage by index arithmetic, so building a plan costs the same
//! for 10 chunks as for 10⁶.

pub(crate) mod ops;
pub(crate) mod optimize;
mod program;
pub(crate) mod tree;

pub(crate) use program::{Instr, Leaf, Program, NO_ROOT_AXIS};

use crate::chunks::ChunkGrid;
use crate::expr::{Node, NodeId, Op};
use ops::blocks::MapBlocksOp;
use ops::concat::ConcatOp;
use ops::kept_chunk::KeptChunkOp;
use ops::map::MapOp;
use ops::reduce::{ReduceOp, SharedRef};
use ops::reshape::ReshapeOp;
use ops::scan::{ScanOp, ScanTotalsOp};
use ops::shared_scan::SharedScanOp;
use ops::ChunkOp;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// One array-level stage of a plan: the operator producing the chunks of one node.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    /// The node whose chunks this stage produces.
    pub node: Arc<Node>,
    /// How they are computed.
    pub op: Arc<dyn ChunkOp>,
    /// What becomes of a stored chunk of this stage that does not fit the memory budget.
    pub overflow: Overflow,
}

/// What becomes of a stored chunk that does not fit the memory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Dropped; each reader reads it again (a held store or generator: cheap to re-read).
    Reread,
    /// Written to a spill file and read back by its readers.
    Spill,
}

impl Stage {
    /// Number of tasks by kind.
    pub fn task_counts(&self) -> TaskCounts {
        self.op.task_counts(&self.node)
    }

    /// Memory a single task of this stage needs at most, in bytes.
    pub fn projected_task_bytes(&self) -> usize {
        self.op.projected_task_bytes(&self.node)
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
    /// The optimizer passes that changed the plan, with what they did.
    pub(crate) passes: Vec<String>,
    /// The memory limit the plan was built for, in bytes.
    pub(crate) budget: usize,
}

/// A read-only description of one stage of a [`Plan`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StageInfo {
    /// The operator, e.g. `map`, `reduce sum axes=[0] split_every=8`, `concatenate axis=1`.
    pub operator: String,
    /// The reduction the stage computes, or `None` for a map stage (one task per chunk).
    pub reduction: Option<crate::expr::ReduceKind>,
    /// The operation producing the stage's chunks, as [`Array::explain`](crate::Array::explain)
    /// names it.
    pub label: String,
    /// The fused program of each input, e.g. `add(sin(L0), 1.0)` (`; ` between inputs).
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
                operator: st.op.describe(),
                reduction: st.op.reduction().map(|r| r.kind),
                label: st.node.label(),
                program: describe_programs(st.op.programs()),
                dtype: st.node.dtype,
                shape: st.node.shape.clone(),
                chunks: st.node.grid.clone(),
                tasks: st.task_counts(),
                is_output: self.outputs.contains(&i),
            })
            .collect()
    }

    /// Lowers the expressions `outputs` into one plan over their shared graph, for the
    /// default memory limit.
    pub(crate) fn build(outputs: &[Arc<Node>]) -> Plan {
        Self::build_for(outputs, crate::ComputeOptions::default_memory_limit())
    }

    /// Lowers the expressions `outputs` into one plan for a memory limit of `budget` bytes.
    pub(crate) fn build_for(outputs: &[Arc<Node>], budget: usize) -> Plan {
        Plan {
            budget,
            ..Self::build_with(outputs, optimize::passes(budget))
        }
    }

    /// [`build`](Self::build) with the optimizer passes `passes`, in their order.
    pub(crate) fn build_with(outputs: &[Arc<Node>], passes: Vec<Box<dyn optimize::Pass>>) -> Plan {
        let mut graph = optimize::StageGraph {
            outputs: outputs.to_vec(),
            ..Default::default()
        };
        // The stages are worked out again only before a pass that reads them, after one
        // changed the graph (and at the end).
        let (mut stage_nodes, mut stage_of) = (Vec::new(), HashMap::new());
        let mut current = false;
        let mut changed = Vec::new();
        for pass in passes {
            if pass.needs_stages() && !current {
                (stage_nodes, stage_of) = graph.stages();
                current = true;
            }
            if let Some(what) = pass.run(&mut graph, &stage_nodes, &stage_of) {
                changed.push(format!("{}: {what}", pass.name()));
                current = false;
            }
        }
        if !current {
            (stage_nodes, stage_of) = graph.stages();
        }
        // Programs read a stage's stored chunks for every stage but those of sources,
        // generators and in-memory arrays that are outputs themselves: those are read
        // directly, unless the hold-or-recompute pass held them.
        let read_from: HashMap<NodeId, usize> = stage_nodes
            .iter()
            .filter(|n| !n.is_source() || graph.held.contains(&n.id))
            .map(|n| (n.id, stage_of[&n.id]))
            .collect();
        let stages = stage_nodes
            .iter()
            .map(|node| Stage {
                node: node.clone(),
                op: lower(node, &read_from, &graph),
                overflow: if node.is_source() && !graph.spill.contains(&node.id) {
                    Overflow::Reread
                } else {
                    Overflow::Spill
                },
            })
            .collect();
        Plan {
            stages,
            outputs: graph.outputs.iter().map(|o| stage_of[&o.id]).collect(),
            passes: changed,
            budget: crate::ComputeOptions::default_memory_limit(),
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
            let _ = writeln!(
                s,
                "stage {i}: {} -> {} {:?} chunks {} ({} chunks)",
                st.op.describe(),
                st.node.dtype,
                st.node.shape,
                st.node.grid.describe(),
                st.node.grid.num_chunks()
            );
            let programs = st.op.programs();
            for (pi, p) in programs.iter().enumerate() {
                let name = if programs.len() > 1 {
                    format!("input {pi}")
                } else {
                    "program".into()
                };
                let _ = writeln!(s, "  {name}: {}", p.describe());
                for (li, l) in p.leaves.iter().enumerate() {
                    let src = match l.stage {
                        Some(k) => format!("stage {k}"),
                        None => l.node.label(),
                    };
                    let _ = writeln!(
                        s,
                        "    L{li}: {src} {} {:?} axes->{:?}",
                        l.node.dtype, l.node.shape, l.axis_to_root
                    );
                }
            }
            let _ = writeln!(
                s,
                "  tasks: map={} reduce-chunk={} reduce-combine={}; per-task memory <= {} bytes",
                t.map,
                t.reduce_chunk,
                t.reduce_combine,
                st.projected_task_bytes()
            );
            if !self.outputs.contains(&i) {
                let over = match st.overflow {
                    Overflow::Reread => "dropped and re-read by each reader",
                    Overflow::Spill => "spilled to disk and read back",
                };
                let _ = writeln!(
                    s,
                    "  stored chunks: {} bytes each at most; over the memory limit {over}",
                    st.node.grid.max_chunk_len() * st.node.dtype.size()
                );
            }
        }
        let _ = writeln!(s, "memory limit: {} bytes", self.budget);
        for p in &self.passes {
            let _ = writeln!(s, "pass {p}");
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

/// The operator computing `node`, whose inputs are read through `stage_of`.
fn lower(
    node: &Arc<Node>,
    stage_of: &HashMap<NodeId, usize>,
    graph: &optimize::StageGraph,
) -> Arc<dyn ChunkOp> {
    match &node.op {
        Op::Reduce(spec, input) if graph.shared.contains_key(&node.id) => {
            let (scan, member) = &graph.shared[&node.id];
            Arc::new(ReduceOp::shared(
                spec.clone(),
                Program::build(scan, stage_of, None),
                input.grid.clone(),
                input.dtype,
                SharedRef {
                    stage: stage_of[&scan.id],
                    member: *member,
                },
            ))
        }
        Op::SharedScan { inputs, specs } => {
            // The kept outputs are computed here, not read from their own stages (which
            // read this one).
            let kept: Vec<NodeId> = inputs[specs.len().min(inputs.len())..]
                .iter()
                .map(|n| n.id)
                .collect();
            let inner = optimize::stages_except(stage_of, |id| kept.contains(&id));
            let (program, regs) = Program::build_many(inputs, &inner);
            Arc::new(SharedScanOp::new(
                program,
                regs,
                specs.clone(),
                inputs[0].grid.clone(),
            ))
        }
        _ if graph.shared.contains_key(&node.id) => {
            let (scan, entry) = &graph.shared[&node.id];
            Arc::new(KeptChunkOp {
                program: Program::build(scan, stage_of, None),
                stage: stage_of[&scan.id],
                entry: *entry,
            })
        }
        Op::Reduce(spec, input) => Arc::new(ReduceOp::new(
            spec.clone(),
            Program::build(input, stage_of, None),
            input.grid.clone(),
        )),
        Op::Concat {
            axis,
            stack,
            inputs,
        } => {
            let programs = inputs
                .iter()
                .map(|i| Program::build(i, stage_of, None))
                .collect();
            let (mut first_chunk, mut start) = (Vec::new(), Vec::new());
            let (mut c, mut e) = (0, 0);
            for i in inputs {
                first_chunk.push(c);
                start.push(e);
                if *stack {
                    c += 1;
                    e += 1;
                } else {
                    c += i.grid.axis(*axis).count();
                    e += i.shape[*axis];
                }
            }
            Arc::new(ConcatOp {
                axis: *axis,
                stack: *stack,
                programs,
                first_chunk,
                start,
            })
        }
        Op::MapBlocks {
            func,
            inputs,
            in_grid,
        } => Arc::new(MapBlocksOp {
            func: func.clone(),
            programs: inputs
                .iter()
                .map(|i| Program::build(i, stage_of, None))
                .collect(),
            shapes: inputs.iter().map(|i| i.shape.clone()).collect(),
            in_grid: in_grid.clone(),
        }),
        Op::Gather {
            func,
            inputs,
            reads,
        } => Arc::new(ops::gather::GatherOp {
            func: func.clone(),
            programs: inputs
                .iter()
                .map(|i| Program::build(i, stage_of, None))
                .collect(),
            reads: reads.clone(),
        }),
        Op::MatMul(a, b) => Arc::new(ops::contract::ContractOp {
            programs: vec![
                Program::build(a, stage_of, None),
                Program::build(b, stage_of, None),
            ],
            k: a.grid.axis(a.shape.len() - 1).clone(),
            shapes: [a.shape.clone(), b.shape.clone()],
        }),
        Op::Reshape { input, groups } => Arc::new(ReshapeOp {
            program: Program::build(input, stage_of, None),
            input_grid: input.grid.clone(),
            groups: groups.clone(),
        }),
        Op::ScanTotals { kind, axis, input } => Arc::new(ScanTotalsOp {
            kind: *kind,
            axis: *axis,
            program: Program::build(input, stage_of, None),
            input_grid: input.grid.clone(),
        }),
        Op::Scan {
            kind,
            axis,
            input,
            totals,
        } => Arc::new(ScanOp {
            kind: *kind,
            axis: *axis,
            programs: vec![
                Program::build(input, stage_of, None),
                Program::build(totals, stage_of, None),
            ],
        }),
        _ => Arc::new(MapOp {
            program: Program::build(node, stage_of, Some(node.id)),
        }),
    }
}

/// The programs of an operator's inputs in one line.
fn describe_programs(programs: &[Program]) -> String {
    programs
        .iter()
        .map(|p| p.describe())
        .collect::<Vec<_>>()
        .join("; ")
}
