//! `Array::index` against ndarray's own slicing with the same `s![]` entries: steps (negative
//! too), open ranges, negative positions, integers, new axes, an ellipsis; on in-memory
//! sources, computed operands and stages; errors. Results must not depend on the chunking.

use ndarray::{s, ArrayD, IxDyn, NewAxis, Slice, SliceInfoElem};
use proptest::prelude::*;
use tessera::{Array, ChunkSpec, Error, Idx};

fn data(shape: &[usize]) -> ArrayD<i64> {
    let mut k = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        k * 7 % 101 - 50
    })
}

fn to_idx(e: &[SliceInfoElem]) -> Vec<Idx> {
    e.iter().map(|&x| x.into()).collect()
}

// Empty and negative-end ranges are part of what is tested.
#[allow(clippy::reversed_empty_ranges)]
#[test]
fn index_matches_ndarray_slicing() {
    let a = data(&[9, 8, 5]);
    let x = Array::from_ndarray(a.clone(), [4, 3, 2]).unwrap();
    let cases: Vec<Vec<SliceInfoElem>> = vec![
        s![.., .., ..].to_vec(),
        s![1..8;2, .., ..].to_vec(),
        s![..;-1, 2..;3, -2..].to_vec(),
        s![3, ..;-2, 4].to_vec(),
        s![-1, NewAxis, 1..-1;2, ..].to_vec(),
        s![..;4, 7, ..;-3].to_vec(),
        s![2..2, .., 1].to_vec(),
        s![NewAxis, 5..0, -3, NewAxis, 1..;1].to_vec(),
    ];
    for c in &cases {
        let want = a.slice(c.as_slice()).to_owned();
        let got = x.index(&to_idx(c)).unwrap();
        assert_eq!(got.shape(), want.shape(), "{c:?}");
        assert_eq!(got.compute().unwrap(), want, "{c:?}");
        // Of a computed operand and read by a reduction.
        let got = (&x * 3).index(&to_idx(c)).unwrap();
        assert_eq!(got.compute().unwrap(), want.mapv(|v| v * 3), "{c:?}");
        if !want.is_empty() {
            let m = got.max(..).unwrap().compute_scalar().unwrap();
            assert_eq!(m, *want.iter().max().unwrap() * 3, "{c:?}");
        }
    }
}

#[test]
fn ellipsis_and_missing_entries() {
    let a = data(&[4, 5, 6]);
    let x = Array::from_ndarray(a.clone(), 2).unwrap();
    let e = x.index(&[Idx::Ellipsis, Idx::slice(0, None, -1)]).unwrap();
    assert_eq!(
        e.compute().unwrap(),
        a.slice(s![.., .., ..;-1]).to_owned().into_dyn()
    );
    let e = x
        .index(&[Idx::Index(-1), Idx::Ellipsis, Idx::NewAxis])
        .unwrap();
    assert_eq!(
        e.compute().unwrap(),
        a.slice(s![-1, .., .., NewAxis]).to_owned().into_dyn()
    );
    let e = x.index(&[Idx::slice(1, None, 2)]).unwrap();
    assert_eq!(
        e.compute().unwrap(),
        a.slice(s![1..;2, .., ..]).to_owned().into_dyn()
    );
    let e = x.index(&[]).unwrap();
    assert_eq!(e.compute().unwrap(), a);
}

#[test]
fn stepped_indexing_of_stages_and_transposes() {
    let a = data(&[12, 7]);
    let x = Array::from_ndarray(a.clone(), [5, 3]).unwrap();
    // A reduction stage indexed backwards with a step.
    let m = x
        .sum(1)
        .unwrap()
        .index(&[Idx::slice(1, Some(11), -3)])
        .unwrap();
    let want = a
        .sum_axis(ndarray::Axis(1))
        .slice(s![1..11;-3])
        .to_owned()
        .into_dyn();
    assert_eq!(m.compute().unwrap(), want);
    // A transpose indexed, then indexed again.
    let t = x
        .t()
        .index(&[Idx::slice(0, None, 2), Idx::slice(-5, None, -1)])
        .unwrap();
    let t2 = t.index(&[Idx::Index(1)]).unwrap();
    let tw = a.t().slice(s![..;2, -5..;-1]).to_owned().into_dyn();
    assert_eq!(t.compute().unwrap(), tw);
    assert_eq!(
        t2.compute().unwrap(),
        tw.slice(s![1, ..]).to_owned().into_dyn()
    );
    // Stepped results chunk by the source's chunks: x[::4] over chunks of 5 takes 2, 1, 1.
    let s4 = x.index(&[Idx::slice(0, None, 4)]).unwrap();
    assert_eq!(s4.chunks().chunks(0), vec![2, 1]);
}

#[test]
fn bad_indices_are_errors() {
    let x = Array::<f64>::zeros(&[3, 4], 2).unwrap();
    let e = x.index(&[Idx::Index(3)]).unwrap_err();
    assert!(
        matches!(&e, Error::Shape { msg, .. } if msg.contains("out of bounds")),
        "{e}"
    );
    assert!(x.index(&[Idx::Index(-4)]).is_err());
    assert!(x.index(&[Idx::slice(0, None, 0)]).is_err());
    assert!(x
        .index(&[Idx::Index(0), Idx::Index(0), Idx::Index(0)])
        .is_err());
    assert!(x.index(&[Idx::Ellipsis, Idx::Ellipsis]).is_err());
    assert_eq!(
        x.index(&[Idx::Index(-3), Idx::Index(3)]).unwrap().shape(),
        &[] as &[usize]
    );
    // Extreme positions and steps are errors or clamps, never overflows.
    assert!(x.index(&[Idx::Index(isize::MIN)]).is_err());
    assert!(x.index(&[Idx::Index(isize::MAX)]).is_err());
    let far = x
        .index(&[Idx::slice(isize::MIN, Some(isize::MAX), isize::MAX)])
        .unwrap();
    assert_eq!(far.shape(), &[1, 4]);
    let twice = far.index(&[Idx::slice(0, None, isize::MIN)]).unwrap();
    assert_eq!(
        twice.compute().unwrap(),
        ndarray::ArrayD::<f64>::zeros(IxDyn(&[1, 4]))
    );
    // Range ends outside the axis are clamped, as NumPy's are.
    let y = Array::from_ndarray(data(&[5]), 2).unwrap();
    let c = y.index(&[Idx::slice(-9, Some(40), 2)]).unwrap();
    assert_eq!(
        c.compute().unwrap(),
        data(&[5]).slice(s![..;2]).to_owned().into_dyn()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn stepped_slices_do_not_depend_on_chunking(
        n in 1usize..20, c in 1usize..7, start in -25isize..25, end in -25isize..25,
        step in prop_oneof![-5isize..0, 1isize..6], open_end in any::<bool>(),
    ) {
        let a = data(&[n, 3]);
        let x = Array::from_ndarray(a.clone(), ChunkSpec::PerAxis(vec![c, 2])).unwrap();
        // ndarray panics on positions outside [-n, n] (tessera clamps them, as NumPy does).
        let lim = n as isize;
        let (start, end) = (start.clamp(-lim, lim), end.clamp(-lim, lim));
        let end = (!open_end).then_some(end);
        let e = SliceInfoElem::Slice { start, end, step };
        let mut want = a.clone();
        want.slice_axis_inplace(ndarray::Axis(0), Slice::new(start, end, step));
        let got = x.index(&[e.into()]).unwrap();
        prop_assert_eq!(got.compute().unwrap(), want.clone());
        let got = (&x + 1).index(&[e.into(), Idx::Index(1)]).unwrap();
        prop_assert_eq!(got.compute().unwrap(), want.slice(s![.., 1]).mapv(|v| v + 1).into_dyn());
    }
}
