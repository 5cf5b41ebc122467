#include "hosting/static_site.h"

#include <sys/stat.h>

#include <cstdlib>

#include "base/strings.h"
#include "hosting/mime.h"
#include "hosting/negotiation.h"
#include "hosting/request_path.h"

namespace hearth::hosting {
namespace {

using detail::Encoding;
using detail::RangeRequest;

// realpath(3) as a string; "" when the path does not exist.
std::string RealPath(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return "";
  std::string out(resolved);
  std::free(resolved);
  return out;
}

// Errors carry the API's error body, {"error": {"code", "message"}}, like every other
// answer of the server (a custom 404.html replaces it for pages).
http::Response ErrorResponse(int status, std::string_view text, std::string route) {
  Code code = status == 404   ? Code::kNotFound
              : status == 405 ? Code::kInvalidArgument
                              : Code::kInternal;
  http::Response r = http::Response::Error(status, code, text);
  r.route = std::move(route);
  return r;
}

void SetHeader(http::Response& r, std::string_view name, std::string value) {
  if (EqualsIgnoreCase(name, "Content-Type")) {
    r.content_type = std::move(value);
    return;
  }
  for (auto& [key, existing] : r.headers) {
    if (EqualsIgnoreCase(key, name)) {
      existing = std::move(value);
      return;
    }
  }
  r.headers.emplace_back(std::string(name), std::move(value));
}

std::string WithQuery(std::string location, std::string_view query) {
  if (query.empty()) return location;
  location += location.find('?') == std::string::npos ? '?' : '&';
  location += query;
  return location;
}

std::string_view WithoutSuffix(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

int64_t Seconds(int64_t ns) { return ns >= 0 ? ns / 1'000'000'000 : (ns + 1) / 1'000'000'000 - 1; }

// If-Range: the range applies only while the client's copy is current (a strong ETag
// match, or exactly the Last-Modified date).
bool IfRangeHolds(std::string_view if_range, const std::string& etag, int64_t mtime) {
  if (if_range.empty()) return true;
  if (if_range.starts_with("\"")) return if_range == etag;
  if (if_range.starts_with("W/")) return false;
  auto date = detail::ParseHttpDate(if_range);
  return date && *date == mtime;
}

// How to answer a GET of a file, from the request's Accept-Encoding, Range, If-Range,
// If-None-Match and If-Modified-Since.
struct Plan {
  int status = 200;  // 200, 206, 304 or 416
  Encoding encoding = Encoding::kIdentity;
  uint64_t first = 0;
  uint64_t length = 0;
  std::string etag;  // of the representation chosen
};

Plan PlanFileResponse(const http::Request& request, const CachedFile& file, int64_t mtime) {
  Plan plan;
  plan.encoding = detail::ChooseEncoding(request.Header("Accept-Encoding"), file.brotli.has_value(),
                                         file.gzip.has_value());
  const std::string identity_etag = "\"" + file.hash + "\"";
  RangeRequest range;
  if (std::string_view header = request.Header("Range"); !header.empty()) {
    if (IfRangeHolds(request.Header("If-Range"), identity_etag, mtime)) {
      range = detail::ParseRange(header, file.size);
    }
  }
  // Ranges count bytes of the identity encoding only.
  if (range.kind != RangeRequest::Kind::kNone) plan.encoding = Encoding::kIdentity;
  plan.etag = identity_etag;
  if (plan.encoding != Encoding::kIdentity) {
    plan.etag.insert(plan.etag.size() - 1, plan.encoding == Encoding::kBrotli ? "-br" : "-gz");
  }
  // If-None-Match, when present, decides alone (RFC 9110 §13.2.2).
  bool not_modified = false;
  if (std::string_view inm = request.Header("If-None-Match"); !inm.empty()) {
    not_modified = detail::EtagListMatches(inm, plan.etag);
  } else if (std::string_view ims = request.Header("If-Modified-Since"); !ims.empty()) {
    auto since = detail::ParseHttpDate(ims);
    not_modified = since && mtime <= *since;
  }
  if (not_modified) {
    plan.status = 304;
  } else if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    plan.status = 416;
  } else if (range.kind == RangeRequest::Kind::kSatisfiable) {
    plan.status = 206;
    plan.first = range.first;
    plan.length = range.last - range.first + 1;
  } else {
    plan.length = file.size;
  }
  return plan;
}

// `r` with the bytes [first, first + length) of `file` in `encoding` (compressed variants
// are always whole) as its body.
http::Response WithBody(http::Response r, const CachedFile& file, Encoding encoding, uint64_t first,
                        uint64_t length, bool head) {
  if (encoding == Encoding::kBrotli) {
    r.body = *file.brotli;
  } else if (encoding == Encoding::kGzip) {
    r.body = *file.gzip;
  } else if (file.in_memory) {
    r.body = file.identity.substr(first, length);
  } else if (head) {
    // The server sends only the length of a HEAD answer: do not read a large file for it.
    r.body.assign(length, '\0');
  } else {
    auto bytes = detail::ReadFileRange(file.path, file.size, file.mtime_ns, first, length);
    if (!bytes.ok()) return ErrorResponse(500, "Internal Server Error", "hosting");
    r.body = std::move(bytes).value();
  }
  if (encoding != Encoding::kIdentity) {
    r.headers.emplace_back("Content-Encoding", encoding == Encoding::kBrotli ? "br" : "gzip");
  }
  return r;
}

}  // namespace

StaticSite::StaticSite(HostingConfig config, FileCacheOptions cache)
    : config_(std::move(config)), root_(RealPath(config_.public_dir)), cache_(cache) {}

std::variant<http::Response, FunctionRewrite> StaticSite::Serve(
    const http::Request& request) const {
  // Anything that could leave the public folder or name a dotfile is answered 404 before
  // any rule sees it, so that no redirect, rewrite or function can be aimed at it.
  std::optional<std::string> path = detail::NormalizeRequestPath(request.path);
  Decision decision = path ? Decide(*path, request.query) : Decision(NotFound{});
  if (auto* function = std::get_if<Function>(&decision)) {
    return FunctionRewrite{std::move(function->name)};
  }
  http::Response response;
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    response =
        ErrorResponse(405, "static files are read with GET or HEAD", "hosting.method_not_allowed");
    response.headers.emplace_back("Allow", "GET, HEAD");
  } else {
    response = Render(request, decision);
  }
  if (path) ApplyHeaders(*path, response);
  return response;
}

StaticSite::Decision StaticSite::Decide(const std::string& path, std::string_view query) const {
  if (path == "/__" || path.starts_with("/__/")) return NotFound{};  // reserved for the server
  for (const RedirectRule& rule : config_.redirects) {
    if (auto captures = rule.source.Match(path)) {
      return Redirect{rule.type, WithQuery(SubstituteCaptures(rule.destination, *captures), query)};
    }
  }
  if (auto decision = StaticContent(path, query)) return std::move(*decision);
  for (const RewriteRule& rule : config_.rewrites) {
    if (rule.source.Matches(path)) return Rewrite(rule);
  }
  return NotFound{};
}

// Follows Firebase's emulator (superstatic) case by case, so that a site behaves the same
// here and once deployed.
std::optional<StaticSite::Decision> StaticSite::StaticContent(const std::string& path,
                                                              std::string_view query) const {
  const bool clean = config_.clean_urls;
  const std::optional<bool> trailing = config_.trailing_slash;
  const bool slash = path.ends_with('/');
  auto redirect = [&](std::string_view to) -> Decision {
    return Redirect{301, WithQuery(to.empty() ? "/" : detail::EncodePath(to), query)};
  };
  auto without_slash = [&] { return std::string(WithoutSuffix(path, "/")); };

  // The exact file always wins, though clean URLs drop its ".html" (and "/index").
  if (auto file = Find(path)) {
    if (!clean || !path.ends_with(".html")) return ServeFile{std::move(*file), 200};
    std::string to(WithoutSuffix(WithoutSuffix(path, ".html"), "/index"));
    if (trailing == true) to += "/";
    return redirect(to);
  }
  // A folder with an index.html.
  if (auto index = Find((slash ? path : path + "/") + "index.html")) {
    if (!trailing.has_value() && !slash && !clean) return redirect(path + "/");
    if (trailing == false && slash && path != "/") return redirect(without_slash());
    if (trailing == true && !slash) return redirect(path + "/");
    return ServeFile{std::move(*index), 200};
  }
  if (!clean) return std::nullopt;
  // "/about" (or "/about/" when trailingSlash is set) served from about.html.
  std::string html;
  if (!slash) {
    html = path + ".html";
  } else if (trailing.has_value() && path != "/") {
    html = without_slash() + ".html";
  }
  if (html.empty()) return std::nullopt;
  auto file = Find(html);
  if (!file) return std::nullopt;
  if (trailing == false && slash) return redirect(without_slash());
  if (trailing == true && !slash) {
    return redirect(std::string(WithoutSuffix(WithoutSuffix(html, ".html"), "/index")) + "/");
  }
  if (html.ends_with("/index.html")) return redirect(WithoutSuffix(html, "/index.html"));
  return ServeFile{std::move(*file), 200};
}

StaticSite::Decision StaticSite::Rewrite(const RewriteRule& rule) const {
  if (!rule.function.empty()) return Function{rule.function};
  std::string destination = rule.destination;
  if (destination.ends_with('/')) destination += "index.html";
  // Find() refuses dotfiles and ignored files here too: a rewrite cannot expose them.
  if (auto file = Find(destination)) return ServeFile{std::move(*file), 200};
  return NotFound{};
}

std::optional<StaticSite::Found> StaticSite::Find(std::string_view url_path) const {
  if (url_path.size() < 2 || url_path.front() != '/' || url_path.back() == '/' ||
      detail::HasDotSegment(url_path) || Ignored(url_path.substr(1))) {
    return std::nullopt;
  }
  const std::string root = root_.empty() ? RealPath(config_.public_dir) : root_;
  if (root.empty()) return std::nullopt;
  const std::string resolved = RealPath(config_.public_dir + std::string(url_path));
  // Symlinks may point anywhere: what counts is where the file really is.
  const std::string prefix = root == "/" ? root : root + "/";
  if (!resolved.starts_with(prefix)) return std::nullopt;
  std::string_view relative = std::string_view(resolved).substr(prefix.size());
  if (relative != url_path.substr(1) && (detail::HasDotSegment(relative) || Ignored(relative))) {
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(resolved.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return Found{std::string(url_path), resolved, static_cast<uint64_t>(st.st_size),
               static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// Like firebase deploy: a path is ignored when a glob matches it or one of its folders.
bool StaticSite::Ignored(std::string_view relative) const {
  for (const Pattern& glob : config_.ignore) {
    for (size_t end = relative.find('/');; end = relative.find('/', end + 1)) {
      if (glob.Matches(relative.substr(0, end))) return true;
      if (end == std::string_view::npos) break;
    }
  }
  return false;
}

http::Response StaticSite::Render(const http::Request& request, const Decision& decision) const {
  if (const auto* redirect = std::get_if<Redirect>(&decision)) {
    http::Response r;
    r.status = redirect->status;
    r.content_type.clear();
    r.headers.emplace_back("Location", redirect->location);
    r.route = "hosting.redirect";
    return r;
  }
  if (const auto* serve = std::get_if<ServeFile>(&decision)) {
    return RenderFile(request, serve->file, serve->status);
  }
  return RenderNotFound(request);
}

http::Response StaticSite::RenderNotFound(const http::Request& request) const {
  if (auto page = Find("/404.html")) {
    http::Response r = RenderFile(request, *page, 404);
    ApplyHeaders("/404.html", r);
    return r;
  }
  return ErrorResponse(404, "nothing is served at this path", "hosting.not_found");
}

http::Response StaticSite::RenderFile(const http::Request& request, const Found& found,
                                      int status) const {
  const std::string_view mime = MimeType(found.url_path);
  auto cached = cache_.Get(found.real_path, found.size, found.mtime_ns, IsCompressible(mime));
  if (!cached.ok()) {
    // Gone between the lookup and the read: as if it had never been there.
    if (cached.status().code() == Code::kNotFound) {
      return ErrorResponse(404, "nothing is served at this path", "hosting.not_found");
    }
    return ErrorResponse(500, "the file could not be read", "hosting");
  }
  const CachedFile& file = **cached;
  const bool head = request.method == http::Method::kHead;
  http::Response r;
  r.status = status;
  r.route = status == 404 ? "hosting.not_found" : "hosting";
  r.content_type = std::string(mime);
  // Revalidate on every use: a cheap 304 while the file is unchanged, and an edit shows up
  // at the next reload.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (file.gzip || file.brotli) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (status != 200) {  // the custom 404 page: never a 304 or a range of it
    Encoding encoding = detail::ChooseEncoding(request.Header("Accept-Encoding"),
                                               file.brotli.has_value(), file.gzip.has_value());
    return WithBody(std::move(r), file, encoding, 0, file.size, head);
  }
  const int64_t mtime = Seconds(file.mtime_ns);
  const Plan plan = PlanFileResponse(request, file, mtime);
  r.status = plan.status;
  r.headers.emplace_back("ETag", plan.etag);
  r.headers.emplace_back("Last-Modified", detail::FormatHttpDate(mtime));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  if (plan.status == 304 || plan.status == 416) {
    r.content_type.clear();
    if (plan.status == 416) {
      r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(file.size));
    }
    return r;
  }
  if (plan.status == 206) {
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(plan.first) + "-" +
                                                std::to_string(plan.first + plan.length - 1) + "/" +
                                                std::to_string(file.size));
  }
  return WithBody(std::move(r), file, plan.encoding, plan.first, plan.length, head);
}

void StaticSite::ApplyHeaders(std::string_view path, http::Response& response) const {
  for (const HeaderRule& rule : config_.headers) {
    if (!rule.source.Matches(path)) continue;
    for (const auto& [name, value] : rule.headers) SetHeader(response, name, value);
  }
}

}  // namespace hearth::hosting
