//! The library behind float matrix products: faer (always there), or the system OpenBLAS
//! with the `openblas` feature.
//!
//! With the feature, `libopenblas.so.0` (or the library `TESSERA_OPENBLAS_LIB` names) is
//! loaded at run time on the first product, set to one thread (tessera's own tasks use the
//! cores), and its `cblas_dgemm` / `cblas_sgemm` compute every f64/f32 block product whose
//! operands have a unit stride along one axis. Without the library, or with
//! `TESSERA_BLAS=faer`, faer computes them; nothing fails.

use ndarray::ArrayViewD;

/// Which library computes f32/f64 matrix products in this process: `"faer"`, or
/// `"openblas (<library>)"` when the `openblas` feature found the system OpenBLAS.
///
/// ```
/// let backend = tessera::linalg::matmul_backend();
/// assert!(backend == "faer" || backend.starts_with("openblas"));
/// ```
pub fn matmul_backend() -> String {
    #[cfg(feature = "openblas")]
    if let Some(lib) = openblas::get() {
        return format!("openblas ({})", lib.name);
    }
    "faer".to_string()
}

/// `out += a · b` through OpenBLAS, for a row-major `out` (m × n) and 2-d views `a` (m × k)
/// and `b` (k × n) of `f32` or `f64`; `false` when OpenBLAS is not in use or cannot take
/// these operands (then the caller computes the product itself).
#[allow(unused_variables)]
pub(crate) fn gemm_add<T: 'static>(
    out: &mut [T],
    a: &ArrayViewD<'_, T>,
    b: &ArrayViewD<'_, T>,
) -> bool {
    #[cfg(feature = "openblas")]
    {
        openblas::gemm_add(out, a, b)
    }
    #[cfg(not(feature = "openblas"))]
    {
        false
    }
}

#[cfg(feature = "openblas")]
mod openblas {
    use ndarray::ArrayViewD;
    use std::any::TypeId;
    use std::os::raw::c_int;
    use std::sync::OnceLock;

    const ROW_MAJOR: c_int = 101;
    const NO_TRANS: c_int = 111;
    const TRANS: c_int = 112;

    type Dgemm = unsafe extern "C" fn(
        c_int,
        c_int,
        c_int,
        c_int,
        c_int,
        c_int,
        f64,
        *const f64,
        c_int,
        *const f64,
        c_int,
        f64,
        *mut f64,
        c_int,
    );
    type Sgemm = unsafe extern "C" fn(
        c_int,
        c_int,
        c_int,
        c_int,
        c_int,
        c_int,
        f32,
        *const f32,
        c_int,
        *const f32,
        c_int,
        f32,
        *mut f32,
        c_int,
    );
    type SetThreads = unsafe extern "C" fn(c_int);

    /// The loaded library and its two products.
    pub(super) struct OpenBlas {
        /// Kept loaded for the life of the process (the function pointers point into it).
        _lib: libloading::Library,
        dgemm: Dgemm,
        sgemm: Sgemm,
        /// The library's name or path, as it was opened.
        pub(super) name: String,
    }

    /// The library, loaded on first use; `None` when it is absent or disabled.
    pub(super) fn get() -> Option<&'static OpenBlas> {
        static LIB: OnceLock<Option<OpenBlas>> = OnceLock::new();
        LIB.get_or_init(load).as_ref()
    }

    fn load() -> Option<OpenBlas> {
        if std::env::var("TESSERA_BLAS").is_ok_and(|v| v.eq_ignore_ascii_case("faer")) {
            return None;
        }
        let names: Vec<String> = match std::env::var("TESSERA_OPENBLAS_LIB") {
            Ok(path) if !path.is_empty() => vec![path],
            _ => ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]
                .map(String::from)
                .to_vec(),
        };
        names.into_iter().find_map(|name| {
            // SAFETY: loading OpenBLAS runs its initializers, which only set up its own
            // state; the symbols are the CBLAS functions with exactly the C signatures
            // declared above (`c_int` indices: the LP64 interface of libopenblas.so.0).
            unsafe {
                let lib = libloading::Library::new(&name).ok()?;
                let dgemm = *lib.get::<Dgemm>(b"cblas_dgemm\0").ok()?;
                let sgemm = *lib.get::<Sgemm>(b"cblas_sgemm\0").ok()?;
                if let Ok(set) = lib.get::<SetThreads>(b"openblas_set_num_threads\0") {
                    set(1);
                }
                Some(OpenBlas {
                    _lib: lib,
                    dgemm,
                    sgemm,
                    name,
                })
            }
        })
    }

    /// How CBLAS (row-major) reads a 2-d operand: transposed or not, and its leading
    /// dimension; `None` when neither axis has a unit stride.
    fn layout(shape: &[usize], strides: &[isize]) -> Option<(c_int, c_int)> {
        let (rows, cols) = (shape[0], shape[1]);
        let (s0, s1) = (strides[0], strides[1]);
        if s1 == 1 && s0 >= cols.max(1) as isize {
            Some((NO_TRANS, c_int::try_from(s0).ok()?))
        } else if s0 == 1 && s1 >= rows.max(1) as isize {
            Some((TRANS, c_int::try_from(s1).ok()?))
        } else {
            None
        }
    }

    pub(super) fn gemm_add<T: 'static>(
        out: &mut [T],
        a: &ArrayViewD<'_, T>,
        b: &ArrayViewD<'_, T>,
    ) -> bool {
        let Some(lib) = get() else { return false };
        let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
        // Degenerate shapes (and the arbitrary strides of length-1 axes) are left to faer.
        if m < 2 || k < 2 || n < 2 || out.len() != m * n {
            return false;
        }
        let (Some((ta, lda)), Some((tb, ldb))) = (
            layout(a.shape(), a.strides()),
            layout(b.shape(), b.strides()),
        ) else {
            return false;
        };
        let (Ok(mi), Ok(ki), Ok(ni)) = (c_int::try_from(m), c_int::try_from(k), c_int::try_from(n))
        else {
            return false;
        };
        let t = TypeId::of::<T>();
        if t == TypeId::of::<f64>() {
            // SAFETY: `T` is `f64` (checked just above). `a` and `b` address m × k and k × n
            // elements with the leading dimensions `layout` derived from their strides
            // (unit stride along the other axis), `out` holds m · n elements in row-major
            // order (ldc = n), and OpenBLAS writes only inside `out` and reads only inside
            // the two views, all borrowed for the call.
            unsafe {
                (lib.dgemm)(
                    ROW_MAJOR,
                    ta,
                    tb,
                    mi,
                    ni,
                    ki,
                    1.0,
                    a.as_ptr().cast(),
                    lda,
                    b.as_ptr().cast(),
                    ldb,
                    1.0,
                    out.as_mut_ptr().cast(),
                    ni,
                );
            }
            true
        } else if t == TypeId::of::<f32>() {
            // SAFETY: as for f64 above, with `T` = `f32`.
            unsafe {
                (lib.sgemm)(
                    ROW_MAJOR,
                    ta,
                    tb,
                    mi,
                    ni,
                    ki,
                    1.0,
                    a.as_ptr().cast(),
                    lda,
                    b.as_ptr().cast(),
                    ldb,
                    1.0,
                    out.as_mut_ptr().cast(),
                    ni,
                );
            }
            true
        } else {
            false
        }
    }
}
