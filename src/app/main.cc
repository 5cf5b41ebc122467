// The hearth command line.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Hearth: a self-hosted backend with Firestore's data model, rules and real time."};
  app.require_subcommand(1);

  hearth::app::ServeFlags serve_flags;
  int port = -1;
  std::string host, data_dir, database_url;
  int threads = -1;
  auto* serve = app.add_subcommand("serve", "Serve a project folder over HTTP");
  serve->add_option("project", serve_flags.project_dir, "The project folder (default: .)");
  serve->add_option("--port", port, "TCP port (default 8080; 0 picks a free one)");
  serve->add_option("--host", host, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--data", data_dir, "Data folder (default PROJECT/.hearth)");
  serve->add_option("--threads", threads, "I/O threads (default: one per core)");
  serve->add_option("--db", database_url,
                    "postgres://user:password@host:port/db (default: SQLite in the data folder)");
  serve->add_flag("--verbose", serve_flags.verbose, "Log debug detail");

  std::string init_dir;
  bool force = false;
  auto* init = app.add_subcommand("init", "Write a starter project into a folder");
  init->add_option("dir", init_dir, "Folder to create")->required();
  init->add_flag("--force", force, "Write into a non-empty folder (existing files are replaced)");

  // hearth export / hearth import
  hearth::app::DataToolsCommand data_cmd;
  std::string data_tools_data, data_tools_db, import_mode = "fail";
  auto data_tools_common = [&](CLI::App* sub) {
    sub->add_option("dir", data_cmd.dir, "The export folder")->required();
    sub->add_option("--project", data_cmd.store.project_dir, "The project folder (default: .)");
    sub->add_option("--data", data_tools_data, "Data folder (default: from hearth.json)");
    sub->add_option("--db", data_tools_db,
                    "postgres://user:password@host:port/db, or sqlite (default: from "
                    "HEARTH_DATABASE_URL or hearth.json, else SQLite in the data folder)");
    return sub;
  };
  auto* export_sub = data_tools_common(app.add_subcommand(
      "export", "Write the store's documents, users and index definitions to a folder"));
  export_sub->add_flag("--force", data_cmd.force,
                       "Write into a non-empty folder (an earlier export there is replaced)");
  auto* import_sub =
      data_tools_common(app.add_subcommand("import", "Load an export folder into the store"));
  import_sub
      ->add_option("--mode", import_mode,
                   "fail (default): refuse a store that holds any document or user; overwrite: "
                   "replace documents and users with the same path or uid")
      ->check(CLI::IsMember({"fail", "overwrite"}));

  // hearth users ...
  hearth::app::UsersCommand users_cmd;
  auto* users = app.add_subcommand("users", "Manage user accounts (through the running server)");
  users->require_subcommand(1);
  auto users_common = [&](CLI::App* sub) {
    sub->add_option("--project", users_cmd.project_dir, "The project folder (default: .)");
    sub->add_option("--data", users_cmd.data_dir, "Data folder holding admin-token");
    sub->add_option("--url", users_cmd.url, "The server (default: from hearth.json)");
    return sub;
  };
  auto* users_list = users_common(users->add_subcommand("list", "List users"));
  users_list->add_option("--limit", users_cmd.limit, "At most this many (default 1000)");
  auto* users_get = users_common(users->add_subcommand("get", "Show one user (by uid or email)"));
  users_get->add_option("user", users_cmd.target, "uid or email")->required();
  auto* users_create = users_common(users->add_subcommand("create", "Create a user"));
  users_create->add_option("--email", users_cmd.email, "Email address");
  users_create->add_option("--display-name", users_cmd.display_name, "Display name");
  users_create->add_flag("--password-stdin", users_cmd.password_stdin,
                         "Read the password from standard input (never from the command line)");
  for (const char* action : {"disable", "enable", "delete"}) {
    auto* sub = users_common(users->add_subcommand(action, std::string(action) + " a user"));
    sub->add_option("uid", users_cmd.target, "The user's uid")->required();
  }
  auto* users_claims = users_common(users->add_subcommand(
      "set-claims", "Set a user's custom claims (JSON object, ≤ 1000 bytes)"));
  users_claims->add_option("uid", users_cmd.target, "The user's uid")->required();
  users_claims->add_option("claims", users_cmd.claims, "e.g. '{\"admin\": true}'")->required();

  // hearth triggers dead-letters
  bool triggers_clear = false;
  auto* triggers = app.add_subcommand("triggers", "Document triggers (through the running server)");
  triggers->require_subcommand(1);
  auto* dead_letters = users_common(triggers->add_subcommand(
      "dead-letters", "Print the deliveries that failed every attempt (JSON)"));
  dead_letters->add_flag("--clear", triggers_clear, "Empty the list");

  // hearth keys rotate
  std::string keys_project = ".", keys_data;
  auto* keys = app.add_subcommand("keys", "Manage the ID-token signing keys");
  keys->require_subcommand(1);
  auto* keys_rotate = keys->add_subcommand("rotate", "Start signing with a new key");
  keys_rotate->add_option("--project", keys_project, "The project folder (default: .)");
  keys_rotate->add_option("--data", keys_data, "Data folder (default: from hearth.json)");

  // hearth rules test
  std::string rules_file, rules_tests, rules_project = ".";
  auto* rules = app.add_subcommand("rules", "Work with security rules");
  rules->require_subcommand(1);
  auto* rules_test = rules->add_subcommand("test", "Run rules test cases, print a pass/fail table");
  rules_test->add_option("tests", rules_tests, "TESTS.json")->required();
  rules_test->add_option("--rules", rules_file,
                         "The rules file (default: the project's, from firebase.json)");
  rules_test->add_option("--project", rules_project, "The project folder (default: .)");

  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and succeeds; any other parse error is bad usage.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (serve->parsed()) {
    if (port >= 0) serve_flags.port = port;
    if (!host.empty()) serve_flags.host = host;
    if (!data_dir.empty()) serve_flags.data_dir = data_dir;
    if (threads >= 0) serve_flags.threads = threads;
    if (!database_url.empty()) serve_flags.database_url = database_url;
    return hearth::app::RunServe(serve_flags);
  }
  if (init->parsed()) return hearth::app::RunInit(init_dir, force);
  if (export_sub->parsed() || import_sub->parsed()) {
    if (!data_tools_data.empty()) data_cmd.store.data_dir = data_tools_data;
    if (!data_tools_db.empty()) data_cmd.store.database_url = data_tools_db;
    data_cmd.overwrite = import_mode == "overwrite";
    return export_sub->parsed() ? hearth::app::RunExport(data_cmd)
                                : hearth::app::RunImport(data_cmd);
  }
  if (users->parsed()) {
    for (CLI::App* sub : users->get_subcommands()) users_cmd.action = sub->get_name();
    return hearth::app::RunUsers(users_cmd);
  }
  if (dead_letters->parsed()) {
    return hearth::app::RunTriggersDeadLetters(users_cmd, triggers_clear);
  }
  if (keys_rotate->parsed()) return hearth::app::RunKeysRotate(keys_project, keys_data);
  if (rules_test->parsed()) {
    return hearth::app::RunRulesTest(rules_project, rules_file, rules_tests);
  }
  std::printf("hearth %s\n", HEARTH_VERSION);
  return 0;
}
