// JSON Web Tokens (RFC 7519) in compact form, signed RS256 only.
#pragma once

#include <string>
#include <string_view>

#include "auth/crypto.h"
#include "base/status.h"

namespace hearth::auth {

// A token split and decoded, not yet verified.
struct DecodedJwt {
  std::string alg;
  std::string kid;
  std::string signing_input;  // "header.payload" exactly as received
  std::string signature;      // raw bytes
  std::string payload;        // the claims, JSON text
};

// Splits and decodes `token`: three base64url segments (URL alphabet only, so a token has
// one spelling), a JSON header with a string "alg" and a JSON object payload. Malformed
// input is `unauthenticated`. Nothing is verified here.
Result<DecodedJwt> DecodeJwt(std::string_view token);

// Signs `payload_json` (a JSON object) with `key`: header {"alg":"RS256","kid","typ":"JWT"}.
Result<std::string> SignJwt(const RsaKey& key, std::string_view kid, std::string_view payload_json);

}  // namespace hearth::auth
