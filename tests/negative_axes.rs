//! Negative axes count from the end everywhere an axis is taken (`-1` is the last axis):
//! each call with axis `-k` must give exactly the call with axis `ndim - k` (those are
//! checked against NumPy in the other suites), and axes past either end are refused.

use ndarray::{ArrayD, IxDyn};
use tessera::{concatenate, stack, Array, Error};

fn x() -> Array<i64> {
    let v =
        ArrayD::from_shape_vec(IxDyn(&[3, 4, 5]), (0..60).map(|i| (i * 7) % 23).collect()).unwrap();
    Array::from_ndarray(v, [2, 3, 2]).unwrap()
}

fn same<T: tessera::Element + PartialEq + std::fmt::Debug>(
    name: &str,
    a: tessera::Result<Array<T>>,
    b: tessera::Result<Array<T>>,
) {
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.shape(), b.shape(), "{name}");
    assert_eq!(a.compute().unwrap(), b.compute().unwrap(), "{name}");
}

#[test]
fn negative_axes_match_their_positive_twins() {
    let x = x();
    let f = x.astype::<f64>();
    for k in 1..=3isize {
        let p = 3 - k; // the same axis counted from the start
        let pu = p as usize;
        same("sum", x.sum(-k), x.sum(pu));
        same("mean", f.mean([-k]), f.mean([p]));
        same(
            "max keepdims",
            x.max(tessera::Axes::from(-k).keepdims()),
            x.max(tessera::Axes::from(pu).keepdims()),
        );
        same("argmin", x.argmin(-k), x.argmin(pu));
        same("cumsum", x.cumsum(-k), x.cumsum(pu));
        same("nancumprod", f.nancumprod(-k), f.nancumprod(pu));
        same("take", x.take(&[1, -1, 0], -k), x.take(&[1, -1, 0], pu));
        let n = x.shape()[pu];
        let cond: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
        same("compress", x.compress(&cond, -k), x.compress(&cond, pu));
        let mask = Array::from_ndarray(ndarray::Array1::from(cond.clone()).into_dyn(), 2).unwrap();
        same(
            "mask_along",
            x.mask_along(&mask, -k),
            x.mask_along(&mask, pu),
        );
        same("diff", x.diff(1, -k, None, None), x.diff(1, pu, None, None));
        same("repeat", x.repeat(2, Some(-k)), x.repeat(2, Some(p)));
        same("roll", x.roll(2, Some(-k)), x.roll(2, Some(p)));
        same("flip", x.flip(-k), x.flip(pu));
        same("moveaxis", x.moveaxis(-k, 0), x.moveaxis(pu, 0));
        same("swapaxes", x.swapaxes(-k, -1), x.swapaxes(pu, 2usize));
        same("slice_axis", x.slice_axis(-k, 1..2), x.slice_axis(pu, 1..2));
        same(
            "expand_dims",
            x.expand_dims(-k - 1),
            x.expand_dims(4 - k as usize - 1),
        );
        same(
            "concatenate",
            concatenate(&[&x, &x], -k),
            concatenate(&[&x, &x], pu),
        );
        same(
            "stack",
            stack(&[&x, &x], -k),
            stack(&[&x, &x], 4 - k as usize),
        );
        let a = x.split_at(&[1], -k).unwrap();
        let b = x.split_at(&[1], pu).unwrap();
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a.compute().unwrap(), b.compute().unwrap(), "split_at");
        }
        assert_eq!(x.array_split(2, -k).unwrap().len(), 2);
        same(
            "apply_along_axis",
            x.apply_along_axis(-k, Some(1), |v| Ok(vec![v.sum()])),
            x.apply_along_axis(pu, Some(1), |v| Ok(vec![v.sum()])),
        );
        same(
            "apply_over_axes",
            x.apply_over_axes(&[-k], |a, ax| a.sum(ax)),
            x.apply_over_axes(&[pu], |a, ax| a.sum(ax)),
        );
    }
    same("mean of two", f_two(&x, [0, -1]), f_two(&x, [0, 2]));
    same(
        "permute_axes",
        x.permute_axes(&[-1, 0, -2]),
        x.permute_axes(&[2usize, 0, 1]),
    );
    same("rot90", x.rot90(1, (-1, 0)), x.rot90(1, (2usize, 0)));
    same(
        "squeeze",
        x.expand_dims(-1).unwrap().squeeze(-1),
        Ok(x.clone()),
    );
    let y = Array::<i64>::ones(&[5, 2], 2).unwrap();
    same(
        "tensordot",
        x.tensordot(&y, &[-1], &[0]),
        x.tensordot(&y, &[2], &[0]),
    );
}

fn f_two(x: &Array<i64>, axes: [isize; 2]) -> tessera::Result<Array<f64>> {
    x.astype::<f64>().mean(axes)
}

#[test]
fn axes_past_either_end_are_refused() {
    let x = x();
    let bad = |r: tessera::Result<Array<i64>>, want: isize| {
        assert!(
            matches!(r, Err(Error::Axis { axis, .. }) if axis == want),
            "expected axis {want} refused"
        );
    };
    bad(x.cumsum(-4), -4);
    bad(x.take(&[0], 3), 3);
    bad(x.flip(-4), -4);
    bad(x.moveaxis(0, -5), -5);
    bad(x.expand_dims(-5), -5);
    bad(concatenate(&[&x, &x], -4), -4);
    bad(x.roll(1, Some(-4)), -4);
    bad(x.rot90(1, (0, -3)), 0); // -3 is axis 0 again
    assert!(matches!(x.sum(i64::MIN), Err(Error::Axis { .. })));
}
