// The rules file of a served project: no file, broken at startup, custom path in
// firebase.json, live reload, and the starter rules that `hearth init` writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "api/api_test_util.h"
#include "api/rules_api_util.h"

namespace hearth::testing {
namespace {

// Anonymous reads of live/* are allowed or not depending on `allowed`.
std::string LiveRules(bool allowed) {
  return std::string(R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /live/{id} {
      allow read: if )") +
         (allowed ? "true" : "false") + R"(;
    }
  }
}
)";
}

TEST(RulesFile, NoRulesFileDeniesEndUsersButNotTheAdmin) {
  TempDir project;
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->Output().find("firestore.rules does not exist"), std::string::npos)
      << server->Output();
  HttpClient c(server->port());
  TestUser user = SignUp(c, "norules@rules.test");
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/posts/p", R"({"authorId":"x"})").status, 200);
  for (const Headers& who : {Headers{}, BearerOf(user)}) {
    EXPECT_TRUE(IsDenied(c.Request("GET", "/v1/documents/posts/p", "", who)));
    EXPECT_TRUE(IsDenied(c.Request("GET", "/v1/documents/posts", "", who)));
    EXPECT_TRUE(IsDenied(c.Request("PUT", "/v1/documents/posts/q", R"({"authorId":"x"})", who)));
    EXPECT_TRUE(IsDenied(c.Request("DELETE", "/v1/documents/posts/p", "", who)));
    EXPECT_TRUE(IsDenied(c.Request("POST", "/v1/query", R"({"from":"posts"})", who)));
    EXPECT_TRUE(IsDenied(c.Request("POST", "/v1/query", R"({"from":"empty"})", who)));
  }
  EXPECT_EQ(c.Admin("GET", "/v1/documents/posts/q").status, 404);
  EXPECT_EQ(c.Admin("GET", "/v1/documents/posts/p").status, 200);
  EXPECT_EQ(c.Admin("POST", "/v1/query", R"({"from":"posts"})").status, 200);
}

TEST(RulesFile, BrokenRulesStopTheStartWithFileLineAndColumn) {
  TempDir project;
  WriteFile(project.path() + "/firestore.rules", R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /posts/{id} {
      allow read: if true
    }
  }
}
)");
  ProcessResult r = RunProcess({HEARTH_BINARY, "serve", project.path(), "--port", "0"}, 15000);
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_NE(r.exit_code, 0) << r.output;
  std::string where = project.path() + "/firestore.rules:6:5:";
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listening"), std::string::npos) << r.output;

  // An unknown variable is a compile error too (resolution, not only syntax).
  WriteFile(project.path() + "/firestore.rules", R"(service cloud.firestore {
  match /databases/{database}/documents {
    match /posts/{id} { allow read: if usrId == 'x'; }
  }
}
)");
  ProcessResult unknown = RunProcess({HEARTH_BINARY, "serve", project.path(), "--port", "0"});
  EXPECT_NE(unknown.exit_code, 0) << unknown.output;
  EXPECT_NE(unknown.output.find(project.path() + "/firestore.rules:3:40:"), std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("usrId"), std::string::npos) << unknown.output;
}

TEST(RulesFile, FirebaseJsonNamesTheRulesFile) {
  TempDir project;
  std::filesystem::create_directories(project.path() + "/security");
  WriteFile(project.path() + "/firebase.json", R"({"firestore":{"rules":"security/app.rules"}})");
  WriteFile(project.path() + "/security/app.rules", LiveRules(true));
  WriteFile(project.path() + "/firestore.rules", "this file is not the one in use");
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/live/a", R"({"x":1})").status, 200);
  EXPECT_EQ(c.Request("GET", "/v1/documents/live/a").status, 200);
  EXPECT_TRUE(IsDenied(c.Request("PUT", "/v1/documents/live/a", "{}")));
}

TEST(RulesFile, ReloadsWhenTheFileChangesAndKeepsRulesThatCompiled) {
  TempDir project;
  const std::string file = project.path() + "/firestore.rules";
  WriteFile(file, LiveRules(false));
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/live/a", R"({"x":1})").status, 200);
  EXPECT_TRUE(IsDenied(c.Request("GET", "/v1/documents/live/a")));

  WriteFile(file, LiveRules(true));
  EXPECT_TRUE(PollUntil([&] { return c.Request("GET", "/v1/documents/live/a").status == 200; }))
      << server->Output();
  EXPECT_TRUE(server->WaitForOutput("rules: reloaded " + file)) << server->Output();

  // A broken edit: logged with file, line and column; the rules in force stay.
  WriteFile(file, LiveRules(true) + "match /extra {");
  EXPECT_TRUE(PollUntil([&] {
    return server->Output().find("does not compile") != std::string::npos;
  })) << server->Output();
  EXPECT_NE(server->Output().find(file + ":9:1:"), std::string::npos) << server->Output();
  EXPECT_EQ(c.Request("GET", "/v1/documents/live/a").status, 200);

  // Fixed again, the other way: the new rules apply.
  WriteFile(file, LiveRules(false));
  EXPECT_TRUE(PollUntil([&] { return c.Request("GET", "/v1/documents/live/a").status == 403; }));

  // Removing the file means no rules, as at startup.
  WriteFile(file, LiveRules(true));
  ASSERT_TRUE(PollUntil([&] { return c.Request("GET", "/v1/documents/live/a").status == 200; }));
  std::filesystem::remove(file);
  EXPECT_TRUE(PollUntil([&] { return c.Request("GET", "/v1/documents/live/a").status == 403; }));
  EXPECT_EQ(c.Admin("GET", "/v1/documents/live/a").status, 200);
}

TEST(RulesFile, EvaluationErrorsAreLoggedAtDebugLevelOnly) {
  TempDir project;
  WriteFile(project.path() + "/firestore.rules", R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /e/{id} {
      allow read: if resource.data.missing == 1;
    }
  }
}
)");
  std::string error;
  auto server =
      ServerProcess::Start({.project_dir = project.path(), .extra_args = {"--verbose"}}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient c(server->port());
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/e/a", R"({"x":1})").status, 200);
  HttpResponse r = c.Request("GET", "/v1/documents/e/a");
  EXPECT_EQ(r.body, kDeniedBody);
  // The log says where the rules failed (line 5, column of `resource.data.missing`).
  EXPECT_TRUE(PollUntil([&] {
    return server->Output().find("rules: get e/a denied: ") != std::string::npos;
  })) << server->Output();
  EXPECT_NE(server->Output().find(" at 5:"), std::string::npos) << server->Output();
}

// The starter project of `hearth init`: its rules compile and hold (the seed's shape).
class StarterRulesTest : public SharedServerTest<StarterRulesTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    ProcessResult init = RunProcess({HEARTH_BINARY, "init", dir, "--force"});
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }

 protected:
  static void SetUpTestSuite() {
    SharedServerTest<StarterRulesTest>::SetUpTestSuite();
    if (server_ == nullptr) return;
    HttpClient c(server_->port());
    alice_ = new TestUser(SignUp(c, "alice@starter.test"));
    bob_ = new TestUser(SignUp(c, "bob@starter.test"));
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
    alice_ = bob_ = nullptr;
    SharedServerTest<StarterRulesTest>::TearDownTestSuite();
  }
  void SetUp() override {
    SharedServerTest<StarterRulesTest>::SetUp();
    ASSERT_NE(alice_, nullptr);
    ASSERT_FALSE(alice_->id_token.empty());
  }
  HttpResponse As(const TestUser* user, std::string_view method, std::string_view target,
                  std::string_view body = "") {
    return client_->Request(method, target, body, user ? BearerOf(*user) : Headers{});
  }
  std::string Post(const TestUser& author, std::string_view title) {
    return R"({"authorId":")" + author.uid + R"(","title":")" + std::string(title) + "\"}";
  }

  static inline TestUser* alice_ = nullptr;
  static inline TestUser* bob_ = nullptr;
};

TEST_F(StarterRulesTest, InitWroteTheRulesAndFirebaseJsonNamesThem) {
  std::ifstream in(project_->path() + "/firebase.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(R"("rules": "firestore.rules")"), std::string::npos) << text;
  EXPECT_TRUE(std::filesystem::exists(project_->path() + "/firestore.rules"));
  EXPECT_NE(server_->Output().find("rules: " + project_->path() + "/firestore.rules"),
            std::string::npos)
      << server_->Output();
}

TEST_F(StarterRulesTest, AnyoneReadsPosts) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/read", Post(*alice_, "hi")).status, 200);
  const std::vector<const TestUser*> everyone = {nullptr, alice_, bob_};
  for (const TestUser* who : everyone) {
    EXPECT_EQ(As(who, "GET", "/v1/documents/posts/read").status, 200);
    EXPECT_EQ(As(who, "GET", "/v1/documents/posts/missing").status, 404);
    EXPECT_EQ(As(who, "GET", "/v1/documents/posts").status, 200);
    EXPECT_EQ(As(who, "POST", "/v1/query", R"({"from":"posts"})").status, 200);
  }
  EXPECT_TRUE(IsDenied(As(nullptr, "GET", "/v1/documents/other/x"))) << "nothing else is open";
}

TEST_F(StarterRulesTest, SignedInUsersCreatePostsAsThemselves) {
  EXPECT_TRUE(IsDenied(As(nullptr, "PUT", "/v1/documents/posts/c1", Post(*alice_, "x"))));
  EXPECT_TRUE(IsDenied(As(nullptr, "POST", "/v1/documents/posts", Post(*alice_, "x"))));
  EXPECT_TRUE(IsDenied(As(bob_, "PUT", "/v1/documents/posts/c1", Post(*alice_, "x"))));
  EXPECT_TRUE(IsDenied(As(alice_, "PUT", "/v1/documents/posts/c1", R"({"title":"x"})")));
  EXPECT_EQ(client_->Admin("GET", "/v1/documents/posts/c1").status, 404);
  EXPECT_EQ(As(alice_, "PUT", "/v1/documents/posts/c1", Post(*alice_, "x")).status, 200);
  EXPECT_EQ(As(alice_, "POST", "/v1/documents/posts", Post(*alice_, "y")).status, 201);
}

TEST_F(StarterRulesTest, OnlyTheAuthorUpdatesAndDeletes) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/u1", Post(*alice_, "v1")).status, 200);
  EXPECT_TRUE(IsDenied(As(bob_, "PATCH", "/v1/documents/posts/u1", R"({"title":"bob"})")));
  EXPECT_TRUE(IsDenied(As(nullptr, "PATCH", "/v1/documents/posts/u1", R"({"title":"anon"})")));
  // The patch has no authorId: the rule sees the author in the merged document.
  EXPECT_EQ(As(alice_, "PATCH", "/v1/documents/posts/u1", R"({"title":"v2"})").status, 200);
  EXPECT_TRUE(IsDenied(
      As(alice_, "PATCH", "/v1/documents/posts/u1", R"({"authorId":")" + bob_->uid + "\"}")))
      << "the author cannot hand the post to someone else";
  EXPECT_TRUE(IsDenied(As(bob_, "DELETE", "/v1/documents/posts/u1")));
  EXPECT_TRUE(IsDenied(As(nullptr, "DELETE", "/v1/documents/posts/u1")));
  HttpResponse still = client_->Admin("GET", "/v1/documents/posts/u1");
  EXPECT_NE(RawData(still.body).find(R"("title":"v2")"), std::string::npos) << still.body;
  EXPECT_EQ(As(alice_, "DELETE", "/v1/documents/posts/u1").status, 200);
  EXPECT_EQ(client_->Admin("GET", "/v1/documents/posts/u1").status, 404);
}

TEST_F(StarterRulesTest, ProfilesAreWrittenOnlyByTheirOwner) {
  const std::string mine = "/v1/documents/users/" + alice_->uid;
  EXPECT_EQ(As(alice_, "PUT", mine, R"({"name":"Alice"})").status, 200);
  EXPECT_TRUE(IsDenied(As(bob_, "PUT", mine, R"({"name":"Mallory"})")));
  EXPECT_TRUE(IsDenied(As(bob_, "DELETE", mine)));
  EXPECT_TRUE(IsDenied(As(nullptr, "PUT", "/v1/documents/users/" + bob_->uid, "{}")));
  EXPECT_EQ(As(bob_, "GET", mine).status, 200);
  EXPECT_TRUE(IsDenied(As(nullptr, "GET", mine)));
  EXPECT_EQ(RawData(client_->Admin("GET", mine).body), R"({"name":"Alice"})");
}

}  // namespace
}  // namespace hearth::testing
