// Query: Firestore's structured query (collection or collection group, filters, order,
// limits, cursors, projection), parsed from the JSON body of POST /v1/query and checked
// against Firestore's rules of validity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/field_path.h"
#include "model/json_view.h"
#include "model/path.h"
#include "model/value.h"

namespace hearth::query {

enum class Operator {
  kLessThan,
  kLessThanOrEqual,
  kEqual,
  kNotEqual,
  kGreaterThan,
  kGreaterThanOrEqual,
  kArrayContains,
  kArrayContainsAny,
  kIn,
  kNotIn,
};

// "<", "array-contains", ...
std::string_view OperatorName(Operator op);
// <, <=, >, >=, !=, not-in: the operators that need the field first in the order.
bool IsInequality(Operator op);

struct FieldFilter {
  model::FieldPath field;  // may be FieldPath::DocumentName()
  Operator op;
  model::Value value;  // for in / not-in / array-contains-any: an array
};

// A filter tree: a field filter, or an AND / OR of filters.
struct Filter {
  enum class Kind { kField, kAnd, kOr };
  Kind kind = Kind::kField;
  FieldFilter field;             // kField
  std::vector<Filter> children;  // kAnd, kOr
};

enum class Direction { kAscending, kDescending };

struct Order {
  model::FieldPath field;
  Direction direction = Direction::kAscending;
};

// A cursor: values for a prefix of the query's (normalized) order, or a document whose
// values are used (resolved by the executor).
struct Cursor {
  std::vector<model::Value> values;
  std::optional<std::string> document;  // a document path
  bool inclusive = true;                // startAt / endAt; false: startAfter / endBefore
};

struct Query {
  // The collection: `parent` (a document path, empty for the root) + `collection_id`, or
  // every collection named `collection_id` anywhere (`collection_group`).
  model::ResourcePath parent;
  std::string collection_id;
  bool collection_group = false;

  std::optional<Filter> filter;
  // The order results come in: the explicit orderBy, then inequality fields not named
  // there, then __name__ (in the direction of the last order, ascending by default).
  std::vector<Order> order;
  size_t explicit_order_count = 0;

  std::optional<int64_t> limit;
  bool limit_to_last = false;
  std::optional<Cursor> start;
  std::optional<Cursor> end;
  std::optional<std::vector<model::FieldPath>> select;

  // The queried collection's path ("users/u1/posts"), or the ID for a collection group.
  std::string CollectionLabel() const;
};

// At most this many values in in / not-in / array-contains-any, and at most this many
// disjunctions once the filter is in disjunctive normal form (Firestore's limit).
inline constexpr size_t kMaxDisjunction = 30;

// Parses and validates a query body (without "aggregate"): each violation of Firestore's
// rules is `invalid-argument` with a message saying what to change.
Result<Query> ParseQuery(const model::JsonView& body);

// The filter as a disjunction of conjunctions of field filters (in and array-contains-any
// stay single filters). An absent filter is one empty conjunction.
std::vector<std::vector<FieldFilter>> ToDisjunctiveNormalForm(const std::optional<Filter>& f);

}  // namespace hearth::query
