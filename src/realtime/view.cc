#include "realtime/view.h"

#include <algorithm>

namespace hearth::realtime {

std::string_view ChangeTypeName(ChangeType type) {
  switch (type) {
    case ChangeType::kAdded:
      return "added";
    case ChangeType::kModified:
      return "modified";
    case ChangeType::kRemoved:
      return "removed";
  }
  return "added";
}

namespace {

// The position of the first entry of `docs` not before `e`.
size_t LowerBound(const std::vector<EntryPtr>& docs, const Entry& e, const EntryOrder& order) {
  auto it = std::lower_bound(docs.begin(), docs.end(), &e,
                             [&](const EntryPtr& a, const Entry* b) { return order(*a, *b) < 0; });
  return static_cast<size_t>(it - docs.begin());
}

size_t PositionOf(const std::vector<EntryPtr>& docs, const std::string& path) {
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i]->record.path == path) return i;
  }
  return docs.size();
}

bool SameVersion(const Entry& a, const Entry& b) {
  return a.record.update_time == b.record.update_time && a.record.data == b.record.data;
}

}  // namespace

std::vector<DocumentChange> Diff(const std::vector<EntryPtr>& from, const std::vector<EntryPtr>& to,
                                 const EntryOrder& order) {
  std::unordered_map<std::string_view, const EntryPtr*> before, after;
  for (const EntryPtr& e : from) before.emplace(e->record.path, &e);
  for (const EntryPtr& e : to) after.emplace(e->record.path, &e);
  std::vector<EntryPtr> removed, added, modified;
  for (const EntryPtr& e : from) {
    if (!after.contains(e->record.path)) removed.push_back(e);
  }
  for (const EntryPtr& e : to) {
    auto it = before.find(e->record.path);
    if (it == before.end()) {
      added.push_back(e);
    } else if (!SameVersion(**it->second, *e)) {
      modified.push_back(e);
    }
  }
  // `from` and `to` are sorted, so each group already is.
  std::vector<DocumentChange> changes;
  changes.reserve(removed.size() + added.size() + modified.size());
  std::vector<EntryPtr> tracker = from;
  for (EntryPtr& e : removed) {
    size_t at = PositionOf(tracker, e->record.path);
    tracker.erase(tracker.begin() + static_cast<ptrdiff_t>(at));
    changes.push_back({ChangeType::kRemoved, std::move(e), static_cast<int>(at), -1});
  }
  for (EntryPtr& e : added) {
    size_t at = LowerBound(tracker, *e, order);
    tracker.insert(tracker.begin() + static_cast<ptrdiff_t>(at), e);
    changes.push_back({ChangeType::kAdded, std::move(e), -1, static_cast<int>(at)});
  }
  for (EntryPtr& e : modified) {
    size_t old_at = PositionOf(tracker, e->record.path);
    tracker.erase(tracker.begin() + static_cast<ptrdiff_t>(old_at));
    size_t new_at = LowerBound(tracker, *e, order);
    tracker.insert(tracker.begin() + static_cast<ptrdiff_t>(new_at), e);
    changes.push_back(
        {ChangeType::kModified, std::move(e), static_cast<int>(old_at), static_cast<int>(new_at)});
  }
  return changes;
}

QueryView::QueryView(const query::Query& q) : q_(q) {}

int QueryView::Compare(const Entry& a, const Entry& b) const {
  return query::CompareInOrder(q_, a.doc, b.doc);
}

EntryOrder QueryView::order() const {
  return [this](const Entry& a, const Entry& b) { return Compare(a, b); };
}

void QueryView::Reset(std::vector<EntryPtr> docs) {
  docs_ = std::move(docs);
  members_.clear();
  for (const EntryPtr& e : docs_) members_.emplace(e->record.path, e);
  may_have_more_ = q_.limit && docs_.size() >= static_cast<size_t>(*q_.limit);
}

bool QueryView::BeyondEdge(const Entry& e) const {
  return q_.limit_to_last ? Compare(e, *docs_.front()) < 0 : Compare(e, *docs_.back()) > 0;
}

void QueryView::Insert(const EntryPtr& e) {
  size_t at = LowerBound(docs_, *e, order());
  docs_.insert(docs_.begin() + static_cast<ptrdiff_t>(at), e);
  members_[e->record.path] = e;
}

void QueryView::Erase(const Entry& e) {
  size_t at = LowerBound(docs_, e, order());
  // The order is total (it ends with __name__), so `e` is exactly there.
  docs_.erase(docs_.begin() + static_cast<ptrdiff_t>(at));
  members_.erase(e.record.path);
}

bool QueryView::Apply(const std::string& path, const EntryPtr& after) {
  if (q_.limit && *q_.limit <= 0) return true;
  if (auto it = members_.find(path); it != members_.end()) {
    EntryPtr before = it->second;
    Erase(*before);
    if (may_have_more_) {
      // Documents outside the window may now sort before the one that moved or left.
      if (!after || docs_.empty() || BeyondEdge(*after)) return false;
    }
    if (after) Insert(after);
    return true;
  }
  if (!after) return true;
  if (may_have_more_ && !docs_.empty() && BeyondEdge(*after)) return true;
  Insert(after);
  if (q_.limit && docs_.size() > static_cast<size_t>(*q_.limit)) {
    // The window overflowed: its edge member leaves, and matches now lie outside it.
    const EntryPtr& edge = q_.limit_to_last ? docs_.front() : docs_.back();
    members_.erase(edge->record.path);
    if (q_.limit_to_last) {
      docs_.erase(docs_.begin());
    } else {
      docs_.pop_back();
    }
    may_have_more_ = true;
  }
  return true;
}

}  // namespace hearth::realtime
