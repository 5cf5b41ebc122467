// The storage engines on a real SQLite file and (as pg:...) a real PostgreSQL server
// (support/test_store.h). Engine.* tests hold for every engine; SqliteEngine.* ones are
// about SQLite's file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include "storage/postgres/postgres_engine.h"
#include "storage/sqlite/sqlite_engine.h"
#include "support/server_process.h"
#include "support/test_store.h"

namespace hearth::storage {
namespace {

using hearth::testing::TempDir;

// The engine under test, its store keyed by `path` (SQLite's file there; with PostgreSQL,
// a schema of its own).
std::unique_ptr<Engine> OpenOrDie(const std::string& path, SqliteOptions options = {}) {
  options.path = path;
  auto engine = testing::TestOnPostgres()
                    ? OpenPostgres({.url = testing::PostgresUrlFor(path + ".pg"),
                                    .max_queue = options.max_queue})
                    : OpenSqlite(options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

// Runs `fn` as one write and waits for its outcome.
Status WriteSync(Engine& engine, Engine::WriteFn fn) {
  std::promise<Status> done;
  auto future = done.get_future();
  engine.Write(std::move(fn), [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

Status PutSync(Engine& engine, const std::string& path, const std::string& data) {
  return WriteSync(engine, [&](WriteTxn& txn) -> Status {
    ASSIGN_OR_RETURN(auto before, txn.Get(path));
    DocumentRecord doc{path, data, before ? before->create_time : txn.commit_time(),
                       txn.commit_time()};
    return txn.Put(doc, before);
  });
}

TEST(Engine, WritesSurviveReopen) {
  TempDir dir;
  std::string file = dir.path() + "/db";
  {
    auto engine = OpenOrDie(file);
    ASSERT_TRUE(PutSync(*engine, "posts/a", R"({"x":1})").ok());
    engine->Close();
  }
  auto engine = OpenOrDie(file);
  auto doc = engine->Get("posts/a");
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE(doc->has_value());
  EXPECT_EQ((*doc)->data, R"({"x":1})");
  EXPECT_EQ((*doc)->path, "posts/a");
  auto missing = engine->Get("posts/b");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(Engine, FailedWriteRollsBackOnlyItself) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  constexpr int kWrites = 200;
  std::vector<std::promise<Status>> done(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    std::string path = "c/d" + std::to_string(i);
    engine->Write(
        [path, i](WriteTxn& txn) -> Status {
          RETURN_IF_ERROR(txn.Put({path, "{}", txn.commit_time(), txn.commit_time()}, {}));
          if (i % 2 == 1) return Aborted("odd writes fail after writing");
          return Status::Ok();
        },
        [&done, i](Status s) { done[i].set_value(std::move(s)); });
  }
  for (int i = 0; i < kWrites; ++i) {
    Status s = done[i].get_future().get();
    EXPECT_EQ(s.ok(), i % 2 == 0) << i << ": " << s.ToString();
    auto doc = engine->Get("c/d" + std::to_string(i));
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->has_value(), i % 2 == 0) << i;
  }
}

TEST(Engine, ConcurrentWritersGetUniqueIncreasingCommitTimes) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  constexpr int kThreads = 8, kPerThread = 250;
  std::mutex mu;
  std::vector<int64_t> times;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t time = 0;
        Status s = WriteSync(*engine, [&](WriteTxn& txn) -> Status {
          time = txn.commit_time();
          std::string path = "w/" + std::to_string(t) + "-" + std::to_string(i);
          return txn.Put({path, "{}", time, time}, {});
        });
        ASSERT_TRUE(s.ok()) << s.ToString();
        std::lock_guard lock(mu);
        times.push_back(time);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> unique(times.begin(), times.end());
  EXPECT_EQ(unique.size(), times.size());
  auto all = engine->List("w", "", 10000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(Engine, CommitTimesIncreaseAcrossReopen) {
  TempDir dir;
  std::string file = dir.path() + "/db";
  int64_t first = 0;
  {
    auto engine = OpenOrDie(file);
    ASSERT_TRUE(WriteSync(*engine, [&](WriteTxn& txn) {
                  first = txn.commit_time() + 10'000'000;  // pretend the clock was ahead
                  return txn.Put({"a/b", "{}", first, first}, {});
                }).ok());
  }
  auto engine = OpenOrDie(file);
  int64_t second = 0;
  ASSERT_TRUE(WriteSync(*engine, [&](WriteTxn& txn) {
                second = txn.commit_time();
                return Status::Ok();
              }).ok());
  EXPECT_GT(second, first);
}

TEST(Engine, ListsOneCollectionInIdOrderWithPaging) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  for (std::string id : {"b", "a", "c", "aa", "B"}) {
    ASSERT_TRUE(PutSync(*engine, "posts/" + id, "{}").ok());
  }
  ASSERT_TRUE(PutSync(*engine, "posts/a/comments/x", "{}").ok());
  ASSERT_TRUE(PutSync(*engine, "postsx/a", "{}").ok());
  auto page = engine->List("posts", "", 3);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> paths;
  for (auto& d : *page) paths.push_back(d.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"posts/B", "posts/a", "posts/aa"}));
  auto rest = engine->List("posts", "aa", 10);
  ASSERT_TRUE(rest.ok());
  paths.clear();
  for (auto& d : *rest) paths.push_back(d.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"posts/b", "posts/c"}));
  auto sub = engine->List("posts/a/comments", "", 10);
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 1u);
  EXPECT_EQ(sub->front().path, "posts/a/comments/x");
}

TEST(Engine, ChangeLogRecordsBeforeAndAfter) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  ASSERT_TRUE(PutSync(*engine, "p/1", R"({"v":1})").ok());
  ASSERT_TRUE(PutSync(*engine, "p/1", R"({"v":2})").ok());
  ASSERT_TRUE(WriteSync(*engine, [](WriteTxn& txn) -> Status {
                ASSIGN_OR_RETURN(auto before, txn.Get("p/1"));
                return txn.Delete(*before);
              }).ok());
  auto changes = engine->ReadChanges(0, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  const auto& c = *changes;
  EXPECT_FALSE(c[0].before.has_value());
  EXPECT_EQ(c[0].after, R"({"v":1})");
  EXPECT_EQ(c[1].before, R"({"v":1})");
  EXPECT_EQ(c[1].after, R"({"v":2})");
  EXPECT_EQ(c[2].before, R"({"v":2})");
  EXPECT_FALSE(c[2].after.has_value());
  EXPECT_LT(c[0].seq, c[1].seq);
  EXPECT_LT(c[1].commit_time, c[2].commit_time);
  auto later = engine->ReadChanges(c[1].seq, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
}

TEST(Engine, RefusesWritesWhenQueueIsFullAndAfterClose) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db", {.max_queue = 1});
  std::latch started(1), release(1);
  std::promise<Status> first;
  engine->Write(
      [&](WriteTxn&) {
        started.count_down();
        release.wait();
        return Status::Ok();
      },
      [&](Status s) { first.set_value(s); });
  started.wait();  // the writer is busy with the first write; the queue is empty
  std::promise<Status> second, third;
  engine->Write([](WriteTxn&) { return Status::Ok(); }, [&](Status s) { second.set_value(s); });
  engine->Write([](WriteTxn&) { return Status::Ok(); }, [&](Status s) { third.set_value(s); });
  Status refused = third.get_future().get();
  EXPECT_EQ(refused.code(), Code::kUnavailable);
  release.count_down();
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_TRUE(second.get_future().get().ok());
  engine->Close();
  Status after = WriteSync(*engine, [](WriteTxn&) { return Status::Ok(); });
  EXPECT_EQ(after.code(), Code::kUnavailable);
}

TEST(SqliteEngine, RefusesAStoreFromANewerVersion) {
  TempDir dir;
  std::string file = dir.path() + "/db";
  OpenOrDie(file)->Close();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto engine = OpenSqlite({.path = file});
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(engine.status().message().find("newer"), std::string::npos);
}

// Checkpoints run in the background: the WAL does not grow with the data written.
TEST(SqliteEngine, WalStaysBoundedWhileWriting) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  const std::string big(8000, 'x');
  for (int i = 0; i < 6000; ++i) {  // ~48 MB of documents, in small commits
    ASSERT_TRUE(PutSync(*engine, "w/" + std::to_string(i), "{\"s\":\"" + big + "\"}").ok());
  }
  std::error_code ec;
  auto wal = std::filesystem::file_size(dir.path() + "/db-wal", ec);
  ASSERT_FALSE(ec);
  // Without checkpoints the WAL would hold every page written (more than 48 MB).
  EXPECT_LT(wal, 36u * 1024 * 1024) << "the WAL was not checkpointed";
  auto doc = engine->Get("w/5999");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  engine->Close();
  // A clean close checkpoints everything: the WAL is gone or empty.
  auto after = std::filesystem::file_size(dir.path() + "/db-wal", ec);
  EXPECT_TRUE(ec || after == 0) << after;
}

TEST(Engine, PingAndSize) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path() + "/db");
  EXPECT_TRUE(engine->Ping().ok());
  auto size = engine->SizeBytes();
  ASSERT_TRUE(size.ok());
  EXPECT_GT(*size, 0);
  EXPECT_EQ(engine->name(), testing::TestOnPostgres() ? "postgres" : "sqlite");
}

}  // namespace
}  // namespace hearth::storage
