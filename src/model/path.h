// Paths of documents and collections, with Firestore's validation rules.
//
// A path is a list of segments: "posts" (a collection), "posts/abc" (a document),
// "users/u1/posts" (a subcollection). Collections have an odd number of segments,
// documents an even one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::model {

// Longest path we accept, in bytes of its canonical form (Firestore's document-name limit).
inline constexpr size_t kMaxPathBytes = 6 * 1024;
// Longest ID: 1500 bytes of UTF-8.
inline constexpr size_t kMaxIdBytes = 1500;

// A collection ID or document ID: 1..1500 bytes of UTF-8, not "." or "..", no '/', not
// of the reserved form __.*__ .
Status ValidateId(std::string_view id);

class ResourcePath {
 public:
  ResourcePath() = default;

  // Parses "a/b/c" (no leading or trailing '/', no empty segments), validating every
  // segment. The empty string is the root (zero segments).
  static Result<ResourcePath> Parse(std::string_view path);
  // Validates each segment.
  static Result<ResourcePath> FromSegments(std::vector<std::string> segments);

  const std::vector<std::string>& segments() const { return segments_; }
  size_t size() const { return segments_.size(); }
  bool empty() const { return segments_.empty(); }
  bool IsDocument() const { return !segments_.empty() && segments_.size() % 2 == 0; }
  bool IsCollection() const { return segments_.size() % 2 == 1; }

  // REQUIRES: !empty()
  const std::string& LastSegment() const { return segments_.back(); }
  ResourcePath Parent() const;
  // REQUIRES: ValidateId(segment).ok()
  ResourcePath Child(std::string segment) const;

  // Segments joined by '/'.
  std::string ToString() const;

  bool operator==(const ResourcePath&) const = default;

 private:
  explicit ResourcePath(std::vector<std::string> segments) : segments_(std::move(segments)) {}
  std::vector<std::string> segments_;
};

// Segment-wise order, as Firestore orders document names.
int ComparePaths(const ResourcePath& a, const ResourcePath& b);

}  // namespace hearth::model
