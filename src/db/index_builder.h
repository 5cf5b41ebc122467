// Keeps the store's index entries in line with the project's index configuration.
// Internal to db/; Database::Open and its builder thread call these.
#pragma once

#include <atomic>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/index.h"
#include "storage/engine.h"

namespace hearth::db {

// Before serving: rebuilds the automatic entries when the store asks for it (documents
// written before indexing existed) or the fieldOverrides changed (blocking, with progress
// in the log); drops the entries of composite indexes no longer declared; records the
// configuration. Returns the declared composite indexes that still need building.
Result<std::vector<query::CompositeIndex>> PrepareIndexes(storage::Engine& engine,
                                                          const query::IndexConfig& config,
                                                          std::string_view config_text);

// Writes one composite index's entries for every existing document, a chunk per write
// so other writes go on in between (they maintain the index themselves meanwhile), then
// marks it ready. Stops early, unfinished, when `stop` becomes true.
Status BuildComposite(storage::Engine& engine, const query::CompositeIndex& index,
                      const std::atomic<bool>& stop);

// Whether a composite index has finished building.
Result<bool> CompositeReady(storage::Engine& engine, const query::CompositeIndex& index);

// Applies the difference between two sets of a document's entries (both sorted).
Status ApplyEntryDiff(storage::WriteTxn& txn, std::string_view path,
                      const std::vector<query::IndexEntry>& before,
                      const std::vector<query::IndexEntry>& after);

}  // namespace hearth::db
