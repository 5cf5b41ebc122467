#include "rules/evaluator.h"

#include <cmath>
#include <cstring>

#include "rules/parser.h"

namespace hearth::rules {

using detail::Evaluator;
using detail::Kind;
using detail::Val;

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "get";
    case Method::kList:
      return "list";
    case Method::kCreate:
      return "create";
    case Method::kUpdate:
      return "update";
    case Method::kDelete:
      return "delete";
  }
  return "get";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (Method m :
       {Method::kGet, Method::kList, Method::kCreate, Method::kUpdate, Method::kDelete}) {
    if (MethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kAllow:
      return "allow";
    case Decision::kDeny:
      return "deny";
    case Decision::kUnknown:
      return "unknown";
  }
  return "deny";
}

Result<std::shared_ptr<const Ruleset>> Compile(std::string_view text, std::string_view file_name) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ruleset> ruleset, detail::Parse(text, file_name));
  RETURN_IF_ERROR(detail::Resolve(*ruleset));
  return std::shared_ptr<const Ruleset>(std::move(ruleset));
}

Evaluation Evaluate(const Ruleset& ruleset, const Request& request) {
  Evaluator evaluator(ruleset, request);
  return evaluator.Run();
}

namespace detail {
namespace {

const model::Map kEmptyMap;

// kError wins over kUnknown: a definite error cannot become true whatever the unknown is.
const Val& WorseError(const Val& a, const Val& b) {
  if (a.kind() == Kind::kError) return a;
  if (b.kind() == Kind::kError) return b;
  return a.is_error() ? a : b;
}

}  // namespace

Evaluator::Evaluator(const Ruleset& ruleset, const Request& request) : rs_(ruleset), req_(request) {
  static constexpr std::string_view kDatabases = "/databases/";
  static constexpr std::string_view kDocuments = "/documents";
  const size_t size =
      kDatabases.size() + req_.database.size() + kDocuments.size() + 1 + req_.path.size();
  char* out;
  if (size <= inline_path_.size()) {
    out = inline_path_.data();
  } else {
    heap_path_.resize(size);
    out = heap_path_.data();
  }
  char* p = out;
  auto put = [&](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(kDatabases);
  put(req_.database);
  put(kDocuments);
  *p++ = '/';
  put(req_.path);
  full_path_ = std::string_view(out, size);
}

Evaluation Evaluator::Run() {
  Evaluation result;
  // Segment offsets; an empty segment (a malformed path) denies.
  bool valid = !req_.path.empty() && req_.database.find('/') == std::string_view::npos;
  for (size_t i = 0; valid && i < full_path_.size(); ++i) {
    if (full_path_[i] != '/') continue;
    if (num_segs_ >= kMaxPathSegments || i + 1 >= full_path_.size() || full_path_[i + 1] == '/') {
      valid = false;
      break;
    }
    seg_begin_[num_segs_++] = i;
  }
  if (!valid) return result;
  seg_begin_[num_segs_] = full_path_.size();

  const std::string_view name = full_path_;
  const std::string_view id = full_path_.substr(seg_begin_[num_segs_ - 1] + 1);
  if (req_.resource != nullptr || req_.resource_partial) {
    resource_ = ResourceObj{.data = req_.resource != nullptr ? req_.resource : &kEmptyMap,
                            .name = name,
                            .id = id,
                            .partial = req_.resource_partial};
  }
  if (req_.request_resource != nullptr) {
    request_resource_ = ResourceObj{.data = req_.request_resource, .name = name, .id = id};
  }
  bindings_.resize(static_cast<size_t>(rs_.max_bindings));

  for (const auto& m : rs_.matches) {
    if (allowed_) break;
    MatchBlock(*m, 0);
  }
  result.reads = reads_;
  if (allowed_) {
    result.decision = Decision::kAllow;
  } else if (unknown_) {
    result.decision = Decision::kUnknown;
  } else if (last_error_.is_error()) {
    result.error = last_error_.error_message();
    result.error_location = last_error_.error_location();
  }
  return result;
}

// ---- Matching ----

void Evaluator::MatchBlock(const Match& m, size_t pos) { MatchSegments(m, 0, pos); }

Val Evaluator::SegmentValue(size_t index) const {
  if (req_.resource_partial && index + 1 == num_segs_) return Val::Unknown();
  const size_t b = seg_begin_[index] + 1;
  return Val::Str(full_path_.substr(b, seg_begin_[index + 1] - b));
}

Val Evaluator::RangeValue(size_t begin, size_t end) const {
  if (req_.resource_partial && end == num_segs_ && end > begin) return Val::Unknown();
  return Val::Path(full_path_.substr(seg_begin_[begin], seg_begin_[end] - seg_begin_[begin]));
}

// Matches m.path[seg..] against the request's segments from `pos`; for each way it
// matches (a {x=**} may take any number of segments), continues in MatchedBlock.
void Evaluator::MatchSegments(const Match& m, size_t seg, size_t pos) {
  if (allowed_ || ++match_attempts_ > kMaxMatchAttempts) return;
  if (seg == m.path.size()) {
    MatchedBlock(m, pos);
    return;
  }
  const Segment& s = m.path[seg];
  const size_t slot = static_cast<size_t>(s.slot);
  switch (s.kind) {
    case Segment::Kind::kLiteral: {
      if (pos >= num_segs_) return;
      const size_t b = seg_begin_[pos] + 1;
      if (full_path_.substr(b, seg_begin_[pos + 1] - b) != s.text) return;
      MatchSegments(m, seg + 1, pos + 1);
      return;
    }
    case Segment::Kind::kSingle:
      if (pos >= num_segs_) return;
      bindings_[slot] = SegmentValue(pos);
      MatchSegments(m, seg + 1, pos + 1);
      return;
    case Segment::Kind::kRecursive: {
      if (rs_.version < 2) {
        // Version 1: the rest of the path, at least one segment.
        if (pos >= num_segs_) return;
        bindings_[slot] = RangeValue(pos, num_segs_);
        MatchSegments(m, seg + 1, num_segs_);
        return;
      }
      for (size_t end = pos; end <= num_segs_ && !allowed_; ++end) {
        bindings_[slot] = RangeValue(pos, end);
        MatchSegments(m, seg + 1, end);
      }
      return;
    }
  }
}

void Evaluator::MatchedBlock(const Match& m, size_t pos) {
  if (pos == num_segs_) EvaluateAllows(m);
  for (const auto& child : m.children) {
    if (allowed_) return;
    MatchBlock(*child, pos);
  }
}

void Evaluator::EvaluateAllows(const Match& m) {
  const uint8_t bit = static_cast<uint8_t>(1u << static_cast<int>(req_.method));
  for (const Allow& allow : m.allows) {
    if ((allow.methods & bit) == 0) continue;
    if (!allow.condition) {
      allowed_ = true;
      return;
    }
    depth_ = 0;
    call_depth_ = 0;
    Val v = Eval(*allow.condition, nullptr);
    if (v.is_true()) {
      allowed_ = true;
      return;
    }
    if (v.kind() == Kind::kUnknown) {
      unknown_ = true;
    } else if (v.kind() == Kind::kError) {
      last_error_ = v;
    } else if (v.kind() != Kind::kBool) {
      last_error_ = Val::Error("condition is not a bool").Locate(allow.condition->loc);
    }
  }
}

// ---- Expressions ----

Val Evaluator::Eval(const Expr& e, Val* locals) {
  if (++steps_ > kMaxSteps) return Val::Error("too many expressions evaluated").Locate(e.loc);
  if (depth_ >= kMaxEvalDepth) return Val::Error("evaluation nested too deeply").Locate(e.loc);
  ++depth_;
  Val v = EvalInner(e, locals);
  --depth_;
  return std::move(v.Locate(e.loc));
}

Val Evaluator::EvalInner(const Expr& e, Val* locals) {
  switch (e.kind) {
    case ExprKind::kConst:
      return FromModel(e.constant, nullptr);
    case ExprKind::kConstPath:
      return Val::Path(e.text);
    case ExprKind::kPath:
      return EvalPath(e, locals);
    case ExprKind::kLocal:
      return locals[e.slot];
    case ExprKind::kWildcard:
      return bindings_[static_cast<size_t>(e.slot)];
    case ExprKind::kRequest:
      return Val::Object(Kind::kRequest, &req_);
    case ExprKind::kResource:
      return resource_ ? Val::Object(Kind::kResource, &*resource_) : Val();
    case ExprKind::kMember: {
      Val recv = Eval(*e.args[0], locals);
      if (recv.is_error()) return recv;
      return Member(recv, e);
    }
    case ExprKind::kIndex: {
      Val recv = Eval(*e.args[0], locals);
      Val index = Eval(*e.args[1], locals);
      if (recv.is_error() || index.is_error()) return WorseError(recv, index);
      return Index(recv, index);
    }
    case ExprKind::kRange: {
      Val recv = Eval(*e.args[0], locals);
      Val from = Eval(*e.args[1], locals);
      Val to = Eval(*e.args[2], locals);
      if (recv.is_error() || from.is_error()) return WorseError(recv, from);
      if (to.is_error()) return to;
      return Range(recv, from, to);
    }
    case ExprKind::kUserCall:
      return CallUser(e, locals);
    case ExprKind::kBuiltin:
      return CallBuiltin(e, locals);
    case ExprKind::kMethod:
      return CallMethod(e, locals);
    case ExprKind::kNot: {
      Val v = Eval(*e.args[0], locals);
      if (v.is_error()) return v;
      if (v.kind() != Kind::kBool) return Val::Error("'!' needs a bool");
      return Val::Bool(!v.boolean());
    }
    case ExprKind::kNeg: {
      Val v = Eval(*e.args[0], locals);
      if (v.is_error()) return v;
      if (v.kind() == Kind::kInt) {
        if (v.integer() == INT64_MIN) return Val::Error("integer overflow");
        return Val::Int(-v.integer());
      }
      if (v.kind() == Kind::kFloat) return Val::Float(-v.floating());
      return Val::Error("'-' needs a number");
    }
    case ExprKind::kBinary:
      return EvalBinary(e, locals);
    case ExprKind::kAnd:
      return EvalAnd(e, locals);
    case ExprKind::kOr:
      return EvalOr(e, locals);
    case ExprKind::kTernary: {
      Val c = Eval(*e.args[0], locals);
      if (c.is_error()) return c;
      if (c.kind() != Kind::kBool) return Val::Error("the condition of '?:' is not a bool");
      return Eval(*e.args[c.boolean() ? 1 : 2], locals);
    }
    case ExprKind::kIs: {
      Val v = Eval(*e.args[0], locals);
      if (v.is_error()) return v;
      const Kind k = v.kind();
      switch (e.type_name) {
        case TypeName::kBool:
          return Val::Bool(k == Kind::kBool);
        case TypeName::kBytes:
          return Val::Bool(k == Kind::kBytes);
        case TypeName::kDuration:
          return Val::Bool(k == Kind::kDuration);
        case TypeName::kFloat:
          return Val::Bool(k == Kind::kFloat);
        case TypeName::kInt:
          return Val::Bool(k == Kind::kInt);
        case TypeName::kLatLng:
          return Val::Bool(k == Kind::kLatLng);
        case TypeName::kList:
          return Val::Bool(k == Kind::kList);
        case TypeName::kMap:
          return Val::Bool(k == Kind::kMap || v.is_object());
        case TypeName::kMapDiff:
          return Val::Bool(k == Kind::kMapDiff);
        case TypeName::kNull:
          return Val::Bool(k == Kind::kNull);
        case TypeName::kNumber:
          return Val::Bool(k == Kind::kInt || k == Kind::kFloat);
        case TypeName::kPath:
          return Val::Bool(k == Kind::kPath);
        case TypeName::kSet:
          return Val::Bool(k == Kind::kSet);
        case TypeName::kString:
          return Val::Bool(k == Kind::kString);
        case TypeName::kTimestamp:
          return Val::Bool(k == Kind::kTimestamp);
      }
      return Val::Bool(false);
    }
    case ExprKind::kList:
      return EvalList(e, locals);
    case ExprKind::kMap:
      return EvalMap(e, locals);
    case ExprKind::kIdent:
    case ExprKind::kCall:
      break;  // resolved away by Compile()
  }
  return Val::Error("unresolved expression");
}

Val Evaluator::EvalPath(const Expr& e, Val* locals) {
  std::string path;
  size_t next_arg = 0;
  for (const std::string& part : e.parts) {
    if (!part.empty()) {
      path += '/';
      path += part;
      continue;
    }
    Val v = Eval(*e.args[next_arg++], locals);
    switch (v.kind()) {
      case Kind::kError:
      case Kind::kUnknown:
        return v;
      case Kind::kString:
        if (v.str().empty() || v.str().find('/') != std::string_view::npos) {
          return Val::Error("a path segment must be a non-empty string without '/'");
        }
        path += '/';
        path += v.str();
        break;
      case Kind::kInt:
        path += '/' + std::to_string(v.integer());
        break;
      case Kind::kPath:
        path += v.str();
        break;
      default:
        return Val::Error("a path segment must be a string, int or path");
    }
    if (path.size() > kMaxStringBytes) return Val::Error("path too long");
  }
  return Val::OwnedPath(std::move(path));
}

// Firestore's && and ||: false && error = false, true || error = true.
Val Evaluator::EvalAnd(const Expr& e, Val* locals) {
  Val a = Eval(*e.args[0], locals);
  if (!a.is_error() && a.kind() != Kind::kBool) a = Val::Error("'&&' needs bools");
  if (a.kind() == Kind::kBool && !a.boolean()) return a;
  Val b = Eval(*e.args[1], locals);
  if (!b.is_error() && b.kind() != Kind::kBool) b = Val::Error("'&&' needs bools");
  if (b.kind() == Kind::kBool && !b.boolean()) return b;
  if (a.is_error() || b.is_error()) return WorseError(a, b);
  return Val::Bool(true);
}

Val Evaluator::EvalOr(const Expr& e, Val* locals) {
  Val a = Eval(*e.args[0], locals);
  if (!a.is_error() && a.kind() != Kind::kBool) a = Val::Error("'||' needs bools");
  if (a.is_true()) return a;
  Val b = Eval(*e.args[1], locals);
  if (!b.is_error() && b.kind() != Kind::kBool) b = Val::Error("'||' needs bools");
  if (b.is_true()) return b;
  // An unknown side could still be true, so unknown wins over an error here.
  if (a.kind() == Kind::kUnknown) return a;
  if (b.kind() == Kind::kUnknown) return b;
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Val::Bool(false);
}

Val Evaluator::EvalBinary(const Expr& e, Val* locals) {
  Val a = Eval(*e.args[0], locals);
  Val b = Eval(*e.args[1], locals);
  if (a.is_error() || b.is_error()) return WorseError(a, b);
  switch (e.op) {
    case BinaryOp::kEq:
      return Eq(a, b);
    case BinaryOp::kNe: {
      Val eq = Eq(a, b);
      return eq.is_error() ? eq : Val::Bool(!eq.boolean());
    }
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe:
      return Order(e.op, a, b);
    case BinaryOp::kIn:
      return In(a, b);
    default:
      return Arithmetic(e.op, a, b);
  }
}

Val Evaluator::Eq(const Val& a, const Val& b) {
  if (a.is_object() || b.is_object()) {
    // Objects are maps; only a map can equal them.
    const Val& other = a.is_object() ? b : a;
    if (!other.is_object() && other.kind() != Kind::kMap) return Val::Bool(false);
    Val x = Materialize(a);
    Val y = Materialize(b);
    if (x.is_error() || y.is_error()) return WorseError(x, y);
    return Eq(x, y);
  }
  if (a.partial() || b.partial()) {
    const Val& other = a.partial() ? b : a;
    if (other.kind() != Kind::kMap) return Val::Bool(false);
    return Val::Unknown();
  }
  return Val::Bool(Equal(a, b));
}

Val Evaluator::Order(BinaryOp op, const Val& a, const Val& b) {
  int c;
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::kInt && b.kind() == Kind::kInt) {
      c = a.integer() < b.integer() ? -1 : (a.integer() > b.integer() ? 1 : 0);
    } else if (a.kind() == Kind::kFloat && b.kind() == Kind::kFloat) {
      const double x = a.floating(), y = b.floating();
      if (std::isnan(x) || std::isnan(y)) return Val::Bool(false);
      c = x < y ? -1 : (x > y ? 1 : 0);
    } else if (a.kind() == Kind::kInt) {
      if (std::isnan(b.floating())) return Val::Bool(false);
      c = model::CompareIntDouble(a.integer(), b.floating());
    } else {
      if (std::isnan(a.floating())) return Val::Bool(false);
      c = -model::CompareIntDouble(b.integer(), a.floating());
    }
  } else if (a.kind() != b.kind()) {
    return Val::Error("cannot compare values of different types");
  } else {
    switch (a.kind()) {
      case Kind::kString:
      case Kind::kBytes:
        c = a.str().compare(b.str());
        break;
      case Kind::kTimestamp:
        c = a.timestamp() < b.timestamp() ? -1 : (b.timestamp() < a.timestamp() ? 1 : 0);
        break;
      case Kind::kDuration: {
        const auto x = a.duration(), y = b.duration();
        c = x.seconds != y.seconds ? (x.seconds < y.seconds ? -1 : 1)
                                   : (x.nanos < y.nanos ? -1 : (x.nanos > y.nanos ? 1 : 0));
        break;
      }
      default:
        return Val::Error("values of this type cannot be ordered");
    }
  }
  switch (op) {
    case BinaryOp::kLt:
      return Val::Bool(c < 0);
    case BinaryOp::kLe:
      return Val::Bool(c <= 0);
    case BinaryOp::kGt:
      return Val::Bool(c > 0);
    default:
      return Val::Bool(c >= 0);
  }
}

Val Evaluator::In(const Val& item, const Val& container) {
  switch (container.kind()) {
    case Kind::kList:
    case Kind::kSet: {
      if (item.is_object()) return In(Materialize(item), container);
      for (const model::Value& x : container.list()) {
        if (Equal(item, FromModel(x, nullptr))) return Val::Bool(true);
      }
      return Val::Bool(false);
    }
    case Kind::kMap: {
      if (item.kind() != Kind::kString) return Val::Error("'in' on a map needs a string key");
      const bool found = container.map().find(item.str()) != container.map().end();
      if (!found && container.partial()) return Val::Unknown();
      return Val::Bool(found);
    }
    case Kind::kRequest:
    case Kind::kAuth:
    case Kind::kResource:
    case Kind::kQuery: {
      Val m = Materialize(container);
      if (m.is_error()) return m;
      return In(item, m);
    }
    default:
      return Val::Error("'in' needs a list, set or map");
  }
}

Val Evaluator::Arithmetic(BinaryOp op, const Val& a, const Val& b) {
  const Kind ka = a.kind(), kb = b.kind();
  if (ka == Kind::kInt && kb == Kind::kInt) {
    const int64_t x = a.integer(), y = b.integer();
    int64_t r = 0;
    switch (op) {
      case BinaryOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return Val::Error("integer overflow");
        return Val::Int(r);
      case BinaryOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return Val::Error("integer overflow");
        return Val::Int(r);
      case BinaryOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return Val::Error("integer overflow");
        return Val::Int(r);
      case BinaryOp::kDiv:
        if (y == 0) return Val::Error("division by zero");
        if (x == INT64_MIN && y == -1) return Val::Error("integer overflow");
        return Val::Int(x / y);
      case BinaryOp::kMod:
        if (y == 0) return Val::Error("modulo by zero");
        if (y == -1) return Val::Int(0);
        return Val::Int(x % y);
      default:
        break;
    }
  } else if (a.is_number() && b.is_number()) {
    const double x = a.AsDouble(), y = b.AsDouble();
    switch (op) {
      case BinaryOp::kAdd:
        return Val::Float(x + y);
      case BinaryOp::kSub:
        return Val::Float(x - y);
      case BinaryOp::kMul:
        return Val::Float(x * y);
      case BinaryOp::kDiv:
        if (y == 0) return Val::Error("division by zero");
        return Val::Float(x / y);
      case BinaryOp::kMod:
        if (y == 0) return Val::Error("modulo by zero");
        return Val::Float(std::fmod(x, y));
      default:
        break;
    }
  } else if (op == BinaryOp::kAdd && ka == Kind::kString && kb == Kind::kString) {
    if (a.str().size() + b.str().size() > kMaxStringBytes) return Val::Error("string too long");
    std::string s;
    s.reserve(a.str().size() + b.str().size());
    s.append(a.str()).append(b.str());
    return Val::OwnedStr(std::move(s));
  } else if (op == BinaryOp::kAdd && ka == Kind::kList && kb == Kind::kList) {
    if (a.list().size() + b.list().size() > kMaxListSize) return Val::Error("list too long");
    model::Array items = a.list();
    items.insert(items.end(), b.list().begin(), b.list().end());
    return Val::OwnedList(std::move(items));
  } else if (ka == Kind::kTimestamp || ka == Kind::kDuration || kb == Kind::kTimestamp ||
             kb == Kind::kDuration) {
    return TimeArithmetic(op, a, b);
  }
  return Val::Error("operator not defined for these types");
}

Val Evaluator::EvalList(const Expr& e, Val* locals) {
  model::Array items;
  items.reserve(e.args.size());
  for (const auto& arg : e.args) {
    Val v = Eval(*arg, locals);
    model::Value stored;
    Val error;
    if (!ToStored(v, stored, error)) return error;
    items.push_back(std::move(stored));
  }
  return Val::OwnedList(std::move(items));
}

Val Evaluator::EvalMap(const Expr& e, Val* locals) {
  model::Map fields;
  for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
    Val k = Eval(*e.args[i], locals);
    if (k.is_error()) return k;
    if (k.kind() != Kind::kString) return Val::Error("map keys must be strings");
    Val v = Eval(*e.args[i + 1], locals);
    model::Value stored;
    Val error;
    if (!ToStored(v, stored, error)) return error;
    fields.insert_or_assign(std::string(k.str()), std::move(stored));
  }
  return Val::OwnedMap(std::move(fields));
}

bool Evaluator::ToStored(const Val& v, model::Value& out, Val& error) {
  if (v.is_error()) {
    error = v;
    return false;
  }
  if (v.partial()) {
    error = Val::Unknown();
    return false;
  }
  if (v.is_object()) {
    Val m = Materialize(v);
    return ToStored(m, out, error);
  }
  if (!ToModel(v, out)) {
    error = Val::Error("durations, sets and map diffs cannot be put in lists or maps");
    return false;
  }
  return true;
}

Val Evaluator::CallUser(const Expr& e, Val* locals) {
  if (call_depth_ >= kMaxCallDepth) return Val::Error("function calls nested too deeply");
  const Function& f = *rs_.functions[static_cast<size_t>(e.slot)];
  boost::container::small_vector<Val, 8> frame(static_cast<size_t>(f.num_locals));
  for (size_t i = 0; i < e.args.size(); ++i) frame[i] = Eval(*e.args[i], locals);
  ++call_depth_;
  // Lets are evaluated in order; an error is kept as the let's value and only matters if
  // the value is used.
  const size_t np = f.params.size();
  for (size_t i = 0; i < f.let_values.size(); ++i) {
    frame[np + i] = Eval(*f.let_values[i], frame.data());
  }
  Val result = Eval(*f.body, frame.data());
  --call_depth_;
  return result;
}

Val Evaluator::Member(const Val& recv, const Expr& e) { return Field(recv, e.text, e.field); }

Val Evaluator::Field(const Val& recv, std::string_view name, detail::Field field) {
  switch (recv.kind()) {
    case Kind::kNull:
      return Val::Error("null value has no fields");
    case Kind::kMap: {
      const model::Map& m = recv.map();
      auto it = m.find(name);
      if (it == m.end()) {
        return recv.partial() ? Val::Unknown() : Val::Error("no such field in map");
      }
      return FromModel(it->second, recv.anchor());
    }
    case Kind::kRequest:
      switch (field) {
        case Field::kAuth:
          return req_.auth != nullptr ? Val::Object(Kind::kAuth, req_.auth) : Val();
        case Field::kResource:
          return request_resource_ ? Val::Object(Kind::kResource, &*request_resource_) : Val();
        case Field::kMethod:
          return Val::Str(MethodName(req_.method));
        case Field::kTime:
          return Val::Time(model::Timestamp::FromMicros(req_.time_micros));
        case Field::kPath:
          return req_.resource_partial ? Val::Unknown() : Val::Path(full_path_);
        case Field::kQuery:
          if (req_.method != Method::kList) return Val::Error("request.query is only set for list");
          return Val::Object(Kind::kQuery, &req_);
        default:
          return Val::Error("request has no such field");
      }
    case Kind::kAuth: {
      const Auth& auth = *static_cast<const Auth*>(recv.object());
      if (field == Field::kUid) return Val::Str(auth.uid);
      if (field == Field::kToken) return Val::Map(&auth.token, nullptr);
      return Val::Error("request.auth has no such field");
    }
    case Kind::kResource: {
      const ResourceObj& r = recv.resource();
      switch (field) {
        case Field::kData:
          return Val::Map(r.data, nullptr, r.partial);
        case Field::kId:
          return r.partial ? Val::Unknown() : Val::Str(r.id);
        case Field::kName:
          return r.partial ? Val::Unknown() : Val::Path(r.name);
        default:
          return Val::Error("a resource has only data, id and __name__");
      }
    }
    case Kind::kQuery:
      if (field == Field::kLimit && req_.query_limit) return Val::Int(*req_.query_limit);
      if (field == Field::kOffset && req_.query_offset) return Val::Int(*req_.query_offset);
      return Val::Error("request.query has no such field");
    default:
      return Val::Error("value has no fields");
  }
}

Val Evaluator::Index(const Val& recv, const Val& index) {
  switch (recv.kind()) {
    case Kind::kMap:
      if (index.kind() != Kind::kString) return Val::Error("map index must be a string");
      return Field(recv, index.str(), Field::kOther);
    case Kind::kList: {
      if (index.kind() != Kind::kInt) return Val::Error("list index must be an int");
      if (index.integer() < 0 || static_cast<uint64_t>(index.integer()) >= recv.list().size()) {
        return Val::Error("list index out of range");
      }
      return FromModel(recv.list()[static_cast<size_t>(index.integer())], recv.anchor());
    }
    case Kind::kPath: {
      if (index.kind() != Kind::kInt) return Val::Error("path index must be an int");
      std::string_view p = recv.str();
      int64_t i = index.integer();
      size_t pos = 0;
      while (pos < p.size()) {
        const size_t end = std::min(p.find('/', pos + 1), p.size());
        if (i-- == 0) return Val::Str(p.substr(pos + 1, end - pos - 1), recv.anchor());
        pos = end;
      }
      return Val::Error("path index out of range");
    }
    case Kind::kNull:
      return Val::Error("null value cannot be indexed");
    case Kind::kRequest:
    case Kind::kAuth:
    case Kind::kResource:
    case Kind::kQuery: {
      Val m = Materialize(recv);
      if (m.is_error()) return m;
      return Index(m, index);
    }
    default:
      return Val::Error("value cannot be indexed");
  }
}

Val Evaluator::Range(const Val& recv, const Val& from, const Val& to) {
  if (recv.kind() != Kind::kList) return Val::Error("ranges apply to lists");
  if (from.kind() != Kind::kInt || to.kind() != Kind::kInt) {
    return Val::Error("range bounds must be ints");
  }
  const model::Array& l = recv.list();
  const int64_t a = from.integer(), b = to.integer();
  if (a < 0 || b < a || static_cast<uint64_t>(b) > l.size()) {
    return Val::Error("range out of bounds");
  }
  return Val::OwnedList(model::Array(l.begin() + a, l.begin() + b));
}

Val Evaluator::Materialize(const Val& v) {
  auto reference = [&](std::string_view path) {
    model::Value out;
    ToModel(Val::Path(path), out);
    return out;
  };
  model::Map m;
  switch (v.kind()) {
    case Kind::kAuth: {
      const Auth& auth = *static_cast<const Auth*>(v.object());
      m.emplace("uid", model::Value::String(auth.uid));
      m.emplace("token", model::Value::FromMap(auth.token));
      break;
    }
    case Kind::kResource: {
      const ResourceObj& r = v.resource();
      if (r.partial) return Val::Unknown();
      m.emplace("data", model::Value::FromMap(*r.data));
      m.emplace("id", model::Value::String(std::string(r.id)));
      m.emplace("__name__", reference(r.name));
      break;
    }
    case Kind::kQuery:
      if (req_.query_limit) m.emplace("limit", model::Value::Integer(*req_.query_limit));
      if (req_.query_offset) m.emplace("offset", model::Value::Integer(*req_.query_offset));
      break;
    case Kind::kRequest: {
      if (req_.resource_partial) return Val::Unknown();
      if (req_.auth != nullptr) {
        Val auth = Materialize(Val::Object(Kind::kAuth, req_.auth));
        m.emplace("auth", model::Value::FromMap(auth.map()));
      } else {
        m.emplace("auth", model::Value::Null());
      }
      m.emplace("method", model::Value::String(std::string(MethodName(req_.method))));
      m.emplace("path", reference(full_path_));
      m.emplace("time",
                model::Value::FromTimestamp(model::Timestamp::FromMicros(req_.time_micros)));
      if (request_resource_) {
        Val r = Materialize(Val::Object(Kind::kResource, &*request_resource_));
        m.emplace("resource", model::Value::FromMap(r.map()));
      } else {
        m.emplace("resource", model::Value::Null());
      }
      break;
    }
    default:
      return v;
  }
  return Val::OwnedMap(std::move(m));
}

}  // namespace detail
}  // namespace hearth::rules
