#include "model/key_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "model/test_values.h"

namespace hearth::model {
namespace {

using testing::Arr;
using testing::D;
using testing::I;
using testing::kInf;
using testing::kInt64Max;
using testing::kInt64Min;
using testing::kNaN;
using testing::Ref;
using testing::S;

using testing::Describe;
using testing::Hex;
using testing::Sign;
using namespace std::string_literals;

int ByteOrder(const std::string& a, const std::string& b) { return Sign(a.compare(b)); }

// The order property for one pair, with everything needed to reproduce a failure.
::testing::AssertionResult EncodingOrderMatches(const Value& a, const Value& b) {
  std::string ka = EncodeKey(a);
  std::string kb = EncodeKey(b);
  int expected = Compare(a, b);
  int actual = ByteOrder(ka, kb);
  if (expected == actual && (expected != 0 || ka == kb)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "Compare = " << expected << ", encoding order = " << actual << "\n  a = " << Describe(a)
         << "\n    key " << Hex(ka) << "\n  b = " << Describe(b) << "\n    key " << Hex(kb);
}

TEST(KeyEncoding, ScalarsInFirestoreOrder) {
  std::vector<Value> ascending = {
      Value::Null(),
      Value::Boolean(false),
      Value::Boolean(true),
      D(kNaN),
      D(-kInf),
      D(-1e300),
      D(-9223372036854777856.0),
      I(kInt64Min),
      I(kInt64Min + 1),
      I(-(int64_t{1} << 53) - 1),
      D(-9007199254740992.0),
      I(-1),
      D(-0.5),
      D(-std::numeric_limits<double>::denorm_min()),
      I(0),
      D(std::numeric_limits<double>::denorm_min()),
      D(std::numeric_limits<double>::min()),
      D(0.5),
      I(1),
      D(1.5),
      I(int64_t{1} << 53),
      I((int64_t{1} << 53) + 1),
      D(9007199254740994.0),
      I((int64_t{1} << 53) + 3),
      I(kInt64Max - 1024),
      D(9223372036854774784.0),
      I(kInt64Max - 1022),
      I(kInt64Max),
      D(9223372036854775808.0),
      D(std::numeric_limits<double>::max()),
      D(kInf),
      Value::FromTimestamp({-62135596800, 0}),
      Value::FromTimestamp({-1, 999'999'999}),
      Value::FromTimestamp({0, 0}),
      Value::FromTimestamp({0, 1}),
      Value::FromTimestamp({253402300799, 999'999'999}),
      S(""),
      S("\0"s),
      S("\0\0"s),
      S("\0\x01"s),
      S("\x01"),
      S("a"),
      S("a\0"s),
      S("a\0\xff"s),
      S("a\x01"),
      S("ab"),
      S("\xc3\xa9"),
      S("\xff"),
      S("\xff\xff"),
      Value::FromBytes(""),
      Value::FromBytes("\0"s),
      Value::FromBytes("\xff"),
      Ref("a"),
      Ref("a/b"),
      Ref("a/b/c"),
      Ref("a/b!"),
      Ref("a/ba"),
      Ref("a\0/b"s),
      Ref("a\x01"),
      Ref("b"),
      Value::FromGeoPoint(-90, -180),
      Value::FromGeoPoint(-90, 180),
      Value::FromGeoPoint(0, 0),
      Value::FromGeoPoint(90, 180),
      Arr({}),
      Arr({Value::Null()}),
      Arr({Value::Null(), Value::Null()}),
      Arr({D(kNaN)}),
      Arr({I(1)}),
      Arr({I(1), I(2)}),
      Arr({I(2)}),
      Arr({S("")}),
      Arr({Arr({})}),
      Value::FromMap({}),
      Value::FromMap({{"a", Value::Null()}}),
      Value::FromMap({{"a", I(1)}}),
      Value::FromMap({{"a", I(1)}, {"b", I(0)}}),
      Value::FromMap({{"a", I(2)}}),
      Value::FromMap({{"a\0"s, Value::Null()}}),
      Value::FromMap({{"b", Value::Null()}}),
  };
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      ASSERT_EQ(Compare(ascending[i], ascending[j]), expected)
          << "test list out of order at " << Describe(ascending[i]) << " vs "
          << Describe(ascending[j]);
      EXPECT_TRUE(EncodingOrderMatches(ascending[i], ascending[j]));
    }
  }
}

TEST(KeyEncoding, EqualValuesEncodeIdentically) {
  const std::vector<std::pair<Value, Value>> equal_pairs = {
      {I(1), D(1.0)},
      {I(0), D(-0.0)},
      {D(0.0), D(-0.0)},
      {D(kNaN), D(-kNaN)},
      {I(kInt64Min), D(-9223372036854775808.0)},
      {I(int64_t{1} << 53), D(9007199254740992.0)},
      {I(kInt64Max - 1023), D(9223372036854774784.0)},
      {Value::FromGeoPoint(-0.0, 0.0), Value::FromGeoPoint(0.0, -0.0)},
      {Arr({I(1), D(-0.0)}), Arr({D(1.0), I(0)})},
      {Value::FromMap({{"x", I(3)}}), Value::FromMap({{"x", D(3.0)}})},
  };
  for (const auto& [a, b] : equal_pairs) {
    ASSERT_EQ(Compare(a, b), 0);
    EXPECT_EQ(Hex(EncodeKey(a)), Hex(EncodeKey(b))) << Describe(a) << " vs " << Describe(b);
  }
}

TEST(KeyEncoding, EncodingsAreNonEmptyAndAppendAppends) {
  std::string out = "prefix";
  AppendKey(out, I(5));
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_EQ(out.substr(6), EncodeKey(I(5)));
  EXPECT_FALSE(EncodeKey(Value::Null()).empty());
  std::string desc = "p";
  AppendDescendingKey(desc, S("abc"));
  EXPECT_EQ(desc[0], 'p');
  std::string asc = EncodeKey(S("abc"));
  ASSERT_EQ(desc.size(), asc.size() + 1);
  for (size_t i = 0; i < asc.size(); ++i) {
    EXPECT_EQ(static_cast<unsigned char>(desc[i + 1]),
              static_cast<unsigned char>(~static_cast<unsigned char>(asc[i])));
  }
}

// The main property: for thousands of random pairs, byte order of the encodings is Compare.
TEST(KeyEncoding, OrderMatchesCompareForRandomValues) {
  const uint64_t seed = 0xC0FFEE;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  int equal_pairs = 0;
  int failures = 0;
  for (int iter = 0; iter < 20000 && failures < 10; ++iter) {
    Value a = gen.Any(4);
    Value b;
    switch (iter % 4) {
      case 0:
        b = gen.Any(4);
        break;  // independent
      case 1:
        b = gen.Mutate(a, 4);
        break;  // a near neighbour
      case 2:
        b = gen.Mutate(gen.Mutate(a, 4), 4);  // a slightly further one
        break;
      default: {
        // Same type rank often: pick until the rank matches (bounded).
        for (int tries = 0; tries < 20; ++tries) {
          b = gen.Any(4);
          if (TypeOrder(b.type()) == TypeOrder(a.type())) break;
        }
      }
    }
    if (Compare(a, b) == 0) ++equal_pairs;
    ::testing::AssertionResult r = EncodingOrderMatches(a, b);
    if (!r) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " iteration " << iter << ": " << r.message();
    }
  }
  // The generator must actually produce ties (int/double twins, -0.0, NaN, copies).
  EXPECT_GT(equal_pairs, 500) << "seed " << seed;
}

TEST(KeyEncoding, NumbersNearPowersOfTwo) {
  // Around every power of two: integers 2^s + d against the doubles at and next to them.
  std::vector<Value> values;
  for (int shift = 0; shift < 63; ++shift) {
    int64_t base = int64_t{1} << shift;
    for (int64_t delta = -3; delta <= 3; ++delta) {
      for (int64_t sign : {1, -1}) {
        int64_t i = sign * (base + delta);
        values.push_back(I(i));
        double d = static_cast<double>(i);
        values.push_back(D(d));
        values.push_back(D(std::nextafter(d, kInf)));
        values.push_back(D(std::nextafter(d, -kInf)));
        values.push_back(D(std::nextafter(std::nextafter(d, kInf), kInf)));
      }
    }
  }
  for (int64_t i : {kInt64Max, kInt64Max - 1, kInt64Max - 1023, kInt64Max - 1024, kInt64Min,
                    kInt64Min + 1, kInt64Min + 1023}) {
    values.push_back(I(i));
  }
  values.push_back(D(9223372036854775808.0));
  values.push_back(D(-9223372036854775808.0));
  values.push_back(D(std::nextafter(-9223372036854775808.0, -kInf)));
  // Sorted by Compare, the encodings must be non-decreasing, strictly increasing exactly at
  // the strict steps. By transitivity that proves agreement on all pairs.
  std::stable_sort(values.begin(), values.end(),
                   [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  for (size_t i = 1; i < values.size(); ++i) {
    ASSERT_TRUE(EncodingOrderMatches(values[i - 1], values[i]));
  }
  // And a direct check of a dense block of pairs.
  for (size_t i = 0; i < values.size(); i += 13) {
    for (size_t j = 0; j < values.size(); j += 11) {
      ASSERT_TRUE(EncodingOrderMatches(values[i], values[j]));
    }
  }
}

TEST(KeyEncoding, SortByEncodingEqualsSortByCompare) {
  const uint64_t seed = 0xABCDEF12;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  std::vector<Value> values;
  values.reserve(5000);
  for (int i = 0; i < 5000; ++i) {
    values.push_back(i % 4 == 3 ? gen.Mutate(values[gen.Below(values.size())], 3) : gen.Any(4));
  }
  std::vector<std::string> keys;
  keys.reserve(values.size());
  for (const Value& v : values) keys.push_back(EncodeKey(v));

  std::vector<size_t> by_compare(values.size());
  std::iota(by_compare.begin(), by_compare.end(), 0);
  std::vector<size_t> by_key = by_compare;
  std::stable_sort(by_compare.begin(), by_compare.end(),
                   [&](size_t x, size_t y) { return Compare(values[x], values[y]) < 0; });
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](size_t x, size_t y) { return keys[x] < keys[y]; });
  // Stable sorts with equivalent orders produce the same permutation.
  int mismatches = 0;
  for (size_t i = 0; i < values.size() && mismatches < 5; ++i) {
    if (by_compare[i] != by_key[i]) {
      ++mismatches;
      ADD_FAILURE() << "seed " << seed << ": position " << i << " holds "
                    << Describe(values[by_compare[i]]) << " by Compare but "
                    << Describe(values[by_key[i]]) << " by encoding";
    }
  }
  // And each adjacent pair agrees on strictness.
  for (size_t i = 1; i < by_key.size(); ++i) {
    ASSERT_TRUE(EncodingOrderMatches(values[by_key[i - 1]], values[by_key[i]])) << "seed " << seed;
  }
}

TEST(KeyEncoding, DescendingReversesOrder) {
  const uint64_t seed = 0xDE5C;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  int failures = 0;
  for (int iter = 0; iter < 5000 && failures < 10; ++iter) {
    Value a = gen.Any(3);
    Value b = iter % 2 ? gen.Mutate(a, 3) : gen.Any(3);
    std::string da, db;
    AppendDescendingKey(da, a);
    AppendDescendingKey(db, b);
    int expected = -Compare(a, b);
    if (ByteOrder(da, db) != expected || (expected == 0 && da != db)) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " iteration " << iter << ": descending order "
                    << ByteOrder(da, db) << ", expected " << expected << "\n  a = " << Describe(a)
                    << "\n  b = " << Describe(b);
    }
  }
}

TEST(KeyEncoding, NoEncodingIsAProperPrefixOfAnother) {
  // Self-delimiting: required for composite keys and for descending keys to be correct.
  const uint64_t seed = 0x9E1F;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  std::vector<std::string> keys;
  for (int i = 0; i < 1500; ++i) keys.push_back(EncodeKey(gen.Any(3)));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  // In sorted order, a key that is a prefix of another is immediately followed by one.
  for (size_t i = 1; i < keys.size(); ++i) {
    ASSERT_FALSE(keys[i].starts_with(keys[i - 1]))
        << "seed " << seed << ": " << Hex(keys[i - 1]) << " is a prefix of " << Hex(keys[i]);
  }
}

TEST(KeyEncoding, CompositeKeysOrderLexicographically) {
  const uint64_t seed = 0xC0C0;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  int failures = 0;
  for (int iter = 0; iter < 10000 && failures < 10; ++iter) {
    Value a1 = gen.Any(3);
    Value a2 = gen.Any(3);
    // Make first components tie often, so the second component decides.
    Value b1 = iter % 3 == 0 ? a1 : gen.Mutate(a1, 3);
    Value b2 = iter % 2 == 0 ? gen.Mutate(a2, 3) : gen.Any(3);
    bool desc2 = iter % 5 == 0;  // mixed directions: ASC then DESC
    std::string ka, kb;
    AppendKey(ka, a1);
    AppendKey(kb, b1);
    if (desc2) {
      AppendDescendingKey(ka, a2);
      AppendDescendingKey(kb, b2);
    } else {
      AppendKey(ka, a2);
      AppendKey(kb, b2);
    }
    int c1 = Compare(a1, b1);
    int c2 = desc2 ? -Compare(a2, b2) : Compare(a2, b2);
    int expected = c1 != 0 ? c1 : c2;
    if (ByteOrder(ka, kb) != expected) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " iteration " << iter << (desc2 ? " (desc 2nd)" : "")
                    << ": composite order " << ByteOrder(ka, kb) << ", expected " << expected
                    << "\n  a = (" << Describe(a1) << ", " << Describe(a2) << ")\n  b = ("
                    << Describe(b1) << ", " << Describe(b2) << ")";
    }
  }
}

TEST(KeyEncoding, CompositeKeyPrefixTrapCases) {
  // Cases where naive (non-self-delimiting) encodings would let the first component's
  // bytes bleed into the second.
  struct Case {
    Value a1, a2, b1, b2;
  };
  const std::vector<Case> cases = {
      {S("a"), S("b"), S("ab"), S("")},
      {S("a"), S("\xff"), S("a\0"s), S("")},
      {S(""), S("\0"s), S("\0"s), S("")},
      {Value::FromBytes("x"), I(1), Value::FromBytes("x\0"s), Value::Null()},
      {Ref("a/b"), S("c"), Ref("a/b/c"), S("")},
      {Arr({I(1)}), I(2), Arr({I(1), I(2)}), Value::Null()},
      {Value::FromMap({{"a", I(1)}}), Value::Null(), Value::FromMap({{"a", I(1)}, {"b", I(1)}}),
       Value::Null()},
      {Value::Null(), Value::Null(), Value::Null(), Value::Boolean(false)},
      {D(kNaN), I(5), D(kNaN), I(4)},
  };
  for (const Case& c : cases) {
    std::string ka, kb;
    AppendKey(ka, c.a1);
    AppendKey(ka, c.a2);
    AppendKey(kb, c.b1);
    AppendKey(kb, c.b2);
    int c1 = Compare(c.a1, c.b1);
    int expected = c1 != 0 ? c1 : Compare(c.a2, c.b2);
    EXPECT_EQ(ByteOrder(ka, kb), expected)
        << "(" << Describe(c.a1) << ", " << Describe(c.a2) << ") vs (" << Describe(c.b1) << ", "
        << Describe(c.b2) << ")";
  }
}

}  // namespace
}  // namespace hearth::model
