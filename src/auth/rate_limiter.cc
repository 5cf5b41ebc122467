#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hearth::auth {
namespace {
constexpr size_t kMaxKeys = 100'000;
}

int64_t RateLimiter::Take(std::string_view key, int64_t now_micros) {
  if (limit_.count <= 0) return 0;
  const double capacity = static_cast<double>(limit_.count);
  const double per_micro = capacity / (static_cast<double>(limit_.window_seconds) * 1e6);
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxKeys) {
    // Forget the buckets that have refilled: they hold no state worth keeping.
    std::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + static_cast<double>(now_micros - b.updated) * per_micro >= capacity;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(std::string(key), Bucket{capacity, now_micros});
  Bucket& b = it->second;
  b.tokens = std::min(capacity, b.tokens + static_cast<double>(now_micros - b.updated) * per_micro);
  b.updated = now_micros;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - b.tokens) / per_micro / 1e6)));
}

}  // namespace hearth::auth
