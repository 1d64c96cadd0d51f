//! Creating arrays: from `ndarray`, constants, ranges, identity matrices.

use super::Array;
use crate::chunks::{ChunkGrid, ChunkSpec};
use crate::dtype::{Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::{Generator, Node, Op};
use ndarray::{ArrayBase, Data, Dimension};
use std::sync::Arc;

impl<T: Element> Array<T> {
    /// A chunked array over an in-memory `ndarray` array.
    ///
    /// Owned arrays are moved in without copying, and so are `ArcArray`s that are not
    /// shared; views are copied once (a lazy array cannot borrow). Chunks are views into the
    /// data, whatever its memory layout.
    ///
    /// ```
    /// use ndarray::array;
    /// use tessera::Array;
    /// let x = Array::from_ndarray(array![[1.0, 2.0], [3.0, 4.0]], [1, 2]).unwrap();
    /// assert_eq!(x.chunks().grid_shape(), vec![2, 1]);
    /// assert_eq!(x.sum(0).unwrap().compute().unwrap().into_raw_vec_and_offset().0, vec![4.0, 6.0]);
    /// ```
    pub fn from_ndarray<S, D>(a: ArrayBase<S, D>, chunks: impl Into<ChunkSpec>) -> Result<Self>
    where
        S: Data<Elem = T>,
        D: Dimension,
    {
        let mut a = a.into_owned().into_dyn();
        if a.strides().iter().any(|&s| s < 0) {
            // Chunk views are built with non-negative strides: normalize reversed axes once.
            a = a.as_standard_layout().into_owned();
        }
        let shape = a.shape().to_vec();
        let grid = ChunkGrid::new(&shape, chunks.into(), T::DTYPE.size())?;
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape,
            grid,
            Op::Memory(Arc::new(T::into_chunk(a))),
        )))
    }

    /// An array of `shape` whose every element is `value`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::full(&[2, 3], 7i32, 2).unwrap();
    /// assert_eq!(x.sum(..).unwrap().compute_scalar().unwrap(), 42i64);
    /// ```
    pub fn full(shape: &[usize], value: T, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let grid = ChunkGrid::new(shape, chunks.into(), T::DTYPE.size())?;
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape.to_vec(),
            grid,
            Op::Fill(value.to_scalar()),
        )))
    }

    /// An array of zeros (`false` for `bool`).
    pub fn zeros(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::full(shape, T::from_f64(0.0), chunks)
    }

    /// An array of ones (`true` for `bool`).
    pub fn ones(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::full(shape, T::from_f64(1.0), chunks)
    }

    /// A 0-d array holding `value` (what scalar operands become).
    pub fn scalar(value: T) -> Self {
        Array::wrap(Node::new(
            T::DTYPE,
            vec![],
            ChunkGrid::single(&[]),
            Op::Fill(value.to_scalar()),
        ))
    }

    pub(crate) fn generated(shape: &[usize], g: Generator, chunks: ChunkSpec) -> Result<Self> {
        let grid = ChunkGrid::new(shape, chunks, T::DTYPE.size())?;
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape.to_vec(),
            grid,
            Op::Generate(g),
        )))
    }
}

impl<T: Numeric> Array<T> {
    /// Values `start, start + step, ...` below `stop` (above, for a negative step), like
    /// NumPy's `arange`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i64>::arange(0, 10, 3, 2).unwrap();
    /// assert_eq!(x.compute().unwrap().into_raw_vec_and_offset().0, vec![0, 3, 6, 9]);
    /// ```
    pub fn arange(start: T, stop: T, step: T, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        if let (Some(a), Some(b), Some(s)) = (as_i128(start), as_i128(stop), as_i128(step)) {
            if s == 0 {
                return Err(Error::Argument {
                    op: "arange".into(),
                    msg: "step must be non-zero".into(),
                });
            }
            // Exact integer count: ceil((b - a) / s), at least 0.
            let span = if s > 0 { b - a } else { a - b };
            let n = if span <= 0 {
                0
            } else {
                (span + s.abs() - 1) / s.abs()
            };
            return Self::generated(
                &[usize::try_from(n).unwrap_or(usize::MAX)],
                Generator::IntRange { start: a, step: s },
                chunks.into(),
            );
        }
        let (a, b, s) = (start.to_f64(), stop.to_f64(), step.to_f64());
        if s == 0.0 || !s.is_finite() || !a.is_finite() || !b.is_finite() {
            return Err(Error::Argument {
                op: "arange".into(),
                msg: format!("step must be finite and non-zero (start {a}, stop {b}, step {s})"),
            });
        }
        let n = ((b - a) / s).ceil().max(0.0) as usize;
        Self::generated(
            &[n],
            Generator::Range {
                start: a,
                step: s,
                end: None,
            },
            chunks.into(),
        )
    }

    /// The identity-like matrix of `n × m` with ones on diagonal `k` (0: main, positive:
    /// above), like NumPy's `eye`.
    ///
    /// ```
    /// use tessera::Array;
    /// let e = Array::<f64>::eye(3, 3, 0, 2).unwrap();
    /// assert_eq!(e.sum(..).unwrap().compute_scalar().unwrap(), 3.0);
    /// ```
    pub fn eye(n: usize, m: usize, k: i64, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::generated(&[n, m], Generator::Eye { k }, chunks.into())
    }
}

impl<T: Float> Array<T> {
    /// `num` evenly spaced values from `start` to `stop` (included when `endpoint`), like
    /// NumPy's `linspace`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::linspace(0.0, 1.0, 5, true, 2).unwrap();
    /// assert_eq!(x.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    pub fn linspace(
        start: T,
        stop: T,
        num: usize,
        endpoint: bool,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Self> {
        let (a, b) = (start.to_f64(), stop.to_f64());
        let div = if endpoint { num.saturating_sub(1) } else { num };
        let step = if div == 0 { 0.0 } else { (b - a) / div as f64 };
        Self::generated(
            &[num],
            Generator::Range {
                start: a,
                step,
                end: (endpoint && num > 1).then_some(b),
            },
            chunks.into(),
        )
    }
}

/// The value of an integer element as `i128` (`None` for floats and `bool`).
fn as_i128<T: Element>(v: T) -> Option<i128> {
    use crate::dtype::Scalar;
    Some(match v.to_scalar() {
        Scalar::I8(x) => x.into(),
        Scalar::I16(x) => x.into(),
        Scalar::I32(x) => x.into(),
        Scalar::I64(x) => x.into(),
        Scalar::U8(x) => x.into(),
        Scalar::U16(x) => x.into(),
        Scalar::U32(x) => x.into(),
        Scalar::U64(x) => x.into(),
        _ => return None,
    })
}
