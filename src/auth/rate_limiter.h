// Token-bucket rate limits keyed by a string (an IP address, an account).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::auth {

struct RateLimit {
  int64_t count = 0;  // requests allowed per window (0: unlimited)
  int64_t window_seconds = 60;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // Takes one request for `key` at monotonic time `now_micros`. Returns 0 when allowed,
  // else how many seconds to wait (for Retry-After).
  int64_t Take(std::string_view key, int64_t now_micros);

 private:
  // Integer arithmetic, so that a refill is exact: one request is worth window_micros
  // units, and the bucket gains `count` units per microsecond.
  struct Bucket {
    int64_t units = 0;
    int64_t updated = 0;
  };

  RateLimit limit_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace hearth::auth
