-- bench/query/create.lua — create: POST /v1/documents/posts (server-assigned ID, 201)
-- with a 10-field, ~300-byte document. The 1000 bodies (pre-formatted in init()) differ
-- in every field value, so index entries land all over each index, as real data would.
-- Fields: author, likes, title, body, category, tags (array of 2), published, rating
-- (double), views, createdAt — the same shape as bench/query/gen.mjs.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "../wrk/common.lua")

local WORDS = { "index", "query", "latency", "shard", "document", "collection", "field",
  "order", "limit", "cursor", "snapshot", "commit", "batch", "write", "read", "cache", "page",
  "token", "listener", "rule", "storage", "engine", "server", "client", "thread", "core" }

local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

local reqs, n, i = {}, 1000, 0
function init(args)
  math.randomseed(1234 + (thread_index or 0))
  local function words(k)
    local w = {}
    for j = 1, k do w[j] = WORDS[math.random(#WORDS)] end
    return table.concat(w, " ")
  end
  for k = 1, n do
    local body = string.format(
      '{"author":"a%d","likes":%d,"title":"%s","body":"%s","category":"c%02d",' ..
      '"tags":["t%d","t%d"],"published":%s,"rating":%d.%d,"views":%d,' ..
      '"createdAt":"2026-%02d-%02dT%02d:%02d:%02dZ"}',
      math.random(0, 999), math.random(0, 99999), words(6), words(14), math.random(0, 19),
      math.random(0, 49), math.random(0, 49), math.random() < 0.8 and "true" or "false",
      math.random(1, 4), math.random(0, 9), math.random(0, 999999),
      math.random(1, 12), math.random(1, 28), math.random(0, 23), math.random(0, 59), math.random(0, 59))
    reqs[k] = wrk.format("POST", "/v1/documents/posts", nil, body)
  end
  i = math.random(n) - 1
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
