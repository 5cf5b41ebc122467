// Regular expressions of matches(), split() and replace(): RE2 syntax (as Firestore),
// linear time in the input, never recursing on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace hearth::rules::detail {

inline constexpr size_t kMaxRegexBytes = 16 << 10;

// The compiled pattern, or nullptr with `error` set.
std::shared_ptr<const re2::RE2> CompileRegex(std::string_view pattern, std::string& error);

}  // namespace hearth::rules::detail
