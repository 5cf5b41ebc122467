// Document triggers: triggers/*.js modules of a project declare, through hearth/triggers,
// a handler for documents created, updated, deleted or written under a path pattern
// ("posts/{postId}"). The dispatcher reads the store's change log from a cursor kept in
// the store, and runs each matching handler in the worker pool:
//
// - at least once: the cursor moves past a change only after every matching handler
//   succeeded or was parked, so a crash re-delivers what was in flight;
// - in commit order: changes are delivered one at a time, in log order (so per document
//   too); a slow handler delays the ones after it;
// - a failure (throw, crash, timeout) is retried `max_attempts` times with doubling
//   back-off, then recorded in the dead-letter list (DeadLettersJson, the admin endpoint
//   /v1/admin/triggers/dead-letters and `hearth triggers dead-letters`).
//
// A project that starts using triggers gets the changes committed from then on, not the
// history. The change log keeps the last 100,000 changes: a dispatcher further behind than
// that (a handler failing for a long time) skips the trimmed ones and logs how many.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "functions/pool.h"
#include "functions/router.h"
#include "storage/engine.h"

namespace hearth::functions {

struct TriggerOptions {
  std::string triggers_dir;  // PROJECT/triggers
  int max_attempts = 5;
  std::chrono::milliseconds backoff{1000};  // before the 2nd attempt; doubles
  std::chrono::milliseconds poll{100};      // how often the change log is read when idle
  size_t max_dead_letters = 1000;           // oldest dropped beyond this
  std::string node_id;                      // names this node in the lease; "": random
};

class TriggerDispatcher {
 public:
  // `engine` and `pool` must outlive the dispatcher. Starts its thread.
  TriggerDispatcher(storage::Engine& engine, Pool& pool, TriggerOptions options);
  // Stops after the delivery in progress.
  ~TriggerDispatcher();

  // {"deadLetters": [{"trigger", "document", "type", "seq", "attempts", "error", "time",
  // "event"}...]}, oldest first.
  Result<std::string> DeadLettersJson();
  Status ClearDeadLetters();

  struct Registration {
    std::string name;  // "onPostCreate": the file under triggers/, without extension
    std::string file;
    std::string event;                 // create, update, delete, write
    std::vector<std::string> pattern;  // segments; "{x}" captures
  };

 private:
  void Loop();
  // The last sequence number in the change log (`from` when nothing follows it).
  int64_t EndOfLog(int64_t from);
  void Refresh();
  // False when stopping interrupted it.
  bool Deliver(const Registration& reg, const storage::ChangeRecord& change,
               const std::vector<std::pair<std::string, std::string>>& params);
  // The invocation's answer, waiting for it.
  http::Response Run(Invocation call);
  Status PutMeta(std::string key, std::string value);
  Status AppendDeadLetter(std::string entry);
  // Several nodes on one store (PostgreSQL): only the holder of the lease (meta
  // "triggers.lease", taken and renewed inside a write, which the store serialises)
  // delivers, so each change fires once across the cluster. True while this node holds it.
  bool HoldLease();
  // Sleeps up to `d`; false when stopping.
  bool Sleep(std::chrono::milliseconds d);

  storage::Engine& engine_;
  Pool& pool_;
  const TriggerOptions options_;
  Router router_;
  uint64_t generation_ = 0;
  bool described_ = false;
  bool has_files_ = false;  // triggers/ holds modules (loadable or not)
  bool retry_ = false;      // a module could not be described for want of a worker
  std::chrono::steady_clock::time_point retry_at_{};
  std::vector<Registration> registrations_;
  const std::string node_id_;  // this process, in the lease
  int64_t lease_until_ = 0;    // wall-clock micros; 0 when not held

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::mutex dead_mu_;  // serialises read-modify-writes of the dead-letter list
  std::thread thread_;
};

}  // namespace hearth::functions
