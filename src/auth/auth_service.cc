#include "auth/auth_service.h"

#include <spdlog/spdlog.h>

#include <future>
#include <limits>

#include "auth/jwt.h"
#include "base/clock.h"
#include "base/random.h"
#include "base/strings.h"
#include "model/json.h"
#include "model/json_view.h"

namespace hearth::auth {
namespace {

using model::Value;

constexpr int64_t kClockSkewSeconds = 60;
constexpr int64_t kRecentLoginSeconds = 5 * 60;
constexpr int64_t kResetCodeSeconds = 3600;
constexpr int64_t kVerifyCodeSeconds = 3 * 24 * 3600;
constexpr int64_t kOAuthStateSeconds = 10 * 60;
constexpr int64_t kOAuthCodeSeconds = 2 * 60;
constexpr size_t kMaxCachedTokens = 10'000;

int64_t NowMicros() { return SystemClock().NowMicros(); }
int64_t NowSeconds() { return NowMicros() / 1'000'000; }

// Revocation has the one-second resolution of `iat`: revoking during second T revokes the
// tokens issued during T as well (valid after T + 1), and tokens minted afterwards carry
// an `iat` of at least T + 1 (MintIdToken), so they stay valid.
int64_t RevocationTime() { return NowSeconds() + 1; }

Status InvalidCredentials() { return Unauthenticated("invalid email or password"); }
Status InvalidRefreshToken() {
  return Unauthenticated("the refresh token is invalid or expired; sign in again");
}

// Random secret handed to the client; the store keeps only its SHA-256.
std::string NewSecret() { return Base64UrlEncode(SecureRandomBytes(32)); }

std::string JsonObject(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  std::string out = "{";
  for (const auto& [k, v] : kv) {
    if (out.size() > 1) out += ',';
    model::AppendJsonString(out, k);
    out += ':';
    model::AppendJsonString(out, v);
  }
  return out + "}";
}

std::string MemberOf(const std::string& json, std::string_view key) {
  auto doc = model::JsonDocument::Parse(json);
  if (!doc.ok() || !doc->root().is_object()) return "";
  auto v = doc->root().Get(key);
  return v && v->is_string() ? std::string(v->AsString()) : "";
}

std::string WithQuery(std::string url, std::string_view name, std::string_view value) {
  size_t hash = url.find('#');
  std::string fragment;
  if (hash != std::string::npos) {
    fragment = url.substr(hash);
    url.resize(hash);
  }
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += PercentEncode(name);
  url += '=';
  url += PercentEncode(value);
  return url + fragment;
}

// Reads user `uid` inside `txn`, applies `change` and writes the result back. Changes
// made after slow work (hashing) go through here, so that they apply to what is stored
// now rather than overwrite it with what was read before.
Result<User> ModifyUser(storage::WriteTxn& txn, std::string_view uid,
                        const std::function<Status(User&)>& change) {
  ASSIGN_OR_RETURN(auto stored, txn.GetUser(uid));
  if (!stored) return NotFound("no such user");
  ASSIGN_OR_RETURN(User user, FromRecord(*stored));
  RETURN_IF_ERROR(change(user));
  RETURN_IF_ERROR(txn.PutUser(ToRecord(user)));
  return user;
}

// "alice@example.com" -> "a***@example.com", for logs.
std::string MaskEmail(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

}  // namespace

AuthService::AuthService(storage::Engine& engine, AuthConfig config, std::unique_ptr<KeyStore> keys,
                         bool shared_store)
    : engine_(engine),
      config_(std::move(config)),
      keys_(std::move(keys)),
      hasher_(config_.password_cost),
      sign_in_ip_(config_.limits.sign_in_per_ip),
      sign_in_account_(config_.limits.sign_in_per_account),
      sign_up_ip_(config_.limits.sign_up_per_ip),
      reset_ip_(config_.limits.reset_per_ip),
      reset_account_(config_.limits.reset_per_account),
      shared_store_(shared_store) {
  if (config_.issuer.empty()) config_.issuer = "hearth:" + config_.project_id;
  for (const auto& p : config_.providers) providers_.push_back(std::make_unique<OidcProvider>(p));
  work_pool_ = std::make_unique<BlockingPool>("auth", config_.work_threads, 4096);
  hash_pool_ = std::make_unique<BlockingPool>("hash", config_.hash_threads, config_.hash_queue);
}

AuthService::~AuthService() {
  hash_pool_.reset();
  work_pool_.reset();
}

Result<std::unique_ptr<AuthService>> AuthService::Create(storage::Engine& engine, AuthConfig config,
                                                         std::string keys_dir, bool keys_in_store) {
  ASSIGN_OR_RETURN(auto keys,
                   KeyStore::Open(std::move(keys_dir), keys_in_store ? &engine : nullptr));
  std::unique_ptr<AuthService> service(
      new AuthService(engine, std::move(config), std::move(keys), keys_in_store));
  ASSIGN_OR_RETURN(service->dummy_hash_, service->hasher_.Hash(RandomHexToken(16)));
  // Revocations are checked on every request without a store read: load them once here;
  // every later revocation goes through Revoke().
  std::string after;
  size_t users = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, engine.ListUsers(after, 1000));
    if (page.empty()) break;
    for (const auto& record : page) {
      auto user = FromRecord(record);
      if (user.ok() && user->tokens_valid_after > 0) {
        service->valid_after_[user->uid] = user->tokens_valid_after;
      }
    }
    users += page.size();
    after = page.back().uid;
  }
  spdlog::info("auth: {} users, {} with revoked tokens; password hashing argon2id m={} KiB t={}",
               users, service->valid_after_.size(), service->config_.password_cost.memory_kib,
               service->config_.password_cost.iterations);
  return service;
}

void AuthService::SetListeningUrl(const std::string& url) {
  if (config_.public_url.empty()) config_.public_url = url;
  while (config_.public_url.ends_with('/')) config_.public_url.pop_back();
  if (config_.action_url.empty()) config_.action_url = config_.public_url + "/__/auth/action";
  if (config_.redirect_allow_list.empty()) {
    config_.redirect_allow_list.push_back(config_.public_url + "/");
  }
}

template <typename T, typename Work>
void AuthService::Submit(BlockingPool& pool, Callback<T> done, Work work) {
  auto shared_done = std::make_shared<Callback<T>>(std::move(done));
  bool accepted =
      pool.TrySubmit([shared_done, work = std::move(work)]() mutable { (*shared_done)(work()); });
  if (!accepted) {
    (*shared_done)(ResourceExhausted("the server is busy signing users in; retry shortly"));
  }
}

Status AuthService::WriteAndWait(storage::Engine::WriteFn fn) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  engine_.Write(std::move(fn), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

Result<User> AuthService::LoadUser(std::string_view uid) {
  ASSIGN_OR_RETURN(auto record, engine_.GetUser(uid));
  if (!record) return NotFound("no such user");
  return FromRecord(*record);
}

Status AuthService::CheckRateLimit(RateLimiter& limiter, std::string_view key,
                                   std::string_view what) {
  int64_t wait = limiter.Take(key, MonotonicMicros());
  if (wait == 0) return Status::Ok();
  return ResourceExhausted("too many " + std::string(what) + " attempts; retry in " +
                           std::to_string(wait) + " s (Retry-After)");
}

void AuthService::Revoke(const std::string& uid, int64_t valid_after) {
  std::unique_lock lock(revoked_mu_);
  int64_t& v = valid_after_[uid];
  v = std::max(v, valid_after);
}

// The shared list: {"revoked":[{"uid":"u1","validAfter":1700000000,"at":1699999999},...]}.
// An entry matters only while tokens issued before it can still be alive, so it is dropped
// once `at` is older than an ID token's lifetime (plus the clock skew allowed).
namespace {

constexpr std::string_view kRevocationsMeta = "auth.revocations";

struct SharedRevocation {
  std::string uid;
  int64_t valid_after = 0;
  int64_t at = 0;
};

std::vector<SharedRevocation> ParseRevocations(const std::string& text) {
  std::vector<SharedRevocation> out;
  auto doc = model::JsonDocument::Parse(text);
  if (!doc.ok() || !doc->root().is_object()) return out;
  auto list = doc->root().Get("revoked");
  if (!list || !list->is_array()) return out;
  for (const auto& e : list->Elements()) {
    auto uid = e.Get("uid");
    auto after = e.Get("validAfter");
    auto at = e.Get("at");
    if (!uid || !uid->is_string() || !after || !at) continue;
    out.push_back({std::string(uid->AsString()), after->AsInteger(), at->AsInteger()});
  }
  return out;
}

std::string RevocationsJson(const std::vector<SharedRevocation>& list) {
  std::string json = R"({"revoked":[)";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) json += ',';
    json += R"({"uid":)";
    model::AppendJsonString(json, list[i].uid);
    json += R"(,"validAfter":)" + std::to_string(list[i].valid_after);
    json += R"(,"at":)" + std::to_string(list[i].at) + '}';
  }
  return json + "]}";
}

}  // namespace

Status AuthService::ShareRevocation(storage::WriteTxn& txn, const std::string& uid,
                                    int64_t valid_after) {
  if (!shared_store_) return Status::Ok();
  // Read through the engine: a write holds the store's commit lock, so no other node can
  // change the list between this read and the commit.
  ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kRevocationsMeta));
  auto list = ParseRevocations(text ? *text : "");
  const int64_t now = NowSeconds();
  std::erase_if(list, [&](const SharedRevocation& r) {
    return r.uid == uid || r.at < now - config_.id_token_seconds - 2 * kClockSkewSeconds;
  });
  list.push_back({uid, valid_after, now});
  return txn.PutMeta(kRevocationsMeta, RevocationsJson(list));
}

void AuthService::CatchUpRevocations() {
  if (!shared_store_) return;
  std::unique_lock lock(shared_revocations_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another request is reading them right now
  const int64_t now = MonotonicMicros();
  if (now - shared_revocations_checked_ < 1'000'000) return;
  shared_revocations_checked_ = now;
  auto text = engine_.ReadMeta(kRevocationsMeta);
  if (!text.ok()) {
    spdlog::warn("auth: cannot read the other nodes' token revocations: {}",
                 text.status().ToString());
    return;
  }
  if (!text->has_value() || **text == shared_revocations_text_) return;
  shared_revocations_text_ = **text;
  for (const auto& r : ParseRevocations(shared_revocations_text_)) Revoke(r.uid, r.valid_after);
}

// ---- ID tokens ----

Result<std::string> AuthService::MintIdToken(const User& user, std::string_view provider,
                                             int64_t auth_time) {
  // Never before the user's revocation time (RevocationTime()): up to a second ahead.
  const int64_t now = std::max(NowSeconds(), user.tokens_valid_after);
  model::Map claims = user.custom_claims;
  claims["iss"] = Value::String(config_.issuer);
  claims["aud"] = Value::String(config_.project_id);
  claims["sub"] = Value::String(user.uid);
  claims["user_id"] = Value::String(user.uid);
  claims["iat"] = Value::Integer(now);
  claims["exp"] = Value::Integer(now + config_.id_token_seconds);
  claims["auth_time"] = Value::Integer(auth_time);
  if (!user.email.empty()) {
    claims["email"] = Value::String(user.email);
    claims["email_verified"] = Value::Boolean(user.email_verified);
  }
  if (!user.display_name.empty()) claims["name"] = Value::String(user.display_name);
  if (!user.photo_url.empty()) claims["picture"] = Value::String(user.photo_url);
  claims["sign_in_provider"] = Value::String(std::string(provider));
  model::Map firebase;
  firebase["sign_in_provider"] = Value::String(std::string(provider));
  claims["firebase"] = Value::FromMap(std::move(firebase));
  return keys_->Sign(model::MapToJson(claims));
}

Result<std::shared_ptr<const AuthContext>> AuthService::VerifyIdToken(std::string_view token) {
  const int64_t now = NowSeconds();
  std::shared_ptr<const AuthContext> ctx;
  {
    std::lock_guard lock(cache_mu_);
    auto it = verified_.find(std::string(token));
    if (it != verified_.end()) ctx = it->second;
  }
  if (ctx == nullptr) {
    ASSIGN_OR_RETURN(DecodedJwt jwt, DecodeJwt(token));
    if (jwt.alg != "RS256") {
      return Unauthenticated("the ID token must be signed RS256 (got alg '" +
                             jwt.alg.substr(0, 16) + "')");
    }
    auto key = keys_->Find(jwt.kid);
    if (key == nullptr) return Unauthenticated("the ID token was signed by an unknown key");
    if (!key->VerifyRs256(jwt.signing_input, jwt.signature)) {
      return Unauthenticated("the ID token's signature is invalid");
    }
    auto claims = model::ParseDocumentJson(jwt.payload);
    if (!claims.ok()) return Unauthenticated("the ID token's claims are malformed");
    auto str = [&](std::string_view k) -> std::string {
      auto it = claims->find(k);
      return it != claims->end() && it->second.type() == Value::Type::kString
                 ? it->second.string_value()
                 : "";
    };
    auto num = [&](std::string_view k) -> int64_t {
      auto it = claims->find(k);
      return it != claims->end() && it->second.type() == Value::Type::kInteger
                 ? it->second.integer_value()
                 : -1;
    };
    auto c = std::make_shared<AuthContext>();
    if (str("iss") != config_.issuer) return Unauthenticated("the ID token has the wrong issuer");
    if (str("aud") != config_.project_id) {
      return Unauthenticated("the ID token is for another project");
    }
    c->uid = str("sub");
    if (c->uid.empty() || c->uid.size() > 128) {
      return Unauthenticated("the ID token has no subject");
    }
    c->issued_at = num("iat");
    c->expires_at = num("exp");
    c->auth_time = num("auth_time");
    if (c->issued_at < 0 || c->expires_at < 0) {
      return Unauthenticated("the ID token lacks iat or exp");
    }
    if (c->issued_at > now + kClockSkewSeconds) {
      return Unauthenticated("the ID token was issued in the future");
    }
    c->sign_in_provider = str("sign_in_provider");
    c->token = std::move(*claims);
    ctx = std::move(c);
    std::lock_guard lock(cache_mu_);
    if (verified_.size() >= kMaxCachedTokens) verified_.clear();
    verified_.emplace(std::string(token), ctx);
  }
  if (ctx->expires_at <= now) return Unauthenticated("the ID token has expired");
  CatchUpRevocations();
  {
    std::shared_lock lock(revoked_mu_);
    auto it = valid_after_.find(ctx->uid);
    if (it != valid_after_.end() && ctx->issued_at < it->second) {
      return Unauthenticated("the ID token has been revoked; sign in again");
    }
  }
  return ctx;
}

// ---- sessions ----

Result<Session> AuthService::FinishSession(User user, std::string_view provider, int64_t auth_time,
                                           std::string refresh_token) {
  Session s;
  ASSIGN_OR_RETURN(s.id_token, MintIdToken(user, provider, auth_time));
  s.refresh_token = std::move(refresh_token);
  s.expires_in = config_.id_token_seconds;
  s.user = std::move(user);
  return s;
}

Result<Session> AuthService::StartSession(User user, std::string_view provider,
                                          const SessionStart& start) {
  const int64_t now = NowMicros();
  std::string secret = NewSecret();
  storage::TokenRecord token;
  token.hash = Sha256Hex(secret);
  token.kind = "refresh";
  token.uid = user.uid;
  token.family = RandomHexToken(16);
  token.data = R"({"provider":)";
  model::AppendJsonString(token.data, provider);
  token.data += R"(,"authTime":)" + std::to_string(now / 1'000'000) + "}";
  token.expires = now + config_.refresh_token_seconds * 1'000'000;
  Status outcome;  // set inside the write when the session is refused
  RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
    if (!start.create) {
      // The caller read the account before slow work (hashing, a provider round trip):
      // start from what is stored now, so that nothing changed meanwhile (disabled,
      // deleted, a new password and its revocation) is written back.
      ASSIGN_OR_RETURN(auto stored, txn.GetUser(user.uid));
      if (!stored) {
        outcome = Unauthenticated("the account no longer exists");
        return Status::Ok();
      }
      ASSIGN_OR_RETURN(user, FromRecord(*stored));
      if (user.disabled) {
        outcome = PermissionDenied("this account has been disabled");
        return Status::Ok();
      }
      if (start.verified_hash) {
        if (user.password_hash != *start.verified_hash) {
          outcome = InvalidCredentials();  // the password changed since it was checked
          return Status::Ok();
        }
        if (start.rehash) user.password_hash = *start.rehash;
      }
    }
    user.last_sign_in = now;
    RETURN_IF_ERROR(txn.PutUser(ToRecord(user)));
    RETURN_IF_ERROR(txn.PutToken(token));
    return txn.PurgeExpiredTokens(now, 100);
  }));
  RETURN_IF_ERROR(outcome);
  return FinishSession(std::move(user), provider, now / 1'000'000, std::move(secret));
}

void AuthService::SignUp(std::string email, std::string password, std::string ip,
                         std::string display_name, Callback<Session> done) {
  if (Status s = CheckRateLimit(sign_up_ip_, ip, "sign-up"); !s.ok()) return done(s);
  auto normalized = NormalizeEmail(email);
  if (!normalized.ok()) return done(normalized.status());
  if (Status s = ValidatePassword(password); !s.ok()) return done(s);
  if (Status s = ValidateDisplayName(display_name); !s.ok()) return done(s);
  Submit<Session>(*hash_pool_, std::move(done),
                  [this, email = std::move(*normalized), password = std::move(password),
                   display_name = std::move(display_name)]() -> Result<Session> {
                    ASSIGN_OR_RETURN(auto existing, engine_.GetUserByEmail(email));
                    if (existing)
                      return AlreadyExists("an account already uses this email address");
                    User user;
                    user.uid = NewUid();
                    user.email = email;
                    user.display_name = display_name;
                    ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(password));
                    user.providers = {"password"};
                    user.created = NowMicros();
                    // PutUser refuses a duplicate email, should another sign-up have raced this
                    // one.
                    return StartSession(std::move(user), "password", {.create = true});
                  });
}

void AuthService::SignInWithPassword(std::string email, std::string password, std::string ip,
                                     Callback<Session> done) {
  if (Status s = CheckRateLimit(sign_in_ip_, ip, "sign-in"); !s.ok()) return done(s);
  auto normalized = NormalizeEmail(email);
  if (!normalized.ok()) return done(normalized.status());
  if (Status s = CheckRateLimit(sign_in_account_, *normalized, "sign-in"); !s.ok()) {
    return done(s);
  }
  if (password.empty() || password.size() > 4096) return done(InvalidCredentials());
  Submit<Session>(
      *hash_pool_, std::move(done),
      [this, email = std::move(*normalized), password = std::move(password)]() -> Result<Session> {
        ASSIGN_OR_RETURN(auto record, engine_.GetUserByEmail(email));
        if (!record) {
          (void)hasher_.Verify(dummy_hash_, password);  // same time as a wrong password
          return InvalidCredentials();
        }
        ASSIGN_OR_RETURN(User user, FromRecord(*record));
        if (user.password_hash.empty()) {
          (void)hasher_.Verify(dummy_hash_, password);
          return InvalidCredentials();
        }
        if (!hasher_.Verify(user.password_hash, password)) return InvalidCredentials();
        if (user.disabled) return PermissionDenied("this account has been disabled");
        SessionStart start{.verified_hash = user.password_hash};
        if (hasher_.NeedsRehash(user.password_hash)) {
          ASSIGN_OR_RETURN(start.rehash, hasher_.Hash(password));
          spdlog::info("auth: re-hashed a password with the current cost parameters");
        }
        return StartSession(std::move(user), "password", start);
      });
}

void AuthService::SignInAnonymously(std::string ip, Callback<Session> done) {
  if (Status s = CheckRateLimit(sign_up_ip_, ip, "sign-up"); !s.ok()) return done(s);
  Submit<Session>(*work_pool_, std::move(done), [this]() -> Result<Session> {
    User user;
    user.uid = NewUid();
    user.providers = {"anonymous"};
    user.created = NowMicros();
    return StartSession(std::move(user), "anonymous", {.create = true});
  });
}

void AuthService::Refresh(std::string refresh_token, Callback<Session> done) {
  if (refresh_token.empty() || refresh_token.size() > 256) return done(InvalidRefreshToken());
  Submit<Session>(
      *work_pool_, std::move(done),
      [this, refresh_token = std::move(refresh_token)]() -> Result<Session> {
        const int64_t now = NowMicros();
        const std::string hash = Sha256Hex(refresh_token);
        std::string next = NewSecret();
        Status outcome;  // set inside the write, which commits either way
        User user;
        std::string provider;
        int64_t auth_time = 0;
        bool reuse = false;
        RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
          ASSIGN_OR_RETURN(auto token, txn.GetToken(hash));
          if (!token || token->kind != "refresh" || token->expires < now) {
            outcome = InvalidRefreshToken();
            return Status::Ok();
          }
          if (token->used) {
            // A rotated token came back: someone holds a copy. End the whole session.
            reuse = true;
            outcome = InvalidRefreshToken();
            return txn.DeleteTokenFamily(token->family);
          }
          ASSIGN_OR_RETURN(auto record, txn.GetUser(token->uid));
          if (!record) {
            outcome = InvalidRefreshToken();
            return txn.DeleteTokenFamily(token->family);
          }
          ASSIGN_OR_RETURN(user, FromRecord(*record));
          if (user.disabled) {
            outcome = PermissionDenied("this account has been disabled");
            return txn.DeleteTokenFamily(token->family);
          }
          provider = MemberOf(token->data, "provider");
          auto doc = model::JsonDocument::Parse(token->data);
          if (doc.ok() && doc->root().is_object()) {
            if (auto t = doc->root().Get("authTime");
                t && t->kind() == model::JsonView::Kind::kInteger) {
              auth_time = t->AsInteger();
            }
          }
          storage::TokenRecord used = *token;
          used.used = true;
          RETURN_IF_ERROR(txn.PutToken(used));
          storage::TokenRecord fresh = *token;
          fresh.hash = Sha256Hex(next);
          fresh.expires = now + config_.refresh_token_seconds * 1'000'000;
          return txn.PutToken(fresh);
        }));
        if (reuse)
          spdlog::warn("auth: a rotated refresh token was re-used; its session was revoked");
        RETURN_IF_ERROR(outcome);
        return FinishSession(std::move(user), provider, auth_time, std::move(next));
      });
}

void AuthService::SignOut(std::string refresh_token, Callback<bool> done) {
  if (refresh_token.empty() || refresh_token.size() > 256) return done(InvalidRefreshToken());
  Submit<bool>(*work_pool_, std::move(done),
               [this, refresh_token = std::move(refresh_token)]() -> Result<bool> {
                 const std::string hash = Sha256Hex(refresh_token);
                 bool found = false;
                 RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
                   ASSIGN_OR_RETURN(auto token, txn.GetToken(hash));
                   if (!token || token->kind != "refresh") return Status::Ok();
                   found = true;
                   return txn.DeleteTokenFamily(token->family);
                 }));
                 if (!found) return InvalidRefreshToken();
                 return true;
               });
}

// ---- the signed-in user ----

void AuthService::GetUser(std::string uid, Callback<User> done) {
  Submit<User>(*work_pool_, std::move(done),
               [this, uid = std::move(uid)] { return LoadUser(uid); });
}

Result<std::optional<std::string>> AuthService::HashNewPassword(const UserUpdate& u) {
  if (!u.password) return std::optional<std::string>();
  RETURN_IF_ERROR(ValidatePassword(*u.password));
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(*u.password));
  return std::optional<std::string>(std::move(hash));
}

Result<User> AuthService::ApplyUpdate(User user, const UserUpdate& u, bool admin,
                                      const std::optional<std::string>& new_hash) {
  if (u.display_name) {
    RETURN_IF_ERROR(ValidateDisplayName(*u.display_name));
    user.display_name = *u.display_name;
  }
  if (u.photo_url) {
    RETURN_IF_ERROR(ValidatePhotoUrl(*u.photo_url));
    user.photo_url = *u.photo_url;
  }
  if (u.email) {
    if (u.email->empty() && admin) {
      user.email.clear();
      user.email_verified = false;
    } else {
      ASSIGN_OR_RETURN(std::string email, NormalizeEmail(*u.email));
      if (email != user.email) {
        user.email = std::move(email);
        user.email_verified = false;
      }
    }
  }
  if (new_hash) {
    user.password_hash = *new_hash;
    user.AddProvider("password");
  }
  if (admin) {
    if (u.disabled) user.disabled = *u.disabled;
    if (u.email_verified) user.email_verified = *u.email_verified;
    if (u.custom_claims) {
      RETURN_IF_ERROR(ValidateCustomClaims(*u.custom_claims));
      user.custom_claims = *u.custom_claims;
    }
  }
  if (!user.password_hash.empty() && user.email.empty()) {
    return InvalidArgument("an account with a password needs an email address");
  }
  return user;
}

void AuthService::UpdateMe(std::shared_ptr<const AuthContext> caller, UserUpdate update,
                           Callback<Session> done) {
  if (update.disabled || update.email_verified || update.custom_claims) {
    return done(PermissionDenied("only an administrator may change that"));
  }
  const bool sensitive = update.email.has_value() || update.password.has_value();
  Submit<Session>(
      sensitive ? *hash_pool_ : *work_pool_, std::move(done),
      [this, caller, update = std::move(update), sensitive]() -> Result<Session> {
        ASSIGN_OR_RETURN(User user, LoadUser(caller->uid));
        if (user.disabled) return PermissionDenied("this account has been disabled");
        if (sensitive && !user.anonymous()) {
          // Re-authentication: the current password, or (without one) a recent sign-in.
          if (!user.password_hash.empty()) {
            if (!update.current_password ||
                !hasher_.Verify(user.password_hash, *update.current_password)) {
              return Unauthenticated(
                  "changing the email or password needs currentPassword, the account's password");
            }
          } else if (NowSeconds() - caller->auth_time > kRecentLoginSeconds) {
            return Unauthenticated("changing the email or password needs a recent sign-in");
          }
        }
        const bool was_anonymous = user.anonymous();
        ASSIGN_OR_RETURN(auto new_hash, HashNewPassword(update));
        const std::string verified_hash = user.password_hash;
        // New credentials end every other session: tokens issued until now are revoked, the
        // refresh tokens deleted, and the caller gets a fresh session.
        const int64_t revoke_at = RevocationTime();
        std::optional<User> updated;
        RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
          ASSIGN_OR_RETURN(updated, ModifyUser(txn, caller->uid, [&](User& u) -> Status {
                             if (u.disabled)
                               return PermissionDenied("this account has been disabled");
                             if (sensitive && u.password_hash != verified_hash) {
                               return Aborted("the account's password changed meanwhile; retry");
                             }
                             ASSIGN_OR_RETURN(u,
                                              ApplyUpdate(std::move(u), update, false, new_hash));
                             if (sensitive && !was_anonymous) u.tokens_valid_after = revoke_at;
                             return Status::Ok();
                           }));
          if (!sensitive) return Status::Ok();
          if (!was_anonymous) RETURN_IF_ERROR(ShareRevocation(txn, caller->uid, revoke_at));
          return txn.DeleteUserTokens(caller->uid, "refresh");
        }));
        if (!sensitive) {
          Session s;
          s.user = std::move(*updated);
          return s;
        }
        if (!was_anonymous) Revoke(caller->uid, revoke_at);
        const std::string provider =
            updated->password_hash.empty() ? caller->sign_in_provider : "password";
        return StartSession(std::move(*updated), provider, {});
      });
}

void AuthService::DeleteMe(std::shared_ptr<const AuthContext> caller,
                           std::optional<std::string> password, Callback<bool> done) {
  Submit<bool>(*hash_pool_, std::move(done), [this, caller, password]() -> Result<bool> {
    ASSIGN_OR_RETURN(User user, LoadUser(caller->uid));
    bool recent = NowSeconds() - caller->auth_time <= kRecentLoginSeconds;
    bool password_ok =
        password && !user.password_hash.empty() && hasher_.Verify(user.password_hash, *password);
    if (!recent && !password_ok) {
      return Unauthenticated("deleting the account needs a recent sign-in or the password");
    }
    RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
      RETURN_IF_ERROR(ShareRevocation(txn, user.uid, std::numeric_limits<int64_t>::max()));
      return txn.DeleteUser(user.uid);
    }));
    Revoke(user.uid, std::numeric_limits<int64_t>::max());
    return true;
  });
}

// ---- email flows ----

Result<std::string> AuthService::NewOneTimeCode(std::string_view kind, std::string_view uid,
                                                std::string data, int64_t lifetime_seconds) {
  std::string code = NewSecret();
  storage::TokenRecord t;
  t.hash = Sha256Hex(code);
  t.kind = std::string(kind);
  t.uid = std::string(uid);
  t.data = std::move(data);
  t.expires = NowMicros() + lifetime_seconds * 1'000'000;
  RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) { return txn.PutToken(t); }));
  return code;
}

Result<storage::TokenRecord> AuthService::TakeOneTimeCode(std::string_view kind,
                                                          std::string_view code) {
  if (code.empty() || code.size() > 256) {
    return InvalidArgument("the code is invalid, expired or already used");
  }
  const std::string hash = Sha256Hex(code);
  const int64_t now = NowMicros();
  std::optional<storage::TokenRecord> taken;
  RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
    ASSIGN_OR_RETURN(auto token, txn.GetToken(hash));
    if (!token || token->kind != kind) return Status::Ok();
    RETURN_IF_ERROR(txn.DeleteToken(hash));
    if (token->expires >= now) taken = std::move(*token);
    return Status::Ok();
  }));
  if (!taken) return InvalidArgument("the code is invalid, expired or already used");
  return std::move(*taken);
}

Status AuthService::SendMailOrLog(const std::string& to, const std::string& subject,
                                  const std::string& text, const std::string& link) {
  if (!config_.smtp) {
    // Development: no mail server configured, so the link goes to the log.
    spdlog::info("auth: no SMTP server configured; email to {} ({}): {}", MaskEmail(to), subject,
                 link);
    return Status::Ok();
  }
  Status s = SendMail(*config_.smtp, {config_.mail_from, to, subject, text});
  if (!s.ok()) spdlog::error("auth: could not send mail to {}: {}", MaskEmail(to), s.message());
  return s;
}

void AuthService::SendPasswordReset(std::string email, std::string ip, Callback<bool> done) {
  if (Status s = CheckRateLimit(reset_ip_, ip, "password-reset"); !s.ok()) return done(s);
  auto normalized = NormalizeEmail(email);
  if (!normalized.ok()) return done(normalized.status());
  if (Status s = CheckRateLimit(reset_account_, *normalized, "password-reset"); !s.ok()) {
    return done(s);
  }
  Submit<bool>(
      *work_pool_, std::move(done), [this, email = std::move(*normalized)]() -> Result<bool> {
        ASSIGN_OR_RETURN(auto record, engine_.GetUserByEmail(email));
        if (!record) return true;  // the same answer as for a real account
        ASSIGN_OR_RETURN(std::string code,
                         NewOneTimeCode("reset", record->uid, JsonObject({{"email", email}}),
                                        kResetCodeSeconds));
        std::string link =
            WithQuery(WithQuery(config_.action_url, "mode", "resetPassword"), "oobCode", code);
        (void)SendMailOrLog(
            email, "Reset your password",
            "Someone asked to reset the password of your account (" + email +
                ").\n\nTo choose a new password, open this link within an hour:\n\n" + link +
                "\n\nIf it was not you, ignore this message.\n",
            link);
        return true;
      });
}

void AuthService::ResetPassword(std::string code, std::string new_password, Callback<bool> done) {
  if (Status s = ValidatePassword(new_password); !s.ok()) return done(s);
  Submit<bool>(
      *hash_pool_, std::move(done),
      [this, code = std::move(code), new_password = std::move(new_password)]() -> Result<bool> {
        ASSIGN_OR_RETURN(storage::TokenRecord token, TakeOneTimeCode("reset", code));
        ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(new_password));
        const std::string email = MemberOf(token.data, "email");
        const int64_t revoke_at = RevocationTime();
        RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
          RETURN_IF_ERROR(ModifyUser(txn, token.uid, [&](User& u) -> Status {
                            if (u.email.empty() || u.email != email) {
                              return FailedPrecondition(
                                  "the account's email address changed since this link was sent");
                            }
                            u.password_hash = hash;
                            u.AddProvider("password");
                            u.email_verified = true;  // the code arrived at that address
                            u.tokens_valid_after = revoke_at;
                            return Status::Ok();
                          }).status());
          RETURN_IF_ERROR(ShareRevocation(txn, token.uid, revoke_at));
          RETURN_IF_ERROR(txn.DeleteUserTokens(token.uid, "refresh"));
          return txn.DeleteUserTokens(token.uid, "reset");
        }));
        Revoke(token.uid, revoke_at);
        return true;
      });
}

void AuthService::SendEmailVerification(std::shared_ptr<const AuthContext> caller,
                                        Callback<bool> done) {
  Submit<bool>(*work_pool_, std::move(done), [this, caller]() -> Result<bool> {
    ASSIGN_OR_RETURN(User user, LoadUser(caller->uid));
    if (user.email.empty()) return FailedPrecondition("the account has no email address");
    if (Status s = CheckRateLimit(reset_account_, "verify:" + user.uid, "verification"); !s.ok()) {
      return s;
    }
    ASSIGN_OR_RETURN(std::string code,
                     NewOneTimeCode("verify", user.uid, JsonObject({{"email", user.email}}),
                                    kVerifyCodeSeconds));
    std::string link =
        WithQuery(WithQuery(config_.action_url, "mode", "verifyEmail"), "oobCode", code);
    RETURN_IF_ERROR(SendMailOrLog(
        user.email, "Verify your email address",
        "Open this link to verify your email address (" + user.email + "):\n\n" + link + "\n",
        link));
    return true;
  });
}

void AuthService::VerifyEmail(std::string code, Callback<User> done) {
  Submit<User>(*work_pool_, std::move(done), [this, code = std::move(code)]() -> Result<User> {
    ASSIGN_OR_RETURN(storage::TokenRecord token, TakeOneTimeCode("verify", code));
    std::optional<User> user;
    RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
      ASSIGN_OR_RETURN(user, ModifyUser(txn, token.uid, [&](User& u) -> Status {
                         if (MemberOf(token.data, "email") != u.email) {
                           return FailedPrecondition(
                               "the account's email address changed since this link was sent");
                         }
                         u.email_verified = true;
                         return Status::Ok();
                       }));
      return Status::Ok();
    }));
    return std::move(*user);
  });
}

// ---- OAuth / OpenID Connect ----

bool AuthService::HasProvider(std::string_view name) const {
  for (const auto& p : providers_) {
    if (p->config().name == name) return true;
  }
  return false;
}

std::string AuthService::CallbackUrl(std::string_view provider) const {
  return config_.public_url + "/v1/auth/oauth/" + std::string(provider) + "/callback";
}

bool AuthService::RedirectAllowed(std::string_view url) const {
  if (url.size() > 2048) return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '\\') return false;
  }
  for (const std::string& prefix : config_.redirect_allow_list) {
    if (url == prefix) return true;
    if (!url.starts_with(prefix)) continue;
    // "https://app.example.com" must not admit "https://app.example.com.evil.net".
    if (prefix.ends_with('/')) return true;
    char next = url[prefix.size()];
    if (next == '/' || next == '?' || next == '#') return true;
  }
  return false;
}

void AuthService::OAuthStart(std::string provider, std::string redirect,
                             Callback<std::string> done) {
  OidcProvider* p = nullptr;
  for (auto& candidate : providers_) {
    if (candidate->config().name == provider) p = candidate.get();
  }
  if (p == nullptr) return done(NotFound("no sign-in provider named '" + provider + "'"));
  if (!RedirectAllowed(redirect)) {
    return done(InvalidArgument(
        "redirect is not on the allow-list (auth.redirectAllowList in hearth.json)"));
  }
  Submit<std::string>(
      *work_pool_, std::move(done),
      [this, p, provider, redirect = std::move(redirect)]() -> Result<std::string> {
        std::string state = NewSecret();
        std::string nonce = NewSecret();
        std::string verifier = NewSecret();
        std::string challenge = Base64UrlEncode(Sha256(verifier));
        storage::TokenRecord t;
        t.hash = Sha256Hex(state);
        t.kind = "oauth-state";
        t.data = JsonObject({{"provider", provider},
                             {"redirect", redirect},
                             {"nonce", nonce},
                             {"verifier", verifier}});
        t.expires = NowMicros() + kOAuthStateSeconds * 1'000'000;
        ASSIGN_OR_RETURN(std::string url,
                         p->AuthorizationUrl(CallbackUrl(provider), state, nonce, challenge));
        RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) { return txn.PutToken(t); }));
        return url;
      });
}

void AuthService::OAuthCallback(std::string provider,
                                std::vector<std::pair<std::string, std::string>> query,
                                Callback<std::string> done) {
  Submit<std::string>(*work_pool_, std::move(done),
                      [this, provider = std::move(provider), query = std::move(query)] {
                        return OAuthCallbackSync(provider, query);
                      });
}

Result<std::string> AuthService::OAuthCallbackSync(
    const std::string& provider, const std::vector<std::pair<std::string, std::string>>& q) {
  auto param = [&](std::string_view name) -> std::string {
    for (const auto& [k, v] : q) {
      if (k == name) return v;
    }
    return "";
  };
  OidcProvider* p = nullptr;
  for (auto& candidate : providers_) {
    if (candidate->config().name == provider) p = candidate.get();
  }
  if (p == nullptr) return NotFound("no sign-in provider named '" + provider + "'");
  std::string state = param("state");
  if (state.empty()) return InvalidArgument("the provider's answer has no state");
  auto taken = TakeOneTimeCode("oauth-state", state);
  if (!taken.ok()) return InvalidArgument("this sign-in has expired or was already completed");
  const std::string& data = taken->data;
  if (MemberOf(data, "provider") != provider) {
    return InvalidArgument("the state belongs to another provider");
  }
  const std::string redirect = MemberOf(data, "redirect");
  if (std::string error = param("error"); !error.empty()) {
    return WithQuery(redirect, "error", error.substr(0, 64));
  }
  auto fail = [&](const Status& s) {
    spdlog::warn("auth: sign-in with {} failed: {}", provider, s.message());
    return WithQuery(redirect, "error",
                     s.code() == Code::kFailedPrecondition
                         ? "account-exists-with-different-credential"
                         : "sign-in-failed");
  };
  auto identity = p->ExchangeCode(param("code"), CallbackUrl(provider), MemberOf(data, "verifier"),
                                  MemberOf(data, "nonce"));
  if (!identity.ok()) return fail(identity.status());
  auto user = SignInWithIdentity(p->config(), *identity);
  if (!user.ok()) return fail(user.status());
  if (user->disabled) return WithQuery(redirect, "error", "user-disabled");
  auto code = NewOneTimeCode("oauth-code", user->uid, JsonObject({{"provider", provider}}),
                             kOAuthCodeSeconds);
  if (!code.ok()) return fail(code.status());
  return WithQuery(redirect, "code", *code);
}

Result<User> AuthService::SignInWithIdentity(const OidcProviderConfig& provider,
                                             const OidcIdentity& id) {
  ASSIGN_OR_RETURN(auto linked, engine_.GetIdentity(provider.name, id.subject));
  if (linked) return LoadUser(*linked);
  std::string email;
  if (!id.email.empty()) {
    auto normalized = NormalizeEmail(id.email);
    if (normalized.ok()) email = *normalized;
  }
  std::optional<User> result;
  int64_t revoke_at = 0;
  RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
    std::optional<storage::UserRecord> existing;
    if (!email.empty()) {
      ASSIGN_OR_RETURN(existing, txn.GetUserByEmail(email));
    }
    User user;
    if (existing) {
      // Link by verified email only: otherwise anyone could claim an account by
      // registering its address with another provider.
      if (!id.email_verified) {
        return FailedPrecondition("an account with this email exists; sign in to it first");
      }
      ASSIGN_OR_RETURN(user, FromRecord(*existing));
      if (!user.email_verified && !user.password_hash.empty()) {
        // The address was never proven by whoever set this password: the provider's
        // proof wins, and that password (and its sessions) go.
        user.password_hash.clear();
        std::erase(user.providers, "password");
        revoke_at = RevocationTime();
        user.tokens_valid_after = revoke_at;
        RETURN_IF_ERROR(ShareRevocation(txn, user.uid, revoke_at));
        RETURN_IF_ERROR(txn.DeleteUserTokens(user.uid, "refresh"));
      }
      user.email_verified = true;
    } else {
      user.uid = NewUid();
      user.email = email;
      user.email_verified = !email.empty() && id.email_verified;
      user.created = NowMicros();
    }
    if (user.display_name.empty() && ValidateDisplayName(id.name).ok()) {
      user.display_name = id.name;
    }
    if (user.photo_url.empty() && !id.picture.empty() && ValidatePhotoUrl(id.picture).ok()) {
      user.photo_url = id.picture;
    }
    user.AddProvider(provider.name);
    RETURN_IF_ERROR(txn.PutUser(ToRecord(user)));
    RETURN_IF_ERROR(txn.PutIdentity(provider.name, id.subject, user.uid));
    result = std::move(user);
    return Status::Ok();
  }));
  if (revoke_at != 0) Revoke(result->uid, revoke_at);
  return std::move(*result);
}

void AuthService::OAuthExchange(std::string code, Callback<Session> done) {
  Submit<Session>(
      *work_pool_, std::move(done), [this, code = std::move(code)]() -> Result<Session> {
        ASSIGN_OR_RETURN(storage::TokenRecord token, TakeOneTimeCode("oauth-code", code));
        ASSIGN_OR_RETURN(User user, LoadUser(token.uid));
        if (user.disabled) return PermissionDenied("this account has been disabled");
        return StartSession(std::move(user), MemberOf(token.data, "provider"), {});
      });
}

// ---- administration ----

void AuthService::ListUsers(std::string after_uid, size_t limit, Callback<std::vector<User>> done) {
  Submit<std::vector<User>>(
      *work_pool_, std::move(done),
      [this, after_uid = std::move(after_uid), limit]() -> Result<std::vector<User>> {
        ASSIGN_OR_RETURN(auto records, engine_.ListUsers(after_uid, limit));
        std::vector<User> users;
        for (const auto& r : records) {
          ASSIGN_OR_RETURN(User u, FromRecord(r));
          users.push_back(std::move(u));
        }
        return users;
      });
}

void AuthService::AdminGetUser(std::string uid_or_email, Callback<User> done) {
  Submit<User>(*work_pool_, std::move(done),
               [this, key = std::move(uid_or_email)]() -> Result<User> {
                 if (key.find('@') != std::string::npos) {
                   ASSIGN_OR_RETURN(std::string email, NormalizeEmail(key));
                   ASSIGN_OR_RETURN(auto record, engine_.GetUserByEmail(email));
                   if (!record) return NotFound("no user has that email address");
                   return FromRecord(*record);
                 }
                 return LoadUser(key);
               });
}

void AuthService::AdminCreateUser(UserUpdate fields, Callback<User> done) {
  Submit<User>(*hash_pool_, std::move(done), [this, fields = std::move(fields)]() -> Result<User> {
    User user;
    user.uid = NewUid();
    user.created = NowMicros();
    ASSIGN_OR_RETURN(auto new_hash, HashNewPassword(fields));
    ASSIGN_OR_RETURN(user, ApplyUpdate(std::move(user), fields, true, new_hash));
    if (user.providers.empty())
      user.providers.push_back(user.email.empty() ? "anonymous" : "password");
    RETURN_IF_ERROR(
        WriteAndWait([&](storage::WriteTxn& txn) { return txn.PutUser(ToRecord(user)); }));
    return user;
  });
}

void AuthService::AdminUpdateUser(std::string uid, UserUpdate update, Callback<User> done) {
  Submit<User>(*hash_pool_, std::move(done),
               [this, uid = std::move(uid), update = std::move(update)]() -> Result<User> {
                 ASSIGN_OR_RETURN(auto new_hash, HashNewPassword(update));
                 const int64_t revoke_at = RevocationTime();
                 bool revoke = false;
                 std::optional<User> updated;
                 RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
                   ASSIGN_OR_RETURN(
                       updated, ModifyUser(txn, uid, [&](User& u) -> Status {
                         const bool was_disabled = u.disabled;
                         ASSIGN_OR_RETURN(u, ApplyUpdate(std::move(u), update, true, new_hash));
                         // Disabling or a new password ends every session at once.
                         revoke = (u.disabled && !was_disabled) || new_hash.has_value();
                         if (revoke) u.tokens_valid_after = revoke_at;
                         return Status::Ok();
                       }));
                   if (!revoke) return Status::Ok();
                   RETURN_IF_ERROR(ShareRevocation(txn, uid, revoke_at));
                   return txn.DeleteUserTokens(uid, "refresh");
                 }));
                 if (revoke) Revoke(uid, revoke_at);
                 return std::move(*updated);
               });
}

void AuthService::AdminDeleteUser(std::string uid, Callback<bool> done) {
  Submit<bool>(*work_pool_, std::move(done), [this, uid = std::move(uid)]() -> Result<bool> {
    ASSIGN_OR_RETURN(User user, LoadUser(uid));
    RETURN_IF_ERROR(WriteAndWait([&](storage::WriteTxn& txn) -> Status {
      RETURN_IF_ERROR(ShareRevocation(txn, uid, std::numeric_limits<int64_t>::max()));
      return txn.DeleteUser(uid);
    }));
    Revoke(uid, std::numeric_limits<int64_t>::max());
    return true;
  });
}

}  // namespace hearth::auth
