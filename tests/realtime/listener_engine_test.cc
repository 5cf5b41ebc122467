// ListenerEngine over a real SQLite store: snapshots, indices, windows, batches, indexing.
#include "realtime/listener_engine.h"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>

#include "realtime/engine_fixture.h"

namespace hearth::realtime::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Types(const Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& c : s.changes) {
    out.push_back(std::string(ChangeTypeName(c.type)) + " " + c.entry->record.path + " " +
                  std::to_string(c.old_index) + "->" + std::to_string(c.new_index));
  }
  return out;
}

TEST_F(EngineTest, FirstSnapshotHoldsEveryMatchAsAddedInOrder) {
  Commit({Set("posts/a", R"({"n":3})"), Set("posts/b", R"({"n":1})"), Set("posts/c", R"({"n":2})"),
          Set("other/x", R"({"n":0})")});
  ClientView view;
  ListenQuery(R"({"from":"posts","orderBy":[["n","asc"]]})", view);
  engine_->Flush();
  auto snapshots = view.snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_TRUE(snapshots[0].first);
  EXPECT_GT(snapshots[0].read_time, 0);
  EXPECT_THAT(Types(snapshots[0]),
              ElementsAre("added posts/b -1->0", "added posts/c -1->1", "added posts/a -1->2"));
}

TEST_F(EngineTest, EmptyResultStillGetsAFirstSnapshot) {
  ClientView view, doc;
  ListenQuery(R"({"from":"posts"})", view);
  ListenDocument("posts/missing", doc);
  engine_->Flush();
  ASSERT_EQ(view.snapshots().size(), 1u);
  EXPECT_THAT(view.snapshots()[0].changes, IsEmpty());
  ASSERT_EQ(doc.snapshots().size(), 1u);
  EXPECT_THAT(doc.snapshots()[0].changes, IsEmpty());
}

TEST_F(EngineTest, AddedModifiedRemovedWithIndices) {
  Commit({Set("posts/a", R"({"n":1})"), Set("posts/b", R"({"n":2})")});
  ClientView view;
  ListenQuery(R"({"from":"posts","where":["n","<",10],"orderBy":[["n","asc"]]})", view);
  engine_->Flush();
  Commit({Set("posts/c", R"({"n":0})")});
  engine_->Flush();
  Commit({Set("posts/c", R"({"n":5})")});  // moves from first to last
  engine_->Flush();
  Commit({Set("posts/a", R"({"n":50})")});  // leaves the filter
  engine_->Flush();
  Commit({Delete("posts/b")});
  engine_->Flush();
  auto s = view.snapshots();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_THAT(Types(s[1]), ElementsAre("added posts/c -1->0"));
  EXPECT_THAT(Types(s[2]), ElementsAre("modified posts/c 0->2"));
  EXPECT_THAT(Types(s[3]), ElementsAre("removed posts/a 0->-1"));
  EXPECT_THAT(Types(s[4]), ElementsAre("removed posts/b 0->-1"));
  EXPECT_EQ(view.paths(), std::vector<std::string>{"posts/c"});
  EXPECT_EQ(view.docs()[0].data, R"({"n":5})");
}

// readTime (and the resume token) is the commit time of the newest commit a snapshot
// reflects, deletions included.
TEST_F(EngineTest, ReadTimeIsTheCommitTime) {
  Commit({Set("posts/a", R"({"n":1})"), Set("posts/b", R"({"n":2})")});
  ClientView view;
  ListenQuery(R"({"from":"posts"})", view);
  engine_->Flush();
  const int64_t put = Commit({Set("posts/c", R"({"n":3})")});
  engine_->Flush();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // observed well after it
  const int64_t deleted = Commit({Delete("posts/a")});
  engine_->Flush();
  auto s = view.snapshots();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1].read_time, put);
  EXPECT_EQ(s[2].read_time, deleted);
  EXPECT_GT(deleted, put);
}

TEST_F(EngineTest, ABatchIsOneSnapshotRemovalsThenAdditionsThenModifications) {
  Commit({Set("posts/a", R"({"n":1})"), Set("posts/b", R"({"n":2})")});
  ClientView view;
  ListenQuery(R"({"from":"posts","orderBy":[["n","desc"]]})", view);
  engine_->Flush();
  Commit({Set("posts/c", R"({"n":3})"), Set("posts/a", R"({"n":9})"), Delete("posts/b"),
          Set("posts/d", R"({"n":0})")});
  engine_->Flush();
  auto s = view.snapshots();
  ASSERT_EQ(s.size(), 2u);
  // Before: [b(2), a(1)]. Removed b: [a]. Added c(3), d(0): [c, a, d]. a → 9: [a, c, d].
  EXPECT_THAT(Types(s[1]), ElementsAre("removed posts/b 0->-1", "added posts/c -1->0",
                                       "added posts/d -1->2", "modified posts/a 1->0"));
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/a", "posts/c", "posts/d"}));
}

TEST_F(EngineTest, WritesElsewhereDoNotTouchATarget) {
  Commit({Set("posts/a", R"({"n":1})")});
  ClientView view, doc;
  ListenQuery(R"({"from":"posts"})", view);
  ListenDocument("posts/a", doc);
  engine_->Flush();
  Commit({Set("comments/a", R"({"n":1})"), Set("posts/a/comments/x", R"({"n":1})"),
          Set("users/u/posts/z", R"({"n":1})")});
  Commit({Set("posts/b", R"({"n":1})")});
  engine_->Flush();
  EXPECT_EQ(view.snapshots().size(), 2u);  // only posts/b
  EXPECT_EQ(doc.snapshots().size(), 1u);   // posts/a never changed
  // Rewriting a document with the same data is still a new version: modified.
  Commit({Set("posts/a", R"({"n":1})")});
  engine_->Flush();
  ASSERT_EQ(doc.snapshots().size(), 2u);
  EXPECT_THAT(Types(doc.snapshots()[1]), ElementsAre("modified posts/a 0->0"));
}

TEST_F(EngineTest, DocumentTargetSeesCreateUpdateDelete) {
  ClientView doc;
  ListenDocument("posts/a", doc);
  engine_->Flush();
  Commit({Set("posts/a", R"({"v":1})")});
  engine_->Flush();
  Commit({Set("posts/a", R"({"v":2})")});
  engine_->Flush();
  Commit({Delete("posts/a")});
  engine_->Flush();
  auto s = doc.snapshots();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_THAT(Types(s[1]), ElementsAre("added posts/a -1->0"));
  EXPECT_THAT(Types(s[2]), ElementsAre("modified posts/a 0->0"));
  EXPECT_THAT(Types(s[3]), ElementsAre("removed posts/a 0->-1"));
  EXPECT_GE(s[3].read_time, s[2].read_time);
}

TEST_F(EngineTest, LimitWindowRefillsWhenAMemberLeaves) {
  Commit({Set("posts/a", R"({"n":1})"), Set("posts/b", R"({"n":2})"), Set("posts/c", R"({"n":3})"),
          Set("posts/d", R"({"n":4})")});
  ClientView view;
  ListenQuery(R"({"from":"posts","orderBy":[["n","asc"]],"limit":2})", view);
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/a", "posts/b"}));
  Commit({Delete("posts/a")});
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/b", "posts/c"}));
  EXPECT_THAT(Types(view.snapshots().back()),
              ElementsAre("removed posts/a 0->-1", "added posts/c -1->1"));
  Commit({Set("posts/b", R"({"n":10})")});  // moves past the window's edge
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/c", "posts/d"}));
  Commit({Set("posts/e", R"({"n":0})")});  // enters at the front, pushes d out
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/e", "posts/c"}));
  EXPECT_THAT(Types(view.snapshots().back()),
              ElementsAre("removed posts/d 1->-1", "added posts/e -1->0"));
}

TEST_F(EngineTest, LimitToLastWindowRefills) {
  Commit(
      {Set("posts/a", R"({"n":1})"), Set("posts/b", R"({"n":2})"), Set("posts/c", R"({"n":3})")});
  ClientView view;
  ListenQuery(R"({"from":"posts","orderBy":[["n","asc"]],"limitToLast":2})", view);
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/b", "posts/c"}));
  Commit({Delete("posts/c")});
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/a", "posts/b"}));
  Commit({Set("posts/z", R"({"n":9})")});
  engine_->Flush();
  EXPECT_EQ(view.paths(), (std::vector<std::string>{"posts/b", "posts/z"}));
}

TEST_F(EngineTest, CollectionGroupAndSelect) {
  ClientView view;
  ListenQuery(R"({"from":{"collectionGroup":"comments"},"select":["t"]})", view);
  engine_->Flush();
  Commit({Set("posts/a/comments/x", R"({"t":"hi","secret":1})"),
          Set("posts/a/other/y", R"({"t":"no"})")});
  engine_->Flush();
  ASSERT_EQ(view.docs().size(), 1u);
  EXPECT_EQ(view.docs()[0].path, "posts/a/comments/x");
  EXPECT_EQ(view.docs()[0].data, R"({"t":"hi"})");
}

TEST_F(EngineTest, UnlistenStopsSnapshotsAndFreesTheTarget) {
  ClientView view;
  auto handle = ListenQuery(R"({"from":"posts"})", view);
  engine_->Flush();
  EXPECT_EQ(engine_->target_count(), 1u);
  engine_->Unlisten(handle);
  Commit({Set("posts/a", R"({})")});
  engine_->Flush();
  EXPECT_EQ(view.snapshots().size(), 1u);
  EXPECT_EQ(engine_->target_count(), 0u);
}

TEST_F(EngineTest, QueryErrorEndsTheTarget) {
  ClientView view;
  // Two order fields without a composite index: failed-precondition.
  ListenQuery(R"({"from":"posts","where":["a","==",1],"orderBy":[["b","asc"]]})", view);
  engine_->Flush();
  ASSERT_TRUE(view.error().has_value());
  EXPECT_EQ(view.error()->code(), Code::kFailedPrecondition);
  EXPECT_EQ(engine_->target_count(), 0u);
}

TEST_F(EngineTest, RefusesDocumentCursorsAndCollectionPaths) {
  auto q = ParseQuery(R"({"from":"posts","startAt":"posts/a"})");
  ASSERT_TRUE(q.start && q.start->document);
  EXPECT_EQ(engine_->Listen({.query = q}, [](auto) {}).status().code(), Code::kInvalidArgument);
  auto r = engine_->Listen({.document = model::ResourcePath::Parse("posts").value()}, [](auto) {});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST_F(EngineTest, ListenRacingWritesConverges) {
  ClientView view;
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) {
      Commit({Set("posts/d" + std::to_string(i % 7), "{\"n\":" + std::to_string(i) + "}")});
      if (i % 5 == 0) Commit({Delete("posts/d" + std::to_string(i % 3))});
    }
  });
  ListenQuery(R"({"from":"posts","orderBy":[["n","desc"]],"limit":3})", view);
  writer.join();
  engine_->Flush();
  auto fresh = RunQuery(ParseQuery(R"({"from":"posts","orderBy":[["n","desc"]],"limit":3})"));
  ASSERT_TRUE(fresh.ok());
  std::vector<std::string> want;
  for (const auto& d : fresh->documents) want.push_back(d.path);
  EXPECT_EQ(view.paths(), want);
}

}  // namespace
}  // namespace hearth::realtime::testing
