//! `rechunk` and `slice` against ndarray, including slices and rechunks of computed stages
//! (where regions span or cut producer chunks), broadcasting of sliced length-1 axes and
//! transposes; results must not depend on the chunking.

use ndarray::{s, Array2, ArrayD};
use proptest::prelude::*;
use tessera::{Array, ChunkSpec};

fn grid(n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| (i * 31 + j * 7) as f64 * 0.5 - 40.0)
}

#[test]
fn rechunk_of_memory_and_of_a_reduction_stage() {
    let a = grid(13, 11);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    let y = x.rechunk([5, 7]).unwrap();
    assert_eq!(y.chunks().chunks(0), vec![5, 5, 3]);
    assert_eq!(y.compute().unwrap(), a.clone().into_dyn());
    // A stage's chunks (3 rows each after the mean over axis 1 keeps 4-row chunks) read in
    // regions that span several of them.
    let m = x.mean(1).unwrap(); // chunks of 4 along axis 0
    let r = m.rechunk(5).unwrap();
    let want = a.mean_axis(ndarray::Axis(1)).unwrap().into_dyn();
    let got = (&r * 2.0).compute().unwrap();
    for (g, w) in got.iter().zip(want.iter()) {
        assert!((g - 2.0 * w).abs() < 1e-12, "{g} vs {w}");
    }
}

#[test]
fn slice_of_memory_generator_and_stage() {
    let a = grid(20, 17);
    let x = Array::from_ndarray(a.clone(), [6, 5]).unwrap();
    let y = x.slice(&[3..17, 4..16]).unwrap();
    assert_eq!(y.shape(), &[14, 12]);
    assert_eq!(y.chunks().chunks(0), vec![3, 6, 5]);
    assert_eq!(
        y.compute().unwrap(),
        a.slice(s![3..17, 4..16]).to_owned().into_dyn()
    );
    // Slice of a computed map stage output (`(x*2)` is an output of compute_many below).
    let z = (&x * 2.0).sin();
    let zs = z.slice_axis(0, 5..9).unwrap(); // second axis kept whole
    let want = a.slice(s![5..9, ..]).mapv(|v| (v * 2.0).sin()).into_dyn();
    let out = tessera::compute_many(&[&z, &zs]).unwrap();
    assert_eq!(out[1].shape(), want.shape());
    for (g, w) in out[1].iter().zip(want.iter()) {
        assert!((g - w).abs() <= 4.0 * f64::EPSILON, "{g} vs {w}"); // vectorized sin: <= 1 ulp
    }
    // Slice of a reduction stage.
    let sm = x.sum(0).unwrap().slice_axis(0, 2..9).unwrap();
    let want = a
        .sum_axis(ndarray::Axis(0))
        .slice(s![2..9])
        .to_owned()
        .into_dyn();
    assert_eq!(sm.compute().unwrap(), want);
    // Generated source.
    let r = Array::<i64>::arange(0, 100, 1, 7)
        .unwrap()
        .slice_axis(0, 13..58)
        .unwrap();
    assert_eq!(
        r.sum(..).unwrap().compute_scalar().unwrap(),
        (13..58).sum::<i64>()
    );
}

#[test]
fn slices_broadcast_and_transpose() {
    let a = grid(9, 8);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    // A length-1 slice of rows, broadcast against the whole array.
    let row = x.slice_axis(0, 5..6).unwrap();
    let d = (&x - &row).compute().unwrap();
    let want = (&a - &a.slice(s![5..6, ..])).into_dyn();
    assert_eq!(d, want);
    // Slice of a transpose and transpose of a slice.
    let t = x.t().slice(&[1..7, 2..8]).unwrap();
    assert_eq!(
        t.compute().unwrap(),
        a.t().slice(s![1..7, 2..8]).to_owned().into_dyn()
    );
    let u = x.slice(&[2..8, 1..7]).unwrap().t();
    assert_eq!(
        u.compute().unwrap(),
        a.slice(s![2..8, 1..7]).t().to_owned().into_dyn()
    );
    // A length-1 slice of a reduction stage, broadcast along the rows.
    let mx = x.max(0).unwrap(); // shape [8], chunks of 3
    let col = mx.slice_axis(0, 4..5).unwrap(); // shape [1]
    let got = (&x * &col).compute().unwrap();
    let m4 = a
        .column(4)
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(got, a.mapv(|v| v * m4).into_dyn());
}

#[test]
fn slice_errors_and_empty() {
    let x = Array::<f32>::zeros(&[4, 5], 2).unwrap();
    assert!(x.slice_axis(0, 0..5).is_err());
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 3..2;
    assert!(x.slice_axis(0, reversed).is_err());
    assert!(x.slice(&[0..1, 0..1, 0..1]).is_err());
    let e = x.slice_axis(0, 2..2).unwrap();
    assert_eq!(e.shape(), &[0, 5]);
    assert_eq!(e.compute().unwrap().shape(), &[0, 5]);
    assert_eq!(e.sum(..).unwrap().compute_scalar().unwrap(), 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// slice(rechunk(f(x))) equals the ndarray oracle for any chunkings and boxes.
    #[test]
    fn chunking_does_not_change_slices(
        n in 1usize..24, m in 1usize..24,
        c0 in 1usize..9, c1 in 1usize..9, r0 in 1usize..9, r1 in 1usize..9,
        a0 in 0usize..24, b0 in 0usize..24, a1 in 0usize..24, b1 in 0usize..24,
        staged in any::<bool>(),
    ) {
        let a = grid(n, m);
        let (lo0, hi0) = (a0.min(b0) % (n + 1), a0.max(b0).min(n));
        let (lo1, hi1) = (a1.min(b1) % (m + 1), a1.max(b1).min(m));
        let (lo0, lo1) = (lo0.min(hi0), lo1.min(hi1));
        let x = Array::from_ndarray(a.clone(), [c0, c1]).unwrap();
        let f = (&x * 3.0 + 1.0).rechunk(ChunkSpec::from([r0, r1])).unwrap();
        let f = if staged { f.persist().unwrap() } else { f };
        let y = f.slice(&[lo0..hi0, lo1..hi1]).unwrap();
        let want: ArrayD<f64> = a.slice(s![lo0..hi0, lo1..hi1]).mapv(|v| v * 3.0 + 1.0).into_dyn();
        prop_assert_eq!(y.compute().unwrap(), want.clone());
        let s = y.sum(0).unwrap().compute().unwrap();
        let ws = want.sum_axis(ndarray::Axis(0));
        for (g, w) in s.iter().zip(ws.iter()) {
            prop_assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0));
        }
    }
}

/// Slicing after a broadcast: the length-1 operand's only element is read for every row of
/// the slice, whatever the slice's offset; also for generated and computed operands.
#[test]
fn slice_after_broadcast() {
    let a = grid(6, 5);
    let x = Array::from_ndarray(a.clone(), [4, 2]).unwrap();
    let row = Array::from_ndarray(a.slice(ndarray::s![1..2, ..]).to_owned(), [1, 2]).unwrap();
    let want = (&a + &a.slice(ndarray::s![1..2, ..]))
        .slice(s![2..5, 1..4])
        .to_owned();
    let got = (&row + &x).slice(&[2..5, 1..4]).unwrap().compute().unwrap();
    assert_eq!(got, want.into_dyn());
    // A generated length-1 operand.
    let g = tessera::random::uniform::<f64>(&[1, 5], 2, 3).unwrap();
    let gv = g.compute().unwrap();
    let got = (&g + &x).slice(&[3..6, 0..5]).unwrap().compute().unwrap();
    let want = &a.slice(s![3..6, ..]) + &gv.view().into_dimensionality::<ndarray::Ix2>().unwrap();
    assert_eq!(got, want.into_dyn());
}

/// Empty slices of computed stages read nothing and compute to empty arrays.
#[test]
fn empty_slices_of_stages() {
    let x = Array::<f64>::ones(&[6, 4], 2).unwrap();
    let s = x.sum(0).unwrap();
    assert_eq!(s.slice_axis(0, 2..2).unwrap().compute().unwrap().len(), 0);
    assert_eq!(
        s.slice_axis(0, 4..4)
            .unwrap()
            .sum(..)
            .unwrap()
            .compute_scalar()
            .unwrap(),
        0.0
    );
}
