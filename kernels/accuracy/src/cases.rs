//! The functions under test and the argument ranges each is measured on.

use crate::reference::{Format, Func, F32, F64};
use crate::rng::Rng;
use std::f64::consts::PI;
use tessera_kernels::math;

/// How arguments are drawn. Every draw is rounded to the case's dtype.
#[derive(Debug, Clone, Copy)]
pub enum Dist {
    /// Uniform in [lo, hi].
    Uniform(f64, f64),
    /// |x| log-uniform in [lo, hi] (0 < lo), with a random sign when `signed`.
    LogUniform { lo: f64, hi: f64, signed: bool },
    /// `1 + x` log-uniform in [lo, hi]: x spans (-1 + lo, hi - 1], dense near -1 and 0.
    OnePlusLog(f64, f64),
    /// `x - 1` log-uniform in [lo, hi]: x spans [1 + lo, 1 + hi], dense near 1.
    AboveOneLog(f64, f64),
    /// Two arguments, each of log-uniform magnitude in [lo, hi] with a random sign.
    PairLog(f64, f64),
    /// `1 - |x|` log-uniform in [lo, hi], with a random sign: dense near ±1.
    BelowOneLog(f64, f64),
    /// `pow`: x log-uniform in [xlo, xhi], y = t / ln(x) with t uniform in [tlo, thi], so
    /// that y·ln(x), the log of the result, spans [tlo, thi].
    PowLog {
        xlo: f64,
        xhi: f64,
        tlo: f64,
        thi: f64,
    },
    /// `pow`: x uniform in (xlo, xhi] (zero excluded), y uniform in [ylo, yhi].
    PowUniform {
        xlo: f64,
        xhi: f64,
        ylo: f64,
        yhi: f64,
    },
}

/// One argument range of a case.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Shown in the table.
    pub label: &'static str,
    /// How arguments are drawn.
    pub dist: Dist,
}

/// The kernel's slice API.
#[derive(Clone, Copy)]
pub enum Kernel {
    /// `fn(x, out)` over f64.
    F64(fn(&[f64], &mut [f64])),
    /// `fn(x, out)` over f32.
    F32(fn(&[f32], &mut [f32])),
    /// `fn(x, y, out)` over f64.
    F64Bin(fn(&[f64], &[f64], &mut [f64])),
    /// `fn(x, y, out)` over f32.
    F32Bin(fn(&[f32], &[f32], &mut [f32])),
}

/// One function in one dtype.
pub struct Case {
    /// The kernel's name in `tessera_kernels::math`.
    pub name: &'static str,
    /// The mathematical function.
    pub func: Func,
    /// The kernel.
    pub kernel: Kernel,
    /// Ranges measured.
    pub ranges: Vec<Range>,
}

impl Case {
    /// `f32` or `f64`.
    pub fn dtype(&self) -> &'static str {
        match self.kernel {
            Kernel::F64(_) | Kernel::F64Bin(_) => "f64",
            Kernel::F32(_) | Kernel::F32Bin(_) => "f32",
        }
    }

    /// The floating-point format of the results.
    pub fn format(&self) -> Format {
        match self.kernel {
            Kernel::F64(_) | Kernel::F64Bin(_) => F64,
            Kernel::F32(_) | Kernel::F32Bin(_) => F32,
        }
    }

    /// Whether the function takes two arguments.
    pub fn binary(&self) -> bool {
        matches!(self.kernel, Kernel::F64Bin(_) | Kernel::F32Bin(_))
    }

    /// Runs the kernel on the batch; results widened to f64 (exactly).
    pub fn run(&self, x: &[f64], y: &[f64]) -> Vec<f64> {
        let n = x.len();
        match self.kernel {
            Kernel::F64(f) => {
                let mut out = vec![0.0; n];
                f(x, &mut out);
                out
            }
            Kernel::F64Bin(f) => {
                let mut out = vec![0.0; n];
                f(x, y, &mut out);
                out
            }
            Kernel::F32(f) => {
                let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let mut out = vec![0.0f32; n];
                f(&x, &mut out);
                out.into_iter().map(f64::from).collect()
            }
            Kernel::F32Bin(f) => {
                let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let y: Vec<f32> = y.iter().map(|&v| v as f32).collect();
                let mut out = vec![0.0f32; n];
                f(&x, &y, &mut out);
                out.into_iter().map(f64::from).collect()
            }
        }
    }

    /// Draws one argument (pair) of `range`, rounded to the dtype (held in f64, exactly).
    pub fn draw(&self, dist: Dist, rng: &mut Rng) -> (f64, f64) {
        let f32_ = self.format() == F32;
        let round = |v: f64| if f32_ { v as f32 as f64 } else { v };
        loop {
            let (x, y) = match dist {
                Dist::Uniform(lo, hi) => (round(rng.uniform(lo, hi)), 0.0),
                Dist::LogUniform { lo, hi, signed } => {
                    let s = if signed { rng.sign() } else { 1.0 };
                    (round(s * rng.log_uniform(lo, hi)), 0.0)
                }
                Dist::OnePlusLog(lo, hi) => (round(rng.log_uniform(lo, hi) - 1.0), 0.0),
                Dist::AboveOneLog(lo, hi) => (round(1.0 + rng.log_uniform(lo, hi)), 0.0),
                Dist::PairLog(lo, hi) => {
                    let (s, t) = (rng.sign(), rng.sign());
                    (
                        round(s * rng.log_uniform(lo, hi)),
                        round(t * rng.log_uniform(lo, hi)),
                    )
                }
                Dist::BelowOneLog(lo, hi) => {
                    let s = rng.sign();
                    (round(s * (1.0 - rng.log_uniform(lo, hi))), 0.0)
                }
                Dist::PowLog { xlo, xhi, tlo, thi } => {
                    let x = round(rng.log_uniform(xlo, xhi));
                    (x, round(rng.uniform(tlo, thi) / x.ln()))
                }
                Dist::PowUniform { xlo, xhi, ylo, yhi } => {
                    (round(rng.uniform(xlo, xhi)), round(rng.uniform(ylo, yhi)))
                }
            };
            // Redraw the rare degenerate draws: ln(1) = 0 in PowLog, zero x in PowUniform,
            // log1p(-1) (1 + x rounded to 0).
            let bad = match dist {
                Dist::PowLog { .. } => !y.is_finite(),
                Dist::PowUniform { .. } => x == 0.0,
                Dist::OnePlusLog(..) => x <= -1.0,
                _ => false,
            };
            if !bad && x.is_finite() {
                return (x, y);
            }
        }
    }
}

const fn r(label: &'static str, dist: Dist) -> Range {
    Range { label, dist }
}

const fn u(lo: f64, hi: f64) -> Dist {
    Dist::Uniform(lo, hi)
}

const fn lu(lo: f64, hi: f64) -> Dist {
    Dist::LogUniform {
        lo,
        hi,
        signed: false,
    }
}

const fn slu(lo: f64, hi: f64) -> Dist {
    Dist::LogUniform {
        lo,
        hi,
        signed: true,
    }
}

/// 2^17, the limit of the fast trigonometric reduction.
const TWO17: f64 = 131072.0;

/// Every case, f64 first, in the order of the table.
pub fn all() -> Vec<Case> {
    use Func::*;
    let trig64 = || {
        vec![
            r("[-π, π]", u(-PI, PI)),
            r("[-1e5, 1e5]", u(-1e5, 1e5)),
            r("[-2^17, 2^17]", u(-TWO17, TWO17)),
            r("±[1e-10, 1e22] log", slu(1e-10, 1e22)),
        ]
    };
    let trig32 = || {
        vec![
            r("[-π, π]", u(-PI, PI)),
            r("[-1e5, 1e5]", u(-1e5, 1e5)),
            r("[-2^17, 2^17]", u(-TWO17, TWO17)),
            r("±[1e-10, 3e38] log", slu(1e-10, 3e38)),
        ]
    };
    let k64 = Kernel::F64;
    let k32 = Kernel::F32;
    vec![
        Case {
            name: "exp",
            func: Exp,
            kernel: k64(math::exp),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-708, 709.78]", u(-708.0, 709.78)),
                r("[-745.1, -708] (subnormal)", u(-745.1, -708.0)),
            ],
        },
        Case {
            name: "ln",
            func: Ln,
            kernel: k64(math::ln),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r("[1e-300, 1e300] log", lu(1e-300, 1e300)),
                r("subnormal, log", lu(f64::from_bits(1), f64::MIN_POSITIVE)),
            ],
        },
        Case {
            name: "log2",
            func: Log2,
            kernel: k64(math::log2),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r("[1e-300, 1e300] log", lu(1e-300, 1e300)),
            ],
        },
        Case {
            name: "log10",
            func: Log10,
            kernel: k64(math::log10),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r("[1e-300, 1e300] log", lu(1e-300, 1e300)),
            ],
        },
        Case {
            name: "log1p",
            func: Log1p,
            kernel: k64(math::log1p),
            ranges: vec![
                r("[-0.5, 0.5]", u(-0.5, 0.5)),
                r("1+x ∈ [1e-10, 1e10] log", Dist::OnePlusLog(1e-10, 1e10)),
                r("±[1e-300, 1e-10] log", slu(1e-300, 1e-10)),
            ],
        },
        Case {
            name: "expm1",
            func: Expm1,
            kernel: k64(math::expm1),
            ranges: vec![
                r("[-1e-5, 1e-5]", u(-1e-5, 1e-5)),
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-40, 709.78]", u(-40.0, 709.78)),
            ],
        },
        Case {
            name: "sin",
            func: Sin,
            kernel: k64(math::sin),
            ranges: trig64(),
        },
        Case {
            name: "cos",
            func: Cos,
            kernel: k64(math::cos),
            ranges: trig64(),
        },
        Case {
            name: "tan",
            func: Tan,
            kernel: k64(math::tan),
            ranges: trig64(),
        },
        Case {
            name: "tanh",
            func: Tanh,
            kernel: k64(math::tanh),
            ranges: vec![
                r("[-1e-5, 1e-5]", u(-1e-5, 1e-5)),
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-20, 20]", u(-20.0, 20.0)),
            ],
        },
        Case {
            name: "exp2",
            func: Exp2,
            kernel: k64(math::exp2),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-1022, 1023.99]", u(-1022.0, 1023.99)),
                r("[-1074, -1022] (subnormal)", u(-1074.0, -1022.0)),
            ],
        },
        Case {
            name: "cbrt",
            func: Cbrt,
            kernel: k64(math::cbrt),
            ranges: vec![
                r(
                    "±[1, 8]",
                    Dist::LogUniform {
                        lo: 1.0,
                        hi: 8.0,
                        signed: true,
                    },
                ),
                r("±[1e-300, 1e300] log", slu(1e-300, 1e300)),
            ],
        },
        Case {
            name: "sinh",
            func: Sinh,
            kernel: k64(math::sinh),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-710, 710]", u(-710.0, 710.0)),
            ],
        },
        Case {
            name: "cosh",
            func: Cosh,
            kernel: k64(math::cosh),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-710, 710]", u(-710.0, 710.0)),
            ],
        },
        Case {
            name: "asinh",
            func: Asinh,
            kernel: k64(math::asinh),
            ranges: vec![
                r("[-2, 2]", u(-2.0, 2.0)),
                r("±[1e-300, 1e300] log", slu(1e-300, 1e300)),
            ],
        },
        Case {
            name: "acosh",
            func: Acosh,
            kernel: k64(math::acosh),
            ranges: vec![
                r("x-1 ∈ [1e-15, 2] log", Dist::AboveOneLog(1e-15, 2.0)),
                r("[1, 1e300] log", lu(1.0, 1e300)),
            ],
        },
        Case {
            name: "atanh",
            func: Atanh,
            kernel: k64(math::atanh),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("±[1e-300, 1e-3] log", slu(1e-300, 1e-3)),
            ],
        },
        Case {
            name: "atan",
            func: Atan,
            kernel: k64(math::atan),
            ranges: vec![
                r("[-3, 3]", u(-3.0, 3.0)),
                r("±[1e-150, 1e300] log", slu(1e-150, 1e300)),
            ],
        },
        Case {
            name: "asin",
            func: Asin,
            kernel: k64(math::asin),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("1-|x| ∈ [1e-16, 1] log", Dist::BelowOneLog(1e-16, 1.0)),
            ],
        },
        Case {
            name: "acos",
            func: Acos,
            kernel: k64(math::acos),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("1-|x| ∈ [1e-16, 1] log", Dist::BelowOneLog(1e-16, 1.0)),
            ],
        },
        Case {
            name: "atan2",
            func: Atan2,
            kernel: Kernel::F64Bin(math::atan2),
            ranges: vec![
                r(
                    "y, x ∈ [-2, 2]",
                    Dist::PowUniform {
                        xlo: -2.0,
                        xhi: 2.0,
                        ylo: -2.0,
                        yhi: 2.0,
                    },
                ),
                r("y, x ±[1e-300, 1e300] log", Dist::PairLog(1e-300, 1e300)),
            ],
        },
        Case {
            name: "sinc",
            func: Sinc,
            kernel: k64(math::sinc),
            ranges: vec![r("[-0.5, 0.5]", u(-0.5, 0.5)), r("[-4, 4]", u(-4.0, 4.0))],
        },
        Case {
            name: "logaddexp",
            func: Logaddexp,
            kernel: Kernel::F64Bin(math::logaddexp),
            ranges: vec![
                r(
                    "x, y ∈ [-20, 20]",
                    Dist::PowUniform {
                        xlo: -20.0,
                        xhi: 20.0,
                        ylo: -20.0,
                        yhi: 20.0,
                    },
                ),
                r(
                    "x, y ∈ [-700, 700]",
                    Dist::PowUniform {
                        xlo: -700.0,
                        xhi: 700.0,
                        ylo: -700.0,
                        yhi: 700.0,
                    },
                ),
            ],
        },
        Case {
            name: "logaddexp2",
            func: Logaddexp2,
            kernel: Kernel::F64Bin(math::logaddexp2),
            ranges: vec![
                r(
                    "x, y ∈ [-20, 20]",
                    Dist::PowUniform {
                        xlo: -20.0,
                        xhi: 20.0,
                        ylo: -20.0,
                        yhi: 20.0,
                    },
                ),
                r(
                    "x, y ∈ [-1000, 1000]",
                    Dist::PowUniform {
                        xlo: -1000.0,
                        xhi: 1000.0,
                        ylo: -1000.0,
                        yhi: 1000.0,
                    },
                ),
            ],
        },
        Case {
            name: "pow",
            func: Pow,
            kernel: Kernel::F64Bin(math::pow),
            ranges: vec![
                r(
                    "x ∈ [1e-300, 1e300] log, y·ln x ∈ [-745, 709.7]",
                    Dist::PowLog {
                        xlo: 1e-300,
                        xhi: 1e300,
                        tlo: -745.0,
                        thi: 709.7,
                    },
                ),
                r(
                    "x ∈ (0, 2], y ∈ [-50, 50]",
                    Dist::PowUniform {
                        xlo: 0.0,
                        xhi: 2.0,
                        ylo: -50.0,
                        yhi: 50.0,
                    },
                ),
            ],
        },
        Case {
            name: "exp_f32",
            func: Exp,
            kernel: k32(math::exp_f32),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-87.3, 88.72]", u(-87.3, 88.72)),
                r("[-103.9, -87.4] (subnormal)", u(-103.9, -87.4)),
            ],
        },
        Case {
            name: "log2_f32",
            func: Log2,
            kernel: k32(math::log2_f32),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r(
                    "[1.2e-38, 3.4e38] log",
                    lu(f32::MIN_POSITIVE as f64, f32::MAX as f64),
                ),
            ],
        },
        Case {
            name: "log10_f32",
            func: Log10,
            kernel: k32(math::log10_f32),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r(
                    "[1.2e-38, 3.4e38] log",
                    lu(f32::MIN_POSITIVE as f64, f32::MAX as f64),
                ),
            ],
        },
        Case {
            name: "ln_f32",
            func: Ln,
            kernel: k32(math::ln_f32),
            ranges: vec![
                r("[0.5, 2]", u(0.5, 2.0)),
                r(
                    "[1.2e-38, 3.4e38] log",
                    lu(f32::MIN_POSITIVE as f64, f32::MAX as f64),
                ),
                r(
                    "subnormal, log",
                    lu(f32::from_bits(1) as f64, f32::MIN_POSITIVE as f64),
                ),
            ],
        },
        Case {
            name: "log1p_f32",
            func: Log1p,
            kernel: k32(math::log1p_f32),
            ranges: vec![
                r("[-0.5, 0.5]", u(-0.5, 0.5)),
                r("1+x ∈ [1e-7, 1e10] log", Dist::OnePlusLog(1e-7, 1e10)),
                r("±[1e-38, 1e-4] log", slu(1e-38, 1e-4)),
            ],
        },
        Case {
            name: "expm1_f32",
            func: Expm1,
            kernel: k32(math::expm1_f32),
            ranges: vec![
                r("[-1e-3, 1e-3]", u(-1e-3, 1e-3)),
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-17, 88.72]", u(-17.0, 88.72)),
            ],
        },
        Case {
            name: "sin_f32",
            func: Sin,
            kernel: k32(math::sin_f32),
            ranges: trig32(),
        },
        Case {
            name: "cos_f32",
            func: Cos,
            kernel: k32(math::cos_f32),
            ranges: trig32(),
        },
        Case {
            name: "tan_f32",
            func: Tan,
            kernel: k32(math::tan_f32),
            ranges: trig32(),
        },
        Case {
            name: "tanh_f32",
            func: Tanh,
            kernel: k32(math::tanh_f32),
            ranges: vec![
                r("[-1e-3, 1e-3]", u(-1e-3, 1e-3)),
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-10, 10]", u(-10.0, 10.0)),
            ],
        },
        Case {
            name: "exp2_f32",
            func: Exp2,
            kernel: k32(math::exp2_f32),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("[-126, 127.99]", u(-126.0, 127.99)),
                r("[-149, -126] (subnormal)", u(-149.0, -126.0)),
            ],
        },
        Case {
            name: "cbrt_f32",
            func: Cbrt,
            kernel: k32(math::cbrt_f32),
            ranges: vec![
                r(
                    "±[1, 8]",
                    Dist::LogUniform {
                        lo: 1.0,
                        hi: 8.0,
                        signed: true,
                    },
                ),
                r("±[1e-45, 3e38] log", slu(1e-45, 3e38)),
            ],
        },
        Case {
            name: "sinh_f32",
            func: Sinh,
            kernel: k32(math::sinh_f32),
            ranges: vec![r("[-1, 1]", u(-1.0, 1.0)), r("[-89, 89]", u(-89.0, 89.0))],
        },
        Case {
            name: "cosh_f32",
            func: Cosh,
            kernel: k32(math::cosh_f32),
            ranges: vec![r("[-1, 1]", u(-1.0, 1.0)), r("[-89, 89]", u(-89.0, 89.0))],
        },
        Case {
            name: "asinh_f32",
            func: Asinh,
            kernel: k32(math::asinh_f32),
            ranges: vec![
                r("[-2, 2]", u(-2.0, 2.0)),
                r("±[1e-38, 3e38] log", slu(1e-38, 3e38)),
            ],
        },
        Case {
            name: "acosh_f32",
            func: Acosh,
            kernel: k32(math::acosh_f32),
            ranges: vec![
                r("x-1 ∈ [1e-6, 2] log", Dist::AboveOneLog(1e-6, 2.0)),
                r("[1, 3e38] log", lu(1.0, 3e38)),
            ],
        },
        Case {
            name: "atanh_f32",
            func: Atanh,
            kernel: k32(math::atanh_f32),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("±[1e-38, 1e-3] log", slu(1e-38, 1e-3)),
            ],
        },
        Case {
            name: "atan_f32",
            func: Atan,
            kernel: k32(math::atan_f32),
            ranges: vec![
                r("[-3, 3]", u(-3.0, 3.0)),
                r("±[1e-38, 3e38] log", slu(1e-38, 3e38)),
            ],
        },
        Case {
            name: "asin_f32",
            func: Asin,
            kernel: k32(math::asin_f32),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("1-|x| ∈ [1e-7, 1] log", Dist::BelowOneLog(1e-7, 1.0)),
            ],
        },
        Case {
            name: "acos_f32",
            func: Acos,
            kernel: k32(math::acos_f32),
            ranges: vec![
                r("[-1, 1]", u(-1.0, 1.0)),
                r("1-|x| ∈ [1e-7, 1] log", Dist::BelowOneLog(1e-7, 1.0)),
            ],
        },
        Case {
            name: "atan2_f32",
            func: Atan2,
            kernel: Kernel::F32Bin(math::atan2_f32),
            ranges: vec![
                r(
                    "y, x ∈ [-2, 2]",
                    Dist::PowUniform {
                        xlo: -2.0,
                        xhi: 2.0,
                        ylo: -2.0,
                        yhi: 2.0,
                    },
                ),
                r("y, x ±[1e-38, 3e38] log", Dist::PairLog(1e-38, 3e38)),
            ],
        },
        Case {
            name: "sinc_f32",
            func: Sinc,
            kernel: k32(math::sinc_f32),
            ranges: vec![r("[-0.5, 0.5]", u(-0.5, 0.5)), r("[-4, 4]", u(-4.0, 4.0))],
        },
        Case {
            name: "logaddexp_f32",
            func: Logaddexp,
            kernel: Kernel::F32Bin(math::logaddexp_f32),
            ranges: vec![
                r(
                    "x, y ∈ [-20, 20]",
                    Dist::PowUniform {
                        xlo: -20.0,
                        xhi: 20.0,
                        ylo: -20.0,
                        yhi: 20.0,
                    },
                ),
                r(
                    "x, y ∈ [-80, 80]",
                    Dist::PowUniform {
                        xlo: -80.0,
                        xhi: 80.0,
                        ylo: -80.0,
                        yhi: 80.0,
                    },
                ),
            ],
        },
        Case {
            name: "logaddexp2_f32",
            func: Logaddexp2,
            kernel: Kernel::F32Bin(math::logaddexp2_f32),
            ranges: vec![
                r(
                    "x, y ∈ [-20, 20]",
                    Dist::PowUniform {
                        xlo: -20.0,
                        xhi: 20.0,
                        ylo: -20.0,
                        yhi: 20.0,
                    },
                ),
                r(
                    "x, y ∈ [-120, 120]",
                    Dist::PowUniform {
                        xlo: -120.0,
                        xhi: 120.0,
                        ylo: -120.0,
                        yhi: 120.0,
                    },
                ),
            ],
        },
        Case {
            name: "pow_f32",
            func: Pow,
            kernel: Kernel::F32Bin(math::pow_f32),
            ranges: vec![
                r(
                    "x ∈ [1.2e-38, 3.4e38] log, y·ln x ∈ [-103, 88.7]",
                    Dist::PowLog {
                        xlo: f32::MIN_POSITIVE as f64,
                        xhi: f32::MAX as f64,
                        tlo: -103.0,
                        thi: 88.7,
                    },
                ),
                r(
                    "x ∈ (0, 2], y ∈ [-50, 50]",
                    Dist::PowUniform {
                        xlo: 0.0,
                        xhi: 2.0,
                        ylo: -50.0,
                        yhi: 50.0,
                    },
                ),
            ],
        },
    ]
}
