//! `select`, `choose`, `putmask` and `compress` against element-by-element references,
//! under several chunkings.

use ndarray::{ArrayD, IxDyn};
use tessera::{choose, select, Array, Error};

fn data(shape: &[usize], seed: i64) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n as i64).map(|i| (i * 7 + seed) % 13 - 6).collect(),
    )
    .unwrap()
}

#[test]
fn select_choose_putmask_and_compress_match_references() {
    let (a, b) = (data(&[5, 6], 1), data(&[5, 6], 4));
    for chunk in [1usize, 2, 4, 64] {
        let x = Array::from_ndarray(a.clone(), chunk).unwrap();
        let y = Array::from_ndarray(b.clone(), chunk).unwrap();
        // select: first matching condition wins.
        let c1 = x.less(-2).unwrap();
        let c2 = y.greater(0).unwrap();
        let got = select(&[&c1, &c2], &[&x, &y], 99)
            .unwrap()
            .compute()
            .unwrap();
        let want = ArrayD::from_shape_fn(a.raw_dim(), |i| {
            if a[&i] < -2 {
                a[&i]
            } else if b[&i] > 0 {
                b[&i]
            } else {
                99
            }
        });
        assert_eq!(got, want, "select, chunks {chunk}");
        // choose by an index array of 0..3.
        let idx_raw = a.mapv(|v| v.rem_euclid(3));
        let idx = Array::from_ndarray(idx_raw.clone(), chunk).unwrap();
        let z = Array::<i64>::full(&[5, 6], 1000, chunk).unwrap();
        let got = choose(&idx, &[&x, &y, &z]).unwrap().compute().unwrap();
        let want = ArrayD::from_shape_fn(a.raw_dim(), |i| match idx_raw[&i] {
            0 => a[&i],
            1 => b[&i],
            _ => 1000,
        });
        assert_eq!(got, want, "choose, chunks {chunk}");
        // putmask with a scalar and with an array.
        let m = x.greater(2).unwrap();
        let got = x.putmask(&m, 0).unwrap().compute().unwrap();
        assert_eq!(got, a.mapv(|v| if v > 2 { 0 } else { v }));
        let got = x.putmask(&m, &y).unwrap().compute().unwrap();
        let want = ArrayD::from_shape_fn(a.raw_dim(), |i| if a[&i] > 2 { b[&i] } else { a[&i] });
        assert_eq!(got, want);
        // compress by a known condition, along each axis.
        let cond = [true, false, false, true, true];
        let got = x.compress(&cond, 0).unwrap().compute().unwrap();
        assert_eq!(got, a.select(ndarray::Axis(0), &[0, 3, 4]));
        let got = x.compress(&[false, true], 1).unwrap().compute().unwrap();
        assert_eq!(got, a.select(ndarray::Axis(1), &[1]));
    }
}

#[test]
fn bad_selections_are_errors() {
    let x = Array::<i64>::arange(0, 4, 1, 2).unwrap();
    let idx = Array::from_ndarray(ndarray::arr1(&[0i64, 3, 1, 0]), 2).unwrap();
    let e = choose(&idx, &[&x, &x]).unwrap().compute().unwrap_err();
    assert!(
        matches!(&e, Error::Argument { msg, .. } if msg.contains("index 3")),
        "{e}"
    );
    assert!(matches!(
        select::<i64>(&[], &[], 0),
        Err(Error::Argument { .. })
    ));
    let c = x.less(1).unwrap();
    assert!(matches!(select(&[&c], &[], 0), Err(Error::Argument { .. })));
    assert!(matches!(
        x.compress(&[true; 5], 0),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(x.compress(&[true], 1), Err(Error::Axis { .. })));
}
