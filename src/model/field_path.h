// Field paths ("address.city", "`a.b`.c") and the map operations that use them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/value.h"

namespace hearth::model {

// Deepest nesting of maps and arrays in a document (a top-level field is depth 1).
inline constexpr int kMaxDepth = 20;

// A field name: non-empty, valid UTF-8, at most 1500 bytes, not of the form __.*__ .
Status ValidateFieldName(std::string_view name);

class FieldPath {
 public:
  FieldPath() = default;

  // Dotted syntax: segments separated by '.', a segment may be back-quoted to hold any
  // character (`a.b`), with '\' escaping '`' and '\' inside quotes.
  static Result<FieldPath> Parse(std::string_view dotted);
  // One segment per element, no parsing (for map keys taken verbatim). Validates names.
  static Result<FieldPath> FromSegments(std::vector<std::string> segments);
  // The special path "__name__": a document's own name, for ordering and filters. Parse()
  // returns it for exactly "__name__"; it never names a stored field.
  static FieldPath DocumentName();
  bool IsDocumentName() const { return segments_.size() == 1 && segments_[0] == "__name__"; }

  const std::vector<std::string>& segments() const { return segments_; }
  size_t size() const { return segments_.size(); }
  bool empty() const { return segments_.empty(); }

  // True if this path equals `other` or is an ancestor of it.
  bool IsPrefixOf(const FieldPath& other) const;
  FieldPath Child(std::string segment) const;

  // Canonical dotted form; segments that are not simple identifiers are back-quoted.
  std::string ToString() const;

  bool operator==(const FieldPath&) const = default;
  bool operator<(const FieldPath& other) const { return segments_ < other.segments_; }

 private:
  explicit FieldPath(std::vector<std::string> segments) : segments_(std::move(segments)) {}
  std::vector<std::string> segments_;
};

// The value at `path` inside `fields`, or nullptr.
const Value* GetField(const Map& fields, const FieldPath& path);
// Sets the value at `path`, creating parent maps and replacing non-map parents.
// REQUIRES: !path.empty()
void SetField(Map& fields, const FieldPath& path, Value value);
// Removes the value at `path` if present. Returns whether something was removed.
bool DeleteField(Map& fields, const FieldPath& path);

// Deepest nesting of maps/arrays in `fields`, counting top-level fields as 1.
int Depth(const Map& fields);

}  // namespace hearth::model
