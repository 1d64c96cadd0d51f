//! Batched `matmul`, `tensordot` and `einsum` against a brute-force oracle (every
//! assignment of the subscript letters enumerated, exact in integers) under several
//! chunkings.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use std::collections::BTreeMap;
use tessera::{einsum, Array, Error};

fn data(shape: &[usize], seed: i64) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n as i64)
            .map(|i| (i * 7 + seed * 13) % 11 - 5)
            .collect(),
    )
    .unwrap()
}

/// `numpy.einsum` by enumeration: the output letters (explicit after `->`) index the
/// result; every other letter is summed over.
fn brute(spec: &str, inputs: &[&ArrayD<i64>]) -> ArrayD<i64> {
    let (ins, out) = spec.split_once("->").unwrap();
    let terms: Vec<Vec<char>> = ins.split(',').map(|t| t.chars().collect()).collect();
    let out: Vec<char> = out.chars().collect();
    let mut len = BTreeMap::new();
    for (t, x) in terms.iter().zip(inputs) {
        for (c, &l) in t.iter().zip(x.shape()) {
            len.insert(*c, l);
        }
    }
    let letters: Vec<char> = len.keys().copied().collect();
    let out_shape: Vec<usize> = out.iter().map(|c| len[c]).collect();
    let mut result = ArrayD::<i64>::zeros(IxDyn(&out_shape));
    let total: usize = letters.iter().map(|c| len[c]).product();
    for mut lin in 0..total {
        let mut val = BTreeMap::new();
        for c in letters.iter().rev() {
            val.insert(*c, lin % len[c]);
            lin /= len[c];
        }
        let mut prod = 1i64;
        for (t, x) in terms.iter().zip(inputs) {
            let idx: Vec<usize> = t.iter().map(|c| val[c]).collect();
            prod *= x[IxDyn(&idx)];
        }
        let oidx: Vec<usize> = out.iter().map(|c| val[c]).collect();
        result[IxDyn(&oidx)] += prod;
    }
    result
}

#[test]
fn einsum_matches_the_brute_force_oracle() {
    let cases: &[(&str, &[&[usize]])] = &[
        ("ij,jk->ik", &[&[5, 7], &[7, 4]]),
        ("bij,bjk->bik", &[&[3, 5, 6], &[3, 6, 4]]),
        ("ijk,jkl->il", &[&[4, 3, 5], &[3, 5, 6]]),
        ("ijk,kjl->li", &[&[4, 3, 5], &[5, 3, 2]]),
        ("i,j->ij", &[&[5], &[3]]),
        ("i,i->", &[&[9], &[9]]),
        ("ij->ji", &[&[4, 6]]),
        ("ij->i", &[&[4, 6]]),
        ("ijk->", &[&[2, 3, 4]]),
        ("ii->i", &[&[5, 5]]),
        ("ii->", &[&[5, 5]]),
        ("ij,ij->ij", &[&[4, 5], &[4, 5]]),
        ("ij,ij->", &[&[4, 5], &[4, 5]]),
        ("bij,jk->bik", &[&[2, 4, 5], &[5, 3]]),
        ("ij,jk->", &[&[3, 4], &[4, 5]]),
        ("ijx,jk->ik", &[&[3, 4, 2], &[4, 5]]),
        ("abc,cd->dba", &[&[2, 3, 4], &[4, 5]]),
    ];
    for (spec, shapes) in cases {
        let raw: Vec<ArrayD<i64>> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| data(s, i as i64))
            .collect();
        let want = brute(spec, &raw.iter().collect::<Vec<_>>());
        for chunk in [1usize, 2, 3, 100] {
            let arrays: Vec<Array<i64>> = raw
                .iter()
                .map(|r| Array::from_ndarray(r.clone(), chunk).unwrap())
                .collect();
            let refs: Vec<&Array<i64>> = arrays.iter().collect();
            let got = einsum(spec, &refs).unwrap().compute().unwrap();
            assert_eq!(got, want, "{spec} chunks {chunk}");
        }
    }
    // Implicit output: letters appearing once, sorted.
    let a = data(&[3, 4], 1);
    let b = data(&[4, 2], 2);
    let x = Array::from_ndarray(a.clone(), 2).unwrap();
    let y = Array::from_ndarray(b.clone(), 3).unwrap();
    assert_eq!(
        einsum("ij,jk", &[&x, &y]).unwrap().compute().unwrap(),
        brute("ij,jk->ik", &[&a, &b])
    );
    assert_eq!(
        einsum("ji", &[&x]).unwrap().compute().unwrap(),
        brute("ji->ij", &[&a])
    );
}

#[test]
fn einsum_refuses_what_it_does_not_support() {
    let x = Array::<i64>::zeros(&[3, 3], 2).unwrap();
    for (spec, n) in [
        ("...ij->ij", 1),
        ("ij,jk,kl->il", 3),
        ("iij->j", 1),
        ("ij->k", 1),
        ("ij,jk->ii", 2),
        ("i1->i", 1),
        ("ijk->i", 1),
    ] {
        let ops: Vec<&Array<i64>> = (0..n).map(|_| &x).collect();
        assert!(
            matches!(einsum(spec, &ops), Err(Error::Argument { .. })),
            "{spec}"
        );
    }
    let y = Array::<i64>::zeros(&[4, 3], 2).unwrap();
    assert!(matches!(
        einsum("ij,ij->i", &[&x, &y]),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn batched_matmul_broadcasts_leading_axes() {
    let cases: &[(&[usize], &[usize], &str)] = &[
        (&[3, 4, 5], &[3, 5, 2], "bij,bjk->bik"),
        (&[4, 5], &[3, 5, 2], "ij,bjk->bik"),
        (&[3, 4, 5], &[5, 2], "bij,jk->bik"),
        (&[5], &[3, 5, 2], "j,bjk->bk"),
        (&[3, 4, 5], &[5], "bij,j->bi"),
        (&[2, 3, 4, 5], &[3, 5, 2], "abij,bjk->abik"),
    ];
    for (sa, sb, spec) in cases {
        let (a, b) = (data(sa, 1), data(sb, 2));
        let want = brute(spec, &[&a, &b]);
        for chunk in [1usize, 2, 3, 100] {
            let x = Array::from_ndarray(a.clone(), chunk).unwrap();
            let y = Array::from_ndarray(b.clone(), chunk).unwrap();
            let got = x.matmul(&y).unwrap().compute().unwrap();
            assert_eq!(got, want, "{sa:?} @ {sb:?}, chunks {chunk}");
        }
    }
    // Length-1 batch axes broadcast.
    let (a, b) = (data(&[1, 4, 5], 3), data(&[3, 5, 2], 4));
    let want = brute(
        "ij,bjk->bik",
        &[&a.index_axis(ndarray::Axis(0), 0).to_owned(), &b],
    );
    let x = Array::from_ndarray(a, 2).unwrap();
    let y = Array::from_ndarray(b, 2).unwrap();
    assert_eq!(x.matmul(&y).unwrap().compute().unwrap(), want);
    // Batch lengths that do not broadcast.
    let x = Array::<i64>::zeros(&[2, 4, 5], 2).unwrap();
    let y = Array::<i64>::zeros(&[3, 5, 2], 2).unwrap();
    assert!(matches!(x.matmul(&y), Err(Error::Broadcast { .. })));
}

#[test]
fn floats_in_batches_match_loops() {
    let a = ndarray::Array3::from_shape_fn((3, 20, 30), |(b, i, j)| {
        ((b * 7 + i * 3 + j) % 13) as f64 * 0.5 - 3.0
    });
    let b = ndarray::Array3::from_shape_fn((3, 30, 10), |(b, i, j)| {
        ((b + i * 5 + j * 2) % 11) as f64 * 0.25 - 1.0
    });
    let x = Array::from_ndarray(a.clone(), [2, 8, 7]).unwrap();
    let y = Array::from_ndarray(b.clone(), [1, 9, 10]).unwrap();
    let got = x.matmul(&y).unwrap().compute().unwrap();
    for p in 0..3 {
        let want = a
            .index_axis(ndarray::Axis(0), p)
            .dot(&b.index_axis(ndarray::Axis(0), p));
        let g = got.index_axis(ndarray::Axis(0), p);
        for (u, v) in g.iter().zip(want.iter()) {
            assert!((u - v).abs() < 1e-12, "{u} vs {v}");
        }
    }
}

#[test]
fn tensordot_matches_einsum() {
    let (a, b) = (data(&[2, 3, 4], 1), data(&[4, 3, 5], 2));
    let x = Array::from_ndarray(a.clone(), 2).unwrap();
    let y = Array::from_ndarray(b.clone(), 3).unwrap();
    let got = x
        .tensordot(&y, &[1, 2], &[1, 0])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got, brute("ijk,kjl->il", &[&a, &b]));
    let got = x.tensordot(&y, &[2], &[0]).unwrap().compute().unwrap();
    assert_eq!(got, brute("ijk,kml->ijml", &[&a, &b]));
    let outer = x.tensordot(&y, &[], &[]).unwrap();
    assert_eq!(outer.shape(), &[2, 3, 4, 4, 3, 5]);
    assert_eq!(
        outer.compute().unwrap(),
        brute("ijk,lmn->ijklmn", &[&a, &b])
    );
    assert!(matches!(
        x.tensordot(&y, &[0], &[0]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        x.tensordot(&y, &[3], &[0]),
        Err(Error::Axis { .. })
    ));
    assert!(matches!(
        x.tensordot(&y, &[1, 2], &[1]),
        Err(Error::Argument { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn batched_products_do_not_depend_on_the_chunking(
        b in 1usize..4, m in 1usize..6, k in 1usize..7, n in 1usize..5,
        ca in prop::collection::vec(1usize..5, 3), cb in prop::collection::vec(1usize..5, 3),
    ) {
        let (a, bb) = (data(&[b, m, k], 5), data(&[b, k, n], 6));
        let want = brute("bij,bjk->bik", &[&a, &bb]);
        let x = Array::from_ndarray(a, ca.clone()).unwrap();
        let y = Array::from_ndarray(bb, cb.clone()).unwrap();
        prop_assert_eq!(x.matmul(&y).unwrap().compute().unwrap(), want);
    }
}
