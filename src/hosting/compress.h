// One-shot gzip and brotli compression of a whole file (the file cache stores the results).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hearth::hosting::detail {

// A gzip member (RFC 1952) holding `data`; nullopt if zlib fails (out of memory).
std::optional<std::string> GzipCompress(std::string_view data);
// A brotli stream (RFC 7932) holding `data`; nullopt if the encoder fails.
std::optional<std::string> BrotliCompress(std::string_view data);

}  // namespace hearth::hosting::detail
