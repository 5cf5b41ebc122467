#include "model/json_view.h"

#include <gtest/gtest.h>

namespace hearth::model {
namespace {

TEST(JsonView, WalksObjectsAndArrays) {
  auto doc = JsonDocument::Parse(R"({"a": [1, "x", true, null], "b": {"c": 2.5}})");
  ASSERT_TRUE(doc.ok());
  JsonView root = doc->root();
  ASSERT_TRUE(root.is_object());
  auto a = root.Get("a");
  ASSERT_TRUE(a && a->is_array());
  auto elements = a->Elements();
  ASSERT_EQ(elements.size(), 4u);
  EXPECT_EQ(elements[0].kind(), JsonView::Kind::kInteger);
  EXPECT_EQ(elements[0].AsInteger(), 1);
  EXPECT_EQ(elements[1].AsString(), "x");
  EXPECT_TRUE(elements[2].AsBool());
  EXPECT_EQ(elements[3].kind(), JsonView::Kind::kNull);
  EXPECT_EQ(root.Get("b")->Get("c")->kind(), JsonView::Kind::kDouble);
  EXPECT_FALSE(root.Get("missing").has_value());
}

TEST(JsonView, CheckKeysNamesUnknownAndRepeatedKeys) {
  auto doc = JsonDocument::Parse(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_TRUE(doc.ok());
  Status unknown = doc->root().CheckKeys("body", {"a"});
  EXPECT_EQ(unknown.code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.message().find("unknown key 'b'"), std::string::npos);
  Status repeated = doc->root().CheckKeys("body", {"a", "b"});
  EXPECT_NE(repeated.message().find("repeated"), std::string::npos);
}

TEST(JsonView, DecodesValuesAndWritesWithTheDocumentRules) {
  auto doc = JsonDocument::Parse(
      R"({"v": {"$timestamp": "2026-01-02T03:04:05Z"}, "w": {"n": {"$increment": 1}}})");
  ASSERT_TRUE(doc.ok());
  auto v = doc->root().Get("v")->ToValue();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type(), Value::Type::kTimestamp);
  auto w = doc->root().Get("w")->ToWriteData(WriteMode::kSet);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->transforms.size(), 1u);
  EXPECT_EQ(w->transforms[0].path.ToString(), "n");
  // Transforms are not values.
  EXPECT_FALSE(doc->root().Get("w")->ToValue().ok());
}

TEST(JsonView, ADocumentSurvivesOtherParsesOnTheSameThread) {
  auto doc = JsonDocument::Parse(R"({"keep": "me"})");
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE(ParseDocumentJson(R"({"other": [1, 2, 3, 4, 5, 6, 7, 8]})").ok());
  auto moved = std::move(doc).value();
  EXPECT_EQ(moved.root().Get("keep")->AsString(), "me");
}

TEST(JsonView, MalformedJsonIsInvalidArgument) {
  auto doc = JsonDocument::Parse("{");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::model
