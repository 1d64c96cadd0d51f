//! Every elementwise operation, for every element type family, against reference
//! computations on plain `ndarray` data, over 0-d to 4-d shapes (with empty and length-1
//! axes) and regular, irregular and oversized chunkings.

mod common;

use common::elementwise_ref::{compare, expect, forms, un_ref, Bin, Un, ARITH, CMP};
use common::*;
use ndarray::{ArrayD, IxDyn};
use tessera::{Array, ChunkSpec, Element, Float, Numeric};

/// Pairs of shapes that broadcast (trailing alignment, length-1 stretch, 0-d, empty).
const BROADCAST: &[(&[usize], &[usize])] = &[
    (&[4, 5], &[5]),
    (&[4, 1], &[1, 5]),
    (&[], &[3, 4]),
    (&[2, 3, 4], &[3, 1]),
    (&[1], &[6]),
    (&[0, 3], &[1, 3]),
    (&[2, 1, 3, 2], &[4, 1, 1]),
    (&[3, 1, 2], &[2, 1, 5, 1]),
];

fn check_pair<T: Numeric + Gen>(
    rng: &mut Rng,
    (sa, ca): (&[usize], &ChunkSpec),
    (sb, cb): (&[usize], &ChunkSpec),
) {
    let (a, va) = array::<T>(rng, sa, ca);
    let (b, vb) = array::<T>(rng, sb, cb);
    for op in ARITH.iter().chain(&CMP) {
        let (shape, want) = expect(*op, (sa, &va), (sb, &vb), T::DTYPE);
        for (k, g) in forms(*op, &a, &b).iter().enumerate() {
            check(
                g,
                &shape,
                &want,
                format!("{op:?} form {k} {a:?} {b:?} a={va:?} b={vb:?}"),
            );
        }
    }
}

fn binary_cases<T: Numeric + Gen>(seed: u64) {
    let mut rng = Rng::new(seed);
    for shape in SHAPES {
        let specs = chunkings(&mut rng, shape);
        for (i, ca) in specs.iter().enumerate() {
            let cb = &specs[(i + 1) % specs.len()];
            check_pair::<T>(&mut rng, (shape, ca), (shape, cb));
        }
    }
    for (sa, sb) in BROADCAST {
        for k in 0..3 {
            let ca = chunkings(&mut rng, sa)[k].clone();
            let cb = chunkings(&mut rng, sb)[3 - k].clone();
            check_pair::<T>(&mut rng, (sa, &ca), (sb, &cb));
            check_pair::<T>(&mut rng, (sb, &cb), (sa, &ca));
        }
    }
}

fn check_unary<T: Element + ToV, U: ToV>(op: Un, r: &Array<U>, x: &[V], shape: &[usize]) {
    let want: Vec<Want> = x.iter().map(|&v| un_ref(op, T::DTYPE, v)).collect();
    check(&got(r), shape, &want, format!("{op:?} of {x:?}"));
}

fn numeric_unary<T: Numeric + Gen>(a: &Array<T>, x: &[V]) {
    let s = a.shape().to_vec();
    check_unary::<T, T>(Un::Neg, &-a, x, &s);
    check_unary::<T, T>(Un::Neg, &-(a.clone()), x, &s);
    check_unary::<T, T>(Un::Neg, &a.neg(), x, &s);
    check_unary::<T, T>(Un::Abs, &a.abs(), x, &s);
    check_unary::<T, T>(Un::Sign, &a.sign(), x, &s);
}

fn float_unary<T: Float + Gen>(a: &Array<T>, x: &[V]) {
    let s = a.shape().to_vec();
    let ops: [(Un, Array<T>); 15] = [
        (Un::Sqrt, a.sqrt()),
        (Un::Exp, a.exp()),
        (Un::Ln, a.ln()),
        (Un::Ln, a.log()),
        (Un::Log1p, a.log1p()),
        (Un::Expm1, a.expm1()),
        (Un::Sin, a.sin()),
        (Un::Cos, a.cos()),
        (Un::Tan, a.tan()),
        (Un::Tanh, a.tanh()),
        (Un::Floor, a.floor()),
        (Un::Ceil, a.ceil()),
        (Un::Round, a.round()),
        (Un::Abs, a.abs()),
        (Un::Sign, a.sign()),
    ];
    for (op, r) in &ops {
        check_unary::<T, T>(*op, r, x, &s);
    }
    check_unary::<T, bool>(Un::IsNan, &a.isnan(), x, &s);
    check_unary::<T, bool>(Un::IsFinite, &a.isfinite(), x, &s);
}

fn unary_cases<T: Numeric + Gen>(seed: u64, float: impl Fn(&Array<T>, &[V])) {
    let mut rng = Rng::new(seed);
    for shape in SHAPES {
        for spec in chunkings(&mut rng, shape) {
            let (a, x) = array::<T>(&mut rng, shape, &spec);
            numeric_unary(&a, &x);
            float(&a, &x);
        }
    }
}

/// Every pair of hand-picked edge values (as a `[n, 1]` and a `[1, n]` array), through every
/// binary operation; every unary operation on each value.
fn edge_table<T: Numeric + Gen>(values: Vec<T>, float: impl Fn(&Array<T>, &[V])) {
    let n = values.len();
    let col = ArrayD::from_shape_vec(IxDyn(&[n, 1]), values.clone()).unwrap();
    let row = ArrayD::from_shape_vec(IxDyn(&[1, n]), values).unwrap();
    let (vc, vr) = (vals(&col), vals(&row));
    let a = Array::from_ndarray(col, vec![vec![3, n - 3], vec![1]]).unwrap();
    let b = Array::from_ndarray(row, 4).unwrap();
    for op in ARITH.iter().chain(&CMP) {
        let (shape, want) = expect(*op, (&[n, 1], &vc), (&[1, n], &vr), T::DTYPE);
        for g in forms(*op, &a, &b) {
            check(&g, &shape, &want, format!("edge table {op:?}"));
        }
    }
    numeric_unary(&a, &vc);
    float(&a, &vc);
}

macro_rules! per_numeric_type {
    ($($name:ident: $t:ty, $seed:expr, $float:expr, $edges:expr);* $(;)?) => {$(
        mod $name {
            use super::*;
            #[test]
            fn binary_same_shape_and_broadcast() {
                binary_cases::<$t>($seed);
            }
            #[test]
            fn unary() {
                unary_cases::<$t>($seed + 1, $float);
            }
            #[test]
            fn edge_values() {
                edge_table::<$t>($edges, $float);
            }
        }
    )*};
}

fn no_float<T: Numeric>(_: &Array<T>, _: &[V]) {}

macro_rules! int_edges {
    ($t:ty) => {{
        let z: $t = 0;
        vec![
            <$t>::MIN,
            <$t>::MIN + 1,
            z.wrapping_sub(7),
            z.wrapping_sub(3),
            z.wrapping_sub(1),
            0,
            1,
            2,
            3,
            7,
            <$t>::MAX - 1,
            <$t>::MAX,
        ]
    }};
}
macro_rules! float_edges {
    ($t:ty) => {
        vec![
            <$t>::NEG_INFINITY,
            -7.5,
            -2.5,
            -1.5,
            -1.0,
            -0.5,
            -0.0,
            0.0,
            0.5,
            1.5,
            2.5,
            3.0,
            7.0,
            <$t>::MAX,
            <$t>::MIN_POSITIVE,
            <$t>::INFINITY,
            <$t>::NAN,
        ]
    };
}

per_numeric_type! {
    f64_ops: f64, 10, float_unary::<f64>, float_edges!(f64);
    f32_ops: f32, 20, float_unary::<f32>, float_edges!(f32);
    i8_ops: i8, 30, no_float::<i8>, int_edges!(i8);
    i16_ops: i16, 40, no_float::<i16>, int_edges!(i16);
    i32_ops: i32, 50, no_float::<i32>, int_edges!(i32);
    i64_ops: i64, 60, no_float::<i64>, int_edges!(i64);
    u8_ops: u8, 70, no_float::<u8>, int_edges!(u8);
    u16_ops: u16, 80, no_float::<u16>, int_edges!(u16);
    u32_ops: u32, 90, no_float::<u32>, int_edges!(u32);
    u64_ops: u64, 100, no_float::<u64>, int_edges!(u64);
}

/// `array op scalar` and `scalar op array` for every operator and named method.
macro_rules! scalar_sides {
    ($($name:ident: $t:ty, $seed:expr);* $(;)?) => {$(
        #[test]
        fn $name() {
            let mut rng = Rng::new($seed);
            let dt = <$t as Element>::DTYPE;
            for shape in [&[][..], &[5], &[3, 4], &[2, 0, 3], &[2, 1, 3, 2]] {
                let spec = chunkings(&mut rng, shape)[3].clone();
                let (a, va) = array::<$t>(&mut rng, shape, &spec);
                for _ in 0..4 {
                    let s = <$t as Gen>::gen(&mut rng, 0.2);
                    let sv = [s.to_v()];
                    let (arr, sc) = ((shape, &va[..]), (&[][..], &sv[..]));
                    let cases: Vec<(Bin, bool, Array<$t>)> = vec![
                        (Bin::Add, false, &a + s),
                        (Bin::Add, true, s + &a),
                        (Bin::Sub, false, a.clone() - s),
                        (Bin::Sub, true, s - &a),
                        (Bin::Mul, false, &a * s),
                        (Bin::Mul, true, s * a.clone()),
                        (Bin::Rem, false, &a % s),
                        (Bin::Rem, true, s % &a),
                        (Bin::Rem, true, s % a.clone()),
                        (Bin::Add, true, s + a.clone()),
                        (Bin::Sub, true, s - a.clone()),
                        (Bin::Mul, true, s * &a),
                        (Bin::Pow, false, a.pow(s).unwrap()),
                        (Bin::Max, false, a.maximum(s).unwrap()),
                        (Bin::Min, false, a.minimum(s).unwrap()),
                    ];
                    for (op, left, r) in cases {
                        let (ws, w) = if left { expect(op, sc, arr, dt) } else { expect(op, arr, sc, dt) };
                        check(&got(&r), &ws, &w, format!("{op:?} scalar {s:?} left={left} {va:?}"));
                    }
                    // True division gives the quotient type (f64 for integers).
                    let divs: Vec<(bool, Array<<$t as Element>::Quotient>)> = vec![
                        (false, &a / s),
                        (false, a.try_div(s).unwrap()),
                        (true, s / &a),
                        (true, s / a.clone()),
                    ];
                    for (left, r) in divs {
                        let (ws, w) = if left { expect(Bin::Div, sc, arr, dt) } else { expect(Bin::Div, arr, sc, dt) };
                        check(&got(&r), &ws, &w, format!("Div scalar {s:?} left={left} {va:?}"));
                    }
                    for op in CMP {
                        let (ws, w) = expect(op, arr, sc, dt);
                        check(&got(&compare(op, &a, s)), &ws, &w, format!("{op:?} scalar {s:?}"));
                    }
                    // A constant array on the left: the scalar is the left operand of the
                    // instruction (the evaluator's left-hand immediates).
                    let full = Array::<$t>::full(shape, s, spec.clone()).unwrap();
                    for op in CMP {
                        let (ws, w) = expect(op, (shape, &vec![s.to_v(); va.len()][..]), arr, dt);
                        check(&got(&compare(op, &full, &a)), &ws, &w, format!("{op:?} full {s:?} left"));
                    }
                    let (ws, w) = expect(Bin::Max, sc, arr, dt);
                    check(&got(&full.maximum(&a).unwrap()), &ws, &w, format!("max full {s:?} left"));
                    let (ws, w) = expect(Bin::Min, sc, arr, dt);
                    check(&got(&full.minimum(&a).unwrap()), &ws, &w, format!("min full {s:?} left"));
                }
            }
        }
    )*};
}

scalar_sides! {
    scalars_f64: f64, 1; scalars_f32: f32, 2; scalars_i8: i8, 3; scalars_i16: i16, 4;
    scalars_i32: i32, 5; scalars_i64: i64, 6; scalars_u8: u8, 7; scalars_u16: u16, 8;
    scalars_u32: u32, 9; scalars_u64: u64, 10;
}

#[test]
fn transposes_fuse_with_differently_chunked_operands() {
    let mut rng = Rng::new(11);
    // x + x.T on a square matrix whose two axes are chunked differently.
    let x = random_nd::<f64>(&mut rng, &[5, 5], 0.0);
    let a = Array::from_ndarray(x.clone(), vec![vec![2, 3], vec![1, 1, 3]]).unwrap();
    let want = &x + &x.t();
    assert_eq!((&a + &a.t()).compute().unwrap(), want);
    assert_eq!(
        (&a.T() - &a.transpose()).compute().unwrap(),
        ArrayD::<f64>::zeros(IxDyn(&[5, 5]))
    );
    // Non-square: (x.T).T == x, and x.T * y.T for another chunking.
    let y = random_nd::<i32>(&mut rng, &[3, 7], 0.0);
    let b = Array::from_ndarray(y.clone(), [2, 3]).unwrap();
    let c = Array::from_ndarray(y.clone(), vec![vec![3], vec![4, 2, 1]]).unwrap();
    assert_eq!(b.t().t().compute().unwrap(), y);
    assert_eq!(
        (&b.t() * &c.t()).compute().unwrap(),
        (&y * &y).reversed_axes()
    );
    // 1-d: the transpose is the identity.
    let v = Array::<f64>::arange(0.0, 5.0, 1.0, 2).unwrap();
    assert_eq!(v.t().compute().unwrap(), v.compute().unwrap());
    // Every permutation of a 3-d array, alone and added to the array itself.
    let z = random_nd::<f64>(&mut rng, &[3, 3, 3], 0.0);
    let d = Array::from_ndarray(z.clone(), vec![vec![1, 2], vec![3], vec![2, 1]]).unwrap();
    for p in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let zp = z.clone().permuted_axes(IxDyn(&p));
        let dp = d.permute_axes(&p).unwrap();
        assert_eq!(dp.compute().unwrap(), zp, "permutation {p:?}");
        assert_eq!((&d + &dp).compute().unwrap(), &z + &zp, "x + permute {p:?}");
    }
    // 3-d non-cubic and 4-d with length-1 axes.
    let w = random_nd::<i64>(&mut rng, &[2, 1, 3, 4], 0.0);
    let e =
        Array::from_ndarray(w.clone(), vec![vec![1, 1], vec![1], vec![2, 1], vec![3, 1]]).unwrap();
    assert_eq!(e.t().compute().unwrap(), w.clone().reversed_axes());
    let q = e.permute_axes(&[2, 0, 3, 1]).unwrap();
    assert_eq!(q.shape(), &[3, 2, 4, 1]);
    assert_eq!(
        q.compute().unwrap(),
        w.clone().permuted_axes(IxDyn(&[2, 0, 3, 1]))
    );
    let back = q.permute_axes(&[1, 3, 0, 2]).unwrap();
    assert_eq!((&back + &e).compute().unwrap(), &w + &w);
}
