//! Error-free transformations for double-double arithmetic, without fused multiply-add (so
//! that every level gives the same bits).

/// `a + b = s + e` exactly (Knuth's two-sum; any magnitudes).
#[inline(always)]
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a + b = s + e` exactly, for `|a| ≥ |b|` or `a = 0` (Dekker's Fast2Sum).
#[inline(always)]
pub(super) fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Veltkamp's split: `a = h + l` with `h` holding the top 26 bits, for `|a| < 2^995`.
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a;
    let h = c - (c - a);
    (h, a - h)
}

/// `a·b = p + e` exactly (Dekker's product), unless it overflows or underflows
/// (`|a|, |b| < 2^995`).
#[inline(always)]
pub(super) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// `√(h + l)` as `r + c`, for `h > 0` normal and `|l| ≤ ulp(h)`: `r = √h` corrected to first
/// order (relative error about 2^-100).
#[inline(always)]
pub(super) fn sqrt_dd(h: f64, l: f64) -> (f64, f64) {
    let r = h.sqrt();
    let (p, pe) = two_prod(r, r);
    // h - p is exact (p is within a few ulps of h).
    (r, (((h - p) - pe) + l) / (r + r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_transformations() {
        let (s, e) = two_sum(1.0, 1e-20);
        assert_eq!((s, e), (1.0, 1e-20));
        let (s, e) = two_sum(1e-20, 1.0);
        assert_eq!((s, e), (1.0, 1e-20));
        let (s, e) = fast_two_sum(3.0, f64::EPSILON / 4.0);
        assert_eq!((s, e), (3.0, f64::EPSILON / 4.0));
        let a = 1.0 + f64::EPSILON;
        let (p, e) = two_prod(a, a);
        assert_eq!(
            (p, e),
            (1.0 + 2.0 * f64::EPSILON, f64::EPSILON * f64::EPSILON)
        );
        let (r, c) = sqrt_dd(2.0, 0.0);
        // √2 = 1.4142135623730950488016887242097: r + c agrees far below r's ulp.
        assert_eq!(r, std::f64::consts::SQRT_2);
        assert!((c - (-9.667293313452913e-17)).abs() < 1e-31, "{c:e}");
    }
}
