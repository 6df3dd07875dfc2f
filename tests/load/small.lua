-- wrk script for small.sh: POSTs BODY_FILE and prints one JSON line (req/s, p50/p99 in microseconds, non-200 count).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failed = 0 end
function response(status, headers, body) if status ~= 200 then failed = failed + 1 end end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("failed") end
  io.write(string.format('{"server":"%s","requests":%d,"reqPerSec":%.0f,"p50Us":%d,"p99Us":%d,"non200":%d,"socketErrors":%d}\n',
    os.getenv("SERVER") or "", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
