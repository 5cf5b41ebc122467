#include "hosting/config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::hosting {
namespace {

const std::string kProject = "/srv/project";

TEST(ParseHostingConfig, DefaultsWhenAbsent) {
  auto config = ParseHostingConfig("", kProject);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->public_dir, "/srv/project/public");
  EXPECT_FALSE(config->clean_urls);
  EXPECT_FALSE(config->trailing_slash.has_value());
  ASSERT_EQ(config->ignore.size(), 3u);
  EXPECT_EQ(config->ignore[0].text(), "**/firebase.json");
  EXPECT_EQ(config->ignore[1].text(), "**/.*");
  EXPECT_EQ(config->ignore[2].text(), "**/node_modules/**");
}

TEST(ParseHostingConfig, ReadsEveryKey) {
  auto config = ParseHostingConfig(R"json({
    "public": "dist/app/",
    "ignore": ["*.map", "/top.txt", "docs/*.md"],
    "cleanUrls": true,
    "trailingSlash": false,
    "redirects": [
      {"source": "/old/:id", "destination": "/new/:id", "type": 302},
      {"regex": "^/r/(\\d+)$", "destination": "/n/:1"}
    ],
    "rewrites": [
      {"source": "/api/**", "function": "api"},
      {"source": "/v2/**", "function": {"functionId": "v2", "region": "europe-west1"}},
      {"source": "**", "destination": "/index.html"}
    ],
    "headers": [
      {"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": "max-age=60"}]}
    ],
    "site": "my-site",
    "predeploy": ["npm run build"]
  })json",
                                   kProject);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->public_dir, "/srv/project/dist/app");
  EXPECT_TRUE(config->clean_urls);
  EXPECT_EQ(config->trailing_slash, false);
  ASSERT_EQ(config->ignore.size(), 3u);
  EXPECT_TRUE(config->ignore[0].Matches("a/b.js.map")) << "no '/': a name at any depth";
  EXPECT_TRUE(config->ignore[0].Matches("b.js.map"));
  EXPECT_TRUE(config->ignore[1].Matches("top.txt"));
  EXPECT_FALSE(config->ignore[1].Matches("a/top.txt")) << "a leading '/' anchors";
  EXPECT_TRUE(config->ignore[2].Matches("docs/a.md"));
  EXPECT_FALSE(config->ignore[2].Matches("x/docs/a.md"));
  ASSERT_EQ(config->redirects.size(), 2u);
  EXPECT_EQ(config->redirects[0].type, 302);
  EXPECT_EQ(config->redirects[1].type, 301);
  EXPECT_TRUE(config->redirects[1].source.Matches("/r/12"));
  ASSERT_EQ(config->rewrites.size(), 3u);
  EXPECT_EQ(config->rewrites[0].function, "api");
  EXPECT_EQ(config->rewrites[1].function, "v2");
  EXPECT_EQ(config->rewrites[2].destination, "/index.html");
  EXPECT_TRUE(config->rewrites[2].source.Matches("/any/path"));  // "**" became "/**"
  ASSERT_EQ(config->headers.size(), 1u);
  EXPECT_EQ(config->headers[0].headers[0].first, "Cache-Control");
  EXPECT_TRUE(config->headers[0].source.Matches("/js/app.js"));
}

TEST(ParseHostingConfig, ErrorsNameTheKey) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"([{"public": "a"}, {"public": "b"}])", "firebase.json: hosting must be an object"},
      {R"("public")", "firebase.json: hosting must be an object"},
      {R"({"public": 3})", "firebase.json: hosting.public must be a non-empty string"},
      {R"({"cleanUrls": "yes"})", "firebase.json: hosting.cleanUrls must be true or false"},
      {R"({"trailingSlash": 1})", "firebase.json: hosting.trailingSlash must be true or false"},
      {R"({"ignore": "x"})", "firebase.json: hosting.ignore must be an array"},
      {R"({"ignore": ["ok", 2]})", "firebase.json: hosting.ignore[1] must be a non-empty string"},
      {R"({"redirects": {}})", "firebase.json: hosting.redirects must be an array"},
      {R"({"redirects": [{"source": "/a", "destination": "/b"},
                         {"source": "/c", "destination": "/d"},
                         {"source": "/e", "destination": "/f", "type": 307}]})",
       "firebase.json: hosting.redirects[2].type must be 301 or 302"},
      {R"({"redirects": [{"source": "/a", "destination": "/b", "type": "301"}]})",
       "firebase.json: hosting.redirects[0].type must be 301 or 302"},
      {R"({"redirects": [{"source": "/a"}]})",
       "firebase.json: hosting.redirects[0].destination is required"},
      {R"({"redirects": [{"destination": "/a"}]})",
       "firebase.json: hosting.redirects[0] needs a \"source\" glob or a \"regex\""},
      {R"({"redirects": [{"source": "/a", "regex": "b", "destination": "/c"}]})",
       "firebase.json: hosting.redirects[0] has both"},
      {R"({"redirects": [{"regex": "(", "destination": "/c"}]})",
       "firebase.json: hosting.redirects[0].regex is invalid: invalid regular expression"},
      {R"({"redirects": [{"source": "/a/:id", "destination": "/b/:slug"}]})",
       "firebase.json: hosting.redirects[0].destination refers to :slug"},
      {R"({"redirects": [{"source": "/a", "destination": "/b", "code": 301}]})",
       "firebase.json: hosting.redirects[0].code is not supported"},
      {R"({"rewrites": [{"source": "**"}]})",
       "firebase.json: hosting.rewrites[0] needs exactly one of"},
      {R"({"rewrites": [{"source": "**", "destination": "/a", "function": "f"}]})",
       "firebase.json: hosting.rewrites[0] needs exactly one of"},
      {R"({"rewrites": [{"source": "**", "destination": "index.html"}]})",
       "firebase.json: hosting.rewrites[0].destination must be a path starting with '/'"},
      {R"({"rewrites": [{"source": "**", "function": {"region": "x"}}]})",
       "firebase.json: hosting.rewrites[0].function.functionId is required"},
      {R"({"rewrites": [{"source": "**", "function": 7}]})",
       "firebase.json: hosting.rewrites[0].function must be a non-empty string"},
      {R"({"rewrites": [{"source": "**", "run": {"serviceId": "s"}}]})",
       "firebase.json: hosting.rewrites[0].run is not supported"},
      {R"j({"rewrites": [{"source": "/!(x)", "destination": "/a"}]})j",
       "firebase.json: hosting.rewrites[0].source is invalid: negated patterns"},
      {R"({"headers": [{"source": "**"}]})",
       "firebase.json: hosting.headers[0].headers is required"},
      {R"({"headers": [{"source": "**", "headers": [{"key": "X-A"}]}]})",
       "firebase.json: hosting.headers[0].headers[0].value must be a string"},
      {R"({"headers": [{"source": "**", "headers": [{"key": "Bad Name", "value": "v"}]}]})",
       "firebase.json: hosting.headers[0].headers[0].key is not a valid header name"},
      {R"({"headers": [{"source": "**", "headers": [{"key": "X-A", "value": "a\r\nb: c"}]}]})",
       "firebase.json: hosting.headers[0].headers[0].value must not contain control"},
      {R"({"i18n": {"root": "/l"}})", "firebase.json: hosting.i18n is not supported"},
      {R"({"cleanURLs": true})", "firebase.json: hosting.cleanURLs is not supported"},
      {R"({"public": )", "firebase.json: hosting is not valid JSON"},
  };
  for (const auto& c : cases) {
    auto config = ParseHostingConfig(c.json, kProject);
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
    EXPECT_TRUE(config.status().message().starts_with(c.message))
        << "got: " << config.status().message() << "\nwant: " << c.message;
  }
}

TEST(ParseFirebaseJsonHosting, ExtractsTheHostingKey) {
  auto none = ParseFirebaseJsonHosting(R"({"firestore": {"rules": "firestore.rules"}})", kProject);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto some =
      ParseFirebaseJsonHosting(R"({"hosting": {"public": "www", "cleanUrls": true}})", kProject);
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  ASSERT_TRUE(some->has_value());
  EXPECT_EQ((*some)->public_dir, "/srv/project/www");
  EXPECT_TRUE((*some)->clean_urls);
  auto bad = ParseFirebaseJsonHosting(R"({"hosting": {"cleanUrls": 1}})", kProject);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "firebase.json: hosting.cleanUrls must be true or false");
  EXPECT_FALSE(ParseFirebaseJsonHosting("{", kProject).ok());
}

}  // namespace
}  // namespace hearth::hosting
