// Database: Firestore's document operations over a storage::Engine.
//
// Every call is asynchronous and thread-safe: reads run on the database's own blocking
// pool, writes on the engine's writer; the callback runs on one of those threads and must
// not block. When the read pool is saturated, reads fail fast with `unavailable`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "base/blocking_pool.h"
#include "base/status.h"
#include "db/document_cache.h"
#include "db/mutation.h"
#include "db/query_executor.h"
#include "db/transactions.h"
#include "query/index.h"
#include "query/query.h"
#include "storage/engine.h"

namespace hearth::db {

struct DatabaseOptions {
  size_t read_threads = 4;
  size_t read_queue = 4096;
  size_t cache_bytes = 64 * 1024 * 1024;  // DocumentCache budget; 0 disables it
  // The project's firestore.indexes.json, parsed, and its text (kept in the store to
  // notice changes). Default: no overrides, no composite indexes.
  std::shared_ptr<const query::IndexConfig> indexes;
  std::string index_config_text = "{}";
  int64_t transaction_lifetime_micros = 60'000'000;
  size_t max_open_transactions = 10000;
};

// A write as a commit check (below) sees it, before anything is written.
struct CheckedWrite {
  const Mutation* mutation = nullptr;
  std::string path;
  // The document just before this write (after the batch's earlier writes to the same
  // path, if any), and just after it (nullopt: missing / deleted). Transforms see the
  // commit time.
  std::optional<model::Map> before;
  std::optional<model::Map> after;
};

// Reads for a commit check, inside the write transaction (so nothing changes under it).
class BatchReader {
 public:
  virtual ~BatchReader() = default;
  // The document as stored before the batch.
  virtual Result<std::optional<model::Map>> Before(std::string_view path) = 0;
  // The document as if every write of the batch were applied.
  virtual Result<std::optional<model::Map>> After(std::string_view path) = 0;
};

// Decides whether a batch may be written (e.g. security rules). Runs on the writer
// thread, inside the write, before any precondition is checked or anything is written;
// an error status fails the whole commit with that status. Must not block on anything
// but the reader, and `commit_time` is the time the batch will carry.
using CommitCheck = std::function<Status(const std::vector<CheckedWrite>& writes,
                                         BatchReader& reader, int64_t commit_time)>;

struct CommitResult {
  int64_t commit_time = 0;  // microseconds
  // One per mutation, in order: the document as written, or nullopt for a delete.
  std::vector<std::optional<storage::DocumentRecord>> documents;
};

// Checks a document to restore (Database::Restore): a valid document path, data that is
// stored-document JSON within the size limit, 0 < createTime <= updateTime. Returns it with
// its data in canonical form; `invalid-argument` naming what is wrong otherwise.
Result<storage::DocumentRecord> CheckRestoredDocument(storage::DocumentRecord document);

class Database {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  // Prepares the indexes the configuration asks for (blocking when existing documents
  // need automatic entries), then starts building new composite indexes in the
  // background, and is ready to serve.
  static Result<std::unique_ptr<Database>> Open(std::unique_ptr<storage::Engine> engine,
                                                DatabaseOptions options);
  // Stops index builds, finishes queued reads and writes, then closes the engine.
  ~Database();

  // REQUIRES: `path` is a valid document path. A document in the cache is answered at
  // once, on the calling thread; otherwise from the read pool.
  void Get(std::string path, Callback<std::optional<storage::DocumentRecord>> done);
  // Documents of collection `parent` with ID > `start_after_id`, by ID.
  void List(std::string parent, std::string start_after_id, size_t limit,
            Callback<std::vector<storage::DocumentRecord>> done);
  // Applies every mutation atomically, in order: all or none. A failing mutation's error
  // names its index when there is more than one. With `transaction`, first checks that
  // nothing it read has changed (`aborted` otherwise) and ends it.
  void Commit(std::vector<Mutation> mutations, Callback<CommitResult> done);
  void Commit(std::vector<Mutation> mutations, std::optional<std::string> transaction,
              Callback<CommitResult> done);
  // The same, first asking `check` (when set) whether the batch may be written.
  void Commit(std::vector<Mutation> mutations, std::optional<std::string> transaction,
              CommitCheck check, Callback<CommitResult> done);

  // Restoring a backup (hearth import): writes `documents` exactly as given, fields,
  // createTime and updateTime kept, with the same index entries a commit would write;
  // all or none. Each must pass CheckRestoredDocument. A document already stored at one
  // of the paths fails the whole batch with `already-exists` naming it, unless `replace`.
  void Restore(std::vector<storage::DocumentRecord> documents, bool replace,
               std::function<void(Status)> done);

  // Blocks until the background builds of composite indexes started by Open() are done
  // (a tool that exits right after writing would otherwise leave them to the next start).
  // REQUIRES: not called concurrently with itself or the destructor.
  void WaitForIndexBuilds();

  // Transactions (db/transactions.h). Reads in a transaction skip the cache and are
  // recorded; a read-only transaction's reads are checked to form one snapshot.
  Result<std::string> BeginTransaction(bool read_only) { return transactions_.Begin(read_only); }
  void GetInTransaction(std::string transaction, std::string path,
                        Callback<std::optional<storage::DocumentRecord>> done);
  bool RollbackTransaction(const std::string& id) { return transactions_.Rollback(id); }

  // Runs a query (from the read pool). Errors: `failed-precondition` when it needs an
  // index that is not declared (the message holds the entry to add) or still building;
  // `not-found` for a cursor document that does not exist.
  void RunQuery(query::Query q, Callback<QueryResult> done);

  // Runs `job` on the read pool; false if the pool is saturated.
  [[nodiscard]] bool RunBlocking(std::function<void()> job);

  // Real-time listeners (realtime/): `listener` sees every committed group of changes, in
  // commit order, on the writer thread, after the cache is updated and before any of the
  // writes is acknowledged. It must not block (hand the work to a thread of its own).
  // Thread-safe; replaces the previous listener; nullptr removes it. Once this returns,
  // the previous listener is not running and will not be called again.
  using CommitListener = std::function<void(const std::vector<storage::CommittedChange>&)>;
  void SetCommitListener(CommitListener listener);

  storage::Engine& engine() { return *engine_; }

 private:
  Database(std::unique_ptr<storage::Engine> engine, DatabaseOptions options);
  bool IsReady(const query::CompositeIndex& index) const;
  // Runs `work` (returning Result<T>) on the read pool and passes its result to `done`;
  // `unavailable` at once when the pool is saturated.
  template <typename T, typename Work>
  void SubmitRead(Callback<T> done, Work work);
  void BuildIndexes(std::vector<query::CompositeIndex> indexes);

  std::unique_ptr<storage::Engine> engine_;
  std::shared_ptr<const query::IndexConfig> indexes_;
  std::string index_config_text_;
  mutable std::mutex ready_mu_;
  std::set<std::string> ready_;  // GUARDED_BY(ready_mu_): specs of built composites
  TransactionManager transactions_;
  std::atomic<bool> stopping_{false};
  std::thread builder_;
  DocumentCache cache_;
  std::mutex listener_mu_;
  CommitListener listener_;  // GUARDED_BY(listener_mu_): called with the mutex held
  std::unique_ptr<BlockingPool> readers_;
};

}  // namespace hearth::db
