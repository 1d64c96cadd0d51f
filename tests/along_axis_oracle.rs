//! `apply_along_axis`, `apply_over_axes` and `map_blocks_axes` against direct ndarray
//! computations, under several chunkings.

use ndarray::{ArrayD, Axis, IxDyn};
use tessera::{Array, Error};

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).map(|i| (i * 7) % 11).collect()).unwrap()
}

#[test]
fn apply_along_axis_matches_lane_by_lane() {
    let raw = data(&[4, 5, 3]);
    for axis in 0..3 {
        let len = raw.shape()[axis];
        for chunk in [1usize, 2, 64] {
            let x = Array::from_ndarray(raw.clone(), chunk).unwrap();
            // The running maximum of each lane (same length), and its sum (one value).
            let run = x
                .apply_along_axis(axis, Some(len), |lane| {
                    let mut m = i64::MIN;
                    Ok(lane
                        .iter()
                        .map(|&v| {
                            m = m.max(v);
                            m
                        })
                        .collect())
                })
                .unwrap()
                .compute()
                .unwrap();
            let mut want = raw.clone();
            for mut lane in want.lanes_mut(Axis(axis)) {
                let mut m = i64::MIN;
                lane.iter_mut().for_each(|v| {
                    m = m.max(*v);
                    *v = m;
                });
            }
            assert_eq!(run, want, "axis {axis} chunks {chunk}");
            let sums = x
                .apply_along_axis(axis, None, |lane| Ok(vec![lane.sum() as f64]))
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(
                sums,
                raw.sum_axis(Axis(axis)).mapv(|v| v as f64),
                "sums, axis {axis}"
            );
            // Lanes of another length.
            let ends = x
                .apply_along_axis(axis, Some(2), |lane| {
                    Ok(vec![lane[0], lane[lane.len() - 1]])
                })
                .unwrap();
            let mut shape = raw.shape().to_vec();
            shape[axis] = 2;
            assert_eq!(ends.shape(), shape.as_slice());
        }
    }
    let x = Array::from_ndarray(data(&[3, 4]), 2).unwrap();
    let bad = x
        .apply_along_axis(1, Some(2), |lane| Ok(lane.to_vec()))
        .unwrap();
    assert!(matches!(bad.compute(), Err(Error::Shape { .. })));
    assert!(matches!(
        x.apply_along_axis(2, None, |_| Ok(vec![0i64])),
        Err(Error::Axis { .. })
    ));
}

#[test]
fn apply_over_axes_keeps_the_number_of_axes() {
    let raw = data(&[2, 3, 4]);
    let x = Array::from_ndarray(raw.clone(), 2).unwrap();
    let s = x.apply_over_axes(&[0, 2], |a, ax| a.sum(ax)).unwrap();
    assert_eq!(s.shape(), &[1, 3, 1]);
    let want = raw.sum_axis(Axis(0)).sum_axis(Axis(1));
    assert_eq!(
        s.compute().unwrap().iter().copied().collect::<Vec<_>>(),
        want.iter().copied().collect::<Vec<_>>()
    );
    let kept = x
        .apply_over_axes(&[1], |a, ax| a.sum(tessera::Axes::from(ax).keepdims()))
        .unwrap();
    assert_eq!(kept.shape(), &[2, 1, 4]);
}

#[test]
fn map_blocks_with_dropped_and_new_axes() {
    let raw = data(&[6, 4]);
    for chunks in [[2usize, 2], [3, 4], [1, 1]] {
        let x = Array::from_ndarray(raw.clone(), chunks).unwrap();
        // Each block's columns summed: axis 1 dropped (rechunked into one chunk first).
        let s = x
            .map_blocks_axes(&[1], &[], |b, _| Ok(b.sum_axis(Axis(1))))
            .unwrap();
        assert_eq!(s.compute().unwrap(), raw.sum_axis(Axis(1)), "{chunks:?}");
        // A new trailing axis of length 2: the value and its square.
        let t = x
            .map_blocks_axes(&[], &[(2, 2)], |b, _| {
                Ok(ndarray::stack(Axis(2), &[b.view(), b.mapv(|v| v * v).view()]).unwrap())
            })
            .unwrap();
        assert_eq!(t.shape(), &[6, 4, 2]);
        let got = t.compute().unwrap();
        assert_eq!(got[[5, 3, 1]], raw[[5, 3]] * raw[[5, 3]]);
        assert_eq!(got.index_axis(Axis(2), 0), raw.view());
    }
    let x = Array::from_ndarray(raw, 2).unwrap();
    assert!(matches!(
        x.map_blocks_axes(&[2], &[], |b, _| Ok(b.to_owned())),
        Err(Error::Axis { .. })
    ));
    let wrong = x
        .map_blocks_axes(&[1], &[], |b, _| Ok(b.to_owned()))
        .unwrap();
    assert!(matches!(wrong.compute(), Err(Error::Shape { .. })));
}
