// Opens the storage engine a project is configured for: SQLite in the data folder, or
// PostgreSQL at Config::database_url. `hearth serve`, `hearth export` and `hearth import`
// open their store here, so they always agree on where the data is.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "storage/engine.h"

namespace hearth::app {

// The caller holds the data folder's lock (DataDirLock) when the store is SQLite.
Result<std::unique_ptr<storage::Engine>> OpenStore(const Config& config);

// Where the store is, for logs (never with a password).
std::string DescribeStore(const Config& config);

}  // namespace hearth::app
