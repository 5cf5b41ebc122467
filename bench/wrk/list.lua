-- bench/wrk/list.lua — list: GET /v1/documents/posts?pageSize=20
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "GET"
wrk.path = "/v1/documents/posts?pageSize=" .. (os.getenv("BENCH_PAGE_SIZE") or "20")
