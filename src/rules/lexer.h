// The rules lexer: turns source text into tokens, one at a time, on the parser's demand.
//
// Paths (match patterns and path expressions) are not tokens: their lexical form depends
// on where they appear, so the parser scans them itself from a token's end offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rules.h"

namespace hearth::rules::detail {

enum class Tok : uint8_t {
  kEnd,
  kError,  // `text` holds the message
  kIdent,
  kInt,
  kFloat,
  kString,  // `text` holds the decoded value
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kSemicolon,
  kComma,
  kDot,
  kColon,
  kQuestion,
  kBang,
  kAndAnd,
  kOrOr,
  kEq,  // ==
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kAssign,  // =
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t begin = 0;  // byte offsets into the source
  size_t end = 0;
  SourceLocation loc;
  std::string text;  // identifier name, decoded string, or error message
  int64_t int_value = 0;
  double float_value = 0;
};

// A quoted description of a token for error messages: "';'", "identifier 'foo'", "end of
// file".
std::string Describe(const Token& token);
std::string_view TokName(Tok kind);

class Lexer {
 public:
  explicit Lexer(std::string_view source);

  // The token starting at or after `offset` (skipping whitespace and comments).
  Token Lex(size_t offset) const;
  // The line and column of a byte offset.
  SourceLocation LocationOf(size_t offset) const;
  std::string_view source() const { return src_; }

 private:
  Token LexNumber(size_t begin) const;
  Token LexString(size_t begin) const;
  std::string_view src_;
  std::vector<size_t> line_starts_;  // offset of each line's first byte
};

}  // namespace hearth::rules::detail
