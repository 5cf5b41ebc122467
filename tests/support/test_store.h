// Which storage engine a test runs against. The suites run twice under ctest: as built
// (SQLite), and again with HEARTH_TEST_ENGINE=postgres on a throw-away PostgreSQL cluster
// (scripts/pg-cluster.sh, started by the ctest fixture "postgres"). Tests open their store
// with OpenTestEngine, and ServerProcess passes --db to `hearth serve`, so one test body
// checks both engines.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "storage/engine.h"

namespace hearth::testing {

// HEARTH_TEST_ENGINE=postgres.
bool TestOnPostgres();

// The test cluster's URL: $HEARTH_TEST_POSTGRES_URL, else the URL the ctest fixture wrote.
// Fails the calling test (and returns "") when there is none.
std::string PostgresBaseUrl();

// A PostgreSQL URL for a store of its own, keyed by `dir`: the first call creates a fresh
// schema and remembers its name in dir/.pg-schema, so a server restarted on the same
// folder finds its data again, and every test starts empty.
std::string PostgresUrlFor(const std::string& dir);

// The store for `dir`: SQLite at dir/db, or PostgresUrlFor(dir).
Result<std::unique_ptr<storage::Engine>> OpenTestEngine(const std::string& dir);

}  // namespace hearth::testing
