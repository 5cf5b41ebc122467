// A project's configuration: hearth.json merged with command-line flags.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <map>

#include "auth/auth_service.h"
#include "base/status.h"
#include "http/server.h"

namespace hearth::app {

// Flags given on the command line; unset ones fall back to hearth.json, then defaults.
struct ServeFlags {
  std::string project_dir = ".";
  std::optional<int> port;
  std::optional<std::string> host;
  std::optional<std::string> data_dir;
  std::optional<int> threads;
  std::optional<std::string> database_url;  // --db
  bool verbose = false;
};

// hearth.json's "functions".
struct FunctionsConfig {
  int workers = 2;  // Node.js processes at most
  int64_t timeout_ms = 10000;
  int memory_mb = 256;  // heap limit per worker
  int64_t max_queue = 1000;
  std::string node = "node";
  int trigger_attempts = 5;
  int64_t trigger_backoff_ms = 1000;  // before the 2nd attempt; doubles
};

struct Config {
  std::string project_dir;  // absolute
  std::string data_dir;     // absolute; default PROJECT_DIR/.hearth
  // Where documents live: "" for SQLite in the data dir, or a PostgreSQL URL
  // ("postgres://user:password@host:port/db"). --db, else HEARTH_DATABASE_URL (from the
  // environment or .env), else hearth.json's "database". Never logged with its password.
  std::string database_url;
  http::ServerOptions server;
  size_t read_threads = 4;
  int64_t transaction_lifetime_micros = 60'000'000;
  // firebase.json's firestore.indexes (default firestore.indexes.json), absolute, and its
  // text ("{}" when the file does not exist).
  std::string indexes_path;
  std::string indexes_text = "{}";
  // firebase.json's firestore.rules (default firestore.rules), absolute. The file may not
  // exist (then end users are denied every document request).
  std::string rules_path;
  // hearth.json's "projectId" and "auth"; secrets named there come from the environment
  // or the project's .env (the environment wins).
  auth::AuthConfig auth;
  // firebase.json's "hosting" value as JSON text; "" when it has none.
  std::string hosting_json;
  // The project's .env, overlaid by .env.local: with the server's own environment (which
  // wins), the environment of functions. Never logged, never served.
  std::map<std::string, std::string> dotenv;
  FunctionsConfig functions;
};

// Parses a .env file: KEY=VALUE lines, '#' comments, optional "export ", values in single
// quotes (literal) or double quotes (\n, \", \\ escapes). invalid-argument names the line.
Result<std::map<std::string, std::string>> ParseDotEnv(std::string_view text);

// Reads PROJECT_DIR/hearth.json (optional) and applies `flags`. Unknown keys and wrong
// types are errors that name the key.
Result<Config> LoadConfig(const ServeFlags& flags);

}  // namespace hearth::app
