"""Distributed scaling: tessera under MPI against dask.distributed, interleaved.

Usage: python3 benches/peers/cluster_run.py [--size S|M] [--workloads W1,W2,W11]
                                           [--ranks 1,2] [--reps R] [--out FILE]

For each workload and each N in ``--ranks``: tessera as N MPI ranks of one thread each
(``mpirun -np N target/release/examples/bench_cluster``, built here with
``--features mpi``) and Dask as a ``LocalCluster`` of N single-threaded worker processes
(``dask_cluster.py``), one after the other.  Both generate their inputs inside the timed
region.  Prints a table of medians, each side's speed-up over its own N=1 run and the
Dask/tessera time ratio, and writes the raw results as JSON to ``--out``.
Run with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from run import VENV_PY, cpu_idle_percent, log  # noqa: E402

EXE = os.path.join(REPO, "target", "release", "examples", "bench_cluster")


def ensure_dask_distributed():
    probe = subprocess.run([VENV_PY, "-c", "import dask.distributed"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([VENV_PY, "-m", "pip", "install", "--quiet", "distributed"], check=True)


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", default="M")
    p.add_argument("--workloads", default="W1,W2,W11")
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", default="cluster-results.json")
    a = p.parse_args()
    subprocess.run(["cargo", "build", "--release", "--features", "mpi", "--example",
                    "bench_cluster"], check=True, cwd=REPO)
    ensure_dask_distributed()
    ranks = [int(n) for n in a.ranks.split(",")]
    results = []
    idle = cpu_idle_percent()
    for w in a.workloads.split(","):
        for n in ranks:
            t = run_json(["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                          "-np", str(n), EXE, w, a.size, "--reps", str(a.reps),
                          "--threads", "1"])
            d = run_json([VENV_PY, os.path.join(HERE, "dask_cluster.py"), w, a.size, str(n),
                          "--reps", str(a.reps)])
            for r in (t, d):
                r["median_s"] = statistics.median(r["times_s"])
                results.append(r)
                log(f"{w} {a.size} N={n} {r['side']}: {r['median_s']:.3f} s")
    base = {(r["side"], r["workload"]): r["median_s"] for r in results if r["ranks"] == 1}
    print(f"idle CPU before the runs: {idle:.0f}%")
    print("| workload | ranks | tessera s | speed-up | Dask s | speed-up | Dask / tessera |")
    print("|---|---|---|---|---|---|---|")
    for w in a.workloads.split(","):
        for n in ranks:
            t = next(r for r in results if r["side"] == "tessera" and r["workload"] == w
                     and r["ranks"] == n)
            d = next(r for r in results if r["side"] == "dask" and r["workload"] == w
                     and r["ranks"] == n)
            st = base.get(("tessera", w), float("nan")) / t["median_s"]
            sd = base.get(("dask", w), float("nan")) / d["median_s"]
            print(f"| {w} {a.size} | {n} | {t['median_s']:.3f} | {st:.2f} | "
                  f"{d['median_s']:.3f} | {sd:.2f} | {d['median_s'] / t['median_s']:.2f} |")
    with open(a.out, "w") as f:
        json.dump({"idle_cpu_percent": idle, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
