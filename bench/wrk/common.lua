-- Shared by every scenario (bench/wrk/<scenario>.lua is appended to this file): a seeded
-- random generator per thread, the seeded items' ids, and one JSON line of results at the end.
local thread_counter = 0
function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_no", thread_counter)
end

-- The id of seeded item n (bench.item_id in bench/seed/00-vocabulary.sql).
function item_id(n)
  return string.format("%08x-0000-4000-8000-%012x", (n * 2654435761) % 4294967296, n)
end

-- A random visible item: 1..nvis, skipping the withdrawn ones (n % 100 = 37).
function random_visible_item()
  local n = math.random(1, NVIS)
  if n % 100 == 37 then n = n + 1 end
  return n
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_no or 0))
  NVIS = tonumber(os.getenv("BENCH_NVIS") or "1")
  if scenario_init then scenario_init(args) end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
