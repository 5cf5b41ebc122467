// The `hearth` subcommands. Each returns the process exit code.
#pragma once

#include <string>

#include "app/config.h"

namespace hearth::app {

// hearth serve: runs until SIGINT/SIGTERM; 0 after a clean shutdown.
int RunServe(const ServeFlags& flags);
// hearth init DIR: writes the starter project; refuses a non-empty DIR unless `force`.
int RunInit(const std::string& dir, bool force);

// hearth export DIR / hearth import DIR (docs/data-tools.md): a store's documents, users
// and index definitions as files, streamed so memory stays flat at any size. Both open
// the store the project is configured for (app::OpenStore) and, for SQLite, hold the data
// folder's lock, so they refuse while a server runs on it. 0 done, 1 failed, 2 bad usage.
struct DataToolsCommand {
  std::string dir;
  ServeFlags store;        // project_dir, data_dir, database_url
  bool force = false;      // export: write into a non-empty DIR
  bool overwrite = false;  // import: replace same-path documents and same-uid users
};
int RunExport(const DataToolsCommand& command);
int RunImport(const DataToolsCommand& command);

// hearth users ACTION ...: through the running server's admin API.
struct UsersCommand {
  std::string action;  // list, get, create, disable, enable, delete, set-claims
  std::string target;  // uid (or email for get)
  std::string email, display_name, claims;
  bool password_stdin = false;
  size_t limit = 1000;
  std::string project_dir = ".";
  std::string data_dir;  // where the admin token is; default from hearth.json
  std::string url;       // the server; default from hearth.json host/port
};
int RunUsers(const UsersCommand& command);

// hearth triggers dead-letters [--clear]: the document-trigger deliveries that gave up
// (through the running server's admin API; `cmd` gives the project, data dir and url).
int RunTriggersDeadLetters(const UsersCommand& cmd, bool clear);

// hearth keys rotate: a new ID-token signing key; the old one verifies until its tokens expire.
int RunKeysRotate(const std::string& project_dir, const std::string& data_dir);

// hearth rules test TESTS.json: 0 when every case passes, 1 otherwise, 2 on bad input.
// `rules_path` "" means the project's rules file (firebase.json, else firestore.rules).
int RunRulesTest(const std::string& project_dir, std::string rules_path,
                 const std::string& tests_path);

}  // namespace hearth::app
