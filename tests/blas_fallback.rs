//! With the `openblas` feature and no loadable OpenBLAS, products fall back to faer.

#[cfg(feature = "openblas")]
#[test]
fn a_missing_openblas_falls_back_to_faer() {
    // The only test of this binary: the variable is set before the first product loads
    // the library.
    std::env::set_var("TESSERA_OPENBLAS_LIB", "/nonexistent/libopenblas.so.0");
    assert_eq!(tessera::linalg::matmul_backend(), "faer");
    let a = ndarray::Array2::from_shape_fn((30, 20), |(i, j)| (i * 3 + j) as f64);
    let x = tessera::Array::from_ndarray(a.clone(), [16, 8]).unwrap();
    let p = x.matmul(&x.t()).unwrap().compute().unwrap();
    assert_eq!(p, a.dot(&a.t()).into_dyn());
}
