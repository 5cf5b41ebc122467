#include "app/store.h"

#include "storage/postgres/postgres_engine.h"
#include "storage/sqlite/sqlite_engine.h"

namespace hearth::app {

Result<std::unique_ptr<storage::Engine>> OpenStore(const Config& config) {
  if (!config.database_url.empty()) {
    storage::PostgresOptions options;
    options.url = config.database_url;
    options.readers = static_cast<int>(config.read_threads);
    return storage::OpenPostgres(options);
  }
  storage::SqliteOptions options;
  options.path = config.data_dir + "/hearth.db";
  options.readers = static_cast<int>(config.read_threads);
  return storage::OpenSqlite(options);
}

std::string DescribeStore(const Config& config) {
  if (!config.database_url.empty()) {
    return "postgres " + storage::RedactDatabaseUrl(config.database_url);
  }
  return "sqlite " + config.data_dir + "/hearth.db";
}

}  // namespace hearth::app
