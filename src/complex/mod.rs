//! Complex arrays: [`ComplexArray<F>`], NumPy's `complex64` (`F = f32`) and `complex128`
//! (`F = f64`), and the discrete Fourier transforms ([`fft`](ComplexArray::fft) and kin, in
//! [`fft`]).
//!
//! A complex array is held as two lazy real arrays of the same shape, its real and
//! imaginary planes. Complex arithmetic is recorded as real elementwise operations on the
//! planes, so it fuses into one pass over memory like any other elementwise work, and
//! reductions (`sum`, `mean`) are the real reductions of each plane. Values come out as
//! [`num_complex::Complex`] (re-exported as [`Complex`]).
//!
//! ```
//! use tessera::{Array, Complex, ComplexArray};
//! let re = Array::<f64>::from_ndarray(ndarray::arr1(&[1.0, 0.0]), 1)?;
//! let im = Array::<f64>::from_ndarray(ndarray::arr1(&[1.0, 2.0]), 1)?;
//! let z = ComplexArray::from_parts(&re, &im)?; // [1+1i, 2i]
//! let w = (&z * &z.conj()).real();          // |z|²
//! assert_eq!(w.compute()?.as_slice().unwrap(), &[2.0, 4.0]);
//! let v = z.try_mul(Complex::new(0.0, 1.0))?.compute()?; // times i
//! assert_eq!(v[0], Complex::new(-1.0, 1.0));
//! # Ok::<(), tessera::Error>(())
//! ```

pub mod fft;

use crate::array::{compute_many, where_, Array, Axes};
use crate::chunks::ChunkSpec;
use crate::dtype::Float;
use crate::error::{Error, Result};
use ndarray::{ArrayD, Zip};
pub use num_complex::Complex;
use std::ops;

/// A lazy chunked array of complex numbers with `F` parts (`f32`: NumPy's `complex64`,
/// `f64`: `complex128`), held as a real and an imaginary plane of the same shape.
///
/// See the [module](self) documentation.
#[derive(Debug, Clone)]
pub struct ComplexArray<F: Float> {
    re: Array<F>,
    im: Array<F>,
}

/// The right operand of a complex operation: a complex array, a real array (imaginary part
/// zero), or a complex or real scalar.
#[derive(Debug, Clone)]
pub enum ComplexOperand<F: Float> {
    /// A complex array.
    Complex(ComplexArray<F>),
    /// A real array.
    Real(Array<F>),
    /// A complex scalar.
    Scalar(Complex<F>),
}

impl<F: Float> From<ComplexArray<F>> for ComplexOperand<F> {
    fn from(a: ComplexArray<F>) -> Self {
        ComplexOperand::Complex(a)
    }
}
impl<F: Float> From<&ComplexArray<F>> for ComplexOperand<F> {
    fn from(a: &ComplexArray<F>) -> Self {
        ComplexOperand::Complex(a.clone())
    }
}
impl<F: Float> From<Array<F>> for ComplexOperand<F> {
    fn from(a: Array<F>) -> Self {
        ComplexOperand::Real(a)
    }
}
impl<F: Float> From<&Array<F>> for ComplexOperand<F> {
    fn from(a: &Array<F>) -> Self {
        ComplexOperand::Real(a.clone())
    }
}
impl<F: Float> From<Complex<F>> for ComplexOperand<F> {
    fn from(c: Complex<F>) -> Self {
        ComplexOperand::Scalar(c)
    }
}
impl<F: Float> From<F> for ComplexOperand<F> {
    fn from(v: F) -> Self {
        ComplexOperand::Scalar(Complex::new(v, F::default()))
    }
}

impl<F: Float> ComplexOperand<F> {
    /// The real and imaginary planes (a real operand gets a zero imaginary plane, so that
    /// special values combine as in NumPy, which converts it to complex first).
    fn planes(self) -> Result<(Array<F>, Array<F>)> {
        Ok(match self {
            ComplexOperand::Complex(c) => (c.re, c.im),
            ComplexOperand::Real(r) => {
                let zeros = r.zeros_like()?;
                (r, zeros)
            }
            ComplexOperand::Scalar(s) => (Array::scalar(s.re), Array::scalar(s.im)),
        })
    }
}

impl<F: Float> ComplexArray<F> {
    /// The complex array `re + i·im` from its real and imaginary planes (same shape).
    pub fn from_parts(re: &Array<F>, im: &Array<F>) -> Result<Self> {
        if re.shape() != im.shape() {
            return Err(Error::Shape {
                op: "ComplexArray::from_parts".into(),
                msg: format!(
                    "the real part has shape {:?} and the imaginary part {:?}",
                    re.shape(),
                    im.shape()
                ),
            });
        }
        Ok(ComplexArray {
            re: re.clone(),
            im: im.clone(),
        })
    }

    /// The real array `x` as a complex one (imaginary part zero), NumPy's
    /// `x.astype(complex)`.
    pub fn from_real(x: &Array<F>) -> Result<Self> {
        Ok(ComplexArray {
            re: x.clone(),
            im: x.zeros_like()?,
        })
    }

    /// A complex array from an in-memory `ndarray` array, cut into `chunks`.
    ///
    /// ```
    /// use tessera::{Complex, ComplexArray};
    /// let a = ndarray::arr1(&[Complex::new(1.0f32, 2.0), Complex::new(3.0, -1.0)]).into_dyn();
    /// let z = ComplexArray::from_ndarray(&a, 1)?;
    /// assert_eq!(z.compute()?, a);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn from_ndarray(a: &ArrayD<Complex<F>>, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let chunks = chunks.into();
        let re = Array::from_ndarray(a.mapv(|c| c.re), chunks.clone())?;
        let im = Array::from_ndarray(a.mapv(|c| c.im), chunks)?;
        Ok(ComplexArray { re, im })
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.re.shape()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.re.ndim()
    }

    /// The chunk grid of the real plane.
    pub fn chunks(&self) -> &crate::chunks::ChunkGrid {
        self.re.chunks()
    }

    /// The real plane (NumPy's `real`).
    pub fn real(&self) -> Array<F> {
        self.re.clone()
    }

    /// The imaginary plane (NumPy's `imag`).
    pub fn imag(&self) -> Array<F> {
        self.im.clone()
    }

    /// The complex conjugate.
    pub fn conj(&self) -> ComplexArray<F> {
        ComplexArray {
            re: self.re.clone(),
            im: self.im.neg(),
        }
    }

    /// The negation.
    pub fn neg(&self) -> ComplexArray<F> {
        ComplexArray {
            re: self.re.neg(),
            im: self.im.neg(),
        }
    }

    /// The magnitude `|z|`, computed as `hypot(re, im)` (no overflow for large parts), as
    /// NumPy's `abs`.
    pub fn abs(&self) -> Array<F> {
        // Same shapes: cannot fail to broadcast.
        self.re.hypot(&self.im).unwrap_or_else(|_| self.re.abs())
    }

    /// The argument `atan2(im, re)` in `[-π, π]`, NumPy's `angle`.
    pub fn angle(&self) -> Array<F> {
        self.im.arctan2(&self.re).unwrap_or_else(|_| self.re.abs())
    }

    /// The same values with a different chunking of both planes.
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> Result<ComplexArray<F>> {
        let chunks = chunks.into();
        Ok(ComplexArray {
            re: self.re.rechunk(chunks.clone())?,
            im: self.im.rechunk(chunks)?,
        })
    }

    /// Elementwise `self + other`, with broadcasting.
    pub fn try_add(&self, other: impl Into<ComplexOperand<F>>) -> Result<ComplexArray<F>> {
        let (c, d) = other.into().planes()?;
        Ok(ComplexArray {
            re: self.re.try_add(&c)?,
            im: self.im.try_add(&d)?,
        })
    }

    /// Elementwise `self - other`, with broadcasting.
    pub fn try_sub(&self, other: impl Into<ComplexOperand<F>>) -> Result<ComplexArray<F>> {
        let (c, d) = other.into().planes()?;
        Ok(ComplexArray {
            re: self.re.try_sub(&c)?,
            im: self.im.try_sub(&d)?,
        })
    }

    /// Elementwise `self · other`: `(ac - bd) + (ad + bc)i`, with broadcasting.
    pub fn try_mul(&self, other: impl Into<ComplexOperand<F>>) -> Result<ComplexArray<F>> {
        let (a, b) = (&self.re, &self.im);
        let (c, d) = other.into().planes()?;
        Ok(ComplexArray {
            re: a.try_mul(&c)?.try_sub(&b.try_mul(&d)?)?,
            im: a.try_mul(&d)?.try_add(&b.try_mul(&c)?)?,
        })
    }

    /// Elementwise `self / other`, with broadcasting, as NumPy divides: Smith's method
    /// (scaled by the larger part of the divisor, so that no square of a part overflows),
    /// and a zero divisor giving `re / 0` and `im / 0` (infinities or NaN).
    pub fn try_div(&self, other: impl Into<ComplexOperand<F>>) -> Result<ComplexArray<F>> {
        let (a, b) = (&self.re, &self.im);
        let (c, d) = other.into().planes()?;
        let (c_abs, d_abs) = (c.abs(), d.abs());
        // |c| >= |d|: r = d/c, s = 1/(c + d·r), re = (a + b·r)·s, im = (b - a·r)·s.
        let r = d.try_div(&c)?;
        let s = c.try_add(&d.try_mul(&r)?)?.reciprocal();
        let re_c = a.try_add(&b.try_mul(&r)?)?.try_mul(&s)?;
        let im_c = b.try_sub(&a.try_mul(&r)?)?.try_mul(&s)?;
        // |c| < |d|: r = c/d, s = 1/(d + c·r), re = (a·r + b)·s, im = (b·r - a)·s.
        let r = c.try_div(&d)?;
        let s = d.try_add(&c.try_mul(&r)?)?.reciprocal();
        let re_d = a.try_mul(&r)?.try_add(b)?.try_mul(&s)?;
        let im_d = b.try_mul(&r)?.try_sub(a)?.try_mul(&s)?;
        // A zero divisor.
        let re_0 = a.try_div(&c_abs)?;
        let im_0 = b.try_div(&c_abs)?;
        let zero = c_abs
            .equal(F::default())?
            .logical_and(&d_abs.equal(F::default())?)?;
        let wide = c_abs.greater_equal(&d_abs)?;
        Ok(ComplexArray {
            re: where_(&wide, &where_(&zero, &re_0, &re_c)?, &re_d)?,
            im: where_(&wide, &where_(&zero, &im_0, &im_c)?, &im_d)?,
        })
    }

    /// The sum over `axes` (the sums of both planes).
    pub fn sum(&self, axes: impl Into<Axes>) -> Result<ComplexArray<F>> {
        let axes = axes.into();
        Ok(ComplexArray {
            re: self.re.sum(axes.clone())?,
            im: self.im.sum(axes)?,
        })
    }

    /// The mean over `axes` (the means of both planes).
    pub fn mean(&self, axes: impl Into<Axes>) -> Result<ComplexArray<F>> {
        let axes = axes.into();
        Ok(ComplexArray {
            re: self.re.mean(axes.clone())?,
            im: self.im.mean(axes)?,
        })
    }

    /// Computes the values (both planes in one run).
    pub fn compute(&self) -> Result<ArrayD<Complex<F>>> {
        let mut planes = compute_many(&[&self.re, &self.im])?.into_iter();
        let (re, im) = match (planes.next(), planes.next()) {
            (Some(re), Some(im)) => (re, im),
            _ => {
                return Err(Error::Internal {
                    op: "ComplexArray::compute".into(),
                    msg: "two planes computed, fewer returned".into(),
                })
            }
        };
        Ok(Zip::from(&re)
            .and(&im)
            .map_collect(|&r, &i| Complex::new(r, i)))
    }

    /// Computes a 0-d array's single value.
    pub fn compute_scalar(&self) -> Result<Complex<F>> {
        let v = self.compute()?;
        if v.ndim() != 0 {
            return Err(Error::Shape {
                op: "compute_scalar".into(),
                msg: format!("the array has shape {:?}, not a 0-d one", v.shape()),
            });
        }
        Ok(v.iter().next().copied().unwrap_or_default())
    }

    pub(crate) fn planes(&self) -> (&Array<F>, &Array<F>) {
        (&self.re, &self.im)
    }

    pub(crate) fn from_planes_unchecked(re: Array<F>, im: Array<F>) -> Self {
        ComplexArray { re, im }
    }
}

macro_rules! complex_op {
    ($tr:ident, $m:ident, $try:ident) => {
        impl<F: Float, R: Into<ComplexOperand<F>>> ops::$tr<R> for &ComplexArray<F> {
            type Output = ComplexArray<F>;
            fn $m(self, rhs: R) -> ComplexArray<F> {
                match self.$try(rhs) {
                    Ok(r) => r,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        impl<F: Float, R: Into<ComplexOperand<F>>> ops::$tr<R> for ComplexArray<F> {
            type Output = ComplexArray<F>;
            fn $m(self, rhs: R) -> ComplexArray<F> {
                (&self).$m(rhs)
            }
        }
    };
}

complex_op!(Add, add, try_add);
complex_op!(Sub, sub, try_sub);
complex_op!(Mul, mul, try_mul);
complex_op!(Div, div, try_div);

impl<F: Float> ops::Neg for &ComplexArray<F> {
    type Output = ComplexArray<F>;
    fn neg(self) -> ComplexArray<F> {
        ComplexArray::neg(self)
    }
}
