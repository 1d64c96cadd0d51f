//! Optimizer passes over the stage graph, each in its own file behind [`Pass`], run in the
//! order of [`passes`] while a plan is built; [`Plan::explain`](super::Plan::explain) lists
//! the passes that changed the plan.
//!
//! Culling needs no pass: the stage walk starts from the outputs, so a node no output needs
//! is never visited, and the scheduler's read counting (`exec::reads::count_reads`) skips
//! every chunk that is no output and that no later task reads (with the tasks it would
//! have read for). The passes:
//! 0. [`common_subexpressions`]: nodes computing the same thing from the same inputs, built
//!    separately, become one node.
//! 1. [`slice_pushdown`]: a slice of a reduction's result (through elementwise operations
//!    and other slices) becomes a reduction of a slice of its input, so only the chunks the
//!    slice needs are read and reduced.
//! 2. [`elementwise_fusion`]: elementwise, transpose, slice, unit-axis and rechunk nodes stop
//!    being stages and run inside the programs of the stages that read them (nodes are
//!    shared by identity; a program computes a node once per tile).
//! 3. [`shared_scans`]: reductions of one chunk grid that read a common input run their first
//!    level as one scan, reading (decoding, generating) each input chunk once; elementwise
//!    outputs of that grid (a Zarr write, say) are computed in the same scan.
//! 4. [`hold_or_recompute`]: a source that several stages still read is held (read once,
//!    stored until its last reader) when it fits the hold allowance, and re-read otherwise.
//! 5. [`rechunk_staging`]: a source that a rechunk would read across its stored chunks (each
//!    decoded many times) is read once in its own chunks and stored, spilling over the budget.
//!
//! At run time the scheduler keeps the budget: a stored chunk that does not fit is dropped
//! and re-read when it belongs to a held source, and spilled to disk otherwise
//! ([`Overflow`](super::Overflow)).

pub(crate) mod common_subexpressions;
pub(crate) mod elementwise_fusion;
pub(crate) mod hold_or_recompute;
pub(crate) mod rechunk_staging;
pub(crate) mod shared_scans;
pub(crate) mod slice_pushdown;
#[cfg(test)]
pub(crate) mod test_source;

use crate::expr::{Node, NodeId, Op};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What the passes rewrite: which nodes become stages and how they read each other.
#[derive(Debug, Default)]
pub(crate) struct StageGraph {
    /// The requested outputs.
    pub outputs: Vec<Arc<Node>>,
    /// Reductions whose chunk partials come from a shared scan, and elementwise outputs whose
    /// chunks it keeps: the scan's node and the member's index among its inputs.
    pub shared: HashMap<NodeId, (Arc<Node>, usize)>,
    /// Nodes computed once and stored because several stages read them.
    pub held: HashSet<NodeId>,
    /// Held sources whose chunks are spilled rather than re-read when they do not fit the
    /// memory budget (re-reading them would decode their chunks many times).
    pub spill: HashSet<NodeId>,
    /// Whether elementwise work and views run inside their readers' programs
    /// ([`elementwise_fusion`]); before that pass every computed node is a stage.
    pub fused: bool,
}

impl StageGraph {
    /// The nodes that become stages, every one after the stages it reads, and each one's
    /// index in that order. A reduction fed by a shared scan reads only the scan.
    pub(crate) fn stages(&self) -> (Vec<Arc<Node>>, HashMap<NodeId, usize>) {
        let ids: Vec<NodeId> = self.outputs.iter().map(|n| n.id).collect();
        let mut visited: HashMap<NodeId, ()> = HashMap::new();
        let mut stages = Vec::new();
        let mut stage_of = HashMap::new();
        // Members of a shared scan reached (through the scan's own inputs: an output it
        // keeps) before the scan is a stage: they follow right after it.
        let mut waiting: HashMap<NodeId, Vec<Arc<Node>>> = HashMap::new();
        for o in &self.outputs {
            // Post-order with an explicit stack, so long chains cannot overflow it.
            let mut stack: Vec<(Arc<Node>, bool)> = vec![(o.clone(), false)];
            while let Some((n, expanded)) = stack.pop() {
                if expanded {
                    let is_stage = ids.contains(&n.id)
                        || n.needs_stage()
                        || self.held.contains(&n.id)
                        || (!self.fused && !n.is_source());
                    if !is_stage || stage_of.contains_key(&n.id) {
                        continue;
                    }
                    if let Some((scan, _)) = self.shared.get(&n.id) {
                        if !stage_of.contains_key(&scan.id) {
                            waiting.entry(scan.id).or_default().push(n.clone());
                            continue;
                        }
                    }
                    stage_of.insert(n.id, stages.len());
                    stages.push(n.clone());
                    for m in waiting.remove(&n.id).unwrap_or_default() {
                        if let std::collections::hash_map::Entry::Vacant(e) = stage_of.entry(m.id) {
                            e.insert(stages.len());
                            stages.push(m);
                        }
                    }
                    continue;
                }
                if visited.insert(n.id, ()).is_some() {
                    continue;
                }
                stack.push((n.clone(), true));
                for i in self.stage_inputs(&n).into_iter().rev() {
                    stack.push((i, false));
                }
            }
        }
        (stages, stage_of)
    }
}

impl StageGraph {
    /// What `node`'s stage reads: the shared scan for a member of one; for a shared scan, its
    /// reductions' inputs and the inputs of the outputs it keeps (it computes those outputs
    /// itself); a node's inputs otherwise.
    pub(crate) fn stage_inputs(&self, node: &Arc<Node>) -> Vec<Arc<Node>> {
        if let Some((scan, _)) = self.shared.get(&node.id) {
            return vec![scan.clone()];
        }
        if let Op::SharedScan { inputs, specs } = &node.op {
            let (reduced, kept) = inputs.split_at(specs.len().min(inputs.len()));
            let mut out = reduced.to_vec();
            for k in kept {
                out.extend(k.inputs().into_iter().cloned());
            }
            return out;
        }
        node.inputs().into_iter().cloned().collect()
    }
}

/// `stage_of` without the nodes `skip` names: programs built with it compute those nodes
/// themselves instead of reading their stages.
pub(crate) fn stages_except(
    stage_of: &HashMap<NodeId, usize>,
    skip: impl Fn(NodeId) -> bool,
) -> HashMap<NodeId, usize> {
    stage_of
        .iter()
        .filter(|(&id, _)| !skip(id))
        .map(|(&id, &s)| (id, s))
        .collect()
}

/// Rebuilds the graph below `outputs` bottom up, with its own stack (chains of any depth):
/// once a node's inputs are done, it becomes `visit(node, rebuilt)`, where `rebuilt` is the
/// node itself when none of its inputs changed and a copy reading the new inputs otherwise.
/// Returns every visited node's replacement.
pub(crate) fn rebuild(
    outputs: &[Arc<Node>],
    mut visit: impl FnMut(&Arc<Node>, Arc<Node>) -> Arc<Node>,
) -> HashMap<NodeId, Arc<Node>> {
    let mut canon: HashMap<NodeId, Arc<Node>> = HashMap::new();
    for o in outputs {
        let mut stack: Vec<(Arc<Node>, bool)> = vec![(o.clone(), false)];
        while let Some((n, expanded)) = stack.pop() {
            if canon.contains_key(&n.id) {
                continue;
            }
            if !expanded {
                stack.push((n.clone(), true));
                for i in n.inputs().into_iter().rev() {
                    if !canon.contains_key(&i.id) {
                        stack.push((i.clone(), false));
                    }
                }
                continue;
            }
            let inputs: Vec<Arc<Node>> = n
                .inputs()
                .into_iter()
                .map(|i| canon.get(&i.id).cloned().unwrap_or_else(|| i.clone()))
                .collect();
            let same = n
                .inputs()
                .into_iter()
                .zip(&inputs)
                .all(|(a, b)| Arc::ptr_eq(a, b));
            let rebuilt = if same {
                n.clone()
            } else {
                Node::new(
                    n.dtype,
                    n.shape.clone(),
                    n.grid.clone(),
                    common_subexpressions::with_inputs(&n.op, inputs),
                )
            };
            let node = visit(&n, rebuilt);
            canon.insert(n.id, node);
        }
    }
    canon
}

/// One optimizer pass.
pub(crate) trait Pass {
    /// The pass's name, as `explain` lists it.
    fn name(&self) -> &'static str;

    /// Whether [`run`](Self::run) reads the current stages (a pass rewriting only nodes does
    /// not, and is then spared working them out).
    fn needs_stages(&self) -> bool {
        true
    }

    /// Rewrites `graph`, whose current stages are `stages` (indexed by `stage_of`); returns
    /// what changed, in a few words, or `None` when nothing did.
    fn run(
        &self,
        graph: &mut StageGraph,
        stages: &[Arc<Node>],
        stage_of: &HashMap<NodeId, usize>,
    ) -> Option<String>;
}

/// The passes for a computation under a memory budget of `budget` bytes, in the order they
/// run.
pub(crate) fn passes(budget: usize) -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(common_subexpressions::CommonSubexpressions),
        Box::new(slice_pushdown::SlicePushdown),
        Box::new(elementwise_fusion::ElementwiseFusion),
        Box::new(shared_scans::SharedScans),
        Box::new(hold_or_recompute::HoldOrRecompute {
            allowance: hold_or_recompute::hold_allowance(budget),
        }),
        Box::new(rechunk_staging::RechunkStaging),
    ]
}
