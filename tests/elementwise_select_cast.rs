//! `where_`, `clip`, `astype` between every pair of element types, and the boolean
//! operators, against reference computations on plain `ndarray` data.

mod common;

use common::elementwise_ref::cast_ref;
use common::*;
use tessera::{where_, ChunkSpec};

/// The expected `where_(c, a, b)` with three-way broadcasting.
fn where_ref(
    c: (&[usize], &[V]),
    a: (&[usize], &[V]),
    b: (&[usize], &[V]),
) -> (Vec<usize>, Vec<Want>) {
    let s = broadcast_shape(&broadcast_shape(c.0, a.0).unwrap(), b.0).unwrap();
    let n: usize = s.iter().product();
    let w = (0..n)
        .map(|l| {
            let idx = unravel(l, &s);
            let pick = if c.1[bcast_index(&idx, c.0)].truthy() {
                a
            } else {
                b
            };
            Want::Exact(pick.1[bcast_index(&idx, pick.0)])
        })
        .collect();
    (s, w)
}

#[test]
fn where_broadcasts_condition_and_branches() {
    let mut rng = Rng::new(12);
    let cases: &[(&[usize], &[usize], &[usize])] = &[
        (&[4, 1], &[1, 5], &[]),
        (&[2, 3, 4], &[3, 4], &[2, 1, 1]),
        (&[6], &[6], &[6]),
        (&[], &[2, 3], &[3]),
        (&[0, 2], &[1, 2], &[2]),
    ];
    for &(sc, sa, sb) in cases {
        for k in 0..4 {
            let (c, vc) = {
                let c = chunkings(&mut rng, sc)[k].clone();
                array::<bool>(&mut rng, sc, &c)
            };
            let (a, va) = {
                let c = chunkings(&mut rng, sa)[(k + 1) % 4].clone();
                array::<f64>(&mut rng, sa, &c)
            };
            let (b, vb) = {
                let c = chunkings(&mut rng, sb)[(k + 3) % 4].clone();
                array::<f64>(&mut rng, sb, &c)
            };
            let (ws, w) = where_ref((sc, &vc), (sa, &va), (sb, &vb));
            check(
                &got(&where_(&c, &a, &b).unwrap()),
                &ws,
                &w,
                format!("where {sc:?} {sa:?} {sb:?}"),
            );
            let (ws, w) = where_ref((sc, &vc), (&[], &[V::I(1)]), (sa, &vb_i(&va)));
            let ai = a.astype::<i64>();
            check(
                &got(&where_(&c, 1i64, ai).unwrap()),
                &ws,
                &w,
                "where scalar/int",
            );
            let (p, vp) = array::<bool>(&mut rng, sa, &ChunkSpec::from(2));
            let (ws, w) = where_ref((sc, &vc), (sa, &vp), (&[], &[V::B(false)]));
            check(&got(&where_(&c, p, false).unwrap()), &ws, &w, "where bool");
        }
    }
    // The ReLU idiom: NaN > 0 is false, so NaN becomes 0.
    let (x, vx) = array::<f64>(&mut rng, &[3, 5], &ChunkSpec::from([2, 2]));
    let relu = where_(&x.greater(0.0).unwrap(), &x, 0.0).unwrap();
    let want: Vec<Want> = vx
        .iter()
        .map(|v| Want::Exact(V::F(if v.f() > 0.0 { v.f() } else { 0.0 })))
        .collect();
    check(&got(&relu), &[3, 5], &want, "relu");
}

fn vb_i(v: &[V]) -> Vec<V> {
    v.iter()
        .map(|&x| cast_ref(x, tessera::DType::I64))
        .collect()
}

#[test]
fn clip_with_scalar_and_array_bounds() {
    let mut rng = Rng::new(13);
    let clip = |x: f64, lo: f64, hi: f64| {
        if x.is_nan() || lo.is_nan() || hi.is_nan() {
            f64::NAN
        } else {
            x.max(lo).min(hi)
        }
    };
    for shape in SHAPES {
        for spec in chunkings(&mut rng, shape) {
            let (x, vx) = array::<f64>(&mut rng, shape, &spec);
            let want: Vec<Want> = vx
                .iter()
                .map(|v| Want::Exact(V::F(clip(v.f(), -1.0, 2.5))))
                .collect();
            check(&got(&x.clip(-1.0, 2.5).unwrap()), shape, &want, "clip f64");
            let (y, vy) = array::<i32>(&mut rng, shape, &spec);
            let want: Vec<Want> = vy
                .iter()
                .map(|v| Want::Exact(V::I(v.i().clamp(-3, 10))))
                .collect();
            check(&got(&y.clip(-3, 10).unwrap()), shape, &want, "clip i32");
        }
    }
    // Bounds that are arrays broadcasting against x, with their own chunks (lo > hi gives hi).
    let (x, vx) = array::<f64>(&mut rng, &[4, 5], &ChunkSpec::from([3, 2]));
    let (lo, vlo) = array::<f64>(&mut rng, &[5], &ChunkSpec::from(vec![vec![1, 4]]));
    let (hi, vhi) = array::<f64>(&mut rng, &[4, 1], &ChunkSpec::from(1));
    let want: Vec<Want> = (0..20)
        .map(|l| Want::Exact(V::F(clip(vx[l].f(), vlo[l % 5].f(), vhi[l / 5].f()))))
        .collect();
    check(
        &got(&x.clip(&lo, hi).unwrap()),
        &[4, 5],
        &want,
        "clip arrays",
    );
}

fn cast_case<S: Gen, U: ToV>(rng: &mut Rng) {
    for shape in [&[][..], &[9], &[3, 0], &[2, 3, 4]] {
        for spec in chunkings(rng, shape).into_iter().skip(2) {
            let (a, va) = array::<S>(rng, shape, &spec);
            let want: Vec<Want> = va
                .iter()
                .map(|&v| Want::Exact(cast_ref(v, U::DTYPE)))
                .collect();
            let ctx = format!("astype {} -> {} of {va:?}", S::DTYPE, U::DTYPE);
            check(&got(&a.astype::<U>()), shape, &want, &ctx);
            // A cast inside a fused chain.
            let fused = a.astype::<U>().equal(a.astype::<U>()).unwrap();
            let eq: Vec<Want> = want
                .iter()
                .map(|w| match w {
                    Want::Exact(v) => Want::Exact(V::B(!v.is_nan())),
                    Want::Near(..) => unreachable!(),
                })
                .collect();
            check(&got(&fused), shape, &eq, ctx);
        }
    }
}

macro_rules! cast_from {
    ($rng:expr, $s:ty) => {
        cast_case::<$s, bool>($rng);
        cast_case::<$s, i8>($rng);
        cast_case::<$s, i16>($rng);
        cast_case::<$s, i32>($rng);
        cast_case::<$s, i64>($rng);
        cast_case::<$s, u8>($rng);
        cast_case::<$s, u16>($rng);
        cast_case::<$s, u32>($rng);
        cast_case::<$s, u64>($rng);
        cast_case::<$s, f32>($rng);
        cast_case::<$s, f64>($rng);
    };
}

#[test]
fn astype_between_every_pair_of_types() {
    let rng = &mut Rng::new(14);
    cast_from!(rng, bool);
    cast_from!(rng, i8);
    cast_from!(rng, i16);
    cast_from!(rng, i32);
    cast_from!(rng, i64);
    cast_from!(rng, u8);
    cast_from!(rng, u16);
    cast_from!(rng, u32);
    cast_from!(rng, u64);
    cast_from!(rng, f32);
    cast_from!(rng, f64);
}

#[test]
fn boolean_operators_and_comparisons() {
    let mut rng = Rng::new(15);
    for (sa, sb) in [
        (&[4, 5][..], &[5][..]),
        (&[4, 1], &[1, 5]),
        (&[3, 2, 2], &[3, 2, 2]),
        (&[], &[0]),
    ] {
        for k in 0..4 {
            let (a, va) = {
                let c = chunkings(&mut rng, sa)[k].clone();
                array::<bool>(&mut rng, sa, &c)
            };
            let (b, vb) = {
                let c = chunkings(&mut rng, sb)[3 - k].clone();
                array::<bool>(&mut rng, sb, &c)
            };
            let s = broadcast_shape(sa, sb).unwrap();
            let n: usize = s.iter().product();
            let pairs: Vec<(bool, bool)> = (0..n)
                .map(|l| {
                    let idx = unravel(l, &s);
                    (
                        va[bcast_index(&idx, sa)].truthy(),
                        vb[bcast_index(&idx, sb)].truthy(),
                    )
                })
                .collect();
            let want = |f: fn(bool, bool) -> bool| -> Vec<Want> {
                pairs
                    .iter()
                    .map(|&(x, y)| Want::Exact(V::B(f(x, y))))
                    .collect()
            };
            let and = want(|x, y| x & y);
            let or = want(|x, y| x | y);
            let xor = want(|x, y| x ^ y);
            check(&got(&(&a & &b)), &s, &and, "&");
            check(&got(&a.logical_and(&b).unwrap()), &s, &and, "logical_and");
            check(&got(&(a.clone() | b.clone())), &s, &or, "|");
            check(
                &got(&a.logical_or(b.clone()).unwrap()),
                &s,
                &or,
                "logical_or",
            );
            check(&got(&(&a ^ b.clone())), &s, &xor, "^");
            check(&got(&a.logical_xor(&b).unwrap()), &s, &xor, "logical_xor");
            check(&got(&a.not_equal(&b).unwrap()), &s, &xor, "bool !=");
            check(
                &got(&a.less(&b).unwrap()),
                &s,
                &want(|x, y| !x & y),
                "bool <",
            );
            check(
                &got(&a.greater_equal(&b).unwrap()),
                &s,
                &want(|x, y| x >= y),
                "bool >=",
            );
            let not: Vec<Want> = va.iter().map(|v| Want::Exact(V::B(!v.truthy()))).collect();
            check(&got(&!&a), sa, &not, "!");
            check(&got(&!a.clone()), sa, &not, "! owned");
            check(&got(&a.logical_not()), sa, &not, "logical_not");
            let same: Vec<Want> = va.iter().map(|v| Want::Exact(*v)).collect();
            check(&got(&(&a & true)), sa, &same, "& true");
            check(&got(&(a.clone() ^ false)), sa, &same, "^ false");
            check(&got(&(&a | false)), sa, &same, "| false");
        }
    }
}
