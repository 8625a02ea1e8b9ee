-- wrk script of bench/run's calendar_events scenario: each request GETs the
-- URL's path (/api/v2/calendar/events) with ?start=<week start>&end=<week end>&limit=50,
-- the week (Monday 00:00 UTC to the next Monday, RFC 3339 in UTC, e.g.
-- start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z) drawn at random from
-- $BENCH_WEEKS weeks from $BENCH_WEEK_FIRST (a Unix time, a Monday 00:00 UTC):
-- bench/generate_calendar_events.sql's two years. Headers given with -H (the
-- bearer token) go with every request.

local threads = 0
local paths = {}

-- Runs in wrk's main Lua state, once per thread: a distinct random seed each.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local function rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

function init(args)
  local first = tonumber(os.getenv("BENCH_WEEK_FIRST") or error("BENCH_WEEK_FIRST is not set"))
  local weeks = tonumber(os.getenv("BENCH_WEEKS") or error("BENCH_WEEKS is not set"))
  if weeks < 1 then error("BENCH_WEEKS must be at least 1") end
  for w = 0, weeks - 1 do
    local start = first + w * 7 * 86400
    paths[#paths + 1] = wrk.path .. "?start=" .. rfc3339(start) .. "&end=" .. rfc3339(start + 7 * 86400)
      .. "&limit=50"
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
