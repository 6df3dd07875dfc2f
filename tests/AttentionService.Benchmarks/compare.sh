#!/usr/bin/env bash
# The engine against its peers, side by side, on the same shapes and inputs: ONNX Runtime's two attention operators
# (Attention opset 23 and com.microsoft MultiHeadAttention, run in the same process with samples interleaved) and numpy.
# Prints every JSON line, then a markdown table with the ratios. numpy is Debian's python3-numpy on OpenBLAS
# (apt-get install -y python3-numpy libopenblas0-pthread), one BLAS thread unless stated; the machine's OPENBLAS_CORETYPE
# and OPENBLAS_L2_SIZE are unset for it alone, so OpenBLAS picks its own kernels. peer/numpy_attention.py is a copy of the
# project's reference peer script.
#   bash tests/AttentionService.Benchmarks/compare.sh           # every shape (a few minutes)
#   bash tests/AttentionService.Benchmarks/compare.sh --quick   # three shapes
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-/usr/bin/python3}
quick=${1:-}
dotnet build -c Release tests/AttentionService.Benchmarks -v quiet -nologo > /dev/null
bench() { dotnet run -c Release --no-build --project tests/AttentionService.Benchmarks -- $quick "$@"; }
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=${THREADS:-1} "$python" tests/AttentionService.Benchmarks/peer/numpy_attention.py $quick "$@"; }

if [ -n "$quick" ]; then
  shapes="--shape 1,1,64,64,64 --shape 1,8,512,512,64 --shape 1,1,2048,2048,64"
  big="--shape 1,1,2048,2048,64"
else
  shapes="--shape 1,1,64,64,64 --shape 1,8,512,512,64 --shape 1,1,1024,1024,64 --shape 1,1,2048,2048,64 --shape 1,1,4096,4096,64"
  shapes="$shapes --shape 1,8,77,4096,64 --shape 1,1,1000,999,80 --shape 1,32,512,512,128 --shape 1,32,1,4096,128 --shape 8,32,1,2048,128"
  big="--shape 1,1,2048,2048,64 --shape 1,1,4096,4096,64"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  bench $shapes
  bench --weights --shape 1,1,1024,1024,64 $shapes
  peer $shapes
  bench --threads 2 $shapes
  bench --threads 2 --weights $big
  THREADS=2 peer $big
  bench --causal $big
  peer --causal $big
  bench --precision float64 --shape 1,1,1024,1024,64 --shape 1,1,2048,2048,64
  [ -n "$quick" ] || bench --no-peer --shape 1,1,16384,16384,64
} | tee "$out"

"$python" - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
# Each invocation measures the peak (and the bandwidth) again and its rows' shares use its own figure; the summary gives
# the range over the run, which on a shared machine is wide.
span = lambda xs: "?" if not xs else (f"{min(xs)}" if min(xs) == max(xs) else f"{min(xs)} to {max(xs)}")
peaks = {p: span([l["gflops"] for l in lines if l["impl"] == "peak" and l["precision"] == p]) for p in ("float32", "float64")}
cpu_peaks = {p: span([l["cpuGflops"] for l in lines if l["impl"] == "peak" and l["precision"] == p]) for p in ("float32", "float64")}
bandwidth = {t: span([l["gbps"] for l in lines if l["impl"] == "bandwidth" and l["threads"] == t]) for t in (1, 2)}
key = lambda l: (tuple(l["shape"]), l["precision"], l["causal"], l["threads"])
rows = {}
for l in lines:
    if l["impl"] in ("peak", "bandwidth"):
        continue
    slot = {"numpy": "numpy", "ort": l.get("op")}.get(l["impl"]) or ("weights" if l["weights"] else "fused")
    row = rows.setdefault(key(l), {})
    if slot == "fused" and "fused" in row:
        slot = "paired"  # the no-weights run interleaved with the weights run: the base of the weights ratio
    row[slot] = l
print()
print(f"Measured FMA peak of one core: {peaks.get('float32', '?')} GFLOP/s float32, {peaks.get('float64', '?')} float64 by wall time; "
      f"{cpu_peaks.get('float32', '?')} and {cpu_peaks.get('float64', '?')} by processor time. "
      f"Memory read bandwidth: {bandwidth.get(1, '?')} GB/s on one thread, {bandwidth.get(2, '?')} on two.")
print()
print("| B,H,n,m,d | precision | causal | threads | engine, no weights: ms (% of peak) | ORT Attention: ms | ORT MultiHeadAttention: ms "
      "| engine vs faster ORT (by CPU time) | engine, weights: ms (÷ no weights) | numpy (weights): ms | engine vs numpy | decode: % of bandwidth, engine / ORT |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
# Shares of peak and bandwidth use the wall time against a peak and a bandwidth measured once, best of five; on a shared
# machine the processor-time figures (time this process actually ran) are the steadier ones.
ms = lambda x: "" if x is None else f"{x['medianMs']}"
for k, r in rows.items():
    shape, precision, causal, threads = k
    fused, weights, numpy = r.get("fused"), r.get("weights"), r.get("numpy")
    ort = [x for x in (r.get("Attention"), r.get("MultiHeadAttention")) if x]
    best = min(ort, key=lambda x: x["medianMs"]) if ort else None
    cell = "" if fused is None else f"{fused['medianMs']} ({round(100 * fused['peakFraction'])} %; by CPU time {round(100 * fused['cpuPeakFraction'])} %)"
    if fused and shape[2] >= 16384:
        cell += f" · allocated {fused['allocatedBytes']} B"
    vs_ort = "" if not (fused and best) else f"{best['medianMs'] / fused['medianMs']:.2f}× ({min(x['cpuMs'] for x in ort) / fused['cpuMs']:.2f}×)"
    base = r.get("paired") or fused
    w = "" if weights is None else f"{weights['medianMs']}" + (f" ({weights['medianMs'] / base['medianMs']:.2f}×; by CPU time {weights['cpuMs'] / base['cpuMs']:.2f}×)" if base else "")
    vs_numpy = "" if not (fused and numpy) else f"{numpy['medianMs'] / fused['medianMs']:.2f}×"
    decode = "" if shape[2] > 1 or fused is None else f"{round(100 * fused['bandwidthFraction'])} %" + (f" / {round(100 * best['bandwidthFraction'])} %" if best else "")
    print(f"| {','.join(map(str, shape))} | {precision} | {causal} | {threads} | {cell} | {ms(r.get('Attention'))} | {ms(r.get('MultiHeadAttention'))} "
          f"| {vs_ort} | {w} | {ms(numpy)} | {vs_numpy} | {decode} |")
PY
