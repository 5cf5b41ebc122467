// The conformance table: tests/rules/*.test, one GoogleTest per file, one assertion per
// case (failures name FILE:LINE).
//
// File format, line by line:
//   # comment                  (and blank lines) ignored
//   allow: EXPR                evaluates `allow read, write: if EXPR;` in
//   deny: EXPR                 match /databases/{database}/documents { match /{document=**} }
//   unknown: EXPR              with the current request, and checks the decision
//   request {JSON}             sets the current request: a rules-test case without "expect"
//                              (rules/rules_tests.h); the default is kDefaultRequest
//   rules                      the lines up to `end` become the body of
//   ...                        match /databases/{database}/documents { ... }
//   end
//   expect DECISION [{JSON}]   evaluates those rules with the current request, or JSON's
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/timestamp.h"
#include "rules/rules.h"
#include "rules/rules_tests.h"

namespace hearth::rules {
namespace {

constexpr std::string_view kDefaultRequest = R"({
  "method": "get", "path": "posts/p1",
  "auth": {"uid": "alice", "token": {"sub": "alice", "email": "alice@example.com",
           "email_verified": true, "firebase": {"sign_in_provider": "password"}, "admin": false}},
  "existing": {"title": "Hello", "authorId": "alice", "n": 3, "tags": ["a", "b"],
               "nested": {"x": 1}, "when": {"$timestamp": "2025-06-01T00:00:00Z"}}
})";
constexpr std::string_view kTime = "2026-01-02T03:04:05.123456Z";

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string Wrap(std::string_view body) {
  return "rules_version = '2';\nservice cloud.firestore {\n"
         "  match /databases/{database}/documents {\n" +
         std::string(body) + "\n  }\n}\n";
}

// A request JSON (without "expect") as a test case expecting `expect`.
Result<RulesTestCase> ParseRequest(std::string_view json, std::string_view expect,
                                   std::string_view where) {
  std::string text = Trim(json);
  if (text.empty() || text[0] != '{') return InvalidArgument("request must be a JSON object");
  const bool empty = Trim(std::string_view(text).substr(1)) == "}";
  text = "{\"expect\": \"" + std::string(expect) + "\"" + (empty ? "" : ",") + text.substr(1);
  ASSIGN_OR_RETURN(auto doc, model::JsonDocument::Parse(text));
  return ParseRulesTestCase(doc.root(), where);
}

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, File) {
  const std::string file = GetParam();
  std::ifstream in(std::string(HEARTH_RULES_TEST_DIR) + "/" + file);
  ASSERT_TRUE(in) << file;
  const int64_t now = model::Timestamp::Parse(kTime)->ToMicros();
  auto current = ParseRequest(kDefaultRequest, "deny", "default request");
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  std::shared_ptr<const Ruleset> rules;
  std::string line;
  int line_no = 0;
  int cases = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = file + ":" + std::to_string(line_no);
    const std::string text = Trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.starts_with("request ")) {
      auto parsed = ParseRequest(text.substr(8), "deny", where);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      current = std::move(parsed);
      continue;
    }
    if (text == "rules") {
      std::string body;
      while (std::getline(in, line) && Trim(line) != "end") {
        ++line_no;
        body += line + "\n";
      }
      ++line_no;
      auto compiled = Compile(Wrap(body), where);
      ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
      rules = *compiled;
      continue;
    }
    ++cases;
    if (text.starts_with("expect ")) {
      const std::string rest = text.substr(7);
      const size_t space = rest.find(' ');
      const std::string expect = rest.substr(0, space);
      RulesTestCase test = *current;
      if (space != std::string::npos) {
        auto parsed = ParseRequest(rest.substr(space + 1), expect, where);
        ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
        test = std::move(parsed).value();
      }
      ASSERT_NE(rules, nullptr) << where << ": expect before any rules block";
      const Evaluation e = RunRulesTestCase(*rules, test, now);
      EXPECT_EQ(DecisionName(e.decision), expect) << where << ": " << text;
      continue;
    }
    const size_t colon = text.find(':');
    ASSERT_NE(colon, std::string::npos) << where << ": unrecognized line";
    const std::string expect = text.substr(0, colon);
    ASSERT_TRUE(expect == "allow" || expect == "deny" || expect == "unknown") << where;
    const std::string expr = Trim(std::string_view(text).substr(colon + 1));
    auto compiled = Compile(
        Wrap("    match /{document=**} {\n      allow read, write: if " + expr + ";\n    }"),
        where);
    if (!compiled.ok()) {
      ADD_FAILURE() << where << ": " << compiled.status().ToString();
      continue;
    }
    const Evaluation e = RunRulesTestCase(**compiled, *current, now);
    EXPECT_EQ(DecisionName(e.decision), expect)
        << where << ": " << expr
        << (e.error ? std::string(" (error: ") + e.error + ")" : std::string());
  }
  EXPECT_GT(cases, 0) << file;
  RecordProperty("cases", cases);
}

std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(HEARTH_RULES_TEST_DIR)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Rules, Conformance, ::testing::ValuesIn(TestFiles()),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           return name;
                         });

}  // namespace
}  // namespace hearth::rules
