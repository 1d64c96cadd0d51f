//! Complex Zarr arrays (`complex64`, `complex128`) as [`ComplexArray`]s: each plane is a
//! lazy source that decodes the stored complex chunks and keeps its half of every element.

use super::read::{open_local, ZarrSource};
use super::write::{Target, ZarrWrite};
use super::{store_error, ReadOptions, WriteOptions};
use crate::array::{AnyArray, Array};
use crate::complex::ComplexArray;
use crate::dtype::{with_float, ChunkData, DType, Float};
use crate::error::Result;
use crate::expr::{ChunkSource, Node, Op};
use std::path::Path;
use std::sync::Arc;

/// One plane (0: real, 1: imaginary) of a complex Zarr array.
#[derive(Debug)]
struct ComplexPlane {
    source: Arc<ZarrSource>,
    plane: usize,
}

impl ChunkSource for ComplexPlane {
    fn label(&self) -> String {
        let part = if self.plane == 0 { "real" } else { "imag" };
        format!("{}.{part}", self.source.label())
    }

    fn dtype(&self) -> DType {
        self.source.opened().dtype
    }

    fn local_root(&self) -> Option<std::path::PathBuf> {
        self.source.local_root()
    }

    fn store_metadata(&self) -> Option<Arc<super::StoreMetadata>> {
        self.source.store_metadata()
    }

    fn read_into(&self, region: &[(usize, usize)], out: &mut ChunkData) -> Result<()> {
        if region.iter().any(|r| r.1 == 0) {
            return Ok(());
        }
        self.source.check_region(region)?;
        let wrong = || {
            let o = self.source.opened();
            store_error(
                &o.store,
                &o.path,
                None,
                "internal: task buffer of the wrong type",
            )
        };
        with_float!(self.dtype(), F => {
            let a = <F as crate::dtype::Element>::chunk_mut(out).ok_or_else(wrong)?;
            let dst = a.as_slice_mut().ok_or_else(wrong)?;
            let mut pairs = vec![F::default(); 2 * dst.len()];
            let len = std::mem::size_of_val(pairs.as_slice());
            // SAFETY: `pairs` is a live, exclusively borrowed buffer of `len` bytes; f32 and
            // f64 are valid for any bit pattern, and u8 has alignment 1.
            let bytes =
                unsafe { std::slice::from_raw_parts_mut(pairs.as_mut_ptr().cast::<u8>(), len) };
            self.source.decode(region, bytes)?;
            for (d, pair) in dst.iter_mut().zip(pairs.chunks_exact(2)) {
                *d = pair[self.plane];
            }
            Ok(())
        }, _ => Err(wrong()))
    }
}

/// Opens the complex Zarr array (`complex64` for `F = f32`, `complex128` for `f64`) in
/// directory `path` as a lazy [`ComplexArray`], chunked as stored.
///
/// ```
/// use tessera::{zarr, Array, Complex, ComplexArray};
/// let dir = std::env::temp_dir().join(format!("tessera-doc-c-{}", std::process::id()));
/// let z = ComplexArray::from_parts(
///     &Array::<f64>::arange(0.0, 4.0, 1.0, 2)?,
///     &Array::<f64>::full(&[4], -1.0, 2)?,
/// )?;
/// zarr::to_zarr_complex(&z, &dir, zarr::WriteOptions::default().overwrite(true))?.compute()?;
/// let back = zarr::open_zarr_complex::<f64>(&dir)?;
/// assert_eq!(back.compute()?[3], Complex::new(3.0, -1.0));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn open_zarr_complex<F: Float>(path: impl AsRef<Path>) -> Result<ComplexArray<F>> {
    open_zarr_complex_with(path, &ReadOptions::default())
}

/// [`open_zarr_complex`] with options.
pub fn open_zarr_complex_with<F: Float>(
    path: impl AsRef<Path>,
    opts: &ReadOptions,
) -> Result<ComplexArray<F>> {
    let opened = open_local(path.as_ref())?;
    if !opened.complex || opened.dtype != F::DTYPE {
        return Err(store_error(
            &opened.store,
            &opened.path,
            None,
            format!(
                "stored data type is {}, not {} (complex numbers with {} parts)",
                opened.array.data_type(),
                if F::DTYPE == DType::F32 {
                    "complex64"
                } else {
                    "complex128"
                },
                F::DTYPE
            ),
        ));
    }
    let (shape, grid) = (opened.shape.clone(), opened.grid.clone());
    let source = Arc::new(ZarrSource::new(opened, opts));
    let plane = |plane: usize| -> Result<Array<F>> {
        let src = ComplexPlane {
            source: source.clone(),
            plane,
        };
        let node = Node::new(
            F::DTYPE,
            shape.clone(),
            grid.clone(),
            Op::Source(Arc::new(src)),
        );
        let a = AnyArray::from_node(node).downcast::<F>()?;
        match &opts.chunks {
            Some(spec) => a.rechunk(spec.clone()),
            None => Ok(a),
        }
    };
    ComplexArray::from_parts(&plane(0)?, &plane(1)?)
}

/// Records a write of the complex array `z` to a new Zarr array of `complex64` (`F = f32`)
/// or `complex128` (`F = f64`) elements in directory `path`, as [`to_zarr`](super::to_zarr)
/// does for real arrays (the same options; the fill value is 0).
pub fn to_zarr_complex<F: Float>(
    z: &ComplexArray<F>,
    path: impl AsRef<Path>,
    opts: WriteOptions,
) -> Result<ZarrWrite> {
    let (re, im) = z.planes();
    let packed = crate::array::stack(&[re, im], -1)?;
    ZarrWrite::new_complex(
        &AnyArray::from_node(packed.node.clone()),
        Target::Local(path.as_ref().to_path_buf()),
        opts,
    )
}
