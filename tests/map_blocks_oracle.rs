//! `map_blocks` against the same function applied by hand to ndarray blocks: one and several
//! inputs, broadcasting, computed and staged inputs, declared output blocks, results read by
//! later stages, and errors (wrong block shape, the function's own error, bad declarations).

use ndarray::{s, ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::{map_blocks, Array, BlockInfo, ChunkSpec, ComputeOptions, Error};

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0.0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1.0;
        (k * 0.61f64).cos() * 5.0
    })
}

/// The blocks of a 2-d array cut at `rows` and `cols` boundaries, each minus its own mean.
fn demeaned_blocks(a: &ArrayD<f64>, rows: &[usize], cols: &[usize]) -> ArrayD<f64> {
    let mut out = a.clone();
    let (mut r0, mut c0);
    r0 = 0;
    for &r in rows {
        c0 = 0;
        for &c in cols {
            let mut b = out.slice_mut(s![r0..r0 + r, c0..c0 + c]);
            let m = b.mean().unwrap();
            b.mapv_inplace(|v| v - m);
            c0 += c;
        }
        r0 += r;
    }
    out
}

#[test]
fn one_input_keeps_its_blocks() {
    let a = data(&[7, 5]);
    let x = Array::from_ndarray(a.clone(), [3, 2]).unwrap();
    let y = x
        .map_blocks(|b, _| Ok(b.mapv(|v| v - b.mean().unwrap())))
        .unwrap();
    assert_eq!(y.chunks(), x.chunks());
    let want = demeaned_blocks(&a, &[3, 3, 1], &[2, 2, 1]);
    for threads in [1, 3] {
        let got = y
            .compute_with(&ComputeOptions::new().threads(threads))
            .unwrap();
        for (g, w) in got.iter().zip(want.iter()) {
            assert!((g - w).abs() < 1e-12);
        }
    }
    // Read by a reduction and an elementwise stage.
    let s = (&y * 2.0).sum(..).unwrap().compute_scalar().unwrap();
    assert!(s.abs() < 1e-9, "{s}");
}

#[test]
fn several_inputs_align_and_broadcast() {
    let a = data(&[6, 4]);
    let r = data(&[4]);
    let x = Array::from_ndarray(a.clone(), [4, 3]).unwrap();
    let row = Array::from_ndarray(r.clone(), 2).unwrap(); // chunks 2, 2: merged with 3 -> 2,1,1
    let infos = std::sync::Arc::new(std::sync::Mutex::new(Vec::<BlockInfo>::new()));
    let seen = infos.clone();
    let y = map_blocks(&[&(&x + 1.0), &row], None, move |b, info| {
        seen.lock().unwrap().push(info.clone());
        assert_eq!(b[1].ndim(), 1);
        Ok(&b[0] * &b[1])
    })
    .unwrap();
    assert_eq!(y.chunks().chunks(1), vec![2, 1, 1]);
    let want = (&a + 1.0) * &r;
    assert_eq!(y.compute().unwrap(), want);
    let infos = infos.lock().unwrap();
    assert_eq!(infos.len(), 6);
    assert!(infos
        .iter()
        .any(|i| i.index == vec![1, 2] && i.region == vec![(4, 2), (3, 1)]));
}

#[test]
fn declared_blocks_and_staged_inputs() {
    let a = data(&[9, 4]);
    let x = Array::from_ndarray(a.clone(), [3, 4]).unwrap();
    // The mean over axis 1 is a stage; each block of it reduced to its maximum.
    let m = x.mean(1).unwrap();
    let per_block = map_blocks::<f64, f64, _>(&[&m], Some(vec![vec![1, 1, 1]]), |b, _| {
        let mx = b[0].iter().cloned().fold(f64::MIN, f64::max);
        Ok(ndarray::arr1(&[mx]).into_dyn())
    })
    .unwrap();
    let means = a.mean_axis(Axis(1)).unwrap();
    let want: Vec<f64> = means
        .exact_chunks(IxDyn(&[3]))
        .into_iter()
        .map(|c| c.iter().cloned().fold(f64::MIN, f64::max))
        .collect();
    let got = per_block.compute().unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-12);
    }
    // Different dtype out.
    let signs = x.map_blocks(|b, _| Ok(b.mapv(|v| v > 0.0))).unwrap();
    assert_eq!(signs.compute().unwrap(), a.mapv(|v| v > 0.0));
}

#[test]
fn errors_name_the_block() {
    let x = Array::<f64>::ones(&[6], 4).unwrap();
    let bad = x
        .map_blocks(|b, _| Ok(b.slice(s![..1]).to_owned().into_dyn()))
        .unwrap();
    let e = bad.compute().unwrap_err();
    assert!(
        e.to_string().contains("block [0]") || e.to_string().contains("block [1]"),
        "{e}"
    );
    let failing = x
        .map_blocks::<f64, _>(|_, info| {
            if info.index[0] == 1 {
                Err(Error::Argument {
                    op: "user".into(),
                    msg: "no second block".into(),
                })
            } else {
                Ok(ArrayD::zeros(IxDyn(&info.out_shape)))
            }
        })
        .unwrap();
    let e = failing.compute().unwrap_err();
    assert!(e.to_string().contains("no second block"), "{e}");
    assert!(matches!(
        map_blocks::<f64, f64, _>(&[&x], Some(vec![vec![3]]), |b, _| Ok(b[0].to_owned())),
        Err(Error::Chunks { .. })
    ));
    assert!(matches!(
        map_blocks::<f64, f64, _>(&[], None, |b, _| Ok(b[0].to_owned())),
        Err(Error::Argument { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn elementwise_blocks_do_not_depend_on_chunking(
        n in 1usize..9, m in 1usize..7, c0 in 1usize..5, c1 in 1usize..5, threads in 1usize..4,
    ) {
        let a = data(&[n, m]);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(vec![c0, c1])).unwrap();
        let y = map_blocks(&[&x, &x.t().t()], None, |b, _| Ok(&b[0] * &b[1] + 1.0)).unwrap();
        let got = y.compute_with(&ComputeOptions::new().threads(threads)).unwrap();
        prop_assert_eq!(got, a.mapv(|v| v * v + 1.0));
    }
}
