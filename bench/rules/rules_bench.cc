// Cost of one rules evaluation on a compiled ruleset (no parsing): the seed's rules and an
// ownership rule, allowed and denied. Goal (issue #5): <= 2 us per evaluation.
//   build/release/bench/rules/bench_rules
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "rules/rules.h"

namespace {

using hearth::model::Map;
using hearth::model::Value;
using hearth::rules::Auth;
using hearth::rules::Decision;
using hearth::rules::Method;
using hearth::rules::Request;

constexpr std::string_view kRules = R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    function signedIn() { return request.auth != null; }
    match /posts/{postId} {
      function isAuthor() { return signedIn() && resource.data.authorId == request.auth.uid; }
      allow read: if true;
      allow create: if signedIn() && request.resource.data.authorId == request.auth.uid;
      allow update: if isAuthor() && request.resource.data.authorId == resource.data.authorId;
      allow delete: if isAuthor();
    }
    match /users/{userId}/{document=**} {
      allow read, write: if request.auth != null && request.auth.uid == userId;
    }
    match /notes/{noteId} {
      allow update: if resource.data.ownerId == request.auth.uid
                    && request.resource.data.diff(resource.data).affectedKeys().hasOnly(['text']);
    }
  }
}
)";

std::shared_ptr<const hearth::rules::Ruleset> Rules() {
  static auto rules = [] {
    auto r = hearth::rules::Compile(kRules, "bench.rules");
    if (!r.ok()) std::abort();
    return *r;
  }();
  return rules;
}

const Auth kAlice{.uid = "alice",
                  .token = Map{{"email", Value::String("alice@example.com")},
                               {"email_verified", Value::Boolean(true)}}};
const Map kPost{{"authorId", Value::String("alice")},
                {"title", Value::String("Hello")},
                {"body", Value::String("A post body of some length.")},
                {"likes", Value::Integer(3)}};
const Map kEdited{{"authorId", Value::String("alice")},
                  {"title", Value::String("Hello again")},
                  {"body", Value::String("A post body of some length.")},
                  {"likes", Value::Integer(3)}};
const Map kNote{{"ownerId", Value::String("alice")}, {"text", Value::String("a")}};
const Map kNoteEdited{{"ownerId", Value::String("alice")}, {"text", Value::String("b")}};

void Run(benchmark::State& state, const Request& request, Decision expected) {
  auto rules = Rules();
  if (hearth::rules::Evaluate(*rules, request).decision != expected) {
    state.SkipWithError("unexpected decision");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(hearth::rules::Evaluate(*rules, request));
  }
}

void BM_SeedGetPost(benchmark::State& state) {
  Run(state, Request{.method = Method::kGet, .path = "posts/p1", .resource = &kPost},
      Decision::kAllow);
}
void BM_SeedCreatePost(benchmark::State& state) {
  Run(state,
      Request{.method = Method::kCreate,
              .path = "posts/p2",
              .auth = &kAlice,
              .request_resource = &kPost},
      Decision::kAllow);
}
void BM_SeedUpdateByAuthor(benchmark::State& state) {
  Run(state,
      Request{.method = Method::kUpdate,
              .path = "posts/p1",
              .auth = &kAlice,
              .resource = &kPost,
              .request_resource = &kEdited},
      Decision::kAllow);
}
void BM_SeedDeleteSignedOut(benchmark::State& state) {
  Run(state, Request{.method = Method::kDelete, .path = "posts/p1", .resource = &kPost},
      Decision::kDeny);
}
void BM_OwnerReadsOwnDocument(benchmark::State& state) {
  Run(state, Request{.method = Method::kGet, .path = "users/alice/notes/n1", .auth = &kAlice},
      Decision::kAllow);
}
void BM_OtherUserDenied(benchmark::State& state) {
  Run(state, Request{.method = Method::kGet, .path = "users/bob/notes/n1", .auth = &kAlice},
      Decision::kDeny);
}
void BM_DiffAffectedKeys(benchmark::State& state) {
  Run(state,
      Request{.method = Method::kUpdate,
              .path = "notes/n1",
              .auth = &kAlice,
              .resource = &kNote,
              .request_resource = &kNoteEdited},
      Decision::kAllow);
}
void BM_CompileRules(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hearth::rules::Compile(kRules, "bench.rules"));
}

BENCHMARK(BM_SeedGetPost);
BENCHMARK(BM_SeedCreatePost);
BENCHMARK(BM_SeedUpdateByAuthor);
BENCHMARK(BM_SeedDeleteSignedOut);
BENCHMARK(BM_OwnerReadsOwnDocument);
BENCHMARK(BM_OtherUserDenied);
BENCHMARK(BM_DiffAffectedKeys);
BENCHMARK(BM_CompileRules);

}  // namespace

BENCHMARK_MAIN();
