// The cryptography auth/ needs, over OpenSSL: SHA-256 and RSA keys for RS256 signatures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace hearth::auth {

// Raw 32-byte digest, and its lower-case hex form.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// An RSA key: a private key (signs and verifies) or a public one (verifies). Immutable;
// safe to share between threads.
class RsaKey {
 public:
  static Result<std::shared_ptr<const RsaKey>> Generate(int bits = 2048);
  static Result<std::shared_ptr<const RsaKey>> FromPrivatePem(std::string_view pem);
  // From a JWK's base64url modulus `n` and exponent `e`.
  static Result<std::shared_ptr<const RsaKey>> FromJwk(std::string_view n, std::string_view e);
  ~RsaKey();
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;

  Result<std::string> PrivatePem() const;
  // The public JWK members, base64url.
  std::string modulus() const;
  std::string exponent() const;
  int bits() const;

  // RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256").
  Result<std::string> SignRs256(std::string_view data) const;
  bool VerifyRs256(std::string_view data, std::string_view signature) const;

 private:
  explicit RsaKey(EVP_PKEY* key);
  EVP_PKEY* key_;
  uint64_t id_;  // unique per key for the life of the process
};

}  // namespace hearth::auth
