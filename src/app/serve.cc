#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "api/api_handler.h"
#include "app/cluster.h"
#include "app/commands.h"
#include "app/data_dir_lock.h"
#include "app/front_handler.h"
#include "app/rules_file.h"
#include "app/sdk_files.h"
#include "app/store.h"
#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "db/database.h"
#include "functions/pool.h"
#include "functions/router.h"
#include "functions/triggers.h"
#include "hosting/static_site.h"
#include "http/server.h"
#include "model/json.h"
#include "query/index.h"
#include "realtime/listen_handler.h"
#include "realtime/listener_engine.h"
#include "storage/sqlite/sqlite_engine.h"

namespace hearth::app {
namespace {

namespace fs = std::filesystem;

struct AdminToken {
  std::string token;
  std::string source;  // for the startup log; never the token itself
};

Result<AdminToken> LoadAdminToken(const std::string& data_dir) {
  if (const char* env = std::getenv("HEARTH_ADMIN_TOKEN"); env != nullptr && *env != '\0') {
    std::string token(env);
    if (token.size() < 16) {
      return InvalidArgument("HEARTH_ADMIN_TOKEN must be at least 16 characters long");
    }
    return AdminToken{token, "from HEARTH_ADMIN_TOKEN"};
  }
  std::string path = data_dir + "/admin-token";
  std::ifstream in(path);
  if (in) {
    std::string token;
    std::getline(in, token);
    if (token.size() < 16) return FailedPrecondition(path + " holds no valid token; delete it");
    return AdminToken{token, "in " + path};
  }
  std::string token = RandomHexToken(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Unavailable("cannot write " + path);
  return AdminToken{token, "generated into " + path};
}

// The environment of function workers: the server's own, then the project's .env files
// for what it does not set; never the admin token.
std::vector<std::string> FunctionEnvironment(const std::map<std::string, std::string>& dotenv) {
  std::vector<std::string> env;
  std::set<std::string> seen;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    if (name == "HEARTH_ADMIN_TOKEN") continue;
    seen.insert(name);
    env.emplace_back(entry);
  }
  for (const auto& [name, value] : dotenv) {
    if (!seen.contains(name)) env.push_back(name + "=" + value);
  }
  return env;
}

int Fail(const Status& s) {
  spdlog::error("{}", s.ToString());
  ShutdownLogging();
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

}  // namespace

int RunServe(const ServeFlags& flags) {
  InitLogging(flags.verbose);
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(config.status());
  // Broken rules stop the start: serving with none (deny all) or stale ones would surprise.
  auto ruleset = LoadRules(config->rules_path);
  if (!ruleset.ok()) return Fail(ruleset.status());
  api::RulesHolder rules;
  rules.Set(*ruleset);

  std::error_code ec;
  fs::create_directories(config->data_dir, ec);
  if (ec)
    return Fail(Unavailable("cannot create data folder " + config->data_dir + ": " + ec.message()));
  ::chmod(config->data_dir.c_str(), 0700);
  auto lock = DataDirLock::Acquire(config->data_dir);
  if (!lock.ok()) return Fail(lock.status());
  auto admin = LoadAdminToken(config->data_dir);
  if (!admin.ok()) return Fail(admin.status());

  auto engine = OpenStore(*config);
  if (!engine.ok()) return Fail(engine.status());
  // With PostgreSQL, other nodes write too: a node-local document cache could serve a
  // read older than a write another node has acknowledged, so there is none.
  const bool shared_store = !config->database_url.empty();
  const std::string node_id = RandomHexToken(8);  // names this node to the others

  auto indexes = query::ParseIndexConfig(config->indexes_text);
  if (!indexes.ok()) {
    return Fail(InvalidArgument(config->indexes_path + ": " + indexes.status().message()));
  }
  auto opened = db::Database::Open(
      std::move(engine).value(),
      db::DatabaseOptions{.read_threads = config->read_threads,
                          .cache_bytes = shared_store ? 0 : db::DatabaseOptions().cache_bytes,
                          .indexes = std::make_shared<query::IndexConfig>(std::move(*indexes)),
                          .index_config_text = config->indexes_text,
                          .transaction_lifetime_micros = config->transaction_lifetime_micros});
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<db::Database> database = std::move(opened).value();
  auto auth_service = auth::AuthService::Create(database->engine(), config->auth,
                                                config->data_dir + "/keys", shared_store);
  if (!auth_service.ok()) return Fail(auth_service.status());
  http::Metrics metrics;
  api::ApiHandler handler(*database, **auth_service, metrics,
                          api::ApiOptions{.admin_token = admin->token, .rules = &rules});
  RulesWatcher watcher(config->rules_path, rules);

  // Real-time listeners (GET /v1/listen): the same credentials as the HTTP API, and the
  // rules decide each target from the target alone (api::CheckListen).
  auto listeners = std::make_unique<realtime::ListenerEngine>(*database);
  realtime::ListenOptions listen_options;
  auth::AuthService& auth_ref = **auth_service;
  const std::string admin_token = admin->token;
  listen_options.authenticate =
      [&auth_ref,
       admin_token](std::string_view token) -> Result<std::shared_ptr<const realtime::Principal>> {
    if (ConstantTimeEquals(token, admin_token)) {
      return std::make_shared<const realtime::Principal>(realtime::Principal{"", true, {}, {}});
    }
    ASSIGN_OR_RETURN(auto user, auth_ref.VerifyIdToken(token));
    std::string uid = user->uid;
    return std::make_shared<const realtime::Principal>(
        realtime::Principal{std::move(uid), false, std::move(user), std::string(token)});
  };
  listen_options.authorize = [&rules](const realtime::Principal* caller,
                                      const realtime::TargetSpec& target) -> Status {
    if (caller != nullptr && caller->admin) return Status::Ok();
    auto user = caller != nullptr
                    ? std::static_pointer_cast<const auth::AuthContext>(caller->context)
                    : nullptr;
    auto access = api::Access::EndUser(rules.Get(), user.get());
    std::optional<std::string> document;
    if (target.document) document = target.document->ToString();
    return api::CheckListen(*access, document, target.query ? &*target.query : nullptr);
  };
  listen_options.rules_generation = [&rules] { return rules.generation(); };
  auto listen_stream_handler =
      std::make_unique<realtime::ListenEventStreamHandler>(*listeners, listen_options);
  auto listen_handler =
      std::make_unique<realtime::ListenHandler>(*listeners, std::move(listen_options));

  // Static hosting of public/ and HTTP functions (api/*.js in a pool of Node.js workers).
  auto hosting_config = hosting::ParseHostingConfig(config->hosting_json, config->project_dir);
  if (!hosting_config.ok()) return Fail(hosting_config.status());
  std::string public_dir = hosting_config->public_dir;
  hosting::StaticSite site(std::move(hosting_config).value());
  functions::Router function_routes(config->project_dir + "/api");
  std::string runtime_dir = config->data_dir + "/runtime";
  if (Status s = functions::WriteRuntime(runtime_dir); !s.ok()) return Fail(s);
  functions::PoolOptions pool_options;
  pool_options.node = config->functions.node;
  pool_options.runtime_dir = runtime_dir;
  pool_options.working_dir = config->project_dir;
  pool_options.env = FunctionEnvironment(config->dotenv);
  for (const auto& [name, value] : config->dotenv) pool_options.redact.push_back(value);
  pool_options.redact.push_back(admin->token);
  pool_options.workers = config->functions.workers;
  pool_options.timeout = std::chrono::milliseconds(config->functions.timeout_ms);
  pool_options.memory_mb = config->functions.memory_mb;
  pool_options.max_queue = static_cast<size_t>(config->functions.max_queue);
  auto function_pool = std::make_unique<functions::Pool>(pool_options);
  auto triggers = std::make_unique<functions::TriggerDispatcher>(
      database->engine(), *function_pool,
      functions::TriggerOptions{
          .triggers_dir = config->project_dir + "/triggers",
          .max_attempts = config->functions.trigger_attempts,
          .backoff = std::chrono::milliseconds(config->functions.trigger_backoff_ms),
          .node_id = node_id});
  auto cluster = std::make_unique<ClusterRegistry>(
      database->engine(),
      ClusterOptions{.node_id = node_id, .shared = shared_store, .fingerprint = [&config] {
                       return FingerprintProject(config->project_dir, config->rules_path,
                                                 config->indexes_path);
                     }});
  FrontHandler front(handler, FrontOptions{.site = &site,
                                           .router = &function_routes,
                                           .pool = function_pool.get(),
                                           .triggers = triggers.get(),
                                           .cluster = cluster.get(),
                                           .sdk_js = SdkFiles().front().content});

  auto server = std::make_unique<http::Server>(config->server, front, metrics);
  server->SetWebSocketHandler("/v1/listen", *listen_handler);
  server->SetEventStreamHandler("/v1/listen/sse", *listen_stream_handler);
  if (Status s = server->Start(); !s.ok()) return Fail(s);

  std::string host = config->server.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string url_host = host == "0.0.0.0" || host == "[::]" ? "localhost" : host;
  (*auth_service)->SetListeningUrl("http://" + url_host + ":" + std::to_string(server->port()));
  {
    // hearth/admin in functions reaches this server over loopback with the admin token.
    std::string loopback = host == "[::]" || host.starts_with("[") ? "[::1]" : "127.0.0.1";
    std::string admin_json = R"({"url":)";
    model::AppendJsonString(admin_json,
                            "http://" + loopback + ":" + std::to_string(server->port()));
    admin_json += R"(,"token":)";
    model::AppendJsonString(admin_json, admin->token);
    admin_json += '}';
    function_pool->SetAdminJson(std::move(admin_json));
  }
  cluster->Start("http://" + url_host + ":" + std::to_string(server->port()));
  spdlog::info("Hearth {} listening on http://{}:{}", HEARTH_VERSION, host, server->port());
  if (shared_store) spdlog::info("cluster: this is node {}", node_id);
  spdlog::info("project: {}", config->project_dir);
  spdlog::info("data: {} (storage: {})", config->data_dir, DescribeStore(*config));
  spdlog::info("admin token: {}", admin->source);
  spdlog::info("hosting: {}", public_dir);
  if (*ruleset != nullptr) {
    spdlog::info("rules: {}", config->rules_path);
  } else {
    spdlog::warn("rules: {} does not exist: every end-user document request is denied",
                 config->rules_path);
  }
  FlushLog();  // whoever started us waits for the URL

  server->Run(/*handle_signals=*/true);
  server.reset();   // closes the listeners' connections before their engine goes
  cluster.reset();  // leaves the cluster's table while the store still takes writes
  triggers.reset();
  function_pool.reset();
  listen_handler.reset();
  listen_stream_handler.reset();
  listeners.reset();
  spdlog::info("closing the store");
  auth_service->reset();  // finishes sign-ins in flight while the store still takes writes
  database.reset();       // finishes queued writes, checkpoints and closes SQLite
  spdlog::info("stopped cleanly");
  ShutdownLogging();
  return 0;
}

}  // namespace hearth::app
