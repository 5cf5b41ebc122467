#include "hosting/request_path.h"

#include "base/strings.h"

namespace hearth::hosting::detail {

std::optional<std::string> NormalizeRequestPath(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  // An encoded separator would become one only after the checks below had looked at the
  // segments: refuse it outright rather than decide what it means.
  for (size_t i = 0; i + 2 < raw.size(); ++i) {
    if (raw[i] != '%') continue;
    std::string_view hex = raw.substr(i + 1, 2);
    if (EqualsIgnoreCase(hex, "2f") || EqualsIgnoreCase(hex, "5c")) return std::nullopt;
  }
  auto decoded = PercentDecode(raw);
  if (!decoded || !IsValidUtf8(*decoded)) return std::nullopt;
  std::string path;
  path.reserve(decoded->size());
  for (char c : *decoded) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return std::nullopt;
    if (c == '/' && !path.empty() && path.back() == '/') continue;
    path.push_back(c);
  }
  if (HasDotSegment(path)) return std::nullopt;
  return path;
}

bool HasDotSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start && path[start] == '.') return true;
    start = slash + 1;
  }
  return false;
}

std::string EncodePath(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out += PercentEncode(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}

}  // namespace hearth::hosting::detail
