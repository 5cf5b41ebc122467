// Security rules at the API: the ruleset in force, who is asking, and the checks the
// document endpoints make before they answer an end user. docs/api.md, "Security rules".
//
// The admin credential bypasses the rules. Anyone else (a signed-in user or an anonymous
// request) is allowed only what the project's firestore.rules allow; with no rules file,
// nothing. A denial is always `permission-denied` with the same generic message: what the
// rules say, which condition failed and why are logged (debug level), never sent.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.h"
#include "base/status.h"
#include "db/database.h"
#include "query/query.h"
#include "rules/rules.h"
#include "storage/engine.h"

namespace hearth::api {

// The compiled rules in force, replaced whole when the rules file changes. Thread-safe:
// a request keeps the ruleset it started with even if another is swapped in meanwhile.
class RulesHolder {
 public:
  // nullptr: no rules (every end-user request is denied).
  std::shared_ptr<const rules::Ruleset> Get() const;
  void Set(std::shared_ptr<const rules::Ruleset> ruleset);
  // Counts the Set() calls: what was allowed under one generation may not be under the next.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const rules::Ruleset> ruleset_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> generation_{0};
};

// How one request is checked. Immutable once built; shared by the request's callbacks.
struct Access {
  bool admin = false;
  std::shared_ptr<const rules::Ruleset> ruleset;  // end users: nullptr denies everything
  std::optional<rules::Auth> auth;                // end users: nullopt when signed out

  static std::shared_ptr<const Access> Admin();
  static std::shared_ptr<const Access> EndUser(std::shared_ptr<const rules::Ruleset> ruleset,
                                               const auth::AuthContext* user);

  // Evaluates `request` (its `auth` is set here; `time_micros` too when 0). A denial that
  // came from an error in a condition is logged at debug level with its location.
  rules::Evaluation Evaluate(rules::Request request) const;
};

// 403 permission-denied, "Missing or insufficient permissions." (Firestore's wording).
Status Denied();

// get()/exists() against the store (getAfter() reads the same: reads write nothing).
// Blocking: only for threads that may block (the read pool). Counts distinct documents.
class StoreReader final : public rules::DocumentReader {
 public:
  explicit StoreReader(storage::Engine& engine) : engine_(engine) {}
  Result<std::optional<model::Map>> Get(std::string_view path) override;
  Result<std::optional<model::Map>> GetAfter(std::string_view path) override { return Get(path); }

 private:
  storage::Engine& engine_;
};

// One read decision and what it needs (owned, so it can move to another thread).
struct ReadCheck {
  rules::Method method = rules::Method::kGet;
  std::string path;
  std::optional<model::Map> resource;  // the stored document's fields; nullopt if missing
  bool resource_partial = false;
  std::optional<int64_t> query_limit;
  std::optional<int64_t> query_offset;

  rules::Request ToRequest(rules::DocumentReader* reader) const;
};

// Decides `check` without blocking the calling thread (which may be an I/O thread): it is
// evaluated in place with a reader that refuses to read, and only if the rules wanted a
// document (get(), exists()) again on the read pool with a StoreReader. `done` gets the
// evaluation, or `unavailable` when the pool is full; it runs on either thread.
void EvaluateOffIo(db::Database& db, std::shared_ptr<const Access> access, ReadCheck check,
                   std::function<void(Result<rules::Evaluation>)> done);

// Stored document JSON as rules see it (resource.data). `data-loss` when unreadable.
Result<model::Map> StoredFields(std::string_view path, std::string_view json);

// Decides a list request (a collection listing, a query or an aggregation) of an end user,
// as Firestore does ("rules are not filters"): first from the query alone, with
// `resource.data` holding only `fixed` (the fields the query's equality filters pin) and
// resource_partial set; if the rules neither allow nor deny from that, every document in
// `documents` must be allowed. OK or Denied(). `collection` nullopt (a collection group:
// its documents may sit under different rules) skips the first step. Blocking (for the
// read pool: the rules may read documents).
Status CheckList(db::Database& db, const Access& access,
                 const std::optional<std::string>& collection, model::Map fixed,
                 std::optional<int64_t> query_limit, std::optional<int64_t> query_offset,
                 const std::vector<storage::DocumentRecord>& documents);

// The fields a query's equality filters pin (what every document it returns holds), for
// deciding it from the rules alone: `a == v` alone or inside ANDs. An OR pins nothing.
model::Map FixedFields(const query::Query& q);

// Whether a caller may listen in real time to `document` (a get) or to query `q` (a list),
// decided from the target alone, without reading the store: for a query only the fields
// its equality filters pin are known, for a document none. A rule that needs more (the
// document's fields, get()/exists(), a collection group) denies: a listener must be
// provably allowed, as Firestore requires of queries. Non-blocking. OK or Denied().
Status CheckListen(const Access& access, const std::optional<std::string>& document,
                   const query::Query* q);

// The commit check that applies the rules to a batch: every write must be allowed
// (create, update or delete by whether its document exists). getAfter()/existsAfter() see
// the whole batch; at most 10 documents read per write and 20 per batch.
db::CommitCheck RulesCommitCheck(std::shared_ptr<const Access> access);

}  // namespace hearth::api
