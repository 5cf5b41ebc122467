// firebase.json's "hosting" section, parsed and checked: which folder is served and the
// rules (redirects, rewrites, headers, clean URLs, trailing slashes, ignored files) that
// decide how a request maps onto it. docs/hosting.md describes each key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "hosting/pattern.h"

namespace hearth::hosting {

struct RedirectRule {
  Pattern source;           // matched against the decoded request path
  std::string destination;  // a path or URL; may use the source's captures (:name)
  int type = 301;           // 301 or 302
};

struct RewriteRule {
  Pattern source;
  // Exactly one of the two is set.
  std::string destination;  // a file of the public folder ("/index.html")
  std::string function;     // a function's name: the request is for it to answer
};

struct HeaderRule {
  Pattern source;
  std::vector<std::pair<std::string, std::string>> headers;  // added to matching responses
};

struct HostingConfig {
  std::string public_dir;  // absolute
  bool clean_urls = false;
  std::optional<bool> trailing_slash;  // unset: slashes only for folders' index.html
  std::vector<RedirectRule> redirects;
  std::vector<RewriteRule> rewrites;
  std::vector<HeaderRule> headers;
  // Globs over paths relative to the public folder ("**/firebase.json", "**/.*"):
  // matching files and folders are not part of the site.
  std::vector<Pattern> ignore;
};

// The default configuration: `project_dir`/public, Firebase's default ignore list.
// REQUIRES: `project_dir` is absolute.
HostingConfig DefaultHostingConfig(const std::string& project_dir);

// Parses the JSON text of firebase.json's "hosting" value (an object); empty text means the
// key is absent (the defaults). Errors are invalid-argument naming the key, e.g.
// "firebase.json: hosting.redirects[2].type must be 301 or 302".
// REQUIRES: `project_dir` is absolute.
Result<HostingConfig> ParseHostingConfig(std::string_view hosting_json,
                                         const std::string& project_dir);

// The same from the whole text of firebase.json: nullopt when it has no "hosting" key.
Result<std::optional<HostingConfig>> ParseFirebaseJsonHosting(std::string_view firebase_json,
                                                              const std::string& project_dir);

}  // namespace hearth::hosting
