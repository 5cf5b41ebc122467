// Val: a value during evaluation. Cheap to copy; most values borrow what they show (the
// request's documents, the ruleset's constants), so reading request.resource.data.x does
// not allocate. Values built during evaluation own their data through `anchor`, a shared
// pointer that any value derived from them (an element, a field) keeps too.
//
// Errors are values (kError, kUnknown): they flow through operators until an `allow`
// condition turns them into "not true". kUnknown is the error of reading what a partial
// resource does not hold (rules.h, Request::resource_partial).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/value.h"
#include "rules/rules.h"

namespace hearth::rules::detail {

// A signed span of time: seconds + nanos, nanos in [0, 1e9) (so -1.5 s = {-2, 5e8}).
struct Duration {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

enum class Kind : uint8_t {
  kError,
  kUnknown,
  kNull,
  kBool,
  kInt,
  kFloat,
  kString,
  kBytes,
  kTimestamp,
  kDuration,
  kLatLng,
  kPath,  // canonical "/a/b/c"; the empty path is ""
  kList,
  kMap,
  kSet,  // a model::Array sorted by model::Compare, without duplicates
  kMapDiff,
  // Objects with fields computed from the Request: request, request.auth, a resource
  // (resource, request.resource, or a document read by get()), request.query.
  kRequest,
  kAuth,
  kResource,
  kQuery,
};

// A document as rules see it: resource.data / .id / .__name__.
struct ResourceObj {
  const model::Map* data = nullptr;
  std::string_view name;  // "/databases/(default)/documents/posts/p1"
  std::string_view id;
  bool partial = false;
};

class Val;
struct MapDiffData;

using Anchor = std::shared_ptr<const void>;

class Val {
 public:
  Val() = default;  // null

  static Val Error(const char* message) { return Val(Kind::kError, message); }
  static Val Unknown() {
    return Val(Kind::kUnknown, "depends on a document field the query does not fix");
  }
  static Val Bool(bool b) { return Scalar(Kind::kBool, b ? 1 : 0, 0); }
  static Val Int(int64_t i) { return Scalar(Kind::kInt, i, 0); }
  static Val Float(double f);
  static Val Str(std::string_view s, Anchor anchor = nullptr) {
    return View(Kind::kString, s, std::move(anchor));
  }
  static Val OwnedStr(std::string s) { return Owned(Kind::kString, std::move(s)); }
  static Val Bytes(std::string_view s, Anchor anchor) {
    return View(Kind::kBytes, s, std::move(anchor));
  }
  static Val OwnedBytes(std::string s) { return Owned(Kind::kBytes, std::move(s)); }
  static Val Path(std::string_view s, Anchor anchor = nullptr) {
    return View(Kind::kPath, s, std::move(anchor));
  }
  static Val OwnedPath(std::string s) { return Owned(Kind::kPath, std::move(s)); }
  static Val Time(model::Timestamp t) { return Scalar(Kind::kTimestamp, t.seconds, t.nanos); }
  static Val Dur(Duration d) { return Scalar(Kind::kDuration, d.seconds, d.nanos); }
  static Val LatLng(double lat, double lng);
  static Val List(const model::Array* list, Anchor anchor);
  static Val OwnedList(model::Array list);
  static Val Map(const model::Map* map, Anchor anchor, bool partial = false);
  static Val OwnedMap(model::Map map);
  // Sorts and removes duplicates.
  static Val OwnedSet(model::Array items);
  static Val Diff(std::shared_ptr<const MapDiffData> diff);
  static Val Object(Kind kind, const void* object);

  Kind kind() const { return kind_; }
  bool is_error() const { return kind_ == Kind::kError || kind_ == Kind::kUnknown; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_true() const { return kind_ == Kind::kBool && i_ != 0; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_object() const { return kind_ >= Kind::kRequest; }

  // REQUIRES: the matching kind.
  bool boolean() const { return i_ != 0; }
  int64_t integer() const { return i_; }
  double floating() const;
  double AsDouble() const { return kind_ == Kind::kInt ? static_cast<double>(i_) : floating(); }
  std::string_view str() const { return {static_cast<const char*>(p_), n_}; }  // string/bytes/path
  model::Timestamp timestamp() const { return {i_, static_cast<int32_t>(j_)}; }
  Duration duration() const { return {i_, static_cast<int32_t>(j_)}; }
  double latitude() const;
  double longitude() const;
  const model::Array& list() const { return *static_cast<const model::Array*>(p_); }  // list/set
  const model::Map& map() const { return *static_cast<const model::Map*>(p_); }
  bool partial() const { return partial_; }
  const MapDiffData& diff() const { return *static_cast<const MapDiffData*>(p_); }
  const ResourceObj& resource() const { return *static_cast<const ResourceObj*>(p_); }
  const void* object() const { return p_; }
  const Anchor& anchor() const { return anchor_; }

  // Errors: the message (static text) and where it arose (0:0 until located).
  const char* error_message() const { return static_cast<const char*>(p_); }
  SourceLocation error_location() const { return {static_cast<int>(i_), static_cast<int>(j_)}; }
  // Records `loc` on an error that has no location yet.
  Val& Locate(SourceLocation loc) {
    if (is_error() && i_ == 0) {
      i_ = loc.line;
      j_ = loc.column;
    }
    return *this;
  }

 private:
  Val(Kind kind, const char* message) : kind_(kind), p_(message) {}
  static Val Scalar(Kind kind, int64_t i, int64_t j) {
    Val v;
    v.kind_ = kind;
    v.i_ = i;
    v.j_ = j;
    return v;
  }
  static Val View(Kind kind, std::string_view s, Anchor anchor) {
    Val v;
    v.kind_ = kind;
    v.p_ = s.data();
    v.n_ = s.size();
    v.anchor_ = std::move(anchor);
    return v;
  }
  static Val Owned(Kind kind, std::string s);

  Kind kind_ = Kind::kNull;
  bool partial_ = false;
  int64_t i_ = 0;  // bool, int, seconds; float and latitude bits; error line
  int64_t j_ = 0;  // nanos; longitude bits; error column
  const void* p_ = nullptr;
  size_t n_ = 0;
  Anchor anchor_;
};

struct MapDiffData {
  Val after;   // the map diff() was called on
  Val before;  // its argument
};

// The rules value of a stored value: references become paths under `database`.
Val FromModel(const model::Value& v, const Anchor& anchor, std::string_view database);
// The stored form of a value, for building lists and maps. False for what a document
// cannot hold (durations, sets, map diffs, errors, objects).
bool ToModel(const Val& v, model::Value& out);

// "/databases/<db>/documents/" + a relative document path.
std::string DocumentName(std::string_view database, std::string_view relative);

// == on two values that are neither errors nor objects. Numbers compare numerically
// (1 == 1.0); values of different types are unequal.
bool Equal(const Val& a, const Val& b);

}  // namespace hearth::rules::detail
