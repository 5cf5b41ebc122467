// Turning a request's percent-encoded path into the decoded path the hosting rules match,
// refusing every form of escape from the public folder on the way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hearth::hosting::detail {

// The decoded path ("/a/b.html", "/docs/"), with runs of '/' collapsed; nullopt when it
// must not be served: not starting with '/', malformed or encoded '/' and '\' (%2F, %5C),
// a backslash, NUL or other control character, invalid UTF-8, or a segment that is "." or
// ".." or starts with '.' (dotfiles such as .env and .git are never served).
std::optional<std::string> NormalizeRequestPath(std::string_view raw);

// Whether a decoded path (absolute or relative) has a segment that is "." or ".." or starts
// with '.'.
bool HasDotSegment(std::string_view path);

// Percent-encodes each segment of a decoded path, keeping its '/' (for Location headers).
std::string EncodePath(std::string_view path);

}  // namespace hearth::hosting::detail
