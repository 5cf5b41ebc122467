#include "auth/rate_limiter.h"

#include <algorithm>

namespace hearth::auth {
namespace {
constexpr size_t kMaxKeys = 100'000;
}

int64_t RateLimiter::Take(std::string_view key, int64_t now_micros) {
  if (limit_.count <= 0) return 0;
  // count <= 1e9 and window <= a few hours keep capacity within int64.
  const int64_t window = std::max<int64_t>(1, limit_.window_seconds) * 1'000'000;
  const int64_t capacity = limit_.count * window;
  // The bucket after `b` refilled until `now`; refilling longer than a window fills it.
  auto refilled = [&](const Bucket& b) {
    const int64_t elapsed = std::clamp<int64_t>(now_micros - b.updated, 0, window);
    return std::min(capacity, b.units + elapsed * limit_.count);
  };
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxKeys) {
    // Forget the buckets that have refilled: they hold no state worth keeping.
    std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second) >= capacity; });
  }
  auto [it, inserted] = buckets_.try_emplace(std::string(key), Bucket{capacity, now_micros});
  Bucket& b = it->second;
  b.units = refilled(b);
  b.updated = now_micros;
  if (b.units >= window) {
    b.units -= window;
    return 0;
  }
  const int64_t micros = (window - b.units + limit_.count - 1) / limit_.count;
  return std::max<int64_t>(1, (micros + 999'999) / 1'000'000);
}

}  // namespace hearth::auth
