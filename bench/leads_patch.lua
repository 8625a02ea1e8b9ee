-- wrk script of bench/run's leads_patch scenario: each request PATCHes a lead
-- drawn at random from the ids in the file named by $BENCH_IDS (one a line),
-- setting its city (a tracked field: the interaction timestamps, the stats
-- row, the priority score and an audit row are written with it) to one of
-- twelve. Headers given with -H (the bearer token) go with every request.

local ids = {}
local cities = { "Lyon", "Oslo", "Porto", "Austin", "Denver", "Boston", "Munich", "Madrid",
                 "Turin", "Dublin", "Leeds", "Ghent" }
local threads = 0

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
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  local body = '{"address_city":"' .. cities[math.random(#cities)] .. '"}'
  -- wrk.format replaces wrk.headers (the -H ones) by the table given.
  local headers = { ["Content-Type"] = "application/json" }
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("PATCH", wrk.path .. ids[math.random(#ids)], headers, body)
end
