// QueryView: a target's materialised result (the documents a fresh query would return, in
// the query's order), maintained from committed changes; Diff(): the changes that turn
// one result into another, in Firestore's order and with its indices.
//
// Not thread-safe: the ListenerEngine's thread owns every view.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "query/matcher.h"
#include "query/query.h"
#include "storage/engine.h"

namespace hearth::realtime {

// One document as a target holds it: parsed fields for the matcher, and the record sent
// to clients (its data projected when the query has "select").
struct Entry {
  query::Document doc;
  storage::DocumentRecord record;
};
using EntryPtr = std::shared_ptr<const Entry>;

enum class ChangeType { kAdded, kModified, kRemoved };
std::string_view ChangeTypeName(ChangeType type);

struct DocumentChange {
  ChangeType type = ChangeType::kAdded;
  EntryPtr entry;  // removed: the document as the client last saw it
  int old_index = -1;
  int new_index = -1;
};

// Where `a` sorts relative to `b`: -1, 0, 1.
using EntryOrder = std::function<int(const Entry& a, const Entry& b)>;

// The changes that turn `from` into `to` (each sorted by `order`, paths unique), as
// Firestore reports them: every removal, then every addition, then every modification,
// each group in `order`; indices as if the client applied them one by one to `from`
// (old_index before the change, new_index after it; -1 where there is none).
std::vector<DocumentChange> Diff(const std::vector<EntryPtr>& from, const std::vector<EntryPtr>& to,
                                 const EntryOrder& order);

class QueryView {
 public:
  // REQUIRES: `q` has its cursors resolved (values only).
  explicit QueryView(const query::Query& q);

  // The query's fresh result, in order.
  void Reset(std::vector<EntryPtr> docs);

  // Applies the latest state of document `path`: `after` when it exists and matches the
  // query (filters and cursors), nullptr otherwise. Returns false when the result can no
  // longer be known without re-running the query: a member left a full limit window (or
  // moved past its edge), so documents outside the view may now belong in it. The view is
  // then stale until the next Reset().
  [[nodiscard]] bool Apply(const std::string& path, const EntryPtr& after);

  const std::vector<EntryPtr>& docs() const { return docs_; }
  EntryOrder order() const;

 private:
  int Compare(const Entry& a, const Entry& b) const;
  // Whether `e` lies outside a full window: after its last member (limit) or before its
  // first (limitToLast). REQUIRES: docs_ not empty.
  bool BeyondEdge(const Entry& e) const;
  void Insert(const EntryPtr& e);
  void Erase(const Entry& e);

  const query::Query& q_;
  std::vector<EntryPtr> docs_;  // in the query's order
  std::unordered_map<std::string, EntryPtr> members_;
  // Whether matches may exist outside the view (a limit window that was full).
  bool may_have_more_ = false;
};

}  // namespace hearth::realtime
