// The v1 HTTP API: routes requests to endpoint handlers and enforces access.
//
// Until security rules exist, every /v1/documents request must carry the admin
// credential (Authorization: Bearer <token>); /healthz and /metrics are open.
#pragma once

#include <string>

#include "db/database.h"
#include "http/message.h"
#include "http/metrics.h"

namespace hearth::api {

struct ApiOptions {
  std::string admin_token;  // REQUIRES: non-empty, high-entropy
};

class ApiHandler final : public http::Handler {
 public:
  // `db` and `metrics` must outlive the handler.
  ApiHandler(db::Database& db, http::Metrics& metrics, ApiOptions options);
  void Handle(const http::Request& request, http::Responder respond) override;

 private:
  // OK if the request carries the admin credential; `unauthenticated` otherwise.
  Status Authenticate(const http::Request& request) const;

  db::Database& db_;
  http::Metrics& metrics_;
  ApiOptions options_;
};

}  // namespace hearth::api
