// The indexed executor returns exactly what the brute-force matcher returns, over random
// documents and random valid queries, before and after random updates and deletes.
#include <gtest/gtest.h>

#include <future>
#include <random>

#include "db/database.h"
#include "model/json_view.h"
#include "query/matcher.h"
#include "storage/sqlite/sqlite_engine.h"
#include "support/random.h"
#include "support/server_process.h"
#include "support/test_store.h"

namespace hearth::db {
namespace {

using hearth::testing::TempDir;

constexpr char kIndexes[] = R"({
  "indexes": [
    {"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "tags", "arrayConfig": "CONTAINS"}, {"fieldPath": "b", "order": "ASCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "b", "order": "ASCENDING"}, {"fieldPath": "a", "order": "ASCENDING"}]},
    {"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "m.x", "order": "DESCENDING"}]},
    {"collectionGroup": "c", "queryScope": "COLLECTION_GROUP", "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "ASCENDING"}]}
  ],
  "fieldOverrides": [
    {"collectionGroup": "c", "fieldPath": "b", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
      {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}]}
  ]
})";

using hearth::testing::Random;

// A small value domain so that filters hit often and ties are common.
std::string RandomScalar(Random& r) {
  switch (r.Int(0, 7)) {
    case 0:
      return "null";
    case 1:
      return r.Chance(0.5) ? "true" : "false";
    case 2:
      return std::to_string(r.Int(0, 4)) + ".5";
    case 3:
      return "\"s" + std::to_string(r.Int(0, 3)) + "\"";
    default:
      return std::to_string(r.Int(0, 4));
  }
}

std::string RandomDocument(Random& r) {
  std::vector<std::string> fields;
  if (r.Chance(0.85)) fields.push_back("\"a\":" + RandomScalar(r));
  if (r.Chance(0.85)) fields.push_back("\"b\":" + RandomScalar(r));
  if (r.Chance(0.7)) {
    std::string tags = "[";
    int n = r.Int(0, 3);
    for (int i = 0; i < n; ++i) tags += (i ? "," : "") + RandomScalar(r);
    fields.push_back("\"tags\":" + tags + "]");
  }
  if (r.Chance(0.5)) fields.push_back("\"m\":{\"x\":" + RandomScalar(r) + "}");
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out + "}";
}

std::string RandomFilter(Random& r) {
  static const std::vector<std::string> kFields = {"a", "b", "tags", "m.x", "__name__"};
  static const std::vector<std::string> kOps = {"==",
                                                "==",
                                                "<",
                                                "<=",
                                                ">",
                                                ">=",
                                                "!=",
                                                "in",
                                                "not-in",
                                                "array-contains",
                                                "array-contains-any"};
  std::string field = r.Pick(kFields);
  std::string op = r.Pick(kOps);
  std::string value;
  if (field == "__name__") {
    value = "\"d" + std::to_string(r.Int(0, 40)) + "\"";
    if (op == "in" || op == "not-in") value = "[" + value + "]";
    if (op.starts_with("array")) op = "==";
  } else if (op == "in" || op == "not-in" || op == "array-contains-any") {
    int n = r.Int(1, 3);
    value = "[";
    for (int i = 0; i < n; ++i) value += (i ? "," : "") + RandomScalar(r);
    value += "]";
  } else {
    value = RandomScalar(r);
  }
  return "[\"" + field + "\",\"" + op + "\"," + value + "]";
}

std::string RandomQuery(Random& r, bool group) {
  std::string q = group ? R"({"from":{"collectionGroup":"c"})" : R"({"from":"c")";
  int filters = r.Int(0, 2);
  if (filters == 1) {
    q += ",\"where\":" + RandomFilter(r);
  } else if (filters == 2) {
    q += std::string(",\"where\":{\"") + (r.Chance(0.5) ? "and" : "or") + "\":[" + RandomFilter(r) +
         "," + RandomFilter(r) + "]}";
  }
  static const std::vector<std::string> kOrderFields = {"a", "b", "m.x", "__name__"};
  int orders = r.Int(0, 2);
  std::vector<std::string> used;
  if (orders > 0) {
    q += ",\"orderBy\":[";
    for (int i = 0; i < orders; ++i) {
      std::string f = r.Pick(kOrderFields);
      if (std::find(used.begin(), used.end(), f) != used.end()) continue;
      q += std::string(used.empty() ? "" : ",") + "[\"" + f + "\",\"" +
           (r.Chance(0.5) ? "asc" : "desc") + "\"]";
      used.push_back(f);
    }
    q += "]";
  }
  if (r.Chance(0.4))
    q += ",\"limit\":" + std::to_string(r.Int(1, 6));
  else if (r.Chance(0.15))
    q += ",\"limitToLast\":" + std::to_string(r.Int(1, 6));
  if (r.Chance(0.25)) {
    q += std::string(",\"") + (r.Chance(0.5) ? "startAt" : "startAfter") + "\":[" +
         RandomScalar(r) + "]";
  }
  if (r.Chance(0.2)) {
    q += std::string(",\"") + (r.Chance(0.5) ? "endAt" : "endBefore") + "\":[" + RandomScalar(r) +
         "]";
  }
  return q + "}";
}

class QueryPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = hearth::testing::OpenTestEngine(dir_.path());
    ASSERT_TRUE(engine.ok());
    auto config = query::ParseIndexConfig(kIndexes);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto db = Database::Open(
        std::move(engine).value(),
        {.indexes = std::make_shared<query::IndexConfig>(*config), .index_config_text = kIndexes});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  void Write(Mutation m) {
    std::promise<Result<CommitResult>> p;
    std::vector<Mutation> ms;
    ms.push_back(std::move(m));
    db_->Commit(std::move(ms), [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void Put(const std::string& path, const std::string& json) {
    auto data = model::ParseWriteData(json, model::WriteMode::kSet);
    ASSERT_TRUE(data.ok()) << json;
    Write(MakeSet(model::ResourcePath::Parse(path).value(), std::move(*data)));
    auto fields = model::ParseDocumentJson(json);
    docs_[path] = query::Document{model::ResourcePath::Parse(path).value(), *fields};
  }

  void Delete(const std::string& path) {
    Write(MakeDelete(model::ResourcePath::Parse(path).value()));
    docs_.erase(path);
  }

  // Runs `count` random queries; returns how many were valid and compared.
  int CheckQueries(Random& r, int count, uint64_t seed) {
    std::vector<query::Document> all;
    for (auto& [path, doc] : docs_) all.push_back(doc);
    int compared = 0;
    for (int i = 0; i < count; ++i) {
      std::string text = RandomQuery(r, r.Chance(0.25));
      auto json = model::JsonDocument::Parse(text);
      EXPECT_TRUE(json.ok()) << text;
      auto q = query::ParseQuery(json->root());
      if (!q.ok()) continue;  // an invalid random query: Firestore would refuse it too
      std::promise<Result<QueryResult>> p;
      db_->RunQuery(*q, [&](auto res) { p.set_value(std::move(res)); });
      auto result = p.get_future().get();
      if (!result.ok()) {
        EXPECT_EQ(result.status().code(), Code::kFailedPrecondition)
            << text << " -> " << result.status().ToString();
        ++missing_index_;
        continue;
      }
      std::vector<std::string> got, want;
      for (const auto& d : result->documents) got.push_back(d.path);
      for (const query::Document* d : query::Execute(*q, all)) want.push_back(d->path.ToString());
      EXPECT_EQ(got, want) << "seed " << seed << " query " << text;
      if (got != want) return compared;
      ++compared;
    }
    return compared;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::map<std::string, query::Document> docs_;
  int missing_index_ = 0;
};

TEST_F(QueryPropertyTest, IndexedExecutorMatchesBruteForce) {
  const uint64_t seed = std::random_device{}();
  Random r(seed);
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) paths.push_back("c/d" + std::to_string(i));
  for (int i = 0; i < 15; ++i)
    paths.push_back("p/x" + std::to_string(i % 3) + "/c/d" + std::to_string(i));
  for (const auto& p : paths) Put(p, RandomDocument(r));
  Put("other/d1", R"({"a":1,"b":1})");  // another collection: never in results

  int compared = CheckQueries(r, 700, seed);
  // Updates and deletes move documents between index ranges.
  for (int i = 0; i < 40; ++i) {
    const std::string& p = r.Pick(paths);
    if (r.Chance(0.2)) {
      Delete(p);
    } else {
      Put(p, RandomDocument(r));
    }
  }
  compared += CheckQueries(r, 700, seed);
  std::cout << "seed " << seed << ": " << compared << " queries compared, " << missing_index_
            << " needed an undeclared index\n";
  EXPECT_GT(compared, 250);
}

}  // namespace
}  // namespace hearth::db
