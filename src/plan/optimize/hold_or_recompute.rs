//! Hold or recompute: a node that several stages read is either computed once, stored and
//! read by each (held), or recomputed inside each reader's fused program.
//!
//! Without this pass every reader recomputes: fusion copies the node's expression into each
//! stage that reads it. That is the right choice where recomputing is cheaper than a round
//! trip through memory, and the pass keeps it there:
//! - elementwise expressions, generated values (`random`, `arange`), constants and in-memory
//!   arrays are recomputed or re-read per tile, with no memory held;
//! - a source (a Zarr array, decoded chunk by chunk) read by two or more stages is held when
//!   all of it fits the hold allowance (a fraction of the memory available to the process,
//!   [`hold_allowance`]): it becomes a stage of its own, each chunk is read and decoded once,
//!   stored until its last reader has read it, and never more than the allowance is held.
//!   A larger source is re-read by each stage, as before.
//!
//! `x - x.mean(0)` over a Zarr array is the common case: the mean reads every chunk before the
//! subtraction can start, so holding keeps the whole array, and only where it fits.

use super::{Pass, StageGraph};
use crate::expr::{Node, NodeId, Op};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The hold-or-recompute pass.
pub(crate) struct HoldOrRecompute {
    /// Largest number of bytes the held nodes may take together.
    pub allowance: usize,
}

/// The hold allowance under a memory budget of `budget` bytes: a third of it (a quarter of
/// the memory available to the process under the default budget). Chunks of held sources
/// that do not fit the budget while the plan runs are dropped and re-read.
pub(crate) fn hold_allowance(budget: usize) -> usize {
    budget / 3
}

impl Pass for HoldOrRecompute {
    fn name(&self) -> &'static str {
        "hold-or-recompute"
    }

    fn run(
        &self,
        graph: &mut StageGraph,
        stages: &[Arc<Node>],
        stage_of: &HashMap<NodeId, usize>,
    ) -> Option<String> {
        // The sources each stage's fused programs read, by stage.
        let mut readers: HashMap<NodeId, (Arc<Node>, HashSet<usize>)> = HashMap::new();
        for (s, node) in stages.iter().enumerate() {
            for src in sources_read(node, graph, stage_of) {
                readers
                    .entry(src.id)
                    .or_insert_with(|| (src.clone(), HashSet::new()))
                    .1
                    .insert(s);
            }
        }
        let mut shared: Vec<(Arc<Node>, usize)> = readers
            .into_values()
            .filter(|(n, by)| by.len() >= 2 && !graph.held.contains(&n.id))
            .map(|(n, by)| (n, by.len()))
            .collect();
        // Smallest first, so that the allowance holds as many as it can; ties by node id for a
        // plan that does not depend on hash order.
        shared.sort_by_key(|(n, _)| (nbytes(n), n.id));
        let mut used: usize = graph
            .held
            .iter()
            .filter_map(|id| stages.iter().find(|n| n.id == *id))
            .map(|n| nbytes(n))
            .sum();
        let mut what = Vec::new();
        for (n, by) in shared {
            let bytes = nbytes(&n);
            if used.saturating_add(bytes) > self.allowance {
                what.push(format!(
                    "re-read {} ({bytes} bytes, over the allowance) by {by} stages",
                    n.label()
                ));
                continue;
            }
            used += bytes;
            graph.held.insert(n.id);
            what.push(format!(
                "held {} ({bytes} bytes) for {by} stages",
                n.label()
            ));
        }
        (!what.is_empty()).then(|| what.join("; "))
    }
}

/// The sources that `stage`'s fused programs read: found below its inputs without entering
/// other stages.
fn sources_read(
    stage: &Arc<Node>,
    graph: &StageGraph,
    stage_of: &HashMap<NodeId, usize>,
) -> Vec<Arc<Node>> {
    if matches!(stage.op, Op::Source(_)) {
        return Vec::new(); // a held source reads itself
    }
    let inputs = graph.stage_inputs(stage);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = inputs;
    while let Some(n) = stack.pop() {
        if !seen.insert(n.id) {
            continue;
        }
        if stage_of.contains_key(&n.id) {
            continue; // read as another stage's stored chunks
        }
        if matches!(n.op, Op::Source(_)) {
            out.push(n.clone());
            continue;
        }
        stack.extend(n.inputs().into_iter().cloned());
    }
    out
}

/// The bytes of all of `node`'s values.
fn nbytes(node: &Node) -> usize {
    node.shape
        .iter()
        .fold(node.dtype.size(), |b, &l| b.saturating_mul(l))
}

#[cfg(test)]
mod tests {
    use super::HoldOrRecompute;
    use crate::plan::optimize::elementwise_fusion::ElementwiseFusion;
    use crate::plan::optimize::shared_scans::SharedScans;
    use crate::plan::optimize::test_source::source;
    use crate::plan::Plan;
    use crate::random;
    use ndarray::Axis;
    use std::sync::atomic::Ordering;

    #[test]
    fn a_source_two_stages_read_is_read_once_when_it_fits() {
        let (x, src) = source(&[12, 10], &[5, 4]);
        let anomaly = &x - &x.mean(0).unwrap();
        let text = anomaly.explain();
        assert!(
            text.contains("pass hold-or-recompute: held counting (960 bytes) for 2 stages"),
            "{text}"
        );
        let got = anomaly.compute().unwrap();
        let want = &src.data - &src.data.mean_axis(Axis(0)).unwrap();
        assert_eq!(got, want);
        // Every element read once, although the mean and the subtraction both read it.
        assert_eq!(src.read.load(Ordering::Relaxed), 120);
    }

    #[test]
    fn a_source_over_the_allowance_is_re_read() {
        let (x, src) = source(&[12, 10], &[5, 4]);
        let anomaly = &x - &x.mean(0).unwrap();
        let plan = Plan::build_with(
            std::slice::from_ref(&anomaly.node),
            vec![
                Box::new(ElementwiseFusion),
                Box::new(SharedScans),
                Box::new(HoldOrRecompute { allowance: 959 }),
            ],
        );
        let text = plan.explain();
        assert!(
            text.contains("re-read counting (960 bytes, over the allowance) by 2 stages"),
            "{text}"
        );
        assert_eq!(plan.stages.len(), 2, "{text}");
        assert_eq!(
            src.read.load(Ordering::Relaxed),
            0,
            "planning reads nothing"
        );
    }

    #[test]
    fn one_reader_generators_and_shared_scans_need_no_hold() {
        // One stage reads the source: nothing to hold.
        let (x, _) = source(&[12, 10], &[5, 4]);
        assert!(!(&x * 2.0)
            .sum(0)
            .unwrap()
            .explain()
            .contains("hold-or-recompute"));
        // Two reductions of it share one scan, which reads it once already.
        let both = crate::plan_many(&[&x.sum(0).unwrap(), &x.max(0).unwrap()]).explain();
        assert!(both.contains("pass shared-scans"), "{both}");
        assert!(!both.contains("hold-or-recompute"), "{both}");
        // Generated values are recomputed per tile by each reader.
        let u = random::uniform::<f64>(&[12, 10], [5, 4], 3).unwrap();
        let d = &u - &u.mean(0).unwrap();
        assert!(
            !d.explain().contains("hold-or-recompute"),
            "{}",
            d.explain()
        );
    }
}

#[cfg(test)]
mod over_the_limit {
    use super::HoldOrRecompute;
    use crate::exec::sink::Assembler;
    use crate::plan::optimize::elementwise_fusion::ElementwiseFusion;
    use crate::plan::optimize::shared_scans::SharedScans;
    use crate::plan::optimize::test_source::source;
    use crate::plan::Plan;
    use crate::ComputeOptions;
    use ndarray::Axis;
    use std::sync::atomic::Ordering;

    #[test]
    fn held_chunks_over_the_limit_are_dropped_and_re_read() {
        // Held whatever its size, then run under a limit too small to keep its chunks.
        let (x, src) = source(&[40, 40], &[10, 40]);
        let anomaly = &x - &x.mean(0).unwrap();
        let plan = Plan::build_with(
            std::slice::from_ref(&anomaly.node),
            vec![
                Box::new(ElementwiseFusion),
                Box::new(SharedScans),
                Box::new(HoldOrRecompute {
                    allowance: usize::MAX,
                }),
            ],
        );
        assert!(
            plan.explain().contains("held counting"),
            "{}",
            plan.explain()
        );
        let out = Assembler::<f64>::new(&[40, 40]).unwrap();
        // Buffers other tests of this process left idle in worker pools count against the
        // limit (they are resident): the limit leaves room for them.
        let idle = crate::eval::pool::idle_bytes();
        let opts = ComputeOptions::new().threads(1).memory_limit(12_000 + idle);
        let stats = crate::exec::execute(&plan, &[out.sink()], &opts).unwrap();
        assert!(stats.dropped_chunks > 0, "{stats:?}");
        assert_eq!(
            stats.spilled_chunks, 0,
            "a held source is re-read, never spilled"
        );
        let want = &src.data - &src.data.mean_axis(Axis(0)).unwrap();
        assert_eq!(out.finish(), want);
        // Dropped chunks were read again by their readers.
        assert!(src.read.load(Ordering::Relaxed) > 1600);
    }
}
