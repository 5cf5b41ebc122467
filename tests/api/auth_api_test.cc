// /v1/auth/* over real HTTP against the real binary: sign-up and sign-in with their
// errors, refresh-token rotation and theft detection, sign-out, the signed-in user's
// profile, credentials and deletion, anonymous accounts and their upgrade, JWKS, emailed
// links in the log without SMTP, no secrets in the log. One server for the suite; every
// test uses its own email addresses. (Bearer checks and administration:
// auth_admin_test.cc.)
#include <gtest/gtest.h>

#include <string>

#include "api/auth_test_util.h"

namespace hearth::testing {
namespace {

constexpr char kPassword[] = "correct-horse-battery";

class AuthApiTest : public SharedServerTest<AuthApiTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    WriteFile(dir + "/hearth.json",
              std::string(R"({"projectId":"auth-test","auth":{)") + kHighRateLimits + "}}");
  }

 protected:
  HttpResponse Post(std::string_view path, std::string_view body, const Headers& headers = {}) {
    return client_->Request("POST", path, body, headers);
  }
  HttpResponse Patch(std::string_view token, std::string_view body) {
    return client_->Request("PATCH", "/v1/auth/me", body, Bearer(token));
  }
};

// ---- Sign-up and sign-in ----

TEST_F(AuthApiTest, SignUpAnswersASessionWithAVerifiableIdToken) {
  const std::string email = TestEmail();
  HttpResponse r = Post("/v1/auth/signUp", R"({"email":")" + email + R"(","password":")" +
                                               kPassword + R"(","displayName":"Ada"})");
  Session s = ParseSession(r);
  Json j(r.body);
  EXPECT_EQ(s.uid.size(), 28u);
  EXPECT_EQ(j.String("/user/email"), email);
  EXPECT_EQ(BoolAt(j, "/user/emailVerified"), false);
  EXPECT_EQ(BoolAt(j, "/user/isAnonymous"), false);
  EXPECT_EQ(BoolAt(j, "/user/disabled"), false);
  EXPECT_EQ(j.String("/user/displayName"), "Ada");
  EXPECT_EQ(j.Size("/user/providers"), 1u);
  EXPECT_EQ(j.String("/user/providers/0"), "password");
  EXPECT_EQ(r.body.find(kPassword), std::string::npos);
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  EXPECT_EQ(r.body.find("asswordHash"), std::string::npos);

  auto parts = SplitToken(s.id_token);
  ASSERT_TRUE(parts.has_value());
  Json header(parts->header);
  EXPECT_EQ(header.String("/alg"), "RS256");
  EXPECT_EQ(header.String("/typ"), "JWT");
  const std::string kid = header.String("/kid").value_or("");
  EXPECT_FALSE(kid.empty());
  Json claims(parts->payload);
  const int64_t now = std::time(nullptr);
  EXPECT_EQ(claims.String("/iss"), "hearth:auth-test");
  EXPECT_EQ(claims.String("/aud"), "auth-test");
  EXPECT_EQ(claims.String("/sub"), s.uid);
  EXPECT_EQ(claims.String("/email"), email);
  EXPECT_EQ(BoolAt(claims, "/email_verified"), false);
  EXPECT_EQ(claims.String("/sign_in_provider"), "password");
  EXPECT_EQ(claims.String("/name"), "Ada");
  EXPECT_NEAR(double(claims.Int("/iat").value_or(0)), double(now), 5);
  EXPECT_EQ(claims.Int("/exp").value_or(0) - claims.Int("/iat").value_or(0), 3600);
  EXPECT_NEAR(double(claims.Int("/auth_time").value_or(0)), double(now), 5);

  // The kid is published, and the published key verifies the signature.
  HttpResponse jwks = client_->Request("GET", "/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200);
  Json keys(jwks.body);
  bool found = false;
  for (size_t i = 0; i < keys.Size("/keys"); ++i) {
    std::string at = "/keys/" + std::to_string(i);
    if (keys.String(at + "/kid") != kid) continue;
    found = true;
    EXPECT_EQ(keys.String(at + "/kty"), "RSA");
    EXPECT_EQ(keys.String(at + "/alg"), "RS256");
    EXPECT_FALSE(keys.Has(at + "/d"));
  }
  EXPECT_TRUE(found) << jwks.body;

  // The token works.
  HttpResponse me = Me(*client_, s.id_token);
  ASSERT_EQ(me.status, 200) << me.body;
  Json m(me.body);
  EXPECT_EQ(m.String("/uid"), s.uid);
  EXPECT_EQ(m.String("/email"), email);
  EXPECT_EQ(me.body.find("argon2"), std::string::npos);
}

TEST_F(AuthApiTest, ProvidersListsWhatASignInPageMayOffer) {
  auto r = client_->Request("GET", "/v1/auth/providers");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.At("/password")->get_bool().value_unsafe(), true);
  EXPECT_EQ(j.Size("/providers"), 0u) << "this project configures no OpenID Connect provider";
  EXPECT_EQ(client_->Request("POST", "/v1/auth/providers", "{}").status, 405);
}

TEST_F(AuthApiTest, SignUpRefusesBadInput) {
  const std::string email = TestEmail();
  struct Case {
    std::string name, body;
  };
  const std::vector<Case> cases = {
      {"no body", ""},
      {"malformed JSON", R"({"email":)"},
      {"not an object", R"(["a@example.com","password1"])"},
      {"missing email", R"({"password":"password123"})"},
      {"missing password", R"({"email":")" + email + "\"}"},
      {"email not a string", R"({"email":5,"password":"password123"})"},
      {"password not a string", R"({"email":")" + email + R"(","password":12345678})"},
      {"displayName not a string",
       R"({"email":")" + email + R"(","password":"password123","displayName":true})"},
      {"unknown field", R"({"email":")" + email + R"(","password":"password123","admin":true})"},
      {"repeated field", R"({"email":")" + email + R"(","email":"x@example.com","password":"p"})"},
      {"short password", Credentials(email, "1234567")},
      {"long password", Credentials(email, std::string(4097, 'p'))},
      {"bad email", Credentials("not-an-email", "password123")},
      {"email without domain dot", Credentials("a@localhost", "password123")},
      {"long displayName", R"({"email":")" + email +
                               R"(","password":"password123","displayName":")" +
                               std::string(300, 'n') + "\"}"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Post("/v1/auth/signUp", c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << c.name;
  }
  // None of them created the account.
  ParseSession(Post("/v1/auth/signUp", Credentials(email, kPassword)));
}

TEST_F(AuthApiTest, DuplicateEmailIsAlreadyExistsWhateverItsCase) {
  const std::string email = TestEmail();
  Session first = SignUp(*client_, email, kPassword);
  std::string upper = email;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& again : {email, upper}) {
    HttpResponse r = Post("/v1/auth/signUp", Credentials(again, "another-password"));
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_TRUE(IsErrorBody(r, "already-exists"));
  }
  // The original password still works, the other one does not.
  EXPECT_EQ(SignIn(*client_, upper, kPassword).status, 200);
  EXPECT_EQ(SignIn(*client_, email, "another-password").status, 401);
}

TEST_F(AuthApiTest, SignInWorksWithAnyCaseOfTheEmail) {
  const std::string email = TestEmail();
  Session up = SignUp(*client_, email, kPassword);
  std::string upper = email;
  upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
  HttpResponse r = SignIn(*client_, upper, kPassword);
  Session in = ParseSession(r);
  EXPECT_EQ(in.uid, up.uid);
  EXPECT_NE(in.refresh_token, up.refresh_token);
  EXPECT_EQ(Claims(in.id_token).String("/sign_in_provider"), "password");
  EXPECT_EQ(Me(*client_, in.id_token).status, 200);
  // Both sessions stay valid side by side.
  EXPECT_EQ(RefreshWith(*client_, up.refresh_token).status, 200);
}

TEST_F(AuthApiTest, WrongPasswordAndUnknownEmailGiveTheSameError) {
  const std::string email = TestEmail();
  SignUp(*client_, email, kPassword);
  HttpResponse wrong = SignIn(*client_, email, "wrong-password-123");
  HttpResponse unknown = SignIn(*client_, TestEmail("nobody"), "wrong-password-123");
  HttpResponse empty = SignIn(*client_, email, "");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_TRUE(IsErrorBody(wrong, "unauthenticated"));
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(empty.status, wrong.status);
  EXPECT_EQ(empty.body, wrong.body);
  // An account without a password (anonymous, upgraded by email only) answers the same.
  Session anon = ParseSession(Post("/v1/auth/signInAnonymously", ""));
  ASSERT_EQ(Patch(anon.id_token, R"({"email":")" + TestEmail("anon") + "\"}").status, 200);
  HttpResponse no_password = SignIn(*client_, TestEmail("anon"), "whatever-123");
  EXPECT_EQ(no_password.status, wrong.status);
  EXPECT_EQ(no_password.body, wrong.body);
}

TEST_F(AuthApiTest, SignInRefusesBadInput) {
  for (std::string body :
       {std::string(""), std::string("{"), std::string(R"({"email":"a@b.co"})"),
        std::string(R"({"password":"x"})"), std::string(R"({"email":1,"password":"password1"})"),
        std::string(R"({"email":"a@b.co","password":false})"),
        std::string(R"({"email":"a@b.co","password":"p","x":1})"),
        std::string(R"({"email":"nope","password":"password1"})")}) {
    HttpResponse r = Post("/v1/auth/signInWithPassword", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << body;
  }
}

TEST_F(AuthApiTest, MethodsAndUnknownEndpoints) {
  for (std::string endpoint : {"signUp", "signInWithPassword", "signInAnonymously", "token",
                               "signOut", "sendPasswordReset", "resetPassword", "verifyEmail"}) {
    HttpResponse r = client_->Request("GET", "/v1/auth/" + endpoint);
    EXPECT_EQ(r.status, 405) << endpoint << ": " << r.body;
  }
  HttpResponse r = Post("/v1/auth/nope", "{}");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "not-found"));
  EXPECT_EQ(client_->Request("POST", "/.well-known/jwks.json").status, 405);
  // The signed-in endpoints without a token.
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/auth/me"},
           {"PATCH", "/v1/auth/me"},
           {"DELETE", "/v1/auth/me"},
           {"POST", "/v1/auth/delete"},
           {"POST", "/v1/auth/sendEmailVerification"}}) {
    HttpResponse u = client_->Request(method, path, "{}");
    EXPECT_EQ(u.status, 401) << method << " " << path << ": " << u.body;
    EXPECT_TRUE(IsErrorBody(u, "unauthenticated"));
    EXPECT_EQ(u.Header("www-authenticate"), "Bearer");
  }
  // The admin credential is not a user.
  EXPECT_EQ(client_->Admin("GET", "/v1/auth/me").status, 401);
}

// ---- Refresh tokens ----

TEST_F(AuthApiTest, RefreshRotatesAndReuseRevokesTheFamily) {
  Session s = SignUp(*client_, TestEmail(), kPassword);
  HttpResponse r1 = RefreshWith(*client_, s.refresh_token);
  ASSERT_EQ(r1.status, 200) << r1.body;
  Json j1(r1.body);
  EXPECT_FALSE(j1.Has("/user"));
  EXPECT_EQ(j1.Int("/expiresIn"), 3600);
  const std::string id1 = j1.String("/idToken").value_or("");
  const std::string rt1 = j1.String("/refreshToken").value_or("");
  ASSERT_FALSE(id1.empty() || rt1.empty());
  EXPECT_NE(rt1, s.refresh_token);
  EXPECT_EQ(Claims(id1).String("/sub"), s.uid);
  EXPECT_EQ(Claims(id1).String("/sign_in_provider"), "password");
  // auth_time is the sign-in's, not the refresh's.
  EXPECT_EQ(Claims(id1).Int("/auth_time"), Claims(s.id_token).Int("/auth_time"));
  EXPECT_EQ(Me(*client_, id1).status, 200);

  HttpResponse r2 = RefreshWith(*client_, rt1);
  ASSERT_EQ(r2.status, 200) << r2.body;
  const std::string rt2 = Json(r2.body).String("/refreshToken").value_or("");

  // The first token comes back: theft. It fails, and so does the newest of its family.
  HttpResponse reuse = RefreshWith(*client_, s.refresh_token);
  EXPECT_EQ(reuse.status, 401) << reuse.body;
  EXPECT_TRUE(IsErrorBody(reuse, "unauthenticated"));
  HttpResponse after = RefreshWith(*client_, rt2);
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(RefreshWith(*client_, rt1).status, 401);
}

TEST_F(AuthApiTest, ReuseRevokesOnlyThatFamily) {
  const std::string email = TestEmail();
  Session a = SignUp(*client_, email, kPassword);
  Session b = ParseSession(SignIn(*client_, email, kPassword));
  ASSERT_EQ(RefreshWith(*client_, a.refresh_token).status, 200);
  ASSERT_EQ(RefreshWith(*client_, a.refresh_token).status, 401);  // reuse
  EXPECT_EQ(RefreshWith(*client_, b.refresh_token).status, 200);
}

TEST_F(AuthApiTest, RefreshRefusesBadTokens) {
  for (std::string body : {std::string(""), std::string("{}"), std::string(R"({"refreshToken":5})"),
                           std::string(R"({"refreshToken":"x","extra":1})")}) {
    HttpResponse r = Post("/v1/auth/token", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  for (std::string token : {std::string(""), std::string("garbage"), std::string(300, 'a')}) {
    HttpResponse r = RefreshWith(*client_, token);
    EXPECT_EQ(r.status, 401) << token << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "unauthenticated"));
  }
  // An ID token is not a refresh token, nor a refresh token an ID token.
  Session s = SignUp(*client_, TestEmail(), kPassword);
  EXPECT_EQ(RefreshWith(*client_, s.id_token).status, 401);
  EXPECT_EQ(Me(*client_, s.refresh_token).status, 401);
}

TEST_F(AuthApiTest, SignOutEndsOnlyThatSession) {
  const std::string email = TestEmail();
  Session a = SignUp(*client_, email, kPassword);
  Session b = ParseSession(SignIn(*client_, email, kPassword));
  HttpResponse out = Post("/v1/auth/signOut", R"({"refreshToken":")" + a.refresh_token + "\"}");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.body, "{}");
  EXPECT_EQ(RefreshWith(*client_, a.refresh_token).status, 401);
  HttpResponse again = Post("/v1/auth/signOut", R"({"refreshToken":")" + a.refresh_token + "\"}");
  EXPECT_EQ(again.status, 401) << again.body;
  EXPECT_EQ(RefreshWith(*client_, b.refresh_token).status, 200);
  EXPECT_EQ(Post("/v1/auth/signOut", "{}").status, 400);
  // Signing out with a rotated-out token of a family ends the whole family too.
  Session c = ParseSession(SignIn(*client_, email, kPassword));
  HttpResponse c1 = RefreshWith(*client_, c.refresh_token);
  ASSERT_EQ(c1.status, 200);
  const std::string c2 = Json(c1.body).String("/refreshToken").value_or("");
  ASSERT_EQ(Post("/v1/auth/signOut", R"({"refreshToken":")" + c.refresh_token + "\"}").status, 200);
  EXPECT_EQ(RefreshWith(*client_, c2).status, 401);
}

// ---- The signed-in user ----

TEST_F(AuthApiTest, PatchMeChangesTheProfile) {
  Session s = SignUp(*client_, TestEmail(), kPassword);
  HttpResponse r =
      Patch(s.id_token, R"({"displayName":"Grace","photoURL":"https://example.com/g.png"})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.String("/user/displayName"), "Grace");
  EXPECT_EQ(j.String("/user/photoURL"), "https://example.com/g.png");
  EXPECT_FALSE(j.Has("/idToken"));  // no new session for a profile change
  EXPECT_EQ(Json(Me(*client_, s.id_token).body).String("/displayName"), "Grace");
  // The next ID token carries the new profile.
  HttpResponse t = RefreshWith(*client_, s.refresh_token);
  Json claims = Claims(Json(t.body).String("/idToken").value_or(""));
  EXPECT_EQ(claims.String("/name"), "Grace");
  EXPECT_EQ(claims.String("/picture"), "https://example.com/g.png");
  // The old ID token still works: a profile change revokes nothing.
  EXPECT_EQ(Me(*client_, s.id_token).status, 200);

  for (std::string body :
       {std::string(R"x({"photoURL":"javascript:alert(1)"})x"), std::string(R"({"displayName":5})"),
        std::string(R"({"disabled":true})"), std::string(R"({"emailVerified":true})"),
        std::string(R"({"customClaims":{"a":1}})"), std::string(R"({"uid":"someone-else"})"),
        std::string("not json")}) {
    HttpResponse bad = Patch(s.id_token, body);
    EXPECT_EQ(bad.status, 400) << body << ": " << bad.body;
    EXPECT_TRUE(IsErrorBody(bad, "invalid-argument")) << body;
  }
  EXPECT_EQ(Json(Me(*client_, s.id_token).body).String("/displayName"), "Grace");
}

TEST_F(AuthApiTest, PasswordChangeNeedsTheCurrentPasswordAndRevokesOlderTokens) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  Session other = ParseSession(SignIn(*client_, email, kPassword));
  HttpResponse missing = Patch(s.id_token, R"({"password":"new-password-456"})");
  EXPECT_EQ(missing.status, 401) << missing.body;
  EXPECT_TRUE(IsErrorBody(missing, "unauthenticated"));
  HttpResponse wrong =
      Patch(s.id_token, R"({"password":"new-password-456","currentPassword":"nope-nope"})");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  HttpResponse too_short = Patch(
      s.id_token, std::string(R"({"password":"short","currentPassword":")") + kPassword + "\"}");
  EXPECT_EQ(too_short.status, 400) << too_short.body;
  // Nothing changed so far.
  ASSERT_EQ(Me(*client_, s.id_token).status, 200);

  HttpResponse ok =
      Patch(s.id_token, std::string(R"({"password":"new-password-456","currentPassword":")") +
                            kPassword + "\"}");
  Session fresh = ParseSession(ok);
  EXPECT_EQ(fresh.uid, s.uid);
  EXPECT_EQ(Claims(fresh.id_token).String("/sign_in_provider"), "password");
  // Older ID tokens are revoked at once (even those issued in the same second), every
  // other session ends, and the new session works.
  HttpResponse old_me = Me(*client_, s.id_token);
  EXPECT_EQ(old_me.status, 401) << old_me.body;
  EXPECT_TRUE(IsErrorBody(old_me, "unauthenticated"));
  EXPECT_EQ(Me(*client_, other.id_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, other.refresh_token).status, 401);
  EXPECT_EQ(Me(*client_, fresh.id_token).status, 200) << Me(*client_, fresh.id_token).body;
  EXPECT_EQ(RefreshWith(*client_, fresh.refresh_token).status, 200);
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  EXPECT_EQ(SignIn(*client_, email, "new-password-456").status, 200);
}

TEST_F(AuthApiTest, EmailChangeNeedsTheCurrentPassword) {
  const std::string email = TestEmail();
  const std::string taken = TestEmail("taken");
  const std::string next = TestEmail("next");
  Session s = SignUp(*client_, email, kPassword);
  SignUp(*client_, taken, kPassword);
  EXPECT_EQ(Patch(s.id_token, R"({"email":")" + next + "\"}").status, 401);
  HttpResponse dup =
      Patch(s.id_token, R"({"email":")" + taken + R"(","currentPassword":")" + kPassword + "\"}");
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_TRUE(IsErrorBody(dup, "already-exists"));
  HttpResponse bad = Patch(s.id_token, R"({"email":"not-an-email","currentPassword":")" +
                                           std::string(kPassword) + "\"}");
  EXPECT_EQ(bad.status, 400) << bad.body;
  Session fresh = ParseSession(
      Patch(s.id_token, R"({"email":")" + next + R"(","currentPassword":")" + kPassword + "\"}"));
  Json j(fresh.body);
  EXPECT_EQ(j.String("/user/email"), next);
  EXPECT_EQ(BoolAt(j, "/user/emailVerified"), false);
  EXPECT_EQ(Claims(fresh.id_token).String("/email"), next);
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  EXPECT_EQ(SignIn(*client_, next, kPassword).status, 200);
  // The old address is free again.
  ParseSession(Post("/v1/auth/signUp", Credentials(email, kPassword)));
}

TEST_F(AuthApiTest, DeleteMeEndsTheAccount) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  HttpResponse r = client_->Request("DELETE", "/v1/auth/me", "", Bearer(s.id_token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 401);
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  EXPECT_EQ(client_->Admin("GET", "/v1/admin/users/" + s.uid).status, 404);
  // The address can be used again, by a new account.
  Session again = SignUp(*client_, email, kPassword);
  EXPECT_NE(again.uid, s.uid);
}

TEST_F(AuthApiTest, PostDeleteTakesThePassword) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  EXPECT_EQ(Post("/v1/auth/delete", R"({"password":5})", Bearer(s.id_token)).status, 400);
  EXPECT_EQ(Post("/v1/auth/delete", R"({"other":"x"})", Bearer(s.id_token)).status, 400);
  EXPECT_EQ(client_->Request("GET", "/v1/auth/delete", "", Bearer(s.id_token)).status, 405);
  ASSERT_EQ(Me(*client_, s.id_token).status, 200);
  HttpResponse r = Post("/v1/auth/delete", std::string(R"({"password":")") + kPassword + "\"}",
                        Bearer(s.id_token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
}

// ---- Anonymous accounts ----

TEST_F(AuthApiTest, AnonymousSignInThenUpgrade) {
  HttpResponse r = Post("/v1/auth/signInAnonymously", "");
  Session anon = ParseSession(r);
  Json j(r.body);
  EXPECT_EQ(BoolAt(j, "/user/isAnonymous"), true);
  EXPECT_TRUE(j.At("/user/email") && j.At("/user/email")->is_null()) << r.body;
  EXPECT_EQ(j.String("/user/providers/0"), "anonymous");
  Json claims = Claims(anon.id_token);
  EXPECT_EQ(claims.String("/sign_in_provider"), "anonymous");
  EXPECT_FALSE(claims.Has("/email"));
  EXPECT_EQ(Me(*client_, anon.id_token).status, 200);
  EXPECT_EQ(Post("/v1/auth/signInAnonymously", "{}").status, 200);
  EXPECT_EQ(Post("/v1/auth/signInAnonymously", R"({"x":1})").status, 400);

  // Upgrade: email and password, no current password needed; same uid.
  const std::string email = TestEmail();
  HttpResponse up = Patch(anon.id_token, Credentials(email, kPassword));
  Session upgraded = ParseSession(up);
  Json u(up.body);
  EXPECT_EQ(upgraded.uid, anon.uid);
  EXPECT_EQ(BoolAt(u, "/user/isAnonymous"), false);
  EXPECT_EQ(u.String("/user/email"), email);
  EXPECT_EQ(u.Size("/user/providers"), 1u);
  EXPECT_EQ(u.String("/user/providers/0"), "password");
  EXPECT_EQ(Claims(upgraded.id_token).String("/sign_in_provider"), "password");
  EXPECT_EQ(Claims(upgraded.id_token).String("/email"), email);
  Session in = ParseSession(SignIn(*client_, email, kPassword));
  EXPECT_EQ(in.uid, anon.uid);
  // Now a real account: further credential changes need the password.
  EXPECT_EQ(Patch(upgraded.id_token, R"({"password":"another-password"})").status, 401);
}

TEST_F(AuthApiTest, AnonymousUpgradeToATakenEmailFails) {
  const std::string email = TestEmail();
  Session owner = SignUp(*client_, email, kPassword);
  Session anon = ParseSession(Post("/v1/auth/signInAnonymously", ""));
  HttpResponse r = Patch(anon.id_token, Credentials(email, "other-password"));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Json(Me(*client_, anon.id_token).body).String("/providers/0"), "anonymous");
  EXPECT_EQ(SignIn(*client_, email, "other-password").status, 401);
}

// ---- Emailed links without SMTP: written to the log ----

TEST_F(AuthApiTest, WithoutSmtpTheResetLinkGoesToTheLog) {
  const std::string email = TestEmail();
  SignUp(*client_, email, kPassword);
  HttpResponse r = Post("/v1/auth/sendPasswordReset", R"({"email":")" + email + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string code;
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) +
                          "/__/auth/action?mode=resetPassword&oobCode=";
  ASSERT_TRUE(PollUntil([&] {
    std::string out = server_->Output();
    size_t at = out.rfind(url);
    if (at == std::string::npos) return false;
    size_t start = at + url.size();
    size_t end = out.find_first_of(" \r\n", start);
    code = UrlDecode(out.substr(start, end - start));
    return !code.empty();
  })) << server_->Output();
  // The log names the address only masked.
  EXPECT_EQ(server_->Output().find(email), std::string::npos);
  HttpResponse reset = Post("/v1/auth/resetPassword",
                            R"({"code":")" + code + R"(","newPassword":"from-the-log-1"})");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(SignIn(*client_, email, "from-the-log-1").status, 200);
}

// Nothing secret reaches the log: passwords, tokens, hashes.
TEST_F(AuthApiTest, NothingSecretInTheLog) {
  const std::string password = "Log-Secret-Quokka-5521";
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, password);
  SignIn(*client_, email, "Wrong-Secret-Wombat-7782");
  RefreshWith(*client_, s.refresh_token);
  Patch(s.id_token,
        R"({"password":"Next-Secret-Numbat-9913","currentPassword":")" + password + "\"}");
  const std::string out = server_->Output();
  for (const std::string& secret :
       {password, std::string("Wrong-Secret-Wombat-7782"), std::string("Next-Secret-Numbat-9913"),
        s.refresh_token, s.id_token, std::string("$argon2id$"), std::string(kAdminToken)}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace hearth::testing
