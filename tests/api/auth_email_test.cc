// Emailed links over SMTP, with SmtpSink (a real loopback SMTP server) receiving the
// mail: password reset and email verification end to end, their one-time codes, and the
// same answer (and no mail) for an unknown address.
#include <gtest/gtest.h>

#include <string>

#include "api/auth_test_util.h"
#include "support/node_service.h"

namespace hearth::testing {
namespace {

constexpr char kPassword[] = "mail-test-password";
constexpr char kActionUrl[] = "https://app.test/action";

class AuthEmailTest : public SharedServerTest<AuthEmailTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    std::string error;
    sink_ = SmtpSink::Start(&error).release();
    ASSERT_NE(sink_, nullptr) << error;
    WriteFile(dir + "/.env", "SMTP_PASSWORD='smtp secret'\n");
    WriteFile(dir + "/hearth.json",
              std::string(R"({"projectId":"mail-test","auth":{)") + kHighRateLimits +
                  R"(,"actionUrl":")" + kActionUrl +
                  R"(","mailFrom":"auth@hearth.test","smtp":{"url":"smtp://127.0.0.1:)" +
                  std::to_string(sink_->smtp_port()) +
                  R"(","username":"mailer","passwordEnv":"SMTP_PASSWORD"}}})");
  }
  static void TearDownTestSuite() {
    SharedServerTest<AuthEmailTest>::TearDownTestSuite();
    delete sink_;
    sink_ = nullptr;
  }

 protected:
  void SetUp() override {
    SharedServerTest<AuthEmailTest>::SetUp();
    ASSERT_NE(sink_, nullptr);
    sink_client_ = std::make_unique<HttpClient>(sink_->http_port());
    ASSERT_EQ(sink_client_->Request("POST", "/reset", "{}").status, 200);
  }

  HttpResponse Post(std::string_view path, std::string_view body, const Headers& headers = {}) {
    return client_->Request("POST", path, body, headers);
  }
  HttpResponse SendReset(std::string_view email) {
    return Post("/v1/auth/sendPasswordReset", R"({"email":")" + std::string(email) + "\"}");
  }
  // The messages the sink holds.
  Json Messages() { return Json(sink_client_->Request("GET", "/messages").body); }
  // Waits until the sink holds `n` messages; false (with a failure) otherwise.
  bool WaitForMessages(size_t n) {
    bool ok = PollUntil([&] { return Messages().Size("") >= n; });
    EXPECT_TRUE(ok) << "the sink holds " << Messages().Size("") << " messages, want " << n << "\n"
                    << server_->Output();
    return ok;
  }
  // The oobCode of the `mode` link in message `i`'s text ("" if none).
  std::string CodeIn(size_t i, std::string_view mode) {
    std::string text = Messages().String("/" + std::to_string(i) + "/text").value_or("");
    const std::string prefix = std::string(kActionUrl) + "?mode=" + std::string(mode) + "&oobCode=";
    size_t at = text.find(prefix);
    EXPECT_NE(at, std::string::npos) << text;
    if (at == std::string::npos) return "";
    size_t start = at + prefix.size();
    size_t end = text.find_first_of(" \r\n", start);
    return UrlDecode(text.substr(start, end - start));
  }
  HttpResponse Reset(const std::string& code, const std::string& password) {
    return Post("/v1/auth/resetPassword",
                R"({"code":")" + code + R"(","newPassword":")" + password + "\"}");
  }

  static inline SmtpSink* sink_ = nullptr;
  std::unique_ptr<HttpClient> sink_client_;
};

TEST_F(AuthEmailTest, PasswordResetByMail) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  std::string upper = email;
  upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
  HttpResponse r = SendReset(upper);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  ASSERT_TRUE(WaitForMessages(1));
  Json m = Messages();
  EXPECT_EQ(m.Size(""), 1u);
  EXPECT_EQ(m.String("/0/from"), "auth@hearth.test");
  EXPECT_EQ(m.Size("/0/to"), 1u);
  EXPECT_EQ(m.String("/0/to/0"), email);
  EXPECT_EQ(m.String("/0/subject"), "Reset your password");
  EXPECT_EQ(m.String("/0/auth_user"), "mailer");
  const std::string code = CodeIn(0, "resetPassword");
  ASSERT_FALSE(code.empty());

  // A too-short password leaves the code usable.
  HttpResponse short_pw = Reset(code, "short");
  EXPECT_EQ(short_pw.status, 400) << short_pw.body;
  HttpResponse ok = Reset(code, "brand-new-password");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  Session fresh = ParseSession(SignIn(*client_, email, "brand-new-password"));
  // The code reached the address: it is verified now. Old sessions are over.
  EXPECT_EQ(BoolAt(Claims(fresh.id_token), "/email_verified"), true);
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 401);
  // Single use.
  HttpResponse again = Reset(code, "third-password-1");
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_TRUE(IsErrorBody(again, "invalid-argument"));
  EXPECT_EQ(SignIn(*client_, email, "third-password-1").status, 401);
}

TEST_F(AuthEmailTest, UnknownEmailAnswersTheSameAndSendsNothing) {
  const std::string known = TestEmail();
  SignUp(*client_, known, kPassword);
  HttpResponse unknown = SendReset(TestEmail("nobody"));
  ASSERT_EQ(unknown.status, 200) << unknown.body;
  HttpResponse real = SendReset(known);
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_EQ(unknown.body, real.body);
  // Replies come after the mail is handed over, so the sink has every message by now:
  // only the known address got one.
  ASSERT_TRUE(WaitForMessages(1));
  Json m = Messages();
  EXPECT_EQ(m.Size(""), 1u) << sink_client_->Request("GET", "/messages").body;
  EXPECT_EQ(m.String("/0/to/0"), known);
  for (std::string body : {std::string(""), std::string("{}"), std::string(R"({"email":5})"),
                           std::string(R"({"email":"not-an-email"})")}) {
    HttpResponse r = Post("/v1/auth/sendPasswordReset", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
}

TEST_F(AuthEmailTest, UsingOneResetCodeVoidsTheOthers) {
  const std::string email = TestEmail();
  SignUp(*client_, email, kPassword);
  ASSERT_EQ(SendReset(email).status, 200);
  ASSERT_EQ(SendReset(email).status, 200);
  ASSERT_TRUE(WaitForMessages(2));
  const std::string first = CodeIn(0, "resetPassword");
  const std::string second = CodeIn(1, "resetPassword");
  ASSERT_NE(first, second);
  ASSERT_EQ(Reset(second, "second-password").status, 200);
  EXPECT_EQ(Reset(first, "first-password").status, 400);
  EXPECT_EQ(SignIn(*client_, email, "second-password").status, 200);
}

// A reset link belongs to the address it was mailed to: once the account moved to
// another address, the old mailbox can no longer set its password (nor verify the new
// address).
TEST_F(AuthEmailTest, AResetLinkForAnOldAddressFails) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  ASSERT_EQ(SendReset(email).status, 200);
  ASSERT_TRUE(WaitForMessages(1));
  const std::string code = CodeIn(0, "resetPassword");
  const std::string moved = TestEmail("moved");
  ParseSession(
      client_->Request("PATCH", "/v1/auth/me",
                       R"({"email":")" + moved + R"(","currentPassword":")" + kPassword + "\"}",
                       Bearer(s.id_token)));
  HttpResponse r = Reset(code, "hijacked-password");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "failed-precondition"));
  EXPECT_EQ(SignIn(*client_, moved, "hijacked-password").status, 401);
  Session mine = ParseSession(SignIn(*client_, moved, kPassword));
  EXPECT_EQ(BoolAt(Claims(mine.id_token), "/email_verified"), false);
}

TEST_F(AuthEmailTest, ResetPasswordRefusesBadInput) {
  for (std::string body :
       {std::string(""), std::string("{}"), std::string(R"({"code":"x"})"),
        std::string(R"({"newPassword":"password123"})"),
        std::string(R"({"code":5,"newPassword":"password123"})"),
        std::string(R"({"code":"x","newPassword":"password123","email":"a@b.co"})")}) {
    HttpResponse r = Post("/v1/auth/resetPassword", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << body;
  }
  EXPECT_EQ(Reset("made-up-code", "password123").status, 400);
  EXPECT_EQ(Reset(std::string(300, 'x'), "password123").status, 400);
}

TEST_F(AuthEmailTest, EmailVerificationByMail) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  HttpResponse r = Post("/v1/auth/sendEmailVerification", "", Bearer(s.id_token));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitForMessages(1));
  Json m = Messages();
  EXPECT_EQ(m.String("/0/to/0"), email);
  EXPECT_EQ(m.String("/0/subject"), "Verify your email address");
  const std::string code = CodeIn(0, "verifyEmail");
  ASSERT_FALSE(code.empty());
  // A verification code is not a reset code.
  EXPECT_EQ(Reset(code, "password-by-verify").status, 400);

  HttpResponse v = Post("/v1/auth/verifyEmail", R"({"code":")" + code + "\"}");
  // The failed reset above must not have used the code up.
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(BoolAt(Json(v.body), "/user/emailVerified"), true);
  EXPECT_EQ(BoolAt(Json(Me(*client_, s.id_token).body), "/emailVerified"), true);
  HttpResponse t = RefreshWith(*client_, s.refresh_token);
  EXPECT_EQ(BoolAt(Claims(Json(t.body).String("/idToken").value_or("")), "/email_verified"), true);
  EXPECT_EQ(Post("/v1/auth/verifyEmail", R"({"code":")" + code + "\"}").status, 400);
  EXPECT_EQ(Post("/v1/auth/verifyEmail", R"({"code":"made-up"})").status, 400);
  EXPECT_EQ(Post("/v1/auth/verifyEmail", "{}").status, 400);
}

TEST_F(AuthEmailTest, AVerificationLinkForAnOldAddressFails) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  ASSERT_EQ(Post("/v1/auth/sendEmailVerification", "", Bearer(s.id_token)).status, 200);
  ASSERT_TRUE(WaitForMessages(1));
  const std::string code = CodeIn(0, "verifyEmail");
  Session moved = ParseSession(client_->Request(
      "PATCH", "/v1/auth/me",
      R"({"email":")" + TestEmail("moved") + R"(","currentPassword":")" + kPassword + "\"}",
      Bearer(s.id_token)));
  HttpResponse r = Post("/v1/auth/verifyEmail", R"({"code":")" + code + "\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "failed-precondition"));
  EXPECT_EQ(BoolAt(Json(Me(*client_, moved.id_token).body), "/emailVerified"), false);
}

TEST_F(AuthEmailTest, VerificationNeedsASignedInUserWithAnEmail) {
  EXPECT_EQ(Post("/v1/auth/sendEmailVerification", "").status, 401);
  Session anon = ParseSession(Post("/v1/auth/signInAnonymously", ""));
  HttpResponse r = Post("/v1/auth/sendEmailVerification", "", Bearer(anon.id_token));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "failed-precondition"));
  EXPECT_EQ(Messages().Size(""), 0u);
}

}  // namespace
}  // namespace hearth::testing
