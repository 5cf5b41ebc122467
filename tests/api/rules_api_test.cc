// Security rules over real HTTP: anonymous callers, signed-in users (ID tokens from
// /v1/auth/signUp) and the admin credential against a project's firestore.rules.
#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "api/rules_api_util.h"

namespace hearth::testing {
namespace {

// Rules that exercise each check of the document API (see the comment on each block).
constexpr char kRules[] = R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    function signedIn() { return request.auth != null; }
    function owns(data) { return signedIn() && data.owner == request.auth.uid; }

    // Notes: private to their owner; an update must leave a short title (merged data).
    match /notes/{noteId} {
      allow read: if owns(resource.data);
      allow create: if owns(request.resource.data);
      allow update: if owns(resource.data) && owns(request.resource.data)
                    && request.resource.data.title.size() <= 10;
      allow delete: if owns(resource.data);
    }

    // Per-document decisions: only public documents are readable.
    match /pubs/{id} {
      allow read: if resource.data.public == true;
    }

    // A room is created only with its log in the same batch, and the log names who
    // created the room (existsAfter / getAfter).
    match /rooms/{roomId} {
      allow read: if true;
      allow create: if signedIn()
          && existsAfter(/databases/$(database)/documents/logs/$(roomId));
    }
    match /logs/{roomId} {
      allow read: if true;
      allow create: if signedIn()
          && getAfter(/databases/$(database)/documents/rooms/$(roomId)).data.by == request.auth.uid;
    }

    // Club documents are for members: get()/exists() of another document.
    match /club/{doc} {
      allow read: if signedIn()
          && get(/databases/$(database)/documents/members/$(request.auth.uid)).data.active == true;
    }

    // A condition that fails at evaluation (a missing field): it never allows anything.
    match /broken/{id} {
      allow read, write: if resource.data.secretField.deeper == 'x'
                         || request.resource.data.otherSecret > 1;
    }
  }
}
)";

class RulesApiTest : public SharedServerTest<RulesApiTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    WriteFile(dir + "/firestore.rules", kRules);
  }

 protected:
  static void SetUpTestSuite() {
    SharedServerTest<RulesApiTest>::SetUpTestSuite();
    if (server_ == nullptr) return;
    HttpClient c(server_->port());
    alice_ = new TestUser(SignUp(c, "alice@rules.test"));
    bob_ = new TestUser(SignUp(c, "bob@rules.test"));
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
    alice_ = bob_ = nullptr;
    SharedServerTest<RulesApiTest>::TearDownTestSuite();
  }
  void SetUp() override {
    SharedServerTest<RulesApiTest>::SetUp();
    ASSERT_NE(alice_, nullptr);
    ASSERT_FALSE(alice_->uid.empty());
    ASSERT_FALSE(bob_->uid.empty());
  }

  HttpResponse As(const TestUser* user, std::string_view method, std::string_view target,
                  std::string_view body = "") {
    return client_->Request(method, target, body, user ? BearerOf(*user) : Headers{});
  }
  std::string AdminGet(const std::string& path) {
    HttpResponse r = client_->Admin("GET", "/v1/documents/" + path);
    return r.status == 200 ? RawData(r.body) : "status " + std::to_string(r.status);
  }
  void AdminPut(const std::string& path, const std::string& json) {
    ASSERT_EQ(client_->Admin("PUT", "/v1/documents/" + path, json).status, 200) << path;
  }
  std::string Note(const TestUser& owner, std::string_view title) {
    return R"({"owner":")" + owner.uid + R"(","title":")" + std::string(title) + "\"}";
  }

  static inline TestUser* alice_ = nullptr;
  static inline TestUser* bob_ = nullptr;
};

TEST_F(RulesApiTest, OwnerOnlyDocumentsForEveryMethod) {
  // create (PUT on a missing document, POST with an auto-ID)
  EXPECT_TRUE(IsDenied(As(nullptr, "PUT", "/v1/documents/notes/m1", Note(*alice_, "a"))));
  EXPECT_TRUE(IsDenied(As(bob_, "PUT", "/v1/documents/notes/m1", Note(*alice_, "a"))));
  EXPECT_EQ(AdminGet("notes/m1"), "status 404");
  EXPECT_EQ(As(alice_, "PUT", "/v1/documents/notes/m1", Note(*alice_, "a")).status, 200);
  HttpResponse posted = As(alice_, "POST", "/v1/documents/notes", Note(*alice_, "p"));
  EXPECT_EQ(posted.status, 201) << posted.body;
  EXPECT_TRUE(IsDenied(As(alice_, "POST", "/v1/documents/notes", Note(*bob_, "p"))));

  // get: the owner only; and a missing document is 404 only for those who may read it.
  EXPECT_EQ(As(alice_, "GET", "/v1/documents/notes/m1").status, 200);
  EXPECT_TRUE(IsDenied(As(bob_, "GET", "/v1/documents/notes/m1")));
  EXPECT_TRUE(IsDenied(As(nullptr, "GET", "/v1/documents/notes/m1")));
  EXPECT_TRUE(IsDenied(As(alice_, "GET", "/v1/documents/notes/missing")))
      << "resource is null: owns(null) is not true";

  // update (PUT on an existing document, PATCH)
  EXPECT_TRUE(IsDenied(As(bob_, "PATCH", "/v1/documents/notes/m1", R"({"title":"b"})")));
  EXPECT_TRUE(IsDenied(As(bob_, "PUT", "/v1/documents/notes/m1", Note(*bob_, "b"))))
      << "taking over a note is an update of someone else's document";
  EXPECT_EQ(AdminGet("notes/m1"), R"({"owner":")" + alice_->uid + R"(","title":"a"})");
  EXPECT_EQ(As(alice_, "PUT", "/v1/documents/notes/m1", Note(*alice_, "a2")).status, 200);
  EXPECT_TRUE(
      IsDenied(As(alice_, "PATCH", "/v1/documents/notes/m1", R"({"owner":")" + bob_->uid + "\"}")))
      << "handing the note to bob fails owns(request.resource.data)";

  // delete
  EXPECT_TRUE(IsDenied(As(bob_, "DELETE", "/v1/documents/notes/m1")));
  EXPECT_TRUE(IsDenied(As(nullptr, "DELETE", "/v1/documents/notes/m1")));
  EXPECT_NE(AdminGet("notes/m1"), "status 404");
  EXPECT_EQ(As(alice_, "DELETE", "/v1/documents/notes/m1").status, 200);
  EXPECT_EQ(AdminGet("notes/m1"), "status 404");

  // The admin credential bypasses the rules.
  EXPECT_EQ(client_->Admin("PUT", "/v1/documents/notes/adm", R"({"owner":"nobody"})").status, 200);
  EXPECT_EQ(client_->Admin("GET", "/v1/documents/notes/adm").status, 200);
}

TEST_F(RulesApiTest, UpdateSeesTheMergedDocument) {
  AdminPut("notes/merge", R"({"owner":")" + alice_->uid + R"(","title":"short","body":"x"})");
  // The patch names neither owner nor title: the rule reads both from the merged result.
  HttpResponse ok = As(alice_, "PATCH", "/v1/documents/notes/merge", R"({"body":"y"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  HttpResponse merge_set =
      As(alice_, "PUT", "/v1/documents/notes/merge?merge=true", R"({"body":"z"})");
  EXPECT_EQ(merge_set.status, 200) << merge_set.body;
  // Now the stored title is too long: the same patch is refused, because the merged
  // document (not the patch alone) fails the rule.
  AdminPut("notes/merge",
           R"({"owner":")" + alice_->uid + R"(","title":"a much longer title","body":"z"})");
  EXPECT_TRUE(IsDenied(As(alice_, "PATCH", "/v1/documents/notes/merge", R"({"body":"w"})")));
  EXPECT_TRUE(
      IsDenied(As(alice_, "PUT", "/v1/documents/notes/merge?merge=true", R"({"body":"w"})")));
  EXPECT_NE(AdminGet("notes/merge").find(R"("body":"z")"), std::string::npos);
  // Fixing the title in the same patch is allowed.
  EXPECT_EQ(As(alice_, "PATCH", "/v1/documents/notes/merge", R"({"title":"ok","body":"w"})").status,
            200);
  EXPECT_NE(AdminGet("notes/merge").find(R"("body":"w")"), std::string::npos);
}

TEST_F(RulesApiTest, ABatchIsAllOrNothing) {
  const std::string mine =
      R"({"create":{"path":"notes/batch1","data":)" + Note(*alice_, "a") + "}}";
  const std::string theirs =
      R"({"create":{"path":"notes/batch2","data":)" + Note(*bob_, "b") + "}}";
  HttpResponse denied =
      As(alice_, "POST", "/v1/commit", R"({"writes":[)" + mine + "," + theirs + "]}");
  EXPECT_TRUE(IsDenied(denied));
  EXPECT_EQ(AdminGet("notes/batch1"), "status 404") << "the allowed write was not applied";
  EXPECT_EQ(AdminGet("notes/batch2"), "status 404");
  HttpResponse anonymous = As(nullptr, "POST", "/v1/commit", R"({"writes":[)" + mine + "]}");
  EXPECT_TRUE(IsDenied(anonymous));
  HttpResponse ok = As(alice_, "POST", "/v1/commit", R"({"writes":[)" + mine + "]}");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(AdminGet("notes/batch1"), "status 404");
}

TEST_F(RulesApiTest, GetAfterSeesTheWholeBatch) {
  auto room = [&](const std::string& id, const TestUser& by) {
    return R"({"set":{"path":"rooms/)" + id + R"(","data":{"by":")" + by.uid + "\"}}}";
  };
  auto log = [](const std::string& id) {
    return R"({"set":{"path":"logs/)" + id + R"(","data":{"n":1}}})";
  };
  // Each alone fails: the room needs its log after the batch, the log needs the room.
  EXPECT_TRUE(
      IsDenied(As(alice_, "POST", "/v1/commit", R"({"writes":[)" + room("r1", *alice_) + "]}")));
  EXPECT_TRUE(IsDenied(As(alice_, "POST", "/v1/commit", R"({"writes":[)" + log("r1") + "]}")));
  // Together (in either order) they pass; the log checks the room's creator.
  HttpResponse both = As(alice_, "POST", "/v1/commit",
                         R"({"writes":[)" + log("r1") + "," + room("r1", *alice_) + "]}");
  EXPECT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(AdminGet("rooms/r1"), R"({"by":")" + alice_->uid + "\"}");
  EXPECT_TRUE(IsDenied(As(alice_, "POST", "/v1/commit",
                          R"({"writes":[)" + room("r2", *bob_) + "," + log("r2") + "]}")))
      << "the room names bob, so alice may not write its log";
  EXPECT_EQ(AdminGet("rooms/r2"), "status 404");
}

TEST_F(RulesApiTest, QueryDecidedFromItsFilters) {
  AdminPut("notes/q-a1", Note(*alice_, "a1"));
  AdminPut("notes/q-a2", Note(*alice_, "a2"));
  AdminPut("notes/q-b1", Note(*bob_, "b1"));
  auto query = [&](const TestUser* user, const std::string& owner) {
    std::string body = R"({"from":"notes")";
    if (!owner.empty()) {
      body += R"(,"where":["owner","==",")" + owner + "\"]";
    }
    return As(user, "POST", "/v1/query", body + "}");
  };
  HttpResponse mine = query(alice_, alice_->uid);
  ASSERT_EQ(mine.status, 200) << mine.body;
  Json j(mine.body);
  EXPECT_GE(j.Size("/documents"), 2u);
  EXPECT_EQ(mine.body.find(bob_->uid), std::string::npos);

  // A user with no notes: the filter alone proves every result would be theirs, so the
  // (empty) answer is allowed.
  TestUser carol = SignUp(*client_, "carol@rules.test");
  HttpResponse empty = query(&carol, carol.uid);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(Json(empty.body).Size("/documents"), 0u);
  // Asking for someone else's notes is refused from the query alone, even when none exist
  // ("rules are not filters").
  EXPECT_TRUE(IsDenied(query(&carol, "nobody-has-this-uid")));
  EXPECT_TRUE(IsDenied(query(alice_, bob_->uid)));
  // Without the filter, some returned notes are not alice's: the whole query is refused.
  EXPECT_TRUE(IsDenied(query(alice_, "")));
  EXPECT_TRUE(IsDenied(query(nullptr, alice_->uid)));
}

TEST_F(RulesApiTest, QueryDeniedWhenAReturnedDocumentIsDenied) {
  AdminPut("pubs/open", R"({"public":true,"n":1})");
  AdminPut("pubs/closed", R"({"public":false,"n":2})");
  EXPECT_EQ(As(nullptr, "GET", "/v1/documents/pubs/open").status, 200);
  EXPECT_TRUE(IsDenied(As(nullptr, "GET", "/v1/documents/pubs/closed")));

  HttpResponse all = As(nullptr, "POST", "/v1/query", R"({"from":"pubs"})");
  EXPECT_TRUE(IsDenied(all));
  EXPECT_EQ(all.body.find("open"), std::string::npos) << "no document is returned";
  // Only the open one: decided document by document, allowed.
  HttpResponse first =
      As(nullptr, "POST", "/v1/query", R"({"from":"pubs","orderBy":["n"],"limit":1})");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Json(first.body).String("/documents/0/id"), "open");
  // A filter on public == true decides it from the query alone.
  HttpResponse filtered = As(nullptr, "POST", "/v1/query",
                             R"({"from":"pubs","where":["public","==",true],)"
                             R"("select":["n"]})");
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_EQ(Json(filtered.body).Size("/documents"), 1u);
  EXPECT_EQ(RawData(filtered.body), R"({"n":1})") << "the projection still applies";

  // Aggregations need the same list permission.
  EXPECT_TRUE(IsDenied(
      As(nullptr, "POST", "/v1/query", R"({"from":"pubs","aggregate":{"c":{"count":true}}})")));
  HttpResponse count = As(nullptr, "POST", "/v1/query",
                          R"({"from":"pubs","where":["public","==",true],)"
                          R"("aggregate":{"c":{"count":true},"s":{"sum":"n"}}})");
  ASSERT_EQ(count.status, 200) << count.body;
  EXPECT_EQ(Json(count.body).Int("/aggregates/c"), 1);
  EXPECT_EQ(Json(count.body).Int("/aggregates/s"), 1);

  // Listing the collection checks each listed document too.
  HttpResponse list = As(nullptr, "GET", "/v1/documents/pubs");
  EXPECT_TRUE(IsDenied(list));
  EXPECT_EQ(list.body.find("open"), std::string::npos);
  HttpResponse page = As(nullptr, "GET", "/v1/documents/pubs?pageSize=1");
  // Pages go by ID: "closed" sorts first.
  EXPECT_TRUE(IsDenied(page));
  EXPECT_EQ(client_->Admin("GET", "/v1/documents/pubs").status, 200);
}

TEST_F(RulesApiTest, RulesReadOtherDocuments) {
  AdminPut("club/news", R"({"text":"members only"})");
  EXPECT_TRUE(IsDenied(As(alice_, "GET", "/v1/documents/club/news")));
  AdminPut("members/" + alice_->uid, R"({"active":true})");
  AdminPut("members/" + bob_->uid, R"({"active":false})");
  // Twice: the second read of club/news is answered from the document cache, on the
  // I/O thread, and the rules' get() still reads members/... (on the read pool).
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = As(alice_, "GET", "/v1/documents/club/news");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(IsDenied(As(bob_, "GET", "/v1/documents/club/news")));
  }
  EXPECT_TRUE(IsDenied(As(nullptr, "GET", "/v1/documents/club/news")));
  AdminPut("members/" + alice_->uid, R"({"active":false})");
  EXPECT_TRUE(IsDenied(As(alice_, "GET", "/v1/documents/club/news")))
      << "a rule's get() sees the current document";
}

TEST_F(RulesApiTest, TransactionReadsAreGets) {
  AdminPut("notes/t-a", Note(*alice_, "ta"));
  AdminPut("notes/t-b", Note(*bob_, "tb"));
  HttpResponse begin = As(alice_, "POST", "/v1/transactions", "{}");
  ASSERT_EQ(begin.status, 200) << begin.body;
  std::string txn = Json(begin.body).String("/transaction").value_or("");
  ASSERT_FALSE(txn.empty());
  EXPECT_EQ(As(alice_, "GET", "/v1/documents/notes/t-a?transaction=" + txn).status, 200);
  EXPECT_TRUE(IsDenied(As(alice_, "GET", "/v1/documents/notes/t-b?transaction=" + txn)));
  // The commit's writes are checked too: one denied write fails the transaction's commit.
  HttpResponse commit =
      As(alice_, "POST", "/v1/commit",
         R"({"transaction":")" + txn +
             R"(","writes":[{"update":{"path":"notes/t-a","data":{"title":"x"}}},)"
             R"({"update":{"path":"notes/t-b","data":{"title":"y"}}}]})");
  EXPECT_TRUE(IsDenied(commit));
  EXPECT_NE(AdminGet("notes/t-a").find(R"("title":"ta")"), std::string::npos);
  EXPECT_NE(AdminGet("notes/t-b").find(R"("title":"tb")"), std::string::npos);
}

TEST_F(RulesApiTest, AnEvaluationErrorDeniesWithoutLeaking) {
  AdminPut("broken/a", R"({"x":1})");
  const std::vector<HttpResponse> answers = {
      As(nullptr, "GET", "/v1/documents/broken/a"),
      As(alice_, "GET", "/v1/documents/broken/a"),
      As(alice_, "PUT", "/v1/documents/broken/a", R"({"otherSecret":"text"})"),
      As(alice_, "DELETE", "/v1/documents/broken/a"),
      As(alice_, "POST", "/v1/query", R"({"from":"broken"})"),
  };
  for (const HttpResponse& r : answers) {
    EXPECT_TRUE(IsDenied(r));
    // Exactly the generic answer: no rule text, field names, evaluator messages or
    // positions.
    EXPECT_EQ(r.body, kDeniedBody);
    for (const char* secret : {"secretField", "otherSecret", "deeper", "resource", "null",
                               "firestore.rules", "line", "column"}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos) << secret;
    }
  }
  EXPECT_EQ(AdminGet("broken/a"), R"({"x":1})");
}

}  // namespace
}  // namespace hearth::testing
