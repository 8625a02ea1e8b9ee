-- wrk script of bench/run's deal read-model scenarios (deals_overdue,
-- deals_stuck, deals_cashflow, owner_kpis): each request GETs one of the
-- path templates of $BENCH_PATHS (space-separated, drawn at random), its
-- "{id}" replaced by a pipeline id drawn at random from the file named by
-- $BENCH_IDS (one id a line: bench/generate_deals.sql's five pipelines), e.g.
--   BENCH_PATHS="/api/v2/pipelines/{id}/overdue?min_days=7"
--   BENCH_PATHS="/api/v2/owners/kpis /api/v2/owners/kpis?pipeline_id={id}"
-- The URL's own path is not used. Headers given with -H (the bearer token)
-- go with every request.

local ids = {}
local templates = {}
local threads = 0

-- Runs in wrk's main Lua state, once per thread: a distinct random seed each.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local file = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
  for line in io.lines(file) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no ids in " .. file) end
  local paths = os.getenv("BENCH_PATHS") or error("BENCH_PATHS is not set")
  for t in paths:gmatch("%S+") do templates[#templates + 1] = t end
  if #templates == 0 then error("no path in BENCH_PATHS") end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  local t = templates[math.random(#templates)]
  local path = t:gsub("{id}", ids[math.random(#ids)])
  return wrk.format(nil, path)
end
