-- wrk script of bench/run's leads_sales_view scenario: each request GETs the
-- URL (the sales view's first page) as one of the users whose bearer tokens
-- are in the file named by $BENCH_TOKENS (one a line), drawn at random:
-- the sales users see their own leads (about 10,000 each), the admin all.
-- The requests are formatted once, in init (bench/contact_ids.lua says why).

local requests = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local file = os.getenv("BENCH_TOKENS") or error("BENCH_TOKENS is not set")
  for line in io.lines(file) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. line })
    end
  end
  if #requests == 0 then error("no tokens in " .. file) end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return requests[math.random(#requests)]
end
