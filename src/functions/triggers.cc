#include "functions/triggers.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <future>

#include "base/clock.h"
#include "base/random.h"
#include "model/json.h"
#include "model/timestamp.h"

namespace hearth::functions {

namespace {

constexpr char kCursorKey[] = "triggers.cursor";
constexpr char kDeadKey[] = "triggers.deadLetters";
constexpr char kLeaseKey[] = "triggers.lease";

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsCapture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::optional<std::vector<std::pair<std::string, std::string>>> MatchPattern(
    const std::vector<std::string>& pattern, std::string_view path) {
  std::vector<std::string> segments = Split(path);
  if (segments.size() != pattern.size()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> params;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsCapture(pattern[i])) {
      params.emplace_back(pattern[i].substr(1, pattern[i].size() - 2), segments[i]);
    } else if (pattern[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return params;
}

std::string_view ChangeType(const storage::ChangeRecord& c) {
  if (!c.before) return "create";
  if (!c.after) return "delete";
  return "update";
}

}  // namespace

TriggerDispatcher::TriggerDispatcher(storage::Engine& engine, Pool& pool, TriggerOptions options)
    : engine_(engine),
      pool_(pool),
      options_(std::move(options)),
      router_(options_.triggers_dir),
      node_id_(options_.node_id.empty() ? RandomHexToken(8) : options_.node_id) {
  thread_ = std::thread([this] { Loop(); });
}

TriggerDispatcher::~TriggerDispatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool TriggerDispatcher::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

http::Response TriggerDispatcher::Run(Invocation call) {
  auto promise = std::make_shared<std::promise<http::Response>>();
  auto future = promise->get_future();
  pool_.Invoke(std::move(call), [promise](http::Response r) { promise->set_value(std::move(r)); });
  return future.get();  // the pool always answers, within its timeout
}

Status TriggerDispatcher::PutMeta(std::string key, std::string value) {
  std::promise<Status> done;
  auto future = done.get_future();
  engine_.Write([key = std::move(key), value = std::move(value)](
                    storage::WriteTxn& txn) { return txn.PutMeta(key, value); },
                [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

bool TriggerDispatcher::HoldLease() {
  constexpr int64_t kLeaseMicros = 10'000'000;
  constexpr int64_t kRenewBeforeMicros = 7'000'000;
  // SQLite: one process per store (the data folder's lock), nothing to share.
  if (engine_.name() != "postgres") return true;
  const int64_t now = SystemClock().NowMicros();
  if (lease_until_ - now > kRenewBeforeMicros) return true;
  bool held = false;
  std::promise<Status> done;
  auto future = done.get_future();
  engine_.Write(
      [&](storage::WriteTxn& txn) -> Status {
        // Read inside the write: no other node commits in between (storage/engine.h).
        ASSIGN_OR_RETURN(auto current, engine_.ReadMeta(kLeaseKey));
        if (current) {
          size_t space = current->find(' ');
          std::string holder = current->substr(0, space);
          int64_t until = space == std::string::npos ? 0 : std::stoll(current->substr(space + 1));
          if (holder != node_id_ && until > now) return Status::Ok();  // another node's
        }
        held = true;
        return txn.PutMeta(kLeaseKey, node_id_ + " " + std::to_string(now + kLeaseMicros));
      },
      [&done](Status s) { done.set_value(std::move(s)); });
  Status s = future.get();
  if (!s.ok()) {
    spdlog::warn("triggers: cannot take the delivery lease: {}", s.ToString());
    held = false;
  }
  if (held && lease_until_ == 0) spdlog::info("triggers: this node delivers triggers now");
  if (!held && lease_until_ != 0) spdlog::info("triggers: another node delivers triggers now");
  lease_until_ = held ? now + kLeaseMicros : 0;
  return held;
}

void TriggerDispatcher::Refresh() {
  uint64_t generation = router_.Generation();
  auto now = std::chrono::steady_clock::now();
  if (described_ && generation == generation_ && (!retry_ || now < retry_at_)) return;
  described_ = true;
  generation_ = generation;
  retry_ = false;
  std::vector<Registration> regs;
  std::vector<Route> routes = router_.All();
  has_files_ = !routes.empty();
  for (const Route& route : routes) {
    Invocation call;
    call.kind = Invocation::Kind::kDescribe;
    call.name = "triggers/" + route.name;
    call.file = route.file;
    call.generation = route.generation;
    http::Response r = Run(std::move(call));
    if (r.status != 200) {
      spdlog::error("triggers: {} cannot be loaded (see above); it is not active", route.name);
      if (r.status != 500) {
        // The pool could not run it (busy, starting, shutting down): try again soon.
        // Delivery waits meanwhile, so no change slips past a trigger not yet loaded.
        retry_ = true;
        retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      }
      continue;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view event, document;
    if (parser.parse(r.body).get(root) || root["event"].get(event) ||
        root["document"].get(document)) {
      continue;
    }
    regs.push_back(Registration{route.name, route.file, std::string(event), Split(document)});
    spdlog::info("triggers: {} runs on {} of {}", route.name, event, document);
  }
  registrations_ = std::move(regs);
}

bool TriggerDispatcher::Deliver(const Registration& reg, const storage::ChangeRecord& change,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  std::string event = R"({"type":")" + std::string(ChangeType(change)) + R"(","document":)";
  model::AppendJsonString(event, change.path);
  event += R"(,"params":{)";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) event += ',';
    model::AppendJsonString(event, params[i].first);
    event += ':';
    model::AppendJsonString(event, params[i].second);
  }
  event += R"(},"before":)";
  event += change.before ? *change.before : "null";
  event += R"(,"after":)";
  event += change.after ? *change.after : "null";
  event += R"(,"seq":)" + std::to_string(change.seq) + R"(,"time":)";
  model::AppendJsonString(event, model::FormatMicros(change.commit_time));
  event += '}';

  auto backoff = options_.backoff;
  std::string error;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    Invocation call;
    call.kind = Invocation::Kind::kTrigger;
    call.name = "triggers/" + reg.name;
    call.file = reg.file;
    call.generation = generation_;
    call.event_json = event;
    http::Response r = Run(std::move(call));
    if (r.status == 200) return true;
    error = r.body;
    spdlog::warn("triggers: {} failed on {} (attempt {} of {})", reg.name, change.path, attempt,
                 options_.max_attempts);
    if (attempt == options_.max_attempts) break;
    if (!Sleep(backoff)) return false;
    backoff *= 2;
  }
  std::string entry = R"({"trigger":)";
  model::AppendJsonString(entry, reg.name);
  entry += R"(,"document":)";
  model::AppendJsonString(entry, change.path);
  entry += R"(,"type":")" + std::string(ChangeType(change)) + R"(","seq":)" +
           std::to_string(change.seq) + R"(,"attempts":)" + std::to_string(options_.max_attempts) +
           R"(,"error":)";
  model::AppendJsonString(entry, error);
  entry += R"(,"time":)";
  model::AppendJsonString(entry, model::FormatMicros(SystemClock().NowMicros()));
  entry += R"(,"event":)" + event + "}";
  if (Status s = AppendDeadLetter(std::move(entry)); !s.ok()) {
    spdlog::error("triggers: cannot record a dead letter: {}", s.ToString());
  }
  spdlog::error(
      "triggers: {} gave up on {} (change {}) after {} attempts; see hearth triggers "
      "dead-letters",
      reg.name, change.path, change.seq, options_.max_attempts);
  return true;
}

Status TriggerDispatcher::AppendDeadLetter(std::string entry) {
  std::lock_guard lock(dead_mu_);
  ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kDeadKey));
  std::vector<std::string> entries;
  if (text) {
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    if (parser.parse(*text).get(array) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : array) entries.push_back(simdjson::minify(e));
    }
  }
  entries.push_back(std::move(entry));
  size_t skip =
      entries.size() > options_.max_dead_letters ? entries.size() - options_.max_dead_letters : 0;
  std::string out = "[";
  for (size_t i = skip; i < entries.size(); ++i) {
    if (i > skip) out += ',';
    out += entries[i];
  }
  out += ']';
  return PutMeta(kDeadKey, std::move(out));
}

Result<std::string> TriggerDispatcher::DeadLettersJson() {
  std::lock_guard lock(dead_mu_);
  ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kDeadKey));
  return R"({"deadLetters":)" + (text ? *text : std::string("[]")) + "}";
}

Status TriggerDispatcher::ClearDeadLetters() {
  std::lock_guard lock(dead_mu_);
  return PutMeta(kDeadKey, "[]");
}

int64_t TriggerDispatcher::EndOfLog(int64_t from) {
  for (;;) {
    auto changes = engine_.ReadChanges(from, 1000);
    if (!changes.ok() || changes->empty()) return from;
    from = changes->back().seq;
  }
}

void TriggerDispatcher::Loop() {
  // Where delivery stands; a store new to triggers starts at the end of its log.
  int64_t cursor = 0;
  for (;;) {
    auto stored = engine_.ReadMeta(kCursorKey);
    if (stored.ok() && *stored) {
      cursor = std::stoll(**stored);
      break;
    }
    if (stored.ok()) {
      cursor = EndOfLog(0);
      if (PutMeta(kCursorKey, std::to_string(cursor)).ok()) break;
    }
    spdlog::error("triggers: cannot read the change log cursor; retrying");
    if (!Sleep(std::chrono::seconds(1))) return;
  }

  // With no trigger file, the log is not read; triggers added later get the changes from
  // then on.
  bool skipped = false;
  while (Sleep(std::chrono::milliseconds(0))) {
    Refresh();
    if (retry_) {
      if (!Sleep(options_.poll)) return;
      continue;
    }
    if (!has_files_) {
      skipped = true;
      if (!Sleep(options_.poll * 5)) return;
      continue;
    }
    if (skipped) {
      skipped = false;
      cursor = EndOfLog(cursor);
      if (Status s = PutMeta(kCursorKey, std::to_string(cursor)); !s.ok()) {
        spdlog::error("triggers: cannot store the cursor: {}", s.ToString());
      }
    }
    if (bool had = lease_until_ != 0; !HoldLease()) {
      if (!Sleep(options_.poll)) return;
      continue;
    } else if (!had) {
      // Taking over (or starting): the previous holder may have moved the cursor.
      if (auto stored = engine_.ReadMeta(kCursorKey); stored.ok() && *stored) {
        cursor = std::stoll(**stored);
      }
    }
    auto changes = engine_.ReadChanges(cursor, 64);
    if (!changes.ok()) {
      spdlog::error("triggers: cannot read the change log: {}", changes.status().ToString());
      if (!Sleep(std::chrono::seconds(1))) return;
      continue;
    }
    if (changes->empty()) {
      if (!Sleep(options_.poll)) return;
      continue;
    }
    if (changes->front().seq > cursor + 1) {
      spdlog::error("triggers: {} changes were trimmed from the log before delivery",
                    changes->front().seq - cursor - 1);
    }
    int64_t start = cursor;
    for (const storage::ChangeRecord& change : *changes) {
      if (!Sleep(std::chrono::milliseconds(0))) return;  // stopping; redelivered next start
      std::string_view type = ChangeType(change);
      for (const Registration& reg : registrations_) {
        if (reg.event != "write" && reg.event != type) continue;
        auto params = MatchPattern(reg.pattern, change.path);
        if (!params) continue;
        if (!Deliver(reg, change, *params)) return;  // stopping; redelivered next start
      }
      cursor = change.seq;
    }
    if (cursor != start) {
      if (Status s = PutMeta(kCursorKey, std::to_string(cursor)); !s.ok()) {
        spdlog::error("triggers: cannot store the cursor: {}", s.ToString());
      }
    }
  }
}

}  // namespace hearth::functions
