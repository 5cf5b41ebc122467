#include "hosting/pattern.h"

#include <re2/re2.h>

#include <algorithm>

#include "base/strings.h"

namespace hearth::hosting {
namespace {

constexpr size_t kMaxPatternBytes = 4096;

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsAsciiAlpha(c) || IsDigit(c) || c == '_'; }

void AppendLiteral(char c, std::string& out) {
  const auto u = static_cast<unsigned char>(c);
  if (IsAsciiAlpha(c) || IsDigit(c) || c == '_' || c == '/' || u >= 0x80) {
    out.push_back(c);
  } else if (c == '\0') {
    out += "\\x00";
  } else {
    out.push_back('\\');
    out.push_back(c);
  }
}

// The index of the `close` matching the `open` at `at`, skipping escaped characters and
// nested pairs; npos when unbalanced.
size_t FindClose(std::string_view s, size_t at, char open, char close) {
  int depth = 0;
  for (size_t i = at; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == open) {
      ++depth;
    } else if (s[i] == close && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Splits at `sep` outside (), {} and [] and not escaped.
std::vector<std::string_view> SplitTopLevel(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(' || c == '{' || c == '[') {
      ++depth;
    } else if (c == ')' || c == '}' || c == ']') {
      --depth;
    } else if (c == sep && depth == 0) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

class GlobTranslator {
 public:
  // Appends the translation of `glob` to `out`. `segment_start`: whether the character
  // before `glob` (in the enclosing pattern) ends a segment.
  Status Translate(std::string_view g, bool segment_start, std::string& out) {
    size_t i = 0;
    while (i < g.size()) {
      const char c = g[i];
      const bool at_segment = i == 0 ? segment_start : g[i - 1] == '/';
      const bool group_follows = i + 1 < g.size() && g[i + 1] == '(';
      if (c == '\\' && i + 1 < g.size()) {
        AppendLiteral(g[i + 1], out);
        i += 2;
      } else if (c == ':' && at_segment && i + 1 < g.size() && IsNameChar(g[i + 1])) {
        ASSIGN_OR_RETURN(i, Capture(g, i, out));
      } else if ((c == '@' || c == '?' || c == '+' || c == '*' || c == '!') && group_follows &&
                 FindClose(g, i + 1, '(', ')') != std::string_view::npos) {
        ASSIGN_OR_RETURN(i, ExtGlob(g, i, at_segment, out));
      } else if (c == '*') {
        size_t end = i;
        while (end < g.size() && g[end] == '*') ++end;
        if (end - i == 1) {
          out += "[^/]*";
        } else if (at_segment && end < g.size() && g[end] == '/') {
          out += "(?:.*/)?";  // `**/`: zero or more whole segments
          ++end;
        } else if (at_segment && end == g.size() && !out.empty() && out.back() == '/') {
          out.pop_back();
          out += "(?:/.*)?";  // a trailing `/**` also matches the folder itself
        } else {
          out += ".*";
        }
        i = end;
      } else if (c == '?') {
        out += "[^/]";
        ++i;
      } else if (c == '{') {
        size_t close = FindClose(g, i, '{', '}');
        auto alternatives = close == std::string_view::npos
                                ? std::vector<std::string_view>{}
                                : SplitTopLevel(g.substr(i + 1, close - i - 1), ',');
        if (alternatives.size() < 2) {  // `{a}` and an unclosed `{` are literal
          AppendLiteral(c, out);
          ++i;
          continue;
        }
        RETURN_IF_ERROR(Alternatives(alternatives, at_segment, out));
        out += ")";
        i = close + 1;
      } else if (c == '[') {
        i = CharacterClass(g, i, out);
      } else {
        AppendLiteral(c, out);
        ++i;
      }
    }
    return Status::Ok();
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  // `:name` (one segment) or `:name*` (zero or more segments) at `at`; returns the index
  // after it.
  Result<size_t> Capture(std::string_view g, size_t at, std::string& out) {
    size_t end = at + 1;
    while (end < g.size() && IsNameChar(g[end])) ++end;
    std::string name(g.substr(at + 1, end - at - 1));
    const bool rest = end < g.size() && g[end] == '*';
    if (rest) ++end;
    if (end < g.size() && g[end] != '/') {  // not a whole segment: literal text
      AppendLiteral(':', out);
      return at + 1;
    }
    if (IsDigit(name[0]))
      return InvalidArgument("capture name :" + name + " must not start with a digit");
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
      return InvalidArgument("capture :" + name + " appears twice");
    }
    names_.push_back(name);
    if (!rest) {
      out += "(?P<" + name + ">[^/]+)";
    } else if (!out.empty() && out.back() == '/') {
      out.pop_back();  // `/:rest*` matches nothing at all, as path-to-regexp does
      out += "(?:/(?P<" + name + ">.*))?";
    } else {
      out += "(?P<" + name + ">.*)";
    }
    return end;
  }

  // `@(a|b)`, `?(a|b)`, `+(a|b)`, `*(a|b)` at `at`; returns the index after it.
  Result<size_t> ExtGlob(std::string_view g, size_t at, bool at_segment, std::string& out) {
    const char kind = g[at];
    if (kind == '!') return InvalidArgument("negated patterns !(...) are not supported");
    size_t close = FindClose(g, at + 1, '(', ')');
    RETURN_IF_ERROR(
        Alternatives(SplitTopLevel(g.substr(at + 2, close - at - 2), '|'), at_segment, out));
    out += ")";
    if (kind != '@') out.push_back(kind);
    return close + 1;
  }

  // Opens "(?:" and appends the alternatives separated by '|'; the caller closes it.
  Status Alternatives(const std::vector<std::string_view>& alternatives, bool at_segment,
                      std::string& out) {
    out += "(?:";
    for (size_t k = 0; k < alternatives.size(); ++k) {
      if (k > 0) out += "|";
      RETURN_IF_ERROR(Translate(alternatives[k], at_segment, out));
    }
    return Status::Ok();
  }

  // `[...]` / `[!...]` at `at` (a lone '[' is literal); returns the index after it.
  size_t CharacterClass(std::string_view g, size_t at, std::string& out) {
    size_t j = at + 1;
    const bool negated = j < g.size() && (g[j] == '!' || g[j] == '^');
    if (negated) ++j;
    const size_t body = j;
    if (j < g.size() && g[j] == ']') ++j;  // a leading ']' is a member
    while (j < g.size() && g[j] != ']') j += g[j] == '\\' ? 2 : 1;
    if (j >= g.size()) {
      AppendLiteral('[', out);
      return at + 1;
    }
    out += negated ? "[^/" : "[";
    for (size_t k = body; k < j; ++k) {
      char c = g[k];
      if (c == '\\' && k + 1 < j) {
        c = g[++k];
        if (c != '-' && !IsNameChar(c)) out.push_back('\\');
        out.push_back(c);
      } else if (c == '[' || c == ']' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else {
        out.push_back(c);
      }
    }
    out += "]";
    return j + 1;
  }

  std::vector<std::string> names_;
};

Result<std::shared_ptr<const re2::RE2>> Compile(const std::string& regex) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto re = std::make_shared<const re2::RE2>(regex, options);
  if (!re->ok()) return InvalidArgument("invalid regular expression: " + re->error());
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

}  // namespace

namespace detail {

Result<std::string> GlobToRegex(std::string_view glob) {
  if (glob.size() > kMaxPatternBytes) return InvalidArgument("pattern too long");
  std::string out;
  GlobTranslator translator;
  RETURN_IF_ERROR(translator.Translate(glob, true, out));
  return out;
}

}  // namespace detail

Result<Pattern> Pattern::Glob(std::string_view glob) {
  if (glob.empty()) return InvalidArgument("empty pattern");
  ASSIGN_OR_RETURN(std::string regex, detail::GlobToRegex(glob));
  Pattern p;
  ASSIGN_OR_RETURN(p.re_, Compile(regex));
  p.anchored_ = true;
  p.text_ = std::string(glob);
  return p;
}

Result<Pattern> Pattern::Regex(std::string_view regex) {
  if (regex.empty()) return InvalidArgument("empty regular expression");
  if (regex.size() > kMaxPatternBytes) return InvalidArgument("regular expression too long");
  Pattern p;
  ASSIGN_OR_RETURN(p.re_, Compile(std::string(regex)));
  p.anchored_ = false;
  p.text_ = std::string(regex);
  return p;
}

std::optional<Captures> Pattern::Match(std::string_view path) const {
  const int groups = re_->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> found(static_cast<size_t>(groups) + 1);
  if (!re_->Match(re2::StringPiece(path.data(), path.size()), 0, path.size(),
                  anchored_ ? re2::RE2::ANCHOR_BOTH : re2::RE2::UNANCHORED, found.data(),
                  groups + 1)) {
    return std::nullopt;
  }
  Captures captures;
  if (!anchored_) {  // a regex's groups are also known by number
    for (int k = 0; k <= groups; ++k) {
      captures.emplace_back(std::to_string(k), std::string(found[k].data(), found[k].size()));
    }
  }
  for (const auto& [name, index] : re_->NamedCapturingGroups()) {
    captures.emplace_back(name, std::string(found[index].data(), found[index].size()));
  }
  return captures;
}

bool Pattern::Matches(std::string_view path) const {
  re2::StringPiece text(path.data(), path.size());
  return anchored_ ? re2::RE2::FullMatch(text, *re_) : re2::RE2::PartialMatch(text, *re_);
}

bool Pattern::HasCapture(std::string_view name) const {
  if (re_->NamedCapturingGroups().contains(std::string(name))) return true;
  if (anchored_ || name.empty() || !std::all_of(name.begin(), name.end(), IsDigit)) return false;
  return name.size() <= 4 && std::stoi(std::string(name)) <= re_->NumberOfCapturingGroups();
}

namespace {

// Calls `capture(name, rest, at, end)` for each `:name` / `:name*` of a destination.
template <typename F>
void ForEachCapture(std::string_view destination, F capture) {
  for (size_t i = 0; i < destination.size(); ++i) {
    if (destination[i] != ':' || (i > 0 && destination[i - 1] != '/')) continue;
    size_t end = i + 1;
    while (end < destination.size() && IsNameChar(destination[end])) ++end;
    if (end == i + 1) continue;
    const bool rest = end < destination.size() && destination[end] == '*';
    capture(destination.substr(i + 1, end - i - 1), rest, i, rest ? end + 1 : end);
  }
}

bool NeedsEscape(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u >= 0x7f ||
         std::string_view("\"<>\\^`{|}").find(c) != std::string_view::npos;
}

void AppendEscaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (!NeedsEscape(c)) {
      out.push_back(c);
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
}

}  // namespace

Status CheckDestination(std::string_view destination, const Pattern& source) {
  Status status;
  ForEachCapture(destination, [&](std::string_view name, bool, size_t, size_t) {
    if (status.ok() && !source.HasCapture(name)) {
      status = InvalidArgument("refers to :" + std::string(name) +
                               ", which the source does not capture");
    }
  });
  return status;
}

std::string SubstituteCaptures(std::string_view destination, const Captures& captures) {
  std::string out;
  size_t copied = 0;
  ForEachCapture(destination, [&](std::string_view name, bool rest, size_t at, size_t end) {
    auto it = std::find_if(captures.begin(), captures.end(),
                           [&](const auto& c) { return c.first == name; });
    if (it == captures.end()) return;  // left as written (CheckDestination refuses it)
    AppendEscaped(destination.substr(copied, at - copied), out);
    copied = end;
    const std::string& value = it->second;
    if (value.empty() && rest && !out.empty() && out.back() == '/') {
      out.pop_back();
      return;
    }
    size_t start = 0;
    while (true) {
      size_t slash = value.find('/', start);
      out += PercentEncode(std::string_view(value).substr(start, slash - start));
      if (slash == std::string::npos) break;
      out.push_back('/');
      start = slash + 1;
    }
  });
  AppendEscaped(destination.substr(copied), out);
  return out;
}

}  // namespace hearth::hosting
