#include "rules/regex.h"

#include <re2/re2.h>

namespace hearth::rules::detail {

std::shared_ptr<const re2::RE2> CompileRegex(std::string_view pattern, std::string& error) {
  if (pattern.size() > kMaxRegexBytes) {
    error = "regular expression too long";
    return nullptr;
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    error = "invalid regular expression: " + re->error();
    return nullptr;
  }
  return re;
}

}  // namespace hearth::rules::detail
