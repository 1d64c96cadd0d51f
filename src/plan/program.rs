//! Fused elementwise programs: the register programs that one task runs over its chunk.
//!
//! A program is built from a root node by walking down through elementwise and transpose
//! nodes. Everything else (sources, reductions, other stages' outputs) becomes a [`Leaf`]
//! that the task reads as a view of the matching region. Transposes and broadcasting become
//! part of how a leaf is viewed (an axis map), so they cost no pass over memory.

use crate::dtype::{DType, Scalar};
use crate::expr::{BinaryOp, Node, NodeId, Op, UnaryOp};
use std::collections::HashMap;
use std::sync::Arc;

/// The `axis_to_root` entry of a leaf axis that runs along no root axis (a squeezed axis of
/// length 1; it is also `stretched`, so only its element at `offset` is read).
pub(crate) const NO_ROOT_AXIS: usize = usize::MAX;

/// An input of a program, read as a view of the region the task computes.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The node read.
    pub node: Arc<Node>,
    /// `Some(stage)` when the node's chunks are produced by a stage of the plan.
    pub stage: Option<usize>,
    /// For each axis of the leaf, the axis of the program's root it runs along
    /// ([`NO_ROOT_AXIS`] for a squeezed axis).
    pub axis_to_root: Vec<usize>,
    /// For each axis of the leaf, where the root region starts in the leaf (slices).
    pub offset: Vec<usize>,
    /// For each axis of the leaf, the leaf stride between successive root elements (negative
    /// when the leaf is read backwards; `offset` is where root element 0 lies).
    pub step: Vec<isize>,
    /// For each axis of the leaf, whether one element (at `offset`) is broadcast along the
    /// whole root axis.
    pub stretched: Vec<bool>,
}

impl Leaf {
    /// The leaf's own region for the root region `region` ((start, len) per root axis).
    pub fn region(&self, region: &[(usize, usize)]) -> Vec<(usize, usize)> {
        self.axis_to_root
            .iter()
            .enumerate()
            .map(|(p, &d)| {
                if self.stretched[p] {
                    (self.offset[p], 1)
                } else {
                    stepped(self.offset[p], self.step[p], region[d])
                }
            })
            .collect()
    }
}

/// The leaf box covering root elements `start..start + len` of an axis on which root element
/// `i` is leaf element `offset + i * step`: its first element and length.
pub(crate) fn stepped(offset: usize, step: isize, (start, len): (usize, usize)) -> (usize, usize) {
    if len == 0 {
        return (offset.saturating_add_signed(start as isize * step), 0);
    }
    let span = (len - 1) * step.unsigned_abs() + 1;
    let first = if step > 0 {
        offset + start * step.unsigned_abs()
    } else {
        offset - (start + len - 1) * step.unsigned_abs()
    };
    (first, span)
}

/// One instruction; other instructions name its value by its index (the tile evaluator
/// maps values to register buffers by liveness).
#[derive(Debug, Clone, PartialEq)]
pub enum Instr {
    /// Load leaf `i`.
    Leaf(usize),
    /// A constant (scalar operands and `full` arrays).
    Const(Scalar),
    /// Unary operation on a register.
    Unary(UnaryOp, usize),
    /// Binary operation on two registers.
    Binary(BinaryOp, usize, usize),
    /// `where(cond, a, b)` on three registers.
    Where(usize, usize, usize),
}

/// A fused elementwise program with its leaves.
#[derive(Debug, Clone)]
pub struct Program {
    /// Instructions in evaluation order; the last one is the result.
    pub instrs: Vec<Instr>,
    /// The dtype of each instruction's value.
    pub dtypes: Vec<DType>,
    /// The inputs read by `Instr::Leaf`.
    pub leaves: Vec<Leaf>,
    /// Instructions whose values are read after each tile besides the result (the roots of
    /// a program with several outputs, [`Program::build_many`]).
    pub outputs: Vec<usize>,
    /// Its lowering for the tile evaluator (kernels, pairs, register slots), made by the
    /// first task that runs it and shared by the others.
    pub lowered: LoweredCache,
}

/// A once-filled slot for a program's [`Lowered`](crate::eval::tile::Lowered) form.
#[derive(Default, Clone)]
pub(crate) struct LoweredCache(std::sync::OnceLock<Arc<crate::eval::tile::Lowered>>);

impl LoweredCache {
    /// The lowering, if made.
    pub(crate) fn get(&self) -> Option<&Arc<crate::eval::tile::Lowered>> {
        self.0.get()
    }

    /// The lowering, made by `f` if it is not yet.
    pub(crate) fn get_or_init(
        &self,
        f: impl FnOnce() -> Arc<crate::eval::tile::Lowered>,
    ) -> &Arc<crate::eval::tile::Lowered> {
        self.0.get_or_init(f)
    }
}

impl std::fmt::Debug for LoweredCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "lowered"
        } else {
            "not lowered"
        })
    }
}

impl Program {
    /// Builds the program computing `root`. `stage_of` tells which nodes are read from a
    /// stage's stored chunks (and therefore read as leaves even if they are elementwise).
    /// `own` is the node of the stage this program belongs to (it is computed, not read).
    pub fn build(
        root: &Arc<Node>,
        stage_of: &HashMap<NodeId, usize>,
        own: Option<NodeId>,
    ) -> Program {
        let mut b = Builder::new(stage_of, own);
        b.visit(root, AxisView::identity(root.shape.len()));
        b.prog
    }

    /// The register holding the result.
    pub fn result(&self) -> usize {
        self.instrs.len() - 1
    }

    /// Whether instruction `i`'s value is read after each tile (the result or another
    /// output), so it must survive the whole tile.
    pub fn is_output(&self, i: usize) -> bool {
        i == self.result() || self.outputs.contains(&i)
    }

    /// One program computing every node of `roots` (all of one shape) over the same region,
    /// leaves and common subexpressions shared; returns it and each root's instruction.
    pub fn build_many(
        roots: &[Arc<Node>],
        stage_of: &HashMap<NodeId, usize>,
    ) -> (Program, Vec<usize>) {
        let mut b = Builder::new(stage_of, None);
        let regs: Vec<usize> = roots
            .iter()
            .map(|r| b.visit(r, AxisView::identity(r.shape.len())))
            .collect();
        let mut prog = b.prog;
        prog.outputs = regs.clone();
        (prog, regs)
    }

    /// Whether the program only loads one leaf (nothing to compute).
    pub fn is_identity(&self) -> bool {
        self.instrs.len() == 1 && matches!(self.instrs[0], Instr::Leaf(_))
    }

    /// A one-line description, e.g. `add(mul(sin(L0), L1), 1.0)` (each output, for a program
    /// with several); operands nested deeper than 24 calls are shown as `…`.
    pub fn describe(&self) -> String {
        fn go(p: &Program, r: usize, depth: usize) -> String {
            if depth > 24 {
                return "…".into();
            }
            let go = |p: &Program, r: usize| go(p, r, depth + 1);
            match &p.instrs[r] {
                Instr::Leaf(i) => format!("L{i}"),
                Instr::Const(s) => format!("{s}"),
                Instr::Unary(UnaryOp::Cast(t), a) => format!("astype({}, {t})", go(p, *a)),
                Instr::Unary(op, a) => format!("{}({})", op.name(), go(p, *a)),
                Instr::Binary(op, a, b) => format!("{}({}, {})", op.name(), go(p, *a), go(p, *b)),
                Instr::Where(c, a, b) => {
                    format!("where({}, {}, {})", go(p, *c), go(p, *a), go(p, *b))
                }
            }
        }
        if self.outputs.is_empty() {
            return go(self, self.result(), 0);
        }
        let outs: Vec<String> = self.outputs.iter().map(|&r| go(self, r, 0)).collect();
        outs.join(", ")
    }
}

struct Builder<'a> {
    prog: Program,
    /// (node, view id) → register, so shared subexpressions are computed once per tile.
    memo: HashMap<(NodeId, usize), usize>,
    /// The distinct axis views met so far, named by their index.
    views: Vec<AxisView>,
    view_ids: HashMap<AxisView, usize>,
    stage_of: &'a HashMap<NodeId, usize>,
    own: Option<NodeId>,
}

impl<'a> Builder<'a> {
    fn new(stage_of: &'a HashMap<NodeId, usize>, own: Option<NodeId>) -> Self {
        Builder {
            prog: Program {
                instrs: Vec::new(),
                dtypes: Vec::new(),
                leaves: Vec::new(),
                outputs: Vec::new(),
                lowered: LoweredCache::default(),
            },
            memo: HashMap::new(),
            views: Vec::new(),
            view_ids: HashMap::new(),
            stage_of,
            own,
        }
    }

    fn push(&mut self, i: Instr, dt: DType) -> usize {
        self.prog.instrs.push(i);
        self.prog.dtypes.push(dt);
        self.prog.instrs.len() - 1
    }

    /// The id of `view`, interned.
    fn intern(&mut self, view: AxisView) -> usize {
        if let Some(&v) = self.view_ids.get(&view) {
            return v;
        }
        self.views.push(view.clone());
        self.view_ids.insert(view, self.views.len() - 1);
        self.views.len() - 1
    }

    /// The view id of elementwise operand `input` of `node` seen through view `vid`.
    fn operand_view(&mut self, vid: usize, node: &Node, input: &Node) -> usize {
        if input.shape == node.shape {
            return vid; // same axes, nothing broadcast: the same view
        }
        let v = self.views[vid].operand(node, input);
        self.intern(v)
    }

    /// The nodes (with their view ids) whose registers `node` seen through view `vid` needs
    /// first, or `None` when it becomes a leaf or a constant.
    fn operands(&mut self, node: &Arc<Node>, vid: usize) -> Option<Vec<(Arc<Node>, usize)>> {
        if self.is_staged(node) {
            return None;
        }
        Some(match &node.op {
            Op::Unary(_, a) => vec![(a.clone(), self.operand_view(vid, node, a))],
            Op::Binary(_, a, b) => vec![
                (a.clone(), self.operand_view(vid, node, a)),
                (b.clone(), self.operand_view(vid, node, b)),
            ],
            Op::Where(c, a, b) => vec![
                (c.clone(), self.operand_view(vid, node, c)),
                (a.clone(), self.operand_view(vid, node, a)),
                (b.clone(), self.operand_view(vid, node, b)),
            ],
            Op::Transpose(perm, a) => {
                // Output axis i is input axis perm[i].
                let view = &self.views[vid];
                let mut m = view.clone();
                for (i, &p) in perm.iter().enumerate() {
                    m.to_root[p] = view.to_root[i];
                    m.offset[p] = view.offset[i];
                    m.step[p] = view.step[i];
                    m.stretched[p] = view.stretched[i];
                }
                vec![(a.clone(), self.intern(m))]
            }
            Op::Rechunk(a) => vec![(a.clone(), vid)],
            Op::ExpandDims(axis, a) => {
                // The new axis runs along a root axis the input does not have.
                let mut m = self.views[vid].clone();
                m.to_root.remove(*axis);
                m.offset.remove(*axis);
                m.step.remove(*axis);
                m.stretched.remove(*axis);
                vec![(a.clone(), self.intern(m))]
            }
            Op::Squeeze(axes, a) => {
                // A squeezed axis runs along no root axis: its one element is read.
                let mut m = self.views[vid].clone();
                for &k in axes {
                    m.to_root.insert(k, NO_ROOT_AXIS);
                    m.offset.insert(k, 0);
                    m.step.insert(k, 1);
                    m.stretched.insert(k, true);
                }
                vec![(a.clone(), self.intern(m))]
            }
            Op::Slice { start, step, input } => {
                // Node element i is input element start + i * step: root element r, at node
                // element offset + r * k, is input element (start + offset * step) + r * k * step.
                let mut m = self.views[vid].clone();
                for d in 0..start.len() {
                    m.offset[d] = start[d].saturating_add_signed(m.offset[d] as isize * step[d]);
                    if !m.stretched[d] {
                        m.step[d] *= step[d];
                    }
                }
                vec![(input.clone(), self.intern(m))]
            }
            _ => return None,
        })
    }

    /// Whether `node` is read from another stage's chunks rather than computed here.
    fn is_staged(&self, node: &Node) -> bool {
        Some(node.id) != self.own && self.stage_of.contains_key(&node.id)
    }

    /// Emits the instructions for `root`, seen through `root_view` (which root axis each of
    /// its axes runs along, slice offsets and broadcast axes), operands first. The walk
    /// keeps its own stack, so expressions of any depth build without exhausting the
    /// thread's.
    fn visit(&mut self, root: &Arc<Node>, root_view: AxisView) -> usize {
        let root_vid = self.intern(root_view);
        // (node, view id, operands when already expanded)
        type Frame = (Arc<Node>, usize, Option<Vec<(Arc<Node>, usize)>>);
        let mut stack: Vec<Frame> = vec![(root.clone(), root_vid, None)];
        while let Some((node, vid, expanded)) = stack.pop() {
            if self.memo.contains_key(&(node.id, vid)) {
                continue;
            }
            let operands = match expanded {
                Some(ops) => Some(ops),
                None => match self.operands(&node, vid) {
                    Some(ops) => {
                        let pending: Vec<(Arc<Node>, usize)> = ops
                            .iter()
                            .rev()
                            .filter(|(a, v)| !self.memo.contains_key(&(a.id, *v)))
                            .cloned()
                            .collect();
                        if pending.is_empty() {
                            Some(ops)
                        } else {
                            stack.push((node, vid, Some(ops)));
                            stack.extend(pending.into_iter().map(|(a, v)| (a, v, None)));
                            continue;
                        }
                    }
                    None => None,
                },
            };
            let regs: Vec<usize> = operands
                .unwrap_or_default()
                .iter()
                .map(|(a, v)| self.memo[&(a.id, *v)])
                .collect();
            let r = match (&node.op, regs.as_slice()) {
                (Op::Fill(s), _) => self.push(Instr::Const(*s), node.dtype),
                (Op::Unary(op, _), &[ra]) => self.push(Instr::Unary(*op, ra), node.dtype),
                (Op::Binary(op, _, _), &[ra, rb]) => {
                    self.push(Instr::Binary(*op, ra, rb), node.dtype)
                }
                (Op::Where(..), &[rc, ra, rb]) => self.push(Instr::Where(rc, ra, rb), node.dtype),
                (
                    Op::Transpose(..)
                    | Op::Rechunk(_)
                    | Op::Slice { .. }
                    | Op::ExpandDims(..)
                    | Op::Squeeze(..),
                    &[ra],
                ) => ra,
                _ => {
                    let view = &self.views[vid];
                    let leaf = Leaf {
                        node: node.clone(),
                        stage: if self.is_staged(&node) {
                            self.stage_of.get(&node.id).copied()
                        } else {
                            None
                        },
                        axis_to_root: view.to_root.clone(),
                        offset: view.offset.clone(),
                        step: view.step.clone(),
                        stretched: view.stretched.clone(),
                    };
                    self.prog.leaves.push(leaf);
                    let li = self.prog.leaves.len() - 1;
                    self.push(Instr::Leaf(li), node.dtype)
                }
            };
            self.memo.insert((node.id, vid), r);
        }
        self.memo[&(root.id, root_vid)]
    }
}

/// How a node's axes map onto the root region: axis `k` runs along root axis `to_root[k]`,
/// starting `offset[k]` elements into the node, or is one element broadcast (`stretched`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AxisView {
    to_root: Vec<usize>,
    offset: Vec<usize>,
    step: Vec<isize>,
    stretched: Vec<bool>,
}

impl AxisView {
    /// Every axis along the root axis of the same index, whole.
    fn identity(nd: usize) -> AxisView {
        AxisView {
            to_root: (0..nd).collect(),
            offset: vec![0; nd],
            step: vec![1; nd],
            stretched: vec![false; nd],
        }
    }

    /// The view of an elementwise operand `input` of `node`: NumPy broadcasting aligns
    /// trailing axes, and an operand axis of length 1 is stretched along a longer one.
    fn operand(&self, node: &Node, input: &Node) -> AxisView {
        let skip = self.to_root.len() - input.shape.len();
        let mut view = AxisView {
            to_root: self.to_root[skip..].to_vec(),
            offset: self.offset[skip..].to_vec(),
            step: self.step[skip..].to_vec(),
            stretched: self.stretched[skip..].to_vec(),
        };
        for k in 0..input.shape.len() {
            if input.shape[k] == 1 && node.shape[skip + k] != 1 && !view.stretched[k] {
                // Broadcast here: the operand's only element is read whatever part of the
                // axis (including a slice of it) the root region covers.
                view.stretched[k] = true;
                view.offset[k] = 0;
                view.step[k] = 1;
            }
        }
        view
    }
}
