#include "base/random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <string_view>

namespace hearth {

std::string SecureRandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // Without entropy no ID or token we hand out would be safe; there is no recovery.
    std::abort();
  }
  return out;
}

std::string AutoId() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  id.reserve(20);
  // Rejection sampling keeps the distribution uniform: 62 * 4 = 248 <= 256.
  while (id.size() < 20) {
    for (unsigned char byte : SecureRandomBytes(32)) {
      if (byte >= 248) continue;
      id.push_back(kAlphabet[byte % 62]);
      if (id.size() == 20) break;
    }
  }
  return id;
}

std::string RandomHexToken(size_t n_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n_bytes * 2);
  for (unsigned char byte : SecureRandomBytes(n_bytes)) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  return out;
}

}  // namespace hearth
