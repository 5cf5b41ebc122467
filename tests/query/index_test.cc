// Index configuration (firestore.indexes.json), the index entries of a document, and the
// planner's index selection and missing-index errors.
#include "query/index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "model/json.h"
#include "model/json_view.h"
#include "model/key_encoding.h"
#include "query/planner.h"
#include "query/query.h"

namespace hearth::query {
namespace {

using model::FieldPath;
using model::Value;

FieldPath F(std::string_view dotted) { return *FieldPath::Parse(dotted); }

IndexConfig MustConfig(std::string_view json) {
  auto config = ParseIndexConfig(json);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? std::move(config).value() : IndexConfig();
}

model::Map Fields(std::string_view json) {
  auto fields = model::ParseDocumentJson(json);
  EXPECT_TRUE(fields.ok()) << json;
  return fields.ok() ? std::move(fields).value() : model::Map();
}

model::ResourcePath P(std::string_view path) { return *model::ResourcePath::Parse(path); }

Query MustParse(std::string_view json) {
  auto doc = model::JsonDocument::Parse(json);
  EXPECT_TRUE(doc.ok()) << json;
  auto q = ParseQuery(doc->root());
  EXPECT_TRUE(q.ok()) << json << " -> " << q.status().ToString();
  return q.ok() ? std::move(q).value() : Query();
}

std::string NameKey(std::string_view path) {
  std::string out;
  AppendNameKey(out, P(path), false);
  return out;
}

// The entries of one index.
std::vector<IndexEntry> Of(const std::vector<IndexEntry>& entries, int64_t id) {
  std::vector<IndexEntry> out;
  for (const auto& e : entries) {
    if (e.index_id == id) out.push_back(e);
  }
  return out;
}

int64_t Field(std::string_view group, std::string_view field,
              QueryScope scope = QueryScope::kCollection) {
  return SingleFieldIndexId(group, F(field), scope, false);
}
int64_t Contains(std::string_view group, std::string_view field,
                 QueryScope scope = QueryScope::kCollection) {
  return SingleFieldIndexId(group, F(field), scope, true);
}

// ---------------------------------------------------------------------------------------
// ParseIndexConfig

constexpr char kFirebaseFile[] = R"({
  "indexes": [
    {
      "collectionGroup": "posts",
      "queryScope": "COLLECTION",
      "fields": [
        {"fieldPath": "author", "order": "ASCENDING"},
        {"fieldPath": "published", "order": "DESCENDING"}
      ]
    },
    {
      "collectionGroup": "posts",
      "queryScope": "COLLECTION_GROUP",
      "fields": [
        {"fieldPath": "tags", "arrayConfig": "CONTAINS"},
        {"fieldPath": "stats.score", "order": "ASCENDING"},
        {"fieldPath": "__name__", "order": "DESCENDING"}
      ]
    },
    {
      "collectionGroup": "comments",
      "fields": [
        {"fieldPath": "a", "order": "ASCENDING"},
        {"fieldPath": "b", "order": "ASCENDING"}
      ],
      "density": "SPARSE_ALL"
    },
    {
      "collectionGroup": "posts",
      "queryScope": "COLLECTION",
      "fields": [
        {"fieldPath": "author", "order": "ASCENDING"},
        {"fieldPath": "published", "order": "DESCENDING"}
      ]
    }
  ],
  "fieldOverrides": [
    {"collectionGroup": "posts", "fieldPath": "body", "indexes": []},
    {
      "collectionGroup": "comments",
      "fieldPath": "author",
      "indexes": [
        {"order": "ASCENDING", "queryScope": "COLLECTION"},
        {"order": "DESCENDING", "queryScope": "COLLECTION"},
        {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
        {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}
      ]
    },
    {
      "collectionGroup": "comments",
      "fieldPath": "labels",
      "indexes": [
        {"order": "ASCENDING", "queryScope": "COLLECTION"},
        {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
        {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION_GROUP"}
      ]
    },
    {"collectionGroup": "posts", "fieldPath": "expiresAt", "ttl": true, "indexes": []}
  ]
})";

TEST(IndexConfigTest, ParsesFirebaseFormat) {
  IndexConfig config = MustConfig(kFirebaseFile);
  // The repeated declaration counts once.
  ASSERT_EQ(config.composites.size(), 3u);

  const CompositeIndex& a = config.composites[0];
  EXPECT_EQ(a.collection_group, "posts");
  EXPECT_EQ(a.scope, QueryScope::kCollection);
  ASSERT_EQ(a.fields.size(), 2u);
  EXPECT_EQ(a.fields[0], (IndexField{F("author"), IndexMode::kAscending}));
  EXPECT_EQ(a.fields[1], (IndexField{F("published"), IndexMode::kDescending}));
  EXPECT_EQ(a.Spec(), "posts|COLLECTION|author:ASC,published:DESC");
  EXPECT_EQ(
      a.ToJson(),
      R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "author", "order": "ASCENDING"}, {"fieldPath": "published", "order": "DESCENDING"}]})");

  const CompositeIndex& b = config.composites[1];
  EXPECT_EQ(b.scope, QueryScope::kCollectionGroup);
  ASSERT_EQ(b.fields.size(), 3u);
  EXPECT_EQ(b.fields[0], (IndexField{F("tags"), IndexMode::kContains}));
  EXPECT_EQ(b.fields[1], (IndexField{F("stats.score"), IndexMode::kAscending}));
  EXPECT_TRUE(b.fields[2].field.IsDocumentName());
  EXPECT_EQ(b.fields[2].mode, IndexMode::kDescending);

  const CompositeIndex& c = config.composites[2];
  EXPECT_EQ(c.collection_group, "comments");
  EXPECT_EQ(c.scope, QueryScope::kCollection);  // the default

  ASSERT_EQ(config.overrides.size(), 4u);
  EXPECT_EQ(config.overrides[0].collection_group, "posts");
  EXPECT_EQ(config.overrides[0].field, F("body"));
  EXPECT_TRUE(config.overrides[0].exempt);
  EXPECT_FALSE(config.overrides[0].collection_group_ascending);
  EXPECT_FALSE(config.overrides[1].exempt);
  EXPECT_TRUE(config.overrides[1].collection_group_ascending);
  EXPECT_FALSE(config.overrides[1].collection_group_contains);
  EXPECT_FALSE(config.overrides[2].exempt);
  EXPECT_FALSE(config.overrides[2].collection_group_ascending);
  EXPECT_TRUE(config.overrides[2].collection_group_contains);
  EXPECT_TRUE(config.overrides[3].exempt);

  // Distinct indexes have distinct IDs; the same index always the same one.
  EXPECT_NE(CompositeIndexId(a), CompositeIndexId(b));
  EXPECT_EQ(CompositeIndexId(a), CompositeIndexIdForSpec(a.Spec()));
  EXPECT_NE(Field("posts", "a"), Field("posts", "b"));
  EXPECT_NE(Field("posts", "a"), Field("comments", "a"));
  EXPECT_NE(Field("posts", "a"), Contains("posts", "a"));
  EXPECT_NE(Field("posts", "a"), Field("posts", "a", QueryScope::kCollectionGroup));
  EXPECT_NE(NameIndexId("posts"), NameIndexId("comments"));
}

// Firestore has composite indexes of one field and the document name in another direction
// (they serve orderBy(a).orderBy(__name__, desc)); firebase exports them like this.
TEST(IndexConfigTest, AcceptsOneFieldClosedByTheNameInAnotherDirection) {
  auto config = ParseIndexConfig(R"({"indexes": [
    {"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [
      {"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "__name__", "order": "DESCENDING"}]}]})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->composites.size(), 1u);
  EXPECT_EQ(config->composites[0].fields.size(), 2u);
  auto doc = model::JsonDocument::Parse(R"({"from":"posts","orderBy":["a",["__name__","desc"]]})");
  auto q = ParseQuery(doc->root());
  ASSERT_TRUE(q.ok());
  auto plan = PlanQuery(*q, *config, [](const CompositeIndex&) { return true; });
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->scans[0].index_id, CompositeIndexId(config->composites[0]));
}

TEST(IndexConfigTest, EmptyFilesAreFine) {
  IndexConfig empty = MustConfig("{}");
  EXPECT_TRUE(empty.composites.empty());
  EXPECT_TRUE(empty.overrides.empty());
  IndexConfig lists = MustConfig(R"({"indexes": [], "fieldOverrides": []})");
  EXPECT_TRUE(lists.composites.empty());
}

TEST(IndexConfigTest, OverrideForPicksTheDeepest) {
  IndexConfig config = MustConfig(R"({"fieldOverrides": [
    {"collectionGroup": "posts", "fieldPath": "m", "indexes": []},
    {"collectionGroup": "posts", "fieldPath": "m.keep", "indexes": [{"order": "ASCENDING", "queryScope": "COLLECTION"}]},
    {"collectionGroup": "other", "fieldPath": "x", "indexes": []}
  ]})");
  ASSERT_NE(config.OverrideFor("posts", F("m")), nullptr);
  EXPECT_TRUE(config.OverrideFor("posts", F("m"))->exempt);
  EXPECT_TRUE(config.OverrideFor("posts", F("m.a.b"))->exempt);
  EXPECT_EQ(config.OverrideFor("posts", F("m.keep"))->field, F("m.keep"));
  EXPECT_EQ(config.OverrideFor("posts", F("m.keep.z"))->field, F("m.keep"));
  EXPECT_EQ(config.OverrideFor("posts", F("mm")), nullptr);
  EXPECT_EQ(config.OverrideFor("posts", F("x")), nullptr);
  EXPECT_EQ(config.OverrideFor("comments", F("m")), nullptr);
  EXPECT_NE(config.OverrideFor("other", F("x")), nullptr);
}

TEST(IndexConfigTest, RejectsMalformedEntriesNamingThem) {
  const std::string ok_index =
      R"({"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]})";
  struct Case {
    std::string json;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"not json", "malformed JSON"},
      {"[]", "must be an object"},
      {R"({"indexes": {}})", "\"indexes\" must be an array"},
      {R"({"fieldOverrides": 1})", "\"fieldOverrides\" must be an array"},
      {R"({"indexes": [], "extra": 1})", "unknown key 'extra'"},
      {R"({"indexes": [5]})", "indexes[0]: must be an object"},
      {R"({"indexes": [)" + ok_index +
           R"(, {"collectionGroup": "p", "fields": [{"order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[1].fields[0].fieldPath is required"},
      {R"({"indexes": [)" + ok_index +
           R"(, {"collectionGroup": "p", "fields": [{"fieldPath": "a"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[1].fields[0]: needs"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "UP"}]}]})",
       "indexes[0].fields[1]: needs"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING", "arrayConfig": "CONTAINS"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].fields[0]: needs"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "arrayConfig": "ANY"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].fields[0]: needs"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING", "x": 1}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].fields[0]: unknown key 'x'"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].fields[0]"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING"}]}]})",
       "indexes[0]: a composite index needs at least two fields"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "__name__", "order": "ASCENDING"}]}]})",
       "indexes[0]: a composite index needs"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "__name__", "order": "ASCENDING"}, {"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].fields[0]: __name__ may only close the list"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}, {"fieldPath": "__name__", "arrayConfig": "CONTAINS"}]}]})",
       "indexes[0].fields[2]: __name__ may only close the list"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "a", "order": "DESCENDING"}]}]})",
       "indexes[0].fields[1]: field named twice"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [{"fieldPath": "a", "arrayConfig": "CONTAINS"}, {"fieldPath": "b", "arrayConfig": "CONTAINS"}]}]})",
       "indexes[0]: at most one CONTAINS field"},
      {R"({"indexes": [{"fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].collectionGroup is required"},
      {R"({"indexes": [{"collectionGroup": "a/b", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].collectionGroup:"},
      {R"({"indexes": [{"collectionGroup": "p", "queryScope": "DATABASE", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})",
       "indexes[0].queryScope"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": {}}]})", "indexes[0].fields is required"},
      {R"({"indexes": [{"collectionGroup": "p"}]})", "indexes[0].fields is required"},
      {R"({"indexes": [{"collectionGroup": "p", "fields": [1, 2]}]})",
       "indexes[0].fields[0]: must be an object"},
      {R"({"indexes": [{"collectionGroup": "p", "colour": "red", "fields": []}]})",
       "indexes[0]: unknown key 'colour'"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "fieldPath": "a"}]})",
       "fieldOverrides[0].indexes is required"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "fieldPath": "a", "indexes": []}, {"collectionGroup": "p", "fieldPath": "b", "indexes": [{"order": "SIDEWAYS"}]}]})",
       "fieldOverrides[1].indexes[0]: needs"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "fieldPath": "b", "indexes": [{"order": "ASCENDING", "queryScope": "EVERYWHERE"}]}]})",
       "fieldOverrides[0].indexes[0].queryScope"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "fieldPath": "__name__", "indexes": []}]})",
       "fieldOverrides[0].fieldPath: not a valid field path"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "indexes": []}]})",
       "fieldOverrides[0].fieldPath is required"},
      {R"({"fieldOverrides": [{"fieldPath": "a", "indexes": []}]})",
       "fieldOverrides[0].collectionGroup is required"},
      {R"({"fieldOverrides": [{"collectionGroup": "p", "fieldPath": "a", "indexes": [], "extra": 1}]})",
       "fieldOverrides[0]: unknown key 'extra'"},
      {R"({"fieldOverrides": ["a"]})", "fieldOverrides[0]: must be an object"},
  };
  for (const auto& c : cases) {
    auto config = ParseIndexConfig(c.json);
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << c.json;
    EXPECT_NE(config.status().message().find(c.message_part), std::string::npos)
        << c.json << "\n  message: " << config.status().message() << "\n  want: " << c.message_part;
  }
}

// ---------------------------------------------------------------------------------------
// IndexEntriesFor

::testing::AssertionResult SortedUnique(const std::vector<IndexEntry>& entries) {
  if (!std::is_sorted(entries.begin(), entries.end())) {
    return ::testing::AssertionFailure() << "entries are not sorted";
  }
  if (std::adjacent_find(entries.begin(), entries.end()) != entries.end()) {
    return ::testing::AssertionFailure() << "entries repeat";
  }
  return ::testing::AssertionSuccess();
}

TEST(IndexEntriesTest, AnEmptyDocumentHasOnlyItsNameEntry) {
  auto entries = IndexEntriesFor(P("posts/p1"), Fields("{}"), IndexConfig());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].index_id, NameIndexId("posts"));
  EXPECT_EQ(entries[0].parent, "");
  EXPECT_EQ(entries[0].key, NameKey("posts/p1"));
  EXPECT_EQ(entries[0].key, model::EncodeKey(Value::FromReference("posts/p1")));
}

TEST(IndexEntriesTest, OneEntryPerFieldAndNestedFieldAndArrayElement) {
  const std::string path = "users/u1/posts/p1";
  auto entries = IndexEntriesFor(
      P(path), Fields(R"({"a":1,"m":{"x":"s","y":{"z":2}},"t":["x","y","x"],"e":[]})"),
      IndexConfig());
  EXPECT_TRUE(SortedUnique(entries));
  // name + a + m + m.x + m.y + m.y.z + t + 2 distinct elements of t + e = 10
  EXPECT_EQ(entries.size(), 10u);

  auto name = Of(entries, NameIndexId("posts"));
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].parent, "");

  auto a = Of(entries, Field("posts", "a"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].parent, "users/u1/posts");  // collection scope: the collection's path
  EXPECT_EQ(a[0].key, model::EncodeKey(Value::Integer(1)) + NameKey(path));

  for (std::string_view f : {"m", "m.x", "m.y", "m.y.z", "t", "e"}) {
    EXPECT_EQ(Of(entries, Field("posts", f)).size(), 1u) << f;
  }
  auto mx = Of(entries, Field("posts", "m.x"));
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_EQ(mx[0].key, model::EncodeKey(Value::String("s")) + NameKey(path));

  auto t = Of(entries, Contains("posts", "t"));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].key, model::EncodeKey(Value::String("x")) + NameKey(path));
  EXPECT_EQ(t[1].key, model::EncodeKey(Value::String("y")) + NameKey(path));
  EXPECT_TRUE(Of(entries, Contains("posts", "e")).empty());
  EXPECT_TRUE(Of(entries, Contains("posts", "a")).empty());
  // No collection-group single-field entries without an override.
  EXPECT_TRUE(Of(entries, Field("posts", "a", QueryScope::kCollectionGroup)).empty());

  // AutomaticEntriesFor is the same without composites.
  EXPECT_EQ(AutomaticEntriesFor(
                P(path), Fields(R"({"a":1,"m":{"x":"s","y":{"z":2}},"t":["x","y","x"],"e":[]})"),
                IndexConfig()),
            entries);
}

TEST(IndexEntriesTest, ExemptFieldsAndTheirSubfieldsHaveNoEntries) {
  IndexConfig config = MustConfig(R"({"fieldOverrides": [
    {"collectionGroup": "posts", "fieldPath": "m", "indexes": []},
    {"collectionGroup": "posts", "fieldPath": "t", "indexes": []},
    {"collectionGroup": "posts", "fieldPath": "n.big", "indexes": []},
    {"collectionGroup": "other", "fieldPath": "a", "indexes": []}
  ]})");
  auto entries = IndexEntriesFor(
      P("posts/p"),
      Fields(R"({"a":1,"m":{"x":1,"y":{"z":2}},"t":["q"],"n":{"big":{"k":1},"small":2}})"), config);
  EXPECT_TRUE(SortedUnique(entries));
  EXPECT_EQ(Of(entries, Field("posts", "a")).size(), 1u);  // another group's override
  for (std::string_view f : {"m", "m.x", "m.y", "m.y.z", "t", "n.big", "n.big.k"}) {
    EXPECT_TRUE(Of(entries, Field("posts", f)).empty()) << f;
  }
  EXPECT_TRUE(Of(entries, Contains("posts", "t")).empty());
  EXPECT_EQ(Of(entries, Field("posts", "n")).size(), 1u);
  EXPECT_EQ(Of(entries, Field("posts", "n.small")).size(), 1u);
  // name + a + n + n.small
  EXPECT_EQ(entries.size(), 4u);
}

TEST(IndexEntriesTest, CollectionGroupOverridesAddGroupScopeEntries) {
  IndexConfig config = MustConfig(R"({"fieldOverrides": [
    {"collectionGroup": "comments", "fieldPath": "stars", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
      {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}]},
    {"collectionGroup": "comments", "fieldPath": "tags", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
      {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION_GROUP"}]}
  ]})");
  const std::string path = "posts/p1/comments/c1";
  auto entries = IndexEntriesFor(P(path), Fields(R"({"stars":4,"tags":["a","b"]})"), config);
  EXPECT_TRUE(SortedUnique(entries));
  auto group = Of(entries, Field("comments", "stars", QueryScope::kCollectionGroup));
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group[0].parent, "");
  EXPECT_EQ(group[0].key, model::EncodeKey(Value::Integer(4)) + NameKey(path));
  EXPECT_EQ(Of(entries, Field("comments", "stars")).size(), 1u);
  EXPECT_EQ(Of(entries, Field("comments", "stars"))[0].parent, "posts/p1/comments");
  EXPECT_EQ(Of(entries, Contains("comments", "tags", QueryScope::kCollectionGroup)).size(), 2u);
  EXPECT_TRUE(Of(entries, Field("comments", "tags", QueryScope::kCollectionGroup)).empty());
  EXPECT_EQ(Of(entries, Contains("comments", "tags")).size(), 2u);
}

TEST(IndexEntriesTest, CompositeEntriesOnlyWhenEveryFieldExists) {
  IndexConfig config = MustConfig(R"({"indexes": [
    {"collectionGroup": "posts", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "m.b", "order": "DESCENDING"}]},
    {"collectionGroup": "posts", "fields": [{"fieldPath": "t", "arrayConfig": "CONTAINS"}, {"fieldPath": "a", "order": "ASCENDING"}]},
    {"collectionGroup": "posts", "queryScope": "COLLECTION_GROUP", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "c", "order": "ASCENDING"}]},
    {"collectionGroup": "other", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "m.b", "order": "ASCENDING"}]}
  ]})");
  const CompositeIndex& ab = config.composites[0];
  const CompositeIndex& ta = config.composites[1];
  const CompositeIndex& ac = config.composites[2];
  const CompositeIndex& other = config.composites[3];
  const std::string path = "posts/p";

  auto full =
      IndexEntriesFor(P(path), Fields(R"({"a":1,"m":{"b":2},"t":["x","y","x"],"c":3})"), config);
  EXPECT_TRUE(SortedUnique(full));
  auto ab_entries = Of(full, CompositeIndexId(ab));
  ASSERT_EQ(ab_entries.size(), 1u);
  EXPECT_EQ(ab_entries[0].parent, "posts");
  std::string want;
  AppendIndexedValue(want, Value::Integer(1), false);
  AppendIndexedValue(want, Value::Integer(2), true);
  AppendNameKey(want, P(path), true);  // the name follows the last field's direction
  EXPECT_EQ(ab_entries[0].key, want);
  EXPECT_EQ(Of(full, CompositeIndexId(ta)).size(), 2u);  // one per distinct element
  auto ac_entries = Of(full, CompositeIndexId(ac));
  ASSERT_EQ(ac_entries.size(), 1u);
  EXPECT_EQ(ac_entries[0].parent, "");  // group scope
  EXPECT_TRUE(Of(full, CompositeIndexId(other)).empty());
  EXPECT_EQ(CompositeEntriesFor(P(path), Fields(R"({"a":1,"m":{"b":2}})"), ab), ab_entries);
  EXPECT_TRUE(CompositeEntriesFor(P(path), Fields(R"({"a":1,"m":{"b":2}})"), other).empty());

  auto partial = IndexEntriesFor(P(path), Fields(R"({"a":1,"m":{"c":2},"t":"x"})"), config);
  EXPECT_TRUE(Of(partial, CompositeIndexId(ab)).empty());  // no m.b
  EXPECT_TRUE(Of(partial, CompositeIndexId(ta)).empty());  // t not an array
  EXPECT_TRUE(Of(partial, CompositeIndexId(ac)).empty());  // no c
  auto empty_array = IndexEntriesFor(P(path), Fields(R"({"a":1,"t":[]})"), config);
  EXPECT_TRUE(Of(empty_array, CompositeIndexId(ta)).empty());
  auto null_valued = IndexEntriesFor(P(path), Fields(R"({"a":null,"m":{"b":null}})"), config);
  EXPECT_EQ(Of(null_valued, CompositeIndexId(ab)).size(), 1u);  // null is a value
}

TEST(IndexEntriesTest, SingleFieldKeysFollowFirestoreValueOrder) {
  // In Firestore's order. The names go the other way, so only the values can order keys.
  const std::vector<std::string> values = {
      "null",
      "false",
      "true",
      R"({"$double":"NaN"})",
      R"({"$double":"-Infinity"})",
      "-9007199254740993",
      "-2.5",
      "-1",
      "0",
      "0.5",
      "1",
      "2",
      "10",
      "9007199254740993",
      R"({"$double":"Infinity"})",
      R"({"$timestamp":"1969-12-31T23:59:59Z"})",
      R"({"$timestamp":"2024-01-01T00:00:00Z"})",
      R"("")",
      R"("A")",
      R"("a")",
      R"("a\u0000")",
      R"("ab")",
      R"("b")",
      R"("é")",
      R"({"$bytes":""})",
      R"({"$bytes":"AA=="})",
      R"({"$bytes":"AQ=="})",
      R"({"$ref":"a/b"})",
      R"({"$ref":"a/b/c/d"})",
      R"({"$ref":"a-/b"})",
      R"({"$geo":[-10,5]})",
      R"({"$geo":[10,-5]})",
      R"({"$geo":[10,5]})",
      "[]",
      "[null]",
      "[1]",
      "[1,2]",
      "[2]",
      R"(["a"])",
      "{}",
      R"({"a":1})",
      R"({"a":2})",
      R"({"b":0})",
  };
  std::vector<std::string> keys;
  for (size_t i = 0; i < values.size(); ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "d%03zu", 999 - i);
    auto entries = IndexEntriesFor(P(std::string("posts/") + id),
                                   Fields(R"({"v":)" + values[i] + "}"), IndexConfig());
    auto v = Of(entries, Field("posts", "v"));
    ASSERT_EQ(v.size(), 1u) << values[i];
    keys.push_back(v[0].key);
  }
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    EXPECT_LT(keys[i], keys[i + 1]) << values[i] << " should sort before " << values[i + 1];
  }
  // Equal values (1 and 1.0, 0 and -0.0) have equal value prefixes: names decide.
  auto one =
      Of(IndexEntriesFor(P("posts/b"), Fields(R"({"v":1})"), IndexConfig()), Field("posts", "v"));
  auto one_double =
      Of(IndexEntriesFor(P("posts/a"), Fields(R"({"v":1.0})"), IndexConfig()), Field("posts", "v"));
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(one_double.size(), 1u);
  EXPECT_LT(one_double[0].key, one[0].key);
  auto zero =
      Of(IndexEntriesFor(P("posts/a"), Fields(R"({"v":0})"), IndexConfig()), Field("posts", "v"));
  auto neg_zero = Of(IndexEntriesFor(P("posts/a"), Fields(R"({"v":-0.0})"), IndexConfig()),
                     Field("posts", "v"));
  EXPECT_EQ(zero[0].key, neg_zero[0].key);
}

TEST(IndexEntriesTest, DescendingCompositeKeysSortInReverse) {
  IndexConfig config = MustConfig(R"({"indexes": [
    {"collectionGroup": "posts", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]}]})");
  const int64_t id = CompositeIndexId(config.composites[0]);
  auto key = [&](std::string_view path, std::string_view data) {
    auto e = Of(IndexEntriesFor(P(path), Fields(data), config), id);
    EXPECT_EQ(e.size(), 1u) << data;
    return e.empty() ? std::string() : e[0].key;
  };
  // Ascending on a, then descending on b, then descending on the name.
  std::vector<std::string> ordered = {
      key("posts/z", R"({"a":1,"b":"zz"})"), key("posts/y", R"({"a":1,"b":"z"})"),
      key("posts/x", R"({"a":1,"b":3})"),    key("posts/b", R"({"a":1,"b":2})"),
      key("posts/a", R"({"a":1,"b":2})"),    key("posts/a", R"({"a":1,"b":null})"),
      key("posts/c", R"({"a":2,"b":9})"),
  };
  for (size_t i = 0; i + 1 < ordered.size(); ++i) EXPECT_LT(ordered[i], ordered[i + 1]) << i;
}

// ---------------------------------------------------------------------------------------
// PlanQuery

auto Ready(bool ready) {
  return [ready](const CompositeIndex&) { return ready; };
}

Result<Plan> PlanJson(std::string_view query, const IndexConfig& config, bool ready = true) {
  Query q = MustParse(query);
  return PlanQuery(q, config, Ready(ready));
}

constexpr char kAbIndexJson[] =
    R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]})";

TEST(PlannerTest, MissingCompositeNamesTheIndexToAdd) {
  auto plan = PlanJson(R"({"from":"posts","where":["a","==","x"],"orderBy":["b"]})", IndexConfig());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find(kAbIndexJson), std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("firestore.indexes.json"), std::string::npos);

  // The entry it names is one the config parser accepts, and then the query plans.
  IndexConfig config = MustConfig(std::string(R"({"indexes": [)") + kAbIndexJson + "]}");
  ASSERT_EQ(config.composites.size(), 1u);
  EXPECT_EQ(config.composites[0].ToJson(), kAbIndexJson);
  auto ok = PlanJson(R"({"from":"posts","where":["a","==","x"],"orderBy":["b"]})", config);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->scans.size(), 1u);
  EXPECT_EQ(ok->scans[0].source, Scan::Source::kIndex);
  EXPECT_EQ(ok->scans[0].index_id, CompositeIndexId(config.composites[0]));
  EXPECT_EQ(ok->scans[0].parent, "posts");
  EXPECT_FALSE(ok->scans[0].reverse);
  // The scan stays within a == "x".
  std::string prefix = model::EncodeKey(Value::String("x"));
  EXPECT_EQ(ok->scans[0].lower.substr(0, prefix.size()), prefix);
  ASSERT_TRUE(ok->scans[0].upper);
  EXPECT_EQ(*ok->scans[0].upper, *PrefixSuccessor(prefix));

  // The same index serves the opposite direction backwards.
  auto desc =
      PlanJson(R"({"from":"posts","where":["a","==","x"],"orderBy":[["b","desc"]]})", config);
  ASSERT_TRUE(desc.ok()) << desc.status().ToString();
  EXPECT_TRUE(desc->scans[0].reverse);

  // Not ready: the query says so instead.
  auto building =
      PlanJson(R"({"from":"posts","where":["a","==","x"],"orderBy":["b"]})", config, false);
  ASSERT_FALSE(building.ok());
  EXPECT_EQ(building.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(building.status().message().find("still being built"), std::string::npos)
      << building.status().message();
  EXPECT_NE(building.status().message().find(kAbIndexJson), std::string::npos);

  // An index of another collection or scope does not count.
  IndexConfig elsewhere = MustConfig(R"({"indexes": [
    {"collectionGroup": "other", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]},
    {"collectionGroup": "posts", "queryScope": "COLLECTION_GROUP", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}]})");
  auto still = PlanJson(R"({"from":"posts","where":["a","==","x"],"orderBy":["b"]})", elsewhere);
  ASSERT_FALSE(still.ok());
  EXPECT_NE(still.status().message().find(kAbIndexJson), std::string::npos);
}

TEST(PlannerTest, MissingIndexMessagesForOtherShapes) {
  struct Case {
    std::string query;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {R"({"from":"posts","where":["a","==","x"],"orderBy":[["b","desc"]]})",
       R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]})"},
      {R"({"from":"posts","where":["t","array-contains","x"],"orderBy":["b"]})",
       R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "t", "arrayConfig": "CONTAINS"}, {"fieldPath": "b", "order": "ASCENDING"}]})"},
      {R"({"from":"posts","orderBy":["a",["b","desc"]]})",
       R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]})"},
      {R"({"from":"users/u1/posts","where":["a","==",1],"orderBy":["b"]})",
       R"({"collectionGroup": "posts", "queryScope": "COLLECTION")"},
      {R"({"from":{"collectionGroup":"posts"},"where":["a","==",1],"orderBy":["b"]})",
       R"({"collectionGroup": "posts", "queryScope": "COLLECTION_GROUP", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]})"},
      {R"({"from":{"collectionGroup":"posts"},"where":["a","==",1]})",
       R"(add to "fieldOverrides" in firestore.indexes.json: {"collectionGroup": "posts", "fieldPath": "a")"},
      {R"({"from":{"collectionGroup":"posts"},"where":["t","array-contains",1]})",
       R"({"arrayConfig": "CONTAINS", "queryScope": "COLLECTION_GROUP"})"},
  };
  for (const auto& c : cases) {
    auto plan = PlanJson(c.query, IndexConfig());
    ASSERT_FALSE(plan.ok()) << c.query;
    EXPECT_EQ(plan.status().code(), Code::kFailedPrecondition) << c.query;
    EXPECT_NE(plan.status().message().find(c.message_part), std::string::npos)
        << c.query << "\n  message: " << plan.status().message() << "\n  want: " << c.message_part;
  }
}

// What a missing-index error asks for is what the query needs: the entry it names is
// accepted by ParseIndexConfig and, once added, the query plans.
TEST(PlannerTest, EverySuggestedIndexIsAcceptedAndServesTheQuery) {
  struct Case {
    std::string query;
    std::string overrides;  // the project's fieldOverrides before the suggestion
  };
  const std::string exempt_body =
      R"({"collectionGroup": "posts", "fieldPath": "body", "indexes": []})";
  const std::vector<Case> cases = {
      {R"({"from":"posts","where":["a","==","x"],"orderBy":["b"]})", ""},
      {R"({"from":"posts","where":["a","==","x"],"orderBy":[["b","desc"]]})", ""},
      {R"({"from":"posts","where":["t","array-contains","x"],"orderBy":["b"]})", ""},
      {R"({"from":"posts","where":["t","array-contains","x"],"orderBy":[["b","desc"]],"limit":3})",
       ""},
      {R"({"from":"posts","orderBy":["a",["b","desc"]]})", ""},
      {R"({"from":"posts","where":[["a","==",1],["b","==",2]],"orderBy":["c"]})", ""},
      {R"({"from":"posts","where":[["a",">",1],["b","==",2]]})", ""},
      {R"({"from":"posts","where":["a",">",1],"orderBy":["a",["b","desc"]]})", ""},
      {R"({"from":"posts","where":["a","==",1],"orderBy":["b"],"startAfter":[3]})", ""},
      {R"({"from":"posts","orderBy":["a",["__name__","desc"]]})", ""},
      {R"({"from":"posts","orderBy":[["a","desc"],["__name__","asc"]]})", ""},
      {R"({"from":{"collectionGroup":"posts"},"where":["a","==",1],"orderBy":["b"]})", ""},
      {R"({"from":{"collectionGroup":"posts"},"where":["a","==",1]})", ""},
      {R"({"from":{"collectionGroup":"posts"},"where":["a",">",1]})", ""},
      {R"({"from":{"collectionGroup":"posts"},"orderBy":[["a","desc"]]})", ""},
      {R"({"from":{"collectionGroup":"posts"},"where":["t","array-contains",1]})", ""},
  };
  // An exempted field is not worth an index suggestion: the message says to lift the
  // exemption instead.
  for (const char* q : {R"({"from":"posts","where":["body","==","x"]})",
                        R"({"from":"posts","orderBy":["body"]})"}) {
    auto plan = PlanJson(q, MustConfig(R"({"fieldOverrides": [)" + exempt_body + "]}"));
    ASSERT_FALSE(plan.ok()) << q;
    EXPECT_EQ(plan.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(plan.status().message().find("exempt"), std::string::npos) << plan.status().message();
  }
  const std::string marker = "firestore.indexes.json: ";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    IndexConfig before = MustConfig(R"({"fieldOverrides": [)" + c.overrides + "]}");
    auto plan = PlanJson(c.query, before);
    if (plan.ok()) {
      ADD_FAILURE() << "plans without a declared index";
      continue;
    }
    const std::string& message = plan.status().message();
    size_t at = message.find(marker);
    if (at == std::string::npos) {
      ADD_FAILURE() << "no entry named: " << message;
      continue;
    }
    std::string entry = message.substr(at + marker.size());
    std::string file;
    if (message.find("\"fieldOverrides\"") != std::string::npos) {
      file = R"({"fieldOverrides": [)" + (c.overrides.empty() ? "" : c.overrides + ", ") + entry +
             "]}";
    } else {
      file = R"({"indexes": [)" + entry + R"(], "fieldOverrides": [)" + c.overrides + "]}";
    }
    auto after = ParseIndexConfig(file);
    if (!after.ok()) {
      ADD_FAILURE() << "the suggested entry is refused: " << after.status().message()
                    << "\n  suggestion: " << message;
      continue;
    }
    auto again = PlanJson(c.query, *after);
    EXPECT_TRUE(again.ok()) << "still not served after adding " << entry << ": "
                            << again.status().message();
  }
}

TEST(PlannerTest, SingleFieldQueriesNeedNoDeclaredIndex) {
  IndexConfig none;
  auto all = PlanJson(R"({"from":"posts"})", none);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->scans.size(), 1u);
  EXPECT_EQ(all->scans[0].source, Scan::Source::kIds);
  EXPECT_EQ(all->scans[0].parent, "posts");

  auto eq = PlanJson(R"({"from":"posts","where":["a","==",1]})", none);
  ASSERT_TRUE(eq.ok());
  ASSERT_EQ(eq->scans.size(), 1u);
  EXPECT_EQ(eq->scans[0].index_id, Field("posts", "a"));
  EXPECT_EQ(eq->scans[0].parent, "posts");
  EXPECT_FALSE(eq->residual_filters);

  auto desc = PlanJson(R"({"from":"posts","orderBy":[["a","desc"]]})", none);
  ASSERT_TRUE(desc.ok());
  EXPECT_EQ(desc->scans[0].index_id, Field("posts", "a"));
  EXPECT_TRUE(desc->scans[0].reverse);

  auto range = PlanJson(R"({"from":"users/u1/posts","where":["a",">",5]})", none);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->scans[0].index_id, Field("posts", "a"));
  EXPECT_EQ(range->scans[0].parent, "users/u1/posts");

  auto contains = PlanJson(R"({"from":"posts","where":["t","array-contains","x"]})", none);
  ASSERT_TRUE(contains.ok());
  EXPECT_EQ(contains->scans[0].index_id, Contains("posts", "t"));

  // in / array-contains-any / or: one scan per disjunct.
  auto in = PlanJson(R"({"from":"posts","where":["a","in",[1,2,3]]})", none);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->scans.size(), 3u);
  auto any = PlanJson(R"({"from":"posts","where":["t","array-contains-any",[1,2]]})", none);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->scans.size(), 2u);
  EXPECT_EQ(any->scans[0].index_id, Contains("posts", "t"));
  auto either = PlanJson(R"({"from":"posts","where":{"or":[["a","==",1],["b","==",2]]}})", none);
  ASSERT_TRUE(either.ok());
  ASSERT_EQ(either->scans.size(), 2u);
  EXPECT_EQ(either->scans[0].index_id, Field("posts", "a"));
  EXPECT_EQ(either->scans[1].index_id, Field("posts", "b"));

  // Two equalities without a composite: one index, the matcher checks the other.
  auto two = PlanJson(R"({"from":"posts","where":[["a","==",1],["b","==",2]]})", none);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_TRUE(two->residual_filters);

  // Collection group: the name index without filters, an override for a field.
  auto group = PlanJson(R"({"from":{"collectionGroup":"posts"}})", none);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->scans[0].index_id, NameIndexId("posts"));
  IndexConfig with_override = MustConfig(R"({"fieldOverrides": [
    {"collectionGroup": "posts", "fieldPath": "a", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}]}]})");
  auto group_eq =
      PlanJson(R"({"from":{"collectionGroup":"posts"},"where":["a","==",1]})", with_override);
  ASSERT_TRUE(group_eq.ok()) << group_eq.status().ToString();
  EXPECT_EQ(group_eq->scans[0].index_id, Field("posts", "a", QueryScope::kCollectionGroup));
  EXPECT_EQ(group_eq->scans[0].parent, "");
}

TEST(PlannerTest, ExemptFieldsCannotBeQueriedAlone) {
  IndexConfig config = MustConfig(R"({"fieldOverrides": [
    {"collectionGroup": "posts", "fieldPath": "body", "indexes": []}]})");
  auto plan = PlanJson(R"({"from":"posts","where":["body","==","x"]})", config);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kFailedPrecondition);
  auto sub = PlanJson(R"({"from":"posts","orderBy":["body.len"]})", config);
  ASSERT_FALSE(sub.ok());
  EXPECT_EQ(sub.status().code(), Code::kFailedPrecondition);
  // Other fields are unaffected.
  EXPECT_TRUE(PlanJson(R"({"from":"posts","where":["title","==","x"]})", config).ok());
}

TEST(PlannerTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("a"), "b");
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("ab\xff\xff", 4)), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xfe", 2)), std::string("a\xff", 2));
  EXPECT_EQ(PrefixSuccessor(std::string("\x00", 1)), std::string("\x01", 1));
  EXPECT_EQ(PrefixSuccessor(std::string("a\x00\xff", 3)), std::string("a\x01", 2));
  EXPECT_EQ(PrefixSuccessor(""), std::nullopt);
  EXPECT_EQ(PrefixSuccessor(std::string("\xff", 1)), std::nullopt);
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff\xff", 3)), std::nullopt);
  // Every string with the prefix sorts below the successor, and the successor itself
  // does not have the prefix.
  for (std::string prefix :
       {std::string("k"), std::string("k\xff", 2), std::string("\x01\x00", 2)}) {
    auto succ = PrefixSuccessor(prefix);
    ASSERT_TRUE(succ);
    EXPECT_LT(prefix + std::string(10, '\xff'), *succ);
    EXPECT_NE(succ->substr(0, prefix.size()), prefix);
  }
}

}  // namespace
}  // namespace hearth::query
