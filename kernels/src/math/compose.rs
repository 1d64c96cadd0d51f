//! Functions composed of the slice kernels, a stack block at a time: `sinc`, `logaddexp`
//! and `logaddexp2` by NumPy's formulas, with the vectorized `sin`, `exp`, `exp2` and
//! `log1p` in place of the platform's libm. Their error is that of the composition (the
//! accuracy table of [`crate::math`] gives what was measured).

/// Elements per stack block.
const BLOCK: usize = 256;

macro_rules! composed {
    ($t:ty, $sinc:ident, $lae:ident, $lae2:ident, $lae_with:ident,
     $sin:path, $exp:path, $exp2:path, $log1p:path, $m:ident) => {
        /// `out[i] = sin(π x[i]) / (π x[i])`, and 1 at 0 (NumPy's `sinc`, which divides
        /// `sin(π · 1e-20)` by `π · 1e-20` there), for `i < min(x.len(), out.len())`.
        pub fn $sinc(x: &[$t], out: &mut [$t]) {
            let n = x.len().min(out.len());
            let (mut y, mut s) = ([0.0 as $t; BLOCK], [0.0 as $t; BLOCK]);
            for start in (0..n).step_by(BLOCK) {
                let m = (n - start).min(BLOCK);
                let (x, out) = (&x[start..start + m], &mut out[start..start + m]);
                for i in 0..m {
                    y[i] = std::$m::consts::PI * if x[i] == 0.0 { 1.0e-20 } else { x[i] };
                }
                $sin(&y[..m], &mut s[..m]);
                for i in 0..m {
                    out[i] = s[i] / y[i];
                }
            }
        }

        /// `out[i] = ln(e^a[i] + e^b[i])` without overflow (NumPy's `logaddexp`), for `i`
        /// below the shortest length.
        pub fn $lae(a: &[$t], b: &[$t], out: &mut [$t]) {
            $lae_with(a, b, out, $exp, 1.0, std::$m::consts::LN_2)
        }

        /// `out[i] = log2(2^a[i] + 2^b[i])` without overflow (NumPy's `logaddexp2`), for
        /// `i` below the shortest length.
        pub fn $lae2(a: &[$t], b: &[$t], out: &mut [$t]) {
            $lae_with(a, b, out, $exp2, std::$m::consts::LOG2_E, 1.0)
        }

        /// `max(a, b) + scale · log1p(pow(-|a - b|))`, `a + same` where `a == b` (equal
        /// infinities without `inf - inf`), NaN where either is.
        fn $lae_with(
            a: &[$t],
            b: &[$t],
            out: &mut [$t],
            pow: fn(&[$t], &mut [$t]),
            scale: $t,
            same: $t,
        ) {
            let n = a.len().min(b.len()).min(out.len());
            let (mut t, mut e, mut l) =
                ([0.0 as $t; BLOCK], [0.0 as $t; BLOCK], [0.0 as $t; BLOCK]);
            for start in (0..n).step_by(BLOCK) {
                let m = (n - start).min(BLOCK);
                let (a, b) = (&a[start..start + m], &b[start..start + m]);
                let out = &mut out[start..start + m];
                for i in 0..m {
                    t[i] = -(a[i] - b[i]).abs();
                }
                pow(&t[..m], &mut e[..m]);
                $log1p(&e[..m], &mut l[..m]);
                for i in 0..m {
                    let (x, y) = (a[i], b[i]);
                    let d = x - y;
                    out[i] = if x == y {
                        x + same
                    } else if d > 0.0 {
                        x + scale * l[i]
                    } else if d <= 0.0 {
                        y + scale * l[i]
                    } else {
                        d
                    };
                }
            }
        }
    };
}

composed!(
    f64,
    sinc,
    logaddexp,
    logaddexp2,
    log_add_f64,
    super::sin,
    super::exp,
    super::exp2,
    super::log1p,
    f64
);
composed!(
    f32,
    sinc_f32,
    logaddexp_f32,
    logaddexp2_f32,
    log_add_f32,
    super::sin_f32,
    super::exp_f32,
    super::exp2_f32,
    super::log1p_f32,
    f32
);

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0.0;
        }
        let ulp = (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
        (a - b).abs() / ulp
    }

    fn args() -> Vec<f64> {
        let mut v: Vec<f64> = (0..4000)
            .map(|i| {
                let u = ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64
                    / (1u64 << 53) as f64;
                (u - 0.5) * 2.0 * [1e-3, 1.0, 30.0, 700.0][i % 4]
            })
            .collect();
        v.extend([
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
            -1e300,
        ]);
        v
    }

    #[test]
    fn sinc_follows_numpys_formula() {
        let x = args();
        let mut out = vec![0.0; x.len()];
        sinc(&x, &mut out);
        for (&x, &got) in x.iter().zip(&out) {
            let y = std::f64::consts::PI * if x == 0.0 { 1.0e-20 } else { x };
            let want = y.sin() / y;
            assert!(
                ulps(got, want) <= 2.0 || (got - want).abs() < 1e-300,
                "sinc({x}) = {got}, want {want}"
            );
        }
        assert_eq!(out[x.len() - 10], 1.0);
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut of = vec![0.0f32; xf.len()];
        sinc_f32(&xf, &mut of);
        for (&x, &got) in xf.iter().zip(&of) {
            let y = std::f32::consts::PI * if x == 0.0 { 1.0e-20 } else { x };
            let want = (f64::from(y).sin() / f64::from(y)) as f32;
            let tol = (want.abs() * f32::EPSILON * 2.0).max(1e-37);
            assert!(
                (got - want).abs() <= tol || (got.is_nan() && want.is_nan()),
                "sinc_f32({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn logaddexp_follows_numpys_formula() {
        let a = args();
        let mut b = a.clone();
        b.rotate_left(7);
        b[0] = a[0]; // equal operands
        let n = a.len();
        let (mut o, mut o2) = (vec![0.0; n], vec![0.0; n]);
        logaddexp(&a, &b, &mut o);
        logaddexp2(&a, &b, &mut o2);
        for i in 0..n {
            let (x, y) = (a[i], b[i]);
            let want = if x == y {
                x + std::f64::consts::LN_2
            } else {
                x.max(y) + (-(x - y).abs()).exp().ln_1p()
            };
            let want = if (x - y).is_nan() && x != y {
                f64::NAN
            } else {
                want
            };
            assert!(
                ulps(o[i], want) <= 2.0,
                "logaddexp({x}, {y}) = {}, want {want}",
                o[i]
            );
            let want2 = if x == y {
                x + 1.0
            } else {
                x.max(y) + std::f64::consts::LOG2_E * (-(x - y).abs()).exp2().ln_1p()
            };
            let want2 = if (x - y).is_nan() && x != y {
                f64::NAN
            } else {
                want2
            };
            assert!(
                ulps(o2[i], want2) <= 2.0,
                "logaddexp2({x}, {y}) = {}, want {want2}",
                o2[i]
            );
        }
        let inf = f64::INFINITY;
        let mut s = [0.0; 4];
        logaddexp(&[inf, -inf, inf, f64::NAN], &[inf, -inf, 1.0, 0.0], &mut s);
        assert_eq!(s[..3], [inf, -inf, inf]);
        assert!(s[3].is_nan());
        let (af, bf): (Vec<f32>, Vec<f32>) = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (x as f32, y as f32))
            .unzip();
        let mut of = vec![0.0f32; n];
        logaddexp_f32(&af, &bf, &mut of);
        for i in 0..n {
            let (x, y) = (f64::from(af[i]), f64::from(bf[i]));
            let want = if x == y {
                x + std::f64::consts::LN_2
            } else {
                x.max(y) + (-(x - y).abs()).exp().ln_1p()
            };
            let want = want as f32;
            // Relative to the larger term: the sum cancels where max(a, b) < 0 < log1p.
            let tol = (x.abs().max(y.abs()).min(f64::from(want.abs()) + 1.0) as f32 + want.abs())
                * f32::EPSILON
                * 2.0;
            assert!(
                (of[i] - want).abs() <= tol || (of[i].is_nan() && want.is_nan()) || of[i] == want,
                "logaddexp_f32({x}, {y}) = {}, want {want}",
                of[i]
            );
        }
    }
}
