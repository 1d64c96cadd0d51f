//! NumPy's further elementwise functions (`arcsin` ... `sinc`, `arctan2`, `hypot`,
//! `nextafter`, `fmod`, `fmax`, `logaddexp`, `heaviside`, `floor_divide`, `divmod`, bitwise
//! operations and shifts, `gcd`, `lcm`, `round` to decimals, one-sided `clip`,
//! `nan_to_num`) against NumPy, run on the same operands in the test virtual environment by
//! `tests/interop/ufunc_reference.py`.
//!
//! The operands hold every pair of 16 special values (NaN, ±inf, ±0, subnormals, the
//! extremes; for integers 0, ±1, MIN, MAX, zero divisors and out-of-range shift counts) and
//! random values. Each function runs on 1-d to 3-d shapes in several chunkings (uneven ones
//! included, the two operands chunked differently); the results of every chunking must be
//! the same bit for bit. Exact functions must match NumPy bit for bit (any NaN matching any
//! NaN); the transcendental ones within 2 ulp, and the largest error seen is printed. A
//! property test checks chains of them in random chunkings bit for bit.

mod common;

use common::python::{read_npy, run_reference, LeBytes, Npy, TempDir};
use ndarray::{ArrayD, IxDyn};
use std::sync::OnceLock;
use tessera::{Array, ChunkSpec, Element, Float, Integer, Logical, Result};

const N: usize = 480;
/// The largest error allowed for the transcendental functions, in units in the last place.
const MAX_ULP: u64 = 2;

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("ufunc_reference.py", "ufunc-ref"))
}

fn npy(name: &str) -> Npy {
    read_npy(reference().join(format!("{name}.npy")))
}

/// Element types read back from little-endian bytes.
trait Le: LeBytes {
    fn get(b: &[u8]) -> Self;
}
macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().unwrap())
            }
        }
    )*};
}
le!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
impl Le for bool {
    fn get(b: &[u8]) -> Self {
        b[0] != 0
    }
}

fn values<T: Le>(n: &Npy) -> Vec<T> {
    assert_eq!(n.elem_size(), T::DTYPE.size(), "{}", n.descr);
    n.data.chunks_exact(T::DTYPE.size()).map(T::get).collect()
}

fn load<T: Le>(name: &str) -> Vec<T> {
    values(&npy(&format!("{name}_{}", T::DTYPE.name())))
}

/// Shapes of the 480 values and the chunkings of the two operands (uneven ones included).
fn layouts() -> Vec<(Vec<usize>, ChunkSpec, ChunkSpec)> {
    use ChunkSpec::*;
    vec![
        (vec![N], Uniform(N), Uniform(N)),
        (vec![N], Uniform(7), Explicit(vec![vec![100, 1, 379]])),
        (
            vec![16, 30],
            Uniform(5),
            Explicit(vec![vec![3, 13], vec![1, 29]]),
        ),
        (
            vec![4, 10, 12],
            Explicit(vec![vec![1, 3], vec![4, 6], vec![5, 7]]),
            Uniform(3),
        ),
    ]
}

fn array<T: Element>(v: &[T], shape: &[usize], chunks: &ChunkSpec) -> Array<T> {
    let nd = ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap();
    Array::from_ndarray(nd, chunks.clone()).unwrap()
}

/// A function of two operands under test.
type Op2<'a, T, U> = dyn Fn(&Array<T>, &Array<T>) -> Result<Array<U>> + 'a;

/// `f(a, b)` for every layout, flattened; asserts that every layout gives the same bits.
fn run<T: Element, U: Le>(name: &str, a: &[T], b: &[T], f: &Op2<'_, T, U>) -> Vec<U> {
    let mut first: Option<Vec<u8>> = None;
    let mut out = Vec::new();
    for (shape, ca, cb) in layouts() {
        let (x, y) = (array(a, &shape, &ca), array(b, &shape, &cb));
        let got = f(&x, &y)
            .and_then(|r| r.compute())
            .unwrap_or_else(|e| panic!("{name} {}: {e}", T::DTYPE.name()));
        assert_eq!(got.shape(), &shape[..], "{name}: shape");
        let mut bytes = Vec::new();
        for &v in got.iter() {
            v.put_le(&mut bytes);
        }
        match &first {
            None => {
                out = got.iter().copied().collect();
                first = Some(bytes);
            }
            Some(f) => assert!(
                *f == bytes,
                "{name} {}: chunking {shape:?} {ca:?}/{cb:?} changed the result",
                T::DTYPE.name()
            ),
        }
    }
    out
}

/// Float types: ordering of the bits for ulp distances.
trait TestFloat: Float + Le {
    fn ordered(self) -> i64;
    fn bits(self) -> u64;
    fn nan(self) -> bool {
        num_traits::Float::is_nan(self)
    }
    fn inf(self) -> bool {
        num_traits::Float::is_infinite(self)
    }
}
impl TestFloat for f64 {
    fn ordered(self) -> i64 {
        let i = self.to_bits() as i64;
        if i < 0 {
            i64::MIN - i
        } else {
            i
        }
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
}
impl TestFloat for f32 {
    fn ordered(self) -> i64 {
        let i = self.to_bits() as i32;
        i64::from(if i < 0 { i32::MIN - i } else { i })
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

/// The distance in ulp between `got` and `want`; `None` where they disagree on NaN,
/// infinity or the sign of zero.
fn ulp<F: TestFloat>(got: F, want: F) -> Option<u64> {
    if got.nan() || want.nan() {
        return (got.nan() && want.nan()).then_some(0);
    }
    if got.inf() || want.inf() || want == <F as num_traits::Zero>::zero() {
        return (got.bits() == want.bits()).then_some(0);
    }
    Some(got.ordered().abs_diff(want.ordered()))
}

type FloatFn<F> = Box<Op2<'static, F, F>>;

fn float_cases<F: TestFloat>() -> Vec<(&'static str, bool, FloatFn<F>)> {
    let c = F::from_f64;
    // (reference name, exact?, function)
    let mut v: Vec<(&'static str, bool, FloatFn<F>)> = vec![
        ("arcsin", false, Box::new(|x, _| Ok(x.arcsin()))),
        ("arccos", false, Box::new(|x, _| Ok(x.arccos()))),
        ("arctan", false, Box::new(|x, _| Ok(x.arctan()))),
        ("sinh", false, Box::new(|x, _| Ok(x.sinh()))),
        ("cosh", false, Box::new(|x, _| Ok(x.cosh()))),
        ("arcsinh", false, Box::new(|x, _| Ok(x.arcsinh()))),
        ("arccosh", false, Box::new(|x, _| Ok(x.arccosh()))),
        ("arctanh", false, Box::new(|x, _| Ok(x.arctanh()))),
        ("log2", false, Box::new(|x, _| Ok(x.log2()))),
        ("log10", false, Box::new(|x, _| Ok(x.log10()))),
        ("exp2", false, Box::new(|x, _| Ok(x.exp2()))),
        ("cbrt", false, Box::new(|x, _| Ok(x.cbrt()))),
        ("sinc", false, Box::new(|x, _| Ok(x.sinc()))),
        ("arctan2", false, Box::new(|x, y| x.arctan2(y))),
        ("hypot", false, Box::new(|x, y| x.hypot(y))),
        ("logaddexp", false, Box::new(|x, y| x.logaddexp(y))),
        ("logaddexp2", false, Box::new(|x, y| x.logaddexp2(y))),
        ("square", true, Box::new(|x, _| Ok(x.square()))),
        ("reciprocal", true, Box::new(|x, _| Ok(x.reciprocal()))),
        ("trunc", true, Box::new(|x, _| Ok(x.trunc()))),
        ("fix", true, Box::new(|x, _| Ok(x.fix()))),
        ("degrees", true, Box::new(|x, _| Ok(x.degrees()))),
        ("radians", true, Box::new(|x, _| Ok(x.radians()))),
        (
            "nan_to_num",
            true,
            Box::new(|x, _| x.nan_to_num(None, None, None)),
        ),
        (
            "nan_to_num_custom",
            true,
            Box::new(move |x, _| x.nan_to_num(Some(c(-9.0)), Some(c(7.0)), Some(c(-7.0)))),
        ),
        ("clip_min", true, Box::new(move |x, _| x.clip_min(c(-0.5)))),
        ("clip_max", true, Box::new(move |x, _| x.clip_max(c(0.5)))),
        ("round_-2", true, Box::new(|x, _| x.around(-2))),
        ("round_0", true, Box::new(|x, _| x.around(0))),
        ("round_1", true, Box::new(|x, _| x.around(1))),
        ("round_3", true, Box::new(|x, _| x.around(3))),
        ("copysign", true, Box::new(|x, y| x.copysign(y))),
        ("nextafter", true, Box::new(|x, y| x.nextafter(y))),
        ("fmod", true, Box::new(|x, y| x.fmod(y))),
        ("fmax", true, Box::new(|x, y| x.fmax(y))),
        ("fmin", true, Box::new(|x, y| x.fmin(y))),
        ("heaviside", true, Box::new(|x, y| x.heaviside(y))),
        ("floor_divide", true, Box::new(|x, y| x.floor_divide(y))),
        ("divmod_q", true, Box::new(|x, y| Ok(x.divmod(y)?.0))),
        ("divmod_r", true, Box::new(|x, y| Ok(x.divmod(y)?.1))),
    ];
    // In a fused expression with other operations (`* 1` keeps every value, -0 and NaN
    // included): the same values.
    v.push((
        "arctan2",
        false,
        Box::new(|x, y| {
            x.try_mul(<F as num_traits::One>::one())?
                .arctan2(&y.try_mul(<F as num_traits::One>::one())?)
        }),
    ));
    v
}

fn check_floats<F: TestFloat>() {
    let dt = F::DTYPE.name();
    let a: Vec<F> = values(&npy(&format!("in_a_{dt}")));
    let b: Vec<F> = values(&npy(&format!("in_b_{dt}")));
    let mut failures = Vec::new();
    for (name, exact, f) in float_cases::<F>() {
        let got = run(name, &a, &b, &*f);
        let want: Vec<F> = load(name);
        let mut worst = 0u64;
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            let d = if exact {
                // The sign of a zero that `fmax`/`fmin` pick between two zeros is
                // unspecified (NumPy's vector and scalar loops differ).
                let zeros = matches!(name, "fmax" | "fmin") && g == w;
                let same = g.bits() == w.bits() || (g.nan() && w.nan()) || zeros;
                same.then_some(0)
            } else {
                ulp(g, w)
            };
            match d {
                Some(d) if d <= MAX_ULP => worst = worst.max(d),
                _ => {
                    failures.push(format!(
                        "{name} {dt}: element {i} ({:?}, {:?}): got {g:?}, NumPy {w:?}",
                        a[i], b[i]
                    ));
                    break;
                }
            }
        }
        if !exact {
            eprintln!("max ulp {name:<11} {dt}: {worst}");
        }
    }
    type BoolFn<F> = fn(&Array<F>) -> Array<bool>;
    let preds: [(&str, BoolFn<F>); 4] = [
        ("isinf", |x| x.isinf()),
        ("isposinf", |x| x.isposinf()),
        ("isneginf", |x| x.isneginf()),
        ("signbit", |x| x.signbit()),
    ];
    for (name, f) in preds {
        let got = run(name, &a, &b, &|x, _| Ok(f(x)));
        let want: Vec<bool> = values(&npy(&format!("{name}_{dt}")));
        assert_eq!(got, want, "{name} {dt}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn float_functions_match_numpy_f64() {
    check_floats::<f64>();
}

#[test]
fn float_functions_match_numpy_f32() {
    check_floats::<f32>();
}

#[test]
fn binary_functions_broadcast() {
    fn go<F: TestFloat>() {
        let dt = F::DTYPE.name();
        let a: Vec<F> = values(&npy(&format!("in_a_{dt}")));
        let b: Vec<F> = values(&npy(&format!("in_b_{dt}")));
        let x = array(&a, &[4, 10, 12], &ChunkSpec::PerAxis(vec![3, 4, 5]));
        let y = array(&b[..12], &[12], &ChunkSpec::Uniform(7));
        let got: Vec<F> = x
            .arctan2(&y)
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .copied()
            .collect();
        let want: Vec<F> = load("arctan2_bcast");
        for (g, w) in got.iter().zip(&want) {
            assert!(ulp(*g, *w).is_some_and(|d| d <= MAX_ULP), "{g:?} vs {w:?}");
        }
        let got: Vec<F> = x
            .floor_divide(&y)
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .copied()
            .collect();
        let want: Vec<F> = load("floor_divide_bcast");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g.bits() == w.bits() || (g.nan() && w.nan()),
                "{g:?} vs {w:?}"
            );
        }
        // Shapes that do not broadcast are an error, not a panic.
        let z = array(&b[..5], &[5], &ChunkSpec::Uniform(2));
        assert!(matches!(x.hypot(&z), Err(tessera::Error::Broadcast { .. })));
    }
    go::<f64>();
    go::<f32>();
}

type IntFn<I> = Box<dyn Fn(&Array<I>, &Array<I>, &Array<I>) -> Result<Array<I>>>;

fn check_ints<I: Integer + Logical + Le + PartialEq>()
where
    for<'a> &'a Array<I>: std::ops::BitAnd<&'a Array<I>, Output = Array<I>>
        + std::ops::BitOr<&'a Array<I>, Output = Array<I>>
        + std::ops::BitXor<&'a Array<I>, Output = Array<I>>
        + std::ops::Shl<&'a Array<I>, Output = Array<I>>
        + std::ops::Shr<&'a Array<I>, Output = Array<I>>
        + std::ops::Not<Output = Array<I>>,
{
    let dt = I::DTYPE.name();
    let a: Vec<I> = values(&npy(&format!("in_a_{dt}")));
    let b: Vec<I> = values(&npy(&format!("in_b_{dt}")));
    let s: Vec<I> = values(&npy(&format!("in_s_{dt}")));
    // (reference name, function of (a, b, shift counts))
    let cases: Vec<(&str, IntFn<I>)> = vec![
        ("bitwise_and", Box::new(|x, y, _| x.bitwise_and(y))),
        ("bitwise_or", Box::new(|x, y, _| x.bitwise_or(y))),
        ("bitwise_xor", Box::new(|x, y, _| x.bitwise_xor(y))),
        ("bitwise_and", Box::new(|x, y, _| Ok(x & y))),
        ("bitwise_or", Box::new(|x, y, _| Ok(x | y))),
        ("bitwise_xor", Box::new(|x, y, _| Ok(x ^ y))),
        ("invert", Box::new(|x, _, _| Ok(x.invert()))),
        ("invert", Box::new(|x, _, _| Ok(!x))),
        ("square", Box::new(|x, _, _| Ok(x.square()))),
        ("left_shift", Box::new(|x, _, s| x.left_shift(s))),
        ("right_shift", Box::new(|x, _, s| x.right_shift(s))),
        ("left_shift", Box::new(|x, _, s| Ok(x << s))),
        ("right_shift", Box::new(|x, _, s| Ok(x >> s))),
        ("left_shift_b", Box::new(|x, y, _| x.left_shift(y))),
        ("right_shift_b", Box::new(|x, y, _| x.right_shift(y))),
        ("gcd", Box::new(|x, y, _| x.gcd(y))),
        ("lcm", Box::new(|x, y, _| x.lcm(y))),
        ("floor_divide", Box::new(|x, y, _| x.floor_divide(y))),
        ("fmod", Box::new(|x, y, _| x.fmod(y))),
        ("fmax", Box::new(|x, y, _| x.fmax(y))),
        ("fmin", Box::new(|x, y, _| x.fmin(y))),
        ("divmod_q", Box::new(|x, y, _| Ok(x.divmod(y)?.0))),
        ("divmod_r", Box::new(|x, y, _| Ok(x.divmod(y)?.1))),
    ];
    // The shift counts ride along as a third operand, chunked like `a`.
    let mut failures = Vec::new();
    for (name, f) in &cases {
        let got = run(name, &a, &b, &|x, y| {
            let sh = s.clone();
            let counts = array(&sh, x.shape(), &ChunkSpec::Uniform(6));
            f(x, y, &counts)
        });
        let want: Vec<I> = load(name);
        if let Some(i) = (0..N).find(|&i| got[i] != want[i]) {
            failures.push(format!(
                "{name} {dt}: element {i} ({:?}, {:?}, {:?}): got {:?}, NumPy {:?}",
                a[i], b[i], s[i], got[i], want[i]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn integer_functions_match_numpy() {
    check_ints::<i8>();
    check_ints::<i16>();
    check_ints::<i32>();
    check_ints::<i64>();
    check_ints::<u8>();
    check_ints::<u16>();
    check_ints::<u32>();
    check_ints::<u64>();
}

#[test]
fn bool_bitwise_is_logical() {
    let a: Vec<bool> = values(&npy("in_a_bool"));
    let b: Vec<bool> = values(&npy("in_b_bool"));
    type BFn = Box<Op2<'static, bool, bool>>;
    let cases: Vec<(&str, BFn)> = vec![
        ("bitwise_and", Box::new(|x, y| x.bitwise_and(y))),
        ("bitwise_or", Box::new(|x, y| x.bitwise_or(y))),
        ("bitwise_xor", Box::new(|x, y| x.bitwise_xor(y))),
        ("bitwise_and", Box::new(|x, y| Ok(x & y))),
        ("bitwise_or", Box::new(|x, y| Ok(x | y))),
        ("bitwise_xor", Box::new(|x, y| Ok(x ^ y))),
        ("invert", Box::new(|x, _| Ok(x.invert()))),
        ("invert", Box::new(|x, _| Ok(!x))),
    ];
    for (name, f) in cases {
        let got = run(name, &a, &b, &*f);
        assert_eq!(got, load::<bool>(name), "{name} bool");
    }
}

/// A chain of the new functions fuses into one stage.
#[test]
fn chains_fuse_into_one_stage() {
    let a: Vec<f64> = values(&npy("in_a_float64"));
    let x = array(&a, &[16, 30], &ChunkSpec::Uniform(7));
    let e = x
        .arcsinh()
        .hypot(x.cbrt())
        .and_then(|e| e.logaddexp(x.sinc()))
        .and_then(|e| e.floor_divide(0.25))
        .unwrap();
    assert_eq!(e.plan().stages().len(), 1, "{}", e.explain());
}

/// Chunk sizes of an axis from cut flags between its elements.
fn sizes(cuts: &[bool]) -> Vec<usize> {
    let mut out = vec![1];
    for &c in cuts {
        if c {
            out.push(1);
        } else if let Some(last) = out.last_mut() {
            *last += 1;
        }
    }
    out
}

/// A shape of 1 to 3 axes, and two chunkings of it.
fn shape_and_chunkings() -> impl Strategy<Value = (Vec<usize>, Vec<Vec<usize>>, Vec<Vec<usize>>)> {
    prop::collection::vec(1usize..9, 1..=3).prop_flat_map(|shape| {
        let chunking = || {
            shape
                .iter()
                .map(|&len| prop::collection::vec(any::<bool>(), len - 1).prop_map(|c| sizes(&c)))
                .collect::<Vec<_>>()
        };
        (Just(shape.clone()), chunking(), chunking())
    })
}

fn float_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            5e-324,
            1.0,
            -1.0,
            f64::MAX
        ]),
        -50.0f64..50.0,
        any::<f64>(),
    ]
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Chains of the new functions give the same bits in any two chunkings.
    #[test]
    fn results_do_not_depend_on_the_chunking(
        (shape, c1, c2) in shape_and_chunkings(),
        seed in prop::collection::vec(float_value(), 512),
        ints in prop::collection::vec(any::<i32>(), 512),
    ) {
        let n: usize = shape.iter().product();
        let f = |x: &Array<f64>| -> Result<Array<f64>> {
            x.arcsinh()
                .hypot(x.cbrt())?
                .logaddexp(x.sinc())?
                .fmax(x.arctan2(x.exp2())?)?
                .floor_divide(x.nextafter(0.0)?)?
                .copysign(x.log10())?
                .nan_to_num(None, None, None)
        };
        let g = |x: &Array<i32>| -> Result<Array<i32>> {
            x.left_shift(x.fmod(7)?)?
                .bitwise_xor(x.gcd(12)?)?
                .floor_divide(x.lcm(3)?)?
                .right_shift(3)
        };
        let bits = |c: &[Vec<usize>]| -> (Vec<u64>, Vec<i32>) {
            let spec = ChunkSpec::Explicit(c.to_vec());
            let x = array(&seed[..n], &shape, &spec);
            let y = array(&ints[..n], &shape, &spec);
            let fx = f(&x).and_then(|r| r.compute()).unwrap();
            let gy = g(&y).and_then(|r| r.compute()).unwrap();
            (fx.iter().map(|v| v.to_bits()).collect(), gy.iter().copied().collect())
        };
        prop_assert_eq!(bits(&c1), bits(&c2));
    }
}
