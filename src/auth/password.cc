#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

#include "base/strings.h"

namespace hearth::auth {
namespace {

constexpr size_t kMinPasswordBytes = 8;
constexpr size_t kMaxPasswordBytes = 4096;

void InitSodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

Status ValidatePassword(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return InvalidArgument("the password must be at least 8 characters long");
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument("the password must be at most 4096 bytes long");
  }
  if (!IsValidUtf8(password)) return InvalidArgument("the password is not valid UTF-8");
  return Status::Ok();
}

PasswordHasher::PasswordHasher(PasswordCost cost) : cost_(cost) { InitSodium(); }

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(
          out, password.data(), password.size(), static_cast<unsigned long long>(cost_.iterations),
          static_cast<size_t>(cost_.memory_kib) * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhausted("not enough memory to hash the password; retry shortly");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) const {
  // libsodium reads up to a NUL: a hash with one inside is not the hash it would read.
  if (hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string terminated(hash);  // libsodium reads a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
  if (hash.size() >= crypto_pwhash_STRBYTES) return true;
  std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(),
                                        static_cast<unsigned long long>(cost_.iterations),
                                        static_cast<size_t>(cost_.memory_kib) * 1024) != 0;
}

}  // namespace hearth::auth
