//! `reshape` and `ravel` against ndarray's C-order reshape: merges, splits, mixed groups,
//! unit axes, 0-d and empty arrays, computed and staged inputs; the resulting chunks follow
//! Dask's rules; results must not depend on the chunking.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tessera::{Array, ChunkSpec, ComputeOptions, Error};

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).map(|v| v * 3 - 7).collect()).unwrap()
}

fn nd_reshape(a: &ArrayD<i64>, shape: &[usize]) -> ArrayD<i64> {
    a.as_standard_layout()
        .into_owned()
        .into_shape_with_order(IxDyn(shape))
        .unwrap()
}

#[test]
fn reshapes_match_ndarray() {
    let cases: Vec<(&[usize], &[usize], &[usize])> = vec![
        (&[24], &[6], &[4, 6]),
        (&[24], &[5], &[2, 3, 4]),
        (&[4, 6], &[2, 6], &[24]),
        (&[4, 6], &[3, 4], &[24]),
        (&[4, 6], &[2, 3], &[6, 4]),
        (&[2, 3, 5], &[1, 3, 2], &[6, 5]),
        (&[3, 1, 4], &[2, 1, 3], &[3, 4, 1]),
        (&[6], &[4], &[1, 6, 1]),
        (&[1, 6, 1], &[1, 4, 1], &[6]),
        (&[2, 2, 2, 3], &[1, 2, 1, 2], &[4, 6]),
        (&[1], &[1], &[]),
        (&[], &[], &[1, 1]),
        (&[0, 4], &[1, 2], &[2, 0, 2]),
    ];
    for (from, chunks, to) in cases {
        let a = data(from);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(chunks.to_vec())).unwrap();
        let y = x.reshape(to).unwrap();
        assert_eq!(y.shape(), to);
        let want = nd_reshape(&a, to);
        for threads in [1, 3] {
            let got = y
                .compute_with(&ComputeOptions::new().threads(threads))
                .unwrap();
            assert_eq!(got, want, "{from:?} chunks {chunks:?} -> {to:?}");
        }
        // A computed input, and the result read by a reduction.
        let z = (&x * 2).reshape(to).unwrap();
        assert_eq!(z.sum(..).unwrap().compute_scalar().unwrap(), 2 * a.sum());
        assert_eq!(
            x.ravel().unwrap().compute().unwrap(),
            nd_reshape(&a, &[a.len()])
        );
    }
}

#[test]
fn chunks_follow_the_rules() {
    // Split: rows of whole trailing output axes.
    let x = Array::<f64>::zeros(&[24], 6).unwrap();
    assert_eq!(
        x.reshape(&[4, 6]).unwrap().chunks().chunks(0),
        vec![1, 1, 1, 1]
    );
    assert_eq!(x.reshape(&[4, 6]).unwrap().chunks().chunks(1), vec![6]);
    // Merge: the first axis keeps its chunks, the merged ones are whole.
    let m = Array::<f64>::zeros(&[6, 4], [2, 4]).unwrap();
    assert_eq!(m.reshape(&[24]).unwrap().chunks().chunks(0), vec![8, 8, 8]);
    // A merge of a chunked trailing axis rechunks it whole first.
    let m = Array::<f64>::zeros(&[6, 4], [2, 2]).unwrap();
    assert_eq!(m.reshape(&[24]).unwrap().chunks().chunks(0), vec![8, 8, 8]);
}

#[test]
fn reshape_of_stages_and_errors() {
    let a = data(&[6, 8]);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    let s = x.cumsum(1).unwrap().reshape(&[2, 3, 8]).unwrap();
    let mut cs = a.clone();
    for mut lane in cs.lanes_mut(ndarray::Axis(1)) {
        for i in 1..lane.len() {
            lane[i] += lane[i - 1];
        }
    }
    assert_eq!(s.compute().unwrap(), nd_reshape(&cs, &[2, 3, 8]));
    let e = x.reshape(&[5, 10]).unwrap_err();
    assert!(
        matches!(&e, Error::Shape { msg, .. } if msg.contains("48 elements")),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn reshapes_do_not_depend_on_chunking(
        a in 1usize..5, b in 1usize..5, c in 1usize..4,
        c0 in 1usize..5, c1 in 1usize..5, c2 in 1usize..4, pick in 0usize..5,
    ) {
        let arr = data(&[a, b, c]);
        let x = Array::from_ndarray(arr.clone(), ChunkSpec::PerAxis(vec![c0, c1, c2])).unwrap();
        let to: Vec<usize> = match pick {
            0 => vec![a * b, c],
            1 => vec![a, b * c],
            2 => vec![a * b * c],
            3 => vec![c, b, a],
            _ => vec![1, a * c, b],
        };
        let got = x.reshape(&to).unwrap().compute().unwrap();
        prop_assert_eq!(got, nd_reshape(&arr, &to));
    }
}
