// A user account as auth/ keeps it (storage::UserRecord), and its public JSON form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/value.h"
#include "storage/engine.h"

namespace hearth::auth {

struct User {
  std::string uid;            // 28 characters, like Firebase's
  std::string email;          // normalised; "" when none (anonymous, some providers)
  std::string password_hash;  // argon2id PHC string; "" when the user has no password
  std::string display_name;
  std::string photo_url;
  bool email_verified = false;
  bool disabled = false;
  std::vector<std::string> providers;  // "password", "anonymous", "google", ...
  model::Map custom_claims;
  int64_t created = 0;             // microseconds
  int64_t last_sign_in = 0;        // microseconds
  int64_t tokens_valid_after = 0;  // seconds: ID tokens issued before are revoked

  bool HasProvider(std::string_view p) const;
  void AddProvider(std::string_view p);
  bool anonymous() const { return providers.size() == 1 && providers[0] == "anonymous"; }
};

// A new random uid: 28 characters of [A-Za-z0-9].
std::string NewUid();

// Lower-cases and checks an email address (one '@', a dotted domain, at most 254 bytes,
// no spaces or control characters). invalid-argument otherwise.
Result<std::string> NormalizeEmail(std::string_view email);

// Display name ≤ 256 bytes of UTF-8; photo URL http(s), ≤ 2048 bytes.
Status ValidateDisplayName(std::string_view name);
Status ValidatePhotoUrl(std::string_view url);

// ≤ 1000 bytes of JSON, none of the names the token itself uses (iss, sub, firebase, ...).
Status ValidateCustomClaims(const model::Map& claims);

storage::UserRecord ToRecord(const User& user);
Result<User> FromRecord(const storage::UserRecord& record);

// The user as clients see it: {"uid","email","emailVerified","displayName","photoURL",
// "disabled","providers","customClaims","createdAt","lastSignInAt","isAnonymous"};
// never the password hash.
void AppendUserJson(std::string& out, const User& user);

}  // namespace hearth::auth
