// Authentication against servers of their own: rate limits (429 with Retry-After) under
// a hearth.json with low limits, and the proof that no file in the data dir ever holds a
// password, before and after a clean shutdown, and after a re-hash at a raised cost.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "api/auth_test_util.h"

namespace hearth::testing {
namespace {

constexpr char kPassword[] = "limits-test-password";

// Checks a 429 answer: resource-exhausted, and a Retry-After of 1..`max_seconds`.
::testing::AssertionResult IsRateLimited(const HttpResponse& r, int max_seconds) {
  if (r.status != 429) return ::testing::AssertionFailure() << r.status << ": " << r.body;
  if (auto e = IsErrorBody(r, "resource-exhausted"); !e) return e;
  const std::string retry = r.Header("retry-after");
  int seconds = retry.empty() ? 0 : std::atoi(retry.c_str());
  if (seconds < 1 || seconds > max_seconds || std::to_string(seconds) != retry) {
    return ::testing::AssertionFailure() << "Retry-After '" << retry << "'";
  }
  return ::testing::AssertionSuccess();
}

TEST(AuthRateLimits, SignInSignUpAndResetAre429WithRetryAfter) {
  TempDir project;
  auto server =
      StartServer(project.path(), R"({"projectId":"limits","auth":{"rateLimits":{)"
                                  R"("signInPerIpPerMinute":4,"signInPerAccountPerMinute":2,)"
                                  R"("signUpPerIpPerHour":3,"resetPerIpPerHour":3,)"
                                  R"("resetPerAccountPerHour":1}}})");
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  const std::string email = "limited@example.com";
  SignUp(client, email, kPassword);  // sign-ups from this IP: 1 of 3

  // Per account: 2 a minute, then 429 even with the right password.
  EXPECT_EQ(SignIn(client, email, "wrong-password-1").status, 401);
  EXPECT_EQ(SignIn(client, email, "wrong-password-2").status, 401);
  EXPECT_TRUE(IsRateLimited(SignIn(client, email, kPassword), 30));
  // The same account in another case is the same account.
  EXPECT_TRUE(IsRateLimited(SignIn(client, "LIMITED@example.com", kPassword), 30));
  // Per IP: 4 a minute over every account (5 attempts so far were counted).
  EXPECT_TRUE(IsRateLimited(SignIn(client, "other@example.com", kPassword), 15));

  // Sign-ups (anonymous ones count too): 3 an hour.
  ASSERT_EQ(client.Request("POST", "/v1/auth/signInAnonymously").status, 200);
  ASSERT_EQ(client.Request("POST", "/v1/auth/signInAnonymously").status, 200);
  EXPECT_TRUE(IsRateLimited(client.Request("POST", "/v1/auth/signInAnonymously"), 1200));
  EXPECT_TRUE(IsRateLimited(
      client.Request("POST", "/v1/auth/signUp", Credentials("new@example.com", kPassword)), 1200));

  // Password resets: 1 an hour per account, 3 per IP.
  auto reset = [&](const std::string& to) {
    return client.Request("POST", "/v1/auth/sendPasswordReset", R"({"email":")" + to + "\"}");
  };
  EXPECT_EQ(reset(email).status, 200);
  EXPECT_TRUE(IsRateLimited(reset(email), 3600));
  EXPECT_EQ(reset("someone@example.com").status, 200);
  EXPECT_TRUE(IsRateLimited(reset("third@example.com"), 1200));
}

// Scans every file of `data_dir` for `secret` in plain, base64 and base64url form.
::testing::AssertionResult NoFileHolds(const std::string& data_dir, const std::string& secret) {
  std::string b64 = B64Url(secret);
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  for (const std::string& form : {secret, B64Url(secret), b64}) {
    auto found = FilesContaining(data_dir, form);
    if (!found.empty()) {
      return ::testing::AssertionFailure() << found[0] << " contains the password (" << form << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(AuthStorage, NoFileEverHoldsAPassword) {
  TempDir project;
  const std::string data_dir = project.path() + "/.hearth";
  const std::string first = "Zebra-Quokka-7391-unmistakable";
  const std::string second = "Pangolin-Narwhal-4820-unmistakable";
  WriteFile(project.path() + "/hearth.json", R"({"projectId":"files"})");
  {
    auto server = StartServer(project.path());
    ASSERT_NE(server, nullptr);
    HttpClient client(server->port());
    Session s = SignUp(client, "files@example.com", first);
    ASSERT_EQ(SignIn(client, "files@example.com", first).status, 200);
    ASSERT_EQ(client
                  .Request("PATCH", "/v1/auth/me",
                           R"({"password":")" + second + R"(","currentPassword":")" + first + "\"}",
                           Bearer(s.id_token))
                  .status,
              200);
    ASSERT_EQ(SignIn(client, "files@example.com", second).status, 200);
    // While the server runs (the WAL holds the recent writes).
    EXPECT_TRUE(NoFileHolds(data_dir, first));
    EXPECT_TRUE(NoFileHolds(data_dir, second));
    EXPECT_FALSE(FilesContaining(data_dir, "$argon2id$v=19$m=19456,t=2,p=1$").empty())
        << "the scan must see the stored hashes";
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(), 0) << server->Output();
    EXPECT_EQ(server->Output().find(first), std::string::npos);
    EXPECT_EQ(server->Output().find(second), std::string::npos);
  }
  // After a clean shutdown (the WAL checkpointed into hearth.db).
  EXPECT_TRUE(NoFileHolds(data_dir, first));
  EXPECT_TRUE(NoFileHolds(data_dir, second));
  EXPECT_FALSE(FilesContaining(data_dir + "/hearth.db", "$argon2id$").empty());

  // A raised cost re-hashes on the next sign-in; still no password on disk.
  WriteFile(project.path() + "/hearth.json",
            R"({"projectId":"files","auth":{"passwordHash":{"memoryKiB":20480,"iterations":2}}})");
  {
    auto server = StartServer(project.path());
    ASSERT_NE(server, nullptr);
    HttpClient client(server->port());
    ASSERT_EQ(SignIn(client, "files@example.com", second).status, 200);
    EXPECT_TRUE(PollUntil([&] { return server->Output().find("re-hashed") != std::string::npos; }))
        << server->Output();
    ASSERT_EQ(SignIn(client, "files@example.com", second).status, 200);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(), 0) << server->Output();
  }
  EXPECT_FALSE(FilesContaining(data_dir + "/hearth.db", "$argon2id$v=19$m=20480,t=2,p=1$").empty());
  EXPECT_TRUE(NoFileHolds(data_dir, first));
  EXPECT_TRUE(NoFileHolds(data_dir, second));
}

}  // namespace
}  // namespace hearth::testing
