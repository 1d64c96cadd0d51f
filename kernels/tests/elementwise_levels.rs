//! Every elementwise operation on every numeric type, at every dispatch level, against a
//! plain loop over the scalar semantics (`Arith`), on random and edge inputs: empty and
//! short slices, lengths around the vector widths, unaligned starts, NaN, ±inf, ±0,
//! subnormals and the integer extremes.

use tessera_kernels::dispatch::{with_level, Level};
use tessera_kernels::elementwise::{map, map_in_place, select, update, zip};
use tessera_kernels::scalar::Arith;

fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 11
}

/// Bitwise equality, with any NaN equal to any NaN.
trait SameAs: Copy {
    fn same(self, other: Self) -> bool;
}
macro_rules! same_int {
    ($($t:ty),*) => {$(impl SameAs for $t { fn same(self, o: Self) -> bool { self == o } })*};
}
same_int!(bool, i8, i16, i32, i64, u8, u16, u32, u64);
impl SameAs for f32 {
    fn same(self, o: Self) -> bool {
        (self.is_nan() && o.is_nan()) || self.to_bits() == o.to_bits()
    }
}
impl SameAs for f64 {
    fn same(self, o: Self) -> bool {
        (self.is_nan() && o.is_nan()) || self.to_bits() == o.to_bits()
    }
}

/// Values to draw from: edge values first, then random bit patterns.
trait Sample: Arith + SameAs + std::fmt::Debug {
    fn edges() -> Vec<Self>;
    fn random(state: &mut u64) -> Self;
}
macro_rules! sample_int {
    ($($t:ty),*) => {$(impl Sample for $t {
        fn edges() -> Vec<Self> {
            vec![0, 1, 2, 3, 7, <$t>::MAX, <$t>::MIN, <$t>::MAX - 1, (0 as $t).wrapping_sub(1)]
        }
        fn random(state: &mut u64) -> Self {
            let r = lcg(state);
            // Mostly small values (so products and powers stay meaningful), some full-width.
            if r % 4 == 0 { r as $t } else { ((r >> 8) % 200) as $t }
        }
    })*};
}
sample_int!(i8, i16, i32, i64, u8, u16, u32, u64);
macro_rules! sample_float {
    ($($t:ty),*) => {$(impl Sample for $t {
        fn edges() -> Vec<Self> {
            vec![0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, <$t>::NAN, <$t>::INFINITY,
                 <$t>::NEG_INFINITY, <$t>::MIN_POSITIVE, <$t>::MIN_POSITIVE / 4.0,
                 -<$t>::MIN_POSITIVE / 8.0, <$t>::MAX, <$t>::MIN, <$t>::EPSILON, 1e30 as $t]
        }
        fn random(state: &mut u64) -> Self {
            let r = lcg(state);
            ((r % 20_000) as $t - 10_000.0) / 64.0
        }
    })*};
}
sample_float!(f32, f64);

fn inputs<T: Sample>(seed: u64) -> (Vec<T>, Vec<T>) {
    let mut s = seed;
    let e = T::edges();
    let mut a = Vec::new();
    let mut b = Vec::new();
    // Every pair of edge values, then random values.
    for &x in &e {
        for &y in &e {
            a.push(x);
            b.push(y);
        }
    }
    for _ in 0..700 {
        a.push(T::random(&mut s));
        b.push(T::random(&mut s));
    }
    (a, b)
}

/// Lengths and starts covering empty, short, around vector widths and unaligned slices.
fn windows(n: usize) -> Vec<(usize, usize)> {
    let mut w: Vec<(usize, usize)> = (0..=70).map(|len| (0, len)).collect();
    w.extend((0..=70).map(|len| (1, len)));
    w.extend([(3, 129), (0, n), (5, n - 5)]);
    w
}

fn check_binary<T: Sample, U: SameAs + Default + std::fmt::Debug>(
    name: &str,
    f: impl Fn(T, T) -> U + Copy,
) {
    let (a, b) = inputs::<T>(11);
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(s, len) in &windows(a.len()) {
            let (x, y) = (&a[s..s + len], &b[s..s + len]);
            let mut got = vec![U::default(); len + 1];
            with_level(level, || zip(x, y, &mut got, f));
            for i in 0..len {
                let want = f(x[i], y[i]);
                assert!(
                    got[i].same(want),
                    "{name} {} at {level:?}: f({:?}, {:?}) = {:?}, want {want:?}",
                    std::any::type_name::<T>(),
                    x[i],
                    y[i],
                    got[i]
                );
            }
            // The element past the inputs is untouched.
            assert!(got[len].same(U::default()));
        }
    }
}

fn check_unary<T: Sample, U: SameAs + Default + std::fmt::Debug>(
    name: &str,
    f: impl Fn(T) -> U + Copy,
) {
    let (a, _) = inputs::<T>(13);
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(s, len) in &windows(a.len()) {
            let x = &a[s..s + len];
            let mut got = vec![U::default(); len];
            with_level(level, || map(x, &mut got, f));
            for i in 0..len {
                assert!(
                    got[i].same(f(x[i])),
                    "{name} {} at {level:?}: f({:?}) = {:?}",
                    std::any::type_name::<T>(),
                    x[i],
                    got[i]
                );
            }
        }
    }
}

fn check_all_ops<T: Sample + Default>() {
    check_binary::<T, T>("add", Arith::add);
    check_binary::<T, T>("sub", Arith::sub);
    check_binary::<T, T>("mul", Arith::mul);
    check_binary::<T, T>("div", Arith::div);
    check_binary::<T, T>("rem", Arith::rem);
    check_binary::<T, T>("maximum", Arith::maximum);
    check_binary::<T, T>("minimum", Arith::minimum);
    check_binary::<T, bool>("eq", |x, y| x == y);
    check_binary::<T, bool>("ne", |x, y| x != y);
    check_binary::<T, bool>("lt", |x, y| x < y);
    check_binary::<T, bool>("le", |x, y| x <= y);
    check_binary::<T, bool>("gt", |x, y| x > y);
    check_binary::<T, bool>("ge", |x, y| x >= y);
    check_unary::<T, T>("neg", Arith::neg);
    check_unary::<T, T>("abs", Arith::abs);
    check_unary::<T, T>("sign", Arith::sign);
    check_unary::<T, bool>("isnan", Arith::is_nan);
    check_unary::<T, bool>("isfinite", Arith::is_finite);
    check_unary::<T, bool>("nonzero", Arith::is_nonzero);
}

#[test]
fn integer_ops_at_every_level() {
    check_all_ops::<i8>();
    check_all_ops::<i16>();
    check_all_ops::<i32>();
    check_all_ops::<i64>();
    check_all_ops::<u8>();
    check_all_ops::<u16>();
    check_all_ops::<u32>();
    check_all_ops::<u64>();
    // pow with small exponents (large ones only repeat the wrapping products).
    check_binary::<i32, i32>("pow", |x, y| Arith::pow(x, y % 9));
    check_binary::<u8, u8>("pow", |x, y| Arith::pow(x, y % 9));
}

#[test]
fn float_ops_at_every_level() {
    check_all_ops::<f32>();
    check_all_ops::<f64>();
    check_unary::<f64, f64>("sqrt", f64::sqrt);
    check_unary::<f64, f64>("floor", f64::floor);
    check_unary::<f32, f32>("ceil", f32::ceil);
    check_unary::<f64, f64>("round", tessera_kernels::scalar::round_half_even);
    check_binary::<f64, f64>("clip", |x, lo| Arith::minimum(Arith::maximum(x, lo), 100.0));
}

#[test]
fn casts_at_every_level() {
    // Rust's `as`: floats to integers saturate, NaN gives 0; integers wrap.
    check_unary::<f64, i32>("f64 as i32", |v| v as i32);
    check_unary::<f64, i64>("f64 as i64", |v| v as i64);
    check_unary::<f64, u8>("f64 as u8", |v| v as u8);
    check_unary::<f32, f64>("f32 as f64", f64::from);
    check_unary::<f64, f32>("f64 as f32", |v| v as f32);
    check_unary::<i64, f64>("i64 as f64", |v| v as f64);
    check_unary::<u64, f32>("u64 as f32", |v| v as f32);
    check_unary::<i32, i8>("i32 as i8", |v| v as i8);
    check_unary::<u16, i64>("u16 as i64", i64::from);
    check_unary::<i16, bool>("i16 as bool", |v| v != 0);
}

#[test]
fn clamped_f64_to_i32_matches_as_at_every_level() {
    use tessera_kernels::scalar::f64_to_i32;
    let (a, _) = inputs::<f64>(31);
    let mut x: Vec<f64> = a.iter().map(|v| v * 3e9).collect();
    x.extend(a.iter().map(|v| v * 10.0));
    let bound: [f64; 4] = [2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0];
    for b in bound {
        let (up, down) = (
            f64::from_bits(b.to_bits() + 1),
            f64::from_bits(b.to_bits() - 1),
        );
        x.extend([b, b + 0.5, b - 0.5, up, down]);
    }
    x.extend([
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        -0.99,
        0.99,
        5e-324,
        f64::MAX,
        f64::MIN,
    ]);
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(s, len) in &windows(x.len()) {
            let mut got = vec![7i32; len];
            with_level(level, || map(&x[s..s + len], &mut got, f64_to_i32));
            for i in 0..len {
                let v = x[s + i];
                assert_eq!(got[i], v as i32, "{level:?}: {v:e}");
            }
        }
    }
}

#[test]
fn select_and_in_place_loops_at_every_level() {
    let (a, b) = inputs::<f64>(17);
    let c: Vec<bool> = a.iter().zip(&b).map(|(x, y)| x < y).collect();
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(s, len) in &windows(a.len()) {
            let mut got = vec![0.0; len];
            with_level(level, || {
                select(&c[s..s + len], &a[s..s + len], &b[s..s + len], &mut got)
            });
            for i in 0..len {
                let want = if c[s + i] { a[s + i] } else { b[s + i] };
                assert!(got[i].same(want));
            }
            let mut acc: Vec<f64> = a[s..s + len].to_vec();
            with_level(level, || update(&mut acc, &b[s..s + len], |p, q| p + q));
            for i in 0..len {
                assert!(acc[i].same(a[s + i] + b[s + i]));
            }
            with_level(level, || map_in_place(&mut acc, |p| p * 0.5 - 1.0));
            for i in 0..len {
                assert!(acc[i].same((a[s + i] + b[s + i]) * 0.5 - 1.0));
            }
        }
    }
}

/// The 64-bit division kernels (`wide_div`) against `Arith::div` and `Arith::rem`, at every
/// level, on the usual edge and random inputs plus operands on both sides of the 2^51 limit
/// of the vector path, signs mixed.
#[test]
fn wide_division_at_every_level() {
    use tessera_kernels::wide_div::{div_i64, div_u64, rem_i64, rem_u64};
    let (mut a, mut b) = inputs::<i64>(17);
    let near: Vec<i64> = [
        1i64 << 51,
        (1 << 51) - 1,
        (1 << 51) + 1,
        1 << 52,
        (1 << 53) + 7,
    ]
    .iter()
    .flat_map(|&v| [v, -v])
    .collect();
    let mut s = 5u64;
    for &v in &near {
        for w in [1i64, -1, 3, -7, 1 << 20, -(1 << 50), v, -v] {
            a.push(v);
            b.push(w);
            a.push(w);
            b.push(v);
        }
        // Large quotients just inside the limit: (v - 1) / small.
        a.push(v.signum() * ((1 << 51) - 1 - (lcg(&mut s) % 1000) as i64));
        b.push(1 + (lcg(&mut s) % 9) as i64);
    }
    let au: Vec<u64> = a.iter().map(|&v| v as u64).collect();
    let bu: Vec<u64> = b.iter().map(|&v| v as u64).collect();
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(st, len) in &windows(a.len()) {
            let (x, y) = (&a[st..st + len], &b[st..st + len]);
            let (xu, yu) = (&au[st..st + len], &bu[st..st + len]);
            let mut q = vec![0i64; len];
            let mut r = vec![0i64; len];
            let mut qu = vec![0u64; len];
            let mut ru = vec![0u64; len];
            with_level(level, || {
                div_i64(x, y, &mut q);
                rem_i64(x, y, &mut r);
                div_u64(xu, yu, &mut qu);
                rem_u64(xu, yu, &mut ru);
            });
            for i in 0..len {
                let at = format!("at {level:?}: {} and {}", x[i], y[i]);
                assert_eq!(q[i], x[i].div(y[i]), "i64 div {at}");
                assert_eq!(r[i], x[i].rem(y[i]), "i64 rem {at}");
                assert_eq!(qu[i], xu[i].div(yu[i]), "u64 div {at}");
                assert_eq!(ru[i], xu[i].rem(yu[i]), "u64 rem {at}");
            }
        }
    }
}

/// The float remainder kernels (`float_rem`) against `Arith::rem`, at every level: the usual
/// edge and random inputs, quotients next to integers (where the rounded division reaches
/// the integer), quotients on both sides of the 2^52 limit, and huge and tiny magnitudes.
#[test]
fn float_remainder_at_every_level() {
    use tessera_kernels::float_rem::{rem_f32, rem_f64};
    let (mut a, mut b) = inputs::<f64>(23);
    let mut s = 11u64;
    for _ in 0..4000 {
        let u = |s: &mut u64| (lcg(s) >> 11) as f64 / (1u64 << 53) as f64;
        let bv = (u(&mut s) - 0.5) * 10f64.powi((lcg(&mut s) % 9) as i32 - 4);
        let k = ((lcg(&mut s) % 2000) as f64 - 1000.0) * 10f64.powi((lcg(&mut s) % 4) as i32);
        // k·b nudged by a few ulps either way: the quotient sits next to an integer.
        let base = k * bv;
        let nudge = (lcg(&mut s) % 7) as i64 - 3;
        a.push(f64::from_bits((base.to_bits() as i64 + nudge) as u64));
        b.push(bv);
    }
    let two52 = 2f64.powi(52);
    for q in [two52 - 1.0, two52, two52 + 2.0, 2f64.powi(60), 1e300] {
        for d in [1.0, -3.0, 0.7, 1e-300] {
            a.push(q * d);
            b.push(d);
        }
    }
    a.extend([1e308, -1e308, 5e-324, -5e-324, 1e-310, 3.0, -0.0, 0.0]);
    b.extend([1e-308, 3.0, 3e-324, 1e300, 1e-311, f64::INFINITY, 2.0, -2.0]);
    let af: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    let bf: Vec<f32> = b.iter().map(|&v| v as f32).collect();
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
        for &(st, len) in &windows(a.len()) {
            let (x, y) = (&a[st..st + len], &b[st..st + len]);
            let (xf, yf) = (&af[st..st + len], &bf[st..st + len]);
            let mut r = vec![0f64; len];
            let mut rf = vec![0f32; len];
            with_level(level, || {
                rem_f64(x, y, &mut r);
                rem_f32(xf, yf, &mut rf);
            });
            for i in 0..len {
                let want = x[i].rem(y[i]);
                assert!(
                    r[i].same(want),
                    "f64 at {level:?}: {:e} % {:e} = {:e}, want {:e}",
                    x[i],
                    y[i],
                    r[i],
                    want
                );
                let want = xf[i].rem(yf[i]);
                assert!(
                    rf[i].same(want),
                    "f32 at {level:?}: {:e} % {:e} = {:e}, want {:e}",
                    xf[i],
                    yf[i],
                    rf[i],
                    want
                );
            }
        }
    }
}
