// Transactions: optimistic concurrency over the document store.
//
// A transaction records the version (updateTime, or "missing") of every document it
// reads. Its commit checks, inside the write, that none of them changed since, and fails
// with `aborted` otherwise: a read-modify-write never loses a concurrent update. A
// read-only transaction checks the same at every read, so everything it has read is one
// consistent snapshot (or the read fails with `aborted` and the client retries).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/status.h"

namespace hearth::db {

struct TransactionState {
  bool read_only = false;
  int64_t expire_at = 0;  // microseconds, wall clock
  // Path -> updateTime seen (nullopt: the document did not exist).
  std::map<std::string, std::optional<int64_t>> reads;
};

class TransactionManager {
 public:
  TransactionManager(const Clock& clock, int64_t lifetime_micros, size_t max_open)
      : clock_(clock), lifetime_(lifetime_micros), max_open_(max_open) {}

  // A new transaction's ID; `resource-exhausted` when too many are open.
  Result<std::string> Begin(bool read_only);
  // Records a read; for read-only transactions also checks the earlier reads against
  // `current` (path -> version now). `not-found` for an unknown or expired ID.
  Status RecordRead(const std::string& id, const std::string& path,
                    std::optional<int64_t> update_time);
  // A snapshot of the transaction's state (to validate earlier reads).
  Result<TransactionState> Get(const std::string& id);
  // Ends the transaction and returns its state, for a commit.
  Result<TransactionState> Take(const std::string& id);
  // Ends it without committing; false if it was unknown.
  bool Rollback(const std::string& id);

  size_t open() const;

 private:
  void ExpireLocked(int64_t now);

  const Clock& clock_;
  const int64_t lifetime_;
  const size_t max_open_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, TransactionState> open_;  // GUARDED_BY(mu_)
};

// Checks `state`'s reads against the store as `lookup` (path -> current version) sees
// it: `aborted` naming the first document that changed.
template <typename Lookup>
Status ValidateReads(const TransactionState& state, Lookup lookup) {
  for (const auto& [path, seen] : state.reads) {
    Result<std::optional<int64_t>> now = lookup(path);
    if (!now.ok()) return now.status();
    if (*now != seen) {
      return Status(Code::kAborted, "transaction aborted: '" + path +
                                        "' changed since the transaction read it; retry");
    }
  }
  return Status::Ok();
}

}  // namespace hearth::db
