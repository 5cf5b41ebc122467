// Evaluation through the C++ API: document-read limits, errors, limits on work, partial
// resources, thread safety, and the users' rules-test runner.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "rules/rules.h"
#include "rules/rules_tests.h"

namespace hearth::rules {
namespace {

using model::Map;
using model::Value;

std::shared_ptr<const Ruleset> MustCompile(std::string_view body, std::string_view version = "2") {
  const std::string text = "rules_version = '" + std::string(version) +
                           "';\nservice cloud.firestore {\n"
                           "  match /databases/{database}/documents {\n" +
                           std::string(body) + "\n  }\n}\n";
  auto r = Compile(text, "test.rules");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

class FakeReader : public DocumentReader {
 public:
  Result<std::optional<Map>> Get(std::string_view path) override {
    ++calls;
    if (fail) return Unavailable("disk on fire");
    auto it = docs.find(std::string(path));
    if (it == docs.end()) return {std::nullopt};
    return {it->second};
  }
  Result<std::optional<Map>> GetAfter(std::string_view path) override { return Get(path); }

  std::map<std::string, Map> docs;
  int calls = 0;
  bool fail = false;
};

Request Get(std::string path) {
  Request r;
  r.method = Method::kGet;
  r.path = std::move(path);
  return r;
}

constexpr std::string_view kSeedRules = R"(
    match /posts/{postId} {
      allow read: if true;
      allow create: if request.auth != null && request.resource.data.authorId == request.auth.uid;
      allow update, delete: if request.auth != null && resource.data.authorId == request.auth.uid;
    })";

TEST(RulesEvaluator, SeedRulesThroughTheApi) {
  auto rules = MustCompile(kSeedRules);
  ASSERT_NE(rules, nullptr);
  Auth alice{.uid = "alice"};
  Auth bob{.uid = "bob"};
  Map mine{{"authorId", Value::String("alice")}, {"title", Value::String("t")}};

  EXPECT_EQ(Evaluate(*rules, Get("posts/p1")).decision, Decision::kAllow);

  Request create{.method = Method::kCreate, .path = "posts/p2", .request_resource = &mine};
  EXPECT_EQ(Evaluate(*rules, create).decision, Decision::kDeny);
  create.auth = &alice;
  EXPECT_EQ(Evaluate(*rules, create).decision, Decision::kAllow);
  create.auth = &bob;
  EXPECT_EQ(Evaluate(*rules, create).decision, Decision::kDeny);

  Request del{.method = Method::kDelete, .path = "posts/p1", .auth = &alice, .resource = &mine};
  EXPECT_EQ(Evaluate(*rules, del).decision, Decision::kAllow);
  del.auth = &bob;
  EXPECT_EQ(Evaluate(*rules, del).decision, Decision::kDeny);
}

TEST(RulesEvaluator, AtMostMaxReadsDistinctDocuments) {
  std::string cond = "true";
  for (int i = 0; i < 12; ++i) {
    cond += " && exists(/databases/$(database)/documents/d/" + std::to_string(i) + ")";
  }
  // Reading d/0 again is free (cached).
  cond += " && exists(/databases/$(database)/documents/d/0)";
  auto rules = MustCompile("match /x/{y} { allow read: if " + cond + "; }");
  ASSERT_NE(rules, nullptr);
  FakeReader reader;
  for (int i = 0; i < 12; ++i) reader.docs["d/" + std::to_string(i)] = Map();
  Request r = Get("x/1");
  r.reader = &reader;
  const Evaluation ten = Evaluate(*rules, r);
  EXPECT_EQ(ten.decision, Decision::kDeny);
  EXPECT_EQ(ten.reads, 10);
  EXPECT_STREQ(ten.error, "too many document reads (get/exists)");
  r.max_reads = 20;  // a batch
  reader.calls = 0;
  const Evaluation twenty = Evaluate(*rules, r);
  EXPECT_EQ(twenty.decision, Decision::kAllow);
  EXPECT_EQ(twenty.reads, 12);
  EXPECT_EQ(reader.calls, 12);
}

TEST(RulesEvaluator, ReadFailuresAndMissingReaderDeny) {
  auto rules = MustCompile(
      "match /x/{y} { allow read: if exists(/databases/$(database)/documents/a/b) || true; "
      "allow write: if exists(/databases/$(database)/documents/a/b); }");
  ASSERT_NE(rules, nullptr);
  FakeReader reader;
  reader.docs["a/b"] = Map();
  reader.fail = true;
  Request r = Get("x/1");
  r.reader = &reader;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kAllow);  // error || true
  r.method = Method::kDelete;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kDeny);
  reader.fail = false;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kAllow);
  r.reader = nullptr;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kDeny);
}

TEST(RulesEvaluator, GetPathMustBeADocumentOfThisDatabase) {
  auto rules = MustCompile(
      "match /x/{y} { allow read: if exists(/databases/other/documents/a/b); "
      "allow delete: if exists(/databases/$(database)/documents/a); }");
  ASSERT_NE(rules, nullptr);
  FakeReader reader;
  reader.docs["a/b"] = Map();
  Request r = Get("x/1");
  r.reader = &reader;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kDeny);
  r.method = Method::kDelete;
  EXPECT_EQ(Evaluate(*rules, r).decision, Decision::kDeny);
  EXPECT_EQ(reader.calls, 0);
}

TEST(RulesEvaluator, ErrorsAreReportedWithTheirLocation) {
  auto rules = MustCompile("match /x/{y} {\n allow read: if resource.data.a == 1;\n}");
  ASSERT_NE(rules, nullptr);
  const Evaluation e = Evaluate(*rules, Get("x/1"));
  EXPECT_EQ(e.decision, Decision::kDeny);
  ASSERT_NE(e.error, nullptr);
  EXPECT_STREQ(e.error, "null value has no fields");
  EXPECT_EQ(e.error_location.line, 5);
  EXPECT_EQ(e.error_location.column, 26);  // the member `data` of a null resource
}

TEST(RulesEvaluator, ExponentialWorkIsCut) {
  std::string body;
  for (int i = 0; i < 18; ++i) {
    body += "function f" + std::to_string(i) + "(x) { return f" + std::to_string(i + 1) +
            "(x) && f" + std::to_string(i + 1) + "(x); }\n";
  }
  body += "function f18(x) { return x; }\nmatch /x/{y} { allow read: if f0(true); }";
  auto rules = MustCompile(body);
  ASSERT_NE(rules, nullptr);
  const Evaluation e = Evaluate(*rules, Get("x/1"));
  EXPECT_EQ(e.decision, Decision::kDeny);
  EXPECT_STREQ(e.error, "too many expressions evaluated");
}

TEST(RulesEvaluator, CallDepthIsLimited) {
  std::string body;
  for (int i = 0; i < 25; ++i) {
    body += "function g" + std::to_string(i) + "() { return g" + std::to_string(i + 1) + "(); }\n";
  }
  body += "function g25() { return true; }\n";
  body += "match /x/{y} { allow read: if g0(); allow write: if g10(); }";
  auto rules = MustCompile(body);
  ASSERT_NE(rules, nullptr);
  const Evaluation e = Evaluate(*rules, Get("x/1"));
  EXPECT_EQ(e.decision, Decision::kDeny);
  EXPECT_STREQ(e.error, "function calls nested too deeply");
  Request w = Get("x/1");
  w.method = Method::kDelete;
  EXPECT_EQ(Evaluate(*rules, w).decision, Decision::kAllow);  // 16 levels
}

TEST(RulesEvaluator, MalformedOrHugePathsDeny) {
  auto rules = MustCompile("match /{document=**} { allow read: if true; }");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Evaluate(*rules, Get("posts/p1")).decision, Decision::kAllow);
  EXPECT_EQ(Evaluate(*rules, Get("posts//p1")).decision, Decision::kDeny);
  EXPECT_EQ(Evaluate(*rules, Get("posts/")).decision, Decision::kDeny);
  EXPECT_EQ(Evaluate(*rules, Get("")).decision, Decision::kDeny);
  std::string deep = "a";
  for (int i = 0; i < 300; ++i) deep += "/a";
  EXPECT_EQ(Evaluate(*rules, Get(deep)).decision, Decision::kDeny);
  std::string long_id(5000, 'x');
  EXPECT_EQ(Evaluate(*rules, Get("posts/" + long_id)).decision, Decision::kAllow);
}

TEST(RulesEvaluator, RecursiveWildcardVersions) {
  auto v1 = MustCompile("match /cities/{c}/{rest=**} { allow read: if true; }", "1");
  auto v2 = MustCompile("match /cities/{c}/{rest=**} { allow read: if true; }", "2");
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(Evaluate(*v1, Get("cities/sf")).decision, Decision::kDeny);
  EXPECT_EQ(Evaluate(*v2, Get("cities/sf")).decision, Decision::kAllow);
  EXPECT_EQ(Evaluate(*v1, Get("cities/sf/a/b")).decision, Decision::kAllow);
  EXPECT_EQ(Evaluate(*v2, Get("cities/sf/a/b")).decision, Decision::kAllow);
}

TEST(RulesEvaluator, PartialResourceDecidesQueries) {
  auto rules = MustCompile(
      "match /posts/{postId} { allow list: if resource.data.authorId == request.auth.uid; }");
  ASSERT_NE(rules, nullptr);
  Auth u1{.uid = "u1"};
  Map fixed{{"authorId", Value::String("u1")}};
  Map other{{"authorId", Value::String("u2")}};
  Map none;
  Request q{.method = Method::kList, .path = "posts/_", .auth = &u1, .resource_partial = true};
  q.resource = &fixed;
  EXPECT_EQ(Evaluate(*rules, q).decision, Decision::kAllow);
  q.resource = &other;
  EXPECT_EQ(Evaluate(*rules, q).decision, Decision::kDeny);
  q.resource = &none;
  EXPECT_EQ(Evaluate(*rules, q).decision, Decision::kUnknown);
  q.resource = nullptr;
  EXPECT_EQ(Evaluate(*rules, q).decision, Decision::kUnknown);
  // The same request without resource_partial: a missing field is an error, so deny.
  q.resource = &none;
  q.resource_partial = false;
  EXPECT_EQ(Evaluate(*rules, q).decision, Decision::kDeny);
}

TEST(RulesEvaluator, SharedBetweenThreads) {
  auto rules = MustCompile(kSeedRules);
  ASSERT_NE(rules, nullptr);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Auth a{.uid = "u" + std::to_string(t)};
      Map doc{{"authorId", Value::String("u" + std::to_string(t % 2))}};
      for (int i = 0; i < 500; ++i) {
        Request r{.method = Method::kUpdate,
                  .path = "posts/p",
                  .auth = &a,
                  .resource = &doc,
                  .request_resource = &doc};
        if (Evaluate(*rules, r).decision == Decision::kAllow) ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);  // threads 0 and 1 own their documents
}

class FixedClock : public Clock {
 public:
  int64_t NowMicros() const override { return 1'700'000'000'000'000; }
};

TEST(RulesTestRunner, PrintsATableAndCounts) {
  auto rules = MustCompile(kSeedRules);
  ASSERT_NE(rules, nullptr);
  auto report = RunRulesTests(*rules, R"({"tests": [
    {"name": "anyone reads", "auth": null, "method": "get", "path": "posts/p1", "expect": "allow"},
    {"name": "wrong expectation", "auth": {"uid": "u1"}, "method": "update", "path": "posts/p2",
     "data": {"authorId": "u1"}, "expect": "allow"},
    {"name": "author updates", "auth": {"uid": "u1", "token": {"email": "a@b.c"}},
     "method": "update", "path": "posts/p1", "existing": {"authorId": "u1"},
     "data": {"title": "t"}, "expect": "allow"}
  ]})",
                              FixedClock());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->passed, 2);
  EXPECT_EQ(report->failed, 1);
  EXPECT_FALSE(report->all_passed());
  EXPECT_NE(report->table.find("PASS   allow    allow    get"), std::string::npos) << report->table;
  EXPECT_NE(report->table.find("FAIL   allow    deny     update"), std::string::npos)
      << report->table;
  EXPECT_NE(report->table.find("error at 8:"), std::string::npos) << report->table;
  EXPECT_NE(report->table.find("2 passed, 1 failed"), std::string::npos) << report->table;
}

TEST(RulesTestRunner, RejectsMalformedCases) {
  auto rules = MustCompile(kSeedRules);
  ASSERT_NE(rules, nullptr);
  auto bad_method =
      RunRulesTests(*rules, R"({"tests": [{"method": "get", "path": "a/b", "expect": "allow"},
                            {"method": "fetch", "path": "a/b", "expect": "allow"}]})");
  ASSERT_FALSE(bad_method.ok());
  EXPECT_EQ(bad_method.status().message(),
            "test 2: 'method' must be get, list, create, update or delete");
  auto bad_key = RunRulesTests(
      *rules, R"({"tests": [{"method": "get", "path": "a/b", "expect": "allow", "x": 1}]})");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("test 1"), std::string::npos);
  EXPECT_FALSE(RunRulesTests(*rules, "not json").ok());
  EXPECT_FALSE(RunRulesTests(*rules, R"({"tests": [{"method": "get", "path": "/a/b",
                                         "expect": "allow"}]})")
                   .ok());
  EXPECT_FALSE(RunRulesTests(*rules, R"({"tests": [{"method": "get", "path": "a/b",
                                         "expect": "maybe"}]})")
                   .ok());
}

}  // namespace
}  // namespace hearth::rules
