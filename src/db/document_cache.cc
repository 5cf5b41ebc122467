#include "db/document_cache.h"

#include <functional>

namespace hearth::db {

DocumentCache::DocumentCache(size_t max_bytes) : max_bytes_per_shard_(max_bytes / kShards) {}

size_t DocumentCache::Cost(const storage::DocumentRecord& doc) {
  return doc.path.size() + doc.data.size() + sizeof(storage::DocumentRecord) + 64;
}

DocumentCache::Shard& DocumentCache::ShardFor(std::string_view path) {
  return shards_[std::hash<std::string_view>{}(path) % kShards];
}

DocumentCache::Entry DocumentCache::Lookup(std::string_view path) {
  if (max_bytes_per_shard_ == 0) return nullptr;
  Shard& shard = ShardFor(path);
  std::lock_guard lock(shard.mu);
  auto it = shard.index.find(path);
  if (it == shard.index.end()) return nullptr;
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return *it->second;
}

void DocumentCache::InsertIfUnchanged(const storage::DocumentRecord& doc,
                                      uint64_t generation_before_read) {
  if (max_bytes_per_shard_ == 0 || Cost(doc) > max_bytes_per_shard_) return;
  Shard& shard = ShardFor(doc.path);
  std::lock_guard lock(shard.mu);
  // Checked under the shard lock: Apply() bumps the generation before it takes any lock,
  // so either we see the bump and refuse, or our insert lands first and Apply overwrites.
  if (generation_.load(std::memory_order_acquire) != generation_before_read) return;
  if (shard.index.contains(doc.path)) return;
  PutLocked(shard, std::make_shared<const storage::DocumentRecord>(doc));
}

void DocumentCache::Apply(const std::vector<storage::CommittedChange>& changes) {
  if (max_bytes_per_shard_ == 0) return;
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (const auto& change : changes) {
    Shard& shard = ShardFor(change.path);
    std::lock_guard lock(shard.mu);
    // Only documents already cached (hot) get their new version; others are left to be
    // cached by a read. This keeps bulk writes from churning the cache and the writer.
    auto it = shard.index.find(change.path);
    if (it == shard.index.end()) continue;
    EraseLocked(shard, change.path);
    if (change.after && Cost(*change.after) <= max_bytes_per_shard_) {
      PutLocked(shard, std::make_shared<const storage::DocumentRecord>(*change.after));
    }
  }
}

size_t DocumentCache::bytes() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(const_cast<std::mutex&>(shard.mu));
    total += shard.bytes;
  }
  return total;
}

void DocumentCache::PutLocked(Shard& shard, Entry entry) {
  shard.bytes += Cost(*entry);
  shard.lru.push_front(std::move(entry));
  shard.index.emplace(shard.lru.front()->path, shard.lru.begin());
  while (shard.bytes > max_bytes_per_shard_ && !shard.lru.empty()) {
    const Entry& victim = shard.lru.back();
    shard.bytes -= Cost(*victim);
    shard.index.erase(victim->path);
    shard.lru.pop_back();
  }
}

void DocumentCache::EraseLocked(Shard& shard, std::string_view path) {
  auto it = shard.index.find(path);
  if (it == shard.index.end()) return;
  shard.bytes -= Cost(**it->second);
  auto node = it->second;
  shard.index.erase(it);
  shard.lru.erase(node);
}

}  // namespace hearth::db
