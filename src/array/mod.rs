//! The lazy chunked array type [`Array`].

mod along_axis;
mod any;
mod any_arith;
mod any_ops;
mod axis;
mod blocks;
mod blockwise;
mod choose;
mod counting;
mod creation;
mod einsum;
mod elementwise;
pub(crate) mod indexing;
mod join;
mod linalg;
mod manipulation;
mod mask;
mod operators;
mod order;
mod overlap;
mod pad;
mod quantile_bands;
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) mod ranked;
mod rearrange;
mod reductions;
mod reshape;
mod sample_sort;
mod scans;
mod split;
mod statistics;
mod take;
mod triangle;
mod ufuncs;

pub use any::AnyArray;
pub use any_arith::AnyOperand;
pub use any_ops::AnyNdArray;
pub(crate) use axis::resolve_axis;
pub use axis::AxisIndex;
pub(crate) use blocks::gather;
pub use blocks::{map_blocks, BlockInfo};
pub use blockwise::blockwise;
pub use choose::{choose, select};
pub use counting::{histogram2d, histogramdd, intersect1d, setdiff1d, union1d, Side, Unique};
pub use einsum::einsum;
pub use elementwise::{where_, MixedOperand, Operand};
pub use indexing::Idx;
pub use join::{concatenate, stack};
pub use mask::extract;
pub use operators::Logical;
pub use order::QuantileMethod;
pub use overlap::Boundary;
pub use pad::PadMode;
pub use reductions::Axes;
pub use split::{block, dstack, hstack, vstack};
pub use triangle::{indices, meshgrid};

use crate::chunks::ChunkGrid;
use crate::dtype::{with_dtype, DType, Element};
use crate::error::{Error, Result};
use crate::exec::sink::{Assembler, Collector, ViewSink};
use crate::exec::{execute, ComputeOptions, ComputeStats};
use crate::expr::{Node, Op};
use crate::plan::Plan;
use ndarray::ArrayD;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A lazy, chunked N-dimensional array of `T`.
///
/// An `Array` is a cheap handle (shape, [`ChunkGrid`], dtype and a shared expression node).
/// Operations record new nodes; nothing runs until [`compute`](Array::compute),
/// [`compute_many`] or [`persist`](Array::persist).
///
/// ```
/// use tessera::Array;
/// let x = Array::<f64>::arange(0.0, 10.0, 1.0, 4).unwrap();   // 0..10 in chunks of 4
/// let y = (&x * 2.0 + 1.0).sum(..).unwrap();                   // one fused pass
/// assert_eq!(y.compute_scalar().unwrap(), 100.0);
/// ```
pub struct Array<T: Element> {
    pub(crate) node: Arc<Node>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array::wrap(self.node.clone())
    }
}

impl<T: Element> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Array<{}>(shape={:?}, chunks={}, op={})",
            T::DTYPE,
            self.node.shape,
            self.node.grid.describe(),
            self.node.label()
        )
    }
}

impl<T: Element> Array<T> {
    pub(crate) fn wrap(node: Arc<Node>) -> Self {
        debug_assert_eq!(node.dtype, T::DTYPE);
        Array {
            node,
            _t: PhantomData,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.node.shape
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.node.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.node.len()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunk grid.
    pub fn chunks(&self) -> &ChunkGrid {
        &self.node.grid
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// Size of the array's data in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * T::DTYPE.size()
    }

    /// The attributes, fill value, dimension names and format of the Zarr store this array
    /// was opened from (also after a rechunk or a slice that keeps every axis); `None` for
    /// arrays that are not (computed ones, or a slice that drops an axis). Pass the array
    /// to [`WriteOptions::like`](crate::zarr::WriteOptions::like) to keep them in a rewrite.
    pub fn store_metadata(&self) -> Option<Arc<crate::zarr::StoreMetadata>> {
        crate::zarr::StoreMetadata::of_node(&self.node)
    }

    /// The lowered plan that [`compute`](Array::compute) would run.
    pub fn plan(&self) -> Plan {
        Plan::build(std::slice::from_ref(&self.node))
    }

    /// A readable description of the plan: stages, fused programs, task counts.
    ///
    /// ```
    /// use tessera::{random, Array};
    /// let x = random::uniform::<f64>(&[1000], 100, 1).unwrap();
    /// let y = random::uniform::<f64>(&[1000], 100, 2).unwrap();
    /// let s = (x.sin() * &y + 1.0).sum(..).unwrap();
    /// // One reduce stage; sin, * and + are fused into its first level.
    /// assert_eq!(s.plan().stages().len(), 1);
    /// println!("{}", s.explain());
    /// ```
    pub fn explain(&self) -> String {
        self.plan().explain()
    }

    /// [`explain`](Array::explain) for a computation with `opts`: the plan depends on the
    /// memory limit (what is held, how a rechunk is staged, what spills).
    ///
    /// ```
    /// use tessera::{Array, ComputeOptions};
    /// let x = Array::<f64>::ones(&[1000], 100).unwrap();
    /// let text = x.sum(..).unwrap().explain_with(&ComputeOptions::new().memory_limit(1 << 20));
    /// assert!(text.contains("memory limit: 1048576 bytes"));
    /// ```
    pub fn explain_with(&self, opts: &ComputeOptions) -> String {
        Plan::build_for(std::slice::from_ref(&self.node), opts.limit()).explain()
    }

    /// Computes the array and returns it as an `ndarray` array.
    pub fn compute(&self) -> Result<ArrayD<T>> {
        Ok(self.compute_stats(&ComputeOptions::default())?.0)
    }

    /// Computes a one-element array (typically a full reduction) and returns the element.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(1, 5, 1, 2).unwrap();
    /// assert_eq!(x.prod(..).unwrap().compute_scalar().unwrap(), 24);
    /// assert!(x.compute_scalar().is_err());
    /// ```
    pub fn compute_scalar(&self) -> Result<T> {
        if self.len() != 1 {
            return Err(Error::Shape {
                op: "compute_scalar".into(),
                msg: format!("array of shape {:?} is not a single element", self.shape()),
            });
        }
        let a = self.compute()?;
        a.iter()
            .next()
            .copied()
            .ok_or_else(|| Error::internal("compute_scalar", "a one-element result is empty"))
    }

    /// Computes the array with options (thread count).
    pub fn compute_with(&self, opts: &ComputeOptions) -> Result<ArrayD<T>> {
        Ok(self.compute_stats(opts)?.0)
    }

    /// Computes the array and reports what the computation did.
    pub fn compute_stats(&self, opts: &ComputeOptions) -> Result<(ArrayD<T>, ComputeStats)> {
        let (mut v, stats) = compute_many_with(&[self], opts)?;
        let a = v
            .pop()
            .ok_or_else(|| Error::internal("compute", "no result for the output"))?;
        Ok((a, stats))
    }

    /// Computes the array into `out`, an array view of the same shape that the caller owns
    /// (NumPy's `out=`): no output is allocated, so a loop that recomputes into one buffer
    /// pays no page faults. `out` may have any strides. On error `out` holds partial results.
    ///
    /// ```
    /// use tessera::{Array, ComputeOptions};
    /// let a = Array::<f64>::arange(0.0, 6.0, 1.0, 4).unwrap();
    /// let mut out = ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[6]));
    /// (&a * 2.0).compute_into(&mut out.view_mut(), &ComputeOptions::default()).unwrap();
    /// assert_eq!(out.as_slice().unwrap(), &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    /// ```
    pub fn compute_into(
        &self,
        out: &mut ndarray::ArrayViewMutD<'_, T>,
        opts: &ComputeOptions,
    ) -> Result<ComputeStats> {
        if out.shape() != self.shape() {
            return Err(Error::Shape {
                op: "compute_into".into(),
                msg: format!(
                    "an output view of shape {:?} for an array of shape {:?}",
                    out.shape(),
                    self.shape()
                ),
            });
        }
        let plan = Plan::build_for(std::slice::from_ref(&self.node), opts.limit());
        with_dtype!(T::DTYPE, U => {
            if std::any::TypeId::of::<T>() != std::any::TypeId::of::<U>() {
                return Err(Error::Internal {
                    op: "compute_into".into(),
                    msg: format!("no element type for dtype {}", T::DTYPE),
                });
            }
            // SAFETY: `T` and `U` are the same type (checked just above), so the view types
            // are identical and the cast only names the type statically.
            let view = unsafe {
                &mut *(out as *mut ndarray::ArrayViewMutD<'_, T> as *mut ndarray::ArrayViewMutD<'_, U>)
            };
            let sink = ViewSink::<U>::new(view);
            execute(&plan, &[sink.sink()], opts)
        })
    }

    /// Computes the array and keeps its chunks in memory; the returned array reads them.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::ones(&[6], 4).unwrap();
    /// let p = (&x * 3.0).persist().unwrap();
    /// assert_eq!(p.sum(..).unwrap().compute_scalar().unwrap(), 18.0);
    /// ```
    pub fn persist(&self) -> Result<Array<T>> {
        let plan = Plan::build(std::slice::from_ref(&self.node));
        let col = Collector::new(&self.node.grid);
        execute(&plan, &[&col], &ComputeOptions::default())?;
        let chunks = col
            .chunks
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                c.into_inner().ok_or_else(|| {
                    Error::internal("persist", format!("chunk {i} was not computed"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            self.node.shape.clone(),
            self.node.grid.clone(),
            Op::Chunks(Arc::new(chunks)),
        )))
    }
}

/// The plan that [`compute_many`] would run for `arrays`: one plan over their shared graph.
///
/// ```
/// use tessera::{plan_many, Array};
/// let x = Array::<f64>::arange(0.0, 8.0, 1.0, 3).unwrap();
/// let m = x.mean(..).unwrap();
/// let d = (&x - &m).abs().max(..).unwrap();
/// // The mean is planned once although both outputs read it.
/// assert_eq!(plan_many(&[&m, &d]).stages().len(), 2);
/// ```
pub fn plan_many<T: Element>(arrays: &[&Array<T>]) -> Plan {
    let nodes: Vec<Arc<Node>> = arrays.iter().map(|a| a.node.clone()).collect();
    Plan::build(&nodes)
}

/// Computes several arrays over one shared graph: every shared stage runs once.
///
/// ```
/// use tessera::{compute_many, Array};
/// let x = Array::<f64>::arange(0.0, 8.0, 1.0, 3).unwrap();
/// let m = x.mean(..).unwrap();
/// let d = (&x - &m).abs();
/// let r = compute_many(&[&m, &d.max(..).unwrap()]).unwrap();
/// assert_eq!((r[0].first().copied(), r[1].first().copied()), (Some(3.5), Some(3.5)));
/// ```
pub fn compute_many<T: Element>(arrays: &[&Array<T>]) -> Result<Vec<ArrayD<T>>> {
    Ok(compute_many_with(arrays, &ComputeOptions::default())?.0)
}

/// [`compute_many`] with options, also returning what the computation did.
pub fn compute_many_with<T: Element>(
    arrays: &[&Array<T>],
    opts: &ComputeOptions,
) -> Result<(Vec<ArrayD<T>>, ComputeStats)> {
    let nodes: Vec<Arc<Node>> = arrays.iter().map(|a| a.node.clone()).collect();
    let plan = Plan::build_for(&nodes, opts.limit());
    assembled(arrays, |sinks| execute(&plan, sinks, opts))
}

/// Runs `run` with one output sink per array of `arrays`, then returns the arrays the sinks
/// assembled, with what `run` returned.
pub(crate) fn assembled<T: Element, R>(
    arrays: &[&Array<T>],
    run: impl FnOnce(&[&dyn crate::exec::sink::OutputSink]) -> Result<R>,
) -> Result<(Vec<ArrayD<T>>, R)> {
    with_dtype!(T::DTYPE, U => {
        let sinks: Vec<Assembler<U>> = arrays
            .iter()
            .map(|a| Assembler::<U>::new(a.shape()))
            .collect::<Result<_>>()?;
        let refs: Vec<&dyn crate::exec::sink::OutputSink> =
            sinks.iter().map(|s| s.sink() as &dyn crate::exec::sink::OutputSink).collect();
        let r = run(&refs)?;
        let out = sinks
            .into_iter()
            .map(|s| {
                T::from_chunk(U::into_chunk(s.finish()))
                    .ok_or_else(|| Error::internal("compute", "result of the wrong dtype"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((out, r))
    })
}
