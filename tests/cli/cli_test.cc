// The administration commands of the real binary: `hearth rules test`, `hearth users`
// (through a running server's admin API) and `hearth keys rotate`.
#include <gtest/gtest.h>

#include <thread>

#include "api/api_test_util.h"
#include "base/strings.h"

namespace hearth::testing {
namespace {

constexpr char kRules[] = R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /posts/{postId} {
      allow read: if true;
      allow create: if request.auth != null && request.resource.data.authorId == request.auth.uid;
    }
  }
}
)";

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RulesTestCommand, PrintsATableAndExitsByTheResult) {
  TempDir project;
  WriteFile(project.path() + "/firestore.rules", kRules);
  WriteFile(project.path() + "/pass.json", R"({"tests": [
    {"name": "anyone reads", "method": "get", "path": "posts/p", "existing": {"a": 1}, "expect": "allow"},
    {"name": "signed out cannot create", "method": "create", "path": "posts/p", "data": {"authorId": "u"}, "expect": "deny"},
    {"name": "author creates", "auth": {"uid": "u"}, "method": "create", "path": "posts/p", "data": {"authorId": "u"}, "expect": "allow"}]})");
  WriteFile(project.path() + "/fail.json", R"({"tests": [
    {"name": "wrong on purpose", "auth": {"uid": "u"}, "method": "create", "path": "posts/p", "data": {"authorId": "v"}, "expect": "allow"}]})");
  ProcessResult pass = RunProcess(
      {HEARTH_BINARY, "rules", "test", project.path() + "/pass.json", "--project", project.path()});
  EXPECT_EQ(pass.exit_code, 0) << pass.output;
  EXPECT_TRUE(Contains(pass.output, "3 passed, 0 failed")) << pass.output;
  EXPECT_TRUE(Contains(pass.output, "author creates")) << pass.output;
  ProcessResult fail = RunProcess(
      {HEARTH_BINARY, "rules", "test", project.path() + "/fail.json", "--project", project.path()});
  EXPECT_EQ(fail.exit_code, 1) << fail.output;
  EXPECT_TRUE(Contains(fail.output, "FAIL")) << fail.output;
  EXPECT_TRUE(Contains(fail.output, "0 passed, 1 failed")) << fail.output;
  // Broken rules: exit 2 with file, line and column.
  WriteFile(project.path() + "/broken.rules",
            "rules_version = '2';\nservice cloud.firestore {\n  match /x {\n");
  ProcessResult broken = RunProcess({HEARTH_BINARY, "rules", "test", project.path() + "/pass.json",
                                     "--rules", project.path() + "/broken.rules"});
  EXPECT_EQ(broken.exit_code, 2) << broken.output;
  EXPECT_TRUE(Contains(broken.output, "broken.rules:")) << broken.output;
  ProcessResult missing = RunProcess(
      {HEARTH_BINARY, "rules", "test", project.path() + "/nope.json", "--project", project.path()});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
}

class AdminCommandsTest : public SharedServerTest<AdminCommandsTest> {
 protected:
  ProcessResult Hearth(std::vector<std::string> args) {
    std::vector<std::string> argv = {HEARTH_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--project");
    argv.push_back(project_->path());
    if (args[0] == "users") {
      argv.push_back("--url");
      argv.push_back("http://127.0.0.1:" + std::to_string(server_->port()));
    }
    return RunProcess(argv);
  }
  std::string SignUp(const std::string& email, std::string* id_token = nullptr) {
    HttpResponse r = client_->Request(
        "POST", "/v1/auth/signUp", R"({"email":")" + email + R"(","password":"cli-password-1"})");
    EXPECT_EQ(r.status, 200) << r.body;
    Json j(r.body);
    if (id_token != nullptr) *id_token = j.String("/idToken").value_or("");
    return j.String("/user/uid").value_or("");
  }
};

TEST_F(AdminCommandsTest, UsersCommandsManageAccounts) {
  std::string token;
  std::string uid = SignUp("cli-user@example.com", &token);
  ProcessResult list = Hearth({"users", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, uid)) << list.output;
  EXPECT_TRUE(Contains(list.output, "cli-user@example.com")) << list.output;
  ProcessResult get = Hearth({"users", "get", "CLI-User@example.com"});
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_TRUE(Contains(get.output, "\"uid\":\"" + uid + "\"")) << get.output;
  EXPECT_FALSE(Contains(get.output, "argon2")) << "the hash leaked: " << get.output;

  ProcessResult claims = Hearth({"users", "set-claims", uid, R"({"editor":true})"});
  EXPECT_EQ(claims.exit_code, 0) << claims.output;
  EXPECT_TRUE(Contains(claims.output, R"("customClaims":{"editor":true})")) << claims.output;
  ProcessResult reserved = Hearth({"users", "set-claims", uid, R"({"sub":"x"})"});
  EXPECT_EQ(reserved.exit_code, 1) << reserved.output;
  EXPECT_TRUE(Contains(reserved.output, "reserved")) << reserved.output;

  // Disabling revokes the user's tokens at once; enabling lets them sign in again.
  EXPECT_EQ(Hearth({"users", "disable", uid}).exit_code, 0);
  EXPECT_EQ(
      client_->Request("GET", "/v1/auth/me", "", {{"Authorization", "Bearer " + token}}).status,
      401);
  HttpResponse refused =
      client_->Request("POST", "/v1/auth/signInWithPassword",
                       R"({"email":"cli-user@example.com","password":"cli-password-1"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(Hearth({"users", "enable", uid}).exit_code, 0);
  EXPECT_EQ(client_
                ->Request("POST", "/v1/auth/signInWithPassword",
                          R"({"email":"cli-user@example.com","password":"cli-password-1"})")
                .status,
            200);

  EXPECT_EQ(Hearth({"users", "delete", uid}).exit_code, 0);
  ProcessResult gone = Hearth({"users", "get", uid});
  EXPECT_EQ(gone.exit_code, 1) << gone.output;
  EXPECT_TRUE(Contains(gone.output, "404")) << gone.output;
}

TEST_F(AdminCommandsTest, UsersCommandsExplainAnUnreachableServer) {
  ProcessResult r = RunProcess({HEARTH_BINARY, "users", "list", "--project", project_->path(),
                                "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "is `hearth serve` running?")) << r.output;
}

TEST_F(AdminCommandsTest, KeysRotateKeepsOldTokensValid) {
  std::string token;
  SignUp("cli-rotate@example.com", &token);
  auto kids = [&] {
    Json j(client_->Request("GET", "/.well-known/jwks.json").body);
    std::vector<std::string> out;
    for (int i = 0; i < 10; ++i) {
      auto kid = j.String("/keys/" + std::to_string(i) + "/kid");
      if (!kid) break;
      out.push_back(*kid);
    }
    return out;
  };
  auto before = kids();
  ASSERT_EQ(before.size(), 1u);
  ProcessResult rotate = Hearth({"keys", "rotate"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.output;
  // The running server notices within a second or so.
  std::vector<std::string> after;
  for (int i = 0; i < 50 && after.size() != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = kids();
  }
  ASSERT_EQ(after.size(), 2u);
  // The token signed by the old key still verifies; a new sign-in uses the new key.
  EXPECT_EQ(
      client_->Request("GET", "/v1/auth/me", "", {{"Authorization", "Bearer " + token}}).status,
      200);
  std::string fresh;
  SignUp("cli-rotate-2@example.com", &fresh);
  std::string header = *Base64Decode(fresh.substr(0, fresh.find('.')));
  std::string new_kid = after[0] == before[0] ? after[1] : after[0];
  EXPECT_TRUE(Contains(header, new_kid)) << header;
}

}  // namespace
}  // namespace hearth::testing
