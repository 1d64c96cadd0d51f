//! `pow(x, y)` for `f64` and `f32`.
//!
//! # Algorithm
//!
//! For a positive normal `x` (or a negative one with an integer `y`), `|x|^y = exp(y·ln|x|)`
//! is evaluated without branches, so that [`dispatch::run`] vectorizes it:
//!
//! 1. **`ln x` in double-double.** `x = 2^k·z` with `z` in `[0.7051, 1.4102)`; the top seven
//!    bits of `z` pick one of 128 intervals, with a tabulated `1/c` (a multiple of `2^-8` or
//!    `2^-7`, so that `r = z/c - 1` is computed *exactly* from a 21-bit/32-bit split of `z`,
//!    `|r| < 2^-7.4`) and `ln c` in two parts. Then
//!    `ln x = k·ln2 + ln c + r - r²/2 + r³·P(r)`, with the leading terms summed in
//!    double-double (`k·ln2_hi + ln(c)_hi` is exact by construction, `r²/2` is split exactly)
//!    and `P` a degree-6 polynomial; the relative error is below about `2^-68`.
//! 2. **`y·ln x` exactly.** Dekker's product: `y` and the high part of the log are split into
//!    26-bit halves (by masking the low mantissa bits), giving `y·ln x = h + l` with
//!    `|l| < 2^-24·|h|` and an error below `2^-76·|h|`. No fused multiply-add is used, so
//!    every dispatch level produces bit-identical results.
//! 3. **`exp(h + l)`.** `h = (m + j/128)·ln2 + r'` with a two-part `ln2/128` (the product with
//!    the high part and the first subtraction are exact), `|r'| ≤ ln2/256`, `l` added to
//!    `r'`; `exp(r') - 1` is a degree-5 Taylor polynomial (error `< 2^-60`) and
//!    `2^(j/128) = s_j·(1 + t_j)` is tabulated, with `s_j`'s exponent bits pre-shifted so
//!    that `2^m·s_j` is one integer addition. The result is `s + s·(t_j + exp(r') - 1)`.
//!
//! The error is about 0.5 ulp plus `2^53·|y·ln x|·2^-68` ulp, i.e. below 0.52 ulp even near
//! the overflow threshold. Against a 200-bit reference (mpmath), over 3·10^5 pairs from
//! several regimes (a third of them where `f64::powf` and this code differ), the largest
//! error is 0.511 ulp (`f64::powf`: 0.508 ulp).
//!
//! `f32` inputs are widened to `f64` and go through the same steps in plain `f64` arithmetic
//! (no double-double; `ln c` to `2^-46`, lower degrees), with a relative error below about
//! `2^-29.5` before the single rounding to `f32`: within 1 ulp of the correctly rounded
//! result, and equal to it in all but a few cases in a million.
//!
//! Everything else (zeros, subnormal, infinite or NaN `x`; infinite or NaN `y`; negative `x`
//! with a non-integer `y` or `|y| ≥ 2^52`; results that overflow or would be subnormal, i.e.
//! `y·ln|x|` outside `(-703, 709.7)`, for `f32` outside the normal `f32` range) is marked by
//! a NaN from the fast path and recomputed with the standard library, which implements
//! IEEE 754 `pow` exactly.
//!
//! The kernels run over tiles of 128 elements, with the table lookups in loops of their own:
//! the arithmetic then vectorizes at every level, including those where the compiler does not
//! emit gathers (AVX2, SSE2). Fewer lookups are faster (gathers are slow on some CPUs), so the
//! tables are packed at compile time into one `u64` per entry where the values leave room.
//!
//! The tables were generated with 300-bit arithmetic (mpmath): `1/c` is the multiple of
//! `2^-8` (intervals above 1) or `2^-7` (below 1) minimizing `max |z/c - 1|` over the
//! interval (exactly 1 for the interval around 1); `ln c` is rounded to a multiple of
//! `2^-43` (high part) plus the rounded remainder; `s_j` is `2^(j/128)` rounded and
//! `t_j = (2^(j/128) - s_j)/s_j` rounded. `tests::tables_are_consistent` checks the
//! properties the algorithm relies on.

use crate::dispatch;

/// `2^52`.
const TWO52: f64 = 4503599627370496.0;
/// `1.5·2^52`: adding it rounds a value below `2^51` in magnitude to an integer held in the
/// low mantissa bits.
const ROUND_MAGIC: f64 = 6755399441055744.0;
/// Mask keeping the sign, the exponent and the top 25 explicit mantissa bits (a 26-bit
/// significand, so that the product of two such numbers is exact).
const SPLIT_MASK: u64 = u64::MAX << 27;
const SIGN: u64 = 1 << 63;

/// Bits of the start of the reduced range: `z = x·2^-k` lies in `[0.70508, 1.41016)`; with
/// this offset 1.0 sits in the middle (in bit space) of interval 75.
const LOG_OFF: u64 = 0x3fe6_9000_0000_0000;
/// `ln 2` rounded to a multiple of `2^-43`, so that `k·LN2_HI` (|k| ≤ 1024) is exact.
const LN2_HI: f64 = 0.6931471805598903;
/// `ln 2 - LN2_HI`.
const LN2_LO: f64 = 5.497923018708371e-14;
/// `(ln(1 + r) - r + r²/2)/r³ ≈ P(r)` on `|r| ≤ 0.00585`: Chebyshev interpolation at
/// degree 6 (own fit; absolute error of `r³·P` below `2^-77.8`, including coefficient
/// rounding).
const P0: f64 = 0.3333333333333333;
const P1: f64 = -0.25000000000000044;
const P2: f64 = 0.2000000000000004;
const P3: f64 = -0.16666666656418372;
const P4: f64 = 0.14285714276397646;
const P5: f64 = -0.12500598915100317;
const P6: f64 = 0.11111655579682737;

/// `ln 2` rounded.
const LN2: f64 = std::f64::consts::LN_2;
/// Taylor coefficients of `ln(1 + r)` for the `f32` kernel.
const Q3: f64 = 1.0 / 3.0;
const Q4: f64 = -1.0 / 4.0;
const Q5: f64 = 1.0 / 5.0;

/// `128/ln 2`.
const INV_LN2N: f64 = 184.6649652337873;
/// `ln2/128` rounded to a multiple of `2^-42` (35 significant bits: `k·LN2N_HI` is exact for
/// `|k| < 2^18`).
const LN2N_HI: f64 = 0.0054152123482253955;
/// `ln2/128 - LN2N_HI`.
const LN2N_LO: f64 = -1.0082281460997769e-13;
/// `2^45`.
const TWO45: f64 = 35184372088832.0;
/// `2^-63`.
const TWO_M63: f64 = 1.0842021724855044e-19;
/// Taylor coefficients of `exp(r) - 1 - r - r²/2`.
const E3: f64 = 1.0 / 6.0;
const E4: f64 = 1.0 / 24.0;
const E5: f64 = 1.0 / 120.0;

/// Bounds on `y·ln|x|` for the fast path: `2^m` is a normal scale and the result stays
/// above `2^-1014`, so that `s·(t_j + exp(r') - 1)` is not subnormal (which would cost up to
/// half an ulp).
const EXP_ARG_MIN: f64 = -703.0;
const EXP_ARG_MAX: f64 = 709.7;
/// Bounds on `y·ln|x|` for the `f32` fast path: the `f32` result is normal (the rest, where
/// rounding to a subnormal `f32` after rounding to `f64` could differ from rounding once,
/// goes to `f32::powf`).
const F32_ARG_MIN: f64 = -87.3;
const F32_ARG_MAX: f64 = 88.7;

/// Error-free sum `a + b = s + e` (Dekker's Fast2Sum), exact when `|a| ≥ |b|` or `a = 0`.
#[inline(always)]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Index into [`LOG_TABLE`] for `x` (its sign is ignored).
#[inline(always)]
fn log_index(x: f64) -> usize {
    let tmp = (x.to_bits() & !SIGN).wrapping_sub(LOG_OFF);
    ((tmp >> 45) & 127) as usize
}

/// `|x| = 2^k·z` with `z` in `[0.70508, 1.41016)` (for normal `x`): returns `(k, z)`.
#[inline(always)]
fn log_reduce(x: f64) -> (f64, f64) {
    let ix = x.to_bits() & !SIGN;
    let tmp = ix.wrapping_sub(LOG_OFF);
    // k + 1024 in [1, 2048] for normal x: converted through the mantissa bits of 2^52.
    let kb = tmp.wrapping_add(1024 << 52) >> 52;
    let kd = f64::from_bits(TWO52.to_bits() | kb) - (TWO52 + 1024.0);
    let z = f64::from_bits(ix.wrapping_sub(tmp & (0xfff << 52)));
    (kd, z)
}

/// `v = ki·ln2/128 + r'` with `|r'| ≤ ln2/256` (`v = ehi + elo`): returns `(r', ki)`, `ki` in
/// the low bits of the `u64`.
#[inline(always)]
fn exp_reduce(ehi: f64, elo: f64) -> (f64, u64) {
    let t = ehi * INV_LN2N + ROUND_MAGIC;
    let kf = t - ROUND_MAGIC;
    // kf·LN2N_HI and the first subtraction are exact.
    let rr = (ehi - kf * LN2N_HI) + (elo - kf * LN2N_LO);
    (rr, t.to_bits())
}

/// The sign bit of `x^y`, or 1 where the fast path does not apply: `x` is zero, subnormal
/// or not finite, `x` is negative and `y` not an integer below `2^52`, or `v ≈ y·ln|x|` is
/// outside `(v_min, v_max)` or NaN (which covers an infinite or NaN `y`).
#[inline(always)]
fn flags(x: f64, y: f64, v: f64, v_min: f64, v_max: f64) -> u64 {
    const MIN_NORMAL: u64 = 0x0010_0000_0000_0000;
    const INF: u64 = 0x7ff0_0000_0000_0000;
    let x_normal = (x.to_bits() & !SIGN).wrapping_sub(MIN_NORMAL) < INF - MIN_NORMAL;
    let neg = x.to_bits() >> 63 != 0;
    // For |y| < 2^52, |y| + 2^52 rounds to an integer whose parity is the last mantissa bit.
    let ay = y.abs();
    let yr = ay + TWO52;
    let y_int = (yr - TWO52 == ay) & (ay < TWO52);
    let fast = x_normal & (!neg | y_int) & (v > v_min) & (v < v_max);
    let sign = if neg { (yr.to_bits() & 1) << 63 } else { 0 };
    if fast {
        sign
    } else {
        1
    }
}

/// `scale·(1 + em1)` with the sign bit `flags`, or NaN where `flags` is 1.
#[inline(always)]
fn finish(scale: f64, em1: f64, flags: u64) -> f64 {
    let res = scale + scale * em1;
    if flags & 1 == 0 {
        f64::from_bits(res.to_bits() ^ flags)
    } else {
        f64::NAN
    }
}

/// `2^m·s_j` for `ki = 128·m + j`: the table holds `s_j`'s bits minus `j << 45`, so adding
/// `ki << 45` adds `m` to the exponent.
#[inline(always)]
fn exp_scale(ki: u64, sbits: u64) -> f64 {
    f64::from_bits(sbits.wrapping_add(ki << 45))
}

/// `(1/c, ln(c)_hi)` from a [`LOG_PACKED`] entry (`(1/c, ln c)` from a [`LOGF_PACKED`] one).
#[inline(always)]
fn unpack_log(p: u64) -> (f64, f64) {
    let invc = (f64::from_bits(TWO52.to_bits() | (p & 0x1ff)) - TWO52) * (1.0 / 256.0);
    (invc, f64::from_bits(p & !0x1ff))
}

/// `(t_j, bits(s_j) - (j << 45))` from an [`EXP_PACKED`] entry.
#[inline(always)]
fn unpack_exp(p: u64) -> (f64, u64) {
    let code = f64::from_bits(TWO52.to_bits() | (p >> 53)) - (TWO52 + 1024.0);
    (code * TWO_M63, (p & ((1 << 53) - 1)) + EXP_BASE)
}

/// First stage of the `f64` kernel, given `x`'s [`LOG_PACKED`] and [`LOG_LO`] entries:
/// `y·ln|x|` in double-double, reduced for the exponential. Returns `(r', ki, flags)` (see
/// [`exp_reduce`] and [`flags`]).
#[inline(always)]
fn stage1(x: f64, y: f64, log_packed: u64, logc_lo: f64) -> (f64, u64, u64) {
    let (invc, logc_hi) = unpack_log(log_packed);
    // ln|x| = k·ln2 + ln c + ln(1 + r), r = z/c - 1.
    let (kd, z) = log_reduce(x);
    // z = zhi + zlo with 21 and 32 significant bits; invc has at most 8, so both products
    // and the subtraction are exact, and so is r (it fits in 53 bits since |r| < 2^-7).
    let zhi = f64::from_bits(z.to_bits() & 0xffff_ffff_0000_0000);
    let zlo = z - zhi;
    let rhi = zhi * invc - 1.0;
    let rlo = zlo * invc;
    let r = rhi + rlo;
    // Exact: both are multiples of 2^-43 below 2^10.
    let t1 = kd * LN2_HI + logc_hi;
    // |t1| ≥ 1.33·|r| unless t1 = 0 (k = 0 and c = 1): checked for every table row.
    let (t2, e2) = fast_two_sum(t1, r);
    // -r²/2 = -rh²/2 (exact: rh has 26 bits) - rl·(r + rh)/2, with r = rh + rl.
    let rh = f64::from_bits(r.to_bits() & SPLIT_MASK);
    let rl = r - rh;
    let arh = -0.5 * rh;
    let arh2 = rh * arh;
    let lo3 = rl * (-0.5 * r + arh);
    // |t2| ≥ |r|/3 > r²/2 ≈ |arh2| (t2 = r in the interval around 1).
    let (hi, e4) = fast_two_sum(t2, arh2);
    let r2 = r * r;
    let p = r2 * r * ((P0 + r * P1) + r2 * (P2 + r * P3) + (r2 * r2) * (P4 + r * P5 + r2 * P6));
    let lo = (kd * LN2_LO + logc_lo) + e2 + lo3 + e4 + p;
    let (lhi, llo) = fast_two_sum(hi, lo);

    // y·ln|x| = ehi + elo (Dekker: 26-bit halves multiply exactly).
    let yhi = f64::from_bits(y.to_bits() & SPLIT_MASK);
    let ylo = y - yhi;
    let lhh = f64::from_bits(lhi.to_bits() & SPLIT_MASK);
    let lhl = (lhi - lhh) + llo;
    let ehi = yhi * lhh;
    let elo = ylo * lhh + y * lhl;

    let (rr, ki) = exp_reduce(ehi, elo);
    (rr, ki, flags(x, y, ehi, EXP_ARG_MIN, EXP_ARG_MAX))
}

/// Second stage of the `f64` kernel: `2^(ki/128)·exp(r')`, signed, or NaN (see [`flags`]).
#[inline(always)]
fn stage2(rr: f64, ki: u64, flags: u64, exp_packed: u64) -> f64 {
    let (tail, sbits) = unpack_exp(exp_packed);
    let rr2 = rr * rr;
    let em1 = tail + rr + rr2 * (0.5 + rr * E3) + (rr2 * rr2) * (E4 + rr * E5);
    finish(exp_scale(ki, sbits), em1, flags)
}

/// First stage of the `f32` kernel (inputs widened to `f64`), given `x`'s [`LOGF_PACKED`]
/// entry: as [`stage1`] with plain `f64` arithmetic and `ln c` to `2^-46`, which keeps the
/// relative error of the result below `2^-30` (and usually far below), a small fraction of
/// an `f32` ulp.
#[inline(always)]
fn stage1_f32(x: f64, y: f64, logf_packed: u64) -> (f64, u64, u64) {
    let (invc, logc) = unpack_log(logf_packed);
    let (kd, z) = log_reduce(x);
    let r = z * invc - 1.0;
    let r2 = r * r;
    // ln(1 + r) to degree 5 (Taylor; truncation below 2^-47 for |r| < 2^-7.4).
    let q = r2 * ((-0.5 + r * Q3) + r2 * (Q4 + r * Q5));
    let v = y * ((kd * LN2 + logc) + (r + q));
    let (rr, ki) = exp_reduce(v, 0.0);
    (rr, ki, flags(x, y, v, F32_ARG_MIN, F32_ARG_MAX))
}

/// Second stage of the `f32` kernel: `exp(r')` to degree 4 (truncation below `2^-49`).
#[inline(always)]
fn stage2_f32(rr: f64, ki: u64, flags: u64, exp_packed: u64) -> f64 {
    let (_, sbits) = unpack_exp(exp_packed);
    let rr2 = rr * rr;
    let em1 = rr + rr2 * ((0.5 + rr * E3) + rr2 * E4);
    finish(exp_scale(ki, sbits), em1, flags)
}

/// Elements per tile of [`pow_tiles`].
const TILE: usize = 128;

/// The fast path over the slices (of equal lengths), for `f64` (`F32 = false`) or `f32`
/// (widened to `f64`) elements; returns whether some element needs the slow path (those are
/// left NaN).
///
/// It runs over tiles of [`TILE`] elements, with the table lookups in loops of their own, so
/// that the arithmetic vectorizes at every level, also where the compiler does not emit
/// gathers (AVX2, SSE2).
#[inline(always)]
fn pow_tiles<T: Copy + Into<f64>, const F32: bool>(
    x: &[T],
    y: &[T],
    out: &mut [T],
    narrow: impl Fn(f64) -> T,
) -> bool {
    let mut log_packed = [0u64; TILE];
    let mut logc_lo = [0.0f64; TILE];
    let mut rr = [0.0f64; TILE];
    let mut ki = [0u64; TILE];
    let mut fl = [0u64; TILE];
    let mut exp_packed = [0u64; TILE];
    let mut slow = false;
    for ((xc, yc), oc) in x.chunks(TILE).zip(y.chunks(TILE)).zip(out.chunks_mut(TILE)) {
        let m = xc.len();
        let (yc, oc) = (&yc[..m], &mut oc[..m]);
        let (log_packed, logc_lo) = (&mut log_packed[..m], &mut logc_lo[..m]);
        let (rr, ki, fl) = (&mut rr[..m], &mut ki[..m], &mut fl[..m]);
        let exp_packed = &mut exp_packed[..m];
        for t in 0..m {
            let i = log_index(xc[t].into());
            if F32 {
                log_packed[t] = LOGF_PACKED[i];
            } else {
                (log_packed[t], logc_lo[t]) = (LOG_PACKED[i], LOG_LO[i]);
            }
        }
        for t in 0..m {
            let (a, b) = (xc[t].into(), yc[t].into());
            (rr[t], ki[t], fl[t]) = if F32 {
                stage1_f32(a, b, log_packed[t])
            } else {
                stage1(a, b, log_packed[t], logc_lo[t])
            };
        }
        for t in 0..m {
            exp_packed[t] = EXP_PACKED[(ki[t] & 127) as usize];
        }
        for t in 0..m {
            let v = if F32 {
                stage2_f32(rr[t], ki[t], fl[t], exp_packed[t])
            } else {
                stage2(rr[t], ki[t], fl[t], exp_packed[t])
            };
            slow |= v.is_nan();
            oc[t] = narrow(v);
        }
    }
    slow
}

/// `out[i] = x[i]^y[i]` (IEEE 754 `pow`, as [`f64::powf`]) for `i < min(x.len(), y.len(),
/// out.len())`.
///
/// Positive normal `x` (and negative `x` with an integer `y`) with a normal result take a
/// branch-free vectorized path: a double-double logarithm (table of 128 entries), an exact
/// product with `y` and a table-driven exponential (see the module documentation). The error
/// is below 0.52 ulp by analysis (0.511 ulp at most against a high-precision reference);
/// against `f64::powf` (itself within about 0.51 ulp) the largest difference over 2·10^6
/// random pairs, including `y·ln x` up to the overflow threshold and `x` next to 1 with huge
/// `y`, is 1 ulp (in 0.15% of the pairs).
/// Every other element (zeros, infinities, NaNs, subnormal `x`, negative `x` with a
/// non-integer `y`, results that overflow or are subnormal) is recomputed with
/// [`f64::powf`], so all special cases (`pow(x, ±0) = 1` even for a NaN `x`,
/// `pow(1, y) = 1` even for a NaN `y`, signed zeros and infinities, NaN for a negative
/// base with a non-integer exponent, …) are exactly those of IEEE 754. The results are
/// bit-identical at every dispatch level.
///
/// ```
/// let x = [2.0, -3.0, 0.0, 10.0, -8.0];
/// let y = [0.5, 3.0, -1.0, 308.0, 1.0 / 3.0];
/// let mut out = [0.0; 5];
/// tessera_kernels::math::pow(&x, &y, &mut out);
/// assert!((out[0] - 2f64.sqrt()).abs() <= f64::EPSILON);
/// assert_eq!(out[1], -27.0);
/// assert_eq!(out[2], f64::INFINITY);
/// assert!((out[3] / 1e308 - 1.0).abs() <= 2.0 * f64::EPSILON);
/// assert!(out[4].is_nan());
/// ```
pub fn pow(x: &[f64], y: &[f64], out: &mut [f64]) {
    let n = x.len().min(y.len()).min(out.len());
    let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
    // `#[inline(always)]` (stable on a closure passed as an argument): without it this large
    // closure, called from three places in `dispatch::run_at`, is not inlined into the
    // `#[target_feature]` functions in optimized builds and would run as baseline code.
    let slow = dispatch::run(
        #[inline(always)]
        || pow_tiles::<f64, false>(x, y, out, |v| v),
    );
    if slow {
        // The fast path leaves NaN exactly where it does not apply (and nowhere else).
        for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
            if o.is_nan() {
                *o = a.powf(b);
            }
        }
    }
}

/// `out[i] = x[i]^y[i]` (IEEE 754 `pow`, as [`f32::powf`]) for `i < min(x.len(), y.len(),
/// out.len())`.
///
/// Computed in `f64` (the steps of [`pow`] without double-double arithmetic, see the module
/// documentation) with a relative error below about `2^-29.5`, then rounded once to `f32`:
/// the result is within 1 ulp of the correctly rounded one. Against
/// `(x as f64).powf(y as f64) as f32` (correctly rounded but for rare double roundings), 4 of
/// 1.7·10^6 random pairs differ, by 1 ulp. Subnormal `f32` inputs take the fast path;
/// zeros, infinities, NaNs, negative `x` with a non-integer `y`, and results outside the
/// normal `f32` range (overflow, underflow, subnormal) are computed with [`f32::powf`], so the
/// special cases are exactly those of IEEE 754. The results are bit-identical at every
/// dispatch level.
pub fn pow_f32(x: &[f32], y: &[f32], out: &mut [f32]) {
    let n = x.len().min(y.len()).min(out.len());
    let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
    // `#[inline(always)]`: see `pow`.
    let slow = dispatch::run(
        #[inline(always)]
        || pow_tiles::<f32, true>(x, y, out, |v| v as f32),
    );
    if slow {
        for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
            if o.is_nan() {
                *o = a.powf(b);
            }
        }
    }
}

mod tables;
use tables::*;

#[cfg(test)]
mod tests;
