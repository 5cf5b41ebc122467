#include "db/database.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "base/clock.h"
#include "db/index_builder.h"
#include "model/json.h"

namespace hearth::db {
namespace {

Status Busy() { return Unavailable("the server is busy; retry shortly"); }

// A document's version as transactions record it: its updateTime, nullopt if missing.
using Version = std::optional<int64_t>;
Version VersionOf(const std::optional<storage::DocumentRecord>& doc) {
  return doc ? Version(doc->update_time) : std::nullopt;
}

// Runs one mutation inside the engine's transaction, index entries included.
Result<std::optional<storage::DocumentRecord>> ApplyInTxn(const Mutation& m,
                                                          const query::IndexConfig& indexes,
                                                          storage::WriteTxn& txn) {
  const std::string path = m.path.ToString();
  ASSIGN_OR_RETURN(std::optional<storage::DocumentRecord> current, txn.Get(path));
  RETURN_IF_ERROR(CheckPrecondition(
      m.precondition, path, current ? std::optional<int64_t>(current->update_time) : std::nullopt));
  // The old fields are needed for merges and transforms, and to find its index entries.
  std::optional<model::Map> current_fields;
  if (current) {
    auto parsed = model::ParseDocumentJson(current->data);
    if (!parsed.ok()) {
      return Status(Code::kDataLoss,
                    "stored document '" + path + "' is unreadable: " + parsed.status().message());
    }
    current_fields = std::move(parsed).value();
  }
  std::vector<query::IndexEntry> old_entries;
  if (current) old_entries = query::IndexEntriesFor(m.path, *current_fields, indexes);
  if (m.kind == Mutation::Kind::kDelete) {
    if (current) {
      RETURN_IF_ERROR(ApplyEntryDiff(txn, path, old_entries, {}));
      RETURN_IF_ERROR(txn.Delete(*current));
    }
    return std::optional<storage::DocumentRecord>();
  }
  ASSIGN_OR_RETURN(std::optional<model::Map> next,
                   ApplyMutation(m, std::move(current_fields), txn.commit_time()));
  storage::DocumentRecord record;
  record.path = path;
  record.data = model::MapToJson(*next);
  if (record.data.size() > kMaxDocumentBytes) {
    return InvalidArgument("document '" + path + "' would be " +
                           std::to_string(record.data.size()) +
                           " bytes; the limit is 1 MiB (1048576 bytes)");
  }
  record.create_time = current ? current->create_time : txn.commit_time();
  record.update_time = txn.commit_time();
  RETURN_IF_ERROR(txn.Put(record, current));
  RETURN_IF_ERROR(
      ApplyEntryDiff(txn, path, old_entries, query::IndexEntriesFor(m.path, *next, indexes)));
  return std::optional<storage::DocumentRecord>(std::move(record));
}

// The fields of the document at `path` as `txn` sees it.
Result<std::optional<model::Map>> StoredFields(storage::WriteTxn& txn, const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<storage::DocumentRecord> record, txn.Get(path));
  if (!record) return std::optional<model::Map>();
  auto parsed = model::ParseDocumentJson(record->data);
  if (!parsed.ok()) {
    return Status(Code::kDataLoss,
                  "stored document '" + path + "' is unreadable: " + parsed.status().message());
  }
  return std::optional<model::Map>(std::move(parsed).value());
}

// A document to restore, checked, with what its index entries are computed from.
struct Restored {
  storage::DocumentRecord record;  // data in canonical form
  model::ResourcePath path;
  model::Map fields;
};

Result<Restored> PrepareRestored(storage::DocumentRecord record) {
  auto path = model::ResourcePath::Parse(record.path);
  if (!path.ok()) {
    return InvalidArgument("path '" + record.path + "': " + path.status().message());
  }
  if (!path->IsDocument()) {
    return InvalidArgument("'" + record.path +
                           "' is not a document path (it needs an even number of segments)");
  }
  auto fields = model::ParseDocumentJson(record.data);
  if (!fields.ok()) {
    return InvalidArgument("document '" + record.path + "': " + fields.status().message());
  }
  if (record.create_time <= 0 || record.update_time < record.create_time) {
    return InvalidArgument("document '" + record.path +
                           "': createTime must be positive and not after updateTime");
  }
  record.path = path->ToString();
  record.data = model::MapToJson(*fields);
  if (record.data.size() > kMaxDocumentBytes) {
    return InvalidArgument("document '" + record.path + "' is " +
                           std::to_string(record.data.size()) +
                           " bytes; the limit is 1 MiB (1048576 bytes)");
  }
  return Restored{std::move(record), std::move(path).value(), std::move(fields).value()};
}

// Writes one restored document and its index entries (replacing what is there only if
// `replace`).
Status RestoreInTxn(storage::DocumentRecord given, bool replace, const query::IndexConfig& indexes,
                    storage::WriteTxn& txn) {
  ASSIGN_OR_RETURN(Restored doc, PrepareRestored(std::move(given)));
  const std::string& path = doc.record.path;
  ASSIGN_OR_RETURN(std::optional<storage::DocumentRecord> current, txn.Get(path));
  std::vector<query::IndexEntry> old_entries;
  if (current) {
    if (!replace) return AlreadyExists("document '" + path + "' already exists");
    auto fields = model::ParseDocumentJson(current->data);
    if (!fields.ok()) {
      return Status(Code::kDataLoss,
                    "stored document '" + path + "' is unreadable: " + fields.status().message());
    }
    old_entries = query::IndexEntriesFor(doc.path, *fields, indexes);
  }
  RETURN_IF_ERROR(txn.Put(doc.record, current));
  return ApplyEntryDiff(txn, path, old_entries,
                        query::IndexEntriesFor(doc.path, doc.fields, indexes));
}

// The batch's effect computed without writing anything, for a CommitCheck: each write's
// document before and after, and reads of the store before and after the whole batch.
class PlannedBatch final : public BatchReader {
 public:
  explicit PlannedBatch(storage::WriteTxn& txn) : txn_(txn) {}

  Result<std::vector<CheckedWrite>> Plan(const std::vector<Mutation>& mutations) {
    std::vector<CheckedWrite> writes;
    writes.reserve(mutations.size());
    for (const Mutation& m : mutations) {
      CheckedWrite w{.mutation = &m, .path = m.path.ToString()};
      if (auto it = after_.find(w.path); it != after_.end()) {
        w.before = it->second;
      } else {
        ASSIGN_OR_RETURN(w.before, StoredFields(txn_, w.path));
        before_.emplace(w.path, w.before);
      }
      if (m.kind != Mutation::Kind::kDelete) {
        ASSIGN_OR_RETURN(w.after, ApplyMutation(m, w.before, txn_.commit_time()));
      }
      after_[w.path] = w.after;
      writes.push_back(std::move(w));
    }
    return writes;
  }

  Result<std::optional<model::Map>> Before(std::string_view path) override {
    if (auto it = before_.find(path); it != before_.end()) return it->second;
    return StoredFields(txn_, std::string(path));
  }
  Result<std::optional<model::Map>> After(std::string_view path) override {
    if (auto it = after_.find(path); it != after_.end()) return it->second;
    return StoredFields(txn_, std::string(path));
  }

 private:
  storage::WriteTxn& txn_;
  std::map<std::string, std::optional<model::Map>, std::less<>> before_;  // as stored
  std::map<std::string, std::optional<model::Map>, std::less<>> after_;   // after the batch
};

}  // namespace

Result<storage::DocumentRecord> CheckRestoredDocument(storage::DocumentRecord document) {
  ASSIGN_OR_RETURN(Restored doc, PrepareRestored(std::move(document)));
  return std::move(doc.record);
}

Database::Database(std::unique_ptr<storage::Engine> engine, DatabaseOptions options)
    : engine_(std::move(engine)),
      indexes_(options.indexes ? options.indexes : std::make_shared<query::IndexConfig>()),
      index_config_text_(std::move(options.index_config_text)),
      transactions_(SystemClock(), options.transaction_lifetime_micros,
                    options.max_open_transactions),
      cache_(options.cache_bytes),
      readers_(
          std::make_unique<BlockingPool>("hearth-read", options.read_threads, options.read_queue)) {
  engine_->SetCommitObserver([this](const std::vector<storage::CommittedChange>& changes) {
    cache_.Apply(changes);
    std::lock_guard lock(listener_mu_);
    if (listener_) listener_(changes);
  });
}

void Database::SetCommitListener(CommitListener listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

Result<std::unique_ptr<Database>> Database::Open(std::unique_ptr<storage::Engine> engine,
                                                 DatabaseOptions options) {
  std::unique_ptr<Database> db(new Database(std::move(engine), std::move(options)));
  ASSIGN_OR_RETURN(auto to_build,
                   PrepareIndexes(*db->engine_, *db->indexes_, db->index_config_text_));
  {
    std::lock_guard lock(db->ready_mu_);
    for (const auto& index : db->indexes_->composites) {
      bool building = std::find(to_build.begin(), to_build.end(), index) != to_build.end();
      if (!building) db->ready_.insert(index.Spec());
    }
  }
  if (!to_build.empty()) {
    Database* raw = db.get();
    db->builder_ = std::thread([raw, to_build = std::move(to_build)]() mutable {
      raw->BuildIndexes(std::move(to_build));
    });
  }
  return db;
}

void Database::BuildIndexes(std::vector<query::CompositeIndex> indexes) {
  for (const auto& index : indexes) {
    Status s = BuildComposite(*engine_, index, stopping_);
    if (stopping_) return;
    if (!s.ok()) {
      spdlog::error("indexes: building {} failed: {}", index.Spec(), s.ToString());
      continue;
    }
    std::lock_guard lock(ready_mu_);
    ready_.insert(index.Spec());
    spdlog::info("indexes: {} is ready", index.Spec());
  }
}

template <typename T, typename Work>
void Database::SubmitRead(Callback<T> done, Work work) {
  auto shared_done = std::make_shared<Callback<T>>(std::move(done));
  bool queued = readers_->TrySubmit(
      [shared_done, work = std::move(work)]() mutable { (*shared_done)(work()); });
  if (!queued) (*shared_done)(Busy());
}

bool Database::IsReady(const query::CompositeIndex& index) const {
  std::lock_guard lock(ready_mu_);
  return ready_.contains(index.Spec());
}

void Database::RunQuery(query::Query q, Callback<QueryResult> done) {
  SubmitRead(std::move(done), [this, q = std::move(q)] {
    return ExecuteQuery(*engine_, q, *indexes_,
                        [this](const query::CompositeIndex& i) { return IsReady(i); });
  });
}

Database::~Database() {
  stopping_ = true;
  if (builder_.joinable()) builder_.join();
  readers_.reset();  // drains queued reads
  engine_->Close();  // commits queued writes
}

void Database::Get(std::string path, Callback<std::optional<storage::DocumentRecord>> done) {
  if (DocumentCache::Entry hit = cache_.Lookup(path)) {
    return done(std::optional<storage::DocumentRecord>(*hit));
  }
  SubmitRead(std::move(done), [this, path = std::move(path)] {
    uint64_t generation = cache_.generation();
    auto result = engine_->Get(path);
    if (result.ok() && result->has_value()) cache_.InsertIfUnchanged(**result, generation);
    return result;
  });
}

void Database::List(std::string parent, std::string start_after_id, size_t limit,
                    Callback<std::vector<storage::DocumentRecord>> done) {
  SubmitRead(std::move(done), [this, parent = std::move(parent), start = std::move(start_after_id),
                               limit] { return engine_->List(parent, start, limit); });
}

void Database::GetInTransaction(std::string transaction, std::string path,
                                Callback<std::optional<storage::DocumentRecord>> done) {
  SubmitRead(std::move(done),
             [this, transaction = std::move(transaction),
              path = std::move(path)]() -> Result<std::optional<storage::DocumentRecord>> {
               ASSIGN_OR_RETURN(TransactionState state, transactions_.Get(transaction));
               ASSIGN_OR_RETURN(std::optional<storage::DocumentRecord> doc, engine_->Get(path));
               if (state.read_only) {
                 // Everything read so far must still be current: then all reads are one snapshot.
                 RETURN_IF_ERROR(ValidateReads(state, [&](const std::string& p) -> Result<Version> {
                   ASSIGN_OR_RETURN(auto d, engine_->Get(p));
                   return VersionOf(d);
                 }));
               }
               RETURN_IF_ERROR(transactions_.RecordRead(transaction, path, VersionOf(doc)));
               return doc;
             });
}

void Database::Commit(std::vector<Mutation> mutations, Callback<CommitResult> done) {
  Commit(std::move(mutations), std::nullopt, std::move(done));
}

void Database::Commit(std::vector<Mutation> mutations, std::optional<std::string> transaction,
                      Callback<CommitResult> done) {
  Commit(std::move(mutations), std::move(transaction), nullptr, std::move(done));
}

void Database::Commit(std::vector<Mutation> mutations, std::optional<std::string> transaction,
                      CommitCheck check, Callback<CommitResult> done) {
  std::optional<TransactionState> reads;
  if (transaction) {
    auto state = transactions_.Get(*transaction);
    if (!state.ok()) {
      // Ended, expired or never begun: the client must run the transaction again.
      return done(Status(Code::kAborted, "no open transaction '" + *transaction +
                                             "' (it expired or ended); retry"));
    }
    if (state->read_only && !mutations.empty()) {
      return done(InvalidArgument("a read-only transaction cannot write"));
    }
    auto taken = transactions_.Take(*transaction);
    if (!taken.ok()) return done(taken.status());
    reads = std::move(taken).value();
  }
  struct State {
    std::vector<Mutation> mutations;
    std::optional<TransactionState> reads;
    CommitCheck check;
    CommitResult result;
    Callback<CommitResult> done;
  };
  auto state = std::make_shared<State>(
      State{std::move(mutations), std::move(reads), std::move(check), {}, std::move(done)});
  engine_->Write(
      [state, indexes = indexes_](storage::WriteTxn& txn) -> Status {
        if (state->reads) {
          // Inside the write: nothing can change between this check and the writes.
          RETURN_IF_ERROR(
              ValidateReads(*state->reads, [&](const std::string& p) -> Result<Version> {
                ASSIGN_OR_RETURN(auto d, txn.Get(p));
                return VersionOf(d);
              }));
        }
        if (state->check) {
          PlannedBatch batch(txn);
          ASSIGN_OR_RETURN(std::vector<CheckedWrite> writes, batch.Plan(state->mutations));
          RETURN_IF_ERROR(state->check(writes, batch, txn.commit_time()));
        }
        // The write function may run again only if a previous attempt failed, so start over.
        state->result.documents.clear();
        state->result.commit_time = txn.commit_time();
        const bool many = state->mutations.size() > 1;
        for (size_t i = 0; i < state->mutations.size(); ++i) {
          auto written = ApplyInTxn(state->mutations[i], *indexes, txn);
          if (!written.ok()) {
            if (!many) return written.status();
            return Status(written.status().code(),
                          "write " + std::to_string(i) + ": " + written.status().message());
          }
          state->result.documents.push_back(std::move(written).value());
        }
        return Status::Ok();
      },
      [state](Status status) {
        if (!status.ok()) {
          state->done(std::move(status));
        } else {
          state->done(std::move(state->result));
        }
      });
}

void Database::Restore(std::vector<storage::DocumentRecord> documents, bool replace,
                       std::function<void(Status)> done) {
  auto batch = std::make_shared<const std::vector<storage::DocumentRecord>>(std::move(documents));
  engine_->Write(
      [batch, replace, indexes = indexes_](storage::WriteTxn& txn) -> Status {
        for (const storage::DocumentRecord& doc : *batch) {
          // A copy: the write function runs again if an attempt fails.
          RETURN_IF_ERROR(RestoreInTxn(doc, replace, *indexes, txn));
        }
        return Status::Ok();
      },
      std::move(done));
}

void Database::WaitForIndexBuilds() {
  if (builder_.joinable()) builder_.join();
}

bool Database::RunBlocking(std::function<void()> job) {
  return readers_->TrySubmit(std::move(job));
}

}  // namespace hearth::db
