// The HTTP header grammar static files need: content codings (Accept-Encoding), byte
// ranges (Range), dates (Last-Modified, If-Modified-Since) and entity-tag lists
// (If-None-Match). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::hosting::detail {

enum class Encoding { kIdentity, kGzip, kBrotli };

// The coding to send given the client's Accept-Encoding and the variants at hand: the
// acceptable one (q > 0) with the highest q-value, brotli winning ties; identity when
// neither is acceptable or the header is absent.
Encoding ChooseEncoding(std::string_view accept_encoding, bool have_brotli, bool have_gzip);

struct RangeRequest {
  enum class Kind {
    kNone,           // no usable Range: absent, malformed, another unit or several ranges
    kSatisfiable,    // serve bytes [first, last] with 206
    kUnsatisfiable,  // 416
  };
  Kind kind = Kind::kNone;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// Parses a Range header ("bytes=a-b", "bytes=a-", "bytes=-n") against a representation of
// `size` bytes. Only a single range is honoured; a list is ignored (RFC 9110 allows serving
// the whole representation instead).
RangeRequest ParseRange(std::string_view header, uint64_t size);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string FormatHttpDate(int64_t unix_seconds);
// Parses an IMF-fixdate; nullopt for anything else (the header is then ignored).
std::optional<int64_t> ParseHttpDate(std::string_view text);

// Whether If-None-Match's `list` matches `etag` (quoted, strong): "*" or any member by the
// weak comparison (a "W/" prefix is ignored).
bool EtagListMatches(std::string_view list, std::string_view etag);

}  // namespace hearth::hosting::detail
