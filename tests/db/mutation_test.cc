// Firestore's write semantics, applied to documents in memory.
#include "db/mutation.h"

#include <gtest/gtest.h>

#include <limits>

namespace hearth::db {
namespace {

using model::Map;
using model::Value;
using model::WriteMode;

model::ResourcePath Path(std::string_view p) { return model::ResourcePath::Parse(p).value(); }

Map ParseMap(std::string_view json) {
  auto m = model::ParseDocumentJson(json);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Map{};
}

// Applies a write body in `mode` to `current` (a JSON document or "" for missing).
std::string Apply(WriteMode mode, std::string_view body, std::string_view current,
                  int64_t now = 1'000'000) {
  auto data = model::ParseWriteData(body, mode);
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  Mutation m = mode == WriteMode::kUpdate     ? MakeUpdate(Path("c/d"), std::move(*data))
               : mode == WriteMode::kMergeSet ? MakeMergeSet(Path("c/d"), std::move(*data))
                                              : MakeSet(Path("c/d"), std::move(*data));
  std::optional<Map> cur;
  if (!current.empty()) cur = ParseMap(current);
  auto result = ApplyMutation(m, std::move(cur), now);
  if (!result.ok()) return "error: " + result.status().ToString();
  return result->has_value() ? model::MapToJson(**result) : "deleted";
}

TEST(ApplyMutation, SetReplacesEverything) {
  EXPECT_EQ(Apply(WriteMode::kSet, R"({"a":1})", R"({"b":2,"c":{"d":3}})"), R"({"a":1})");
}

TEST(ApplyMutation, MergeSetMergesMapsDeeply) {
  EXPECT_EQ(Apply(WriteMode::kMergeSet, R"({"c":{"e":4},"f":5})", R"({"b":2,"c":{"d":3}})"),
            R"({"b":2,"c":{"d":3,"e":4},"f":5})");
}

TEST(ApplyMutation, MergeSetWithEmptyMapSetsEmptyMap) {
  EXPECT_EQ(Apply(WriteMode::kMergeSet, R"({"c":{}})", R"({"c":{"d":3}})"), R"({"c":{}})");
}

TEST(ApplyMutation, UpdateReplacesNamedFieldsOnly) {
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"c":{"e":4}})", R"({"b":2,"c":{"d":3}})"),
            R"({"b":2,"c":{"e":4}})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"c.e":4})", R"({"b":2,"c":{"d":3}})"),
            R"({"b":2,"c":{"d":3,"e":4}})");
}

TEST(ApplyMutation, UpdateThroughANonMapReplacesIt) {
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"b.x":1})", R"({"b":2})"), R"({"b":{"x":1}})");
}

TEST(ApplyMutation, DeleteSentinelRemovesField) {
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"c.d":{"$delete":true}})", R"({"b":2,"c":{"d":3}})"),
            R"({"b":2,"c":{}})");
  EXPECT_EQ(Apply(WriteMode::kMergeSet, R"({"b":{"$delete":true}})", R"({"b":2,"z":1})"),
            R"({"z":1})");
}

TEST(ApplyMutation, ServerTimestampUsesCommitTime) {
  EXPECT_EQ(Apply(WriteMode::kSet, R"({"t":{"$serverTimestamp":true}})", "", 1'500'000),
            R"({"t":{"$timestamp":"1970-01-01T00:00:01.500000Z"}})");
}

TEST(ApplyMutation, IncrementFollowsFirestore) {
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"n":{"$increment":2}})", R"({"n":40})"), R"({"n":42})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"n":{"$increment":0.5}})", R"({"n":1})"), R"({"n":1.5})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"n":{"$increment":3}})", R"({"n":"text"})"),
            R"({"n":3})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"m":{"$increment":3}})", R"({"n":1})"),
            R"({"m":3,"n":1})");
  // Integer overflow saturates.
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"n":{"$increment":10}})", R"({"n":9223372036854775800})"),
            R"({"n":9223372036854775807})");
  EXPECT_EQ(
      Apply(WriteMode::kUpdate, R"({"n":{"$increment":-10}})", R"({"n":-9223372036854775800})"),
      R"({"n":-9223372036854775808})");
}

TEST(ApplyMutation, ArrayUnionAndRemove) {
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"a":{"$arrayUnion":[2,3,3,4]}})", R"({"a":[1,2]})"),
            R"({"a":[1,2,3,4]})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"a":{"$arrayUnion":[1]}})", R"({"a":"x"})"),
            R"({"a":[1]})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"a":{"$arrayRemove":[2,5]}})", R"({"a":[1,2,2,3]})"),
            R"({"a":[1,3]})");
  EXPECT_EQ(Apply(WriteMode::kUpdate, R"({"a":{"$arrayRemove":[1]}})", R"({"b":1})"),
            R"({"a":[],"b":1})");
}

TEST(ApplyMutation, TooDeepResultIsRefused) {
  // The parser already refuses such bodies; the mutation checks again on its own result.
  Value deep = Value::Integer(1);
  for (int i = 0; i < 21; ++i) deep = Value::FromArray({deep});
  Mutation m;
  m.path = Path("c/d");
  m.fields["a"] = deep;
  auto result = ApplyMutation(m, std::nullopt, 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  m.fields["a"] = deep.array_value()[0].array_value()[0];  // 20 levels in all: fine
  EXPECT_TRUE(ApplyMutation(m, std::nullopt, 1).ok());
}

TEST(ApplyMutation, DeleteDeletes) {
  auto result = ApplyMutation(MakeDelete(Path("c/d")), ParseMap(R"({"a":1})"), 1);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_value());
}

TEST(CheckPrecondition, CodesMatchFirestore) {
  EXPECT_TRUE(CheckPrecondition({}, "c/d", std::nullopt).ok());
  EXPECT_EQ(CheckPrecondition({.exists = true}, "c/d", std::nullopt).code(), Code::kNotFound);
  EXPECT_EQ(CheckPrecondition({.exists = false}, "c/d", 5).code(), Code::kAlreadyExists);
  EXPECT_TRUE(CheckPrecondition({.exists = false}, "c/d", std::nullopt).ok());
  EXPECT_TRUE(CheckPrecondition({.update_time = 5}, "c/d", 5).ok());
  EXPECT_EQ(CheckPrecondition({.update_time = 5}, "c/d", 6).code(), Code::kFailedPrecondition);
  EXPECT_EQ(CheckPrecondition({.update_time = 5}, "c/d", std::nullopt).code(), Code::kNotFound);
}

}  // namespace
}  // namespace hearth::db
