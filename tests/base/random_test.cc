#include "base/random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace hearth {
namespace {

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

TEST(AutoId, TwentyAlphanumericCharacters) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = AutoId();
    ASSERT_EQ(id.size(), 20u) << id;
    for (char c : id) ASSERT_TRUE(IsAlnum(c)) << id;
  }
}

TEST(AutoId, Distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(AutoId());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(AutoId, UsesWholeAlphabetRoughlyUniformly) {
  // 2000 IDs = 40,000 characters over 62 symbols: about 645 each. A biased or truncated
  // alphabet would leave some symbols far off that.
  std::array<int, 256> counts{};
  for (int i = 0; i < 2000; ++i) {
    for (char c : AutoId()) ++counts[static_cast<unsigned char>(c)];
  }
  int symbols = 0;
  for (int c = 0; c < 256; ++c) {
    if (counts[c] == 0) continue;
    ++symbols;
    EXPECT_GT(counts[c], 450) << "symbol " << static_cast<char>(c);
    EXPECT_LT(counts[c], 850) << "symbol " << static_cast<char>(c);
  }
  EXPECT_EQ(symbols, 62);
}

TEST(SecureRandomBytes, LengthAndVariety) {
  EXPECT_EQ(SecureRandomBytes(0), "");
  std::string a = SecureRandomBytes(64);
  std::string b = SecureRandomBytes(64);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(b.size(), 64u);
  EXPECT_NE(a, b);
  std::set<char> distinct(a.begin(), a.end());
  EXPECT_GT(distinct.size(), 20u);  // 64 random bytes: ~57 distinct values expected
}

TEST(RandomHexToken, LowercaseHexOfDoubleLength) {
  EXPECT_EQ(RandomHexToken(0), "");
  std::string t = RandomHexToken(16);
  ASSERT_EQ(t.size(), 32u);
  for (char c : t) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << t;
  EXPECT_NE(RandomHexToken(16), t);
}

}  // namespace
}  // namespace hearth
