//! Common subexpressions: nodes that compute the same thing from the same inputs become one
//! node, so that the plan computes (reads, generates, reduces) it once.
//!
//! Nodes are shared by identity already (an `Array` used twice is one node); this pass also
//! merges what was built twice: `x.mean(0)` called in two places, the same generator with
//! the same seed, the same slice or elementwise expression written out twice. Two nodes
//! are the same when their operation, its parameters, their dtype, shape and chunks, and
//! their (already merged) inputs are. Nodes holding data or a user function (in-memory
//! arrays, stores, `map_blocks` and gathers) are only ever the same as themselves; scalar
//! constants are not merged (they cost nothing). The walk keeps its own stack, so chains of
//! any depth are fine, and nothing is rebuilt when nothing merges.

use super::{Pass, StageGraph};
use crate::expr::{Node, NodeId, Op};
use std::collections::HashMap;
use std::sync::Arc;

/// The common-subexpression pass.
pub(crate) struct CommonSubexpressions;

impl Pass for CommonSubexpressions {
    fn name(&self) -> &'static str {
        "common subexpressions"
    }

    fn needs_stages(&self) -> bool {
        false
    }

    fn run(
        &self,
        graph: &mut StageGraph,
        _stages: &[Arc<Node>],
        _stage_of: &HashMap<NodeId, usize>,
    ) -> Option<String> {
        // The first node of each key.
        let mut by_key: HashMap<Key, Arc<Node>> = HashMap::new();
        let mut merged = 0usize;
        let canon = super::rebuild(&graph.outputs, |_, node| match key(&node) {
            Some(k) => match by_key.get(&k) {
                Some(first) => {
                    merged += 1;
                    first.clone()
                }
                None => {
                    by_key.insert(k, node.clone());
                    node
                }
            },
            None => node,
        });
        if merged == 0 {
            return None;
        }
        for o in graph.outputs.iter_mut() {
            if let Some(c) = canon.get(&o.id) {
                *o = c.clone();
            }
        }
        Some(format!(
            "{merged} node{} merged into an equal one",
            if merged == 1 { "" } else { "s" }
        ))
    }
}

/// What makes a node equal to another.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    /// The operation and its parameters.
    params: String,
    dtype: crate::DType,
    shape: Vec<usize>,
    /// The chunks, where they are a parameter of the operation rather than a consequence
    /// of its inputs.
    grid: Option<String>,
    inputs: Vec<NodeId>,
}

/// What makes `node` equal to another, or `None` when it is only equal to itself.
fn key(node: &Node) -> Option<Key> {
    let params = match &node.op {
        Op::Memory(_)
        | Op::Chunks(_)
        | Op::Fill(_)
        | Op::Source(_)
        | Op::MapBlocks { .. }
        | Op::Gather { .. } => return None,
        Op::Generate(g) => format!("generate {g:?}"),
        Op::Unary(u, _) => format!("unary {u:?}"),
        Op::Binary(b, ..) => format!("binary {b:?}"),
        Op::Where(..) => "where".into(),
        Op::Transpose(p, _) => format!("transpose {p:?}"),
        Op::Reduce(spec, _) => format!("reduce {spec:?}"),
        Op::Rechunk(_) => "rechunk".into(),
        Op::Slice { start, step, .. } => format!("slice {start:?} {step:?}"),
        Op::ExpandDims(a, _) => format!("expand_dims {a}"),
        Op::Squeeze(a, _) => format!("squeeze {a:?}"),
        Op::Scan { kind, axis, .. } => format!("scan {kind:?} {axis}"),
        Op::ScanTotals { kind, axis, .. } => format!("scan totals {kind:?} {axis}"),
        Op::MatMul(..) => "matmul".into(),
        Op::Reshape { groups, .. } => format!("reshape {groups:?}"),
        Op::SharedScan { specs, .. } => format!("shared scan {specs:?}"),
        Op::Concat { axis, stack, .. } => format!("concat {axis} {stack}"),
    };
    // A NaN parameter is not equal to itself (and NaNs differ in their payloads).
    if params.contains("NaN") {
        return None;
    }
    let derived = matches!(
        node.op,
        Op::Unary(..)
            | Op::Binary(..)
            | Op::Where(..)
            | Op::Transpose(..)
            | Op::Reduce(..)
            | Op::ExpandDims(..)
            | Op::Squeeze(..)
            | Op::Scan { .. }
            | Op::ScanTotals { .. }
            | Op::MatMul(..)
    );
    Some(Key {
        params,
        dtype: node.dtype,
        shape: node.shape.clone(),
        grid: (!derived).then(|| format!("{:?}", node.grid)),
        inputs: node.inputs().iter().map(|i| i.id).collect(),
    })
}

/// `op` reading `inputs` (in the order of [`Node::inputs`]) instead of its own inputs.
pub(super) fn with_inputs(op: &Op, inputs: Vec<Arc<Node>>) -> Op {
    let mut it = inputs.into_iter();
    let mut next = |own: &Arc<Node>| it.next().unwrap_or_else(|| own.clone());
    match op {
        Op::Memory(d) => Op::Memory(d.clone()),
        Op::Chunks(c) => Op::Chunks(c.clone()),
        Op::Fill(s) => Op::Fill(*s),
        Op::Generate(g) => Op::Generate(g.clone()),
        Op::Source(s) => Op::Source(s.clone()),
        Op::Unary(u, a) => Op::Unary(*u, next(a)),
        Op::Binary(b, x, y) => {
            let x = next(x);
            Op::Binary(*b, x, next(y))
        }
        Op::Where(c, x, y) => {
            let c = next(c);
            let x = next(x);
            Op::Where(c, x, next(y))
        }
        Op::Transpose(p, a) => Op::Transpose(p.clone(), next(a)),
        Op::Reduce(spec, a) => Op::Reduce(spec.clone(), next(a)),
        Op::Rechunk(a) => Op::Rechunk(next(a)),
        Op::Slice { start, step, input } => Op::Slice {
            start: start.clone(),
            step: step.clone(),
            input: next(input),
        },
        Op::ExpandDims(ax, a) => Op::ExpandDims(*ax, next(a)),
        Op::Squeeze(ax, a) => Op::Squeeze(ax.clone(), next(a)),
        Op::Scan {
            kind,
            axis,
            input,
            totals,
        } => {
            let input = next(input);
            Op::Scan {
                kind: *kind,
                axis: *axis,
                input,
                totals: next(totals),
            }
        }
        Op::ScanTotals { kind, axis, input } => Op::ScanTotals {
            kind: *kind,
            axis: *axis,
            input: next(input),
        },
        Op::MapBlocks {
            func,
            inputs,
            in_grid,
        } => Op::MapBlocks {
            func: func.clone(),
            inputs: inputs.iter().map(&mut next).collect(),
            in_grid: in_grid.clone(),
        },
        Op::Gather {
            func,
            inputs,
            reads,
        } => Op::Gather {
            func: func.clone(),
            inputs: inputs.iter().map(&mut next).collect(),
            reads: reads.clone(),
        },
        Op::MatMul(x, y) => {
            let x = next(x);
            Op::MatMul(x, next(y))
        }
        Op::Reshape { input, groups } => Op::Reshape {
            input: next(input),
            groups: groups.clone(),
        },
        Op::SharedScan { inputs, specs } => Op::SharedScan {
            inputs: inputs.iter().map(&mut next).collect(),
            specs: specs.clone(),
        },
        Op::Concat {
            axis,
            stack,
            inputs,
        } => Op::Concat {
            axis: *axis,
            stack: *stack,
            inputs: inputs.iter().map(&mut next).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::Plan;
    use crate::{compute_many, random, Array};
    use std::sync::Arc;

    fn plan_of(arrays: &[&Array<f64>]) -> Plan {
        let nodes: Vec<Arc<crate::expr::Node>> = arrays.iter().map(|a| a.node.clone()).collect();
        Plan::build(&nodes)
    }

    fn reduce_stages(p: &Plan) -> usize {
        p.stages
            .iter()
            .filter(|s| s.op.describe().starts_with("reduce"))
            .count()
    }

    #[test]
    fn a_reduction_built_twice_is_computed_once() {
        let x = random::uniform::<f64>(&[40, 30], [10, 10], 3).unwrap();
        let (a, b) = (x.mean(0).unwrap(), x.mean(0).unwrap());
        let p = plan_of(&[&a, &b]);
        assert_eq!(reduce_stages(&p), 1, "{}", p.explain());
        assert!(
            p.explain().contains("common subexpressions: 1 node merged"),
            "{}",
            p.explain()
        );
        let r = compute_many(&[&a, &b]).unwrap();
        assert_eq!(r[0], r[1]);
        let want = x.compute().unwrap().mean_axis(ndarray::Axis(0)).unwrap();
        for (g, w) in r[0].iter().zip(&want) {
            assert!((g - w).abs() <= 1e-15, "{g} vs {w}");
        }
    }

    #[test]
    fn equal_generators_and_expressions_merge_and_keep_their_values() {
        // Two separately built copies of the same seeded array and expression.
        let build = || {
            let u = random::uniform::<f64>(&[50], 10, 9).unwrap();
            (&u * 2.0).sin()
        };
        let (a, b) = (build(), build());
        let s = (&a + &b).sum(..).unwrap();
        let p = plan_of(&[&s]);
        assert!(
            p.explain().contains("common subexpressions"),
            "{}",
            p.explain()
        );
        // One program computes the expression once per tile.
        let want: f64 = a.compute().unwrap().iter().map(|v| 2.0 * v).sum();
        let got = s.compute_scalar().unwrap();
        assert!((got - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
    }

    #[test]
    fn different_parameters_seeds_and_user_functions_stay_apart() {
        let u = random::uniform::<f64>(&[20], 5, 1).unwrap();
        let v = random::uniform::<f64>(&[20], 5, 2).unwrap();
        let m1 = u.map_blocks(|b, _| Ok(b.to_owned())).unwrap();
        let m2 = u.map_blocks(|b, _| Ok(b.to_owned())).unwrap();
        let outs = [u.sum(..).unwrap(), v.sum(..).unwrap(), u.max(..).unwrap()];
        let p = plan_of(&[&outs[0], &outs[1], &outs[2], &m1, &m2]);
        assert!(
            !p.explain().contains("common subexpressions"),
            "{}",
            p.explain()
        );
        let nan = Array::<f64>::full(&[4], f64::NAN, 2).unwrap();
        let nan2 = Array::<f64>::full(&[4], f64::NAN, 2).unwrap();
        let p = plan_of(&[&(&nan + 1.0), &(&nan2 + 1.0)]);
        assert!(
            !p.explain().contains("common subexpressions"),
            "{}",
            p.explain()
        );
    }
}
