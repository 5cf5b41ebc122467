// Password hashing: argon2id PHC strings at the configured cost, verification, re-hash
// detection when the cost is raised, and the length and encoding limits.
#include "auth/password.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::auth {
namespace {

using namespace std::string_literals;

const PasswordHasher& DefaultHasher() {
  static const PasswordHasher hasher{PasswordCost{}};
  return hasher;
}

TEST(PasswordHasher, DefaultCostIsOwaspsMinimum) {
  PasswordCost cost;
  EXPECT_EQ(cost.memory_kib, 19456);
  EXPECT_EQ(cost.iterations, 2);
}

TEST(PasswordHasher, HashIsAnArgon2idPhcStringWithTheCost) {
  auto hash = DefaultHasher().Hash("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$")) << *hash;
  EXPECT_NE(hash->find("m=19456"), std::string::npos) << *hash;
  EXPECT_NE(hash->find("t=2"), std::string::npos) << *hash;
  EXPECT_NE(hash->find("p=1"), std::string::npos) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_EQ(hash->find('\0'), std::string::npos);
}

TEST(PasswordHasher, VerifiesOnlyTheRightPassword) {
  const PasswordHasher& hasher = DefaultHasher();
  auto hash = hasher.Hash("s3cret-passw0rd");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hasher.Verify(*hash, "s3cret-passw0rd"));
  EXPECT_FALSE(hasher.Verify(*hash, "s3cret-passw0rD"));
  EXPECT_FALSE(hasher.Verify(*hash, "s3cret-passw0rd "));
  EXPECT_FALSE(hasher.Verify(*hash, "s3cret-passw0r"));
  EXPECT_FALSE(hasher.Verify(*hash, ""));
  // Salted: the same password hashes differently each time, and both verify.
  auto again = hasher.Hash("s3cret-passw0rd");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again);
  EXPECT_TRUE(hasher.Verify(*again, "s3cret-passw0rd"));
}

TEST(PasswordHasher, EveryByteCountsIncludingNulAndBeyond72) {
  const PasswordHasher& hasher = DefaultHasher();
  // No truncation at a NUL byte (C strings) or at 72 bytes (bcrypt).
  const std::string with_nul = "prefix12\0suffix"s;
  auto hash = hasher.Hash(with_nul);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hasher.Verify(*hash, with_nul));
  EXPECT_FALSE(hasher.Verify(*hash, "prefix12"));
  const std::string long_password = std::string(100, 'x') + "1";
  auto long_hash = hasher.Hash(long_password);
  ASSERT_TRUE(long_hash.ok());
  EXPECT_FALSE(hasher.Verify(*long_hash, std::string(100, 'x') + "2"));
  EXPECT_TRUE(hasher.Verify(*long_hash, long_password));
}

TEST(PasswordHasher, UnreadableHashesNeverVerify) {
  const PasswordHasher& hasher = DefaultHasher();
  EXPECT_FALSE(hasher.Verify("", "password"));
  EXPECT_FALSE(hasher.Verify("password", "password"));
  EXPECT_FALSE(hasher.Verify("$argon2id$v=19$m=19456,t=2,p=1$", "password"));
  EXPECT_FALSE(hasher.Verify(std::string(1000, '$'), "password"));
  auto hash = hasher.Hash("password1");
  ASSERT_TRUE(hash.ok());
  // A NUL inside the stored hash must not make libsodium read a shorter string.
  EXPECT_FALSE(hasher.Verify(*hash + "\0junk"s, "password1"));
}

TEST(PasswordHasher, NeedsRehashWhenTheCostIsRaised) {
  auto hash = DefaultHasher().Hash("password-1");
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(DefaultHasher().NeedsRehash(*hash));
  PasswordHasher more_memory(PasswordCost{.memory_kib = 2 * 19456, .iterations = 2});
  PasswordHasher more_passes(PasswordCost{.memory_kib = 19456, .iterations = 3});
  EXPECT_TRUE(more_memory.NeedsRehash(*hash));
  EXPECT_TRUE(more_passes.NeedsRehash(*hash));
  // The old hash still verifies under the new cost (it records its own parameters), and
  // the re-hash carries the new ones.
  EXPECT_TRUE(more_passes.Verify(*hash, "password-1"));
  auto rehashed = more_passes.Hash("password-1");
  ASSERT_TRUE(rehashed.ok());
  EXPECT_NE(rehashed->find("t=3"), std::string::npos) << *rehashed;
  EXPECT_FALSE(more_passes.NeedsRehash(*rehashed));
  EXPECT_TRUE(DefaultHasher().NeedsRehash(*rehashed));
  // Garbage always needs a re-hash.
  EXPECT_TRUE(DefaultHasher().NeedsRehash("not a hash"));
}

TEST(ValidatePassword, EnforcesLengthAndUtf8) {
  EXPECT_EQ(ValidatePassword("").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidatePassword("1234567").code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidatePassword("12345678").ok());
  EXPECT_TRUE(ValidatePassword(std::string(4096, 'a')).ok());
  EXPECT_EQ(ValidatePassword(std::string(4097, 'a')).code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidatePassword("pässwörd").ok());
  EXPECT_EQ(ValidatePassword("passw\xff\xfe"
                             "rd")
                .code(),
            Code::kInvalidArgument);
  // The messages say what is wrong.
  EXPECT_NE(ValidatePassword("short").message().find("at least 8"), std::string::npos);
  EXPECT_NE(ValidatePassword(std::string(5000, 'a')).message().find("4096"), std::string::npos);
}

}  // namespace
}  // namespace hearth::auth
