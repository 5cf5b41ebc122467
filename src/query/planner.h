// The planner: turns a query into index scans whose results, read in scan order, come in
// the query's order. The executor (db/) runs the scans, checks every document with the
// matcher (so bounds here only need to be no tighter than the query), merges and limits.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/index.h"
#include "query/query.h"

namespace hearth::query {

struct Scan {
  // kIndex: a range of index_entries. kIds: a range of one collection's documents by ID.
  enum class Source { kIndex, kIds };
  Source source = Source::kIndex;
  int64_t index_id = 0;
  std::string parent;                // index parent, or the collection path for kIds
  std::string lower;                 // inclusive
  std::optional<std::string> upper;  // exclusive
  bool reverse = false;              // read keys in descending order
  std::string index_description;     // for errors and logs
};

struct Plan {
  // Each scan yields documents in the query's order; an OR, in, or array-contains-any
  // query has one per disjunct. Results are merged by the query's order.
  std::vector<Scan> scans;
  // True when a scan's index does not cover every filter (the matcher drops the rest);
  // such a query reads more entries than it returns.
  bool residual_filters = false;
};

// `ready(index)` says whether a declared composite index has finished building.
// Errors: `failed-precondition` naming the index to add (its firestore.indexes.json
// entry), or saying that a declared index is still building.
Result<Plan> PlanQuery(const Query& q, const IndexConfig& config,
                       const std::function<bool(const CompositeIndex&)>& ready);

// The smallest byte string greater than every string that starts with `prefix`;
// nullopt when there is none (prefix all 0xFF).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace hearth::query
