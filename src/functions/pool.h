// The pool of Node.js worker processes that run HTTP functions (api/*.js).
//
// Hearth starts the workers on demand (up to `workers`), each running the embedded
// runtime (src/functions/runtime/worker.mjs) with the project folder as its working
// directory, and talks to each over a Unix socket pair on its fd 3. A worker runs one
// invocation at a time, so a function that hangs or crashes takes only its own request
// with it: an invocation past its deadline is answered 504 `deadline-exceeded` and its
// worker killed (with its process group); a worker that dies answers 500 and is replaced;
// a function that throws answers 500 with a generic message while the stack goes to the
// log. Invocations wait in a bounded queue when every worker is busy (503 when full).
//
// Code changes: every invocation carries its route's generation (router.h); a worker that
// loaded an older generation is retired before it takes the call, so edited files (and
// the modules they import) are picked up without a restart.
//
// Console output of a function reaches Hearth's log tagged with its name; the values of
// secrets (`redact`) are masked in every line the workers log.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/message.h"

namespace hearth::functions {

struct PoolOptions {
  std::string node = "node";        // the Node.js binary (looked up in PATH)
  std::string runtime_dir;          // holds worker.mjs, loader.mjs, admin.mjs (WriteRuntime)
  std::string working_dir;          // the project folder
  std::vector<std::string> env;     // the workers' whole environment, "NAME=value"
  std::vector<std::string> redact;  // secret values masked in log lines
  int workers = 2;
  std::chrono::milliseconds timeout{10000};
  int memory_mb = 256;  // V8 heap limit per worker
  size_t max_queue = 1000;
  size_t max_response_bytes = 32u << 20;
};

struct Invocation {
  // kHttp: an HTTP request for an api/ function. kDescribe: load a triggers/ module and
  // answer {"event": ..., "document": ...} as the body. kTrigger: run a trigger's handler
  // with `event_json`; an empty 200 when it succeeded.
  enum class Kind { kHttp, kDescribe, kTrigger };
  Kind kind = Kind::kHttp;
  std::string name;  // for logs: "users/[id]"
  std::string file;
  uint64_t generation = 0;
  std::string method;
  std::string url;  // path and query as received
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string auth_json = "null";  // req.auth
  std::vector<std::pair<std::string, std::string>> params;
  std::string event_json;  // kTrigger
};

// Writes the embedded runtime files into `dir` (created), replacing older copies.
Status WriteRuntime(const std::string& dir);

class Pool {
 public:
  explicit Pool(PoolOptions options);
  // Kills every worker; invocations still queued or running are answered 503.
  ~Pool();

  // What hearth/admin uses to reach this server, {"url": ..., "token": ...} as JSON.
  // No worker starts before the first call: invocations that arrive earlier (a trigger
  // backlog at start-up, an early request) wait in the queue, so every worker has a
  // working hearth/admin. Thread-safe.
  void SetAdminJson(std::string json);

  // `done` is called exactly once, from the pool's thread.
  void Invoke(Invocation call, std::function<void(http::Response)> done);

  struct Stats {
    uint64_t started = 0;  // workers spawned so far
    uint64_t running = 0;  // workers alive now
  };
  Stats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::functions
