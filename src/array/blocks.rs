//! `map_blocks`: a user function applied to every block (chunk) of one or more arrays.

use super::elementwise::broadcast;
use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::{ChunkData, Element};
use crate::error::{Error, Result};
use crate::expr::{BlockFn, BlockRead, Node, Op, ReadMap};
use ndarray::{ArrayD, ArrayViewD};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Where a block lies: passed to the function of [`map_blocks`] with the blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockInfo {
    /// The block's index in the grid of blocks (one entry per output axis).
    pub index: Vec<usize>,
    /// The block's region in the aligned inputs: `(start, len)` per axis.
    pub region: Vec<(usize, usize)>,
    /// The shape the function must return (the output block's shape).
    pub out_shape: Vec<usize>,
}

/// Applies `f` to the blocks of `inputs`, like Dask's `map_blocks`.
///
/// The inputs are aligned as elementwise operands are: NumPy broadcasting, and their chunk
/// boundaries merged along each axis, so block `i` of every input covers the same region (an
/// input broadcast along an axis passes its length-1 block along it). `f` gets the inputs'
/// blocks as `ndarray` views and a [`BlockInfo`], and returns the output block. The output has
/// one block per aligned input block; `chunks` declares its block sizes per axis (the same
/// number of blocks along each axis as the aligned inputs, any sizes) and defaults to the
/// inputs' blocks. The inputs' elementwise work is fused into the read of each block.
///
/// ```
/// use tessera::{map_blocks, Array};
/// let x = Array::<f64>::arange(0.0, 10.0, 1.0, 4).unwrap();            // blocks 4, 4, 2
/// // Each block minus its own mean.
/// let y = map_blocks(&[&x], None, |b, _info| {
///     let m = b[0].mean().unwrap_or(0.0);
///     Ok(b[0].mapv(|v| v - m))
/// })
/// .unwrap();
/// let v = y.compute().unwrap();
/// assert_eq!(v[0], -1.5);
/// assert_eq!(v[9], 0.5);
/// // Blocks of another shape: one value per block.
/// let sums = map_blocks::<f64, f64, _>(&[&x], Some(vec![vec![1, 1, 1]]), |b, _| {
///     Ok(ndarray::arr1(&[b[0].sum()]).into_dyn())
/// })
/// .unwrap();
/// assert_eq!(sums.compute().unwrap().as_slice().unwrap(), &[6.0, 22.0, 17.0]);
/// ```
///
/// A block of the wrong shape, or an error returned by `f`, fails the computation with an
/// error naming the block.
pub fn map_blocks<T, U, F>(
    inputs: &[&Array<T>],
    chunks: Option<Vec<Vec<usize>>>,
    f: F,
) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let op = "map_blocks";
    if inputs.is_empty() {
        return Err(Error::Argument {
            op: op.into(),
            msg: "needs at least one array".into(),
        });
    }
    let nodes: Vec<Arc<Node>> = inputs.iter().map(|a| a.node.clone()).collect();
    let refs: Vec<&Arc<Node>> = nodes.iter().collect();
    let (in_shape, in_grid) = broadcast(op, &refs)?;
    let grid = match chunks {
        None => in_grid.clone(),
        Some(sizes) => {
            if sizes.len() != in_shape.len() {
                return Err(Error::Chunks {
                    shape: in_shape.clone(),
                    msg: format!(
                        "{op}: {} lists of block sizes for {} axes",
                        sizes.len(),
                        in_shape.len()
                    ),
                });
            }
            let mut axes = Vec::with_capacity(sizes.len());
            for (d, s) in sizes.into_iter().enumerate() {
                let want = in_grid.axis(d).count();
                if s.len() != want || (s.contains(&0) && s.len() > 1) {
                    return Err(Error::Chunks {
                        shape: in_shape.clone(),
                        msg: format!(
                            "{op}: {} block sizes along axis {d}, where the inputs have {want} \
                             blocks (and sizes must be positive)",
                            s.len()
                        ),
                    });
                }
                axes.push(AxisChunks::from_sizes(s));
            }
            ChunkGrid::from_axes(axes)
        }
    };
    let shape = grid.shape();
    let func: Arc<dyn BlockFn> = Arc::new(TypedBlockFn::<T, U, F> {
        f,
        name: None,
        _t: PhantomData,
    });
    Ok(Array::wrap(Node::new(
        U::DTYPE,
        shape,
        grid,
        Op::MapBlocks {
            func,
            inputs: nodes,
            in_grid,
        },
    )))
}

impl<T: Element> Array<T> {
    /// [`map_blocks`] over this array alone, keeping its blocks' shapes.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i64>::arange(0, 6, 1, 4).unwrap();
    /// // Each element plus the index of its block.
    /// let y = x.map_blocks(|b, info| Ok(b.mapv(|v| v + 100 * info.index[0] as i64))).unwrap();
    /// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[0, 1, 2, 3, 104, 105]);
    /// ```
    pub fn map_blocks<U, F>(&self, f: F) -> Result<Array<U>>
    where
        U: Element,
        F: Fn(ArrayViewD<'_, T>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        map_blocks(
            &[self],
            None,
            move |b: &[ArrayViewD<'_, T>], info: &BlockInfo| f(b[0].clone(), info),
        )
    }
}

/// Builds an array whose block `index` (in `grid`) is `f` of the regions `reads(index)`
/// lists, each `(input, region)`: the gather operator the linear-algebra routines are made
/// of. `name` names the operation in plans and errors.
pub(crate) fn gather<T, U, F>(
    name: &'static str,
    inputs: &[&Array<T>],
    grid: ChunkGrid,
    reads: impl Fn(&[usize]) -> Vec<BlockRead> + Send + Sync + 'static,
    f: F,
) -> Array<U>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let func: Arc<dyn BlockFn> = Arc::new(TypedBlockFn::<T, U, F> {
        f,
        name: Some(name),
        _t: PhantomData,
    });
    Array::wrap(Node::new(
        U::DTYPE,
        grid.shape(),
        grid,
        Op::Gather {
            func,
            inputs: inputs.iter().map(|a| a.node.clone()).collect(),
            reads: ReadMap(Arc::new(reads)),
        },
    ))
}

/// A typed block function behind the type-erased [`BlockFn`].
struct TypedBlockFn<T, U, F> {
    f: F,
    /// The operation's name, or `None` for a user's function (named by its type).
    name: Option<&'static str>,
    _t: PhantomData<fn(T) -> U>,
}

impl<T, U, F> fmt::Debug for TypedBlockFn<T, U, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", std::any::type_name::<F>())
    }
}

impl<T, U, F> BlockFn for TypedBlockFn<T, U, F>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    fn name(&self) -> String {
        if let Some(name) = self.name {
            return name.to_string();
        }
        let full = std::any::type_name::<F>();
        full.rsplit("::").next().unwrap_or(full).to_string()
    }

    fn call(&self, inputs: &[ChunkData], info: &BlockInfo) -> Result<ChunkData> {
        let views = inputs
            .iter()
            .map(|c| {
                T::view(c).ok_or_else(|| Error::internal(self.name(), "block of another dtype"))
            })
            .collect::<Result<Vec<_>>>()?;
        self.finish((self.f)(&views, info)?, info)
    }

    fn call_views(
        &self,
        inputs: &crate::eval::BlockViews<'_>,
        info: &BlockInfo,
    ) -> Result<ChunkData> {
        let views = (0..inputs.len())
            .map(|i| inputs.view::<T>(i))
            .collect::<Result<Vec<_>>>()?;
        self.finish((self.f)(&views, info)?, info)
    }
}

impl<T, U, F> TypedBlockFn<T, U, F>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    /// The block the function returned, checked against the declared shape.
    fn finish(&self, out: ArrayD<U>, info: &BlockInfo) -> Result<ChunkData> {
        if out.shape() != info.out_shape.as_slice() {
            return Err(Error::Shape {
                op: self.name(),
                msg: format!(
                    "the function returned a block of shape {:?} for block {:?}, whose \
                     declared shape is {:?}",
                    out.shape(),
                    info.index,
                    info.out_shape
                ),
            });
        }
        Ok(U::into_chunk(out))
    }
}
