//! `tessera-accuracy`: measures the error, in ulps, of `tessera_kernels::math`'s vectorized
//! functions against an arbitrary-precision reference, on random arguments.
//!
//! See README.md for usage, the ranges and how the reference is computed.

mod cases;
mod reference;
mod rng;
mod selftest;

use cases::{Case, Range};
use reference::{measure, Reference};
use rng::Rng;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tessera_kernels::dispatch::{self, Level};

const USAGE: &str = "\
usage: tessera-accuracy [options]

  --n N              random arguments per range (default: 1e7 per function, split
                     evenly over its ranges; '1e5', '100000', '100_000' are accepted)
  --only NAME[,NAME] measure only these kernels (e.g. exp,sin_f32); repeatable
  --seed S           seed of the argument generator (default 1)
  --level L          dispatch level: scalar, avx2, avx512 (default: $TESSERA_SIMD, or the
                     best the CPU has)
  --threads T        threads for the reference (default 2)
  --estimate         time the reference on a sample of each range and print the
                     estimated run time for --n, without measuring
  --self-test        check the reference against known values and std, then exit
  --dump N           print N arguments per range with the reference's correctly rounded
                     result and its signed error in ulps, tab-separated (for
                     scripts/check_with_mpmath.py), then exit
  --list             list the kernels and their ranges, then exit
  -h, --help         this text
";

struct Options {
    n: Option<usize>,
    dump: Option<usize>,
    only: Vec<String>,
    seed: u64,
    level: Option<Level>,
    threads: usize,
    estimate: bool,
    self_test: bool,
    list: bool,
}

fn parse_count(s: &str) -> Result<usize, String> {
    let clean = s.replace('_', "");
    if let Ok(v) = clean.parse::<usize>() {
        return Ok(v);
    }
    match clean.parse::<f64>() {
        Ok(v) if v >= 1.0 && v.fract() == 0.0 && v <= 1e15 => Ok(v as usize),
        _ => Err(format!("not a positive count: {s}")),
    }
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        n: None,
        dump: None,
        only: Vec::new(),
        seed: 1,
        level: None,
        threads: 2,
        estimate: false,
        self_test: false,
        list: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--n" => o.n = Some(parse_count(&value("--n")?)?),
            "--dump" => o.dump = Some(parse_count(&value("--dump")?)?),
            "--only" => o.only.extend(
                value("--only")?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            ),
            "--seed" => {
                let v = value("--seed")?;
                o.seed = v.parse().map_err(|_| format!("bad seed: {v}"))?;
            }
            "--level" => {
                let v = value("--level")?;
                o.level = Some(Level::parse(&v).ok_or_else(|| format!("unknown level: {v}"))?);
            }
            "--threads" => o.threads = parse_count(&value("--threads")?)?,
            "--estimate" => o.estimate = true,
            "--self-test" => o.self_test = true,
            "--list" => o.list = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument: {a}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

/// Per-range result.
#[derive(Debug, Clone, Copy)]
struct Stats {
    n: usize,
    max_ulps: f64,
    worst: (f64, f64),
    correct: usize,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            n: 0,
            max_ulps: -1.0,
            worst: (f64::NAN, f64::NAN),
            correct: 0,
        }
    }

    fn merge(&mut self, o: &Stats) {
        self.n += o.n;
        self.correct += o.correct;
        if o.max_ulps > self.max_ulps {
            self.max_ulps = o.max_ulps;
            self.worst = o.worst;
        }
    }
}

/// Arguments per function when `--n` is not given, split evenly over the function's ranges.
const DEFAULT_PER_FUNCTION: usize = 10_000_000;

/// Arguments per range of `case`.
fn per_range(opts: &Options, case: &Case) -> usize {
    opts.n
        .unwrap_or_else(|| DEFAULT_PER_FUNCTION.div_ceil(case.ranges.len()))
}

/// A seed per (case, range), so `--only` draws the same arguments as a full run.
fn range_seed(seed: u64, name: &str, idx: usize) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in name.bytes().chain([idx as u8]) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn draw(case: &Case, idx: usize, n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let range = case.ranges[idx];
    let mut rng = Rng::new(range_seed(seed, case.name, idx));
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(if case.binary() { n } else { 0 });
    for _ in 0..n {
        let (a, b) = case.draw(range.dist, &mut rng);
        x.push(a);
        if case.binary() {
            y.push(b);
        }
    }
    (x, y)
}

/// Measures `out` against the reference on `threads` chunks, reporting progress to stderr.
fn measure_batch(
    case: &Case,
    range: &Range,
    x: &[f64],
    y: &[f64],
    out: &[f64],
    threads: usize,
) -> (Stats, Duration) {
    let n = x.len();
    let fmt = case.format();
    let done = AtomicUsize::new(0);
    let start = Instant::now();
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let stats = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|lo| {
                let hi = (lo + chunk).min(n);
                let done = &done;
                s.spawn(move || {
                    let mut reference = Reference::new();
                    let mut st = Stats::new();
                    for i in lo..hi {
                        let yi = if y.is_empty() { 0.0 } else { y[i] };
                        let exact = reference.eval(case.func, x[i], yi);
                        let m = measure(out[i], &exact, fmt);
                        st.n += 1;
                        st.correct += usize::from(m.correct);
                        // A NaN result has an infinite error, so it always shows.
                        if m.ulps > st.max_ulps {
                            st.max_ulps = m.ulps;
                            st.worst = (x[i], yi);
                        }
                        if (i - lo) % 4096 == 4095 {
                            done.fetch_add(4096, Ordering::Relaxed);
                        }
                    }
                    st
                })
            })
            .collect();
        let mut last = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(5));
            if last.elapsed() >= Duration::from_secs(10) {
                last = Instant::now();
                let d = done.load(Ordering::Relaxed).min(n);
                let el = start.elapsed().as_secs_f64();
                let eta = if d > 0 {
                    el * (n - d) as f64 / d as f64
                } else {
                    f64::NAN
                };
                eprintln!(
                    "  {} {}: {:.1}% of {n} ({el:.0} s, ~{eta:.0} s left)",
                    case.name,
                    range.label,
                    100.0 * d as f64 / n as f64
                );
            }
        }
        let mut total = Stats::new();
        for h in handles {
            total.merge(&h.join().expect("reference thread panicked"));
        }
        total
    });
    (stats, start.elapsed())
}

/// Shortest representation that reads back to the same value (of the dtype), in plain
/// notation for moderate magnitudes.
fn fmt_arg(v: f64, f32_: bool) -> String {
    let plain = v == 0.0 || (1e-4..1e6).contains(&v.abs());
    match (f32_, plain) {
        (true, true) => format!("{}", v as f32),
        (true, false) => format!("{:e}", v as f32),
        (false, true) => format!("{v}"),
        (false, false) => format!("{v:e}"),
    }
}

fn fmt_ulps(u: f64) -> String {
    if u.is_infinite() {
        "inf".into()
    } else if u >= 1e6 {
        format!("{u:.3e}")
    } else {
        format!("{u:.3}")
    }
}

fn select(opts: &Options) -> Result<Vec<Case>, String> {
    let all = cases::all();
    for name in &opts.only {
        if !all.iter().any(|c| c.name == name) {
            let names: Vec<_> = all.iter().map(|c| c.name).collect();
            return Err(format!(
                "unknown kernel: {name} (known: {})",
                names.join(", ")
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| opts.only.is_empty() || opts.only.iter().any(|o| o == c.name))
        .collect())
}

/// Times the reference (evaluation and measurement, one thread) on a sample of each range;
/// prints µs per value and the estimated time for `opts.n` per range on `opts.threads`
/// threads.
fn estimate(opts: &Options, cases: &[Case]) {
    const SAMPLE: usize = 2000;
    let mut total = 0.0;
    let mut reference = Reference::new();
    println!("| function | range | reference µs / value (1 thread) | of which measure() |");
    println!("|---|---|---:|---:|");
    for case in cases {
        for (idx, range) in case.ranges.iter().enumerate() {
            let (x, y) = draw(case, idx, SAMPLE, opts.seed);
            let out = case.run(&x, &y);
            let t = Instant::now();
            let exact: Vec<_> = (0..SAMPLE)
                .map(|i| reference.eval(case.func, x[i], y.get(i).copied().unwrap_or(0.0)))
                .collect();
            let t_eval = t.elapsed().as_secs_f64();
            let t = Instant::now();
            for (e, &o) in exact.iter().zip(&out) {
                std::hint::black_box(measure(o, e, case.format()));
            }
            let t_measure = t.elapsed().as_secs_f64();
            let us = (t_eval + t_measure) * 1e6 / SAMPLE as f64;
            total += us * 1e-6 * per_range(opts, case) as f64 / opts.threads as f64;
            println!(
                "| {} | {} | {us:.2} | {:.2} |",
                case.name,
                range.label,
                t_measure * 1e6 / SAMPLE as f64
            );
        }
    }
    let n = opts
        .n
        .map_or("1e7 per function".to_string(), |n| format!("{n} per range"));
    println!(
        "\nestimated reference time for N = {n} on {} threads: {:.1} min",
        opts.threads,
        total / 60.0
    );
}

/// `--dump`: name, dtype, x, y, correctly rounded reference, (rounded − exact) / ulp.
fn dump(cases: &[Case], n: usize, seed: u64) {
    let mut reference = Reference::new();
    for case in cases {
        for idx in 0..case.ranges.len() {
            let (x, y) = draw(case, idx, n, seed);
            for (i, &xi) in x.iter().enumerate() {
                let yi = y.get(i).copied().unwrap_or(0.0);
                let exact = reference.eval(case.func, xi, yi);
                let r = measure(0.0, &exact, case.format()).rounded;
                let m = measure(r, &exact, case.format());
                println!(
                    "{}\t{}\t{:e}\t{:e}\t{:e}\t{:.12}",
                    case.name,
                    case.dtype(),
                    xi,
                    yi,
                    r,
                    m.signed
                );
            }
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(l) = opts.level {
        dispatch::force_level(Some(l));
        if !l.supported() {
            eprintln!(
                "warning: this CPU lacks {}; kernels run at {}",
                l.name(),
                dispatch::level().name()
            );
        }
    }
    let cases = match select(&opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if opts.list {
        for c in &cases {
            for r in &c.ranges {
                println!("{}\t{}\t{}", c.name, c.dtype(), r.label);
            }
        }
        return ExitCode::SUCCESS;
    }
    if opts.self_test {
        return if selftest::run(opts.seed) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    if let Some(n) = opts.dump {
        dump(&cases, n, opts.seed);
        return ExitCode::SUCCESS;
    }
    if opts.estimate {
        estimate(&opts, &cases);
        return ExitCode::SUCCESS;
    }

    let level = dispatch::level().name();
    let started = Instant::now();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "Level: {level} · N = {} · seed {} · reference: astro-float, ≥ {} bits\n",
        opts.n
            .map_or("1e7 per function".to_string(), |n| format!("{n} per range")),
        opts.seed,
        reference::PREC
    );
    let _ = writeln!(
        table,
        "| function | dtype | range | N | max error (ulp) | worst argument | correctly rounded |"
    );
    let _ = writeln!(table, "|---|---|---|---:|---:|---|---:|");
    let mut summary = Vec::new();
    for case in &cases {
        let mut whole = Stats::new();
        let n = per_range(&opts, case);
        for (idx, range) in case.ranges.iter().enumerate() {
            eprintln!(
                "{} ({}) {}: {n} arguments",
                case.name,
                case.dtype(),
                range.label
            );
            let (x, y) = draw(case, idx, n, opts.seed);
            let t = Instant::now();
            let out = case.run(&x, &y);
            let kernel_s = t.elapsed().as_secs_f64();
            let (st, took) = measure_batch(case, range, &x, &y, &out, opts.threads);
            eprintln!(
                "  done: max {} ulp; kernel {:.1} ns/value; reference {:.0} s wall, {:.1} µs/value × threads",
                fmt_ulps(st.max_ulps),
                kernel_s * 1e9 / n as f64,
                took.as_secs_f64() * 1e6 * opts.threads as f64 / n as f64,
                took.as_secs_f64()
            );
            let f32_ = case.dtype() == "f32";
            let worst = if case.binary() {
                format!(
                    "x = {}, y = {}",
                    fmt_arg(st.worst.0, f32_),
                    fmt_arg(st.worst.1, f32_)
                )
            } else {
                fmt_arg(st.worst.0, f32_)
            };
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {} | {:.4}% |",
                case.name,
                case.dtype(),
                range.label,
                st.n,
                fmt_ulps(st.max_ulps),
                worst,
                100.0 * st.correct as f64 / st.n as f64
            );
            whole.merge(&st);
        }
        summary.push((case.name, case.dtype(), whole));
    }
    let _ = writeln!(table, "\nOver all ranges:\n");
    let _ = writeln!(
        table,
        "| function | dtype | N | max error (ulp) | correctly rounded |"
    );
    let _ = writeln!(table, "|---|---|---:|---:|---:|");
    for (name, dtype, st) in summary {
        let _ = writeln!(
            table,
            "| {name} | {dtype} | {} | {} | {:.4}% |",
            st.n,
            fmt_ulps(st.max_ulps),
            100.0 * st.correct as f64 / st.n as f64
        );
    }
    print!("{table}");
    eprintln!("total {:.1} min", started.elapsed().as_secs_f64() / 60.0);
    ExitCode::SUCCESS
}
