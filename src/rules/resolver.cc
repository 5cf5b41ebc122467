// Name resolution and compile-time checks: every identifier becomes a slot (a function's
// parameter or let, a match wildcard) or a global; every call a user function or a
// builtin with the right number of arguments; every method name a known method. Literal
// lists and maps are folded into constants and literal regular expressions compiled.
// Recursion between functions is rejected here (Firestore does not allow it either).
#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "rules/parser.h"
#include "rules/regex.h"

namespace hearth::rules::detail {
namespace {

struct BuiltinInfo {
  std::string_view name;
  Builtin id;
  int arity;
};

constexpr BuiltinInfo kGlobalFunctions[] = {
    {"exists", Builtin::kExists, 1}, {"existsAfter", Builtin::kExistsAfter, 1},
    {"get", Builtin::kGet, 1},       {"getAfter", Builtin::kGetAfter, 1},
    {"int", Builtin::kInt, 1},       {"float", Builtin::kFloat, 1},
    {"string", Builtin::kString, 1}, {"bool", Builtin::kBool, 1},
    {"path", Builtin::kPath, 1},     {"debug", Builtin::kDebug, 1},
};

constexpr BuiltinInfo kNamespaceFunctions[] = {
    {"math.abs", Builtin::kMathAbs, 1},
    {"math.ceil", Builtin::kMathCeil, 1},
    {"math.floor", Builtin::kMathFloor, 1},
    {"math.round", Builtin::kMathRound, 1},
    {"math.sqrt", Builtin::kMathSqrt, 1},
    {"math.pow", Builtin::kMathPow, 2},
    {"math.isInfinite", Builtin::kMathIsInfinite, 1},
    {"math.isNaN", Builtin::kMathIsNaN, 1},
    {"timestamp.date", Builtin::kTimestampDate, 3},
    {"timestamp.value", Builtin::kTimestampValue, 1},
    {"duration.value", Builtin::kDurationValue, 2},
    {"duration.time", Builtin::kDurationTime, 4},
    {"duration.abs", Builtin::kDurationAbs, 1},
    {"latlng.value", Builtin::kLatLngValue, 2},
};
constexpr std::string_view kNamespaces[] = {"math", "timestamp", "duration", "latlng"};

struct MethodInfo {
  std::string_view name;
  MethodId id;
  int arity;
};

constexpr MethodInfo kMethods[] = {
    {"size", MethodId::kSize, 0},
    {"matches", MethodId::kMatches, 1},
    {"lower", MethodId::kLower, 0},
    {"upper", MethodId::kUpper, 0},
    {"split", MethodId::kSplit, 1},
    {"trim", MethodId::kTrim, 0},
    {"replace", MethodId::kReplace, 2},
    {"toUtf8", MethodId::kToUtf8, 0},
    {"hasAny", MethodId::kHasAny, 1},
    {"hasAll", MethodId::kHasAll, 1},
    {"hasOnly", MethodId::kHasOnly, 1},
    {"join", MethodId::kJoin, 1},
    {"concat", MethodId::kConcat, 1},
    {"removeAll", MethodId::kRemoveAll, 1},
    {"toSet", MethodId::kToSet, 0},
    {"keys", MethodId::kKeys, 0},
    {"values", MethodId::kValues, 0},
    {"get", MethodId::kGet, 2},
    {"diff", MethodId::kDiff, 1},
    {"addedKeys", MethodId::kAddedKeys, 0},
    {"removedKeys", MethodId::kRemovedKeys, 0},
    {"changedKeys", MethodId::kChangedKeys, 0},
    {"affectedKeys", MethodId::kAffectedKeys, 0},
    {"unchangedKeys", MethodId::kUnchangedKeys, 0},
    {"difference", MethodId::kDifference, 1},
    {"intersection", MethodId::kIntersection, 1},
    {"union", MethodId::kUnion, 1},
    {"date", MethodId::kDate, 0},
    {"year", MethodId::kYear, 0},
    {"month", MethodId::kMonth, 0},
    {"day", MethodId::kDay, 0},
    {"hours", MethodId::kHours, 0},
    {"minutes", MethodId::kMinutes, 0},
    {"seconds", MethodId::kSeconds, 0},
    {"nanos", MethodId::kNanos, 0},
    {"time", MethodId::kTime, 0},
    {"toMillis", MethodId::kToMillis, 0},
    {"dayOfWeek", MethodId::kDayOfWeek, 0},
    {"dayOfYear", MethodId::kDayOfYear, 0},
    {"distance", MethodId::kDistance, 1},
    {"latitude", MethodId::kLatitude, 0},
    {"longitude", MethodId::kLongitude, 0},
    {"toBase64", MethodId::kToBase64, 0},
    {"toHexString", MethodId::kToHexString, 0},
};

constexpr std::pair<std::string_view, Field> kFields[] = {
    {"auth", Field::kAuth},     {"resource", Field::kResource},
    {"method", Field::kMethod}, {"time", Field::kTime},
    {"path", Field::kPath},     {"query", Field::kQuery},
    {"data", Field::kData},     {"id", Field::kId},
    {"__name__", Field::kName}, {"uid", Field::kUid},
    {"token", Field::kToken},   {"limit", Field::kLimit},
    {"offset", Field::kOffset},
};

constexpr std::pair<std::string_view, TypeName> kTypes[] = {
    {"bool", TypeName::kBool},   {"bytes", TypeName::kBytes},   {"duration", TypeName::kDuration},
    {"float", TypeName::kFloat}, {"int", TypeName::kInt},       {"latlng", TypeName::kLatLng},
    {"list", TypeName::kList},   {"map", TypeName::kMap},       {"map_diff", TypeName::kMapDiff},
    {"null", TypeName::kNull},   {"number", TypeName::kNumber}, {"path", TypeName::kPath},
    {"set", TypeName::kSet},     {"string", TypeName::kString}, {"timestamp", TypeName::kTimestamp},
};

template <typename Table>
auto Find(const Table& table, std::string_view name) -> decltype(&table[0]) {
  for (const auto& entry : table) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::string_view Plural(int n) { return n == 1 ? "" : "s"; }

// One lexical level: the service or a match block.
struct Scope {
  const Scope* parent = nullptr;
  const std::vector<int>* functions = nullptr;
  std::vector<std::pair<std::string, int>> wildcards;  // name -> binding slot
};

class Resolver {
 public:
  explicit Resolver(Ruleset& rs) : rs_(rs), calls_(rs.functions.size()) {}

  Status Run() {
    Scope service;
    service.functions = &rs_.service_functions;
    RETURN_IF_ERROR(CheckFunctionNames(service));
    for (int f : rs_.service_functions) RETURN_IF_ERROR(ResolveFunction(f, service));
    for (auto& m : rs_.matches) RETURN_IF_ERROR(ResolveMatch(*m, service, 0));
    return CheckRecursion();
  }

 private:
  Status Error(SourceLocation loc, std::string_view message) const {
    return CompileError(rs_.file_name, loc, message);
  }

  Status CheckFunctionNames(const Scope& scope) {
    for (size_t i = 0; i < scope.functions->size(); ++i) {
      const Function& f = *rs_.functions[(*scope.functions)[i]];
      for (size_t j = 0; j < i; ++j) {
        if (rs_.functions[(*scope.functions)[j]]->name == f.name) {
          return Error(f.loc,
                       fmt::format("function '{}' is already defined in this scope", f.name));
        }
      }
    }
    return Status::Ok();
  }

  Status ResolveMatch(Match& m, const Scope& parent, int binding_base) {
    Scope scope{.parent = &parent, .functions = &m.functions};
    m.binding_base = binding_base;
    int slot = binding_base;
    for (Segment& seg : m.path) {
      if (seg.kind == Segment::Kind::kLiteral) continue;
      seg.slot = slot;
      for (const auto& [name, s] : scope.wildcards) {
        if (name == seg.text) {
          return Error(m.loc, fmt::format("wildcard '{}' appears twice in the path", name));
        }
      }
      scope.wildcards.emplace_back(seg.text, slot++);
    }
    rs_.max_bindings = std::max(rs_.max_bindings, slot);
    RETURN_IF_ERROR(CheckFunctionNames(scope));
    for (int f : m.functions) RETURN_IF_ERROR(ResolveFunction(f, scope));
    for (Allow& allow : m.allows) {
      if (allow.condition) {
        RETURN_IF_ERROR(ResolveExpr(allow.condition, scope, nullptr, 0, -1));
      }
    }
    for (auto& child : m.children) RETURN_IF_ERROR(ResolveMatch(*child, scope, slot));
    return Status::Ok();
  }

  Status ResolveFunction(int index, const Scope& scope) {
    Function& f = *rs_.functions[index];
    const int params = static_cast<int>(f.params.size());
    for (size_t i = 0; i < f.let_values.size(); ++i) {
      // A let sees the parameters and the lets before it.
      RETURN_IF_ERROR(ResolveExpr(f.let_values[i], scope, &f, params + static_cast<int>(i), index));
    }
    return ResolveExpr(f.body, scope, &f, f.num_locals, index);
  }

  // The slot of local `name` among the first `visible` locals of `fn`, or -1.
  static int FindLocal(const Function* fn, int visible, std::string_view name) {
    if (fn == nullptr) return -1;
    for (int i = visible - 1; i >= 0; --i) {
      const int np = static_cast<int>(fn->params.size());
      const std::string& n = i < np ? fn->params[i] : fn->let_names[i - np];
      if (n == name) return i;
    }
    return -1;
  }
  static int FindWildcard(const Scope* scope, std::string_view name) {
    for (; scope != nullptr; scope = scope->parent) {
      for (auto it = scope->wildcards.rbegin(); it != scope->wildcards.rend(); ++it) {
        if (it->first == name) return it->second;
      }
    }
    return -1;
  }
  int FindFunction(const Scope* scope, std::string_view name) const {
    for (; scope != nullptr; scope = scope->parent) {
      for (int f : *scope->functions) {
        if (rs_.functions[f]->name == name) return f;
      }
    }
    return -1;
  }
  static bool IsVariable(const Scope& scope, const Function* fn, int visible,
                         std::string_view name) {
    return FindLocal(fn, visible, name) >= 0 || FindWildcard(&scope, name) >= 0 ||
           name == "request" || name == "resource";
  }

  Status CheckArity(const Expr& e, std::string_view what, int expected, int got) const {
    if (expected == got) return Status::Ok();
    return Error(e.loc, fmt::format("{} takes {} argument{}, {} given", what, expected,
                                    Plural(expected), got));
  }

  Status ResolveExpr(std::unique_ptr<Expr>& ep, const Scope& scope, const Function* fn, int visible,
                     int current_fn) {
    Expr& e = *ep;
    // Namespaced builtins (math.abs(x)) are parsed as method calls on an identifier.
    if (e.kind == ExprKind::kMethod && e.args[0]->kind == ExprKind::kIdent &&
        !IsVariable(scope, fn, visible, e.args[0]->text)) {
      const std::string& ns = e.args[0]->text;
      if (std::find(std::begin(kNamespaces), std::end(kNamespaces), ns) == std::end(kNamespaces)) {
        return Error(e.args[0]->loc, fmt::format("unknown variable '{}'", ns));
      }
      const std::string full = ns + "." + e.text;
      const BuiltinInfo* info = Find(kNamespaceFunctions, full);
      if (info == nullptr) return Error(e.loc, fmt::format("unknown function '{}'", full));
      e.args.erase(e.args.begin());
      RETURN_IF_ERROR(CheckArity(e, full, info->arity, static_cast<int>(e.args.size())));
      e.kind = ExprKind::kBuiltin;
      e.builtin = info->id;
    }
    for (auto& arg : e.args) RETURN_IF_ERROR(ResolveExpr(arg, scope, fn, visible, current_fn));
    switch (e.kind) {
      case ExprKind::kIdent: {
        if (int slot = FindLocal(fn, visible, e.text); slot >= 0) {
          e.kind = ExprKind::kLocal;
          e.slot = slot;
        } else if (int w = FindWildcard(&scope, e.text); w >= 0) {
          e.kind = ExprKind::kWildcard;
          e.slot = w;
        } else if (e.text == "request") {
          e.kind = ExprKind::kRequest;
        } else if (e.text == "resource") {
          e.kind = ExprKind::kResource;
        } else if (fn != nullptr && FindLocal(fn, fn->num_locals, e.text) >= 0) {
          return Error(e.loc, fmt::format("'{}' is used before its let binding", e.text));
        } else {
          return Error(e.loc, fmt::format("unknown variable '{}'", e.text));
        }
        return Status::Ok();
      }
      case ExprKind::kCall: {
        const int nargs = static_cast<int>(e.args.size());
        if (int f = FindFunction(&scope, e.text); f >= 0) {
          RETURN_IF_ERROR(CheckArity(e, fmt::format("function '{}'", e.text),
                                     static_cast<int>(rs_.functions[f]->params.size()), nargs));
          e.kind = ExprKind::kUserCall;
          e.slot = f;
          if (current_fn >= 0) calls_[current_fn].push_back({f, e.loc});
          return Status::Ok();
        }
        const BuiltinInfo* info = Find(kGlobalFunctions, e.text);
        if (info == nullptr) return Error(e.loc, fmt::format("unknown function '{}'", e.text));
        RETURN_IF_ERROR(CheckArity(e, e.text, info->arity, nargs));
        e.kind = ExprKind::kBuiltin;
        e.builtin = info->id;
        return Status::Ok();
      }
      case ExprKind::kMethod: {
        const MethodInfo* info = Find(kMethods, e.text);
        if (info == nullptr) return Error(e.loc, fmt::format("unknown method '{}'", e.text));
        RETURN_IF_ERROR(CheckArity(e, fmt::format("method '{}'", e.text), info->arity,
                                   static_cast<int>(e.args.size()) - 1));
        e.method = info->id;
        const bool takes_regex = info->id == MethodId::kMatches || info->id == MethodId::kSplit ||
                                 info->id == MethodId::kReplace;
        if (takes_regex && e.args[1]->kind == ExprKind::kConst &&
            e.args[1]->constant.type() == model::Value::Type::kString) {
          std::string error;
          e.regex = CompileRegex(e.args[1]->constant.string_value(), error);
          if (e.regex == nullptr) return Error(e.args[1]->loc, error);
        }
        return Status::Ok();
      }
      case ExprKind::kMember: {
        for (const auto& [name, field] : kFields) {
          if (name == e.text) e.field = field;
        }
        return Status::Ok();
      }
      case ExprKind::kIs: {
        for (const auto& [name, type] : kTypes) {
          if (name == e.text) {
            e.type_name = type;
            return Status::Ok();
          }
        }
        return Error(e.loc, fmt::format("unknown type '{}' after 'is'", e.text));
      }
      case ExprKind::kList:
        FoldList(e);
        return Status::Ok();
      case ExprKind::kMap:
        FoldMap(e);
        return Status::Ok();
      default:
        return Status::Ok();
    }
  }

  static bool AllConstant(const Expr& e) {
    return std::all_of(e.args.begin(), e.args.end(),
                       [](const auto& a) { return a->kind == ExprKind::kConst; });
  }
  // [1, 'a'] is built once, here, rather than at every evaluation.
  static void FoldList(Expr& e) {
    if (!AllConstant(e)) return;
    model::Array items;
    items.reserve(e.args.size());
    for (auto& a : e.args) items.push_back(std::move(a->constant));
    e.kind = ExprKind::kConst;
    e.constant = model::Value::FromArray(std::move(items));
    e.args.clear();
  }
  static void FoldMap(Expr& e) {
    if (!AllConstant(e)) return;
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      if (e.args[i]->constant.type() != model::Value::Type::kString) return;  // error at runtime
    }
    e.kind = ExprKind::kConst;
    e.constant = model::Value::FromMap(model::Map());
    model::Map& fields = e.constant.map_value();
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      fields[e.args[i]->constant.string_value()] = e.args[i + 1]->constant;
    }
    e.args.clear();
  }

  Status CheckRecursion() {
    // 0 = unvisited, 1 = on the DFS stack, 2 = done.
    std::vector<int> state(rs_.functions.size(), 0);
    for (size_t f = 0; f < rs_.functions.size(); ++f) {
      RETURN_IF_ERROR(Visit(static_cast<int>(f), state));
    }
    return Status::Ok();
  }
  Status Visit(int f, std::vector<int>& state) {
    if (state[f] == 2) return Status::Ok();
    state[f] = 1;
    for (const auto& [callee, loc] : calls_[f]) {
      if (state[callee] == 1) {
        return Error(loc, fmt::format("recursive call to function '{}' (functions may not be "
                                      "recursive)",
                                      rs_.functions[callee]->name));
      }
      RETURN_IF_ERROR(Visit(callee, state));
    }
    state[f] = 2;
    return Status::Ok();
  }

  Ruleset& rs_;
  std::vector<std::vector<std::pair<int, SourceLocation>>> calls_;  // caller -> callees
};

}  // namespace

Status Resolve(Ruleset& ruleset) { return Resolver(ruleset).Run(); }

}  // namespace hearth::rules::detail
