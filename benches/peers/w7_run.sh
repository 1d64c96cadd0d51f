#!/usr/bin/env bash
# W7 in one run: tessera, its codec ceiling, zarr-python, TensorStore, Dask and numcodecs'
# codec ceiling on the same array, interleaved round by round; one JSON line per side and
# round, then a table of medians.
#
#   benches/peers/w7_run.sh [ROUNDS=2] [SHAPE=16384] [REPS=3]
#
# Needs the peer venv (.venv-bench, created by run.py) with zarr>=3, tensorstore, numcodecs
# and dask[array]; OPENBLAS_* are unset for the peers only. Scratch stores go to $W7_DIR
# (default /tmp/w7-run) and are removed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; SHAPE=${2:-16384}; REPS=${3:-3}
DIR=${W7_DIR:-/tmp/w7-run}; mkdir -p "$DIR"
PY=.venv-bench/bin/python
if ! "$PY" -c 'import zarr, tensorstore, numcodecs, dask' 2>/dev/null; then
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet numpy 'dask[array]' 'zarr>=3' tensorstore numcodecs
fi
cargo build --release --example w7_zarr >&2
OUT="$DIR/results.jsonl"; : > "$OUT"
idle() { top -bn1 | awk '/Cpu\(s\)/ {for (i=1;i<=NF;i++) if ($i ~ /id,?$/) print $(i-1)}'; }
echo "idle CPU before: $(idle)%" >&2
for r in $(seq "$ROUNDS"); do
    for side in tessera tessera-nosync tessera-codec zarr-python tensorstore dask codec; do
        case $side in
            tessera) cmd=(target/release/examples/w7_zarr --side tessera) ;;
            tessera-nosync) cmd=(target/release/examples/w7_zarr --side tessera --durability os) ;;
            tessera-codec) cmd=(target/release/examples/w7_zarr --side codec) ;;
            *) cmd=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" benches/peers/w7_peers.py --side "$side") ;;
        esac
        echo "round $r: $side" >&2
        "${cmd[@]}" --dir "$DIR" --shape "$SHAPE" --reps "$REPS" | tail -1 >> "$OUT"
    done
done
echo "idle CPU after: $(idle)%" >&2
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["side"], []).append(r)
print("| side | write MB/s | read MB/s | stored MB | peak RSS MB |")
print("|---|---|---|---|---|")
for side, rs in by.items():
    w = statistics.median(x["write_mb_s"] for x in rs)
    rd = statistics.median(x["read_mb_s"] for x in rs)
    print(f"| {side} | {w:.0f} | {rd:.0f} | {rs[0]['stored_bytes']/1e6:.0f} | {max(x['peak_rss_bytes'] for x in rs)/2**20:.0f} |")
PY
