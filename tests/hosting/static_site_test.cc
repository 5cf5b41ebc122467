#include "hosting/static_site.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hosting/negotiation.h"
#include "hosting_test_util.h"

namespace hearth::hosting {
namespace {

using testing::Get;
using testing::Gunzip;
using testing::Header;
using testing::TestRequest;
using testing::Unbrotli;
using testing::WriteFile;

namespace fs = std::filesystem;

// Text that compresses well and is big enough for it to matter.
std::string CompressibleText() {
  std::string text;
  for (int i = 0; i < 400; ++i)
    text += "function f" + std::to_string(i % 7) + "() { return 42; }\n";
  return text;
}

std::string RandomBytes(size_t n) {
  std::mt19937 gen(7);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

class StaticSiteTest : public ::testing::Test {
 protected:
  std::string project() const { return dir_.path() + "/project"; }
  std::string pub(std::string_view rel) const { return project() + "/public/" + std::string(rel); }
  void Write(std::string_view rel, std::string_view content) { WriteFile(pub(rel), content); }

  // A site over the project with `hosting` as firebase.json's "hosting" value.
  std::unique_ptr<StaticSite> Site(std::string_view hosting = "", FileCacheOptions cache = {}) {
    auto config = ParseHostingConfig(hosting, project());
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    if (!config.ok()) return nullptr;
    return std::make_unique<StaticSite>(std::move(config).value(), cache);
  }

  testing::TempDir dir_;
};

TEST_F(StaticSiteTest, ServesFilesWithTheirContentType) {
  Write("index.html", "<h1>home</h1>");
  Write("app.js", "console.log(1)");
  Write("css/style.css", "body{}");
  Write("data.json", "{}");
  Write("logo.png", std::string("\x89PNG\r\n\x1a\n", 8));
  Write("blob.bin", "raw");
  auto site = Site();
  struct Case {
    std::string path, type, body;
  };
  for (const Case& c : std::vector<Case>{
           {"/", "text/html; charset=utf-8", "<h1>home</h1>"},
           {"/index.html", "text/html; charset=utf-8", "<h1>home</h1>"},
           {"/app.js", "text/javascript; charset=utf-8", "console.log(1)"},
           {"/css/style.css", "text/css; charset=utf-8", "body{}"},
           {"/data.json", "application/json; charset=utf-8", "{}"},
           {"/logo.png", "image/png", std::string("\x89PNG\r\n\x1a\n", 8)},
           {"/blob.bin", "application/octet-stream", "raw"},
       }) {
    http::Response r = Get(*site, c.path);
    EXPECT_EQ(r.status, 200) << c.path;
    EXPECT_EQ(r.content_type, c.type) << c.path;
    EXPECT_EQ(r.body, c.body) << c.path;
    EXPECT_EQ(r.route, "hosting");
    EXPECT_EQ(Header(r, "Accept-Ranges"), "bytes");
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(StaticSiteTest, EtagAndLastModifiedAnswer304) {
  Write("a.txt", "version one");
  Write("b.txt", "version two");
  auto site = Site();
  http::Response first = Get(*site, "/a.txt");
  auto etag = Header(first, "ETag");
  auto last_modified = Header(first, "Last-Modified");
  ASSERT_TRUE(etag.has_value());
  ASSERT_TRUE(last_modified.has_value());
  EXPECT_EQ(etag->front(), '"');
  EXPECT_EQ(etag->back(), '"');
  EXPECT_EQ(Header(Get(*site, "/a.txt"), "ETag"), etag) << "stable across requests";
  EXPECT_NE(Header(Get(*site, "/b.txt"), "ETag"), etag) << "differs with the content";
  EXPECT_TRUE(detail::ParseHttpDate(*last_modified).has_value()) << *last_modified;

  http::Response not_modified = Get(*site, "/a.txt", {{"If-None-Match", *etag}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(Header(not_modified, "ETag"), etag);
  EXPECT_EQ(Get(*site, "/a.txt", {{"If-None-Match", "W/" + *etag}}).status, 304);
  EXPECT_EQ(Get(*site, "/a.txt", {{"If-None-Match", "\"x\", " + *etag}}).status, 304);
  EXPECT_EQ(Get(*site, "/a.txt", {{"If-None-Match", "\"other\""}}).status, 200);

  EXPECT_EQ(Get(*site, "/a.txt", {{"If-Modified-Since", *last_modified}}).status, 304);
  EXPECT_EQ(Get(*site, "/a.txt", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status,
            200);
  EXPECT_EQ(Get(*site, "/a.txt", {{"If-Modified-Since", "not a date"}}).status, 200);
  // If-None-Match decides alone when present.
  EXPECT_EQ(
      Get(*site, "/a.txt", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", *last_modified}})
          .status,
      200);
}

TEST_F(StaticSiteTest, GzipAndBrotliRoundTrip) {
  const std::string text = CompressibleText();
  Write("app.js", text);
  auto site = Site();

  http::Response br = Get(*site, "/app.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(br.status, 200);
  EXPECT_EQ(Header(br, "Content-Encoding"), "br");
  EXPECT_EQ(Header(br, "Vary"), "Accept-Encoding");
  EXPECT_LT(br.body.size(), text.size() / 2);
  EXPECT_EQ(Unbrotli(br.body), text);

  http::Response gz = Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(Gunzip(gz.body), text);

  http::Response identity = Get(*site, "/app.js");
  EXPECT_EQ(Header(identity, "Content-Encoding"), std::nullopt);
  EXPECT_EQ(Header(identity, "Vary"), "Accept-Encoding");
  EXPECT_EQ(identity.body, text);

  EXPECT_EQ(
      Header(Get(*site, "/app.js", {{"Accept-Encoding", "br;q=0, gzip"}}), "Content-Encoding"),
      "gzip");

  // One ETag per encoding, each validating only its own representation.
  auto etag_br = *Header(br, "ETag");
  auto etag_gz = *Header(gz, "ETag");
  auto etag_id = *Header(identity, "ETag");
  EXPECT_TRUE(etag_br.ends_with("-br\""));
  EXPECT_TRUE(etag_gz.ends_with("-gz\""));
  EXPECT_NE(etag_br, etag_id);
  EXPECT_EQ(Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag_gz}}).status,
            304);
  EXPECT_EQ(Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag_id}}).status,
            200);
}

TEST_F(StaticSiteTest, SkipsCompressionThatSavesLittle) {
  Write("noise.txt", RandomBytes(4096));
  Write("image.png", CompressibleText());  // compressible bytes, but PNGs are never compressed
  auto site = Site();
  for (const char* path : {"/noise.txt", "/image.png"}) {
    http::Response r = Get(*site, path, {{"Accept-Encoding", "br, gzip"}});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(Header(r, "Content-Encoding"), std::nullopt) << path;
    EXPECT_EQ(Header(r, "Vary"), std::nullopt) << path;
  }
  EXPECT_EQ(site->cache_stats().compressions, 2u) << "only noise.txt was tried";
}

TEST_F(StaticSiteTest, CompressesOncePerVersion) {
  const std::string text = CompressibleText();
  Write("app.js", text);
  auto site = Site();
  for (int i = 0; i < 5; ++i) {
    for (const char* accept : {"br", "gzip", ""}) {
      EXPECT_EQ(Get(*site, "/app.js", {{"Accept-Encoding", accept}}).status, 200);
    }
  }
  FileCacheStats stats = site->cache_stats();
  EXPECT_EQ(stats.compressions, 2u);  // one gzip, one brotli
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.hits, 14u);
  EXPECT_EQ(stats.entries, 1u);

  // A new version is read and compressed again, once.
  Write("app.js", text + "// v2\n");
  http::Response r = Get(*site, "/app.js", {{"Accept-Encoding", "br"}});
  EXPECT_EQ(Unbrotli(r.body), text + "// v2\n");
  Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(site->cache_stats().compressions, 4u);
  EXPECT_EQ(site->cache_stats().entries, 1u) << "the old version is replaced";
}

TEST_F(StaticSiteTest, NoticesChangedFiles) {
  Write("page.html", "old");
  auto site = Site();
  http::Response before = Get(*site, "/page.html");
  EXPECT_EQ(before.body, "old");
  // Same size, only the modification time differs.
  Write("page.html", "new");
  fs::last_write_time(pub("page.html"),
                      fs::last_write_time(pub("page.html")) + std::chrono::seconds(5));
  http::Response after = Get(*site, "/page.html");
  EXPECT_EQ(after.body, "new");
  EXPECT_NE(Header(after, "ETag"), Header(before, "ETag"));
  EXPECT_NE(Header(after, "Last-Modified"), Header(before, "Last-Modified"));
  EXPECT_EQ(Get(*site, "/page.html", {{"If-None-Match", *Header(before, "ETag")}}).status, 200);
  // Deleted: gone at once.
  fs::remove(pub("page.html"));
  EXPECT_EQ(Get(*site, "/page.html").status, 404);
  // Created after the site started.
  Write("late.txt", "here now");
  EXPECT_EQ(Get(*site, "/late.txt").body, "here now");
}

TEST_F(StaticSiteTest, CacheStaysWithinItsBudget) {
  for (int i = 0; i < 10; ++i) Write("f" + std::to_string(i) + ".bin", RandomBytes(1000));
  auto site = Site("", FileCacheOptions{.max_bytes = 3500, .max_file_bytes = 2000});
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 10; ++i) {
      std::string path = "/f" + std::to_string(i) + ".bin";
      EXPECT_EQ(Get(*site, path).body.size(), 1000u);
      EXPECT_LE(site->cache_stats().bytes, 3500u);
    }
  }
  EXPECT_EQ(site->cache_stats().entries, 3u);
  EXPECT_EQ(site->cache_stats().misses, 20u) << "least recently used first out";
  // The most recent file is still there.
  Get(*site, "/f9.bin");
  EXPECT_EQ(site->cache_stats().misses, 20u);
}

TEST_F(StaticSiteTest, LargeFilesAreServedFromDiskUncompressed) {
  const std::string text = CompressibleText();  // ~13 KB
  Write("big.js", text);
  auto site = Site("", FileCacheOptions{.max_file_bytes = 1024});
  http::Response r = Get(*site, "/big.js", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, text);
  EXPECT_EQ(Header(r, "Content-Encoding"), std::nullopt);
  EXPECT_EQ(site->cache_stats().compressions, 0u);
  EXPECT_LT(site->cache_stats().bytes, 1024u) << "validators only";
  http::Response part = Get(*site, "/big.js", {{"Range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, text.substr(100, 100));
  EXPECT_EQ(Get(*site, "/big.js", {{"If-None-Match", *Header(r, "ETag")}}).status, 304);
  http::Response head = Get(*site, "/big.js", {}, http::Method::kHead);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body.size(), text.size()) << "the server sends this length";
}

TEST_F(StaticSiteTest, ByteRanges) {
  const std::string text = CompressibleText();
  const std::string size = std::to_string(text.size());
  Write("app.js", text);
  auto site = Site();

  http::Response r = Get(*site, "/app.js", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, text.substr(0, 5));
  EXPECT_EQ(Header(r, "Content-Range"), "bytes 0-4/" + size);

  r = Get(*site, "/app.js", {{"Range", "bytes=-10"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, text.substr(text.size() - 10));
  EXPECT_EQ(Header(r, "Content-Range"), "bytes " + std::to_string(text.size() - 10) + "-" +
                                            std::to_string(text.size() - 1) + "/" + size);

  r = Get(*site, "/app.js", {{"Range", "bytes=100-"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, text.substr(100));

  // Ranges count identity bytes: no Content-Encoding even when the client accepts one.
  r = Get(*site, "/app.js", {{"Range", "bytes=0-9"}, {"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, text.substr(0, 10));
  EXPECT_EQ(Header(r, "Content-Encoding"), std::nullopt);
  const std::string etag = *Header(r, "ETag");
  EXPECT_FALSE(etag.ends_with("-br\""));

  r = Get(*site, "/app.js", {{"Range", "bytes=" + size + "-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Header(r, "Content-Range"), "bytes */" + size);

  // Several ranges, or nonsense: the whole file.
  EXPECT_EQ(Get(*site, "/app.js", {{"Range", "bytes=0-1,5-6"}}).status, 200);
  EXPECT_EQ(Get(*site, "/app.js", {{"Range", "bytes=9-1"}}).body, text);

  // If-Range: the range only while the client's copy is current.
  r = Get(*site, "/app.js", {{"Range", "bytes=0-4"}, {"If-Range", etag}});
  EXPECT_EQ(r.status, 206);
  r = Get(*site, "/app.js", {{"Range", "bytes=0-4"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, text);
  const std::string last_modified = *Header(r, "Last-Modified");
  EXPECT_EQ(Get(*site, "/app.js", {{"Range", "bytes=0-4"}, {"If-Range", last_modified}}).status,
            206);
  EXPECT_EQ(
      Get(*site, "/app.js", {{"Range", "bytes=0-4"}, {"If-Range", "Thu, 01 Jan 1970 00:00:00 GMT"}})
          .status,
      200);
}

TEST_F(StaticSiteTest, EmptyFile) {
  Write("empty.txt", "");
  auto site = Site();
  http::Response r = Get(*site, "/empty.txt", {{"Accept-Encoding", "br"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Header(r, "Content-Encoding"), std::nullopt);
  EXPECT_EQ(Get(*site, "/empty.txt", {{"Range", "bytes=0-"}}).status, 416);
}

TEST_F(StaticSiteTest, HeadAnswersLikeGet) {
  Write("app.js", CompressibleText());
  auto site = Site();
  http::Response get = Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}});
  http::Response head = Get(*site, "/app.js", {{"Accept-Encoding", "gzip"}}, http::Method::kHead);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers, get.headers);
  EXPECT_EQ(head.content_type, get.content_type);
  EXPECT_EQ(head.body.size(), get.body.size()) << "the server keeps the length, drops the bytes";
}

TEST_F(StaticSiteTest, FoldersServeIndexHtml) {
  Write("index.html", "root");
  Write("docs/index.html", "docs");
  auto site = Site();
  EXPECT_EQ(Get(*site, "/").body, "root");
  EXPECT_EQ(Get(*site, "/docs/").body, "docs");
  http::Response r = Get(*site, "/docs");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(Header(r, "Location"), "/docs/");
  EXPECT_EQ(r.route, "hosting.redirect");
  EXPECT_EQ(Header(Get(*site, "/docs?tab=2"), "Location"), "/docs/?tab=2");
  EXPECT_EQ(Get(*site, "/docs//").body, "docs");
  EXPECT_EQ(Get(*site, "/nothing/").status, 404);
}

TEST_F(StaticSiteTest, CleanUrls) {
  Write("index.html", "root");
  Write("about.html", "about");
  Write("docs/index.html", "docs");
  Write("docs/guide.html", "guide");
  auto site = Site(R"({"cleanUrls": true})");
  EXPECT_EQ(Get(*site, "/about").body, "about");
  EXPECT_EQ(Get(*site, "/about").content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Get(*site, "/docs/guide").body, "guide");
  EXPECT_EQ(Get(*site, "/docs").body, "docs") << "no slash needed with clean URLs";
  EXPECT_EQ(Get(*site, "/docs/").body, "docs");
  struct Case {
    std::string from, to;
  };
  for (const Case& c : std::vector<Case>{{"/about.html", "/about"},
                                         {"/about.html?x=1", "/about?x=1"},
                                         {"/docs/guide.html", "/docs/guide"},
                                         {"/docs/index.html", "/docs"},
                                         {"/index.html", "/"},
                                         {"/docs/index", "/docs"}}) {
    http::Response r = Get(*site, c.from);
    EXPECT_EQ(r.status, 301) << c.from;
    EXPECT_EQ(Header(r, "Location"), c.to) << c.from;
  }
  EXPECT_EQ(Get(*site, "/about/").status, 404) << "trailingSlash unset: no slash form";
  EXPECT_EQ(Get(*site, "/missing").status, 404);
}

TEST_F(StaticSiteTest, TrailingSlashTrue) {
  Write("index.html", "root");
  Write("about.html", "about");
  Write("docs/index.html", "docs");
  Write("app.js", "js");
  auto site = Site(R"({"cleanUrls": true, "trailingSlash": true})");
  EXPECT_EQ(Header(Get(*site, "/docs"), "Location"), "/docs/");
  EXPECT_EQ(Header(Get(*site, "/about"), "Location"), "/about/");
  EXPECT_EQ(Header(Get(*site, "/about.html"), "Location"), "/about/");
  EXPECT_EQ(Get(*site, "/about/").body, "about");
  EXPECT_EQ(Get(*site, "/docs/").body, "docs");
  EXPECT_EQ(Get(*site, "/").body, "root");
  EXPECT_EQ(Get(*site, "/app.js").body, "js") << "files keep their name";

  auto plain = Site(R"({"trailingSlash": true})");
  EXPECT_EQ(Header(Get(*plain, "/docs"), "Location"), "/docs/");
  EXPECT_EQ(Get(*plain, "/about.html").body, "about");
}

TEST_F(StaticSiteTest, TrailingSlashFalse) {
  Write("index.html", "root");
  Write("about.html", "about");
  Write("docs/index.html", "docs");
  auto site = Site(R"({"cleanUrls": true, "trailingSlash": false})");
  http::Response r = Get(*site, "/docs/");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(Header(r, "Location"), "/docs");
  EXPECT_EQ(Get(*site, "/docs").body, "docs");
  EXPECT_EQ(Header(Get(*site, "/about/"), "Location"), "/about");
  EXPECT_EQ(Get(*site, "/about").body, "about");
  EXPECT_EQ(Get(*site, "/").body, "root") << "the root keeps its slash";

  auto plain = Site(R"({"trailingSlash": false})");
  EXPECT_EQ(Header(Get(*plain, "/docs/"), "Location"), "/docs");
  EXPECT_EQ(Get(*plain, "/docs").body, "docs");
}

TEST_F(StaticSiteTest, Redirects) {
  Write("old.html", "still here");
  auto site = Site(R"({"redirects": [
    {"source": "/old.html", "destination": "/new.html"},
    {"source": "/users/:id/profile", "destination": "/people/:id", "type": 302},
    {"source": "/blog/:post*", "destination": "https://blog.example.com/:post*"},
    {"regex": "^/r/(\\d+)/(?P<slug>[a-z]+)$", "destination": "/read/:slug/:1?from=r"},
    {"source": "/docs/**", "destination": "/manual"}
  ]})");
  struct Case {
    std::string from;
    int status;
    std::string to;
  };
  for (const Case& c : std::vector<Case>{
           {"/old.html", 301, "/new.html"},  // redirects come before static files
           {"/users/42/profile", 302, "/people/42"},
           {"/users/j%20d/profile", 302, "/people/j%20d"},
           {"/blog/2024/06/title", 301, "https://blog.example.com/2024/06/title"},
           {"/blog", 301, "https://blog.example.com"},
           {"/blog/x?utm=1", 301, "https://blog.example.com/x?utm=1"},
           {"/docs/a/b", 301, "/manual"},
       }) {
    http::Response r = Get(*site, c.from);
    EXPECT_EQ(r.status, c.status) << c.from;
    EXPECT_EQ(Header(r, "Location"), c.to) << c.from;
    EXPECT_TRUE(r.body.empty());
  }
  // Regex groups by number and by name; the request's query joins the destination's.
  EXPECT_EQ(Header(Get(*site, "/r/7/intro"), "Location"), "/read/intro/7?from=r");
  EXPECT_EQ(Header(Get(*site, "/r/7/intro?x=y"), "Location"), "/read/intro/7?from=r&x=y");
  EXPECT_EQ(Get(*site, "/users/42").status, 404);
}

TEST_F(StaticSiteTest, CustomHeaders) {
  Write("app.js", "js");
  Write("index.html", "home");
  auto site = Site(R"j({"headers": [
    {"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": "max-age=31536000"}]},
    {"source": "**", "headers": [{"key": "X-Frame-Options", "value": "DENY"}]},
    {"regex": "\\.js$", "headers": [{"key": "content-type", "value": "application/x-custom"}]}
  ]})j");
  http::Response js = Get(*site, "/app.js");
  EXPECT_EQ(Header(js, "Cache-Control"), "max-age=31536000") << "replaces the default";
  EXPECT_EQ(Header(js, "X-Frame-Options"), "DENY");
  EXPECT_EQ(js.content_type, "application/x-custom");
  int cache_controls = 0;
  for (const auto& [k, v] : js.headers) cache_controls += k == "Cache-Control";
  EXPECT_EQ(cache_controls, 1);
  http::Response html = Get(*site, "/");
  EXPECT_EQ(Header(html, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(html, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(Get(*site, "/missing"), "X-Frame-Options"), "DENY") << "404s too";
  EXPECT_EQ(
      Header(Get(*site, "/app.js", {{"If-None-Match", *Header(js, "ETag")}}), "Cache-Control"),
      "max-age=31536000")
      << "304s too";
}

TEST_F(StaticSiteTest, RewritesToFilesAndFunctions) {
  Write("index.html", "spa shell");
  Write("app.html", "app shell");
  Write("real.txt", "real");
  auto site = Site(R"({"rewrites": [
    {"source": "/api/**", "function": "api"},
    {"source": "/v2/**", "function": {"functionId": "apiV2", "region": "us-central1"}},
    {"source": "/app/**", "destination": "/app.html"},
    {"source": "/gone", "destination": "/missing.html"},
    {"source": "**", "destination": "/index.html"}
  ]})");
  auto function = [&](const std::string& target, http::Method method = http::Method::kGet) {
    TestRequest request(target, method);
    auto answer = site->Serve(request.get());
    return std::holds_alternative<FunctionRewrite>(answer)
               ? std::get<FunctionRewrite>(answer).function
               : "";
  };
  EXPECT_EQ(function("/api/users?x=1"), "api");
  EXPECT_EQ(function("/api"), "api");
  EXPECT_EQ(function("/api/users", http::Method::kPost), "api") << "any method";
  EXPECT_EQ(function("/api/users", http::Method::kDelete), "api");
  EXPECT_EQ(function("/v2/x"), "apiV2");
  EXPECT_EQ(Get(*site, "/app/settings/profile").body, "app shell");
  EXPECT_EQ(Get(*site, "/some/client/route").body, "spa shell");  // SPA fallback
  EXPECT_EQ(Get(*site, "/some/client/route").status, 200);
  EXPECT_EQ(Get(*site, "/real.txt").body, "real") << "static files come before rewrites";
  EXPECT_EQ(Get(*site, "/gone").status, 404);
  http::Response post = Get(*site, "/some/route", {}, http::Method::kPost);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(Header(post, "Allow"), "GET, HEAD");
}

TEST_F(StaticSiteTest, NotFoundPages) {
  Write("index.html", "home");
  auto site = Site();
  http::Response plain = Get(*site, "/missing.html");
  EXPECT_EQ(plain.status, 404);
  EXPECT_EQ(plain.route, "hosting.not_found");
  EXPECT_NE(plain.body.find(R"({"error":{"code":"not-found")"), std::string::npos) << plain.body;

  const std::string page = "<h1>Lost?</h1>" + CompressibleText();
  Write("404.html", page);
  http::Response custom = Get(*site, "/missing.html");
  EXPECT_EQ(custom.status, 404);
  EXPECT_EQ(custom.body, page);
  EXPECT_EQ(custom.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(custom.route, "hosting.not_found");
  http::Response gz = Get(*site, "/missing.html", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 404);
  EXPECT_EQ(Gunzip(gz.body), page);
  // Never a 304 or a range of the error page.
  EXPECT_EQ(Get(*site, "/x", {{"If-None-Match", "*"}}).status, 404);
  EXPECT_EQ(Get(*site, "/x", {{"Range", "bytes=0-1"}}).body.size(), page.size());
}

TEST_F(StaticSiteTest, ReservedNamespace) {
  Write("__/firebase/init.js", "user file");
  auto site = Site();
  EXPECT_EQ(Get(*site, "/__/firebase/init.js").status, 404);
  EXPECT_EQ(Get(*site, "/__").status, 404);
}

TEST_F(StaticSiteTest, MissingPublicFolder) {
  auto site = Site();
  EXPECT_EQ(Get(*site, "/").status, 404);
  Write("index.html", "now it exists");
  EXPECT_EQ(Get(*site, "/").body, "now it exists");
}

TEST_F(StaticSiteTest, ConcurrentRequests) {
  const std::string text = CompressibleText();
  for (int i = 0; i < 4; ++i) Write("f" + std::to_string(i) + ".js", text + std::to_string(i));
  auto site = Site();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        int f = (t + i) % 4;
        TestRequest request("/f" + std::to_string(f) + ".js", http::Method::kGet,
                            {{"Accept-Encoding", i % 2 ? "br" : "gzip"}});
        auto answer = site->Serve(request.get());
        const auto& r = std::get<http::Response>(answer);
        std::string body = i % 2 ? Unbrotli(r.body) : Gunzip(r.body);
        if (body != text + std::to_string(f)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(site->cache_stats().entries, 4u);
}

}  // namespace
}  // namespace hearth::hosting
