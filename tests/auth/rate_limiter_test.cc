// RateLimiter: token buckets per key, refilled continuously over the window.
#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::auth {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(RateLimiter, AllowsTheCountThenAsksToWait) {
  RateLimiter limiter(RateLimit{3, 60});
  const int64_t t0 = 1000 * kSecond;
  EXPECT_EQ(limiter.Take("ip", t0), 0);
  EXPECT_EQ(limiter.Take("ip", t0), 0);
  EXPECT_EQ(limiter.Take("ip", t0), 0);
  // One request comes back every 20 s.
  EXPECT_EQ(limiter.Take("ip", t0), 20);
  EXPECT_EQ(limiter.Take("ip", t0 + 5 * kSecond), 15);
  EXPECT_EQ(limiter.Take("ip", t0 + 19 * kSecond), 1);
  EXPECT_EQ(limiter.Take("ip", t0 + 20 * kSecond), 0);
  EXPECT_EQ(limiter.Take("ip", t0 + 20 * kSecond), 20);
}

TEST(RateLimiter, RefusalsDoNotPostponeTheRefill) {
  RateLimiter limiter(RateLimit{1, 10});
  const int64_t t0 = 50 * kSecond;
  EXPECT_EQ(limiter.Take("k", t0), 0);
  for (int i = 1; i < 10; ++i) EXPECT_GT(limiter.Take("k", t0 + i * kSecond), 0) << i;
  EXPECT_EQ(limiter.Take("k", t0 + 10 * kSecond), 0);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(RateLimit{1, 60});
  EXPECT_EQ(limiter.Take("a", 0), 0);
  EXPECT_GT(limiter.Take("a", 0), 0);
  EXPECT_EQ(limiter.Take("b", 0), 0);
  EXPECT_EQ(limiter.Take("A", 0), 0);
  EXPECT_GT(limiter.Take("b", 0), 0);
}

TEST(RateLimiter, FullRefillDoesNotExceedTheCount) {
  RateLimiter limiter(RateLimit{2, 60});
  EXPECT_EQ(limiter.Take("k", 0), 0);
  // A long idle period refills to the count, not beyond.
  const int64_t later = 3600 * kSecond;
  EXPECT_EQ(limiter.Take("k", later), 0);
  EXPECT_EQ(limiter.Take("k", later), 0);
  EXPECT_GT(limiter.Take("k", later), 0);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter limiter(RateLimit{0, 60});
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(limiter.Take("k", 0), 0);
}

TEST(RateLimiter, ManyKeysStayBoundedAndStillLimit) {
  RateLimiter limiter(RateLimit{1, 60});
  // More keys than the limiter keeps: old, refilled buckets are forgotten, recent ones
  // are not.
  for (int i = 0; i < 100'000; ++i) limiter.Take("old-" + std::to_string(i), 0);
  const int64_t later = 120 * kSecond;
  EXPECT_EQ(limiter.Take("hot", later), 0);
  for (int i = 0; i < 1000; ++i) limiter.Take("new-" + std::to_string(i), later);
  EXPECT_GT(limiter.Take("hot", later), 0);
}

}  // namespace
}  // namespace hearth::auth
