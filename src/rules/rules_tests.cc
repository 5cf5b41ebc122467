#include "rules/rules_tests.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/timestamp.h"

namespace hearth::rules {
namespace {

Result<model::Map> ObjectField(const model::JsonView& json, std::string_view key,
                               std::string_view where) {
  auto v = json.Get(key);
  if (!v->is_object())
    return InvalidArgument(fmt::format("{}: '{}' must be an object", where, key));
  ASSIGN_OR_RETURN(model::Value value, v->ToValue());
  if (!value.is_map()) return InvalidArgument(fmt::format("{}: '{}' must be a map", where, key));
  return std::move(value.map_value());
}

Result<std::string> StringField(const model::JsonView& json, std::string_view key,
                                std::string_view where) {
  auto v = json.Get(key);
  if (!v || !v->is_string()) {
    return InvalidArgument(fmt::format("{}: '{}' must be a string", where, key));
  }
  return std::string(v->AsString());
}

// The documents get()/exists() see: before, or after the case's own write.
class TestReader : public DocumentReader {
 public:
  TestReader(const RulesTestCase& test, const model::Map* after) : test_(test), after_(after) {}

  Result<std::optional<model::Map>> Get(std::string_view path) override {
    if (auto it = test_.documents.find(path); it != test_.documents.end()) return {it->second};
    if (path == test_.path && test_.existing) return {*test_.existing};
    return {std::nullopt};
  }
  Result<std::optional<model::Map>> GetAfter(std::string_view path) override {
    if (path == test_.path) {
      if (test_.method == Method::kDelete) return {std::nullopt};
      if (after_ != nullptr) return {*after_};
    }
    return Get(path);
  }

 private:
  const RulesTestCase& test_;
  const model::Map* after_;
};

}  // namespace

Result<RulesTestCase> ParseRulesTestCase(const model::JsonView& json, std::string_view where) {
  if (!json.is_object()) return InvalidArgument(fmt::format("{}: must be an object", where));
  RETURN_IF_ERROR(json.CheckKeys(where, {"name", "auth", "method", "path", "data", "existing",
                                         "documents", "time", "query", "partial", "expect"}));
  RulesTestCase test;
  if (json.Get("name")) {
    ASSIGN_OR_RETURN(test.name, StringField(json, "name", where));
  }
  if (auto auth = json.Get("auth"); auth && auth->kind() != model::JsonView::Kind::kNull) {
    if (!auth->is_object()) {
      return InvalidArgument(fmt::format("{}: 'auth' must be null or an object", where));
    }
    RETURN_IF_ERROR(auth->CheckKeys(fmt::format("{}: auth", where), {"uid", "token"}));
    Auth a;
    ASSIGN_OR_RETURN(a.uid, StringField(*auth, "uid", fmt::format("{}: auth", where)));
    if (auth->Get("token")) {
      ASSIGN_OR_RETURN(a.token, ObjectField(*auth, "token", where));
    }
    test.auth = std::move(a);
  }
  ASSIGN_OR_RETURN(std::string method, StringField(json, "method", where));
  auto m = ParseMethod(method);
  if (!m) {
    return InvalidArgument(
        fmt::format("{}: 'method' must be get, list, create, update or delete", where));
  }
  test.method = *m;
  ASSIGN_OR_RETURN(test.path, StringField(json, "path", where));
  if (test.path.empty() || test.path.front() == '/' || test.path.back() == '/' ||
      test.path.find("//") != std::string::npos) {
    return InvalidArgument(fmt::format("{}: 'path' must be like \"posts/p1\"", where));
  }
  if (json.Get("data")) {
    ASSIGN_OR_RETURN(test.data, ObjectField(json, "data", where));
  }
  if (json.Get("existing")) {
    ASSIGN_OR_RETURN(test.existing, ObjectField(json, "existing", where));
  }
  if (auto docs = json.Get("documents")) {
    if (!docs->is_object()) {
      return InvalidArgument(fmt::format("{}: 'documents' must be an object", where));
    }
    for (const auto& [path, doc] : docs->Members()) {
      if (!doc.is_object()) {
        return InvalidArgument(fmt::format("{}: document '{}' must be an object", where, path));
      }
      ASSIGN_OR_RETURN(model::Value value, doc.ToValue());
      if (!value.is_map()) {
        return InvalidArgument(fmt::format("{}: document '{}' must be a map", where, path));
      }
      test.documents.insert_or_assign(std::string(path), std::move(value.map_value()));
    }
  }
  if (json.Get("time")) {
    ASSIGN_OR_RETURN(std::string time, StringField(json, "time", where));
    auto ts = model::Timestamp::Parse(time);
    if (!ts.ok()) return InvalidArgument(fmt::format("{}: {}", where, ts.status().message()));
    test.time_micros = ts->ToMicros();
  }
  if (auto query = json.Get("query")) {
    RETURN_IF_ERROR(query->CheckKeys(fmt::format("{}: query", where), {"limit", "offset"}));
    for (const char* key : {"limit", "offset"}) {
      auto v = query->Get(key);
      if (!v) continue;
      if (v->kind() != model::JsonView::Kind::kInteger) {
        return InvalidArgument(fmt::format("{}: query.{} must be an integer", where, key));
      }
      (std::string_view(key) == "limit" ? test.query_limit : test.query_offset) = v->AsInteger();
    }
  }
  if (auto partial = json.Get("partial")) {
    if (partial->kind() != model::JsonView::Kind::kBool) {
      return InvalidArgument(fmt::format("{}: 'partial' must be a bool", where));
    }
    test.partial = partial->AsBool();
  }
  ASSIGN_OR_RETURN(std::string expect, StringField(json, "expect", where));
  if (expect == "allow") {
    test.expect = Decision::kAllow;
  } else if (expect == "deny") {
    test.expect = Decision::kDeny;
  } else if (expect == "unknown") {
    test.expect = Decision::kUnknown;
  } else {
    return InvalidArgument(fmt::format("{}: 'expect' must be allow, deny or unknown", where));
  }
  return test;
}

Result<std::vector<RulesTestCase>> ParseRulesTests(std::string_view json) {
  ASSIGN_OR_RETURN(model::JsonDocument doc, model::JsonDocument::Parse(json));
  const model::JsonView root = doc.root();
  if (!root.is_object()) return InvalidArgument("rules tests: expected {\"tests\": [...]}");
  RETURN_IF_ERROR(root.CheckKeys("rules tests", {"tests"}));
  auto tests = root.Get("tests");
  if (!tests || !tests->is_array()) {
    return InvalidArgument("rules tests: expected {\"tests\": [...]}");
  }
  std::vector<RulesTestCase> out;
  int index = 0;
  for (const model::JsonView& t : tests->Elements()) {
    ASSIGN_OR_RETURN(RulesTestCase test, ParseRulesTestCase(t, fmt::format("test {}", ++index)));
    out.push_back(std::move(test));
  }
  return out;
}

Evaluation RunRulesTestCase(const Ruleset& ruleset, const RulesTestCase& test, int64_t now_micros) {
  std::optional<model::Map> after;
  if (test.method == Method::kCreate && test.data) after = *test.data;
  if (test.method == Method::kUpdate) {
    after = test.existing.value_or(model::Map());
    if (test.data) {
      for (const auto& [key, value] : *test.data) after->insert_or_assign(key, value);
    }
  }
  TestReader reader(test, after ? &*after : nullptr);
  Request request;
  request.method = test.method;
  request.path = test.path;
  request.auth = test.auth ? &*test.auth : nullptr;
  request.resource = test.existing ? &*test.existing : nullptr;
  request.request_resource = after ? &*after : nullptr;
  request.time_micros = test.time_micros.value_or(now_micros);
  request.query_limit = test.query_limit;
  request.query_offset = test.query_offset;
  request.reader = &reader;
  request.resource_partial = test.partial;
  return Evaluate(ruleset, request);
}

RulesTestReport RunRulesTests(const Ruleset& ruleset, const std::vector<RulesTestCase>& tests,
                              const Clock& clock) {
  RulesTestReport report;
  const int64_t now = clock.NowMicros();
  size_t path_width = 4;
  for (const auto& t : tests)
    path_width = std::max(path_width, std::min<size_t>(t.path.size(), 40));
  report.table += fmt::format("{:>4}  {:<7}{:<9}{:<9}{:<8}{:<{}}  {}\n", "#", "result", "expect",
                              "actual", "method", "path", path_width, "name");
  int index = 0;
  for (const auto& t : tests) {
    const Evaluation e = RunRulesTestCase(ruleset, t, now);
    const bool pass = e.decision == t.expect;
    (pass ? report.passed : report.failed)++;
    report.table +=
        fmt::format("{:>4}  {:<7}{:<9}{:<9}{:<8}{:<{}}  {}\n", ++index, pass ? "PASS" : "FAIL",
                    DecisionName(t.expect), DecisionName(e.decision), MethodName(t.method), t.path,
                    path_width, t.name);
    if (!pass && e.error != nullptr) {
      report.table += fmt::format("        error at {}:{}: {}\n", e.error_location.line,
                                  e.error_location.column, e.error);
    }
  }
  report.table += fmt::format("{} passed, {} failed\n", report.passed, report.failed);
  return report;
}

Result<RulesTestReport> RunRulesTests(const Ruleset& ruleset, std::string_view tests_json,
                                      const Clock& clock) {
  ASSIGN_OR_RETURN(std::vector<RulesTestCase> tests, ParseRulesTests(tests_json));
  return RunRulesTests(ruleset, tests, clock);
}

}  // namespace hearth::rules
