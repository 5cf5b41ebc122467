#include "support/test_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "storage/postgres/postgres_engine.h"
#include "storage/sqlite/sqlite_engine.h"

namespace hearth::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

bool TestOnPostgres() {
  const char* engine = std::getenv("HEARTH_TEST_ENGINE");
  return engine != nullptr && std::string_view(engine) == "postgres";
}

std::string PostgresBaseUrl() {
  if (const char* url = std::getenv("HEARTH_TEST_POSTGRES_URL"); url != nullptr && *url) {
    return url;
  }
  std::string url = ReadAll(std::string(HEARTH_TEST_PG_DIR) + "/url");
  if (url.empty()) {
    ADD_FAILURE() << "no PostgreSQL for the tests: set HEARTH_TEST_POSTGRES_URL or run them "
                     "through ctest (its fixture starts scripts/pg-cluster.sh)";
  }
  return url;
}

std::string PostgresUrlFor(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string marker = dir + "/.pg-schema";
  std::string schema = ReadAll(marker);
  std::string base = PostgresBaseUrl();
  if (base.empty()) return "";
  if (schema.empty()) {
    std::random_device rd;
    std::ostringstream name;
    name << "t_" << std::hex << rd() << rd();
    schema = name.str();
    PGconn* conn = PQconnectdb(base.c_str());
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(conn, ("CREATE SCHEMA " + schema).c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      if (!ok) ADD_FAILURE() << "CREATE SCHEMA failed: " << PQresultErrorMessage(r);
      PQclear(r);
    } else {
      ADD_FAILURE() << "cannot connect to " << base << ": " << PQerrorMessage(conn);
    }
    PQfinish(conn);
    if (!ok) return "";
    std::ofstream(marker) << schema;
  }
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

Result<std::unique_ptr<storage::Engine>> OpenTestEngine(const std::string& dir) {
  if (TestOnPostgres()) {
    std::string url = PostgresUrlFor(dir);
    if (url.empty()) return Unavailable("no PostgreSQL for the tests");
    return storage::OpenPostgres({.url = url});
  }
  return storage::OpenSqlite({.path = dir + "/db"});
}

}  // namespace hearth::testing
