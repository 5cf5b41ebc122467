#include "rules/lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace hearth::rules::detail {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string_view TokName(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "end of file";
    case Tok::kError:
      return "invalid token";
    case Tok::kIdent:
      return "identifier";
    case Tok::kInt:
      return "integer";
    case Tok::kFloat:
      return "float";
    case Tok::kString:
      return "string";
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kSemicolon:
      return "';'";
    case Tok::kComma:
      return "','";
    case Tok::kDot:
      return "'.'";
    case Tok::kColon:
      return "':'";
    case Tok::kQuestion:
      return "'?'";
    case Tok::kBang:
      return "'!'";
    case Tok::kAndAnd:
      return "'&&'";
    case Tok::kOrOr:
      return "'||'";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGe:
      return "'>='";
    case Tok::kPlus:
      return "'+'";
    case Tok::kMinus:
      return "'-'";
    case Tok::kStar:
      return "'*'";
    case Tok::kSlash:
      return "'/'";
    case Tok::kPercent:
      return "'%'";
    case Tok::kAssign:
      return "'='";
  }
  return "token";
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Tok::kIdent:
      return fmt::format("'{}'", std::string_view(token.text).substr(0, 40));
    case Tok::kInt:
    case Tok::kFloat:
      return "number";
    case Tok::kString:
      return "string";
    default:
      return std::string(TokName(token.kind));
  }
}

Lexer::Lexer(std::string_view source) : src_(source) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < src_.size(); ++i) {
    if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

SourceLocation Lexer::LocationOf(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const size_t line = static_cast<size_t>(it - line_starts_.begin());  // >= 1
  return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

Token Lexer::Lex(size_t pos) const {
  // Whitespace and comments.
  while (pos < src_.size()) {
    const char c = src_[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++pos;
    } else if (c == '/' && pos + 1 < src_.size() && src_[pos + 1] == '/') {
      while (pos < src_.size() && src_[pos] != '\n') ++pos;
    } else if (c == '/' && pos + 1 < src_.size() && src_[pos + 1] == '*') {
      const size_t close = src_.find("*/", pos + 2);
      if (close == std::string_view::npos) {
        Token t{.kind = Tok::kError, .begin = pos, .end = src_.size(), .loc = LocationOf(pos)};
        t.text = "unterminated comment";
        return t;
      }
      pos = close + 2;
    } else {
      break;
    }
  }
  Token t{.kind = Tok::kEnd, .begin = pos, .end = pos, .loc = LocationOf(pos)};
  if (pos >= src_.size()) return t;
  const char c = src_[pos];
  const char next = pos + 1 < src_.size() ? src_[pos + 1] : '\0';
  if (IsIdentStart(c)) {
    size_t end = pos;
    while (end < src_.size() && IsIdentChar(src_[end])) ++end;
    t.kind = Tok::kIdent;
    t.end = end;
    t.text = std::string(src_.substr(pos, end - pos));
    return t;
  }
  if (IsDigit(c)) return LexNumber(pos);
  if (c == '\'' || c == '"') return LexString(pos);
  auto one = [&](Tok kind) {
    t.kind = kind;
    t.end = pos + 1;
    return t;
  };
  auto two = [&](Tok kind) {
    t.kind = kind;
    t.end = pos + 2;
    return t;
  };
  switch (c) {
    case '{':
      return one(Tok::kLBrace);
    case '}':
      return one(Tok::kRBrace);
    case '(':
      return one(Tok::kLParen);
    case ')':
      return one(Tok::kRParen);
    case '[':
      return one(Tok::kLBracket);
    case ']':
      return one(Tok::kRBracket);
    case ';':
      return one(Tok::kSemicolon);
    case ',':
      return one(Tok::kComma);
    case '.':
      return one(Tok::kDot);
    case ':':
      return one(Tok::kColon);
    case '?':
      return one(Tok::kQuestion);
    case '+':
      return one(Tok::kPlus);
    case '-':
      return one(Tok::kMinus);
    case '*':
      return one(Tok::kStar);
    case '/':
      return one(Tok::kSlash);
    case '%':
      return one(Tok::kPercent);
    case '!':
      return next == '=' ? two(Tok::kNe) : one(Tok::kBang);
    case '=':
      return next == '=' ? two(Tok::kEq) : one(Tok::kAssign);
    case '<':
      return next == '=' ? two(Tok::kLe) : one(Tok::kLt);
    case '>':
      return next == '=' ? two(Tok::kGe) : one(Tok::kGt);
    case '&':
      if (next == '&') return two(Tok::kAndAnd);
      break;
    case '|':
      if (next == '|') return two(Tok::kOrOr);
      break;
    default:
      break;
  }
  t.kind = Tok::kError;
  t.end = pos + 1;
  if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
    t.text = fmt::format("unexpected character '{}'", c);
  } else {
    t.text = "unexpected byte";
  }
  return t;
}

Token Lexer::LexNumber(size_t begin) const {
  size_t end = begin;
  while (end < src_.size() && IsDigit(src_[end])) ++end;
  bool is_float = false;
  if (end + 1 < src_.size() && src_[end] == '.' && IsDigit(src_[end + 1])) {
    is_float = true;
    ++end;
    while (end < src_.size() && IsDigit(src_[end])) ++end;
  }
  if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
    size_t e = end + 1;
    if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
    if (e < src_.size() && IsDigit(src_[e])) {
      is_float = true;
      end = e;
      while (end < src_.size() && IsDigit(src_[end])) ++end;
    }
  }
  Token t{.kind = is_float ? Tok::kFloat : Tok::kInt,
          .begin = begin,
          .end = end,
          .loc = LocationOf(begin)};
  const char* first = src_.data() + begin;
  const char* last = src_.data() + end;
  if (end < src_.size() && IsIdentChar(src_[end])) {
    t.kind = Tok::kError;
    t.text = "invalid number";
    return t;
  }
  if (is_float) {
    auto [ptr, ec] = std::from_chars(first, last, t.float_value);
    if (ec != std::errc() || ptr != last) {
      t.kind = Tok::kError;
      t.text = "float literal out of range";
    }
  } else {
    auto [ptr, ec] = std::from_chars(first, last, t.int_value);
    if (ec != std::errc() || ptr != last) {
      t.kind = Tok::kError;
      t.text = "integer literal out of range";
    }
  }
  return t;
}

Token Lexer::LexString(size_t begin) const {
  const char quote = src_[begin];
  Token t{.kind = Tok::kString, .begin = begin, .end = begin, .loc = LocationOf(begin)};
  auto fail = [&](size_t at, std::string message) {
    t.kind = Tok::kError;
    t.loc = LocationOf(at);
    t.end = at + 1;
    t.text = std::move(message);
    return t;
  };
  size_t pos = begin + 1;
  while (true) {
    if (pos >= src_.size() || src_[pos] == '\n') return fail(begin, "unterminated string");
    const char c = src_[pos];
    if (c == quote) break;
    if (c != '\\') {
      t.text.push_back(c);
      ++pos;
      continue;
    }
    if (pos + 1 >= src_.size()) return fail(begin, "unterminated string");
    const char e = src_[pos + 1];
    pos += 2;
    switch (e) {
      case 'n':
        t.text.push_back('\n');
        break;
      case 'r':
        t.text.push_back('\r');
        break;
      case 't':
        t.text.push_back('\t');
        break;
      case 'b':
        t.text.push_back('\b');
        break;
      case 'f':
        t.text.push_back('\f');
        break;
      case 'v':
        t.text.push_back('\v');
        break;
      case 'a':
        t.text.push_back('\a');
        break;
      case '0':
        t.text.push_back('\0');
        break;
      case '\\':
      case '\'':
      case '"':
      case '`':
      case '/':
        t.text.push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        const int digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        uint32_t cp = 0;
        for (int i = 0; i < digits; ++i) {
          const int d = pos < src_.size() ? HexDigit(src_[pos]) : -1;
          if (d < 0) return fail(pos, "expected a hexadecimal digit in escape");
          cp = cp * 16 + static_cast<uint32_t>(d);
          ++pos;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return fail(pos - 1, "invalid Unicode code point in escape");
        }
        AppendUtf8(t.text, cp);
        break;
      }
      default:
        return fail(pos - 2, "invalid escape sequence");
    }
  }
  t.end = pos + 1;
  return t;
}

}  // namespace hearth::rules::detail
