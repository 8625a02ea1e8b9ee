-- wrk script of bench/run's contacts_search scenario: each request GETs the
-- URL's path (/api/v2/contacts) with ?company=<fragment>&title=<title>&limit=25,
-- the pair drawn at random from the list below. Headers given with -H (the
-- bearer token) go with every request.
--
-- Two sets of searches, chosen by BENCH_SEARCHES (specific, the default, or
-- broad), on bench/generate_contacts.sql's data:
--   specific: a company name as a user types it ("stevens health"), in the
--     names of 5-16 of the 100,000 companies, with a title common there;
--   broad: one word, in the names of 310-335 companies (2,700-3,400
--     contacts), with a title held by 68-659 of their contacts.
-- crmd normalizes the title ("VP Sales": "vice president sales").

local sets = {
  specific = {
    { "stevens health", "Engineer" },
    { "munoz systems", "Software Engineer" },
    { "mendez market", "Engineer" },
    { "wells digital", "Software Engineer" },
    { "bryant financial", "Account Manager" },
    { "young solutions", "Founder" },
    { "reyes realty", "Engineer" },
    { "thomas care", "Software Engineer" },
  },
  broad = {
    { "summit", "Engineer" }, -- 659
    { "harbor", "VP Sales" }, -- 68
    { "sullivan", "Account Executive" }, -- 228
    { "quantum", "Software Engineer" }, -- 370
    { "cedar", "Marketing Manager" }, -- 122
    { "patel", "Director" }, -- 208
    { "falcon", "Product Manager" }, -- 153
    { "meridian", "Sales" }, -- 320
  },
}
local searches = sets[os.getenv("BENCH_SEARCHES") or "specific"] or sets.specific

local threads = 0
local requests = {}  -- formatted once, in init (bench/contact_ids.lua says why)

-- Runs in wrk's main Lua state, once per thread: a distinct random seed each.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local function encoded(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  for i, s in ipairs(searches) do
    requests[i] = wrk.format(nil, wrk.path .. "?company=" .. encoded(s[1]) .. "&title=" .. encoded(s[2]) ..
      "&limit=25")
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return requests[math.random(#requests)]
end
