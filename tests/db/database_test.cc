// Database over a real SQLite file: atomic commits, limits, reads.
#include "db/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "model/json_view.h"
#include "storage/sqlite/sqlite_engine.h"
#include "support/server_process.h"

namespace hearth::db {
namespace {

using hearth::testing::TempDir;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = storage::OpenSqlite({.path = dir_.path() + "/db"});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    auto db = Database::Open(std::move(engine).value(), DatabaseOptions{});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  Result<CommitResult> Commit(std::vector<Mutation> mutations) {
    std::promise<Result<CommitResult>> p;
    db_->Commit(std::move(mutations), [&](Result<CommitResult> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::optional<storage::DocumentRecord> Get(const std::string& path) {
    std::promise<Result<std::optional<storage::DocumentRecord>>> p;
    db_->Get(path, [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }

  Status Restore(std::vector<storage::DocumentRecord> docs, bool replace) {
    std::promise<Status> p;
    db_->Restore(std::move(docs), replace, [&](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }

  // The paths a query returns.
  std::vector<std::string> Query(std::string_view json) {
    auto body = model::JsonDocument::Parse(json);
    EXPECT_TRUE(body.ok()) << json;
    auto q = query::ParseQuery(body->root());
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    std::promise<Result<QueryResult>> p;
    db_->RunQuery(*q, [&](auto r) { p.set_value(std::move(r)); });
    auto result = p.get_future().get();
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> paths;
    if (result.ok()) {
      for (const auto& d : result->documents) paths.push_back(d.path);
    }
    return paths;
  }

  static Mutation Set(std::string_view path, std::string_view json) {
    auto data = model::ParseWriteData(json, model::WriteMode::kSet);
    EXPECT_TRUE(data.ok());
    return MakeSet(model::ResourcePath::Parse(path).value(), std::move(*data));
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, BatchIsAllOrNothingAndNamesTheFailingWrite) {
  Mutation create = Set("c/exists", "{}");
  ASSERT_TRUE(Commit({create}).ok());
  Mutation must_not_exist = Set("c/exists", R"({"v":2})");
  must_not_exist.precondition.exists = false;
  auto result = Commit({Set("c/new", R"({"v":1})"), must_not_exist});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(result.status().message().rfind("write 1:", 0), 0u) << result.status().message();
  EXPECT_FALSE(Get("c/new").has_value());
  EXPECT_EQ(Get("c/exists")->data, "{}");
}

TEST_F(DatabaseTest, LaterWritesInABatchSeeEarlierOnes) {
  auto update = model::ParseWriteData(R"({"n":{"$increment":1}})", model::WriteMode::kUpdate);
  ASSERT_TRUE(update.ok());
  Mutation inc = MakeUpdate(model::ResourcePath::Parse("c/a").value(), std::move(*update));
  auto result = Commit({Set("c/a", R"({"n":1})"), inc, inc});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Get("c/a")->data, R"({"n":3})");
  ASSERT_EQ(result->documents.size(), 3u);
  EXPECT_EQ(result->documents[2]->data, R"({"n":3})");
}

TEST_F(DatabaseTest, CreateTimeIsKeptAndUpdateTimeAdvances) {
  ASSERT_TRUE(Commit({Set("c/t", R"({"v":1})")}).ok());
  auto first = Get("c/t");
  ASSERT_TRUE(Commit({Set("c/t", R"({"v":2})")}).ok());
  auto second = Get("c/t");
  EXPECT_EQ(first->create_time, second->create_time);
  EXPECT_GT(second->update_time, first->update_time);
}

TEST_F(DatabaseTest, RefusesDocumentsOverOneMebibyte) {
  std::string big(1024 * 1024, 'x');
  auto result = Commit({Set("c/big", R"({"s":")" + big + "\"}")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(Get("c/big").has_value());
  std::string fits(1000 * 1000, 'x');
  EXPECT_TRUE(Commit({Set("c/fits", R"({"s":")" + fits + "\"}")}).ok());
}

TEST_F(DatabaseTest, DeleteOfMissingDocumentSucceeds) {
  auto result = Commit({MakeDelete(model::ResourcePath::Parse("c/none").value())});
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->documents[0].has_value());
}

TEST_F(DatabaseTest, RestoreKeepsTimesAndIsAllOrNothing) {
  storage::DocumentRecord a{"c/a", R"({"v":1})", 1000, 2000};
  ASSERT_TRUE(Restore({a}, false).ok());
  auto got = Get("c/a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->data, R"({"v":1})");
  EXPECT_EQ(got->create_time, 1000);
  EXPECT_EQ(got->update_time, 2000);

  // A path that is taken fails the batch, naming it; nothing of the batch is written.
  Status taken = Restore({{"c/b", "{}", 1, 1}, a}, false);
  EXPECT_EQ(taken.code(), Code::kAlreadyExists) << taken.ToString();
  EXPECT_NE(taken.message().find("'c/a'"), std::string::npos) << taken.message();
  EXPECT_FALSE(Get("c/b").has_value());

  a.data = R"({"v":2})";
  a.update_time = 3000;
  ASSERT_TRUE(Restore({a}, true).ok());
  EXPECT_EQ(Get("c/a")->data, R"({"v":2})");
  EXPECT_EQ(Get("c/a")->update_time, 3000);
}

TEST_F(DatabaseTest, RestoredDocumentsAreIndexedAsCommittedOnes) {
  ASSERT_TRUE(Commit({Set("c/committed", R"({"v":1,"tags":["x"]})")}).ok());
  ASSERT_TRUE(Restore({{"c/restored", R"({"v":1,"tags":["x"]})", 5, 5}}, false).ok());
  using Paths = std::vector<std::string>;
  EXPECT_EQ(Query(R"({"from":"c","where":["v","==",1]})"), (Paths{"c/committed", "c/restored"}));
  EXPECT_EQ(Query(R"({"from":"c","where":["tags","array-contains","x"]})"),
            (Paths{"c/committed", "c/restored"}));
  // Replacing a document replaces its entries (the old ones go: the matcher would hide
  // them from queries, so count them).
  ASSERT_TRUE(Restore({{"c/restored", R"({"v":2})", 5, 6}}, true).ok());
  auto v_entries = db_->engine().ScanIndex(
      {.index_id = query::SingleFieldIndexId("c", model::FieldPath::Parse("v").value(),
                                             query::QueryScope::kCollection, false),
       .parent = "c"});
  ASSERT_TRUE(v_entries.ok());
  EXPECT_EQ(v_entries->size(), 2u);
  EXPECT_EQ(Query(R"({"from":"c","where":["v","==",1]})"), (Paths{"c/committed"}));
  EXPECT_EQ(Query(R"({"from":"c","where":["v","==",2]})"), (Paths{"c/restored"}));
  EXPECT_EQ(Query(R"({"from":"c","where":["tags","array-contains","x"]})"), (Paths{"c/committed"}));
}

TEST(CheckRestoredDocument, RefusesWhatNoWriteCouldHaveStored) {
  auto canonical = CheckRestoredDocument({"c/d", R"({ "b" : 2.0, "a" : 1 })", 1, 2});
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(canonical->data, R"({"a":1,"b":2.0})");
  const std::vector<storage::DocumentRecord> bad = {
      {"c", "{}", 1, 1},                              // a collection
      {"c//d", "{}", 1, 1},                           // an empty segment
      {"c/__x__", "{}", 1, 1},                        // a reserved ID
      {"c/d", "[1]", 1, 1},                           // not a map
      {"c/d", R"({"t":{"$timestamp":"no"}})", 1, 1},  // a bad tagged value
      {"c/d", "{}", 0, 0},                            // no time
      {"c/d", "{}", 3, 2},                            // created after its update
      {"c/d", R"({"s":")" + std::string(1024 * 1024, 'x') + R"("})", 1, 1},  // too big
  };
  for (const auto& doc : bad) {
    auto checked = CheckRestoredDocument(doc);
    EXPECT_EQ(checked.status().code(), Code::kInvalidArgument)
        << doc.path << " " << doc.data.substr(0, 40);
  }
}

// Readers racing a writer never see a version older than one already acknowledged
// (the document cache must not serve stale data).
TEST_F(DatabaseTest, ReadsNeverGoBackInTime) {
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0}, reads{0};
  auto reader = [&] {
    while (!stop.load()) {
      int floor = acked.load();
      auto doc = Get("c/x");
      if (!doc) continue;
      auto fields = model::ParseDocumentJson(doc->data);
      int v = static_cast<int>(fields->at("v").integer_value());
      if (v < floor) violations.fetch_add(1);
      reads.fetch_add(1);
    }
  };
  std::thread r1(reader), r2(reader);
  for (int v = 1; v <= 300; ++v) {
    ASSERT_TRUE(Commit({Set("c/x", R"({"v":)" + std::to_string(v) + "}")}).ok());
    acked.store(v);
    if (v % 50 == 0) {
      ASSERT_TRUE(Commit({MakeDelete(model::ResourcePath::Parse("c/y").value())}).ok());
    }
  }
  stop.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace hearth::db
