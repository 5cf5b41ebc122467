#include "model/field_path.h"

#include <algorithm>

#include "base/strings.h"

namespace hearth::model {

Status ValidateFieldName(std::string_view name) {
  if (name.empty()) return InvalidArgument("a field name must not be empty");
  if (name.size() > 1500) return InvalidArgument("a field name is longer than 1500 bytes");
  if (!IsValidUtf8(name)) return InvalidArgument("a field name must be valid UTF-8");
  if (name.size() >= 4 && name.starts_with("__") && name.ends_with("__")) {
    return InvalidArgument("field names of the form __.*__ are reserved: '" + std::string(name) +
                           "'");
  }
  return Status::Ok();
}

FieldPath FieldPath::DocumentName() { return FieldPath({"__name__"}); }

Result<FieldPath> FieldPath::Parse(std::string_view dotted) {
  if (dotted == "__name__") return DocumentName();
  auto bad = [&](std::string_view why) {
    return InvalidArgument("invalid field path '" + std::string(dotted.substr(0, 200)) +
                           "': " + std::string(why));
  };
  if (dotted.empty()) return bad("empty");
  std::vector<std::string> segments;
  std::string current;
  bool quoted_segment = false;
  size_t i = 0;
  for (;;) {
    current.clear();
    quoted_segment = false;
    if (i < dotted.size() && dotted[i] == '`') {
      quoted_segment = true;
      ++i;
      bool closed = false;
      while (i < dotted.size()) {
        char c = dotted[i++];
        if (c == '\\') {
          if (i >= dotted.size()) return bad("dangling '\\'");
          current.push_back(dotted[i++]);
        } else if (c == '`') {
          closed = true;
          break;
        } else {
          current.push_back(c);
        }
      }
      if (!closed) return bad("unterminated '`'");
    } else {
      while (i < dotted.size() && dotted[i] != '.') {
        char c = dotted[i++];
        if (c == '`' || c == '~' || c == '*' || c == '/' || c == '[' || c == ']') {
          return bad("use back-quotes around segments with ` ~ * / [ ]");
        }
        current.push_back(c);
      }
    }
    if (current.empty() && !quoted_segment) return bad("empty segment");
    if (Status s = ValidateFieldName(current); !s.ok()) return bad(s.message());
    segments.push_back(current);
    if (i == dotted.size()) break;
    if (dotted[i] != '.') return bad("expected '.' after a back-quoted segment");
    ++i;
    if (i == dotted.size()) return bad("trailing '.'");
  }
  if (static_cast<int>(segments.size()) > kMaxDepth) return bad("deeper than 20 levels");
  return FieldPath(std::move(segments));
}

Result<FieldPath> FieldPath::FromSegments(std::vector<std::string> segments) {
  for (const auto& s : segments) RETURN_IF_ERROR(ValidateFieldName(s));
  return FieldPath(std::move(segments));
}

bool FieldPath::IsPrefixOf(const FieldPath& other) const {
  return segments_.size() <= other.segments_.size() &&
         std::equal(segments_.begin(), segments_.end(), other.segments_.begin());
}

FieldPath FieldPath::Child(std::string segment) const {
  std::vector<std::string> s = segments_;
  s.push_back(std::move(segment));
  return FieldPath(std::move(s));
}

namespace {
bool IsSimpleIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}
}  // namespace

std::string FieldPath::ToString() const {
  std::string out;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (i > 0) out.push_back('.');
    const std::string& s = segments_[i];
    if (IsSimpleIdentifier(s)) {
      out += s;
    } else {
      out.push_back('`');
      for (char c : s) {
        if (c == '`' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('`');
    }
  }
  return out;
}

const Value* GetField(const Map& fields, const FieldPath& path) {
  const Map* current = &fields;
  const Value* found = nullptr;
  for (const auto& segment : path.segments()) {
    if (current == nullptr) return nullptr;
    auto it = current->find(segment);
    if (it == current->end()) return nullptr;
    found = &it->second;
    current = found->is_map() ? &found->map_value() : nullptr;
  }
  return found;
}

void SetField(Map& fields, const FieldPath& path, Value value) {
  Map* current = &fields;
  const auto& segs = path.segments();
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    Value& child = (*current)[segs[i]];
    if (!child.is_map()) child = Value::FromMap({});
    current = &child.map_value();
  }
  (*current)[segs.back()] = std::move(value);
}

bool DeleteField(Map& fields, const FieldPath& path) {
  Map* current = &fields;
  const auto& segs = path.segments();
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    auto it = current->find(segs[i]);
    if (it == current->end() || !it->second.is_map()) return false;
    current = &it->second.map_value();
  }
  return current->erase(segs.back()) > 0;
}

namespace {
// Levels below `v`: 0 for a scalar or an empty container.
int ValueDepth(const Value& v) {
  int deepest = 0;
  if (v.is_map()) {
    if (v.map_value().empty()) return 0;
    for (const auto& [k, child] : v.map_value()) deepest = std::max(deepest, ValueDepth(child));
    return 1 + deepest;
  }
  if (v.is_array()) {
    if (v.array_value().empty()) return 0;
    for (const auto& child : v.array_value()) deepest = std::max(deepest, ValueDepth(child));
    return 1 + deepest;
  }
  return 0;
}
}  // namespace

int Depth(const Map& fields) {
  int deepest = 0;
  for (const auto& [k, child] : fields) deepest = std::max(deepest, 1 + ValueDepth(child));
  return deepest;
}

}  // namespace hearth::model
