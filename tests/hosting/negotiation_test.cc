#include "hosting/negotiation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hosting/mime.h"
#include "hosting/request_path.h"

namespace hearth::hosting::detail {
namespace {

TEST(ChooseEncoding, PrefersBrotliAndHonoursQValues) {
  EXPECT_EQ(ChooseEncoding("gzip, deflate, br", true, true), Encoding::kBrotli);
  EXPECT_EQ(ChooseEncoding("gzip, deflate, br", false, true), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("gzip, deflate, br", false, false), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("gzip", true, true), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("br;q=0, gzip", true, true), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("br;q=0.5, gzip;q=0.8", true, true), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("BR; Q=1, GZIP", true, true), Encoding::kBrotli);
  EXPECT_EQ(ChooseEncoding("*", true, true), Encoding::kBrotli);
  EXPECT_EQ(ChooseEncoding("*;q=0", true, true), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("gzip;q=0, *", true, true), Encoding::kBrotli);
  EXPECT_EQ(ChooseEncoding("br;q=0, gzip;q=0", true, true), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("identity", true, true), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("", true, true), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("br;q=banana", true, true), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("x-gzip", true, true), Encoding::kGzip);
}

TEST(ParseRange, SingleRanges) {
  using K = RangeRequest::Kind;
  auto r = ParseRange("bytes=0-9", 100);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  r = ParseRange("bytes=90-", 100);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = ParseRange("bytes=-10", 100);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = ParseRange("bytes=-500", 100);  // more than the file: all of it
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = ParseRange("bytes=50-5000", 100);  // clamped to the end
  EXPECT_EQ(r.last, 99u);
  r = ParseRange("bytes=5-99999999999999999999999", 100);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.last, 99u);
}

TEST(ParseRange, UnsatisfiableAndIgnored) {
  using K = RangeRequest::Kind;
  EXPECT_EQ(ParseRange("bytes=100-", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=100-200", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=99999999999999999999999-", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=5-1", 100).kind, K::kNone);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100).kind, K::kNone);
  EXPECT_EQ(ParseRange("items=0-1", 100).kind, K::kNone);
  EXPECT_EQ(ParseRange("bytes=a-b", 100).kind, K::kNone);
  EXPECT_EQ(ParseRange("bytes=-", 100).kind, K::kNone);
  EXPECT_EQ(ParseRange("bytes=+1-2", 100).kind, K::kNone);
}

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("garbage"), std::nullopt);
  for (int64_t t : {0L, 951782400L, 1700000000L, 4102444799L}) {
    EXPECT_EQ(ParseHttpDate(FormatHttpDate(t)), t);
  }
}

TEST(EtagListMatches, WeakComparison) {
  EXPECT_TRUE(EtagListMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagListMatches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagListMatches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagListMatches("*", "\"abc\""));
  EXPECT_FALSE(EtagListMatches("\"abc-gz\"", "\"abc\""));
  EXPECT_FALSE(EtagListMatches("abc", "\"abc\""));
}

TEST(MimeType, Table) {
  EXPECT_EQ(MimeType("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeType("/a/STYLE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeType("/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeType("/mod.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeType("/data.json"), "application/json; charset=utf-8");
  EXPECT_EQ(MimeType("/app.js.map"), "application/json; charset=utf-8");
  EXPECT_EQ(MimeType("/logo.svg"), "image/svg+xml; charset=utf-8");
  EXPECT_EQ(MimeType("/a.png"), "image/png");
  EXPECT_EQ(MimeType("/a.jpg"), "image/jpeg");
  EXPECT_EQ(MimeType("/a.jpeg"), "image/jpeg");
  EXPECT_EQ(MimeType("/a.gif"), "image/gif");
  EXPECT_EQ(MimeType("/a.webp"), "image/webp");
  EXPECT_EQ(MimeType("/a.avif"), "image/avif");
  EXPECT_EQ(MimeType("/favicon.ico"), "image/x-icon");
  EXPECT_EQ(MimeType("/f.woff"), "font/woff");
  EXPECT_EQ(MimeType("/f.woff2"), "font/woff2");
  EXPECT_EQ(MimeType("/f.ttf"), "font/ttf");
  EXPECT_EQ(MimeType("/robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(MimeType("/sitemap.xml"), "application/xml");
  EXPECT_EQ(MimeType("/m.wasm"), "application/wasm");
  EXPECT_EQ(MimeType("/doc.pdf"), "application/pdf");
  EXPECT_EQ(MimeType("/v.mp4"), "video/mp4");
  EXPECT_EQ(MimeType("/v.webm"), "video/webm");
  EXPECT_EQ(MimeType("/s.mp3"), "audio/mpeg");
  EXPECT_EQ(MimeType("/LICENSE"), "application/octet-stream");
  EXPECT_EQ(MimeType("/a.unknown"), "application/octet-stream");
  EXPECT_EQ(MimeType("/dir.html/file"), "application/octet-stream");
  EXPECT_TRUE(IsCompressible("text/html; charset=utf-8"));
  EXPECT_TRUE(IsCompressible("application/wasm"));
  EXPECT_TRUE(IsCompressible("image/svg+xml; charset=utf-8"));
  EXPECT_FALSE(IsCompressible("image/png"));
  EXPECT_FALSE(IsCompressible("font/woff2"));
}

TEST(NormalizeRequestPath, DecodesAndRefuses) {
  EXPECT_EQ(NormalizeRequestPath("/"), "/");
  EXPECT_EQ(NormalizeRequestPath("/a%20b/c.html"), "/a b/c.html");
  EXPECT_EQ(NormalizeRequestPath("//a///b/"), "/a/b/");
  EXPECT_EQ(NormalizeRequestPath("/caf%C3%A9"), "/caf\xC3\xA9");
  EXPECT_EQ(NormalizeRequestPath("/a+b"), "/a+b");
  EXPECT_EQ(NormalizeRequestPath("/a..b/c."), "/a..b/c.");  // dots inside names are fine
  for (const char* bad : {"",           "a",
                          "http://x/",  "/../etc/passwd",
                          "/a/../../b", "/./a",
                          "/a/.",       "/%2e%2e/%2e%2e/etc/passwd",
                          "/%2E%2E/x",  "/a/..%2f..%2fsecret",
                          "/a%2Fb",     "/a%5cb",
                          "/a\\b",      "/a%00b",
                          "/a%0d%0a",   "/.env",
                          "/%2eenv",    "/sub/.git/config",
                          "/%",         "/%zz",
                          "/%C3",       "/%FF"}) {
    EXPECT_EQ(NormalizeRequestPath(bad), std::nullopt) << bad;
  }
}

TEST(EncodePath, EncodesEachSegment) {
  EXPECT_EQ(EncodePath("/a b/caf\xC3\xA9/"), "/a%20b/caf%C3%A9/");
  EXPECT_EQ(EncodePath("/plain/path"), "/plain/path");
}

}  // namespace
}  // namespace hearth::hosting::detail
