//! Linear algebra on chunked arrays: matrix products.

use super::Array;
use crate::chunks::{refine_axis, ChunkGrid};
use crate::dtype::Numeric;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};

/// How many groups of contracted blocks a product is split into: with fewer output chunks
/// than [`SPLIT_BELOW`] and at least as many contracted blocks, the contracted axis is cut
/// into groups whose products run as tasks of their own and are summed, so a product with
/// one output chunk (`qᵀ · a` of a tall array) still uses every core. Depends only on the
/// chunk counts, so results do not depend on the thread count.
fn k_groups(out_chunks: usize, k_blocks: usize) -> usize {
    if out_chunks >= SPLIT_BELOW || k_blocks < SPLIT_BELOW {
        1
    } else {
        (2 * SPLIT_BELOW / out_chunks.max(1)).min(k_blocks)
    }
}

/// See [`k_groups`].
const SPLIT_BELOW: usize = 4;

impl<T: Numeric> Array<T> {
    /// The matrix product `self @ other`, as NumPy's `matmul`: two matrices give a matrix, a
    /// vector on the left is a row (`v @ m`), on the right a column (`m @ v`), two vectors
    /// give their inner product (a 0-d array), and arrays of more than two axes are stacks
    /// of matrices whose leading (batch) axes broadcast against each other.
    ///
    /// The contracted axis is chunked as elementwise operands are (the union of both
    /// chunkings); output chunk `(i, j)` multiplies row block `i` of `self` by column block
    /// `j` of `other` one contracted block at a time, so a task holds one pair of blocks, not
    /// a whole row of them. Floats use faer's blocked kernels; integers are exact (NumPy's
    /// wrapping arithmetic). Elementwise work in front of either operand is fused into the
    /// reads of its blocks.
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [2, 1])?;
    /// let b = Array::from_ndarray(ndarray::arr2(&[[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]), [2, 2])?;
    /// let c = a.matmul(&b)?.compute()?;
    /// assert_eq!(c, ndarray::arr2(&[[1.0, 2.0, 8.0], [3.0, 4.0, 18.0], [5.0, 6.0, 28.0]]).into_dyn());
    /// // Shapes that do not line up are an error.
    /// assert!(a.matmul(&a).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn matmul(&self, other: &Array<T>) -> Result<Array<T>> {
        let (na, nb) = (self.ndim(), other.ndim());
        if na == 0 || nb == 0 {
            return Err(Error::Shape {
                op: "matmul".into(),
                msg: format!(
                    "operands of shapes {:?} and {:?}: matmul does not take 0-d arrays",
                    self.shape(),
                    other.shape()
                ),
            });
        }
        let a = if na == 1 {
            self.expand_dims(0)?
        } else {
            self.clone()
        };
        let b = if nb == 1 {
            other.expand_dims(1)?
        } else {
            other.clone()
        };
        let nd = a.ndim().max(b.ndim());
        let (a, b) = (a.with_leading_axes(nd)?, b.with_leading_axes(nd)?);
        let batch = nd - 2;
        let (m, k) = (a.shape()[batch], a.shape()[batch + 1]);
        let (k2, n) = (b.shape()[batch], b.shape()[batch + 1]);
        if k != k2 {
            return Err(Error::Shape {
                op: "matmul".into(),
                msg: format!(
                    "operands of shapes {:?} and {:?}: the contracted lengths {k} and {k2} \
                     differ",
                    self.shape(),
                    other.shape()
                ),
            });
        }
        // Batch axes: broadcast, chunked as elementwise operands are.
        let (mut a_axes, mut b_axes, mut out_axes) = (Vec::new(), Vec::new(), Vec::new());
        let mut out_shape = Vec::with_capacity(nd);
        for d in 0..batch {
            let (la, lb) = (a.shape()[d], b.shape()[d]);
            if la != lb && la != 1 && lb != 1 {
                return Err(Error::Broadcast {
                    op: "matmul".into(),
                    left: self.shape().to_vec(),
                    right: other.shape().to_vec(),
                });
            }
            let len = la.max(lb);
            let from: Vec<&crate::chunks::AxisChunks> = [(&a, la), (&b, lb)]
                .iter()
                .filter(|(_, l)| *l == len)
                .map(|(x, _)| x.node.grid.axis(d))
                .collect();
            let axis = refine_axis(len, &from);
            let one = crate::chunks::AxisChunks::from_sizes(vec![1]);
            a_axes.push(if la == len { axis.clone() } else { one.clone() });
            b_axes.push(if lb == len { axis.clone() } else { one });
            out_axes.push(axis);
            out_shape.push(len);
        }
        let kc = refine_axis(k, &[a.node.grid.axis(batch + 1), b.node.grid.axis(batch)]);
        a_axes.extend([a.node.grid.axis(batch).clone(), kc.clone()]);
        b_axes.extend([kc.clone(), b.node.grid.axis(batch + 1).clone()]);
        out_axes.extend([
            a.node.grid.axis(batch).clone(),
            b.node.grid.axis(batch + 1).clone(),
        ]);
        out_shape.extend([m, n]);
        let a_grid = ChunkGrid::from_axes(a_axes);
        let b_grid = ChunkGrid::from_axes(b_axes);
        let grid = ChunkGrid::from_axes(out_axes);
        let a = Array::<T>::wrap(a.rechunk_to(a_grid));
        let b = Array::<T>::wrap(b.rechunk_to(b_grid));
        let groups = k_groups(grid.num_chunks(), kc.count());
        let product = if groups <= 1 {
            Array::wrap(Node::new(
                T::DTYPE,
                out_shape,
                grid,
                Op::MatMul(a.node, b.node),
            ))
        } else {
            // Few output chunks over many contracted blocks: a product per group of
            // contracted blocks, run in parallel, then summed pairwise.
            let kb = kc.count();
            let mut partials = (0..groups)
                .map(|g| {
                    let (first, last) = (g * kb / groups, (g + 1) * kb / groups);
                    let range = kc.offset(first)..kc.offset(last - 1) + kc.size(last - 1);
                    let (ag, bg) = (
                        a.slice_axis(batch + 1, range.clone())?,
                        b.slice_axis(batch, range)?,
                    );
                    Ok(Array::wrap(Node::new(
                        T::DTYPE,
                        out_shape.clone(),
                        grid.clone(),
                        Op::MatMul(ag.node, bg.node),
                    )))
                })
                .collect::<Result<Vec<_>>>()?;
            while partials.len() > 1 {
                let mut next = Vec::with_capacity(partials.len().div_ceil(2));
                for pair in partials.chunks(2) {
                    next.push(match pair {
                        [x, y] => x.try_add(y)?,
                        [x] => x.clone(),
                        _ => unreachable!("chunks(2) yields one or two"),
                    });
                }
                partials = next;
            }
            partials.remove(0)
        };
        // The axes NumPy adds to vector operands are removed again.
        match (na, nb) {
            (1, 1) => product.squeeze(vec![batch, batch + 1]),
            (1, _) => product.squeeze(batch),
            (_, 1) => product.squeeze(batch + 1),
            _ => Ok(product),
        }
    }

    /// This array with length-1 axes in front, to `nd` axes.
    fn with_leading_axes(&self, nd: usize) -> Result<Array<T>> {
        let mut x = self.clone();
        while x.ndim() < nd {
            x = x.expand_dims(0)?;
        }
        Ok(x)
    }

    /// NumPy's `dot` for 1-d and 2-d operands: the inner product of two vectors, and
    /// [`matmul`](Array::matmul) otherwise.
    ///
    /// ```
    /// use tessera::Array;
    /// let v = Array::<i64>::arange(1, 4, 1, 2)?; // [1, 2, 3]
    /// assert_eq!(v.dot(&v)?.compute_scalar()?, 14);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn dot(&self, other: &Array<T>) -> Result<Array<T>> {
        self.matmul(other)
    }

    /// NumPy's `inner` for 1-d and 2-d operands: sums over the last axis of both, so
    /// `inner(a, b) = a @ b.T` for matrices and the inner product for vectors.
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// let r = a.inner(&a)?.compute()?;
    /// assert_eq!(r, ndarray::arr2(&[[5, 11], [11, 25]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn inner(&self, other: &Array<T>) -> Result<Array<T>> {
        if other.ndim() == 2 {
            self.matmul(&other.t())
        } else {
            self.matmul(other)
        }
    }

    /// The outer product of two arrays, flattened first as NumPy's `outer` does: element
    /// `(i, j)` is `self[i] * other[j]` (elementwise, fused into its readers).
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::<i32>::arange(1, 4, 1, 2)?;
    /// let b = Array::<i32>::arange(0, 2, 1, 1)?;
    /// let o = a.outer(&b)?.compute()?;
    /// assert_eq!(o, ndarray::arr2(&[[0, 1], [0, 2], [0, 3]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn outer(&self, other: &Array<T>) -> Result<Array<T>> {
        let a = self.ravel()?.expand_dims(1)?;
        let b = other.ravel()?.expand_dims(0)?;
        a.try_mul(&b)
    }

    /// NumPy's `vdot` for real arrays: the inner product of the two arrays flattened (they
    /// must have the same number of elements).
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
    /// assert_eq!(a.vdot(&a)?.compute_scalar()?, 30.0);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn vdot(&self, other: &Array<T>) -> Result<Array<T>> {
        if self.len() != other.len() {
            return Err(Error::Shape {
                op: "vdot".into(),
                msg: format!(
                    "operands of shapes {:?} and {:?} have {} and {} elements",
                    self.shape(),
                    other.shape(),
                    self.len(),
                    other.len()
                ),
            });
        }
        self.ravel()?.matmul(&other.ravel()?)
    }
}

impl Array<bool> {
    /// The matrix product of boolean arrays, as NumPy's `matmul` for `bool`: element
    /// `(i, j)` is true when some `self[i, k] && other[k, j]` is (the same shapes,
    /// broadcasting and chunking rules as the numeric [`matmul`](Array::matmul)). Exact:
    /// the counts of true products are summed as integers, then compared with zero.
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::from_ndarray(ndarray::arr2(&[[true, false], [false, false]]), 1)?;
    /// let b = Array::from_ndarray(ndarray::arr2(&[[false, true], [true, true]]), 1)?;
    /// let c = a.matmul(&b)?.compute()?;
    /// assert_eq!(c, ndarray::arr2(&[[false, true], [false, false]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn matmul(&self, other: &Array<bool>) -> Result<Array<bool>> {
        self.astype::<i64>()
            .matmul(&other.astype::<i64>())?
            .not_equal(0)
    }
}
