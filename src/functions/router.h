// Which file under a project's api/ folder answers a path, Vercel's way:
//
//   api/hello.js            /api/hello
//   api/users/index.js      /api/users
//   api/users/[id].js       /api/users/42           params {id: "42"}
//   api/files/[...path].js  /api/files/a/b.txt      params {path: "a/b.txt"}
//
// Extensions .js, .mjs and .cjs. Files and folders whose name starts with "_" or "." and
// node_modules are not routes (shared code lives there). A fixed segment wins over a
// [param], which wins over a [...catchAll].
//
// The folder is rescanned at most once per `rescan_interval`; `generation()` changes
// whenever any file under it changes (routes or not), which is how the worker pool knows
// to reload its code.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::functions {

struct Route {
  std::string name;  // "users/[id]": the file relative to api/, without extension
  std::string file;  // absolute path
  std::vector<std::pair<std::string, std::string>> params;  // decoded
  uint64_t generation = 0;
};

class Router {
 public:
  explicit Router(std::string api_dir,
                  std::chrono::milliseconds rescan_interval = std::chrono::milliseconds(1000));
  ~Router();

  // The function for `path` (what follows "/api/", percent-encoded), or nullopt.
  // Thread-safe.
  std::optional<Route> Match(std::string_view path);

  // Every function (params empty), after a rescan if due; and the generation.
  std::vector<Route> All();

  // Changes whenever a file under the folder changes (after a rescan if due).
  uint64_t Generation();

  // True when api/ holds at least one function (after a rescan if due).
  bool Empty();

  // Scans now, whatever the interval.
  void Rescan();

  struct Node;

 private:
  void MaybeRescan();

  const std::string api_dir_;
  const std::chrono::milliseconds rescan_interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_scan_{};
  bool scanned_ = false;
  uint64_t signature_ = 0;
  uint64_t generation_ = 0;
  std::shared_ptr<const Node> root_;
};

}  // namespace hearth::functions
