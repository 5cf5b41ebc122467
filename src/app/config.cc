#include "app/config.h"

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace hearth::app {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::element_type;

Status KeyError(std::string_view key, std::string_view expected) {
  return InvalidArgument("hearth.json: '" + std::string(key) + "' must be " +
                         std::string(expected));
}

Result<int64_t> Int(element e, std::string_view key, int64_t min, int64_t max) {
  if (e.type() != element_type::INT64 || int64_t(e) < min || int64_t(e) > max) {
    return KeyError(key, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return int64_t(e);
}

// A secret named in hearth.json: from the environment, else from .env.
using Secrets = std::map<std::string, std::string>;

Result<std::string> Secret(const Secrets& dotenv, element e, std::string_view key) {
  if (e.type() != element_type::STRING) return KeyError(key, "the name of a variable in .env");
  std::string name{std::string_view(e)};
  if (const char* v = std::getenv(name.c_str()); v != nullptr) return std::string(v);
  auto it = dotenv.find(name);
  if (it == dotenv.end()) {
    return InvalidArgument("hearth.json: '" + std::string(key) + "' names " + name +
                           ", which is neither in the environment nor in .env");
  }
  return it->second;
}

Result<std::string> String(element e, std::string_view key) {
  if (e.type() != element_type::STRING) return KeyError(key, "a string");
  return std::string(std::string_view(e));
}

Status ApplyAuth(element value, const Secrets& dotenv, auth::AuthConfig& a) {
  if (value.type() != element_type::OBJECT) return KeyError("auth", "an object");
  for (auto [key, v] : simdjson::dom::object(value)) {
    std::string where = "auth." + std::string(key);
    if (key == "publicUrl") {
      ASSIGN_OR_RETURN(a.public_url, String(v, where));
    } else if (key == "actionUrl") {
      ASSIGN_OR_RETURN(a.action_url, String(v, where));
    } else if (key == "mailFrom") {
      ASSIGN_OR_RETURN(a.mail_from, String(v, where));
    } else if (key == "redirectAllowList") {
      if (v.type() != element_type::ARRAY) return KeyError(where, "an array of URL prefixes");
      for (element u : simdjson::dom::array(v)) {
        ASSIGN_OR_RETURN(std::string url, String(u, where));
        if (!url.starts_with("https://") && !url.starts_with("http://")) {
          return KeyError(where, "http(s) URL prefixes");
        }
        a.redirect_allow_list.push_back(std::move(url));
      }
    } else if (key == "passwordHash") {
      if (v.type() != element_type::OBJECT) return KeyError(where, "an object");
      for (auto [pkey, pv] : simdjson::dom::object(v)) {
        if (pkey == "memoryKiB") {
          ASSIGN_OR_RETURN(a.password_cost.memory_kib,
                           Int(pv, "auth.passwordHash.memoryKiB", auth::PasswordCost::kMinMemoryKib,
                               4 * 1024 * 1024));
        } else if (pkey == "iterations") {
          ASSIGN_OR_RETURN(
              a.password_cost.iterations,
              Int(pv, "auth.passwordHash.iterations", auth::PasswordCost::kMinIterations, 100));
        } else {
          return InvalidArgument("hearth.json: unknown key '" + where + "." + std::string(pkey) +
                                 "' (known: memoryKiB, iterations)");
        }
      }
    } else if (key == "rateLimits") {
      if (v.type() != element_type::OBJECT) return KeyError(where, "an object");
      for (auto [rkey, rv] : simdjson::dom::object(v)) {
        std::string rwhere = where + "." + std::string(rkey);
        ASSIGN_OR_RETURN(int64_t n, Int(rv, rwhere, 0, 1'000'000'000));
        if (rkey == "signInPerIpPerMinute") {
          a.limits.sign_in_per_ip = {n, 60};
        } else if (rkey == "signInPerAccountPerMinute") {
          a.limits.sign_in_per_account = {n, 60};
        } else if (rkey == "signUpPerIpPerHour") {
          a.limits.sign_up_per_ip = {n, 3600};
        } else if (rkey == "resetPerIpPerHour") {
          a.limits.reset_per_ip = {n, 3600};
        } else if (rkey == "resetPerAccountPerHour") {
          a.limits.reset_per_account = {n, 3600};
        } else {
          return InvalidArgument("hearth.json: unknown key '" + rwhere +
                                 "' (known: signInPerIpPerMinute, signInPerAccountPerMinute, "
                                 "signUpPerIpPerHour, resetPerIpPerHour, resetPerAccountPerHour)");
        }
      }
    } else if (key == "providers") {
      if (v.type() != element_type::OBJECT) return KeyError(where, "an object");
      for (auto [name, pv] : simdjson::dom::object(v)) {
        std::string pwhere = where + "." + std::string(name);
        if (pv.type() != element_type::OBJECT) return KeyError(pwhere, "an object");
        auth::OidcProviderConfig p;
        p.name = std::string(name);
        if (p.name.empty() || p.name.size() > 32 ||
            p.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
                std::string::npos) {
          return KeyError(pwhere, "named with lower-case letters, digits and '-'");
        }
        if (p.name == "google") p.issuer = "https://accounts.google.com";
        for (auto [pkey, pval] : simdjson::dom::object(pv)) {
          std::string kwhere = pwhere + "." + std::string(pkey);
          if (pkey == "issuer") {
            ASSIGN_OR_RETURN(p.issuer, String(pval, kwhere));
          } else if (pkey == "clientId") {
            ASSIGN_OR_RETURN(p.client_id, String(pval, kwhere));
          } else if (pkey == "clientSecretEnv") {
            ASSIGN_OR_RETURN(p.client_secret, Secret(dotenv, pval, kwhere));
          } else if (pkey == "scopes") {
            ASSIGN_OR_RETURN(p.scopes, String(pval, kwhere));
          } else {
            return InvalidArgument("hearth.json: unknown key '" + kwhere +
                                   "' (known: issuer, clientId, clientSecretEnv, scopes)");
          }
        }
        if (p.client_id.empty()) return KeyError(pwhere + ".clientId", "set");
        if (p.issuer.empty()) return KeyError(pwhere + ".issuer", "set (an https URL)");
        if (!auth::IsAllowedIssuerUrl(p.issuer)) {
          return KeyError(pwhere + ".issuer", "an https URL (http only on loopback)");
        }
        a.providers.push_back(std::move(p));
      }
    } else if (key == "smtp") {
      if (v.type() != element_type::OBJECT) return KeyError(where, "an object");
      auth::SmtpSettings smtp;
      for (auto [skey, sv] : simdjson::dom::object(v)) {
        std::string swhere = where + "." + std::string(skey);
        if (skey == "url") {
          ASSIGN_OR_RETURN(smtp.url, String(sv, swhere));
          if (!smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
            return KeyError(swhere, "an smtp:// or smtps:// URL");
          }
        } else if (skey == "username") {
          ASSIGN_OR_RETURN(smtp.username, String(sv, swhere));
        } else if (skey == "passwordEnv") {
          ASSIGN_OR_RETURN(smtp.password, Secret(dotenv, sv, swhere));
        } else {
          return InvalidArgument("hearth.json: unknown key '" + swhere +
                                 "' (known: url, username, passwordEnv)");
        }
      }
      if (smtp.url.empty()) return KeyError(where + ".url", "set");
      a.smtp = std::move(smtp);
    } else {
      return InvalidArgument("hearth.json: unknown key '" + where +
                             "' (known: publicUrl, actionUrl, mailFrom, redirectAllowList, "
                             "passwordHash, rateLimits, providers, smtp)");
    }
  }
  return Status::Ok();
}

Status ApplyFile(const std::string& text, const Secrets& dotenv, Config& config) {
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(text).get(root); error) {
    return InvalidArgument(std::string("hearth.json is not valid JSON: ") +
                           simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) return InvalidArgument("hearth.json must be an object");
  for (auto [key, value] : simdjson::dom::object(root)) {
    if (key == "host") {
      if (value.type() != element_type::STRING) return KeyError(key, "a string");
      config.server.host = std::string(std::string_view(value));
    } else if (key == "port") {
      ASSIGN_OR_RETURN(int64_t port, Int(value, key, 0, 65535));
      config.server.port = static_cast<uint16_t>(port);
    } else if (key == "dataDir") {
      if (value.type() != element_type::STRING) return KeyError(key, "a string");
      config.data_dir = std::string(std::string_view(value));
    } else if (key == "database") {
      ASSIGN_OR_RETURN(config.database_url, String(value, key));
    } else if (key == "threads") {
      ASSIGN_OR_RETURN(int64_t n, Int(value, key, 0, 256));
      config.server.threads = static_cast<int>(n);
    } else if (key == "cors") {
      if (value.type() != element_type::OBJECT) return KeyError(key, "an object");
      for (auto [ckey, cvalue] : simdjson::dom::object(value)) {
        if (ckey != "origins" || cvalue.type() != element_type::ARRAY) {
          return KeyError("cors", "{\"origins\": [\"https://app.example\", ...]}");
        }
        config.server.cors_origins.clear();
        for (element o : simdjson::dom::array(cvalue)) {
          if (o.type() != element_type::STRING) return KeyError("cors.origins", "strings");
          config.server.cors_origins.emplace_back(std::string_view(o));
        }
      }
    } else if (key == "limits") {
      if (value.type() != element_type::OBJECT) return KeyError(key, "an object");
      for (auto [lkey, lvalue] : simdjson::dom::object(value)) {
        if (lkey == "maxBodyBytes") {
          ASSIGN_OR_RETURN(int64_t n, Int(lvalue, "limits.maxBodyBytes", 1024, int64_t{1} << 30));
          config.server.max_body_bytes = static_cast<size_t>(n);
        } else if (lkey == "requestTimeoutMs") {
          ASSIGN_OR_RETURN(int64_t n, Int(lvalue, "limits.requestTimeoutMs", 100, 3'600'000));
          config.server.request_timeout = std::chrono::milliseconds(n);
        } else if (lkey == "transactionTimeoutMs") {
          ASSIGN_OR_RETURN(int64_t n, Int(lvalue, "limits.transactionTimeoutMs", 100, 3'600'000));
          config.transaction_lifetime_micros = n * 1000;
        } else if (lkey == "maxConnections") {
          ASSIGN_OR_RETURN(int64_t n, Int(lvalue, "limits.maxConnections", 1, 1'000'000));
          config.server.max_connections = static_cast<size_t>(n);
        } else {
          return InvalidArgument("hearth.json: unknown key 'limits." + std::string(lkey) + "'");
        }
      }
    } else if (key == "projectId") {
      ASSIGN_OR_RETURN(config.auth.project_id, String(value, key));
      if (config.auth.project_id.empty() || config.auth.project_id.size() > 64) {
        return KeyError(key, "1 to 64 characters");
      }
    } else if (key == "auth") {
      RETURN_IF_ERROR(ApplyAuth(value, dotenv, config.auth));
    } else if (key == "functions") {
      if (value.type() != element_type::OBJECT) return KeyError(key, "an object");
      for (auto [fkey, fvalue] : simdjson::dom::object(value)) {
        std::string where = "functions." + std::string(fkey);
        if (fkey == "workers") {
          ASSIGN_OR_RETURN(int64_t n, Int(fvalue, where, 1, 256));
          config.functions.workers = static_cast<int>(n);
        } else if (fkey == "timeoutMs") {
          ASSIGN_OR_RETURN(config.functions.timeout_ms, Int(fvalue, where, 100, 900'000));
        } else if (fkey == "memoryMb") {
          ASSIGN_OR_RETURN(int64_t n, Int(fvalue, where, 32, 65536));
          config.functions.memory_mb = static_cast<int>(n);
        } else if (fkey == "maxQueue") {
          ASSIGN_OR_RETURN(config.functions.max_queue, Int(fvalue, where, 1, 1'000'000));
        } else if (fkey == "triggerAttempts") {
          ASSIGN_OR_RETURN(int64_t n, Int(fvalue, where, 1, 100));
          config.functions.trigger_attempts = static_cast<int>(n);
        } else if (fkey == "triggerBackoffMs") {
          ASSIGN_OR_RETURN(config.functions.trigger_backoff_ms, Int(fvalue, where, 1, 3'600'000));
        } else if (fkey == "node") {
          ASSIGN_OR_RETURN(config.functions.node, String(fvalue, where));
        } else {
          return InvalidArgument("hearth.json: unknown key '" + where +
                                 "' (known: workers, timeoutMs, memoryMb, maxQueue, node, "
                                 "triggerAttempts, triggerBackoffMs)");
        }
      }
    } else if (key == "logRequests") {
      if (value.type() != element_type::BOOL) return KeyError(key, "true or false");
      config.server.log_requests = bool(value);
    } else {
      return InvalidArgument("hearth.json: unknown key '" + std::string(key) +
                             "' (known: projectId, host, port, dataDir, threads, cors, limits, "
                             "logRequests, auth, functions)");
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ReadFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<std::string>();
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return InvalidArgument("cannot read " + file.string());
  return std::optional<std::string>(text.str());
}

// What firebase.json says: the files of "firestore": {"indexes": ..., "rules": ...}, and
// the "hosting" section.
struct FirestoreFiles {
  fs::path indexes;
  fs::path rules;
  std::string hosting_json;
};

Result<FirestoreFiles> FirestorePaths(const fs::path& project) {
  FirestoreFiles files{project / "firestore.indexes.json", project / "firestore.rules"};
  ASSIGN_OR_RETURN(auto firebase, ReadFile(project / "firebase.json"));
  if (!firebase) return files;
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(*firebase).get(root); error) {
    return InvalidArgument(std::string("firebase.json is not valid JSON: ") +
                           simdjson::error_message(error));
  }
  std::string_view name;
  if (root["firestore"]["indexes"].get(name) == simdjson::SUCCESS) files.indexes = project / name;
  if (root["firestore"]["rules"].get(name) == simdjson::SUCCESS) files.rules = project / name;
  element hosting;
  if (root["hosting"].get(hosting) == simdjson::SUCCESS) {
    if (hosting.type() == element_type::ARRAY) {
      return InvalidArgument(
          "firebase.json: 'hosting' lists several sites; Hearth serves one "
          "(make 'hosting' an object)");
    }
    files.hosting_json = simdjson::minify(hosting);
  }
  return files;
}

}  // namespace

Result<std::map<std::string, std::string>> ParseDotEnv(std::string_view text) {
  std::map<std::string, std::string> out;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
      return s;
    };
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto bad = [&](std::string_view why) {
      return InvalidArgument(".env line " + std::to_string(line_no) + ": " + std::string(why));
    };
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("expected KEY=VALUE");
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty() ||
        key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789_") != std::string_view::npos ||
        (key.front() >= '0' && key.front() <= '9')) {
      return bad("the name must be letters, digits and '_'");
    }
    std::string_view raw = trim(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '\'' || raw.front() == '"')) {
      char quote = raw.front();
      size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
          char n = raw[++i];
          value += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
          value += c;
        }
      }
      if (!closed) return bad("unterminated quoted value");
      std::string_view rest = trim(raw.substr(i + 1));
      if (!rest.empty() && rest.front() != '#')
        return bad("unexpected text after the quoted value");
    } else {
      size_t hash = raw.find(" #");
      value = std::string(trim(raw.substr(0, hash)));
    }
    out[std::string(key)] = std::move(value);
  }
  return out;
}

Result<Config> LoadConfig(const ServeFlags& flags) {
  std::error_code ec;
  fs::path project = fs::absolute(flags.project_dir, ec);
  if (ec || !fs::is_directory(project, ec)) {
    return InvalidArgument("project folder '" + flags.project_dir + "' does not exist");
  }
  Config config;
  config.project_dir = project.lexically_normal().string();
  Secrets dotenv;
  for (const char* name : {".env", ".env.local"}) {
    ASSIGN_OR_RETURN(auto dotenv_text, ReadFile(project / name));
    if (!dotenv_text) continue;
    auto parsed = ParseDotEnv(*dotenv_text);
    if (!parsed.ok()) {
      return InvalidArgument(std::string(name) + parsed.status().message().substr(4));
    }
    for (auto& [k, v] : *parsed) dotenv[k] = std::move(v);
  }
  ASSIGN_OR_RETURN(auto file_text, ReadFile(project / "hearth.json"));
  if (file_text) RETURN_IF_ERROR(ApplyFile(*file_text, dotenv, config));
  if (flags.host) config.server.host = *flags.host;
  if (flags.port) {
    if (*flags.port < 0 || *flags.port > 65535) return InvalidArgument("--port must be 0..65535");
    config.server.port = static_cast<uint16_t>(*flags.port);
  }
  if (flags.threads) config.server.threads = *flags.threads;
  if (const char* env = std::getenv("HEARTH_DATABASE_URL"); env != nullptr && *env != '\0') {
    config.database_url = env;
  } else if (auto it = dotenv.find("HEARTH_DATABASE_URL"); it != dotenv.end()) {
    config.database_url = it->second;
  }
  if (flags.database_url) config.database_url = *flags.database_url;
  if (!config.database_url.empty() && !config.database_url.starts_with("postgres://") &&
      !config.database_url.starts_with("postgresql://") && config.database_url != "sqlite") {
    return InvalidArgument(
        "database: expected \"sqlite\" or a URL postgres://user:password@host:port/dbname");
  }
  if (config.database_url == "sqlite") config.database_url.clear();
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (config.data_dir.empty()) config.data_dir = ".hearth";
  fs::path data(config.data_dir);
  // A relative data dir in hearth.json is relative to the project; on the command line,
  // to where the command runs.
  if (data.is_relative()) data = (flags.data_dir ? fs::absolute(data) : project / data);
  config.data_dir = data.lexically_normal().string();
  ASSIGN_OR_RETURN(FirestoreFiles files, FirestorePaths(project));
  config.indexes_path = files.indexes.lexically_normal().string();
  config.rules_path = files.rules.lexically_normal().string();
  config.hosting_json = std::move(files.hosting_json);
  config.dotenv = std::move(dotenv);
  ASSIGN_OR_RETURN(auto indexes_text, ReadFile(files.indexes));
  if (indexes_text) config.indexes_text = std::move(*indexes_text);
  return config;
}

}  // namespace hearth::app
