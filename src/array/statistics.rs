//! Weighted means and second moments between variables: `average`, `cov`, `corrcoef`.

use super::{Array, Axes};
use crate::dtype::Float;
use crate::error::{Error, Result};

impl<F: Float> Array<F> {
    /// The weighted mean over `axes` (NumPy's `average(x, axis, weights)`): `Σ w·x / Σ w`,
    /// with `weights` of the array's shape (`None`: the plain mean).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr1(&[1.0, 2.0, 4.0]), 2)?;
    /// let w = Array::from_ndarray(ndarray::arr1(&[3.0, 1.0, 0.0]), 2)?;
    /// assert_eq!(x.average(Some(&w), ..)?.compute_scalar()?, 1.25);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn average(&self, weights: Option<&Array<F>>, axes: impl Into<Axes>) -> Result<Array<F>> {
        let axes: Axes = axes.into();
        match weights {
            None => Ok(self.mean(axes)?.astype::<F>()),
            Some(w) => {
                if w.shape() != self.shape() {
                    return Err(Error::Shape {
                        op: "average".into(),
                        msg: format!(
                            "weights of shape {:?} for an array of shape {:?}",
                            w.shape(),
                            self.shape()
                        ),
                    });
                }
                let num = self.try_mul(w)?.sum(axes.clone())?.astype::<F>();
                num.try_div(w.sum(axes)?.astype::<F>())
            }
        }
    }

    /// The covariance matrix (NumPy's `cov(x, rowvar, ddof)`): rows are variables and
    /// columns observations when `rowvar` (the default in NumPy), else the transpose; a 1-d
    /// array is one variable (a 0-d result). Divides by `observations − ddof` (NumPy's
    /// default ddof is 1).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::from_ndarray(ndarray::arr2(&[[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), 1)?;
    /// let c = x.cov(true, 1.0)?.compute()?;
    /// assert_eq!(c, ndarray::arr2(&[[1.0, -1.0], [-1.0, 1.0]]).into_dyn());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cov(&self, rowvar: bool, ddof: f64) -> Result<Array<F>> {
        let op = "cov";
        let x = match self.ndim() {
            1 => self.expand_dims(0)?,
            2 if rowvar => self.clone(),
            2 => self.t(),
            n => {
                return Err(Error::Shape {
                    op: op.into(),
                    msg: format!("needs a 1-d or 2-d array, got {n} dimensions"),
                })
            }
        };
        let n = x.shape()[1] as f64;
        let centred = x.try_sub(x.mean(Axes::from(1).keepdims())?.astype::<F>())?;
        let c = centred
            .matmul(&centred.t())?
            .try_div(F::from_f64(n - ddof))?;
        if self.ndim() == 1 {
            c.reshape(&[])
        } else {
            Ok(c)
        }
    }

    /// The correlation coefficients (NumPy's `corrcoef(x, rowvar)`): the covariance scaled by
    /// the variables' standard deviations, clipped to `[-1, 1]`.
    pub fn corrcoef(&self, rowvar: bool) -> Result<Array<F>> {
        let c = self.cov(rowvar, 1.0)?;
        if c.ndim() == 0 {
            return c.try_div(&c);
        }
        let d = c.diag(0)?.sqrt();
        c.try_div(&d.outer(&d)?)?
            .clip(F::from_f64(-1.0), F::from_f64(1.0))
    }
}
