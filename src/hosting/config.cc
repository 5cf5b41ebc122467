#include "hosting/config.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>

namespace hearth::hosting {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::element_type;

Status KeyError(std::string_view key, std::string_view problem) {
  return InvalidArgument("firebase.json: " + std::string(key) + " " + std::string(problem));
}

std::string Index(std::string_view key, size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

Result<std::string> String(element e, std::string_view key) {
  if (e.type() != element_type::STRING || std::string_view(e).empty()) {
    return KeyError(key, "must be a non-empty string");
  }
  return std::string(std::string_view(e));
}

Result<bool> Bool(element e, std::string_view key) {
  if (e.type() != element_type::BOOL) return KeyError(key, "must be true or false");
  return bool(e);
}

Result<simdjson::dom::array> Array(element e, std::string_view key) {
  if (e.type() != element_type::ARRAY) return KeyError(key, "must be an array");
  return simdjson::dom::array(e);
}

// The "source" glob (given a leading '/' when it has none, as Firebase does) or the
// "regex" of a rule object; exactly one must be present.
Result<Pattern> RuleSource(simdjson::dom::object rule, std::string_view key) {
  element source, regex;
  const bool has_source = rule["source"].get(source) == simdjson::SUCCESS;
  const bool has_regex = rule["regex"].get(regex) == simdjson::SUCCESS;
  if (has_source == has_regex) {
    return KeyError(key, has_source ? "has both \"source\" and \"regex\"; use one"
                                    : "needs a \"source\" glob or a \"regex\"");
  }
  const std::string where = std::string(key) + (has_source ? ".source" : ".regex");
  ASSIGN_OR_RETURN(std::string text, String(has_source ? source : regex, where));
  if (has_source && text.front() != '/') text.insert(text.begin(), '/');
  auto pattern = has_source ? Pattern::Glob(text) : Pattern::Regex(text);
  if (!pattern.ok()) return KeyError(where, "is invalid: " + pattern.status().message());
  return std::move(pattern).value();
}

// Refuses keys outside `known` (a typo would otherwise silently do nothing).
Status CheckKeys(simdjson::dom::object object, std::string_view key,
                 std::initializer_list<std::string_view> known) {
  for (auto [name, value] : object) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return KeyError(std::string(key) + "." + std::string(name), "is not supported");
    }
  }
  return Status::Ok();
}

Result<simdjson::dom::object> RuleObject(element e, std::string_view key) {
  if (e.type() != element_type::OBJECT) return KeyError(key, "must be an object");
  return simdjson::dom::object(e);
}

Result<RedirectRule> ParseRedirect(element e, std::string_view key) {
  ASSIGN_OR_RETURN(auto rule, RuleObject(e, key));
  RETURN_IF_ERROR(CheckKeys(rule, key, {"source", "regex", "destination", "type"}));
  ASSIGN_OR_RETURN(Pattern source, RuleSource(rule, key));
  RedirectRule r{std::move(source), "", 301};
  element v;
  if (rule["destination"].get(v) != simdjson::SUCCESS) {
    return KeyError(std::string(key) + ".destination", "is required");
  }
  ASSIGN_OR_RETURN(r.destination, String(v, std::string(key) + ".destination"));
  if (Status s = CheckDestination(r.destination, r.source); !s.ok()) {
    return KeyError(std::string(key) + ".destination", s.message());
  }
  if (rule["type"].get(v) == simdjson::SUCCESS) {
    int64_t type = 0;
    if (v.get(type) != simdjson::SUCCESS || (type != 301 && type != 302)) {
      return KeyError(std::string(key) + ".type", "must be 301 or 302");
    }
    r.type = static_cast<int>(type);
  }
  return r;
}

Result<RewriteRule> ParseRewrite(element e, std::string_view key) {
  ASSIGN_OR_RETURN(auto rule, RuleObject(e, key));
  for (std::string_view other : {"run", "dynamicLinks", "tagId"}) {
    element ignored;
    if (rule[other].get(ignored) == simdjson::SUCCESS) {
      return KeyError(std::string(key) + "." + std::string(other),
                      "is not supported (rewrites go to a file or a function)");
    }
  }
  RETURN_IF_ERROR(CheckKeys(rule, key, {"source", "regex", "destination", "function"}));
  ASSIGN_OR_RETURN(Pattern source, RuleSource(rule, key));
  RewriteRule r{std::move(source), "", ""};
  element destination, function;
  const bool has_destination = rule["destination"].get(destination) == simdjson::SUCCESS;
  const bool has_function = rule["function"].get(function) == simdjson::SUCCESS;
  if (has_destination == has_function) {
    return KeyError(key, "needs exactly one of \"destination\" and \"function\"");
  }
  if (has_destination) {
    const std::string where = std::string(key) + ".destination";
    ASSIGN_OR_RETURN(r.destination, String(destination, where));
    if (r.destination.front() != '/') return KeyError(where, "must be a path starting with '/'");
    return r;
  }
  const std::string where = std::string(key) + ".function";
  if (function.type() == element_type::OBJECT) {
    // {"functionId": "api", "region": "...", "pinTag": true}: one node, so only the name
    // matters.
    RETURN_IF_ERROR(
        CheckKeys(simdjson::dom::object(function), where, {"functionId", "region", "pinTag"}));
    element id;
    if (function["functionId"].get(id) != simdjson::SUCCESS) {
      return KeyError(where + ".functionId", "is required");
    }
    ASSIGN_OR_RETURN(r.function, String(id, where + ".functionId"));
  } else {
    ASSIGN_OR_RETURN(r.function, String(function, where));
  }
  return r;
}

// Header names are HTTP tokens; values may not hold control characters (no CR/LF).
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f ||
        std::string_view("\"(),/:;<=>?@[\\]{}").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsFieldValue(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

Result<HeaderRule> ParseHeaderRule(element e, std::string_view key) {
  ASSIGN_OR_RETURN(auto rule, RuleObject(e, key));
  RETURN_IF_ERROR(CheckKeys(rule, key, {"source", "regex", "headers"}));
  ASSIGN_OR_RETURN(Pattern source, RuleSource(rule, key));
  HeaderRule r{std::move(source), {}};
  const std::string where = std::string(key) + ".headers";
  element list;
  if (rule["headers"].get(list) != simdjson::SUCCESS) return KeyError(where, "is required");
  ASSIGN_OR_RETURN(auto headers, Array(list, where));
  size_t i = 0;
  for (element h : headers) {
    const std::string at = Index(where, i++);
    ASSIGN_OR_RETURN(auto header, RuleObject(h, at));
    RETURN_IF_ERROR(CheckKeys(header, at, {"key", "value"}));
    element name, value;
    if (header["key"].get(name) != simdjson::SUCCESS) return KeyError(at + ".key", "is required");
    if (header["value"].get(value) != simdjson::SUCCESS || value.type() != element_type::STRING) {
      return KeyError(at + ".value", "must be a string");
    }
    ASSIGN_OR_RETURN(std::string header_name, String(name, at + ".key"));
    if (!IsToken(header_name)) return KeyError(at + ".key", "is not a valid header name");
    std::string header_value{std::string_view(value)};
    if (!IsFieldValue(header_value)) {
      return KeyError(at + ".value", "must not contain control characters");
    }
    r.headers.emplace_back(std::move(header_name), std::move(header_value));
  }
  return r;
}

// Parses the array at `key` with `parse` for each element.
template <typename T, typename F>
Result<std::vector<T>> Rules(element e, std::string_view key, F parse) {
  ASSIGN_OR_RETURN(auto array, Array(e, key));
  std::vector<T> rules;
  size_t i = 0;
  for (element item : array) {
    ASSIGN_OR_RETURN(T rule, parse(item, Index(key, i++)));
    rules.push_back(std::move(rule));
  }
  return rules;
}

// As in .gitignore: matched against paths relative to the public folder; a glob without
// a '/' matches a name at any depth ("*.map" hides a/b.js.map), a leading '/' anchors it.
Result<Pattern> IgnoreGlob(std::string glob) {
  if (glob.find('/') == std::string::npos) glob.insert(0, "**/");
  while (glob.starts_with("/")) glob.erase(0, 1);
  return Pattern::Glob(glob);
}

Result<std::vector<Pattern>> IgnoreList(element e) {
  ASSIGN_OR_RETURN(auto array, Array(e, "hosting.ignore"));
  std::vector<Pattern> ignore;
  size_t i = 0;
  for (element item : array) {
    const std::string key = Index("hosting.ignore", i++);
    ASSIGN_OR_RETURN(std::string glob, String(item, key));
    auto pattern = IgnoreGlob(glob);
    if (!pattern.ok()) return KeyError(key, "is invalid: " + pattern.status().message());
    ignore.push_back(std::move(pattern).value());
  }
  return ignore;
}

std::vector<Pattern> DefaultIgnore() {
  std::vector<Pattern> ignore;
  for (std::string_view glob : {"firebase.json", "**/.*", "**/node_modules/**"}) {
    ignore.push_back(std::move(IgnoreGlob(std::string(glob))).value());
  }
  return ignore;
}

std::string PublicDir(const std::string& project_dir, std::string_view public_name) {
  std::string dir = (fs::path(project_dir) / public_name).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

HostingConfig DefaultHostingConfig(const std::string& project_dir) {
  HostingConfig config;
  config.public_dir = PublicDir(project_dir, "public");
  config.ignore = DefaultIgnore();
  return config;
}

Result<HostingConfig> ParseHostingConfig(std::string_view hosting_json,
                                         const std::string& project_dir) {
  HostingConfig config = DefaultHostingConfig(project_dir);
  if (hosting_json.empty()) return config;
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(simdjson::padded_string(hosting_json)).get(root); error) {
    return InvalidArgument(std::string("firebase.json: hosting is not valid JSON: ") +
                           simdjson::error_message(error));
  }
  if (root.type() == element_type::ARRAY) {
    return KeyError("hosting", "must be an object (several sites are not supported)");
  }
  if (root.type() != element_type::OBJECT) return KeyError("hosting", "must be an object");
  for (auto [name, value] : simdjson::dom::object(root)) {
    const std::string key = "hosting." + std::string(name);
    if (name == "public") {
      ASSIGN_OR_RETURN(std::string dir, String(value, key));
      config.public_dir = PublicDir(project_dir, dir);
    } else if (name == "ignore") {
      ASSIGN_OR_RETURN(config.ignore, IgnoreList(value));
    } else if (name == "cleanUrls") {
      ASSIGN_OR_RETURN(config.clean_urls, Bool(value, key));
    } else if (name == "trailingSlash") {
      ASSIGN_OR_RETURN(config.trailing_slash, Bool(value, key));
    } else if (name == "redirects") {
      ASSIGN_OR_RETURN(config.redirects, Rules<RedirectRule>(value, key, ParseRedirect));
    } else if (name == "rewrites") {
      ASSIGN_OR_RETURN(config.rewrites, Rules<RewriteRule>(value, key, ParseRewrite));
    } else if (name == "headers") {
      ASSIGN_OR_RETURN(config.headers, Rules<HeaderRule>(value, key, ParseHeaderRule));
    } else if (name == "site" || name == "target" || name == "predeploy" || name == "postdeploy" ||
               name == "appAssociation") {
      // Deployment settings: meaningless for a local server.
    } else {
      return KeyError(key, "is not supported");
    }
  }
  return config;
}

Result<std::optional<HostingConfig>> ParseFirebaseJsonHosting(std::string_view firebase_json,
                                                              const std::string& project_dir) {
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(simdjson::padded_string(firebase_json)).get(root); error) {
    return InvalidArgument(std::string("firebase.json is not valid JSON: ") +
                           simdjson::error_message(error));
  }
  element hosting;
  if (root.type() != element_type::OBJECT || root["hosting"].get(hosting) != simdjson::SUCCESS) {
    return std::optional<HostingConfig>();
  }
  ASSIGN_OR_RETURN(HostingConfig config,
                   ParseHostingConfig(simdjson::minify(hosting), project_dir));
  return std::optional<HostingConfig>(std::move(config));
}

}  // namespace hearth::hosting
