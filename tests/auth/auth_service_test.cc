// AuthService against a real SQLite store: sign-ins racing administrative changes never
// write back the account as it was read before the (slow) password check.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "auth_test_util.h"

namespace hearth::auth {
namespace {

using testing::AuthServiceFixture;
using testing::Await;

class AuthServiceTest : public AuthServiceFixture {
 protected:
  void SetUp() override {
    AuthConfig config = TestConfig();
    config.hash_threads = 2;  // the sign-in and the administrator's change run side by side
    ASSERT_NO_FATAL_FAILURE(Open(config));
  }

  User CreateUser(const std::string& email, const std::string& password) {
    UserUpdate fields;
    fields.email = email;
    fields.password = password;
    auto user = Await<User>([&](auto done) { auth_->AdminCreateUser(fields, std::move(done)); });
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return user.ok() ? *user : User{};
  }
  std::future<Result<Session>> SignInAsync(const std::string& email, const std::string& password) {
    auto promise = std::make_shared<std::promise<Result<Session>>>();
    auto future = promise->get_future();
    auth_->SignInWithPassword(email, password, "10.0.0.1",
                              [promise](Result<Session> r) { promise->set_value(std::move(r)); });
    return future;
  }
  Result<User> Stored(const std::string& uid) {
    return Await<User>([&](auto done) { auth_->AdminGetUser(uid, std::move(done)); });
  }
};

// The administrator disables the account while a sign-in is checking its password (the
// disable needs no hashing: it lands within that check). Whatever the interleaving, the
// account ends disabled and no usable session comes out of it.
TEST_F(AuthServiceTest, ASignInRacingADisableNeverReEnablesTheAccount) {
  User user = CreateUser("race-disable@example.com", "race-password-1");
  ASSERT_FALSE(user.uid.empty());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    auto sign_in = SignInAsync("race-disable@example.com", "race-password-1");
    UserUpdate disable;
    disable.disabled = true;
    auto disabled =
        Await<User>([&](auto done) { auth_->AdminUpdateUser(user.uid, disable, std::move(done)); });
    ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
    Result<Session> session = sign_in.get();
    auto stored = Stored(user.uid);
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->disabled) << "the sign-in wrote back the account it read";
    if (session.ok()) {
      EXPECT_FALSE(auth_->VerifyIdToken(session->id_token).ok());
    } else {
      EXPECT_EQ(session.status().code(), Code::kPermissionDenied) << session.status().ToString();
    }
    UserUpdate enable;
    enable.disabled = false;
    ASSERT_TRUE(Await<User>([&](auto done) {
                  auth_->AdminUpdateUser(user.uid, enable, std::move(done));
                }).ok());
  }
}

TEST_F(AuthServiceTest, ASignInRacingADeletionNeverRecreatesTheAccount) {
  User user = CreateUser("race-delete@example.com", "race-password-2");
  ASSERT_FALSE(user.uid.empty());
  auto sign_in = SignInAsync("race-delete@example.com", "race-password-2");
  auto deleted = Await<bool>([&](auto done) { auth_->AdminDeleteUser(user.uid, std::move(done)); });
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  Result<Session> session = sign_in.get();
  auto stored = Stored(user.uid);
  EXPECT_FALSE(stored.ok()) << "the sign-in re-created a deleted account";
  if (!stored.ok()) {
    EXPECT_EQ(stored.status().code(), Code::kNotFound);
  }
  if (session.ok()) {
    EXPECT_FALSE(auth_->VerifyIdToken(session->id_token).ok());
  }
}

// A fresh session right after a revocation (the same second) is valid; the tokens from
// before it are not.
TEST_F(AuthServiceTest, TokensMintedRightAfterARevocationAreValid) {
  User user = CreateUser("revoke-now@example.com", "revoke-password");
  auto before = SignInAsync("revoke-now@example.com", "revoke-password").get();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  UserUpdate password;
  password.password = "another-password";
  ASSERT_TRUE(Await<User>([&](auto done) {
                auth_->AdminUpdateUser(user.uid, password, std::move(done));
              }).ok());
  auto after = SignInAsync("revoke-now@example.com", "another-password").get();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_FALSE(auth_->VerifyIdToken(before->id_token).ok());
  auto ctx = auth_->VerifyIdToken(after->id_token);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ((*ctx)->expires_at - (*ctx)->issued_at, 3600);
}

}  // namespace
}  // namespace hearth::auth
