//! Which process runs which task of a distributed computation: the ownership rule.
//!
//! Every process (a *rank*, numbered `0..n`) builds the same plan and applies the same rule,
//! so each knows, by index arithmetic alone, which tasks it runs, which chunks it will
//! receive and where to send what it computes:
//!
//! - a task computing a whole output chunk (map, rechunk, concatenate, matrix product,
//!   shared scan, ...) runs on the rank owning the chunk's block of the stage's chunk
//!   indices: chunk `lin` of `c` chunks goes to rank `lin * n / c`, so neighbouring chunks
//!   share a rank and a stage over the same grid as its input runs where its input is;
//! - a leaf task of a reduction tree runs where the first stored chunk it reads was made
//!   (its input is then already there); a leaf reading only sources and generators runs
//!   on the owner of its block of the stage's leaves (the leaves of every output chunk's
//!   tree, one after the other);
//! - a combine task (a node of a tree) runs where its first leaf runs, and so does the
//!   output chunk a tree makes: partials travel only from one rank's run of leaves to the
//!   rank of the first leaf of a node spanning several ranks.
//!
//! The trees and their merge order are those of a single-process run, whatever `n`: results
//! are bit-identical.

use super::reads::upstream_chunks;
use crate::plan::ops::TreeBox;
use crate::plan::Plan;

/// This process's place among the ranks of a computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ranks {
    /// This process's rank.
    pub me: usize,
    /// How many ranks take part.
    pub n: usize,
}

impl Ranks {
    /// Rank of item `i` of `total` split into `n` contiguous blocks.
    fn block(&self, i: usize, total: usize) -> usize {
        if total == 0 {
            return 0;
        }
        ((i as u128 * self.n as u128) / total as u128) as usize
    }

    /// The rank that computes chunk `lin` of stage `s`.
    pub(crate) fn chunk_owner(&self, plan: &Plan, s: usize, lin: usize) -> usize {
        if self.n == 1 {
            return 0;
        }
        let stage = &plan.stages[s];
        match stage.op.tree() {
            None => self.block(
                stage.op.rank_order(&stage.node, lin),
                stage.node.grid.num_chunks(),
            ),
            Some(tree) => self.node_owner(plan, s, lin, &tree.root(&stage.node, lin)),
        }
    }

    /// The rank that computes node `bx` of output chunk `lin`'s tree in stage `s`: the
    /// owner of its first leaf.
    pub(crate) fn node_owner(&self, plan: &Plan, s: usize, lin: usize, bx: &TreeBox) -> usize {
        if self.n == 1 {
            return 0;
        }
        let Some(tree) = plan.stages[s].op.tree() else {
            return self.block(lin, plan.stages[s].node.grid.num_chunks());
        };
        let mut first = bx.clone();
        while let Some(children) = tree.children(&first) {
            match children.into_iter().next() {
                Some(c) => first = c,
                None => break,
            }
        }
        self.leaf_owner(plan, s, lin, &first)
    }

    /// The rank that computes leaf `bx` of output chunk `lin`'s tree in stage `s`.
    pub(crate) fn leaf_owner(&self, plan: &Plan, s: usize, lin: usize, bx: &TreeBox) -> usize {
        let stage = &plan.stages[s];
        let Some(tree) = stage.op.tree() else {
            return self.block(lin, stage.node.grid.num_chunks());
        };
        let mut first: Option<(usize, usize)> = None;
        tree.leaf_reads(&stage.node, lin, bx, &mut |r| {
            upstream_chunks(plan, stage, r, &mut |k, c| {
                first.get_or_insert((k, c));
            });
        });
        if let Some((k, c)) = first {
            return self.chunk_owner(plan, k, c);
        }
        let root = tree.root(&stage.node, lin);
        let per: usize = root.iter().map(|r| r.1).product::<usize>().max(1);
        let local = bx
            .iter()
            .zip(&root)
            .fold(0usize, |acc, (b, r)| acc * r.1 + b.0.saturating_sub(r.0));
        self.block(
            lin.saturating_mul(per).saturating_add(local),
            stage.node.grid.num_chunks().saturating_mul(per),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Ranks;
    use crate::plan::Plan;
    use crate::random;
    use std::sync::Arc;

    fn plan_of(arrays: &[&crate::Array<f64>]) -> Plan {
        let nodes: Vec<Arc<crate::expr::Node>> = arrays.iter().map(|a| a.node.clone()).collect();
        Plan::build_for(&nodes, 1 << 30)
    }

    /// The owners of the leaves of output chunk `lin`'s tree in stage `s`.
    fn leaf_owners(plan: &Plan, r: Ranks, s: usize, lin: usize) -> Vec<usize> {
        let st = &plan.stages[s];
        let tree = st.op.tree().expect("a tree stage");
        let mut out = Vec::new();
        let mut stack = vec![tree.root(&st.node, lin)];
        while let Some(bx) = stack.pop() {
            match tree.children(&bx) {
                Some(c) => stack.extend(c),
                None => out.push(r.leaf_owner(plan, s, lin, &bx)),
            }
        }
        out
    }

    #[test]
    fn whole_chunk_tasks_split_in_contiguous_blocks() {
        let x = random::uniform::<f64>(&[100], 10, 1).unwrap();
        let plan = plan_of(&[&(&x * 2.0)]);
        for n in 1..=12 {
            let r = Ranks { me: 0, n };
            let owners: Vec<usize> = (0..10).map(|lin| r.chunk_owner(&plan, 0, lin)).collect();
            assert!(owners.windows(2).all(|w| w[0] <= w[1]), "{owners:?}");
            assert!(owners.iter().all(|&o| o < n));
            // Every rank gets work while there are enough chunks.
            let used = owners
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            assert_eq!(used, n.min(10), "{n} ranks: {owners:?}");
        }
    }

    #[test]
    fn the_time_means_of_a_shared_scan_stay_on_one_rank_each() {
        let u = random::uniform::<f64>(&[20, 30, 40], [4, 30, 20], 5).unwrap();
        let v = random::uniform::<f64>(&[20, 30, 40], [4, 30, 20], 6).unwrap();
        let (a, b) = ((&u * &u).mean(0).unwrap(), (&u * &v).mean(0).unwrap());
        let plan = plan_of(&[&a, &b]);
        let r = Ranks { me: 0, n: 2 };
        let scan = plan
            .stages
            .iter()
            .position(|s| s.op.describe().starts_with("shared scan"))
            .expect("a shared scan");
        // Its chunk order is a permutation of the chunk indices.
        let n = plan.stages[scan].node.grid.num_chunks();
        let st = &plan.stages[scan];
        let mut order: Vec<usize> = (0..n).map(|l| st.op.rank_order(&st.node, l)).collect();
        order.sort_unstable();
        assert_eq!(order, (0..n).collect::<Vec<_>>());
        let mut trees = 0;
        for (s, st) in plan.stages.iter().enumerate() {
            if st.op.tree().is_none() {
                continue;
            }
            for lin in 0..st.node.grid.num_chunks() {
                let owners = leaf_owners(&plan, r, s, lin);
                assert!(
                    owners.iter().all(|&o| o == owners[0]),
                    "stage {s} chunk {lin}: {owners:?}"
                );
                trees += 1;
            }
        }
        assert_eq!(trees, 4, "two means of two output chunks each");
    }
}
