// ParseQuery: the JSON query format, Firestore's validity rules, the normalized order,
// and ToDisjunctiveNormalForm.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/json_view.h"
#include "query/query.h"

namespace hearth::query {
namespace {

using model::Value;

Result<Query> Parse(std::string_view json) {
  auto doc = model::JsonDocument::Parse(json);
  if (!doc.ok()) return doc.status();
  return ParseQuery(doc->root());
}

// "a asc,__name__ desc"
std::string OrderString(const Query& q) {
  std::string out;
  for (const Order& o : q.order) {
    if (!out.empty()) out += ",";
    out += o.field.ToString();
    out += o.direction == Direction::kAscending ? " asc" : " desc";
  }
  return out;
}

// "[1,2,...,n]"
std::string Seq(int n) {
  std::string out = "[";
  for (int i = 1; i <= n; ++i) {
    if (i > 1) out += ",";
    out += std::to_string(i);
  }
  return out + "]";
}

// {"or": [["f","==",1], ... n times]}
std::string OrOfEqualities(int n) {
  std::string out = R"({"or":[)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ",";
    out += R"(["f)" + std::to_string(i) + R"(","==",1])";
  }
  return out + "]}";
}

struct ValidCase {
  std::string json;
  std::string order;  // the normalized order
};

TEST(QueryParseTest, ValidQueriesAndTheirNormalizedOrder) {
  const std::vector<ValidCase> cases = {
      {R"({"from":"posts"})", "__name__ asc"},
      {R"({"from":"posts","where":["a","==",1]})", "__name__ asc"},
      {R"({"from":"posts","where":["a",">",1]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","<=",1]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","!=",1]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","not-in",[1,2]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":[["a",">=",1],["a","<",9]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":[["b","==",1],["a",">",1]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":{"and":[["a","==",1],["b",">",2]]}})", "b asc,__name__ asc"},
      {R"({"from":"posts","where":{"or":[["a",">",1],["a","<",-1]]}})", "a asc,__name__ asc"},
      {R"({"from":"posts","orderBy":[["a","desc"]]})", "a desc,__name__ desc"},
      {R"({"from":"posts","orderBy":["a"]})", "a asc,__name__ asc"},
      {R"({"from":"posts","orderBy":[["a"]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","orderBy":["a",["b","desc"]]})", "a asc,b desc,__name__ desc"},
      {R"({"from":"posts","orderBy":[["b","desc"],"a"]})", "b desc,a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","<",5],"orderBy":[["a","desc"]]})", "a desc,__name__ desc"},
      {R"({"from":"posts","where":["a","<",5],"orderBy":[["a","desc"],"b"]})",
       "a desc,b asc,__name__ asc"},
      {R"({"from":"posts","orderBy":[["__name__","desc"]]})", "__name__ desc"},
      {R"({"from":"posts","orderBy":["a",["__name__","desc"]]})", "a asc,__name__ desc"},
      {R"({"from":"posts","where":["__name__",">","p1"]})", "__name__ asc"},
      {R"({"from":"posts","where":["tags","array-contains","x"],"orderBy":[["n","desc"]]})",
       "n desc,__name__ desc"},
      {R"({"from":"posts","where":["tags","array-contains-any",["x","y"]],"orderBy":["n"]})",
       "n asc,__name__ asc"},
      {R"({"from":"users/u1/posts","orderBy":["x.y"]})", "x.y asc,__name__ asc"},
      {R"({"from":"posts","where":["`a.b`","<",3]})", "`a.b` asc,__name__ asc"},
      {R"({"from":{"collectionGroup":"posts"},"where":["a","in",[1,2]]})", "__name__ asc"},
      {R"({"from":"posts","where":["a","in",)" + Seq(30) + "]}", "__name__ asc"},
      {R"({"from":"posts","where":["a","not-in",)" + Seq(30) + "]}", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","array-contains-any",)" + Seq(30) + "]}", "__name__ asc"},
      {R"({"from":"posts","where":[["a","in",[1,2,3,4,5]],["b","in",[1,2,3,4,5,6]]]})",
       "__name__ asc"},
      {R"({"from":"posts","where":)" + OrOfEqualities(30) + "}", "__name__ asc"},
      {R"({"from":"posts","where":{"or":[["a","array-contains",1],["b","array-contains",2]]}})",
       "__name__ asc"},
      // One array-contains-any and one in: 6 disjunctions, allowed.
      {R"({"from":"posts","where":[["a","in",[1,2,3]],["t","array-contains-any",[1,2]]]})",
       "__name__ asc"},
      {R"({"from":"posts","where":[["t","array-contains-any",[1,2]],["a","==",1]]})",
       "__name__ asc"},
      {R"({"from":"posts","where":[["a","not-in",[1,2]],["b","==",1]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","==",null]})", "__name__ asc"},
      {R"({"from":"posts","where":["a","!=",null]})", "a asc,__name__ asc"},
      {R"({"from":"posts","where":["a","==",{"$double":"NaN"}]})", "__name__ asc"},
      {R"({"from":"posts","where":["a","not-in",[null]]})", "a asc,__name__ asc"},
      {R"({"from":"posts","limit":10})", "__name__ asc"},
      {R"({"from":"posts","orderBy":[["a","desc"]],"limitToLast":3})", "a desc,__name__ desc"},
      {R"({"from":"posts","orderBy":["a"],"startAt":[1],"endBefore":[5]})", "a asc,__name__ asc"},
      {R"({"from":"posts","select":["a","b.c"]})", "__name__ asc"},
      {R"({"from":"posts","select":[]})", "__name__ asc"},
      {R"({"from":"posts","aggregate":{"n":{"count":true}}})", "__name__ asc"},
  };
  for (const auto& c : cases) {
    auto q = Parse(c.json);
    if (!q.ok()) {
      ADD_FAILURE() << c.json << " -> " << q.status().ToString();
      continue;
    }
    EXPECT_EQ(OrderString(*q), c.order) << c.json;
  }
}

struct InvalidCase {
  std::string json;
  std::string message_part;
};

TEST(QueryParseTest, InvalidQueriesAreInvalidArgumentSayingWhy) {
  const std::vector<InvalidCase> cases = {
      // Shape.
      {R"([])", "must be a JSON object"},
      {R"({})", "\"from\" is required"},
      {R"({"from":"posts","bogus":1})", "unknown key 'bogus'"},
      {R"({"from":"posts","from":"posts"})", "repeated"},
      // from.
      {R"({"from":"posts/p1"})", "not a collection path"},
      {R"({"from":""})", "not a collection path"},
      {R"({"from":"users/u1/posts/p1"})", "not a collection path"},
      {R"({"from":"posts//x"})", "from:"},
      {R"({"from":"__posts__"})", "from:"},
      {R"({"from":"users/../posts"})", "from:"},
      {R"({"from":5})", "from: a collection path or"},
      {R"({"from":{"collectionGroup":"a/b"}})", "from.collectionGroup"},
      {R"({"from":{"collectionGroup":5}})", "collectionGroup"},
      {R"({"from":{}})", "collectionGroup"},
      {R"({"from":{"collectionGroup":"p","x":1}})", "unknown key 'x'"},
      // Filter shape.
      {R"({"from":"posts","where":["a","=="]})", "a field filter is"},
      {R"({"from":"posts","where":["a",5,1]})", "a field filter is"},
      {R"({"from":"posts","where":["a","==",1,2]})", "a field filter is"},
      {R"({"from":"posts","where":5})", "where: a filter is"},
      {R"({"from":"posts","where":"a == 1"})", "where: a filter is"},
      {R"({"from":"posts","where":{"and":[]}})", "where.and: a non-empty array"},
      {R"({"from":"posts","where":{"or":["a","==",1]}})", "where.or[0]"},
      {R"({"from":"posts","where":{"xor":[["a","==",1]]}})", "{\"and\": [...]} or"},
      {R"({"from":"posts","where":{"and":[["a","==",1]],"or":[["a","==",1]]}})",
       "{\"and\": [...]} or"},
      {R"({"from":"posts","where":["a","=~",1]})", "unknown operator '=~'"},
      {R"({"from":"posts","where":["a","contains",1]})", "unknown operator 'contains'"},
      {R"({"from":"posts","where":{"and":[["a","==",1],["b","=",1]]}})",
       "where.and[1]: unknown operator '='"},
      {R"({"from":"posts","where":[["a","==",1],["b","=",1]]})", "where[1]: unknown operator"},
      {R"({"from":"posts","where":["","==",1]})", "where:"},
      {R"({"from":"posts","where":["a","==",{"$nope":1}]})", "where:"},
      // in / not-in / array-contains-any values.
      {R"({"from":"posts","where":["a","in",1]})", "non-empty array"},
      {R"({"from":"posts","where":["a","in",[]]})", "non-empty array"},
      {R"({"from":"posts","where":["a","not-in","x"]})", "non-empty array"},
      {R"({"from":"posts","where":["a","array-contains-any",{}]})", "non-empty array"},
      {R"({"from":"posts","where":["a","in",)" + Seq(31) + "]}", "at most 30 values"},
      {R"({"from":"posts","where":["a","not-in",)" + Seq(31) + "]}", "at most 30 values"},
      {R"({"from":"posts","where":["a","array-contains-any",)" + Seq(31) + "]}",
       "at most 30 values"},
      // Ranges with null or NaN.
      {R"({"from":"posts","where":["a",">",null]})", "null and NaN"},
      {R"({"from":"posts","where":["a","<",null]})", "null and NaN"},
      {R"({"from":"posts","where":["a","<=",{"$double":"NaN"}]})", "null and NaN"},
      {R"({"from":"posts","where":["a",">=",{"$double":"NaN"}]})", "null and NaN"},
      // Inequalities and order.
      {R"({"from":"posts","where":[["a",">",1],["b","<",2]]})", "must all be on one field"},
      {R"({"from":"posts","where":[["a","!=",1],["b",">",2]]})", "must all be on one field"},
      {R"({"from":"posts","where":[["a","not-in",[1]],["b","<",2]]})", "must all be on one field"},
      {R"({"from":"posts","where":{"or":[["a",">",1],["b","<",2]]}})", "must all be on one field"},
      {R"({"from":"posts","where":["a",">",1],"orderBy":["b"]})",
       "the first orderBy must be 'a', not 'b'"},
      {R"({"from":"posts","where":["a","!=",1],"orderBy":["__name__"]})",
       "the first orderBy must be 'a'"},
      {R"({"from":"posts","where":["a",">",1],"orderBy":["b","a"]})", "first orderBy must be 'a'"},
      {R"({"from":"posts","orderBy":["a","a"]})", "'a' is named twice"},
      {R"({"from":"posts","orderBy":["a",["a","desc"]]})", "'a' is named twice"},
      {R"({"from":"posts","orderBy":[["a","up"]]})", "direction must be \"asc\" or \"desc\""},
      {R"({"from":"posts","orderBy":[["a","ASC"]]})", "direction must be"},
      {R"({"from":"posts","orderBy":"a"})", "orderBy: an array"},
      {R"({"from":"posts","orderBy":[["a","asc","x"]]})", "each entry is"},
      {R"({"from":"posts","orderBy":[[]]})", "each entry is"},
      {R"({"from":"posts","orderBy":[5]})", "each entry is"},
      {R"({"from":"posts","orderBy":[["a",1]]})", "each entry is"},
      {R"({"from":"posts","orderBy":[""]})", "orderBy:"},
      // Array operators.
      {R"({"from":"posts","where":[["t","array-contains",1],["u","array-contains",2]]})",
       "at most one array-contains or array-contains-any filter per conjunction"},
      {R"({"from":"posts","where":{"and":[["t","array-contains",1],{"or":[["u","array-contains",2],["v","==",1]]}]}})",
       "at most one array-contains or array-contains-any filter per conjunction"},
      {R"({"from":"posts","where":[["t","array-contains-any",[1]],["u","array-contains-any",[2]]]})",
       "at most one array-contains"},
      {R"({"from":"posts","where":{"or":[["t","array-contains-any",[1]],["u","array-contains-any",[2]]]}})",
       "at most one array-contains-any"},
      // not-in.
      {R"({"from":"posts","where":[["a","not-in",[1]],["b","in",[2]]]})",
       "not-in cannot be combined"},
      {R"({"from":"posts","where":[["a","not-in",[1]],["a","!=",2]]})",
       "not-in cannot be combined"},
      {R"({"from":"posts","where":[["a","not-in",[1]],["t","array-contains-any",[2]]]})",
       "not-in cannot be combined"},
      {R"({"from":"posts","where":{"or":[["a","not-in",[1]],["b","==",2]]}})",
       "not-in cannot be used with or"},
      {R"({"from":"posts","where":[["a","not-in",[1]],["a","not-in",[2]]]})", "at most one not-in"},
      // Disjunctions.
      {R"({"from":"posts","where":[["a","in",)" + Seq(10) + R"(],["b","in",[1,2,3,4]]]})",
       "expands to 40 disjunctions"},
      {R"({"from":"posts","where":["a","in",[1,2]],"where2":1})", "unknown key 'where2'"},
      {R"({"from":"posts","where":)" + OrOfEqualities(31) + "}", "expands to 31 disjunctions"},
      {R"({"from":"posts","where":{"or":[["a","in",)" + Seq(20) + R"(],["b","in",)" + Seq(20) +
           "]]}}",
       "expands to 40 disjunctions"},
      {R"({"from":"posts","where":[["a","array-contains-any",)" + Seq(6) + R"(],["b","in",)" +
           Seq(6) + "]]}",
       "expands to 36 disjunctions"},
      // Limits.
      {R"({"from":"posts","limit":0})", "limit must be a positive integer"},
      {R"({"from":"posts","limit":-3})", "limit must be a positive integer"},
      {R"({"from":"posts","limit":1.5})", "limit must be a positive integer"},
      {R"({"from":"posts","limit":"3"})", "limit must be a positive integer"},
      {R"({"from":"posts","limitToLast":0})", "limitToLast must be a positive integer"},
      {R"({"from":"posts","limitToLast":-1})", "limitToLast must be a positive integer"},
      {R"({"from":"posts","limit":1,"limitToLast":1})", "either limit or limitToLast"},
      // Cursors.
      {R"({"from":"posts","startAt":["a"],"startAfter":["b"]})",
       "use either startAt or startAfter"},
      {R"({"from":"posts","endAt":["a"],"endBefore":["b"]})", "use either endAt or endBefore"},
      {R"({"from":"posts","startAt":[]})", "startAt: at least one value"},
      {R"({"from":"posts","endBefore":5})", "endBefore: a document path or an array"},
      {R"({"from":"posts","startAfter":"posts"})", "startAfter: a document path or an array"},
      {R"({"from":"posts","endAt":"posts//x"})", "endAt: a document path or an array"},
      {R"({"from":"posts","startAt":[{"$bad":1}]})", "startAt:"},
      {R"({"from":"posts","startAt":["p1","p2"]})",
       "a cursor has 2 values but the query orders by only 1 fields"},
      {R"({"from":"posts","orderBy":["a"],"endAt":[1,"p1",3]})",
       "a cursor has 3 values but the query orders by only 2 fields"},
      {R"({"from":"posts","where":["a",">",1],"startAfter":[1,"p",2]})", "has 3 values"},
      {R"({"from":"posts","startAt":[5]})", "__name__ takes a document ID"},
      {R"({"from":"posts","startAt":["users/u1"]})", "a plain document ID is expected"},
      {R"({"from":"posts","orderBy":["a"],"startAt":[1,{"$ref":"other/p1"}]})",
       "not a document of the queried collection"},
      // __name__ filters.
      {R"({"from":"posts","where":["__name__","==",{"$ref":"users/u1"}]})",
       "'users/u1' is not a document of the queried collection"},
      {R"({"from":"users/u1/posts","where":["__name__","==",{"$ref":"posts/p1"}]})",
       "not a document of the queried collection"},
      {R"({"from":"posts","where":["__name__","==","a/b"]})", "a plain document ID is expected"},
      {R"({"from":"posts","where":["__name__","==",{"$ref":"posts/p1/c"}]})",
       "must name a document"},
      {R"({"from":"posts","where":["__name__","array-contains","x"]})", "__name__ is not an array"},
      {R"({"from":"posts","where":["__name__","array-contains-any",["x"]]})",
       "__name__ is not an array"},
      {R"({"from":"posts","where":["__name__","==",5]})", "__name__ takes a document ID"},
      {R"({"from":"posts","where":["__name__","in",["p1",{"$ref":"other/p2"}]]})",
       "'other/p2' is not a document of the queried collection"},
      {R"({"from":"posts","where":["__name__","not-in",["p1",7]]})",
       "__name__ takes a document ID"},
      {R"({"from":{"collectionGroup":"posts"},"where":["__name__","==","p1"]})",
       "'p1' is not a document path"},
      {R"({"from":{"collectionGroup":"posts"},"where":["__name__","==","users/u1/comments/c1"]})",
       "not a document of the queried collection"},
      // select.
      {R"({"from":"posts","select":"a"})", "select: an array of field paths"},
      {R"({"from":"posts","select":[1]})", "select: an array of field paths"},
      {R"({"from":"posts","select":[""]})", "select:"},
  };
  ASSERT_GE(cases.size(), 60u);
  for (const auto& c : cases) {
    auto q = Parse(c.json);
    if (q.ok()) {
      ADD_FAILURE() << c.json << " was accepted";
      continue;
    }
    EXPECT_EQ(q.status().code(), Code::kInvalidArgument)
        << c.json << " -> " << q.status().ToString();
    EXPECT_NE(q.status().message().find(c.message_part), std::string::npos)
        << c.json << "\n  message: " << q.status().message() << "\n  want: " << c.message_part;
  }
}

TEST(QueryParseTest, FromNamesTheCollection) {
  auto root = Parse(R"({"from":"posts"})");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->collection_id, "posts");
  EXPECT_TRUE(root->parent.empty());
  EXPECT_FALSE(root->collection_group);
  EXPECT_EQ(root->CollectionLabel(), "posts");

  auto sub = Parse(R"({"from":"users/u1/posts"})");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->collection_id, "posts");
  EXPECT_EQ(sub->parent.ToString(), "users/u1");
  EXPECT_FALSE(sub->collection_group);
  EXPECT_EQ(sub->CollectionLabel(), "users/u1/posts");

  auto group = Parse(R"({"from":{"collectionGroup":"posts"}})");
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->collection_id, "posts");
  EXPECT_TRUE(group->parent.empty());
  EXPECT_TRUE(group->collection_group);
  EXPECT_EQ(group->CollectionLabel(), "posts");
}

TEST(QueryParseTest, FiltersKeepTheirStructure) {
  auto q =
      Parse(R"({"from":"posts","where":{"or":[["a","==",1],[["b",">=",2.5],["c","in",["x"]]]]}})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  ASSERT_TRUE(q->filter);
  const Filter& f = *q->filter;
  ASSERT_EQ(f.kind, Filter::Kind::kOr);
  ASSERT_EQ(f.children.size(), 2u);
  EXPECT_EQ(f.children[0].kind, Filter::Kind::kField);
  EXPECT_EQ(f.children[0].field.field.ToString(), "a");
  EXPECT_EQ(f.children[0].field.op, Operator::kEqual);
  EXPECT_EQ(f.children[0].field.value.type(), Value::Type::kInteger);
  ASSERT_EQ(f.children[1].kind, Filter::Kind::kAnd);
  ASSERT_EQ(f.children[1].children.size(), 2u);
  EXPECT_EQ(f.children[1].children[0].field.op, Operator::kGreaterThanOrEqual);
  EXPECT_EQ(f.children[1].children[0].field.value.type(), Value::Type::kDouble);
  EXPECT_EQ(f.children[1].children[1].field.op, Operator::kIn);
  EXPECT_TRUE(f.children[1].children[1].field.value.is_array());

  auto none = Parse(R"({"from":"posts"})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->filter.has_value());
  EXPECT_EQ(none->explicit_order_count, 0u);

  auto ordered = Parse(R"({"from":"posts","orderBy":["a",["b","desc"]]})");
  ASSERT_TRUE(ordered.ok());
  EXPECT_EQ(ordered->explicit_order_count, 2u);
  EXPECT_EQ(ordered->order.size(), 3u);
}

TEST(QueryParseTest, OperatorsHaveTheirNames) {
  auto q = Parse(R"({"from":"posts","where":[["a","<",1],["a","<=",1],["a",">",1],["a",">=",1],
      ["b","==",1],["t","array-contains",1]]})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  std::vector<std::string> names;
  for (const Filter& c : q->filter->children) names.emplace_back(OperatorName(c.field.op));
  EXPECT_EQ(names, (std::vector<std::string>{"<", "<=", ">", ">=", "==", "array-contains"}));
  EXPECT_TRUE(IsInequality(Operator::kNotEqual));
  EXPECT_TRUE(IsInequality(Operator::kNotIn));
  EXPECT_TRUE(IsInequality(Operator::kLessThan));
  EXPECT_FALSE(IsInequality(Operator::kIn));
  EXPECT_FALSE(IsInequality(Operator::kArrayContains));
  EXPECT_FALSE(IsInequality(Operator::kEqual));
}

TEST(QueryParseTest, LimitsAndCursors) {
  auto limited = Parse(R"({"from":"posts","limit":7})");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->limit, 7);
  EXPECT_FALSE(limited->limit_to_last);

  auto last = Parse(R"({"from":"posts","orderBy":["a"],"limitToLast":2})");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->limit, 2);
  EXPECT_TRUE(last->limit_to_last);

  auto none = Parse(R"({"from":"posts"})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->limit.has_value());
  EXPECT_FALSE(none->start.has_value());
  EXPECT_FALSE(none->end.has_value());
  EXPECT_FALSE(none->select.has_value());

  auto values = Parse(R"({"from":"posts","orderBy":["a"],"startAt":[1],"endBefore":[5,"p9"]})");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_TRUE(values->start);
  EXPECT_TRUE(values->start->inclusive);
  EXPECT_FALSE(values->start->document);
  ASSERT_EQ(values->start->values.size(), 1u);
  EXPECT_EQ(values->start->values[0], Value::Integer(1));
  ASSERT_TRUE(values->end);
  EXPECT_FALSE(values->end->inclusive);
  ASSERT_EQ(values->end->values.size(), 2u);
  // A plain ID for the __name__ position becomes a reference into the collection.
  EXPECT_EQ(values->end->values[1].type(), Value::Type::kReference);
  EXPECT_EQ(values->end->values[1].reference_value(), "posts/p9");

  auto after = Parse(R"({"from":"posts","startAfter":"posts/x","endAt":["z"]})");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_TRUE(after->start);
  EXPECT_FALSE(after->start->inclusive);
  EXPECT_EQ(after->start->document, "posts/x");
  EXPECT_TRUE(after->start->values.empty());
  ASSERT_TRUE(after->end);
  EXPECT_TRUE(after->end->inclusive);
  EXPECT_EQ(after->end->values[0], Value::FromReference("posts/z"));

  auto end_before_doc = Parse(R"({"from":"users/u1/posts","endBefore":"users/u1/posts/p2"})");
  ASSERT_TRUE(end_before_doc.ok());
  EXPECT_FALSE(end_before_doc->end->inclusive);
  EXPECT_EQ(end_before_doc->end->document, "users/u1/posts/p2");

  // A collection group's __name__ cursor is a full path.
  auto group = Parse(R"({"from":{"collectionGroup":"posts"},"startAt":["users/u1/posts/p1"]})");
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->start->values[0], Value::FromReference("users/u1/posts/p1"));
}

TEST(QueryParseTest, SelectListsFieldPaths) {
  auto q = Parse(R"({"from":"posts","select":["a","b.c","`x.y`","__name__"]})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  ASSERT_TRUE(q->select);
  ASSERT_EQ(q->select->size(), 4u);
  EXPECT_EQ((*q->select)[0].ToString(), "a");
  EXPECT_EQ((*q->select)[1].segments(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ((*q->select)[2].segments(), (std::vector<std::string>{"x.y"}));
  EXPECT_TRUE((*q->select)[3].IsDocumentName());
  auto empty = Parse(R"({"from":"posts","select":[]})");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->select);
  EXPECT_TRUE(empty->select->empty());
}

TEST(QueryParseTest, NameFiltersBecomeReferencesIntoTheCollection) {
  auto id = Parse(R"({"from":"posts","where":["__name__","==","p1"]})");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(id->filter->field.field.IsDocumentName());
  EXPECT_EQ(id->filter->field.value, Value::FromReference("posts/p1"));

  auto sub = Parse(
      R"({"from":"users/u1/posts","where":["__name__","in",["a",{"$ref":"users/u1/posts/b"}]]})");
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  const auto& list = sub->filter->field.value.array_value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], Value::FromReference("users/u1/posts/a"));
  EXPECT_EQ(list[1], Value::FromReference("users/u1/posts/b"));

  auto ref = Parse(R"({"from":"posts","where":["__name__",">=",{"$ref":"posts/m"}]})");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->filter->field.value, Value::FromReference("posts/m"));

  auto group = Parse(
      R"({"from":{"collectionGroup":"posts"},"where":["__name__",">=","users/u1/posts/p1"]})");
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->filter->field.value, Value::FromReference("users/u1/posts/p1"));
  auto group_root =
      Parse(R"({"from":{"collectionGroup":"posts"},"where":["__name__","==",{"$ref":"posts/p"}]})");
  ASSERT_TRUE(group_root.ok()) << group_root.status().ToString();
  EXPECT_EQ(group_root->filter->field.value, Value::FromReference("posts/p"));
}

// "a==1,b>2 | c in" for a DNF.
std::string DnfString(const std::vector<std::vector<FieldFilter>>& dnf) {
  std::string out;
  for (size_t i = 0; i < dnf.size(); ++i) {
    if (i > 0) out += " | ";
    for (size_t j = 0; j < dnf[i].size(); ++j) {
      if (j > 0) out += ",";
      out += dnf[i][j].field.ToString();
      out += OperatorName(dnf[i][j].op);
    }
  }
  return out;
}

TEST(QueryParseTest, DisjunctiveNormalForm) {
  struct Case {
    std::string where;
    std::string dnf;
  };
  const std::vector<Case> cases = {
      {R"(["a","==",1])", "a=="},
      {R"([["a","==",1],["b",">",1]])", "a==,b>"},
      {R"({"or":[["a","==",1],["b","==",1]]})", "a== | b=="},
      {R"({"or":[["a","==",1],{"or":[["b","==",1],["c","==",1]]}]})", "a== | b== | c=="},
      {R"({"and":[["a","==",1],{"and":[["b","==",1],["c","==",1]]}]})", "a==,b==,c=="},
      {R"({"and":[["a","==",1],{"or":[["b","==",1],{"and":[["c","==",1],["d","==",1]]}]},{"or":[["e","==",1],["f","==",1]]}]})",
       "a==,b==,e== | a==,b==,f== | a==,c==,d==,e== | a==,c==,d==,f=="},
      {R"({"or":[{"and":[["a","==",1],{"or":[["b","==",1],["c","==",1]]}]},["d","<",1]]})",
       "a==,b== | a==,c== | d<"},
      // in and array-contains-any stay single filters.
      {R"([["a","in",[1,2,3]],["b","in",[1,2]]])", "ain,bin"},
  };
  for (const auto& c : cases) {
    auto q = Parse(R"({"from":"posts","where":)" + c.where + "}");
    ASSERT_TRUE(q.ok()) << c.where << " -> " << q.status().ToString();
    EXPECT_EQ(DnfString(ToDisjunctiveNormalForm(q->filter)), c.dnf) << c.where;
  }
  auto none = ToDisjunctiveNormalForm(std::nullopt);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].empty());
}

}  // namespace
}  // namespace hearth::query
