#include "base/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace hearth {
namespace {

TEST(SystemClock, ReturnsCurrentWallTimeInMicros) {
  // 2024-01-01T00:00:00Z and 2200-01-01T00:00:00Z in microseconds: catches a clock that
  // returns seconds, milliseconds or nanoseconds instead.
  int64_t now = SystemClock().NowMicros();
  EXPECT_GT(now, int64_t{1704067200} * 1'000'000);
  EXPECT_LT(now, int64_t{7258118400} * 1'000'000);
  EXPECT_EQ(&SystemClock(), &SystemClock());
}

TEST(MonotonicMicros, AdvancesWithSleep) {
  int64_t a = MonotonicMicros();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t b = MonotonicMicros();
  EXPECT_GE(b - a, 19'000);
  EXPECT_LT(b - a, 5'000'000);
}

}  // namespace
}  // namespace hearth
