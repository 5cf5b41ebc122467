// The engine for many Hearth nodes: one PostgreSQL database (libpq).
//
// Same concepts as the SQLite engine (documents, index entries in bytea, the change log,
// meta, auth records), created by versioned migrations under an advisory lock so nodes
// that start together migrate once.
//
// Writes: one writer connection per node group-commits (each write in a savepoint of one
// transaction). Every group first locks the one row of `hearth_clock` (SELECT ... FOR
// UPDATE), which serialises commits across all nodes: reads inside a write see every
// earlier commit, commit times and change-log sequence numbers are assigned in commit
// order, and a conflicting transaction can never be lost. The cost is that commits do not
// run in parallel across nodes; group commit makes each lock carry many writes.
//
// Other nodes' changes: the writer sends NOTIFY hearth_changes with each commit; a
// listener connection (LISTEN) reads the change log from the last sequence this node
// delivered, so a missed notification (dropped connection, restart) costs latency, never
// a change. Local and remote changes reach the commit observer in sequence order.
#pragma once

#include <memory>
#include <string>

#include "storage/engine.h"

namespace hearth::storage {

struct PostgresOptions {
  std::string url;                   // libpq connection URL or key=value string
  int readers = 4;                   // read connections
  size_t max_batch = 512;            // writes per group commit at most
  size_t max_queue = 10000;          // queued writes before Write() refuses with `unavailable`
  int64_t change_log_keep = 100000;  // change-log entries kept (older are trimmed)
  int poll_ms = 1000;                // change-log poll when no notification comes
};

// Connects, runs pending schema migrations, starts the writer and the change listener.
Result<std::unique_ptr<Engine>> OpenPostgres(const PostgresOptions& options);

// `url` without its password, for logs: "postgres://hearth@db:5432/app".
std::string RedactDatabaseUrl(std::string_view url);

}  // namespace hearth::storage
