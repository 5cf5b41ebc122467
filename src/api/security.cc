#include "api/security.h"

#include <spdlog/spdlog.h>

#include <set>
#include <utility>

#include "base/clock.h"
#include "model/json.h"

namespace hearth::api {
namespace {

// Stands in for the store on a thread that must not block: remembers that the rules
// wanted a document, and fails the read (the evaluation is then redone elsewhere).
class RefusingReader final : public rules::DocumentReader {
 public:
  Result<std::optional<model::Map>> Get(std::string_view) override { return Refuse(); }
  Result<std::optional<model::Map>> GetAfter(std::string_view) override { return Refuse(); }
  bool wanted() const { return wanted_; }

 private:
  Status Refuse() {
    wanted_ = true;
    return Unavailable("document reads happen on the read pool");
  }
  bool wanted_ = false;
};

// get()/getAfter() for a batch's checks: Firestore allows 10 document reads per write
// (Request::max_reads) and 20 for the whole batch, each distinct document counted once.
class BatchRulesReader final : public rules::DocumentReader {
 public:
  explicit BatchRulesReader(db::BatchReader& batch) : batch_(batch) {}
  Result<std::optional<model::Map>> Get(std::string_view path) override {
    RETURN_IF_ERROR(Count('b', path));
    return batch_.Before(path);
  }
  Result<std::optional<model::Map>> GetAfter(std::string_view path) override {
    RETURN_IF_ERROR(Count('a', path));
    return batch_.After(path);
  }

 private:
  static constexpr size_t kMaxBatchReads = 20;
  Status Count(char kind, std::string_view path) {
    std::string key = kind + std::string(path);
    if (seen_.contains(key)) return Status::Ok();
    if (seen_.size() >= kMaxBatchReads) {
      return ResourceExhausted("the rules read more than 20 documents for this batch");
    }
    seen_.insert(std::move(key));
    return Status::Ok();
  }
  db::BatchReader& batch_;
  std::set<std::string> seen_;
};

rules::Evaluation EvaluateQuietly(const Access& access, rules::Request request) {
  if (access.ruleset == nullptr) return rules::Evaluation{};  // no rules file: deny
  request.auth = access.auth ? &*access.auth : nullptr;
  if (request.time_micros == 0) request.time_micros = SystemClock().NowMicros();
  return rules::Evaluate(*access.ruleset, request);
}

void LogDenial(const Access& access, const rules::Request& request, const rules::Evaluation& e) {
  if (e.decision != rules::Decision::kDeny || !spdlog::should_log(spdlog::level::debug)) return;
  std::string_view method = rules::MethodName(request.method);
  if (access.ruleset == nullptr) {
    spdlog::debug("rules: {} {} denied: no rules file", method, request.path);
  } else if (e.error != nullptr) {
    spdlog::debug("rules: {} {} denied: {} at {}:{}", method, request.path, e.error,
                  e.error_location.line, e.error_location.column);
  } else {
    spdlog::debug("rules: {} {} denied: no allow statement is true", method, request.path);
  }
}

}  // namespace

std::shared_ptr<const rules::Ruleset> RulesHolder::Get() const {
  std::lock_guard lock(mu_);
  return ruleset_;
}

void RulesHolder::Set(std::shared_ptr<const rules::Ruleset> ruleset) {
  std::lock_guard lock(mu_);
  ruleset_ = std::move(ruleset);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const Access> Access::Admin() {
  static const auto* admin = new std::shared_ptr<const Access>(new Access{.admin = true});
  return *admin;
}

std::shared_ptr<const Access> Access::EndUser(std::shared_ptr<const rules::Ruleset> ruleset,
                                              const auth::AuthContext* user) {
  auto access = std::make_shared<Access>();
  access->ruleset = std::move(ruleset);
  if (user != nullptr) access->auth = rules::Auth{user->uid, user->token};
  return access;
}

rules::Evaluation Access::Evaluate(rules::Request request) const {
  rules::Evaluation e = EvaluateQuietly(*this, request);
  LogDenial(*this, request, e);
  return e;
}

Status Denied() { return PermissionDenied("Missing or insufficient permissions."); }

Result<model::Map> StoredFields(std::string_view path, std::string_view json) {
  auto fields = model::ParseDocumentJson(json);
  if (!fields.ok()) {
    return Status(Code::kDataLoss, "stored document '" + std::string(path) +
                                       "' is unreadable: " + fields.status().message());
  }
  return fields;
}

Result<std::optional<model::Map>> StoreReader::Get(std::string_view path) {
  ASSIGN_OR_RETURN(std::optional<storage::DocumentRecord> record, engine_.Get(path));
  if (!record) return std::optional<model::Map>();
  ASSIGN_OR_RETURN(model::Map fields, StoredFields(path, record->data));
  return std::optional<model::Map>(std::move(fields));
}

rules::Request ReadCheck::ToRequest(rules::DocumentReader* reader) const {
  return rules::Request{.method = method,
                        .path = path,
                        .resource = resource ? &*resource : nullptr,
                        .query_limit = query_limit,
                        .query_offset = query_offset,
                        .reader = reader,
                        .resource_partial = resource_partial};
}

void EvaluateOffIo(db::Database& db, std::shared_ptr<const Access> access, ReadCheck check,
                   std::function<void(Result<rules::Evaluation>)> done) {
  RefusingReader refusing;
  rules::Request request = check.ToRequest(&refusing);
  rules::Evaluation e = EvaluateQuietly(*access, request);
  if (!refusing.wanted()) {
    LogDenial(*access, request, e);
    return done(e);
  }
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  bool queued = db.RunBlocking([&db, access, check = std::move(check), shared_done] {
    StoreReader reader(db.engine());
    (*shared_done)(access->Evaluate(check.ToRequest(&reader)));
  });
  if (!queued) (*shared_done)(Unavailable("the server is busy; retry shortly"));
}

namespace {

void CollectFixedFields(const query::Filter& filter, model::Map& fixed) {
  if (filter.kind == query::Filter::Kind::kAnd) {
    for (const auto& child : filter.children) CollectFixedFields(child, fixed);
  } else if (filter.kind == query::Filter::Kind::kField &&
             filter.field.op == query::Operator::kEqual && !filter.field.field.IsDocumentName()) {
    model::SetField(fixed, filter.field.field, filter.field.value);
  }
}

}  // namespace

model::Map FixedFields(const query::Query& q) {
  model::Map fixed;
  if (q.filter) CollectFixedFields(*q.filter, fixed);
  return fixed;
}

Status CheckListen(const Access& access, const std::optional<std::string>& document,
                   const query::Query* q) {
  if (access.admin) return Status::Ok();
  ReadCheck check;
  if (document) {
    // The path (and so every wildcard) is known; the fields are not read, so a condition
    // on resource.data is an error, which denies.
    check.method = rules::Method::kGet;
    check.path = *document;
  } else {
    if (q == nullptr || q->collection_group) return Denied();
    check.method = rules::Method::kList;
    check.path = q->CollectionLabel() + "/_";
    check.resource = FixedFields(*q);
    check.resource_partial = true;
    check.query_limit = q->limit;
  }
  RefusingReader refusing;
  rules::Evaluation e = access.Evaluate(check.ToRequest(&refusing));
  return e.decision == rules::Decision::kAllow ? Status::Ok() : Denied();
}

Status CheckList(db::Database& db, const Access& access,
                 const std::optional<std::string>& collection, model::Map fixed,
                 std::optional<int64_t> query_limit, std::optional<int64_t> query_offset,
                 const std::vector<storage::DocumentRecord>& documents) {
  if (collection) {
    // "_" stands for any document ID; the rules never see it (a condition that reads the
    // ID is unknown, not false).
    ReadCheck query{.method = rules::Method::kList,
                    .path = *collection + "/_",
                    .resource = std::move(fixed),
                    .resource_partial = true,
                    .query_limit = query_limit,
                    .query_offset = query_offset};
    StoreReader reader(db.engine());
    rules::Evaluation e = access.Evaluate(query.ToRequest(&reader));
    if (e.decision == rules::Decision::kAllow) return Status::Ok();
    if (e.decision == rules::Decision::kDeny) return Denied();
  }
  for (const storage::DocumentRecord& doc : documents) {
    ASSIGN_OR_RETURN(model::Map fields, StoredFields(doc.path, doc.data));
    ReadCheck check{.method = rules::Method::kList,
                    .path = doc.path,
                    .resource = std::move(fields),
                    .query_limit = query_limit,
                    .query_offset = query_offset};
    StoreReader reader(db.engine());
    if (access.Evaluate(check.ToRequest(&reader)).decision != rules::Decision::kAllow) {
      return Denied();
    }
  }
  return Status::Ok();
}

db::CommitCheck RulesCommitCheck(std::shared_ptr<const Access> access) {
  return [access = std::move(access)](const std::vector<db::CheckedWrite>& writes,
                                      db::BatchReader& batch, int64_t commit_time) -> Status {
    BatchRulesReader reader(batch);
    for (const db::CheckedWrite& w : writes) {
      rules::Method method = w.mutation->kind == db::Mutation::Kind::kDelete
                                 ? rules::Method::kDelete
                             : w.before ? rules::Method::kUpdate
                                        : rules::Method::kCreate;
      // request.time is the commit time, so that a serverTimestamp transform's value in
      // request.resource equals request.time, as in Firestore.
      rules::Request request{.method = method,
                             .path = w.path,
                             .resource = w.before ? &*w.before : nullptr,
                             .request_resource = w.after ? &*w.after : nullptr,
                             .time_micros = commit_time,
                             .reader = &reader};
      if (access->Evaluate(request).decision != rules::Decision::kAllow) return Denied();
    }
    return Status::Ok();
  };
}

}  // namespace hearth::api
