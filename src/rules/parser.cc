// Recursive-descent parser for the rules language. Every recursion is bounded by
// kMaxNesting, and every expression tree's height too, so no input can exhaust the stack
// here or later in the evaluator and destructors.
#include "rules/parser.h"

#include <fmt/format.h>

#include <algorithm>

#include "rules/lexer.h"

namespace hearth::rules::detail {

Status CompileError(std::string_view file, SourceLocation loc, std::string_view message) {
  return InvalidArgument(fmt::format("{}:{}:{}: {}", file, loc.line, loc.column, message));
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
// Characters of a literal segment in a path expression (/users/abc-1.x).
bool IsPathChar(char c) {
  return IsIdentChar(c) || c == '-' || c == '.' || c == '~' || c == '%' || c == '@' || c == '+';
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file) : lex_(text), file_(file) {}

  Result<std::unique_ptr<Ruleset>> ParseFile();

 private:
  void Advance() {
    tok_ = lex_.Lex(pos_);
    pos_ = tok_.end;
  }
  bool IsIdent(std::string_view name) const {
    return tok_.kind == Tok::kIdent && tok_.text == name;
  }
  Status Error(SourceLocation loc, std::string_view message) const {
    return CompileError(file_, loc, message);
  }
  // "expected X, found Y" at the current token (or the lexer's own message).
  Status Unexpected(std::string_view expected) const {
    if (tok_.kind == Tok::kError) return Error(tok_.loc, tok_.text);
    return Error(tok_.loc, fmt::format("expected {}, found {}", expected, Describe(tok_)));
  }
  Status Expect(Tok kind, std::string_view context) {
    if (tok_.kind != kind) {
      return Unexpected(context.empty() ? std::string(TokName(kind))
                                        : fmt::format("{} {}", TokName(kind), context));
    }
    Advance();
    return Status::Ok();
  }
  Result<std::string> ExpectIdent(std::string_view what) {
    if (tok_.kind != Tok::kIdent) return Unexpected(what);
    std::string name = tok_.text;
    Advance();
    return name;
  }

  Status ParseService();
  Result<std::unique_ptr<Match>> ParseMatch(int depth);
  Result<std::vector<Segment>> ParseMatchPath();
  Status ParseAllow(Match& match);
  Result<int> ParseFunction();

  // Expressions.
  Result<std::unique_ptr<Expr>> ParseExpr(int depth);
  Result<std::unique_ptr<Expr>> ParseOr(int depth);
  Result<std::unique_ptr<Expr>> ParseAnd(int depth);
  Result<std::unique_ptr<Expr>> ParseRelation(int depth);
  Result<std::unique_ptr<Expr>> ParseAdditive(int depth);
  Result<std::unique_ptr<Expr>> ParseMultiplicative(int depth);
  Result<std::unique_ptr<Expr>> ParseUnary(int depth);
  Result<std::unique_ptr<Expr>> ParsePostfix(int depth);
  Result<std::unique_ptr<Expr>> ParsePrimary(int depth);
  Result<std::unique_ptr<Expr>> ParsePathExpr(int depth);
  Result<std::vector<std::unique_ptr<Expr>>> ParseArgs(Tok close, int depth);

  // A node over `args`, its height checked.
  Result<std::unique_ptr<Expr>> Node(ExprKind kind, SourceLocation loc,
                                     std::vector<std::unique_ptr<Expr>> args) {
    auto e = std::make_unique<Expr>(Expr{.kind = kind, .loc = loc});
    int h = 0;
    for (const auto& a : args) h = std::max(h, a->height);
    e->height = h + 1;
    if (e->height > kMaxNesting) return Error(loc, "expression nested too deeply");
    e->args = std::move(args);
    return e;
  }
  Result<std::unique_ptr<Expr>> Node(ExprKind kind, SourceLocation loc, std::unique_ptr<Expr> a) {
    std::vector<std::unique_ptr<Expr>> args;
    args.push_back(std::move(a));
    return Node(kind, loc, std::move(args));
  }
  Result<std::unique_ptr<Expr>> Node(ExprKind kind, SourceLocation loc, std::unique_ptr<Expr> a,
                                     std::unique_ptr<Expr> b) {
    std::vector<std::unique_ptr<Expr>> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return Node(kind, loc, std::move(args));
  }
  Status CheckDepth(int depth) const {
    if (depth > kMaxNesting) return Error(tok_.loc, "nested too deeply");
    return Status::Ok();
  }

  Lexer lex_;
  std::string_view file_;
  Token tok_;
  size_t pos_ = 0;
  std::unique_ptr<Ruleset> rs_;
};

Result<std::unique_ptr<Ruleset>> Parser::ParseFile() {
  rs_ = std::make_unique<Ruleset>();
  rs_->file_name = std::string(file_);
  if (lex_.source().size() > kMaxSourceBytes) {
    return Error({1, 1}, fmt::format("rules file larger than {} bytes", kMaxSourceBytes));
  }
  Advance();
  if (IsIdent("rules_version")) {
    Advance();
    RETURN_IF_ERROR(Expect(Tok::kAssign, "after rules_version"));
    if (tok_.kind != Tok::kString) return Unexpected("a version string ('1' or '2')");
    if (tok_.text == "1") {
      rs_->version = 1;
    } else if (tok_.text == "2") {
      rs_->version = 2;
    } else {
      return Error(tok_.loc, "unsupported rules_version (expected '1' or '2')");
    }
    Advance();
    RETURN_IF_ERROR(Expect(Tok::kSemicolon, "after rules_version"));
  }
  if (!IsIdent("service")) return Unexpected("'service'");
  RETURN_IF_ERROR(ParseService());
  if (tok_.kind != Tok::kEnd) return Unexpected("end of file after the service block");
  return std::move(rs_);
}

Status Parser::ParseService() {
  Advance();
  const SourceLocation name_loc = tok_.loc;
  ASSIGN_OR_RETURN(std::string name, ExpectIdent("a service name"));
  while (tok_.kind == Tok::kDot) {
    Advance();
    ASSIGN_OR_RETURN(std::string part, ExpectIdent("a service name"));
    name += "." + part;
  }
  if (name != "cloud.firestore") {
    return Error(name_loc, fmt::format("unsupported service '{}' (expected cloud.firestore)",
                                       name.substr(0, 60)));
  }
  RETURN_IF_ERROR(Expect(Tok::kLBrace, "after the service name"));
  while (true) {
    if (tok_.kind == Tok::kRBrace) {
      Advance();
      return Status::Ok();
    }
    if (IsIdent("match")) {
      ASSIGN_OR_RETURN(auto match, ParseMatch(1));
      rs_->matches.push_back(std::move(match));
    } else if (IsIdent("function")) {
      ASSIGN_OR_RETURN(int index, ParseFunction());
      rs_->service_functions.push_back(index);
    } else {
      return Unexpected("'match', 'function' or '}'");
    }
  }
}

Result<std::unique_ptr<Match>> Parser::ParseMatch(int depth) {
  RETURN_IF_ERROR(CheckDepth(depth));
  auto match = std::make_unique<Match>();
  match->loc = tok_.loc;
  ASSIGN_OR_RETURN(match->path, ParseMatchPath());
  RETURN_IF_ERROR(Expect(Tok::kLBrace, "after the match path"));
  while (true) {
    if (tok_.kind == Tok::kRBrace) {
      Advance();
      return match;
    }
    if (IsIdent("match")) {
      ASSIGN_OR_RETURN(auto child, ParseMatch(depth + 1));
      match->children.push_back(std::move(child));
    } else if (IsIdent("allow")) {
      RETURN_IF_ERROR(ParseAllow(*match));
    } else if (IsIdent("function")) {
      ASSIGN_OR_RETURN(int index, ParseFunction());
      match->functions.push_back(index);
    } else {
      return Unexpected("'match', 'allow', 'function' or '}'");
    }
  }
}

// The current token is `match`; the path is scanned from the raw text after it.
Result<std::vector<Segment>> Parser::ParseMatchPath() {
  std::string_view src = lex_.source();
  size_t p = tok_.end;
  while (p < src.size() && IsSpace(src[p])) ++p;
  if (p >= src.size() || src[p] != '/') {
    return Error(lex_.LocationOf(p), "expected a path starting with '/' after 'match'");
  }
  std::vector<Segment> path;
  bool recursive_seen = false;
  while (p < src.size() && src[p] == '/') {
    ++p;
    const size_t seg_begin = p;
    Segment seg;
    if (p < src.size() && src[p] == '{') {
      ++p;
      const size_t name_begin = p;
      while (p < src.size() && IsIdentChar(src[p])) ++p;
      seg.text = std::string(src.substr(name_begin, p - name_begin));
      if (seg.text.empty() || (seg.text[0] >= '0' && seg.text[0] <= '9')) {
        return Error(lex_.LocationOf(name_begin), "expected a variable name after '{'");
      }
      seg.kind = Segment::Kind::kSingle;
      if (src.substr(p, 3) == "=**") {
        seg.kind = Segment::Kind::kRecursive;
        p += 3;
      }
      if (p >= src.size() || src[p] != '}') {
        return Error(lex_.LocationOf(p), "expected '}' or '=**}' after the variable name");
      }
      ++p;
    } else {
      while (p < src.size() && !IsSpace(src[p]) && src[p] != '/' && src[p] != '{' &&
             src[p] != '}') {
        ++p;
      }
      seg.kind = Segment::Kind::kLiteral;
      seg.text = std::string(src.substr(seg_begin, p - seg_begin));
      if (seg.text.empty()) return Error(lex_.LocationOf(seg_begin), "expected a path segment");
      if (seg.text.find_first_of("=*$") != std::string::npos) {
        return Error(lex_.LocationOf(seg_begin),
                     "invalid path segment (wildcards are written {name} or {name=**})");
      }
    }
    if (seg.kind == Segment::Kind::kRecursive) {
      if (recursive_seen) {
        return Error(lex_.LocationOf(seg_begin), "only one {name=**} wildcard per match path");
      }
      recursive_seen = true;
    } else if (recursive_seen && rs_->version < 2) {
      return Error(lex_.LocationOf(seg_begin),
                   "a {name=**} wildcard must be the last segment in rules_version '1'");
    }
    path.push_back(std::move(seg));
  }
  pos_ = p;
  Advance();
  return path;
}

Status Parser::ParseAllow(Match& match) {
  Allow allow;
  allow.loc = tok_.loc;
  Advance();
  while (true) {
    if (tok_.kind != Tok::kIdent) {
      return Unexpected("a method (read, write, get, list, create, update, delete)");
    }
    const std::string& m = tok_.text;
    auto bit = [](Method x) { return static_cast<uint8_t>(1u << static_cast<int>(x)); };
    if (m == "read") {
      allow.methods |= bit(Method::kGet) | bit(Method::kList);
    } else if (m == "write") {
      allow.methods |= bit(Method::kCreate) | bit(Method::kUpdate) | bit(Method::kDelete);
    } else if (auto method = ParseMethod(m)) {
      allow.methods |= bit(*method);
    } else {
      return Unexpected("a method (read, write, get, list, create, update, delete)");
    }
    Advance();
    if (tok_.kind != Tok::kComma) break;
    Advance();
  }
  if (tok_.kind == Tok::kColon) {
    Advance();
    if (!IsIdent("if")) return Unexpected("'if'");
    Advance();
    ASSIGN_OR_RETURN(allow.condition, ParseExpr(1));
  }
  RETURN_IF_ERROR(Expect(Tok::kSemicolon, "after the allow statement"));
  match.allows.push_back(std::move(allow));
  return Status::Ok();
}

Result<int> Parser::ParseFunction() {
  if (rs_->functions.size() >= kMaxFunctions) {
    return Error(tok_.loc, fmt::format("more than {} functions", kMaxFunctions));
  }
  auto fn = std::make_unique<Function>();
  Advance();
  fn->loc = tok_.loc;
  ASSIGN_OR_RETURN(fn->name, ExpectIdent("a function name"));
  RETURN_IF_ERROR(Expect(Tok::kLParen, "after the function name"));
  auto check_new_name = [&](const std::string& name, SourceLocation loc) -> Status {
    if (std::find(fn->params.begin(), fn->params.end(), name) != fn->params.end() ||
        std::find(fn->let_names.begin(), fn->let_names.end(), name) != fn->let_names.end()) {
      return Error(loc, fmt::format("'{}' is already defined in this function", name));
    }
    if (static_cast<int>(fn->params.size() + fn->let_names.size()) >= kMaxLocals) {
      return Error(loc, fmt::format("more than {} parameters and let bindings", kMaxLocals));
    }
    return Status::Ok();
  };
  if (tok_.kind != Tok::kRParen) {
    while (true) {
      const SourceLocation loc = tok_.loc;
      ASSIGN_OR_RETURN(std::string param, ExpectIdent("a parameter name"));
      RETURN_IF_ERROR(check_new_name(param, loc));
      fn->params.push_back(std::move(param));
      if (tok_.kind != Tok::kComma) break;
      Advance();
    }
  }
  RETURN_IF_ERROR(Expect(Tok::kRParen, "after the parameters"));
  RETURN_IF_ERROR(Expect(Tok::kLBrace, "before the function body"));
  while (IsIdent("let")) {
    Advance();
    const SourceLocation loc = tok_.loc;
    ASSIGN_OR_RETURN(std::string name, ExpectIdent("a variable name after 'let'"));
    RETURN_IF_ERROR(check_new_name(name, loc));
    RETURN_IF_ERROR(Expect(Tok::kAssign, "after the let variable"));
    ASSIGN_OR_RETURN(auto value, ParseExpr(1));
    RETURN_IF_ERROR(Expect(Tok::kSemicolon, "after the let binding"));
    fn->let_names.push_back(std::move(name));
    fn->let_values.push_back(std::move(value));
  }
  if (!IsIdent("return")) return Unexpected("'let' or 'return'");
  Advance();
  ASSIGN_OR_RETURN(fn->body, ParseExpr(1));
  RETURN_IF_ERROR(Expect(Tok::kSemicolon, "after the return expression"));
  RETURN_IF_ERROR(Expect(Tok::kRBrace, "at the end of the function"));
  fn->num_locals = static_cast<int>(fn->params.size() + fn->let_names.size());
  rs_->functions.push_back(std::move(fn));
  return static_cast<int>(rs_->functions.size() - 1);
}

Result<std::unique_ptr<Expr>> Parser::ParseExpr(int depth) {
  RETURN_IF_ERROR(CheckDepth(depth));
  ASSIGN_OR_RETURN(auto cond, ParseOr(depth));
  if (tok_.kind != Tok::kQuestion) return cond;
  const SourceLocation loc = tok_.loc;
  Advance();
  ASSIGN_OR_RETURN(auto then, ParseExpr(depth + 1));
  RETURN_IF_ERROR(Expect(Tok::kColon, "in the conditional expression"));
  ASSIGN_OR_RETURN(auto otherwise, ParseExpr(depth + 1));
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(std::move(cond));
  args.push_back(std::move(then));
  args.push_back(std::move(otherwise));
  return Node(ExprKind::kTernary, loc, std::move(args));
}

Result<std::unique_ptr<Expr>> Parser::ParseOr(int depth) {
  ASSIGN_OR_RETURN(auto left, ParseAnd(depth));
  while (tok_.kind == Tok::kOrOr) {
    const SourceLocation loc = tok_.loc;
    Advance();
    ASSIGN_OR_RETURN(auto right, ParseAnd(depth));
    ASSIGN_OR_RETURN(left, Node(ExprKind::kOr, loc, std::move(left), std::move(right)));
  }
  return left;
}

Result<std::unique_ptr<Expr>> Parser::ParseAnd(int depth) {
  ASSIGN_OR_RETURN(auto left, ParseRelation(depth));
  while (tok_.kind == Tok::kAndAnd) {
    const SourceLocation loc = tok_.loc;
    Advance();
    ASSIGN_OR_RETURN(auto right, ParseRelation(depth));
    ASSIGN_OR_RETURN(left, Node(ExprKind::kAnd, loc, std::move(left), std::move(right)));
  }
  return left;
}

Result<std::unique_ptr<Expr>> Parser::ParseRelation(int depth) {
  ASSIGN_OR_RETURN(auto left, ParseAdditive(depth));
  while (true) {
    const SourceLocation loc = tok_.loc;
    BinaryOp op;
    switch (tok_.kind) {
      case Tok::kEq:
        op = BinaryOp::kEq;
        break;
      case Tok::kNe:
        op = BinaryOp::kNe;
        break;
      case Tok::kLt:
        op = BinaryOp::kLt;
        break;
      case Tok::kLe:
        op = BinaryOp::kLe;
        break;
      case Tok::kGt:
        op = BinaryOp::kGt;
        break;
      case Tok::kGe:
        op = BinaryOp::kGe;
        break;
      case Tok::kIdent:
        if (tok_.text == "in") {
          op = BinaryOp::kIn;
          break;
        }
        if (tok_.text == "is") {
          Advance();
          if (tok_.kind != Tok::kIdent) return Unexpected("a type name after 'is'");
          ASSIGN_OR_RETURN(left, Node(ExprKind::kIs, loc, std::move(left)));
          left->text = tok_.text;
          left->loc = tok_.loc;  // where the type name is, for the resolver's message
          Advance();
          continue;
        }
        return left;
      default:
        return left;
    }
    Advance();
    ASSIGN_OR_RETURN(auto right, ParseAdditive(depth));
    ASSIGN_OR_RETURN(left, Node(ExprKind::kBinary, loc, std::move(left), std::move(right)));
    left->op = op;
  }
}

Result<std::unique_ptr<Expr>> Parser::ParseAdditive(int depth) {
  ASSIGN_OR_RETURN(auto left, ParseMultiplicative(depth));
  while (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus) {
    const SourceLocation loc = tok_.loc;
    const BinaryOp op = tok_.kind == Tok::kPlus ? BinaryOp::kAdd : BinaryOp::kSub;
    Advance();
    ASSIGN_OR_RETURN(auto right, ParseMultiplicative(depth));
    ASSIGN_OR_RETURN(left, Node(ExprKind::kBinary, loc, std::move(left), std::move(right)));
    left->op = op;
  }
  return left;
}

Result<std::unique_ptr<Expr>> Parser::ParseMultiplicative(int depth) {
  ASSIGN_OR_RETURN(auto left, ParseUnary(depth));
  while (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash || tok_.kind == Tok::kPercent) {
    const SourceLocation loc = tok_.loc;
    const BinaryOp op = tok_.kind == Tok::kStar    ? BinaryOp::kMul
                        : tok_.kind == Tok::kSlash ? BinaryOp::kDiv
                                                   : BinaryOp::kMod;
    Advance();
    ASSIGN_OR_RETURN(auto right, ParseUnary(depth));
    ASSIGN_OR_RETURN(left, Node(ExprKind::kBinary, loc, std::move(left), std::move(right)));
    left->op = op;
  }
  return left;
}

Result<std::unique_ptr<Expr>> Parser::ParseUnary(int depth) {
  RETURN_IF_ERROR(CheckDepth(depth));
  const SourceLocation loc = tok_.loc;
  if (tok_.kind == Tok::kBang) {
    Advance();
    ASSIGN_OR_RETURN(auto operand, ParseUnary(depth + 1));
    return Node(ExprKind::kNot, loc, std::move(operand));
  }
  if (tok_.kind == Tok::kMinus) {
    Advance();
    // A negative literal is a constant.
    if (tok_.kind == Tok::kInt || tok_.kind == Tok::kFloat) {
      const Token lit = tok_;
      const Token next = lex_.Lex(pos_);
      const bool postfix = next.kind == Tok::kDot || next.kind == Tok::kLBracket;
      if (!postfix) {
        Advance();
        auto e = std::make_unique<Expr>(Expr{.kind = ExprKind::kConst, .loc = loc});
        e->constant = lit.kind == Tok::kInt ? model::Value::Integer(-lit.int_value)
                                            : model::Value::Double(-lit.float_value);
        return e;
      }
    }
    ASSIGN_OR_RETURN(auto operand, ParseUnary(depth + 1));
    return Node(ExprKind::kNeg, loc, std::move(operand));
  }
  return ParsePostfix(depth);
}

Result<std::vector<std::unique_ptr<Expr>>> Parser::ParseArgs(Tok close, int depth) {
  std::vector<std::unique_ptr<Expr>> args;
  if (tok_.kind == close) {
    Advance();
    return args;
  }
  while (true) {
    ASSIGN_OR_RETURN(auto arg, ParseExpr(depth + 1));
    args.push_back(std::move(arg));
    if (tok_.kind == close) {
      Advance();
      return args;
    }
    if (tok_.kind != Tok::kComma) {
      return Unexpected(fmt::format("',' or {}", TokName(close)));
    }
    Advance();
    if (tok_.kind == close) {  // trailing comma
      Advance();
      return args;
    }
  }
}

Result<std::unique_ptr<Expr>> Parser::ParsePostfix(int depth) {
  ASSIGN_OR_RETURN(auto e, ParsePrimary(depth));
  while (true) {
    const SourceLocation loc = tok_.loc;
    if (tok_.kind == Tok::kDot) {
      Advance();
      if (tok_.kind != Tok::kIdent) return Unexpected("a field or method name after '.'");
      std::string name = tok_.text;
      const SourceLocation name_loc = tok_.loc;
      Advance();
      if (tok_.kind == Tok::kLParen) {
        Advance();
        ASSIGN_OR_RETURN(auto args, ParseArgs(Tok::kRParen, depth));
        args.insert(args.begin(), std::move(e));
        ASSIGN_OR_RETURN(e, Node(ExprKind::kMethod, name_loc, std::move(args)));
      } else {
        ASSIGN_OR_RETURN(e, Node(ExprKind::kMember, name_loc, std::move(e)));
      }
      e->text = std::move(name);
    } else if (tok_.kind == Tok::kLBracket) {
      Advance();
      ASSIGN_OR_RETURN(auto index, ParseExpr(depth + 1));
      if (tok_.kind == Tok::kColon) {
        Advance();
        ASSIGN_OR_RETURN(auto end, ParseExpr(depth + 1));
        RETURN_IF_ERROR(Expect(Tok::kRBracket, "after the range"));
        std::vector<std::unique_ptr<Expr>> args;
        args.push_back(std::move(e));
        args.push_back(std::move(index));
        args.push_back(std::move(end));
        ASSIGN_OR_RETURN(e, Node(ExprKind::kRange, loc, std::move(args)));
      } else {
        RETURN_IF_ERROR(Expect(Tok::kRBracket, "after the index"));
        ASSIGN_OR_RETURN(e, Node(ExprKind::kIndex, loc, std::move(e), std::move(index)));
      }
    } else {
      return e;
    }
  }
}

Result<std::unique_ptr<Expr>> Parser::ParsePrimary(int depth) {
  RETURN_IF_ERROR(CheckDepth(depth));
  const SourceLocation loc = tok_.loc;
  auto constant = [&](model::Value v) {
    auto e = std::make_unique<Expr>(Expr{.kind = ExprKind::kConst, .loc = loc});
    e->constant = std::move(v);
    Advance();
    return e;
  };
  switch (tok_.kind) {
    case Tok::kInt:
      return constant(model::Value::Integer(tok_.int_value));
    case Tok::kFloat:
      return constant(model::Value::Double(tok_.float_value));
    case Tok::kString:
      return constant(model::Value::String(tok_.text));
    case Tok::kIdent: {
      if (tok_.text == "true") return constant(model::Value::Boolean(true));
      if (tok_.text == "false") return constant(model::Value::Boolean(false));
      if (tok_.text == "null") return constant(model::Value::Null());
      std::string name = tok_.text;
      Advance();
      if (tok_.kind == Tok::kLParen) {
        Advance();
        ASSIGN_OR_RETURN(auto args, ParseArgs(Tok::kRParen, depth));
        ASSIGN_OR_RETURN(auto e, Node(ExprKind::kCall, loc, std::move(args)));
        e->text = std::move(name);
        return e;
      }
      auto e = std::make_unique<Expr>(Expr{.kind = ExprKind::kIdent, .loc = loc});
      e->text = std::move(name);
      return e;
    }
    case Tok::kLParen: {
      Advance();
      ASSIGN_OR_RETURN(auto e, ParseExpr(depth + 1));
      RETURN_IF_ERROR(Expect(Tok::kRParen, ""));
      return e;
    }
    case Tok::kLBracket: {
      Advance();
      ASSIGN_OR_RETURN(auto args, ParseArgs(Tok::kRBracket, depth));
      return Node(ExprKind::kList, loc, std::move(args));
    }
    case Tok::kLBrace: {
      Advance();
      std::vector<std::unique_ptr<Expr>> args;
      while (tok_.kind != Tok::kRBrace) {
        ASSIGN_OR_RETURN(auto key, ParseExpr(depth + 1));
        RETURN_IF_ERROR(Expect(Tok::kColon, "after the map key"));
        ASSIGN_OR_RETURN(auto value, ParseExpr(depth + 1));
        args.push_back(std::move(key));
        args.push_back(std::move(value));
        if (tok_.kind == Tok::kComma) {
          Advance();
        } else if (tok_.kind != Tok::kRBrace) {
          return Unexpected("',' or '}'");
        }
      }
      Advance();
      return Node(ExprKind::kMap, loc, std::move(args));
    }
    case Tok::kSlash:
      return ParsePathExpr(depth);
    default:
      return Unexpected("an expression");
  }
}

// The current token is the path's first '/'. Segments are raw text or $(expression).
Result<std::unique_ptr<Expr>> Parser::ParsePathExpr(int depth) {
  const SourceLocation loc = tok_.loc;
  std::string_view src = lex_.source();
  std::vector<std::string> parts;
  std::vector<std::unique_ptr<Expr>> args;
  size_t p = tok_.end;  // just after a '/'
  while (true) {
    if (src.substr(p, 2) == "$(") {
      pos_ = p + 2;
      Advance();
      ASSIGN_OR_RETURN(auto e, ParseExpr(depth + 1));
      if (tok_.kind != Tok::kRParen) return Unexpected("')' to close '$('");
      args.push_back(std::move(e));
      parts.emplace_back();
      p = tok_.end;
    } else {
      const size_t begin = p;
      while (p < src.size() && IsPathChar(src[p])) ++p;
      if (p == begin) return Error(lex_.LocationOf(p), "expected a path segment or '$('");
      parts.emplace_back(src.substr(begin, p - begin));
    }
    // The path goes on only with a '/' directly followed by another segment.
    if (p + 1 < src.size() && src[p] == '/' && (IsPathChar(src[p + 1]) || src[p + 1] == '$')) {
      ++p;
      continue;
    }
    break;
  }
  pos_ = p;
  Advance();
  if (args.empty()) {
    auto e = std::make_unique<Expr>(Expr{.kind = ExprKind::kConstPath, .loc = loc});
    for (const auto& part : parts) e->text += "/" + part;
    return e;
  }
  ASSIGN_OR_RETURN(auto e, Node(ExprKind::kPath, loc, std::move(args)));
  e->parts = std::move(parts);
  return e;
}

}  // namespace

Result<std::unique_ptr<Ruleset>> Parse(std::string_view text, std::string_view file_name) {
  Parser parser(text, file_name);
  return parser.ParseFile();
}

}  // namespace hearth::rules::detail
