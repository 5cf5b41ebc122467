#include "model/field_path.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "model/test_values.h"

namespace hearth::model {
namespace {

using Segments = std::vector<std::string>;
using namespace std::string_literals;
using testing::Describe;

FieldPath MustParse(std::string_view text) {
  Result<FieldPath> r = FieldPath::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : FieldPath();
}

FieldPath Path(Segments segments) {
  Result<FieldPath> r = FieldPath::FromSegments(std::move(segments));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : FieldPath();
}

void ExpectRejected(std::string_view text) {
  Result<FieldPath> r = FieldPath::Parse(text);
  EXPECT_FALSE(r.ok()) << "accepted '" << text << "'";
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("invalid field path"), std::string::npos)
        << r.status().message();
  }
}

TEST(FieldPath, ParsesDottedPaths) {
  EXPECT_EQ(MustParse("a").segments(), Segments({"a"}));
  EXPECT_EQ(MustParse("a.b.c").segments(), Segments({"a", "b", "c"}));
  EXPECT_EQ(MustParse("address.city").size(), 2u);
  EXPECT_EQ(MustParse("\xc3\xa9t\xc3\xa9.x y").segments(), Segments({"\xc3\xa9t\xc3\xa9", "x y"}));
  EXPECT_EQ(MustParse("$a.1").segments(), Segments({"$a", "1"}));
  EXPECT_EQ(MustParse("__x._y_").segments(), Segments({"__x", "_y_"}));
}

TEST(FieldPath, ParsesBackQuotedSegments) {
  EXPECT_EQ(MustParse("`a.b`.c").segments(), Segments({"a.b", "c"}));
  EXPECT_EQ(MustParse("c.`a.b`").segments(), Segments({"c", "a.b"}));
  EXPECT_EQ(MustParse("`a\\`b`").segments(), Segments({"a`b"}));
  EXPECT_EQ(MustParse("`a\\\\b`").segments(), Segments({"a\\b"}));
  EXPECT_EQ(MustParse("`\\x`").segments(), Segments({"x"}));  // '\' escapes any character
  EXPECT_EQ(MustParse("`~*/[]`.`a`").segments(), Segments({"~*/[]", "a"}));
  EXPECT_EQ(MustParse("`x`.`y`.`z`").segments(), Segments({"x", "y", "z"}));
  EXPECT_EQ(MustParse("`.`").segments(), Segments({"."}));
}

TEST(FieldPath, RejectsMalformed) {
  ExpectRejected("");
  ExpectRejected(".");
  ExpectRejected("a..b");
  ExpectRejected("a.");
  ExpectRejected(".a");
  ExpectRejected("`unterminated");
  ExpectRejected("`a\\`");  // the closing quote is escaped
  ExpectRejected("`a\\");   // dangling backslash
  ExpectRejected("a`b");
  ExpectRejected("`a`b");  // text after a closing quote
  ExpectRejected("`a``b`");
  ExpectRejected("``");  // empty name, even quoted
  ExpectRejected("a.``");
  ExpectRejected("a~b");
  ExpectRejected("a*");
  ExpectRejected("a/b");
  ExpectRejected("a[0]");
  ExpectRejected("a]");
}

TEST(FieldPath, RejectsReservedNames) {
  ExpectRejected("__x__");
  ExpectRejected("a.__name__");
  ExpectRejected("`__x__`");  // quoting does not make a reserved name legal
  ExpectRejected("____");
}

TEST(FieldPath, RejectsInvalidUtf8AndLongNames) {
  ExpectRejected("a.\xff");
  ExpectRejected("`\xc3`");
  EXPECT_EQ(MustParse(std::string(1500, 'n')).size(), 1u);
  ExpectRejected(std::string(1501, 'n'));
}

TEST(FieldPath, DepthLimit) {
  std::string twenty = "f1";
  for (int i = 2; i <= 20; ++i) twenty += ".f" + std::to_string(i);
  EXPECT_EQ(MustParse(twenty).size(), 20u);
  ExpectRejected(twenty + ".f21");
}

TEST(FieldPath, FromSegmentsTakesNamesVerbatim) {
  EXPECT_EQ(Path({"a.b", "`c`"}).segments(), Segments({"a.b", "`c`"}));
  EXPECT_FALSE(FieldPath::FromSegments({""}).ok());
  EXPECT_FALSE(FieldPath::FromSegments({"a", "__b__"}).ok());
  EXPECT_FALSE(FieldPath::FromSegments({"\xff"}).ok());
  EXPECT_TRUE(FieldPath::FromSegments({}).ok());
}

TEST(FieldPath, ToStringQuotesNonIdentifiers) {
  EXPECT_EQ(Path({"a", "b", "c"}).ToString(), "a.b.c");
  EXPECT_EQ(Path({"_a1", "B_2"}).ToString(), "_a1.B_2");
  EXPECT_EQ(Path({"a.b", "c"}).ToString(), "`a.b`.c");
  EXPECT_EQ(Path({"1a"}).ToString(), "`1a`");  // identifiers don't start with a digit
  EXPECT_EQ(Path({"a`b"}).ToString(), "`a\\`b`");
  EXPECT_EQ(Path({"a\\b"}).ToString(), "`a\\\\b`");
  EXPECT_EQ(Path({"x y"}).ToString(), "`x y`");
  EXPECT_EQ(Path({"\xc3\xa9"}).ToString(), "`\xc3\xa9`");
  EXPECT_EQ(Path({"$"}).ToString(), "`$`");
  EXPECT_EQ(FieldPath().ToString(), "");
}

TEST(FieldPath, ToStringParseRoundTrip) {
  const uint64_t seed = 4242;
  std::mt19937_64 rng(seed);
  static const char* const kPieces[] = {"a", "Z", "_", "0", ".", "`", "\\",       " ",
                                        "~", "*", "/", "[", "]", "$", "\xc3\xa9", "\x01"};
  for (int iter = 0; iter < 3000; ++iter) {
    Segments segs;
    size_t n = 1 + rng() % 4;
    for (size_t i = 0; i < n; ++i) {
      std::string s;
      size_t len = 1 + rng() % 5;
      for (size_t j = 0; j < len; ++j) s += kPieces[rng() % std::size(kPieces)];
      if (s.size() >= 4 && s.starts_with("__") && s.ends_with("__")) s = "x";
      segs.push_back(s);
    }
    FieldPath p = Path(segs);
    std::string text = p.ToString();
    Result<FieldPath> back = FieldPath::Parse(text);
    ASSERT_TRUE(back.ok()) << "seed " << seed << ": " << text << ": " << back.status().ToString();
    ASSERT_EQ(back->segments(), segs) << "seed " << seed << ": " << text;
    ASSERT_EQ(back->ToString(), text);
  }
}

TEST(FieldPath, PrefixChildAndOrdering) {
  FieldPath a = MustParse("a");
  FieldPath ab = MustParse("a.b");
  FieldPath abc = MustParse("a.b.c");
  FieldPath ac = MustParse("a.c");
  FieldPath ab_flat = MustParse("`a.b`");
  EXPECT_TRUE(a.IsPrefixOf(ab));
  EXPECT_TRUE(a.IsPrefixOf(abc));
  EXPECT_TRUE(ab.IsPrefixOf(ab));
  EXPECT_FALSE(ab.IsPrefixOf(a));
  EXPECT_FALSE(ab.IsPrefixOf(ac));
  EXPECT_FALSE(a.IsPrefixOf(ab_flat));  // "a.b" is one segment, not under "a"
  EXPECT_TRUE(FieldPath().IsPrefixOf(a));
  EXPECT_EQ(a.Child("b"), ab);
  EXPECT_EQ(ab.Child("c"), abc);
  EXPECT_EQ(FieldPath().Child("x").ToString(), "x");
  EXPECT_TRUE(a < ab);
  EXPECT_TRUE(ab < abc);
  EXPECT_TRUE(abc < ac);
  EXPECT_FALSE(ab < ab);
  EXPECT_NE(ab, ab_flat);
  EXPECT_TRUE(FieldPath().empty());
  EXPECT_FALSE(a.empty());
}

// --- map operations -----------------------------------------------------------------------

Map Doc(std::vector<std::pair<std::string, Value>> entries) {
  Map m;
  for (auto& [k, v] : entries) m.emplace(k, std::move(v));
  return m;
}

TEST(GetField, FindsNestedValues) {
  Map doc = Doc({{"a", Value::FromMap(Doc({{"b", Value::FromMap(Doc({{"c", Value::Integer(1)}}))},
                                           {"s", Value::String("x")}}))},
                 {"a.b", Value::Integer(2)},
                 {"arr", Value::FromArray({Value::FromMap(Doc({{"k", Value::Integer(3)}}))})}});
  const Value* v = GetField(doc, MustParse("a.b.c"));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->integer_value(), 1);
  v = GetField(doc, MustParse("`a.b`"));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->integer_value(), 2);
  v = GetField(doc, MustParse("a.b"));
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->is_map());
  EXPECT_EQ(GetField(doc, MustParse("a.s"))->string_value(), "x");
  EXPECT_EQ(GetField(doc, MustParse("a.x")), nullptr);
  EXPECT_EQ(GetField(doc, MustParse("a.s.t")), nullptr);  // below a non-map
  EXPECT_EQ(GetField(doc, MustParse("a.b.c.d")), nullptr);
  EXPECT_EQ(GetField(doc, MustParse("arr.0")), nullptr);  // no indexing into arrays
  EXPECT_EQ(GetField(doc, MustParse("missing")), nullptr);
}

TEST(SetField, CreatesIntermediateMaps) {
  Map doc;
  SetField(doc, MustParse("a.b.c"), Value::Integer(1));
  EXPECT_EQ(Describe(Value::FromMap(doc)), "{\"a\": {\"b\": {\"c\": 1}}}");
  SetField(doc, MustParse("a.b.d"), Value::String("x"));
  SetField(doc, MustParse("a.e"), Value::Null());
  EXPECT_EQ(Describe(Value::FromMap(doc)),
            "{\"a\": {\"b\": {\"c\": 1, \"d\": \"x\"}, \"e\": null}}");
}

TEST(SetField, ReplacesValuesAndNonMapParents) {
  Map doc = Doc({{"a", Value::Integer(5)},
                 {"arr", Value::FromArray({Value::Integer(1)})},
                 {"keep", Value::Boolean(true)}});
  SetField(doc, MustParse("a.b"), Value::Integer(6));  // 5 is replaced by {b: 6}
  SetField(doc, MustParse("arr.x"), Value::Integer(7));
  SetField(doc, MustParse("keep"), Value::Boolean(false));
  EXPECT_EQ(Describe(Value::FromMap(doc)),
            "{\"a\": {\"b\": 6}, \"arr\": {\"x\": 7}, \"keep\": false}");
  // Replacing a map with a scalar drops the whole subtree.
  SetField(doc, MustParse("a"), Value::Integer(0));
  EXPECT_EQ(GetField(doc, MustParse("a.b")), nullptr);
  EXPECT_EQ(GetField(doc, MustParse("a"))->integer_value(), 0);
}

TEST(DeleteField, RemovesOnlyWhatExists) {
  Map doc = Doc({{"a", Value::FromMap(Doc({{"b", Value::Integer(1)}, {"c", Value::Integer(2)}}))},
                 {"s", Value::String("x")}});
  EXPECT_TRUE(DeleteField(doc, MustParse("a.b")));
  EXPECT_EQ(GetField(doc, MustParse("a.b")), nullptr);
  ASSERT_NE(GetField(doc, MustParse("a.c")), nullptr);
  EXPECT_FALSE(DeleteField(doc, MustParse("a.b")));    // already gone
  EXPECT_FALSE(DeleteField(doc, MustParse("s.t")));    // parent is not a map
  EXPECT_FALSE(DeleteField(doc, MustParse("x.y.z")));  // parent missing: nothing created
  EXPECT_EQ(doc.count("x"), 0u);
  EXPECT_EQ(GetField(doc, MustParse("s"))->string_value(), "x");
  EXPECT_TRUE(DeleteField(doc, MustParse("a")));
  EXPECT_EQ(Describe(Value::FromMap(doc)), "{\"s\": \"x\"}");
}

TEST(Depth, CountsTopLevelFieldsAsOne) {
  EXPECT_EQ(Depth(Map()), 0);
  EXPECT_EQ(Depth(Doc({{"a", Value::Integer(1)}})), 1);
  EXPECT_EQ(Depth(Doc({{"a", Value::FromMap({})}})), 1);
  EXPECT_EQ(Depth(Doc({{"a", Value::FromArray({})}})), 1);
  EXPECT_EQ(Depth(Doc({{"a", Value::FromArray({Value::Integer(1)})}})), 2);
  EXPECT_EQ(Depth(Doc({{"a", Value::FromMap(Doc({{"b", Value::Integer(1)}}))}})), 2);
  EXPECT_EQ(Depth(Doc({{"a", Value::Integer(1)},
                       {"b", Value::FromArray({Value::FromArray(
                                 {Value::FromMap(Doc({{"c", Value::Integer(1)}}))})})}})),
            4);
  Map deep;
  SetField(deep,
           MustParse("f1.f2.f3.f4.f5.f6.f7.f8.f9.f10.f11.f12.f13.f14.f15.f16.f17.f18.f19.f20"),
           Value::Integer(1));
  EXPECT_EQ(Depth(deep), 20);
}

}  // namespace
}  // namespace hearth::model
