//! Scans along an axis: `cumsum`, `cumprod`, `nancumsum`, `nancumprod`.

use super::axis::{resolve_axis, AxisIndex};
use super::Array;
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::Result;
use crate::expr::{Node, Op, ScanKind};

impl<T: Element> Array<T> {
    /// The running sum along `axis` (NumPy's `cumsum`). Integers and `bool` accumulate
    /// exactly (wrapping) in `i64`/`u64`, floats in their own type.
    ///
    /// Each chunk is scanned from its carry, the totals of the chunks before it along the
    /// axis accumulated in order, so integer results are exact and float results do not
    /// depend on the thread count; from the third chunk along the axis on, float results may
    /// differ from a sequential scan in the last bits (as Dask's).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(1, 7, 1, 4).unwrap();          // chunks [4, 2]
    /// let c = x.cumsum(0).unwrap();
    /// assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[1i64, 3, 6, 10, 15, 21]);
    /// ```
    pub fn cumsum(&self, axis: impl AxisIndex) -> Result<Array<T::Sum>> {
        self.scan(ScanKind::Sum, axis)
    }

    /// The running product along `axis` (NumPy's `cumprod`), with the types of
    /// [`cumsum`](Self::cumsum).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(1.0, 6.0, 1.0, 2).unwrap();
    /// let v = x.cumprod(0).unwrap().compute().unwrap();
    /// assert_eq!(v.as_slice().unwrap(), &[1.0, 2.0, 6.0, 24.0, 120.0]);
    /// ```
    pub fn cumprod(&self, axis: impl AxisIndex) -> Result<Array<T::Sum>> {
        self.scan(ScanKind::Prod, axis)
    }

    /// [`cumsum`](Self::cumsum) counting NaN as zero (NumPy's `nancumsum`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0, f64::NAN, 2.0]), 2).unwrap();
    /// let v = x.nancumsum(0).unwrap().compute().unwrap();
    /// assert_eq!(v.as_slice().unwrap(), &[1.0, 1.0, 3.0]);
    /// ```
    pub fn nancumsum(&self, axis: impl AxisIndex) -> Result<Array<T::Sum>> {
        self.scan(ScanKind::NanSum, axis)
    }

    /// [`cumprod`](Self::cumprod) counting NaN as one (NumPy's `nancumprod`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[2.0, f64::NAN, 3.0]), 1).unwrap();
    /// let v = x.nancumprod(0).unwrap().compute().unwrap();
    /// assert_eq!(v.as_slice().unwrap(), &[2.0, 2.0, 6.0]);
    /// ```
    pub fn nancumprod(&self, axis: impl AxisIndex) -> Result<Array<T::Sum>> {
        self.scan(ScanKind::NanProd, axis)
    }

    fn scan(&self, kind: ScanKind, axis: impl AxisIndex) -> Result<Array<T::Sum>> {
        let nd = self.ndim();
        let axis = resolve_axis(kind.name(), axis, nd)?;
        let out = <T::Sum as Element>::DTYPE;
        let chunks_along = self.node.grid.axis(axis).count();
        let mut tshape = self.shape().to_vec();
        tshape[axis] = chunks_along;
        let taxes = (0..nd)
            .map(|d| {
                if d == axis {
                    AxisChunks::regular(1, chunks_along)
                } else {
                    self.node.grid.axis(d).clone()
                }
            })
            .collect();
        let totals = Node::new(
            out,
            tshape,
            ChunkGrid::from_axes(taxes),
            Op::ScanTotals {
                kind,
                axis,
                input: self.node.clone(),
            },
        );
        Ok(Array::wrap(Node::new(
            out,
            self.shape().to_vec(),
            self.node.grid.clone(),
            Op::Scan {
                kind,
                axis,
                input: self.node.clone(),
                totals,
            },
        )))
    }
}
