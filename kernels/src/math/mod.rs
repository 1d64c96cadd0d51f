//! Vectorized transcendental functions over slices, with run-time CPU dispatch.
//!
//! Each function has the form `f(x: &[T], out: &mut [T])` and writes `out[i] = f(x[i])` for
//! `i < min(x.len(), out.len())`. The bodies have no branches, so they are vectorized for
//! every [`Level`](crate::dispatch::Level) by [`dispatch::run`](crate::dispatch::run);
//! arguments outside the fast path's range (non-finite, huge, results that would be
//! subnormal) are recomputed by the standard library afterwards.

// The polynomial and reduction constants are quoted with the digits they are published with;
// each rounds to the intended double.
#![allow(clippy::excessive_precision)]

mod pending;
mod pow;
mod trig;

pub use pending::{
    cos_f32, exp, exp_f32, expm1, expm1_f32, ln, ln_f32, log1p, log1p_f32, sin_f32, tan, tan_f32,
    tanh, tanh_f32,
};
pub use pow::{pow, pow_f32};
pub use trig::{cos, sin};
