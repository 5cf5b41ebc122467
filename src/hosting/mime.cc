#include "hosting/mime.h"

#include <array>
#include <utility>

#include "base/strings.h"

namespace hearth::hosting {
namespace {

constexpr std::string_view kDefault = "application/octet-stream";

constexpr std::array<std::pair<std::string_view, std::string_view>, 40> kTypes{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"cjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"bmp", "image/bmp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"eot", "application/vnd.ms-fontobject"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"ogv", "video/ogg"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"m4a", "audio/mp4"},
    {"flac", "audio/flac"},
    {"vtt", "text/vtt; charset=utf-8"},
}};

}  // namespace

std::string_view MimeType(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return kDefault;
  std::string_view extension = name.substr(dot + 1);
  for (const auto& [ext, type] : kTypes) {
    if (EqualsIgnoreCase(ext, extension)) return type;
  }
  return kDefault;
}

bool IsCompressible(std::string_view mime_type) {
  std::string_view type = mime_type.substr(0, mime_type.find(';'));
  return type.starts_with("text/") || type == "application/json" ||
         type == "application/manifest+json" || type == "application/xml" ||
         type == "image/svg+xml" || type == "application/wasm" || type == "image/x-icon" ||
         type == "image/bmp" || type == "font/ttf" || type == "font/otf" ||
         type == "application/vnd.ms-fontobject";
}

}  // namespace hearth::hosting
