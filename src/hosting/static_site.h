// Static hosting of a project's public folder with Firebase Hosting's semantics: clean
// URLs, trailing slashes, redirects, rewrites (to a file or to a function), custom headers,
// a custom 404 page; ETags and conditional requests, byte ranges, gzip and brotli from an
// in-memory cache. docs/hosting.md describes the behaviour and its differences from Firebase.
//
// A StaticSite only decides and builds responses; the HTTP server sends them and the
// functions runtime answers the requests it hands over (FunctionRewrite).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "hosting/config.h"
#include "hosting/file_cache.h"
#include "http/message.h"

namespace hearth::hosting {

// The request belongs to a function (a "function" rewrite matched): the caller invokes it
// with the original request and sends its answer.
struct FunctionRewrite {
  std::string function;
};

// Thread-safe: Serve() may be called from several I/O threads at once.
//
// Serve() reads files and, the first time it sees a version of a compressible file,
// compresses it on the calling thread (at most FileCacheOptions::max_file_bytes, 8 MiB by
// default); later requests for that version are answered from memory.
class StaticSite {
 public:
  explicit StaticSite(HostingConfig config, FileCacheOptions cache = {});

  // The answer to `request`, any method: a complete response (the server removes the body
  // of a HEAD answer and keeps its length), or the function that must answer instead.
  // Methods other than GET and HEAD get 405 unless a function rewrite takes them.
  // Response::route is "hosting", "hosting.redirect", "hosting.not_found" or
  // "hosting.method_not_allowed".
  std::variant<http::Response, FunctionRewrite> Serve(const http::Request& request) const;

  const HostingConfig& config() const { return config_; }
  FileCacheStats cache_stats() const { return cache_.stats(); }

 private:
  // A servable file: inside the public folder once symlinks are resolved, not ignored, no
  // dot segment, a regular file.
  struct Found {
    std::string url_path;   // the site path it was found under ("/app.js")
    std::string real_path;  // absolute, symlinks resolved
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  struct Redirect {
    int status;
    std::string location;
  };
  struct ServeFile {
    Found file;
    int status;  // 200, or 404 for the custom 404 page
  };
  struct Function {
    std::string name;
  };
  struct NotFound {};
  using Decision = std::variant<Redirect, ServeFile, Function, NotFound>;

  // Firebase's order: reserved paths, redirects, exact static content (with clean URLs and
  // trailing slashes), rewrites, 404.
  Decision Decide(const std::string& path, std::string_view query) const;
  std::optional<Decision> StaticContent(const std::string& path, std::string_view query) const;
  Decision Rewrite(const RewriteRule& rule) const;
  std::optional<Found> Find(std::string_view url_path) const;
  bool Ignored(std::string_view relative) const;

  http::Response Render(const http::Request& request, const Decision& decision) const;
  http::Response RenderFile(const http::Request& request, const Found& file, int status) const;
  http::Response RenderNotFound(const http::Request& request) const;
  void ApplyHeaders(std::string_view path, http::Response& response) const;

  const HostingConfig config_;
  std::string root_;  // public_dir with symlinks resolved; "" if it did not exist at start
  mutable FileCache cache_;
};

}  // namespace hearth::hosting
