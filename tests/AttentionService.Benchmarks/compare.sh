#!/usr/bin/env bash
# The engine against numpy, side by side in one run, on the same shapes: prints every JSON line of both, then a
# markdown table. numpy is the peer at its best: Debian's python3-numpy on OpenBLAS (apt-get install -y
# python3-numpy libopenblas0-pthread), one BLAS thread unless stated. peer/numpy_attention.py is a copy of the
# project's reference peer script.
#   bash tests/AttentionService.Benchmarks/compare.sh           # every shape (about 4 minutes)
#   bash tests/AttentionService.Benchmarks/compare.sh --quick   # three shapes (under 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-/usr/bin/python3}
quick=${1:-}
dotnet build -c Release tests/AttentionService.Benchmarks -v quiet -nologo > /dev/null
bench() { dotnet run -c Release --no-build --project tests/AttentionService.Benchmarks -- $quick "$@"; }
peer() { OPENBLAS_NUM_THREADS=${THREADS:-1} "$python" tests/AttentionService.Benchmarks/peer/numpy_attention.py $quick "$@"; }

if [ -n "$quick" ]; then
  shapes="--shape 1,1,64,64,64 --shape 1,8,512,512,64 --shape 1,1,2048,2048,64"
  big="--shape 1,1,2048,2048,64"
else
  shapes="--shape 1,1,64,64,64 --shape 1,8,512,512,64 --shape 1,1,1024,1024,64 --shape 1,1,2048,2048,64 --shape 1,1,4096,4096,64 --shape 1,8,77,4096,64 --shape 1,1,1000,999,80"
  big="--shape 1,1,2048,2048,64 --shape 1,1,4096,4096,64"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  bench $shapes
  bench --weights $shapes
  peer $shapes
  bench --threads 2 $big
  bench --threads 2 --weights $big
  THREADS=2 peer $big
  bench --causal $big
  peer --causal $big
  bench --precision float64 --shape 1,1,1024,1024,64 --shape 1,1,2048,2048,64
  [ -n "$quick" ] || bench --shape 1,1,16384,16384,64
} | tee "$out"

"$python" - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
peaks = {l["precision"]: l["gflops"] for l in lines if l["impl"] == "peak"}
key = lambda l: (tuple(l["shape"]), l["precision"], l["causal"], l["threads"])
rows = {}
for l in lines:
    if l["impl"] == "peak":
        continue
    slot = "numpy" if l["impl"] == "numpy" else ("weights" if l["weights"] else "fused")
    rows.setdefault(key(l), {})[slot] = l
print()
print(f"Measured FMA peak of one core: {peaks.get('float32', '?')} GFLOP/s float32, {peaks.get('float64', '?')} float64.")
print()
print("| B,H,n,m,d | precision | causal | threads | engine, no weights: ms (GFLOP/s, % of peak) | engine, weights: ms (GFLOP/s) | numpy (weights): ms (GFLOP/s) | speed-up, no weights / weights |")
print("|---|---|---|---|---|---|---|---|")
for k, r in rows.items():
    shape, precision, causal, threads = k
    fused, weights, numpy = r.get("fused"), r.get("weights"), r.get("numpy")
    cell = lambda x, frac=False: "" if x is None else f"{x['medianMs']} ({x['gflops']}" + (f", {round(100 * x['peakFraction'])} %" if frac and 'peakFraction' in x else "") + ")"
    ratio = lambda x: "" if x is None or numpy is None else f"{x['gflops'] / numpy['gflops']:.2f}x"
    extra = f" · peak memory growth {round(fused['workingSetGrowthBytes'] / 2**20)} MiB" if fused and shape[2] >= 16384 else ""
    print(f"| {','.join(map(str, shape))} | {precision} | {causal} | {threads} | {cell(fused, True)}{extra} | {cell(weights)} | {cell(numpy)} | {ratio(fused)} / {ratio(weights)} |")
PY
