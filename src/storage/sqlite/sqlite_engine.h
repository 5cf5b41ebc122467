// The embedded default engine: one SQLite file in WAL mode.
//
// One writer thread owns the only read-write connection and group-commits: it takes every
// queued write, runs each in a savepoint of one transaction, commits once (one fsync with
// synchronous=FULL), then reports to each caller. Reads use a pool of connections that
// see the last committed state.
#pragma once

#include <memory>
#include <string>

#include "storage/engine.h"

namespace hearth::storage {

struct SqliteOptions {
  std::string path;                  // the database file; its folder must exist
  int readers = 4;                   // read connections (at least the readers' thread count)
  size_t max_batch = 512;            // writes per group commit at most
  size_t max_queue = 10000;          // queued writes before Write() refuses with `unavailable`
  int64_t change_log_keep = 100000;  // change-log entries kept (older are trimmed)
  // Page size of a new store (an existing store keeps its own). Measured: 1024 writes
  // fewer bytes per document but is slower overall than 4096 (docs/benchmarks.md).
  int page_size = 4096;
};

// Opens or creates the store and runs pending schema migrations.
Result<std::unique_ptr<Engine>> OpenSqlite(const SqliteOptions& options);

}  // namespace hearth::storage
