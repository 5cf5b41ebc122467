// The `hearth` subcommands. Each returns the process exit code.
#pragma once

#include <string>

#include "app/config.h"

namespace hearth::app {

// hearth serve: runs until SIGINT/SIGTERM; 0 after a clean shutdown.
int RunServe(const ServeFlags& flags);
// hearth init DIR: writes the starter project; refuses a non-empty DIR unless `force`.
int RunInit(const std::string& dir, bool force);

}  // namespace hearth::app
