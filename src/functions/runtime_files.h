// The worker runtime (src/functions/runtime/), compiled in; pool.h's WriteRuntime puts it
// on disk for Node.js to load.
#pragma once

#include <vector>

#include "base/embedded_file.h"

namespace hearth::functions {

const std::vector<EmbeddedFile>& RuntimeFiles();

}  // namespace hearth::functions
