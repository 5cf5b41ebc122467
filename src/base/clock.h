// Time sources. Injected (never read from globals) so tests can control time.
#pragma once

#include <cstdint>

namespace hearth {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
};

// The process-wide system clock. Never destroyed.
const Clock& SystemClock();

// Monotonic microseconds, for durations only.
int64_t MonotonicMicros();

}  // namespace hearth
