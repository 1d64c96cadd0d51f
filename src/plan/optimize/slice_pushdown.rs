//! Slice push-down: a slice of a reduction's result becomes the reduction of a slice of its
//! input, so only the input chunks the slice needs are read and reduced.
//!
//! Slices of sources, generators and in-memory arrays need no pass: fusion reads a leaf
//! through the slice's index map, so only the selected region is read (and a Zarr source
//! decodes only the chunks holding it). What fusion cannot see through is a stage: before
//! this pass `x.mean(0)[..10]` reduced every column of `x` and then kept ten. The pass moves
//! the slice below:
//! - a reduction: the slice applies to its kept axes (the reduced axes stay whole, so every
//!   output element folds the same values in the same order: the bits do not change);
//! - an elementwise operation: the slice applies to each operand (a broadcast axis of an
//!   operand stays whole), when doing so reaches a reduction below;
//! - another slice: the two compose into one.
//!
//! A node is moved only when the slice is its one reader (not an output, not read by
//! another node), so nothing is computed twice, and only within [`MAX_DEPTH`] elementwise
//! levels of the slice. The result keeps the slice's shape, dtype and chunks, or the pass
//! leaves it as it was.

use super::common_subexpressions::with_inputs;
use super::{Pass, StageGraph};
use crate::array::indexing::{stepped_chunks, AxisSel};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::expr::{Node, NodeId, Op};
use std::collections::HashMap;
use std::sync::Arc;

/// The slice push-down pass.
pub(crate) struct SlicePushdown;

/// The most elementwise levels a slice is moved through to reach a reduction.
pub(crate) const MAX_DEPTH: usize = 64;

impl Pass for SlicePushdown {
    fn name(&self) -> &'static str {
        "slice push-down"
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
        let (mut readers, slices) = count_readers(&graph.outputs);
        if !slices {
            return None;
        }
        let mut pushed = 0usize;
        let canon = super::rebuild(&graph.outputs, |n, node| {
            if !Arc::ptr_eq(n, &node) {
                copy_count(&mut readers, n, &node);
            }
            match pushed_slice(&node, &readers) {
                Some(p) => {
                    copy_count(&mut readers, n, &p);
                    pushed += 1;
                    p
                }
                None => node,
            }
        });
        if pushed == 0 {
            return None;
        }
        for o in graph.outputs.iter_mut() {
            if let Some(c) = canon.get(&o.id) {
                *o = c.clone();
            }
        }
        Some(format!(
            "{pushed} slice{} moved below a reduction",
            if pushed == 1 { "" } else { "s" }
        ))
    }
}

/// How many readers each node has (the distinct nodes reading it, plus one for an output),
/// and whether any node is a slice of a computed node.
fn count_readers(outputs: &[Arc<Node>]) -> (HashMap<NodeId, usize>, bool) {
    let mut slices = false;
    let mut readers: HashMap<NodeId, usize> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<Arc<Node>> = Vec::new();
    for o in outputs {
        *readers.entry(o.id).or_default() += 1;
        stack.push(o.clone());
    }
    while let Some(n) = stack.pop() {
        if !seen.insert(n.id) {
            continue;
        }
        if let Op::Slice { input, .. } = &n.op {
            slices |= !input.is_source();
        }
        let mut ids: Vec<NodeId> = n.inputs().iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            *readers.entry(id).or_default() += 1;
        }
        stack.extend(n.inputs().into_iter().cloned());
    }
    (readers, slices)
}

/// Gives node `to` the reader count of node `from` (which it replaces).
fn copy_count(readers: &mut HashMap<NodeId, usize>, from: &Node, to: &Node) {
    let c = readers.get(&from.id).copied().unwrap_or(0);
    readers.insert(to.id, c);
}

/// `node` with its slice moved below a reduction, when `node` is such a slice and the move
/// keeps its shape, dtype and chunks.
fn pushed_slice(node: &Arc<Node>, readers: &HashMap<NodeId, usize>) -> Option<Arc<Node>> {
    let Op::Slice { start, step, input } = &node.op else {
        return None;
    };
    let sels: Vec<AxisSel> = (0..node.shape.len())
        .map(|d| AxisSel {
            start: start[d],
            step: step[d],
            len: node.shape[d],
        })
        .collect();
    let moved = push(&sels, input, 0, readers, &mut HashMap::new())?;
    if moved.dtype != node.dtype
        || moved.shape != node.shape
        || !same_chunks(&moved.grid, &node.grid)
    {
        return None;
    }
    let inputs = moved.inputs().into_iter().cloned().collect();
    Some(Node::new(
        node.dtype,
        node.shape.clone(),
        node.grid.clone(),
        with_inputs(&moved.op, inputs),
    ))
}

/// What [`push`] made of a node and a selection, so that an operand used twice (`m * m`)
/// is moved once.
type Moved = HashMap<(NodeId, Vec<AxisSel>), Option<Arc<Node>>>;

/// `input[sels]` computed with the slice below `input`'s operation, or `None` when that
/// reaches no reduction (or `input` has other readers).
fn push(
    sels: &[AxisSel],
    input: &Arc<Node>,
    depth: usize,
    readers: &HashMap<NodeId, usize>,
    moved: &mut Moved,
) -> Option<Arc<Node>> {
    let key = (input.id, sels.to_vec());
    if let Some(m) = moved.get(&key) {
        return m.clone();
    }
    let m = push_once(sels, input, depth, readers, moved);
    moved.insert(key, m.clone());
    m
}

/// [`push`] without the memo.
fn push_once(
    sels: &[AxisSel],
    input: &Arc<Node>,
    depth: usize,
    readers: &HashMap<NodeId, usize>,
    moved: &mut Moved,
) -> Option<Arc<Node>> {
    if depth > MAX_DEPTH || readers.get(&input.id).copied() != Some(1) {
        return None;
    }
    let lens: Vec<usize> = sels.iter().map(|s| s.len).collect();
    match &input.op {
        Op::Reduce(spec, x) => {
            let mut xsel = Vec::with_capacity(x.shape.len());
            let mut axes = Vec::with_capacity(lens.len());
            let mut k = 0;
            for (d, &n) in x.shape.iter().enumerate() {
                if spec.axes.contains(&d) {
                    xsel.push(AxisSel {
                        start: 0,
                        step: 1,
                        len: n,
                    });
                    if spec.keepdims {
                        let s = sels.get(k)?;
                        if s.len != 1 {
                            return None;
                        }
                        axes.push(AxisChunks::regular(1, 1));
                        k += 1;
                    }
                } else {
                    let s = sels.get(k)?;
                    xsel.push(*s);
                    axes.push(stepped_chunks(x.grid.axis(d), s));
                    k += 1;
                }
            }
            let xs = slice_of(x, &xsel);
            Some(Node::new(
                input.dtype,
                lens,
                ChunkGrid::from_axes(axes),
                Op::Reduce(spec.clone(), xs),
            ))
        }
        Op::Unary(..) | Op::Binary(..) | Op::Where(..) => {
            let mut reached = false;
            let mut operands: Vec<Arc<Node>> = Vec::new();
            for o in input.inputs() {
                let osel = operand_sels(sels, &o.shape, &input.shape);
                operands.push(match push(&osel, o, depth + 1, readers, moved) {
                    Some(p) => {
                        reached = true;
                        p
                    }
                    None => slice_of(o, &osel),
                });
            }
            if !reached {
                return None;
            }
            Some(Node::new(
                input.dtype,
                lens,
                stepped_grid(&input.grid, sels),
                with_inputs(&input.op, operands),
            ))
        }
        Op::Slice {
            start,
            step,
            input: x,
        } => {
            let composed: Vec<AxisSel> = sels
                .iter()
                .enumerate()
                .map(|(d, s)| AxisSel {
                    start: start[d].saturating_add_signed(s.start as isize * step[d]),
                    step: if s.len <= 1 { 1 } else { step[d] * s.step },
                    len: s.len,
                })
                .collect();
            push(&composed, x, depth + 1, readers, moved)
        }
        _ => None,
    }
}

/// The selection of an elementwise operand of `shape` for the selection `sels` of the
/// operation's result of `out`: operands align to the result's last axes, and a broadcast
/// axis (length 1 against a longer one) stays whole.
fn operand_sels(sels: &[AxisSel], shape: &[usize], out: &[usize]) -> Vec<AxisSel> {
    let off = out.len() - shape.len().min(out.len());
    shape
        .iter()
        .enumerate()
        .map(|(j, &n)| {
            let k = j + off;
            if n == 1 && out[k] != 1 {
                AxisSel {
                    start: 0,
                    step: 1,
                    len: 1,
                }
            } else {
                sels[k]
            }
        })
        .collect()
}

/// `x[sels]`: `x` itself when the selection is all of it.
fn slice_of(x: &Arc<Node>, sels: &[AxisSel]) -> Arc<Node> {
    let whole = sels
        .iter()
        .zip(&x.shape)
        .all(|(s, &n)| s.start == 0 && s.step == 1 && s.len == n);
    if whole {
        return x.clone();
    }
    Node::new(
        x.dtype,
        sels.iter().map(|s| s.len).collect(),
        stepped_grid(&x.grid, sels),
        Op::Slice {
            start: sels.iter().map(|s| s.start).collect(),
            step: sels.iter().map(|s| s.step).collect(),
            input: x.clone(),
        },
    )
}

/// The chunks of a slice `sels` of an array chunked `grid` (as indexing makes them).
fn stepped_grid(grid: &ChunkGrid, sels: &[AxisSel]) -> ChunkGrid {
    ChunkGrid::from_axes(
        sels.iter()
            .enumerate()
            .map(|(d, s)| stepped_chunks(grid.axis(d), s))
            .collect(),
    )
}

/// Whether two grids cut every axis at the same places.
fn same_chunks(a: &ChunkGrid, b: &ChunkGrid) -> bool {
    a.ndim() == b.ndim()
        && (0..a.ndim()).all(|d| {
            let (x, y) = (a.axis(d), b.axis(d));
            x.count() == y.count() && (0..x.count()).all(|k| x.size(k) == y.size(k))
        })
}

#[cfg(test)]
mod tests {
    use crate::{random, Array, Idx};
    use ndarray::{s, Axis};

    #[test]
    fn a_slice_of_a_mean_reduces_only_the_sliced_columns() {
        let x = random::uniform::<f64>(&[40, 30], [10, 10], 1).unwrap();
        let m = x.mean(0).unwrap();
        let part = m.slice_axis(0, 2..8).unwrap();
        let plan = part.plan();
        let text = plan.explain();
        assert!(
            text.contains("pass slice push-down: 1 slice moved below a reduction"),
            "{text}"
        );
        // Four row chunks of one column chunk, not of all three.
        assert_eq!(plan.task_counts().reduce_chunk, 4, "{text}");
        // The same bits as slicing the whole mean.
        let whole = m.compute().unwrap();
        assert_eq!(part.compute().unwrap(), whole.slice(s![2..8]).into_dyn());
    }

    #[test]
    fn slices_move_through_elementwise_operations_and_compose() {
        let x = random::uniform::<f64>(&[12, 50], [5, 20], 2).unwrap();
        let y = random::uniform::<f64>(&[50], 20, 3).unwrap();
        let z = (x.sum(0).unwrap() * 2.0 + &y).sqrt();
        let part = z
            .index(&[Idx::Slice {
                start: 3,
                end: Some(45),
                step: -3,
            }])
            .unwrap()
            .slice_axis(0, 1..9)
            .unwrap();
        let text = part.plan().explain();
        assert!(text.contains("pass slice push-down"), "{text}");
        let whole = z.compute().unwrap();
        let want = whole
            .slice(s![3..45;-3])
            .slice(s![1..9])
            .to_owned()
            .into_dyn();
        assert_eq!(part.compute().unwrap(), want);
        let xn = x.compute().unwrap();
        let yn = y.compute().unwrap();
        let oracle = (xn.sum_axis(Axis(0)) * 2.0 + &yn).mapv(f64::sqrt);
        let o = oracle
            .slice(s![3..45;-3])
            .slice(s![1..9])
            .to_owned()
            .into_dyn();
        assert!(want.iter().zip(&o).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn an_operand_used_twice_is_moved_once() {
        let x = random::uniform::<f64>(&[40, 30], [10, 10], 1).unwrap();
        let m = x.mean(0).unwrap();
        let part = (&m * &m).slice_axis(0, 2..8).unwrap();
        let plan = part.plan();
        let text = plan.explain();
        assert!(text.contains("pass slice push-down"), "{text}");
        // One reduction of x[:, 2..8]: four chunk tasks, not eight.
        assert_eq!(plan.task_counts().reduce_chunk, 4, "{text}");
        let whole = m.compute().unwrap();
        let want = (&whole * &whole).slice(s![2..8]).into_dyn().to_owned();
        assert_eq!(part.compute().unwrap(), want);
    }

    #[test]
    fn broadcast_operands_keep_their_unit_axes() {
        let x = random::uniform::<f64>(&[6, 20, 30], [3, 7, 10], 4).unwrap();
        // A column (20 x 1) and a row (30) broadcast against the (20 x 30) mean.
        let col = random::uniform::<f64>(&[20, 1], [7, 1], 5).unwrap();
        let row = random::uniform::<f64>(&[30], 10, 6).unwrap();
        let cond = row.greater(0.5).unwrap();
        let a = x.mean(0).unwrap() * &col;
        let b = x.max(0).unwrap() + &row;
        let z = crate::where_(&cond, &a, &b).unwrap();
        let part = z
            .index(&[
                Idx::Slice {
                    start: 2,
                    end: Some(17),
                    step: 3,
                },
                Idx::Slice {
                    start: 0,
                    end: None,
                    step: -4,
                },
            ])
            .unwrap();
        let text = part.plan().explain();
        assert!(text.contains("pass slice push-down"), "{text}");
        let whole = z.compute().unwrap();
        let want = whole.slice(s![2..17;3, ..;-4]).to_owned().into_dyn();
        assert_eq!(part.compute().unwrap(), want);
    }

    #[test]
    fn reductions_read_elsewhere_or_requested_stay_whole() {
        let x = random::uniform::<f64>(&[40, 30], [10, 10], 1).unwrap();
        let m = x.mean(0).unwrap();
        let part = m.slice_axis(0, 2..8).unwrap();
        // The whole mean is requested too: it is computed once and sliced.
        let text = crate::plan_many(&[&part, &m]).explain();
        assert!(!text.contains("push-down"), "{text}");
        // Read by another expression as well.
        let other = (&m + 1.0).sum(..).unwrap();
        let text = crate::plan_many(&[&part, &other]).explain();
        assert!(!text.contains("push-down"), "{text}");
        // A slice of an in-memory array needs no move.
        let a = Array::from_ndarray(ndarray::Array1::<f64>::zeros(10), 5).unwrap();
        let text = a.slice_axis(0, 1..4).unwrap().plan().explain();
        assert!(!text.contains("push-down"), "{text}");
    }
}
