#include "http/metrics.h"

#include <fmt/format.h>

namespace hearth::http {

void Metrics::RecordRequest(const std::string& route, int status, int64_t micros) {
  {
    std::lock_guard lock(mu_);
    ++requests_[{route, status}];
  }
  double seconds = static_cast<double>(micros) / 1e6;
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
}

void Metrics::Render(std::string& out) const {
  out += "# HELP hearth_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE hearth_requests_total counter\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : requests_) {
      out += fmt::format("hearth_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first,
                         key.second, n);
    }
  }
  out += "# HELP hearth_request_duration_seconds Time from request read to response written.\n";
  out += "# TYPE hearth_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("hearth_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i],
                       cumulative);
  }
  cumulative += buckets_[kBuckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("hearth_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("hearth_request_duration_seconds_sum {}\n",
                     static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("hearth_request_duration_seconds_count {}\n",
                     count_.load(std::memory_order_relaxed));
  out += "# HELP hearth_open_connections Client connections open now.\n";
  out += "# TYPE hearth_open_connections gauge\n";
  out += fmt::format("hearth_open_connections {}\n", open_connections());
}

}  // namespace hearth::http
