#!/usr/bin/env bash
# Small-request benchmark: the service against a bare minimal-API floor (tests/load/Floor: parses the same body with
# JsonDocument, writes a fixed answer, no logging), side by side in one run: a 4×4×8 request with weights (~1 KB),
# wrk -t1 -c4, the servers taking turns for ROUNDS rounds; prints each round and then the medians and ratios.
# Servers: floor, service (default settings), service-quiet (request log at Warning), FastAPI + numpy when Debian's
# python3-fastapi/python3-uvicorn are installed, and service@REF when BASE=<git ref> is given (a before/after run).
# Besides requests/s it reports each server's CPU time per request (its process's user + system time over the run,
# from /proc): on a machine shared with other work that figure moves far less than throughput does.
#   bash tests/load/small.sh                 # 5 rounds of 5 s
#   ROUNDS=7 DURATION=5 BASE=main bash tests/load/small.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
PORT=${PORT:-5110}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT

publish() { dotnet publish "$1" -c Release -o "$2" -v quiet -nologo >/dev/null; }
publish src/AttentionService.Api "$work/service"
publish tests/load/Floor "$work/floor"
if [[ -n "${BASE:-}" ]]; then
  mkdir -p "$work/base-src" && git archive "$BASE" | tar -x -C "$work/base-src"
  publish "$work/base-src/src/AttentionService.Api" "$work/base"
fi
/usr/bin/python3 - "$work/body.json" <<'PY'
import json, random, sys
random.seed(7)
rows = lambda k, d: [[round(random.uniform(-1, 1), 4) for _ in range(d)] for _ in range(k)]
json.dump({"query": rows(4, 8), "key": rows(4, 8), "value": rows(4, 8), "returnWeights": True}, open(sys.argv[1], "w"))
PY

servers=()
start() { # name port dir command... (the command execs, so $! is the server's own process)
  local name=$1 port=$2 dir=$3; shift 3
  (cd "$dir" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" exec "$@" >"$work/$name.log" 2>&1) &
  pids+=($!)
  servers+=("$name=$port=$!")
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks
start floor $((PORT)) "$work/floor" dotnet Floor.dll
start service $((PORT + 1)) "$work/service" dotnet AttentionService.Api.dll
start service-quiet $((PORT + 2)) "$work/service" env Serilog__MinimumLevel__Default=Warning dotnet AttentionService.Api.dll
[[ -n "${BASE:-}" ]] && start "service@$BASE" $((PORT + 3)) "$work/base" dotnet AttentionService.Api.dll
if /usr/bin/python3 -c 'import fastapi, uvicorn, numpy' 2>/dev/null; then
  start fastapi $((PORT + 4)) "$PWD/tests/load" /usr/bin/python3 -m uvicorn fastapi_app:app --host 127.0.0.1 --port $((PORT + 4)) --workers 1 --log-level warning --no-access-log
else
  echo "FastAPI + numpy skipped: apt-get install -y python3-fastapi python3-uvicorn python3-numpy" >&2
fi

post() { curl -fs -o /dev/null -H 'Content-Type: application/json' --data-binary @"$work/body.json" "http://127.0.0.1:$1/v1/attention"; }
for s in "${servers[@]}"; do
  IFS== read -r name port pid <<<"$s"
  for _ in $(seq 1 120); do post "$port" && break; sleep 0.5; done
  post "$port" || { echo "$name did not answer" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  SERVER=$name BODY_FILE="$work/body.json" wrk -t1 -c4 -d5s -s tests/load/small.lua "http://127.0.0.1:$port/v1/attention" >/dev/null # warm-up: tiered JIT
done

echo "{\"request\":\"4x4x8, returnWeights\",\"bodyBytes\":$(stat -c %s "$work/body.json"),\"wrk\":\"-t1 -c4 -d${DURATION}s\",\"rounds\":$ROUNDS,\"cores\":$(nproc)}"
for r in $(seq 1 "$ROUNDS"); do
  for s in "${servers[@]}"; do
    IFS== read -r name port pid <<<"$s"
    before=$(cpu_ticks "$pid")
    line=$(SERVER=$name BODY_FILE="$work/body.json" wrk -t1 -c4 -d"${DURATION}s" -s tests/load/small.lua "http://127.0.0.1:$port/v1/attention" | grep '^{')
    ticks=$(( $(cpu_ticks "$pid") - before ))
    echo "${line%\}},\"cpuTicks\":$ticks,\"ticksPerSec\":$(getconf CLK_TCK)}" | tee -a "$work/rounds.jsonl"
  done
done
/usr/bin/python3 - "$work/rounds.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for r in rows:
    r["cpuUsPerRequest"] = round(r["cpuTicks"] / r["ticksPerSec"] * 1e6 / max(r["requests"], 1), 1)
med = {s: {k: statistics.median(r[k] for r in rows if r["server"] == s) for k in ("reqPerSec", "p50Us", "p99Us", "cpuUsPerRequest")} for s in dict.fromkeys(r["server"] for r in rows)}
summary = {"median": med}
floor = med["floor"]
# Throughput against the floor's, and capacity: the floor's CPU time per request over the server's.
summary["ofFloor"] = {s: round(m["reqPerSec"] / floor["reqPerSec"], 3) for s, m in med.items() if s != "floor"}
summary["ofFloorByCpu"] = {s: round(floor["cpuUsPerRequest"] / m["cpuUsPerRequest"], 3) for s, m in med.items() if s != "floor"}
if "fastapi" in med:
    summary["timesFastapi"] = {s: round(m["reqPerSec"] / med["fastapi"]["reqPerSec"], 1) for s, m in med.items() if s != "fastapi"}
    summary["timesFastapiByCpu"] = {s: round(med["fastapi"]["cpuUsPerRequest"] / m["cpuUsPerRequest"], 1) for s, m in med.items() if s != "fastapi"}
summary["non200"] = sum(r["non200"] + r["socketErrors"] for r in rows)
print(json.dumps(summary))
PY
