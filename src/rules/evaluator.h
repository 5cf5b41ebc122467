// The evaluator: one per Evaluate() call, on the caller's stack. It walks the match tree
// for the request's path and evaluates the matching `allow` conditions.
//
// evaluator.cc holds matching, operators and member access; builtins.cc the global
// functions and the methods of each type.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "rules/ast.h"
#include "rules/value.h"

namespace hearth::rules::detail {

// The longest path we match (Firestore documents are at most 100 segments deep).
inline constexpr size_t kMaxPathSegments = 128;

class Evaluator {
 public:
  Evaluator(const Ruleset& ruleset, const Request& request);
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Evaluation Run();

 private:
  struct CachedDoc {
    bool after = false;
    std::string path;  // relative
    std::optional<model::Map> data;
    std::string name;
    ResourceObj obj;
  };

  // Matching.
  void MatchBlock(const Match& m, size_t pos);
  void MatchSegments(const Match& m, size_t seg, size_t pos);
  void MatchedBlock(const Match& m, size_t pos);
  void EvaluateAllows(const Match& m);
  Val SegmentValue(size_t index) const;
  Val RangeValue(size_t begin, size_t end) const;

  // Expressions.
  Val Eval(const Expr& e, Val* locals);
  Val EvalInner(const Expr& e, Val* locals);
  Val EvalPath(const Expr& e, Val* locals);
  Val EvalAnd(const Expr& e, Val* locals);
  Val EvalOr(const Expr& e, Val* locals);
  Val EvalBinary(const Expr& e, Val* locals);
  Val EvalList(const Expr& e, Val* locals);
  Val EvalMap(const Expr& e, Val* locals);
  Val CallUser(const Expr& e, Val* locals);
  Val Member(const Val& recv, const Expr& e);
  Val Field(const Val& recv, std::string_view name, detail::Field field);
  Val Index(const Val& recv, const Val& index);
  Val Range(const Val& recv, const Val& from, const Val& to);
  Val Arithmetic(BinaryOp op, const Val& a, const Val& b);
  Val Order(BinaryOp op, const Val& a, const Val& b);
  Val In(const Val& item, const Val& container);
  Val Eq(const Val& a, const Val& b);
  // An object as a plain map (for generic operations on request / resource).
  Val Materialize(const Val& v);

  // builtins.cc
  Val CallBuiltin(const Expr& e, Val* locals);
  Val CallMethod(const Expr& e, Val* locals);
  Val StringMethod(const Expr& e, const Val& s, const Val* args);
  Val ListMethod(const Expr& e, const Val& list, const Val* args);
  Val MapMethod(const Expr& e, const Val& map, const Val* args);
  Val TimestampMethod(const Expr& e, const Val& t);
  Val TimeArithmetic(BinaryOp op, const Val& a, const Val& b);
  const CachedDoc* Read(const Val& path, bool after, Val& error);

  Val FromModel(const model::Value& v, const Anchor& anchor) const {
    return detail::FromModel(v, anchor, req_.database);
  }
  // A value for a list or map under construction, or an error.
  bool ToStored(const Val& v, model::Value& out, Val& error);

  const Ruleset& rs_;
  const Request& req_;

  // "/databases/<db>/documents/<path>" and its segments (offsets of each '/'), in
  // inline_path_ when it fits (no allocation), else in heap_path_.
  std::array<char, 512> inline_path_;
  std::string heap_path_;
  std::string_view full_path_;
  std::array<size_t, kMaxPathSegments + 1> seg_begin_{};
  size_t num_segs_ = 0;
  boost::container::small_vector<Val, 8> bindings_;

  std::optional<ResourceObj> resource_;
  std::optional<ResourceObj> request_resource_;
  std::vector<std::unique_ptr<CachedDoc>> docs_;

  bool allowed_ = false;
  bool unknown_ = false;
  int reads_ = 0;
  int steps_ = 0;
  int depth_ = 0;
  int call_depth_ = 0;
  int match_attempts_ = 0;
  Val last_error_;
};

}  // namespace hearth::rules::detail
