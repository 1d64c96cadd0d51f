//! `blockwise` with index notation against direct ndarray computations, under several
//! (and mismatched) chunkings.

use ndarray::{ArrayD, Axis, Ix2, IxDyn};
use tessera::{blockwise, Array, Error};

fn data(shape: &[usize], seed: i64) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n as i64).map(|i| (i * 5 + seed) % 9 - 4).collect(),
    )
    .unwrap()
}

#[test]
fn blockwise_aligns_contracts_and_transposes() {
    let (a, b) = (data(&[6, 5], 1), data(&[5, 4], 2));
    let (a2, b2) = (
        a.clone().into_dimensionality::<Ix2>().unwrap(),
        b.clone().into_dimensionality::<Ix2>().unwrap(),
    );
    for (ca, cb) in [
        ([2usize, 2usize], [3usize, 1usize]),
        ([6, 5], [5, 4]),
        ([1, 3], [2, 2]),
    ] {
        let x = Array::from_ndarray(a.clone(), ca).unwrap();
        let y = Array::from_ndarray(b.clone(), cb).unwrap();
        // Contraction over j (blocks concatenated along it).
        let c = blockwise("ik", &[(&x, "ij"), (&y, "jk")], |v, _| {
            let p = v[0].view().into_dimensionality::<Ix2>().unwrap();
            let q = v[1].view().into_dimensionality::<Ix2>().unwrap();
            Ok(p.dot(&q).into_dyn())
        })
        .unwrap();
        assert_eq!(
            c.compute().unwrap(),
            a2.dot(&b2).into_dyn(),
            "{ca:?} {cb:?}"
        );
        // Elementwise over aligned letters, with differently chunked operands.
        let z = Array::from_ndarray(a.clone(), cb).unwrap();
        let s = blockwise("ij", &[(&x, "ij"), (&z, "ij")], |v, _| Ok(&v[0] + &v[1])).unwrap();
        assert_eq!(s.compute().unwrap(), &a + &a);
        // A transpose: the output letters in another order.
        let t = blockwise("ji", &[(&x, "ij")], |v, _| Ok(v[0].t().to_owned())).unwrap();
        assert_eq!(t.compute().unwrap(), a.t().to_owned());
        // A reduction over a contracted letter, to another type.
        let r = blockwise::<i64, f64, _>("i", &[(&x, "ij")], |v, _| {
            Ok(v[0].sum_axis(Axis(1)).mapv(|s| s as f64))
        })
        .unwrap();
        assert_eq!(r.compute().unwrap(), a.sum_axis(Axis(1)).mapv(|s| s as f64));
    }
}

#[test]
fn bad_indices_are_errors() {
    let x = Array::<i64>::zeros(&[3, 4], 2).unwrap();
    let y = Array::<i64>::zeros(&[5, 4], 2).unwrap();
    let f = |v: &[ndarray::ArrayViewD<'_, i64>], _: &tessera::BlockInfo| Ok(v[0].to_owned());
    assert!(matches!(
        blockwise("ij", &[(&x, "i")], f),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        blockwise("ii", &[(&x, "ij")], f),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        blockwise("k", &[(&x, "ij")], f),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        blockwise("ij", &[(&x, "ii")], f),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        blockwise("ij", &[(&x, "ij"), (&y, "ij")], f),
        Err(Error::Shape { .. })
    ));
    let wrong = blockwise("ij", &[(&x, "ij")], |v, _| Ok(v[0].t().to_owned())).unwrap();
    assert!(matches!(wrong.compute(), Err(Error::Shape { .. })));
}
