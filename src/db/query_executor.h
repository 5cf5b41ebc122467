// Runs a planned query against the storage engine. Internal to db/: Database::RunQuery
// calls it on the read pool.
#pragma once

#include <functional>
#include <vector>

#include "base/status.h"
#include "query/index.h"
#include "query/query.h"
#include "storage/engine.h"

namespace hearth::db {

struct QueryResult {
  // In the query's order; `data` already projected when the query has "select".
  std::vector<storage::DocumentRecord> documents;
  int64_t read_time = 0;  // microseconds
};

// The JSON of `fields` restricted to `select` (a query's projection; __name__ is skipped).
std::string Project(const model::Map& fields, const std::vector<model::FieldPath>& select);

// Blocking. `ready` tells which composite indexes have finished building.
Result<QueryResult> ExecuteQuery(storage::Engine& engine, const query::Query& q,
                                 const query::IndexConfig& indexes,
                                 const std::function<bool(const query::CompositeIndex&)>& ready);

}  // namespace hearth::db
