// KeyStore: the first key generated (owner-only file), persistence, rotation (the old kid
// keeps verifying, the new one signs, both published), expiry of retired keys, and a
// damaged key file never replaced.
#include "auth/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/jwt.h"
#include "base/clock.h"
#include "support/server_process.h"

namespace hearth::auth {
namespace {

using hearth::testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

int Mode(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

std::string KidOf(const std::string& token) {
  auto jwt = DecodeJwt(token);
  return jwt.ok() ? jwt->kid : "";
}

// Signs with `store` and checks the token verifies with the key its kid names.
std::string SignAndCheck(KeyStore& store) {
  auto token = store.Sign(R"({"sub":"x"})");
  EXPECT_TRUE(token.ok()) << token.status().ToString();
  if (!token.ok()) return "";
  auto jwt = DecodeJwt(*token);
  EXPECT_TRUE(jwt.ok());
  auto key = store.Find(jwt->kid);
  EXPECT_NE(key, nullptr);
  if (key) {
    EXPECT_TRUE(key->VerifyRs256(jwt->signing_input, jwt->signature));
  }
  return jwt->kid;
}

// Polls until the running `store` signs with `kid` (it re-reads the file within ~1 s).
bool WaitUntilSigningWith(KeyStore& store, const std::string& kid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto token = store.Sign("{}");
    if (token.ok() && KidOf(*token) == kid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(KeyStore, GeneratesTheFirstKeyReadableByTheOwnerOnly) {
  TempDir dir;
  const std::string keys_dir = dir.path() + "/data";
  auto store = KeyStore::Open(keys_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string file = keys_dir + "/keys.json";
  EXPECT_EQ(Mode(file), 0600);
  EXPECT_NE(ReadAll(file).find("PRIVATE KEY"), std::string::npos);
  const std::string kid = SignAndCheck(**store);
  ASSERT_FALSE(kid.empty());
  const std::string jwks = (*store)->JwksJson();
  EXPECT_NE(jwks.find("\"kid\":\"" + kid + "\""), std::string::npos) << jwks;
  EXPECT_NE(jwks.find(R"("kty":"RSA")"), std::string::npos) << jwks;
  EXPECT_NE(jwks.find(R"("alg":"RS256")"), std::string::npos) << jwks;
  EXPECT_EQ(jwks.find("PRIVATE"), std::string::npos) << jwks;
  EXPECT_EQ(jwks.find(R"("d":)"), std::string::npos) << jwks;
  // The published key verifies what the store signs.
  auto token = (*store)->Sign(R"({"a":1})");
  ASSERT_TRUE(token.ok());
  auto key = (*store)->Find(kid);
  ASSERT_NE(key, nullptr);
  auto pub = RsaKey::FromJwk(key->modulus(), key->exponent());
  ASSERT_TRUE(pub.ok());
  auto jwt = DecodeJwt(*token);
  EXPECT_TRUE((*pub)->VerifyRs256(jwt->signing_input, jwt->signature));
}

TEST(KeyStore, ReopeningKeepsTheKey) {
  TempDir dir;
  std::string kid;
  {
    auto store = KeyStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    kid = SignAndCheck(**store);
  }
  auto store = KeyStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(SignAndCheck(**store), kid);
}

TEST(KeyStore, RotationSignsWithTheNewKidAndStillVerifiesTheOld) {
  TempDir dir;
  auto opened = KeyStore::Open(dir.path());
  ASSERT_TRUE(opened.ok());
  KeyStore& store = **opened;
  const std::string old_kid = SignAndCheck(store);
  auto old_token = store.Sign(R"({"sub":"old"})");
  ASSERT_TRUE(old_token.ok());

  auto new_kid = KeyStore::Rotate(dir.path());
  ASSERT_TRUE(new_kid.ok()) << new_kid.status().ToString();
  EXPECT_NE(*new_kid, old_kid);
  EXPECT_EQ(Mode(dir.path() + "/keys.json"), 0600);
  // The running store notices the rotation by itself.
  ASSERT_TRUE(WaitUntilSigningWith(store, *new_kid));
  EXPECT_EQ(SignAndCheck(store), *new_kid);
  auto old_key = store.Find(old_kid);
  ASSERT_NE(old_key, nullptr);
  auto old_jwt = DecodeJwt(*old_token);
  EXPECT_TRUE(old_key->VerifyRs256(old_jwt->signing_input, old_jwt->signature));
  const std::string jwks = store.JwksJson();
  EXPECT_NE(jwks.find("\"" + old_kid + "\""), std::string::npos) << jwks;
  EXPECT_NE(jwks.find("\"" + *new_kid + "\""), std::string::npos) << jwks;
  // A store opened afresh agrees.
  auto fresh = KeyStore::Open(dir.path());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(SignAndCheck(**fresh), *new_kid);
  EXPECT_NE((*fresh)->Find(old_kid), nullptr);
}

TEST(KeyStore, KeysRetiredLongAgoAreDropped) {
  TempDir dir;
  auto store = KeyStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  const std::string old_kid = SignAndCheck(**store);
  auto new_kid = KeyStore::Rotate(dir.path());
  ASSERT_TRUE(new_kid.ok());
  // Backdate the old key's retirement past the limit.
  const std::string file = dir.path() + "/keys.json";
  std::string text = ReadAll(file);
  const int64_t now = SystemClock().NowMicros() / 1'000'000;
  const std::string long_ago = std::to_string(now - KeyStore::kRetiredKeySeconds - 10);
  size_t at = text.find("\"kid\":\"" + old_kid + "\"");
  ASSERT_NE(at, std::string::npos);
  size_t retired = text.find("\"retired\":", at);
  size_t end = text.find(',', retired);
  text.replace(retired, end - retired, "\"retired\":" + long_ago);
  WriteAll(file, text);
  auto reopened = KeyStore::Open(dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Find(old_kid), nullptr);
  EXPECT_NE((*reopened)->Find(*new_kid), nullptr);
  EXPECT_EQ((*reopened)->JwksJson().find(old_kid), std::string::npos);
  // The next rotation removes it from the file.
  ASSERT_TRUE(KeyStore::Rotate(dir.path()).ok());
  EXPECT_EQ(ReadAll(file).find(old_kid), std::string::npos);
  EXPECT_NE(ReadAll(file).find(*new_kid), std::string::npos);
}

TEST(KeyStore, ADamagedFileIsAnErrorAndIsNotReplaced) {
  TempDir dir;
  const std::string file = dir.path() + "/keys.json";
  struct Case {
    std::string text;
    bool rotation_fails;  // a file with an unusable key is still readable: rotation retires it
  };
  const Case cases[] = {
      {"not json", true},
      {"[]", true},
      {R"({"keys":"x"})", true},
      {R"({"keys":[{"kid":"a"}]})", true},
      {R"({"keys":[{"kid":"a","created":1,"retired":0,"pem":"garbage"}]})", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    WriteAll(file, c.text);
    auto store = KeyStore::Open(dir.path());
    EXPECT_FALSE(store.ok());
    if (!store.ok()) {
      EXPECT_EQ(store.status().code(), Code::kDataLoss) << store.status().ToString();
    }
    EXPECT_EQ(ReadAll(file), c.text);  // never overwritten with a new key
    if (c.rotation_fails) {
      EXPECT_FALSE(KeyStore::Rotate(dir.path()).ok());
      EXPECT_EQ(ReadAll(file), c.text);
    }
  }
}

TEST(KeyStore, ARunningStoreKeepsItsKeysWhenTheFileIsDamaged) {
  TempDir dir;
  auto opened = KeyStore::Open(dir.path());
  ASSERT_TRUE(opened.ok());
  KeyStore& store = **opened;
  const std::string kid = SignAndCheck(store);
  // Damage the file: for the next 1.5 s (the store re-reads it within 1 s) it keeps
  // signing and verifying with the key it has.
  WriteAll(dir.path() + "/keys.json", "{damaged");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(SignAndCheck(store), kid);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace
}  // namespace hearth::auth
