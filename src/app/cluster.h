// Several nodes on one shared store: each records what it serves, so a half-finished
// deployment (a node with other rules or functions than the rest) shows at once.
//
// The project folder is the deployment unit: every node serves the rules, index
// definitions, functions and triggers of its own copy (docs/postgres.md). Each node keeps
// an entry in the store's meta "cluster.nodes" (one JSON object for all nodes, changed
// inside a write as the signing keys are): its id, address, version, start time, last
// heartbeat and a fingerprint of each deployed part. It refreshes the entry every few
// seconds and drops the entries of nodes silent for a minute. When a live node serves
// other rules, indexes, functions or triggers, every node says so in its log, and
// GET /v1/admin/cluster lists the nodes with "consistent": false.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "storage/engine.h"

namespace hearth::app {

// SHA-256 prefixes (hex) of the deployed files; "" for a part that is absent.
struct Deployment {
  std::string rules, indexes, functions, triggers;
  bool operator==(const Deployment&) const = default;
};

// Hashes the rules file, the index definitions, and every file under api/ and triggers/
// (by relative path and content; node_modules and dot-files are left out).
Deployment FingerprintProject(const std::string& project_dir, const std::string& rules_path,
                              const std::string& indexes_path);

struct ClusterOptions {
  std::string node_id;
  bool shared = false;  // a store shared by several nodes: heartbeats run
  std::function<Deployment()> fingerprint;
  std::chrono::milliseconds interval = std::chrono::seconds(5);
};

class ClusterRegistry {
 public:
  // `engine` must outlive the registry.
  ClusterRegistry(storage::Engine& engine, ClusterOptions options);
  ~ClusterRegistry();  // stops the heartbeats and removes this node's entry

  // Once the node listens on `address`: with `shared`, registers this node at once and
  // then every `interval`.
  void Start(std::string address);

  // {"consistent": bool, "nodes": [{"id", "self", "address", "version", "startedAt",
  //  "lastSeen", "rules", "indexes", "functions", "triggers"}]}. Reads the store.
  Result<std::string> StatusJson();

 private:
  void Beat();
  void Loop();
  std::string Address();

  storage::Engine& engine_;
  const ClusterOptions options_;
  const int64_t started_micros_;
  std::string address_;  // GUARDED_BY(mu_)
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;              // GUARDED_BY(mu_)
  std::string reported_mismatch_;  // Loop thread only: the last difference logged
  std::thread thread_;
};

}  // namespace hearth::app
