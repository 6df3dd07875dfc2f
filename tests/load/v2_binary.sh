#!/usr/bin/env bash
# One request's time, side by side: the v2 binary form (binary tensors in, binary output and weights out) against
# v1's nested JSON and, where the build has it, v1's base64 tensor objects (encoding "base64"), for the same
# attention with weights. Publishes the service in Release, starts it on loopback, then a bounded Python loop sends
# the forms interleaved over keep-alive connections (one request at a time, answers read in full, not parsed) and
# prints one JSON line per form and one with the ratios. Needs python3 (standard library only).
#   bash tests/load/v2_binary.sh                     # 256 x 256 x 64, 200 rounds
#   N=1024 D=64 ROUNDS=50 bash tests/load/v2_binary.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${PORT:-5098}
N=${N:-256}
D=${D:-64}
ROUNDS=${ROUNDS:-200}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet publish src/AttentionService.Api -c Release -o "$work/app" -v quiet -nologo > /dev/null
(cd "$work/app" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" Serilog__MinimumLevel__Default=Warning \
  exec dotnet AttentionService.Api.dll > "$work/service.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health/ready" > /dev/null || { echo "service did not become ready" >&2; tail -20 "$work/service.log" >&2; exit 1; }

python3 - "$PORT" "$N" "$D" "$ROUNDS" <<'PY'
import array, base64, http.client, json, random, statistics, sys, time

port, n, d, rounds = (int(a) for a in sys.argv[1:])
random.seed(7)
tensors = {name: [round(random.uniform(-1, 1), 4) for _ in range(n * d)] for name in ("query", "key", "value")}
f32 = lambda values: array.array("f", values).tobytes()  # little-endian on the machines this runs on
nested = lambda values: [values[i * d:(i + 1) * d] for i in range(n)]

forms = {}
forms["v1 nested"] = ("/v1/attention", {"Content-Type": "application/json"},
                      json.dumps({name: nested(v) for name, v in tensors.items()}).encode())
forms["v1 base64"] = ("/v1/attention", {"Content-Type": "application/json"}, json.dumps(dict(
    {name: {"dtype": "float32", "shape": [n, d], "data": base64.b64encode(f32(v)).decode()} for name, v in tensors.items()},
    encoding="base64")).encode())
header = json.dumps({
    "inputs": [{"name": name, "datatype": "FP32", "shape": [n, d], "parameters": {"binary_data_size": n * d * 4}} for name in tensors],
    "parameters": {"scoring": "scaled_dot", "binary_data_output": True},
}).encode()
forms["v2 binary"] = ("/v2/models/attention/infer",
                      {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))},
                      header + b"".join(f32(v) for v in tensors.values()))

connections = {}
def send(form):
    path, headers, body = forms[form]
    connection = connections.setdefault(form, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    return time.perf_counter() - started, response.status, len(answer)

for form in list(forms):
    _, status, _ = send(form)
    if status != 200:
        print(json.dumps({"form": form, "available": False, "status": status}))
        del forms[form]
for _ in range(20):  # warm-up: JIT and pools
    for form in forms:
        send(form)

times = {form: [] for form in forms}
sizes = {}
for _ in range(rounds):
    for form in forms:  # interleaved, so drift on a shared machine hits every form alike
        seconds, status, size = send(form)
        assert status == 200, (form, status)
        times[form].append(seconds * 1000)
        sizes[form] = (len(forms[form][2]), size)
for form, ms in times.items():
    ms.sort()
    print(json.dumps({"form": form, "shape": [n, n, d], "weights": True, "rounds": rounds, "requestBytes": sizes[form][0], "answerBytes": sizes[form][1],
                      "medianMs": round(statistics.median(ms), 3), "p90Ms": round(ms[int(0.9 * len(ms))], 3), "meanMs": round(statistics.fmean(ms), 3)}))
median = {form: statistics.median(ms) for form, ms in times.items()}
print(json.dumps({f"v2 binary / {form}": round(median["v2 binary"] / median[form], 3) for form in median if form != "v2 binary"}))
PY
