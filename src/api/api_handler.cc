#include "api/api_handler.h"

#include "api/endpoints.h"
#include "base/strings.h"

namespace hearth::api {

using http::Response;

Status RequireAdmin(const Caller& caller) {
  if (caller.admin) return Status::Ok();
  if (caller.user != nullptr) return PermissionDenied("this route needs the admin credential");
  return Unauthenticated("missing credentials: send 'Authorization: Bearer <token>'");
}

ApiHandler::ApiHandler(db::Database& db, auth::AuthService& auth, http::Metrics& metrics,
                       ApiOptions options)
    : db_(db), auth_(auth), metrics_(metrics), options_(std::move(options)) {}

Result<Caller> ApiHandler::Authenticate(const http::Request& request) const {
  std::string_view header = request.Header("Authorization");
  if (header.empty()) return Caller{};
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || !EqualsIgnoreCase(header.substr(0, 7), kBearer)) {
    return Unauthenticated("the Authorization header must be 'Bearer <token>'");
  }
  std::string_view token = header.substr(kBearer.size());
  if (ConstantTimeEquals(token, options_.admin_token)) return Caller{true, nullptr};
  ASSIGN_OR_RETURN(auto user, auth_.VerifyIdToken(token));
  return Caller{false, std::move(user)};
}

void ApiHandler::Handle(const http::Request& request, http::Responder respond) {
  std::string_view path = request.path;
  // Open routes, for load balancers and token verifiers: credentials are not looked at.
  if (path == "/healthz") return HandleHealth(db_, request, std::move(respond));
  if (path == "/metrics") return HandleMetrics(db_, metrics_, request, std::move(respond));
  if (path == "/.well-known/jwks.json") {
    if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
      return respond(MethodNotAllowed(request, "GET, HEAD", "jwks"));
    }
    Response r = Response::Json(200, auth_.JwksJson());
    r.headers.emplace_back("Cache-Control", "public, max-age=300");
    r.route = "jwks";
    return respond(std::move(r));
  }
  auto caller = Authenticate(request);
  auto reject = [&](const Status& s, const char* route) {
    Response r = Response::Error(s);
    if (s.code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    r.route = route;
    respond(std::move(r));
  };
  if (!caller.ok()) return reject(caller.status(), "unauthenticated");
  // Document routes: the admin bypasses the rules; anyone else is checked against the
  // ruleset in force now (a reload during the request does not change its answer).
  auto access = [&] {
    if (caller->admin) return Access::Admin();
    return Access::EndUser(options_.rules != nullptr ? options_.rules->Get() : nullptr,
                           caller->user.get());
  };
  constexpr std::string_view kAuth = "/v1/auth/";
  if (path.starts_with(kAuth)) {
    return HandleAuth(auth_, request, path.substr(kAuth.size()), *caller, std::move(respond));
  }
  if (auto uid = PathAfter(path, "/v1/admin/users")) {
    if (Status s = RequireAdmin(*caller); !s.ok()) return reject(s, "admin.unauthenticated");
    return HandleAdminUsers(auth_, request, *uid, std::move(respond));
  }
  if (auto rest = PathAfter(path, "/v1/documents")) {
    return HandleDocuments(db_, access(), request, *rest, std::move(respond));
  }
  if (path == "/v1/commit") return HandleCommit(db_, access(), request, std::move(respond));
  if (auto id = PathAfter(path, "/v1/transactions")) {
    // Beginning and rolling back read and write nothing; the rules check each read and
    // the commit.
    return HandleTransactions(db_, request, *id, std::move(respond));
  }
  if (path == "/v1/query") return HandleQuery(db_, access(), request, std::move(respond));
  Response r = Response::Error(
      404, Code::kNotFound,
      "no route for " + std::string(request.method_name) + " " + std::string(path.substr(0, 200)));
  r.route = "unmatched";
  respond(std::move(r));
}

}  // namespace hearth::api
