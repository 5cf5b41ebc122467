// DocumentCache: recently read or written documents in memory, so hot point reads are
// answered without touching the store (and without leaving the I/O thread).
//
// Thread-safe (16 independently locked shards). Bounded by the bytes of the documents it
// holds; least recently used entries go first.
//
// Consistency: the writer applies every commit (Apply) before acknowledging it, so a read
// that follows an acknowledged write sees it. A reader that fetched a document from the
// store inserts it only if no commit happened since it started (InsertIfUnchanged with
// the generation read before the fetch): a stale read can never overwrite a newer entry
// or resurrect a deleted document, even after that entry was evicted.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/engine.h"

namespace hearth::db {

class DocumentCache {
 public:
  using Entry = std::shared_ptr<const storage::DocumentRecord>;

  // `max_bytes` 0 disables the cache.
  explicit DocumentCache(size_t max_bytes);

  // The cached document, or nullptr.
  Entry Lookup(std::string_view path);
  // Read before fetching from the store; pass to InsertIfUnchanged.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void InsertIfUnchanged(const storage::DocumentRecord& doc, uint64_t generation_before_read);
  // A commit's changes: cached documents take their new version (or leave, if deleted);
  // documents not cached stay out. Writer thread only.
  void Apply(const std::vector<storage::CommittedChange>& changes);

  size_t bytes() const;

 private:
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;                                                    // front: most recent
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // keys view lru
    size_t bytes = 0;
  };
  static size_t Cost(const storage::DocumentRecord& doc);
  Shard& ShardFor(std::string_view path);
  // REQUIRES: shard.mu held.
  void PutLocked(Shard& shard, Entry entry);
  void EraseLocked(Shard& shard, std::string_view path);

  static constexpr size_t kShards = 16;
  const size_t max_bytes_per_shard_;
  std::atomic<uint64_t> generation_{0};
  Shard shards_[kShards];
};

}  // namespace hearth::db
