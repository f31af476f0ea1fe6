-- wrk script for bench/backend.py: POST pre-signed bodies, each exactly once.
--
-- wrk -s bench/backend_wrk.lua URL -- BODIES_DIR [EXPECTED_TEXT]
-- (BODIES_DIR "-": plain GETs of URL, the client's own ceiling.)
-- Each wrk thread reads BODIES_DIR/<n>.txt (one JSON body a line; n = 0, 1, ...)
-- and sends its lines in order. A body is never sent twice: when a thread runs
-- out it counts "exhausted" and sends its last body again (a replay, which the
-- server refuses; the benchmark then reports the run as invalid).
-- done() prints one JSON line: requests, non-200 answers, answers without the
-- expected text, exhausted, and latency percentiles in microseconds.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  position = 0
  non_200 = 0
  unexpected = 0
  exhausted = 0
  expect = args[2] or ""
  plain_get = args[1] == "-"
  if plain_get then
    return
  end
  for line in io.lines(args[1] .. "/" .. id .. ".txt") do
    bodies[#bodies + 1] = line
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if plain_get then
    return wrk.format("GET")
  end
  position = position + 1
  if position > #bodies then
    exhausted = exhausted + 1
    position = #bodies
  end
  return wrk.format(nil, nil, nil, bodies[position])
end

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  elseif expect ~= "" and not string.find(body, expect, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad, odd, out = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non_200")
    odd = odd + thread:get("unexpected")
    out = out + thread:get("exhausted")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "non_200": %d, "unexpected": %d, "exhausted": %d, '
      .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration / 1e6, bad, odd, out,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
