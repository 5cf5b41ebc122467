// Users: email normalisation, profile and custom-claim validation, uids, the stored
// record and the public JSON form (never the password hash).
#include "auth/user.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>

namespace hearth::auth {
namespace {

using model::Value;

TEST(NormalizeEmail, LowerCasesValidAddresses) {
  EXPECT_EQ(*NormalizeEmail("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(*NormalizeEmail("a+tag.x@mail.example.co.uk"), "a+tag.x@mail.example.co.uk");
  EXPECT_EQ(*NormalizeEmail("o'brien@example.ie"), "o'brien@example.ie");
  const std::string longest = std::string(64, 'a') + "@" + std::string(185, 'b') + ".com";
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(NormalizeEmail(longest).ok());
}

TEST(NormalizeEmail, RefusesInvalidAddresses) {
  const std::string too_long = std::string(64, 'a') + "@" + std::string(186, 'b') + ".com";
  for (std::string bad : {std::string(""),
                          std::string("alice"),
                          std::string("@example.com"),
                          std::string("alice@"),
                          std::string("alice@example"),
                          std::string("a@b@example.com"),
                          std::string("alice@.example.com"),
                          std::string("alice@example.com."),
                          std::string("alice@exa..mple.com"),
                          std::string("al ice@example.com"),
                          std::string(" alice@example.com"),
                          std::string("alice@example.com\n"),
                          std::string("alice@example.com\r"),
                          std::string("<alice@example.com>"),
                          std::string("a,b@example.com"),
                          std::string("a;b@example.com"),
                          std::string("\"a\"@example.com"),
                          std::string("alice@exa\tmple.com"),
                          std::string("alice\x7f@example.com"),
                          std::string("al\0ice@example.com", 18),
                          std::string("\xff@example.com"),
                          too_long}) {
    auto r = NormalizeEmail(bad);
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(ValidateDisplayName, LimitsLengthAndEncoding) {
  EXPECT_TRUE(ValidateDisplayName("").ok());
  EXPECT_TRUE(ValidateDisplayName("Zoë 🙂").ok());
  EXPECT_TRUE(ValidateDisplayName(std::string(256, 'n')).ok());
  EXPECT_FALSE(ValidateDisplayName(std::string(257, 'n')).ok());
  EXPECT_FALSE(ValidateDisplayName("bad \xc3").ok());
}

TEST(ValidatePhotoUrl, AcceptsOnlyHttpUrls) {
  EXPECT_TRUE(ValidatePhotoUrl("").ok());
  EXPECT_TRUE(ValidatePhotoUrl("https://example.com/a.png").ok());
  EXPECT_TRUE(ValidatePhotoUrl("http://example.com/a.png?x=1#y").ok());
  EXPECT_TRUE(ValidatePhotoUrl("https://example.com/" + std::string(2028, 'p')).ok());
  for (std::string bad :
       {std::string("javascript:alert(1)"), std::string("data:image/png;base64,AAAA"),
        std::string("ftp://example.com/a.png"), std::string("//example.com/a.png"),
        std::string("example.com/a.png"), std::string("https://example.com/a b.png"),
        std::string("https://example.com/\na.png"), std::string("https://example.com/\t"),
        std::string("https://example.com/" + std::string(2029, 'p'))}) {
    auto s = ValidatePhotoUrl(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << "accepted: " << bad.substr(0, 60);
  }
}

TEST(ValidateCustomClaims, RefusesReservedNames) {
  for (std::string name : {"iss",
                           "sub",
                           "aud",
                           "exp",
                           "iat",
                           "nbf",
                           "auth_time",
                           "firebase",
                           "user_id",
                           "uid",
                           "email",
                           "email_verified",
                           "sign_in_provider",
                           "name",
                           "picture",
                           "nonce",
                           "azp",
                           "jti",
                           "phone_number",
                           "acr",
                           "amr",
                           "at_hash",
                           "c_hash",
                           "cnf"}) {
    model::Map claims{{name, Value::String("x")}};
    EXPECT_EQ(ValidateCustomClaims(claims).code(), Code::kInvalidArgument) << name;
  }
  EXPECT_TRUE(ValidateCustomClaims({}).ok());
  model::Map fine{{"role", Value::String("admin")},
                  {"teams", Value::FromArray({Value::String("a"), Value::Integer(2)})},
                  {"limits", Value::FromMap({{"sub", Value::Integer(1)}})}};
  EXPECT_TRUE(ValidateCustomClaims(fine).ok());
}

TEST(ValidateCustomClaims, AtMost1000BytesOfJson) {
  // {"x":"<v>"} is 8 bytes plus the value.
  model::Map at_limit{{"x", Value::String(std::string(992, 'v'))}};
  EXPECT_TRUE(ValidateCustomClaims(at_limit).ok());
  model::Map over{{"x", Value::String(std::string(993, 'v'))}};
  EXPECT_EQ(ValidateCustomClaims(over).code(), Code::kInvalidArgument);
}

TEST(NewUid, Is28AlphanumericCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string uid = NewUid();
    ASSERT_EQ(uid.size(), 28u);
    for (char c : uid) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << uid;
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

User SampleUser() {
  User u;
  u.uid = "uid-1";
  u.email = "a@example.com";
  u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  u.display_name = "A \"quoted\" name";
  u.photo_url = "https://example.com/a.png";
  u.email_verified = true;
  u.disabled = true;
  u.providers = {"password", "google"};
  u.custom_claims = {{"role", Value::String("admin")}, {"level", Value::Integer(3)}};
  u.created = 1'700'000'000'123'456;
  u.last_sign_in = 1'700'000'100'000'000;
  u.tokens_valid_after = 1'700'000'050;
  return u;
}

TEST(UserRecord, RoundTripsEveryField) {
  const User u = SampleUser();
  storage::UserRecord record = ToRecord(u);
  EXPECT_EQ(record.uid, "uid-1");
  EXPECT_EQ(record.email, "a@example.com");
  auto back = FromRecord(record);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->uid, u.uid);
  EXPECT_EQ(back->email, u.email);
  EXPECT_EQ(back->password_hash, u.password_hash);
  EXPECT_EQ(back->display_name, u.display_name);
  EXPECT_EQ(back->photo_url, u.photo_url);
  EXPECT_EQ(back->email_verified, u.email_verified);
  EXPECT_EQ(back->disabled, u.disabled);
  EXPECT_EQ(back->providers, u.providers);
  EXPECT_EQ(back->custom_claims, u.custom_claims);
  EXPECT_EQ(back->created, u.created);
  EXPECT_EQ(back->last_sign_in, u.last_sign_in);
  EXPECT_EQ(back->tokens_valid_after, u.tokens_valid_after);
  EXPECT_FALSE(FromRecord({"u", "", "not json"}).ok());
}

TEST(UserJson, NeverShowsThePasswordHash) {
  const User u = SampleUser();
  std::string out;
  AppendUserJson(out, u);
  EXPECT_EQ(out.find("argon2"), std::string::npos) << out;
  EXPECT_EQ(out.find("assword\":"), std::string::npos) << out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(root["uid"]), "uid-1");
  EXPECT_EQ(std::string_view(root["displayName"]), "A \"quoted\" name");
  EXPECT_TRUE(bool(root["emailVerified"]));
  EXPECT_TRUE(bool(root["disabled"]));
  EXPECT_FALSE(bool(root["isAnonymous"]));
  EXPECT_EQ(int64_t(root["customClaims"]["level"]), 3);
  EXPECT_EQ(std::string_view(root["createdAt"]).substr(0, 4), "2023");
}

TEST(UserJson, AnonymousUsersHaveNullEmail) {
  User u;
  u.uid = "anon";
  u.providers = {"anonymous"};
  std::string out;
  AppendUserJson(out, u);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  EXPECT_TRUE(root["email"].is_null());
  EXPECT_TRUE(bool(root["isAnonymous"]));
  // Linking a provider ends anonymity.
  u.AddProvider("password");
  EXPECT_FALSE(u.anonymous());
  EXPECT_EQ(u.providers, std::vector<std::string>{"password"});
  u.AddProvider("password");
  EXPECT_EQ(u.providers.size(), 1u);
}

}  // namespace
}  // namespace hearth::auth
