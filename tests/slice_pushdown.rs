//! Slices of reductions (through elementwise work, integers and steps) computed with the
//! slice moved below the reduction: the values are ndarray's, the bits those of slicing the
//! whole reduction, and only the needed input chunks are reduced.

use ndarray::{ArrayD, Axis, IxDyn, SliceInfoElem};
use proptest::prelude::*;
use tessera::{Array, Axes, Idx};

fn data(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut k = seed;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k = k
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((k >> 11) as f64 / (1u64 << 53) as f64) * 10.0 - 5.0
    })
}

fn slice_elem(start: isize, end: Option<isize>, step: isize) -> SliceInfoElem {
    SliceInfoElem::Slice { start, end, step }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sliced_reductions_match_slicing_the_whole_reduction(
        shape in prop::collection::vec(1usize..9, 2..4),
        chunk in prop::collection::vec(1usize..5, 3),
        axis_pick in 0usize..3,
        keepdims in any::<bool>(),
        starts in prop::collection::vec(-9isize..9, 3),
        lens in prop::collection::vec(0isize..9, 3),
        steps in prop::collection::vec(prop_oneof![Just(1isize), Just(2), Just(-1), Just(-3)], 3),
        seed in 0u64..1000,
    ) {
        let nd = shape.len();
        let axis = axis_pick % nd;
        let a = data(&shape, seed);
        let x = Array::from_ndarray(a.clone(), chunk[..nd].to_vec()).unwrap();
        let y = (&x * 0.5 + 1.0).sin();
        let axes = if keepdims { Axes::from(axis).keepdims() } else { Axes::from(axis) };
        let r = y.sum(axes).unwrap();
        let r = r * 3.0 - 2.0;
        let out_nd = r.shape().len();
        // In-range positions (ndarray does not clamp as NumPy and tessera do).
        let elems: Vec<SliceInfoElem> = (0..out_nd)
            .map(|d| {
                let n = r.shape()[d] as isize;
                let s = starts[d].rem_euclid(n + 1);
                slice_elem(s, Some((s + lens[d]).min(n)), steps[d])
            })
            .collect();
        let idx: Vec<Idx> = elems.iter().map(|&e| e.into()).collect();
        let part = r.index(&idx).unwrap();
        let whole = r.compute().unwrap();
        let want = whole.slice(elems.as_slice()).to_owned();
        let got = part.compute().unwrap();
        prop_assert_eq!(got.shape(), want.shape());
        if !got.is_empty() && got.len() < whole.len() {
            let text = part.plan().explain();
            prop_assert!(text.contains("pass slice push-down"), "{}", text);
        }
        let bits = |v: &ArrayD<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&got), bits(&want));
        // And ndarray's values.
        let mut o = (a.mapv(|v| v * 0.5 + 1.0)).mapv(f64::sin).sum_axis(Axis(axis));
        if keepdims {
            o = o.insert_axis(Axis(axis));
        }
        let o = o.mapv(|v| v * 3.0 - 2.0);
        let o = o.slice(elems.as_slice()).to_owned();
        for (g, w) in got.iter().zip(&o) {
            prop_assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "{} vs {}", g, w);
        }
    }
}

#[test]
fn a_row_of_a_time_mean_reduces_one_column_of_chunks() {
    let a = data(&[30, 40, 50], 7);
    let x = Array::from_ndarray(a.clone(), [10, 10, 10]).unwrap();
    let m = x.mean(0).unwrap();
    let row = m.index(&[Idx::Index(13), Idx::all()]).unwrap();
    let plan = row.plan();
    assert!(
        plan.explain().contains("pass slice push-down"),
        "{}",
        plan.explain()
    );
    // 3 chunks along time times 5 along the row, not 3 x 4 x 5.
    assert_eq!(plan.task_counts().reduce_chunk, 15);
    let want = a.mean_axis(Axis(0)).unwrap();
    let got = row.compute().unwrap();
    let w = want.index_axis(Axis(0), 13);
    assert!(got.iter().zip(w.iter()).all(|(g, w)| (g - w).abs() < 1e-12));
}
