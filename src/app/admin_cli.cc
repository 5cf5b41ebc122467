// hearth users ..., hearth keys rotate, hearth rules test: administration from the
// command line. `users` talks to the running server's admin API (/v1/admin/users) with
// the admin credential, so there is one code path for every change to an account.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/store.h"
#include "auth/fetch.h"
#include "auth/keys.h"
#include "base/strings.h"
#include "model/json.h"
#include "model/json_view.h"
#include "rules/rules.h"
#include "rules/rules_tests.h"

namespace hearth::app {
namespace {

int Error(const std::string& message, int code = 1) {
  std::fprintf(stderr, "hearth: %s\n", message.c_str());
  return code;
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The admin token: HEARTH_ADMIN_TOKEN, else DATA_DIR/admin-token.
Result<std::string> AdminToken(const Config& config) {
  if (const char* env = std::getenv("HEARTH_ADMIN_TOKEN"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  auto text = ReadWholeFile(config.data_dir + "/admin-token");
  if (!text) {
    return FailedPrecondition(
        "no admin token: set HEARTH_ADMIN_TOKEN or start the server once "
        "(it writes " +
        config.data_dir + "/admin-token)");
  }
  std::string token = *text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

std::string ServerUrl(const Config& config, const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string host = config.server.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(config.server.port);
}

// One admin API call; prints the server's error and returns nullopt on failure.
std::optional<std::string> Call(const UsersCommand& cmd, const std::string& method,
                                const std::string& path, const std::string& body = "") {
  ServeFlags flags;
  flags.project_dir = cmd.project_dir;
  if (!cmd.data_dir.empty()) flags.data_dir = cmd.data_dir;
  auto config = LoadConfig(flags);
  if (!config.ok()) {
    Error(config.status().message());
    return std::nullopt;
  }
  auto token = AdminToken(*config);
  if (!token.ok()) {
    Error(token.status().message());
    return std::nullopt;
  }
  auth::FetchRequest req;
  req.method = method;
  req.url = ServerUrl(*config, cmd.url) + path;
  req.headers.emplace_back("Authorization", "Bearer " + *token);
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  auto res = auth::Fetch(req);
  if (!res.ok()) {
    Error(res.status().message() + " (is `hearth serve` running? --url sets its address)");
    return std::nullopt;
  }
  if (res->status >= 300) {
    auto doc = model::JsonDocument::Parse(res->body);
    std::string message = res->body;
    if (doc.ok() && doc->root().is_object()) {
      if (auto e = doc->root().Get("error")) {
        if (auto m = e->Get("message"); m && m->is_string()) message = std::string(m->AsString());
      }
    }
    Error(message + " (HTTP " + std::to_string(res->status) + ")");
    return std::nullopt;
  }
  return res->body;
}

std::string UserPath(const std::string& uid) { return "/v1/admin/users/" + PercentEncode(uid); }

std::string Member(const model::JsonView& v, std::string_view key) {
  auto m = v.Get(key);
  if (!m) return "";
  if (m->is_string()) return std::string(m->AsString());
  if (m->kind() == model::JsonView::Kind::kBool) return m->AsBool() ? "yes" : "no";
  return "";
}

int ListUsers(const UsersCommand& cmd) {
  std::string page;
  std::printf("%-28s  %-32s  %-20s  %-8s  %s\n", "UID", "EMAIL", "PROVIDERS", "DISABLED",
              "CREATED");
  size_t shown = 0;
  for (;;) {
    std::string path = "/v1/admin/users?limit=" + std::to_string(std::min<size_t>(cmd.limit, 1000));
    if (!page.empty()) path += "&pageToken=" + PercentEncode(page);
    auto body = Call(cmd, "GET", path);
    if (!body) return 1;
    auto doc = model::JsonDocument::Parse(*body);
    if (!doc.ok()) return Error("the server answered malformed JSON");
    auto users = doc->root().Get("users");
    if (!users || !users->is_array()) return Error("the server answered no user list");
    for (const auto& u : users->Elements()) {
      std::string providers;
      if (auto p = u.Get("providers"); p && p->is_array()) {
        for (const auto& name : p->Elements()) {
          if (!providers.empty()) providers += ",";
          if (name.is_string()) providers += std::string(name.AsString());
        }
      }
      std::printf("%-28s  %-32s  %-20s  %-8s  %s\n", Member(u, "uid").c_str(),
                  Member(u, "email").c_str(), providers.c_str(), Member(u, "disabled").c_str(),
                  Member(u, "createdAt").c_str());
      if (++shown >= cmd.limit) return 0;
    }
    page = Member(doc->root(), "nextPageToken");
    if (page.empty()) return 0;
  }
}

}  // namespace

int RunUsers(const UsersCommand& cmd) {
  if (cmd.action == "list") return ListUsers(cmd);
  std::optional<std::string> body;
  if (cmd.action == "get") {
    body = cmd.target.find('@') != std::string::npos
               ? Call(cmd, "GET", "/v1/admin/users?email=" + PercentEncode(cmd.target))
               : Call(cmd, "GET", UserPath(cmd.target));
  } else if (cmd.action == "create") {
    std::string json = "{";
    auto add = [&](std::string_view key, const std::string& value) {
      if (json.size() > 1) json += ",";
      model::AppendJsonString(json, key);
      json += ":";
      model::AppendJsonString(json, value);
    };
    if (!cmd.email.empty()) add("email", cmd.email);
    if (!cmd.display_name.empty()) add("displayName", cmd.display_name);
    if (cmd.password_stdin) {
      std::string password;
      std::getline(std::cin, password);
      if (!password.empty() && password.back() == '\r') password.pop_back();
      add("password", password);
    }
    body = Call(cmd, "POST", "/v1/admin/users", json + "}");
  } else if (cmd.action == "disable" || cmd.action == "enable") {
    body = Call(cmd, "PATCH", UserPath(cmd.target),
                cmd.action == "disable" ? R"({"disabled":true})" : R"({"disabled":false})");
  } else if (cmd.action == "delete") {
    body = Call(cmd, "DELETE", UserPath(cmd.target));
    if (body) {
      std::printf("deleted %s\n", cmd.target.c_str());
      return 0;
    }
  } else if (cmd.action == "set-claims") {
    auto claims = model::JsonDocument::Parse(cmd.claims);
    if (!claims.ok() || !claims->root().is_object()) {
      return Error("CLAIMS must be a JSON object, e.g. '{\"admin\": true}'", 2);
    }
    body = Call(cmd, "PATCH", UserPath(cmd.target), "{\"customClaims\":" + cmd.claims + "}");
  } else {
    return Error("unknown users action '" + cmd.action + "'", 2);
  }
  if (!body) return 1;
  std::printf("%s\n", body->c_str());
  return 0;
}

int RunTriggersDeadLetters(const UsersCommand& cmd, bool clear) {
  auto body = Call(cmd, clear ? "DELETE" : "GET", "/v1/admin/triggers/dead-letters");
  if (!body) return 1;
  std::printf("%s\n", body->c_str());
  return 0;
}

int RunKeysRotate(const std::string& project_dir, const std::string& data_dir) {
  ServeFlags flags;
  flags.project_dir = project_dir;
  if (!data_dir.empty()) flags.data_dir = data_dir;
  auto config = LoadConfig(flags);
  if (!config.ok()) return Error(config.status().message());
  // With PostgreSQL the keys live in the database, shared by every node.
  std::unique_ptr<storage::Engine> shared;
  if (!config->database_url.empty()) {
    auto store = OpenStore(*config);
    if (!store.ok()) return Error(store.status().message());
    shared = std::move(store).value();
  }
  auto kid = auth::KeyStore::Rotate(config->data_dir + "/keys", shared.get());
  if (shared) shared->Close();
  if (!kid.ok()) return Error(kid.status().message());
  std::printf(
      "new signing key %s is active; the previous key keeps verifying tokens for %lld minutes.\n"
      "A running server picks the change up within a second.\n",
      kid->c_str(), static_cast<long long>(auth::KeyStore::kRetiredKeySeconds / 60));
  return 0;
}

int RunRulesTest(const std::string& project_dir, std::string rules_path,
                 const std::string& tests_path) {
  if (rules_path.empty()) {
    ServeFlags flags;
    flags.project_dir = project_dir;
    auto config = LoadConfig(flags);
    if (!config.ok()) return Error(config.status().message(), 2);
    rules_path = config->rules_path;
  }
  auto rules_text = ReadWholeFile(rules_path);
  if (!rules_text) return Error("cannot read " + rules_path, 2);
  auto tests_text = ReadWholeFile(tests_path);
  if (!tests_text) return Error("cannot read " + tests_path, 2);
  auto ruleset = rules::Compile(*rules_text, rules_path);
  if (!ruleset.ok()) return Error(ruleset.status().message(), 2);
  auto tests = rules::ParseRulesTests(*tests_text);
  if (!tests.ok()) return Error(tests_path + ": " + tests.status().message(), 2);
  rules::RulesTestReport report = rules::RunRulesTests(**ruleset, *tests);
  std::fputs(report.table.c_str(), stdout);
  return report.all_passed() ? 0 : 1;
}

}  // namespace hearth::app
