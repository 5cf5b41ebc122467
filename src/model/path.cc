#include "model/path.h"

#include "base/strings.h"

namespace hearth::model {

Status ValidateId(std::string_view id) {
  if (id.empty()) return InvalidArgument("a path segment (ID) must not be empty");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgument("ID is " + std::to_string(id.size()) + " bytes; at most 1500 allowed");
  }
  if (id == "." || id == "..") return InvalidArgument("'.' and '..' are not valid IDs");
  if (id.find('/') != std::string_view::npos) return InvalidArgument("an ID must not contain '/'");
  if (!IsValidUtf8(id)) return InvalidArgument("an ID must be valid UTF-8");
  if (id.size() >= 4 && id.starts_with("__") && id.ends_with("__")) {
    return InvalidArgument("IDs of the form __.*__ are reserved: '" + std::string(id) + "'");
  }
  return Status::Ok();
}

Result<ResourcePath> ResourcePath::Parse(std::string_view path) {
  if (path.size() > kMaxPathBytes) return InvalidArgument("path is longer than 6 KiB");
  std::vector<std::string> segments;
  if (path.empty()) return ResourcePath();
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (Status s = ValidateId(seg); !s.ok()) {
      return InvalidArgument("invalid path '" + std::string(path.substr(0, 200)) +
                             "': " + s.message());
    }
    segments.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return ResourcePath(std::move(segments));
}

Result<ResourcePath> ResourcePath::FromSegments(std::vector<std::string> segments) {
  size_t total = 0;
  for (const auto& seg : segments) {
    RETURN_IF_ERROR(ValidateId(seg));
    total += seg.size() + 1;
  }
  if (total > kMaxPathBytes + 1) return InvalidArgument("path is longer than 6 KiB");
  return ResourcePath(std::move(segments));
}

ResourcePath ResourcePath::Parent() const {
  std::vector<std::string> parent(segments_.begin(), segments_.end() - (empty() ? 0 : 1));
  return ResourcePath(std::move(parent));
}

ResourcePath ResourcePath::Child(std::string segment) const {
  std::vector<std::string> child = segments_;
  child.push_back(std::move(segment));
  return ResourcePath(std::move(child));
}

std::string ResourcePath::ToString() const {
  std::string out;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += segments_[i];
  }
  return out;
}

int ComparePaths(const ResourcePath& a, const ResourcePath& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c = a.segments()[i].compare(b.segments()[i]);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace hearth::model
