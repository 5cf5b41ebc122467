// DecodeJwt and SignJwt: the compact form, what decoding accepts and what it refuses.
// (The attacks on verification are in token_verifier_test.cc.)
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "base/strings.h"

namespace hearth::auth {
namespace {

std::shared_ptr<const RsaKey> TestKey() {
  static std::shared_ptr<const RsaKey> key = [] {
    auto k = RsaKey::Generate(2048);
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? *k : nullptr;
  }();
  return key;
}

// header.payload.signature from raw parts (each base64url-encoded here).
std::string Compact(std::string_view header, std::string_view payload, std::string_view sig) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + Base64UrlEncode(sig);
}

TEST(Jwt, SignThenDecodeRoundTrips) {
  auto key = TestKey();
  ASSERT_NE(key, nullptr);
  const std::string payload = R"({"sub":"u1","n":42,"s":"\u00e9t\u00e9"})";
  auto token = SignJwt(*key, "kid-1", payload);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  auto jwt = DecodeJwt(*token);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->alg, "RS256");
  EXPECT_EQ(jwt->kid, "kid-1");
  EXPECT_EQ(jwt->payload, payload);
  EXPECT_EQ(jwt->signing_input, token->substr(0, token->rfind('.')));
  EXPECT_EQ(jwt->signature.size(), 256u);  // 2048-bit RSA
  EXPECT_TRUE(key->VerifyRs256(jwt->signing_input, jwt->signature));
  // The header is exactly what SignJwt promises, and no segment is padded.
  auto header = Base64Decode(token->substr(0, token->find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(*header, R"({"alg":"RS256","kid":"kid-1","typ":"JWT"})");
  EXPECT_EQ(token->find('='), std::string::npos);
}

TEST(Jwt, KidIsJsonEscapedInTheHeader) {
  auto key = TestKey();
  ASSERT_NE(key, nullptr);
  auto token = SignJwt(*key, R"(a"b\c)", "{}");
  ASSERT_TRUE(token.ok());
  auto jwt = DecodeJwt(*token);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->kid, R"(a"b\c)");
}

TEST(Jwt, SignatureFailsForOtherInputOrKey) {
  auto key = TestKey();
  ASSERT_NE(key, nullptr);
  auto other = RsaKey::Generate(2048);
  ASSERT_TRUE(other.ok());
  auto sig = key->SignRs256("hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key->VerifyRs256("hello", *sig));
  EXPECT_FALSE(key->VerifyRs256("hellO", *sig));
  EXPECT_FALSE((*other)->VerifyRs256("hello", *sig));
  EXPECT_FALSE(key->VerifyRs256("hello", ""));
  EXPECT_FALSE(key->VerifyRs256("hello", sig->substr(1)));
}

TEST(Jwt, PublicJwkVerifiesWhatThePrivateKeySigned) {
  auto key = TestKey();
  ASSERT_NE(key, nullptr);
  auto pub = RsaKey::FromJwk(key->modulus(), key->exponent());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  auto sig = key->SignRs256("data");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE((*pub)->VerifyRs256("data", *sig));
  EXPECT_EQ((*pub)->bits(), 2048);
  // A public key cannot sign.
  EXPECT_FALSE((*pub)->SignRs256("data").ok());
  // Keys below 2048 bits and malformed members are refused.
  EXPECT_FALSE(RsaKey::FromJwk(Base64UrlEncode(std::string(128, '\x7f')), key->exponent()).ok());
  EXPECT_FALSE(RsaKey::FromJwk("not base64!", key->exponent()).ok());
  EXPECT_FALSE(RsaKey::FromJwk(key->modulus(), "").ok());
}

TEST(Jwt, PrivatePemRoundTrips) {
  auto key = TestKey();
  ASSERT_NE(key, nullptr);
  auto pem = key->PrivatePem();
  ASSERT_TRUE(pem.ok());
  EXPECT_NE(pem->find("PRIVATE KEY"), std::string::npos);
  auto again = RsaKey::FromPrivatePem(*pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->modulus(), key->modulus());
  EXPECT_FALSE(RsaKey::FromPrivatePem("-----BEGIN PRIVATE KEY-----\nAAAA\n").ok());
  EXPECT_FALSE(RsaKey::FromPrivatePem("").ok());
}

TEST(Jwt, DecodeRefusesMalformedTokens) {
  const std::string header = R"({"alg":"RS256","kid":"k"})";
  const std::string good = Compact(header, R"({"sub":"x"})", "sig");
  ASSERT_TRUE(DecodeJwt(good).ok());
  const std::string h = Base64UrlEncode(header);
  const std::string p = Base64UrlEncode(R"({"sub":"x"})");
  const std::string s = Base64UrlEncode("sig");
  struct Case {
    std::string name, token;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"one segment", h},
      {"two segments", h + "." + p},
      {"four segments", good + "." + s},
      {"trailing dot", good + "."},
      {"empty header", "." + p + "." + s},
      {"empty payload", h + ".." + s},
      {"empty signature", h + "." + p + "."},
      {"padding", h + "." + p + "." + s + "="},
      {"standard alphabet +", h + "." + p + "." + s + "+A"},
      {"standard alphabet /", h + "." + p + "." + "/" + s},
      {"space", h + "." + p + " ." + s},
      {"newline", h + "." + p + "." + s + "\n"},
      {"NUL", h + "." + p + "." + s + std::string(1, '\0')},
      {"percent", h + "." + p + "." + "%41" + s},
      {"non-canonical base64 (length 4k+1)", h + "." + p + "." + s + "A"},
      {"header not JSON", Compact("{alg:RS256}", R"({"sub":"x"})", "sig")},
      {"header an array", Compact(R"(["RS256"])", R"({"sub":"x"})", "sig")},
      {"header without alg", Compact(R"({"kid":"k"})", R"({"sub":"x"})", "sig")},
      {"alg not a string", Compact(R"({"alg":256})", R"({"sub":"x"})", "sig")},
      {"payload not JSON", Compact(header, "sub=x", "sig")},
      {"payload an array", Compact(header, "[1,2]", "sig")},
      {"payload a string", Compact(header, R"("x")", "sig")},
      {"oversized", Compact(header, R"({"pad":")" + std::string(20000, 'a') + R"("})", "sig")},
  };
  for (const Case& c : cases) {
    auto jwt = DecodeJwt(c.token);
    EXPECT_FALSE(jwt.ok()) << c.name;
    if (!jwt.ok()) {
      EXPECT_EQ(jwt.status().code(), Code::kUnauthenticated) << c.name;
    }
  }
}

TEST(Jwt, DecodeAcceptsUpToTheSizeLimit) {
  const std::string header = R"({"alg":"RS256"})";
  // A 12 KB payload keeps the token under 16 KiB.
  auto jwt = DecodeJwt(Compact(header, R"({"pad":")" + std::string(12000, 'a') + R"("})", "s"));
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->kid, "");
  EXPECT_EQ(jwt->payload.size(), 12000u + 10);
}

}  // namespace
}  // namespace hearth::auth
