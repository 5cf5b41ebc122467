// Request metrics in Prometheus' text format. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace hearth::http {

class Metrics {
 public:
  void RecordRequest(const std::string& route, int status, int64_t micros);
  void ConnectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

  // Appends hearth_requests_total, hearth_request_duration_seconds and
  // hearth_open_connections.
  void Render(std::string& out) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // GUARDED_BY(mu_)
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
  std::atomic<int64_t> open_connections_{0};
};

}  // namespace hearth::http
