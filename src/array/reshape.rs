//! `reshape` and `ravel`, with Dask's rules: axes are grouped where their lengths' products
//! agree; a group that merges axes keeps the chunks of its first axis and needs the others
//! whole, a group that splits an axis needs that axis chunked in multiples of the new trailing
//! lengths, and other groups become one chunk. The input is rechunked where it does not meet
//! these rules (fused into the reshape's reads), so each output block is one input block.

use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::{AxisGroup, Node, Op};
use std::sync::Arc;

/// Groups the axes of `from` and `to` (same element count, none zero).
fn groups(from: &[usize], to: &[usize]) -> Vec<AxisGroup> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < from.len() || j < to.len() {
        if i == from.len() {
            out.push(AxisGroup {
                input: i..i,
                output: j..j + 1,
            });
            j += 1;
            continue;
        }
        if j == to.len() {
            out.push(AxisGroup {
                input: i..i + 1,
                output: j..j,
            });
            i += 1;
            continue;
        }
        let (mut pi, mut pj) = (from[i], to[j]);
        let (mut ii, mut jj) = (i + 1, j + 1);
        while pi != pj {
            if pi < pj {
                pi *= from[ii];
                ii += 1;
            } else {
                pj *= to[jj];
                jj += 1;
            }
        }
        out.push(AxisGroup {
            input: i..ii,
            output: j..jj,
        });
        (i, j) = (ii, jj);
    }
    out
}

impl<T: Element> Array<T> {
    /// The same elements (in C order) in another shape, like NumPy's `reshape`.
    ///
    /// Follows Dask's rules (see the module documentation): where the chunks do not allow a
    /// block-to-block reshape, the input is rechunked first, inside the same pass. A group of
    /// axes that neither merges nor splits cleanly becomes a single chunk, so reshape such
    /// arrays after rechunking them if that chunk would be too large.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 24, 1, 6).unwrap();
    /// let y = x.reshape(&[4, 6]).unwrap();                 // split: rows of 6
    /// assert_eq!(y.chunks().chunks(0), vec![1, 1, 1, 1]);
    /// let v = y.compute().unwrap();
    /// assert_eq!(v[[2, 3]], 15);
    /// let z = y.reshape(&[2, 2, 6]).unwrap().ravel().unwrap();
    /// assert_eq!(z.compute().unwrap(), x.compute().unwrap());
    /// ```
    ///
    /// Errors when the element counts differ.
    pub fn reshape(&self, shape: &[usize]) -> Result<Array<T>> {
        let n: usize = shape.iter().product();
        if n != self.len() {
            return Err(Error::Shape {
                op: "reshape".into(),
                msg: format!(
                    "cannot reshape an array of shape {:?} ({} elements) into shape {shape:?}",
                    self.shape(),
                    self.len()
                ),
            });
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let from = self.shape().to_vec();
        if n == 0 {
            // No elements: one empty chunk, read from the (empty) input whole.
            return Ok(self.reshape_node(
                self.rechunk_to(ChunkGrid::single(&from)),
                ChunkGrid::single(shape),
                vec![AxisGroup {
                    input: 0..from.len(),
                    output: 0..shape.len(),
                }],
            ));
        }
        let groups = groups(&from, shape);
        let grid = &self.node.grid;
        let mut in_axes: Vec<AxisChunks> = (0..from.len()).map(|d| grid.axis(d).clone()).collect();
        let mut out_axes: Vec<AxisChunks> = Vec::with_capacity(shape.len());
        for g in &groups {
            let (ins, outs) = (g.input.clone(), g.output.clone());
            match (ins.len(), outs.len()) {
                (0, _) => out_axes.extend(outs.map(|j| AxisChunks::regular(1, shape[j]))),
                (_, 0) => {
                    for i in ins {
                        in_axes[i] = AxisChunks::regular(from[i], from[i]);
                    }
                }
                (1, 1) => out_axes.push(in_axes[ins.start].clone()),
                (_, 1) => {
                    // Merge: the first input axis keeps its chunks, the others are whole.
                    let rest: usize = from[ins.start + 1..ins.end].iter().product();
                    for i in ins.start + 1..ins.end {
                        in_axes[i] = AxisChunks::regular(from[i], from[i]);
                    }
                    let sizes = in_axes[ins.start]
                        .sizes()
                        .iter()
                        .map(|s| s * rest)
                        .collect();
                    out_axes.push(AxisChunks::from_sizes(sizes));
                }
                (1, _) => {
                    // Split: the input axis in chunks of whole trailing rows of the output.
                    let i = ins.start;
                    let rest: usize = shape[outs.start + 1..outs.end].iter().product();
                    let rows = (in_axes[i].max_size() / rest).max(1);
                    in_axes[i] = AxisChunks::regular(rows * rest, from[i]);
                    out_axes.push(AxisChunks::regular(rows, shape[outs.start]));
                    out_axes.extend(
                        (outs.start + 1..outs.end).map(|j| AxisChunks::regular(shape[j], shape[j])),
                    );
                }
                _ => {
                    for i in ins {
                        in_axes[i] = AxisChunks::regular(from[i], from[i]);
                    }
                    out_axes.extend(outs.map(|j| AxisChunks::regular(shape[j], shape[j])));
                }
            }
        }
        let input = self.rechunk_to(ChunkGrid::from_axes(in_axes));
        Ok(self.reshape_node(input, ChunkGrid::from_axes(out_axes), groups))
    }

    /// The elements as one axis in C order (NumPy's `ravel`), a [`reshape`](Self::reshape).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::ones(&[3, 4], [1, 4]).unwrap();
    /// let r = x.ravel().unwrap();
    /// assert_eq!((r.shape(), r.chunks().chunks(0)), (&[12][..], vec![4, 4, 4]));
    /// ```
    pub fn ravel(&self) -> Result<Array<T>> {
        self.reshape(&[self.len()])
    }

    /// This array's node in `grid` (itself if already chunked so).
    pub(crate) fn rechunk_to(&self, grid: ChunkGrid) -> Arc<Node> {
        if grid == self.node.grid {
            return self.node.clone();
        }
        Node::new(
            T::DTYPE,
            self.node.shape.clone(),
            grid,
            Op::Rechunk(self.node.clone()),
        )
    }

    fn reshape_node(&self, input: Arc<Node>, grid: ChunkGrid, groups: Vec<AxisGroup>) -> Array<T> {
        Array::wrap(Node::new(
            T::DTYPE,
            grid.shape(),
            grid,
            Op::Reshape { input, groups },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_group_where_products_agree() {
        let g = |f: &[usize], t: &[usize]| {
            groups(f, t)
                .into_iter()
                .map(|g| (g.input, g.output))
                .collect::<Vec<_>>()
        };
        assert_eq!(g(&[4, 6], &[24]), vec![(0..2, 0..1)]);
        assert_eq!(g(&[24], &[2, 3, 4]), vec![(0..1, 0..3)]);
        assert_eq!(g(&[6, 4], &[4, 6]), vec![(0..2, 0..2)]);
        assert_eq!(g(&[2, 3, 5], &[6, 5]), vec![(0..2, 0..1), (2..3, 1..2)]);
        assert_eq!(
            g(&[3, 1, 4], &[3, 4, 1]),
            vec![(0..1, 0..1), (1..3, 1..2), (3..3, 2..3)]
        );
        assert_eq!(g(&[4, 1], &[4]), vec![(0..1, 0..1), (1..2, 1..1)]);
    }
}
