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

/// An input of a program, read as a view of the region the task computes.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The node read.
    pub node: Arc<Node>,
    /// `Some(stage)` when the node's chunks are produced by a stage of the plan.
    pub stage: Option<usize>,
    /// For each axis of the leaf, the axis of the program's root it runs along.
    pub axis_to_root: Vec<usize>,
}

/// One instruction; its result goes to the register with the instruction's index.
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
    /// The dtype of each register.
    pub dtypes: Vec<DType>,
    /// The inputs read by `Instr::Leaf`.
    pub leaves: Vec<Leaf>,
    /// Shape of the result (the root node's shape).
    pub shape: Vec<usize>,
}

impl Program {
    /// Builds the program computing `root`. `stage_of` tells which nodes are produced by a
    /// stage (and therefore read as leaves even if they are elementwise).
    /// `own` is the node of the stage this program belongs to (it is computed, not read).
    pub fn build(
        root: &Arc<Node>,
        stage_of: &HashMap<NodeId, usize>,
        own: Option<NodeId>,
    ) -> Program {
        let mut b = Builder {
            prog: Program {
                instrs: Vec::new(),
                dtypes: Vec::new(),
                leaves: Vec::new(),
                shape: root.shape.clone(),
            },
            memo: HashMap::new(),
            stage_of,
            own,
        };
        let ident: Vec<usize> = (0..root.shape.len()).collect();
        b.visit(root, &ident);
        b.prog
    }

    /// The register holding the result.
    pub fn result(&self) -> usize {
        self.instrs.len() - 1
    }

    /// Whether the program only loads one leaf (nothing to compute).
    pub fn is_identity(&self) -> bool {
        self.instrs.len() == 1 && matches!(self.instrs[0], Instr::Leaf(_))
    }

    /// Number of arithmetic instructions (not loads or constants).
    pub fn num_ops(&self) -> usize {
        self.instrs
            .iter()
            .filter(|i| !matches!(i, Instr::Leaf(_) | Instr::Const(_)))
            .count()
    }

    /// A one-line description, e.g. `add(mul(sin(L0), L1), 1.0)`.
    pub fn describe(&self) -> String {
        fn go(p: &Program, r: usize) -> String {
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
        go(self, self.result())
    }
}

struct Builder<'a> {
    prog: Program,
    /// (node, axis map) → register, so shared subexpressions are computed once per tile.
    memo: HashMap<(NodeId, Vec<usize>), usize>,
    stage_of: &'a HashMap<NodeId, usize>,
    own: Option<NodeId>,
}

impl Builder<'_> {
    fn push(&mut self, i: Instr, dt: DType) -> usize {
        self.prog.instrs.push(i);
        self.prog.dtypes.push(dt);
        self.prog.instrs.len() - 1
    }

    /// Emits the instructions for `node`, whose axis `k` runs along root axis `to_root[k]`.
    fn visit(&mut self, node: &Arc<Node>, to_root: &[usize]) -> usize {
        let key = (node.id, to_root.to_vec());
        if let Some(&r) = self.memo.get(&key) {
            return r;
        }
        let staged =
            Some(node.id) != self.own && !node.is_source() && self.stage_of.contains_key(&node.id);
        let r = match &node.op {
            Op::Fill(s) if !staged => self.push(Instr::Const(*s), node.dtype),
            Op::Unary(op, a) if !staged => {
                let ra = self.visit(a, &input_map(to_root, a));
                self.push(Instr::Unary(*op, ra), node.dtype)
            }
            Op::Binary(op, a, b) if !staged => {
                let ra = self.visit(a, &input_map(to_root, a));
                let rb = self.visit(b, &input_map(to_root, b));
                self.push(Instr::Binary(*op, ra, rb), node.dtype)
            }
            Op::Where(c, a, b) if !staged => {
                let rc = self.visit(c, &input_map(to_root, c));
                let ra = self.visit(a, &input_map(to_root, a));
                let rb = self.visit(b, &input_map(to_root, b));
                self.push(Instr::Where(rc, ra, rb), node.dtype)
            }
            Op::Transpose(perm, a) if !staged => {
                // Output axis i is input axis perm[i].
                let mut m = vec![0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    m[p] = to_root[i];
                }
                self.visit(a, &m)
            }
            _ => {
                let leaf = Leaf {
                    node: node.clone(),
                    stage: if staged {
                        self.stage_of.get(&node.id).copied()
                    } else {
                        None
                    },
                    axis_to_root: to_root.to_vec(),
                };
                self.prog.leaves.push(leaf);
                let li = self.prog.leaves.len() - 1;
                self.push(Instr::Leaf(li), node.dtype)
            }
        };
        self.memo.insert(key, r);
        r
    }
}

/// The axis map of an elementwise operand: NumPy broadcasting aligns trailing axes.
fn input_map(to_root: &[usize], input: &Node) -> Vec<usize> {
    let skip = to_root.len() - input.shape.len();
    to_root[skip..].to_vec()
}
