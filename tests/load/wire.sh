#!/usr/bin/env bash
# Requests per second for one problem, 256 x 256 x 64 with weights, sent and answered as nested JSON and as base64
# tensor objects, side by side in one run on loopback with wrk (apt-get install -y wrk), each after WARMUP seconds of
# the same load (the JIT's tiered compilation takes tens of seconds of requests to settle). Then, with curl (median of
# 21, a new connection each): the end-to-end time of a 1024 x 1024 x 64 request answering its 1024 x 1024 weights in
# base64, and what response compression costs or saves for an answer of about 1 MB (none, gzip and br at the fastest
# level; curl decompresses). curl receives every byte and discards it: writing the 5.9 MB answer to a file would time
# the client's disk (nginx serving the same bytes as a static file took 3.4 ms to /dev/null and 11.2 ms to a file).
# With BASELINE=<git ref> everything is measured for that commit's service too (built from `git archive`), first.
# Last, the floor (apt-get install -y nginx): nginx answering the same two requests with the answers this service gave,
# read from files, nothing parsed or computed: the requests per second the transport itself allows on this machine.
#   bash tests/load/wire.sh                      # 10 s per form
#   DURATION=5 BASELINE=main~1 bash tests/load/wire.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
PORT=${PORT:-5098}
N=${N:-256}
D=${D:-64}
CORES=$(nproc)
work=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$work"' EXIT

python3 - "$work" "$N" "$D" <<'PY'
import base64, json, random, struct, sys
work, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
rows = {f: [[round(random.uniform(-1, 1), 4) for _ in range(d)] for _ in range(n)] for f in ("query", "key", "value")}
json.dump({**rows, "returnWeights": True}, open(f"{work}/nested.json", "w"))
def obj(m):
    flat = [x for row in m for x in row]
    return {"dtype": "float32", "shape": [len(m), len(m[0])], "data": base64.b64encode(struct.pack(f"<{len(flat)}f", *flat)).decode()}
json.dump({**{f: obj(m) for f, m in rows.items()}, "returnWeights": True, "encoding": "base64"}, open(f"{work}/base64.json", "w"))
PY

start() { # $1: folder of a published service
  (cd "$1" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" Logging__LogLevel__Default=Warning \
    exec dotnet AttentionService.Api.dll >"$work/service.log" 2>&1) &
  pid=$!
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "service did not become ready" >&2; tail -20 "$work/service.log" >&2; exit 1
}

measure() { # $1: label, $2: body file
  local status
  status=$(curl -s -o "$work/answer" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$2" "http://127.0.0.1:$PORT/v1/attention")
  [ "$status" = 200 ] || { echo "warm-up answered $status: $(head -c 300 "$work/answer")" >&2; exit 1; }
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @"$2" "http://127.0.0.1:$PORT/v1/attention"; done
  echo "{\"form\":\"$1\",\"bodyBytes\":$(stat -c %s "$2"),\"answerBytes\":$(stat -c %s "$work/answer")}"
  BODY_FILE="$2" wrk -t "$CORES" -c "$CORES" -d "${WARMUP}s" --timeout 30s -s tests/load/load.lua "http://127.0.0.1:$PORT/v1/attention" >/dev/null
  PHASE=$1 CONNECTIONS=$CORES BODY_FILE="$2" \
    wrk -t "$CORES" -c "$CORES" -d "${DURATION}s" --timeout 30s -s tests/load/load.lua "http://127.0.0.1:$PORT/v1/attention" | grep '^{'
}

dotnet publish src/AttentionService.Api -c Release -o "$work/app" -v quiet -nologo >/dev/null

timed() { # $1: label, $2: body file, $3...: extra curl arguments; prints the median of 21 total times in ms
  local label=$1 body=$2; shift 2
  # Expect: off, or curl waits for a 100 Continue before sending a body over 1 MiB.
  for _ in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null "$@" -H 'Expect:' -H 'Content-Type: application/json' --data-binary @"$body" "http://127.0.0.1:$PORT/v1/attention"; done
  for _ in $(seq 1 21); do
    curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' "$@" -H 'Expect:' -H 'Content-Type: application/json' --data-binary @"$body" "http://127.0.0.1:$PORT/v1/attention"
  done | sort -n | awk -v label="$label" '$3 != 200 { bad++ } { t[NR] = $1; size = $2 }
    END { printf "{\"measure\":\"%s\",\"medianMs\":%.1f,\"answerBytes\":%d,\"non200\":%d}\n", label, t[11] * 1000, size, bad }'
}

python3 - "$work" <<'PY'
import base64, json, random, struct, sys
work = sys.argv[1]
random.seed(8)
def obj(n, d):
    flat = [random.uniform(-1, 1) for _ in range(n * d)]
    return {"dtype": "float32", "shape": [n, d], "data": base64.b64encode(struct.pack(f"<{n * d}f", *flat)).decode()}
json.dump({"query": obj(1024, 64), "key": obj(1024, 64), "value": obj(1024, 64), "returnWeights": True, "encoding": "base64"}, open(f"{work}/big.json", "w"))
# About 1 MB of nested answer: 128 x 512 weights and 128 x 64 outputs.
json.dump({"query": obj(128, 64), "key": obj(512, 64), "value": obj(512, 64), "returnWeights": True}, open(f"{work}/mb.json", "w"))
PY

all() { # $1: folder of a published service, $2: label suffix
  start "$1"
  measure "nested$2" "$work/nested.json"
  measure "base64$2" "$work/base64.json"
  timed "1024x1024x64 weights base64, end to end$2" "$work/big.json"
  timed "1 MB answer, identity$2" "$work/mb.json"
  timed "1 MB answer, gzip fastest$2" "$work/mb.json" --compressed -H 'Accept-Encoding: gzip'
  timed "1 MB answer, br fastest$2" "$work/mb.json" --compressed -H 'Accept-Encoding: br'
  stop
}

floor() { # nginx answering the same requests with this service's recorded answers: what the transport alone allows
  command -v nginx >/dev/null || { echo '{"floor":"skipped: nginx is not installed (apt-get install -y nginx)"}'; return 0; }
  start "$work/app"
  mkdir -p "$work/www" "$work/nginx"
  for form in nested base64; do
    curl -s -o "$work/www/$form" -H 'Content-Type: application/json' --data-binary @"$work/$form.json" "http://127.0.0.1:$PORT/v1/attention"
  done
  stop
  chmod 755 "$work" "$work/www" && chmod 644 "$work"/www/* # nginx's workers run as nobody
  cat > "$work/nginx/nginx.conf" <<EOF
worker_processes $CORES;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_buffer_size 2m;
  client_max_body_size 8m;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  sendfile on;
  server {
    listen 127.0.0.1:$PORT;
    root $work/www;
    # A POST to a file is a 405 in nginx; answering it with the file instead reads and discards the body.
    location / { error_page 405 =200 \$uri; default_type application/json; }
  }
}
EOF
  nginx -c "$work/nginx/nginx.conf" &
  pid=$!
  for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/nested" && break; sleep 0.1; done
  for form in nested base64; do
    BODY_FILE="$work/$form.json" wrk -t "$CORES" -c "$CORES" -d "${WARMUP}s" --timeout 30s -s tests/load/load.lua "http://127.0.0.1:$PORT/$form" >/dev/null
    PHASE="floor $form" CONNECTIONS=$CORES BODY_FILE="$work/$form.json" \
      wrk -t "$CORES" -c "$CORES" -d "${DURATION}s" --timeout 30s -s tests/load/load.lua "http://127.0.0.1:$PORT/$form" | grep '^{'
  done
  stop
}

if [ -n "${BASELINE:-}" ]; then
  mkdir -p "$work/baseline-src"
  git archive "$BASELINE" | tar -x -C "$work/baseline-src"
  dotnet publish "$work/baseline-src/src/AttentionService.Api" -c Release -o "$work/baseline" -v quiet -nologo >/dev/null
  all "$work/baseline" "@$BASELINE"
fi
all "$work/app" ""
floor
