//! NumPy 2's type promotion (NEP 50) against NumPy, run on the same operands in the test
//! virtual environment by `tests/interop/promotion_reference.py`.
//!
//! Every pair of the 11 element types goes through `+ - * / %`, `maximum`, `floor_divide`,
//! `less` and `equal`, both in the typed API (operators and named methods on
//! `Array<T>` and `Array<U>`) and in the run-time API ([`AnyArray::binary`]); the result's
//! element type and values must be NumPy's (any NaN matching any NaN), and combinations
//! NumPy refuses must be refused. Weak scalars (Python's `2`, `2.5`, `300`, `-1`) next to an
//! `AnyArray` follow NumPy's rules, including its `OverflowError`s.

mod common;

use common::python::{assert_npy_eq, compute_npy, read_npy, run_reference, Npy, TempDir};
use ndarray::{ArrayD, IxDyn};
use std::collections::HashSet;
use std::sync::OnceLock;
use tessera::{AnyArray, Array, BinaryOp, ChunkSpec, DType, Element, Scalar};

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("promotion_reference.py", "promotion-ref"))
}

fn refused() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let text = std::fs::read_to_string(reference().join("refused.txt")).unwrap();
        text.lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    })
}

fn npy(name: &str) -> Npy {
    read_npy(reference().join(format!("{name}.npy")))
}

const ALL: [DType; 11] = [
    DType::Bool,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::F32,
    DType::F64,
];

/// The chunkings of the left and right operands (12 elements each).
fn chunking(left: bool) -> ChunkSpec {
    if left {
        ChunkSpec::Uniform(5)
    } else {
        ChunkSpec::Explicit(vec![vec![7, 5]])
    }
}

fn decode<T: Element>(n: &Npy, get: fn(&[u8]) -> T) -> Array<T> {
    let vals: Vec<T> = n.data.chunks_exact(T::DTYPE.size()).map(get).collect();
    let nd = ArrayD::from_shape_vec(IxDyn(&n.shape), vals).unwrap();
    Array::from_ndarray(nd, ChunkSpec::Uniform(5)).unwrap()
}

/// The typed operand of element type `T` (`left` picks the chunking).
fn typed<T: Element>(left: bool) -> Array<T> {
    let a = input(T::DTYPE, left);
    a.downcast::<T>().unwrap()
}

/// The operand of element type `dt` read from NumPy's file.
fn input(dt: DType, left: bool) -> AnyArray {
    let n = npy(&format!("in_{}", dt.name()));
    macro_rules! le {
        ($t:ty) => {
            |b: &[u8]| <$t>::from_le_bytes(b.try_into().unwrap())
        };
    }
    let a: AnyArray = match dt {
        DType::Bool => decode(&n, |b| b[0] != 0).into(),
        DType::I8 => decode(&n, le!(i8)).into(),
        DType::I16 => decode(&n, le!(i16)).into(),
        DType::I32 => decode(&n, le!(i32)).into(),
        DType::I64 => decode(&n, le!(i64)).into(),
        DType::U8 => decode(&n, le!(u8)).into(),
        DType::U16 => decode(&n, le!(u16)).into(),
        DType::U32 => decode(&n, le!(u32)).into(),
        DType::U64 => decode(&n, le!(u64)).into(),
        DType::F32 => decode(&n, le!(f32)).into(),
        DType::F64 => decode(&n, le!(f64)).into(),
    };
    a.rechunk(chunking(left)).unwrap()
}

/// Asserts `got` equals NumPy's `want` in type and values, any NaN matching any NaN; with
/// `any_zero`, `-0.0` matching `0.0` (NumPy's `maximum(0.0, -0.0)` depends on its SIMD path).
fn assert_same(got: &Npy, want: &Npy, ctx: &str, any_zero: bool) {
    assert_eq!(got.descr, want.descr, "{ctx}: element type");
    let nan_tolerant = |n: &Npy| -> Npy {
        let mut n = n.clone();
        match n.descr.as_str() {
            "<f8" => {
                for c in n.data.chunks_exact_mut(8) {
                    let v = f64::from_le_bytes(c.try_into().unwrap());
                    if v.is_nan() {
                        c.copy_from_slice(&f64::NAN.to_le_bytes());
                    } else if any_zero && v == 0.0 {
                        c.copy_from_slice(&0.0f64.to_le_bytes());
                    }
                }
            }
            "<f4" => {
                for c in n.data.chunks_exact_mut(4) {
                    let v = f32::from_le_bytes(c.try_into().unwrap());
                    if v.is_nan() {
                        c.copy_from_slice(&f32::NAN.to_le_bytes());
                    } else if any_zero && v == 0.0 {
                        c.copy_from_slice(&0.0f32.to_le_bytes());
                    }
                }
            }
            _ => {}
        }
        n
    };
    assert_npy_eq(&nan_tolerant(got), &nan_tolerant(want), ctx);
}

fn check_result(name: &str, a: DType, b: DType, got: AnyArray, form: &str) {
    let want = npy(&format!("{name}_{}_{}", a.name(), b.name()));
    let got = compute_npy(&got).unwrap_or_else(|e| panic!("{name} {a} {b} {form}: {e}"));
    assert_same(
        &got,
        &want,
        &format!("{name}({a}, {b}) {form}"),
        name == "maximum",
    );
}

const OPS: [(&str, BinaryOp); 9] = [
    ("add", BinaryOp::Add),
    ("subtract", BinaryOp::Sub),
    ("multiply", BinaryOp::Mul),
    ("divide", BinaryOp::Div),
    ("remainder", BinaryOp::Rem),
    ("floor_divide", BinaryOp::FloorDivide),
    ("maximum", BinaryOp::Maximum),
    ("less", BinaryOp::Lt),
    ("equal", BinaryOp::Eq),
];

#[test]
fn run_time_promotion_matches_numpy_for_every_pair() {
    for (name, op) in OPS {
        for a in ALL {
            for b in ALL {
                let r = input(a, true).binary(op, input(b, false));
                if refused().contains(&format!("{name} {a} {b}")) {
                    assert!(r.is_err(), "{name}({a}, {b}) should be refused as in NumPy");
                    continue;
                }
                let r = r.unwrap_or_else(|e| panic!("{name}({a}, {b}): {e}"));
                check_result(name, a, b, r, "AnyArray::binary");
            }
        }
    }
}

#[test]
fn weak_scalars_match_numpy() {
    let scalars = [
        ("int2", Scalar::I64(2)),
        ("float2_5", Scalar::F64(2.5)),
        ("int300", Scalar::I64(300)),
        ("intm1", Scalar::I64(-1)),
    ];
    let ops = [
        ("add", BinaryOp::Add),
        ("multiply", BinaryOp::Mul),
        ("divide", BinaryOp::Div),
        ("less", BinaryOp::Lt),
    ];
    for (name, op) in ops {
        for dt in ALL {
            for (tag, s) in scalars {
                let r = input(dt, true).binary(op, s);
                if refused().contains(&format!("weak {name} {dt} {tag}")) {
                    let e = r.expect_err("NumPy raises OverflowError here").to_string();
                    assert!(e.contains("out of bounds"), "{e}");
                    continue;
                }
                let r = r.unwrap_or_else(|e| panic!("{name}({dt}, {tag}): {e}"));
                let want = npy(&format!("weak_{name}_{dt}_{tag}"));
                let got = compute_npy(&r).unwrap();
                assert_same(&got, &want, &format!("{name}({dt}, {tag})"), false);
            }
        }
    }
}

#[test]
fn named_any_methods_are_binary() {
    let a = input(DType::I32, true);
    let b = input(DType::U8, false);
    let pairs = [
        (a.add(&b), a.binary(BinaryOp::Add, &b)),
        (a.sub(&b), a.binary(BinaryOp::Sub, &b)),
        (a.div(&b), a.binary(BinaryOp::Div, &b)),
        (a.less(&b), a.binary(BinaryOp::Lt, &b)),
        (a.pow(2), a.binary(BinaryOp::Pow, 2)),
    ];
    for (x, y) in pairs {
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.dtype(), y.dtype());
        assert_npy_eq(
            &compute_npy(&x).unwrap(),
            &compute_npy(&y).unwrap(),
            "named",
        );
    }
    // Functions that need floats or integers refuse the other kind, naming the type.
    let f = input(DType::F32, true);
    let e = f.binary(BinaryOp::LeftShift, 1).unwrap_err().to_string();
    assert!(e.contains("float32"), "{e}");
    assert!(a.binary(BinaryOp::Arctan2, &b).is_err());
    assert!(f.binary(BinaryOp::Arctan2, &f).is_ok());
}

/// Every operator and method form on typed arrays of `$t` and `$u`, checked against NumPy.
macro_rules! typed_pairs {
    ($(@$arm:ident $t:ty, $u:ty;)*) => {
        #[test]
        fn typed_promotion_matches_numpy_for_every_pair() {
            $( typed_pairs!(@$arm $t, $u); )*
        }
    };
    (@check $name:literal, $t:ty, $u:ty, $r:expr, $form:literal) => {
        check_result($name, <$t>::DTYPE, <$u>::DTYPE, AnyArray::from($r), $form)
    };
    (@bool_bool $t:ty, $u:ty) => {{
        let (a, b) = (typed::<$t>(true), typed::<$u>(false));
        typed_pairs!(@check "less", $t, $u, a.less(&b).unwrap(), "less");
        typed_pairs!(@check "equal", $t, $u, a.equal(b.clone()).unwrap(), "equal");
    }};
    (@bool_left $t:ty, $u:ty) => {{
        let (a, b) = (typed::<$t>(true), typed::<$u>(false));
        typed_pairs!(@check "add", $t, $u, &a + &b, "+");
        typed_pairs!(@check "subtract", $t, $u, &a - b.clone(), "-");
        typed_pairs!(@check "multiply", $t, $u, a.clone() * &b, "*");
        typed_pairs!(@check "divide", $t, $u, a.clone() / b.clone(), "/");
        typed_pairs!(@check "remainder", $t, $u, &a % &b, "%");
        typed_pairs!(@check "less", $t, $u, a.less(&b).unwrap(), "less");
        typed_pairs!(@check "equal", $t, $u, a.equal(b.clone()).unwrap(), "equal");
    }};
    (@numeric_left $t:ty, $u:ty) => {{
        typed_pairs!(@bool_left $t, $u);
        let (a, b) = (typed::<$t>(true), typed::<$u>(false));
        typed_pairs!(@check "add", $t, $u, a.try_add(&b).unwrap(), "try_add");
        typed_pairs!(@check "subtract", $t, $u, a.try_sub(&b).unwrap(), "try_sub");
        typed_pairs!(@check "multiply", $t, $u, a.try_mul(&b).unwrap(), "try_mul");
        typed_pairs!(@check "divide", $t, $u, a.try_div(&b).unwrap(), "try_div");
        typed_pairs!(@check "remainder", $t, $u, a.try_rem(&b).unwrap(), "try_rem");
        typed_pairs!(@check "floor_divide", $t, $u, a.floor_divide(&b).unwrap(), "floor_divide");
        typed_pairs!(@check "maximum", $t, $u, a.maximum(b.clone()).unwrap(), "maximum");
    }};
}

typed_pairs! {
    @bool_bool bool, bool;
    @bool_left bool, i8;
    @bool_left bool, i16;
    @bool_left bool, i32;
    @bool_left bool, i64;
    @bool_left bool, u8;
    @bool_left bool, u16;
    @bool_left bool, u32;
    @bool_left bool, u64;
    @bool_left bool, f32;
    @bool_left bool, f64;
    @numeric_left i8, bool;
    @numeric_left i8, i8;
    @numeric_left i8, i16;
    @numeric_left i8, i32;
    @numeric_left i8, i64;
    @numeric_left i8, u8;
    @numeric_left i8, u16;
    @numeric_left i8, u32;
    @numeric_left i8, u64;
    @numeric_left i8, f32;
    @numeric_left i8, f64;
    @numeric_left i16, bool;
    @numeric_left i16, i8;
    @numeric_left i16, i16;
    @numeric_left i16, i32;
    @numeric_left i16, i64;
    @numeric_left i16, u8;
    @numeric_left i16, u16;
    @numeric_left i16, u32;
    @numeric_left i16, u64;
    @numeric_left i16, f32;
    @numeric_left i16, f64;
    @numeric_left i32, bool;
    @numeric_left i32, i8;
    @numeric_left i32, i16;
    @numeric_left i32, i32;
    @numeric_left i32, i64;
    @numeric_left i32, u8;
    @numeric_left i32, u16;
    @numeric_left i32, u32;
    @numeric_left i32, u64;
    @numeric_left i32, f32;
    @numeric_left i32, f64;
    @numeric_left i64, bool;
    @numeric_left i64, i8;
    @numeric_left i64, i16;
    @numeric_left i64, i32;
    @numeric_left i64, i64;
    @numeric_left i64, u8;
    @numeric_left i64, u16;
    @numeric_left i64, u32;
    @numeric_left i64, u64;
    @numeric_left i64, f32;
    @numeric_left i64, f64;
    @numeric_left u8, bool;
    @numeric_left u8, i8;
    @numeric_left u8, i16;
    @numeric_left u8, i32;
    @numeric_left u8, i64;
    @numeric_left u8, u8;
    @numeric_left u8, u16;
    @numeric_left u8, u32;
    @numeric_left u8, u64;
    @numeric_left u8, f32;
    @numeric_left u8, f64;
    @numeric_left u16, bool;
    @numeric_left u16, i8;
    @numeric_left u16, i16;
    @numeric_left u16, i32;
    @numeric_left u16, i64;
    @numeric_left u16, u8;
    @numeric_left u16, u16;
    @numeric_left u16, u32;
    @numeric_left u16, u64;
    @numeric_left u16, f32;
    @numeric_left u16, f64;
    @numeric_left u32, bool;
    @numeric_left u32, i8;
    @numeric_left u32, i16;
    @numeric_left u32, i32;
    @numeric_left u32, i64;
    @numeric_left u32, u8;
    @numeric_left u32, u16;
    @numeric_left u32, u32;
    @numeric_left u32, u64;
    @numeric_left u32, f32;
    @numeric_left u32, f64;
    @numeric_left u64, bool;
    @numeric_left u64, i8;
    @numeric_left u64, i16;
    @numeric_left u64, i32;
    @numeric_left u64, i64;
    @numeric_left u64, u8;
    @numeric_left u64, u16;
    @numeric_left u64, u32;
    @numeric_left u64, u64;
    @numeric_left u64, f32;
    @numeric_left u64, f64;
    @numeric_left f32, bool;
    @numeric_left f32, i8;
    @numeric_left f32, i16;
    @numeric_left f32, i32;
    @numeric_left f32, i64;
    @numeric_left f32, u8;
    @numeric_left f32, u16;
    @numeric_left f32, u32;
    @numeric_left f32, u64;
    @numeric_left f32, f32;
    @numeric_left f32, f64;
    @numeric_left f64, bool;
    @numeric_left f64, i8;
    @numeric_left f64, i16;
    @numeric_left f64, i32;
    @numeric_left f64, i64;
    @numeric_left f64, u8;
    @numeric_left f64, u16;
    @numeric_left f64, u32;
    @numeric_left f64, u64;
    @numeric_left f64, f32;
    @numeric_left f64, f64;
}

#[test]
fn literals_take_the_array_type() {
    let x = Array::<f32>::from_ndarray(ndarray::arr1(&[1.5f32, 2.0]), 1).unwrap();
    let y: Array<f32> = &x * 2.0; // stays f32, as x * 2.0 in NumPy 2
    let z: Array<f32> = 1.0 - &x;
    assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[3.0, 4.0]);
    assert_eq!(z.compute().unwrap().as_slice().unwrap(), &[-0.5, -1.0]);
    let i = Array::<u8>::from_ndarray(ndarray::arr1(&[200u8, 3]), 1).unwrap();
    // u8 stays u8 and wraps, as uint8 + 100 does in NumPy.
    assert_eq!(
        (&i + 100).compute().unwrap().as_slice().unwrap(),
        &[44, 103]
    );
    // A method chain on a literal's result needs no annotation.
    let s: f32 = (x.sin() * &x + 1.0)
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let want = 1.5f32.sin() * 1.5 + 1.0 + 2.0f32.sin() * 2.0 + 1.0;
    assert!((s - want).abs() < 1e-5, "{s} {want}");
}
