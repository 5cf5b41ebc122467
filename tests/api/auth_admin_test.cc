// Bearer credentials on every route but the open ones (bad, expired, tampered, foreign
// tokens: 401; end users on admin routes and, without rules, documents: 403) and /v1/admin/users
// over real HTTP against the real binary: create, get, find, list, custom claims, disable,
// passwords, delete. One server for the suite; every test uses its own email addresses.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "api/auth_test_util.h"

namespace hearth::testing {
namespace {

constexpr char kPassword[] = "correct-horse-battery";

class AuthAdminTest : public SharedServerTest<AuthAdminTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    WriteFile(dir + "/hearth.json",
              std::string(R"({"projectId":"auth-test","auth":{)") + kHighRateLimits + "}}");
  }

 protected:
  std::string keys_dir() const { return project_->path() + "/.hearth/keys"; }
  // The user's current state as the administrator sees it.
  Json AdminUser(std::string_view uid) {
    HttpResponse r = client_->Admin("GET", "/v1/admin/users/" + std::string(uid));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body);
  }
};

// ---- Bearer verification on every route ----

TEST_F(AuthAdminTest, BadBearerTokensAre401OnEveryRoute) {
  Session s = SignUp(*client_, TestEmail(), kPassword);
  auto parts = SplitToken(s.id_token);
  ASSERT_TRUE(parts.has_value());
  auto key = ReadServerKey(keys_dir());
  ASSERT_TRUE(key.has_value());
  Json claims(parts->payload);
  const int64_t now = std::time(nullptr);
  const std::string header = R"({"alg":"RS256","kid":")" + key->kid + R"(","typ":"JWT"})";
  auto payload = [&](int64_t iat, int64_t exp, std::string sub, std::string aud) {
    return R"({"iss":"hearth:auth-test","aud":")" + aud + R"(","sub":")" + sub + R"(","iat":)" +
           std::to_string(iat) + R"(,"exp":)" + std::to_string(exp) + "}";
  };
  // Signed with the server's real key: only the claims are wrong.
  const std::string valid =
      SignRs256(key->pem, header, payload(now - 5, now + 600, s.uid, "auth-test"));
  ASSERT_EQ(Me(*client_, valid).status, 200) << Me(*client_, valid).body;
  const std::string expired =
      SignRs256(key->pem, header, payload(now - 7200, now - 3600, s.uid, "auth-test"));
  const std::string other_aud =
      SignRs256(key->pem, header, payload(now - 5, now + 600, s.uid, "other-project"));
  const std::string future =
      SignRs256(key->pem, header, payload(now + 3600, now + 7200, s.uid, "auth-test"));
  std::string tampered = parts->header_b64 + "." +
                         B64Url(payload(now, now + 3600, "someone-else", "auth-test")) + "." +
                         parts->signature_b64;
  std::string alg_none = B64Url(R"({"alg":"none","typ":"JWT"})") + "." + parts->payload_b64 + ".";
  std::string bad_sig = s.id_token;
  bad_sig[bad_sig.size() - 3] = bad_sig[bad_sig.size() - 3] == 'A' ? 'B' : 'A';

  const std::vector<std::pair<std::string, std::string>> tokens = {
      {"garbage", "garbage"},
      {"expired", expired},
      {"other audience", other_aud},
      {"issued in the future", future},
      {"tampered payload", tampered},
      {"alg none", alg_none},
      {"bad signature", bad_sig},
      {"refresh token", s.refresh_token},
      {"admin token with a suffix", std::string(kAdminToken) + "x"},
  };
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/auth/me"},       {"POST", "/v1/auth/signInAnonymously"},
      {"GET", "/v1/documents/a/b"}, {"POST", "/v1/query"},
      {"GET", "/v1/admin/users"},   {"GET", "/no/such/route"},
  };
  for (const auto& [name, token] : tokens) {
    for (const auto& [method, path] : routes) {
      HttpResponse r = client_->Request(method, path, "", Bearer(token));
      EXPECT_EQ(r.status, 401) << name << " on " << method << " " << path << ": " << r.body;
      EXPECT_TRUE(IsErrorBody(r, "unauthenticated")) << name << " on " << path;
      EXPECT_EQ(r.Header("www-authenticate"), "Bearer") << name << " on " << path;
    }
  }
  // The open routes (load balancers, token verifiers) ignore credentials, bad or not.
  for (std::string path : {"/healthz", "/.well-known/jwks.json"}) {
    EXPECT_EQ(client_->Request("GET", path, "", Bearer("garbage")).status, 200) << path;
  }
  // Other schemes and empty credentials.
  for (std::string value : {"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"}) {
    HttpResponse r = client_->Request("GET", "/v1/auth/me", "", {{"Authorization", value}});
    EXPECT_EQ(r.status, 401) << value << ": " << r.body;
  }
}

TEST_F(AuthAdminTest, EndUserTokensAreNotAdminCredentials) {
  Session s = SignUp(*client_, TestEmail(), kPassword);
  for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/v1/documents/posts/p1", ""},
           {"PUT", "/v1/documents/posts/p1", R"({"a":1})"},
           {"POST", "/v1/query", R"({"from":"posts"})"},
           {"POST", "/v1/commit", R"({"writes":[{"set":{"path":"posts/p1","data":{}}}]})"},
           {"GET", "/v1/admin/users", ""},
           {"GET", "/v1/admin/users/" + s.uid, ""},
           {"PATCH", "/v1/admin/users/" + s.uid, R"({"disabled":false})"},
           {"POST", "/v1/admin/users", R"({"email":"x@example.com"})"}}) {
    HttpResponse r = client_->Request(method, path, body, Bearer(s.id_token));
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "permission-denied")) << path;
  }
  // Without any credentials: 401.
  EXPECT_EQ(client_->Request("GET", "/v1/admin/users").status, 401);
}

// ---- Administration ----

TEST_F(AuthAdminTest, AdminCreatesGetsAndFindsUsers) {
  const std::string email = TestEmail();
  HttpResponse created = client_->Admin(
      "POST", "/v1/admin/users",
      R"({"email":")" + email + R"(","password":")" + kPassword +
          R"(","displayName":"Made","emailVerified":true,"customClaims":{"tier":"gold"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  Json c(created.body);
  const std::string uid = c.String("/uid").value_or("");
  EXPECT_EQ(uid.size(), 28u);
  EXPECT_EQ(BoolAt(c, "/emailVerified"), true);
  EXPECT_EQ(c.String("/customClaims/tier"), "gold");
  EXPECT_EQ(created.body.find("argon2"), std::string::npos);
  Session s = ParseSession(SignIn(*client_, email, kPassword));
  EXPECT_EQ(s.uid, uid);
  EXPECT_EQ(Claims(s.id_token).String("/tier"), "gold");
  EXPECT_EQ(BoolAt(Claims(s.id_token), "/email_verified"), true);

  EXPECT_EQ(AdminUser(uid).String("/email"), email);
  HttpResponse by_email = client_->Admin("GET", "/v1/admin/users?email=" + UrlEncode(email));
  ASSERT_EQ(by_email.status, 200) << by_email.body;
  EXPECT_EQ(Json(by_email.body).String("/uid"), uid);
  EXPECT_EQ(client_->Admin("GET", "/v1/admin/users?email=" + UrlEncode(TestEmail("no"))).status,
            404);
  EXPECT_EQ(client_->Admin("GET", "/v1/admin/users/no-such-uid").status, 404);
  HttpResponse dup = client_->Admin("POST", "/v1/admin/users", R"({"email":")" + email + "\"}");
  EXPECT_EQ(dup.status, 409) << dup.body;
  for (std::string body :
       {std::string(R"({"password":"password123"})"), std::string(R"({"email":"bad"})"),
        std::string(R"({"x":1})"), std::string(R"({"customClaims":{"sub":"x"}})"),
        std::string(R"({"customClaims":[1]})"), std::string(R"({"disabled":"yes"})"),
        std::string("[]")}) {
    HttpResponse r = client_->Admin("POST", "/v1/admin/users", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  // A user with neither email nor password is an anonymous account.
  HttpResponse anon = client_->Admin("POST", "/v1/admin/users", "{}");
  ASSERT_EQ(anon.status, 201) << anon.body;
  EXPECT_EQ(BoolAt(Json(anon.body), "/isAnonymous"), true);
}

TEST_F(AuthAdminTest, AdminListsUsersPageByPage) {
  std::set<std::string> mine;
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = client_->Admin("POST", "/v1/admin/users",
                                    R"({"email":")" + TestEmail(std::to_string(i)) + "\"}");
    ASSERT_EQ(r.status, 201) << r.body;
    mine.insert(Json(r.body).String("/uid").value_or(""));
  }
  std::set<std::string> seen;
  std::string token;
  std::string last;
  int pages = 0;
  do {
    std::string target = "/v1/admin/users?limit=2";
    if (!token.empty()) target += "&pageToken=" + UrlEncode(token);
    HttpResponse r = client_->Admin("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j(r.body);
    ASSERT_LE(j.Size("/users"), 2u);
    for (size_t i = 0; i < j.Size("/users"); ++i) {
      std::string uid = j.String("/users/" + std::to_string(i) + "/uid").value_or("");
      EXPECT_GT(uid, last) << "users are listed in uid order";
      last = uid;
      EXPECT_TRUE(seen.insert(uid).second) << uid << " listed twice";
      EXPECT_EQ(r.body.find("argon2"), std::string::npos);
    }
    token = j.String("/nextPageToken").value_or("");
    ASSERT_LT(++pages, 1000);
  } while (!token.empty());
  for (const std::string& uid : mine) EXPECT_TRUE(seen.count(uid)) << uid;
  for (std::string q : {"limit=0", "limit=1001", "limit=x", "limit=", "other=1"}) {
    EXPECT_EQ(client_->Admin("GET", "/v1/admin/users?" + q).status, 400) << q;
  }
  EXPECT_EQ(client_->Admin("PUT", "/v1/admin/users").status, 405);
  EXPECT_EQ(client_->Admin("POST", "/v1/admin/users/some-uid", "{}").status, 405);
}

TEST_F(AuthAdminTest, CustomClaimsAppearInTheNextIdToken) {
  Session s = SignUp(*client_, TestEmail(), kPassword);
  EXPECT_FALSE(Claims(s.id_token).Has("/role"));
  HttpResponse r = client_->Admin("PATCH", "/v1/admin/users/" + s.uid,
                                  R"({"customClaims":{"role":"editor","level":3,)"
                                  R"("teams":["a","b"],"flags":{"beta":true}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).String("/customClaims/role"), "editor");
  // Claims change nothing in tokens already issued...
  EXPECT_EQ(Me(*client_, s.id_token).status, 200);
  // ...and appear in the next one.
  HttpResponse t = RefreshWith(*client_, s.refresh_token);
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string id = Json(t.body).String("/idToken").value_or("");
  Json claims = Claims(id);
  EXPECT_EQ(claims.String("/role"), "editor");
  EXPECT_EQ(claims.Int("/level"), 3);
  EXPECT_EQ(claims.String("/teams/1"), "b");
  EXPECT_EQ(BoolAt(claims, "/flags/beta"), true);
  EXPECT_EQ(claims.String("/sub"), s.uid);  // not overridable
  EXPECT_EQ(Me(*client_, id).status, 200);

  for (std::string bad :
       {std::string(R"({"customClaims":{"sub":"admin"}})"),
        std::string(R"({"customClaims":{"firebase":{}}})"),
        std::string(R"({"customClaims":{"big":")") + std::string(1000, 'x') + "\"}}",
        std::string(R"({"customClaims":"role=admin"})")}) {
    HttpResponse b = client_->Admin("PATCH", "/v1/admin/users/" + s.uid, bad);
    EXPECT_EQ(b.status, 400) << bad.substr(0, 60) << ": " << b.body;
  }
  EXPECT_EQ(AdminUser(s.uid).String("/customClaims/role"), "editor");
  // Clearing them.
  ASSERT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + s.uid, R"({"customClaims":{}})").status,
            200);
  HttpResponse t2 = RefreshWith(*client_, Json(t.body).String("/refreshToken").value_or(""));
  EXPECT_FALSE(Claims(Json(t2.body).String("/idToken").value_or("")).Has("/role"));
}

TEST_F(AuthAdminTest, DisablingAUserRevokesItsTokensImmediately) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  ASSERT_EQ(Me(*client_, s.id_token).status, 200);
  HttpResponse r = client_->Admin("PATCH", "/v1/admin/users/" + s.uid, R"({"disabled":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BoolAt(Json(r.body), "/disabled"), true);
  HttpResponse me = Me(*client_, s.id_token);
  EXPECT_EQ(me.status, 401) << me.body;
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 401);
  // The right password: 403 disabled; a wrong one still the generic 401.
  HttpResponse in = SignIn(*client_, email, kPassword);
  EXPECT_EQ(in.status, 403) << in.body;
  EXPECT_TRUE(IsErrorBody(in, "permission-denied"));
  HttpResponse wrong = SignIn(*client_, email, "wrong-password");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  // Enabled again: signing in works, and the new tokens are valid.
  ASSERT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + s.uid, R"({"disabled":false})").status,
            200);
  Session again = ParseSession(SignIn(*client_, email, kPassword));
  EXPECT_EQ(Me(*client_, again.id_token).status, 200) << Me(*client_, again.id_token).body;
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
}

TEST_F(AuthAdminTest, AdminSetsPasswordEmailAndVerification) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  HttpResponse r = client_->Admin("PATCH", "/v1/admin/users/" + s.uid,
                                  R"({"password":"admin-set-password","emailVerified":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BoolAt(Json(r.body), "/emailVerified"), true);
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);  // a new password ends every session
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  Session in = ParseSession(SignIn(*client_, email, "admin-set-password"));
  EXPECT_EQ(BoolAt(Claims(in.id_token), "/email_verified"), true);
  EXPECT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + s.uid, R"({"password":"short"})").status,
            400);
  EXPECT_EQ(client_->Admin("PATCH", "/v1/admin/users/no-such-user", R"({"disabled":true})").status,
            404);
}

TEST_F(AuthAdminTest, AdminDeletesUsers) {
  const std::string email = TestEmail();
  Session s = SignUp(*client_, email, kPassword);
  HttpResponse r = client_->Admin("DELETE", "/v1/admin/users/" + s.uid);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 401);
  EXPECT_EQ(client_->Admin("GET", "/v1/admin/users/" + s.uid).status, 404);
  EXPECT_EQ(client_->Admin("DELETE", "/v1/admin/users/" + s.uid).status, 404);
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
}

}  // namespace
}  // namespace hearth::testing
