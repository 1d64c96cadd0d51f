//! Which stored chunks tasks read, by index arithmetic over the operators' input regions:
//! how often each stored chunk will be read (so it is freed after its last reader), and the
//! chunks one task waits for.

use crate::chunks::next_in_box;
use crate::plan::ops::InputRegion;
use crate::plan::{Plan, Stage};

/// Calls `f(k, c)` for every chunk `c` of stage `k` that input region `r` of `stage` reads,
/// once per read.
pub(super) fn upstream_chunks(
    plan: &Plan,
    stage: &Stage,
    r: &InputRegion,
    f: &mut dyn FnMut(usize, usize),
) {
    for leaf in &stage.op.programs()[r.program].leaves {
        let Some(k) = leaf.stage else { continue };
        let lreg = leaf.region(&r.region);
        if lreg.iter().any(|x| x.1 == 0) {
            continue; // an empty region reads nothing
        }
        let grid = &plan.stages[k].node.grid;
        let (first, last) = grid.chunk_box(&lreg);
        let mut idx = first.clone();
        loop {
            f(k, grid.ravel(&idx));
            if !next_in_box(&mut idx, &first, &last) {
                break;
            }
        }
    }
}

/// Whether stage `c` reads any other stage's chunks.
fn reads_stages(plan: &Plan, c: usize) -> bool {
    plan.stages[c]
        .op
        .programs()
        .iter()
        .flat_map(|p| &p.leaves)
        .any(|l| l.stage.is_some())
}

/// How many times each chunk of each stage will be read by later stages' tasks. Stages are
/// visited from the last: a chunk no one reads (and that is no output, or an output chunk
/// `skipped(stage, chunk)` says its sinks already hold) is culled, and its own reads are not
/// counted. Stages no later stage reads get an empty list.
pub(super) fn count_reads(plan: &Plan, skipped: &dyn Fn(usize, usize) -> bool) -> Vec<Vec<u32>> {
    count_reads_ranked(plan, super::ranks::Ranks { me: 0, n: 1 }, skipped).global
}

/// Read counts of a distributed computation, as seen from one rank.
pub(super) struct RankedReads {
    /// How often each chunk is read by any rank's tasks (as [`count_reads`]).
    pub global: Vec<Vec<u32>>,
    /// How often each chunk is read by this rank's tasks.
    pub local: Vec<Vec<u32>>,
    /// The ranks whose tasks read each chunk, ascending.
    pub readers: Vec<Vec<Vec<u32>>>,
}

/// [`count_reads`] split by the rank that runs each reading task (with one rank, `local`
/// and `readers` are left empty).
pub(super) fn count_reads_ranked(
    plan: &Plan,
    ranks: super::ranks::Ranks,
    skipped: &dyn Fn(usize, usize) -> bool,
) -> RankedReads {
    let n = plan.stages.len();
    let mut global: Vec<Vec<u32>> = vec![Vec::new(); n];
    for c in 0..n {
        for p in plan.stages[c].op.programs() {
            for k in p.leaves.iter().filter_map(|l| l.stage) {
                if global[k].is_empty() {
                    global[k] = vec![0; plan.stages[k].node.grid.num_chunks()];
                }
            }
        }
    }
    let split = ranks.n > 1;
    let mut local = if split { global.clone() } else { Vec::new() };
    let mut readers: Vec<Vec<Vec<u32>>> = if split {
        global.iter().map(|g| vec![Vec::new(); g.len()]).collect()
    } else {
        Vec::new()
    };
    for c in (0..n).rev() {
        if !reads_stages(plan, c) {
            continue;
        }
        let st = &plan.stages[c];
        let is_output = plan.outputs.contains(&c);
        for lin in 0..st.node.grid.num_chunks() {
            let read = global[c].get(lin).is_some_and(|&r| r > 0);
            if !read && (!is_output || skipped(c, lin)) {
                continue;
            }
            let mut count = |owner: usize, r: &InputRegion| {
                upstream_chunks(plan, st, r, &mut |k, chunk| {
                    global[k][chunk] += 1;
                    if !split {
                        return;
                    }
                    if owner == ranks.me {
                        local[k][chunk] += 1;
                    }
                    let set = &mut readers[k][chunk];
                    if let Err(at) = set.binary_search(&(owner as u32)) {
                        set.insert(at, owner as u32);
                    }
                });
            };
            match st.op.tree() {
                None => {
                    let owner = ranks.chunk_owner(plan, c, lin);
                    st.op.reads(&st.node, lin, &mut |r| count(owner, r));
                }
                Some(_) if !split => st.op.reads(&st.node, lin, &mut |r| count(0, r)),
                Some(tree) => {
                    let mut stack = vec![tree.root(&st.node, lin)];
                    while let Some(bx) = stack.pop() {
                        match tree.children(&bx) {
                            Some(children) => stack.extend(children.into_iter().rev()),
                            None => {
                                let owner = ranks.leaf_owner(plan, c, lin, &bx);
                                tree.leaf_reads(&st.node, lin, &bx, &mut |r| count(owner, r));
                            }
                        }
                    }
                }
            }
        }
    }
    RankedReads {
        global,
        local,
        readers,
    }
}
