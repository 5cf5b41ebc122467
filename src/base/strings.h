// Small string utilities shared by every module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Decodes %XX escapes. Returns nullopt on a malformed escape. '+' is kept as is
// (path semantics); pass `plus_as_space` for query strings.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space = false);
// Escapes everything outside RFC 3986's unreserved set.
std::string PercentEncode(std::string_view s);

// Standard base64 with padding.
std::string Base64Encode(std::string_view data);
// Accepts standard and URL-safe alphabets, with or without padding.
std::optional<std::string> Base64Decode(std::string_view text);
// URL-safe alphabet, no padding.
std::string Base64UrlEncode(std::string_view data);

// Compares in time independent of where the inputs differ (for secrets).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Splits "a=1&b=2" into decoded pairs. Malformed escapes make the whole parse fail.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQueryString(
    std::string_view query);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// When `path` is `prefix` or lies under it ("prefix/..."): what follows the prefix and its
// slash ("" for the prefix itself). Else nullopt: "/v1/documentsx" is not under
// "/v1/documents".
std::optional<std::string_view> PathAfter(std::string_view path, std::string_view prefix);

}  // namespace hearth
