//! The arbitrary-precision reference (astro-float) and exact rounding of its results to
//! `f64`/`f32`.
//!
//! Every reference value is computed with at least [`PREC`] correct bits (more where the
//! computation cancels: argument reduction of huge trigonometric arguments, `exp(x) - 1`,
//! `ln(1 + x)`), then rounded to the target format by [`Parts::round`] from its binary
//! digits, so the only rounding of the reference value is the final one to the target format.

use astro_float::{BigFloat, Consts, RoundingMode, Sign, Word};

/// Base working precision of the reference, in bits (75 bits beyond `f64`'s 53).
pub const PREC: usize = 128;

/// Below this astro-float exponent of |x| (that is, for |x| < 2^-9), `expm1` and `log1p` are
/// summed from their Taylor series instead of being computed as `exp(x) - 1` and `ln(1 + x)`.
const SERIES_EXP: i32 = -8;

const RM: RoundingMode = RoundingMode::ToEven;

/// A function of the harness, named like the f64 kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Exp,
    Ln,
    Log2,
    Log10,
    Log1p,
    Expm1,
    Sin,
    Cos,
    Tan,
    Tanh,
    Pow,
    Exp2,
    Cbrt,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    Atan,
    Asin,
    Acos,
    /// `atan2(x, y)`: the harness's first argument is the numerator.
    Atan2,
    /// NumPy's `sinc`: `sin(πx)/(πx)`.
    Sinc,
    /// `ln(e^x + e^y)`.
    Logaddexp,
    /// `log2(2^x + 2^y)`.
    Logaddexp2,
}

impl Func {
    /// The function in `f64`, from the standard library.
    pub fn std_f64(self, x: f64, y: f64) -> f64 {
        match self {
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Log2 => x.log2(),
            Func::Log10 => x.log10(),
            Func::Log1p => x.ln_1p(),
            Func::Expm1 => x.exp_m1(),
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Tanh => x.tanh(),
            Func::Pow => x.powf(y),
            Func::Exp2 => x.exp2(),
            Func::Cbrt => x.cbrt(),
            Func::Sinh => x.sinh(),
            Func::Cosh => x.cosh(),
            Func::Asinh => x.asinh(),
            Func::Acosh => x.acosh(),
            Func::Atanh => x.atanh(),
            Func::Atan => x.atan(),
            Func::Asin => x.asin(),
            Func::Acos => x.acos(),
            Func::Atan2 => x.atan2(y),
            Func::Sinc => {
                let p = std::f64::consts::PI * x;
                p.sin() / p
            }
            Func::Logaddexp => x.max(y) + (-(x - y).abs()).exp().ln_1p(),
            Func::Logaddexp2 => {
                x.max(y) + std::f64::consts::LOG2_E * (-(x - y).abs()).exp2().ln_1p()
            }
        }
    }

    /// The function in `f32`, from the standard library.
    pub fn std_f32(self, x: f32, y: f32) -> f32 {
        match self {
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Log2 => x.log2(),
            Func::Log10 => x.log10(),
            Func::Log1p => x.ln_1p(),
            Func::Expm1 => x.exp_m1(),
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Tanh => x.tanh(),
            Func::Pow => x.powf(y),
            Func::Exp2 => x.exp2(),
            Func::Cbrt => x.cbrt(),
            Func::Sinh => x.sinh(),
            Func::Cosh => x.cosh(),
            Func::Asinh => x.asinh(),
            Func::Acosh => x.acosh(),
            Func::Atanh => x.atanh(),
            Func::Atan => x.atan(),
            Func::Asin => x.asin(),
            Func::Acos => x.acos(),
            Func::Atan2 => x.atan2(y),
            Func::Sinc => {
                let p = std::f32::consts::PI * x;
                p.sin() / p
            }
            Func::Logaddexp => x.max(y) + (-(x - y).abs()).exp().ln_1p(),
            Func::Logaddexp2 => {
                x.max(y) + std::f32::consts::LOG2_E * (-(x - y).abs()).exp2().ln_1p()
            }
        }
    }
}

/// A binary floating-point format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Significand bits, including the implicit one.
    pub prec: i32,
    /// Exponent of the smallest normal number (as in `1.f × 2^e`).
    pub emin: i32,
    /// Exponent of the largest finite number.
    pub emax: i32,
}

/// IEEE binary64.
pub const F64: Format = Format {
    prec: 53,
    emin: -1022,
    emax: 1023,
};

/// IEEE binary32.
pub const F32: Format = Format {
    prec: 24,
    emin: -126,
    emax: 127,
};

/// `2^n` as an `f64`, exact for `-1074 <= n <= 1023`.
pub fn exp2i(n: i32) -> f64 {
    assert!((-1074..=1023).contains(&n), "2^{n} is not an f64");
    if n >= -1022 {
        f64::from_bits(((n + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (n + 1074))
    }
}

/// Binary exponent `e` of a finite non-zero `f64` (`2^e <= |x| < 2^(e+1)`), subnormals
/// included.
pub fn ilogb(x: f64) -> i32 {
    let bits = x.to_bits() & !(1u64 << 63);
    let biased = (bits >> 52) as i32;
    if biased != 0 {
        biased - 1023
    } else {
        // Subnormal: the position of the leading one of the fraction.
        -1011 - bits.leading_zeros() as i32
    }
}

/// `x` as a `BigFloat` of precision `p`, exactly. (astro-float 0.9.6's `from_f64` halves
/// subnormals, so those are scaled into the normal range first.)
pub fn big(x: f64, p: usize) -> BigFloat {
    if x != 0.0 && x.abs() < f64::MIN_POSITIVE {
        let mut b = BigFloat::from_f64(x * exp2i(64), p);
        let e = b.exponent().expect("finite");
        b.set_exponent(e - 64);
        b
    } else {
        BigFloat::from_f64(x, p)
    }
}

/// astro-float's exponent of a non-zero double: `2^(e-1) <= |x| < 2^e`.
fn exponent_of(x: f64) -> i32 {
    ilogb(x) + 1
}

/// The value of a finite reference result, cut to its 128 leading bits plus a sticky bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Zero (then the other fields are meaningless).
    pub zero: bool,
    /// Negative.
    pub neg: bool,
    /// The leading 128 bits of the significand; bit 127 is set.
    pub m: u128,
    /// The value is `m × 2^(e - 128)` (plus the sticky remainder), so `2^(e-1) <= |v| < 2^e`.
    pub e: i32,
    /// Some bit below the 128 leading ones is set.
    pub sticky: bool,
}

impl Parts {
    /// Decomposes a finite `BigFloat`; `None` for NaN and infinities.
    pub fn of(v: &BigFloat) -> Option<Parts> {
        const _: () = assert!(
            Word::BITS == 64,
            "the harness assumes 64-bit astro-float words"
        );
        if v.is_nan() || v.is_inf() {
            return None;
        }
        let zero = Parts {
            zero: true,
            neg: false,
            m: 0,
            e: 0,
            sticky: false,
        };
        if v.is_zero() {
            return Some(zero);
        }
        let (words, _n, sign, e, _inexact) = v.as_raw_parts()?;
        // Words are least significant first. The value is 0.(words) × 2^e; collect the top
        // 128 bits from the leading non-zero bit on (a subnormal BigFloat need not have its
        // top bit set).
        let top = |i: usize| -> u64 { words.len().checked_sub(i + 1).map_or(0, |j| words[j]) };
        let Some(lead) = words.iter().rev().position(|&w| w != 0) else {
            return Some(zero);
        };
        let hi = top(lead);
        let shift = hi.leading_zeros();
        let raw = (u128::from(hi) << 64) | u128::from(top(lead + 1));
        let w2 = top(lead + 2);
        let (m, below) = if shift == 0 {
            (raw, w2)
        } else {
            ((raw << shift) | u128::from(w2 >> (64 - shift)), w2 << shift)
        };
        let sticky = below != 0 || (lead + 3..words.len()).any(|i| top(i) != 0);
        Some(Parts {
            zero: false,
            neg: sign == Sign::Neg,
            m,
            e: e - (lead as i32) * 64 - shift as i32,
            sticky,
        })
    }

    /// Rounds to nearest-even in `fmt`, with gradual underflow and overflow to infinity.
    /// Returns the rounded value (exactly representable in `fmt`, held in an `f64`) and the
    /// exponent of its ulp (that of the largest finite number when the result overflows, of
    /// the smallest subnormal when it is zero).
    pub fn round(&self, fmt: Format) -> (f64, i32) {
        let min_ulp = fmt.emin - (fmt.prec - 1);
        if self.zero {
            return (0.0, min_ulp);
        }
        // 2^k <= |v| < 2^(k+1); the ulp there is 2^qexp.
        let k = self.e - 1;
        let qexp = k.max(fmt.emin) - (fmt.prec - 1);
        // |v| / 2^qexp = m / 2^shift.
        let shift = 128 + qexp - self.e;
        debug_assert!(shift >= 128 - fmt.prec);
        let (q, half, rest) = if shift < 128 {
            (
                self.m >> shift,
                (self.m >> (shift - 1)) & 1 == 1,
                self.m & ((1u128 << (shift - 1)) - 1) != 0 || self.sticky,
            )
        } else if shift == 128 {
            (0, true, self.m & ((1u128 << 127) - 1) != 0 || self.sticky)
        } else {
            (0, false, true)
        };
        let q = q + u128::from(half && (rest || q & 1 == 1));
        let sign = if self.neg { -1.0 } else { 1.0 };
        if q == 0 {
            return (sign * 0.0, min_ulp);
        }
        let kr = 127 - q.leading_zeros() as i32 + qexp;
        if kr > fmt.emax {
            return (sign * f64::INFINITY, fmt.emax - (fmt.prec - 1));
        }
        let ulp = kr.max(fmt.emin) - (fmt.prec - 1);
        (sign * (q as f64) * exp2i(qexp), ulp)
    }
}

/// Error of a computed value against the exact one.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// |computed − exact| / ulp, the ulp taken of the correctly rounded result (infinite for
    /// a NaN, or for an infinity where the correctly rounded result is finite).
    pub ulps: f64,
    /// (computed − exact) / ulp, signed (NaN for a NaN).
    pub signed: f64,
    /// `computed` equals the correctly rounded result (±0 count as equal).
    pub correct: bool,
    /// The correctly rounded result.
    pub rounded: f64,
}

/// Measures `computed` (a value of `fmt`, held in an `f64`) against `exact`.
pub fn measure(computed: f64, exact: &BigFloat, fmt: Format) -> Measured {
    let parts = Parts::of(exact).expect("reference is finite");
    let (rounded, ulp_exp) = parts.round(fmt);
    let correct = computed == rounded;
    let signed = if computed.is_nan() {
        f64::NAN
    } else if computed.is_infinite() {
        // 0 where overflow is right, infinite where the rounded result is finite.
        if correct {
            0.0
        } else {
            computed
        }
    } else {
        let mut diff = big(computed, 64).sub(exact, PREC + 64, RM);
        if diff.is_zero() {
            0.0
        } else {
            let e = diff.exponent().expect("finite difference");
            diff.set_exponent(e - ulp_exp);
            Parts::of(&diff).expect("finite").round(F64).0
        }
    };
    Measured {
        ulps: if signed.is_nan() {
            f64::INFINITY
        } else {
            signed.abs()
        },
        signed,
        correct,
        rounded,
    }
}

/// Reference evaluator; holds astro-float's constant cache (one per thread).
pub struct Reference {
    cc: Consts,
}

impl Default for Reference {
    fn default() -> Self {
        Self::new()
    }
}

impl Reference {
    /// A new evaluator.
    pub fn new() -> Reference {
        Reference {
            cc: Consts::new().expect("astro-float constant cache"),
        }
    }

    /// `f(x)` (or `x^y`) with at least [`PREC`] correct bits. Panics if the reference fails
    /// (NaN or infinite), which no argument drawn by the harness should cause.
    pub fn eval(&mut self, f: Func, x: f64, y: f64) -> BigFloat {
        let v = match f {
            Func::Exp => big(x, PREC).exp(PREC, RM, &mut self.cc),
            Func::Ln => big(x, PREC).ln(PREC, RM, &mut self.cc),
            Func::Log2 => big(x, PREC).log2(PREC, RM, &mut self.cc),
            Func::Log10 => big(x, PREC).log10(PREC, RM, &mut self.cc),
            Func::Tanh => big(x, PREC).tanh(PREC, RM, &mut self.cc),
            Func::Pow => big(x, PREC).pow(&big(y, PREC), PREC, RM, &mut self.cc),
            // 2^x with x exact: the result's precision is what matters (|x| ≤ 1075 adds
            // at most 11 bits to the argument of exp inside pow; 64 extra bits cover it).
            Func::Exp2 => big(2.0, 64).pow(&big(x, PREC), PREC + 64, RM, &mut self.cc),
            Func::Cbrt => big(x, PREC).cbrt(PREC, RM),
            // astro-float computes these from exp and ln, with its own guard bits; 64 extra
            // bits of working precision keep at least PREC where they cancel (near 0 and 1).
            Func::Sinh => big(x, PREC).sinh(PREC + 64, RM, &mut self.cc),
            Func::Cosh => big(x, PREC).cosh(PREC + 64, RM, &mut self.cc),
            Func::Asinh => big(x, PREC).asinh(PREC + 64, RM, &mut self.cc),
            Func::Acosh => big(x, PREC).acosh(PREC + 64, RM, &mut self.cc),
            Func::Atanh => big(x, PREC).atanh(PREC + 64, RM, &mut self.cc),
            Func::Atan => big(x, PREC).atan(PREC + 64, RM, &mut self.cc),
            Func::Asin => big(x, PREC).asin(PREC + 64, RM, &mut self.cc),
            Func::Acos => big(x, PREC).acos(PREC + 64, RM, &mut self.cc),
            Func::Atan2 => {
                // atan(x/y) of the quotient at PREC + 64 bits, ± π for a negative y.
                let p = PREC + 64;
                let a = big(x, p).div(&big(y, p), p, RM).atan(p, RM, &mut self.cc);
                if y < 0.0 {
                    let pi = self.cc.pi(p, RM);
                    if x < 0.0 {
                        a.sub(&pi, p, RM)
                    } else {
                        a.add(&pi, p, RM)
                    }
                } else {
                    a
                }
            }
            Func::Sinc => {
                // sin(πx)/(πx) with π and the product exact to PREC + 64 bits.
                let p = PREC + 64;
                let px = self.cc.pi(p, RM).mul(&big(x, p), p, RM);
                px.sin(p, RM, &mut self.cc).div(&px, p, RM)
            }
            Func::Logaddexp => {
                let p = PREC + 64;
                let e = big(x, p).exp(p, RM, &mut self.cc).add(
                    &big(y, p).exp(p, RM, &mut self.cc),
                    p,
                    RM,
                );
                e.ln(p, RM, &mut self.cc)
            }
            Func::Logaddexp2 => {
                let p = PREC + 64;
                let two = big(2.0, 64);
                let e = two.pow(&big(x, p), p, RM, &mut self.cc).add(
                    &two.pow(&big(y, p), p, RM, &mut self.cc),
                    p,
                    RM,
                );
                e.log2(p, RM, &mut self.cc)
            }
            Func::Sin | Func::Cos | Func::Tan => {
                // astro-float reduces modulo 2π with π to (argument precision + exponent)
                // bits, so an argument precision of PREC + exponent keeps at least PREC
                // bits through the cancellation.
                let p = PREC + exponent_of(x).max(0) as usize;
                self.trig(f, x, p)
            }
            Func::Expm1 => {
                if x == 0.0 {
                    big(x, PREC)
                } else if exponent_of(x) < SERIES_EXP {
                    expm1_series(x)
                } else {
                    // |x| >= 2^-9: exp(x) - 1 cancels at most ~10 bits of the 64 extra.
                    self.expm1_direct(x, PREC + 64)
                }
            }
            Func::Log1p => {
                if x == 0.0 {
                    big(x, PREC)
                } else if exponent_of(x) < SERIES_EXP {
                    log1p_series(x)
                } else {
                    self.log1p_direct(x, PREC + 64)
                }
            }
        };
        assert!(
            !v.is_nan() && !v.is_inf(),
            "reference {f:?}({x:e}, {y:e}) failed: {v:?}"
        );
        v
    }

    /// sin, cos or tan of `x` at working precision `p`.
    pub fn trig(&mut self, f: Func, x: f64, p: usize) -> BigFloat {
        let bx = big(x, p);
        match f {
            Func::Sin => bx.sin(p, RM, &mut self.cc),
            Func::Cos => bx.cos(p, RM, &mut self.cc),
            Func::Tan => bx.tan(p, RM, &mut self.cc),
            _ => panic!("{f:?} is not trigonometric"),
        }
    }

    /// `exp(x) - 1` at working precision `p`, without the series.
    pub fn expm1_direct(&mut self, x: f64, p: usize) -> BigFloat {
        let one = BigFloat::from_word(1, p);
        big(x, p).exp(p, RM, &mut self.cc).sub(&one, p, RM)
    }

    /// `ln(1 + x)` at working precision `p`, without the series: 1 + x is formed exactly
    /// (its bits run from 2^max(e, 0) down to 2^min(e - 52, 0)), so only ln rounds.
    pub fn log1p_direct(&mut self, x: f64, p: usize) -> BigFloat {
        let e = ilogb(x);
        let span = (e.max(0) - (e - 52).min(0) + 2) as usize;
        let one = BigFloat::from_word(1, 64);
        let u = big(x, 64).add(&one, span, RoundingMode::None);
        assert!(!u.inexact(), "1 + {x:e} is not exact");
        u.ln(p, RM, &mut self.cc)
    }
}

/// Sums `x + Σ_{k≥2} t_k` (`t_k = next(t_{k-1}, k)`) at PREC + 64 bits, stopping once a
/// term is below 2^-(PREC+32) of the sum. For |x| < 2^-9 the terms shrink by 2^-9 or more
/// each, so about 18 terms are summed.
fn sum_series(x: f64, mut next: impl FnMut(&BigFloat, u32) -> BigFloat) -> BigFloat {
    let p = PREC + 64;
    let mut t = big(x, p);
    let mut sum = t.clone();
    for k in 2.. {
        t = next(&t, k);
        sum = sum.add(&t, p, RM);
        let (Some(et), Some(es)) = (t.exponent(), sum.exponent()) else {
            unreachable!("series terms and sums are finite and non-zero")
        };
        if et < es - (PREC as i32 + 32) {
            break;
        }
    }
    sum
}

/// `exp(x) - 1 = Σ_{k≥1} x^k / k!`, for |x| < 2^-9.
pub fn expm1_series(x: f64) -> BigFloat {
    let p = PREC + 64;
    let bx = big(x, p);
    sum_series(x, |t, k| {
        t.mul(&bx, p, RM)
            .div(&BigFloat::from_word(Word::from(k), 64), p, RM)
    })
}

/// `ln(1 + x) = Σ_{k≥1} (-1)^(k+1) x^k / k`, for |x| < 2^-9 (the running power x^k is kept
/// in the closure).
pub fn log1p_series(x: f64) -> BigFloat {
    let p = PREC + 64;
    let bx = big(x, p);
    let mut pow = bx.clone();
    sum_series(x, |_, k| {
        pow = pow.mul(&bx, p, RM);
        let t = pow.div(&BigFloat::from_word(Word::from(k), 64), p, RM);
        if k % 2 == 0 {
            t.neg()
        } else {
            t
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(x: f64) -> Parts {
        Parts::of(&big(x, 128)).unwrap()
    }

    #[test]
    fn doubles_round_to_themselves() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..100_000 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Every bit pattern of finite doubles, subnormals included.
            let x = f64::from_bits(if i % 10 == 0 { s >> 12 } else { s });
            if !x.is_finite() {
                continue;
            }
            let (r, ulp) = parts(x).round(F64);
            assert_eq!(r.to_bits(), x.to_bits(), "{x:e}");
            if x != 0.0 {
                assert_eq!(ulp, (ilogb(x) - 52).max(-1074), "{x:e}");
            }
            let x32 = x as f32;
            if x32.is_finite() {
                let (r, _) = parts(f64::from(x32)).round(F32);
                assert_eq!(r as f32, x32, "{x32:e}");
            }
        }
    }

    #[test]
    fn subnormals_convert_exactly() {
        let two74 = big(exp2i(1000), 128).mul(&big(exp2i(74), 128), 128, RM);
        let scaled = big(exp2i(-1074), 128).mul(&two74, 128, RM);
        assert_eq!(scaled.cmp(&BigFloat::from_word(1, 128)), Some(0));
        let x = 3.0 * exp2i(-1060);
        let scaled = big(x, 128).mul(&two74, 128, RM);
        assert_eq!(scaled.cmp(&BigFloat::from_word(3 << 14, 128)), Some(0));
    }

    #[test]
    fn ties_and_subnormals() {
        // 1 + 2^-53 is a tie: to even (1); 1 + 3·2^-53 rounds up.
        let one = BigFloat::from_word(1, 256);
        let tiny = big(exp2i(-53), 256);
        let tie = one.add(&tiny, 256, RM);
        assert_eq!(Parts::of(&tie).unwrap().round(F64).0, 1.0);
        let above = tie.add(&big(exp2i(-200), 256), 256, RM);
        assert_eq!(Parts::of(&above).unwrap().round(F64).0, 1.0 + f64::EPSILON);
        // Half the smallest subnormal is a tie to 0; a bit more rounds to it.
        let half = big(exp2i(-1074), 256);
        let mut h = half.clone();
        h.set_exponent(h.exponent().unwrap() - 1);
        assert_eq!(Parts::of(&h).unwrap().round(F64), (0.0, -1074));
        let more = h.add(&big(exp2i(-1074), 256).mul(&tiny, 256, RM), 256, RM);
        assert_eq!(Parts::of(&more).unwrap().round(F64).0, exp2i(-1074));
        // Far below: 0; overflow: inf with the ulp of f64::MAX.
        let mut small = half.clone();
        small.set_exponent(-5000);
        assert_eq!(Parts::of(&small).unwrap().round(F64), (0.0, -1074));
        let mut huge = BigFloat::from_word(1, 128);
        huge.set_exponent(1025);
        assert_eq!(Parts::of(&huge).unwrap().round(F64), (f64::INFINITY, 971));
        assert_eq!(Parts::of(&huge).unwrap().round(F32), (f64::INFINITY, 104));
        // f32 subnormal: 2^-149 · 1.5 rounds to 2^-148 (tie to even), ulp 2^-149.
        let x = big(1.5 * 2f64.powi(-149), 128);
        assert_eq!(Parts::of(&x).unwrap().round(F32), (2f64.powi(-148), -149));
    }

    #[test]
    fn errors_in_ulps() {
        let exact = big(1.0, 128);
        let m = measure(1.0 + f64::EPSILON, &exact, F64);
        assert_eq!((m.ulps, m.correct), (1.0, false));
        // Below 1 the ulp is that of the rounded result (1.0): 2^-52.
        let m = measure(1.0 - f64::EPSILON / 2.0, &exact, F64);
        assert_eq!(m.ulps, 0.5);
        let m = measure(f64::NAN, &exact, F64);
        assert!(m.ulps.is_infinite() && !m.correct);
        let third = BigFloat::from_word(1, 256).div(&BigFloat::from_word(3, 64), 256, RM);
        let m = measure(1.0 / 3.0, &third, F64);
        assert!(m.correct && (m.ulps - 1.0 / 3.0).abs() < 1e-12, "{m:?}");
        let m = measure(f64::from(1.0f32 / 3.0), &third, F32);
        assert!(m.correct && (m.ulps - 1.0 / 3.0).abs() < 1e-6, "{m:?}");
    }
}
