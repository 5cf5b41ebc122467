-- bench/wrk/read.lua — point read: GET /v1/documents/posts/<id>
--
-- Environment:
--   BENCH_READ_MODE   "fixed" (default): every request reads BENCH_READ_ID.
--                     "rotate": cycle through the seeded ids seed000000 .. seed<N-1>
--                     (requests are pre-formatted in init(), but the per-request Lua
--                     call still costs wrk some CPU — see bench/README.md).
--   BENCH_READ_ID     id for fixed mode (default seed000000)
--   BENCH_SEED_COUNT  number of seeded ids for rotate mode (default 1000)
-- Also used unchanged against bench_hello, which ignores the path.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local mode = os.getenv("BENCH_READ_MODE") or "fixed"
local fixed_id = os.getenv("BENCH_READ_ID") or "seed000000"
local count = tonumber(os.getenv("BENCH_SEED_COUNT") or "1000")

wrk.method = "GET"
wrk.path = "/v1/documents/posts/" .. fixed_id

if mode == "rotate" then
  local threads = 0
  function setup(thread)  -- main Lua state: give each wrk thread an index
    thread:set("thread_index", threads)
    threads = threads + 1
  end

  local reqs, n, i = {}, 0, 0
  function init(args)
    for k = 0, count - 1 do
      reqs[k + 1] = wrk.format("GET", string.format("/v1/documents/posts/seed%06d", k))
    end
    n = count
    -- spread the threads' starting points over the id range
    i = ((thread_index or 0) * 7919) % n
  end
  function request()
    i = i + 1
    if i > n then i = 1 end
    return reqs[i]
  end
end
