// POST /v1/query over real HTTP: filters, order, limits, cursors, projection, collection
// groups, aggregations, index errors, index maintenance on writes, and index backfill.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

using Strings = std::vector<std::string>;

// The "id" (or "path") of every document of a query answer, in order.
Strings Member(const HttpResponse& r, std::string_view member) {
  Strings out;
  Json j(r.body);
  if (!j.ok()) return {"<not JSON>"};
  auto docs = j.At("/documents");
  if (!docs || !docs->is_array()) return {"<no documents>"};
  for (simdjson::dom::element d : simdjson::dom::array(*docs)) {
    std::string_view s;
    if (d[member].get(s) != simdjson::SUCCESS) return {"<no " + std::string(member) + ">"};
    out.emplace_back(s);
  }
  return out;
}
Strings Ids(const HttpResponse& r) { return Member(r, "id"); }
Strings Paths(const HttpResponse& r) { return Member(r, "path"); }

constexpr char kIndexes[] = R"({
  "indexes": [
    {"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [
      {"fieldPath": "author", "order": "ASCENDING"},
      {"fieldPath": "likes", "order": "DESCENDING"}]}
  ],
  "fieldOverrides": [
    {"collectionGroup": "comments", "fieldPath": "stars", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"order": "DESCENDING", "queryScope": "COLLECTION"},
      {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
      {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}]}
  ]
})";

// The index a query `author == X orderBy title` would need.
constexpr char kMissingIndex[] =
    R"({"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [{"fieldPath": "author", "order": "ASCENDING"}, {"fieldPath": "title", "order": "ASCENDING"}]})";

class QueryApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    WriteFile(project_->path() + "/firestore.indexes.json", kIndexes);
    server_ = StartServer(project_->path()).release();
    if (server_ == nullptr) return;
    HttpClient c(server_->port());
    const std::vector<std::pair<std::string, std::string>> docs = {
        {"posts/p1",
         R"({"author":"ann","likes":10,"tags":["a","b"],"title":"one","n":1,"m":{"x":1,"y":2}})"},
        {"posts/p2", R"({"author":"bob","likes":5,"tags":["b"],"title":"two","n":2})"},
        {"posts/p3", R"({"author":"ann","likes":7,"tags":["c"],"title":"three","n":3.5})"},
        {"posts/p4", R"({"author":"cat","likes":12,"tags":[],"title":"four","n":"x"})"},
        {"posts/p5", R"({"author":"bob","likes":1,"title":"five"})"},
        {"users/u1/posts/s1", R"({"author":"ann","likes":100,"title":"sub1"})"},
        {"users/u1/posts/s2", R"({"author":"dan","likes":50,"title":"sub2"})"},
        {"users/u2/posts/s3", R"({"author":"ann","likes":3,"title":"sub3"})"},
        {"comments/c1", R"({"stars":5,"text":"great"})"},
        {"users/u1/comments/c2", R"({"stars":3,"text":"ok"})"},
        {"posts/p1/comments/c3", R"({"stars":1,"text":"bad"})"},
        {"users/u2/comments/c4", R"({"stars":4,"text":"good"})"},
        {"users/u2/comments/c5", R"({"text":"no stars"})"},
    };
    for (const auto& [path, data] : docs) {
      HttpResponse r = c.Admin("PUT", "/v1/documents/" + path, data);
      if (r.status != 200) ADD_FAILURE() << "PUT " << path << ": " << r.status << " " << r.body;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete project_;
    project_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Query(std::string_view body) { return client_->Admin("POST", "/v1/query", body); }
  // Runs a query that must succeed and returns the IDs it found.
  Strings QueryIds(std::string_view body) {
    HttpResponse r = Query(body);
    EXPECT_EQ(r.status, 200) << body << " -> " << r.body;
    return Ids(r);
  }
  HttpResponse Put(std::string_view path, std::string_view data) {
    HttpResponse r = client_->Admin("PUT", "/v1/documents/" + std::string(path), data);
    EXPECT_EQ(r.status, 200) << path << " -> " << r.body;
    return r;
  }

  static TempDir* project_;
  static ServerProcess* server_;
  std::unique_ptr<HttpClient> client_;
};

TempDir* QueryApiTest::project_ = nullptr;
ServerProcess* QueryApiTest::server_ = nullptr;

TEST_F(QueryApiTest, PlainCollectionInNameOrder) {
  HttpResponse r = Query(R"({"from":"posts"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
  EXPECT_EQ(Ids(r), (Strings{"p1", "p2", "p3", "p4", "p5"}));
  EXPECT_EQ(Paths(r), (Strings{"posts/p1", "posts/p2", "posts/p3", "posts/p4", "posts/p5"}));
  Json j(r.body);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(j.String("/readTime").has_value());
  EXPECT_EQ(j.String("/documents/1/data/title"), "two");
  EXPECT_EQ(j.Int("/documents/1/data/likes"), 5);
  EXPECT_TRUE(j.String("/documents/1/createTime").has_value());
  EXPECT_TRUE(j.String("/documents/1/updateTime").has_value());
  // The documents are the ones GET returns.
  HttpResponse get = client_->Admin("GET", "/v1/documents/posts/p2");
  Json g(get.body);
  EXPECT_EQ(j.String("/documents/1/updateTime"), g.String("/updateTime"));

  EXPECT_EQ(QueryIds(R"({"from":"nothing-here"})"), Strings{});
}

TEST_F(QueryApiTest, Filters) {
  struct Case {
    std::string query;
    Strings ids;
  };
  const std::vector<Case> cases = {
      {R"({"from":"posts","where":["author","==","ann"]})", {"p1", "p3"}},
      {R"({"from":"posts","where":["likes","==",5.0]})", {"p2"}},
      {R"({"from":"posts","where":["m.x","==",1]})", {"p1"}},
      {R"({"from":"posts","where":["likes",">",5]})", {"p3", "p1", "p4"}},
      {R"({"from":"posts","where":[["likes",">=",5],["likes","<",12]]})", {"p2", "p3", "p1"}},
      {R"({"from":"posts","where":["likes","<=",5]})", {"p5", "p2"}},
      {R"({"from":"posts","where":["title",">=","t"]})", {"p3", "p2"}},
      {R"({"from":"posts","where":["n",">",1]})", {"p2", "p3"}},  // "x" is not a number
      {R"({"from":"posts","where":["author","in",["bob","cat"]]})", {"p2", "p4", "p5"}},
      {R"({"from":"posts","where":["tags","array-contains","b"]})", {"p1", "p2"}},
      {R"({"from":"posts","where":["tags","array-contains-any",["a","c"]]})", {"p1", "p3"}},
      {R"({"from":"posts","where":["tags","array-contains-any",["a","b"]]})", {"p1", "p2"}},
      {R"({"from":"posts","where":{"or":[["author","==","cat"],["title","==","two"]]}})",
       {"p2", "p4"}},
      {R"({"from":"posts","where":{"or":[["author","==","ann"],["tags","array-contains","b"]]}})",
       {"p1", "p2", "p3"}},
      {R"({"from":"posts","where":["n","not-in",[1,2]]})", {"p3", "p4"}},
      {R"({"from":"posts","where":["n","not-in",[1,null]]})", {}},
      {R"({"from":"posts","where":["author","!=","ann"]})", {"p2", "p5", "p4"}},
      {R"({"from":"posts","where":["n","!=",2]})", {"p1", "p3", "p4"}},
      {R"({"from":"posts","where":["__name__","==","p3"]})", {"p3"}},
      {R"({"from":"posts","where":["__name__",">","p3"]})", {"p4", "p5"}},
      {R"({"from":"posts","where":["__name__","in",["p5",{"$ref":"posts/p1"},"zz"]]})",
       {"p1", "p5"}},
      {R"({"from":"posts","where":["missing","==",1]})", {}},
  };
  for (const auto& c : cases) EXPECT_EQ(QueryIds(c.query), c.ids) << c.query;
}

TEST_F(QueryApiTest, OrderAndLimits) {
  struct Case {
    std::string query;
    Strings ids;
  };
  const std::vector<Case> cases = {
      {R"({"from":"posts","orderBy":["likes"]})", {"p5", "p2", "p3", "p1", "p4"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"limit":2})", {"p4", "p1"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]]})", {"p4", "p1", "p3", "p2", "p5"}},
      {R"({"from":"posts","orderBy":["likes"],"limitToLast":2})", {"p1", "p4"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"limitToLast":2})", {"p2", "p5"}},
      {R"({"from":"posts","orderBy":["n"]})", {"p1", "p2", "p3", "p4"}},  // p5 has no n
      {R"({"from":"posts","orderBy":[["__name__","desc"]],"limit":3})", {"p5", "p4", "p3"}},
      {R"({"from":"posts","limit":2})", {"p1", "p2"}},
      {R"({"from":"posts","where":["likes",">",1],"orderBy":[["likes","desc"]],"limit":1})",
       {"p4"}},
      {R"({"from":"posts","where":["author","in",["ann","bob"]],"limit":3})", {"p1", "p2", "p3"}},
      {R"({"from":"posts","where":["author","in",["ann","bob"]],"limitToLast":2})", {"p3", "p5"}},
      {R"({"from":"posts","where":{"or":[["author","==","cat"],["likes","==",5]]},"limit":1})",
       {"p2"}},
  };
  for (const auto& c : cases) EXPECT_EQ(QueryIds(c.query), c.ids) << c.query;
}

TEST_F(QueryApiTest, CursorsByValuesAndByDocument) {
  struct Case {
    std::string query;
    Strings ids;
  };
  const std::vector<Case> cases = {
      {R"({"from":"posts","orderBy":["likes"],"startAt":[5],"endBefore":[12]})",
       {"p2", "p3", "p1"}},
      {R"({"from":"posts","orderBy":["likes"],"startAfter":[5]})", {"p3", "p1", "p4"}},
      {R"({"from":"posts","orderBy":["likes"],"endAt":[7]})", {"p5", "p2", "p3"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"startAfter":[10]})", {"p3", "p2", "p5"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"startAt":[10],"limit":2})", {"p1", "p3"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"endBefore":[5]})", {"p4", "p1", "p3"}},
      {R"({"from":"posts","startAfter":["p2"]})", {"p3", "p4", "p5"}},
      {R"({"from":"posts","startAt":["p2"],"endAt":["p4"]})", {"p2", "p3", "p4"}},
      {R"({"from":"posts","orderBy":[["__name__","desc"]],"startAfter":["p4"]})",
       {"p3", "p2", "p1"}},
      // By document: that document's values for the order.
      {R"({"from":"posts","startAfter":"posts/p2"})", {"p3", "p4", "p5"}},
      {R"({"from":"posts","orderBy":["likes"],"startAfter":"posts/p3"})", {"p1", "p4"}},
      {R"({"from":"posts","orderBy":["likes"],"startAt":"posts/p3"})", {"p3", "p1", "p4"}},
      {R"({"from":"posts","orderBy":["likes"],"endBefore":"posts/p3"})", {"p5", "p2"}},
      {R"({"from":"posts","orderBy":[["likes","desc"]],"endAt":"posts/p3"})", {"p4", "p1", "p3"}},
      {R"({"from":"posts","orderBy":["likes"],"startAfter":"posts/p2","limit":2})", {"p3", "p1"}},
      {R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]],"startAfter":"posts/p1"})",
       {"p3"}},
  };
  for (const auto& c : cases) EXPECT_EQ(QueryIds(c.query), c.ids) << c.query;

  HttpResponse missing = Query(R"({"from":"posts","startAfter":"posts/nope"})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_TRUE(IsErrorBody(missing, "not-found"));
  HttpResponse lacking = Query(R"({"from":"posts","orderBy":["n"],"startAt":"posts/p5"})");
  EXPECT_EQ(lacking.status, 400) << lacking.body;
  EXPECT_TRUE(IsErrorBody(lacking, "invalid-argument"));
}

TEST_F(QueryApiTest, EdgeCasesOfOrderCursorsAndLimits) {
  struct Case {
    std::string query;
    Strings ids;
  };
  const std::vector<Case> cases = {
      {R"({"from":"posts","where":["likes",">",5],"orderBy":[["likes","desc"]],"limit":2})",
       {"p4", "p1"}},
      {R"({"from":"posts","where":["likes",">=",5],"orderBy":["likes"],"limitToLast":2})",
       {"p1", "p4"}},
      {R"({"from":"posts","where":["likes",">",1],"startAfter":[7]})", {"p1", "p4"}},
      {R"({"from":"posts","where":["likes","<",12],"orderBy":[["likes","desc"]],"startAt":[7],"endAt":[5]})",
       {"p3", "p2"}},
      {R"({"from":"posts","where":["author","!=","bob"],"limitToLast":2})", {"p3", "p4"}},
      {R"({"from":"posts","where":["__name__","!=","p3"]})", {"p1", "p2", "p4", "p5"}},
      {R"({"from":"posts","where":["__name__","in",["p2","p4","p5"]],"limit":2})", {"p2", "p4"}},
      {R"({"from":"posts","where":["__name__","in",["p2","p4","p5"]],"orderBy":[["__name__","desc"]]})",
       {"p5", "p4", "p2"}},
      {R"({"from":"posts","where":["author","in",["ann","bob"]],"orderBy":["likes"]})",
       {"p5", "p2", "p3", "p1"}},
      {R"({"from":"posts","where":["author","in",["ann","bob"]],"orderBy":["likes"],"limitToLast":3})",
       {"p2", "p3", "p1"}},
      {R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]],"startAt":[7]})",
       {"p3"}},
      {R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]],"endBefore":[7]})",
       {"p1"}},
      {R"({"from":"posts","where":["author","==","ann"],"orderBy":["author",["likes","desc"]],"startAfter":["ann",10]})",
       {"p3"}},
      {R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]],"limitToLast":1})",
       {"p3"}},
      {R"({"from":"posts","where":[["author","==","ann"],["likes","==",10.0]]})", {"p1"}},
      {R"({"from":"posts","where":{"or":[["author","==","cat"],["tags","array-contains","c"]]},"orderBy":[["__name__","desc"]]})",
       {"p4", "p3"}},
      // Values of another type than the field's sort elsewhere in Firestore's order.
      {R"({"from":"posts","orderBy":["likes"],"startAt":["a"]})", {}},
      {R"({"from":"posts","orderBy":["likes"],"startAfter":[null]})",
       {"p5", "p2", "p3", "p1", "p4"}},
      {R"({"from":"posts","orderBy":["likes"],"endBefore":[true]})", {}},
      {R"({"from":"posts","orderBy":["n"],"startAt":[2.5]})", {"p3", "p4"}},
      {R"({"from":"posts","orderBy":[["n","desc"]],"endAt":[2]})", {"p4", "p3", "p2"}},
      // Subcollections and groups with cursors.
      {R"({"from":"users/u1/posts","orderBy":[["__name__","desc"]]})", {"s2", "s1"}},
      {R"({"from":"users/u1/posts","startAfter":["s1"]})", {"s2"}},
      {R"({"from":{"collectionGroup":"posts"},"startAfter":["posts/p5"],"limit":2})", {"s1", "s2"}},
      {R"({"from":{"collectionGroup":"posts"},"orderBy":[["__name__","desc"]],"endBefore":["posts/p5"]})",
       {"s3", "s2", "s1"}},
      {R"({"from":{"collectionGroup":"comments"},"orderBy":["stars"],"startAfter":"users/u1/comments/c2"})",
       {"c4", "c1"}},
      {R"({"from":{"collectionGroup":"comments"},"orderBy":[["stars","desc"]],"startAt":[4],"limit":5})",
       {"c4", "c2", "c3"}},
  };
  for (const auto& c : cases) EXPECT_EQ(QueryIds(c.query), c.ids) << c.query;

  // Paging with the last document as the next cursor walks every document once.
  Strings seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    std::string q = R"({"from":"posts","orderBy":["likes"],"limit":2)";
    if (!cursor.empty()) q += R"(,"startAfter":")" + cursor + "\"";
    HttpResponse r = Query(q + "}");
    ASSERT_EQ(r.status, 200) << r.body;
    Strings paths = Paths(r);
    if (paths.empty()) break;
    for (const auto& p : paths) seen.push_back(p.substr(6));
    cursor = paths.back();
  }
  EXPECT_EQ(seen, (Strings{"p5", "p2", "p3", "p1", "p4"}));
}

TEST_F(QueryApiTest, FieldNamesThatNeedQuoting) {
  Put("odd/o1", R"({"a.b":1,"a":{"b":2},"sp ace":"x"})");
  Put("odd/o2", R"({"a.b":2,"a":{"b":1}})");
  EXPECT_EQ(QueryIds(R"({"from":"odd","where":["`a.b`","==",1]})"), (Strings{"o1"}));
  EXPECT_EQ(QueryIds(R"({"from":"odd","where":["a.b","==",1]})"), (Strings{"o2"}));
  EXPECT_EQ(QueryIds(R"({"from":"odd","orderBy":[["`a.b`","desc"]]})"), (Strings{"o2", "o1"}));
  EXPECT_EQ(QueryIds(R"({"from":"odd","where":["`sp ace`","==","x"]})"), (Strings{"o1"}));
  HttpResponse r = Query(R"({"from":"odd","select":["`a.b`"],"limit":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.Size("/documents/0/data"), 1u) << r.body;
  EXPECT_EQ(j.Int("/documents/0/data/a.b"), 1) << r.body;
}

TEST_F(QueryApiTest, SelectReturnsOnlyTheChosenFields) {
  HttpResponse r =
      Query(R"({"from":"posts","where":["author","==","ann"],"select":["title","m.x","nope"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Ids(r), (Strings{"p1", "p3"}));
  Json j(r.body);
  EXPECT_EQ(j.Size("/documents/0/data"), 2u) << r.body;
  EXPECT_EQ(j.String("/documents/0/data/title"), "one");
  EXPECT_EQ(j.Size("/documents/0/data/m"), 1u);
  EXPECT_EQ(j.Int("/documents/0/data/m/x"), 1);
  EXPECT_FALSE(j.Has("/documents/0/data/likes"));
  EXPECT_EQ(j.Size("/documents/1/data"), 1u) << r.body;
  EXPECT_EQ(j.String("/documents/1/data/title"), "three");
  EXPECT_EQ(j.String("/documents/1/path"), "posts/p3");

  HttpResponse none = Query(R"({"from":"posts","select":[],"limit":1})");
  ASSERT_EQ(none.status, 200) << none.body;
  Json n(none.body);
  EXPECT_TRUE(n.Has("/documents/0/data"));
  EXPECT_EQ(n.Size("/documents/0/data"), 0u) << none.body;
  EXPECT_EQ(n.String("/documents/0/id"), "p1");
}

TEST_F(QueryApiTest, Subcollections) {
  HttpResponse r = Query(R"({"from":"users/u1/posts"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Paths(r), (Strings{"users/u1/posts/s1", "users/u1/posts/s2"}));
  EXPECT_EQ(QueryIds(R"({"from":"users/u1/posts","where":["author","==","ann"]})"),
            (Strings{"s1"}));
  EXPECT_EQ(QueryIds(R"({"from":"users/u2/posts","orderBy":["likes"]})"), (Strings{"s3"}));
  EXPECT_EQ(QueryIds(R"({"from":"users/u3/posts"})"), Strings{});
  // The composite index serves every collection named posts.
  EXPECT_EQ(
      QueryIds(
          R"({"from":"users/u1/posts","where":["author","==","ann"],"orderBy":[["likes","desc"]]})"),
      (Strings{"s1"}));
  EXPECT_EQ(QueryIds(R"({"from":"posts/p1/comments"})"), (Strings{"c3"}));
}

TEST_F(QueryApiTest, CollectionGroups) {
  HttpResponse all = Query(R"({"from":{"collectionGroup":"posts"}})");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Paths(all), (Strings{"posts/p1", "posts/p2", "posts/p3", "posts/p4", "posts/p5",
                                 "users/u1/posts/s1", "users/u1/posts/s2", "users/u2/posts/s3"}));

  // The fieldOverride gives "stars" a collection-group index.
  HttpResponse stars = Query(R"({"from":{"collectionGroup":"comments"},"where":["stars",">=",3]})");
  ASSERT_EQ(stars.status, 200) << stars.body;
  EXPECT_EQ(Paths(stars), (Strings{"users/u1/comments/c2", "users/u2/comments/c4", "comments/c1"}));
  HttpResponse desc =
      Query(R"({"from":{"collectionGroup":"comments"},"orderBy":[["stars","desc"]],"limit":2})");
  ASSERT_EQ(desc.status, 200) << desc.body;
  EXPECT_EQ(Paths(desc), (Strings{"comments/c1", "users/u2/comments/c4"}));
  HttpResponse eq = Query(R"({"from":{"collectionGroup":"comments"},"where":["stars","==",1]})");
  ASSERT_EQ(eq.status, 200) << eq.body;
  EXPECT_EQ(Paths(eq), (Strings{"posts/p1/comments/c3"}));
  HttpResponse by_name = Query(
      R"({"from":{"collectionGroup":"comments"},"where":["__name__",">=","users/u2/comments/c0"]})");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(Paths(by_name), (Strings{"users/u2/comments/c4", "users/u2/comments/c5"}));

  // A field without a collection-group index: the error says what to add.
  HttpResponse text =
      Query(R"({"from":{"collectionGroup":"comments"},"where":["text","==","ok"]})");
  EXPECT_EQ(text.status, 400) << text.body;
  EXPECT_TRUE(IsErrorBody(text, "failed-precondition"));
  EXPECT_NE(text.body.find("fieldOverrides"), std::string::npos) << text.body;
  EXPECT_NE(text.body.find("text"), std::string::npos) << text.body;
  // Still fine in one collection (automatic collection-scope index).
  EXPECT_EQ(QueryIds(R"({"from":"users/u1/comments","where":["text","==","ok"]})"),
            (Strings{"c2"}));
}

TEST_F(QueryApiTest, CompositeIndexesServeEqualityPlusOrder) {
  EXPECT_EQ(
      QueryIds(R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]]})"),
      (Strings{"p1", "p3"}));
  EXPECT_EQ(QueryIds(R"({"from":"posts","where":["author","==","ann"],"orderBy":["likes"]})"),
            (Strings{"p3", "p1"}));
  EXPECT_EQ(
      QueryIds(
          R"({"from":"posts","where":[["author","==","bob"],["likes","<",5]],"orderBy":[["likes","desc"]]})"),
      (Strings{"p5"}));
  EXPECT_EQ(
      QueryIds(
          R"({"from":"posts","where":["author","in",["ann","bob"]],"orderBy":[["likes","desc"]]})"),
      (Strings{"p1", "p3", "p2", "p5"}));
  EXPECT_EQ(
      QueryIds(
          R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]],"startAfter":[10]})"),
      (Strings{"p3"}));

  HttpResponse missing =
      Query(R"({"from":"posts","where":["author","==","ann"],"orderBy":["title"]})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_TRUE(IsErrorBody(missing, "failed-precondition"));
  Json j(missing.body);
  std::string message = j.String("/error/message").value_or("");
  EXPECT_NE(message.find(kMissingIndex), std::string::npos) << message;
  EXPECT_NE(message.find("firestore.indexes.json"), std::string::npos) << message;
}

TEST_F(QueryApiTest, Aggregations) {
  HttpResponse r = Query(R"({"from":"posts","aggregate":{
      "c":{"count":true},"s":{"sum":"likes"},"a":{"avg":"likes"},
      "sn":{"sum":"n"},"an":{"avg":"n"},"at":{"avg":"title"},"st":{"sum":"title"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  ASSERT_TRUE(j.ok()) << r.body;
  EXPECT_FALSE(j.Has("/documents"));
  EXPECT_TRUE(j.String("/readTime").has_value());
  EXPECT_EQ(j.Size("/aggregates"), 7u);
  EXPECT_EQ(j.Int("/aggregates/c"), 5);
  EXPECT_EQ(j.Int("/aggregates/s"), 35) << "a sum of integers is an integer: " << r.body;
  EXPECT_EQ(j.Double("/aggregates/a"), 7.0) << "an average is a double: " << r.body;
  EXPECT_EQ(j.Double("/aggregates/sn"), 6.5) << r.body;
  auto an = j.Double("/aggregates/an");
  ASSERT_TRUE(an) << r.body;
  EXPECT_NEAR(*an, 6.5 / 3, 1e-12);
  auto at = j.At("/aggregates/at");
  ASSERT_TRUE(at) << r.body;
  EXPECT_TRUE(at->is_null()) << "avg over no numbers is null: " << r.body;
  EXPECT_EQ(j.Int("/aggregates/st"), 0) << r.body;

  HttpResponse filtered = Query(R"({"from":"posts","where":["author","==","ann"],
      "aggregate":{"c":{"count":true},"s":{"sum":"likes"}}})");
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  Json f(filtered.body);
  EXPECT_EQ(f.Int("/aggregates/c"), 2);
  EXPECT_EQ(f.Int("/aggregates/s"), 17);

  HttpResponse limited = Query(R"({"from":"posts","orderBy":[["likes","desc"]],"limit":2,
      "aggregate":{"c":{"count":true},"s":{"sum":"likes"}}})");
  ASSERT_EQ(limited.status, 200) << limited.body;
  Json l(limited.body);
  EXPECT_EQ(l.Int("/aggregates/c"), 2);
  EXPECT_EQ(l.Int("/aggregates/s"), 22);

  HttpResponse empty = Query(
      R"({"from":"nothing","aggregate":{"c":{"count":true},"a":{"avg":"x"},"s":{"sum":"x"}}})");
  ASSERT_EQ(empty.status, 200) << empty.body;
  Json e(empty.body);
  EXPECT_EQ(e.Int("/aggregates/c"), 0);
  EXPECT_EQ(e.Int("/aggregates/s"), 0);
  ASSERT_TRUE(e.At("/aggregates/a"));
  EXPECT_TRUE(e.At("/aggregates/a")->is_null());
}

TEST_F(QueryApiTest, IntegerSumsThatOverflowBecomeDoubles) {
  Put("sums/a",
      R"({"up":9223372036854775807,"down":-9223372036854775808,"mixed":9223372036854775807})");
  Put("sums/b", R"({"up":1,"down":-1,"mixed":0.5})");
  Put("sums/c", R"({"up":"not a number","down":null})");
  HttpResponse r = Query(R"({"from":"sums","aggregate":{
      "su":{"sum":"up"},"au":{"avg":"up"},"sd":{"sum":"down"},"sm":{"sum":"mixed"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  auto su = j.Double("/aggregates/su");
  ASSERT_TRUE(su) << "an overflowing integer sum is a double: " << r.body;
  EXPECT_DOUBLE_EQ(*su, 9223372036854775808.0) << r.body;
  auto au = j.Double("/aggregates/au");
  ASSERT_TRUE(au) << r.body;
  EXPECT_DOUBLE_EQ(*au, 4611686018427387904.0) << r.body;
  auto sd = j.Double("/aggregates/sd");
  ASSERT_TRUE(sd) << r.body;
  EXPECT_DOUBLE_EQ(*sd, -9223372036854775809.0) << r.body;
  auto sm = j.Double("/aggregates/sm");
  ASSERT_TRUE(sm) << r.body;
  EXPECT_DOUBLE_EQ(*sm, 9223372036854775807.5) << r.body;
}

TEST_F(QueryApiTest, MalformedQueriesAreInvalidArgument) {
  struct Case {
    std::string body;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"not json", "malformed JSON"},
      {"[]", "must be a JSON object"},
      {R"({"from":"posts","bogus":true})", "unknown key 'bogus'"},
      {R"({"from":"posts/p1"})", "not a collection path"},
      {R"({"from":"posts","where":["a","=~",1]})", "unknown operator"},
      {R"({"from":"posts","where":[["a",">",1],["b","<",1]]})", "one field"},
      {R"({"from":"posts","where":["a",">",1],"orderBy":["b"]})", "first orderBy"},
      {R"({"from":"posts","where":["a","in",[]]})", "non-empty array"},
      {R"({"from":"posts","limit":0})", "positive integer"},
      {R"({"from":"posts","limit":1,"limitToLast":1})", "either limit or limitToLast"},
      {R"({"from":"posts","startAt":[1],"startAfter":[2]})", "either startAt or startAfter"},
      {R"({"from":"posts","where":["__name__","==",{"$ref":"other/x"}]})",
       "not a document of the queried collection"},
      {R"({"from":"posts","where":[["n","not-in",[1]],["author","in",["ann"]]]})",
       "not-in cannot be combined"},
      {R"({"from":"posts","where":{"or":[["n","not-in",[1]],["author","==","ann"]]}})",
       "not-in cannot be used with or"},
      {R"({"from":"posts","aggregate":{}})", "aggregate"},
      {R"({"from":"posts","aggregate":{"x":{"max":"likes"}}})", "unknown aggregation 'max'"},
      {R"({"from":"posts","aggregate":{"x":{"count":false}}})", "count takes true"},
      {R"({"from":"posts","aggregate":{"x":{"sum":1}}})", "takes a field"},
      {R"({"from":"posts","aggregate":{"x":{"count":true}},"select":["a"]})",
       "either select or aggregate"},
  };
  for (const auto& c : cases) {
    HttpResponse r = Query(c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << c.body;
    EXPECT_NE(r.body.find(c.message_part), std::string::npos) << c.body << " -> " << r.body;
  }
  HttpResponse params = client_->Admin("POST", "/v1/query?x=1", R"({"from":"posts"})");
  EXPECT_EQ(params.status, 400) << params.body;
  EXPECT_TRUE(IsErrorBody(params, "invalid-argument"));
}

TEST_F(QueryApiTest, AnonymousQueriesNeedRulesAndPost) {
  // No credential: the rules decide, and this project has none.
  HttpResponse anonymous = client_->Request("POST", "/v1/query", R"({"from":"posts"})");
  EXPECT_EQ(anonymous.status, 403) << anonymous.body;
  EXPECT_TRUE(IsErrorBody(anonymous, "permission-denied"));
  EXPECT_EQ(anonymous.body.find("\"documents\""), std::string::npos);
  HttpResponse wrong = client_->Request("POST", "/v1/query", R"({"from":"posts"})",
                                        {{"Authorization", "Bearer not-the-right-token-at-all"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  HttpResponse get = client_->Admin("GET", "/v1/query");
  EXPECT_EQ(get.status, 405) << get.body;
  EXPECT_EQ(get.Header("allow"), "POST");
  HttpResponse put = client_->Admin("PUT", "/v1/query", R"({"from":"posts"})");
  EXPECT_EQ(put.status, 405) << put.body;
}

TEST_F(QueryApiTest, WritesAreReflectedInTheNextQuery) {
  Put("live/a1", R"({"status":"open","v":1})");
  Put("live/a2", R"({"status":"open","v":2})");
  Put("live/a3", R"({"status":"closed","v":9})");
  const std::string open = R"({"from":"live","where":["status","==","open"]})";
  const std::string closed = R"({"from":"live","where":["status","==","closed"]})";
  const std::string big = R"({"from":"live","where":["v",">",5]})";
  EXPECT_EQ(QueryIds(open), (Strings{"a1", "a2"}));
  EXPECT_EQ(QueryIds(closed), (Strings{"a3"}));

  // A changed value moves the document between results.
  Put("live/a1", R"({"status":"closed","v":1})");
  EXPECT_EQ(QueryIds(open), (Strings{"a2"}));
  EXPECT_EQ(QueryIds(closed), (Strings{"a1", "a3"}));

  HttpResponse patch = client_->Admin("PATCH", "/v1/documents/live/a2", R"({"v":10})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(QueryIds(big), (Strings{"a3", "a2"}));
  EXPECT_EQ(QueryIds(R"({"from":"live","orderBy":[["v","desc"]]})"), (Strings{"a2", "a3", "a1"}));
  EXPECT_EQ(QueryIds(R"({"from":"live","where":["v","==",2]})"), Strings{});

  // Array elements and removed fields.
  Put("live/a3", R"({"status":"closed","v":9,"tags":["x","y"]})");
  EXPECT_EQ(QueryIds(R"({"from":"live","where":["tags","array-contains","x"]})"), (Strings{"a3"}));
  Put("live/a3", R"({"status":"closed","v":9,"tags":["y"]})");
  EXPECT_EQ(QueryIds(R"({"from":"live","where":["tags","array-contains","x"]})"), Strings{});
  HttpResponse drop = client_->Admin("PATCH", "/v1/documents/live/a3", R"({"v":{"$delete":true}})");
  ASSERT_EQ(drop.status, 200) << drop.body;
  EXPECT_EQ(QueryIds(big), (Strings{"a2"}));
  EXPECT_EQ(QueryIds(R"({"from":"live","orderBy":["v"]})"), (Strings{"a1", "a2"}));

  // A delete removes the document from every result.
  ASSERT_EQ(client_->Admin("DELETE", "/v1/documents/live/a2").status, 200);
  EXPECT_EQ(QueryIds(open), Strings{});
  EXPECT_EQ(QueryIds(big), Strings{});
  EXPECT_EQ(QueryIds(R"({"from":"live"})"), (Strings{"a1", "a3"}));

  // Batched writes too.
  HttpResponse commit = client_->Admin("POST", "/v1/commit", R"({"writes":[
      {"set":{"path":"live/a4","data":{"status":"open","v":7}}},
      {"update":{"path":"live/a1","data":{"status":"open"}}},
      {"delete":{"path":"live/a3"}}]})");
  ASSERT_EQ(commit.status, 200) << commit.body;
  EXPECT_EQ(QueryIds(open), (Strings{"a1", "a4"}));
  EXPECT_EQ(QueryIds(closed), Strings{});
  EXPECT_EQ(QueryIds(big), (Strings{"a4"}));
}

TEST_F(QueryApiTest, CompositeIndexEntriesFollowWrites) {
  const std::string q =
      R"({"from":"maint/m/posts","where":["author","==","ann"],"orderBy":[["likes","desc"]]})";
  Put("maint/m/posts/x", R"({"author":"ann","likes":1})");
  Put("maint/m/posts/y", R"({"author":"ann","likes":2})");
  Put("maint/m/posts/z", R"({"author":"bob","likes":3})");
  EXPECT_EQ(QueryIds(q), (Strings{"y", "x"}));
  Put("maint/m/posts/x", R"({"author":"ann","likes":5})");
  EXPECT_EQ(QueryIds(q), (Strings{"x", "y"}));
  Put("maint/m/posts/z", R"({"author":"ann","likes":3})");
  EXPECT_EQ(QueryIds(q), (Strings{"x", "z", "y"}));
  Put("maint/m/posts/y", R"({"author":"ann"})");  // no likes: out of the index
  EXPECT_EQ(QueryIds(q), (Strings{"x", "z"}));
  Put("maint/m/posts/x", R"({"author":"bob","likes":5})");
  EXPECT_EQ(QueryIds(q), (Strings{"z"}));
  ASSERT_EQ(client_->Admin("DELETE", "/v1/documents/maint/m/posts/z").status, 200);
  EXPECT_EQ(QueryIds(q), Strings{});
}

// A composite index declared for a collection that already has documents is built when
// the server starts; queries that need it work once it is ready.
TEST(QueryBackfillTest, IndexAddedLaterIsBuiltFromExistingDocuments) {
  TempDir project;
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  constexpr int kDocs = 600;
  {
    HttpClient c(server->port());
    for (int start = 0; start < kDocs; start += 300) {
      std::string body = R"({"writes":[)";
      for (int i = start; i < start + 300; ++i) {
        if (i > start) body += ",";
        body += R"({"set":{"path":"big/d)" + std::to_string(i) + R"(","data":{"g":)" +
                std::to_string(i % 3) + R"(,"r":)" + std::to_string(i) + "}}}";
      }
      body += "]}";
      HttpResponse r = c.Admin("POST", "/v1/commit", body);
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    }
  }
  const std::string query =
      R"({"from":"big","where":["g","==",1],"orderBy":[["r","desc"]],"limit":4})";
  const std::string index =
      R"({"collectionGroup": "big", "queryScope": "COLLECTION", "fields": [{"fieldPath": "g", "order": "ASCENDING"}, {"fieldPath": "r", "order": "DESCENDING"}]})";
  {
    HttpClient c(server->port());
    HttpResponse r = c.Admin("POST", "/v1/query", query);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(IsErrorBody(r, "failed-precondition"));
    EXPECT_NE(r.body.find("needs a composite index"), std::string::npos) << r.body;
    Json j(r.body);
    EXPECT_NE(j.String("/error/message").value_or("").find(index), std::string::npos) << r.body;
  }
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(), 0) << server->Output();

  WriteFile(project.path() + "/firestore.indexes.json", R"({"indexes": [)" + index + "]}");
  server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient c(server->port());
  HttpResponse r;
  int building_answers = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    r = c.Admin("POST", "/v1/query", query);
    if (r.status != 400 || std::chrono::steady_clock::now() > deadline) break;
    // While it builds, the answer says so (and never that the index is missing).
    ASSERT_TRUE(IsErrorBody(r, "failed-precondition")) << r.body;
    ASSERT_NE(r.body.find("still being built"), std::string::npos) << r.body;
    ++building_answers;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(r.status, 200) << r.body << "\n" << server->Output();
  // g == 1: i % 3 == 1, highest r first.
  EXPECT_EQ(Ids(r), (Strings{"d598", "d595", "d592", "d589"}))
      << "after " << building_answers << " 'still being built' answers";

  // Every existing document is in the index, not only the first ones.
  HttpResponse all = c.Admin(
      "POST", "/v1/query",
      R"({"from":"big","where":["g","==",1],"orderBy":[["r","desc"]],"aggregate":{"n":{"count":true},"s":{"sum":"r"}}})");
  ASSERT_EQ(all.status, 200) << all.body;
  Json j(all.body);
  EXPECT_EQ(j.Int("/aggregates/n"), kDocs / 3);
  int64_t sum = 0;
  for (int i = 1; i < kDocs; i += 3) sum += i;
  EXPECT_EQ(j.Int("/aggregates/s"), sum);
  HttpResponse ascending = c.Admin(
      "POST", "/v1/query", R"({"from":"big","where":["g","==",2],"orderBy":["r"],"limit":3})");
  ASSERT_EQ(ascending.status, 200) << ascending.body;
  EXPECT_EQ(Ids(ascending), (Strings{"d2", "d5", "d8"}));

  // Writes after the build keep the index current.
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/big/new", R"({"g":1,"r":1000})").status, 200);
  ASSERT_EQ(c.Admin("DELETE", "/v1/documents/big/d598").status, 200);
  HttpResponse after = c.Admin("POST", "/v1/query", query);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(Ids(after), (Strings{"new", "d595", "d592", "d589"}));

  // The built index survives a restart (no second build needed).
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(), 0) << server->Output();
  server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient again(server->port());
  HttpResponse restarted = again.Admin("POST", "/v1/query", query);
  ASSERT_EQ(restarted.status, 200) << restarted.body;
  EXPECT_EQ(Ids(restarted), (Strings{"new", "d595", "d592", "d589"}));
}

}  // namespace
}  // namespace hearth::testing
