#include "model/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "model/test_values.h"

namespace hearth::model {
namespace {

using testing::D;
using testing::I;
using testing::kInf;
using testing::kNaN;
using testing::S;

using testing::Describe;
using testing::StrictEqual;
using namespace std::string_literals;

std::string ToJson(const Value& v) {
  std::string out;
  AppendValueJson(out, v);
  return out;
}

Value MustParseValue(std::string_view json) {
  Result<Value> r = ParseValueJson(json);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : Value::String("<parse failed>");
}

Map MustParseDoc(std::string_view json) {
  Result<Map> r = ParseDocumentJson(json);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : Map();
}

// Expects an invalid-argument error whose message contains `needle`.
template <typename T>
void ExpectError(const Result<T>& r, std::string_view needle, std::string_view input) {
  ASSERT_FALSE(r.ok()) << "accepted: " << input;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << input;
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << "input: " << input << "\nmessage: " << r.status().message()
      << "\nexpected to contain: " << needle;
}

void ExpectValueError(std::string_view json, std::string_view needle) {
  ExpectError(ParseValueJson(json), needle, json);
}
void ExpectDocError(std::string_view json, std::string_view needle) {
  ExpectError(ParseDocumentJson(json), needle, json);
}

void ExpectRoundTrip(const Value& v) {
  std::string json = ToJson(v);
  Result<Value> back = ParseValueJson(json);
  ASSERT_TRUE(back.ok()) << Describe(v) << " -> " << json << ": " << back.status().ToString();
  EXPECT_TRUE(StrictEqual(*back, v)) << Describe(v) << " -> " << json << " -> " << Describe(*back);
}

// --- plain JSON values ---------------------------------------------------------------------

TEST(Json, ParsesPlainValues) {
  EXPECT_TRUE(StrictEqual(MustParseValue("null"), Value::Null()));
  EXPECT_TRUE(StrictEqual(MustParseValue("true"), Value::Boolean(true)));
  EXPECT_TRUE(StrictEqual(MustParseValue("false"), Value::Boolean(false)));
  EXPECT_TRUE(StrictEqual(MustParseValue("\"hi\""), S("hi")));
  EXPECT_TRUE(StrictEqual(MustParseValue("[1, \"a\", null]"),
                          Value::FromArray({I(1), S("a"), Value::Null()})));
  EXPECT_TRUE(StrictEqual(MustParseValue(" { \"k\" : { \"j\" : [ ] } } "),
                          Value::FromMap({{"k", Value::FromMap({{"j", Value::FromArray({})}})}})));
}

TEST(Json, IntegersAndDoublesStayDistinct) {
  EXPECT_TRUE(StrictEqual(MustParseValue("1"), I(1)));
  EXPECT_TRUE(StrictEqual(MustParseValue("1.0"), D(1.0)));
  EXPECT_TRUE(StrictEqual(MustParseValue("1e2"), D(100.0)));
  EXPECT_TRUE(StrictEqual(MustParseValue("-7"), I(-7)));
  EXPECT_TRUE(StrictEqual(MustParseValue("-0.0"), D(-0.0)));
  EXPECT_TRUE(
      StrictEqual(MustParseValue("9223372036854775807"), I(std::numeric_limits<int64_t>::max())));
  EXPECT_TRUE(
      StrictEqual(MustParseValue("-9223372036854775808"), I(std::numeric_limits<int64_t>::min())));
  EXPECT_EQ(ToJson(I(1)), "1");
  EXPECT_EQ(ToJson(I(-42)), "-42");
  EXPECT_EQ(ToJson(I(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(ToJson(D(1.0)), "1.0");  // a double must read back as a double
  EXPECT_EQ(ToJson(D(-3.0)), "-3.0");
  EXPECT_EQ(ToJson(D(-0.0)), "-0.0");
  EXPECT_EQ(ToJson(D(2.5)), "2.5");
  EXPECT_EQ(ToJson(D(0.1)), "0.1");
  EXPECT_TRUE(StrictEqual(MustParseValue(ToJson(D(1e300))), D(1e300)));
  EXPECT_TRUE(StrictEqual(MustParseValue(ToJson(D(1e22))), D(1e22)));
  EXPECT_TRUE(StrictEqual(MustParseValue(ToJson(D(123456789.0))), D(123456789.0)));
}

TEST(Json, DoublesRoundTripExactly) {
  const double cases[] = {0.0,
                          -0.0,
                          1.0,
                          0.1,
                          1.0 / 3,
                          -2.5e-8,
                          1e21,
                          1e16,
                          9007199254740993.0,
                          9223372036854775808.0,
                          std::numeric_limits<double>::max(),
                          std::numeric_limits<double>::lowest(),
                          std::numeric_limits<double>::min(),
                          std::numeric_limits<double>::denorm_min(),
                          -std::numeric_limits<double>::denorm_min(),
                          std::nextafter(1.0, 2.0)};
  for (double d : cases) ExpectRoundTrip(D(d));
}

TEST(Json, NonFiniteDoublesUseDoubleTag) {
  EXPECT_EQ(ToJson(D(kNaN)), R"({"$double":"NaN"})");
  EXPECT_EQ(ToJson(D(kInf)), R"({"$double":"Infinity"})");
  EXPECT_EQ(ToJson(D(-kInf)), R"({"$double":"-Infinity"})");
  EXPECT_TRUE(std::isnan(MustParseValue(R"({"$double":"NaN"})").double_value()));
  EXPECT_TRUE(StrictEqual(MustParseValue(R"({"$double":"Infinity"})"), D(kInf)));
  EXPECT_TRUE(StrictEqual(MustParseValue(R"({"$double":"-Infinity"})"), D(-kInf)));
  EXPECT_TRUE(StrictEqual(MustParseValue(R"({"$double": 2})"), D(2.0)));
  EXPECT_TRUE(StrictEqual(MustParseValue(R"({"$double": 2.5})"), D(2.5)));
  ExpectValueError(R"({"$double":"nan"})", "$double");
  ExpectValueError(R"({"$double":"inf"})", "$double");
  ExpectValueError(R"({"$double":true})", "$double");
  ExpectValueError(R"({"$double":null})", "$double");
  ExpectRoundTrip(D(kNaN));
  ExpectRoundTrip(D(kInf));
  ExpectRoundTrip(D(-kInf));
}

TEST(Json, IntegersBeyondInt64Rejected) {
  ExpectValueError("9223372036854775808", "int64");
  ExpectValueError("18446744073709551615", "int64");
  ExpectDocError(R"({"n": 9223372036854775808})", "field 'n'");
}

TEST(Json, NumbersOutsideRepresentableRangeRejected) {
  // Not silently rounded to a double or wrapped around.
  ExpectValueError("-9223372036854775809", "malformed JSON");
  ExpectValueError("123456789012345678901234567890", "malformed JSON");
  ExpectValueError("1e400", "malformed JSON");  // not read as Infinity
  ExpectDocError(R"({"n": -99999999999999999999})", "malformed JSON");
  // "-0" has no fraction or exponent: the integer 0.
  EXPECT_TRUE(StrictEqual(MustParseValue("-0"), I(0)));
}

// --- strings -------------------------------------------------------------------------------

TEST(Json, StringEscaping) {
  std::string out;
  AppendJsonString(out, "a\"b\\c");
  EXPECT_EQ(out, R"("a\"b\\c")");
  out.clear();
  AppendJsonString(out, "\n\r\t\b\f");
  EXPECT_EQ(out, R"("\n\r\t\b\f")");
  out.clear();
  AppendJsonString(out, "\x01\x1f\0"s);
  EXPECT_EQ(out, R"("\u0001\u001f\u0000")");
  out.clear();
  AppendJsonString(out, "\xc3\xa9\xf0\x9f\x98\x80\x7f/");  // passes through untouched
  EXPECT_EQ(out, "\"\xc3\xa9\xf0\x9f\x98\x80\x7f/\"");
  out.clear();
  AppendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
}

TEST(Json, StringsRoundTrip) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  for (const std::string& s :
       {std::string(), all_controls, "quote \" backslash \\ slash /"s, "\xc3\xa9\xe2\x82\xac"s,
        "\xf0\x9f\x98\x80 and \xef\xbf\xbf"s, "\x7f"s, "a\0b"s, "$timestamp"s, "{\"$ref\":1}"s}) {
    ExpectRoundTrip(S(s));
    // As a map key too.
    ExpectRoundTrip(Value::FromMap({{s.empty() ? "e" : s, S(s)}, {"other", I(1)}}));
  }
  EXPECT_TRUE(
      StrictEqual(MustParseValue(R"("\u00e9\ud83d\ude00\/")"), S("\xc3\xa9\xf0\x9f\x98\x80/")));
}

// --- tagged types --------------------------------------------------------------------------

TEST(Json, TimestampTag) {
  Value v = MustParseValue(R"({"$timestamp": "2026-01-02T03:04:05.123456Z"})");
  ASSERT_EQ(v.type(), Value::Type::kTimestamp);
  EXPECT_EQ(v.timestamp_value(), (Timestamp{1767323045, 123456000}));
  EXPECT_EQ(ToJson(v), R"({"$timestamp":"2026-01-02T03:04:05.123456Z"})");
  EXPECT_EQ(MustParseValue(R"({"$timestamp": "2026-01-02T05:04:05+02:00"})").timestamp_value(),
            (Timestamp{1767323045, 0}));
  ExpectRoundTrip(Value::FromTimestamp({-62135596800, 0}));
  ExpectRoundTrip(Value::FromTimestamp({253402300799, 999999999}));
  ExpectRoundTrip(Value::FromTimestamp({-1, 1}));
  ExpectValueError(R"({"$timestamp": "2026-02-30T00:00:00Z"})", "invalid timestamp");
  ExpectValueError(R"({"$timestamp": "0000-01-01T00:00:00Z"})", "timestamp");
  ExpectValueError(R"({"$timestamp": 12345})", "$timestamp");
  ExpectDocError(R"({"when": {"$timestamp": "yesterday"}})", "field 'when'");
}

TEST(Json, BytesTag) {
  Value v = MustParseValue(R"({"$bytes": "AP8="})");
  ASSERT_EQ(v.type(), Value::Type::kBytes);
  EXPECT_EQ(v.bytes_value(), "\x00\xff"s);
  EXPECT_EQ(ToJson(v), R"({"$bytes":"AP8="})");
  EXPECT_EQ(MustParseValue(R"({"$bytes": "_-8"})").bytes_value(), "\xff\xef");  // URL-safe
  EXPECT_EQ(MustParseValue(R"({"$bytes": ""})").bytes_value(), "");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  ExpectRoundTrip(Value::FromBytes(all));
  ExpectValueError(R"({"$bytes": "not base64!"})", "base64");
  ExpectValueError(R"({"$bytes": [1, 2]})", "$bytes");
}

TEST(Json, ReferenceTag) {
  Value v = MustParseValue(R"({"$ref": "posts/abc"})");
  ASSERT_EQ(v.type(), Value::Type::kReference);
  EXPECT_EQ(v.reference_value(), "posts/abc");
  EXPECT_EQ(ToJson(v), R"({"$ref":"posts/abc"})");
  EXPECT_EQ(MustParseValue(R"({"$ref": "users/u1/posts/p\u00e9"})").reference_value(),
            "users/u1/posts/p\xc3\xa9");
  ExpectValueError(R"({"$ref": "posts"})", "document");
  ExpectValueError(R"({"$ref": "a/b/c"})", "document");
  ExpectValueError(R"({"$ref": ""})", "document");
  ExpectValueError(R"({"$ref": "/posts/abc"})", "path");
  ExpectValueError(R"({"$ref": "posts//abc"})", "path");
  ExpectValueError(R"({"$ref": "posts/__abc__"})", "reserved");
  ExpectValueError(R"({"$ref": 5})", "$ref");
}

TEST(Json, GeoTag) {
  Value v = MustParseValue(R"({"$geo": [12.5, -45]})");
  ASSERT_EQ(v.type(), Value::Type::kGeoPoint);
  EXPECT_EQ(v.geo_point_value(), (GeoPoint{12.5, -45.0}));
  EXPECT_EQ(ToJson(v), R"({"$geo":[12.5,-45.0]})");
  EXPECT_EQ(MustParseValue(R"({"$geo": [90, 180]})").geo_point_value(), (GeoPoint{90, 180}));
  EXPECT_EQ(MustParseValue(R"({"$geo": [-90, -180]})").geo_point_value(), (GeoPoint{-90, -180}));
  ExpectRoundTrip(Value::FromGeoPoint(-90, 180));
  ExpectRoundTrip(Value::FromGeoPoint(0.1, -0.0));
  ExpectValueError(R"({"$geo": [90.000001, 0]})", "latitude");
  ExpectValueError(R"({"$geo": [-91, 0]})", "latitude");
  ExpectValueError(R"({"$geo": [0, 180.5]})", "longitude");
  ExpectValueError(R"({"$geo": [0, -181]})", "longitude");
  ExpectValueError(R"({"$geo": [1]})", "$geo");
  ExpectValueError(R"({"$geo": [1, 2, 3]})", "$geo");
  ExpectValueError(R"({"$geo": ["1", 2]})", "$geo");
  ExpectValueError(R"({"$geo": [1, null]})", "$geo");
  ExpectValueError(R"({"$geo": {"lat": 1, "lng": 2}})", "$geo");
  ExpectValueError(R"({"$geo": [{"$double": "NaN"}, 0]})", "$geo");
}

TEST(Json, UnknownTagRejectedWithMessage) {
  ExpectValueError(R"({"$foo": 1})", "unknown tag '$foo'");
  ExpectDocError(R"({"a": {"$nope": true}})", "field 'a': unknown tag '$nope'");
  ExpectDocError(R"({"a": {"b": [{"$x": 1}]}})", "unknown tag '$x'");
  // Only single-key objects are tags; two '$' keys make an ordinary map.
  Value two = MustParseValue(R"({"$a": 1, "$b": 2})");
  EXPECT_TRUE(StrictEqual(two, Value::FromMap({{"$a", I(1)}, {"$b", I(2)}})));
}

TEST(Json, LiteralDollarMapsRoundTripThroughMapTag) {
  Value literal = Value::FromMap({{"$timestamp", S("not a timestamp")}});
  EXPECT_EQ(ToJson(literal), R"({"$map":{"$timestamp":"not a timestamp"}})");
  ExpectRoundTrip(literal);
  ExpectRoundTrip(Value::FromMap({{"$map", I(5)}}));
  ExpectRoundTrip(Value::FromMap({{"$", Value::FromMap({{"$x", Value::FromMap({})}})}}));
  ExpectRoundTrip(Value::FromArray({Value::FromMap({{"$increment", I(1)}})}));
  // Two keys need no wrapping.
  EXPECT_EQ(ToJson(Value::FromMap({{"$a", I(1)}, {"b", I(2)}})), R"({"$a":1,"b":2})");
  // A '$' that is not the first character needs none either.
  EXPECT_EQ(ToJson(Value::FromMap({{"a$", I(1)}})), R"({"a$":1})");
  EXPECT_TRUE(StrictEqual(MustParseValue(R"({"$map": {}})"), Value::FromMap({})));
  ExpectValueError(R"({"$map": 5})", "$map");
  ExpectValueError(R"({"$map": {"__x__": 1}})", "reserved");
}

TEST(Json, TransformsRejectedOutsideWrites) {
  ExpectValueError(R"({"$serverTimestamp": true})", "only in writes");
  ExpectDocError(R"({"a": {"$increment": 1}})", "only in writes");
  ExpectDocError(R"({"a": {"$delete": true}})", "only in writes");
  ExpectDocError(R"({"a": [{"$arrayUnion": [1]}]})", "not allowed inside an array");
}

// --- documents -----------------------------------------------------------------------------

TEST(Json, DocumentRoundTripEveryType) {
  Map doc;
  doc["null"] = Value::Null();
  doc["bool"] = Value::Boolean(true);
  doc["int"] = I(-12);
  doc["double"] = D(1.0);
  doc["nan"] = D(kNaN);
  doc["ts"] = Value::FromTimestamp({1767323045, 123456789});
  doc["str"] = S("s\"\\\n\xc3\xa9");
  doc["bytes"] = Value::FromBytes("\0\x01\xff"s);
  doc["ref"] = Value::FromReference("users/u1");
  doc["geo"] = Value::FromGeoPoint(1.5, -2);
  doc["arr"] = Value::FromArray({I(1), D(1), Value::FromArray({}), Value::FromMap({})});
  doc["map"] = Value::FromMap({{"$only", I(1)}});
  doc["$top"] = I(0);  // top-level keys are never tags
  doc["a.b"] = I(3);   // a literal dotted name, not a path
  std::string json = MapToJson(doc);
  Result<Map> back = ParseDocumentJson(json);
  ASSERT_TRUE(back.ok()) << json << ": " << back.status().ToString();
  EXPECT_TRUE(testing::StrictEqualMaps(*back, doc))
      << json << "\n -> " << Describe(Value::FromMap(*back));
  EXPECT_EQ(MapToJson(*back), json);
  std::string appended = "x";
  AppendMapJson(appended, doc);
  EXPECT_EQ(appended, "x" + json);
  EXPECT_EQ(MapToJson({}), "{}");
}

TEST(Json, RandomValuesRoundTrip) {
  const uint64_t seed = 0x150;
  testing::ValueGenerator gen(seed, /*json_safe=*/true);
  for (int iter = 0; iter < 5000; ++iter) {
    Value v = gen.Any(4);
    std::string json = ToJson(v);
    Result<Value> back = ParseValueJson(json);
    ASSERT_TRUE(back.ok()) << "seed " << seed << " iteration " << iter << ": " << Describe(v)
                           << "\n -> " << json << "\n: " << back.status().ToString();
    ASSERT_TRUE(StrictEqual(*back, v))
        << "seed " << seed << " iteration " << iter << ": " << Describe(v) << "\n -> " << json
        << "\n -> " << Describe(*back);
    ASSERT_EQ(ToJson(*back), json);
  }
}

TEST(Json, RejectsMalformedJson) {
  for (std::string_view bad :
       {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{'a':1}", "nul", "{\"a\":1,}", "\"unterminated",
        "{} {}", "01", "1.", "+1", "{\"a\":\"\xff\"}", "{\"a\":\"\\x\"}", "NaN"}) {
    Result<Value> r = ParseValueJson(bad);
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
  ExpectDocError("{\"a\": [1, 2}", "malformed JSON");
}

TEST(Json, DocumentMustBeAnObject) {
  for (std::string_view bad : {"[]", "1", "null", "\"s\"", "true", "[{\"a\":1}]"}) {
    ExpectDocError(bad, "must be a JSON object");
    ExpectError(ParseWriteData(bad, WriteMode::kSet), "must be a JSON object", bad);
    ExpectError(ParseWriteData(bad, WriteMode::kUpdate), "must be a JSON object", bad);
  }
  EXPECT_TRUE(MustParseDoc("{}").empty());
}

TEST(Json, RejectsDuplicateKeys) {
  ExpectDocError(R"({"a": 1, "a": 2})", "repeats a key");
  ExpectDocError(R"({"a": 1, "a": 1})", "repeats a key");
  ExpectDocError(R"({"m": {"x": 1, "y": 2, "x": 3}})", "repeats a key");
  ExpectValueError(R"({"a": 1, "b": 2, "a": 3})", "repeats a key");
  ExpectValueError(R"([{"k": 1, "k": 2}])", "repeats a key");
  // Equal after unescaping.
  ExpectDocError(R"({"a": 1, "\u0061": 2})", "repeats a key");
}

TEST(Json, FieldNamesValidated) {
  ExpectDocError(R"({"": 1})", "empty");
  ExpectDocError(R"({"__name__": 1})", "reserved");
  ExpectDocError(R"({"m": {"__x__": 1}})", "field 'm'");
  ExpectDocError("{\"" + std::string(1501, 'k') + "\": 1}", "1500");
  EXPECT_EQ(MustParseDoc("{\"" + std::string(1500, 'k') + "\": 1}").size(), 1u);
  EXPECT_EQ(MustParseDoc(R"({"a b": 1, "\u00e9": 2, "__x": 3, "x.y": 4})").size(), 4u);
}

// --- depth ---------------------------------------------------------------------------------

// {"f1":{"f2":...{"fN": <leaf>}...}}: the innermost field is at depth N.
std::string NestedMaps(int n, std::string_view leaf) {
  std::string json;
  for (int i = 1; i <= n; ++i) json += "{\"f" + std::to_string(i) + "\":";
  json += leaf;
  json += std::string(n, '}');
  return json;
}

// {"a": [[...[<leaf>]...]]} with `arrays` nested arrays: the leaf is at depth arrays + 1.
std::string NestedArrays(int arrays, std::string_view leaf) {
  return "{\"a\":" + std::string(arrays, '[') + std::string(leaf) + std::string(arrays, ']') + "}";
}

TEST(JsonDepth, MapsExactlyTwentyLevels) {
  Map doc = MustParseDoc(NestedMaps(20, "1"));
  EXPECT_EQ(Depth(doc), 20);
  Result<Map> deeper = ParseDocumentJson(NestedMaps(21, "1"));
  ExpectError(deeper, "deeper than 20", "21 nested maps");
  // The error names the field where the limit was crossed.
  if (!deeper.ok()) {
    EXPECT_NE(deeper.status().message().find("f21"), std::string::npos)
        << deeper.status().message();
  }
  // An empty container adds no level.
  EXPECT_EQ(Depth(MustParseDoc(NestedMaps(20, "{}"))), 20);
  EXPECT_EQ(Depth(MustParseDoc(NestedMaps(20, "[]"))), 20);
  ExpectDocError(NestedMaps(20, "{\"x\":1}"), "deeper than 20");
  ExpectDocError(NestedMaps(20, "[1]"), "deeper than 20");
  ExpectDocError(NestedMaps(21, "{}"), "deeper than 20");
}

TEST(JsonDepth, ArraysCountLikeMaps) {
  EXPECT_EQ(Depth(MustParseDoc(NestedArrays(19, "1"))), 20);
  EXPECT_EQ(Depth(MustParseDoc(NestedArrays(20, ""))), 20);  // innermost array is empty
  ExpectDocError(NestedArrays(20, "1"), "deeper than 20");
  ExpectDocError(NestedArrays(19, "{\"x\":1}"), "deeper than 20");
  EXPECT_EQ(Depth(MustParseDoc(NestedArrays(19, "{}"))), 20);
}

TEST(JsonDepth, AcceptedDepthMatchesDepthFunction) {
  // Whatever the parser accepts has Depth() <= 20; what it rejects for depth would have more.
  for (int maps = 0; maps <= 21; ++maps) {
    for (int arrays = 0; arrays + maps <= 22; ++arrays) {
      std::string inner = std::string(arrays, '[') + "true" + std::string(arrays, ']');
      std::string json = maps == 0 ? "{\"z\":" + inner + "}" : NestedMaps(maps, inner);
      int depth = std::max(maps, 1) + arrays;
      Result<Map> r = ParseDocumentJson(json);
      EXPECT_EQ(r.ok(), depth <= 20)
          << "maps " << maps << " arrays " << arrays << ": " << r.status().ToString();
      if (r.ok()) {
        EXPECT_EQ(Depth(*r), depth);
      }
    }
  }
}

TEST(JsonDepth, DollarMapAndTagsAddNoLevel) {
  // A literal map written through $map counts once, like a plain map.
  std::string json = NestedMaps(19, "{\"$map\":{\"$x\":1}}");
  EXPECT_EQ(Depth(MustParseDoc(json)), 20);
  ExpectDocError(NestedMaps(20, "{\"$map\":{\"$x\":1}}"), "deeper than 20");
  // Tagged scalars are scalars.
  EXPECT_EQ(Depth(MustParseDoc(NestedMaps(20, "{\"$geo\":[1,2]}"))), 20);
  EXPECT_EQ(Depth(MustParseDoc(NestedMaps(20, "{\"$timestamp\":\"2026-01-02T03:04:05Z\"}"))), 20);
}

TEST(JsonDepth, ValueJsonCountsTheRootAsLevelOne) {
  // ParseValueJson's root sits at depth 1, like a top-level field.
  EXPECT_TRUE(ParseValueJson(std::string(19, '[') + "1" + std::string(19, ']')).ok());
  ExpectValueError(std::string(20, '[') + "1" + std::string(20, ']'), "deeper than 20");
}

TEST(JsonDepth, VeryDeepInputFailsCleanly) {
  std::string json = std::string(5000, '[') + std::string(5000, ']');
  Result<Value> r = ParseValueJson(json);
  EXPECT_FALSE(r.ok());
}

// --- write data ----------------------------------------------------------------------------

const FieldTransform* FindTransform(const WriteData& w, std::string_view path) {
  for (const FieldTransform& t : w.transforms) {
    if (t.path.ToString() == path) return &t;
  }
  return nullptr;
}

WriteData MustParseWrite(std::string_view json, WriteMode mode) {
  Result<WriteData> r = ParseWriteData(json, mode);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : WriteData();
}

std::vector<std::string> PathStrings(const std::vector<FieldPath>& paths) {
  std::vector<std::string> out;
  for (const FieldPath& p : paths) out.push_back(p.ToString());
  return out;
}

TEST(WriteData, SetCollectsTransforms) {
  WriteData w = MustParseWrite(R"({
      "a": 1,
      "ts": {"$serverTimestamp": true},
      "n": {"m": {"$increment": 2}, "keep": "x"},
      "u": {"$arrayUnion": [1, "two", {"$timestamp": "2026-01-02T03:04:05Z"}]},
      "r": {"$arrayRemove": []},
      "f": {"$increment": -1.5}
  })",
                               WriteMode::kSet);
  EXPECT_EQ(Describe(Value::FromMap(w.fields)), R"({"a": 1, "n": {"keep": "x"}})");
  EXPECT_TRUE(w.deletes.empty());
  ASSERT_EQ(w.transforms.size(), 5u);

  const FieldTransform* ts = FindTransform(w, "ts");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->kind, TransformKind::kServerTimestamp);
  EXPECT_TRUE(ts->operand.is_null());

  const FieldTransform* inc = FindTransform(w, "n.m");
  ASSERT_NE(inc, nullptr);
  EXPECT_EQ(inc->kind, TransformKind::kIncrement);
  EXPECT_EQ(inc->path.segments(), std::vector<std::string>({"n", "m"}));
  EXPECT_TRUE(StrictEqual(inc->operand, I(2)));

  const FieldTransform* f = FindTransform(w, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(StrictEqual(f->operand, D(-1.5)));

  const FieldTransform* u = FindTransform(w, "u");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->kind, TransformKind::kArrayUnion);
  ASSERT_TRUE(u->operand.is_array());
  ASSERT_EQ(u->operand.array_value().size(), 3u);
  EXPECT_EQ(u->operand.array_value()[2].type(), Value::Type::kTimestamp);

  const FieldTransform* r = FindTransform(w, "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, TransformKind::kArrayRemove);
  EXPECT_TRUE(StrictEqual(r->operand, Value::FromArray({})));

  // Transform targets are not plain fields.
  EXPECT_EQ(GetField(w.fields, *FieldPath::Parse("ts")), nullptr);
}

TEST(WriteData, SetRejectsDelete) {
  ExpectError(ParseWriteData(R"({"a": {"$delete": true}})", WriteMode::kSet), "$delete",
              "set with $delete");
  ExpectError(ParseWriteData(R"({"m": {"a": {"$delete": true}}})", WriteMode::kSet), "$delete",
              "set with nested $delete");
}

TEST(WriteData, MergeAndUpdateCollectDeletes) {
  WriteData merge = MustParseWrite(R"({"a": {"$delete": true}, "m": {"b": {"$delete": true}},
                                       "c": 3})",
                                   WriteMode::kMergeSet);
  EXPECT_EQ(PathStrings(merge.deletes), std::vector<std::string>({"a", "m.b"}));
  EXPECT_EQ(Describe(Value::FromMap(merge.fields)), R"({"c": 3, "m": {}})");
  EXPECT_TRUE(merge.transforms.empty());

  WriteData update = MustParseWrite(R"({"a.b": {"$delete": true}, "c": 1})", WriteMode::kUpdate);
  EXPECT_EQ(PathStrings(update.deletes), std::vector<std::string>({"a.b"}));
  EXPECT_EQ(PathStrings(update.top_level_paths), std::vector<std::string>({"a.b", "c"}));
  EXPECT_EQ(Describe(Value::FromMap(update.fields)), R"({"c": 1})");

  ExpectError(ParseWriteData(R"({"a": {"$delete": false}})", WriteMode::kMergeSet), "true",
              "$delete false");
  ExpectError(ParseWriteData(R"({"a": {"$delete": 1}})", WriteMode::kUpdate), "true", "$delete 1");
}

TEST(WriteData, TransformArgumentsChecked) {
  for (WriteMode mode : {WriteMode::kSet, WriteMode::kMergeSet, WriteMode::kUpdate}) {
    ExpectError(ParseWriteData(R"({"a": {"$increment": "1"}})", mode), "number", "inc string");
    ExpectError(ParseWriteData(R"({"a": {"$increment": true}})", mode), "number", "inc bool");
    ExpectError(ParseWriteData(R"({"a": {"$increment": null}})", mode), "number", "inc null");
    ExpectError(ParseWriteData(R"({"a": {"$increment": [1]}})", mode), "number", "inc array");
    ExpectError(ParseWriteData(R"({"a": {"$increment": {"x": 1}}})", mode), "number", "inc map");
    ExpectError(ParseWriteData(R"({"a": {"$increment": 18446744073709551615}})", mode), "int64",
                "inc uint64");
    ExpectError(ParseWriteData(R"({"a": {"$serverTimestamp": false}})", mode), "true",
                "serverTimestamp false");
    ExpectError(ParseWriteData(R"({"a": {"$serverTimestamp": "now"}})", mode), "true",
                "serverTimestamp string");
    ExpectError(ParseWriteData(R"({"a": {"$arrayUnion": 1}})", mode), "array", "union scalar");
    ExpectError(ParseWriteData(R"({"a": {"$arrayRemove": {"x": 1}}})", mode), "array",
                "remove map");
  }
  WriteData w =
      MustParseWrite(R"({"a": {"$increment": {"$double": "Infinity"}}})", WriteMode::kSet);
  ASSERT_EQ(w.transforms.size(), 1u);
  EXPECT_TRUE(StrictEqual(w.transforms[0].operand, D(kInf)));
}

TEST(WriteData, TransformsInsideArraysRejected) {
  for (WriteMode mode : {WriteMode::kSet, WriteMode::kMergeSet, WriteMode::kUpdate}) {
    for (std::string_view json : {
             R"({"a": [{"$increment": 1}]})",
             R"({"a": [1, {"$serverTimestamp": true}]})",
             R"({"a": [{"b": {"$arrayUnion": [1]}}]})",
             R"({"a": [[{"$delete": true}]]})",
             R"({"a": {"$arrayUnion": [{"$serverTimestamp": true}]}})",
             R"({"a": {"$arrayRemove": [{"m": {"$increment": 1}}]}})",
         }) {
      ExpectError(ParseWriteData(json, mode), "not allowed inside an array", json);
    }
  }
}

TEST(WriteData, TransformsInsideLiteralMapRejected) {
  ExpectError(ParseWriteData(R"({"a": {"$map": {"b": {"$increment": 1}}}})", WriteMode::kSet),
              "$increment", "transform under $map");
}

TEST(WriteData, LiteralMapsNamedLikeTransformsStayLiteral) {
  // Stored data holding a map {"$increment": 5} is sent back wrapped in $map; writing it back
  // must store the same literal map, not perform an increment.
  Map stored;
  stored["a"] = Value::FromMap({{"$increment", I(5)}});
  stored["b"] = Value::FromArray({Value::FromMap({{"$serverTimestamp", Value::Boolean(true)}})});
  std::string json = MapToJson(stored);
  for (WriteMode mode : {WriteMode::kSet, WriteMode::kMergeSet, WriteMode::kUpdate}) {
    WriteData w = MustParseWrite(json, mode);
    EXPECT_TRUE(w.transforms.empty()) << json;
    EXPECT_TRUE(testing::StrictEqualMaps(w.fields, stored))
        << json << " -> " << Describe(Value::FromMap(w.fields));
  }
}

TEST(WriteData, SetKeysAreNamesNotPaths) {
  WriteData w = MustParseWrite(R"({"a.b": 1, "m": {"c.d": 2}})", WriteMode::kSet);
  ASSERT_EQ(w.fields.count("a.b"), 1u);
  EXPECT_EQ(w.fields.count("a"), 0u);
  EXPECT_EQ(w.fields.at("m").map_value().count("c.d"), 1u);
}

TEST(WriteData, UpdateParsesTopLevelKeysAsFieldPaths) {
  WriteData w = MustParseWrite(R"({"a.b": 1, "c": {"d.e": 2}, "`x.y`": 3, "a.z": [true]})",
                               WriteMode::kUpdate);
  EXPECT_EQ(Describe(Value::FromMap(w.fields)),
            R"({"a": {"b": 1, "z": [true]}, "c": {"d.e": 2}, "x.y": 3})");
  EXPECT_EQ(PathStrings(w.top_level_paths), std::vector<std::string>({"a.b", "c", "`x.y`", "a.z"}));
  EXPECT_EQ(w.top_level_paths[2].segments(), std::vector<std::string>({"x.y"}));
}

TEST(WriteData, UpdateTransformsAndTopLevelPaths) {
  WriteData w = MustParseWrite(
      R"({"t": {"$serverTimestamp": true}, "n.count": {"$increment": 1},
          "m": {"inner": {"$increment": 5}, "v": 1}, "gone": {"$delete": true}})",
      WriteMode::kUpdate);
  ASSERT_EQ(w.transforms.size(), 3u);
  ASSERT_NE(FindTransform(w, "t"), nullptr);
  ASSERT_NE(FindTransform(w, "n.count"), nullptr);
  ASSERT_NE(FindTransform(w, "m.inner"), nullptr);
  EXPECT_EQ(FindTransform(w, "n.count")->path.size(), 2u);
  // Keys carrying a value or $delete; pure transforms are not listed.
  EXPECT_EQ(PathStrings(w.top_level_paths), std::vector<std::string>({"m", "gone"}));
  EXPECT_EQ(PathStrings(w.deletes), std::vector<std::string>({"gone"}));
  EXPECT_EQ(Describe(Value::FromMap(w.fields)), R"({"m": {"v": 1}})");
}

TEST(WriteData, UpdateRejectsConflictingPaths) {
  for (std::string_view json : {
           R"({"a": 1, "a.b": 2})",
           R"({"a.b": 2, "a": 1})",
           R"({"a.b.c": 1, "x": 0, "a": {"b": 1}})",
           R"({"a": 1, "a": 2})",
           R"({"a": 1, "`a`": 2})",
           R"({"a": {"$delete": true}, "a.b": 1})",
           R"({"a.b": {"$increment": 1}, "a": {"$serverTimestamp": true}})",
       }) {
    ExpectError(ParseWriteData(json, WriteMode::kUpdate), "named twice", json);
  }
  // Siblings are fine.
  WriteData ok = MustParseWrite(R"({"a.b": 1, "a.c": 2, "ab": 3})", WriteMode::kUpdate);
  EXPECT_EQ(Describe(Value::FromMap(ok.fields)), R"({"a": {"b": 1, "c": 2}, "ab": 3})");
}

TEST(WriteData, UpdateRejectsBadPaths) {
  for (std::string_view json : {R"({"a..b": 1})", R"({"a.": 1})", R"({"": 1})", R"({"a.__x__": 1})",
                                R"({"a`b": 1})", R"({"a[0]": 1})"}) {
    ExpectError(ParseWriteData(json, WriteMode::kUpdate), "invalid field path", json);
  }
}

TEST(WriteData, DuplicateKeysRejectedInWrites) {
  ExpectError(ParseWriteData(R"({"a": 1, "a": 2})", WriteMode::kSet), "repeats a key", "dup");
  ExpectError(ParseWriteData(R"({"m": {"a": 1, "a": 2}})", WriteMode::kUpdate), "repeats a key",
              "nested dup");
}

TEST(WriteData, DuplicateKeyWithTransformRejected) {
  // A key repeated with a transform as one of its values is just as ambiguous.
  for (WriteMode mode : {WriteMode::kSet, WriteMode::kMergeSet, WriteMode::kUpdate}) {
    for (std::string_view json : {
             R"({"a": 1, "a": {"$increment": 1}})",
             R"({"a": {"$serverTimestamp": true}, "a": {"$serverTimestamp": true}})",
             R"({"m": {"a": {"$increment": 1}, "a": 5}})",
             R"({"m": {"a": {"$serverTimestamp": true}, "a": {"$increment": 1}}})",
         }) {
      Result<WriteData> r = ParseWriteData(json, mode);
      EXPECT_FALSE(r.ok()) << "accepted " << json << " (mode " << static_cast<int>(mode)
                           << "): fields " << (r.ok() ? Describe(Value::FromMap(r->fields)) : "")
                           << ", transforms " << (r.ok() ? r->transforms.size() : 0);
    }
  }
  Result<WriteData> r =
      ParseWriteData(R"({"a": {"$delete": true}, "a": {"$delete": true}})", WriteMode::kMergeSet);
  EXPECT_FALSE(r.ok()) << "accepted a $delete repeated under one key";
}

TEST(WriteData, DepthLimitsApplyToWrites) {
  // A transform at depth 20 is fine, at 21 it is not.
  EXPECT_TRUE(ParseWriteData(NestedMaps(19, "{\"f20\":{\"$increment\":1}}"), WriteMode::kSet).ok());
  ExpectError(ParseWriteData(NestedMaps(20, "{\"f21\":{\"$increment\":1}}"), WriteMode::kSet),
              "deeper than 20", "transform at 21");
  ExpectError(ParseWriteData(NestedMaps(20, "{\"f21\":{\"$delete\":true}}"), WriteMode::kMergeSet),
              "deeper than 20", "delete at 21");
  // arrayUnion at depth 20: its elements would sit at 21.
  ExpectError(ParseWriteData(NestedMaps(19, "{\"f20\":{\"$arrayUnion\":[1]}}"), WriteMode::kSet),
              "deeper than 20", "union elements at 21");
  EXPECT_TRUE(
      ParseWriteData(NestedMaps(19, "{\"f20\":{\"$arrayUnion\":[]}}"), WriteMode::kSet).ok());
  // Update paths count their segments as levels.
  std::string path20 = "f1";
  for (int i = 2; i <= 20; ++i) path20 += ".f" + std::to_string(i);
  WriteData w = MustParseWrite("{\"" + path20 + "\": 1}", WriteMode::kUpdate);
  EXPECT_EQ(Depth(w.fields), 20);
  ExpectError(ParseWriteData("{\"" + path20 + "\": {\"x\": 1}}", WriteMode::kUpdate),
              "deeper than 20", "update value below a 20-segment path");
  ExpectError(ParseWriteData("{\"" + path20 + ".f21\": 1}", WriteMode::kUpdate), "deeper than 20",
              "21-segment path");
  ExpectError(ParseWriteData("{\"" + path20 + "\": [1]}", WriteMode::kUpdate), "deeper than 20",
              "array below a 20-segment path");
}

}  // namespace
}  // namespace hearth::model
