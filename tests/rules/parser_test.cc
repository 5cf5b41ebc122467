// Compile errors: FILE:LINE:COL and what was expected or found; no input crashes.
#include <gtest/gtest.h>

#include <string>

#include "rules/rules.h"

namespace hearth::rules {
namespace {

// The compile error's message, or "ok".
std::string ErrorOf(std::string_view text) {
  auto r = Compile(text, "firestore.rules");
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

// `condition` inside a minimal valid file; its first character is at line 4, column 22.
std::string ConditionError(std::string_view condition) {
  return ErrorOf(std::string("rules_version = '2';\nservice cloud.firestore {\n  match /a/{b} {\n"
                             "    allow read: if ") +
                 std::string(condition) + ";\n  }\n}\n");
}

TEST(RulesParser, AcceptsTheSeedRules) {
  EXPECT_EQ(ErrorOf(R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    function signedIn() { return request.auth != null; }
    match /posts/{postId} {
      allow read: if true;
      allow create: if signedIn() && request.resource.data.authorId == request.auth.uid;
      allow update, delete: if signedIn() && resource.data.authorId == request.auth.uid;
    }
  }
}
)"),
            "ok");
}

TEST(RulesParser, MissingSemicolonPointsAtTheNextToken) {
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /a/{b} {\n    allow read: if true\n  }\n}"),
            "firestore.rules:4:3: expected ';' after the allow statement, found '}'");
}

TEST(RulesParser, UnknownVariable) {
  EXPECT_EQ(ConditionError("foo == 1"), "firestore.rules:4:20: unknown variable 'foo'");
}

TEST(RulesParser, UnknownFunctionAndMethod) {
  EXPECT_EQ(ConditionError("bar(1)"), "firestore.rules:4:20: unknown function 'bar'");
  EXPECT_EQ(ConditionError("'a'.nope()"), "firestore.rules:4:24: unknown method 'nope'");
  EXPECT_EQ(ConditionError("math.nope(1)"), "firestore.rules:4:25: unknown function 'math.nope'");
  EXPECT_EQ(ConditionError("hashing.md5(1)"), "firestore.rules:4:20: unknown variable 'hashing'");
}

TEST(RulesParser, WrongArgumentCounts) {
  EXPECT_EQ(ConditionError("'a'.matches()"),
            "firestore.rules:4:24: method 'matches' takes 1 argument, 0 given");
  EXPECT_EQ(ConditionError("exists()"), "firestore.rules:4:20: exists takes 1 argument, 0 given");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  function f(a, b) { return a; }\n"
                    "  match /x/{y} { allow read: if f(1); }\n}"),
            "firestore.rules:3:33: function 'f' takes 2 arguments, 1 given");
}

TEST(RulesParser, InvalidRegexLiteral) {
  const std::string e = ConditionError("'a'.matches('(')");
  EXPECT_TRUE(e.starts_with("firestore.rules:4:32: invalid regular expression")) << e;
}

TEST(RulesParser, RecursionIsRejected) {
  EXPECT_EQ(
      ErrorOf("service cloud.firestore {\n  function f(n) { return g(n); }\n"
              "  function g(n) { return f(n); }\n  match /x/{y} { allow read: if f(1); }\n}"),
      "firestore.rules:3:26: recursive call to function 'f' (functions may not be recursive)");
}

TEST(RulesParser, LexicalErrors) {
  EXPECT_EQ(ConditionError("'abc"), "firestore.rules:4:20: unterminated string");
  EXPECT_EQ(ConditionError("'\\q'"), "firestore.rules:4:21: invalid escape sequence");
  EXPECT_EQ(ConditionError("1 # 2"), "firestore.rules:4:22: unexpected character '#'");
  EXPECT_EQ(ConditionError("99999999999999999999"),
            "firestore.rules:4:20: integer literal out of range");
  EXPECT_EQ(ErrorOf("/* open"), "firestore.rules:1:1: unterminated comment");
}

TEST(RulesParser, StructureErrors) {
  EXPECT_EQ(ErrorOf(""), "firestore.rules:1:1: expected 'service', found end of file");
  EXPECT_EQ(
      ErrorOf("service firebase.storage {}"),
      "firestore.rules:1:9: unsupported service 'firebase.storage' (expected cloud.firestore)");
  EXPECT_EQ(ErrorOf("rules_version = '3';"),
            "firestore.rules:1:17: unsupported rules_version (expected '1' or '2')");
  EXPECT_EQ(ErrorOf("service cloud.firestore {} x"),
            "firestore.rules:1:28: expected end of file after the service block, found 'x'");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  allow read;\n}"),
            "firestore.rules:2:3: expected 'match', 'function' or '}', found 'allow'");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /a/{b} { allow fetch: if true; }\n}"),
            "firestore.rules:2:24: expected a method (read, write, get, list, create, update, "
            "delete), found 'fetch'");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /a/{b} { allow read: true; }\n}"),
            "firestore.rules:2:30: expected 'if', found 'true'");
}

TEST(RulesParser, MatchPathErrors) {
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match posts { }\n}"),
            "firestore.rules:2:9: expected a path starting with '/' after 'match'");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /a/{b-c} { }\n}"),
            "firestore.rules:2:14: expected '}' or '=**}' after the variable name");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /a/{b}/c/{b} { }\n}"),
            "firestore.rules:2:3: wildcard 'b' appears twice in the path");
  EXPECT_EQ(
      ErrorOf("rules_version = '2';\nservice cloud.firestore {\n  match /{a=**}/x/{b=**} { }\n}"),
      "firestore.rules:3:19: only one {name=**} wildcard per match path");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  match /{a=**}/x { }\n}"),
            "firestore.rules:2:17: a {name=**} wildcard must be the last segment in rules_version "
            "'1'");
}

TEST(RulesParser, TypeAndLetErrors) {
  EXPECT_EQ(ConditionError("1 is integer"),
            "firestore.rules:4:25: unknown type 'integer' after 'is'");
  EXPECT_EQ(
      ErrorOf("service cloud.firestore {\n  function f() { let a = b; let b = 1; return a; }\n}"),
      "firestore.rules:2:26: 'b' is used before its let binding");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  function f(a) { let a = 1; return a; }\n}"),
            "firestore.rules:2:23: 'a' is already defined in this function");
  EXPECT_EQ(ErrorOf("service cloud.firestore {\n  function f() { return 1; }\n"
                    "  function f() { return 2; }\n}"),
            "firestore.rules:3:12: function 'f' is already defined in this scope");
}

TEST(RulesParser, DeepNestingIsAnErrorNotACrash) {
  EXPECT_NE(ConditionError(std::string(5000, '(') + "true" + std::string(5000, ')')), "ok");
  EXPECT_NE(ConditionError(std::string(5000, '!') + "true"), "ok");
  std::string chain = "1";
  for (int i = 0; i < 2000; ++i) chain += " + 1";
  EXPECT_EQ(ConditionError(chain + " > 0"), "firestore.rules:4:418: expression nested too deeply");
  std::string members = "request";
  for (int i = 0; i < 2000; ++i) members += ".a";
  EXPECT_NE(ConditionError(members), "ok");
  std::string matches = "service cloud.firestore {\n";
  for (int i = 0; i < 500; ++i) matches += "match /a {";
  EXPECT_NE(ErrorOf(matches), "ok");
}

TEST(RulesParser, ModestNestingIsFine) {
  std::string chain = "1";
  for (int i = 0; i < 90; ++i) chain += " + 1";
  EXPECT_EQ(ConditionError(chain + " > 0"), "ok");
  EXPECT_EQ(ConditionError(std::string(50, '(') + "true" + std::string(50, ')')), "ok");
}

TEST(RulesParser, CommentsAndPaths) {
  EXPECT_EQ(ErrorOf("// leading\nservice cloud.firestore { /* block\n comment */\n"
                    "  match /databases/{database}/documents {\n"
                    "    match /users/{userId=**} { allow read: if "
                    "exists(/databases/$(database)/documents/users/$(request.auth.uid)) // x\n"
                    "    ; }\n  }\n}\n"),
            "ok");
}

}  // namespace
}  // namespace hearth::rules
