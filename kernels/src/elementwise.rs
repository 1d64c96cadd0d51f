//! Elementwise loops over slices, compiled once per SIMD level.
//!
//! [`map`], [`zip`], [`select`] and the in-place [`update`] and [`map_in_place`] run a per-element function over slices inside
//! [`dispatch::run`], so the loop and the (inlined) function are vectorized for the widest
//! level the CPU has. With the element semantics of [`crate::scalar::Arith`] this covers
//! every elementwise operation of tessera on every dtype: arithmetic, comparisons,
//! `maximum`/`minimum` with NaN propagation, `where`, `clip` (a `maximum` then a `minimum`)
//! and casts.
//!
//! What vectorizes (the `levels` group of the `kernels` benchmark times each kernel per level):
//! `+ - *` and comparisons on every type; float `/`, `sqrt`, `floor`, `ceil`, `abs`,
//! `sign`, `maximum`/`minimum`, `where`, and casts between floats and 32-bit integers.
//! Integer `/` and `%` of types up to 32 bits run through exact `f64` division (a 32-bit
//! quotient is never rounded across an integer by a 53-bit division). 64-bit integer
//! division and float `%` (`fmod`) have no SIMD instruction on x86: their vectorized forms
//! are the slice kernels of [`crate::wide_div`] and [`crate::float_rem`].
//!
//! ```
//! use tessera_kernels::elementwise::{map, select, zip};
//! let x = [1.0f64, -2.0, 3.0];
//! let y = [0.5f64, 0.5, 0.5];
//! let mut s = [0.0; 3];
//! zip(&x, &y, &mut s, |a, b| a * b + 1.0);
//! assert_eq!(s, [1.5, 0.0, 2.5]);
//! let mut pos = [false; 3];
//! map(&x, &mut pos, |a| a > 0.0);
//! let mut r = [0.0; 3];
//! select(&pos, &x, &y, &mut r);
//! assert_eq!(r, [1.0, 0.5, 3.0]);
//! ```

use crate::dispatch;

/// `out[i] = f(x[i])` for `i < min(x.len(), out.len())`.
#[inline]
pub fn map<A: Copy, B>(x: &[A], out: &mut [B], f: impl Fn(A) -> B) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    dispatch::run(
        #[inline(always)]
        || {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = f(v);
            }
        },
    )
}

/// `out[i] = f(x[i], y[i])` for `i` below the shortest length.
#[inline]
pub fn zip<A: Copy, B: Copy, C>(x: &[A], y: &[B], out: &mut [C], f: impl Fn(A, B) -> C) {
    let n = x.len().min(y.len()).min(out.len());
    let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
    dispatch::run(
        #[inline(always)]
        || {
            for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                *o = f(a, b);
            }
        },
    )
}

/// `out[i] = if cond[i] { x[i] } else { y[i] }` (NumPy's `where`), for `i` below the
/// shortest length.
#[inline]
pub fn select<T: Copy>(cond: &[bool], x: &[T], y: &[T], out: &mut [T]) {
    let n = cond.len().min(x.len()).min(y.len()).min(out.len());
    let (c, x, y, out) = (&cond[..n], &x[..n], &y[..n], &mut out[..n]);
    dispatch::run(
        #[inline(always)]
        || {
            for (k, o) in out.iter_mut().enumerate() {
                *o = if c[k] { x[k] } else { y[k] };
            }
        },
    )
}

/// `x[i] = f(x[i])` in place.
///
/// ```
/// let mut x = [1.0f64, 2.0, 3.0];
/// tessera_kernels::elementwise::map_in_place(&mut x, |v| v * 2.0 + 1.0);
/// assert_eq!(x, [3.0, 5.0, 7.0]);
/// ```
#[inline]
pub fn map_in_place<A: Copy>(x: &mut [A], f: impl Fn(A) -> A) {
    dispatch::run(
        #[inline(always)]
        || {
            for v in x.iter_mut() {
                *v = f(*v);
            }
        },
    )
}

/// `out[i] = f(acc, x[i])` accumulated in place: `acc[i] = f(acc[i], x[i])`.
#[inline]
pub fn update<A: Copy, B: Copy>(acc: &mut [A], x: &[B], f: impl Fn(A, B) -> A) {
    let n = acc.len().min(x.len());
    let (acc, x) = (&mut acc[..n], &x[..n]);
    dispatch::run(
        #[inline(always)]
        || {
            for (a, &v) in acc.iter_mut().zip(x) {
                *a = f(*a, v);
            }
        },
    )
}

/// `out[i] = exact(x[i], y[i])`, computed by `fast` where it can: at the levels with wide
/// vectors (AVX2, AVX-512) a vector pass stores `fast(x[i], y[i]).0` and collects the flags
/// `.1` of the elements `fast` cannot compute, which are then redone with `exact`; at the
/// other levels `exact` runs alone (the vector detour does not pay there). For operations
/// without a SIMD instruction (`crate::wide_div`, `crate::float_rem`).
#[inline(always)]
pub(crate) fn zip_or_exact<T: Copy>(
    x: &[T],
    y: &[T],
    out: &mut [T],
    fast: impl Fn(T, T) -> (T, bool),
    exact: impl Fn(T, T) -> T,
) {
    let n = x.len().min(y.len()).min(out.len());
    let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
    if !matches!(
        dispatch::level(),
        dispatch::Level::Avx2 | dispatch::Level::Avx512
    ) {
        for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
            *o = exact(a, b);
        }
        return;
    }
    let slow = dispatch::run(
        #[inline(always)]
        || {
            let mut slow = false;
            for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                let (v, s) = fast(a, b);
                *o = v;
                slow |= s;
            }
            slow
        },
    );
    if slow {
        for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
            if fast(a, b).1 {
                *o = exact(a, b);
            }
        }
    }
}
