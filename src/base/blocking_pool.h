// A fixed set of threads with a bounded queue, for blocking work (SQLite reads,
// password hashing, ...) that must never run on an I/O thread.
//
// Thread-safe. When the queue is full, TrySubmit() refuses instead of queueing without
// limit, so callers can answer 503 and keep memory bounded.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hearth {

class BlockingPool {
 public:
  BlockingPool(std::string name, size_t threads, size_t max_queue);
  // Runs every job already accepted, then joins the threads.
  ~BlockingPool();

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `job`; false (and `job` dropped) if the queue is full or the pool is stopping.
  [[nodiscard]] bool TrySubmit(std::function<void()> job);

  size_t queued() const;

 private:
  void Run();

  const std::string name_;
  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace hearth
