// The JavaScript SDK (sdk/js/hearth.js), compiled in and served at /__/hearth/sdk.js.
#pragma once

#include <vector>

#include "base/embedded_file.h"

namespace hearth::app {

const std::vector<EmbeddedFile>& SdkFiles();

}  // namespace hearth::app
