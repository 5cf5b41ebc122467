#include "auth/keys.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <vector>

#include "auth/jwt.h"
#include "base/clock.h"
#include "base/random.h"
#include "model/json.h"
#include "model/json_view.h"

namespace hearth::auth {
namespace {

struct StoredKey {
  std::string kid;
  int64_t created = 0;  // seconds
  int64_t retired = 0;  // seconds; 0 while active
  std::string pem;
};

std::string FilePath(const std::string& dir) { return dir + "/keys.json"; }

int64_t MtimeNanos(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

constexpr std::string_view kMetaKey = "auth.keys";

std::string Where(const std::string& dir, storage::Engine* shared) {
  return shared != nullptr ? std::string("the store's signing keys (meta auth.keys)")
                           : FilePath(dir);
}

// The keys' JSON text, "" when there are none yet.
Result<std::string> ReadKeysText(const std::string& dir, storage::Engine* shared) {
  if (shared != nullptr) {
    ASSIGN_OR_RETURN(auto text, shared->ReadMeta(kMetaKey));
    return text ? *text : std::string();
  }
  std::ifstream in(FilePath(dir));
  if (!in) return std::string();
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::vector<StoredKey>> ParseKeys(const std::string& text, const std::string& where) {
  if (text.empty()) return std::vector<StoredKey>{};
  auto doc = model::JsonDocument::Parse(text);
  auto bad = [&] {
    return Status(Code::kDataLoss, where + " is damaged; restore it from a backup");
  };
  if (!doc.ok() || !doc->root().is_object()) return bad();
  auto keys = doc->root().Get("keys");
  if (!keys || !keys->is_array()) return bad();
  std::vector<StoredKey> out;
  for (const auto& k : keys->Elements()) {
    auto kid = k.Get("kid");
    auto pem = k.Get("pem");
    auto created = k.Get("created");
    auto retired = k.Get("retired");
    if (!kid || !kid->is_string() || !pem || !pem->is_string() || !created || !retired) {
      return bad();
    }
    out.push_back({std::string(kid->AsString()), created->AsInteger(), retired->AsInteger(),
                   std::string(pem->AsString())});
  }
  return out;
}

Result<std::vector<StoredKey>> ReadKeys(const std::string& dir, storage::Engine* shared) {
  ASSIGN_OR_RETURN(std::string text, ReadKeysText(dir, shared));
  return ParseKeys(text, Where(dir, shared));
}

// Writes atomically (temporary file, fsync, rename), readable by the owner only.
std::string KeysJson(const std::vector<StoredKey>& keys) {
  std::string json = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) json += ',';
    json += R"({"kid":)";
    model::AppendJsonString(json, keys[i].kid);
    json += R"(,"created":)" + std::to_string(keys[i].created);
    json += R"(,"retired":)" + std::to_string(keys[i].retired);
    json += R"(,"pem":)";
    model::AppendJsonString(json, keys[i].pem);
    json += '}';
  }
  json += "]}\n";
  return json;
}

Status WriteKeysFile(const std::string& dir, const std::vector<StoredKey>& keys) {
  std::string json = KeysJson(keys);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string tmp = FilePath(dir) + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write " + tmp);
  bool ok = write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size());
  ok = fsync(fd) == 0 && ok;
  close(fd);
  if (!ok || rename(tmp.c_str(), FilePath(dir).c_str()) != 0) {
    return Internal("cannot write " + FilePath(dir));
  }
  return Status::Ok();
}

Result<StoredKey> NewKey() {
  ASSIGN_OR_RETURN(auto key, RsaKey::Generate(2048));
  ASSIGN_OR_RETURN(std::string pem, key->PrivatePem());
  return StoredKey{RandomHexToken(10), SystemClock().NowMicros() / 1'000'000, 0, std::move(pem)};
}

// Applies `change` to the stored keys and stores the result. In a shared store this runs
// inside a write, which holds the store's commit lock (storage/postgres), so two nodes
// changing the keys at once cannot lose either change. `change` returns false to store
// nothing.
Status UpdateKeys(const std::string& dir, storage::Engine* shared,
                  const std::function<Result<bool>(std::vector<StoredKey>&)>& change) {
  if (shared == nullptr) {
    ASSIGN_OR_RETURN(auto keys, ReadKeys(dir, nullptr));
    ASSIGN_OR_RETURN(bool changed, change(keys));
    return changed ? WriteKeysFile(dir, keys) : Status::Ok();
  }
  std::promise<Status> done;
  auto future = done.get_future();
  shared->Write(
      [&](storage::WriteTxn& txn) -> Status {
        ASSIGN_OR_RETURN(auto keys, ReadKeys(dir, shared));
        ASSIGN_OR_RETURN(bool changed, change(keys));
        return changed ? txn.PutMeta(kMetaKey, KeysJson(keys)) : Status::Ok();
      },
      [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

}  // namespace

Result<std::unique_ptr<KeyStore>> KeyStore::Open(std::string dir, storage::Engine* shared) {
  // Generated outside the write: RSA key generation takes a while.
  ASSIGN_OR_RETURN(auto existing, ReadKeys(dir, shared));
  if (existing.empty()) {
    ASSIGN_OR_RETURN(StoredKey first, NewKey());
    std::string kid = first.kid;
    bool generated = false;
    RETURN_IF_ERROR(UpdateKeys(dir, shared, [&](std::vector<StoredKey>& keys) -> Result<bool> {
      if (!keys.empty()) return false;  // another node was first
      keys.push_back(first);
      generated = true;
      return true;
    }));
    if (generated) spdlog::info("auth: generated the first token-signing key ({})", kid);
  }
  std::unique_ptr<KeyStore> store(new KeyStore(std::move(dir), shared));
  if (store->Current() == nullptr) {
    return Status(Code::kDataLoss, Where(store->dir_, shared) + " holds no usable active key");
  }
  return store;
}

Result<std::string> KeyStore::Rotate(const std::string& dir, storage::Engine* shared) {
  ASSIGN_OR_RETURN(StoredKey fresh, NewKey());
  std::string kid = fresh.kid;
  RETURN_IF_ERROR(UpdateKeys(dir, shared, [&](std::vector<StoredKey>& keys) -> Result<bool> {
    int64_t now = SystemClock().NowMicros() / 1'000'000;
    std::vector<StoredKey> kept;
    for (auto& k : keys) {
      if (k.retired == 0) k.retired = now;
      if (now - k.retired < kRetiredKeySeconds) kept.push_back(std::move(k));
    }
    kept.push_back(fresh);
    keys = std::move(kept);
    return true;
  }));
  return kid;
}

std::shared_ptr<const KeyStore::KeySet> KeyStore::Current() {
  std::lock_guard lock(mu_);
  int64_t now = MonotonicMicros();
  if (set_ != nullptr && now - checked_at_ < 1'000'000) return set_;
  checked_at_ = now;
  // A file is re-read when its mtime changes; a shared store's keys when their text does.
  int64_t mtime = shared_ == nullptr ? MtimeNanos(FilePath(dir_)) : 0;
  if (set_ != nullptr && shared_ == nullptr && mtime == loaded_mtime_) return set_;
  auto text = ReadKeysText(dir_, shared_);
  if (!text.ok()) {
    spdlog::error("auth: reading the signing keys: {}; keeping the keys already loaded",
                  text.status().message());
    return set_;
  }
  if (set_ != nullptr && shared_ != nullptr && *text == loaded_text_) return set_;
  auto keys = ParseKeys(*text, Where(dir_, shared_));
  if (!keys.ok()) {
    spdlog::error("auth: {}; keeping the keys already loaded", keys.status().message());
    return set_;
  }
  auto set = std::make_shared<KeySet>();
  set->jwks = R"({"keys":[)";
  int64_t wall = SystemClock().NowMicros() / 1'000'000;
  for (const StoredKey& k : *keys) {
    if (k.retired != 0 && wall - k.retired >= kRetiredKeySeconds) continue;
    auto key = RsaKey::FromPrivatePem(k.pem);
    if (!key.ok()) {
      spdlog::error("auth: key {} is unusable: {}", k.kid, key.status().message());
      continue;
    }
    if (k.retired == 0) set->active_kid = k.kid;
    if (set->keys.size() > 0) set->jwks += ',';
    set->jwks += R"({"kty":"RSA","use":"sig","alg":"RS256","kid":)";
    model::AppendJsonString(set->jwks, k.kid);
    set->jwks += R"(,"n":")" + (*key)->modulus() + R"(","e":")" + (*key)->exponent() + "\"}";
    set->keys.emplace(k.kid, std::move(*key));
  }
  set->jwks += "]}";
  if (set->active_kid.empty()) {
    spdlog::error("auth: {} has no active key; keeping the keys already loaded",
                  Where(dir_, shared_));
    return set_;
  }
  if (set_ != nullptr) spdlog::info("auth: signing keys reloaded (active {})", set->active_kid);
  loaded_mtime_ = mtime;
  if (shared_ != nullptr) loaded_text_ = std::move(*text);
  set_ = std::move(set);
  return set_;
}

Result<std::string> KeyStore::Sign(std::string_view payload_json) {
  auto set = Current();
  const auto& key = set->keys.find(set->active_kid)->second;
  return SignJwt(*key, set->active_kid, payload_json);
}

std::shared_ptr<const RsaKey> KeyStore::Find(std::string_view kid) {
  auto set = Current();
  auto it = set->keys.find(kid);
  return it == set->keys.end() ? nullptr : it->second;
}

std::string KeyStore::JwksJson() { return Current()->jwks; }

}  // namespace hearth::auth
