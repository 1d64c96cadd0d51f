//! Boolean-mask selection and the positions of true elements against element-by-element
//! references (C order), for 1-d to 3-d shapes and several chunkings, with empty,
//! full and broadcast masks.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tessera::{extract, Array};

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).map(|i| (i * 7) % 11).collect()).unwrap()
}

#[test]
fn selections_and_positions_match_references() {
    for shape in [&[9usize][..], &[5, 6], &[3, 4, 5]] {
        let raw = data(shape);
        for threshold in [-1i64, 6, 20] {
            let want: Vec<i64> = raw.iter().copied().filter(|&v| v > threshold).collect();
            let want_flat: Vec<i64> = raw
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > threshold)
                .map(|(i, _)| i as i64)
                .collect();
            for chunk in [1usize, 2, 4, 64] {
                let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
                let m = x.greater(threshold).unwrap();
                let sel = x.mask_select(&m).unwrap();
                assert_eq!(sel.shape(), &[want.len()], "{shape:?} > {threshold}");
                assert_eq!(
                    sel.compute().unwrap().iter().copied().collect::<Vec<_>>(),
                    want
                );
                assert_eq!(
                    extract(&m, &x).unwrap().compute().unwrap().len(),
                    want.len()
                );
                let flat = m.flatnonzero().unwrap().compute().unwrap();
                assert_eq!(flat.iter().copied().collect::<Vec<_>>(), want_flat);
                let nz = m.nonzero().unwrap();
                assert_eq!(nz.len(), shape.len());
                let cols: Vec<ArrayD<i64>> = nz.iter().map(|a| a.compute().unwrap()).collect();
                let aw = m.argwhere().unwrap().compute().unwrap();
                assert_eq!(aw.shape(), &[want.len(), shape.len()]);
                for (p, &f) in want_flat.iter().enumerate() {
                    // Unravel the flat index in C order.
                    let mut rem = f as usize;
                    let mut idx = vec![0usize; shape.len()];
                    for a in (0..shape.len()).rev() {
                        idx[a] = rem % shape[a];
                        rem /= shape[a];
                    }
                    for a in 0..shape.len() {
                        assert_eq!(cols[a][p], idx[a] as i64);
                        assert_eq!(aw[[p, a]], idx[a] as i64);
                    }
                }
            }
        }
    }
}

#[test]
fn masks_broadcast_against_the_array() {
    let raw = data(&[4, 3]);
    let x = Array::from_ndarray(raw.clone(), 2).unwrap();
    let cols = Array::from_ndarray(ndarray::arr1(&[true, false, true]), 2).unwrap();
    let got = x.mask_select(&cols).unwrap().compute().unwrap();
    let want: Vec<i64> = raw.outer_iter().flat_map(|r| vec![r[0], r[2]]).collect();
    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn selections_do_not_depend_on_the_chunking(
        rows in 1usize..8, cols in 1usize..8, c0 in 1usize..5, c1 in 1usize..5, t in 0i64..11,
    ) {
        let raw = data(&[rows, cols]);
        let want: Vec<i64> = raw.iter().copied().filter(|&v| v >= t).collect();
        let x = Array::from_ndarray(raw, [c0, c1]).unwrap();
        let got = x.mask_select(&x.greater_equal(t).unwrap()).unwrap().compute().unwrap();
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
    }
}

#[test]
fn masks_along_one_axis_select_slices() {
    let raw = data(&[4, 6, 3]);
    for chunk in [1usize, 2, 64] {
        let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
        let keep_rows =
            Array::from_ndarray(ndarray::arr1(&[true, false, false, true, true, false]), 4)
                .unwrap();
        let got = x.mask_along(&keep_rows, 1).unwrap().compute().unwrap();
        assert_eq!(
            got,
            raw.select(ndarray::Axis(1), &[0, 3, 4]),
            "chunks {chunk}"
        );
        // A mask computed from the data along axis 0.
        let first = x.slice(&[0..4, 0..1, 0..1]).unwrap().reshape(&[4]).unwrap();
        let m = first.greater(3).unwrap();
        let picks: Vec<usize> = (0..4).filter(|&i| raw[[i, 0, 0]] > 3).collect();
        assert_eq!(
            x.mask_along(&m, 0).unwrap().compute().unwrap(),
            raw.select(ndarray::Axis(0), &picks)
        );
    }
    let x = Array::from_ndarray(raw, 2).unwrap();
    let short = Array::from_ndarray(ndarray::arr1(&[true, false]), 1).unwrap();
    assert!(matches!(
        x.mask_along(&short, 1),
        Err(tessera::Error::Shape { .. })
    ));
    assert!(matches!(
        x.mask_along(&short, 3),
        Err(tessera::Error::Axis { .. })
    ));
}
