// Users' rules tests: `hearth rules test TESTS.json` runs request cases against a ruleset
// and prints a pass/fail table, like Firebase's rules unit-testing library.
//
// TESTS.json:
//   {"tests": [{
//     "name": "authors update their posts",           optional
//     "auth": null | {"uid": "u1", "token": {...}},    optional, null = signed out
//     "method": "get" | "list" | "create" | "update" | "delete",
//     "path": "posts/p1",                              relative to the database
//     "data": {...},          create/update: the write's fields (update: merged over
//                             "existing" at the top level) = request.resource.data
//     "existing": {...},      resource.data (the document before the request)
//     "documents": {"users/u1": {...}},   what get()/exists() see (getAfter() sees the
//                             write applied on top)
//     "time": "2026-01-02T03:04:05Z",     request.time (default: now)
//     "query": {"limit": 10, "offset": 0},  list: request.query
//     "partial": true,        decide from `existing` as a query's fixed fields (rules.h)
//     "expect": "allow" | "deny" | "unknown"
//   }]}
// Values use Hearth's JSON codec (model/json.h): {"$timestamp": ...} and so on.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "model/json_view.h"
#include "rules/rules.h"

namespace hearth::rules {

struct RulesTestCase {
  std::string name;
  std::optional<Auth> auth;
  Method method = Method::kGet;
  std::string path;
  std::optional<model::Map> data;
  std::optional<model::Map> existing;
  std::map<std::string, model::Map, std::less<>> documents;
  std::optional<int64_t> time_micros;
  std::optional<int64_t> query_limit;
  std::optional<int64_t> query_offset;
  bool partial = false;
  Decision expect = Decision::kDeny;
};

// One case (a JSON object of the shape above). `where` names it in errors ("test 3").
Result<RulesTestCase> ParseRulesTestCase(const model::JsonView& json, std::string_view where);
// A whole TESTS.json.
Result<std::vector<RulesTestCase>> ParseRulesTests(std::string_view json);

// Evaluates one case; request.time is `now_micros` unless the case sets it.
Evaluation RunRulesTestCase(const Ruleset& ruleset, const RulesTestCase& test, int64_t now_micros);

struct RulesTestReport {
  std::string table;  // one line per case, then "N passed, M failed"
  int passed = 0;
  int failed = 0;
  bool all_passed() const { return failed == 0; }
};

RulesTestReport RunRulesTests(const Ruleset& ruleset, const std::vector<RulesTestCase>& tests,
                              const Clock& clock = SystemClock());
// Parses and runs TESTS.json text.
Result<RulesTestReport> RunRulesTests(const Ruleset& ruleset, std::string_view tests_json,
                                      const Clock& clock = SystemClock());

}  // namespace hearth::rules
