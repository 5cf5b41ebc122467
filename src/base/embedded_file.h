// A file compiled into the binary (cmake/EmbedFiles.cmake).
#pragma once

#include <string_view>

namespace hearth {

struct EmbeddedFile {
  std::string_view path;  // relative, '/'-separated
  std::string_view content;
};

}  // namespace hearth
