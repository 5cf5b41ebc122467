#include "api/api_handler.h"

#include "api/endpoints.h"
#include "base/strings.h"

namespace hearth::api {

using http::Response;

ApiHandler::ApiHandler(db::Database& db, http::Metrics& metrics, ApiOptions options)
    : db_(db), metrics_(metrics), options_(std::move(options)) {}

Status ApiHandler::Authenticate(const http::Request& request) const {
  std::string_view header = request.Header("Authorization");
  if (header.empty()) {
    return Unauthenticated("missing credentials: send 'Authorization: Bearer <admin token>'");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || !EqualsIgnoreCase(header.substr(0, 7), kBearer)) {
    return Unauthenticated("the Authorization header must be 'Bearer <token>'");
  }
  if (!ConstantTimeEquals(header.substr(kBearer.size()), options_.admin_token)) {
    return Unauthenticated("invalid credentials");
  }
  return Status::Ok();
}

void ApiHandler::Handle(const http::Request& request, http::Responder respond) {
  std::string_view path = request.path;
  // Routes that need the admin credential (until security rules open them to end users).
  auto authenticated = [&](const char* route) {
    Status s = Authenticate(request);
    if (s.ok()) return true;
    Response r = Response::Error(s);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    r.route = route;
    respond(std::move(r));
    return false;
  };
  constexpr std::string_view kDocuments = "/v1/documents";
  if (path.starts_with(kDocuments) &&
      (path.size() == kDocuments.size() || path[kDocuments.size()] == '/')) {
    if (!authenticated("documents.unauthenticated")) return;
    std::string_view rest = path.substr(kDocuments.size());
    if (!rest.empty()) rest.remove_prefix(1);
    return HandleDocuments(db_, request, rest, std::move(respond));
  }
  if (path == "/v1/commit") {
    if (!authenticated("commit.unauthenticated")) return;
    return HandleCommit(db_, request, std::move(respond));
  }
  constexpr std::string_view kTransactions = "/v1/transactions";
  if (path.starts_with(kTransactions) &&
      (path.size() == kTransactions.size() || path[kTransactions.size()] == '/')) {
    if (!authenticated("transactions.unauthenticated")) return;
    std::string_view id = path.substr(kTransactions.size());
    if (!id.empty()) id.remove_prefix(1);
    return HandleTransactions(db_, request, id, std::move(respond));
  }
  if (path == "/v1/query") {
    if (!authenticated("query.unauthenticated")) return;
    return HandleQuery(db_, request, std::move(respond));
  }
  if (path == "/healthz") return HandleHealth(db_, request, std::move(respond));
  if (path == "/metrics") return HandleMetrics(db_, metrics_, request, std::move(respond));
  Response r = Response::Error(
      404, Code::kNotFound,
      "no route for " + std::string(request.method_name) + " " + std::string(path.substr(0, 200)));
  r.route = "unmatched";
  respond(std::move(r));
}

}  // namespace hearth::api
