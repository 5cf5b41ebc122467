#include "db/document_cache.h"

#include <gtest/gtest.h>

namespace hearth::db {
namespace {

storage::DocumentRecord Doc(std::string path, std::string data, int64_t t = 1) {
  return {std::move(path), std::move(data), t, t};
}

TEST(DocumentCache, CommitsReplaceAndDeleteCachedEntries) {
  DocumentCache cache(1 << 20);
  cache.Apply({{"c/a", Doc("c/a", "{\"v\":0}")}});
  EXPECT_EQ(cache.Lookup("c/a"), nullptr);  // writes do not fill the cache; reads do
  cache.InsertIfUnchanged(Doc("c/a", "{\"v\":1}"), cache.generation());
  ASSERT_NE(cache.Lookup("c/a"), nullptr);
  EXPECT_EQ(cache.Lookup("c/a")->data, "{\"v\":1}");
  cache.Apply({{"c/a", Doc("c/a", "{\"v\":2}")}});
  EXPECT_EQ(cache.Lookup("c/a")->data, "{\"v\":2}");
  cache.Apply({{"c/a", std::nullopt}});
  EXPECT_EQ(cache.Lookup("c/a"), nullptr);
}

TEST(DocumentCache, AReadThatRacedACommitIsNotInserted) {
  DocumentCache cache(1 << 20);
  uint64_t before = cache.generation();
  // A commit deletes the document while a reader still holds the old version.
  cache.Apply({{"c/a", std::nullopt}});
  cache.InsertIfUnchanged(Doc("c/a", "{\"stale\":true}"), before);
  EXPECT_EQ(cache.Lookup("c/a"), nullptr);
  // A read that saw no commit is kept.
  cache.InsertIfUnchanged(Doc("c/b", "{}"), cache.generation());
  EXPECT_NE(cache.Lookup("c/b"), nullptr);
}

TEST(DocumentCache, AnInsertNeverReplacesAnEntry) {
  DocumentCache cache(1 << 20);
  cache.InsertIfUnchanged(Doc("c/a", "{\"v\":2}", 2), cache.generation());
  cache.InsertIfUnchanged(Doc("c/a", "{\"v\":1}", 1), cache.generation());
  EXPECT_EQ(cache.Lookup("c/a")->data, "{\"v\":2}");
}

TEST(DocumentCache, StaysWithinItsBudget) {
  const size_t budget = 16 * 4096;
  DocumentCache cache(budget);
  std::string data(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    cache.InsertIfUnchanged(Doc("c/" + std::to_string(i), data), cache.generation());
  }
  EXPECT_LE(cache.bytes(), budget);
  EXPECT_GT(cache.bytes(), budget / 2);
  EXPECT_NE(cache.Lookup("c/999"), nullptr);  // the newest survive
  EXPECT_EQ(cache.Lookup("c/0"), nullptr);    // the oldest went first
}

TEST(DocumentCache, ZeroBudgetDisablesIt) {
  DocumentCache cache(0);
  cache.Apply({{"c/a", Doc("c/a", "{}")}});
  cache.InsertIfUnchanged(Doc("c/b", "{}"), cache.generation());
  EXPECT_EQ(cache.Lookup("c/a"), nullptr);
  EXPECT_EQ(cache.Lookup("c/b"), nullptr);
}

}  // namespace
}  // namespace hearth::db
