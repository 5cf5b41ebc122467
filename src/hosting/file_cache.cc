#include "hosting/file_cache.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "hosting/compress.h"

namespace hearth::hosting {
namespace {

// Closes the descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

Status ErrnoStatus(std::string_view what, const std::string& path) {
  return Internal(std::string(what) + " " + path + ": " + std::strerror(errno));
}

// Opens a regular file for reading without following a final symlink (the caller has
// resolved the path already; a symlink there now means it was swapped in since).
Result<std::pair<int, struct stat>> OpenRegular(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return NotFound(path + " is not a regular file");
  }
  return std::make_pair(fd, st);
}

// Reads up to `length` bytes at `offset`, appending them to `out`; stops early at the end.
Status ReadAt(int fd, uint64_t offset, uint64_t length, std::string& out, const std::string& path) {
  size_t start = out.size();
  out.resize(start + length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n =
        ::pread(fd, out.data() + start + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read", path);
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
  }
  out.resize(start + done);
  return Status::Ok();
}

// SHA-256, fed in pieces.
class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Hasher() { EVP_MD_CTX_free(ctx_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  // 128 bits are plenty to tell versions of one file apart.
  std::string Finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), 16));
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Keeps a compressed variant only when it saves at least 10%.
std::optional<std::string> Worthwhile(std::optional<std::string> compressed, size_t size) {
  if (!compressed || compressed->size() * 10 > size * 9) return std::nullopt;
  return compressed;
}

}  // namespace

FileCache::FileCache(FileCacheOptions options) : options_(options) {}

Result<std::shared_ptr<const CachedFile>> FileCache::Get(const std::string& path, uint64_t size,
                                                         int64_t mtime_ns, bool compressible) {
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(path);
    if (it != slots_.end() && it->second.file->size == size &&
        it->second.file->mtime_ns == mtime_ns) {
      ++stats_.hits;
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.file;
    }
  }
  // Read and compress without the lock: other files stay servable meanwhile. Two threads
  // missing the same new version at once both load it; the second insert keeps the first.
  ASSIGN_OR_RETURN(Loaded loaded, Load(path, compressible));
  std::shared_ptr<const CachedFile> file = std::move(loaded.file);
  std::lock_guard lock(mu_);
  ++stats_.misses;
  stats_.compressions += loaded.compressions;
  auto it = slots_.find(path);
  if (it != slots_.end() && it->second.file->size == file->size &&
      it->second.file->mtime_ns == file->mtime_ns) {
    return it->second.file;
  }
  Insert(file);
  return file;
}

Result<FileCache::Loaded> FileCache::Load(const std::string& path, bool compressible) {
  ASSIGN_OR_RETURN(auto opened, OpenRegular(path));
  Fd fd(opened.first);
  const struct stat& st = opened.second;
  auto file = std::make_shared<CachedFile>();
  file->path = path;
  file->size = static_cast<uint64_t>(st.st_size);
  file->mtime_ns = MtimeNs(st);
  Hasher hasher;
  int compressions = 0;
  if (file->size <= options_.max_file_bytes) {
    RETURN_IF_ERROR(ReadAt(fd.get(), 0, file->size, file->identity, path));
    file->size = file->identity.size();  // it may have shrunk since the fstat
    file->in_memory = true;
    hasher.Update(file->identity);
    if (compressible && file->size > 0) {
      file->gzip = Worthwhile(detail::GzipCompress(file->identity), file->size);
      file->brotli = Worthwhile(detail::BrotliCompress(file->identity), file->size);
      compressions = 2;
    }
  } else {
    // Only the validators are kept: hash in chunks rather than holding the whole file.
    constexpr uint64_t kChunk = 1 << 20;
    std::string chunk;
    for (uint64_t offset = 0; offset < file->size; offset += kChunk) {
      chunk.clear();
      RETURN_IF_ERROR(ReadAt(fd.get(), offset, kChunk, chunk, path));
      hasher.Update(chunk);
      if (chunk.size() < kChunk) break;
    }
  }
  file->hash = hasher.Finish();
  return Loaded{std::move(file), compressions};
}

void FileCache::Insert(const std::shared_ptr<const CachedFile>& file) {
  auto old = slots_.find(file->path);
  if (old != slots_.end()) Erase(old);
  const uint64_t footprint = Footprint(*file);
  if (footprint > options_.max_bytes) return;  // served this once, never kept
  while (!lru_.empty() &&
         (stats_.bytes + footprint > options_.max_bytes || slots_.size() >= options_.max_entries)) {
    Erase(slots_.find(lru_.back()));
  }
  lru_.push_front(file->path);
  slots_.emplace(file->path, Slot{file, lru_.begin()});
  stats_.bytes += footprint;
  stats_.entries = slots_.size();
}

void FileCache::Erase(std::unordered_map<std::string, Slot>::iterator it) {
  stats_.bytes -= Footprint(*it->second.file);
  lru_.erase(it->second.lru);
  slots_.erase(it);
  stats_.entries = slots_.size();
}

uint64_t FileCache::Footprint(const CachedFile& file) {
  return file.path.size() + file.identity.size() + (file.gzip ? file.gzip->size() : 0) +
         (file.brotli ? file.brotli->size() : 0);
}

FileCacheStats FileCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

namespace detail {

Result<std::string> ReadFileRange(const std::string& path, uint64_t size, int64_t mtime_ns,
                                  uint64_t offset, uint64_t length) {
  ASSIGN_OR_RETURN(auto opened, OpenRegular(path));
  Fd fd(opened.first);
  if (static_cast<uint64_t>(opened.second.st_size) != size || MtimeNs(opened.second) != mtime_ns) {
    return FailedPrecondition(path + " changed while being served");
  }
  std::string out;
  out.reserve(length);
  RETURN_IF_ERROR(ReadAt(fd.get(), offset, length, out, path));
  if (out.size() != length) return FailedPrecondition(path + " changed while being served");
  return out;
}

}  // namespace detail
}  // namespace hearth::hosting
