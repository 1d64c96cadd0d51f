//! `AnyArray` without naming its element type: slicing, indexing, take, reshape,
//! transposes with negative axes, reductions, and computing into an `AnyNdArray`, for every
//! dtype, against the typed `Array` results.

use tessera::zarr::{self, WriteOptions};
use tessera::{AnyArray, AnyNdArray, Array, DType, Error, Idx};

fn all_dtypes() -> Vec<AnyArray> {
    let base = Array::<i64>::arange(0, 24, 1, 5)
        .unwrap()
        .reshape(&[2, 3, 4])
        .unwrap();
    vec![
        AnyArray::from(base.greater(10).unwrap()),
        AnyArray::from(base.astype::<i8>()),
        AnyArray::from(base.astype::<i16>()),
        AnyArray::from(base.astype::<i32>()),
        AnyArray::from(base.clone()),
        AnyArray::from(base.astype::<u8>()),
        AnyArray::from(base.astype::<u16>()),
        AnyArray::from(base.astype::<u32>()),
        AnyArray::from(base.astype::<u64>()),
        AnyArray::from(base.astype::<f32>()),
        AnyArray::from(base.astype::<f64>()),
    ]
}

#[test]
fn any_arrays_slice_index_reduce_and_compute_for_every_dtype() {
    for a in all_dtypes() {
        let dt = a.dtype();
        let whole = a.compute().unwrap();
        assert_eq!(whole.dtype(), dt);
        let v = whole.to_f64();
        // slice and index
        let s = a.slice(&[1..2, 0..3, 2..4]).unwrap().compute().unwrap();
        assert_eq!(s.dtype(), dt);
        assert_eq!(
            s.to_f64(),
            v.slice(ndarray::s![1..2, 0..3, 2..4]).to_owned().into_dyn()
        );
        let i = a
            .index(&[Idx::Index(-1), Idx::all(), Idx::slice(0, None, 2)])
            .unwrap();
        assert_eq!(
            i.compute().unwrap().to_f64(),
            v.slice(ndarray::s![-1, .., ..;2]).to_owned().into_dyn()
        );
        // take with a negative axis, reshape, permute with negative axes
        let t = a.take(&[3, 0], -1).unwrap().compute().unwrap();
        assert_eq!(t.to_f64(), v.select(ndarray::Axis(2), &[3, 0]));
        assert_eq!(a.reshape(&[6, 4]).unwrap().shape(), &[6, 4]);
        let p = a.permute_axes(&[-1, 0, 1]).unwrap().compute().unwrap();
        assert_eq!(
            p.to_f64(),
            v.clone()
                .permuted_axes(vec![2, 0, 1])
                .as_standard_layout()
                .to_owned()
        );
        // reductions
        let sum = a.sum(Some(&[-1])).unwrap().compute().unwrap().to_f64();
        assert_eq!(sum, v.sum_axis(ndarray::Axis(2)), "{dt:?} sum");
        let total = a.sum(None).unwrap().compute().unwrap().to_f64();
        assert_eq!(total.sum(), v.sum());
        let max = a.max(Some(&[0, -2])).unwrap().compute().unwrap().to_f64();
        assert_eq!(
            max.as_slice().unwrap(),
            &[v[[1, 2, 0]], v[[1, 2, 1]], v[[1, 2, 2]], v[[1, 2, 3]]]
        );
        let mean = a.mean(None).unwrap().compute().unwrap().to_f64();
        assert!((mean.sum() - v.mean().unwrap()).abs() < 1e-5, "{dt:?} mean");
        assert!(matches!(a.sum(Some(&[3])), Err(Error::Axis { .. })));
        assert!(matches!(a.take(&[0], -4), Err(Error::Axis { .. })));
    }
}

#[test]
fn a_store_of_any_dtype_is_processed_without_naming_it() {
    let dir = std::env::temp_dir().join(format!("tessera-any-ops-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let x = Array::<u16>::arange(0, 60, 1, 7)
        .unwrap()
        .reshape(&[6, 10])
        .unwrap();
    zarr::to_zarr(&x, dir.join("in.zarr"), WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let any = zarr::open_zarr_any(dir.join("in.zarr")).unwrap();
    assert_eq!(any.dtype(), DType::U16);
    let row_sums = any.slice(&[1..4, 0..10]).unwrap().sum(Some(&[-1])).unwrap();
    zarr::to_zarr(&row_sums, dir.join("out.zarr"), WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    let back = zarr::open_zarr_any(dir.join("out.zarr"))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(
        back,
        AnyNdArray::U64(ndarray::arr1(&[145u64, 245, 345]).into_dyn())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
