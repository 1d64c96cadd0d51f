//! Elementwise fusion: elementwise operations, views (transposes, slices, unit axes) and
//! rechunks run inside the fused programs of the stages that read them, tile by tile,
//! instead of as stages of their own whose chunks are computed, stored and read back.
//!
//! Before this pass every computed node is a stage (what a task graph does without a fusion
//! step). The pass leaves as stages only the nodes that must be (reductions, joins, scans,
//! matrix products, reshapes, gathers, `map_blocks`: [`Node::needs_stage`]), the outputs and
//! the held nodes; each other node is then computed inside every program that reads it (a
//! program computes a node once per tile, however many of its instructions read it). The
//! passes after this one see the fused stages. A plan built without it computes the same
//! values (the tests compare the two).

use super::{Pass, StageGraph};
use crate::expr::{Node, NodeId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The elementwise-fusion pass.
pub(crate) struct ElementwiseFusion;

impl Pass for ElementwiseFusion {
    fn name(&self) -> &'static str {
        "elementwise fusion"
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
        if graph.fused {
            return None;
        }
        graph.fused = true;
        let outputs: HashSet<NodeId> = graph.outputs.iter().map(|o| o.id).collect();
        let mut seen = HashSet::new();
        let mut stack: Vec<Arc<Node>> = graph.outputs.clone();
        let mut fused = 0usize;
        while let Some(n) = stack.pop() {
            if !seen.insert(n.id) {
                continue;
            }
            let stays = n.is_source()
                || n.needs_stage()
                || outputs.contains(&n.id)
                || graph.held.contains(&n.id);
            fused += usize::from(!stays);
            stack.extend(n.inputs().into_iter().cloned());
        }
        (fused > 0).then(|| {
            format!(
                "{fused} node{} computed inside the programs reading {}",
                if fused == 1 { "" } else { "s" },
                if fused == 1 { "it" } else { "them" }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ElementwiseFusion;
    use crate::exec::{execute, ComputeOptions};
    use crate::plan::optimize::{self, Pass};
    use crate::plan::Plan;
    use crate::{random, Array};

    /// The plan of `outputs` with every pass, or with every pass but fusion.
    fn plans(outputs: &[&Array<f64>]) -> (Plan, Plan) {
        let nodes: Vec<_> = outputs.iter().map(|a| a.node.clone()).collect();
        let budget = ComputeOptions::default_memory_limit();
        let unfused: Vec<Box<dyn Pass>> = optimize::passes(budget)
            .into_iter()
            .filter(|p| p.name() != ElementwiseFusion.name())
            .collect();
        (
            Plan::build_with(&nodes, optimize::passes(budget)),
            Plan::build_with(&nodes, unfused),
        )
    }

    fn run(plan: &Plan, outputs: &[&Array<f64>]) -> Vec<ndarray::ArrayD<f64>> {
        let opts = ComputeOptions::new().threads(2);
        crate::array::assembled(outputs, |sinks| execute(plan, sinks, &opts))
            .unwrap()
            .0
    }

    #[test]
    fn fused_and_unfused_plans_compute_the_same_values() {
        let x = random::uniform::<f64>(&[30, 20], [7, 6], 1).unwrap();
        let m = Array::from_ndarray(
            ndarray::Array2::from_shape_fn((20, 30), |(i, j)| (i * 30 + j) as f64 * 0.01),
            [8, 9],
        )
        .unwrap();
        let y = (&x * 2.0 + 1.0).sin();
        let t = &m.t() - &x;
        let s = y.slice_axis(0, 3..17).unwrap();
        let r = (&y * &t).sum(0).unwrap();
        let rc = (&x + 1.0).rechunk([10, 10]).unwrap().exp();
        let outputs = [&y, &t, &s, &r, &rc];
        let (fused, unfused) = plans(&outputs);
        let (ft, ut) = (fused.explain(), unfused.explain());
        assert!(ft.contains("pass elementwise fusion: "), "{ft}");
        assert!(!ut.contains("elementwise fusion"), "{ut}");
        // Every computed node is a stage without fusion.
        assert!(unfused.stages.len() > fused.stages.len() + 4, "{ut}");
        let (a, b) = (run(&fused, &outputs), run(&unfused, &outputs));
        for (k, (f, u)) in a.iter().zip(&b).enumerate() {
            assert_eq!(f.shape(), u.shape());
            assert!(
                f.iter()
                    .zip(u)
                    .all(|(p, q)| (p - q).abs() <= 1e-13 * (1.0 + q.abs())),
                "output {k}"
            );
        }
    }

    #[test]
    fn only_computed_intermediates_count_as_fused() {
        let x = random::uniform::<f64>(&[30, 20], [7, 6], 1).unwrap();
        // The output itself is the only computed node: nothing to fuse.
        let text = (&x * 2.0).plan().explain();
        assert!(!text.contains("elementwise fusion"), "{text}");
        let text = ((&x * 2.0).exp() + 1.0).plan().explain();
        assert!(
            text.contains("pass elementwise fusion: 2 nodes computed inside the programs"),
            "{text}"
        );
    }
}
