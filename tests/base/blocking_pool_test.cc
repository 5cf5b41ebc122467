#include "base/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace hearth {
namespace {

using namespace std::chrono_literals;

TEST(BlockingPool, RunsEveryAcceptedJob) {
  std::atomic<int> sum{0};
  {
    BlockingPool pool("test", 4, 1000);
    for (int i = 1; i <= 500; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&sum, i] { sum += i; }));
    }
  }  // the destructor waits for all jobs
  EXPECT_EQ(sum.load(), 500 * 501 / 2);
}

TEST(BlockingPool, RunsJobsOnPoolThreads) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  {
    BlockingPool pool("test", 3, 100);
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&] {
        std::this_thread::sleep_for(1ms);
        std::lock_guard lock(mu);
        ids.insert(std::this_thread::get_id());
      }));
    }
  }
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_GE(ids.size(), 1u);
  EXPECT_LE(ids.size(), 3u);
}

TEST(BlockingPool, ResultsFlowBackThroughPromises) {
  BlockingPool pool("test", 2, 10);
  std::promise<int> p;
  std::future<int> f = p.get_future();
  ASSERT_TRUE(pool.TrySubmit([&p] { p.set_value(6 * 7); }));
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), 42);
}

// A one-shot latch for blocking a pool thread. Opens itself on destruction, so a failed
// assertion can never leave a pool destructor waiting forever; declare it after the pool.
class Gate {
 public:
  ~Gate() { Open(); }
  void Open() {
    if (!opened_.exchange(true)) promise_.set_value();
  }
  // Capture the result by value in jobs.
  std::shared_future<void> Waiter() const { return future_; }

 private:
  std::atomic<bool> opened_{false};
  std::promise<void> promise_;
  std::shared_future<void> future_ = promise_.get_future().share();
};

TEST(BlockingPool, RefusesWhenQueueFull) {
  std::promise<void> started;
  std::future<void> started_f = started.get_future();
  std::atomic<int> ran{0};
  {
    BlockingPool pool("test", 1, 2);
    Gate gate;
    // Occupy the only thread, and wait until it has taken the job off the queue.
    ASSERT_TRUE(pool.TrySubmit([&started, &ran, release = gate.Waiter()] {
      started.set_value();
      release.wait();
      ++ran;
    }));
    ASSERT_EQ(started_f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(pool.queued(), 0u);

    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_FALSE(pool.TrySubmit([&] { ran += 100; }));  // full: refused and dropped
    EXPECT_FALSE(pool.TrySubmit([&] { ran += 100; }));
    EXPECT_EQ(pool.queued(), 2u);

    gate.Open();
    // Space frees up once the worker drains the queue.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pool.queued() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(pool.queued(), 0u);
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 4);
}

TEST(BlockingPool, ZeroQueueRefusesEverything) {
  BlockingPool pool("test", 1, 0);
  EXPECT_FALSE(pool.TrySubmit([] {}));
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(BlockingPool, DestructorDrainsQueuedJobs) {
  std::atomic<int> ran{0};
  std::atomic<int> probes_accepted{0};
  std::atomic<int> probes_ran{0};
  std::atomic<bool> saw_stopping{false};
  Gate gate;  // outlives the pool
  std::thread releaser;
  {
    BlockingPool pool("a-long-pool-name-over-15-chars", 1, 10000);
    ASSERT_TRUE(pool.TrySubmit([&ran, release = gate.Waiter()] {
      release.wait();
      ++ran;
    }));
    // Keep the worker blocked until the destructor has begun: the pool refuses new work once
    // it is stopping, which the releaser detects; only then does it open the gate. Started
    // before any further assertion, so an early return cannot deadlock.
    releaser = std::thread([&] {
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline) {
        if (!pool.TrySubmit([&probes_ran] { ++probes_ran; })) {
          saw_stopping = true;
          break;
        }
        ++probes_accepted;
        std::this_thread::sleep_for(1ms);
      }
      gate.Open();
    });
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_GE(pool.queued(), 50u);
  }
  releaser.join();
  EXPECT_TRUE(saw_stopping.load());
  // Every accepted job ran, although the pool was already stopping when they got their turn.
  EXPECT_EQ(ran.load(), 51);
  EXPECT_EQ(probes_ran.load(), probes_accepted.load());
}

}  // namespace
}  // namespace hearth
