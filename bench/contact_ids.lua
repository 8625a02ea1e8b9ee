-- wrk script of bench/run's contact_get scenario: each request GETs the URL's
-- path followed by a contact id drawn at random from the file named by
-- $BENCH_IDS (one id a line), e.g. /api/v2/contacts/<id>. Headers given
-- with -H (the bearer token) go with every request. The requests are
-- formatted once, in init: formatting each in Lua as it is sent cost wrk
-- CPU that this two-core machine's crmd and PostgreSQL share.

local requests = {}
local threads = 0

-- Runs in wrk's main Lua state, once per thread: a distinct random seed each.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local file = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
  for line in io.lines(file) do
    if line ~= "" then requests[#requests + 1] = wrk.format(nil, wrk.path .. line) end
  end
  if #requests == 0 then error("no ids in " .. file) end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return requests[math.random(#requests)]
end
