// Process-wide logging setup. Modules log through spdlog's default logger.
#pragma once

namespace hearth {

// Makes the default logger asynchronous (a bounded queue; producers block rather than
// drop lines) writing to stdout, with a compact format. Call once at startup.
void InitLogging(bool verbose);
// Flushes and stops the async logger. Call once at shutdown.
void ShutdownLogging();

}  // namespace hearth
