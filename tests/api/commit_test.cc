// POST /v1/commit: atomic batches over real HTTP.
#include <gtest/gtest.h>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

class CommitTest : public SharedServerTest<CommitTest> {
 protected:
  HttpResponse Commit(std::string_view body) { return client_->Admin("POST", "/v1/commit", body); }
  HttpResponse Get(std::string_view path) {
    return client_->Admin("GET", "/v1/documents/" + std::string(path));
  }
};

TEST_F(CommitTest, AppliesEveryKindOfWriteInOrder) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/b1/old", R"({"v":1})").status, 200);
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/b1/upd", R"({"keep":1,"n":1})").status, 200);
  HttpResponse r = Commit(R"({"writes":[
    {"set": {"path": "b1/a", "data": {"title": "A"}}},
    {"create": {"path": "b1/c", "data": {"at": {"$serverTimestamp": true}}}},
    {"update": {"path": "b1/upd", "data": {"n": {"$increment": 5}, "m.x": true}}},
    {"set": {"path": "b1/upd", "data": {"extra": 1}, "merge": true}},
    {"delete": {"path": "b1/old"}}
  ]})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  ASSERT_TRUE(j.ok());
  auto commit_time = j.String("/commitTime");
  ASSERT_TRUE(commit_time);
  EXPECT_EQ(j.Size("/writeResults"), 5u);
  EXPECT_EQ(j.String("/writeResults/0/path"), "b1/a");
  EXPECT_EQ(j.String("/writeResults/0/updateTime"), commit_time);
  EXPECT_TRUE(j.Has("/writeResults/4/deleted"));

  EXPECT_EQ(RawData(Get("b1/a").body), R"({"title":"A"})");
  EXPECT_EQ(RawData(Get("b1/upd").body), R"({"extra":1,"keep":1,"m":{"x":true},"n":6})");
  Json c(Get("b1/c").body);
  EXPECT_EQ(c.String("/data/at/$timestamp"), commit_time);
  EXPECT_EQ(Get("b1/old").status, 404);
}

TEST_F(CommitTest, OneFailingWriteLeavesTheStoreUnchanged) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/b2/taken", R"({"v":1})").status, 200);
  HttpResponse r = Commit(R"({"writes":[
    {"set": {"path": "b2/x", "data": {"v": 1}}},
    {"update": {"path": "b2/taken", "data": {"v": 2}}},
    {"create": {"path": "b2/taken", "data": {"v": 3}}}
  ]})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(IsErrorBody(r, "already-exists"));
  Json j(r.body);
  EXPECT_EQ(j.String("/error/message").value_or("").rfind("write 2:", 0), 0u) << r.body;
  EXPECT_EQ(Get("b2/x").status, 404);
  EXPECT_EQ(RawData(Get("b2/taken").body), R"({"v":1})");
}

TEST_F(CommitTest, PreconditionsApply) {
  HttpResponse put = client_->Admin("PUT", "/v1/documents/b3/a", R"({"v":1})");
  Json doc(put.body);
  std::string time = doc.String("/updateTime").value_or("");
  HttpResponse stale = Commit(
      R"({"writes":[{"set":{"path":"b3/a","data":{"v":2}},
                     "precondition":{"updateTime":"2001-01-01T00:00:00Z"}}]})");
  EXPECT_EQ(stale.status, 400);
  EXPECT_TRUE(IsErrorBody(stale, "failed-precondition"));
  HttpResponse fresh = Commit(R"({"writes":[{"set":{"path":"b3/a","data":{"v":2}},
                                  "precondition":{"updateTime":")" +
                              time + R"("}}]})");
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  HttpResponse missing = Commit(R"({"writes":[{"delete":{"path":"b3/none"},
                                    "precondition":{"exists":true}}]})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(RawData(Get("b3/a").body), R"({"v":2})");
}

TEST_F(CommitTest, RefusesMalformedBatchesNamingTheWrite) {
  struct Case {
    std::string body;
    std::string message_part;
  };
  std::vector<Case> cases = {
      {"not json", "malformed JSON"},
      {"[]", "writes"},
      {R"({"writes": {}})", "writes"},
      {R"({"writes": [], "txn": "x"})", "unknown key 'txn'"},
      {R"({"writes": [{"set": {"path": "b4/a"}}]})", "(an object) is required"},
      {R"({"writes": [{"set": {"path": "b4", "data": {}}}]})", "not a document path"},
      {R"({"writes": [{"set": {"path": "b4//a", "data": {}}}]})", "writes[0].set"},
      {R"({"writes": [{}]})", "one of set, create, update, delete"},
      {R"({"writes": [{"set": {"path": "b4/a", "data": {}}, "delete": {"path": "b4/a"}}]})",
       "exactly one"},
      {R"({"writes": [{"upsert": {"path": "b4/a"}}]})", "unknown key 'upsert'"},
      {R"({"writes": [{"delete": {"path": "b4/a"}}, {"set": {"path": "b4/a", "data": {"x": {"$nope": 1}}}}]})",
       "writes[1].set"},
      {R"({"writes": [{"delete": {"path": "b4/a"}, "precondition": {"exists": "yes"}}]})",
       "precondition.exists"},
      {R"({"writes": [{"set": {"path": "b4/a", "data": {}, "merge": 1}}]})", "merge"},
      {R"({"writes": [{"update": {"path": "b4/a", "data": {"a": {"b": {"$delete": true}}}}}]})",
       "$delete"},
  };
  for (const auto& c : cases) {
    HttpResponse r = Commit(c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_TRUE(IsErrorBody(r, "invalid-argument")) << c.body;
    EXPECT_NE(r.body.find(c.message_part), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(Get("b4/a").status, 404);
}

TEST_F(CommitTest, AcceptsFiveHundredWritesAndRefusesMore) {
  auto batch = [](int n) {
    std::string body = R"({"writes":[)";
    for (int i = 0; i < n; ++i) {
      if (i > 0) body += ",";
      body += R"({"set":{"path":"b5/d)" + std::to_string(i) + R"(","data":{"i":)" +
              std::to_string(i) + "}}}";
    }
    return body + "]}";
  };
  HttpResponse too_many = Commit(batch(501));
  EXPECT_EQ(too_many.status, 400);
  EXPECT_NE(too_many.body.find("500"), std::string::npos);
  EXPECT_EQ(Get("b5/d0").status, 404);
  HttpResponse ok = Commit(batch(500));
  ASSERT_EQ(ok.status, 200) << ok.body.substr(0, 300);
  EXPECT_EQ(RawData(Get("b5/d499").body), R"({"i":499})");
}

TEST_F(CommitTest, AnonymousWritesNeedRulesAndPost) {
  // No credential: the rules decide, and this project has none.
  HttpResponse anonymous = client_->Request(
      "POST", "/v1/commit", R"({"writes":[{"set":{"path":"anon/a","data":{"x":1}}}]})");
  EXPECT_EQ(anonymous.status, 403) << anonymous.body;
  EXPECT_TRUE(IsErrorBody(anonymous, "permission-denied"));
  EXPECT_EQ(Get("anon/a").status, 404);
  HttpResponse bad = client_->Request("POST", "/v1/commit", R"({"writes":[]})",
                                      {{"Authorization", "Bearer not-the-right-token-at-all"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(IsErrorBody(bad, "unauthenticated"));
  HttpResponse get = client_->Admin("GET", "/v1/commit");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.Header("allow"), "POST");
  HttpResponse empty = Commit(R"({"writes":[]})");
  EXPECT_EQ(empty.status, 200) << empty.body;
}

}  // namespace
}  // namespace hearth::testing
