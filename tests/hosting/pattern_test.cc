#include "hosting/pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::hosting {
namespace {

Pattern Glob(const std::string& glob) {
  auto p = Pattern::Glob(glob);
  EXPECT_TRUE(p.ok()) << glob << ": " << p.status().ToString();
  return std::move(p).value();
}

Pattern Regex(const std::string& regex) {
  auto p = Pattern::Regex(regex);
  EXPECT_TRUE(p.ok()) << regex << ": " << p.status().ToString();
  return std::move(p).value();
}

struct GlobCase {
  std::string glob;
  std::string path;
  bool matches;
};

TEST(Glob, MatchesLikeFirebase) {
  const std::vector<GlobCase> cases = {
      {"/about", "/about", true},
      {"/about", "/about/", false},
      {"/about", "/aboutx", false},
      {"/*.html", "/a.html", true},
      {"/*.html", "/dir/a.html", false},  // * stops at '/'
      {"/**", "/", true},
      {"/**", "/a/b/c", true},
      {"**", "/anything/at/all", true},
      {"/blog/**", "/blog", true},  // a trailing /** also matches the folder itself
      {"/blog/**", "/blog/", true},
      {"/blog/**", "/blog/2024/post", true},
      {"/blog/**", "/blogger", false},
      {"/**/*.css", "/a.css", true},  // **/ matches zero segments
      {"/**/*.css", "/x/y/a.css", true},
      {"/**/*.css", "/x/y/a.cssx", false},
      {"/**/*.@(jpg|jpeg|gif|png)", "/img/cat.jpeg", true},
      {"/**/*.@(jpg|jpeg|gif|png)", "/img/cat.webp", false},
      {"/*.{js,css}", "/app.js", true},
      {"/*.{js,css}", "/app.css", true},
      {"/*.{js,css}", "/app.ts", false},
      {"/{a,b/{c,d}}/x", "/b/d/x", true},
      {"/{a,b/{c,d}}/x", "/b/e/x", false},
      {"/file?.txt", "/file1.txt", true},
      {"/file?.txt", "/file/.txt", false},
      {"/file?.txt", "/file12.txt", false},
      {"/v[0-9]/*", "/v3/x", true},
      {"/v[!0-9]/*", "/v3/x", false},
      {"/v[!0-9]/*", "/vx/x", true},
      {"/a.b", "/axb", false},  // '.' is literal
      {"/a+b(c)", "/a+b(c)", true},
      {"/\\*", "/*", true},
      {"/\\*", "/x", false},
      {"/x?(y|z)", "/x", true},
      {"/x?(y|z)", "/xz", true},
      {"/x+(ab)", "/xabab", true},
      {"/x+(ab)", "/x", false},
      {"/{a}", "/{a}", true},  // a single alternative is literal, as in minimatch
      {"/caf\xC3\xA9/*", "/caf\xC3\xA9/menu", true},
      {"/users/:id", "/users/42", true},
      {"/users/:id", "/users/42/x", false},
      {"/users/:id", "/users/", false},
      {"/blog/:post*", "/blog", true},
      {"/blog/:post*", "/blog/a/b", true},
      {"/a:b", "/a:b", true},  // ':' inside a segment is literal
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Glob(c.glob).Matches(c.path), c.matches) << c.glob << " vs " << c.path;
  }
}

TEST(Glob, IgnoreListGlobsMatchRelativePaths) {
  Pattern dot = Glob("**/.*");
  EXPECT_TRUE(dot.Matches(".env"));
  EXPECT_TRUE(dot.Matches("sub/.git"));
  EXPECT_FALSE(dot.Matches("sub/a.git"));
  Pattern modules = Glob("**/node_modules/**");
  EXPECT_TRUE(modules.Matches("node_modules"));
  EXPECT_TRUE(modules.Matches("node_modules/x/index.js"));
  EXPECT_TRUE(modules.Matches("a/node_modules/x.js"));
  EXPECT_FALSE(modules.Matches("a/my_node_modules/x.js"));
}

TEST(Glob, CapturesSegments) {
  auto captures = Glob("/users/:id/posts/:post").Match("/users/7/posts/hello");
  ASSERT_TRUE(captures.has_value());
  EXPECT_EQ(SubstituteCaptures("/u/:id/p/:post", *captures), "/u/7/p/hello");

  auto rest = Glob("/blog/:post*").Match("/blog/2024/06/title");
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(SubstituteCaptures("https://blog.example.com/:post*", *rest),
            "https://blog.example.com/2024/06/title");
  auto empty = Glob("/blog/:post*").Match("/blog");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(SubstituteCaptures("https://blog.example.com/:post*", *empty),
            "https://blog.example.com");
}

TEST(Glob, RefusesWhatItCannotMean) {
  EXPECT_FALSE(Pattern::Glob("").ok());
  EXPECT_FALSE(Pattern::Glob("/!(a|b)").ok());
  EXPECT_FALSE(Pattern::Glob("/:id/:id").ok());
  EXPECT_FALSE(Pattern::Glob(std::string(5000, 'a')).ok());
}

TEST(Regex, MatchesAnywhereAndCapturesGroups) {
  Pattern p = Regex("^/old/(\\d+)/(?P<slug>[a-z-]+)$");
  EXPECT_TRUE(p.Matches("/old/12/some-post"));
  EXPECT_FALSE(p.Matches("/old/x/some-post"));
  auto captures = p.Match("/old/12/some-post");
  ASSERT_TRUE(captures.has_value());
  EXPECT_EQ(SubstituteCaptures("/new/:slug?id=:1", *captures), "/new/some-post?id=:1")
      << "':' after '?' is not a capture";
  EXPECT_EQ(SubstituteCaptures("/new/:1/:slug", *captures), "/new/12/some-post");
  EXPECT_TRUE(Regex("\\.php").Matches("/index.php"));  // unanchored, as Firebase
  EXPECT_FALSE(Pattern::Regex("(unclosed").ok());
}

TEST(Destination, ChecksCaptureNames) {
  EXPECT_TRUE(CheckDestination("/x/:id", Glob("/users/:id")).ok());
  Status bad = CheckDestination("/x/:name", Glob("/users/:id"));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find(":name"), std::string::npos);
  EXPECT_TRUE(CheckDestination("/x/:1", Regex("/(a)")).ok());
  EXPECT_FALSE(CheckDestination("/x/:2", Regex("/(a)")).ok());
  EXPECT_TRUE(CheckDestination("https://example.com:8080/x", Glob("/x")).ok());
}

TEST(Destination, EncodesCapturedTextAndUnsafeBytes) {
  auto captures = Glob("/go/:rest*").Match("/go/a b/\xC3\xA9/<q>");
  ASSERT_TRUE(captures.has_value());
  EXPECT_EQ(SubstituteCaptures("/to/:rest*", *captures), "/to/a%20b/%C3%A9/%3Cq%3E");
  // A capture never carries CR/LF into the Location header, whatever it holds.
  Captures injected = {{"x", "a\r\nSet-Cookie: y"}};
  EXPECT_EQ(SubstituteCaptures("/:x", injected), "/a%0D%0ASet-Cookie%3A%20y");
  EXPECT_EQ(SubstituteCaptures("/a b/\xC3\xA9", {}), "/a%20b/%C3%A9");
}

}  // namespace
}  // namespace hearth::hosting
