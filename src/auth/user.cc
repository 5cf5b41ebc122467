#include "auth/user.h"

#include <algorithm>

#include "base/random.h"
#include "base/strings.h"
#include "model/json.h"
#include "model/timestamp.h"

namespace hearth::auth {
namespace {

using model::Value;

constexpr std::string_view kReservedClaims[] = {"acr",      "amr",       "at_hash",
                                                "aud",      "auth_time", "azp",
                                                "cnf",      "c_hash",    "exp",
                                                "firebase", "iat",       "iss",
                                                "jti",      "nbf",       "nonce",
                                                "sub",      "email",     "email_verified",
                                                "name",     "picture",   "sign_in_provider",
                                                "uid",      "user_id",   "phone_number"};

std::string Str(const model::Map& m, std::string_view key) {
  auto it = m.find(key);
  return it != m.end() && it->second.type() == Value::Type::kString ? it->second.string_value()
                                                                    : "";
}
int64_t Int(const model::Map& m, std::string_view key) {
  auto it = m.find(key);
  return it != m.end() && it->second.type() == Value::Type::kInteger ? it->second.integer_value()
                                                                     : 0;
}
bool Bool(const model::Map& m, std::string_view key) {
  auto it = m.find(key);
  return it != m.end() && it->second.type() == Value::Type::kBoolean && it->second.boolean_value();
}

// RFC 3339, or null for "never".
void AppendTime(std::string& out, int64_t micros) {
  if (micros == 0) {
    out += "null";
    return;
  }
  model::AppendJsonString(out, model::Timestamp::FromMicros(micros).ToString());
}

}  // namespace

bool User::HasProvider(std::string_view p) const {
  return std::find(providers.begin(), providers.end(), p) != providers.end();
}

void User::AddProvider(std::string_view p) {
  providers.erase(std::remove(providers.begin(), providers.end(), "anonymous"), providers.end());
  if (!HasProvider(p)) providers.emplace_back(p);
}

std::string NewUid() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 28) {
    for (unsigned char c : SecureRandomBytes(32)) {
      if (c < 248 && out.size() < 28) out.push_back(kAlphabet[c % 62]);  // 248 = 4 * 62
    }
  }
  return out;
}

Result<std::string> NormalizeEmail(std::string_view email) {
  auto invalid = [] { return InvalidArgument("the email address is not valid"); };
  if (email.empty()) return InvalidArgument("an email address is required");
  if (email.size() > 254 || !IsValidUtf8(email)) return invalid();
  size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos ||
      email.find('@', at + 1) != std::string_view::npos) {
    return invalid();
  }
  std::string_view domain = email.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return invalid();
  }
  std::string out;
  out.reserve(email.size());
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
      return invalid();
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

Status ValidateDisplayName(std::string_view name) {
  if (name.size() > 256 || !IsValidUtf8(name)) {
    return InvalidArgument("displayName must be at most 256 bytes of UTF-8");
  }
  return Status::Ok();
}

Status ValidatePhotoUrl(std::string_view url) {
  if (url.empty()) return Status::Ok();
  if (url.size() > 2048 || !(url.starts_with("https://") || url.starts_with("http://"))) {
    return InvalidArgument("photoURL must be an http(s) URL of at most 2048 bytes");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      return InvalidArgument("photoURL must not contain spaces");
    }
  }
  return Status::Ok();
}

Status ValidateCustomClaims(const model::Map& claims) {
  for (const auto& [name, value] : claims) {
    for (std::string_view reserved : kReservedClaims) {
      if (name == reserved) {
        return InvalidArgument("custom claim '" + name + "' is reserved for the token itself");
      }
    }
  }
  if (model::MapToJson(claims).size() > 1000) {
    return InvalidArgument("custom claims must be at most 1000 bytes of JSON");
  }
  return Status::Ok();
}

storage::UserRecord ToRecord(const User& u) {
  model::Map m;
  m.emplace("passwordHash", Value::String(u.password_hash));
  m.emplace("displayName", Value::String(u.display_name));
  m.emplace("photoURL", Value::String(u.photo_url));
  m.emplace("emailVerified", Value::Boolean(u.email_verified));
  m.emplace("disabled", Value::Boolean(u.disabled));
  model::Array providers;
  for (const auto& p : u.providers) providers.push_back(Value::String(p));
  m.emplace("providers", Value::FromArray(std::move(providers)));
  m.emplace("customClaims", Value::FromMap(u.custom_claims));
  m.emplace("created", Value::Integer(u.created));
  m.emplace("lastSignIn", Value::Integer(u.last_sign_in));
  m.emplace("tokensValidAfter", Value::Integer(u.tokens_valid_after));
  return {u.uid, u.email, model::MapToJson(m)};
}

Result<User> FromRecord(const storage::UserRecord& record) {
  ASSIGN_OR_RETURN(model::Map m, model::ParseDocumentJson(record.data));
  User u;
  u.uid = record.uid;
  u.email = record.email;
  u.password_hash = Str(m, "passwordHash");
  u.display_name = Str(m, "displayName");
  u.photo_url = Str(m, "photoURL");
  u.email_verified = Bool(m, "emailVerified");
  u.disabled = Bool(m, "disabled");
  if (auto it = m.find("providers"); it != m.end() && it->second.is_array()) {
    for (const Value& p : it->second.array_value()) {
      if (p.type() == Value::Type::kString) u.providers.push_back(p.string_value());
    }
  }
  if (auto it = m.find("customClaims"); it != m.end() && it->second.is_map()) {
    u.custom_claims = it->second.map_value();
  }
  u.created = Int(m, "created");
  u.last_sign_in = Int(m, "lastSignIn");
  u.tokens_valid_after = Int(m, "tokensValidAfter");
  return u;
}

void AppendUserJson(std::string& out, const User& u) {
  out += R"({"uid":)";
  model::AppendJsonString(out, u.uid);
  out += R"(,"email":)";
  if (u.email.empty()) {
    out += "null";
  } else {
    model::AppendJsonString(out, u.email);
  }
  out += R"(,"emailVerified":)";
  out += u.email_verified ? "true" : "false";
  out += R"(,"displayName":)";
  model::AppendJsonString(out, u.display_name);
  out += R"(,"photoURL":)";
  model::AppendJsonString(out, u.photo_url);
  out += R"(,"disabled":)";
  out += u.disabled ? "true" : "false";
  out += R"(,"isAnonymous":)";
  out += u.anonymous() ? "true" : "false";
  out += R"(,"providers":[)";
  for (size_t i = 0; i < u.providers.size(); ++i) {
    if (i > 0) out += ',';
    model::AppendJsonString(out, u.providers[i]);
  }
  out += R"(],"customClaims":)";
  model::AppendMapJson(out, u.custom_claims);
  out += R"(,"createdAt":)";
  AppendTime(out, u.created);
  out += R"(,"lastSignInAt":)";
  AppendTime(out, u.last_sign_in);
  out += '}';
}

}  // namespace hearth::auth
