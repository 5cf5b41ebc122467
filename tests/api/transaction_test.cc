// Transactions over real HTTP: optimistic reads, conflicts, read-only snapshots, expiry.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

class TransactionTest : public SharedServerTest<TransactionTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    WriteFile(dir + "/hearth.json", R"({"limits": {"transactionTimeoutMs": 1000}})");
  }

 protected:
  std::string Begin(bool read_only = false) {
    HttpResponse r =
        client_->Admin("POST", "/v1/transactions", read_only ? R"({"readOnly": true})" : "{}");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body).String("/transaction").value_or("");
  }
  HttpResponse Read(const std::string& txn, const std::string& path) {
    return client_->Admin("GET", "/v1/documents/" + path + "?transaction=" + txn);
  }
  HttpResponse Commit(const std::string& txn, const std::string& writes) {
    return client_->Admin("POST", "/v1/commit",
                          R"({"transaction": ")" + txn + R"(", "writes": )" + writes + "}");
  }
  HttpResponse Put(const std::string& path, const std::string& body) {
    return client_->Admin("PUT", "/v1/documents/" + path, body);
  }
};

TEST_F(TransactionTest, ReadModifyWriteCommits) {
  ASSERT_EQ(Put("t1/a", R"({"n": 1})").status, 200);
  std::string txn = Begin();
  ASSERT_FALSE(txn.empty());
  HttpResponse read = Read(txn, "t1/a");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(RawData(read.body), R"({"n":1})");
  HttpResponse commit = Commit(txn, R"([{"set": {"path": "t1/a", "data": {"n": 2}}}])");
  EXPECT_EQ(commit.status, 200) << commit.body;
  EXPECT_EQ(RawData(client_->Admin("GET", "/v1/documents/t1/a").body), R"({"n":2})");
  // The transaction has ended.
  HttpResponse again = Commit(txn, "[]");
  EXPECT_EQ(again.status, 409);
  EXPECT_TRUE(IsErrorBody(again, "aborted"));
}

TEST_F(TransactionTest, AConcurrentWriteAbortsTheCommit) {
  ASSERT_EQ(Put("t2/a", R"({"n": 1})").status, 200);
  std::string txn = Begin();
  ASSERT_EQ(Read(txn, "t2/a").status, 200);
  ASSERT_EQ(Put("t2/a", R"({"n": 100})").status, 200);  // someone else
  HttpResponse commit = Commit(txn, R"([{"set": {"path": "t2/a", "data": {"n": 2}}}])");
  EXPECT_EQ(commit.status, 409) << commit.body;
  EXPECT_TRUE(IsErrorBody(commit, "aborted"));
  EXPECT_NE(commit.body.find("t2/a"), std::string::npos);
  EXPECT_EQ(RawData(client_->Admin("GET", "/v1/documents/t2/a").body), R"({"n":100})");
}

TEST_F(TransactionTest, AbsenceIsPartOfWhatWasRead) {
  std::string txn = Begin();
  EXPECT_EQ(Read(txn, "t3/new").status, 404);
  ASSERT_EQ(Put("t3/new", R"({"by": "other"})").status, 200);
  HttpResponse commit = Commit(txn, R"([{"set": {"path": "t3/new", "data": {"by": "me"}}}])");
  EXPECT_EQ(commit.status, 409);
  EXPECT_EQ(RawData(client_->Admin("GET", "/v1/documents/t3/new").body), R"({"by":"other"})");
}

TEST_F(TransactionTest, ReadOnlyTransactionsSeeOneSnapshot) {
  ASSERT_EQ(Put("t4/a", R"({"v": 1})").status, 200);
  ASSERT_EQ(Put("t4/b", R"({"v": 1})").status, 200);
  std::string txn = Begin(true);
  ASSERT_EQ(Read(txn, "t4/a").status, 200);
  ASSERT_EQ(Read(txn, "t4/b").status, 200);
  ASSERT_EQ(Put("t4/a", R"({"v": 2})").status, 200);
  // Reading on would mix two states: refused.
  HttpResponse stale = Read(txn, "t4/b");
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_TRUE(IsErrorBody(stale, "aborted"));
  std::string ro = Begin(true);
  HttpResponse write = Commit(ro, R"([{"delete": {"path": "t4/a"}}])");
  EXPECT_EQ(write.status, 400);
  EXPECT_TRUE(IsErrorBody(write, "invalid-argument"));
  EXPECT_EQ(client_->Admin("GET", "/v1/documents/t4/a").status, 200);
}

TEST_F(TransactionTest, RollbackAndExpiryEndTransactions) {
  std::string txn = Begin();
  EXPECT_EQ(client_->Admin("DELETE", "/v1/transactions/" + txn).status, 200);
  EXPECT_EQ(client_->Admin("DELETE", "/v1/transactions/" + txn).status, 404);
  EXPECT_EQ(Commit(txn, "[]").status, 409);

  std::string expiring = Begin();
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  HttpResponse late = Read(expiring, "t5/a");
  EXPECT_EQ(late.status, 404) << late.body;
  EXPECT_EQ(Commit(expiring, "[]").status, 409);

  EXPECT_EQ(Read("no-such-transaction", "t5/a").status, 404);
  HttpResponse bad = client_->Admin("POST", "/v1/transactions", R"({"readOnly": "yes"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(client_->Admin("GET", "/v1/transactions").status, 405);
}

// Concurrent read-increment-write loops with retries lose no update.
TEST_F(TransactionTest, NoLostUpdatesUnderContention) {
  ASSERT_EQ(Put("t6/counter", R"({"n": 0})").status, 200);
  constexpr int kThreads = 4, kIncrements = 15;
  std::atomic<int> aborts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      HttpClient client(server_->port());
      for (int i = 0; i < kIncrements; ++i) {
        for (int attempt = 0; attempt < 200; ++attempt) {
          HttpResponse begin = client.Admin("POST", "/v1/transactions", "{}");
          std::string txn = Json(begin.body).String("/transaction").value_or("");
          HttpResponse read = client.Admin("GET", "/v1/documents/t6/counter?transaction=" + txn);
          auto n = Json(read.body).Int("/data/n");
          if (!n) continue;
          HttpResponse commit =
              client.Admin("POST", "/v1/commit",
                           R"({"transaction": ")" + txn +
                               R"(", "writes": [{"set": {"path": "t6/counter", "data": {"n": )" +
                               std::to_string(*n + 1) + "}}}]}");
          if (commit.status == 200) break;
          ASSERT_EQ(commit.status, 409) << commit.body;
          aborts.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto n = Json(client_->Admin("GET", "/v1/documents/t6/counter").body).Int("/data/n");
  EXPECT_EQ(n, kThreads * kIncrements);
  std::cout << aborts.load() << " commits aborted and retried\n";
}

}  // namespace
}  // namespace hearth::testing
