#include "realtime/listener_engine.h"

#include "db/query_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/clock.h"
#include "model/json.h"

namespace hearth::realtime {

struct ListenerEngine::Target {
  TargetHandle handle = 0;
  std::optional<std::string> document;  // a document target's path
  query::Query query;                   // a query target's query
  std::unique_ptr<QueryView> view;      // query targets
  EntryPtr current;                     // document targets: the document, or nullptr
  TargetCallback callback;

  std::vector<EntryPtr> sent;  // what the client holds
  bool sent_first = false;
  // While a query (or a document read) is in flight, commits are buffered here as the
  // latest state per path (nullptr: deleted), and replayed on its result: the read started
  // after every commit queued before it, so replaying the later ones converges (a put
  // carries the whole document, so applying one the read already saw changes nothing).
  bool loading = true;
  uint64_t generation = 0;
  std::unordered_map<std::string, EntryPtr> pending;
};

namespace {

Result<EntryPtr> ToEntry(storage::DocumentRecord record) {
  ASSIGN_OR_RETURN(auto path, model::ResourcePath::Parse(record.path));
  ASSIGN_OR_RETURN(model::Map fields, model::ParseDocumentJson(record.data));
  auto e = std::make_shared<Entry>();
  e->doc = query::Document{std::move(path), std::move(fields)};
  e->record = std::move(record);
  return EntryPtr(std::move(e));
}

// "a/b/c/d" → ("a/b/c", "c").
std::pair<std::string_view, std::string_view> CollectionOf(std::string_view doc_path) {
  size_t slash = doc_path.rfind('/');
  std::string_view parent = doc_path.substr(0, slash == std::string_view::npos ? 0 : slash);
  size_t prev = parent.rfind('/');
  return {parent, prev == std::string_view::npos ? parent : parent.substr(prev + 1)};
}

}  // namespace

ListenerEngine::ListenerEngine(db::Database& db, ListenerEngineOptions options)
    : db_(db), options_(options) {
  thread_ = std::thread([this] { Loop(); });
  db_.SetCommitListener(
      [this](const std::vector<storage::CommittedChange>& changes) { OnCommit(changes); });
}

ListenerEngine::~ListenerEngine() {
  db_.SetCommitListener(nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // Reads in flight call back into the engine (their results are queued, then dropped
  // with the queue): wait for them. No new one starts once the thread has stopped.
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return loads_in_flight_ == 0; });
}

void ListenerEngine::Post(Event event) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void ListenerEngine::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !events_.empty(); });
    if (stopping_) return;
    Event event = std::move(events_.front());
    events_.pop_front();
    running_ = true;
    lock.unlock();
    event();
    lock.lock();
    running_ = false;
    cv_.notify_all();
  }
}

void ListenerEngine::Flush() {
  // A load queues its result before it stops counting as in flight, so idle means done.
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return events_.empty() && !running_ && loads_in_flight_ == 0; });
}

Result<ListenerEngine::TargetHandle> ListenerEngine::Listen(TargetSpec spec,
                                                            TargetCallback callback) {
  auto target = std::make_unique<Target>();
  if (spec.document) {
    if (!spec.document->IsDocument()) {
      return InvalidArgument("'" + spec.document->ToString() + "' is not a document path");
    }
    target->document = spec.document->ToString();
  } else if (spec.query) {
    for (const auto& cursor : {spec.query->start, spec.query->end}) {
      if (cursor && cursor->document) {
        return InvalidArgument(
            "listening to a query with a document cursor is not supported yet: give the "
            "cursor's values");
      }
    }
    target->query = std::move(*spec.query);
  } else {
    return InvalidArgument("a target needs a document or a query");
  }
  if (target_count_.fetch_add(1) >= options_.max_targets) {
    target_count_.fetch_sub(1);
    return ResourceExhausted("too many listeners on this server (limit " +
                             std::to_string(options_.max_targets) + ")");
  }
  target->handle = next_handle_.fetch_add(1);
  target->callback = std::move(callback);
  TargetHandle handle = target->handle;
  Post([this, t = std::shared_ptr<Target>(target.release())]() mutable {
    AddTarget(std::unique_ptr<Target>(new Target(std::move(*t))));
  });
  return handle;
}

void ListenerEngine::Unlisten(TargetHandle handle) {
  Post([this, handle] { RemoveTarget(handle); });
}

void ListenerEngine::Index(Target& target, bool add) {
  std::vector<Target*>* list;
  if (target.document) {
    list = &by_document_[*target.document];
  } else if (target.query.collection_group) {
    list = &by_group_[target.query.collection_id];
  } else {
    std::string collection = target.query.parent.ToString();
    collection += collection.empty() ? "" : "/";
    collection += target.query.collection_id;
    list = &by_collection_[collection];
  }
  if (add) {
    list->push_back(&target);
  } else {
    std::erase(*list, &target);
  }
}

void ListenerEngine::AddTarget(std::unique_ptr<Target> target) {
  Target& t = *target;
  if (!t.document) t.view = std::make_unique<QueryView>(t.query);
  Index(t, true);
  targets_.emplace(t.handle, std::move(target));
  StartLoad(t);
}

void ListenerEngine::RemoveTarget(TargetHandle handle) {
  auto it = targets_.find(handle);
  if (it == targets_.end()) return;
  Index(*it->second, false);
  targets_.erase(it);
  target_count_.fetch_sub(1);
}

void ListenerEngine::StartLoad(Target& t) {
  t.loading = true;
  t.pending.clear();
  const uint64_t generation = ++t.generation;
  {
    std::lock_guard lock(mu_);
    ++loads_in_flight_;
  }
  auto finish = [this](Loaded loaded) {
    std::lock_guard lock(mu_);
    events_.push_back([this, l = std::make_shared<Loaded>(std::move(loaded))]() mutable {
      OnLoaded(std::move(*l));
    });
    --loads_in_flight_;
    cv_.notify_all();
  };
  const TargetHandle handle = t.handle;
  if (t.document) {
    // Read time before the read: any commit after it is replayed from `pending`.
    const int64_t read_time = std::max(last_read_time_, SystemClock().NowMicros());
    db_.Get(*t.document, [finish, handle, generation, read_time](auto result) {
      Loaded l{handle, generation, std::vector<storage::DocumentRecord>(), read_time};
      if (!result.ok()) {
        l.docs = result.status();
      } else if (result->has_value()) {
        l.docs->push_back(std::move(**result));
      }
      finish(std::move(l));
    });
    return;
  }
  // Projection happens here: the view needs the fields the query orders by.
  query::Query q = t.query;
  q.select.reset();
  db_.RunQuery(std::move(q), [finish, handle, generation](Result<db::QueryResult> result) {
    Loaded l{handle, generation, std::vector<storage::DocumentRecord>(), 0};
    if (!result.ok()) {
      l.docs = result.status();
    } else {
      l.read_time = result->read_time;
      l.docs = std::move(result->documents);
    }
    finish(std::move(l));
  });
}

EntryPtr ListenerEngine::ForTarget(const Target& t, const EntryPtr& entry) const {
  if (!entry || t.document) return entry;
  const query::Query& q = t.query;
  if (!query::InCollection(q, entry->doc.path) || !query::Matches(q, entry->doc) ||
      !query::WithinCursors(q, entry->doc)) {
    return nullptr;
  }
  if (!q.select) return entry;
  auto projected = std::make_shared<Entry>(*entry);
  projected->record.data = db::Project(entry->doc.fields, *q.select);
  return projected;
}

bool ListenerEngine::ApplyTo(Target& t, const std::vector<std::pair<std::string, EntryPtr>>& docs) {
  for (const auto& [path, raw] : docs) {
    EntryPtr after = ForTarget(t, raw);
    if (t.document) {
      t.current = after;
    } else if (!t.view->Apply(path, after)) {
      return false;
    }
  }
  return true;
}

void ListenerEngine::OnLoaded(Loaded loaded) {
  auto it = targets_.find(loaded.handle);
  if (it == targets_.end() || it->second->generation != loaded.generation) return;
  Target& t = *it->second;
  if (!loaded.docs.ok()) {
    TargetCallback callback = std::move(t.callback);
    RemoveTarget(t.handle);
    callback(loaded.docs.status());
    return;
  }
  std::vector<EntryPtr> entries;
  entries.reserve(loaded.docs->size());
  for (storage::DocumentRecord& record : *loaded.docs) {
    auto entry = ToEntry(std::move(record));
    if (!entry.ok()) {
      spdlog::error("realtime: unreadable stored document: {}", entry.status().ToString());
      continue;
    }
    if (EntryPtr e = ForTarget(t, *entry)) entries.push_back(std::move(e));
  }
  if (t.document) {
    t.current = entries.empty() ? nullptr : entries.front();
  } else {
    t.view->Reset(std::move(entries));
  }
  std::vector<std::pair<std::string, EntryPtr>> replay(t.pending.begin(), t.pending.end());
  t.pending.clear();
  t.loading = false;
  if (!ApplyTo(t, replay)) return StartLoad(t);
  Emit(t, std::max(loaded.read_time, last_read_time_));
}

void ListenerEngine::Emit(Target& t, int64_t read_time) {
  std::vector<EntryPtr> now;
  EntryOrder order;
  if (t.document) {
    if (t.current) now.push_back(t.current);
    order = [](const Entry&, const Entry&) { return 0; };  // at most one document
  } else {
    now = t.view->docs();
    order = t.view->order();
  }
  Snapshot snapshot;
  snapshot.changes = Diff(t.sent, now, order);
  snapshot.read_time = read_time;
  snapshot.first = !t.sent_first;
  if (snapshot.changes.empty() && !snapshot.first) return;
  t.sent = std::move(now);
  t.sent_first = true;
  t.callback(std::move(snapshot));
}

void ListenerEngine::OnCommit(const std::vector<storage::CommittedChange>& changes) {
  // Writer thread: copy and hand over, nothing more.
  Post([this, changes]() {
    // The latest state per document: a group's intermediate states are never shown.
    std::unordered_map<std::string_view, const storage::CommittedChange*> latest;
    std::vector<const storage::CommittedChange*> order;
    for (const auto& c : changes) {
      auto [it, inserted] = latest.try_emplace(c.path, &c);
      if (inserted) {
        order.push_back(&c);
      } else {
        it->second = &c;
      }
    }
    int64_t read_time = 0;
    std::unordered_map<Target*, std::vector<std::pair<std::string, EntryPtr>>> affected;
    std::vector<Target*> affected_order;
    for (const storage::CommittedChange* first : order) {
      const storage::CommittedChange& c = *latest[first->path];
      EntryPtr entry;
      read_time = std::max(read_time, c.commit_time);
      if (c.after) {
        auto parsed = ToEntry(*c.after);
        if (!parsed.ok()) {
          spdlog::error("realtime: unreadable committed document: {}", parsed.status().ToString());
          continue;
        }
        entry = std::move(parsed).value();
      }
      auto [collection, group] = CollectionOf(c.path);
      for (auto* index : {&by_document_, &by_collection_, &by_group_}) {
        std::string_view key = index == &by_document_     ? std::string_view(c.path)
                               : index == &by_collection_ ? collection
                                                          : group;
        auto it = index->find(std::string(key));
        if (it == index->end()) continue;
        for (Target* t : it->second) {
          auto [slot, fresh] = affected.try_emplace(t);
          if (fresh) affected_order.push_back(t);
          slot->second.emplace_back(c.path, entry);
        }
      }
    }
    if (read_time == 0)
      read_time = std::max(last_read_time_ + 1, SystemClock().NowMicros());  // no time given
    last_read_time_ = std::max(last_read_time_, read_time);
    for (Target* t : affected_order) {
      auto& docs = affected[t];
      if (t->loading) {
        for (auto& [path, entry] : docs) t->pending[path] = std::move(entry);
        continue;
      }
      // A re-run sees this group too: nothing needs buffering.
      if (!ApplyTo(*t, docs)) {
        StartLoad(*t);
        continue;
      }
      Emit(*t, last_read_time_);
    }
  });
}

}  // namespace hearth::realtime
