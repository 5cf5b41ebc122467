// The matcher: Firestore's semantics for filters, order, cursors and limits.
#include "query/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/json.h"
#include "model/json_view.h"
#include "query/query.h"

namespace hearth::query {
namespace {

using model::Value;

Query MustParse(std::string_view json) {
  auto doc = model::JsonDocument::Parse(json);
  EXPECT_TRUE(doc.ok()) << json;
  if (!doc.ok()) return Query();
  auto q = ParseQuery(doc->root());
  EXPECT_TRUE(q.ok()) << json << " -> " << q.status().ToString();
  if (!q.ok()) return Query();
  return std::move(q).value();
}

Document Doc(std::string_view path, std::string_view data) {
  Document d;
  auto p = model::ResourcePath::Parse(path);
  EXPECT_TRUE(p.ok()) << path;
  if (p.ok()) d.path = *p;
  auto fields = model::ParseDocumentJson(data);
  EXPECT_TRUE(fields.ok()) << data << " -> " << fields.status().ToString();
  if (fields.ok()) d.fields = std::move(fields).value();
  return d;
}

std::vector<std::string> Ids(const std::vector<const Document*>& docs) {
  std::vector<std::string> out;
  for (const Document* d : docs) out.push_back(d->path.LastSegment());
  return out;
}

using Ids_ = std::vector<std::string>;

struct MatchCase {
  std::string where;
  std::string data;
  bool matches;
};

TEST(MatcherTest, FirestoreFilterSemantics) {
  const std::vector<MatchCase> cases = {
      // == compares numbers across int and double; other types never equal a number.
      {R"(["a","==",1])", R"({"a":1.0})", true},
      {R"(["a","==",1.0])", R"({"a":1})", true},
      {R"(["a","==",1])", R"({"a":1.5})", false},
      {R"(["a","==",1])", R"({"a":"1"})", false},
      {R"(["a","==",1])", R"({"a":true})", false},
      {R"(["a","==",1])", R"({})", false},
      {R"(["a","==",0])", R"({"a":-0.0})", true},
      {R"(["a","==",{"$double":"NaN"}])", R"({"a":{"$double":"NaN"}})", true},
      {R"(["a","==",null])", R"({"a":null})", true},
      {R"(["a","==",null])", R"({})", false},
      {R"(["a","==",null])", R"({"a":0})", false},
      {R"(["a","==",[1,2]])", R"({"a":[1,2]})", true},
      {R"(["a","==",[1,2]])", R"({"a":[2,1]})", false},
      {R"(["m","==",{"x":1}])", R"({"m":{"x":1.0}})", true},
      {R"(["m","==",{"x":1}])", R"({"m":{"x":1,"y":2}})", false},
      {R"(["r","==",{"$ref":"a/b"}])", R"({"r":{"$ref":"a/b"}})", true},
      {R"(["r","==",{"$ref":"a/b"}])", R"({"r":"a/b"})", false},
      // Ranges only within a type (integers and doubles are one type).
      {R"(["a",">",5])", R"({"a":"abc"})", false},
      {R"(["a",">",5])", R"({"a":true})", false},
      {R"(["a",">",5])", R"({"a":[6]})", false},
      {R"(["a",">",5])", R"({"a":6.5})", true},
      {R"(["a",">",5])", R"({"a":5})", false},
      {R"(["a",">",5])", R"({"a":5.0})", false},
      {R"(["a",">=",5])", R"({"a":5.0})", true},
      {R"(["a","<",5])", R"({"a":null})", false},
      {R"(["a","<",5])", R"({"a":-100})", true},
      {R"(["a","<=",5.5])", R"({"a":5})", true},
      {R"(["a","<","b"])", R"({"a":"a"})", true},
      {R"(["a","<","b"])", R"({"a":1})", false},
      {R"(["a",">","b"])", R"({"a":{"$bytes":"aGk="}})", false},
      {R"(["a",">","a"])", R"({"a":"ab"})", true},
      {R"(["a",">",false])", R"({"a":true})", true},
      {R"(["a",">",false])", R"({"a":1})", false},
      {R"(["t",">",{"$timestamp":"2024-01-01T00:00:00Z"}])",
       R"({"t":{"$timestamp":"2024-06-01T00:00:00Z"}})", true},
      {R"(["t",">",{"$timestamp":"2024-01-01T00:00:00Z"}])", R"({"t":"2025"})", false},
      {R"(["a",">",[1]])", R"({"a":[1,0]})", true},
      {R"(["a",">",5])", R"({})", false},
      // != needs the field; null is a value like any other.
      {R"(["a","!=",1])", R"({})", false},
      {R"(["a","!=",1])", R"({"a":null})", true},
      {R"(["a","!=",1])", R"({"a":1.0})", false},
      {R"(["a","!=",1])", R"({"a":2})", true},
      {R"(["a","!=",1])", R"({"a":"1"})", true},
      {R"(["a","!=",null])", R"({"a":null})", false},
      {R"(["a","!=",null])", R"({"a":0})", true},
      // not-in: needs the field; null in the list matches nothing.
      {R"(["a","not-in",[1,2]])", R"({"a":3})", true},
      {R"(["a","not-in",[1,2]])", R"({"a":2.0})", false},
      {R"(["a","not-in",[1,2]])", R"({})", false},
      {R"(["a","not-in",[1,2]])", R"({"a":null})", true},
      {R"(["a","not-in",[1,null]])", R"({"a":3})", false},
      {R"(["a","not-in",[null]])", R"({"a":null})", false},
      {R"(["a","not-in",[null]])", R"({"a":"x"})", false},
      // in.
      {R"(["a","in",[1,"x"]])", R"({"a":"x"})", true},
      {R"(["a","in",[1,"x"]])", R"({"a":1.0})", true},
      {R"(["a","in",[1,"x"]])", R"({"a":2})", false},
      {R"(["a","in",[1,"x"]])", R"({})", false},
      {R"(["a","in",[[1,2]]])", R"({"a":[1,2]})", true},
      {R"(["a","in",[1,2]])", R"({"a":[1,2]})", false},
      {R"(["a","in",[null]])", R"({"a":null})", true},
      // array-contains / array-contains-any.
      {R"(["t","array-contains","x"])", R"({"t":["y","x"]})", true},
      {R"(["t","array-contains","x"])", R"({"t":["y"]})", false},
      {R"(["t","array-contains","x"])", R"({"t":"x"})", false},
      {R"(["t","array-contains","x"])", R"({"t":[]})", false},
      {R"(["t","array-contains",1])", R"({"t":[1.0]})", true},
      {R"(["t","array-contains",[1]])", R"({"t":[[1],2]})", true},
      {R"(["t","array-contains-any",["p","q"]])", R"({"t":["q"]})", true},
      {R"(["t","array-contains-any",["p","q"]])", R"({"t":["r"]})", false},
      {R"(["t","array-contains-any",["p"]])", R"({"t":"p"})", false},
      {R"(["t","array-contains-any",[1,2]])", R"({"t":["1",2.0]})", true},
      // Nested field paths.
      {R"(["m.x","==",1])", R"({"m":{"x":1}})", true},
      {R"(["m.x","==",1])", R"({"m":1})", false},
      {R"(["m.x","==",1])", R"({"m":{"y":1}})", false},
      {R"(["m.x.y",">",0])", R"({"m":{"x":{"y":3}}})", true},
      {R"(["`a.b`","==",1])", R"({"a.b":1})", true},
      {R"(["`a.b`","==",1])", R"({"a":{"b":1}})", false},
      {R"(["a.b","==",1])", R"({"a.b":1})", false},
      // and / or.
      {R"([["a","==",1],["b","==",2]])", R"({"a":1,"b":2})", true},
      {R"([["a","==",1],["b","==",2]])", R"({"a":1})", false},
      {R"({"or":[["a","==",1],["b","==",2]]})", R"({"b":2})", true},
      {R"({"or":[["a","==",1],["b","==",2]]})", R"({"a":2,"b":3})", false},
      {R"({"and":[["a",">",0],{"or":[["b","==",1],["c","==",1]]}]})", R"({"a":1,"c":1})", true},
      {R"({"and":[["a",">",0],{"or":[["b","==",1],["c","==",1]]}]})", R"({"a":0,"c":1})", false},
      // __name__.
      {R"(["__name__","==","d"])", R"({})", true},
      {R"(["__name__","==","e"])", R"({})", false},
      {R"(["__name__",">","c"])", R"({})", true},
      {R"(["__name__","<","c"])", R"({})", false},
      {R"(["__name__","in",["x","d"]])", R"({})", true},
      {R"(["__name__","not-in",["d"]])", R"({})", false},
  };
  for (const auto& c : cases) {
    Query q = MustParse(R"({"from":"posts","where":)" + c.where + "}");
    Document d = Doc("posts/d", c.data);
    EXPECT_EQ(Matches(q, d), c.matches) << "where " << c.where << " on " << c.data;
  }
}

TEST(MatcherTest, DocumentsWithoutAnOrderFieldAreLeftOut) {
  Query q = MustParse(R"({"from":"posts","orderBy":["z"]})");
  EXPECT_FALSE(Matches(q, Doc("posts/a", R"({})")));
  EXPECT_FALSE(Matches(q, Doc("posts/a", R"({"y":1})")));
  EXPECT_TRUE(Matches(q, Doc("posts/a", R"({"z":null})")));
  EXPECT_TRUE(Matches(q, Doc("posts/a", R"({"z":"s"})")));

  Query nested = MustParse(R"({"from":"posts","orderBy":["m.z"]})");
  EXPECT_FALSE(Matches(nested, Doc("posts/a", R"({"m":{}})")));
  EXPECT_TRUE(Matches(nested, Doc("posts/a", R"({"m":{"z":1}})")));

  // The implicit order of an inequality has the same effect.
  Query ineq = MustParse(R"({"from":"posts","where":["a","!=","x"]})");
  EXPECT_FALSE(Matches(ineq, Doc("posts/a", R"({"b":1})")));

  std::vector<Document> docs = {Doc("posts/a", R"({"z":2})"), Doc("posts/b", R"({})"),
                                Doc("posts/c", R"({"z":1})")};
  EXPECT_EQ(Ids(Execute(q, docs)), (Ids_{"c", "a"}));
}

TEST(MatcherTest, InCollection) {
  Query root = MustParse(R"({"from":"posts"})");
  EXPECT_TRUE(InCollection(root, *model::ResourcePath::Parse("posts/d")));
  EXPECT_FALSE(InCollection(root, *model::ResourcePath::Parse("users/u1/posts/d")));
  EXPECT_FALSE(InCollection(root, *model::ResourcePath::Parse("other/d")));
  EXPECT_FALSE(InCollection(root, *model::ResourcePath::Parse("posts")));
  EXPECT_FALSE(InCollection(root, *model::ResourcePath::Parse("posts/d/posts/e")));

  Query sub = MustParse(R"({"from":"users/u1/posts"})");
  EXPECT_TRUE(InCollection(sub, *model::ResourcePath::Parse("users/u1/posts/d")));
  EXPECT_FALSE(InCollection(sub, *model::ResourcePath::Parse("users/u2/posts/d")));
  EXPECT_FALSE(InCollection(sub, *model::ResourcePath::Parse("posts/d")));
  EXPECT_FALSE(InCollection(sub, *model::ResourcePath::Parse("users/u1/posts/d/posts/e")));

  Query group = MustParse(R"({"from":{"collectionGroup":"posts"}})");
  EXPECT_TRUE(InCollection(group, *model::ResourcePath::Parse("posts/d")));
  EXPECT_TRUE(InCollection(group, *model::ResourcePath::Parse("users/u1/posts/d")));
  EXPECT_TRUE(InCollection(group, *model::ResourcePath::Parse("posts/d/posts/e")));
  EXPECT_FALSE(InCollection(group, *model::ResourcePath::Parse("posts/d/comments/e")));
  EXPECT_FALSE(InCollection(group, *model::ResourcePath::Parse("users/u1")));
}

TEST(MatcherTest, FieldValueOfTheName) {
  Document d = Doc("users/u1/posts/p", R"({"a":{"b":2}})");
  auto name = FieldValue(d, model::FieldPath::DocumentName());
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, Value::FromReference("users/u1/posts/p"));
  auto nested = FieldValue(d, *model::FieldPath::Parse("a.b"));
  ASSERT_TRUE(nested);
  EXPECT_EQ(*nested, Value::Integer(2));
  EXPECT_FALSE(FieldValue(d, *model::FieldPath::Parse("a.c")));
}

TEST(MatcherTest, OrderFollowsFirestoreValueOrder) {
  Query q = MustParse(R"({"from":"posts","orderBy":["v"]})");
  // Listed in Firestore's order; IDs chosen so that name order disagrees.
  std::vector<std::pair<std::string, std::string>> values = {
      {"z01", "null"},
      {"z02", "false"},
      {"z03", "true"},
      {"z04", R"({"$double":"NaN"})"},
      {"z05", R"({"$double":"-Infinity"})"},
      {"z06", "-5"},
      {"z07", "1.5"},
      {"z08", "2"},
      {"z09", R"({"$timestamp":"2020-01-01T00:00:00Z"})"},
      {"z10", R"("")"},
      {"z11", R"("a")"},
      {"z12", R"("b")"},
      {"z13", R"({"$bytes":"AA=="})"},
      {"z14", R"({"$ref":"a/b"})"},
      {"z15", R"({"$geo":[1,2]})"},
      {"z16", "[]"},
      {"z17", "[1]"},
      {"z18", "{}"},
      {"z19", R"({"a":1})"},
  };
  std::vector<Document> docs;
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    // Reverse both the insertion order and the name order.
    docs.push_back(Doc("posts/" + std::string(1, static_cast<char>('a' + docs.size())) + it->first,
                       R"({"v":)" + it->second + "}"));
  }
  std::vector<std::string> got;
  for (const Document* d : Execute(q, docs)) got.push_back(d->path.LastSegment().substr(1));
  std::vector<std::string> want;
  for (const auto& v : values) want.push_back(v.first);
  EXPECT_EQ(got, want);
}

TEST(MatcherTest, CompareInOrderWithDirectionsAndNames) {
  Query desc = MustParse(R"({"from":"posts","orderBy":[["a","desc"]]})");
  Document one = Doc("posts/x1", R"({"a":1})");
  Document two = Doc("posts/x2", R"({"a":2})");
  Document two_b = Doc("posts/x3", R"({"a":2.0})");
  EXPECT_EQ(CompareInOrder(desc, two, one), -1);
  EXPECT_EQ(CompareInOrder(desc, one, two), 1);
  // Ties broken by the name, in the direction of the last order (descending here).
  EXPECT_EQ(CompareInOrder(desc, two_b, two), -1);
  EXPECT_EQ(CompareInOrder(desc, two, two), 0);

  Query asc = MustParse(R"({"from":"posts","orderBy":["a"]})");
  EXPECT_EQ(CompareInOrder(asc, one, two), -1);
  EXPECT_EQ(CompareInOrder(asc, two, two_b), -1);

  Query mixed = MustParse(R"({"from":"posts","orderBy":["a",["b","desc"]]})");
  Document a1b1 = Doc("posts/p1", R"({"a":1,"b":1})");
  Document a1b2 = Doc("posts/p2", R"({"a":1,"b":2})");
  Document a0b0 = Doc("posts/p3", R"({"a":0,"b":0})");
  EXPECT_EQ(CompareInOrder(mixed, a1b2, a1b1), -1);
  EXPECT_EQ(CompareInOrder(mixed, a0b0, a1b2), -1);
  std::vector<Document> docs = {a1b1, a0b0, a1b2};
  EXPECT_EQ(Ids(Execute(mixed, docs)), (Ids_{"p3", "p2", "p1"}));
}

TEST(MatcherTest, NameOrderIsSegmentWise) {
  // As whole strings "k-/x/posts/1" < "k/x/posts/1" ('-' < '/'); segment-wise "k" < "k-".
  Query group = MustParse(R"({"from":{"collectionGroup":"posts"}})");
  std::vector<Document> docs = {Doc("k-/x/posts/1", "{}"), Doc("k/x/posts/1", "{}"),
                                Doc("posts/b", "{}"), Doc("posts/a", "{}"),
                                Doc("k/x/posts/0", "{}")};
  std::vector<std::string> paths;
  for (const Document* d : Execute(group, docs)) paths.push_back(d->path.ToString());
  EXPECT_EQ(paths, (Ids_{"k/x/posts/0", "k/x/posts/1", "k-/x/posts/1", "posts/a", "posts/b"}));

  Query by_name_desc = MustParse(R"({"from":"posts","orderBy":[["__name__","desc"]]})");
  std::vector<Document> flat = {Doc("posts/a", "{}"), Doc("posts/c", "{}"), Doc("posts/b", "{}"),
                                Doc("other/z", "{}")};
  EXPECT_EQ(Ids(Execute(by_name_desc, flat)), (Ids_{"c", "b", "a"}));
}

TEST(MatcherTest, CursorsOnPrefixesOfTheOrder) {
  std::vector<Document> docs = {
      Doc("posts/d1", R"({"a":1,"b":"x"})"), Doc("posts/d2", R"({"a":2,"b":"x"})"),
      Doc("posts/d3", R"({"a":2,"b":"y"})"), Doc("posts/d4", R"({"a":3,"b":"x"})"),
      Doc("posts/d5", R"({"a":2,"b":"y"})"),
  };
  struct Case {
    std::string query;
    std::vector<std::string> ids;
  };
  const std::vector<Case> cases = {
      {R"("orderBy":["a"],"startAt":[2])", {"d2", "d3", "d5", "d4"}},
      {R"("orderBy":["a"],"startAfter":[2])", {"d4"}},
      {R"("orderBy":["a"],"endAt":[2])", {"d1", "d2", "d3", "d5"}},
      {R"("orderBy":["a"],"endBefore":[2])", {"d1"}},
      {R"("orderBy":["a"],"startAt":[2],"endAt":[2])", {"d2", "d3", "d5"}},
      {R"("orderBy":["a"],"startAfter":[1],"endBefore":[3])", {"d2", "d3", "d5"}},
      {R"("orderBy":["a"],"startAt":[1.5])", {"d2", "d3", "d5", "d4"}},
      {R"("orderBy":["a"],"startAfter":[2,"d3"])", {"d5", "d4"}},
      {R"("orderBy":["a"],"startAt":[2,"d3"])", {"d3", "d5", "d4"}},
      {R"("orderBy":["a"],"endBefore":[2,"d3"])", {"d1", "d2"}},
      {R"("orderBy":["a","b"],"startAfter":[2])", {"d4"}},
      {R"("orderBy":["a","b"],"startAfter":[2,"x"])", {"d3", "d5", "d4"}},
      {R"("orderBy":["a","b"],"startAt":[2,"y"])", {"d3", "d5", "d4"}},
      {R"("orderBy":["a","b"],"endAt":[2,"x"])", {"d1", "d2"}},
      {R"("orderBy":["a","b"],"startAt":[2,"y","d5"])", {"d5", "d4"}},
      {R"("orderBy":[["a","desc"]],"startAt":[2])", {"d5", "d3", "d2", "d1"}},
      {R"("orderBy":[["a","desc"]],"startAfter":[2])", {"d1"}},
      {R"("orderBy":[["a","desc"]],"endBefore":[2])", {"d4"}},
      {R"("orderBy":[["a","desc"]],"endAt":[2,"d3"])", {"d4", "d5", "d3"}},
      {R"("orderBy":[["a","desc"],"b"],"startAfter":[2,"x"])", {"d3", "d5", "d1"}},
      {R"("startAfter":["d3"])", {"d4", "d5"}},
      {R"("endBefore":["d3"])", {"d1", "d2"}},
      {R"("orderBy":[["__name__","desc"]],"startAt":["d3"])", {"d3", "d2", "d1"}},
      {R"("where":["a",">",1],"startAfter":[2])", {"d4"}},
      {R"("where":["a","==",2],"startAfter":["d2"])", {"d3", "d5"}},
  };
  for (const auto& c : cases) {
    Query q = MustParse(R"({"from":"posts",)" + c.query + "}");
    EXPECT_EQ(Ids(Execute(q, docs)), c.ids) << c.query;
    // WithinCursors alone agrees with Execute for matching documents.
    for (const Document& d : docs) {
      bool listed = std::find(c.ids.begin(), c.ids.end(), d.path.LastSegment()) != c.ids.end();
      if (Matches(q, d)) {
        EXPECT_EQ(WithinCursors(q, d), listed) << c.query << " " << d.path.ToString();
      }
    }
  }
}

TEST(MatcherTest, ExecuteAppliesLimitAndLimitToLast) {
  std::vector<Document> docs;
  for (int i = 5; i >= 1; --i) {
    docs.push_back(Doc("posts/d" + std::to_string(i), R"({"n":)" + std::to_string(i * 10) + "}"));
  }
  docs.push_back(Doc("elsewhere/d9", R"({"n":1})"));
  docs.push_back(Doc("users/u/posts/d0", R"({"n":1})"));
  struct Case {
    std::string query;
    std::vector<std::string> ids;
  };
  const std::vector<Case> cases = {
      {R"("orderBy":["n"])", {"d1", "d2", "d3", "d4", "d5"}},
      {R"("orderBy":["n"],"limit":2)", {"d1", "d2"}},
      {R"("orderBy":["n"],"limitToLast":2)", {"d4", "d5"}},
      {R"("orderBy":[["n","desc"]],"limit":2)", {"d5", "d4"}},
      {R"("orderBy":[["n","desc"]],"limitToLast":2)", {"d2", "d1"}},
      {R"("orderBy":["n"],"limit":10)", {"d1", "d2", "d3", "d4", "d5"}},
      {R"("orderBy":["n"],"limitToLast":10)", {"d1", "d2", "d3", "d4", "d5"}},
      {R"("orderBy":["n"],"startAfter":[20],"limit":2)", {"d3", "d4"}},
      {R"("orderBy":["n"],"endBefore":[50],"limitToLast":2)", {"d3", "d4"}},
      {R"("where":["n",">=",20],"limit":1)", {"d2"}},
      {R"("where":["n","in",[10,30,50]],"limitToLast":2)", {"d3", "d5"}},
      {R"("limit":3)", {"d1", "d2", "d3"}},
  };
  for (const auto& c : cases) {
    Query q = MustParse(R"({"from":"posts",)" + c.query + "}");
    EXPECT_EQ(Ids(Execute(q, docs)), c.ids) << c.query;
  }
}

TEST(MatcherTest, ResolveCursor) {
  Query q = MustParse(R"({"from":"posts","orderBy":["a"],"startAfter":"posts/x"})");
  ASSERT_TRUE(q.start);

  auto missing = ResolveCursor(q, *q.start, std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("posts/x"), std::string::npos);

  auto lacking = ResolveCursor(q, *q.start, Doc("posts/x", R"({"b":1})"));
  ASSERT_FALSE(lacking.ok());
  EXPECT_EQ(lacking.status().code(), Code::kInvalidArgument);
  EXPECT_NE(lacking.status().message().find("'a'"), std::string::npos)
      << lacking.status().message();

  auto resolved = ResolveCursor(q, *q.start, Doc("posts/x", R"({"a":5,"b":1})"));
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_FALSE(resolved->inclusive);
  EXPECT_FALSE(resolved->document);
  ASSERT_EQ(resolved->values.size(), 2u);
  EXPECT_EQ(resolved->values[0], Value::Integer(5));
  EXPECT_EQ(resolved->values[1], Value::FromReference("posts/x"));

  // Resolved, the cursor starts right after the document, ties broken by name.
  Query run = q;
  run.start = *resolved;
  std::vector<Document> docs = {Doc("posts/w", R"({"a":5})"), Doc("posts/x", R"({"a":5})"),
                                Doc("posts/y", R"({"a":5})"), Doc("posts/z", R"({"a":4})"),
                                Doc("posts/v", R"({"a":6})")};
  EXPECT_EQ(Ids(Execute(run, docs)), (Ids_{"y", "v"}));

  // A cursor of values passes through unchanged.
  Query values = MustParse(R"({"from":"posts","orderBy":["a"],"endAt":[3]})");
  auto same = ResolveCursor(values, *values.end, std::nullopt);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->inclusive);
  ASSERT_EQ(same->values.size(), 1u);
  EXPECT_EQ(same->values[0], Value::Integer(3));

  // Nested order fields and the implicit inequality field count too.
  Query ineq = MustParse(R"({"from":"posts","where":["m.k",">",0],"endBefore":"posts/q"})");
  auto nested = ResolveCursor(ineq, *ineq.end, Doc("posts/q", R"({"m":{"k":7}})"));
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  ASSERT_EQ(nested->values.size(), 2u);
  EXPECT_EQ(nested->values[0], Value::Integer(7));
  auto nested_missing = ResolveCursor(ineq, *ineq.end, Doc("posts/q", R"({"m":{}})"));
  EXPECT_EQ(nested_missing.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::query
