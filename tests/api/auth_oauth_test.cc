// OpenID Connect sign-in against FakeOidcProvider (a real loopback provider): the whole
// browser round trip (start -> provider -> callback -> app with a one-time code ->
// exchange), account creation and linking, PKCE and the client secret on the wire, every
// provider misbehaviour ending in an error redirect, and the redirect allow-list and
// state checks.
#include <gtest/gtest.h>

#include <string>

#include "api/auth_test_util.h"
#include "support/node_service.h"

namespace hearth::testing {
namespace {

constexpr char kApp[] = "http://app.test/done";
constexpr char kPassword[] = "oauth-test-password";

class OAuthTest : public SharedServerTest<OAuthTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    std::string error;
    provider_ = FakeOidcProvider::Start(&error).release();
    ASSERT_NE(provider_, nullptr) << error;
    WriteFile(dir + "/.env", "# OAuth client secrets\nTEST_OIDC_SECRET=test-secret\n");
    WriteFile(dir + "/hearth.json", std::string(R"({"projectId":"oauth-test","auth":{)") +
                                        kHighRateLimits + R"(,"redirectAllowList":[")" + kApp +
                                        R"("],"providers":{"test":{"issuer":")" +
                                        provider_->issuer() +
                                        R"(","clientId":"test-client",)"
                                        R"("clientSecretEnv":"TEST_OIDC_SECRET"}}}})");
  }
  static void TearDownTestSuite() {
    SharedServerTest<OAuthTest>::TearDownTestSuite();
    delete provider_;
    provider_ = nullptr;
  }

 protected:
  void SetUp() override {
    SharedServerTest<OAuthTest>::SetUp();
    ASSERT_NE(provider_, nullptr);
    provider_client_ = std::make_unique<HttpClient>(provider_->port());
    ASSERT_EQ(provider_client_->Request("POST", "/control/reset", "{}").status, 200);
  }

  // The provider's next user.
  void SetUser(const std::string& json) {
    HttpResponse r = provider_client_->Request("POST", "/control/user", json);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Misbehave(const std::string& mode) {
    HttpResponse r =
        provider_client_->Request("POST", "/control/misbehave", R"({"mode":")" + mode + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::string CallbackPrefix() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/auth/oauth/test/callback?";
  }

  // GET .../start?redirect=`redirect`; the provider URL it redirects to.
  std::string Start(const std::string& redirect = kApp) {
    HttpResponse r =
        client_->Request("GET", "/v1/auth/oauth/test/start?redirect=" + UrlEncode(redirect));
    EXPECT_EQ(r.status, 302) << r.body;
    EXPECT_EQ(r.Header("cache-control"), "no-store");
    std::string location = r.Header("location");
    EXPECT_TRUE(location.starts_with(provider_->issuer() + "/authorize?")) << location;
    return location;
  }
  // Follows the provider's /authorize; our callback URL it redirects to.
  std::string Authorize(const std::string& authorize_url) {
    HttpResponse r = provider_client_->Request("GET", PathAndQuery(authorize_url));
    EXPECT_EQ(r.status, 302) << r.body;
    std::string location = r.Header("location");
    EXPECT_TRUE(location.starts_with(CallbackPrefix())) << location;
    return location;
  }
  // Calls our callback; the app URL it redirects to.
  std::string Callback(const std::string& callback_url) {
    HttpResponse r = client_->Request("GET", PathAndQuery(callback_url));
    EXPECT_EQ(r.status, 302) << r.body;
    EXPECT_EQ(r.Header("cache-control"), "no-store");
    return r.Header("location");
  }
  // The whole browser round trip; the final redirect to the app.
  std::string RoundTrip() { return Callback(Authorize(Start())); }

  HttpResponse Exchange(const std::string& code) {
    return client_->Request("POST", "/v1/auth/oauth/exchange", R"({"code":")" + code + "\"}");
  }
  // A complete sign-in; the session's answer.
  HttpResponse SignInWithProvider() {
    std::string app = RoundTrip();
    EXPECT_TRUE(app.starts_with(std::string(kApp) + "?")) << app;
    auto q = QueryOf(app);
    EXPECT_FALSE(q.count("error")) << app;
    return Exchange(q["code"]);
  }

  static inline FakeOidcProvider* provider_ = nullptr;
  std::unique_ptr<HttpClient> provider_client_;
};

TEST_F(OAuthTest, ProvidersListsTheConfiguredOne) {
  auto r = client_->Request("GET", "/v1/auth/providers");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  ASSERT_EQ(j.Size("/providers"), 1u) << r.body;
  EXPECT_EQ(j.String("/providers/0/name"), "test");
  EXPECT_EQ(r.body.find("secret"), std::string::npos) << "no client secret in the list";
}

TEST_F(OAuthTest, FullFlowCreatesAVerifiedUser) {
  const std::string email = TestEmail();
  SetUser(R"({"sub":"sub-full","email":")" + email +
          R"(","email_verified":true,"name":"Full Name","picture":"https://example.com/f.png"})");
  const std::string app = RoundTrip();
  ASSERT_TRUE(app.starts_with(std::string(kApp) + "?code=")) << app;
  auto q = QueryOf(app);
  // Never tokens in the URL: only a one-time code.
  EXPECT_EQ(q.size(), 1u) << app;
  EXPECT_EQ(app.find("eyJ"), std::string::npos) << app;

  HttpResponse r = Exchange(q["code"]);
  Session s = ParseSession(r);
  Json j(r.body);
  EXPECT_EQ(j.String("/user/email"), email);
  EXPECT_EQ(BoolAt(j, "/user/emailVerified"), true);
  EXPECT_EQ(j.String("/user/displayName"), "Full Name");
  EXPECT_EQ(j.String("/user/photoURL"), "https://example.com/f.png");
  EXPECT_EQ(j.Size("/user/providers"), 1u);
  EXPECT_EQ(j.String("/user/providers/0"), "test");
  Json claims = Claims(s.id_token);
  EXPECT_EQ(claims.String("/sign_in_provider"), "test");
  EXPECT_EQ(BoolAt(claims, "/email_verified"), true);
  EXPECT_EQ(Me(*client_, s.id_token).status, 200);
  EXPECT_EQ(RefreshWith(*client_, s.refresh_token).status, 200);

  // The code is single-use.
  HttpResponse again = Exchange(q["code"]);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_TRUE(IsErrorBody(again, "invalid-argument"));

  // Signing in again links to the same account, even if the provider's email changed.
  SetUser(R"({"sub":"sub-full","email":")" + TestEmail("renamed") + R"(","email_verified":true})");
  Session second = ParseSession(SignInWithProvider());
  EXPECT_EQ(second.uid, s.uid);
}

TEST_F(OAuthTest, PkceAndTheClientSecretAreSent) {
  SetUser(R"({"sub":"sub-pkce","email":")" + TestEmail() + R"(","email_verified":true})");
  ParseSession(SignInWithProvider());
  HttpResponse r = provider_client_->Request("GET", "/control/requests");
  ASSERT_EQ(r.status, 200);
  Json requests(r.body);
  std::string challenge, verifier, authorize_redirect, token_redirect;
  int authorizes = 0, tokens = 0;
  for (size_t i = 0; i < requests.Size(""); ++i) {
    const std::string at = "/" + std::to_string(i);
    const std::string path = requests.String(at + "/path").value_or("");
    if (path == "/authorize") {
      ++authorizes;
      EXPECT_EQ(requests.String(at + "/query/response_type"), "code");
      EXPECT_EQ(requests.String(at + "/query/client_id"), "test-client");
      EXPECT_EQ(requests.String(at + "/query/code_challenge_method"), "S256");
      EXPECT_EQ(requests.String(at + "/query/scope"), "openid email profile");
      EXPECT_GE(requests.String(at + "/query/state").value_or("").size(), 32u);
      EXPECT_GE(requests.String(at + "/query/nonce").value_or("").size(), 32u);
      challenge = requests.String(at + "/query/code_challenge").value_or("");
      authorize_redirect = requests.String(at + "/query/redirect_uri").value_or("");
    } else if (path == "/token") {
      ++tokens;
      EXPECT_EQ(requests.String(at + "/method"), "POST");
      EXPECT_EQ(requests.String(at + "/form/grant_type"), "authorization_code");
      EXPECT_EQ(requests.String(at + "/form/client_id"), "test-client");
      EXPECT_EQ(requests.String(at + "/form/client_secret"), "test-secret");  // from .env
      verifier = requests.String(at + "/form/code_verifier").value_or("");
      token_redirect = requests.String(at + "/form/redirect_uri").value_or("");
    }
  }
  EXPECT_EQ(authorizes, 1);
  EXPECT_EQ(tokens, 1);
  ASSERT_GE(verifier.size(), 43u);
  EXPECT_EQ(challenge, B64Url(Sha256Raw(verifier)));
  EXPECT_EQ(authorize_redirect, CallbackPrefix().substr(0, CallbackPrefix().size() - 1));
  EXPECT_EQ(token_redirect, authorize_redirect);
  // The secret never reaches our log.
  EXPECT_EQ(server_->Output().find("test-secret"), std::string::npos);
}

TEST_F(OAuthTest, VerifiedEmailLinksToAVerifiedPasswordAccount) {
  const std::string email = TestEmail();
  Session password = SignUp(*client_, email, kPassword);
  ASSERT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + password.uid, R"({"emailVerified":true})")
                .status,
            200);
  SetUser(R"({"sub":"sub-link","email":")" + email + R"(","email_verified":true})");
  HttpResponse r = SignInWithProvider();
  Session linked = ParseSession(r);
  EXPECT_EQ(linked.uid, password.uid);
  Json j(r.body);
  EXPECT_EQ(j.Size("/user/providers"), 2u) << r.body;
  EXPECT_NE(r.body.find(R"("password")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("test")"), std::string::npos) << r.body;
  // The password keeps working, and so does the earlier session.
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 200);
  EXPECT_EQ(Me(*client_, password.id_token).status, 200);
}

TEST_F(OAuthTest, VerifiedEmailTakesOverAnUnverifiedPasswordAccount) {
  // Whoever set that password never proved the address: the provider's proof wins, the
  // password and its sessions go (no pre-hijacking of accounts).
  const std::string email = TestEmail();
  Session squatter = SignUp(*client_, email, kPassword);
  SetUser(R"({"sub":"sub-owner","email":")" + email + R"(","email_verified":true})");
  HttpResponse r = SignInWithProvider();
  Session owner = ParseSession(r);
  EXPECT_EQ(owner.uid, squatter.uid);
  Json j(r.body);
  EXPECT_EQ(BoolAt(j, "/user/emailVerified"), true);
  EXPECT_EQ(j.Size("/user/providers"), 1u) << r.body;
  EXPECT_EQ(j.String("/user/providers/0"), "test");
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 401);
  EXPECT_EQ(Me(*client_, squatter.id_token).status, 401);
  EXPECT_EQ(RefreshWith(*client_, squatter.refresh_token).status, 401);
  EXPECT_EQ(Me(*client_, owner.id_token).status, 200) << Me(*client_, owner.id_token).body;
}

TEST_F(OAuthTest, UnverifiedProviderEmailNeverLinks) {
  const std::string email = TestEmail();
  Session password = SignUp(*client_, email, kPassword);
  SetUser(R"({"sub":"sub-unverified","email":")" + email + R"(","email_verified":false})");
  const std::string app = RoundTrip();
  auto q = QueryOf(app);
  EXPECT_EQ(q["error"], "account-exists-with-different-credential") << app;
  EXPECT_FALSE(q.count("code")) << app;
  EXPECT_EQ(SignIn(*client_, email, kPassword).status, 200);
  Json user(client_->Admin("GET", "/v1/admin/users/" + password.uid).body);
  EXPECT_EQ(user.Size("/providers"), 1u);
}

TEST_F(OAuthTest, ProviderUsersWithoutEmailGetTheirOwnAccount) {
  SetUser(R"({"sub":"sub-no-email","email":null,"email_verified":null})");
  HttpResponse r = SignInWithProvider();
  Session s = ParseSession(r);
  Json j(r.body);
  EXPECT_TRUE(j.At("/user/email") && j.At("/user/email")->is_null()) << r.body;
  EXPECT_EQ(BoolAt(j, "/user/emailVerified"), false);
  EXPECT_EQ(BoolAt(j, "/user/isAnonymous"), false);
  Session again = ParseSession(SignInWithProvider());
  EXPECT_EQ(again.uid, s.uid);
}

TEST_F(OAuthTest, MisbehavingProvidersEndInAnErrorRedirect) {
  const std::vector<std::pair<std::string, std::string>> modes = {
      {"wrong-nonce", "sign-in-failed"},   {"wrong-audience", "sign-in-failed"},
      {"wrong-issuer", "sign-in-failed"},  {"expired", "sign-in-failed"},
      {"bad-signature", "sign-in-failed"}, {"alg-none", "sign-in-failed"},
      {"unknown-kid", "sign-in-failed"},   {"deny", "access_denied"},
  };
  for (const auto& [mode, error] : modes) {
    SCOPED_TRACE(mode);
    const std::string email = TestEmail(mode);
    SetUser(R"({"sub":"sub-)" + mode + R"(","email":")" + email + R"(","email_verified":true})");
    Misbehave(mode);
    const std::string app = RoundTrip();
    ASSERT_TRUE(app.starts_with(std::string(kApp) + "?")) << app;
    auto q = QueryOf(app);
    EXPECT_EQ(q["error"], error) << app;
    EXPECT_FALSE(q.count("code")) << app;
    // No account was made.
    EXPECT_EQ(client_->Admin("GET", "/v1/admin/users?email=" + UrlEncode(email)).status, 404);
  }
  // The provider behaves again: sign-in works.
  SetUser(R"({"sub":"sub-good","email":")" + TestEmail("good") + R"(","email_verified":true})");
  ParseSession(SignInWithProvider());
}

TEST_F(OAuthTest, RedirectsOffTheAllowListAre400) {
  for (std::string redirect :
       {"http://evil.test/done", "http://app.test/done.evil.com", "http://app.test/donex",
        "https://app.test/done", "http://app.test", "javascript:alert(1)", "/done",
        "http://app.test/done\\@evil.test", "http://app.test/done x"}) {
    HttpResponse r =
        client_->Request("GET", "/v1/auth/oauth/test/start?redirect=" + UrlEncode(redirect));
    EXPECT_EQ(r.status, 400) << redirect << ": " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << redirect;
    EXPECT_TRUE(r.Header("location").empty());
  }
  EXPECT_EQ(client_->Request("GET", "/v1/auth/oauth/test/start").status, 400);
  // Below the allowed prefix is fine.
  for (std::string redirect :
       {"http://app.test/done", "http://app.test/done/deeper?x=1", "http://app.test/done#frag"}) {
    HttpResponse r =
        client_->Request("GET", "/v1/auth/oauth/test/start?redirect=" + UrlEncode(redirect));
    EXPECT_EQ(r.status, 302) << redirect << ": " << r.body;
  }
  // The app's own query and fragment survive the round trip.
  SetUser(R"({"sub":"sub-query","email":")" + TestEmail() + R"(","email_verified":true})");
  const std::string app = Callback(Authorize(Start("http://app.test/done?from=menu#top")));
  EXPECT_TRUE(app.starts_with("http://app.test/done?from=menu&code=")) << app;
  EXPECT_TRUE(app.ends_with("#top")) << app;
}

TEST_F(OAuthTest, UnknownProvidersAre404) {
  HttpResponse r = client_->Request("GET", "/v1/auth/oauth/nope/start?redirect=" + UrlEncode(kApp));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "not-found"));
  EXPECT_EQ(client_->Request("GET", "/v1/auth/oauth/nope/callback?state=x&code=y").status, 404);
  EXPECT_EQ(client_->Request("GET", "/v1/auth/oauth/test/other").status, 404);
  EXPECT_EQ(
      client_->Request("POST", "/v1/auth/oauth/test/start?redirect=" + UrlEncode(kApp)).status,
      405);
}

TEST_F(OAuthTest, AReplayedOrForgedStateIs400) {
  SetUser(R"({"sub":"sub-replay","email":")" + TestEmail() + R"(","email_verified":true})");
  const std::string callback = Authorize(Start());
  const std::string app = Callback(callback);
  ASSERT_TRUE(QueryOf(app).count("code")) << app;
  HttpResponse replay = client_->Request("GET", PathAndQuery(callback));
  EXPECT_EQ(replay.status, 400) << replay.body;
  EXPECT_TRUE(IsErrorBody(replay, "invalid-argument"));
  EXPECT_TRUE(replay.Header("location").empty());

  auto q = QueryOf(callback);
  for (std::string target :
       {"/v1/auth/oauth/test/callback?code=" + UrlEncode(q["code"]),
        "/v1/auth/oauth/test/callback?state=forged-state&code=" + UrlEncode(q["code"]),
        std::string("/v1/auth/oauth/test/callback"),
        std::string("/v1/auth/oauth/test/callback?state=&error=access_denied")}) {
    HttpResponse r = client_->Request("GET", target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
  }
  // An error callback uses up its state too.
  const std::string denied = Authorize(Start());
  auto dq = QueryOf(denied);
  const std::string error_target =
      "/v1/auth/oauth/test/callback?state=" + UrlEncode(dq["state"]) + "&error=access_denied";
  EXPECT_EQ(client_->Request("GET", error_target).status, 302);
  EXPECT_EQ(client_->Request("GET", PathAndQuery(denied)).status, 400);
}

TEST_F(OAuthTest, ExchangeRefusesBadCodes) {
  for (std::string body : {std::string(""), std::string("{}"), std::string(R"({"code":1})"),
                           std::string(R"({"code":"x","more":1})")}) {
    HttpResponse r = client_->Request("POST", "/v1/auth/oauth/exchange", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  EXPECT_EQ(Exchange("not-a-real-code").status, 400);
  EXPECT_EQ(Exchange(std::string(300, 'c')).status, 400);
  EXPECT_EQ(client_->Request("GET", "/v1/auth/oauth/exchange").status, 405);
  // A state is not a code.
  auto q = QueryOf(Start());
  EXPECT_EQ(Exchange(q["state"]).status, 400);
}

TEST_F(OAuthTest, DisabledUsersCannotSignInWithTheProvider) {
  SetUser(R"({"sub":"sub-disabled","email":")" + TestEmail() + R"(","email_verified":true})");
  Session s = ParseSession(SignInWithProvider());
  ASSERT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + s.uid, R"({"disabled":true})").status,
            200);
  const std::string app = RoundTrip();
  EXPECT_EQ(QueryOf(app)["error"], "user-disabled") << app;
  EXPECT_FALSE(QueryOf(app).count("code"));
  EXPECT_EQ(Me(*client_, s.id_token).status, 401);
}

}  // namespace
}  // namespace hearth::testing
