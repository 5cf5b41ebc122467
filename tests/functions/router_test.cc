#include "functions/router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/server_process.h"

namespace hearth::functions {
namespace {

namespace fs = std::filesystem;

class RouterTest : public ::testing::Test {
 protected:
  void Put(const std::string& rel, std::string_view text = "export default () => {};\n") {
    fs::path p = fs::path(dir_.path()) / "api" / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string NameOf(std::string_view path) {
    auto r = router_.Match(path);
    return r ? r->name : "<none>";
  }
  testing::TempDir dir_;
  Router router_{dir_.path() + "/api", std::chrono::milliseconds(0)};
};

TEST_F(RouterTest, FixedBeatsParamBeatsCatchAll) {
  Put("users/me.js");
  Put("users/[id].js");
  Put("users/[...rest].js");
  Put("users/index.mjs");
  Put("index.js");
  EXPECT_EQ(NameOf("users/me"), "users/me");
  EXPECT_EQ(NameOf("users/42"), "users/[id]");
  EXPECT_EQ(NameOf("users/42/posts"), "users/[...rest]");
  EXPECT_EQ(NameOf("users"), "users/index");
  EXPECT_EQ(NameOf("users/"), "users/index");
  EXPECT_EQ(NameOf(""), "index");
  auto r = router_.Match("users/a%20b");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->params.size(), 1u);
  EXPECT_EQ(r->params[0], (std::pair<std::string, std::string>("id", "a b")));
}

TEST_F(RouterTest, HiddenFilesAndOtherExtensionsAreNotRoutes) {
  Put("_lib.js");
  Put("_private/x.js");
  Put(".hidden.js");
  Put("notes.txt");
  Put("node_modules/pkg/index.js");
  Put("ok.cjs");
  EXPECT_EQ(NameOf("_lib"), "<none>");
  EXPECT_EQ(NameOf("_private/x"), "<none>");
  EXPECT_EQ(NameOf(".hidden"), "<none>");
  EXPECT_EQ(NameOf("notes"), "<none>");
  EXPECT_EQ(NameOf("node_modules/pkg"), "<none>");
  EXPECT_EQ(NameOf("ok"), "ok");
  EXPECT_EQ(NameOf("ok.cjs"), "<none>");
}

TEST_F(RouterTest, TraversalSegmentsNeverMatch) {
  Put("[id].js");
  EXPECT_EQ(NameOf("%2e%2e"), "<none>");
  EXPECT_EQ(NameOf("a%2fb"), "<none>");
  EXPECT_EQ(NameOf("bad%zz"), "<none>");
  EXPECT_EQ(NameOf("fine"), "[id]");
}

TEST_F(RouterTest, GenerationChangesWhenAnyFileChanges) {
  Put("a.js");
  auto first = router_.Match("a");
  ASSERT_TRUE(first);
  EXPECT_EQ(router_.Match("a")->generation, first->generation);
  Put("_helper.js", "export const v = 2;\n");  // not a route, still code
  EXPECT_GT(router_.Match("a")->generation, first->generation);
}

TEST_F(RouterTest, NoFolderMeansNoFunctions) {
  EXPECT_TRUE(router_.Empty());
  Put("a.js");
  EXPECT_FALSE(router_.Empty());
}

}  // namespace
}  // namespace hearth::functions
