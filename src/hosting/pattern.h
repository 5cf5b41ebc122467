// Request-path patterns of firebase.json's hosting rules: a glob ("source") or an RE2
// regular expression ("regex"), and the substitution of their captures into a redirect's
// destination. Immutable once built; safe to share between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace re2 {
class RE2;
}

namespace hearth::hosting {

// Captured values by name: "name" for a glob's `:name`, "0", "1", ... and the named
// groups for a regex. Values are decoded path text.
using Captures = std::vector<std::pair<std::string, std::string>>;

class Pattern {
 public:
  // A glob matched against the whole path:
  //   `*` any run of characters except '/', `?` one such character, `**` any run including
  //   '/' (as a whole segment, `**/` and `/**` also match zero segments), `{a,b}`,
  //   `@(a|b)`, `?(a|b)`, `+(a|b)`, `*(a|b)`, `[abc]`, `[!abc]`, `\` escapes the next
  //   character; a segment `:name` captures one segment, `:name*` zero or more segments.
  // Unlike minimatch, `*` and `**` also match names that start with '.'.
  // The error message names the problem, not the config key (the caller adds it).
  static Result<Pattern> Glob(std::string_view glob);
  // An RE2 regular expression; matches when it matches anywhere in the path (anchor it
  // with ^...$ to match the whole path), as Firebase does.
  static Result<Pattern> Regex(std::string_view regex);

  // nullopt when `path` does not match; otherwise the captures (maybe none).
  std::optional<Captures> Match(std::string_view path) const;
  bool Matches(std::string_view path) const;

  // Whether `:name` in a destination refers to one of this pattern's captures.
  bool HasCapture(std::string_view name) const;
  // As written in firebase.json.
  const std::string& text() const { return text_; }

 private:
  Pattern() = default;

  std::shared_ptr<const re2::RE2> re_;
  bool anchored_ = true;  // globs: the whole path; regexes: anywhere
  std::string text_;
};

// Checks that every `:name` in `destination` (a ':' at its start or after a '/') names a
// capture of `source`. The error message names the capture.
Status CheckDestination(std::string_view destination, const Pattern& source);

// `destination` with each `:name` / `:name*` replaced by its capture, percent-encoded (a
// `:name*` keeps its '/' separators); a `/:name*` whose capture is empty disappears with
// its '/'. Bytes that may not appear in a URL (controls, spaces, non-ASCII) elsewhere in
// the destination are percent-encoded too, so the result is a valid Location value.
std::string SubstituteCaptures(std::string_view destination, const Captures& captures);

namespace detail {
// The RE2 syntax a glob compiles to (anchored by the caller); exposed for tests.
Result<std::string> GlobToRegex(std::string_view glob);
}  // namespace detail

}  // namespace hearth::hosting
