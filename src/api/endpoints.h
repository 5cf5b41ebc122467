// Endpoint handlers of the v1 API, one file each. Internal to api/.
#pragma once

#include <string_view>

#include "db/database.h"
#include "http/message.h"
#include "http/metrics.h"

namespace hearth::api {

// /v1/documents/{path}: `path` is what follows the prefix, still percent-encoded.
void HandleDocuments(db::Database& db, const http::Request& request, std::string_view path,
                     http::Responder respond);

// POST /v1/commit: an atomic batch of up to 500 writes.
void HandleCommit(db::Database& db, const http::Request& request, http::Responder respond);

// POST /v1/query: a structured query, or aggregations over one.
void HandleQuery(db::Database& db, const http::Request& request, http::Responder respond);

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
