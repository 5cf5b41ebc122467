// Endpoint handlers of the v1 API, one file each. Internal to api/.
#pragma once

#include <memory>
#include <string_view>

#include "api/security.h"
#include "auth/auth_service.h"
#include "db/database.h"
#include "http/message.h"
#include "http/metrics.h"

namespace hearth::api {

// Who sent a request: the admin credential, a signed-in user (a verified ID token), or
// nobody (both unset).
struct Caller {
  bool admin = false;
  std::shared_ptr<const auth::AuthContext> user;
};

// Routes for the admin credential only: ok for the admin; `permission-denied` for a
// signed-in user; `unauthenticated` for nobody.
Status RequireAdmin(const Caller& caller);

// /v1/auth/{endpoint}: `endpoint` is what follows the prefix ("signUp", "oauth/google/start").
void HandleAuth(auth::AuthService& auth, const http::Request& request, std::string_view endpoint,
                const Caller& caller, http::Responder respond);
// /v1/admin/users[/{uid}] (admin credential only): `uid` is empty for the collection.
void HandleAdminUsers(auth::AuthService& auth, const http::Request& request, std::string_view uid,
                      http::Responder respond);

// The document endpoints check `access` (security.h) before they answer.

// /v1/documents/{path}: `path` is what follows the prefix, still percent-encoded.
void HandleDocuments(db::Database& db, std::shared_ptr<const Access> access,
                     const http::Request& request, std::string_view path, http::Responder respond);

// POST /v1/commit: an atomic batch of up to 500 writes.
void HandleCommit(db::Database& db, std::shared_ptr<const Access> access,
                  const http::Request& request, http::Responder respond);

// POST /v1/query: a structured query, or aggregations over one.
void HandleQuery(db::Database& db, std::shared_ptr<const Access> access,
                 const http::Request& request, http::Responder respond);

// POST /v1/transactions (begin; body {} or {"readOnly": true}), DELETE
// /v1/transactions/{id} (roll back). `id` is empty for the collection route.
void HandleTransactions(db::Database& db, const http::Request& request, std::string_view id,
                        http::Responder respond);

// GET /healthz
void HandleHealth(db::Database& db, const http::Request& request, http::Responder respond);
// GET /metrics
void HandleMetrics(db::Database& db, const http::Metrics& metrics, const http::Request& request,
                   http::Responder respond);

// 405 with an Allow header.
http::Response MethodNotAllowed(const http::Request& request, std::string_view allow,
                                std::string route);

}  // namespace hearth::api
