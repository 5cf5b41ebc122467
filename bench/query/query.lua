-- bench/query/query.lua — POST /v1/query
--   {"from":"posts","where":["author","==","a<k>"],"orderBy":[["likes","desc"]],"limit":20}
-- rotating k over 0 .. BENCH_AUTHORS-1 (default 1000). The requests are pre-formatted in
-- init(); each wrk thread starts at a different author.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "../wrk/common.lua")

local authors = tonumber(os.getenv("BENCH_AUTHORS") or "1000")
local limit = tonumber(os.getenv("BENCH_LIMIT") or "20")

local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

local reqs, n, i = {}, 0, 0
function init(args)
  for k = 0, authors - 1 do
    local body = string.format(
      '{"from":"posts","where":["author","==","a%d"],"orderBy":[["likes","desc"]],"limit":%d}', k, limit)
    reqs[k + 1] = wrk.format("POST", "/v1/query", nil, body)
  end
  n = authors
  i = ((thread_index or 0) * 487) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
