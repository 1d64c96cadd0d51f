//! What an [`AnyArray`] can do without its element type being named: slice, index, take,
//! reshape, transpose, reduce, and compute into an [`AnyNdArray`]. Axes may be negative
//! (`-1` is the last), as in NumPy.

pub(crate) use super::axis::resolve_axis;
use super::{AnyArray, Array, Idx};
use crate::dtype::DType;
use crate::error::Result;
use ndarray::ArrayD;
use std::ops::Range;

/// Applies `$body` (an expression in the typed array `$a`, giving a `Result<Array<_>>`) to
/// whichever variant `$x` is, wrapping the result back into an [`AnyArray`].
macro_rules! each {
    ($x:expr, $a:ident => $body:expr) => {
        match $x {
            AnyArray::Bool($a) => $body.map(AnyArray::from),
            AnyArray::I8($a) => $body.map(AnyArray::from),
            AnyArray::I16($a) => $body.map(AnyArray::from),
            AnyArray::I32($a) => $body.map(AnyArray::from),
            AnyArray::I64($a) => $body.map(AnyArray::from),
            AnyArray::U8($a) => $body.map(AnyArray::from),
            AnyArray::U16($a) => $body.map(AnyArray::from),
            AnyArray::U32($a) => $body.map(AnyArray::from),
            AnyArray::U64($a) => $body.map(AnyArray::from),
            AnyArray::F32($a) => $body.map(AnyArray::from),
            AnyArray::F64($a) => $body.map(AnyArray::from),
        }
    };
}

/// A computed array whose element type is known only at run time: what
/// [`AnyArray::compute`] returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnyNdArray {
    /// Booleans.
    Bool(ArrayD<bool>),
    /// 8-bit signed integers.
    I8(ArrayD<i8>),
    /// 16-bit signed integers.
    I16(ArrayD<i16>),
    /// 32-bit signed integers.
    I32(ArrayD<i32>),
    /// 64-bit signed integers.
    I64(ArrayD<i64>),
    /// 8-bit unsigned integers.
    U8(ArrayD<u8>),
    /// 16-bit unsigned integers.
    U16(ArrayD<u16>),
    /// 32-bit unsigned integers.
    U32(ArrayD<u32>),
    /// 64-bit unsigned integers.
    U64(ArrayD<u64>),
    /// 32-bit floats.
    F32(ArrayD<f32>),
    /// 64-bit floats.
    F64(ArrayD<f64>),
}

impl AnyNdArray {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            AnyNdArray::Bool(_) => DType::Bool,
            AnyNdArray::I8(_) => DType::I8,
            AnyNdArray::I16(_) => DType::I16,
            AnyNdArray::I32(_) => DType::I32,
            AnyNdArray::I64(_) => DType::I64,
            AnyNdArray::U8(_) => DType::U8,
            AnyNdArray::U16(_) => DType::U16,
            AnyNdArray::U32(_) => DType::U32,
            AnyNdArray::U64(_) => DType::U64,
            AnyNdArray::F32(_) => DType::F32,
            AnyNdArray::F64(_) => DType::F64,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            AnyNdArray::Bool(a) => a.shape(),
            AnyNdArray::I8(a) => a.shape(),
            AnyNdArray::I16(a) => a.shape(),
            AnyNdArray::I32(a) => a.shape(),
            AnyNdArray::I64(a) => a.shape(),
            AnyNdArray::U8(a) => a.shape(),
            AnyNdArray::U16(a) => a.shape(),
            AnyNdArray::U32(a) => a.shape(),
            AnyNdArray::U64(a) => a.shape(),
            AnyNdArray::F32(a) => a.shape(),
            AnyNdArray::F64(a) => a.shape(),
        }
    }

    /// The values as `f64` (NumPy's `astype(float64)`: booleans as 0 and 1, 64-bit integers
    /// above 2^53 rounded).
    pub fn to_f64(&self) -> ArrayD<f64> {
        match self {
            AnyNdArray::Bool(a) => a.mapv(|v| f64::from(u8::from(v))),
            AnyNdArray::I8(a) => a.mapv(f64::from),
            AnyNdArray::I16(a) => a.mapv(f64::from),
            AnyNdArray::I32(a) => a.mapv(f64::from),
            AnyNdArray::I64(a) => a.mapv(|v| v as f64),
            AnyNdArray::U8(a) => a.mapv(f64::from),
            AnyNdArray::U16(a) => a.mapv(f64::from),
            AnyNdArray::U32(a) => a.mapv(f64::from),
            AnyNdArray::U64(a) => a.mapv(|v| v as f64),
            AnyNdArray::F32(a) => a.mapv(f64::from),
            AnyNdArray::F64(a) => a.clone(),
        }
    }
}

fn resolve_axes(op: &str, axes: Option<&[isize]>, ndim: usize) -> Result<super::Axes> {
    Ok(match axes {
        None => super::Axes::all(),
        Some(list) => super::Axes::from(
            list.iter()
                .map(|&a| resolve_axis(op, a, ndim))
                .collect::<Result<Vec<_>>>()?,
        ),
    })
}

impl AnyArray {
    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The box `ranges` (one per axis), as [`Array::slice`].
    ///
    /// ```
    /// use tessera::{AnyArray, Array};
    /// let a = AnyArray::from(Array::<u16>::arange(0, 10, 1, 4)?);
    /// assert_eq!(a.slice(&[2..5])?.shape(), &[3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn slice(&self, ranges: &[Range<usize>]) -> Result<AnyArray> {
        each!(self, a => a.slice(ranges))
    }

    /// NumPy's basic indexing, as [`Array::index`].
    pub fn index(&self, idx: &[Idx]) -> Result<AnyArray> {
        each!(self, a => a.index(idx))
    }

    /// The elements at `indices` along `axis` (negative: from the end), as [`Array::take`].
    pub fn take(&self, indices: &[isize], axis: isize) -> Result<AnyArray> {
        let axis = resolve_axis("take", axis, self.ndim())?;
        each!(self, a => a.take(indices, axis))
    }

    /// The same elements in a new shape, as [`Array::reshape`].
    pub fn reshape(&self, shape: &[usize]) -> Result<AnyArray> {
        each!(self, a => a.reshape(shape))
    }

    /// The axes reordered (negative axes count from the end), as [`Array::permute_axes`].
    pub fn permute_axes(&self, axes: &[isize]) -> Result<AnyArray> {
        let axes = axes
            .iter()
            .map(|&a| resolve_axis("permute_axes", a, self.ndim()))
            .collect::<Result<Vec<_>>>()?;
        each!(self, a => a.permute_axes(&axes))
    }

    /// The sum over `axes` (all for `None`; negative axes count from the end), in the
    /// type [`Array::sum`] gives (integers widen to 64 bits, booleans count).
    ///
    /// ```
    /// use tessera::{AnyArray, Array, DType};
    /// let a = AnyArray::from(Array::<u8>::full(&[4, 3], 200, 2)?);
    /// let s = a.sum(Some(&[-1]))?;
    /// assert_eq!(s.dtype(), DType::U64);
    /// assert_eq!(s.compute()?.to_f64().as_slice().unwrap(), &[600.0; 4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn sum(&self, axes: Option<&[isize]>) -> Result<AnyArray> {
        let axes = resolve_axes("sum", axes, self.ndim())?;
        each!(self, a => a.sum(axes.clone()))
    }

    /// The mean over `axes` (`f64` for integers), as [`Array::mean`].
    pub fn mean(&self, axes: Option<&[isize]>) -> Result<AnyArray> {
        let axes = resolve_axes("mean", axes, self.ndim())?;
        each!(self, a => a.mean(axes.clone()))
    }

    /// The standard deviation over `axes`, as [`Array::std`].
    pub fn std(&self, axes: Option<&[isize]>) -> Result<AnyArray> {
        let axes = resolve_axes("std", axes, self.ndim())?;
        each!(self, a => a.std(axes.clone()))
    }

    /// The minimum over `axes`, as [`Array::min`].
    pub fn min(&self, axes: Option<&[isize]>) -> Result<AnyArray> {
        let axes = resolve_axes("min", axes, self.ndim())?;
        each!(self, a => a.min(axes.clone()))
    }

    /// The maximum over `axes`, as [`Array::max`].
    pub fn max(&self, axes: Option<&[isize]>) -> Result<AnyArray> {
        let axes = resolve_axes("max", axes, self.ndim())?;
        each!(self, a => a.max(axes.clone()))
    }

    /// Computes the array into an [`AnyNdArray`] of its element type.
    ///
    /// ```
    /// use tessera::{AnyArray, AnyNdArray, Array};
    /// let a = AnyArray::from(Array::<i32>::arange(0, 4, 1, 2)?);
    /// assert_eq!(a.compute()?, AnyNdArray::I32(ndarray::arr1(&[0, 1, 2, 3]).into_dyn()));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn compute(&self) -> Result<AnyNdArray> {
        self.compute_with(&crate::ComputeOptions::default())
    }

    /// [`compute`](AnyArray::compute) with options.
    pub fn compute_with(&self, opts: &crate::ComputeOptions) -> Result<AnyNdArray> {
        fn go<T: crate::Element>(a: &Array<T>, o: &crate::ComputeOptions) -> Result<ArrayD<T>> {
            a.compute_with(o)
        }
        Ok(match self {
            AnyArray::Bool(a) => AnyNdArray::Bool(go(a, opts)?),
            AnyArray::I8(a) => AnyNdArray::I8(go(a, opts)?),
            AnyArray::I16(a) => AnyNdArray::I16(go(a, opts)?),
            AnyArray::I32(a) => AnyNdArray::I32(go(a, opts)?),
            AnyArray::I64(a) => AnyNdArray::I64(go(a, opts)?),
            AnyArray::U8(a) => AnyNdArray::U8(go(a, opts)?),
            AnyArray::U16(a) => AnyNdArray::U16(go(a, opts)?),
            AnyArray::U32(a) => AnyNdArray::U32(go(a, opts)?),
            AnyArray::U64(a) => AnyNdArray::U64(go(a, opts)?),
            AnyArray::F32(a) => AnyNdArray::F32(go(a, opts)?),
            AnyArray::F64(a) => AnyNdArray::F64(go(a, opts)?),
        })
    }
}
