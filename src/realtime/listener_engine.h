// ListenerEngine: real-time targets (a document, or a query) over a db::Database, kept up
// to date from its commits and reported as snapshots of changes.
//
// Contract:
// - A target's first snapshot holds every current match as `added` (a document target:
//   one change, or none when the document does not exist). Each later snapshot holds the
//   changes of one or more commit groups (never part of one), only when something changed
//   for the target: exactly what a fresh query would return, in the query's order, with
//   Firestore's oldIndex/newIndex (realtime/view.h).
// - limit / limitToLast windows refill by re-running the query when a member leaves.
// - Cost per commit: only targets on the changed documents' collections (or collection
//   groups, or the documents themselves) are looked at.
//
// Threads: Listen() / Unlisten() are thread-safe and never block. The database's commit
// listener (writer thread) only queues the changes; one engine thread does all the work
// and runs every target callback, in order per target. Callbacks must not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "db/database.h"
#include "model/path.h"
#include "query/query.h"
#include "realtime/view.h"

namespace hearth::realtime {

// What to listen to: exactly one of the two.
struct TargetSpec {
  std::optional<model::ResourcePath> document;  // a document path
  std::optional<query::Query> query;
};

struct Snapshot {
  std::vector<DocumentChange> changes;
  // Microseconds: the commit time of the newest commit reflected (for the first snapshot:
  // the time of the read).
  int64_t read_time = 0;
  bool first = false;  // the target's initial snapshot
};

// Snapshots in order; an error ends the target (no call follows it).
using TargetCallback = std::function<void(Result<Snapshot>)>;

struct ListenerEngineOptions {
  size_t max_targets = 100000;  // over all connections: Listen() then fails
};

class ListenerEngine {
 public:
  using TargetHandle = uint64_t;

  // Installs itself as `db`'s commit listener. `db` must outlive the engine.
  explicit ListenerEngine(db::Database& db, ListenerEngineOptions options = {});
  // Removes the commit listener, waits for queries in flight, stops the thread; no
  // callback runs after it returns.
  ~ListenerEngine();

  // Adds a target. Errors at once: `invalid-argument` (a cursor given as a document: not
  // supported yet), `resource-exhausted` (too many targets). Query errors (a missing
  // index) arrive through `callback`.
  Result<TargetHandle> Listen(TargetSpec spec, TargetCallback callback);
  // Removes a target. A callback already queued for it may still run once.
  void Unlisten(TargetHandle handle);

  // Blocks until the engine is idle: every queued commit, listen and unlisten processed,
  // no query in flight. For tests (under a steady stream of writes it may never return).
  void Flush();
  size_t target_count() const { return target_count_.load(); }

 private:
  struct Target;
  struct Loaded {
    TargetHandle handle = 0;
    uint64_t generation = 0;
    Result<std::vector<storage::DocumentRecord>> docs;
    int64_t read_time = 0;
  };
  using Event = std::function<void()>;  // runs on the engine thread

  void Post(Event event);
  void Loop();
  void OnCommit(const std::vector<storage::CommittedChange>& changes);
  void AddTarget(std::unique_ptr<Target> target);
  void RemoveTarget(TargetHandle handle);
  void StartLoad(Target& target);
  void OnLoaded(Loaded loaded);
  // Applies the latest state of the given documents to `target`; false: re-run needed.
  bool ApplyTo(Target& target, const std::vector<std::pair<std::string, EntryPtr>>& docs);
  // Sends what changed since the last snapshot, if anything (always for the first).
  void Emit(Target& target, int64_t read_time);
  EntryPtr ForTarget(const Target& target, const EntryPtr& entry) const;
  void Index(Target& target, bool add);

  db::Database& db_;
  ListenerEngineOptions options_;
  std::atomic<TargetHandle> next_handle_{1};
  std::atomic<size_t> target_count_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;    // GUARDED_BY(mu_)
  size_t loads_in_flight_ = 0;  // GUARDED_BY(mu_)
  bool running_ = false;        // GUARDED_BY(mu_): an event is being processed
  bool stopping_ = false;       // GUARDED_BY(mu_)

  // Engine thread only.
  std::unordered_map<TargetHandle, std::unique_ptr<Target>> targets_;
  std::unordered_map<std::string, std::vector<Target*>> by_document_;    // document path
  std::unordered_map<std::string, std::vector<Target*>> by_collection_;  // collection path
  std::unordered_map<std::string, std::vector<Target*>> by_group_;       // collection ID
  int64_t last_read_time_ = 0;

  std::thread thread_;
};

}  // namespace hearth::realtime
