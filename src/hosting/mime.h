// Content types of static files, by file extension.
#pragma once

#include <string_view>

namespace hearth::hosting {

// The Content-Type for `path` from its extension (case-insensitive); text types, JavaScript,
// JSON and SVG carry "; charset=utf-8". Unknown extensions: "application/octet-stream".
std::string_view MimeType(std::string_view path);

// Whether content of this type usually shrinks when compressed (text, JavaScript, JSON,
// SVG, XML, WebAssembly, uncompressed fonts and icons). Images, audio, video, archives and
// WOFF fonts are compressed already.
bool IsCompressible(std::string_view mime_type);

}  // namespace hearth::hosting
