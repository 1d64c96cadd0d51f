//! `take` against `ndarray::select` for 1-d to 3-d arrays, every axis, several chunkings
//! (repeats, negative indices, unsorted indices), and the push-down into a Zarr store: only
//! the chunks holding selected elements are read.

mod common;

use common::python::TempDir;
use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::zarr::{self, WriteOptions};
use tessera::{Array, Error};

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
}

fn expected(raw: &ArrayD<i64>, idx: &[isize], axis: usize) -> ArrayD<i64> {
    let n = raw.shape()[axis] as isize;
    let picks: Vec<usize> = idx
        .iter()
        .map(|&i| if i < 0 { i + n } else { i } as usize)
        .collect();
    raw.select(Axis(axis), &picks)
}

#[test]
fn take_matches_ndarray_select() {
    for shape in [&[9usize][..], &[6, 7], &[4, 5, 3]] {
        let raw = data(shape);
        for axis in 0..shape.len() {
            let n = shape[axis] as isize;
            let idx: Vec<isize> = vec![n - 1, 0, 2, -1, 1, 1, -(n), n / 2];
            let want = expected(&raw, &idx, axis);
            for chunk in [1usize, 2, 3, 64] {
                let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
                let t = x.take(&idx, axis).unwrap();
                assert_eq!(t.shape(), want.shape());
                assert_eq!(
                    t.compute().unwrap(),
                    want,
                    "{shape:?} axis {axis} chunks {chunk}"
                );
            }
        }
    }
    let x = Array::from_ndarray(data(&[4, 5]), 2).unwrap();
    assert_eq!(x.take(&[], 1).unwrap().shape(), &[4, 0]);
    let e = x.take(&[5], 1).unwrap_err();
    assert!(
        matches!(&e, Error::Argument { msg, .. } if msg.contains("index 5 is out of bounds")),
        "{e}"
    );
    assert!(matches!(x.take(&[-6], 1), Err(Error::Argument { .. })));
    assert!(matches!(x.take(&[0], 2), Err(Error::Axis { .. })));
    // Fused into what follows, and computed operands work too.
    let y = (&x * 2).take(&[3, 1], 0).unwrap().sum(..).unwrap();
    assert_eq!(
        y.compute_scalar().unwrap(),
        2 * (15 + 16 + 17 + 18 + 19 + 5 + 6 + 7 + 8 + 9)
    );
}

#[test]
fn a_take_from_a_store_reads_only_the_chunks_it_needs() {
    let dir = TempDir::new("take-store");
    let path = dir.join("x.zarr");
    let raw = data(&[100, 10]).mapv(|v| v as f64);
    let x = Array::from_ndarray(raw.clone(), [10, 10]).unwrap();
    zarr::to_zarr(&x, &path, WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    // Every row chunk but 0 and 5 is damaged: reading one of them is an error.
    for i in (1..10).filter(|&i| i != 5) {
        std::fs::write(path.join(format!("c/{i}/0")), b"not a chunk").unwrap();
    }
    let stored = zarr::open_zarr::<f64>(&path).unwrap();
    assert!(
        stored.compute().is_err(),
        "the damaged chunks are detected when read"
    );
    let rows = [3isize, 55, 51, -50, 0];
    let got = stored.take(&rows, 0).unwrap().compute().unwrap();
    let want = raw.select(Axis(0), &[3, 55, 51, 50, 0]);
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn take_does_not_depend_on_the_chunking(
        rows in 1usize..12, cols in 1usize..6, c0 in 1usize..6, c1 in 1usize..4,
        idx in prop::collection::vec(0usize..1000, 0..15),
    ) {
        let raw = data(&[rows, cols]);
        let idx: Vec<isize> = idx.iter().map(|&i| (i % rows) as isize).collect();
        let x = Array::from_ndarray(raw.clone(), [c0, c1]).unwrap();
        prop_assert_eq!(x.take(&idx, 0).unwrap().compute().unwrap(), expected(&raw, &idx, 0));
    }
}

#[test]
fn vindex_selects_points() {
    let raw = data(&[6, 5, 4]);
    let i: Vec<isize> = vec![0, 5, 2, -1, 3, 3];
    let j: Vec<isize> = vec![4, 0, 2, 1, -5, 3];
    let k: Vec<isize> = vec![3, 0, 1, 2, 0, -1];
    let norm = |v: &[isize], n: usize| -> Vec<usize> {
        v.iter()
            .map(|&x| if x < 0 { x + n as isize } else { x } as usize)
            .collect()
    };
    let (ii, jj, kk) = (norm(&i, 6), norm(&j, 5), norm(&k, 4));
    for chunk in [1usize, 2, 3, 64] {
        let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
        // Two leading axes: one row of the last axis per point.
        let got = x.vindex(&[&i, &j]).unwrap().compute().unwrap();
        assert_eq!(got.shape(), &[6, 4]);
        for p in 0..6 {
            for c in 0..4 {
                assert_eq!(got[[p, c]], raw[[ii[p], jj[p], c]], "chunks {chunk}");
            }
        }
        // All three axes: one element per point.
        let got = x.vindex(&[&i, &j, &k]).unwrap().compute().unwrap();
        let want: Vec<i64> = (0..6).map(|p| raw[[ii[p], jj[p], kk[p]]]).collect();
        assert_eq!(got.as_slice().unwrap(), want.as_slice());
    }
    let x = Array::from_ndarray(raw, 2).unwrap();
    assert!(matches!(
        x.vindex(&[&[0, 1], &[0]]),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(x.vindex(&[&[6]]), Err(Error::Argument { .. })));
    assert!(matches!(x.vindex(&[]), Err(Error::Argument { .. })));
}
