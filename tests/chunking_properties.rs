//! Property tests: results do not depend on the chunking (exactly for integers, within a
//! tight bound for floats), do not depend on the thread count (bit for bit), and random
//! arrays do not depend on the chunking.

mod common;

use common::reduce_ref::groups;
use common::*;
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tessera::{random, Array, Axes, ComputeOptions};

/// Chunk sizes of an axis of length `len` from cut flags between its elements.
fn sizes(len: usize, cuts: &[bool]) -> Vec<usize> {
    if len == 0 {
        return vec![0];
    }
    let mut out = vec![1];
    for &c in cuts {
        if c {
            out.push(1);
        } else {
            *out.last_mut().unwrap() += 1;
        }
    }
    out
}

fn chunking(shape: &[usize]) -> impl Strategy<Value = Vec<Vec<usize>>> {
    shape
        .iter()
        .map(|&len| {
            prop::collection::vec(any::<bool>(), len.saturating_sub(1))
                .prop_map(move |c| sizes(len, &c))
        })
        .collect::<Vec<_>>()
}

/// A shape, its data in C order, and two chunkings of it.
type Case<T> = (Vec<usize>, Vec<T>, Vec<Vec<usize>>, Vec<Vec<usize>>);

/// A shape of 1 to 3 axes of length 0 to 6, data from `elem`, and two chunkings.
fn case<T: std::fmt::Debug + Clone + 'static>(
    elem: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = Case<T>> {
    prop::collection::vec(0usize..=6, 1..=3).prop_flat_map(move |shape| {
        let n: usize = shape.iter().product();
        (
            Just(shape.clone()),
            prop::collection::vec(elem.clone(), n),
            chunking(&shape),
            chunking(&shape),
        )
    })
}

fn lazy<T: tessera::Element>(shape: &[usize], data: &[T], chunks: &[Vec<usize>]) -> Array<T> {
    let a = ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap();
    Array::from_ndarray(a, chunks.to_vec()).unwrap()
}

fn int_elem() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![8 => -1000i64..1000, 1 => any::<i64>(), 1 => Just(0i64)]
}

fn float_elem() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        8 => -1e3f64..1e3,
        2 => (-1e3f64..1e3).prop_map(|x| x * 1e-6),
        1 => (-20i32..20).prop_map(f64::from),
    ]
}

fn vals_of<T: ToV>(a: &ArrayD<T>) -> Vec<V> {
    vals(a)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn integer_results_are_exactly_equal_across_chunkings(
        (shape, data, ca, cb) in case(int_elem())
    ) {
        let (a, b) = (lazy(&shape, &data, &ca), lazy(&shape, &data, &cb));
        let nd = shape.len();
        for axes in subsets(nd) {
            let empty_axis = axes.iter().any(|&ax| shape[ax] == 0);
            let ax = || Axes::new(axes.clone());
            let run = |x: &Array<i64>| -> Vec<ArrayD<i64>> {
                let e = (x * 3 - &(x % 7)).sum(ax()).unwrap();
                let mut v = vec![
                    x.sum(ax()).unwrap().compute().unwrap(),
                    x.prod(ax()).unwrap().compute().unwrap(),
                    x.count_nonzero(ax()).unwrap().compute().unwrap(),
                    x.any(ax()).unwrap().astype::<i64>().compute().unwrap(),
                    e.compute().unwrap(),
                ];
                if !empty_axis {
                    v.push(x.min(ax()).unwrap().compute().unwrap());
                    v.push(x.max(ax()).unwrap().compute().unwrap());
                    if axes.len() == 1 || axes.len() == nd {
                        v.push(x.argmin(ax()).unwrap().compute().unwrap());
                        v.push(x.argmax(ax()).unwrap().compute().unwrap());
                    }
                }
                v
            };
            let (ra, rb) = (run(&a), run(&b));
            prop_assert_eq!(&ra, &rb, "axes {:?} chunks {:?} vs {:?}", axes, ca, cb);
            // and the sum is the exact wrapping sum
            let (_, gs) = groups(&shape, &vals_of(&ArrayD::from_shape_vec(IxDyn(&shape), data.clone()).unwrap()), &axes, false);
            let exact: Vec<i64> = gs.iter().map(|g| g.iter().map(|v| v.i()).sum::<i128>() as i64).collect();
            prop_assert_eq!(ra[0].iter().copied().collect::<Vec<_>>(), exact);
        }
    }

    #[test]
    fn float_results_agree_across_chunkings_within_rounding(
        (shape, data, ca, cb) in case(float_elem())
    ) {
        let (a, b) = (lazy(&shape, &data, &ca), lazy(&shape, &data, &cb));
        let v: Vec<V> = data.iter().map(|&x| V::F(x)).collect();
        // Elementwise results do not depend on chunks at all: bit-identical.
        let ew = |x: &Array<f64>| (x.sin() * 2.0 + x).exp().compute().unwrap();
        assert_bits_eq(&ew(&a), &ew(&b), "elementwise");
        for axes in subsets(shape.len()) {
            let (_, gs) = groups(&shape, &v, &axes, false);
            let abs: Vec<f64> = gs.iter().map(|g| g.iter().map(|x| x.f().abs()).sum()).collect();
            let sq: Vec<f64> = gs.iter().map(|g| g.iter().map(|x| x.f() * x.f()).sum::<f64>() / g.len().max(1) as f64).collect();
            let ax = || Axes::new(axes.clone());
            let pairs = [
                ("sum", a.sum(ax()).unwrap(), b.sum(ax()).unwrap(), &abs),
                ("nansum", a.nansum(ax()).unwrap(), b.nansum(ax()).unwrap(), &abs),
                ("mean", a.mean(ax()).unwrap(), b.mean(ax()).unwrap(), &abs),
                ("var", a.var(ax()).unwrap(), b.var(ax()).unwrap(), &sq),
            ];
            for (name, x, y, scale) in pairs {
                let (x, y) = (x.compute().unwrap(), y.compute().unwrap());
                for ((p, q), s) in x.iter().zip(y.iter()).zip(scale.iter()) {
                    let ok = (p.is_nan() && q.is_nan()) || (p - q).abs() <= 1e-12 * s;
                    prop_assert!(ok, "{} axes {:?}: {} vs {} (scale {})", name, axes, p, q, s);
                }
            }
            if axes.iter().all(|&ax| shape[ax] > 0) {
                assert_bits_eq(&a.max(ax()).unwrap().compute().unwrap(), &b.max(ax()).unwrap().compute().unwrap(), "max");
                if axes.len() == 1 || axes.len() == shape.len() {
                    prop_assert_eq!(a.argmin(ax()).unwrap().compute().unwrap(), b.argmin(ax()).unwrap().compute().unwrap());
                }
            }
        }
    }

    #[test]
    fn fixed_chunking_is_bit_identical_for_any_thread_count(
        (shape, data, ca, _cb) in case(float_elem()), split in prop::sample::select(vec![2usize, 3, 8])
    ) {
        let a = lazy(&shape, &data, &ca);
        for axes in subsets(shape.len()) {
            // Keep clear of the known tree recursion bug (see reduction_cases.rs).
            let k = axes.iter().filter(|&&ax| ca[ax].len() > 1).count();
            let split = if 1usize << k > split { 8 } else { split };
            let ax = || Axes::new(axes.clone()).split_every(split);
            let exprs = [a.sum(ax()).unwrap(), a.var(ax()).unwrap(), (&a * &a).mean(ax()).unwrap(), a.nanstd(ax()).unwrap()];
            for e in &exprs {
                let base = e.compute_with(&ComputeOptions::new().threads(1)).unwrap();
                for t in [1, 2, 4, 2] {
                    let r = e.compute_with(&ComputeOptions::new().threads(t)).unwrap();
                    assert_bits_eq(&base, &r, format!("threads {t} axes {axes:?} split {split}"));
                }
                assert_bits_eq(&base, &e.compute().unwrap(), "default pool");
            }
        }
    }

    #[test]
    fn random_arrays_do_not_depend_on_chunking(
        (shape, _data, ca, cb) in case(Just(0u8)), seed in any::<u64>()
    ) {
        let u = |c: &Vec<Vec<usize>>| random::uniform::<f64>(&shape, c.clone(), seed).unwrap().compute().unwrap();
        let (x, y) = (u(&ca), u(&cb));
        assert_bits_eq(&x, &y, "uniform");
        prop_assert!(x.iter().all(|&v| (0.0..1.0).contains(&v)));
        let r = |c: &Vec<Vec<usize>>| random::uniform_range::<f32>(&shape, c.clone(), seed, -2.0, 5.0).unwrap().compute().unwrap();
        let (x, y) = (r(&ca), r(&cb));
        assert_bits_eq(&x, &y, "uniform_range");
        prop_assert!(x.iter().all(|&v| (-2.0..5.0).contains(&v)));
        let g = |c: &Vec<Vec<usize>>| random::normal::<f64>(&shape, c.clone(), seed, 3.0, 0.5).unwrap().compute().unwrap();
        assert_bits_eq(&g(&ca), &g(&cb), "normal");
        // Element i depends only on the seed and the flat index i: any shape with as many
        // elements gives the same values.
        let n: usize = shape.iter().product();
        let flat = random::uniform::<f64>(&[n], 4, seed).unwrap().compute().unwrap();
        let shaped = u(&ca);
        prop_assert_eq!(flat.iter().collect::<Vec<_>>(), shaped.iter().collect::<Vec<_>>());
    }
}

#[test]
fn random_streams_have_the_right_moments_and_differ_by_seed() {
    let n = 200_000;
    let u = random::uniform::<f64>(&[n], 30_000, 7).unwrap();
    let m = u.mean(..).unwrap().compute_scalar().unwrap();
    let v = u.var(..).unwrap().compute_scalar().unwrap();
    // Uniform [0, 1): mean 1/2 and variance 1/12, with standard errors ~6.5e-4 and ~1.9e-4.
    assert!((m - 0.5).abs() < 5e-3, "mean {m}");
    assert!((v - 1.0 / 12.0).abs() < 2e-3, "var {v}");
    let g = random::normal::<f64>(&[n], 30_000, 7, -1.0, 2.0).unwrap();
    let (gm, gs) = (
        g.mean(..).unwrap().compute_scalar().unwrap(),
        g.std(..).unwrap().compute_scalar().unwrap(),
    );
    assert!(
        (gm + 1.0).abs() < 0.03 && (gs - 2.0).abs() < 0.03,
        "normal mean {gm} std {gs}"
    );
    let a = random::uniform::<f64>(&[1000], 100, 1)
        .unwrap()
        .compute()
        .unwrap();
    let b = random::uniform::<f64>(&[1000], 100, 2)
        .unwrap()
        .compute()
        .unwrap();
    assert!(a.iter().zip(&b).filter(|(x, y)| x == y).count() < 5);
    assert!(random::uniform_range::<f64>(&[3], 1, 0, 2.0, 1.0).is_err());
    assert!(random::normal::<f64>(&[3], 1, 0, 0.0, -1.0).is_err());
}
