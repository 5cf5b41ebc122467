// AuthService::VerifyIdToken against the attacks on JWT verification: algorithm
// confusion (none, HS256 keyed with the public key), foreign keys and kids, tampering,
// expiry, issuer, audience, issue time, malformed encodings, size; and revocation.
// Tokens are signed here with the service's own keys (a second KeyStore on its folder).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <map>
#include <string>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth_test_util.h"
#include "base/clock.h"
#include "base/strings.h"

namespace hearth::auth {
namespace {

using testing::AuthServiceFixture;
using testing::Await;

int64_t Now() { return SystemClock().NowMicros() / 1'000'000; }

// Claims as raw JSON values by name; a value of "" leaves the claim out.
using Claims = std::map<std::string, std::string>;

std::string ClaimsJson(const Claims& overrides) {
  Claims claims = {{"iss", R"("hearth:proj")"},
                   {"aud", R"("proj")"},
                   {"sub", R"("user-1")"},
                   {"iat", std::to_string(Now() - 5)},
                   {"exp", std::to_string(Now() + 3600)}};
  for (const auto& [k, v] : overrides) claims[k] = v;
  std::string out = "{";
  for (const auto& [k, v] : claims) {
    if (v.empty()) continue;
    if (out.size() > 1) out += ',';
    out += "\"" + k + "\":" + v;
  }
  return out + "}";
}

// The public half of `key` as a PEM "PUBLIC KEY" block (what an attacker downloads).
std::string PublicPem(const RsaKey& key) {
  auto pem = key.PrivatePem();
  if (!pem.ok()) return "";
  BIO* in = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, pkey);
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(out);
  EVP_PKEY_free(pkey);
  return text;
}

std::string HmacSha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

class TokenVerifier : public AuthServiceFixture {
 protected:
  void SetUp() override {
    AuthServiceFixture::SetUp();
    auto keys = KeyStore::Open(keys_dir());
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(*keys);
    auto probe = keys_->Sign("{}");
    ASSERT_TRUE(probe.ok());
    kid_ = DecodeJwt(*probe)->kid;
    key_ = keys_->Find(kid_);
    ASSERT_NE(key_, nullptr);
  }

  // A token signed by the service's active key.
  std::string Signed(const Claims& claims = {}) {
    auto token = keys_->Sign(ClaimsJson(claims));
    EXPECT_TRUE(token.ok());
    return token.ok() ? *token : "";
  }
  // header.payload signed RS256 by `key` (raw JSON header).
  static std::string SignedWith(const RsaKey& key, std::string_view header_json,
                                std::string_view payload_json) {
    std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
    auto sig = key.SignRs256(input);
    EXPECT_TRUE(sig.ok());
    return input + "." + Base64UrlEncode(sig.ok() ? *sig : "");
  }
  std::string Header(std::string_view alg = "RS256") const {
    return R"({"alg":")" + std::string(alg) + R"(","kid":")" + kid_ + R"(","typ":"JWT"})";
  }

  // Asserts that `token` is refused as `unauthenticated`; returns the message.
  std::string Refused(const std::string& token) {
    auto ctx = auth_->VerifyIdToken(token);
    EXPECT_FALSE(ctx.ok()) << "accepted: " << token.substr(0, 200);
    if (ctx.ok()) return "";
    EXPECT_EQ(ctx.status().code(), Code::kUnauthenticated) << ctx.status().ToString();
    return ctx.status().message();
  }

  std::unique_ptr<KeyStore> keys_;
  std::string kid_;
  std::shared_ptr<const RsaKey> key_;
};

TEST_F(TokenVerifier, AcceptsAWellFormedToken) {
  auto ctx = auth_->VerifyIdToken(Signed({{"sign_in_provider", R"("password")"},
                                          {"auth_time", std::to_string(Now() - 7)},
                                          {"role", R"("editor")"}}));
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ((*ctx)->uid, "user-1");
  EXPECT_EQ((*ctx)->sign_in_provider, "password");
  EXPECT_EQ((*ctx)->auth_time, Now() - 7);
  EXPECT_GT((*ctx)->expires_at, Now());
  auto role = (*ctx)->token.find("role");
  ASSERT_NE(role, (*ctx)->token.end());
  EXPECT_EQ(role->second.string_value(), "editor");
}

TEST_F(TokenVerifier, AcceptsTheServicesOwnTokens) {
  auto session =
      Await<Session>([&](auto done) { auth_->SignInAnonymously("10.0.0.1", std::move(done)); });
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto ctx = auth_->VerifyIdToken(session->id_token);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ((*ctx)->uid, session->user.uid);
  EXPECT_EQ((*ctx)->sign_in_provider, "anonymous");
  EXPECT_EQ(session->expires_in, 3600);
  EXPECT_EQ((*ctx)->expires_at - (*ctx)->issued_at, 3600);
}

TEST_F(TokenVerifier, RejectsAlgNone) {
  const std::string payload = ClaimsJson({});
  const std::string unsigned_input =
      Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + Base64UrlEncode(payload);
  Refused(unsigned_input + ".");
  Refused(unsigned_input);
  // With a signature segment, and with the real kid, and in other spellings.
  Refused(unsigned_input + "." + Base64UrlEncode("x"));
  for (std::string alg : {"none", "None", "NONE", "nOnE", ""}) {
    SCOPED_TRACE(alg);
    Refused(Base64UrlEncode(Header(alg)) + "." + Base64UrlEncode(payload) + "." +
            Base64UrlEncode("x"));
  }
  // A real RS256 signature under a header that says none.
  EXPECT_NE(Refused(SignedWith(*key_, Header("none"), payload)).find("RS256"), std::string::npos);
}

TEST_F(TokenVerifier, RejectsHs256KeyedWithThePublicKey) {
  const std::string payload = ClaimsJson({});
  const std::string input = Base64UrlEncode(Header("HS256")) + "." + Base64UrlEncode(payload);
  const std::string pem = PublicPem(*key_);
  ASSERT_NE(pem.find("PUBLIC KEY"), std::string::npos);
  for (const std::string& secret : {pem, auth_->JwksJson(), key_->modulus()}) {
    Refused(input + "." + Base64UrlEncode(HmacSha256(secret, input)));
  }
  // The same with "RS256" in the header but an HMAC in place of the signature.
  const std::string rs_input = Base64UrlEncode(Header()) + "." + Base64UrlEncode(payload);
  Refused(rs_input + "." + Base64UrlEncode(HmacSha256(pem, rs_input)));
}

TEST_F(TokenVerifier, RejectsOtherAlgorithms) {
  const std::string payload = ClaimsJson({});
  for (std::string alg : {"RS384", "RS512", "PS256", "ES256", "rs256", "RS256 "}) {
    SCOPED_TRACE(alg);
    Refused(SignedWith(*key_, Header(alg), payload));
  }
}

TEST_F(TokenVerifier, RejectsAWrongKeyUnderTheRealKid) {
  auto rogue = RsaKey::Generate(2048);
  ASSERT_TRUE(rogue.ok());
  std::string message = Refused(SignedWith(**rogue, Header(), ClaimsJson({})));
  EXPECT_NE(message.find("signature"), std::string::npos) << message;
}

TEST_F(TokenVerifier, RejectsUnknownOrMissingKid) {
  const std::string payload = ClaimsJson({});
  std::string message =
      Refused(SignedWith(*key_, R"({"alg":"RS256","kid":"no-such-kid"})", payload));
  EXPECT_NE(message.find("unknown key"), std::string::npos) << message;
  Refused(SignedWith(*key_, R"({"alg":"RS256"})", payload));
  Refused(SignedWith(*key_, R"({"alg":"RS256","kid":""})", payload));
  Refused(SignedWith(*key_, R"({"alg":"RS256","kid":5})", payload));
  // The same key under a kid that differs only in case.
  std::string upper = kid_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != kid_) {
    Refused(SignedWith(*key_, R"({"alg":"RS256","kid":")" + upper + "\"}", payload));
  }
}

TEST_F(TokenVerifier, RejectsTamperedPayload) {
  const std::string token = Signed();
  ASSERT_TRUE(auth_->VerifyIdToken(token).ok());
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  // Another subject, re-encoded, under the original signature.
  std::string forged = token.substr(0, dot1 + 1) +
                       Base64UrlEncode(ClaimsJson({{"sub", R"("admin")"}})) + token.substr(dot2);
  Refused(forged);
  // One character of the payload changed.
  std::string flipped = token;
  flipped[dot1 + 3] = flipped[dot1 + 3] == 'A' ? 'B' : 'A';
  Refused(flipped);
}

TEST_F(TokenVerifier, RejectsTamperedHeader) {
  const std::string token = Signed();
  const size_t dot1 = token.find('.');
  std::string forged =
      Base64UrlEncode(R"({"alg":"RS256","kid":")" + kid_ + R"(","typ":"JWT","x":1})") +
      token.substr(dot1);
  Refused(forged);
}

TEST_F(TokenVerifier, RejectsTamperedSignature) {
  const std::string token = Signed();
  const size_t dot2 = token.rfind('.');
  std::string flipped = token;
  flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
  Refused(flipped);
  Refused(token.substr(0, token.size() - 4));  // truncated signature
  Refused(token.substr(0, dot2 + 1) + Base64UrlEncode(std::string(256, '\0')));
  // Another token's valid signature.
  const std::string other = Signed({{"sub", R"("user-2")"}});
  Refused(token.substr(0, dot2) + other.substr(other.rfind('.')));
}

TEST_F(TokenVerifier, RejectsExpiredTokens) {
  std::string message = Refused(
      Signed({{"iat", std::to_string(Now() - 7200)}, {"exp", std::to_string(Now() - 3600)}}));
  EXPECT_NE(message.find("expired"), std::string::npos) << message;
  Refused(Signed({{"exp", std::to_string(Now() - 1)}}));
  Refused(Signed({{"exp", ""}}));
  Refused(Signed({{"exp", R"("9999999999")"}}));
  Refused(Signed({{"exp", "9999999999.5"}}));
}

TEST_F(TokenVerifier, RejectsWrongIssuerOrAudience) {
  Refused(Signed({{"iss", R"("hearth:other")"}}));
  Refused(Signed({{"iss", R"("https://securetoken.google.com/proj")"}}));
  Refused(Signed({{"iss", ""}}));
  Refused(Signed({{"iss", R"(["hearth:proj"])"}}));
  Refused(Signed({{"aud", R"("other")"}}));
  Refused(Signed({{"aud", R"("PROJ")"}}));
  Refused(Signed({{"aud", ""}}));
  Refused(Signed({{"aud", R"(["proj"])"}}));
}

TEST_F(TokenVerifier, RejectsIssueTimeInTheFuture) {
  std::string message = Refused(
      Signed({{"iat", std::to_string(Now() + 3600)}, {"exp", std::to_string(Now() + 7200)}}));
  EXPECT_NE(message.find("future"), std::string::npos) << message;
  Refused(Signed({{"iat", ""}}));
  // Within the allowed clock skew (60 s) a token is fine.
  EXPECT_TRUE(auth_->VerifyIdToken(Signed({{"iat", std::to_string(Now() + 20)}})).ok());
}

TEST_F(TokenVerifier, RejectsMissingOrOversizedSubject) {
  Refused(Signed({{"sub", ""}}));
  Refused(Signed({{"sub", R"("")"}}));
  Refused(Signed({{"sub", "42"}}));
  Refused(Signed({{"sub", "\"" + std::string(129, 'a') + "\""}}));
}

TEST_F(TokenVerifier, RejectsMalformedEncodings) {
  const std::string token = Signed();
  ASSERT_TRUE(auth_->VerifyIdToken(token).ok());
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  Refused(token + "=");
  Refused(token.substr(0, dot2) + ".+" + token.substr(dot2 + 2));
  Refused(token.substr(0, dot1) + "/" + token.substr(dot1));
  Refused(" " + token);
  Refused(token + " ");
  Refused(token + "." + token.substr(dot2 + 1));  // extra segment
  Refused(token + ".");
  Refused(token.substr(0, dot2));  // two segments
  Refused("");
  Refused("Bearer " + token);
  // Standard base64 with padding for the payload (the same bytes, another spelling).
  std::string payload = ClaimsJson({});
  std::string padded = Base64Encode(payload);
  if (padded.find_first_of("+/=") != std::string::npos) {
    Refused(token.substr(0, dot1 + 1) + padded + token.substr(dot2));
  }
}

TEST_F(TokenVerifier, RejectsOversizedTokens) {
  // A huge but validly signed token is refused before any parsing.
  std::string message = Refused(Signed({{"pad", "\"" + std::string(20000, 'p') + "\""}}));
  EXPECT_NE(message.find("too long"), std::string::npos) << message;
  Refused(std::string(1 << 20, 'A'));
}

TEST_F(TokenVerifier, RejectsClaimsThatAreNotAnObject) {
  Refused(SignedWith(*key_, Header(), "[]"));
  Refused(SignedWith(*key_, Header(), "null"));
  Refused(SignedWith(*key_, Header(), R"({"sub":)"));
}

// Revocation is checked on every call, also for tokens already verified (and cached).
TEST_F(TokenVerifier, DisablingAUserRevokesItsTokensAtOnce) {
  auto user = Await<User>([&](auto done) { auth_->AdminCreateUser({}, std::move(done)); });
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  const std::string sub = "\"" + user->uid + "\"";
  const std::string old_token = Signed({{"sub", sub}, {"iat", std::to_string(Now() - 30)}});
  const std::string recent_token = Signed({{"sub", sub}, {"iat", std::to_string(Now())}});
  ASSERT_TRUE(auth_->VerifyIdToken(old_token).ok());
  ASSERT_TRUE(auth_->VerifyIdToken(recent_token).ok());
  const std::string other = Signed({{"sub", R"("someone-else")"}});
  UserUpdate update;
  update.disabled = true;
  auto disabled = Await<User>(
      [&](auto done) { auth_->AdminUpdateUser(user->uid, std::move(update), std::move(done)); });
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_TRUE(disabled->disabled);
  EXPECT_NE(Refused(old_token).find("revoked"), std::string::npos);
  // A token issued in the very second of the revocation is revoked too.
  EXPECT_NE(Refused(recent_token).find("revoked"), std::string::npos);
  EXPECT_TRUE(auth_->VerifyIdToken(other).ok());
}

TEST_F(TokenVerifier, DeletingAUserRevokesItsTokens) {
  auto user = Await<User>([&](auto done) { auth_->AdminCreateUser({}, std::move(done)); });
  ASSERT_TRUE(user.ok());
  const std::string token = Signed({{"sub", "\"" + user->uid + "\""}});
  ASSERT_TRUE(auth_->VerifyIdToken(token).ok());
  auto deleted =
      Await<bool>([&](auto done) { auth_->AdminDeleteUser(user->uid, std::move(done)); });
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  Refused(token);
}

// Revocations survive a restart: they are loaded from the store.
TEST_F(TokenVerifier, RevocationsSurviveARestart) {
  auto user = Await<User>([&](auto done) { auth_->AdminCreateUser({}, std::move(done)); });
  ASSERT_TRUE(user.ok());
  UserUpdate update;
  update.disabled = true;
  ASSERT_TRUE(Await<User>([&](auto done) {
                auth_->AdminUpdateUser(user->uid, std::move(update), std::move(done));
              }).ok());
  const std::string token =
      Signed({{"sub", "\"" + user->uid + "\""}, {"iat", std::to_string(Now() - 30)}});
  Refused(token);
  Close();
  ASSERT_NO_FATAL_FAILURE(Open(TestConfig()));
  Refused(token);
}

// A service configured with another project refuses this project's tokens.
TEST_F(TokenVerifier, AnotherProjectRefusesTheToken) {
  const std::string token = Signed();
  ASSERT_TRUE(auth_->VerifyIdToken(token).ok());
  Close();
  AuthConfig config = TestConfig();
  config.project_id = "other";
  ASSERT_NO_FATAL_FAILURE(Open(config));
  Refused(token);
}

}  // namespace
}  // namespace hearth::auth
