-- bench/parse/wrk.lua — the foundation workloads against Parse Server (bench/postgres.sh).
--
-- Environment:
--   BENCH_PARSE_WORKLOAD  read | list | create
--   PARSE_APP_ID, PARSE_MASTER_KEY  sent as X-Parse-Application-Id / X-Parse-Master-Key
--   BENCH_SEED_COUNT      read: cycle over seed000000 .. seed<N-1> [1000]
-- read:   GET /parse/classes/Post/<id>                     (Hearth: GET /v1/documents/posts/<id>)
-- list:   GET /parse/classes/Post?limit=20&order=objectId  (Hearth: ?pageSize=20, by ID)
-- create: POST /parse/classes/Post with bench/wrk/create.lua's body (201 expected)
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "../wrk/common.lua")  -- done() prints the BENCH_RESULT line

wrk.headers["X-Parse-Application-Id"] = os.getenv("PARSE_APP_ID") or "bench"
wrk.headers["X-Parse-Master-Key"] = os.getenv("PARSE_MASTER_KEY") or "bench-master-key"

local workload = os.getenv("BENCH_PARSE_WORKLOAD") or "read"
if workload == "create" then
  wrk.method = "POST"
  wrk.path = "/parse/classes/Post"
  wrk.body = '{"title":"Benchmarking a document database on two cores",' ..
    '"body":"Hearth stores JSON documents in collections and serves them over HTTP. ' ..
    'This post exists only to give the create workload a realistic payload size.",' ..
    '"author":"bench-user-0042","tags":["bench","hearth","wrk"],' ..
    '"likes":42,"published":true,"rating":4.5}'
elseif workload == "list" then
  wrk.method = "GET"
  wrk.path = "/parse/classes/Post?limit=20&order=objectId"
else
  local count = tonumber(os.getenv("BENCH_SEED_COUNT") or "1000")
  local threads = 0
  function setup(thread)
    thread:set("thread_index", threads)
    threads = threads + 1
  end
  local reqs, i = {}, 0
  function init(args)
    for k = 0, count - 1 do
      reqs[k + 1] = wrk.format("GET", string.format("/parse/classes/Post/seed%06d", k))
    end
    i = ((thread_index or 0) * 7919) % count
  end
  function request()
    i = i + 1
    if i > count then i = 1 end
    return reqs[i]
  end
end
