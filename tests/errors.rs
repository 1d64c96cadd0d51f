//! Errors: what is refused when an expression is built (shapes, axes, chunks, arguments),
//! what fails when it is computed, and the panics of the operators.

use std::panic::{catch_unwind, AssertUnwindSafe};
use tessera::{compute_many, random, where_, Array, Axes, ChunkSpec, Error};

fn ones(shape: &[usize]) -> Array<f64> {
    Array::<f64>::ones(shape, 2).unwrap()
}

fn is_broadcast<T>(r: tessera::Result<T>, op: &str, left: &[usize], right: &[usize]) -> bool {
    match r {
        Err(Error::Broadcast {
            op: o,
            left: l,
            right: r,
        }) => o == op && l == left && r == right,
        _ => false,
    }
}

#[test]
fn named_methods_refuse_shapes_that_do_not_broadcast() {
    let (a, b) = (ones(&[2, 3]), ones(&[4]));
    assert!(is_broadcast(a.try_add(&b), "add", &[2, 3], &[4]));
    assert!(is_broadcast(a.try_sub(&b), "subtract", &[2, 3], &[4]));
    assert!(is_broadcast(a.try_mul(&b), "multiply", &[2, 3], &[4]));
    assert!(is_broadcast(a.try_div(&b), "divide", &[2, 3], &[4]));
    assert!(is_broadcast(a.try_rem(&b), "remainder", &[2, 3], &[4]));
    assert!(is_broadcast(a.pow(&b), "power", &[2, 3], &[4]));
    assert!(is_broadcast(a.maximum(&b), "maximum", &[2, 3], &[4]));
    assert!(is_broadcast(a.minimum(&b), "minimum", &[2, 3], &[4]));
    assert!(is_broadcast(b.less(&a), "less", &[4], &[2, 3]));
    assert!(matches!(
        a.equal(ones(&[3, 3])),
        Err(Error::Broadcast { .. })
    ));
    assert!(matches!(a.clip(&b, 1.0), Err(Error::Broadcast { .. })));
    // Trailing alignment: [3, 1] with [2, 1, 4] gives [2, 3, 4]; [3, 1] with [2, 4] aligns
    // 3 with 2 and fails; a length-0 axis only broadcasts with 1 or 0.
    assert_eq!(
        ones(&[3, 1]).try_add(ones(&[2, 1, 4])).unwrap().shape(),
        &[2, 3, 4]
    );
    assert!(matches!(
        ones(&[3, 1]).try_add(ones(&[2, 4])),
        Err(Error::Broadcast { .. })
    ));
    assert!(matches!(
        ones(&[0]).try_add(ones(&[2])),
        Err(Error::Broadcast { .. })
    ));
    let c = a.greater(0.0).unwrap();
    assert!(matches!(
        c.logical_and(b.greater(0.0).unwrap()),
        Err(Error::Broadcast { .. })
    ));
    assert!(matches!(where_(&c, &b, 0.0), Err(Error::Broadcast { .. })));
    assert!(matches!(
        where_(&c, &a, ones(&[5])),
        Err(Error::Broadcast { .. })
    ));
    let e = a.try_add(&b).err().unwrap().to_string();
    assert!(
        e.contains("[2, 3]") && e.contains("[4]") && e.contains("broadcast"),
        "{e}"
    );
}

#[test]
#[should_panic(expected = "cannot be broadcast")]
fn add_operator_panics_on_mismatched_shapes() {
    let _ = &ones(&[2, 3]) + &ones(&[2]);
}

#[test]
fn every_operator_panics_on_mismatched_shapes() {
    let (a, b) = (ones(&[2, 3]), ones(&[3, 2]));
    type Op<'a> = Box<dyn Fn() -> Array<f64> + 'a>;
    let ops: Vec<(&str, Op)> = vec![
        ("+", Box::new(|| &a + &b)),
        ("-", Box::new(|| a.clone() - &b)),
        ("*", Box::new(|| &a * b.clone())),
        ("/", Box::new(|| a.clone() / b.clone())),
        ("%", Box::new(|| &a % &b)),
    ];
    for (name, op) in ops {
        let r = catch_unwind(AssertUnwindSafe(op));
        let msg = r
            .err()
            .map(|p| p.downcast_ref::<String>().cloned().unwrap_or_default());
        assert!(
            msg.is_some_and(|m| m.contains("cannot be broadcast")),
            "operator {name}"
        );
    }
    let (p, q) = (a.greater(0.0).unwrap(), b.greater(0.0).unwrap());
    assert!(catch_unwind(AssertUnwindSafe(|| &p & &q)).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| p.clone() | q.clone())).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| &p ^ q.clone())).is_err());
}

#[test]
fn bad_and_repeated_axes_are_refused() {
    let x = ones(&[2, 3, 4]);
    let axis = |r: tessera::Result<Array<f64>>, a: isize| matches!(r, Err(Error::Axis { axis, ndim: 3, .. }) if axis == a);
    assert!(axis(x.sum(3), 3));
    assert!(axis(x.sum(-4), -4));
    assert!(axis(x.mean([0, -9]), -9));
    // -1 and 2 are the same axis of a 3-d array: repeated.
    assert!(axis(x.sum([2, -1]), 2));
    assert!(axis(x.mean([0, 7]), 7));
    assert!(axis(x.max(Axes::from(5).keepdims()), 5));
    assert!(axis(x.sum([1, 1]), 1));
    assert!(axis(x.var(vec![2, 0, 2]), 2));
    assert!(axis(x.nansum(&[0, 1, 2, 0][..]), 0));
    assert!(matches!(x.argmax(3), Err(Error::Axis { .. })));
    assert!(matches!(x.any(9), Err(Error::Axis { .. })));
    assert!(matches!(
        Array::scalar(1.0).sum(0),
        Err(Error::Axis {
            axis: 0,
            ndim: 0,
            ..
        })
    ));
    assert!(matches!(
        x.permute_axes(&[0, 1, 3]),
        Err(Error::Axis { axis: 3, .. })
    ));
    assert!(matches!(
        x.permute_axes(&[0, 1, 1]),
        Err(Error::Axis { axis: 1, .. })
    ));
    assert!(matches!(x.permute_axes(&[0, 1]), Err(Error::Shape { .. })));
    let e = x.sum([0, 4]).err().unwrap().to_string();
    assert!(e.contains("sum") && e.contains('4'), "{e}");
}

#[test]
fn bad_chunk_specs_are_refused_by_every_constructor() {
    let nd = ndarray::Array2::<f64>::zeros((4, 6));
    let bad: Vec<ChunkSpec> = vec![
        ChunkSpec::from(0),
        ChunkSpec::from([2, 0]),
        ChunkSpec::from([2]),
        ChunkSpec::from([2, 2, 2]),
        ChunkSpec::from(vec![vec![4], vec![3, 2]]),
        ChunkSpec::from(vec![vec![4], vec![3, 4]]),
        ChunkSpec::from(vec![vec![4], vec![6, 0]]),
        ChunkSpec::from(vec![vec![4]]),
        ChunkSpec::from(vec![vec![2, 2], vec![6], vec![1]]),
        ChunkSpec::AutoBytes(0),
    ];
    for spec in bad {
        let chunks = |r: tessera::Result<Array<f64>>| matches!(r, Err(Error::Chunks { .. }));
        assert!(
            chunks(Array::from_ndarray(nd.clone(), spec.clone())),
            "{spec:?}"
        );
        assert!(chunks(Array::zeros(&[4, 6], spec.clone())), "{spec:?}");
        assert!(chunks(Array::full(&[4, 6], 1.0, spec.clone())), "{spec:?}");
        assert!(
            chunks(random::uniform(&[4, 6], spec.clone(), 1)),
            "{spec:?}"
        );
        assert!(
            chunks(random::normal(&[4, 6], spec.clone(), 1, 0.0, 1.0)),
            "{spec:?}"
        );
        assert!(chunks(Array::eye(4, 6, 0, spec.clone())), "{spec:?}");
    }
    assert!(matches!(
        Array::<i32>::arange(0, 5, 1, 0),
        Err(Error::Chunks { .. })
    ));
    assert!(matches!(
        Array::<f64>::linspace(0.0, 1.0, 5, true, vec![vec![2, 2]]),
        Err(Error::Chunks { .. })
    ));
    // An empty axis takes exactly one chunk of length 0.
    assert!(matches!(
        Array::<f64>::zeros(&[0], vec![vec![0, 0]]),
        Err(Error::Chunks { .. })
    ));
    assert!(Array::<f64>::zeros(&[0], vec![vec![0]]).is_ok());
    let e = Array::<f64>::zeros(&[10], vec![vec![3, 3]])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("[10]") && e.contains("add up to 6"), "{e}");
}

#[test]
fn reduction_arguments_are_checked_when_built() {
    let x = ones(&[3, 4, 5]);
    for split in [0, 1] {
        assert!(matches!(
            x.sum(Axes::all().split_every(split)),
            Err(Error::Argument { .. })
        ));
        assert!(matches!(
            x.max(Axes::from(1).split_every(split)),
            Err(Error::Argument { .. })
        ));
    }
    assert!(x.sum(Axes::all().split_every(2)).is_ok());
    // Arg-reductions take one axis or all of them.
    assert!(matches!(x.argmax([0, 2]), Err(Error::Argument { .. })));
    assert!(matches!(x.argmin([1, 2]), Err(Error::Argument { .. })));
    assert!(matches!(x.nanargmax([0, 1]), Err(Error::Argument { .. })));
    assert!(x.argmax([0, 1, 2]).is_ok() && x.argmax(..).is_ok() && x.argmax(2).is_ok());
    assert!(matches!(x.var_ddof(.., -1.0), Err(Error::Argument { .. })));
    assert!(matches!(
        x.nanstd_ddof(0, f64::INFINITY),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        Array::<f64>::arange(0.0, 1.0, 0.0, 2),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        random::uniform_range::<f64>(&[3], 1, 0, 1.0, 0.0),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        random::normal::<f32>(&[3], 1, 0, f64::NAN, 1.0),
        Err(Error::Argument { .. })
    ));
    assert!(matches!(x.compute_scalar(), Err(Error::Shape { .. })));
    assert!(matches!(
        ones(&[0]).sum(..).unwrap().compute_scalar(),
        Ok(0.0)
    ));
}

#[test]
fn reductions_without_identity_refuse_empty_axes() {
    let x = ones(&[3, 0, 2]);
    let shape = |r: tessera::Result<Array<f64>>| matches!(r, Err(Error::Shape { .. }));
    let shape_i = |r: tessera::Result<Array<i64>>| matches!(r, Err(Error::Shape { .. }));
    for axes in [
        Axes::all(),
        Axes::from(1),
        Axes::from([0, 1]),
        Axes::from(1).keepdims(),
    ] {
        assert!(shape(x.min(axes.clone())) && shape(x.max(axes.clone())));
        assert!(shape(x.nanmin(axes.clone())) && shape(x.nanmax(axes.clone())));
    }
    for axes in [Axes::all(), Axes::from(1)] {
        assert!(shape_i(x.argmin(axes.clone())) && shape_i(x.argmax(axes.clone())));
        assert!(shape_i(x.nanargmin(axes.clone())) && shape_i(x.nanargmax(axes.clone())));
    }
    // Reducing only non-empty axes of an empty array is fine (and empty).
    assert_eq!(x.max(0).unwrap().compute().unwrap().shape(), &[0, 2]);
    // Reductions with an identity give it.
    let v =
        |r: tessera::Result<Array<f64>>| r.unwrap().compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(v(x.sum(1)), vec![0.0; 6]);
    assert_eq!(v(x.prod(1)), vec![1.0; 6]);
    assert!(v(x.mean(1)).iter().all(|m| m.is_nan()));
    assert_eq!(
        x.all(1)
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .filter(|&&b| b)
            .count(),
        6
    );
    assert_eq!(x.count_nonzero(..).unwrap().compute_scalar().unwrap(), 0);
}

#[test]
fn nanargmax_of_an_all_nan_slice_fails_when_computed() {
    let nan = f64::NAN;
    let x = Array::from_ndarray(ndarray::array![[1.0, nan], [nan, nan], [nan, 3.0]], 1).unwrap();
    // Built without complaint; the failure comes from the computation.
    let am = x.nanargmax(1).unwrap();
    for r in [
        am.compute().map(|_| ()),
        x.nanargmin(1).unwrap().compute().map(|_| ()),
    ] {
        match r {
            Err(e @ Error::Task { .. }) => assert!(e.to_string().contains("All-NaN"), "{e}"),
            other => panic!("expected a task error, got {other:?}"),
        }
    }
    assert!(am.persist().is_err());
    let other = x.nanargmax(0).unwrap();
    assert!(compute_many(&[&other, &am]).is_err());
    assert_eq!(
        other.compute().unwrap().into_raw_vec_and_offset().0,
        vec![0, 2]
    );
    // Over all axes only an entirely NaN array fails.
    assert_eq!(x.nanargmax(..).unwrap().compute_scalar().unwrap(), 5);
    let all_nan = Array::<f32>::full(&[4], f32::NAN, 3).unwrap();
    let e = all_nan.nanargmin(..).unwrap().compute_scalar().unwrap_err();
    assert!(e.to_string().contains("All-NaN"), "{e}");
    // nanmin/nanmax give NaN instead.
    assert!(all_nan
        .nanmax(..)
        .unwrap()
        .compute_scalar()
        .unwrap()
        .is_nan());
}
