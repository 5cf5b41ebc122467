// The compiled form of a rules file: the match tree, functions and expression trees.
//
// Built by the parser, then resolved (names bound to slots, functions and builtins) and
// never modified again, so it can be shared by evaluating threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/value.h"
#include "rules/rules.h"

namespace re2 {
class RE2;
}

namespace hearth::rules {
namespace detail {

enum class ExprKind : uint8_t {
  kConst,      // `constant`: a literal, or a list/map of literals folded at compile time
  kConstPath,  // `text`: a path without interpolation, canonical ("/a/b")
  kPath,       // `parts` (literal segments; "" marks the next interpolated arg) + args
  kIdent,      // unresolved name (parser output only)
  kLocal,      // `slot`: a function parameter or let binding of the current call
  kWildcard,   // `slot`: a match wildcard of the current match chain
  kRequest,    // the global `request`
  kResource,   // the global `resource`
  kMember,     // args[0].name; `field` pre-classifies the name
  kIndex,      // args[0][args[1]]
  kRange,      // args[0][args[1]:args[2]]
  kCall,       // unresolved name(args) (parser output only)
  kUserCall,   // `slot`: function index in Ruleset::functions; args
  kBuiltin,    // `builtin`; args
  kMethod,     // args[0].name(args[1..]); `method`
  kNot,        // !args[0]
  kNeg,        // -args[0]
  kBinary,     // args[0] op args[1]
  kAnd,        // args[0] && args[1]
  kOr,         // args[0] || args[1]
  kTernary,    // args[0] ? args[1] : args[2]
  kIs,         // args[0] is type_name
  kList,       // [args...]
  kMap,        // {args[0]: args[1], args[2]: args[3], ...}
};

enum class BinaryOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod, kIn };

enum class Builtin : uint8_t {
  kExists,
  kExistsAfter,
  kGet,
  kGetAfter,
  kInt,
  kFloat,
  kString,
  kBool,
  kPath,
  kDebug,
  kMathAbs,
  kMathCeil,
  kMathFloor,
  kMathRound,
  kMathSqrt,
  kMathPow,
  kMathIsInfinite,
  kMathIsNaN,
  kTimestampDate,
  kTimestampValue,
  kDurationValue,
  kDurationTime,
  kDurationAbs,
  kLatLngValue,
};

enum class MethodId : uint8_t {
  kSize,
  kMatches,
  kLower,
  kUpper,
  kSplit,
  kTrim,
  kReplace,
  kToUtf8,
  kHasAny,
  kHasAll,
  kHasOnly,
  kJoin,
  kConcat,
  kRemoveAll,
  kToSet,
  kKeys,
  kValues,
  kGet,
  kDiff,
  kAddedKeys,
  kRemovedKeys,
  kChangedKeys,
  kAffectedKeys,
  kUnchangedKeys,
  kDifference,
  kIntersection,
  kUnion,
  kDate,
  kYear,
  kMonth,
  kDay,
  kHours,
  kMinutes,
  kSeconds,
  kNanos,
  kTime,
  kToMillis,
  kDayOfWeek,
  kDayOfYear,
  kDistance,
  kLatitude,
  kLongitude,
  kToBase64,
  kToHexString,
};

// Member names with a meaning on request / resource objects.
enum class Field : uint8_t {
  kOther,
  kAuth,
  kResource,
  kMethod,
  kTime,
  kPath,
  kQuery,
  kData,
  kId,
  kName,  // __name__
  kUid,
  kToken,
  kLimit,
  kOffset,
};

enum class TypeName : uint8_t {
  kBool,
  kBytes,
  kDuration,
  kFloat,
  kInt,
  kLatLng,
  kList,
  kMap,
  kMapDiff,
  kNull,
  kNumber,
  kPath,
  kSet,
  kString,
  kTimestamp,
};

struct Expr {
  ExprKind kind;
  SourceLocation loc;
  BinaryOp op = BinaryOp::kEq;
  Builtin builtin = Builtin::kExists;
  MethodId method = MethodId::kSize;
  Field field = Field::kOther;
  TypeName type_name = TypeName::kNull;
  int slot = 0;
  int height = 1;                  // of this subtree (bounded by kMaxNesting)
  std::string text;                // kIdent/kCall/kMember/kMethod name; kConstPath path
  model::Value constant;           // kConst
  std::vector<std::string> parts;  // kPath
  std::vector<std::unique_ptr<Expr>> args;
  // kMethod matches/split/replace with a literal pattern: compiled once.
  std::shared_ptr<const re2::RE2> regex;
};

struct Function {
  std::string name;
  SourceLocation loc;
  std::vector<std::string> params;
  std::vector<std::string> let_names;
  std::vector<std::unique_ptr<Expr>> let_values;
  std::unique_ptr<Expr> body;
  int num_locals = 0;  // params + lets
};

struct Allow {
  uint8_t methods = 0;              // bit (1 << Method)
  std::unique_ptr<Expr> condition;  // null: always true
  SourceLocation loc;
};

struct Segment {
  enum class Kind : uint8_t { kLiteral, kSingle, kRecursive };
  Kind kind;
  std::string text;  // literal text, or the variable name
  int slot = 0;      // wildcards: the binding slot (set by the resolver)
};

struct Match {
  SourceLocation loc;
  std::vector<Segment> path;
  int binding_base = 0;  // wildcards bound by enclosing matches
  std::vector<Allow> allows;
  std::vector<std::unique_ptr<Match>> children;
  std::vector<int> functions;  // indices into Ruleset::functions declared here
};

// Language limits (docs/rules.md, "Limits").
inline constexpr int kMaxNesting = 100;     // expression height / block nesting in the source
inline constexpr int kMaxEvalDepth = 1000;  // nested evaluations, across function calls
inline constexpr int kMaxCallDepth = 20;    // user function calls
inline constexpr size_t kMaxFunctions = 1000;
inline constexpr int kMaxLocals = 32;     // parameters + lets of one function
inline constexpr int kMaxSteps = 10'000;  // expression nodes evaluated per request
inline constexpr int kMaxMatchAttempts = 10'000;
inline constexpr size_t kMaxStringBytes = 4 << 20;
inline constexpr size_t kMaxListSize = 1 << 20;
inline constexpr size_t kMaxSourceBytes = 256 << 10;

}  // namespace detail

class Ruleset {
 public:
  std::string file_name;
  int version = 1;
  std::vector<std::unique_ptr<detail::Match>> matches;
  std::vector<std::unique_ptr<detail::Function>> functions;
  std::vector<int> service_functions;
  int max_bindings = 0;  // longest chain of wildcards
};

}  // namespace hearth::rules
