//! Helpers shared by the integration tests: a small deterministic RNG, random data per
//! element type, random chunkings, and a dtype-independent value type (`V`) with which
//! results are compared against reference computations done in `i128` / `f64`.
#![allow(dead_code)]

pub mod elementwise_ref;
pub mod python;
pub mod reduce_ref;

use ndarray::{ArrayD, IxDyn};
use std::fmt::Display;
use tessera::{Array, ChunkSpec, DType, Element};

/// Shapes from 0-d to 4-d, with empty and length-1 axes.
pub const SHAPES: &[&[usize]] = &[
    &[],
    &[0],
    &[1],
    &[7],
    &[3, 0],
    &[1, 5],
    &[4, 6],
    &[3, 1, 4],
    &[2, 3, 4],
    &[0, 2, 3],
    &[2, 1, 3, 2],
    &[2, 3, 2, 3],
];

/// A random array of `shape` (a few special values) as a lazy array and widened values.
pub fn array<T: Gen>(rng: &mut Rng, shape: &[usize], spec: &ChunkSpec) -> (Array<T>, Vec<V>) {
    let nd = random_nd::<T>(rng, shape, 0.08);
    let v = vals(&nd);
    (Array::from_ndarray(nd, spec.clone()).unwrap(), v)
}

/// SplitMix64: tiny, deterministic, good enough to pick test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A value of any element type, widened without loss: integers as `i128`, floats as `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V {
    I(i128),
    F(f64),
    B(bool),
}

impl V {
    pub fn f(self) -> f64 {
        match self {
            V::I(x) => x as f64,
            V::F(x) => x,
            V::B(b) => f64::from(u8::from(b)),
        }
    }
    pub fn i(self) -> i128 {
        match self {
            V::I(x) => x,
            V::B(b) => i128::from(b),
            V::F(x) => panic!("integer expected, got float {x}"),
        }
    }
    /// Non-zero (NaN counts as non-zero).
    pub fn truthy(self) -> bool {
        match self {
            V::I(x) => x != 0,
            V::F(x) => x != 0.0,
            V::B(b) => b,
        }
    }
    pub fn is_nan(self) -> bool {
        matches!(self, V::F(x) if x.is_nan())
    }
}

/// What a result element must be.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// Exactly this (NaN matches NaN; `0.0` matches `-0.0`).
    Exact(V),
    /// A float within an absolute tolerance (NaN and infinities must match exactly).
    Near(f64, f64),
}

impl Want {
    pub fn accepts(&self, got: V) -> bool {
        match (*self, got) {
            (Want::Exact(V::F(w)), V::F(g)) => (w.is_nan() && g.is_nan()) || w == g,
            (Want::Exact(w), g) => w == g,
            (Want::Near(w, tol), V::F(g)) => {
                if w.is_nan() || g.is_nan() {
                    w.is_nan() && g.is_nan()
                } else if w.is_infinite() || g.is_infinite() {
                    w == g
                } else {
                    (g - w).abs() <= tol
                }
            }
            (Want::Near(..), _) => false,
        }
    }
}

pub trait ToV: Element {
    fn to_v(self) -> V;
}

/// Random test values of a type, with the edge cases its operations care about.
pub trait Gen: ToV {
    /// Typical data: small values, zeros, and (with probability `special`) extremes,
    /// NaN, infinities and signed zeros.
    fn gen(rng: &mut Rng, special: f64) -> Self;
    /// A small exponent for `pow`.
    fn gen_exp(rng: &mut Rng) -> Self;
}

macro_rules! int_types {
    ($($t:ty, $lo:expr, $hi:expr);*) => {$(
        impl ToV for $t {
            fn to_v(self) -> V { V::I(self as i128) }
        }
        impl Gen for $t {
            fn gen(rng: &mut Rng, special: f64) -> Self {
                if rng.chance(special) {
                    [<$t>::MIN, <$t>::MAX, <$t>::MIN.wrapping_add(1), <$t>::MAX - 1][rng.below(4)]
                } else if rng.chance(0.1) {
                    0
                } else {
                    rng.range($lo, $hi) as $t
                }
            }
            fn gen_exp(rng: &mut Rng) -> Self { rng.range(0, 5) as $t }
        }
    )*};
}
int_types!(i8, -20, 21; i16, -300, 301; i32, -5000, 5001; i64, -100_000, 100_001;
           u8, 0, 41; u16, 0, 600; u32, 0, 10_000; u64, 0, 200_000);

macro_rules! float_types {
    ($($t:ty),*) => {$(
        impl ToV for $t {
            fn to_v(self) -> V { V::F(self as f64) }
        }
        impl Gen for $t {
            fn gen(rng: &mut Rng, special: f64) -> Self {
                if rng.chance(special) {
                    [<$t>::NAN, <$t>::INFINITY, <$t>::NEG_INFINITY, 0.0, -0.0][rng.below(5)]
                } else if rng.chance(0.15) {
                    // Exact halves and integers: rounding ties, floor/ceil, exact remainders.
                    rng.range(-12, 13) as $t / 2.0
                } else {
                    (rng.unit() * 16.0 - 8.0) as $t
                }
            }
            fn gen_exp(rng: &mut Rng) -> Self { (rng.unit() * 5.0 - 2.0) as $t }
        }
    )*};
}
float_types!(f32, f64);

impl ToV for bool {
    fn to_v(self) -> V {
        V::B(self)
    }
}
impl Gen for bool {
    fn gen(rng: &mut Rng, _special: f64) -> Self {
        rng.chance(0.5)
    }
    fn gen_exp(rng: &mut Rng) -> Self {
        rng.chance(0.5)
    }
}

/// A random `ndarray` array of `shape`.
pub fn random_nd<T: Gen>(rng: &mut Rng, shape: &[usize], special: f64) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    let v: Vec<T> = (0..n).map(|_| T::gen(rng, special)).collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// Elements of an array in C order, widened.
pub fn vals<T: ToV>(a: &ArrayD<T>) -> Vec<V> {
    a.iter().map(|&x| x.to_v()).collect()
}

/// A random split of `n` into positive parts (a single `0` for `n == 0`).
pub fn partition(rng: &mut Rng, n: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut parts = Vec::new();
    let mut left = n;
    while left > 0 {
        let p = 1 + rng.below(left.min(4));
        parts.push(p);
        left -= p;
    }
    parts
}

/// Several chunkings of `shape`: one element per chunk, two, one chunk larger than every
/// axis, and a random irregular explicit chunking.
pub fn chunkings(rng: &mut Rng, shape: &[usize]) -> Vec<ChunkSpec> {
    vec![
        ChunkSpec::from(1),
        ChunkSpec::from(2),
        ChunkSpec::from(64),
        ChunkSpec::from(shape.iter().map(|&n| partition(rng, n)).collect::<Vec<_>>()),
    ]
}

/// All subsets of `0..nd`, as sorted axis lists.
pub fn subsets(nd: usize) -> Vec<Vec<usize>> {
    (0..1usize << nd)
        .map(|m| (0..nd).filter(|&a| m >> a & 1 == 1).collect())
        .collect()
}

/// Unit roundoff of a float dtype.
pub fn eps(dt: DType) -> f64 {
    match dt {
        DType::F32 => f32::EPSILON as f64,
        _ => f64::EPSILON,
    }
}

/// Rounds an exact (f64) result to the float dtype `dt`.
pub fn round_to(dt: DType, x: f64) -> f64 {
    if dt == DType::F32 {
        x as f32 as f64
    } else {
        x
    }
}

/// Wraps an integer to the range of the integer dtype `dt` (two's complement).
pub fn wrap(dt: DType, x: i128) -> i128 {
    match dt {
        DType::I8 => x as i8 as i128,
        DType::I16 => x as i16 as i128,
        DType::I32 => x as i32 as i128,
        DType::I64 => x as i64 as i128,
        DType::U8 => x as u8 as i128,
        DType::U16 => x as u16 as i128,
        DType::U32 => x as u32 as i128,
        DType::U64 => x as u64 as i128,
        DType::Bool => i128::from(x != 0),
        _ => panic!("wrap: {dt} is not an integer type"),
    }
}

/// The range of the integer dtype `dt`.
pub fn int_range(dt: DType) -> (i128, i128) {
    match dt {
        DType::I8 => (i8::MIN as i128, i8::MAX as i128),
        DType::I16 => (i16::MIN as i128, i16::MAX as i128),
        DType::I32 => (i32::MIN as i128, i32::MAX as i128),
        DType::I64 => (i64::MIN as i128, i64::MAX as i128),
        DType::U8 => (0, u8::MAX as i128),
        DType::U16 => (0, u16::MAX as i128),
        DType::U32 => (0, u32::MAX as i128),
        DType::U64 => (0, u64::MAX as i128),
        DType::Bool => (0, 1),
        _ => panic!("int_range: {dt} is not an integer type"),
    }
}

/// Computes `a` and returns its shape and widened elements.
pub fn got<U: ToV>(a: &Array<U>) -> (Vec<usize>, Vec<V>) {
    let r = a
        .compute()
        .unwrap_or_else(|e| panic!("compute failed for {a:?}: {e}"));
    (r.shape().to_vec(), vals(&r))
}

/// Asserts that `got` has `shape` and that every element is accepted by `want`.
pub fn check(got: &(Vec<usize>, Vec<V>), shape: &[usize], want: &[Want], ctx: impl Display) {
    assert_eq!(got.0, shape, "shape mismatch: {ctx}");
    assert_eq!(got.1.len(), want.len(), "length mismatch: {ctx}");
    for (i, (g, w)) in got.1.iter().zip(want).enumerate() {
        assert!(w.accepts(*g), "element {i}: got {g:?}, want {w:?}: {ctx}");
    }
}

/// Asserts exact (bitwise for floats) equality of two computed arrays.
pub fn assert_bits_eq<T: ToV>(a: &ArrayD<T>, b: &ArrayD<T>, ctx: impl Display) {
    assert_eq!(a.shape(), b.shape(), "shape mismatch: {ctx}");
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let same = match (x.to_v(), y.to_v()) {
            (V::F(p), V::F(q)) => p.to_bits() == q.to_bits(),
            (p, q) => p == q,
        };
        assert!(same, "element {i}: {x:?} vs {y:?}: {ctx}");
    }
}

/// The multi-index of flat C-order position `lin` in `shape`.
pub fn unravel(mut lin: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for ax in (0..shape.len()).rev() {
        idx[ax] = lin % shape[ax];
        lin /= shape[ax];
    }
    idx
}

/// The flat C-order position of `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// NumPy's broadcast shape of two shapes, or `None`.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let nd = a.len().max(b.len());
    let get = |s: &[usize], d: usize| {
        if d + s.len() >= nd {
            s[d + s.len() - nd]
        } else {
            1
        }
    };
    (0..nd)
        .map(|d| match (get(a, d), get(b, d)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}

/// The element of `src` (shape `s`) that broadcasts to `idx` of an output of `nd` dims.
pub fn bcast_index(idx: &[usize], s: &[usize]) -> usize {
    let skip = idx.len() - s.len();
    let i: Vec<usize> = s
        .iter()
        .enumerate()
        .map(|(k, &n)| if n == 1 { 0 } else { idx[skip + k] })
        .collect();
    ravel(&i, s)
}

/// Runs `body` in a child process (the test binary running only `test`), so that a bug
/// that aborts the process (a stack overflow) fails this one test instead of killing the
/// whole test binary.
pub fn in_child_process(test: &str, body: impl FnOnce()) {
    if std::env::var_os("TESSERA_TEST_CHILD").is_some() {
        body();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--include-ignored", "--test-threads=1"])
        .env("TESSERA_TEST_CHILD", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let tail: String = err
        .lines()
        .filter(|l| !l.starts_with(' '))
        .take(8)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        out.status.success(),
        "{test} failed in a child process ({}):\n{tail}",
        out.status
    );
}
