//! The expression graph: immutable, shared, array-level nodes.
//!
//! Every [`crate::Array`] holds an `Arc<Node>`. Operations create new nodes that point at
//! their inputs; identical subexpressions are the same `Arc` (same [`NodeId`]) and are
//! evaluated once per consumer stage (see `plan`).

mod ops;
mod source;

pub use ops::{BinaryOp, ReduceKind, ScanKind, UnaryOp};
pub use source::ChunkSource;

use crate::chunks::ChunkGrid;
use crate::dtype::{ChunkData, DType, Scalar};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A function over the blocks of arrays, with the element types erased (see
/// `array::blocks`).
pub trait BlockFn: Send + Sync + std::fmt::Debug {
    /// A name for plans and errors.
    fn name(&self) -> String;
    /// Computes one output block from the inputs' blocks.
    fn call(
        &self,
        inputs: &[ChunkData],
        info: &crate::array::BlockInfo,
    ) -> crate::error::Result<ChunkData>;
    /// Computes one output block from views of the inputs' blocks (read in place, where
    /// the blocks are plain reads of stored data, without a copy).
    fn call_views(
        &self,
        inputs: &crate::eval::BlockViews<'_>,
        info: &crate::array::BlockInfo,
    ) -> crate::error::Result<ChunkData>;
}

/// One region one gathered block reads: the input's index and `(start, len)` per axis.
pub type BlockRead = (usize, Vec<(usize, usize)>);

/// Which input regions each output block of an [`Op::Gather`] reads, in the order its
/// function receives them: a function of the output block's index, never a stored list.
#[derive(Clone)]
pub struct ReadMap(pub Arc<ReadFn>);

/// The function behind a [`ReadMap`]: an output block's index to the regions it reads.
pub type ReadFn = dyn Fn(&[usize]) -> Vec<BlockRead> + Send + Sync;

impl std::fmt::Debug for ReadMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadMap")
    }
}

/// Consecutive input axes and output axes of a reshape whose lengths have the same product.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisGroup {
    /// The input axes.
    pub input: std::ops::Range<usize>,
    /// The output axes.
    pub output: std::ops::Range<usize>,
}

/// Identity of a node; unique for the life of the process.
pub type NodeId = u64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One array-level operation with its result's shape, chunking and dtype.
#[derive(Debug)]
pub struct Node {
    /// Unique identity.
    pub id: NodeId,
    /// Element type of the result.
    pub dtype: DType,
    /// Shape of the result.
    pub shape: Vec<usize>,
    /// Chunking of the result.
    pub grid: ChunkGrid,
    /// The operation.
    pub op: Op,
}

/// How elements of a generated array are computed from their index.
#[derive(Debug, Clone, PartialEq)]
pub enum Generator {
    /// `start + i * step` along a 1-d array (float `arange`, `linspace`).
    Range {
        /// First value.
        start: f64,
        /// Increment.
        step: f64,
        /// The exact value of the last element, if given (`linspace` with an endpoint).
        end: Option<f64>,
    },
    /// `start + i * step` in exact integer arithmetic (integer `arange`).
    IntRange {
        /// First value.
        start: i128,
        /// Increment.
        step: i128,
    },
    /// Ones on the `k`-th diagonal of a 2-d array.
    Eye {
        /// Diagonal offset.
        k: i64,
    },
    /// Counter-based uniform values in `[low, high)` keyed by flat index and seed.
    Uniform {
        /// Seed.
        seed: u64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Counter-based normal values keyed by flat index and seed (Box–Muller).
    Normal {
        /// Seed.
        seed: u64,
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Values of another distribution, each element sampled from its own stream keyed by
    /// the seed and its flat index.
    Sample {
        /// Seed.
        seed: u64,
        /// The distribution.
        dist: crate::random::Distribution,
    },
}

/// Parameters of a reduction node.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceSpec {
    /// What is computed.
    pub kind: ReduceKind,
    /// Reduced axes of the input, sorted.
    pub axes: Vec<usize>,
    /// Whether reduced axes stay as length-1 axes.
    pub keepdims: bool,
    /// Largest number of partials combined by one tree task.
    pub split_every: usize,
    /// Delta degrees of freedom for var/std.
    pub ddof: f64,
}

/// The operation of a node.
#[derive(Debug)]
pub enum Op {
    /// A whole in-memory array; chunks are views into it.
    Memory(Arc<ChunkData>),
    /// Materialized chunks in C order of the grid (from `persist`).
    Chunks(Arc<Vec<Arc<ChunkData>>>),
    /// Every element equal to one value (also scalar operands, as 0-d nodes).
    Fill(Scalar),
    /// Generated from the element index.
    Generate(Generator),
    /// Elementwise unary operation.
    Unary(UnaryOp, Arc<Node>),
    /// Elementwise binary operation with broadcasting.
    Binary(BinaryOp, Arc<Node>, Arc<Node>),
    /// `where(cond, a, b)` with broadcasting.
    Where(Arc<Node>, Arc<Node>, Arc<Node>),
    /// Axis permutation: output axis `i` is input axis `perm[i]`.
    Transpose(Vec<usize>, Arc<Node>),
    /// Reduction over axes.
    Reduce(ReduceSpec, Arc<Node>),
    /// Chunks read from external storage (a Zarr array, or any [`ChunkSource`]).
    Source(Arc<dyn ChunkSource>),
    /// The same values with a different chunk grid (the node's grid).
    Rechunk(Arc<Node>),
    /// Every `step[k]`-th element of the input along axis `k` from `start[k]` on (backwards
    /// for a negative step), as many as the node's shape says.
    Slice {
        /// The input element of the node's first element, per axis.
        start: Vec<usize>,
        /// The input stride between successive node elements, per axis (never 0).
        step: Vec<isize>,
        /// The sliced array.
        input: Arc<Node>,
    },
    /// The input with a new axis of length 1 at this position.
    ExpandDims(usize, Arc<Node>),
    /// The input without these axes (sorted; each of length 1).
    Squeeze(Vec<usize>, Arc<Node>),
    /// The running reduction of `input` along `axis`; `totals` is the matching
    /// [`Op::ScanTotals`] node, whose values carry the scan from one chunk to the next.
    Scan {
        /// What is accumulated.
        kind: ScanKind,
        /// The scanned axis.
        axis: usize,
        /// The scanned array.
        input: Arc<Node>,
        /// The total of every chunk of `input` along `axis`.
        totals: Arc<Node>,
    },
    /// The total of each chunk of `input` along `axis` (one element per chunk along it,
    /// accumulated in the scan's order).
    ScanTotals {
        /// What is accumulated.
        kind: ScanKind,
        /// The scanned axis.
        axis: usize,
        /// The scanned array.
        input: Arc<Node>,
    },
    /// A user function applied to the blocks of `inputs` (aligned like elementwise operands);
    /// the node's grid gives each output block's shape.
    MapBlocks {
        /// The function, with its element types erased.
        func: Arc<dyn BlockFn>,
        /// The arrays whose blocks it reads.
        inputs: Vec<Arc<Node>>,
        /// The grid the inputs are aligned to (block `i` of the output reads block `i` of it).
        in_grid: ChunkGrid,
    },
    /// Each output block a function of any regions of the inputs, listed per block by
    /// `reads` (the building block of the linear-algebra routines: a block of `Q` reads one
    /// block of the local factors and one of the next level's).
    Gather {
        /// The function, with its element types erased.
        func: Arc<dyn BlockFn>,
        /// The arrays whose regions it reads.
        inputs: Vec<Arc<Node>>,
        /// The regions each output block reads.
        reads: ReadMap,
    },
    /// The matrix product of two 2-d arrays whose chunks along the contracted axis (columns
    /// of the first, rows of the second) are the same.
    MatMul(Arc<Node>, Arc<Node>),
    /// The elements of `input` in C order, in the node's shape; each group pairs input
    /// axes with the output axes they become, and output block `k` of a group is input block
    /// `k` of its first input axis (the input is chunked so that this holds).
    Reshape {
        /// The array reshaped (already rechunked as the groups need).
        input: Arc<Node>,
        /// The axis groups, in order.
        groups: Vec<AxisGroup>,
    },
    /// The first level of several reductions of one chunk grid, and the chunks of
    /// elementwise outputs of that grid, computed in one pass (made by the shared-scan
    /// optimizer pass, never by users): its chunks are partials and kept chunks.
    SharedScan {
        /// The reductions' inputs, one per spec, then the outputs whose chunks the scan
        /// computes and keeps (all of one shape and grid).
        inputs: Vec<Arc<Node>>,
        /// The reductions.
        specs: Vec<ReduceSpec>,
    },
    /// The inputs joined along `axis`: an existing axis (`concatenate`) or, with `stack`, a
    /// new one at that position.
    Concat {
        /// The joined axis of the result.
        axis: usize,
        /// Whether `axis` is new (input `i` is index `i` along it).
        stack: bool,
        /// The joined arrays, in order.
        inputs: Vec<Arc<Node>>,
    },
}

impl Drop for Node {
    /// Drops the graph below this node with an explicit stack: inputs that this node held
    /// the last reference to are unlinked one at a time, so a chain of any length is freed
    /// without recursion (the derived drop would recurse once per node).
    fn drop(&mut self) {
        let mut stack: Vec<Arc<Node>> = Vec::new();
        take_inputs(&mut self.op, &mut stack);
        while let Some(n) = stack.pop() {
            if let Ok(mut inner) = Arc::try_unwrap(n) {
                take_inputs(&mut inner.op, &mut stack);
            }
        }
    }
}

/// Moves the inputs of `op` onto `stack`, leaving an operation without inputs.
fn take_inputs(op: &mut Op, stack: &mut Vec<Arc<Node>>) {
    if op_is_leaf(op) {
        return;
    }
    match std::mem::replace(op, Op::Fill(Scalar::Bool(false))) {
        Op::Unary(_, a)
        | Op::Transpose(_, a)
        | Op::Reduce(_, a)
        | Op::Rechunk(a)
        | Op::Slice { input: a, .. }
        | Op::ExpandDims(_, a)
        | Op::Squeeze(_, a) => stack.push(a),
        Op::Binary(_, a, b) | Op::MatMul(a, b) => stack.extend([a, b]),
        Op::Where(c, a, b) => stack.extend([c, a, b]),
        Op::Concat { inputs, .. }
        | Op::MapBlocks { inputs, .. }
        | Op::Gather { inputs, .. }
        | Op::SharedScan { inputs, .. } => stack.extend(inputs),
        Op::Scan { input, totals, .. } => stack.extend([input, totals]),
        Op::ScanTotals { input, .. } | Op::Reshape { input, .. } => stack.push(input),
        Op::Memory(_) | Op::Chunks(_) | Op::Fill(_) | Op::Generate(_) | Op::Source(_) => {}
    }
}

fn op_is_leaf(op: &Op) -> bool {
    matches!(
        op,
        Op::Memory(_) | Op::Chunks(_) | Op::Fill(_) | Op::Generate(_) | Op::Source(_)
    )
}

impl Node {
    /// Creates a node with a fresh identity.
    pub fn new(dtype: DType, shape: Vec<usize>, grid: ChunkGrid, op: Op) -> Arc<Node> {
        Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            dtype,
            shape,
            grid,
            op,
        })
    }

    /// The nodes this node reads.
    pub fn inputs(&self) -> Vec<&Arc<Node>> {
        match &self.op {
            Op::Memory(_) | Op::Chunks(_) | Op::Fill(_) | Op::Generate(_) | Op::Source(_) => {
                vec![]
            }
            Op::Unary(_, a)
            | Op::Transpose(_, a)
            | Op::Reduce(_, a)
            | Op::Rechunk(a)
            | Op::Slice { input: a, .. }
            | Op::ExpandDims(_, a)
            | Op::Squeeze(_, a) => vec![a],
            Op::Binary(_, a, b) | Op::MatMul(a, b) => vec![a, b],
            Op::Where(c, a, b) => vec![c, a, b],
            Op::Concat { inputs, .. }
            | Op::MapBlocks { inputs, .. }
            | Op::Gather { inputs, .. }
            | Op::SharedScan { inputs, .. } => inputs.iter().collect(),
            Op::Scan { input, totals, .. } => vec![input, totals],
            Op::ScanTotals { input, .. } | Op::Reshape { input, .. } => vec![input],
        }
    }

    /// Whether this node is always computed by a stage of its own (its chunks are not a
    /// fused view of its inputs): reductions, joins and scans.
    pub fn needs_stage(&self) -> bool {
        matches!(
            self.op,
            Op::Reduce(..)
                | Op::Concat { .. }
                | Op::Scan { .. }
                | Op::ScanTotals { .. }
                | Op::MapBlocks { .. }
                | Op::Gather { .. }
                | Op::MatMul(..)
                | Op::Reshape { .. }
                | Op::SharedScan { .. }
        )
    }

    /// Whether this node is an elementwise operation that can be fused into its consumer.
    pub fn is_elementwise(&self) -> bool {
        matches!(self.op, Op::Unary(..) | Op::Binary(..) | Op::Where(..))
    }

    /// Whether chunks of this node can be produced for any region without a task of its own
    /// (in-memory data, constants, generators, persisted chunks).
    pub fn is_source(&self) -> bool {
        op_is_leaf(&self.op)
    }

    /// A short name of the operation, for plans and error messages.
    pub fn label(&self) -> String {
        match &self.op {
            Op::Memory(_) => "from_ndarray".into(),
            Op::Chunks(_) => "persisted".into(),
            Op::Fill(s) => format!("full({s})"),
            Op::Generate(g) => match g {
                Generator::Range { .. } | Generator::IntRange { .. } => "arange".into(),
                Generator::Eye { k } => format!("eye(k={k})"),
                Generator::Uniform { seed, .. } => format!("uniform(seed={seed})"),
                Generator::Normal { seed, .. } => format!("normal(seed={seed})"),
                Generator::Sample { seed, dist } => format!("{}(seed={seed})", dist.name()),
            },
            Op::Unary(op, _) => op.name().into(),
            Op::Binary(op, _, _) => op.name().into(),
            Op::Where(..) => "where".into(),
            Op::Transpose(p, _) => format!("transpose{p:?}"),
            Op::Reduce(s, _) => format!("{}(axes={:?})", s.kind.name(), s.axes),
            Op::Source(src) => src.label(),
            Op::Rechunk(_) => format!("rechunk({})", self.grid.describe()),
            Op::Slice { start, step, .. } => {
                if step.iter().all(|&k| k == 1) {
                    format!("slice(start={start:?}, shape={:?})", self.shape)
                } else {
                    format!(
                        "slice(start={start:?}, step={step:?}, shape={:?})",
                        self.shape
                    )
                }
            }
            Op::ExpandDims(a, _) => format!("expand_dims(axis={a})"),
            Op::Squeeze(a, _) => format!("squeeze(axes={a:?})"),
            Op::SharedScan { specs, .. } => format!("shared-scan({} reductions)", specs.len()),
            Op::Reshape { .. } => format!("reshape({:?})", self.shape),
            Op::MatMul(..) => "matmul".into(),
            Op::Gather { func, inputs, .. } => {
                format!("{}({} arrays)", func.name(), inputs.len())
            }
            Op::MapBlocks { func, inputs, .. } => {
                format!("map_blocks({}, {} arrays)", func.name(), inputs.len())
            }
            Op::Scan { kind, axis, .. } => format!("{}(axis={axis})", kind.name()),
            Op::ScanTotals { kind, axis, .. } => {
                format!("{}-chunk-totals(axis={axis})", kind.name())
            }
            Op::Concat {
                axis,
                stack,
                inputs,
            } => format!(
                "{}(axis={axis}, {} arrays)",
                if *stack { "stack" } else { "concatenate" },
                inputs.len()
            ),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
