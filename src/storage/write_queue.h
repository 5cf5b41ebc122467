// The group-commit queue of both engines: Engine::Write() puts writes here, and the
// engine's one writer thread takes them in batches, each committed as one transaction.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "storage/engine.h"

namespace hearth::storage {

class WriteQueue {
 public:
  struct Pending {
    Engine::WriteFn fn;
    Engine::DoneFn done;
  };

  WriteQueue(size_t max_queue, size_t max_batch) : max_queue_(max_queue), max_batch_(max_batch) {}

  // Queues a write; when the queue is closed or full, `done` gets `unavailable` at once.
  void Push(Engine::WriteFn fn, Engine::DoneFn done) {
    bool closed;
    {
      std::lock_guard lock(mu_);
      closed = closed_;
      if (!closed && queue_.size() < max_queue_) {
        queue_.push_back({std::move(fn), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    done(Unavailable(closed ? "the store is shutting down"
                            : "too many writes queued; retry shortly"));
  }

  // The writer thread: waits for writes and moves up to max_batch of them into `batch`.
  // False once the queue is closed and every queued write was taken.
  bool TakeBatch(std::vector<Pending>& batch) {
    batch.clear();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return false;
    size_t n = std::min(queue_.size(), max_batch_);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  // Refuses new writes; the writer thread still drains what is queued.
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  bool closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  const size_t max_queue_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  bool closed_ = false;        // GUARDED_BY(mu_)
};

}  // namespace hearth::storage
