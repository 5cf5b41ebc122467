-- bench/wrk/create.lua — create: POST /v1/documents/posts with a ~300-byte JSON body
-- (the server assigns the id; expected status 201). The body is identical for every
-- request so wrk can send a pre-formatted request (no per-request Lua call).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.path = "/v1/documents/posts"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Benchmarking a document database on two cores",' ..
  '"body":"Hearth stores JSON documents in collections and serves them over HTTP. ' ..
  'This post exists only to give the create workload a realistic payload size.",' ..
  '"author":"bench-user-0042","tags":["bench","hearth","wrk"],' ..
  '"likes":42,"published":true,"rating":4.5}'
