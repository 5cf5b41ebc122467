// The v1 HTTP API: routes requests to endpoint handlers and enforces access.
//
// Every request's `Authorization: Bearer` credential is checked: the admin token, or an ID
// token (verified: signature, issuer, audience, expiry, revocation). A bad credential is
// 401 whatever the route. The document routes (/v1/documents, /v1/commit, /v1/query,
// /v1/transactions) take the admin credential, which bypasses security rules, or a
// signed-in user's ID token or no credential at all, which the project's rules decide on
// (security.h); /v1/admin/users needs the admin credential; /v1/auth/*, /healthz,
// /metrics and /.well-known/jwks.json are open.
#pragma once

#include <string>

#include "api/endpoints.h"
#include "api/security.h"
#include "auth/auth_service.h"
#include "db/database.h"
#include "http/message.h"
#include "http/metrics.h"

namespace hearth::api {

struct ApiOptions {
  std::string admin_token;  // REQUIRES: non-empty, high-entropy
  // The security rules in force; must outlive the handler. nullptr: no rules (end users
  // are denied every document request).
  const RulesHolder* rules = nullptr;
};

class ApiHandler final : public http::Handler {
 public:
  // `db`, `auth` and `metrics` must outlive the handler.
  ApiHandler(db::Database& db, auth::AuthService& auth, http::Metrics& metrics, ApiOptions options);
  void Handle(const http::Request& request, http::Responder respond) override;

  // Who sent the request; `unauthenticated` for a malformed or invalid credential. The
  // one check of credentials for every HTTP route (functions too).
  Result<Caller> Authenticate(const http::Request& request) const;

 private:
  db::Database& db_;
  auth::AuthService& auth_;
  http::Metrics& metrics_;
  ApiOptions options_;
};

}  // namespace hearth::api
