// What the site must never serve, however the request or the configuration asks for it.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hosting/static_site.h"
#include "hosting_test_util.h"

namespace hearth::hosting {
namespace {

using testing::Get;
using testing::Header;
using testing::TestRequest;
using testing::WriteFile;

namespace fs = std::filesystem;

const std::string kSecret = "TOP-SECRET-CONTENT";

class HostingSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Secrets next to, above and inside the public folder.
    WriteFile(project() + "/secret.txt", kSecret);
    WriteFile(project() + "/outside/file.txt", kSecret);
    WriteFile(project() + "/.env", kSecret);
    WriteFile(pub(".env"), kSecret);
    WriteFile(pub(".hidden/page.html"), kSecret);
    WriteFile(pub("sub/.git/config"), kSecret);
    WriteFile(pub("firebase.json"), kSecret);
    WriteFile(pub("node_modules/lib/index.js"), kSecret);
    WriteFile(pub("a/node_modules/x.js"), kSecret);
    WriteFile(pub("index.html"), "home");
    WriteFile(pub("ok.txt"), "fine");
    WriteFile(pub("a/b/page.html"), "deep");
    fs::create_symlink(project() + "/secret.txt", pub("leak.txt"));
    fs::create_symlink(project() + "/outside", pub("ext"));
    fs::create_symlink("../../secret.txt", pub("a/relative-leak.txt"));
    fs::create_symlink(pub(".env"), pub("env-alias.txt"));
    fs::create_symlink(pub("ok.txt"), pub("alias.txt"));
  }

  std::string project() const { return dir_.path() + "/project"; }
  std::string pub(std::string_view rel) const { return project() + "/public/" + std::string(rel); }

  std::unique_ptr<StaticSite> Site(std::string_view hosting = "") {
    auto config = ParseHostingConfig(hosting, project());
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return std::make_unique<StaticSite>(std::move(config).value());
  }

  // 404, and not a byte of any secret.
  void ExpectHidden(const StaticSite& site, const std::string& target) {
    TestRequest request(target);
    auto answer = site.Serve(request.get());
    ASSERT_TRUE(std::holds_alternative<http::Response>(answer)) << target;
    const auto& r = std::get<http::Response>(answer);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find(kSecret), std::string::npos) << target;
  }

  testing::TempDir dir_;
};

const std::vector<std::string> kAttacks = {
    "/../secret.txt",
    "/../../../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/a/..%2f..%2fsecret.txt",
    "/a/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/a%2f..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/a\\..\\..\\secret.txt",
    "/%25%32%65%25%32%65/secret.txt",  // double-encoded: "%2e%2e" is a literal name
    "/ok.txt%00.html",
    "/ok.txt%00",
    "/.env",
    "/%2eenv",
    "/%2Eenv",
    "/.hidden/page.html",
    "/sub/.git/config",
    "/sub/%2egit/config",
    "/./.env",
    "/a/./b/page.html",
    "/firebase.json",
    "/node_modules/lib/index.js",
    "/a/node_modules/x.js",
    "/leak.txt",
    "/a/relative-leak.txt",
    "/ext/file.txt",
    "/ext/",
    "/env-alias.txt",
    "http://example.com/secret.txt",
};

TEST_F(HostingSecurityTest, NeverServesOutsideOrHiddenFiles) {
  auto site = Site();
  for (const std::string& target : kAttacks) ExpectHidden(*site, target);
  // The legitimate neighbours still work.
  EXPECT_EQ(Get(*site, "/ok.txt").body, "fine");
  EXPECT_EQ(Get(*site, "/alias.txt").body, "fine") << "a symlink inside the folder is fine";
  EXPECT_EQ(Get(*site, "/a/b/page.html").body, "deep");
}

TEST_F(HostingSecurityTest, SpaFallbackDoesNotRevealHiddenFiles) {
  auto site = Site(R"({"rewrites": [{"source": "**", "destination": "/index.html"}]})");
  for (const std::string& target : kAttacks) {
    TestRequest request(target);
    auto answer = site->Serve(request.get());
    ASSERT_TRUE(std::holds_alternative<http::Response>(answer));
    const auto& r = std::get<http::Response>(answer);
    EXPECT_EQ(r.body.find(kSecret), std::string::npos) << target;
    EXPECT_TRUE(r.status == 404 || r.body == "home") << target << ": " << r.status;
  }
}

TEST_F(HostingSecurityTest, RewritesCannotPointAtHiddenFiles) {
  auto site = Site(R"({"rewrites": [
    {"source": "/env", "destination": "/.env"},
    {"source": "/git", "destination": "/sub/.git/config"},
    {"source": "/config", "destination": "/firebase.json"},
    {"source": "/leak", "destination": "/leak.txt"},
    {"source": "/up", "destination": "/../secret.txt"}
  ]})");
  for (const char* target : {"/env", "/git", "/config", "/leak", "/up"})
    ExpectHidden(*site, target);
}

TEST_F(HostingSecurityTest, RedirectsAndFunctionsNeverSeeRefusedPaths) {
  auto site = Site(R"({
    "redirects": [{"source": "/**", "destination": "/elsewhere"}],
    "rewrites": [{"source": "**", "function": "api"}]
  })");
  for (const char* target : {"/../secret.txt", "/.env", "/a/..%2fsecret.txt"}) {
    ExpectHidden(*site, target);
  }
  EXPECT_EQ(Get(*site, "/ok.txt").status, 301) << "redirects come first";
}

TEST_F(HostingSecurityTest, CustomIgnoreList) {
  WriteFile(pub("app.js.map"), "map");
  auto site = Site(R"({"ignore": ["**/*.map", "a/**"]})");
  ExpectHidden(*site, "/app.js.map");
  ExpectHidden(*site, "/a/b/page.html");
  // The list replaces the defaults, but dotfiles stay hidden whatever it says.
  EXPECT_EQ(Get(*site, "/firebase.json").status, 200);
  ExpectHidden(*site, "/.env");
  ExpectHidden(*site, "/sub/.git/config");
}

TEST_F(HostingSecurityTest, OnlyGetAndHead) {
  auto site = Site();
  for (http::Method m : {http::Method::kPost, http::Method::kPut, http::Method::kPatch,
                         http::Method::kDelete, http::Method::kOptions, http::Method::kOther}) {
    http::Response r = Get(*site, "/ok.txt", {}, m);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
    EXPECT_EQ(r.route, "hosting.method_not_allowed");
    EXPECT_EQ(r.body.find("fine"), std::string::npos);
  }
  EXPECT_EQ(Get(*site, "/ok.txt", {}, http::Method::kHead).status, 200);
}

TEST_F(HostingSecurityTest, SymlinkedPublicFolderIsItsOwnRoot) {
  fs::create_symlink(project() + "/public", project() + "/www");
  auto site = Site(R"({"public": "www"})");
  EXPECT_EQ(Get(*site, "/ok.txt").body, "fine");
  ExpectHidden(*site, "/leak.txt");
  ExpectHidden(*site, "/ext/file.txt");
}

}  // namespace
}  // namespace hearth::hosting
