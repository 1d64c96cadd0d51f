//! Array sources (`full`, `zeros`, `ones`, `scalar`, `arange`, `linspace`, `eye`,
//! `from_ndarray` of views) against values written out by hand or built with `ndarray`.

mod common;

use common::*;
use ndarray::{s, Array2, ArrayD, IxDyn};
use tessera::{Array, ChunkSpec};

#[test]
fn constants_have_shape_chunks_and_value() {
    let mut rng = Rng::new(1);
    for shape in SHAPES {
        for spec in chunkings(&mut rng, shape) {
            let n: usize = shape.iter().product();
            let z = Array::<f32>::zeros(shape, spec.clone())
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(z, ArrayD::<f32>::zeros(IxDyn(shape)));
            let o = Array::<u16>::ones(shape, spec.clone())
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(o, ArrayD::from_elem(IxDyn(shape), 1u16));
            let b = Array::<bool>::ones(shape, spec.clone())
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(b.iter().filter(|&&x| x).count(), n);
            let f = Array::full(shape, -7i64, spec.clone()).unwrap();
            assert_eq!(f.shape(), *shape);
            assert_eq!(f.len(), n);
            assert_eq!(f.is_empty(), n == 0);
            assert_eq!(f.nbytes(), 8 * n);
            assert_eq!(f.compute().unwrap(), ArrayD::from_elem(IxDyn(shape), -7i64));
        }
    }
    let s = Array::scalar(2.5f64);
    assert_eq!(s.shape(), &[] as &[usize]);
    assert_eq!(s.compute_scalar().unwrap(), 2.5);
}

#[test]
fn arange_matches_numpy_lengths_and_values() {
    let f = |a: f64, b: f64, st: f64, c: usize| {
        Array::<f64>::arange(a, b, st, c)
            .unwrap()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0
    };
    assert_eq!(f(0.0, 5.0, 1.0, 2), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(f(1.0, 2.0, 0.25, 3), vec![1.0, 1.25, 1.5, 1.75]);
    assert_eq!(f(5.0, 0.0, -2.0, 1), vec![5.0, 3.0, 1.0]);
    assert_eq!(f(0.0, 0.0, 1.0, 4), Vec::<f64>::new());
    assert_eq!(f(3.0, 1.0, 1.0, 4), Vec::<f64>::new());
    // NumPy: len = ceil((stop - start) / step), value i = start + i * step.
    let want: Vec<f64> = (0..10).map(|i| 0.1 + i as f64 * 0.3).collect();
    assert_eq!(f(0.1, 3.05, 0.3, 4), want);
    let i = Array::<i32>::arange(-3, 8, 3, 2).unwrap();
    assert_eq!(
        i.compute().unwrap().into_raw_vec_and_offset().0,
        vec![-3, 0, 3, 6]
    );
    let u = Array::<u8>::arange(250, 255, 1, 3).unwrap();
    assert_eq!(
        u.compute().unwrap().into_raw_vec_and_offset().0,
        vec![250, 251, 252, 253, 254]
    );
    assert!(Array::<f64>::arange(0.0, 1.0, 0.0, 2).is_err());
    assert!(Array::<f64>::arange(0.0, f64::INFINITY, 1.0, 2).is_err());
}

#[test]
fn arange_of_large_integers_is_exact() {
    let start = (1i64 << 60) + 1;
    let a = Array::<i64>::arange(start, start + 5, 1, 2).unwrap();
    assert_eq!(a.shape(), &[5]);
    let want: Vec<i64> = (0..5).map(|k| start + k).collect();
    assert_eq!(a.compute().unwrap().into_raw_vec_and_offset().0, want);
}

#[test]
fn linspace_matches_numpy() {
    let f = |a: f64, b: f64, n: usize, e: bool| {
        Array::<f64>::linspace(a, b, n, e, 3)
            .unwrap()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0
    };
    assert_eq!(f(0.0, 1.0, 5, true), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert_eq!(f(0.0, 1.0, 4, false), vec![0.0, 0.25, 0.5, 0.75]);
    assert_eq!(f(2.0, 3.0, 1, true), vec![2.0]);
    assert_eq!(f(2.0, 3.0, 0, true), Vec::<f64>::new());
    // NumPy: value i = start + i * step (the last one is checked below).
    for (a, b, n) in [(0.1, 0.7, 7), (-1.3, 2.9, 11), (1e-3, 1e3, 9)] {
        let v = f(a, b, n, true);
        let step = (b - a) / (n - 1) as f64;
        assert_eq!(v.len(), n);
        for (i, &x) in v.iter().enumerate().take(n - 1) {
            assert_eq!(x, a + i as f64 * step, "linspace({a}, {b}, {n})[{i}]");
        }
        let v = f(a, b, n, false);
        let step = (b - a) / n as f64;
        for (i, &x) in v.iter().enumerate() {
            assert_eq!(
                x,
                a + i as f64 * step,
                "linspace({a}, {b}, {n}, endpoint=false)[{i}]"
            );
        }
    }
}

#[test]
fn linspace_ends_exactly_at_stop() {
    let v = Array::<f64>::linspace(-1.3, 2.9, 11, true, 3)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(v[10], 2.9);
    let v = Array::<f64>::linspace(0.1, 0.7, 7, true, 2)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(v[6], 0.7);
}

#[test]
fn eye_matches_ndarray() {
    for (n, m, k) in [
        (4, 4, 0),
        (3, 5, 1),
        (5, 3, -2),
        (3, 3, 7),
        (0, 2, 0),
        (6, 4, -1),
    ] {
        for spec in [
            ChunkSpec::from(2),
            ChunkSpec::from(vec![vec![n], vec![m]]),
            ChunkSpec::from(1),
        ] {
            let e = Array::<f64>::eye(n, m, k, spec).unwrap().compute().unwrap();
            let want =
                Array2::from_shape_fn(
                    (n, m),
                    |(i, j)| {
                        if j as i64 - i as i64 == k {
                            1.0
                        } else {
                            0.0
                        }
                    },
                );
            assert_eq!(e, want.into_dyn(), "eye({n}, {m}, {k})");
        }
    }
    let e = Array::<i32>::eye(3, 3, 0, 2).unwrap();
    assert_eq!(e.sum(..).unwrap().compute_scalar().unwrap(), 3);
}

#[test]
fn from_ndarray_accepts_views_and_non_standard_layouts() {
    let mut rng = Rng::new(2);
    // Small integers as floats, so that sums in any order are exact.
    let base = random_nd::<i32>(&mut rng, &[6, 8], 0.0)
        .mapv(f64::from)
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap();
    // A strided view, a transposed (Fortran-order) array and a reversed view.
    let view = base.slice(s![1..6;2, ..;3]);
    let a = Array::from_ndarray(view, 2).unwrap();
    assert_eq!(a.compute().unwrap(), view.to_owned().into_dyn());
    let t = base.t().to_owned();
    let b = Array::from_ndarray(base.t(), vec![vec![3, 5], vec![4, 2]]).unwrap();
    assert_eq!(b.compute().unwrap(), t.clone().into_dyn());
    assert_eq!((&b * 2.0).compute().unwrap(), (&t * 2.0).into_dyn());
    assert_eq!(
        b.sum(1).unwrap().compute().unwrap(),
        t.sum_axis(ndarray::Axis(1)).into_dyn()
    );
    assert_eq!(b.chunks().all_chunks(), &[vec![3, 5], vec![4, 2]]);
}

#[test]
fn from_ndarray_of_reversed_view() {
    let mut rng = Rng::new(3);
    let base = random_nd::<i32>(&mut rng, &[6, 8], 0.0).mapv(f64::from);
    let r = base.slice(s![..;-1, ..;-1]);
    let c = Array::from_ndarray(r, [4, 3]).unwrap();
    assert_eq!(c.chunks().all_chunks(), &[vec![4, 2], vec![3, 3, 2]]);
    assert_eq!(c.compute().unwrap(), r.to_owned().into_dyn());
    assert_eq!((&c + 1.0).compute().unwrap(), (&r + 1.0).into_dyn());
    assert_eq!(
        c.sum(0).unwrap().compute().unwrap(),
        r.sum_axis(ndarray::Axis(0)).into_dyn()
    );
    // Minimal case: one chunk covering a reversed 1-d view.
    let v = ndarray::array![1.0, 2.0, 3.0];
    let x = Array::from_ndarray(v.slice(s![..;-1]), 3).unwrap();
    assert_eq!(
        (&x + 1.0).compute().unwrap().into_raw_vec_and_offset().0,
        vec![4.0, 3.0, 2.0]
    );
}

#[test]
fn automatic_chunks_fit_the_budget_and_cover_the_shape() {
    for (shape, bytes) in [
        (&[1000usize, 1000][..], 1usize << 16),
        (&[37, 5, 300], 4096),
        (&[10], 1 << 20),
    ] {
        let a = Array::<f64>::ones(shape, ChunkSpec::AutoBytes(bytes)).unwrap();
        let g = a.chunks();
        assert!(
            g.max_chunk_len() * 8 <= bytes.max(8),
            "{shape:?}: {:?}",
            g.all_chunks()
        );
        for (ax, &n) in shape.iter().enumerate() {
            assert_eq!(g.chunks(ax).iter().sum::<usize>(), n);
        }
        let n: usize = shape.iter().product();
        assert_eq!(a.sum(..).unwrap().compute_scalar().unwrap(), n as f64);
    }
    // The default budget (128 MiB) keeps a small array in one chunk.
    let a = Array::<f32>::zeros(&[300, 200], ChunkSpec::Auto).unwrap();
    assert_eq!(a.chunks().num_chunks(), 1);
}
