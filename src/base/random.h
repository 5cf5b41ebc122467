// Cryptographically secure randomness (OpenSSL's CSPRNG). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace hearth {

// `n` random bytes. Aborts only if the OS cannot supply entropy at all.
std::string SecureRandomBytes(size_t n);

// A Firestore-style auto ID: 20 characters from [A-Za-z0-9], uniformly distributed.
std::string AutoId();

// `n_bytes` of randomness as lowercase hex (2 * n_bytes characters); for tokens.
std::string RandomHexToken(size_t n_bytes);

}  // namespace hearth
