// A Database over a temporary SQLite store with a ListenerEngine, and a client-side view
// that applies snapshots by their indices, as an SDK would.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/database.h"
#include "model/json.h"
#include "model/json_view.h"
#include "realtime/listener_engine.h"
#include "storage/sqlite/sqlite_engine.h"
#include "support/server_process.h"
#include "support/test_store.h"

namespace hearth::realtime::testing {

// What a client holds for one target, rebuilt from snapshots alone.
class ClientView {
 public:
  // Applies `s`; a failed expectation when an index does not fit.
  void Apply(const Snapshot& s) {
    std::lock_guard lock(mu_);
    snapshots_.push_back(s);
    for (const DocumentChange& c : s.changes) {
      const std::string& path = c.entry->record.path;
      if (c.type != ChangeType::kAdded) {
        ASSERT_GE(c.old_index, 0);
        ASSERT_LT(static_cast<size_t>(c.old_index), docs_.size());
        ASSERT_EQ(docs_[c.old_index].path, path);
        docs_.erase(docs_.begin() + c.old_index);
      }
      if (c.type != ChangeType::kRemoved) {
        ASSERT_GE(c.new_index, 0);
        ASSERT_LE(static_cast<size_t>(c.new_index), docs_.size());
        docs_.insert(docs_.begin() + c.new_index, c.entry->record);
      }
    }
  }
  void Fail(const Status& s) {
    std::lock_guard lock(mu_);
    error_ = s;
  }
  std::vector<storage::DocumentRecord> docs() {
    std::lock_guard lock(mu_);
    return docs_;
  }
  std::vector<Snapshot> snapshots() {
    std::lock_guard lock(mu_);
    return snapshots_;
  }
  std::optional<Status> error() {
    std::lock_guard lock(mu_);
    return error_;
  }
  std::vector<std::string> paths() {
    std::vector<std::string> out;
    for (const auto& d : docs()) out.push_back(d.path);
    return out;
  }
  TargetCallback Callback() {
    return [this](Result<Snapshot> s) { s.ok() ? Apply(*s) : Fail(s.status()); };
  }

 private:
  std::mutex mu_;
  std::vector<storage::DocumentRecord> docs_;
  std::vector<Snapshot> snapshots_;
  std::optional<Status> error_;
};

class EngineTest : public ::testing::Test {
 protected:
  void Open(std::string index_config = "{}") {
    auto engine = hearth::testing::OpenTestEngine(dir_.path());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    auto config = query::ParseIndexConfig(index_config);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto db = db::Database::Open(std::move(engine).value(),
                                 {.indexes = std::make_shared<query::IndexConfig>(*config),
                                  .index_config_text = index_config});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    engine_ = std::make_unique<ListenerEngine>(*db_);
  }
  void SetUp() override { Open(); }
  void TearDown() override {
    engine_.reset();  // before the database it listens to
    db_.reset();
  }

  static db::Mutation Set(std::string_view path, std::string_view json) {
    auto data = model::ParseWriteData(json, model::WriteMode::kSet);
    EXPECT_TRUE(data.ok()) << json;
    return db::MakeSet(model::ResourcePath::Parse(path).value(), std::move(*data));
  }
  static db::Mutation Delete(std::string_view path) {
    return db::MakeDelete(model::ResourcePath::Parse(path).value());
  }
  // Returns the commit time (0 when the commit failed, with a failed expectation).
  int64_t Commit(std::vector<db::Mutation> mutations) {
    std::promise<Result<db::CommitResult>> p;
    db_->Commit(std::move(mutations), [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->commit_time : 0;
  }
  static query::Query ParseQuery(std::string_view text) {
    auto json = model::JsonDocument::Parse(text);
    EXPECT_TRUE(json.ok()) << text;
    auto q = query::ParseQuery(json->root());
    EXPECT_TRUE(q.ok()) << text << ": " << q.status().ToString();
    return *q;
  }
  Result<db::QueryResult> RunQuery(const query::Query& q) {
    std::promise<Result<db::QueryResult>> p;
    db_->RunQuery(q, [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  ListenerEngine::TargetHandle ListenQuery(std::string_view text, ClientView& view) {
    auto handle = engine_->Listen({.query = ParseQuery(text)}, view.Callback());
    EXPECT_TRUE(handle.ok()) << handle.status().ToString();
    return handle.ok() ? *handle : 0;
  }
  ListenerEngine::TargetHandle ListenDocument(std::string_view path, ClientView& view) {
    auto handle =
        engine_->Listen({.document = model::ResourcePath::Parse(path).value()}, view.Callback());
    EXPECT_TRUE(handle.ok()) << handle.status().ToString();
    return handle.ok() ? *handle : 0;
  }

  hearth::testing::TempDir dir_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<ListenerEngine> engine_;
};

}  // namespace hearth::realtime::testing
