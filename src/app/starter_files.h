// The files `hearth init` writes: examples/starter, compiled in.
#pragma once

#include <string_view>
#include <vector>

namespace hearth::app {

struct StarterFile {
  std::string_view path;  // relative, '/'-separated
  std::string_view content;
};

const std::vector<StarterFile>& StarterFiles();

}  // namespace hearth::app
