//! Shared scans: reductions that reduce the same chunk grid and read a common input (a
//! source, a generator, a stage, an in-memory array) are grouped; each group's first level
//! becomes one [`SharedScanOp`](crate::plan::ops::shared_scan::SharedScanOp) stage that reads
//! every input chunk once and computes every member's chunk partials, and each member
//! combines its partials in its usual tree.
//!
//! Two reductions join a group only when neither depends on the other (`x.mean()` and
//! `(x - x.mean()).std()` cannot share). A group is formed only where sharing saves work:
//! its members share an input that is decoded or generated per chunk, or two of them are fed
//! in one pass with no chunk-sized buffer (full reductions of computed values, reductions over
//! the leading or last axis, as W2's `mean(0)` and `std(1)`). Full reductions of an in-memory
//! array's own view gain nothing from sharing it and stay apart.

use super::{Pass, StageGraph};
use crate::dtype::DType;
use crate::expr::{Node, NodeId, Op, ReduceSpec};
use crate::plan::{Instr, Program};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The shared-scan pass.
pub(crate) struct SharedScans;

/// A reduction, or an elementwise output, that may join a group.
struct Candidate {
    node: Arc<Node>,
    /// The reduction, or `None` for an output whose chunks the scan keeps.
    spec: Option<ReduceSpec>,
    /// What the scan computes for it: the reduction's input, or the output itself.
    input: Arc<Node>,
    /// The leaves its program reads (node identity and stage).
    leaves: HashSet<(NodeId, Option<usize>)>,
    /// Leaves decoded or generated per chunk.
    costly: HashSet<(NodeId, Option<usize>)>,
    /// Whether sharing would gather its values into a chunk-sized buffer.
    buffers: bool,
    /// Whether the scan would feed it tile by tile (rather than let it reduce a leaf's own
    /// view).
    fed: bool,
}

impl Pass for SharedScans {
    fn name(&self) -> &'static str {
        "shared-scans"
    }

    fn run(
        &self,
        graph: &mut StageGraph,
        stages: &[Arc<Node>],
        stage_of: &HashMap<NodeId, usize>,
    ) -> Option<String> {
        // Elementwise outputs may be kept by a scan: the scan computes them itself, so
        // programs built for the scan do not read their stages.
        let kept: HashSet<NodeId> = graph
            .outputs
            .iter()
            .filter(|n| n.is_elementwise() && !graph.shared.contains_key(&n.id))
            .map(|n| n.id)
            .collect();
        let inner = super::stages_except(stage_of, |id| kept.contains(&id));
        let candidates: Vec<Candidate> = stages
            .iter()
            .filter(|n| !graph.shared.contains_key(&n.id))
            .filter_map(|n| candidate(n, kept.contains(&n.id), &inner))
            .collect();
        // Start from singletons and merge any two compatible groups until none are left, so
        // that `u*u`, `v*v` and `u*v` end in one group whatever their order.
        let mut groups: Vec<Vec<usize>> = (0..candidates.len()).map(|c| vec![c]).collect();
        let compatible = |g: &[usize], h: &[usize]| {
            let (a, b) = (&candidates[g[0]], &candidates[h[0]]);
            a.input.grid == b.input.grid
                && a.input.shape == b.input.shape
                && g.iter().any(|&i| {
                    h.iter()
                        .any(|&j| !candidates[i].leaves.is_disjoint(&candidates[j].leaves))
                })
                && g.iter().all(|&i| {
                    h.iter().all(|&j| {
                        let (a, b) = (&candidates[i], &candidates[j]);
                        !needs(a, b, stage_of) && !needs(b, a, stage_of)
                    })
                })
        };
        'merge: loop {
            for i in 0..groups.len() {
                for j in i + 1..groups.len() {
                    if compatible(&groups[i], &groups[j]) {
                        let h = groups.remove(j);
                        groups[i].extend(h);
                        groups[i].sort_unstable();
                        continue 'merge;
                    }
                }
            }
            break;
        }
        // Two scans must not wait for each other (a member of each reading the other's
        // results): a group that would close such a cycle stays unshared.
        let mut accepted: Vec<Vec<usize>> = Vec::new();
        for g in groups
            .into_iter()
            .filter(|g| g.len() > 1 && worth_sharing(g, &candidates))
        {
            let mut with = accepted.clone();
            with.push(g.clone());
            if !has_cycle(&with, &candidates) {
                accepted = with;
            }
        }
        let mut made = Vec::new();
        for g in accepted {
            // Reductions first, then the kept outputs (the scan's input order).
            let mut members: Vec<&Candidate> = g.iter().map(|&m| &candidates[m]).collect();
            members.sort_by_key(|m| m.spec.is_none());
            let first = &members[0].input;
            let scan = Node::new(
                DType::Bool,
                first.shape.clone(),
                first.grid.clone(),
                Op::SharedScan {
                    inputs: members.iter().map(|m| m.input.clone()).collect(),
                    specs: members.iter().filter_map(|m| m.spec.clone()).collect(),
                },
            );
            for (k, m) in members.iter().enumerate() {
                graph.shared.insert(m.node.id, (scan.clone(), k));
            }
            made.push(
                members
                    .iter()
                    .map(|m| m.node.label())
                    .collect::<Vec<_>>()
                    .join(" + "),
            );
        }
        (!made.is_empty()).then(|| format!("one scan for {}", made.join("; ")))
    }
}

/// `node` as a candidate: a reduction, or an output the scan may keep (`keep`).
fn candidate(node: &Arc<Node>, keep: bool, stage_of: &HashMap<NodeId, usize>) -> Option<Candidate> {
    if keep {
        let program = Program::build(node, stage_of, None);
        let (leaves, costly) = leaf_sets(&program);
        return Some(Candidate {
            node: node.clone(),
            spec: None,
            input: node.clone(),
            leaves,
            costly,
            buffers: false,
            fed: true,
        });
    }
    let Op::Reduce(spec, input) = &node.op else {
        return None;
    };
    let program = Program::build(input, stage_of, None);
    let (leaves, costly) = leaf_sets(&program);
    let reads_leaf = matches!(program.instrs[program.result()], Instr::Leaf(_));
    let nd = input.shape.len();
    let streams = crate::eval::reduce_stage::streams(spec, nd, true);
    let full = spec.axes.len() == nd;
    Some(Candidate {
        node: node.clone(),
        spec: Some(spec.clone()),
        input: input.clone(),
        leaves,
        costly,
        buffers: !reads_leaf && !streams,
        fed: !reads_leaf || (streams && !full),
    })
}

/// Whether the group saves work: a costly input read by two members, or two members fed by
/// one pass over their values with no chunk buffer (members that would reduce a plain
/// input's own view anyway gain nothing from sharing it).
fn worth_sharing(group: &[usize], c: &[Candidate]) -> bool {
    let shared_costly = group.iter().enumerate().any(|(i, &a)| {
        group[i + 1..]
            .iter()
            .any(|&b| !c[a].costly.is_disjoint(&c[b].costly))
    });
    let fed = group.iter().filter(|&&m| c[m].fed).count();
    shared_costly || (fed >= 2 && group.iter().all(|&m| !c[m].buffers))
}

/// The leaves a program reads (node identity and stage), and those among them decoded or
/// generated per chunk.
type LeafSet = HashSet<(NodeId, Option<usize>)>;

fn leaf_sets(program: &Program) -> (LeafSet, LeafSet) {
    let key = |l: &crate::plan::Leaf| (l.node.id, l.stage);
    let leaves = program.leaves.iter().map(key).collect();
    let costly = program
        .leaves
        .iter()
        .filter(|l| matches!(l.node.op, Op::Source(_) | Op::Generate(_)))
        .map(key)
        .collect();
    (leaves, costly)
}

/// Whether the scans of `groups` would wait on each other in a cycle: group `g` waits for
/// group `h` when something it computes reads a member of `h`.
fn has_cycle(groups: &[Vec<usize>], c: &[Candidate]) -> bool {
    let waits = |g: &[usize], h: &[usize]| {
        g.iter().any(|&a| {
            let from: Vec<&Arc<Node>> = match c[a].spec {
                Some(_) => vec![&c[a].input],
                None => c[a].input.inputs(),
            };
            h.iter()
                .any(|&b| from.iter().any(|f| reaches(f, c[b].node.id)))
        })
    };
    let n = groups.len();
    let edges: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i && waits(&groups[i], &groups[j]))
                .collect()
        })
        .collect();
    // A depth-first search for a back edge (0: unvisited, 1: on the path, 2: done).
    let mut state = vec![0u8; n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                match state[w] {
                    1 => return true,
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    false
}

/// Whether `node` is `target` or reads it (through any path).
fn reaches(node: &Arc<Node>, target: NodeId) -> bool {
    let mut seen = HashSet::new();
    let mut stack: Vec<&Arc<Node>> = vec![node];
    while let Some(n) = stack.pop() {
        if n.id == target {
            return true;
        }
        if seen.insert(n.id) {
            stack.extend(n.inputs());
        }
    }
    false
}

/// Whether what the scan would compute for `a` needs `b`'s finished result: `a`'s input
/// reads `b` at all when `b` is a reduction, or reads `b` through another stage when `b` is
/// a kept output (an elementwise path to it is computed inside the scan).
fn needs(a: &Candidate, b: &Candidate, stage_of: &HashMap<NodeId, usize>) -> bool {
    let target = b.node.id;
    let kept = b.spec.is_none();
    let mut seen = HashSet::new();
    let mut stack: Vec<(&Arc<Node>, bool)> = vec![(&a.input, false)];
    if a.spec.is_none() {
        // A kept output is computed from its inputs.
        stack = a.input.inputs().into_iter().map(|n| (n, false)).collect();
    }
    while let Some((n, through_stage)) = stack.pop() {
        if n.id == target {
            if through_stage || !kept {
                return true;
            }
            continue;
        }
        if !seen.insert((n.id, through_stage)) {
            continue;
        }
        let stage = through_stage || n.needs_stage() || stage_of.contains_key(&n.id);
        stack.extend(n.inputs().into_iter().map(|i| (i, stage)));
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::{plan_many, random};

    #[test]
    fn groups_every_reduction_reading_a_common_generated_input() {
        let u = random::uniform::<f64>(&[8, 6], [4, 3], 1).unwrap();
        let v = random::uniform::<f64>(&[8, 6], [4, 3], 2).unwrap();
        let (a, b, c) = (
            (&u * &u).sum(0).unwrap(),
            (&v * &v).sum(0).unwrap(),
            (&u * &v).sum(0).unwrap(),
        );
        let text = plan_many(&[&a, &b, &c]).explain();
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("stage 0: shared scan of sum[0], sum[0], sum[0]"),
            "{text}"
        );
        assert!(
            text.contains("program: multiply(L0, L0), multiply(L1, L1), multiply(L0, L1)"),
            "{text}"
        );
        assert_eq!(text.matches("(partials from stage 0)").count(), 3, "{text}");
        assert!(text.contains("pass shared-scans: one scan for"), "{text}");
    }

    #[test]
    fn other_grids_and_dependent_reductions_stay_apart() {
        let u = random::uniform::<f64>(&[8, 6], [4, 3], 1).unwrap();
        let w = u.rechunk([2, 6]).unwrap();
        // Another chunk grid: no common scan.
        let text = plan_many(&[&u.sum(0).unwrap(), &w.max(0).unwrap()]).explain();
        assert!(!text.contains("shared"), "{text}");
        // The second reads the first.
        let m = u.mean(..).unwrap();
        let d = (&u - &m).abs().max(..).unwrap();
        assert!(!plan_many(&[&m, &d]).explain().contains("shared"));
    }
}
