// storage::Engine: the one interface every storage engine (SQLite, later PostgreSQL)
// implements. It knows documents only as opaque records (path + JSON text + times); the
// Firestore semantics (preconditions, merges, transforms) live above it, in db/.
//
// Threading: every method is thread-safe. Reads block (call them from a blocking pool,
// never an I/O thread). Writes are queued to one writer and group-committed: many
// concurrent writes share one transaction and one fsync.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::storage {

struct DocumentRecord {
  std::string path;         // canonical document path, "posts/abc"
  std::string data;         // the fields, as canonical JSON (model::MapToJson)
  int64_t create_time = 0;  // microseconds since the epoch
  int64_t update_time = 0;  // microseconds; unique per commit, increasing
};

// One committed change to one document, as the change log keeps it.
struct ChangeRecord {
  int64_t seq = 0;  // increasing, gap-free only within one engine's lifetime
  int64_t commit_time = 0;
  std::string path;
  std::optional<std::string> before;  // fields before (JSON); nullopt if it did not exist
  std::optional<std::string> after;   // fields after; nullopt if deleted
};

// One document changed by a committed write: its new state, or nullopt if deleted.
struct CommittedChange {
  std::string path;
  std::optional<DocumentRecord> after;
};

// The view a write gets of the store, inside its transaction. Only valid during the
// write function's call, on the writer thread.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  // The commit timestamp this write will carry (microseconds): strictly greater than that
  // of every write committed before it.
  virtual int64_t commit_time() const = 0;
  // Sees the effects of earlier operations of the same write.
  virtual Result<std::optional<DocumentRecord>> Get(std::string_view path) = 0;
  // Inserts or replaces `after`; logs the change with `before` (what Get returned).
  virtual Status Put(const DocumentRecord& after, const std::optional<DocumentRecord>& before) = 0;
  // Removes `before.path`; logs the change.
  virtual Status Delete(const DocumentRecord& before) = 0;
};

class Engine {
 public:
  using WriteFn = std::function<Status(WriteTxn&)>;
  // Called on the writer thread once the write is durable (ok) or has failed (nothing of
  // it applied). Must not block.
  using DoneFn = std::function<void(Status)>;

  // Called on the writer thread after every successful commit with what it changed, in
  // commit order, before any of its writes' `done` runs. Must not block.
  using CommitObserver = std::function<void(const std::vector<CommittedChange>&)>;

  virtual ~Engine() = default;

  // REQUIRES: called before the first Write().
  virtual void SetCommitObserver(CommitObserver observer) = 0;

  // "sqlite", "postgres".
  virtual std::string_view name() const = 0;

  virtual Result<std::optional<DocumentRecord>> Get(std::string_view path) = 0;
  // Documents directly in collection `parent`, ordered by ID, with ID > `start_after_id`.
  virtual Result<std::vector<DocumentRecord>> List(std::string_view parent,
                                                   std::string_view start_after_id,
                                                   size_t limit) = 0;
  // Changes with seq > `after_seq`, oldest first.
  virtual Result<std::vector<ChangeRecord>> ReadChanges(int64_t after_seq, size_t limit) = 0;

  // Queues `fn`. It runs inside a transaction of its own (a savepoint within a group
  // commit): if it returns an error, none of its operations apply. `done` always runs
  // exactly once. Refuses with `unavailable` (through `done`, at once) when the queue is
  // full or the engine is closed.
  virtual void Write(WriteFn fn, DoneFn done) = 0;

  // Bytes the store occupies on disk.
  virtual Result<int64_t> SizeBytes() = 0;
  // Cheap round trip proving the store answers.
  virtual Status Ping() = 0;

  // Refuses new writes, commits queued ones, waits for them, closes. Idempotent.
  virtual void Close() = 0;
};

}  // namespace hearth::storage
