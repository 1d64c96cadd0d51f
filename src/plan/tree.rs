//! The shape of a reduction tree, by index arithmetic.
//!
//! The chunks of a reduce stage's input along the reduced axes form a box for every output
//! chunk. A box of at most `split_every` chunks is combined by one task; a larger box is split
//! into pieces of the largest power of `g` below its length along each reduced axis (`g = split_every^(1/k)` for `k`
//! reduced axes with more than one chunk, as Dask does), recursively. The tree depends only
//! on the chunk counts and `split_every`, so results are the same for any thread count.

use crate::chunks::ChunkGrid;
use std::collections::HashMap;

/// The reduction tree of a reduce stage.
#[derive(Debug, Clone)]
pub struct TreeShape {
    /// Chunk counts along the reduced axes.
    pub counts: Vec<usize>,
    /// Largest number of inputs of one combine task.
    pub split_every: usize,
    /// Pieces per axis when a box is split.
    pub group: usize,
    /// Number of output chunks (product of chunk counts along kept axes).
    outputs: usize,
}

impl TreeShape {
    /// The tree for reducing `axes` of an input chunked as `grid`.
    pub fn new(grid: &ChunkGrid, axes: &[usize], split_every: usize) -> Self {
        let gs = grid.grid_shape();
        let counts: Vec<usize> = axes.iter().map(|&a| gs[a]).collect();
        let k = counts.iter().filter(|&&c| c > 1).count().max(1);
        let se = split_every.max(2);
        let group = ((se as f64).powf(1.0 / k as f64).floor() as usize).max(2);
        let outputs = gs
            .iter()
            .enumerate()
            .filter(|(a, _)| !axes.contains(a))
            .map(|(_, &c)| c)
            .product();
        TreeShape {
            counts,
            split_every: se,
            group,
            outputs,
        }
    }

    /// Number of output chunks.
    pub fn num_outputs(&self) -> usize {
        self.outputs
    }

    /// How a box with these lengths along the reduced axes is split, or `None` when one task
    /// combines all its chunks. Each entry lists `(offset, len)` pieces of one axis.
    pub fn split(&self, lens: &[usize]) -> Option<Vec<Vec<(usize, usize)>>> {
        let total: usize = lens.iter().product();
        if total <= self.split_every {
            return None;
        }
        if lens.iter().all(|&l| l <= self.group) {
            // Every axis is within one group but together they exceed `split_every` (many
            // reduced axes): halve the longest axis so that the recursion makes progress.
            let (ax, _) = lens
                .iter()
                .enumerate()
                .max_by_key(|&(_, &l)| l)
                .unwrap_or((0, &1));
            return Some(
                lens.iter()
                    .enumerate()
                    .map(|(a, &len)| {
                        if a == ax {
                            let h = len / 2;
                            vec![(0, h), (h, len - h)]
                        } else {
                            vec![(0, len)]
                        }
                    })
                    .collect(),
            );
        }
        Some(
            lens.iter()
                .map(|&len| {
                    if len <= self.group {
                        // Small axes are split into single chunks only if others are not
                        // split enough; keep them whole.
                        return vec![(0, len)];
                    }
                    // Pieces of the largest power of `group` below `len`: full groups at the
                    // bottom of the tree, as a bottom-up grouping would make.
                    let mut size = 1;
                    while size * self.group < len {
                        size *= self.group;
                    }
                    (0..len)
                        .step_by(size)
                        .map(|o| (o, size.min(len - o)))
                        .collect()
                })
                .collect(),
        )
    }

    /// Number of combine tasks in the tree of one output chunk.
    pub fn combine_tasks(&self) -> usize {
        let mut memo = HashMap::new();
        self.count(&self.counts, &mut memo)
    }

    fn count(&self, lens: &[usize], memo: &mut HashMap<Vec<usize>, usize>) -> usize {
        if let Some(&c) = memo.get(lens) {
            return c;
        }
        let c = match self.split(lens) {
            None => usize::from(lens.iter().product::<usize>() > 1),
            Some(pieces) => {
                let mut total = 1;
                for_each_box(&pieces, |sub| {
                    let l: Vec<usize> = sub.iter().map(|p| p.1).collect();
                    total += self.count(&l, memo);
                });
                total
            }
        };
        memo.insert(lens.to_vec(), c);
        c
    }
}

/// Calls `f` for every combination of pieces (C order), with one piece per axis.
pub fn for_each_box(pieces: &[Vec<(usize, usize)>], mut f: impl FnMut(&[(usize, usize)])) {
    let n = pieces.len();
    let mut idx = vec![0usize; n];
    let mut cur: Vec<(usize, usize)> = pieces.iter().map(|p| p[0]).collect();
    loop {
        f(&cur);
        let mut ax = n;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            if idx[ax] < pieces[ax].len() {
                cur[ax] = pieces[ax][idx[ax]];
                break;
            }
            idx[ax] = 0;
            cur[ax] = pieces[ax][0];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunks::ChunkSpec;

    #[test]
    fn tree_counts() {
        let g = ChunkGrid::new(&[100], ChunkSpec::Uniform(1), 8).unwrap();
        let t = TreeShape::new(&g, &[0], 8);
        // 100 -> [64, 36] -> 8 groups of 8, and 4 of 8 + 1 of 4: as bottom-up grouping.
        assert_eq!(t.combine_tasks(), 1 + (1 + 8) + (1 + 5));
        let g = ChunkGrid::new(&[4, 4], ChunkSpec::Uniform(1), 8).unwrap();
        let t = TreeShape::new(&g, &[0, 1], 4);
        assert_eq!(t.group, 2);
        assert_eq!(t.combine_tasks(), 1 + 4);
        let t = TreeShape::new(&g, &[1], 4);
        assert_eq!(t.num_outputs(), 4);
        assert_eq!(t.combine_tasks(), 1);
        // Four reduced axes of two chunks with split_every 8: group 2, but 16 > 8.
        let g = ChunkGrid::new(&[2, 2, 2, 2], ChunkSpec::Uniform(1), 8).unwrap();
        let t = TreeShape::new(&g, &[0, 1, 2, 3], 8);
        assert_eq!(t.combine_tasks(), 3);
        let g = ChunkGrid::new(&[2, 2], ChunkSpec::Uniform(1), 8).unwrap();
        assert_eq!(TreeShape::new(&g, &[0, 1], 3).combine_tasks(), 3);
    }

    #[test]
    fn boxes_in_c_order() {
        let mut seen = Vec::new();
        for_each_box(&[vec![(0, 1), (1, 1)], vec![(0, 2), (2, 1)]], |b| {
            seen.push(b.to_vec())
        });
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[1], vec![(0, 1), (2, 1)]);
    }
}
