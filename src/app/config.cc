#include "app/config.h"

#include <simdjson.h>

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

Status ApplyFile(const std::string& text, Config& config) {
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
    } else if (key == "logRequests") {
      if (value.type() != element_type::BOOL) return KeyError(key, "true or false");
      config.server.log_requests = bool(value);
    } else {
      return InvalidArgument("hearth.json: unknown key '" + std::string(key) +
                             "' (known: host, port, dataDir, threads, cors, limits, logRequests)");
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

// The indexes file named by firebase.json ("firestore": {"indexes": ...}).
Result<fs::path> IndexesPath(const fs::path& project) {
  fs::path file = project / "firestore.indexes.json";
  ASSIGN_OR_RETURN(auto firebase, ReadFile(project / "firebase.json"));
  if (!firebase) return file;
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(*firebase).get(root); error) {
    return InvalidArgument(std::string("firebase.json is not valid JSON: ") +
                           simdjson::error_message(error));
  }
  std::string_view name;
  if (root["firestore"]["indexes"].get(name) == simdjson::SUCCESS) file = project / name;
  return file;
}

}  // namespace

Result<Config> LoadConfig(const ServeFlags& flags) {
  std::error_code ec;
  fs::path project = fs::absolute(flags.project_dir, ec);
  if (ec || !fs::is_directory(project, ec)) {
    return InvalidArgument("project folder '" + flags.project_dir + "' does not exist");
  }
  Config config;
  config.project_dir = project.lexically_normal().string();
  fs::path file = project / "hearth.json";
  if (fs::exists(file, ec)) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return InvalidArgument("cannot read " + file.string());
    RETURN_IF_ERROR(ApplyFile(text.str(), config));
  }
  if (flags.host) config.server.host = *flags.host;
  if (flags.port) {
    if (*flags.port < 0 || *flags.port > 65535) return InvalidArgument("--port must be 0..65535");
    config.server.port = static_cast<uint16_t>(*flags.port);
  }
  if (flags.threads) config.server.threads = *flags.threads;
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (config.data_dir.empty()) config.data_dir = ".hearth";
  fs::path data(config.data_dir);
  // A relative data dir in hearth.json is relative to the project; on the command line,
  // to where the command runs.
  if (data.is_relative()) data = (flags.data_dir ? fs::absolute(data) : project / data);
  config.data_dir = data.lexically_normal().string();
  ASSIGN_OR_RETURN(fs::path indexes, IndexesPath(project));
  config.indexes_path = indexes.lexically_normal().string();
  ASSIGN_OR_RETURN(auto indexes_text, ReadFile(indexes));
  if (indexes_text) config.indexes_text = std::move(*indexes_text);
  return config;
}

}  // namespace hearth::app
