-- wrk script: the Host header picks the tenant; done() prints one JSON line.
-- BENCH_HOST: fixed host; or BENCH_TENANTS=N: a random tenant t0..t(N-1) per request.
local host = os.getenv("BENCH_HOST")
local tenants = tonumber(os.getenv("BENCH_TENANTS") or "0")
local suffix = os.getenv("BENCH_SUFFIX") or "bench.test"
local path = os.getenv("BENCH_PATH") or "/item/"

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  if tenants > 0 then
    wrk.headers["Host"] = "t" .. math.random(0, tenants - 1) .. "." .. suffix
  else
    wrk.headers["Host"] = host
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
