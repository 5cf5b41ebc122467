// Helpers both storage engines share.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::storage {

// "users/u1/posts/p" -> ("users/u1/posts", "p").
inline std::pair<std::string_view, std::string_view> SplitPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// A fixed set of read connections (or anything else), borrowed one per call: Acquire()
// waits for a free one and the returned lease gives it back when it goes out of scope.
template <typename T>
class Pool {
 public:
  void Add(std::unique_ptr<T> item) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(item));
    ++total_;
  }

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<T> item) : pool_(pool), item_(std::move(item)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), item_(std::move(other.item_)) {}
    ~Lease() {
      if (item_) pool_->Return(std::move(item_));
    }
    T* operator->() { return item_.get(); }
    T& operator*() { return *item_; }

   private:
    Pool* pool_;
    std::unique_ptr<T> item_;
  };

  Lease Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    auto item = std::move(free_.back());
    free_.pop_back();
    return Lease(this, std::move(item));
  }

  // Waits until every item is back, then destroys them all.
  void Clear() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return free_.size() == total_; });
    free_.clear();
    total_ = 0;
  }

 private:
  void Return(std::unique_ptr<T> item) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<T>> free_;  // GUARDED_BY(mu_)
  size_t total_ = 0;                      // GUARDED_BY(mu_)
};

}  // namespace hearth::storage
