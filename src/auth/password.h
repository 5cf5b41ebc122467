// Password hashing: argon2id through libsodium, in its PHC string format
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), which records the cost it was made with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::auth {

struct PasswordCost {
  // OWASP's recommended minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
  static constexpr int64_t kMinMemoryKib = 19 * 1024;
  static constexpr int64_t kMinIterations = 2;
  int64_t memory_kib = kMinMemoryKib;
  int64_t iterations = kMinIterations;
};

// invalid-argument unless 8 to 4096 bytes of valid UTF-8.
Status ValidatePassword(std::string_view password);

class PasswordHasher {
 public:
  // REQUIRES: `cost` at least the minimum (config validation checks it).
  explicit PasswordHasher(PasswordCost cost);

  // Slow by design (tens of milliseconds): never call on an I/O thread.
  Result<std::string> Hash(std::string_view password) const;
  // Constant-time comparison inside libsodium; false for a hash it cannot read.
  bool Verify(std::string_view hash, std::string_view password) const;
  // True when `hash` was made with other parameters than the configured ones.
  bool NeedsRehash(std::string_view hash) const;

  const PasswordCost& cost() const { return cost_; }

 private:
  PasswordCost cost_;
};

}  // namespace hearth::auth
