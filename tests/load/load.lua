-- wrk script: POSTs the body file named by BODY_FILE and counts answers by status.
local body_file = os.getenv("BODY_FILE")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', code, n))
  end
  table.sort(parts)
  io.write(string.format(
    '{"phase":"%s","connections":%s,"seconds":%.1f,"requests":%d,"reqPerSec":%.1f,"p50Ms":%.1f,"p99Ms":%.1f,"socketErrors":%d,"statuses":{%s}}\n',
    os.getenv("PHASE") or "", os.getenv("CONNECTIONS") or "?", summary.duration / 1e6, summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
