//! Tests of `pow` and `pow_f32`.

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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
        // The kernel is within 1 ulp of f64::powf (itself within about 0.5 ulp) on these
        // pairs; the check allows 2.
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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
    for level in Level::ALL.into_iter().filter(|l| l.supported()) {
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
