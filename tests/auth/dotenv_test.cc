// app::ParseDotEnv: the .env format hearth.json's secrets come from.
#include <gtest/gtest.h>

#include "app/config.h"

namespace hearth::app {
namespace {

TEST(ParseDotEnv, ReadsPlainQuotedAndExportedValues) {
  auto env = ParseDotEnv(
      "# secrets\n"
      "\n"
      "PLAIN=value\n"
      "  SPACED  =  padded value  \n"
      "export EXPORTED=yes\n"
      "EMPTY=\n"
      "WITH_EQUALS=a=b=c\n"
      "HASH_INSIDE=abc#def\n"
      "TRAILING_COMMENT=abc # a comment\n"
      "SINGLE='literal \\n $HOME # not a comment'\n"
      "DOUBLE=\"line1\\nline2\\t\\\"q\\\" \\\\ end\" # comment\n"
      "CRLF=windows\r\n"
      "_under_score9=1\n"
      "LAST=last");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  const std::map<std::string, std::string> want = {
      {"PLAIN", "value"},
      {"SPACED", "padded value"},
      {"EXPORTED", "yes"},
      {"EMPTY", ""},
      {"WITH_EQUALS", "a=b=c"},
      {"HASH_INSIDE", "abc#def"},
      {"TRAILING_COMMENT", "abc"},
      {"SINGLE", "literal \\n $HOME # not a comment"},
      {"DOUBLE", "line1\nline2\t\"q\" \\ end"},
      {"CRLF", "windows"},
      {"_under_score9", "1"},
      {"LAST", "last"},
  };
  EXPECT_EQ(*env, want);
}

TEST(ParseDotEnv, LaterDefinitionsWin) {
  auto env = ParseDotEnv("A=1\nA=2\n");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->at("A"), "2");
}

TEST(ParseDotEnv, ErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string line;
  };
  for (const Case& c : std::vector<Case>{
           {"A=1\nNOEQUALS\n", "line 2"},
           {"A=1\n\n# c\n=value\n", "line 4"},
           {"1ABC=x", "line 1"},
           {"BAD-NAME=x", "line 1"},
           {"BAD NAME=x", "line 1"},
           {"A=\"unterminated\n", "line 1"},
           {"A='unterminated", "line 1"},
           {"A=1\nB=\"quoted\" trailing", "line 2"},
       }) {
    auto env = ParseDotEnv(c.text);
    EXPECT_FALSE(env.ok()) << c.text;
    if (env.ok()) continue;
    EXPECT_EQ(env.status().code(), Code::kInvalidArgument);
    EXPECT_NE(env.status().message().find(c.line), std::string::npos)
        << c.text << " -> " << env.status().message();
  }
}

TEST(ParseDotEnv, EmptyInputIsEmpty) {
  auto env = ParseDotEnv("");
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(env->empty());
  env = ParseDotEnv("# only a comment\n\n   \n");
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(env->empty());
}

}  // namespace
}  // namespace hearth::app
