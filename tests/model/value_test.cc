#include "model/value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
using namespace std::string_literals;

Value Ts(int64_t s, int32_t n) { return Value::FromTimestamp({s, n}); }
Value Obj(std::vector<std::pair<std::string, Value>> entries) {
  Map m;
  for (auto& [k, v] : entries) m.emplace(k, std::move(v));
  return Value::FromMap(std::move(m));
}

// Checks Compare(a, b) == expected and the mirrored call, with readable failure output.
void ExpectOrder(const Value& a, const Value& b, int expected) {
  EXPECT_EQ(Compare(a, b), expected) << Describe(a) << " vs " << Describe(b);
  EXPECT_EQ(Compare(b, a), -expected) << Describe(b) << " vs " << Describe(a);
  EXPECT_EQ(a == b, expected == 0) << Describe(a) << " == " << Describe(b);
}

// Checks that `ascending` is strictly increasing under Compare, pairwise.
void ExpectStrictlyAscending(const std::vector<Value>& ascending) {
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Compare(ascending[i], ascending[j]), expected)
          << "#" << i << " " << Describe(ascending[i]) << " vs #" << j << " "
          << Describe(ascending[j]);
    }
  }
}

TEST(Value, TypesAndAccessors) {
  EXPECT_EQ(Value().type(), Value::Type::kNull);
  EXPECT_TRUE(Value::Null().is_null());
  EXPECT_EQ(Value::Boolean(true).type(), Value::Type::kBoolean);
  EXPECT_TRUE(Value::Boolean(true).boolean_value());
  EXPECT_EQ(I(5).type(), Value::Type::kInteger);
  EXPECT_EQ(I(5).integer_value(), 5);
  EXPECT_EQ(D(2.5).type(), Value::Type::kDouble);
  EXPECT_EQ(D(2.5).double_value(), 2.5);
  EXPECT_TRUE(I(1).is_number());
  EXPECT_TRUE(D(1).is_number());
  EXPECT_FALSE(S("1").is_number());
  EXPECT_EQ(Ts(3, 4).timestamp_value(), (Timestamp{3, 4}));
  EXPECT_EQ(S("x").string_value(), "x");
  EXPECT_EQ(Value::FromBytes("\0\xff"s).bytes_value(), "\0\xff"s);
  EXPECT_EQ(Value::FromBytes("b").type(), Value::Type::kBytes);
  EXPECT_EQ(Ref("a/b").reference_value(), "a/b");
  EXPECT_EQ(Value::FromGeoPoint(1.5, -2.5).geo_point_value(), (GeoPoint{1.5, -2.5}));
  Value arr = Arr({I(1), S("two")});
  EXPECT_TRUE(arr.is_array());
  EXPECT_EQ(arr.array_value().size(), 2u);
  arr.array_value().push_back(Value());
  EXPECT_EQ(arr.array_value().size(), 3u);
  Value map = Obj({{"k", I(1)}});
  EXPECT_TRUE(map.is_map());
  map.map_value()["j"] = I(2);
  EXPECT_EQ(map.map_value().size(), 2u);
  EXPECT_EQ(map.map_value().begin()->first, "j");  // ordered by key
}

TEST(Value, AsDouble) {
  EXPECT_EQ(I(3).AsDouble(), 3.0);
  EXPECT_EQ(D(-2.5).AsDouble(), -2.5);
  EXPECT_EQ(I(kInt64Max).AsDouble(), 9223372036854775808.0);
}

TEST(Value, CopiesAreIndependent) {
  Value a = Arr({Obj({{"x", I(1)}})});
  Value b = a;
  b.array_value()[0].map_value()["x"] = I(2);
  EXPECT_EQ(a.array_value()[0].map_value().at("x").integer_value(), 1);
  EXPECT_EQ(Compare(a, b), -1);
}

TEST(TypeOrder, FirestoreRanks) {
  EXPECT_EQ(TypeOrder(Value::Type::kNull), 0);
  EXPECT_EQ(TypeOrder(Value::Type::kBoolean), 1);
  EXPECT_EQ(TypeOrder(Value::Type::kInteger), 2);
  EXPECT_EQ(TypeOrder(Value::Type::kDouble), 2);
  EXPECT_EQ(TypeOrder(Value::Type::kTimestamp), 3);
  EXPECT_EQ(TypeOrder(Value::Type::kString), 4);
  EXPECT_EQ(TypeOrder(Value::Type::kBytes), 5);
  EXPECT_EQ(TypeOrder(Value::Type::kReference), 6);
  EXPECT_EQ(TypeOrder(Value::Type::kGeoPoint), 7);
  EXPECT_EQ(TypeOrder(Value::Type::kArray), 8);
  EXPECT_EQ(TypeOrder(Value::Type::kMap), 9);
}

TEST(Compare, CrossTypeOrder) {
  // For each type, its smallest and a large member; every value of a type sorts before
  // every value of the next type.
  std::vector<Value> ascending = {
      Value::Null(),
      Value::Boolean(false),
      Value::Boolean(true),
      D(kNaN),
      D(-kInf),
      I(kInt64Min),
      I(0),
      I(kInt64Max),
      D(kInf),
      Ts(-62135596800, 0),
      Ts(253402300799, 999'999'999),
      S(""),
      S("\xff\xff\xff"),
      Value::FromBytes(""),
      Value::FromBytes("\xff\xff\xff"),
      Ref("a/b"),
      Ref("\xff/\xff"),
      Value::FromGeoPoint(-90, -180),
      Value::FromGeoPoint(90, 180),
      Arr({}),
      Arr({Obj({{"\xff", Arr({})}})}),
      Obj({}),
      Obj({{"\xff", Obj({{"\xff", I(kInt64Max)}})}}),
  };
  ExpectStrictlyAscending(ascending);
}

TEST(Compare, Booleans) {
  ExpectOrder(Value::Boolean(false), Value::Boolean(true), -1);
  ExpectOrder(Value::Boolean(true), Value::Boolean(true), 0);
  ExpectOrder(Value::Null(), Value::Null(), 0);
}

TEST(Compare, IntegersAndDoublesCompareNumerically) {
  ExpectOrder(I(1), D(1.0), 0);
  ExpectOrder(I(1), D(1.5), -1);
  ExpectOrder(I(2), D(1.5), 1);
  ExpectOrder(I(-1), D(-0.5), -1);
  ExpectOrder(I(-1), D(-1.5), 1);
  ExpectOrder(I(0), D(-0.0), 0);
  ExpectOrder(I(0), D(std::numeric_limits<double>::denorm_min()), -1);
  ExpectOrder(I(0), D(-std::numeric_limits<double>::denorm_min()), 1);
  ExpectOrder(I(3), I(-3), 1);
  ExpectOrder(I(kInt64Min), I(kInt64Max), -1);
}

TEST(Compare, LargeIntegersAgainstDoublesWithoutRounding) {
  const int64_t two53 = int64_t{1} << 53;
  // 2^53 + 1 is not a double; converting it would round to 2^53 and call them equal.
  ExpectOrder(I(two53 + 1), D(9007199254740992.0), 1);
  ExpectOrder(I(two53 + 1), D(9007199254740994.0), -1);
  ExpectOrder(I(two53), D(9007199254740992.0), 0);
  ExpectOrder(I(-two53 - 1), D(-9007199254740992.0), -1);
  // 9.223372036854775807e18 is the double 2^63, one more than INT64_MAX.
  ExpectOrder(I(kInt64Max), D(9.223372036854775807e18), -1);
  ExpectOrder(I(kInt64Max), D(9223372036854774784.0), 1);  // largest double < 2^63
  ExpectOrder(I(kInt64Max - 1023), D(9223372036854774784.0), 0);
  ExpectOrder(I(kInt64Min), D(-9223372036854775808.0), 0);
  ExpectOrder(I(kInt64Min + 1), D(-9223372036854775808.0), 1);
  ExpectOrder(I(kInt64Min), D(-9223372036854777856.0), 1);  // next double below -2^63
  ExpectOrder(I(kInt64Max), D(1e300), -1);
  ExpectOrder(I(kInt64Min), D(-1e300), 1);
  ExpectOrder(I(kInt64Max), D(kInf), -1);
  ExpectOrder(I(kInt64Min), D(-kInf), 1);
}

TEST(Compare, NaNSortsFirstAndEqualsItself) {
  ExpectOrder(D(kNaN), D(kNaN), 0);
  ExpectOrder(D(kNaN), D(-kNaN), 0);
  ExpectOrder(D(kNaN), D(-kInf), -1);
  ExpectOrder(D(kNaN), I(kInt64Min), -1);
  ExpectOrder(D(kNaN), D(0), -1);
  ExpectOrder(D(kNaN), Value::Boolean(true), 1);  // still a number, after booleans
  ExpectOrder(D(kNaN), Ts(-62135596800, 0), -1);
}

TEST(Compare, NegativeZeroEqualsZero) {
  ExpectOrder(D(-0.0), D(0.0), 0);
  ExpectOrder(D(-0.0), I(0), 0);
  ExpectOrder(D(-0.0), D(-std::numeric_limits<double>::denorm_min()), 1);
}

TEST(Compare, DoublesInOrder) {
  ExpectStrictlyAscending(
      {D(kNaN), D(-kInf), D(-std::numeric_limits<double>::max()), D(-1),
       D(-std::numeric_limits<double>::min()), D(-std::numeric_limits<double>::denorm_min()), D(0),
       D(std::numeric_limits<double>::denorm_min()), D(std::numeric_limits<double>::min()), D(1),
       D(1.0000000000000002), D(std::numeric_limits<double>::max()), D(kInf)});
}

TEST(CompareIntDouble, ExactAtBoundaries) {
  EXPECT_EQ(CompareIntDouble(0, kNaN), 1);
  EXPECT_EQ(CompareIntDouble(kInt64Min, kNaN), 1);
  EXPECT_EQ(CompareIntDouble(kInt64Max, 9223372036854775808.0), -1);
  EXPECT_EQ(CompareIntDouble(kInt64Min, -9223372036854775808.0), 0);
  EXPECT_EQ(CompareIntDouble(kInt64Min, -9223372036854777856.0), 1);
  EXPECT_EQ(CompareIntDouble((int64_t{1} << 53) + 1, 9007199254740992.0), 1);
  EXPECT_EQ(CompareIntDouble(5, 5.0), 0);
  EXPECT_EQ(CompareIntDouble(5, 5.000000000000001), -1);
  EXPECT_EQ(CompareIntDouble(5, 4.999999999999999), 1);
  EXPECT_EQ(CompareIntDouble(-5, -4.5), -1);
  EXPECT_EQ(CompareIntDouble(-5, -5.5), 1);
  EXPECT_EQ(CompareIntDouble(0, -0.0), 0);
  EXPECT_EQ(CompareIntDouble(0, kInf), -1);
  EXPECT_EQ(CompareIntDouble(0, -kInf), 1);
}

TEST(Compare, Timestamps) {
  ExpectOrder(Ts(0, 0), Ts(0, 1), -1);
  ExpectOrder(Ts(-1, 999'999'999), Ts(0, 0), -1);
  ExpectOrder(Ts(1, 0), Ts(0, 999'999'999), 1);
  ExpectOrder(Ts(-62135596800, 0), Ts(253402300799, 999'999'999), -1);
  ExpectOrder(Ts(42, 7), Ts(42, 7), 0);
}

TEST(Compare, StringsByUtf8Bytes) {
  ExpectOrder(S(""), S("a"), -1);
  ExpectOrder(S("a"), S("b"), -1);
  ExpectOrder(S("B"), S("a"), -1);  // byte order, not case-folded
  ExpectOrder(S("a"), S("ab"), -1);
  ExpectOrder(S("a"), S("a\0"s), -1);  // embedded NUL is a real character
  ExpectOrder(S("a\0"s), S("a\x01"), -1);
  ExpectOrder(S("a\0b"s), S("a\0c"s), -1);
  ExpectOrder(S("a\0"s), S("a\0"s), 0);
  ExpectOrder(S("z"), S("\xc3\xa9"), -1);  // 'z' (7a) < 'é' (c3 a9)
  // U+FFFD < U+1F600 in UTF-8 (and code point) order; UTF-16 order would be the reverse.
  ExpectOrder(S("\xef\xbf\xbd"), S("\xf0\x9f\x98\x80"), -1);
  ExpectOrder(S("\x7f"), S("\xc2\x80"), -1);  // bytes compare unsigned
}

TEST(Compare, BytesUnsigned) {
  ExpectOrder(Value::FromBytes(""), Value::FromBytes("\0"s), -1);
  ExpectOrder(Value::FromBytes("\x7f"), Value::FromBytes("\x80"), -1);
  ExpectOrder(Value::FromBytes("\x01\xff"), Value::FromBytes("\x02"), -1);
  ExpectOrder(Value::FromBytes("ab"), Value::FromBytes("ab"), 0);
  // Same content but different types: string < bytes.
  ExpectOrder(S("zzz"), Value::FromBytes(""), -1);
}

TEST(Compare, ReferencesSegmentWise) {
  ExpectOrder(Ref("a/b"), Ref("a/b/c"), -1);
  ExpectOrder(Ref("a/b/c"), Ref("a/ba"), -1);
  ExpectOrder(Ref("a/b"), Ref("a/ba"), -1);
  // Flat string order says "a/b!" < "a/b/c" ('!' < '/'); segment order says "b" < "b!".
  ExpectOrder(Ref("a/b/c"), Ref("a/b!"), -1);
  ExpectOrder(Ref("coll/doc"), Ref("coll-x/doc"), -1);  // flat: '-' < '/'
  ExpectOrder(Ref("c/d/e/f"), Ref("c/d/e/f"), 0);
  ExpectOrder(Ref("c/d"), Ref("c/e"), -1);
  ExpectOrder(Ref("b/z/z/z"), Ref("c/a"), -1);
}

TEST(Compare, GeoPointsLatitudeThenLongitude) {
  ExpectOrder(Value::FromGeoPoint(1, 100), Value::FromGeoPoint(2, -100), -1);
  ExpectOrder(Value::FromGeoPoint(1, -100), Value::FromGeoPoint(1, 100), -1);
  ExpectOrder(Value::FromGeoPoint(-0.0, 0.0), Value::FromGeoPoint(0.0, -0.0), 0);
  ExpectOrder(Value::FromGeoPoint(-90, 180), Value::FromGeoPoint(90, -180), -1);
}

TEST(Compare, ArraysElementWiseThenLength) {
  ExpectOrder(Arr({}), Arr({Value::Null()}), -1);
  ExpectOrder(Arr({I(1)}), Arr({I(1), Value::Null()}), -1);
  ExpectOrder(Arr({I(2)}), Arr({I(1), I(5)}), 1);
  ExpectOrder(Arr({I(1), I(2)}), Arr({D(1.0), D(2.0)}), 0);
  ExpectOrder(Arr({I(1), S("a")}), Arr({I(1), I(99)}), 1);  // string > number
  ExpectOrder(Arr({Arr({I(1)})}), Arr({Arr({I(1), I(0)})}), -1);
  ExpectOrder(Arr({D(kNaN)}), Arr({I(kInt64Min)}), -1);
}

TEST(Compare, MapsKeyThenValueThenSize) {
  ExpectOrder(Obj({}), Obj({{"a", Value::Null()}}), -1);
  // First keys differ: "a" < "b", whatever the values.
  ExpectOrder(Obj({{"a", I(100)}}), Obj({{"b", I(0)}}), -1);
  // Same first key: values decide before size.
  ExpectOrder(Obj({{"a", I(2)}}), Obj({{"a", I(1)}, {"b", I(1)}}), 1);
  ExpectOrder(Obj({{"a", I(1)}}), Obj({{"a", I(1)}, {"b", I(0)}}), -1);
  ExpectOrder(Obj({{"a", I(1)}, {"c", I(0)}}), Obj({{"a", I(1)}, {"b", I(9)}}), 1);
  ExpectOrder(Obj({{"a", I(1)}}), Obj({{"a", D(1.0)}}), 0);
  // Keys compare by bytes too; "a" < "a\0".
  ExpectOrder(Obj({{"a", I(9)}}), Obj({{"a\0"s, I(0)}}), -1);
  // A map is not an array of pairs: any map sorts after any array.
  ExpectOrder(Arr({S("a"), I(1)}), Obj({}), -1);
}

TEST(Compare, RandomValuesFormATotalPreorder) {
  const uint64_t seed = 0x5eed0001;
  testing::ValueGenerator gen(seed, /*json_safe=*/false);
  std::vector<Value> values;
  for (int i = 0; i < 300; ++i)
    values.push_back(i % 3 == 2 ? gen.Mutate(values.back(), 2) : gen.Any(3));
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(Compare(values[i], values[i]), 0) << "seed " << seed << " " << Describe(values[i]);
    for (size_t j = 0; j < values.size(); ++j) {
      int ij = Compare(values[i], values[j]);
      ASSERT_EQ(ij, -Compare(values[j], values[i]))
          << "seed " << seed << " " << Describe(values[i]) << " vs " << Describe(values[j]);
      ASSERT_TRUE(ij == -1 || ij == 0 || ij == 1);
    }
  }
  // Transitivity: after sorting, every earlier value is <= every later one.
  std::sort(values.begin(), values.end(),
            [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = i + 1; j < values.size(); ++j) {
      ASSERT_LE(Compare(values[i], values[j]), 0)
          << "seed " << seed << " " << Describe(values[i]) << " vs " << Describe(values[j]);
    }
  }
}

}  // namespace
}  // namespace hearth::model
