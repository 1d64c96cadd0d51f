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
