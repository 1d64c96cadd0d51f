//! Discrete Fourier transforms along axes, as NumPy's `numpy.fft`: [`fft`](ComplexArray::fft),
//! [`ifft`](ComplexArray::ifft), [`rfft`](Array::rfft), [`irfft`](ComplexArray::irfft),
//! [`fft2`](ComplexArray::fft2), [`ifft2`](ComplexArray::ifft2),
//! [`fftn`](ComplexArray::fftn), [`ifftn`](ComplexArray::ifftn), [`fftfreq`],
//! [`rfftfreq`], [`fftshift`](ComplexArray::fftshift) and
//! [`ifftshift`](ComplexArray::ifftshift).
//!
//! A transform needs each lane along its axis whole. The array is first rechunked so that
//! the axis is in one chunk while the other axes are narrowed until a block holds no more
//! elements than the array's largest chunk (Dask instead requires the user to rechunk the
//! axis first). Each block then transforms its lanes with `rustfft` (`realfft` for the real
//! transforms), planned once per call.

use super::{Complex, ComplexArray};
use crate::array::{map_blocks, Array, AxisIndex, BlockInfo};
use crate::chunks::ChunkSpec;
use crate::dtype::Float;
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use rustfft::FftNum;
use std::sync::Arc;

/// Which direction is scaled, NumPy's `norm=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FftNorm {
    /// The forward transform unscaled, the inverse scaled by `1/n` (NumPy's default).
    #[default]
    Backward,
    /// Both scaled by `1/√n` (unitary).
    Ortho,
    /// The forward transform scaled by `1/n`, the inverse unscaled.
    Forward,
}

impl FftNorm {
    /// The factor a transform of length `n` is multiplied by.
    fn factor<F: Float>(self, n: usize, inverse: bool) -> F {
        let n = n as f64;
        let f = match (self, inverse) {
            (FftNorm::Backward, false) | (FftNorm::Forward, true) => 1.0,
            (FftNorm::Ortho, _) => 1.0 / n.sqrt(),
            _ => 1.0 / n,
        };
        <F as crate::dtype::Element>::from_f64(f)
    }
}

fn check_len(op: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Argument {
            op: op.into(),
            msg: "invalid number of data points (0): a transform needs at least one".into(),
        });
    }
    Ok(())
}

/// Buffers a lane transform reuses from lane to lane of a block: the complex values, the
/// real values, and the FFT's own scratch space.
struct LaneScratch<F> {
    values: Vec<Complex<F>>,
    real: Vec<F>,
    fft: Vec<Complex<F>>,
}

/// `v` holding `n` zeros (its allocation kept).
fn zeroed<T: Copy>(v: &mut Vec<T>, n: usize, zero: T) -> &mut [T] {
    v.clear();
    v.resize(n, zero);
    v
}

/// The lanes of `blocks` (one or two planes) along `axis`, each transformed by `f` into
/// `out_len` values written to an output block whose `axis` has length `out_len`
/// (`planes_out` == 1) or `2 · out_len` (real then imaginary parts).
fn transform_lanes<F: Float + FftNum>(
    op: &'static str,
    planes: &[&Array<F>],
    axis: usize,
    out_len: usize,
    planes_out: usize,
    f: impl Fn(&[ArrayViewD<'_, F>], &mut [F], &mut LaneScratch<F>) + Send + Sync + 'static,
) -> Result<Array<F>> {
    let first = planes[0].whole_lanes(axis)?;
    let spec = ChunkSpec::Explicit(first.chunks().all_chunks());
    let mut aligned = vec![first];
    for p in &planes[1..] {
        aligned.push(p.rechunk(spec.clone())?);
    }
    let mut chunks = aligned[0].chunks().all_chunks();
    chunks[axis] = vec![out_len * planes_out];
    let refs: Vec<&Array<F>> = aligned.iter().collect();
    map_blocks(&refs, Some(chunks), move |blocks, info: &BlockInfo| {
        let mut out = ArrayD::<F>::zeros(IxDyn(&info.out_shape));
        let mut lane_out = vec![F::default(); out_len * planes_out];
        let mut scratch = LaneScratch {
            values: Vec::new(),
            real: Vec::new(),
            fft: Vec::new(),
        };
        let lanes: Vec<_> = blocks
            .iter()
            .map(|b| b.lanes(Axis(axis)).into_iter().collect::<Vec<_>>())
            .collect();
        let mut src: Vec<ArrayViewD<'_, F>> = Vec::with_capacity(lanes.len());
        for (k, mut dst) in out.lanes_mut(Axis(axis)).into_iter().enumerate() {
            src.clear();
            src.extend(lanes.iter().map(|l| l[k].into_dyn()));
            f(&src, &mut lane_out, &mut scratch);
            for (d, &v) in dst.iter_mut().zip(&lane_out) {
                *d = v;
            }
        }
        Ok(out)
    })
    .map_err(|e| match e {
        Error::Argument { msg, .. } => Error::Argument { op: op.into(), msg },
        e => e,
    })
}

/// The complex array of the packed planes (real parts, then imaginary parts along `axis`).
fn unpack<F: Float>(packed: &Array<F>, axis: usize, n: usize) -> Result<ComplexArray<F>> {
    Ok(ComplexArray::from_planes_unchecked(
        packed.slice_axis(axis, 0..n)?,
        packed.slice_axis(axis, n..2 * n)?,
    ))
}

impl<F: Float + FftNum> ComplexArray<F> {
    /// The one-dimensional discrete Fourier transform along `axis` (NumPy's `fft`): each lane
    /// cut or padded with zeros to `n` values (default: the axis length), transformed, and
    /// scaled as `norm` says.
    ///
    /// ```
    /// use tessera::{Array, Complex, ComplexArray, FftNorm};
    /// let x = Array::<f64>::from_ndarray(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]), 2)?;
    /// let z = ComplexArray::from_real(&x)?.fft(None, -1, FftNorm::Backward)?.compute()?;
    /// assert_eq!(z[0], Complex::new(10.0, 0.0));
    /// assert!((z[1] - Complex::new(-2.0, 2.0)).norm() < 1e-12);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn fft(
        &self,
        n: Option<usize>,
        axis: impl AxisIndex,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        self.complex_transform("fft", n, axis, norm, false)
    }

    /// The inverse of [`fft`](ComplexArray::fft) (NumPy's `ifft`), scaled by `1/n` by
    /// default.
    pub fn ifft(
        &self,
        n: Option<usize>,
        axis: impl AxisIndex,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        self.complex_transform("ifft", n, axis, norm, true)
    }

    fn complex_transform(
        &self,
        op: &'static str,
        n: Option<usize>,
        axis: impl AxisIndex,
        norm: FftNorm,
        inverse: bool,
    ) -> Result<ComplexArray<F>> {
        let axis = crate::array::resolve_axis(op, axis, self.ndim())?;
        let n = n.unwrap_or(self.shape()[axis]);
        check_len(op, n)?;
        check_len(op, self.shape()[axis])?;
        let mut planner = rustfft::FftPlanner::<F>::new();
        let plan = if inverse {
            planner.plan_fft_inverse(n)
        } else {
            planner.plan_fft_forward(n)
        };
        let scale: F = norm.factor(n, inverse);
        let plan: Arc<dyn rustfft::Fft<F>> = plan;
        let (re, im) = self.planes();
        let zero = Complex::new(F::default(), F::default());
        let packed = transform_lanes(op, &[re, im], axis, n, 2, move |src, out, scratch| {
            let buf = zeroed(&mut scratch.values, n, zero);
            for (k, (r, i)) in src[0].iter().zip(src[1].iter()).take(n).enumerate() {
                buf[k] = Complex::new(*r, *i);
            }
            let work = zeroed(&mut scratch.fft, plan.get_inplace_scratch_len(), zero);
            plan.process_with_scratch(buf, work);
            let (out_re, out_im) = out.split_at_mut(n);
            for (k, c) in buf.iter().enumerate() {
                out_re[k] = c.re * scale;
                out_im[k] = c.im * scale;
            }
        })?;
        unpack(&packed, axis, n)
    }

    /// The inverse of [`rfft`](Array::rfft) (NumPy's `irfft`): `n` real values per lane
    /// (default `2·(m - 1)` for `m` input values) from the first `n/2 + 1` coefficients of a
    /// Hermitian-symmetric spectrum; the imaginary parts of the zero-frequency term (and of
    /// the Nyquist term for even `n`) are ignored, as in NumPy.
    ///
    /// ```
    /// use tessera::{Array, FftNorm};
    /// let x = Array::<f64>::from_ndarray(ndarray::arr1(&[1.0, -2.0, 0.5, 4.0, 3.0]), 2)?;
    /// let back = x.rfft(None, 0, FftNorm::Backward)?.irfft(Some(5), 0, FftNorm::Backward)?;
    /// let v = back.compute()?;
    /// assert!((v[3] - 4.0).abs() < 1e-12);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn irfft(&self, n: Option<usize>, axis: impl AxisIndex, norm: FftNorm) -> Result<Array<F>> {
        let op = "irfft";
        let axis = crate::array::resolve_axis(op, axis, self.ndim())?;
        let m = self.shape()[axis];
        check_len(op, m)?;
        let n = n.unwrap_or(2 * (m - 1));
        check_len(op, n)?;
        let half = n / 2 + 1;
        let plan = realfft::RealFftPlanner::<F>::new().plan_fft_inverse(n);
        let scale: F = norm.factor(n, true);
        let (re, im) = self.planes();
        let zero = Complex::new(F::default(), F::default());
        transform_lanes(op, &[re, im], axis, n, 1, move |src, out, scratch| {
            let spectrum = zeroed(&mut scratch.values, half, zero);
            for (k, (r, i)) in src[0].iter().zip(src[1].iter()).take(half).enumerate() {
                spectrum[k] = Complex::new(*r, *i);
            }
            spectrum[0].im = F::default();
            if n.is_multiple_of(2) {
                spectrum[half - 1].im = F::default();
            }
            // The spectrum is made valid above, and the lengths are the plan's.
            let work = zeroed(&mut scratch.fft, plan.get_scratch_len(), zero);
            if plan.process_with_scratch(spectrum, out, work).is_err() {
                out.fill(<F as num_traits::Float>::nan());
            }
            for v in out.iter_mut() {
                *v = *v * scale;
            }
        })
    }

    /// The two-dimensional transform over `axes` (NumPy's `fft2`, default the last two),
    /// each cut or padded to `s` when given.
    pub fn fft2(
        &self,
        s: Option<[usize; 2]>,
        axes: Option<[isize; 2]>,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        let axes = axes.unwrap_or([-2, -1]);
        self.fftn(s.as_ref().map(|s| &s[..]), Some(&axes), norm)
    }

    /// The inverse of [`fft2`](ComplexArray::fft2) (NumPy's `ifft2`).
    pub fn ifft2(
        &self,
        s: Option<[usize; 2]>,
        axes: Option<[isize; 2]>,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        let axes = axes.unwrap_or([-2, -1]);
        self.ifftn(s.as_ref().map(|s| &s[..]), Some(&axes), norm)
    }

    /// The N-dimensional transform over `axes` (NumPy's `fftn`; default all axes, or the
    /// last `s.len()` when only `s` is given): one-dimensional transforms along each.
    ///
    /// ```
    /// use tessera::{Array, Complex, ComplexArray, FftNorm};
    /// let x = Array::<f64>::ones(&[4, 6], 2)?;
    /// let z = ComplexArray::from_real(&x)?.fftn(None, None, FftNorm::Backward)?.compute()?;
    /// assert_eq!(z[[0, 0]], Complex::new(24.0, 0.0));
    /// assert!(z[[1, 2]].norm() < 1e-12);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn fftn(
        &self,
        s: Option<&[usize]>,
        axes: Option<&[isize]>,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        self.n_transform("fftn", s, axes, norm, false)
    }

    /// The inverse of [`fftn`](ComplexArray::fftn) (NumPy's `ifftn`).
    pub fn ifftn(
        &self,
        s: Option<&[usize]>,
        axes: Option<&[isize]>,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        self.n_transform("ifftn", s, axes, norm, true)
    }

    fn n_transform(
        &self,
        op: &'static str,
        s: Option<&[usize]>,
        axes: Option<&[isize]>,
        norm: FftNorm,
        inverse: bool,
    ) -> Result<ComplexArray<F>> {
        let nd = self.ndim() as isize;
        let axes: Vec<isize> = match (axes, s) {
            (Some(a), _) => a.to_vec(),
            (None, Some(s)) => (nd - s.len() as isize..nd).collect(),
            (None, None) => (0..nd).collect(),
        };
        if let Some(s) = s {
            if s.len() != axes.len() {
                return Err(Error::Argument {
                    op: op.into(),
                    msg: format!("{} lengths given for {} axes", s.len(), axes.len()),
                });
            }
        }
        let mut out = self.clone();
        for (k, &axis) in axes.iter().enumerate().rev() {
            let n = s.map(|s| s[k]);
            out = out.complex_transform(op, n, axis, norm, inverse)?;
        }
        Ok(out)
    }

    /// The zero-frequency term moved to the centre along `axes` (all when `None`), NumPy's
    /// `fftshift`: a roll by `n/2` along each.
    pub fn fftshift(&self, axes: Option<&[isize]>) -> Result<ComplexArray<F>> {
        let (re, im) = self.planes();
        Ok(ComplexArray::from_planes_unchecked(
            re.fftshift(axes)?,
            im.fftshift(axes)?,
        ))
    }

    /// The inverse of [`fftshift`](ComplexArray::fftshift) (NumPy's `ifftshift`).
    pub fn ifftshift(&self, axes: Option<&[isize]>) -> Result<ComplexArray<F>> {
        let (re, im) = self.planes();
        Ok(ComplexArray::from_planes_unchecked(
            re.ifftshift(axes)?,
            im.ifftshift(axes)?,
        ))
    }
}

impl<F: Float + FftNum> Array<F> {
    /// The transform of real input (NumPy's `rfft`): the `n/2 + 1` non-negative-frequency
    /// terms of each lane along `axis`, cut or padded with zeros to `n` values (default the
    /// axis length).
    ///
    /// ```
    /// use tessera::{Array, Complex, FftNorm};
    /// let x = Array::<f32>::from_ndarray(ndarray::arr1(&[0.0f32, 1.0, 0.0, -1.0]), 3)?;
    /// let z = x.rfft(None, 0, FftNorm::Backward)?.compute()?;
    /// assert_eq!(z.len(), 3);
    /// assert!((z[1] - Complex::new(0.0, -2.0)).norm() < 1e-6);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn rfft(
        &self,
        n: Option<usize>,
        axis: impl AxisIndex,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        let op = "rfft";
        let axis = crate::array::resolve_axis(op, axis, self.ndim())?;
        check_len(op, self.shape()[axis])?;
        let n = n.unwrap_or(self.shape()[axis]);
        check_len(op, n)?;
        let half = n / 2 + 1;
        let plan = realfft::RealFftPlanner::<F>::new().plan_fft_forward(n);
        let scale: F = norm.factor(n, false);
        let zero = Complex::new(F::default(), F::default());
        let packed = transform_lanes(op, &[self], axis, half, 2, move |src, out, scratch| {
            let input = zeroed(&mut scratch.real, n, F::default());
            for (d, &v) in input.iter_mut().zip(src[0].iter()) {
                *d = v;
            }
            let spectrum = zeroed(&mut scratch.values, half, zero);
            let work = zeroed(&mut scratch.fft, plan.get_scratch_len(), zero);
            // The lengths are the plan's, so this cannot fail.
            if plan.process_with_scratch(input, spectrum, work).is_err() {
                spectrum.fill(Complex::new(
                    <F as num_traits::Float>::nan(),
                    <F as num_traits::Float>::nan(),
                ));
            }
            let (out_re, out_im) = out.split_at_mut(half);
            for (k, c) in spectrum.iter().enumerate() {
                out_re[k] = c.re * scale;
                out_im[k] = c.im * scale;
            }
        })?;
        unpack(&packed, axis, half)
    }

    /// The complex transform of this real array (NumPy's `fft` of real input); see
    /// [`ComplexArray::fft`].
    pub fn fft(
        &self,
        n: Option<usize>,
        axis: impl AxisIndex,
        norm: FftNorm,
    ) -> Result<ComplexArray<F>> {
        ComplexArray::from_real(self)?.fft(n, axis, norm)
    }
}

impl<F: Float> Array<F> {
    /// The zero-frequency term moved to the centre along `axes` (all when `None`), NumPy's
    /// `fftshift`.
    ///
    /// ```
    /// use tessera::fftfreq;
    /// let f = fftfreq(5, 1.0, 5)?.fftshift(None)?.compute()?;
    /// assert_eq!(f.as_slice().unwrap(), &[-0.4, -0.2, 0.0, 0.2, 0.4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn fftshift(&self, axes: Option<&[isize]>) -> Result<Array<F>> {
        self.shift("fftshift", axes, false)
    }

    /// The inverse of [`fftshift`](Array::fftshift) (NumPy's `ifftshift`).
    pub fn ifftshift(&self, axes: Option<&[isize]>) -> Result<Array<F>> {
        self.shift("ifftshift", axes, true)
    }

    fn shift(&self, op: &str, axes: Option<&[isize]>, inverse: bool) -> Result<Array<F>> {
        let nd = self.ndim() as isize;
        let axes: Vec<isize> = axes
            .map(<[isize]>::to_vec)
            .unwrap_or_else(|| (0..nd).collect());
        let mut out = self.clone();
        for a in axes {
            let axis = crate::array::resolve_axis(op, a, self.ndim())?;
            let half = (self.shape()[axis] / 2) as isize;
            let by = if inverse { -half } else { half };
            out = out.roll(by, Some(axis as isize))?;
        }
        Ok(out)
    }
}

/// The sample frequencies of an `n`-point transform with sample spacing `d` (NumPy's
/// `fftfreq`): `[0, 1, …, ⌈n/2⌉ - 1, -⌊n/2⌋, …, -1] / (d·n)`, in chunks of `chunks`.
///
/// ```
/// use tessera::fftfreq;
/// let f = fftfreq(4, 0.5, 4)?.compute()?;
/// assert_eq!(f.as_slice().unwrap(), &[0.0, 0.5, -1.0, -0.5]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn fftfreq(n: usize, d: f64, chunks: impl Into<ChunkSpec>) -> Result<Array<f64>> {
    check_len("fftfreq", n)?;
    let val = 1.0 / (n as f64 * d);
    let pos = n.div_ceil(2);
    let v: Vec<f64> = (0..n)
        .map(|k| {
            let i = if k < pos {
                k as f64
            } else {
                k as f64 - n as f64
            };
            i * val
        })
        .collect();
    Array::from_ndarray(ndarray::Array1::from(v), chunks)
}

/// The sample frequencies of [`rfft`](Array::rfft) (NumPy's `rfftfreq`):
/// `[0, 1, …, ⌊n/2⌋] / (d·n)`.
///
/// ```
/// use tessera::rfftfreq;
/// let f = rfftfreq(5, 0.1, 3)?.compute()?;
/// assert_eq!(f.len(), 3);
/// assert!((f[2] - 4.0).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn rfftfreq(n: usize, d: f64, chunks: impl Into<ChunkSpec>) -> Result<Array<f64>> {
    check_len("rfftfreq", n)?;
    let val = 1.0 / (n as f64 * d);
    let v: Vec<f64> = (0..=n / 2).map(|k| k as f64 * val).collect();
    Array::from_ndarray(ndarray::Array1::from(v), chunks)
}
