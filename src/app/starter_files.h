// The files `hearth init` writes: examples/starter, compiled in.
#pragma once

#include <vector>

#include "base/embedded_file.h"

namespace hearth::app {

const std::vector<EmbeddedFile>& StarterFiles();

}  // namespace hearth::app
