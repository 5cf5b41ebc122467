// Process-wide logging setup. Modules log through spdlog's default logger.
#pragma once

namespace hearth {

// Makes the default logger asynchronous (a bounded queue; producers block rather than
// drop lines) writing to stdout, with a compact format. Call once at startup.
void InitLogging(bool verbose);
// Writes out every line logged so far (asynchronously, in order).
void FlushLog();
// Flushes and stops the async logger. Call once at shutdown.
void ShutdownLogging();

}  // namespace hearth
