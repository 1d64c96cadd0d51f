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
//! the overflow threshold. Measured against a 200-bit reference (mpmath) over 3·10^5 pairs
//! from several regimes (a third of them where `f64::powf` and this code differ), the largest
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
/// is below 0.52 ulp by analysis, 0.511 ulp at most measured; against `f64::powf` (itself
/// within about 0.51 ulp) the largest difference over 2·10^6 random pairs, including
/// `y·ln x` up to the overflow threshold and `x` next to 1 with huge `y`, is 1 ulp (in 0.15%
/// of the pairs).
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
/// the result is within 1 ulp of the correctly rounded one. Measured against
/// `(x as f64).powf(y as f64) as f32` (correctly rounded but for rare double roundings) over
/// 1.7·10^6 random pairs: 4 differ, by 1 ulp. Subnormal `f32` inputs take the fast path;
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

// The tables are `const`, not `static`: a lookup in a `static` defined in another codegen
// unit kept the compiler from vectorizing the loops ("cannot identify array bounds").

/// `[1/c, ln(c) rounded to a multiple of 2^-43, the rest of ln(c)]` for the 128 intervals of
/// `z` (see the module documentation).
#[rustfmt::skip]
const LOG_TABLE: [[f64; 3]; 128] = [
    [1.4140625, -0.3464667673462145, 5.929407345889625e-15],
    [1.40625, -0.34092658697056777, -2.544157440035963e-14],
    [1.3984375, -0.3353555419211034, -3.443525940775045e-14],
    [1.390625, -0.3297532863724655, -2.500123826022799e-15],
    [1.3828125, -0.32411946865420305, -8.929337133850617e-15],
    [1.375, -0.31845373111855224, 1.7625431312172662e-14],
    [1.3671875, -0.31275571000389846, 1.5688303180062087e-15],
    [1.359375, -0.3070250352949415, 2.9655274673691784e-14],
    [1.3515625, -0.3012613305781997, 3.7923164802093147e-14],
    [1.34375, -0.2954642128938758, 3.993416384387844e-14],
    [1.34375, -0.2954642128938758, 3.993416384387844e-14],
    [1.3359375, -0.28963329258306203, 1.9352855826489123e-14],
    [1.328125, -0.28376817313062475, -1.9852665484979036e-14],
    [1.3203125, -0.27786845100342816, -2.814323765595281e-14],
    [1.3125, -0.2719337154836694, 2.7643769993528702e-14],
    [1.3046875, -0.2659635484970977, -4.025092402293806e-14],
    [1.296875, -0.25995752443691345, -1.2621729398885316e-14],
    [1.2890625, -0.25391520998095984, -3.600176732637335e-15],
    [1.2890625, -0.25391520998095984, -3.600176732637335e-15],
    [1.28125, -0.2478361639045943, 1.3029797173308663e-14],
    [1.2734375, -0.2417199368871934, 4.8230289429940886e-14],
    [1.265625, -0.23556607131274632, -2.0592242769647135e-14],
    [1.2578125, -0.22937410106487732, 3.149265065191484e-14],
    [1.2578125, -0.22937410106487732, 3.149265065191484e-14],
    [1.25, -0.22314355131425145, 4.169796584527195e-14],
    [1.2421875, -0.21687393830063684, 2.2477465222466186e-14],
    [1.234375, -0.21056476910735, 3.6507188831790577e-16],
    [1.234375, -0.21056476910735, 3.6507188831790577e-16],
    [1.2265625, -0.2042155414286526, -3.827767260205414e-14],
    [1.21875, -0.19782574332987224, -4.7641388950792196e-14],
    [1.2109375, -0.19139485299967873, 4.9278276214647115e-14],
    [1.2109375, -0.19139485299967873, 4.9278276214647115e-14],
    [1.203125, -0.18492233849406148, 4.9485167661250996e-14],
    [1.1953125, -0.1784076574728033, -1.5003333854266542e-14],
    [1.1875, -0.17185025692663203, -2.7194441649495324e-14],
    [1.1875, -0.17185025692663203, -2.7194441649495324e-14],
    [1.1796875, -0.1652495728952772, -2.99659267292569e-14],
    [1.171875, -0.15860503017665906, 2.0472357800461955e-14],
    [1.171875, -0.15860503017665906, 2.0472357800461955e-14],
    [1.1640625, -0.15191604202584585, 3.879296723063646e-15],
    [1.15625, -0.1451820098444614, -3.6506824353335045e-14],
    [1.15625, -0.1451820098444614, -3.6506824353335045e-14],
    [1.1484375, -0.13840232285906495, -5.4183331379008994e-14],
    [1.140625, -0.131576357788731, 1.1729485484531301e-14],
    [1.140625, -0.131576357788731, 1.1729485484531301e-14],
    [1.1328125, -0.12470347850091912, -3.811763084710266e-14],
    [1.125, -0.11778303565643, 4.654729747598445e-14],
    [1.125, -0.11778303565643, 4.654729747598445e-14],
    [1.1171875, -0.11081436634026431, -2.5799991283069902e-14],
    [1.109375, -0.10379679368168127, 3.7700471749674615e-14],
    [1.109375, -0.10379679368168127, 3.7700471749674615e-14],
    [1.1015625, -0.09672962645856842, 1.7306161136093256e-14],
    [1.1015625, -0.09672962645856842, 1.7306161136093256e-14],
    [1.09375, -0.089612158689647, -4.012913552726574e-14],
    [1.0859375, -0.08244366921110213, 2.7541708360737882e-14],
    [1.0859375, -0.08244366921110213, 2.7541708360737882e-14],
    [1.078125, -0.07522342123763792, 5.0396178134370583e-14],
    [1.078125, -0.07522342123763792, 5.0396178134370583e-14],
    [1.0703125, -0.06795066190852594, 1.8195060030168815e-14],
    [1.0703125, -0.06795066190852594, 1.8195060030168815e-14],
    [1.0625, -0.06062462181648698, 5.213620639136504e-14],
    [1.0546875, -0.053244514518837605, 2.532168943117445e-14],
    [1.0546875, -0.053244514518837605, 2.532168943117445e-14],
    [1.046875, -0.045809536031242715, -5.148849572685811e-14],
    [1.046875, -0.045809536031242715, -5.148849572685811e-14],
    [1.0390625, -0.038318864302141264, 4.6652946995830086e-15],
    [1.0390625, -0.038318864302141264, 4.6652946995830086e-15],
    [1.03125, -0.03077165866670839, -4.529814257790929e-14],
    [1.03125, -0.03077165866670839, -4.529814257790929e-14],
    [1.0234375, -0.023167059281490765, -4.361324067851568e-14],
    [1.0234375, -0.023167059281490765, -4.361324067851568e-14],
    [1.015625, -0.015504186535963527, -1.7274567499706107e-15],
    [1.015625, -0.015504186535963527, -1.7274567499706107e-15],
    [1.0078125, -0.0077821404420319595, -2.298941004620351e-14],
    [1.0078125, -0.0077821404420319595, -2.298941004620351e-14],
    [1.0, 0.0, 0.0],
    [0.9921875, 0.007843177461040796, -1.4902732911301337e-14],
    [0.984375, 0.01574835696817445, -3.527980389655325e-14],
    [0.9765625, 0.023716526617363343, -4.730054772033249e-14],
    [0.96875, 0.03174869831457272, 7.580310369375161e-15],
    [0.9609375, 0.039845908547249564, -4.9893776716773285e-14],
    [0.95703125, 0.04391923393484376, -8.269399178187412e-15],
    [0.94921875, 0.05211600113898385, 3.0171021061886944e-14],
    [0.94140625, 0.06038051098892083, -1.3352588834854848e-14],
    [0.93359375, 0.06871389254808946, -3.765296820388875e-14],
    [0.92578125, 0.07711730334438016, 5.1128335719851986e-14],
    [0.921875, 0.08134563945395712, -4.713370778300984e-15],
    [0.9140625, 0.08985632912185793, 3.1218748807418837e-15],
    [0.90625, 0.09844007281321865, 3.3871241029241416e-14],
    [0.90234375, 0.10275973395778237, -1.3438406228830954e-14],
    [0.89453125, 0.11145544092528326, 3.957125899799804e-14],
    [0.890625, 0.11583181552509814, 2.3568822182038756e-14],
    [0.8828125, 0.12464244520731427, -3.767012502308738e-14],
    [0.875, 0.13353139262449076, 3.1859736349078334e-14],
    [0.87109375, 0.13800567301939282, 5.0900642926060466e-14],
    [0.86328125, 0.14701474296180095, 8.710783796122478e-15],
    [0.859375, 0.15154989812720032, 6.157896229122976e-16],
    [0.8515625, 0.16068238169043525, 3.821577743916796e-14],
    [0.84765625, 0.16528009093906348, 3.9440046718453496e-14],
    [0.84375, 0.16989903679541385, -1.6376276414097503e-14],
    [0.8359375, 0.17920142945774842, -3.742530094732263e-14],
    [0.83203125, 0.18388527877016259, -2.5223102140407338e-14],
    [0.82421875, 0.1933193110035063, -1.0320443688698849e-14],
    [0.8203125, 0.19806991376208316, 1.0634128304268335e-14],
    [0.81640625, 0.20284319251470606, 4.541021984976105e-14],
    [0.80859375, 0.21245865121420593, -1.2527395755711364e-14],
    [0.8046875, 0.21730127569003344, -5.204008743405884e-14],
    [0.80078125, 0.22216746534115828, -3.979844515951702e-15],
    [0.796875, 0.22705745063535687, -1.078736749871691e-14],
    [0.7890625, 0.2369097470783572, 5.015686013791602e-16],
    [0.78515625, 0.24187253642048745, -7.252318953240293e-16],
    [0.78125, 0.2468600779315011, 2.4688324156011588e-14],
    [0.77734375, 0.25187261975509045, -2.037449094215686e-14],
    [0.76953125, 0.26197371574153294, 4.102651071698446e-14],
    [0.765625, 0.2670627852490952, -4.996736502345936e-14],
    [0.76171875, 0.27217788591576664, 4.903580708156347e-14],
    [0.7578125, 0.27731928541618345, 5.089628039500759e-14],
    [0.75390625, 0.28248725557466514, 1.1782016386565151e-14],
    [0.75, 0.28768207245173016, 5.076326383153408e-14],
    [0.74609375, 0.29290401643288533, 4.727452940514406e-14],
    [0.73828125, 0.3034304294199046, 1.548345993498083e-14],
    [0.734375, 0.30873548164959175, 2.1522127491642888e-14],
    [0.73046875, 0.3140688276249648, 1.1054030169005386e-14],
    [0.7265625, 0.31943077076641657, -5.534326352070679e-14],
    [0.72265625, 0.3248216194012912, -5.351646604259541e-14],
    [0.71875, 0.33024168687052224, 5.4612144489920215e-14],
    [0.71484375, 0.3356912916381134, 2.8136969901227338e-14],
    [0.7109375, 0.3411707574027787, -1.156568624616423e-14],
];

/// `t_j = (2^(j/128) - s_j)/s_j`, rounded: `s_j·(1 + t_j)` is `2^(j/128)` to about 2^-106.
#[rustfmt::skip]
const EXP_TAIL: [f64; 128] = [
    0.0, 9.447885451727066e-17, -1.507066976926039e-17,
    -5.679155082825012e-17, 4.9997448722726326e-17, -4.823683599994895e-17,
    7.357846871247418e-18, 5.773230223741951e-17, 8.189317638195515e-17,
    5.326891139980878e-17, 1.6665881442326747e-18, -1.128113245461828e-17,
    -7.402825309426177e-17, -3.578659767309563e-18, -6.170654745608695e-17,
    2.919139999949279e-17, -2.7939114859515733e-17, -5.399285355184285e-17,
    4.776959425256223e-17, -7.927701432338473e-17, 9.341710609905046e-17,
    -5.534520675707472e-17, 4.585670326662351e-17, 2.8582430411116143e-17,
    7.826573258636076e-17, 4.053626906769216e-17, 2.823784425951061e-17,
    -7.882802262487991e-17, 3.2904726646008416e-17, -1.5792094703347882e-18,
    4.721368121170128e-17, 1.3045277096919659e-17, 3.3484623336251524e-17,
    3.8611199774925664e-17, 5.527550048505249e-17, -3.927184172445234e-17,
    -6.346552106729483e-17, -8.684417614865944e-17, -1.5456342819397733e-17,
    -8.70763476495455e-17, 3.750854201303127e-17, -6.616854503526488e-17,
    -5.346099009198751e-18, -2.443726321015018e-17, 2.1023049675215714e-18,
    7.771067937501065e-17, 1.3357510088834541e-17, 6.938291696959204e-17,
    1.9572585293112036e-17, 6.632256961675804e-17, -5.478069123926778e-17,
    -4.140839310392624e-17, -2.1571477251208752e-17, -3.8287766552120535e-17,
    6.663804589232195e-17, 2.3936187400285282e-17, 5.68648095791174e-17,
    1.1264523354521684e-18, 7.007875046906994e-17, -5.0119214278381254e-17,
    -4.8923067513522756e-17, -3.5260089953269434e-17, -6.872303720902018e-17,
    5.001446664133532e-18, -6.835808657661922e-17, -1.1307344092910212e-17,
    -8.416011634717156e-18, -2.9247977035436566e-17, -2.092304381843353e-17,
    -3.9778645875427124e-17, -3.833464968654295e-17, 5.763611164480894e-17,
    -2.3591094770850053e-17, 7.260074661098575e-17, 9.50689710108796e-18,
    -4.272956133839906e-17, -6.735219232374683e-17, -2.8396044410430936e-17,
    -7.226635472101257e-17, 5.786121003395918e-17, 5.1548301170786783e-17,
    -9.416257568878152e-18, 2.4253985766689806e-17, -6.604314051707707e-17,
    -6.432131775424189e-18, -1.2204007601863921e-17, -6.336161863401293e-17,
    -3.7800879246373815e-17, 1.5341410053603723e-17, 1.2932855580427452e-17,
    -4.123367330661149e-17, 4.703083974463456e-17, -6.152602891550265e-17,
    5.827849326195279e-17, 3.540948262646183e-17, -3.2741571320938764e-17,
    4.875160526227062e-17, -5.718569790077838e-17, -4.719539664590972e-18,
    -5.773451958805706e-17, -1.0772487078934056e-17, -6.221808618533911e-17,
    1.821405440362259e-17, -6.155536546227639e-17, 1.685487290628973e-17,
    5.3581249177694816e-17, 3.621615935336894e-17, 8.588379527574144e-18,
    1.01562190116415e-17, -2.869134889187244e-17, -5.495118966122005e-17,
    -5.56965572431627e-17, 1.790126907604513e-17, -3.2211766346200164e-17,
    5.265370768556274e-17, 3.5089866402403033e-17, -3.266924100901318e-17,
    -4.3657593008079375e-17, 1.7963932659833022e-17, 3.4300925275214166e-17,
    -5.545065618639427e-17, -5.149009745457733e-17, 5.336805878514151e-17,
    3.498978661192973e-17, 4.5784915277060095e-17, -5.241934575393899e-17,
    2.0414278897578303e-17, 4.124842848606488e-18,
];

/// `bits(s_j) - (j << 45)`, where `s_j` is `2^(j/128)` rounded.
#[rustfmt::skip]
const EXP_SBITS: [u64; 128] = [
    0x3ff0000000000000, 0x3feff63da9fb3335, 0x3fefec9a3e778061, 0x3fefe315e86e7f85,
    0x3fefd9b0d3158574, 0x3fefd06b29ddf6de, 0x3fefc74518759bc8, 0x3fefbe3ecac6f383,
    0x3fefb5586cf9890f, 0x3fefac922b7247f7, 0x3fefa3ec32d3d1a2, 0x3fef9b66affed31b,
    0x3fef9301d0125b51, 0x3fef8abdc06c31cc, 0x3fef829aaea92de0, 0x3fef7a98c8a58e51,
    0x3fef72b83c7d517b, 0x3fef6af9388c8dea, 0x3fef635beb6fcb75, 0x3fef5be084045cd4,
    0x3fef54873168b9aa, 0x3fef4d5022fcd91d, 0x3fef463b88628cd6, 0x3fef3f49917ddc96,
    0x3fef387a6e756238, 0x3fef31ce4fb2a63f, 0x3fef2b4565e27cdd, 0x3fef24dfe1f56381,
    0x3fef1e9df51fdee1, 0x3fef187fd0dad990, 0x3fef1285a6e4030b, 0x3fef0cafa93e2f56,
    0x3fef06fe0a31b715, 0x3fef0170fc4cd831, 0x3feefc08b26416ff, 0x3feef6c55f929ff1,
    0x3feef1a7373aa9cb, 0x3feeecae6d05d866, 0x3feee7db34e59ff7, 0x3feee32dc313a8e5,
    0x3feedea64c123422, 0x3feeda4504ac801c, 0x3feed60a21f72e2a, 0x3feed1f5d950a897,
    0x3feece086061892d, 0x3feeca41ed1d0057, 0x3feec6a2b5c13cd0, 0x3feec32af0d7d3de,
    0x3feebfdad5362a27, 0x3feebcb299fddd0d, 0x3feeb9b2769d2ca7, 0x3feeb6daa2cf6642,
    0x3feeb42b569d4f82, 0x3feeb1a4ca5d920f, 0x3feeaf4736b527da, 0x3feead12d497c7fd,
    0x3feeab07dd485429, 0x3feea9268a5946b7, 0x3feea76f15ad2148, 0x3feea5e1b976dc09,
    0x3feea47eb03a5585, 0x3feea34634ccc320, 0x3feea23882552225, 0x3feea155d44ca973,
    0x3feea09e667f3bcd, 0x3feea012750bdabf, 0x3fee9fb23c651a2f, 0x3fee9f7df9519484,
    0x3fee9f75e8ec5f74, 0x3fee9f9a48a58174, 0x3fee9feb564267c9, 0x3feea0694fde5d3f,
    0x3feea11473eb0187, 0x3feea1ed0130c132, 0x3feea2f336cf4e62, 0x3feea427543e1a12,
    0x3feea589994cce13, 0x3feea71a4623c7ad, 0x3feea8d99b4492ed, 0x3feeaac7d98a6699,
    0x3feeace5422aa0db, 0x3feeaf3216b5448c, 0x3feeb1ae99157736, 0x3feeb45b0b91ffc6,
    0x3feeb737b0cdc5e5, 0x3feeba44cbc8520f, 0x3feebd829fde4e50, 0x3feec0f170ca07ba,
    0x3feec49182a3f090, 0x3feec86319e32323, 0x3feecc667b5de565, 0x3feed09bec4a2d33,
    0x3feed503b23e255d, 0x3feed99e1330b358, 0x3feede6b5579fdbf, 0x3feee36bbfd3f37a,
    0x3feee89f995ad3ad, 0x3feeee07298db666, 0x3feef3a2b84f15fb, 0x3feef9728de5593a,
    0x3feeff76f2fb5e47, 0x3fef05b030a1064a, 0x3fef0c1e904bc1d2, 0x3fef12c25bd71e09,
    0x3fef199bdd85529c, 0x3fef20ab5fffd07a, 0x3fef27f12e57d14b, 0x3fef2f6d9406e7b5,
    0x3fef3720dcef9069, 0x3fef3f0b555dc3fa, 0x3fef472d4a07897c, 0x3fef4f87080d89f2,
    0x3fef5818dcfba487, 0x3fef60e316c98398, 0x3fef69e603db3285, 0x3fef7321f301b460,
    0x3fef7c97337b9b5f, 0x3fef864614f5a129, 0x3fef902ee78b3ff6, 0x3fef9a51fbc74c83,
    0x3fefa4afa2a490da, 0x3fefaf482d8e67f1, 0x3fefba1bee615a27, 0x3fefc52b376bba97,
    0x3fefd0765b6e4540, 0x3fefdbfdad9cbe14, 0x3fefe7c1819e90d8, 0x3feff3c22b8f71f1,
];

/// [`LOG_TABLE`] as looked up by the kernels: `ln(c)_hi`'s bits with `256/c` (at most 362)
/// in the low 9 bits, which are zero since `ln(c)_hi` is a multiple of `2^-43` below 0.5
/// (see [`unpack_log`]); fewer lookups make the kernels faster.
const LOG_PACKED: [u64; 128] = {
    let mut p = [0u64; 128];
    let mut i = 0;
    while i < 128 {
        let [invc, logc_hi, _] = LOG_TABLE[i];
        let code = (invc * 256.0) as u64;
        assert!(code as f64 == invc * 256.0 && code < 0x200);
        assert!(logc_hi.to_bits() & 0x1ff == 0);
        p[i] = logc_hi.to_bits() | code;
        i += 1;
    }
    p
};

/// [`LOG_TABLE`] for the `f32` kernel: `ln c` rounded to a multiple of `2^-45`, with `256/c`
/// in the low 9 bits (zero since `|ln c| < 0.5`, see [`unpack_log`]).
const LOGF_PACKED: [u64; 128] = {
    let mut p = [0u64; 128];
    let mut i = 0;
    while i < 128 {
        let [invc, logc_hi, logc_lo] = LOG_TABLE[i];
        let logc = (logc_lo * TWO45 + ROUND_MAGIC - ROUND_MAGIC) / TWO45 + logc_hi;
        let code = (invc * 256.0) as u64;
        assert!(logc.to_bits() & 0x1ff == 0 && code < 0x200);
        p[i] = logc.to_bits() | code;
        i += 1;
    }
    p
};

/// The low parts of `ln c` (third column of [`LOG_TABLE`]).
const LOG_LO: [f64; 128] = {
    let mut p = [0.0; 128];
    let mut i = 0;
    while i < 128 {
        p[i] = LOG_TABLE[i][2];
        i += 1;
    }
    p
};

/// `bits(s_j) - (j << 45) - EXP_BASE`, below `2^53`.
const EXP_BASE: u64 = 0x3fe0_0000_0000_0000;

/// [`EXP_SBITS`] and [`EXP_TAIL`] as looked up by the kernels: `EXP_SBITS[j] - EXP_BASE` in
/// the low 53 bits and `t_j·2^63 + 1024` (rounded; `|t_j| < 2^-53`) in the top 11 (see
/// [`unpack_exp`]).
const EXP_PACKED: [u64; 128] = {
    let mut p = [0u64; 128];
    let mut j = 0;
    while j < 128 {
        let sbits = EXP_SBITS[j] - EXP_BASE;
        assert!(sbits < 1 << 53);
        let t = EXP_TAIL[j] * 9223372036854775808.0;
        let code = (t + ROUND_MAGIC - ROUND_MAGIC + 1024.0) as u64;
        assert!(code < 0x800);
        p[j] = code << 53 | sbits;
        j += 1;
    }
    p
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::Level;

    /// Distance in units in the last place between two doubles of the same sign or zeros.
    fn ulps(a: f64, b: f64) -> u64 {
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

    fn ulps32(a: f32, b: f32) -> u64 {
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

    /// Whether two results agree exactly: the same bits, or both NaN.
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    fn same32(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let z = (self.0 ^ (self.0 >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
            z ^ (z >> 29)
        }

        /// Uniform in [0, 1).
        fn unif(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Uniform in [a, b).
        fn range(&mut self, a: f64, b: f64) -> f64 {
            a + (b - a) * self.unif()
        }
    }

    /// Random pairs from several regimes: `x` log-uniform over the whole range with `y·ln x`
    /// spanning the representable results (and beyond); `x` near 1 with large `y`; results
    /// near the overflow threshold; small `x` and `y`; negative `x` with integer `y`.
    fn pairs(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng(seed);
        let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let (a, b) = match i % 6 {
                0 => {
                    let lx = rng.range(-300.0, 300.0) * std::f64::consts::LN_10;
                    (lx.exp(), rng.range(-750.0, 712.0) / lx)
                }
                1 => {
                    let a = 1.0 + rng.range(-1.0, 1.0) * 10f64.powf(-rng.range(1.0, 15.0));
                    (a, rng.range(-745.0, 709.78) / a.ln())
                }
                2 => {
                    let lx = rng.range(-300.0, 300.0) * std::f64::consts::LN_10;
                    let t = if rng.unif() < 0.5 { 700.0 } else { -700.0 };
                    (lx.exp(), (t + rng.range(-8.0, 9.8)) / lx)
                }
                3 => (rng.range(0.0, 10.0), rng.range(-50.0, 50.0)),
                4 => (-rng.range(0.0, 20.0), rng.range(-100.0, 100.0).round()),
                _ => {
                    let lx = rng.range(-300.0, 300.0) * std::f64::consts::LN_10;
                    (-lx.exp(), (rng.range(-700.0, 700.0) / lx).round())
                }
            };
            x.push(a);
            y.push(b);
        }
        (x, y)
    }

    #[test]
    fn accurate_and_identical_at_every_level() {
        let (x, y) = pairs(200_000, 0x5eed);
        let mut first: Option<Vec<f64>> = None;
        for level in Level::ALL {
            let mut out = vec![0.0; x.len()];
            dispatch::with_level(level, || pow(&x, &y, &mut out));
            let mut worst = (0, 0.0, 0.0);
            for ((&a, &b), &o) in x.iter().zip(&y).zip(&out) {
                let e = a.powf(b);
                if e.is_nan() || o.is_nan() {
                    assert!(same(e, o), "pow({a:e}, {b:e}) = {o:e}, expected {e:e}");
                    continue;
                }
                let u = ulps(e, o);
                if u > worst.0 {
                    worst = (u, a, b);
                }
            }
            // Measured: 1 ulp from f64::powf (which is itself within about 0.5 ulp).
            assert!(
                worst.0 <= 2,
                "{level:?}: {} ulps at pow({:e}, {:e})",
                worst.0,
                worst.1,
                worst.2
            );
            match &first {
                None => first = Some(out),
                Some(f) => assert!(f.iter().zip(&out).all(|(a, b)| same(*a, *b)), "{level:?}"),
            }
        }
    }

    #[test]
    fn f32_accurate_and_identical_at_every_level() {
        let (x, y) = pairs(100_000, 0xf32);
        let mut rng = Rng(99);
        let mut x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut y: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        // Pairs within the f32 range, subnormal x and results, overflow.
        for i in 0..40_000 {
            let lx = rng.range(-149.0, 128.0) * std::f64::consts::LN_2;
            let b = match i % 4 {
                0 => rng.range(-110.0, 95.0) / lx,
                1 => rng.range(-3.0, 3.0),
                2 => rng.range(-100.0, 100.0).round(),
                _ => rng.range(-30.0, 30.0),
            };
            let a = if i % 3 == 2 { -lx.exp() } else { lx.exp() };
            x.push(a as f32);
            y.push(b as f32);
        }
        let mut first: Option<Vec<f32>> = None;
        for level in Level::ALL {
            let mut out = vec![0.0f32; x.len()];
            dispatch::with_level(level, || pow_f32(&x, &y, &mut out));
            for ((&a, &b), &o) in x.iter().zip(&y).zip(&out) {
                let e = (a as f64).powf(b as f64) as f32;
                if e.is_nan() || o.is_nan() {
                    assert!(
                        same32(e, o),
                        "pow_f32({a:e}, {b:e}) = {o:e}, expected {e:e}"
                    );
                    continue;
                }
                assert!(
                    ulps32(e, o) <= 1,
                    "pow_f32({a:e}, {b:e}) = {o:e}, expected {e:e}"
                );
            }
            match &first {
                None => first = Some(out),
                Some(f) => assert!(f.iter().zip(&out).all(|(a, b)| same32(*a, *b)), "{level:?}"),
            }
        }
    }

    /// IEEE 754 special cases and the edges of the fast path.
    fn special_pairs() -> Vec<(f64, f64)> {
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        let mut v = vec![
            // pow(x, ±0) = 1 for every x, NaN included.
            (nan, 0.0),
            (nan, -0.0),
            (inf, 0.0),
            (-inf, -0.0),
            (0.0, 0.0),
            (-0.0, -0.0),
            (-3.0, 0.0),
            (1e-310, 0.0),
            // pow(1, y) = 1 for every y, NaN included; pow(-1, ±inf) = 1.
            (1.0, nan),
            (1.0, inf),
            (1.0, -inf),
            (1.0, 1e308),
            (-1.0, inf),
            (-1.0, -inf),
            // NaN propagates.
            (nan, 1.0),
            (nan, -2.5),
            (2.0, nan),
            (-1.0, nan),
            (0.0, nan),
            (-nan, 3.0),
            // Negative x: integer y gives the signed result, other finite y NaN.
            (-2.0, 3.0),
            (-2.0, 2.0),
            (-2.0, -3.0),
            (-0.5, 7.0),
            (-8.0, 1.0 / 3.0),
            (-2.0, 0.5),
            (-1.5, -2.5),
            (-1.0, 1e300),
            (-1.0, 9007199254740993.0),
            (-1.0000000000000002, 4503599627370497.0),
            (-1.0000000000000002, 4503599627370496.0),
            (-0.9999999999999999, 9007199254740991.0),
            (-2.0, 1e300),
            (-2.0, -1e300),
            (-10.0, 309.0),
            (-10.0, 308.0),
            (-10.0, -400.0),
            (-10.0, -401.0),
            // Zeros.
            (0.0, 1.0),
            (0.0, 3.0),
            (0.0, 0.5),
            (0.0, -1.0),
            (0.0, -0.5),
            (0.0, inf),
            (0.0, -inf),
            (-0.0, 1.0),
            (-0.0, 3.0),
            (-0.0, 2.0),
            (-0.0, 0.5),
            (-0.0, -1.0),
            (-0.0, -3.0),
            (-0.0, -2.0),
            (-0.0, -0.5),
            (-0.0, inf),
            (-0.0, -inf),
            // Infinities.
            (inf, 2.0),
            (inf, 0.5),
            (inf, -1.0),
            (inf, inf),
            (inf, -inf),
            (-inf, 3.0),
            (-inf, 2.0),
            (-inf, 0.5),
            (-inf, -3.0),
            (-inf, -2.0),
            (-inf, -0.5),
            (-inf, inf),
            (-inf, -inf),
            (0.5, inf),
            (0.5, -inf),
            (2.0, inf),
            (2.0, -inf),
            (-0.5, inf),
            (-0.5, -inf),
            (-2.0, inf),
            (-2.0, -inf),
            (f64::MAX, 2.0),
            (f64::MAX, 1.0),
            (f64::MAX, -1.0),
            // Overflow, underflow, subnormal results and subnormal x.
            (10.0, 309.0),
            (10.0, 308.25),
            (2.0, 1024.0),
            (2.0, 1023.0),
            (2.0, 1023.99),
            (2.0, -1022.0),
            (2.0, -1023.0),
            (2.0, -1074.0),
            (2.0, -1075.0),
            (2.0, -1076.0),
            (0.5, 1070.5),
            (10.0, -320.0),
            (10.0, -330.0),
            (1e-300, 2.0),
            (1e300, -2.0),
            (1e-310, 0.5),
            (1e-310, -0.5),
            (-1e-310, 3.0),
            (-1e-310, -1.0),
            (5e-324, 1.0),
            (5e-324, -1.0),
            (f64::MIN_POSITIVE, 1.0),
            (f64::MIN_POSITIVE, -1.0),
            (std::f64::consts::E, 709.7),
            (std::f64::consts::E, 709.78),
            (std::f64::consts::E, -703.0),
            (std::f64::consts::E, -708.4),
            (1.0000000000000002, 1e300),
            (0.9999999999999999, 1e300),
        ];
        // Exact powers and ordinary values, for the mixed slices.
        v.extend([
            (2.0, 10.0),
            (3.0, 2.0),
            (10.0, -2.0),
            (4.0, 0.5),
            (-3.0, 3.0),
            (7.5, -1.25),
        ]);
        v
    }

    #[test]
    fn special_cases_exact_at_every_level() {
        let pairs = special_pairs();
        let x: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let y: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        for level in Level::ALL {
            let mut out = vec![0.0; x.len()];
            dispatch::with_level(level, || pow(&x, &y, &mut out));
            for ((&a, &b), &o) in x.iter().zip(&y).zip(&out) {
                let e = a.powf(b);
                assert!(
                    same(e, o) || (ulps(e, o) <= 1 && e.is_finite() && e != 0.0),
                    "{level:?}: pow({a:e}, {b:e}) = {o:e}, expected {e:e}"
                );
                if !e.is_finite() || e == 0.0 || e.is_nan() || b == 0.0 || a == 1.0 {
                    assert!(
                        same(e, o),
                        "{level:?}: pow({a:e}, {b:e}) = {o:e}, expected {e:e}"
                    );
                }
            }
            // Each special pair alone, and between ordinary elements.
            for (&a, &b) in x.iter().zip(&y) {
                let mut xs = vec![1.5, a, 0.75, a, 2.0];
                let ys = vec![2.5, b, -3.0, b, 0.5];
                let mut o = vec![0.0; 5];
                dispatch::with_level(level, || pow(&xs, &ys, &mut o));
                let mut alone = [0.0];
                dispatch::with_level(level, || pow(&[a], &[b], &mut alone));
                assert!(
                    same(o[1], alone[0]) && same(o[3], alone[0]),
                    "pow({a:e}, {b:e})"
                );
                xs[1] = 1.5;
                xs[3] = 1.5;
                let mut ord = vec![0.0; 5];
                dispatch::with_level(level, || pow(&xs, &ys[..], &mut ord));
                for k in [0, 2, 4] {
                    assert_eq!(o[k].to_bits(), ord[k].to_bits());
                }
            }
        }
    }

    #[test]
    fn mixed_slices_fix_up_only_special_elements() {
        let pairs = special_pairs();
        let (ox, oy) = pairs_ordinary();
        for level in Level::ALL {
            // Alternate special and ordinary elements, over more than one tile.
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for (k, &(a, b)) in pairs.iter().cycle().take(3 * TILE + 5).enumerate() {
                x.extend([ox[k % ox.len()], a]);
                y.extend([oy[k % oy.len()], b]);
            }
            let mut out = vec![0.0; x.len()];
            dispatch::with_level(level, || pow(&x, &y, &mut out));
            let (mut xo, mut yo) = (Vec::new(), Vec::new());
            for k in (0..x.len()).step_by(2) {
                xo.push(x[k]);
                yo.push(y[k]);
            }
            let mut ord = vec![0.0; xo.len()];
            dispatch::with_level(level, || pow(&xo, &yo, &mut ord));
            for k in 0..x.len() {
                let alone = {
                    let mut o = [0.0];
                    dispatch::with_level(level, || pow(&x[k..k + 1], &y[k..k + 1], &mut o));
                    o[0]
                };
                assert!(same(out[k], alone), "{level:?}: element {k}");
                if k % 2 == 0 {
                    assert_eq!(out[k].to_bits(), ord[k / 2].to_bits());
                }
            }
        }
    }

    /// Ordinary pairs (all on the fast path).
    fn pairs_ordinary() -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng(3);
        (0..97)
            .map(|_| (rng.range(0.1, 20.0), rng.range(-20.0, 20.0)))
            .unzip()
    }

    #[test]
    fn f32_special_cases_exact_at_every_level() {
        let mut pairs: Vec<(f32, f32)> = special_pairs()
            .iter()
            .map(|&(a, b)| (a as f32, b as f32))
            .collect();
        let (inf, max) = (f32::INFINITY, f32::MAX);
        pairs.extend([
            (1e-45, 1.0),
            (1e-45, 0.5),
            (1e-40, -1.0),
            (-1e-40, 3.0),
            (2.0, 128.0),
            (2.0, 127.99),
            (2.0, -149.0),
            (2.0, -150.0),
            (2.0, -149.5),
            (-2.0, -149.0),
            (-2.0, 129.0),
            (10.0, 38.5),
            (-10.0, 39.0),
            (max, 1.0),
            (max, 2.0),
            (1e30, 1e30),
            (-1e30, 1e30),
            (inf, -1e-30),
            (-1.0, 16777217.0),
            (-1.0000001, 16777215.0),
            (-0.99999994, 16777215.0),
        ]);
        let x: Vec<f32> = pairs.iter().map(|p| p.0).collect();
        let y: Vec<f32> = pairs.iter().map(|p| p.1).collect();
        for level in Level::ALL {
            let mut out = vec![0.0f32; x.len()];
            dispatch::with_level(level, || pow_f32(&x, &y, &mut out));
            for ((&a, &b), &o) in x.iter().zip(&y).zip(&out) {
                let e = (a as f64).powf(b as f64) as f32;
                assert!(
                    same32(e, o) || ulps32(e, o) <= 1 && e.is_finite() && e != 0.0,
                    "{level:?}: pow_f32({a:e}, {b:e}) = {o:e}, expected {e:e}"
                );
                // Special cases are exactly those of f32::powf.
                let s = a.powf(b);
                if !s.is_finite() || s == 0.0 || b == 0.0 || a == 1.0 || a == 0.0 {
                    assert!(
                        same32(s, o),
                        "{level:?}: pow_f32({a:e}, {b:e}) = {o:e}, expected {s:e}"
                    );
                }
            }
            // Mixed with ordinary elements.
            let (mut xm, mut ym) = (Vec::new(), Vec::new());
            for (&a, &b) in x.iter().zip(&y) {
                xm.extend([1.25f32, a, 3.5]);
                ym.extend([-1.5f32, b, 2.25]);
            }
            let mut om = vec![0.0f32; xm.len()];
            dispatch::with_level(level, || pow_f32(&xm, &ym, &mut om));
            for k in 0..xm.len() {
                let e = if k % 3 == 1 {
                    out[k / 3]
                } else if k % 3 == 0 {
                    1.25f32.powf(-1.5)
                } else {
                    3.5f32.powf(2.25)
                };
                assert!(
                    same32(om[k], e) || k % 3 != 1 && ulps32(om[k], e) <= 1,
                    "element {k}"
                );
            }
        }
    }

    #[test]
    fn lengths_offsets_and_mismatched_slices() {
        let (x, y) = pairs(300, 17);
        let (x32, y32): (Vec<f32>, Vec<f32>) = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| ((a as f32).clamp(-1e6, 1e6), (b as f32).clamp(-30.0, 30.0)))
            .unzip();
        let mut full = vec![0.0; x.len()];
        pow(&x, &y, &mut full);
        let mut full32 = vec![0.0f32; x.len()];
        pow_f32(&x32, &y32, &mut full32);
        for level in Level::ALL {
            // Empty slices.
            dispatch::with_level(level, || pow(&[], &[], &mut []));
            dispatch::with_level(level, || pow_f32(&[], &[], &mut []));
            for start in 0..8 {
                for len in (0..=70).chain([TILE - 1, TILE, TILE + 1, 2 * TILE + 3]) {
                    let r = start..start + len;
                    let mut out = vec![7.0; len];
                    dispatch::with_level(level, || pow(&x[r.clone()], &y[r.clone()], &mut out));
                    assert!(out.iter().zip(&full[r.clone()]).all(|(a, b)| same(*a, *b)));
                    let mut out = vec![7.0f32; len];
                    dispatch::with_level(level, || {
                        pow_f32(&x32[r.clone()], &y32[r.clone()], &mut out)
                    });
                    assert!(out
                        .iter()
                        .zip(&full32[r.clone()])
                        .all(|(a, b)| same32(*a, *b)));
                }
            }
            // Mismatched lengths: only min(len) elements are written.
            let mut out = vec![7.0; 50];
            dispatch::with_level(level, || pow(&x[..40], &y[..45], &mut out));
            assert!(out[..40].iter().zip(&full).all(|(a, b)| same(*a, *b)));
            assert!(out[40..].iter().all(|&v| v == 7.0));
            let mut out = vec![7.0; 30];
            dispatch::with_level(level, || pow(&x[..40], &y[..35], &mut out));
            assert!(out.iter().zip(&full).all(|(a, b)| same(*a, *b)));
            let mut out = vec![7.0f32; 50];
            dispatch::with_level(level, || pow_f32(&x32[..45], &y32[..40], &mut out));
            assert!(out[..40].iter().zip(&full32).all(|(a, b)| same32(*a, *b)));
            assert!(out[40..].iter().all(|&v| v == 7.0));
        }
    }

    #[test]
    fn tables_are_consistent() {
        let mut max_r: f64 = 0.0;
        for (i, &[invc, logc_hi, logc_lo]) in LOG_TABLE.iter().enumerate() {
            // 1/c has at most 8 significant bits: a multiple of 2^-8 below 1, of 2^-7 above.
            let q = if invc < 1.0 { 256.0 } else { 128.0 };
            assert_eq!((invc * q).fract(), 0.0, "row {i}");
            assert!((invc * q) < 256.0 || invc == 1.0);
            // ln c in two parts, the first a multiple of 2^-43.
            assert_eq!((logc_hi * 2f64.powi(43)).fract(), 0.0, "row {i}");
            assert!(logc_lo.abs() <= 2f64.powi(-44));
            let logc = logc_hi + logc_lo;
            assert!((logc + invc.ln()).abs() <= 1e-16 * logc.abs(), "row {i}");
            // The interval's ends: |r| < 2^-7 (r exact) and |ln c| ≥ 1.33 |r| (Fast2Sum).
            let lo = f64::from_bits(LOG_OFF + ((i as u64) << 45));
            let hi = f64::from_bits(LOG_OFF + ((i as u64 + 1) << 45) - 1);
            assert_eq!(log_index(lo), i);
            assert_eq!(log_index(hi), i);
            let r = (lo * invc - 1.0).abs().max((hi * invc - 1.0).abs());
            assert!(r < 0.0059, "row {i}: {r}");
            assert!(
                invc == 1.0 && logc == 0.0 || logc.abs() >= 1.33 * r,
                "row {i}"
            );
            max_r = max_r.max(r);
            // The packed form.
            assert_eq!(unpack_log(LOG_PACKED[i]), (invc, logc_hi));
            assert_eq!(LOG_LO[i], logc_lo);
            let (invc_f, logc_f) = unpack_log(LOGF_PACKED[i]);
            assert_eq!(invc_f, invc);
            assert!(
                (logc_f - logc_hi - logc_lo).abs() <= 2f64.powi(-46),
                "row {i}"
            );
        }
        assert_eq!(LOG_TABLE[log_index(1.0)][0], 1.0);
        assert!(max_r > 0.0058);
        for j in 0..128 {
            let s = f64::from_bits(EXP_SBITS[j] + ((j as u64) << 45));
            assert!((1.0..2.0).contains(&s));
            let e = (j as f64 / 128.0).exp2();
            assert!(ulps(s, e) <= 1, "{j}");
            assert!((s * EXP_TAIL[j]).abs() <= 1.2e-16);
            assert!(ulps(s + s * EXP_TAIL[j], e) <= 1);
            let (tail, sbits) = unpack_exp(EXP_PACKED[j]);
            assert_eq!(sbits, EXP_SBITS[j]);
            assert!((tail - EXP_TAIL[j]).abs() <= TWO_M63 / 2.0, "{j}");
            assert_eq!(exp_scale(128 * 5 + j as u64, sbits), 32.0 * s);
            assert_eq!(exp_scale((128 * -5 + j as i64) as u64, sbits), s / 32.0);
        }
    }
}
