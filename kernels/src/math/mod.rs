//! Vectorized transcendental functions over slices, with run-time CPU dispatch.
//!
//! Each function has the form `f(x: &[T], out: &mut [T])` and writes `out[i] = f(x[i])` for
//! `i < min(x.len(), out.len())`.
//!
//! # How they are computed
//!
//! Every function is split in two:
//!
//! - a *fast path*: a branch-free `#[inline(always)]` function of one element, evaluated over
//!   the whole slice in a loop compiled once per [`Level`](crate::dispatch::Level) by
//!   [`dispatch::run`], so that it is vectorized for SSE2, AVX2 and AVX-512. Besides its
//!   value it computes whether the element is outside the range where its accuracy is
//!   guaranteed; such an element is written as NaN and the loop reports that some element
//!   needs the slow path;
//! - a *slow path*: a scalar loop, run only when the fast loop reported an element, that
//!   recomputes every NaN output with the standard library. It handles non-finite
//!   arguments, signed zeros where the fast path would lose the sign, huge arguments of the
//!   trigonometric functions, arguments too close to a multiple of π/2, and results that would
//!   overflow or be subnormal.
//!
//! No fused multiply-add is used (not even where the level has one), and Rust never contracts
//! `a * b + c` on its own, so every level gives bit-identical results; the tests check it.
//! The exception is [`sin`] and [`cos`]: at the levels with fused multiply-add (AVX2, AVX-512,
//! NEON; [`Level::fma`](crate::dispatch::Level::fma)) they use a shorter fast path built on it
//! (`trig_fma.rs`: one reduction by π and one polynomial, about 25 operations per element
//! instead of about 65). Their results then agree bit for bit among the fused-multiply-add
//! levels and among the others, but not across the two groups (the last bits differ for
//! some arguments); both stay within the bound below.
//! Integer work on the bits uses only 64-bit adds, ands, ors and shifts, and integer/float
//! conversions use the 2^52 magic number, so that the loops vectorize on AVX2 too.
//!
//! | function | fast path | slow path (standard library) |
//! | --- | --- | --- |
//! | [`exp`] | `x = k·ln2 + r` (fdlibm's two-part ln2, Cody–Waite, `r` kept with its rounding error), `e^r = 1 + r + r²·P(r)` with a degree-10 minimax `P` (Remez, 2^-58 relative), `1 + r` split exactly and the terms summed with compensation; scaled by `2^k` built in the exponent bits | NaN, `\|x\| > 708` (`2^k` or the result not normal) |
//! | [`expm1`] | the same reduction and polynomial; `2^k·e^r - 1 = (2^k - 1) + 2^k·r + 2^k·(r²·P(r) + …)` with `2^k - 1` and the first sum split exactly; `x < -40` is clamped (the result rounds to -1) | NaN, `x > 709`, `±0` |
//! | [`ln`] | fdlibm's method (e_log.c, as in musl): the mantissa reduced into `[√2/2, √2)` with integer operations on the bits, `f = m - 1`, `s = f/(2+f)`, the `Lg1..Lg7` polynomial; `k` converted to double with the magic number | NaN, `x ≤ 0`, subnormal `x`, `+∞` |
//! | [`log2`], [`log10`] | the reduction and polynomial of `ln`; `ln(1+f)` kept as `hi + lo` with `hi` cut to its top 21 mantissa bits, so that `hi` times the high part of `1/ln2` (`1/ln10`) is exact, then `k` (`k·log10(2)` in two parts) added with the rounding error carried (fdlibm's e_log2.c and e_log10.c); powers of two (of ten up to `1e22`) give exact results | NaN, `x ≤ 0`, subnormal `x`, `+∞` |
//! | [`log1p`] | `u = 1 + x` reduced as in `ln`, plus `c/u` for the exact rounding error `c` of `1 + x` (fdlibm's s_log1p.c correction); `f = x` itself when `1 + x` is in `[√2/2, √2)` | NaN, `x ≤ -1`, `+∞`, `±0` |
//! | [`sin`], [`cos`] (with fused multiply-add) | `x = q·π + r` (`cos`: `(q + ½)·π + r`) with π in three doubles and three fused multiply-adds (the first exact); `sin r = r + r³·P(r²)` with a degree-7 minimax `P` fitted for `\|r\| ≤ π/2` (2^-61 relative), evaluated at `\|r\|` and signed by the parity of `q` and the sign of `r` (so `sin(±0) = ±0` directly) | NaN, `±∞`, `\|x\| > 2^17`, `\|r\| < 2^-40` with `q ≠ 0`, and `\|r\|` within 2^-40 of π/2 (`x` near a peak, where the result must be exactly ±1) |
//! | [`sin`], [`cos`] (other levels) | `x = q·π/2 + r` with a three-part Cody–Waite π/2 (fdlibm's `pio2_1`, `pio2_2`, `pio2_2t`), `r` kept as a double-double; fdlibm's k_sin.c and k_cos.c kernels with the tail, chosen and signed by the quadrant | NaN, `±∞`, `\|x\| > 2^17`, `±0` (sin), `\|r\| < 2^-40` with `q ≠ 0` |
//! | [`tan`] | the same reduction; fdlibm's k_tan.c kernel made branch-free (its `\|r\| ≥ 0.6744` transformation and its accurate `-1/tan` for odd quadrants, with one division for both) | as for `sin` |
//! | [`tanh`] | with `t = expm1(2\|x\|)` (the `expm1` fast path, as a double-double): `t/(t+2)` for `\|x\| < 1`, `1 - 2/(t+2)` above, each division corrected to first order; `\|x\|` clamped to 22 (the result rounds to 1), sign copied from `x` | NaN |
//! | [`exp2`] | `x = k + r` (`k` the nearest integer, `r` exact), `r·ln2` formed as `u + ulo` (a 21-bit head of `r` times the 32-bit `ln2` head is exact), then the `exp` polynomial and compensated sum; scaled by `2^k` | NaN, `\|x\| > 1022` |
//! | [`cbrt`] | `\|x\| = 2^(3k)·2^j·m` from the exponent bits, `t ≈ ∛(2^j·m)` from a degree-5 polynomial (2^-19) cut to 26 bits, `t³` exact as two doubles, `∛ = t·(1+δ)^(1/3)` with the series to `δ³` (`dd.rs`, `cbrt.rs`) | NaN, `±0`, subnormal `x`, `±∞` |
//! | [`sinh`], [`cosh`] | `t = expm1(\|x\|)` as a double-double; `sinh = (t + t/(1+t))/2`, `cosh = (E + 1/E)/2` with `E = 1 + t`, quotients corrected with exact remainders; above `\|x\| = 22`, `e^\|x\|/2` from the `exp` reduction (up to overflow) | NaN |
//! | [`asinh`], [`acosh`], [`atanh`] | the logarithm of an argument formed in double-double (`\|x\| + √(x²+1)`, `x + √(x²-1)`, `(1+\|x\|)/(1-\|x\|)`, with exact products and corrected square roots and quotients), by the `ln` reduction plus `vl/vh` for the low part; `ln(2\|x\|)` beyond 2^28 | NaN, `±∞`; `acosh`: `x ≤ 1`; `atanh`: `\|x\| ≥ 1` |
//! | [`atan`], [`asin`], [`acos`] | `atan(N/M)` for double-double `N, M`: five intervals of `N/M` (breakpoints 7/16, 11/16, 19/16, 39/16), `t = (αN + βM)/(γN + δM)` with exactly summed numerator and denominator and a corrected quotient, `atan t = t + t³·Q(t²)` (degree 11, 2^-53.8 relative); `asin`: `N = \|x\|`, `M = √(1-x²)`; `acos`: the reverse, `π -` it for `x < 0` (`atan.rs`) | NaN, `±∞`; `\|x\| < 2^-500` (`atan`, `asin`); `\|x\| ≥ 1` (`asin`, `acos`) |
//! | [`atan2`] | both operands scaled by one power of two (the larger into `[2, 4)`), `atan(\|y\|/\|x\|)` by the same core, `π -` it for `x < 0`, signed by `y` | NaN, zeros, infinities, subnormal `max(\|x\|, \|y\|)`, `\|y/x\|` beyond about 2^±500 |
//!
//! The reduction for the trigonometric functions is within about 2^-104 of the exact one
//! for `|x| ≤ 2^17` (see `trig.rs`); it is accurate to the last bit unless `r` is tiny, which
//! is why arguments within 2^-40 of a nonzero multiple of π/2 take the slow path.
//!
//! The `f32` functions convert each element to `f64`, evaluate an `f64` fast path in the same
//! loop (so still vectorized) and round the result back; their slow path calls the `f64`
//! standard function and rounds. `exp_f32`, `sin_f32` and `cos_f32` use shorter polynomials
//! (accurate to 2^-31, with fewer operations); the others use the `f64` fast paths. The `f64`
//! value is within 2^-31 of the exact one, so the `f32` result is within 0.5 + 2^-7 ulp.
//!
//! # Accuracy
//!
//! Maximum errors in ulps of the result. "Bound": what each function guarantees and the
//! tests enforce (against the standard library, allowing the bound plus 1 ulp, since the
//! standard library is itself off by up to about 1 ulp, 2 for `tanh`). "Worst found": the
//! largest error against the exact value over 10^7 random arguments per function (split over
//! 2–4 ranges each: small, full and subnormal-result ranges for `exp`, log-uniform over
//! [1e-300, 1e300] and subnormals for `ln`, up to 1e22 for the trigonometric functions, and
//! `y·ln x` over [-745, 709.7] for `pow`), by the harness in `kernels/accuracy` (a 128-bit
//! `astro-float` reference, checked against mpmath). Every level gives the same bits, so the
//! figures hold at every level, except for `sin` and `cos`, whose two rows are the levels with
//! fused multiply-add and the others. The `f32` functions are within 0.5 ulp plus at most 2^-7 by
//! construction (an `f64` value within 2^-31, rounded once); `pow_f32` (shorter tables)
//! reaches 0.572.
//!
//! | function | bound | worst found (10^7 args) | | `f32` function | bound | worst found |
//! | --- | --- | --- | - | --- | --- | --- |
//! | [`exp`] | 1 | 0.618 | | [`exp_f32`] | 1 | 0.502 |
//! | [`ln`] | 1 | 0.835 | | [`ln_f32`] | 1 | 0.500 |
//! | [`log2`] | 1 | 0.822 (10^6 per range) | | [`log2_f32`] | 1 | 0.500 (10^6 per range) |
//! | [`log10`] | 1 | 0.747 (10^6 per range) | | [`log10_f32`] | 1 | 0.500 (10^6 per range) |
//! | [`expm1`] | 2 | 0.950 | | [`expm1_f32`] | 1 | 0.500 |
//! | [`log1p`] | 2 | 0.825 | | [`log1p_f32`] | 1 | 0.500 |
//! | [`sin`] (fused multiply-add) | 2 | 1.886 | | [`sin_f32`] | 1 | 0.500 |
//! | [`sin`] (other levels) | 2 | 0.791 | | | | |
//! | [`cos`] (fused multiply-add) | 2 | 1.933 | | [`cos_f32`] | 1 | 0.500 |
//! | [`cos`] (other levels) | 2 | 0.806 | | | | |
//! | [`tan`] | 2 | 0.890 | | [`tan_f32`] | 1 | 0.500 |
//! | [`tanh`] | 2 | 1.212 | | [`tanh_f32`] | 1 | 0.500 |
//! | [`pow`] | 2 | 0.510 | | [`pow_f32`] | 1 | 0.572 |
//! | [`exp2`] | 1 | 0.615 (3·10^6 args) | | [`exp2_f32`] | 1 | 0.500 |
//! | [`cbrt`] | 1 | 0.500 (2·10^6 args) | | [`cbrt_f32`] | 1 | 0.500 |
//! | [`sinh`] | 1 | 0.788 (2·10^6 args) | | [`sinh_f32`] | 1 | 0.500 |
//! | [`cosh`] | 1 | 0.604 (2·10^6 args) | | [`cosh_f32`] | 1 | 0.500 |
//! | [`asinh`] | 1 | 0.688 (2·10^6 args) | | [`asinh_f32`] | 1 | 0.500 |
//! | [`acosh`] | 1 | 0.703 (2·10^6 args) | | [`acosh_f32`] | 1 | 0.500 |
//! | [`atanh`] | 1 | 0.679 (2·10^6 args) | | [`atanh_f32`] | 1 | 0.500 |
//! | [`atan`] | 1 | 0.630 (2·10^6 args) | | [`atan_f32`] | 1 | 0.500 |
//! | [`asin`] | 1 | 0.636 (2·10^6 args) | | [`asin_f32`] | 1 | 0.500 |
//! | [`acos`] | 1 | 0.645 (2·10^6 args) | | [`acos_f32`] | 1 | 0.500 |
//! | [`atan2`] | 1 | 0.620 (2·10^6 args) | | [`atan2_f32`] | 1 | 0.500 |
//!
//! [`sinc`], [`logaddexp`] and [`logaddexp2`] (and their `_f32` forms) evaluate NumPy's
//! formulas over these kernels; their error against the exact functions is the formulas'
//! own (large where they cancel, measured in `kernels/accuracy/RESULTS.md`), and they agree
//! with NumPy's values within 2 ulp.
//!
//! (Per range, with the worst arguments: `kernels/accuracy/RESULTS.md`.)

// The polynomial and reduction constants are quoted with the digits they are published with;
// each rounds to the intended double.
#![allow(clippy::excessive_precision)]
// `!(x <= limit)` is deliberate: it is true for NaN too, in one comparison that vectorizes.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub use atan::{acos, asin, atan, atan2, atan2_f32};
pub use cbrt::cbrt;
pub use compose::{logaddexp, logaddexp2, logaddexp2_f32, logaddexp_f32, sinc, sinc_f32};
pub use exp::{exp, exp2, expm1};
pub use f32::{
    acos_f32, acosh_f32, asin_f32, asinh_f32, atan_f32, atanh_f32, cbrt_f32, cos_f32, cosh_f32,
    exp2_f32, exp_f32, expm1_f32, ln_f32, log10_f32, log1p_f32, log2_f32, sin_f32, sinh_f32,
    tan_f32, tanh_f32,
};
pub use hyper::{acosh, asinh, atanh, cosh, sinh};
pub use log::{ln, log10, log1p, log2};
pub use pow::{pow, pow_f32};
pub use tanh::tanh;
pub use trig::{cos, sin, tan};

use crate::dispatch;

mod atan;
mod cbrt;
mod compose;
mod dd;
mod exp;
mod f32;
mod hyper;
mod log;
mod pow;
mod tanh;
mod trig;
mod trig_fma;

/// 1.5 · 2^52: adding it to a double of magnitude below 2^51 rounds it to an integer, which
/// is then held in the low mantissa bits (two's complement).
const ROUND_MAGIC: f64 = 6755399441055744.0;

/// The bits of 2^52: OR-ing an integer `n < 2^52` into its mantissa gives `2^52 + n`.
const TWO52_BITS: u64 = 0x4330_0000_0000_0000;

/// `n as f64` for `n < 2^52`, without an integer-to-float conversion (AVX2 has none for 64-bit
/// lanes, so `as f64` would not vectorize there).
#[inline(always)]
fn u52_to_f64(n: u64) -> f64 {
    f64::from_bits(n | TWO52_BITS) - 4503599627370496.0
}

/// One function: its branch-free fast path and its standard-library fallback. Implemented
/// by unit types so that the fast path is a direct call to an `#[inline(always)]` function
/// (a function passed as a value goes through a call shim that large bodies are not inlined
/// through, and a call in the loop stops vectorization).
trait Kernel {
    /// The value of the fast path, and whether the element needs the slow path instead.
    fn fast(x: f64) -> (f64, bool);
    /// The standard library's value.
    fn exact(x: f64) -> f64;
    /// Whether the kernel has its own fast path for the levels with fused multiply-add
    /// ([`Level::fma`](crate::dispatch::Level::fma)).
    const FMA: bool = false;
    /// The fast path at a level with fused multiply-add (the plain one unless `FMA`).
    #[inline(always)]
    fn fast_fma(x: f64) -> (f64, bool) {
        Self::fast(x)
    }
}

/// Declares a unit type implementing [`Kernel`] with the given fast and exact functions.
macro_rules! kernel {
    ($name:ident, $fast:path, $exact:path $(, fma: $fma:path)?) => {
        pub(super) struct $name;
        impl super::Kernel for $name {
            #[inline(always)]
            fn fast(x: f64) -> (f64, bool) {
                $fast(x)
            }
            fn exact(x: f64) -> f64 {
                $exact(x)
            }
            $(
                const FMA: bool = true;
                #[inline(always)]
                fn fast_fma(x: f64) -> (f64, bool) {
                    $fma(x)
                }
            )?
        }
    };
}
use kernel;

/// Evaluates the fast path (the fused multiply-add one if `FMA`) over `x` into `out` (same
/// length), writing NaN where it asks for the slow path; returns whether some element did.
#[inline(always)]
fn fast_loop<K: Kernel, const FMA: bool>(x: &[f64], out: &mut [f64]) -> bool {
    let mut slow = false;
    for (o, &v) in out.iter_mut().zip(x) {
        let (y, s) = if FMA { K::fast_fma(v) } else { K::fast(v) };
        *o = if s { f64::NAN } else { y };
        slow |= s;
    }
    slow
}

/// As [`fast_loop`], for `f32` data evaluated in `f64`.
#[inline(always)]
fn fast_loop_f32<K: Kernel>(x: &[f32], out: &mut [f32]) -> bool {
    let mut slow = false;
    for (o, &v) in out.iter_mut().zip(x) {
        let (y, s) = K::fast(v as f64);
        *o = if s { f32::NAN } else { y as f32 };
        slow |= s;
    }
    slow
}

/// The whole kernel for `f64`: the vectorized fast path, then the standard library for every
/// output the fast path left as NaN.
fn map_f64<K: Kernel>(x: &[f64], out: &mut [f64]) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    // `inline(always)`: the closure must be compiled inside each level's function (with its
    // target features); LLVM would not inline a large one there by itself. (An attribute on a
    // closure passed as a call argument is stable Rust: see the Reference, "Expression
    // attributes".)
    let level = dispatch::level();
    // The fused multiply-add path is compiled for every level (as `run_at` requires) but only
    // run at levels that have the instruction; elsewhere `mul_add` would be a library call.
    let slow = if K::FMA && level.fma() {
        dispatch::run_at(
            level,
            #[inline(always)]
            || fast_loop::<K, true>(x, out),
        )
    } else {
        dispatch::run_at(
            level,
            #[inline(always)]
            || fast_loop::<K, false>(x, out),
        )
    };
    if slow {
        for (o, &v) in out.iter_mut().zip(x) {
            if o.is_nan() {
                *o = K::exact(v);
            }
        }
    }
}

/// The whole kernel for `f32`: the `f64` fast path on converted elements, rounded back, then
/// the `f64` standard function for the outputs left as NaN.
fn map_f32<K: Kernel>(x: &[f32], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    if dispatch::run(
        #[inline(always)]
        || fast_loop_f32::<K>(x, out),
    ) {
        for (o, &v) in out.iter_mut().zip(x) {
            if o.is_nan() {
                *o = K::exact(v as f64) as f32;
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Shared checks for the math tests.

    use crate::dispatch::{self, Level};

    /// Distance in units in the last place between two doubles of the same sign (or zero).
    pub fn ulps(a: f64, b: f64) -> u64 {
        let key = |v: f64| {
            let b = v.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        key(a).abs_diff(key(b))
    }

    /// Distance in units in the last place between two floats.
    pub fn ulps32(a: f32, b: f32) -> u64 {
        let key = |v: f32| {
            let b = v.to_bits() as i32 as i64;
            if b < 0 {
                i32::MIN as i64 - b
            } else {
                b
            }
        };
        key(a).abs_diff(key(b))
    }

    /// A small deterministic generator (PCG-style LCG, top bits).
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
        }
        /// Uniform in [0, 1).
        pub fn unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Uniform in [lo, hi).
        pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.unit()
        }
        /// Log-uniform magnitude in [2^lo, 2^hi).
        pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
            self.uniform(lo, hi).exp2()
        }
    }

    /// Which levels must give the same bits.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Agree {
        /// Every level.
        All,
        /// The levels with fused multiply-add among themselves, and the others among
        /// themselves (kernels with a fused multiply-add fast path: `sin`, `cos`).
        WithinFma,
    }

    /// Runs an `f64` kernel at every supported level, checks that the levels agree bit for bit
    /// as `agree` says, and returns each level's output.
    pub fn run_levels_by(f: fn(&[f64], &mut [f64]), x: &[f64], agree: Agree) -> Vec<Vec<f64>> {
        let mut outs: Vec<(Level, Vec<f64>)> = Vec::new();
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            let mut y = vec![0.0; x.len()];
            dispatch::with_level(level, || f(x, &mut y));
            let first = outs
                .iter()
                .find(|(l, _)| agree == Agree::All || l.fma() == level.fma());
            if let Some((l0, f0)) = first {
                for (i, (a, b)) in f0.iter().zip(&y).enumerate() {
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "level {level:?} differs from {l0:?} at x = {:e}: {a:e} vs {b:e}",
                        x[i]
                    );
                }
            }
            outs.push((level, y));
        }
        outs.into_iter().map(|(_, y)| y).collect()
    }

    /// As [`run_levels_by`] with [`Agree::All`], for an `f32` kernel; returns the output of
    /// the last level.
    pub fn run_levels_f32(f: fn(&[f32], &mut [f32]), x: &[f32]) -> Vec<f32> {
        let mut first: Option<Vec<f32>> = None;
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            let mut y = vec![0.0; x.len()];
            dispatch::with_level(level, || f(x, &mut y));
            if let Some(f0) = &first {
                for (i, (a, b)) in f0.iter().zip(&y).enumerate() {
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "level {level:?} differs at x = {:e}: {a:e} vs {b:e}",
                        x[i]
                    );
                }
            } else {
                first = Some(y);
            }
        }
        first.unwrap()
    }

    /// Checks `f` against `reference` at every level over `x`: NaN where the reference is
    /// NaN, otherwise within `bound` ulps. Returns the worst distance seen.
    pub fn check_f64(
        name: &str,
        f: fn(&[f64], &mut [f64]),
        reference: fn(f64) -> f64,
        x: &[f64],
        bound: u64,
    ) -> u64 {
        check_f64_by(name, f, reference, x, bound, Agree::All)
    }

    /// As [`check_f64`], with the levels agreeing as `agree` says; every level's output is
    /// checked against the reference.
    pub fn check_f64_by(
        name: &str,
        f: fn(&[f64], &mut [f64]),
        reference: fn(f64) -> f64,
        x: &[f64],
        bound: u64,
        agree: Agree,
    ) -> u64 {
        let mut worst = 0;
        for y in run_levels_by(f, x, agree) {
            for (&a, &b) in x.iter().zip(&y) {
                let e = reference(a);
                if e.is_nan() {
                    assert!(b.is_nan(), "{name}({a:e}) = {b:e}, expected NaN");
                    continue;
                }
                let d = ulps(e, b);
                assert!(
                    d <= bound,
                    "{name}({a:e}) = {b:e}, std {e:e}: {d} ulps (bound {bound})"
                );
                worst = worst.max(d);
            }
        }
        worst
    }

    /// Checks an `f32` kernel against the `f64` reference rounded to `f32`, within 1 ulp, at
    /// every level. Returns the worst distance seen.
    pub fn check_f32(
        name: &str,
        f: fn(&[f32], &mut [f32]),
        reference: fn(f64) -> f64,
        x: &[f32],
    ) -> u64 {
        let y = run_levels_f32(f, x);
        let mut worst = 0;
        for (&a, &b) in x.iter().zip(&y) {
            let e = reference(a as f64) as f32;
            if e.is_nan() {
                assert!(b.is_nan(), "{name}({a:e}) = {b:e}, expected NaN");
                continue;
            }
            let d = ulps32(e, b);
            assert!(d <= 1, "{name}({a:e}) = {b:e}, expected {e:e}: {d} ulps");
            worst = worst.max(d);
        }
        worst
    }

    /// Checks that `f` gives exactly what `reference` gives (bit for bit, any NaN for NaN) on
    /// `x`, at every level, and through every slicing a kernel must support: lengths
    /// 0..=70, an unaligned start, and an output longer than the input.
    pub fn check_exact_f64(f: fn(&[f64], &mut [f64]), reference: fn(f64) -> f64, x: &[f64]) {
        check_exact_f64_by(f, reference, x, Agree::All)
    }

    /// As [`check_exact_f64`], with the levels agreeing as `agree` says (each is compared
    /// with the reference).
    pub fn check_exact_f64_by(
        f: fn(&[f64], &mut [f64]),
        reference: fn(f64) -> f64,
        x: &[f64],
        agree: Agree,
    ) {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        for y in run_levels_by(f, x, agree) {
            for (&a, &b) in x.iter().zip(&y) {
                let e = reference(a);
                assert!(same(e, b), "f({a:e}) = {b:e}, expected {e:e}");
            }
        }
        check_slicing(f, x);
    }

    /// As [`check_exact_f64`] for an `f32` kernel and an `f64` reference rounded to `f32`.
    pub fn check_exact_f32(f: fn(&[f32], &mut [f32]), reference: fn(f64) -> f64, x: &[f32]) {
        let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        let y = run_levels_f32(f, x);
        for (&a, &b) in x.iter().zip(&y) {
            let e = reference(a as f64) as f32;
            assert!(same(e, b), "f({a:e}) = {b:e}, expected {e:e}");
        }
    }

    /// Every length 0..=70, unaligned starts and longer outputs give the same values as the
    /// whole-slice call, and elements past the input are left alone.
    pub fn check_slicing(f: fn(&[f64], &mut [f64]), x: &[f64]) {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        let mut full = vec![0.0; x.len()];
        f(x, &mut full);
        for start in [0, 1, 3] {
            for len in 0..=70.min(x.len().saturating_sub(start)) {
                let xs = &x[start..start + len];
                let mut y = vec![-7.5; len + 5];
                f(xs, &mut y[1..]);
                assert_eq!(y[0], -7.5);
                for i in 0..len {
                    assert!(
                        same(y[1 + i], full[start + i]),
                        "len {len} start {start} i {i}"
                    );
                }
                assert!(
                    y[1 + len..].iter().all(|&v| v == -7.5),
                    "wrote past the input"
                );
                // A shorter output bounds the count too.
                if len > 0 {
                    let mut z = vec![-7.5; len - 1];
                    f(xs, &mut z);
                    for i in 0..len - 1 {
                        assert!(same(z[i], full[start + i]));
                    }
                }
            }
        }
    }

    /// As [`check_slicing`] for `f32` kernels.
    pub fn check_slicing_f32(f: fn(&[f32], &mut [f32]), x: &[f32]) {
        let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        let mut full = vec![0.0; x.len()];
        f(x, &mut full);
        for start in [0, 1, 3] {
            for len in 0..=70.min(x.len().saturating_sub(start)) {
                let xs = &x[start..start + len];
                let mut y = vec![-7.5; len + 5];
                f(xs, &mut y[1..]);
                assert_eq!(y[0], -7.5);
                for i in 0..len {
                    assert!(
                        same(y[1 + i], full[start + i]),
                        "len {len} start {start} i {i}"
                    );
                }
                assert!(
                    y[1 + len..].iter().all(|&v| v == -7.5),
                    "wrote past the input"
                );
            }
        }
    }

    /// Special arguments every function is checked on exactly against std (together with
    /// its own): NaNs, infinities, signed zeros and subnormals.
    pub fn specials() -> Vec<f64> {
        vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            -5e-324,
            1e-310,
            -1e-310,
        ]
    }
}
