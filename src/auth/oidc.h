// OpenID Connect sign-in (authorization code flow with PKCE) against one provider.
// Discovery and the provider's JWKS are fetched on first use and cached; an unknown `kid`
// refetches the JWKS (at most once a minute), so provider key rotation just works.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/crypto.h"
#include "base/status.h"

namespace hearth::auth {

struct OidcProviderConfig {
  std::string name;    // "google", or the key under auth.providers in hearth.json
  std::string issuer;  // https://accounts.google.com; http only for loopback issuers
  std::string client_id;
  std::string client_secret;
  std::string scopes = "openid email profile";
};

// Who the provider says signed in, from its verified ID token.
struct OidcIdentity {
  std::string subject;
  std::string email;
  bool email_verified = false;
  std::string name;
  std::string picture;
};

class OidcProvider {
 public:
  explicit OidcProvider(OidcProviderConfig config) : config_(std::move(config)) {}
  const OidcProviderConfig& config() const { return config_; }

  // Blocking (may fetch discovery). The URL to send the browser to.
  Result<std::string> AuthorizationUrl(const std::string& redirect_uri, const std::string& state,
                                       const std::string& nonce, const std::string& code_challenge);
  // Blocking. Exchanges `code` at the token endpoint (client_secret_post) and verifies the
  // returned ID token: RS256 with a key of the provider's JWKS, issuer, audience (and azp),
  // expiry, and `expected_nonce`. Failures are `unauthenticated` or `unavailable`.
  Result<OidcIdentity> ExchangeCode(const std::string& code, const std::string& redirect_uri,
                                    const std::string& code_verifier,
                                    const std::string& expected_nonce);

 private:
  struct Discovery {
    std::string issuer, authorization_endpoint, token_endpoint, jwks_uri;
  };
  Result<Discovery> GetDiscovery();
  Result<std::shared_ptr<const RsaKey>> KeyFor(const std::string& kid);
  Result<OidcIdentity> VerifyIdToken(const std::string& token, const Discovery& d,
                                     const std::string& expected_nonce);

  const OidcProviderConfig config_;
  std::mutex mu_;
  std::unique_ptr<Discovery> discovery_;                       // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<const RsaKey>> keys_;  // GUARDED_BY(mu_)
  int64_t keys_fetched_at_ = 0;                                // GUARDED_BY(mu_)
};

// "https://..." or a loopback "http://127.0.0.1..." / "http://localhost...".
bool IsAllowedIssuerUrl(std::string_view url);

}  // namespace hearth::auth
