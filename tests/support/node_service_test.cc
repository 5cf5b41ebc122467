// The loopback fakes of node_service.h over real sockets: the OpenID Connect provider's
// discovery, JWKS and code flow with PKCE (the test plays the client), its errors and
// misbehaviours; the SMTP sink's dialogue and its record of the messages.
#include "support/node_service.h"

#include "base/strings.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "api/api_test_util.h"
#include "support/http_client.h"

namespace hearth::testing {
namespace {

constexpr char kRedirectUri[] = "http://127.0.0.1:9/auth/callback";

// ---- Encodings ----

std::string Base64(std::string_view in, bool url) {
  return url ? hearth::Base64UrlEncode(in) : hearth::Base64Encode(in);
}

// Decodes unpadded base64url (base/strings.h; it also takes the standard alphabet).
std::optional<std::string> Base64UrlDecode(std::string_view in) { return hearth::Base64Decode(in); }

std::string Sha256(std::string_view in) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string PercentEncode(std::string_view in) { return hearth::PercentEncode(in); }

std::string PercentDecode(std::string_view in) {
  return hearth::PercentDecode(in, /*plus_as_space=*/true).value_or(std::string(in));
}

using Params = std::vector<std::pair<std::string, std::string>>;

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return out;
}

// The decoded query parameters of a URL (the last value of a repeated name).
std::map<std::string, std::string> QueryOf(std::string_view url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = url.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    out[PercentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
  }
  return out;
}

std::optional<bool> Bool(const Json& json, std::string_view pointer) {
  auto e = json.At(pointer);
  bool v;
  if (!e || e->get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// ---- JWT ----

struct Jwt {
  std::string header_json, payload_json, signing_input, signature;
};

std::optional<Jwt> SplitJwt(std::string_view token) {
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = Base64UrlDecode(token.substr(0, a));
  auto payload = Base64UrlDecode(token.substr(a + 1, b - a - 1));
  auto signature = Base64UrlDecode(token.substr(b + 1));
  if (!header || !payload || !signature) return std::nullopt;
  return Jwt{*header, *payload, std::string(token.substr(0, b)), *signature};
}

// True if `signature` is a valid RS256 signature of `input` by the RSA key (n, e).
bool VerifyRs256(const std::string& n, const std::string& e, const std::string& input,
                 const std::string& signature) {
  BIGNUM* bn_n =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), int(n.size()), nullptr);
  BIGNUM* bn_e =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), int(e.size()), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* key_ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = params && key_ctx && EVP_PKEY_fromdata_init(key_ctx) == 1 &&
            EVP_PKEY_fromdata(key_ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ok = ok && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
       EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()),
                        signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                        input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(key_ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_e);
  BN_free(bn_n);
  return ok;
}

// ---- The OpenID Connect provider ----

struct Pkce {
  std::string verifier, challenge;
};

Pkce NewPkce() {
  unsigned char random[32];
  RAND_bytes(random, sizeof random);
  std::string verifier = Base64(std::string_view(reinterpret_cast<char*>(random), 32), true);
  return {verifier, Base64(Sha256(verifier), true)};
}

// POST /token with `form` (HttpClient::Request would label any body as JSON).
HttpResponse PostToken(HttpClient& client, const Params& form, const std::string& headers = "") {
  std::string body = FormEncode(form);
  return client.Raw(
      "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n" +
      headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

enum class ClientAuth { kBasic, kPost };

class OidcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    oidc_ = FakeOidcProvider::Start(&error);
    ASSERT_NE(oidc_, nullptr) << error;
    client_ = std::make_unique<HttpClient>(oidc_->port());
  }

  Params AuthorizeParams(const Pkce& pkce, const std::string& nonce = "nonce-1") {
    return {{"response_type", "code"},
            {"client_id", "test-client"},
            {"redirect_uri", kRedirectUri},
            {"scope", "openid email profile"},
            {"state", "state-1"},
            {"nonce", nonce},
            {"code_challenge", pkce.challenge},
            {"code_challenge_method", "S256"}};
  }

  HttpResponse Authorize(const Params& params) {
    return client_->Request("GET", "/authorize?" + FormEncode(params));
  }

  // /authorize with the default parameters; the code from the redirect ("" if none).
  std::string Code(const Pkce& pkce, const std::string& nonce = "nonce-1") {
    HttpResponse r = Authorize(AuthorizeParams(pkce, nonce));
    EXPECT_EQ(r.status, 302) << r.body;
    return QueryOf(r.Header("location"))["code"];
  }

  // POST /token, form-encoded, authenticated as `client_id`:`secret` the `auth` way.
  HttpResponse Token(const std::string& code, const std::string& verifier,
                     ClientAuth auth = ClientAuth::kBasic,
                     const std::string& secret = "test-secret",
                     const std::string& client_id = "test-client") {
    Params form = {{"grant_type", "authorization_code"},
                   {"code", code},
                   {"redirect_uri", kRedirectUri},
                   {"code_verifier", verifier}};
    std::string extra;
    if (auth == ClientAuth::kBasic) {
      extra = "Authorization: Basic " + Base64(client_id + ":" + secret, false) + "\r\n";
    } else {
      form.emplace_back("client_id", client_id);
      form.emplace_back("client_secret", secret);
    }
    return PostToken(*client_, form, extra);
  }

  // The OAuth error code of a JSON error response ("" if it is not one).
  static std::string OAuthError(const HttpResponse& r) {
    Json j(r.body);
    auto description = j.String("/error_description");
    if (!description || description->empty()) return "";
    return j.String("/error").value_or("");
  }

  // Which of the checks a relying party makes on an ID token pass.
  std::map<std::string, bool> CheckIdToken(const std::string& id_token, const std::string& nonce) {
    Json jwks(client_->Request("GET", "/jwks").body);
    auto jwt = SplitJwt(id_token);
    EXPECT_TRUE(jwt.has_value()) << id_token;
    if (!jwt) return {};
    Json header(jwt->header_json);
    Json claims(jwt->payload_json);
    EXPECT_TRUE(header.ok() && claims.ok()) << jwt->header_json << " " << jwt->payload_json;
    auto n = Base64UrlDecode(jwks.String("/keys/0/n").value_or("!"));
    auto e = Base64UrlDecode(jwks.String("/keys/0/e").value_or("!"));
    const int64_t now = std::time(nullptr);
    return {
        {"alg", header.String("/alg") == "RS256" && header.String("/typ") == "JWT"},
        {"kid", header.String("/kid") == jwks.String("/keys/0/kid")},
        {"signature", n && e && VerifyRs256(*n, *e, jwt->signing_input, jwt->signature)},
        {"issuer", claims.String("/iss") == oidc_->issuer()},
        {"audience", claims.String("/aud") == "test-client"},
        {"nonce", claims.String("/nonce") == nonce},
        {"unexpired", claims.Int("/exp").value_or(0) > now},
    };
  }

  std::unique_ptr<FakeOidcProvider> oidc_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(OidcTest, DiscoveryDocument) {
  HttpResponse r = client_->Request("GET", "/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
  Json j(r.body);
  ASSERT_TRUE(j.ok()) << r.body;
  const std::string issuer = oidc_->issuer();
  EXPECT_EQ(issuer, "http://127.0.0.1:" + std::to_string(oidc_->port()));
  EXPECT_EQ(j.String("/issuer"), issuer);
  EXPECT_EQ(j.String("/authorization_endpoint"), issuer + "/authorize");
  EXPECT_EQ(j.String("/token_endpoint"), issuer + "/token");
  EXPECT_EQ(j.String("/jwks_uri"), issuer + "/jwks");
  EXPECT_EQ(j.Size("/response_types_supported"), 1u);
  EXPECT_EQ(j.String("/response_types_supported/0"), "code");
  EXPECT_EQ(j.Size("/code_challenge_methods_supported"), 1u);
  EXPECT_EQ(j.String("/code_challenge_methods_supported/0"), "S256");
  EXPECT_EQ(j.Size("/id_token_signing_alg_values_supported"), 1u);
  EXPECT_EQ(j.String("/id_token_signing_alg_values_supported/0"), "RS256");
  EXPECT_GE(j.Size("/subject_types_supported"), 1u);
  EXPECT_EQ(j.String("/scopes_supported/0"), "openid");
}

TEST_F(OidcTest, JwksHoldsOneRs256SigningKey) {
  HttpResponse r = client_->Request("GET", "/jwks");
  ASSERT_EQ(r.status, 200);
  Json j(r.body);
  ASSERT_TRUE(j.ok()) << r.body;
  ASSERT_EQ(j.Size("/keys"), 1u) << r.body;
  EXPECT_EQ(j.Size("/keys/0"), 6u) << r.body;  // kty n e kid alg use, nothing private
  EXPECT_EQ(j.String("/keys/0/kty"), "RSA");
  EXPECT_EQ(j.String("/keys/0/alg"), "RS256");
  EXPECT_EQ(j.String("/keys/0/use"), "sig");
  EXPECT_FALSE(j.String("/keys/0/kid").value_or("").empty());
  EXPECT_EQ(j.String("/keys/0/e"), "AQAB");
  auto n = Base64UrlDecode(j.String("/keys/0/n").value_or("!"));
  ASSERT_TRUE(n.has_value()) << r.body;
  EXPECT_EQ(n->size(), 256u);  // RSA-2048
}

TEST_F(OidcTest, CodeFlowWithPkceIssuesSignedIdToken) {
  Pkce pkce = NewPkce();
  HttpResponse authorize = Authorize(AuthorizeParams(pkce, "nonce-42"));
  ASSERT_EQ(authorize.status, 302) << authorize.body;
  const std::string location = authorize.Header("location");
  EXPECT_EQ(location.rfind(std::string(kRedirectUri) + "?", 0), 0u) << location;
  auto query = QueryOf(location);
  EXPECT_EQ(query["state"], "state-1");
  EXPECT_EQ(query.count("error"), 0u) << location;
  ASSERT_FALSE(query["code"].empty()) << location;

  const int64_t before = std::time(nullptr);
  HttpResponse token = Token(query["code"], pkce.verifier);
  ASSERT_EQ(token.status, 200) << token.body;
  Json j(token.body);
  ASSERT_TRUE(j.ok()) << token.body;
  EXPECT_EQ(j.String("/token_type"), "Bearer");
  EXPECT_EQ(j.Int("/expires_in"), 3600);
  EXPECT_EQ(j.String("/scope"), "openid email profile");
  EXPECT_FALSE(j.String("/access_token").value_or("").empty());
  const std::string id_token = j.String("/id_token").value_or("");

  auto jwt = SplitJwt(id_token);
  ASSERT_TRUE(jwt.has_value()) << id_token;
  Json header(jwt->header_json);
  EXPECT_EQ(header.String("/alg"), "RS256");
  EXPECT_EQ(header.String("/typ"), "JWT");
  Json claims(jwt->payload_json);
  ASSERT_TRUE(claims.ok()) << jwt->payload_json;
  EXPECT_EQ(claims.String("/iss"), oidc_->issuer());
  EXPECT_EQ(claims.String("/aud"), "test-client");
  EXPECT_EQ(claims.String("/sub"), "google-user-1");
  EXPECT_EQ(claims.String("/email"), "alice@example.com");
  EXPECT_EQ(Bool(claims, "/email_verified"), true);
  EXPECT_EQ(claims.String("/name"), "Alice");
  EXPECT_TRUE(claims.Has("/picture"));
  EXPECT_EQ(claims.String("/nonce"), "nonce-42");
  const int64_t iat = claims.Int("/iat").value_or(0);
  EXPECT_GE(iat, before - 5);
  EXPECT_LE(iat, before + 5);
  EXPECT_EQ(claims.Int("/exp").value_or(0) - iat, 3600);
  EXPECT_LE(claims.Int("/auth_time").value_or(INT64_MAX), iat);

  for (const auto& [check, passed] : CheckIdToken(id_token, "nonce-42")) {
    EXPECT_TRUE(passed) << check;
  }
}

TEST_F(OidcTest, ClientSecretPostAndConfiguredUser) {
  HttpResponse set = client_->Request(
      "POST", "/control/user",
      R"({"sub":"u-2","email":"bob@example.com","email_verified":false,"name":"Bob",)"
      R"("picture":null})");
  ASSERT_EQ(set.status, 200) << set.body;
  Pkce pkce = NewPkce();
  HttpResponse token = Token(Code(pkce), pkce.verifier, ClientAuth::kPost);
  ASSERT_EQ(token.status, 200) << token.body;
  auto jwt = SplitJwt(Json(token.body).String("/id_token").value_or(""));
  ASSERT_TRUE(jwt.has_value()) << token.body;
  Json claims(jwt->payload_json);
  EXPECT_EQ(claims.String("/sub"), "u-2");
  EXPECT_EQ(claims.String("/email"), "bob@example.com");
  EXPECT_EQ(Bool(claims, "/email_verified"), false);
  EXPECT_EQ(claims.String("/name"), "Bob");
  EXPECT_FALSE(claims.Has("/picture")) << jwt->payload_json;

  // The request log shows how the client authenticated (control requests are not logged).
  Json log(client_->Request("GET", "/control/requests").body);
  ASSERT_EQ(log.Size(""), 2u) << log.error();
  EXPECT_EQ(log.String("/0/path"), "/authorize");
  EXPECT_EQ(log.String("/0/query/nonce"), "nonce-1");
  EXPECT_EQ(log.String("/1/method"), "POST");
  EXPECT_EQ(log.String("/1/path"), "/token");
  EXPECT_EQ(log.String("/1/form/client_id"), "test-client");
  EXPECT_EQ(log.String("/1/form/client_secret"), "test-secret");
  EXPECT_EQ(log.String("/1/form/code_verifier"), pkce.verifier);
  EXPECT_FALSE(log.Has("/1/headers/authorization"));

  // Reset forgets the user and the log.
  ASSERT_EQ(client_->Request("POST", "/control/reset").status, 200);
  EXPECT_EQ(Json(client_->Request("GET", "/control/requests").body).Size(""), 0u);
  Pkce again = NewPkce();
  token = Token(Code(again), again.verifier);
  jwt = SplitJwt(Json(token.body).String("/id_token").value_or(""));
  ASSERT_TRUE(jwt.has_value()) << token.body;
  EXPECT_EQ(Json(jwt->payload_json).String("/sub"), "google-user-1");
}

TEST_F(OidcTest, AuthorizeRejectsBadRequests) {
  const Pkce pkce = NewPkce();
  struct Case {
    std::string name, value, want;  // value "-": leave the parameter out
  };
  const Case cases[] = {
      {"client_id", "other-client", "unknown client"},
      {"client_id", "-", "client_id"},
      {"response_type", "token", "response_type"},
      {"redirect_uri", "-", "redirect_uri"},
      {"redirect_uri", "/relative", "redirect_uri"},
      {"scope", "email profile", "openid"},
      {"state", "-", "state"},
      {"nonce", "-", "nonce"},
      {"code_challenge", "-", "code_challenge"},
      {"code_challenge_method", "-", "code_challenge_method"},
      {"code_challenge_method", "plain", "code_challenge_method"},
      {"code_challenge", "short", "code_challenge"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + "=" + c.value);
    Params params;
    for (auto& [k, v] : AuthorizeParams(pkce)) {
      if (k != c.name)
        params.emplace_back(k, v);
      else if (c.value != "-")
        params.emplace_back(k, c.value);
    }
    HttpResponse r = Authorize(params);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(c.want), std::string::npos) << r.body;
    EXPECT_EQ(r.Header("location"), "");
  }
  EXPECT_EQ(Authorize(AuthorizeParams(pkce)).status, 302);  // the baseline is good
}

TEST_F(OidcTest, TokenErrors) {
  {
    SCOPED_TRACE("PKCE verifier of another challenge");
    Pkce pkce = NewPkce();
    HttpResponse r = Token(Code(pkce), NewPkce().verifier);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_grant") << r.body;
  }
  {
    SCOPED_TRACE("code used twice");
    Pkce pkce = NewPkce();
    std::string code = Code(pkce);
    ASSERT_EQ(Token(code, pkce.verifier).status, 200);
    HttpResponse r = Token(code, pkce.verifier);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_grant") << r.body;
  }
  {
    SCOPED_TRACE("unknown code");
    HttpResponse r = Token("no-such-code", NewPkce().verifier);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_grant") << r.body;
  }
  for (ClientAuth auth : {ClientAuth::kBasic, ClientAuth::kPost}) {
    SCOPED_TRACE(auth == ClientAuth::kBasic ? "wrong secret (Basic)" : "wrong secret (post)");
    Pkce pkce = NewPkce();
    HttpResponse r = Token(Code(pkce), pkce.verifier, auth, "wrong-secret");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_client") << r.body;
  }
  {
    SCOPED_TRACE("unknown client");
    Pkce pkce = NewPkce();
    HttpResponse r = Token(Code(pkce), pkce.verifier, ClientAuth::kBasic, "test-secret", "other");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_client") << r.body;
  }
  {
    SCOPED_TRACE("no code_verifier");
    Pkce pkce = NewPkce();
    HttpResponse r = Token(Code(pkce), "");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_request") << r.body;
  }
  {
    SCOPED_TRACE("JSON instead of a form");
    HttpResponse r = client_->Request("POST", "/token", R"({"grant_type":"authorization_code"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(OAuthError(r), "invalid_request") << r.body;
  }
}

TEST_F(OidcTest, MisbehaviourAffectsOnlyTheNextToken) {
  const std::map<std::string, std::set<std::string>> modes = {
      {"wrong-nonce", {"nonce"}},       {"wrong-audience", {"audience"}},
      {"wrong-issuer", {"issuer"}},     {"expired", {"unexpired"}},
      {"bad-signature", {"signature"}}, {"alg-none", {"alg", "kid", "signature"}},
      {"unknown-kid", {"kid"}},
  };
  for (const auto& [mode, failing] : modes) {
    SCOPED_TRACE(mode);
    HttpResponse set =
        client_->Request("POST", "/control/misbehave", R"({"mode":")" + mode + "\"}");
    ASSERT_EQ(set.status, 200) << set.body;
    for (int round = 0; round < 2; ++round) {
      Pkce pkce = NewPkce();
      HttpResponse token = Token(Code(pkce, "n-" + mode), pkce.verifier);
      ASSERT_EQ(token.status, 200) << token.body;
      auto checks = CheckIdToken(Json(token.body).String("/id_token").value_or(""), "n-" + mode);
      ASSERT_EQ(checks.size(), 7u);
      std::set<std::string> failed;
      for (const auto& [check, passed] : checks) {
        if (!passed) failed.insert(check);
      }
      // The first token misbehaves as asked, the second is good again.
      EXPECT_EQ(failed, round == 0 ? failing : std::set<std::string>{}) << "round " << round;
    }
  }
  EXPECT_EQ(client_->Request("POST", "/control/misbehave", R"({"mode":"sideways"})").status, 400);
}

TEST_F(OidcTest, DenyRedirectsWithAccessDenied) {
  ASSERT_EQ(client_->Request("POST", "/control/misbehave", R"({"mode":"deny"})").status, 200);
  Pkce pkce = NewPkce();
  HttpResponse r = Authorize(AuthorizeParams(pkce));
  ASSERT_EQ(r.status, 302) << r.body;
  auto query = QueryOf(r.Header("location"));
  EXPECT_EQ(query["error"], "access_denied");
  EXPECT_EQ(query["state"], "state-1");
  EXPECT_EQ(query.count("code"), 0u);
  EXPECT_FALSE(Code(pkce).empty());  // one shot
}

TEST(OidcProvider, UsesTheGivenClientCredentials) {
  std::string error;
  auto oidc = FakeOidcProvider::Start(&error, "my-client", "my-secret");
  ASSERT_NE(oidc, nullptr) << error;
  HttpClient client(oidc->port());
  Pkce pkce = NewPkce();
  Params params = {{"response_type", "code"},
                   {"client_id", "test-client"},
                   {"redirect_uri", kRedirectUri},
                   {"scope", "openid"},
                   {"state", "s"},
                   {"nonce", "n"},
                   {"code_challenge", pkce.challenge},
                   {"code_challenge_method", "S256"}};
  EXPECT_EQ(client.Request("GET", "/authorize?" + FormEncode(params)).status, 400);
  params[1].second = "my-client";
  HttpResponse r = client.Request("GET", "/authorize?" + FormEncode(params));
  ASSERT_EQ(r.status, 302) << r.body;
  HttpResponse token = PostToken(client, {{"grant_type", "authorization_code"},
                                          {"code", QueryOf(r.Header("location"))["code"]},
                                          {"redirect_uri", kRedirectUri},
                                          {"code_verifier", pkce.verifier},
                                          {"client_id", "my-client"},
                                          {"client_secret", "my-secret"}});
  ASSERT_EQ(token.status, 200) << token.body;
  auto jwt = SplitJwt(Json(token.body).String("/id_token").value_or(""));
  ASSERT_TRUE(jwt.has_value()) << token.body;
  EXPECT_EQ(Json(jwt->payload_json).String("/aud"), "my-client");
}

// ---- Lifetime ----

// True once nothing answers HTTP on `port` (waits up to 5 s).
bool StopsAnswering(int port) {
  for (int i = 0; i < 500; ++i) {
    if (HttpClient(port).Request("GET", "/").status == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(NodeServiceLifetime, DestructorKillsTheChild) {
  std::string error;
  auto oidc = FakeOidcProvider::Start(&error);
  ASSERT_NE(oidc, nullptr) << error;
  const int port = oidc->port();
  ASSERT_EQ(HttpClient(port).Request("GET", "/jwks").status, 200);
  oidc.reset();
  EXPECT_TRUE(StopsAnswering(port));
}

TEST(NodeServiceLifetime, ChildDiesWithTheThreadThatStartedIt) {
  std::string error;
  SmtpSink* raw = nullptr;
  std::thread([&] { raw = SmtpSink::Start(&error).release(); }).join();
  ASSERT_NE(raw, nullptr) << error;
  std::unique_ptr<SmtpSink> sink(raw);  // destroyed after the check, to reap the child
  EXPECT_TRUE(StopsAnswering(sink->http_port())) << sink->Output();
}

// ---- The SMTP sink ----

// One raw SMTP client connection.
class SmtpConnection {
 public:
  explicit SmtpConnection(int port) : fd_(HttpClient(port).Connect()) {}
  ~SmtpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  // Reads one reply (all its lines, into `text`); its code, or 0 on timeout or close.
  int Read(std::string* text = nullptr) {
    std::string lines;
    for (;;) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) != std::string::npos) {
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        lines += line + "\n";
        if (line.size() < 3 || (line.size() > 3 && line[3] == '-')) continue;
        if (text) *text = lines;
        return std::isdigit(uint8_t(line[0])) ? std::stoi(line.substr(0, 3)) : 0;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return 0;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return 0;
      buffer_.append(buf, size_t(n));
    }
  }

  // Sends `bytes` and reads the reply.
  int Send(std::string_view bytes, std::string* text = nullptr) {
    if (!SendAllBytes(fd_, bytes)) return 0;
    return Read(text);
  }

 private:
  int fd_;
  std::string buffer_;
};

class SmtpSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    sink_ = SmtpSink::Start(&error);
    ASSERT_NE(sink_, nullptr) << error;
    ASSERT_NE(sink_->smtp_port(), sink_->http_port());
    http_ = std::make_unique<HttpClient>(sink_->http_port());
  }

  Json Messages() {
    HttpResponse r = http_->Request("GET", "/messages");
    EXPECT_EQ(r.status, 200);
    return Json(r.body);
  }

  std::unique_ptr<SmtpSink> sink_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(SmtpSinkTest, RecordsARawDialogue) {
  SmtpConnection smtp(sink_->smtp_port());
  ASSERT_TRUE(smtp.connected());
  EXPECT_EQ(smtp.Read(), 220);
  std::string ehlo;
  ASSERT_EQ(smtp.Send("EHLO client.test\r\n", &ehlo), 250);
  EXPECT_NE(ehlo.find("250-8BITMIME\n"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("SIZE "), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos) << ehlo;
  EXPECT_EQ(smtp.Send("AUTH PLAIN " + Base64(std::string("\0mailer\0pw", 10), false) + "\r\n"),
            235);
  EXPECT_EQ(smtp.Send("MAIL FROM:<noreply@hearth.test> SIZE=200\r\n"), 250);
  EXPECT_EQ(smtp.Send("RCPT TO:<alice@example.com>\r\n"), 250);
  EXPECT_EQ(smtp.Send("RCPT TO:<bob@example.com>\r\n"), 250);
  EXPECT_EQ(smtp.Send("DATA\r\n"), 354);
  EXPECT_EQ(smtp.Send("From: Hearth <noreply@hearth.test>\r\n"
                      "To: alice@example.com\r\n"
                      "Subject: Reset your\r\n password\r\n"
                      "\r\n"
                      "Hello Alice,\r\n"
                      "..starts with a dot\r\n"
                      ".\r\n"),
            250);
  EXPECT_EQ(smtp.Send("QUIT\r\n"), 221);

  Json m = Messages();
  ASSERT_EQ(m.Size(""), 1u) << m.error();
  EXPECT_EQ(m.String("/0/from"), "noreply@hearth.test");
  EXPECT_EQ(m.Size("/0/to"), 2u);
  EXPECT_EQ(m.String("/0/to/0"), "alice@example.com");
  EXPECT_EQ(m.String("/0/to/1"), "bob@example.com");
  EXPECT_EQ(m.String("/0/subject"), "Reset your password");
  EXPECT_EQ(m.String("/0/text"), "Hello Alice,\r\n.starts with a dot\r\n");
  EXPECT_EQ(m.String("/0/auth_user"), "mailer");
  const std::string data = m.String("/0/data").value_or("");
  EXPECT_EQ(data.rfind("From: Hearth <noreply@hearth.test>\r\n", 0), 0u) << data;
  EXPECT_TRUE(data.ends_with(" password\r\n\r\nHello Alice,\r\n.starts with a dot\r\n")) << data;

  ASSERT_EQ(http_->Request("POST", "/reset").status, 200);
  EXPECT_EQ(Messages().Size(""), 0u);
}

TEST_F(SmtpSinkTest, CommandsOutOfOrderAndUnknownCommands) {
  SmtpConnection smtp(sink_->smtp_port());
  ASSERT_EQ(smtp.Read(), 220);
  EXPECT_EQ(smtp.Send("MAIL FROM:<a@example.com>\r\n"), 503);  // before EHLO
  EXPECT_EQ(smtp.Send("HELO client.test\r\n"), 250);
  EXPECT_EQ(smtp.Send("RCPT TO:<b@example.com>\r\n"), 503);  // before MAIL
  EXPECT_EQ(smtp.Send("DATA\r\n"), 503);
  EXPECT_EQ(smtp.Send("FROBNICATE\r\n"), 502);
  EXPECT_EQ(smtp.Send("MAIL TO:<a@example.com>\r\n"), 501);
  EXPECT_EQ(smtp.Send("MAIL FROM:<a@example.com>\r\n"), 250);
  EXPECT_EQ(smtp.Send("MAIL FROM:<a@example.com>\r\n"), 503);  // nested
  EXPECT_EQ(smtp.Send("DATA\r\n"), 503);                       // before RCPT
  EXPECT_EQ(smtp.Send("NOOP\r\n"), 250);
  EXPECT_EQ(smtp.Send("RSET\r\n"), 250);
  EXPECT_EQ(smtp.Send("RCPT TO:<b@example.com>\r\n"), 503);  // RSET ended the transaction
  EXPECT_EQ(smtp.Send("QUIT\r\n"), 221);
  EXPECT_EQ(smtp.Read(), 0);  // closed
  EXPECT_EQ(Messages().Size(""), 0u);
}

TEST_F(SmtpSinkTest, AuthLoginAndQuotedPrintable) {
  SmtpConnection smtp(sink_->smtp_port());
  ASSERT_EQ(smtp.Read(), 220);
  ASSERT_EQ(smtp.Send("EHLO client.test\r\n"), 250);
  std::string prompt;
  EXPECT_EQ(smtp.Send("AUTH LOGIN\r\n", &prompt), 334);
  EXPECT_EQ(prompt, "334 " + Base64("Username:", false) + "\n");
  EXPECT_EQ(smtp.Send(Base64("carol", false) + "\r\n", &prompt), 334);
  EXPECT_EQ(prompt, "334 " + Base64("Password:", false) + "\n");
  EXPECT_EQ(smtp.Send(Base64("any password", false) + "\r\n"), 235);
  EXPECT_EQ(smtp.Send("MAIL FROM:<noreply@hearth.test>\r\nRCPT TO:<carol@example.com>\r\n"), 250);
  EXPECT_EQ(smtp.Read(), 250);
  EXPECT_EQ(smtp.Send("DATA\r\n"), 354);
  EXPECT_EQ(smtp.Send("Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "Open https://app.test/reset?token=3Dab=\r\n"
                      "cd to continue.\r\n"
                      ".\r\n"),
            250);

  Json m = Messages();
  ASSERT_EQ(m.Size(""), 1u);
  EXPECT_EQ(m.String("/0/auth_user"), "carol");
  EXPECT_EQ(m.String("/0/subject"), "Caf\xC3\xA9");
  EXPECT_EQ(m.String("/0/text"), "Open https://app.test/reset?token=abcd to continue.\r\n");
}

}  // namespace
}  // namespace hearth::testing
