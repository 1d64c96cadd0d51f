"""Run the tessera benchmark workloads against NumPy and Dask; print a table.

Usage:
    python3 benches/peers/run.py [--size S|M] [--workloads W1,W2,...]
        [--sides tessera,numpy,dask] [--reps R] [--out FILE.md]

* Creates (once) a virtual environment ``<repo>/.venv-bench`` with numpy and
  dask[array] from PyPI and runs the NumPy/Dask scripts with its python.
* Builds the tessera side with ``cargo build --release --example
  bench_workload`` and runs ``target/release/examples/bench_workload``.
* Every (workload, side) pair runs in its own process, so peak RSS is per
  side, interleaved per workload (tessera, numpy, dask; next workload ...).
  A failure or timeout is reported in the table, never fatal.
* Records the machine (nproc, CPU model, memory, idle CPU % before and after,
  single-threaded NumPy triad bandwidth) and checks that the checksums of the
  sides agree to a relative 1e-6.
* W11 (means over axis 0 of u*u, v*v, u*v in one computation) and W12 (the
  ``tessera demo`` pipeline on a Zarr store, see ``w12.py``) generate their
  data inside the timed region, every side with its own random generator, so
  their values differ between sides and the checksums are judged
  statistically: they must agree to a relative ``STAT_RTOL`` = 1e-3.  The W11
  checksum (sum of the three means) is also checked against its expected
  value n_out * (1/3 + 1/3 + 1/4) (E[u^2] = E[v^2] = 1/3, E[uv] = 1/4; n_out
  = the 500 x 500 or 1000 x 2000 outputs), its standard deviation is about
  2e-4 (S) / 3e-5 (M) relative.  The W12 checksum is global mean + anomaly
  std (deviations ~1e-6 relative); its NaN count (the same missing stations
  on every side) must match exactly.
* W12 rows: the total (sum of the phases) and one row per phase (generate,
  analyse, reduce) with its median and the speed-up against tessera's.
* With ``--out``, appends date, machine summary, command and table to FILE.md.
"""

import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(REPO, ".venv-bench")
VENV_PY = os.path.join(VENV, "bin", "python")
TESSERA_BIN = os.path.join(REPO, "target", "release", "examples", "bench_workload")
ALL_WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W8", "W9", "W10",
                 "W11", "W12", "W13", "W14", "W14M", "W15", "W16", "W17", "W18", "W3Z")
# Read a Zarr store under a memory limit: no NumPy side (see common.OUT_OF_CORE).
OUT_OF_CORE = ("W6", "W3Z", "W10", "W15")
# Workloads compared with Dask only (W13: Dask's svd_compressed, W14/W14M: map_overlap).
NO_NUMPY = OUT_OF_CORE + ("W13", "W14", "W14M")
ALL_SIDES = ("tessera", "numpy", "dask")
TIMEOUT = {"S": 600, "M": 1800}
RTOL = 1e-6
# Workloads whose sides generate different random data: statistical checks.
# W13's sides draw different test matrices: the sums of the estimated singular
# values agree only to the randomized method's accuracy.
STAT_RTOL = {"W11": 1e-3, "W12": 1e-3, "W13": 1e-2}
W11_OUTPUTS = {"S": 500 * 500, "M": 1000 * 2000}
W12_PHASES = ("generate", "analyse", "reduce")
REQUIRED_KEYS = ("side", "workload", "size", "times_s", "median_s",
                 "peak_rss_bytes", "checksum", "threads")

TRIAD = r"""
import time, numpy as np
n, blk, s = 1 << 26, 1 << 15, 3.0
a = np.zeros(n); b = np.full(n, 1.0); c = np.full(n, 2.0)
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for i in range(0, n, blk):      # blocked so the a-block stays in cache
        np.multiply(c[i:i + blk], s, out=a[i:i + blk])
        np.add(a[i:i + blk], b[i:i + blk], out=a[i:i + blk])
    best = min(best, time.perf_counter() - t0)
assert a[0] == 7.0
print(3 * 8 * n / best / 1e9)
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def peer_env():
    """The environment for NumPy/Dask children: OpenBLAS overrides removed."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


PROBE = ("import numpy, dask.array, zarr, zarr.codecs; "
         "assert int(zarr.__version__.split('.')[0]) >= 3")


def ensure_venv():
    if os.path.exists(VENV_PY):
        probe = subprocess.run([VENV_PY, "-c", PROBE], capture_output=True)
        if probe.returncode == 0:
            return
    log(f"creating {VENV} (numpy, dask[array], zarr>=3) ...")
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([VENV_PY, "-m", "pip", "install", "--quiet", "--upgrade",
                    "pip", "numpy", "dask[array]", "zarr>=3"], check=True)


# ---------------------------------------------------------------- machine

def cpu_idle_percent(interval=1.0):
    """Idle (+iowait) share of all CPU time over ``interval`` s, /proc/stat."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(t) for t in f.readline().split()[1:]]
        return v[3] + v[4], sum(v[:8])      # idle+iowait, total (no guest)
    i0, t0 = sample()
    time.sleep(interval)
    i1, t1 = sample()
    return 100.0 * (i1 - i0) / max(t1 - t0, 1)


def machine_info():
    info = {"nproc": int(subprocess.run(["nproc"], capture_output=True,
                                        text=True).stdout.strip() or 0)}
    info["cpu_model"] = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                info["mem_total_gib"] = int(line.split()[1]) * 1024 / 2**30
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        if limit != "max":
            info["cgroup_mem_limit_gib"] = int(limit) / 2**30
    except OSError:
        pass
    return info


def triad_gbs():
    try:
        r = subprocess.run([VENV_PY, "-c", TRIAD], capture_output=True,
                           text=True, env=peer_env(), timeout=600)
        return float(r.stdout.strip())
    except (subprocess.SubprocessError, ValueError):
        return None


def machine_summary(info):
    s = (f"{info['nproc']} CPUs ({info['cpu_model']}), "
         f"{info['mem_total_gib']:.1f} GiB RAM")
    if "cgroup_mem_limit_gib" in info:
        s += f" (cgroup limit {info['cgroup_mem_limit_gib']:.1f} GiB)"
    s += (f"; idle CPU {info['idle_before']:.1f}% before, "
          f"{info['idle_after']:.1f}% after")
    bw = info.get("triad_gbs")
    s += "; single-threaded NumPy triad (a = b + s*c, 2^26 f64, best of 5, " \
         "3 x 8 B/elem): " + (f"{bw:.1f} GB/s" if bw else "failed")
    return s


# ---------------------------------------------------------------- running

def build_tessera(features):
    """Build the tessera example (with the cargo ``features``, if any); return
    None on success, else an error."""
    cmd = ["cargo", "build", "--release", "--example", "bench_workload"]
    if features:
        cmd += ["--features", features]
    log(" ".join(cmd) + " ...")
    try:
        r = subprocess.run(cmd, cwd=REPO, capture_output=True,
                           text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"build failed: {e}"
    if r.returncode != 0:
        tail = r.stderr.strip().splitlines()[-3:]
        return "build failed: " + " | ".join(tail)
    return None


def run_side(side, workload, size, reps, timeout):
    """Run one side in a child process; return its JSON dict or an error."""
    if side == "tessera":
        cmd, env = [TESSERA_BIN], None
    else:
        cmd, env = [VENV_PY, os.path.join(HERE, f"{side}_workload.py")], peer_env()
    cmd += [workload, size] + (["--reps", str(reps)] if reps else [])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    except OSError as e:
        return {"error": str(e)}
    lines = [l for l in r.stdout.splitlines() if l.strip().startswith("{")]
    if r.returncode != 0 or not lines:
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {r.returncode}: {tail}"}
    try:
        out = json.loads(lines[-1])
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON: {e}"}
    missing = [k for k in REQUIRED_KEYS if k not in out]
    return {"error": f"JSON lacks {missing}"} if missing else out


# ---------------------------------------------------------------- report

def expected_checksum(workload, size):
    """The expected value of a statistical checksum, where one is known."""
    if workload == "W11":
        return W11_OUTPUTS[size] * (1 / 3 + 1 / 3 + 1 / 4)
    return None


def checksum_notes(workload, size, side, r, ok, ref_side):
    """Notes on one side's checksum: against the first side that succeeded
    and, for W11, against its expected value; W12 also compares NaN counts."""
    rtol = STAT_RTOL.get(workload, RTOL)
    note = []
    c = r["checksum"]
    if ref_side is not None and side != ref_side:
        ref = ok[ref_side]["checksum"]
        if not abs(c - ref) <= rtol * abs(ref):              # NaN-safe
            note.append(f"CHECKSUM MISMATCH vs {ref_side} "
                        f"(rel {abs(c - ref) / abs(ref):.1e} > {rtol:g})")
        miss, ref_miss = (r.get("stats", {}).get("missing"),
                          ok[ref_side].get("stats", {}).get("missing"))
        if miss is not None and ref_miss is not None and miss != ref_miss:
            note.append(f"NaN COUNT {miss} != {ref_miss} ({ref_side})")
    want = expected_checksum(workload, size)
    if want is not None:
        dev = (c - want) / want
        note.append(f"vs expected {dev:+.1e}")
        if not abs(dev) <= rtol:
            note.append(f"CHECKSUM OFF EXPECTED VALUE (> {rtol:g})")
    if workload in STAT_RTOL:
        note.append(f"statistical check, rel {rtol:g}")
    return note


def table(results, sides):
    """Markdown table; ratios are relative to tessera on the same workload.
    Workloads with phases (W12) get one extra row per phase and side."""
    head = ("| workload | size | side | median s | peak RSS MiB | checksum | "
            "tessera speed-up | peer/tessera memory | note |\n"
            "|---|---|---|---:|---:|---:|---:|---:|---|\n")
    rows = []
    for (workload, size), by_side in results.items():
        ok = {s: r for s, r in by_side.items() if "error" not in r}
        ref_side = next((s for s in sides if s in ok), None)
        tess = ok.get("tessera")
        phased = any("phase_medians_s" in r for r in ok.values())
        label = f"{workload} total" if phased else workload
        for side in sides:
            r = by_side[side]
            if "error" in r:
                rows.append(f"| {label} | {size} | {side} | - | - | - | - | - "
                            f"| FAILED: {r['error'][:120].replace('|', '/')} |")
                continue
            med, mib = r["median_s"], r["peak_rss_bytes"] / 2**20
            c = r["checksum"]
            note = checksum_notes(workload, size, side, r, ok, ref_side)
            if tess and side != "tessera":
                speed = f"{med / tess['median_s']:.2f}x"
                mem = f"{r['peak_rss_bytes'] / tess['peak_rss_bytes']:.2f}x"
            else:
                speed = mem = "-"
            note.append(f"{r['threads']} thr, {len(r['times_s'])} reps")
            if "stats" in r:
                st = r["stats"]
                note.append(f"mean {st['global_mean']:.4f}, std "
                            f"{st['anomaly_std']:.4f}, max "
                            f"{st['anomaly_max']:.3f}, NaN {st['missing']}")
            rows.append(f"| {label} | {size} | {side} | {med:.4g} | "
                        f"{mib:.0f} | {c:.10g} | {speed} | {mem} | "
                        f"{'; '.join(note)} |")
        if not phased:
            continue
        for phase in W12_PHASES:
            t_ref = (tess or {}).get("phase_medians_s", {}).get(phase)
            for side in sides:
                pm = ok.get(side, {}).get("phase_medians_s", {})
                if phase not in pm:
                    continue
                speed = (f"{pm[phase] / t_ref:.2f}x"
                         if t_ref and side != "tessera" else "-")
                rows.append(f"| {workload} {phase} | {size} | {side} | "
                            f"{pm[phase]:.4g} | - | - | {speed} | - | "
                            f"phase median |")
    return head + "\n".join(rows) + "\n"


def versions(results):
    seen = {}
    for by_side in results.values():
        for side, r in by_side.items():
            for k, v in (r.get("versions") or {}).items():
                seen.setdefault(k, v)
    return ", ".join(f"{k} {v}" for k, v in sorted(seen.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", choices=("S", "M"), default="S")
    p.add_argument("--workloads", default=",".join(ALL_WORKLOADS))
    p.add_argument("--sides", default=",".join(ALL_SIDES))
    p.add_argument("--reps", type=int, default=None,
                   help="timed repetitions (default 5 at S, 3 at M)")
    p.add_argument("--out", help="append the report to this Markdown file")
    p.add_argument("--features", default="",
                   help="cargo features of the tessera side (e.g. openblas)")
    a = p.parse_args()
    workloads = [w.strip().upper() for w in a.workloads.split(",") if w.strip()]
    sides = [s.strip().lower() for s in a.sides.split(",") if s.strip()]
    for w in workloads:
        if w not in ALL_WORKLOADS:
            p.error(f"unknown workload {w}")
    for s in sides:
        if s not in ALL_SIDES:
            p.error(f"unknown side {s}")
    command = "python3 " + shlex.join(
        [os.path.relpath(os.path.abspath(sys.argv[0]), REPO)] + sys.argv[1:])

    ensure_venv()
    tessera_error = build_tessera(a.features) if "tessera" in sides else None

    info = machine_info()
    info["idle_before"] = cpu_idle_percent()
    info["triad_gbs"] = triad_gbs()
    log(machine_summary(dict(info, idle_after=float("nan"))))

    results = {}
    for w in workloads:
        results[(w, a.size)] = {}
        for side in sides:
            if side == "tessera" and tessera_error:
                r = {"error": tessera_error}
            elif side == "numpy" and w in NO_NUMPY:
                r = {"error": "not run: no NumPy twin (out-of-core or Dask-only)"}
            else:
                log(f"{w} {a.size} {side} ...")
                r = run_side(side, w, a.size, a.reps, TIMEOUT[a.size])
            log("   " + (r["error"] if "error" in r else
                         f"median {r['median_s']:.4f} s, checksum {r['checksum']!r}"))
            results[(w, a.size)][side] = r
    info["idle_after"] = cpu_idle_percent()

    md = table(results, sides)
    report = (f"## tessera vs peers, size {a.size}, "
              f"{datetime.datetime.now().isoformat(timespec='seconds')}\n\n"
              f"- Command: `{command}`\n"
              f"- Machine: {machine_summary(info)}\n"
              f"- Versions: {versions(results) or 'n/a'}\n"
              f"- Protocol: inputs built untimed, 1 warm-up run, median of the "
              f"timed runs; speed-up = peer median / tessera median; memory = "
              f"peer peak RSS / tessera peak RSS; checksums must agree to "
              f"rel. {RTOL:g}. W11 and W12 generate their data inside the "
              f"timed region with each side's own generator: checksums "
              f"judged statistically (rel. {STAT_RTOL['W11']:g}; W11 also "
              f"against its expected value); W12 time = sum of its phases "
              f"(generate, analyse, reduce; one row each).\n\n" + md)
    print(report)
    if a.out:
        with open(a.out, "a") as f:
            f.write(report + "\n")
        log(f"appended to {a.out}")


if __name__ == "__main__":
    main()
