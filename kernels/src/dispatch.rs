//! Run-time choice of the SIMD instruction set.
//!
//! Kernels are written once, as plain loops without branches in their bodies (so that the
//! compiler vectorizes them), and [`run`] compiles the loop once per [`Level`] inside a
//! function carrying that level's `#[target_feature]`s; the widest level the CPU supports is
//! picked when the kernel is called. One binary thus uses AVX-512 where the CPU has it,
//! AVX2+FMA on older x86-64, NEON on aarch64 and the baseline instruction set elsewhere,
//! without `-C target-cpu=native`.
//!
//! The level can be forced for tests and benchmarks, with [`force_level`] or the environment
//! variable `TESSERA_SIMD` (`scalar`, `avx2`, `avx512`, `neon`), read once. A level the CPU
//! lacks falls back to the best one it has.
//!
//! ```
//! use tessera_kernels::dispatch::{self, Level};
//! let x = [1.0f64, 2.0, 3.0];
//! let mut y = [0.0; 3];
//! // Compiled for every level; runs at the forced (or detected) one.
//! dispatch::run(#[inline(always)] || for (o, &v) in y.iter_mut().zip(&x) { *o = 2.0 * v });
//! assert_eq!(y, [2.0, 4.0, 6.0]);
//! dispatch::force_level(Some(Level::Scalar));
//! assert_eq!(dispatch::level(), Level::Scalar);
//! dispatch::force_level(None);
//! ```

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// A SIMD dispatch level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// The target's baseline instruction set: SSE2 on x86-64, NEON on aarch64, plain scalar
    /// code elsewhere. Always available.
    Scalar,
    /// x86-64 with AVX2 and FMA (Haswell, Zen 1 and later).
    Avx2,
    /// x86-64 with AVX-512 F, VL, DQ and BW (Skylake-SP, Ice Lake, Zen 4 and later).
    Avx512,
    /// aarch64 with NEON (every aarch64 CPU; the same code as `Scalar` there, named so that
    /// reports say what ran).
    Neon,
}

impl Level {
    /// Every level, narrowest first.
    pub const ALL: [Level; 4] = [Level::Scalar, Level::Neon, Level::Avx2, Level::Avx512];

    /// The lower-case name used by `TESSERA_SIMD` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
        }
    }

    /// Parses a name as written by [`Level::name`].
    pub fn parse(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Whether this CPU can run the level. Cheap: the CPU is queried once per process
    /// ([`detected`]), and every x86-64 level includes the narrower ones.
    #[inline]
    pub fn supported(self) -> bool {
        match self {
            Level::Scalar => true,
            Level::Neon => cfg!(target_arch = "aarch64"),
            Level::Avx2 => matches!(detected(), Level::Avx2 | Level::Avx512),
            Level::Avx512 => detected() == Level::Avx512,
        }
    }

    /// Whether the level has fused multiply-add (AVX2, AVX-512 and NEON). Kernels whose
    /// results depend on it (`sin`, `cos`) agree bit for bit among such levels, and among the
    /// others, but not across the two groups.
    pub fn fma(self) -> bool {
        matches!(self, Level::Avx2 | Level::Avx512 | Level::Neon)
    }

    fn code(self) -> u8 {
        match self {
            Level::Scalar => 1,
            Level::Avx2 => 2,
            Level::Avx512 => 3,
            Level::Neon => 4,
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_avx2() -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    has_avx2()
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512bw")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_avx512() -> bool {
    false
}

/// The best level this CPU supports (queried once per process).
#[inline]
pub fn detected() -> Level {
    static BEST: OnceLock<Level> = OnceLock::new();
    *BEST.get_or_init(|| {
        if has_avx512() {
            Level::Avx512
        } else if has_avx2() {
            Level::Avx2
        } else if cfg!(target_arch = "aarch64") {
            Level::Neon
        } else {
            Level::Scalar
        }
    })
}

static FORCED: AtomicU8 = AtomicU8::new(0);

thread_local! {
    static THREAD_FORCED: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Runs `f` with kernels on this thread forced to `level` (falling back as
/// [`force_level`] does); the previous choice is restored afterwards, also on a panic. Unlike
/// [`force_level`] this does not affect other threads, so tests can compare levels in
/// parallel. Work that `f` hands to other threads (a thread pool) runs at their level.
pub fn with_level<R>(level: Level, f: impl FnOnce() -> R) -> R {
    struct Restore(u8);
    impl Drop for Restore {
        fn drop(&mut self) {
            THREAD_FORCED.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(THREAD_FORCED.with(|c| c.replace(level.code())));
    f()
}

/// Forces a dispatch level for the whole process (tests, benchmarks); `None` returns to the
/// environment variable or detection. A level the CPU lacks falls back to [`detected`].
pub fn force_level(level: Option<Level>) {
    FORCED.store(level.map_or(0, Level::code), Ordering::Relaxed);
}

/// The level kernels run at now.
#[inline]
pub fn level() -> Level {
    let code = match THREAD_FORCED.with(|c| c.get()) {
        0 => FORCED.load(Ordering::Relaxed),
        c => c,
    };
    let forced = match code {
        0 => env_level(),
        c => Level::ALL.into_iter().find(|l| l.code() == c),
    };
    match forced {
        Some(l) if l.supported() => l,
        _ => detected(),
    }
}

fn env_level() -> Option<Level> {
    static ENV: OnceLock<Option<Level>> = OnceLock::new();
    *ENV.get_or_init(|| Level::parse(std::env::var("TESSERA_SIMD").ok()?.trim()))
}

/// Runs `f` compiled for the current [`level`].
///
/// `f` is inlined into one function per level, each compiled with that level's target
/// features, so loops in `f` (and everything inlined into them) are vectorized for it.
///
/// **Mark the closure `#[inline(always)]`** (`run(#[inline(always)] || ...)`): a closure
/// is its own function, called here from one function per level, and the compiler's
/// inliner would otherwise keep a large body out of line, compiled for the baseline only
/// (a math kernel then runs at the baseline's speed at every level). Per-element
/// functions called inside the loop should be `#[inline(always)]` for the same reason.
/// The crate's tests check every call site.
#[inline(always)]
pub fn run<R>(f: impl FnOnce() -> R) -> R {
    run_at(level(), f)
}

/// Runs `f` compiled for `level`, or for the baseline if the CPU lacks `level`.
#[inline(always)]
pub fn run_at<R>(level: Level, f: impl FnOnce() -> R) -> R {
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `supported()` checked avx512f/vl/dq/bw, avx2 and fma at run time.
        Level::Avx512 if level.supported() => unsafe { avx512(f) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `supported()` checked avx2 and fma at run time.
        Level::Avx2 if level.supported() => unsafe { avx2(f) },
        _ => f(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `run(` and `run_at(` call in the crate's sources passes an `#[inline(always)]`
    /// closure (see [`run`]); a plain closure would silently run baseline code at every level.
    #[test]
    fn every_call_site_inlines_its_closure() {
        fn scan(dir: &std::path::Path, bad: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).expect("read src").flatten() {
                let p = e.path();
                if p.is_dir() {
                    scan(&p, bad);
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("read source");
                for (i, _) in text.match_indices("run(") {
                    let before =
                        text[..i].trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
                    let name_start = before.len();
                    let name = &text[name_start..i + 3];
                    let after = text[i + 4..].trim_start();
                    let dispatched = name == "run" && !before.ends_with("fn ");
                    let plain_closure = after.starts_with("||")
                        || after.starts_with("move ||")
                        || after.starts_with('|');
                    if dispatched && plain_closure {
                        bad.push(format!(
                            "{}: {}",
                            p.display(),
                            &text[i..(i + 40).min(text.len())]
                        ));
                    }
                }
                // `run_at(level, closure)`: the closure is the second argument.
                for (i, _) in text.match_indices("run_at(") {
                    if text[..i].ends_with("fn ") {
                        continue;
                    }
                    let args = &text[i + 7..];
                    let args = &args[..args.len().min(120)];
                    let args = args.split(';').next().unwrap_or(args);
                    let Some(bars) = args.find("||") else {
                        continue; // not called with a closure here
                    };
                    if !args[..bars].contains("#[inline(always)]") {
                        bad.push(format!(
                            "{}: {}",
                            p.display(),
                            &text[i..(i + 60).min(text.len())]
                        ));
                    }
                }
            }
        }
        let mut bad = Vec::new();
        scan(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut bad,
        );
        assert!(
            bad.is_empty(),
            "closures without #[inline(always)]: {bad:#?}"
        );
    }

    #[test]
    fn names_round_trip_and_forcing_falls_back() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.name()), Some(l));
        }
        assert!(Level::Scalar.supported());
        assert!(detected().supported());
        for l in Level::ALL {
            force_level(Some(l));
            let now = level();
            assert_eq!(now, if l.supported() { l } else { detected() });
            // The kernel body runs whatever the level.
            let mut y = [0u32; 37];
            run(
                #[inline(always)]
                || {
                    y.iter_mut()
                        .enumerate()
                        .for_each(|(i, o)| *o = i as u32 * 3)
                },
            );
            assert_eq!(y[36], 108);
        }
        force_level(None);
    }
}
