// The RSA keys that sign Hearth's ID tokens, kept in the data dir (keys.json, mode 0600).
//
// One key is active (signs); keys rotated out stay for verification until every token
// they signed has expired. `hearth keys rotate` rotates while a server runs: servers notice
// the file changed within a second.
//
// With a shared store (PostgreSQL, several nodes) the keys live in the store instead (meta
// "auth.keys"), so every node signs and verifies with the same keys, and a rotation on one
// node reaches the others within a second.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth/crypto.h"
#include "base/status.h"
#include "storage/engine.h"

namespace hearth::auth {

class KeyStore {
 public:
  // How long a rotated-out key still verifies: longer than an ID token lives.
  static constexpr int64_t kRetiredKeySeconds = 2 * 3600;

  // Loads `dir`/keys.json (or the keys in `shared`, which must outlive the store),
  // generating the first key when there is none.
  static Result<std::unique_ptr<KeyStore>> Open(std::string dir, storage::Engine* shared = nullptr);
  // Makes a new key active; keys retired longer than kRetiredKeySeconds ago are dropped.
  // Returns the new key's kid.
  static Result<std::string> Rotate(const std::string& dir, storage::Engine* shared = nullptr);

  // Signs `payload_json` as a JWT with the active key.
  Result<std::string> Sign(std::string_view payload_json);
  // The key with `kid`, or nullptr.
  std::shared_ptr<const RsaKey> Find(std::string_view kid);
  // {"keys": [...]}: the public keys, for /.well-known/jwks.json.
  std::string JwksJson();

 private:
  struct KeySet {
    std::string active_kid;
    std::map<std::string, std::shared_ptr<const RsaKey>, std::less<>> keys;
    std::string jwks;
  };

  KeyStore(std::string dir, storage::Engine* shared) : dir_(std::move(dir)), shared_(shared) {}
  std::shared_ptr<const KeySet> Current();

  const std::string dir_;
  storage::Engine* const shared_;
  std::mutex mu_;
  std::shared_ptr<const KeySet> set_;  // GUARDED_BY(mu_)
  int64_t checked_at_ = 0;             // GUARDED_BY(mu_): monotonic micros
  int64_t loaded_mtime_ = 0;           // GUARDED_BY(mu_)
  std::string loaded_text_;            // GUARDED_BY(mu_): shared store only
};

}  // namespace hearth::auth
