//! `reciprocal`, `fix`/`trunc` and `around(decimals)` on integer arrays against NumPy
//! (`tests/interop/integer_ufuncs_reference.py`), bit for bit, for every integer type and
//! in two chunkings: integer `1/x`, the identity, and half-to-even rounding to multiples of
//! powers of ten.
//!
//! NumPy rounds integers through `float64` (`rint(x / 10^k) · 10^k`, cast back), so its
//! results are inexact beyond 2^53 and platform casts where the rounded value leaves the
//! type; tessera rounds exactly (wrapping where the multiple leaves the type). Those
//! elements are compared with the exact result instead.

mod common;

use common::python::{assert_npy_eq, compute_npy, read_npy, run_reference, Npy, TempDir};
use std::sync::OnceLock;
use tessera::{AnyArray, Array, Element, Integer};

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("integer_ufuncs_reference.py", "int-ufuncs-ref"))
}

fn npy(name: &str) -> Npy {
    read_npy(reference().join(format!("{name}.npy")))
}

fn check<T: Integer>(get: fn(&[u8]) -> T)
where
    AnyArray: From<Array<T>>,
{
    let dt = T::DTYPE.name();
    let input = npy(&format!("in_{dt}"));
    let values: Vec<T> = input.data.chunks_exact(T::DTYPE.size()).map(get).collect();
    let nd = ndarray::Array1::from(values).into_dyn();
    for chunks in [7usize, 1000] {
        let x = Array::from_ndarray(nd.clone(), chunks).unwrap();
        let same = |got: Array<T>, name: &str| {
            let got = compute_npy(&AnyArray::from(got)).unwrap();
            assert_npy_eq(&got, &npy(&format!("{name}_{dt}")), &format!("{name} {dt}"));
        };
        same(x.reciprocal(), "reciprocal");
        same(x.fix(), "fix");
        same(x.trunc(), "fix");
        for d in [0, 1] {
            same(x.around(d).unwrap(), &format!("round_{d}"));
        }
        for d in [-1i32, -2, -3, -5, -20] {
            let got = x.around(d).unwrap().compute().unwrap();
            let want = npy(&format!("round_{d}_{dt}"));
            let want: Vec<T> = want.data.chunks_exact(T::DTYPE.size()).map(get).collect();
            for (k, ((g, w), v)) in got.iter().zip(&want).zip(nd.iter()).enumerate() {
                let (lo, hi) = range(T::DTYPE);
                let exact = exact_round(to_i128(*v), d, hi);
                if to_i128(*v).abs() <= 1 << 53 && (lo..=hi).contains(&exact) {
                    assert_eq!(
                        to_i128(*g),
                        to_i128(*w),
                        "round {d} {dt} element {k} of {v:?}"
                    );
                } else {
                    let wrapped = exact.rem_euclid(hi - lo + 1);
                    let wrapped = if wrapped > hi {
                        wrapped - (hi - lo + 1)
                    } else {
                        wrapped
                    };
                    assert_eq!(
                        to_i128(*g),
                        wrapped,
                        "round {d} {dt} element {k} of {v:?} (exact)"
                    );
                }
            }
        }
    }
}

fn to_i128<T: Element>(v: T) -> i128 {
    match v.to_scalar() {
        tessera::Scalar::I8(v) => v.into(),
        tessera::Scalar::I16(v) => v.into(),
        tessera::Scalar::I32(v) => v.into(),
        tessera::Scalar::I64(v) => v.into(),
        tessera::Scalar::U8(v) => v.into(),
        tessera::Scalar::U16(v) => v.into(),
        tessera::Scalar::U32(v) => v.into(),
        tessera::Scalar::U64(v) => v.into(),
        s => panic!("not an integer: {s:?}"),
    }
}

fn range(dt: tessera::DType) -> (i128, i128) {
    use tessera::DType::*;
    match dt {
        I8 => (i8::MIN.into(), i8::MAX.into()),
        I16 => (i16::MIN.into(), i16::MAX.into()),
        I32 => (i32::MIN.into(), i32::MAX.into()),
        I64 => (i64::MIN.into(), i64::MAX.into()),
        U8 => (0, u8::MAX.into()),
        U16 => (0, u16::MAX.into()),
        U32 => (0, u32::MAX.into()),
        _ => (0, u64::MAX.into()),
    }
}

/// `v` rounded half to even to a multiple of `10^-d` (`d < 0`), exactly.
fn exact_round(v: i128, d: i32, _hi: i128) -> i128 {
    let k = d.unsigned_abs();
    if k > 38 {
        return 0;
    }
    let f = 10i128.pow(k);
    let q = v.div_euclid(f);
    let r = v.rem_euclid(f);
    let up = 2 * r > f || (2 * r == f && q % 2 != 0);
    (q + i128::from(up)) * f
}

macro_rules! le {
    ($t:ty) => {
        |b: &[u8]| <$t>::from_le_bytes(b.try_into().unwrap())
    };
}

#[test]
fn integer_rounding_matches_numpy() {
    check::<i8>(le!(i8));
    check::<i16>(le!(i16));
    check::<i32>(le!(i32));
    check::<i64>(le!(i64));
    check::<u8>(le!(u8));
    check::<u16>(le!(u16));
    check::<u32>(le!(u32));
    check::<u64>(le!(u64));
}

#[test]
fn integer_reciprocal_of_zero_is_zero() {
    let x = Array::from_ndarray(ndarray::arr1(&[0i64, 0]).into_dyn(), 1).unwrap();
    assert_eq!(
        x.reciprocal().compute().unwrap().as_slice().unwrap(),
        &[0, 0]
    );
    assert_eq!(<i64 as Element>::DTYPE.name(), "int64");
}
