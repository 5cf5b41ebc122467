// AuthService: accounts, sign-in, tokens and email flows (docs/auth.md).
//
// Every slow step runs off the I/O threads: password hashing on a bounded hashing pool
// (full queue: `resource-exhausted`, HTTP 429), store reads and writes and outbound calls
// (OIDC, SMTP) on a second pool. Callbacks run on those pools and must not block.
// VerifyIdToken() is the exception: fast, synchronous, safe on an I/O thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/fetch.h"
#include "auth/keys.h"
#include "auth/oidc.h"
#include "auth/password.h"
#include "auth/rate_limiter.h"
#include "auth/user.h"
#include "base/blocking_pool.h"
#include "base/status.h"
#include "storage/engine.h"

namespace hearth::auth {

struct AuthLimits {
  RateLimit sign_in_per_ip{60, 60};
  RateLimit sign_in_per_account{10, 60};
  RateLimit sign_up_per_ip{100, 3600};
  RateLimit reset_per_ip{30, 3600};
  RateLimit reset_per_account{5, 3600};
};

struct AuthConfig {
  std::string project_id = "hearth";  // the ID token's `aud`
  std::string issuer;                 // the ID token's `iss`; default "hearth:" + project_id
  PasswordCost password_cost;
  int64_t id_token_seconds = 3600;
  int64_t refresh_token_seconds = 60LL * 24 * 3600;
  size_t hash_threads = 2;
  size_t hash_queue = 64;
  size_t work_threads = 4;
  AuthLimits limits;
  // This server's public base URL ("https://app.example.com"): OAuth callbacks and
  // emailed links start with it. Default: the address it listens on.
  std::string public_url;
  std::string action_url;  // emailed links; default public_url + "/__/auth/action"
  // Where OAuth sign-in may send the browser back to (URL prefixes); default: public_url.
  std::vector<std::string> redirect_allow_list;
  std::vector<OidcProviderConfig> providers;
  std::optional<SmtpSettings> smtp;  // none: emailed links are written to the log
  std::string mail_from = "noreply@localhost";
};

// What a verified ID token says about its bearer.
struct AuthContext {
  std::string uid;
  int64_t issued_at = 0;  // seconds
  int64_t expires_at = 0;
  int64_t auth_time = 0;
  std::string sign_in_provider;
  model::Map token;  // every claim, as rules see request.auth.token
};

struct Session {
  User user;
  std::string id_token;
  std::string refresh_token;  // "" when the operation did not start a new session
  int64_t expires_in = 0;     // seconds
};

// Changes to an account. Users may change their profile, email and password (the last
// two after re-authentication); administrators everything.
struct UserUpdate {
  std::optional<std::string> email;
  std::optional<std::string> password;
  std::optional<std::string> display_name;
  std::optional<std::string> photo_url;
  std::optional<std::string> current_password;  // re-authentication for email / password
  // Administrators only:
  std::optional<bool> disabled;
  std::optional<bool> email_verified;
  std::optional<model::Map> custom_claims;
};

class AuthService {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  // `engine` must outlive the service. Loads (or creates) the signing keys in `keys_dir`,
  // or in the store itself when `keys_in_store` (a store shared by several nodes).
  static Result<std::unique_ptr<AuthService>> Create(storage::Engine& engine, AuthConfig config,
                                                     std::string keys_dir,
                                                     bool keys_in_store = false);
  ~AuthService();

  // Fills in defaults that depend on the listening address. Call before serving.
  void SetListeningUrl(const std::string& url);

  // Verifies signature (RS256, known kid), issuer, audience, expiry and revocation.
  // `unauthenticated` otherwise. Fast: results are cached until the token expires.
  Result<std::shared_ptr<const AuthContext>> VerifyIdToken(std::string_view token);
  std::string JwksJson() { return keys_->JwksJson(); }
  // The names of the OpenID Connect providers configured ("google", ...), in order.
  std::vector<std::string> ProviderNames() const {
    std::vector<std::string> names;
    for (const auto& p : config_.providers) names.push_back(p.name);
    return names;
  }

  void SignUp(std::string email, std::string password, std::string ip, std::string display_name,
              Callback<Session> done);
  void SignInWithPassword(std::string email, std::string password, std::string ip,
                          Callback<Session> done);
  void SignInAnonymously(std::string ip, Callback<Session> done);
  // Rotates `refresh_token`. Re-use of a rotated token revokes its whole family.
  void Refresh(std::string refresh_token, Callback<Session> done);
  void SignOut(std::string refresh_token, Callback<bool> done);

  void GetUser(std::string uid, Callback<User> done);
  void UpdateMe(std::shared_ptr<const AuthContext> caller, UserUpdate update,
                Callback<Session> done);
  void DeleteMe(std::shared_ptr<const AuthContext> caller, std::optional<std::string> password,
                Callback<bool> done);

  // Always succeeds for a well-formed email, whether or not an account has it.
  void SendPasswordReset(std::string email, std::string ip, Callback<bool> done);
  void ResetPassword(std::string code, std::string new_password, Callback<bool> done);
  void SendEmailVerification(std::shared_ptr<const AuthContext> caller, Callback<bool> done);
  void VerifyEmail(std::string code, Callback<User> done);

  // OAuth / OpenID Connect. Start and Callback answer the URL to redirect the browser to.
  void OAuthStart(std::string provider, std::string redirect, Callback<std::string> done);
  void OAuthCallback(std::string provider, std::vector<std::pair<std::string, std::string>> query,
                     Callback<std::string> done);
  void OAuthExchange(std::string code, Callback<Session> done);
  bool HasProvider(std::string_view name) const;

  // Administration (admin credential only).
  void ListUsers(std::string after_uid, size_t limit, Callback<std::vector<User>> done);
  void AdminGetUser(std::string uid_or_email, Callback<User> done);
  void AdminCreateUser(UserUpdate fields, Callback<User> done);
  void AdminUpdateUser(std::string uid, UserUpdate update, Callback<User> done);
  void AdminDeleteUser(std::string uid, Callback<bool> done);

 private:
  AuthService(storage::Engine& engine, AuthConfig config, std::unique_ptr<KeyStore> keys,
              bool shared_store);

  // Runs `work` (returning Result<T>) on `pool`; `resource-exhausted` when it is full.
  template <typename T, typename Work>
  void Submit(BlockingPool& pool, Callback<T> done, Work work);
  // Runs `fn` in a write transaction and waits for it to be durable.
  Status WriteAndWait(storage::Engine::WriteFn fn);
  Result<User> LoadUser(std::string_view uid);
  Result<std::string> MintIdToken(const User& user, std::string_view provider, int64_t auth_time);
  struct SessionStart {
    bool create = false;  // a new account, written as given; else the stored one is used
    std::optional<std::string> verified_hash;  // the hash the password was checked against
    std::optional<std::string> rehash;         // its replacement at the current cost
  };
  // Starts a session: ID token, a new refresh-token family, last sign-in time. An existing
  // account is re-read inside the write: refused if it was deleted, disabled or (with
  // `verified_hash`) given another password since the caller read it.
  Result<Session> StartSession(User user, std::string_view provider, const SessionStart& start);
  Result<Session> FinishSession(User user, std::string_view provider, int64_t auth_time,
                                std::string refresh_token);
  Result<std::string> NewOneTimeCode(std::string_view kind, std::string_view uid, std::string data,
                                     int64_t lifetime_seconds);
  // Takes (deletes) a one-time code; `not-found`-free: invalid codes are invalid-argument.
  Result<storage::TokenRecord> TakeOneTimeCode(std::string_view kind, std::string_view code);
  Status CheckRateLimit(RateLimiter& limiter, std::string_view key, std::string_view what);
  // Revokes `uid`'s ID tokens issued before `valid_after` on this node, after the write
  // that stored it committed.
  void Revoke(const std::string& uid, int64_t valid_after);
  // With a shared store (several nodes), records the revocation for the other nodes, inside
  // the write that revokes (meta "auth.revocations", entries kept as long as an ID token
  // lives). A no-op on a store of this node's own.
  Status ShareRevocation(storage::WriteTxn& txn, const std::string& uid, int64_t valid_after);
  // With a shared store, at most once a second: merges the other nodes' revocations.
  void CatchUpRevocations();
  Status SendMailOrLog(const std::string& to, const std::string& subject, const std::string& text,
                       const std::string& link);
  // Validates and hashes update.password (slow); nullopt when there is none.
  Result<std::optional<std::string>> HashNewPassword(const UserUpdate& update);
  // `new_hash`: HashNewPassword(update), computed before the write that applies it.
  Result<User> ApplyUpdate(User user, const UserUpdate& update, bool admin,
                           const std::optional<std::string>& new_hash);
  Result<std::string> OAuthCallbackSync(const std::string& provider,
                                        const std::vector<std::pair<std::string, std::string>>& q);
  Result<User> SignInWithIdentity(const OidcProviderConfig& provider, const OidcIdentity& id);
  std::string CallbackUrl(std::string_view provider) const;
  bool RedirectAllowed(std::string_view url) const;

  storage::Engine& engine_;
  AuthConfig config_;
  std::unique_ptr<KeyStore> keys_;
  PasswordHasher hasher_;
  std::string dummy_hash_;  // verified against for unknown emails, to equalise timing
  std::vector<std::unique_ptr<OidcProvider>> providers_;
  RateLimiter sign_in_ip_, sign_in_account_, sign_up_ip_, reset_ip_, reset_account_;

  std::shared_mutex revoked_mu_;
  std::unordered_map<std::string, int64_t> valid_after_;  // GUARDED_BY(revoked_mu_)
  const bool shared_store_;
  std::mutex shared_revocations_mu_;
  int64_t shared_revocations_checked_ = 0;  // GUARDED_BY(shared_revocations_mu_): monotonic
  std::string shared_revocations_text_;     // GUARDED_BY(shared_revocations_mu_)

  std::mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const AuthContext>> verified_;  // GUARDED_BY

  // Declared last: destroyed (drained) first, while everything they use still exists.
  std::unique_ptr<BlockingPool> work_pool_;
  std::unique_ptr<BlockingPool> hash_pool_;
};

}  // namespace hearth::auth
