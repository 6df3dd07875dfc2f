#!/usr/bin/env bash
# Load test: publishes the service in Release, starts it on loopback, drives it with wrk at its nominal concurrency
# and at four times its capacity (computing + queued), each for a bounded time, and prints one JSON line per phase
# (req/s, p50/p99 latency, count of each status). Needs wrk (apt-get install -y wrk) and python3.
#   bash tests/load/run.sh            # 15 s per phase
#   DURATION=5 bash tests/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
DURATION=${DURATION:-15}
PORT=${PORT:-5099}
N=${N:-256}          # queries and keys per request
D=${D:-64}           # dimension
CORES=$(nproc)
QUEUE=${QUEUE:-32}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet publish src/AttentionService.Api -c Release -o "$work/app" -v quiet -nologo >/dev/null
python3 - "$work/body.json" "$N" "$D" <<'PY'
import json, random, sys
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
rows = lambda k: [[round(random.uniform(-1, 1), 4) for _ in range(d)] for _ in range(k)]
json.dump({"query": rows(n), "key": rows(n), "value": rows(n), "returnWeights": True}, open(path, "w"))
PY

# From the app's folder, as in the container: the content root (appsettings.json) is the working directory.
(cd "$work/app" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" Attention__Engine__QueueLength="$QUEUE" \
  exec dotnet AttentionService.Api.dll >"$work/service.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null || { echo "service did not become ready" >&2; tail -20 "$work/service.log" >&2; exit 1; }

echo "{\"shape\":[1,1,$N,$N,$D],\"returnWeights\":true,\"cores\":$CORES,\"maxConcurrency\":$CORES,\"queueLength\":$QUEUE,\"bodyBytes\":$(stat -c %s "$work/body.json")}"
run_phase() {
  local phase=$1 connections=$2
  PHASE=$phase CONNECTIONS=$connections BODY_FILE="$work/body.json" \
    wrk -t "$CORES" -c "$connections" -d "${DURATION}s" --timeout 30s -s tests/load/load.lua "http://127.0.0.1:$PORT/v1/attention" | grep '^{'
}
curl -fs -o /dev/null -H 'Content-Type: application/json' --data-binary @"$work/body.json" "http://127.0.0.1:$PORT/v1/attention" # warm-up
run_phase nominal "$CORES"
run_phase overload "$((4 * (CORES + QUEUE)))"
ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready")
errors=$(grep -cE '"StatusCode":5(0[0-24-9]|[1-9][0-9])' "$work/service.log" || true)
echo "{\"readyAfterwards\":$ready,\"serverErrorsOtherThan503\":$errors}"
