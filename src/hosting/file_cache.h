// The bytes of the site's files, their validators and their compressed variants, kept in
// memory so that a file is read, hashed and compressed once per version rather than per
// request. Thread-safe: Get() may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/status.h"

namespace hearth::hosting {

// One version of a file, identified by (path, size, modification time).
struct CachedFile {
  std::string path;  // absolute, symlinks resolved
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;  // base64url of the first 16 bytes of the content's SHA-256
  // The content. Only when `in_memory`: files over the cache's per-file limit keep their
  // validators here but are read from disk (detail::ReadFileRange) when served.
  bool in_memory = false;
  std::string identity;
  // Present only when compressing saved at least 10%.
  std::optional<std::string> gzip;
  std::optional<std::string> brotli;
};

struct FileCacheOptions {
  size_t max_bytes = 64 << 20;      // content and variants of every cached file together
  size_t max_file_bytes = 8 << 20;  // larger files are neither kept in memory nor compressed
  size_t max_entries = 10000;
};

struct FileCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;        // reads from disk (new files or new versions)
  uint64_t compressions = 0;  // gzip and brotli runs
  uint64_t bytes = 0;         // held now
  uint64_t entries = 0;       // held now
};

class FileCache {
 public:
  explicit FileCache(FileCacheOptions options = {});

  // The version of `path` (absolute, already checked to be servable) whose size and
  // modification time are `size` and `mtime_ns` (from a stat just before), from memory
  // when known; otherwise read (and hashed, and compressed when `compressible`) now, on the
  // calling thread. A file that changed since the stat is returned as it is now.
  Result<std::shared_ptr<const CachedFile>> Get(const std::string& path, uint64_t size,
                                                int64_t mtime_ns, bool compressible);

  FileCacheStats stats() const;

 private:
  struct Slot {
    std::shared_ptr<const CachedFile> file;
    std::list<std::string>::iterator lru;  // position in lru_
  };

  struct Loaded {
    std::shared_ptr<const CachedFile> file;
    int compressions = 0;
  };
  Result<Loaded> Load(const std::string& path, bool compressible);
  // REQUIRES: mu_ held.
  void Insert(const std::shared_ptr<const CachedFile>& file);
  void Erase(std::unordered_map<std::string, Slot>::iterator it);
  static uint64_t Footprint(const CachedFile& file);

  const FileCacheOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;  // GUARDED_BY(mu_)
  std::list<std::string> lru_;                   // most recently used first; GUARDED_BY(mu_)
  FileCacheStats stats_;                         // GUARDED_BY(mu_)
};

namespace detail {
// `length` bytes of the file at `offset`, provided the file still has `size` bytes and
// modification time `mtime_ns` (otherwise failed-precondition: it changed since).
Result<std::string> ReadFileRange(const std::string& path, uint64_t size, int64_t mtime_ns,
                                  uint64_t offset, uint64_t length);
}  // namespace detail

}  // namespace hearth::hosting
