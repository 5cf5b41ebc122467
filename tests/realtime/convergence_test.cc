// The convergence property: many listeners with random queries, random concurrent writes
// (single and batched, updates and deletes); at the end each client's view, rebuilt from
// its snapshots' indices alone, equals a fresh query's result, in order.
#include <random>
#include <thread>

#include "realtime/engine_fixture.h"
#include "support/random.h"

namespace hearth::realtime::testing {
namespace {

constexpr char kIndexes[] = R"({
  "indexes": [
    {"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "b", "order": "ASCENDING"}, {"fieldPath": "a", "order": "ASCENDING"}]},
    {"collectionGroup": "c", "queryScope": "COLLECTION_GROUP", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}
  ]
})";

using hearth::testing::Random;

// A small value domain, so filters hit often and ties are common.
std::string Scalar(Random& r) {
  switch (r.Int(0, 4)) {
    case 0:
      return "null";
    case 1:
      return "\"s" + std::to_string(r.Int(0, 3)) + "\"";
    case 2:
      return std::to_string(r.Int(0, 4)) + ".5";
    default:
      return std::to_string(r.Int(0, 6));
  }
}

std::string Document(Random& r) {
  std::string out = "{";
  if (r.Chance(0.9)) out += "\"a\":" + Scalar(r);
  if (r.Chance(0.9)) out += std::string(out.size() > 1 ? "," : "") + "\"b\":" + Scalar(r);
  return out + "}";
}

std::string Query(Random& r) {
  std::string q = r.Chance(0.2) ? R"({"from":{"collectionGroup":"c"})" : R"({"from":"c")";
  static const char* kOps[] = {"==", "<", "<=", ">", ">=", "!=", "in", "not-in"};
  std::string field = r.Chance(0.5) ? "a" : "b";
  if (r.Chance(0.6)) {
    std::string op = kOps[r.Int(0, 7)];
    std::string value = Scalar(r);
    if (op == "in" || op == "not-in") value = "[" + value + "," + Scalar(r) + "]";
    q += ",\"where\":[\"" + field + "\",\"" + op + "\"," + value + "]";
  }
  if (r.Chance(0.7)) {
    q += ",\"orderBy\":[[\"" + field + "\",\"" + (r.Chance(0.5) ? "asc" : "desc") + "\"]]";
  }
  if (r.Chance(0.4)) {
    q += ",\"limit\":" + std::to_string(r.Int(1, 5));
  } else if (r.Chance(0.2)) {
    q += ",\"limitToLast\":" + std::to_string(r.Int(1, 5));
  }
  if (r.Chance(0.15)) q += std::string(",\"startAfter\":[") + Scalar(r) + "]";
  return q + "}";
}

class ConvergenceTest : public EngineTest {
 protected:
  void SetUp() override { Open(kIndexes); }
};

TEST_F(ConvergenceTest, EveryViewEqualsAFreshQuery) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Random r(seed);
    for (int i = 0; i < 15; ++i) Commit({Set("c/d" + std::to_string(i), Document(r))});

    struct Listener {
      query::Query q;
      std::unique_ptr<ClientView> view = std::make_unique<ClientView>();
      ListenerEngine::TargetHandle handle = 0;
    };
    std::vector<Listener> listeners;
    int valid = 0;
    while (valid < 60) {
      std::string text = Query(r);
      auto json = model::JsonDocument::Parse(text);
      ASSERT_TRUE(json.ok());
      auto q = query::ParseQuery(json->root());
      if (!q.ok() || !RunQuery(*q).ok()) continue;  // invalid, or needs an index
      ++valid;
      Listener l{*q};
      auto handle = engine_->Listen({.query = *q}, l.view->Callback());
      ASSERT_TRUE(handle.ok());
      l.handle = *handle;
      listeners.push_back(std::move(l));
    }

    // Writers race the listeners' initial queries and each other.
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([this, w, seed] {
        Random wr(seed * 100 + static_cast<uint64_t>(w));
        for (int i = 0; i < 60; ++i) {
          std::vector<db::Mutation> batch;
          int n = wr.Int(1, 3);
          for (int k = 0; k < n; ++k) {
            std::string path = (wr.Chance(0.2) ? "g/x/c/d" : "c/d") + std::to_string(wr.Int(0, 20));
            batch.push_back(wr.Chance(0.25) ? Delete(path) : Set(path, Document(wr)));
          }
          std::promise<void> done;
          db_->Commit(std::move(batch), [&](auto) { done.set_value(); });
          done.get_future().wait();
        }
      });
    }
    for (auto& t : writers) t.join();
    engine_->Flush();

    int compared = 0;
    for (auto& l : listeners) {
      auto fresh = RunQuery(l.q);
      ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
      if (auto error = l.view->error()) {
        ADD_FAILURE() << error->ToString();
        continue;
      }
      std::vector<std::string> want, got;
      for (const auto& d : fresh->documents) want.push_back(d.path + " " + d.data);
      for (const auto& d : l.view->docs()) got.push_back(d.path + " " + d.data);
      EXPECT_EQ(got, want);
      ++compared;
      engine_->Unlisten(l.handle);
    }
    EXPECT_EQ(compared, 60);
    engine_->Flush();
    EXPECT_EQ(engine_->target_count(), 0u);
    // The next seed starts from an empty collection.
    std::vector<db::Mutation> wipe;
    for (int i = 0; i <= 20; ++i) {
      wipe.push_back(Delete("c/d" + std::to_string(i)));
      wipe.push_back(Delete("g/x/c/d" + std::to_string(i)));
    }
    Commit(std::move(wipe));
  }
}

}  // namespace
}  // namespace hearth::realtime::testing
