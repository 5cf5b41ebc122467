#include "auth/oidc.h"

#include "auth/fetch.h"
#include "auth/jwt.h"
#include "base/clock.h"
#include "base/strings.h"
#include "model/json_view.h"

namespace hearth::auth {
namespace {

constexpr int64_t kClockSkewSeconds = 60;
constexpr int64_t kJwksRefetchMicros = 60'000'000;

std::string FormEncode(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
  }
  return out;
}

std::string StringMember(const model::JsonView& v, std::string_view key) {
  auto m = v.Get(key);
  return m && m->is_string() ? std::string(m->AsString()) : "";
}

Result<model::JsonDocument> FetchJson(const std::string& url) {
  FetchRequest req;
  req.url = url;
  req.headers.emplace_back("Accept", "application/json");
  ASSIGN_OR_RETURN(FetchResponse res, Fetch(req));
  if (res.status != 200) {
    return Unavailable("GET " + url + " answered HTTP " + std::to_string(res.status));
  }
  auto doc = model::JsonDocument::Parse(res.body);
  if (!doc.ok() || !doc->root().is_object()) {
    return Unavailable("GET " + url + " did not answer a JSON object");
  }
  return doc;
}

}  // namespace

bool IsAllowedIssuerUrl(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://127.0.0.1") ||
         url.starts_with("http://localhost") || url.starts_with("http://[::1]");
}

Result<OidcProvider::Discovery> OidcProvider::GetDiscovery() {
  {
    std::lock_guard lock(mu_);
    if (discovery_) return *discovery_;
  }
  std::string issuer = config_.issuer;
  while (issuer.ends_with('/')) issuer.pop_back();
  ASSIGN_OR_RETURN(auto doc, FetchJson(issuer + "/.well-known/openid-configuration"));
  Discovery d;
  d.issuer = StringMember(doc.root(), "issuer");
  d.authorization_endpoint = StringMember(doc.root(), "authorization_endpoint");
  d.token_endpoint = StringMember(doc.root(), "token_endpoint");
  d.jwks_uri = StringMember(doc.root(), "jwks_uri");
  std::string configured = config_.issuer;
  while (configured.ends_with('/')) configured.pop_back();
  std::string announced = d.issuer;
  while (announced.ends_with('/')) announced.pop_back();
  if (announced != configured) {
    return Unavailable("provider " + config_.name + ": discovery names issuer '" + d.issuer +
                       "', not the configured '" + config_.issuer + "'");
  }
  for (const std::string* url : {&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri}) {
    if (!IsAllowedIssuerUrl(*url)) {
      return Unavailable("provider " + config_.name +
                         ": discovery lacks an https authorization, token or jwks endpoint");
    }
  }
  std::lock_guard lock(mu_);
  discovery_ = std::make_unique<Discovery>(d);
  return d;
}

Result<std::string> OidcProvider::AuthorizationUrl(const std::string& redirect_uri,
                                                   const std::string& state,
                                                   const std::string& nonce,
                                                   const std::string& code_challenge) {
  ASSIGN_OR_RETURN(Discovery d, GetDiscovery());
  std::string url = d.authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += FormEncode({{"response_type", "code"},
                     {"client_id", config_.client_id},
                     {"redirect_uri", redirect_uri},
                     {"scope", config_.scopes},
                     {"state", state},
                     {"nonce", nonce},
                     {"code_challenge", code_challenge},
                     {"code_challenge_method", "S256"}});
  return url;
}

Result<std::shared_ptr<const RsaKey>> OidcProvider::KeyFor(const std::string& kid) {
  ASSIGN_OR_RETURN(Discovery d, GetDiscovery());
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(kid);
    if (it != keys_.end()) return it->second;
    if (keys_fetched_at_ != 0 && MonotonicMicros() - keys_fetched_at_ < kJwksRefetchMicros) {
      return Unauthenticated("the provider's token names an unknown key");
    }
  }
  ASSIGN_OR_RETURN(auto doc, FetchJson(d.jwks_uri));
  std::map<std::string, std::shared_ptr<const RsaKey>> keys;
  if (auto list = doc.root().Get("keys"); list && list->is_array()) {
    for (const auto& jwk : list->Elements()) {
      if (StringMember(jwk, "kty") != "RSA") continue;
      std::string use = StringMember(jwk, "use");
      if (!use.empty() && use != "sig") continue;
      auto key = RsaKey::FromJwk(StringMember(jwk, "n"), StringMember(jwk, "e"));
      if (key.ok()) keys.emplace(StringMember(jwk, "kid"), std::move(*key));
    }
  }
  std::lock_guard lock(mu_);
  keys_ = std::move(keys);
  keys_fetched_at_ = MonotonicMicros();
  auto it = keys_.find(kid);
  if (it == keys_.end()) return Unauthenticated("the provider's token names an unknown key");
  return it->second;
}

Result<OidcIdentity> OidcProvider::VerifyIdToken(const std::string& token, const Discovery& d,
                                                 const std::string& expected_nonce) {
  ASSIGN_OR_RETURN(DecodedJwt jwt, DecodeJwt(token));
  if (jwt.alg != "RS256") {
    return Unauthenticated("the provider's ID token is not signed RS256 (alg " + jwt.alg + ")");
  }
  ASSIGN_OR_RETURN(auto key, KeyFor(jwt.kid));
  if (!key->VerifyRs256(jwt.signing_input, jwt.signature)) {
    return Unauthenticated("the provider's ID token has a bad signature");
  }
  auto doc = model::JsonDocument::Parse(jwt.payload);
  if (!doc.ok()) return Unauthenticated("the provider's ID token payload is not JSON");
  const model::JsonView claims = doc->root();
  auto iss = StringMember(claims, "iss");
  bool issuer_ok = iss == d.issuer || (config_.name == "google" && iss == "accounts.google.com");
  if (!issuer_ok) return Unauthenticated("the provider's ID token has the wrong issuer");
  bool audience_ok = false;
  if (auto aud = claims.Get("aud")) {
    if (aud->is_string()) audience_ok = aud->AsString() == config_.client_id;
    if (aud->is_array()) {
      for (const auto& a : aud->Elements()) {
        if (a.is_string() && a.AsString() == config_.client_id) audience_ok = true;
      }
      std::string azp = StringMember(claims, "azp");
      if (!azp.empty() && azp != config_.client_id) audience_ok = false;
    }
  }
  if (!audience_ok) return Unauthenticated("the provider's ID token is for another client");
  int64_t now = SystemClock().NowMicros() / 1'000'000;
  auto exp = claims.Get("exp");
  if (!exp || exp->kind() != model::JsonView::Kind::kInteger ||
      exp->AsInteger() + kClockSkewSeconds < now) {
    return Unauthenticated("the provider's ID token has expired");
  }
  if (auto iat = claims.Get("iat"); iat && iat->kind() == model::JsonView::Kind::kInteger &&
                                    iat->AsInteger() > now + kClockSkewSeconds) {
    return Unauthenticated("the provider's ID token was issued in the future");
  }
  if (!ConstantTimeEquals(StringMember(claims, "nonce"), expected_nonce)) {
    return Unauthenticated("the provider's ID token does not carry this sign-in's nonce");
  }
  OidcIdentity id;
  id.subject = StringMember(claims, "sub");
  if (id.subject.empty()) return Unauthenticated("the provider's ID token has no subject");
  id.email = StringMember(claims, "email");
  if (auto v = claims.Get("email_verified")) {
    id.email_verified = (v->kind() == model::JsonView::Kind::kBool && v->AsBool()) ||
                        (v->is_string() && v->AsString() == "true");
  }
  id.name = StringMember(claims, "name");
  id.picture = StringMember(claims, "picture");
  return id;
}

Result<OidcIdentity> OidcProvider::ExchangeCode(const std::string& code,
                                                const std::string& redirect_uri,
                                                const std::string& code_verifier,
                                                const std::string& expected_nonce) {
  ASSIGN_OR_RETURN(Discovery d, GetDiscovery());
  FetchRequest req;
  req.method = "POST";
  req.url = d.token_endpoint;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Accept", "application/json");
  req.body = FormEncode({{"grant_type", "authorization_code"},
                         {"code", code},
                         {"redirect_uri", redirect_uri},
                         {"client_id", config_.client_id},
                         {"client_secret", config_.client_secret},
                         {"code_verifier", code_verifier}});
  ASSIGN_OR_RETURN(FetchResponse res, Fetch(req));
  auto doc = model::JsonDocument::Parse(res.body);
  if (res.status != 200) {
    std::string why =
        doc.ok() && doc->root().is_object() ? StringMember(doc->root(), "error") : std::string();
    return Unauthenticated("provider " + config_.name + " refused the code exchange (HTTP " +
                           std::to_string(res.status) + (why.empty() ? "" : ", " + why) + ")");
  }
  if (!doc.ok() || !doc->root().is_object()) {
    return Unavailable("provider " + config_.name + "'s token endpoint did not answer JSON");
  }
  std::string id_token = StringMember(doc->root(), "id_token");
  if (id_token.empty()) return Unauthenticated("the provider returned no ID token");
  return VerifyIdToken(id_token, d, expected_nonce);
}

}  // namespace hearth::auth
