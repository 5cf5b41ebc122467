// /v1/auth/* (accounts and sessions), /v1/admin/users (administration) and
// /.well-known/jwks.json. docs/api.md, "Authentication".
#include <charconv>

#include "api/endpoints.h"
#include "base/strings.h"
#include "model/json.h"
#include "model/json_view.h"

namespace hearth::api {
namespace {

using auth::AuthService;
using auth::Session;
using auth::User;
using http::Method;
using http::Request;
using http::Response;
using model::JsonView;

// Answers `respond` with route label `route`; shareable, as callbacks are copied.
struct Reply {
  std::shared_ptr<http::Responder> respond;
  std::string route;

  void operator()(Response r) const {
    r.route = route;
    (*respond)(std::move(r));
  }
  void Error(const Status& s) const {
    Response r = Response::Error(s);
    if (s.code() == Code::kResourceExhausted) {
      // "... retry in 12 s ...": the rate limiter's wait, else a second.
      std::string_view m = s.message();
      size_t at = m.find("retry in ");
      int64_t seconds = 1;
      if (at != std::string_view::npos) {
        std::string_view digits = m.substr(at + 9);
        std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
      }
      r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, seconds)));
    }
    if (s.code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    (*this)(std::move(r));
  }
};

std::string UserJson(const User& user) {
  std::string out;
  auth::AppendUserJson(out, user);
  return out;
}

std::string SessionJson(const Session& s, bool with_user) {
  std::string out = "{";
  if (with_user) {
    out += R"("user":)";
    auth::AppendUserJson(out, s.user);
    out += ',';
  }
  out += R"("idToken":)";
  model::AppendJsonString(out, s.id_token);
  out += R"(,"refreshToken":)";
  model::AppendJsonString(out, s.refresh_token);
  out += R"(,"expiresIn":)" + std::to_string(s.expires_in) + "}";
  return out;
}

// The request body as a JSON object whose keys are all in `allowed`.
Result<model::JsonDocument> Body(const Request& request,
                                 std::initializer_list<std::string_view> allowed) {
  if (request.body.empty()) return InvalidArgument("a JSON object body is required");
  ASSIGN_OR_RETURN(auto doc, model::JsonDocument::Parse(request.body));
  if (!doc.root().is_object()) return InvalidArgument("the body must be a JSON object");
  RETURN_IF_ERROR(doc.root().CheckKeys("body", allowed));
  return doc;
}

// A string member; `required` makes its absence an error.
Result<std::optional<std::string>> StringField(const JsonView& body, std::string_view name,
                                               bool required) {
  auto v = body.Get(name);
  if (!v || v->kind() == JsonView::Kind::kNull) {
    if (required) return InvalidArgument("\"" + std::string(name) + "\" is required");
    return std::optional<std::string>();
  }
  if (!v->is_string()) return InvalidArgument("\"" + std::string(name) + "\" must be a string");
  return std::optional<std::string>(std::string(v->AsString()));
}

Result<std::string> RequiredString(const JsonView& body, std::string_view name) {
  auto v = body.Get(name);
  if (!v || v->kind() == JsonView::Kind::kNull) {
    return InvalidArgument("\"" + std::string(name) + "\" is required");
  }
  if (!v->is_string()) return InvalidArgument("\"" + std::string(name) + "\" must be a string");
  return std::string(v->AsString());
}

Result<std::optional<bool>> BoolField(const JsonView& body, std::string_view name) {
  auto v = body.Get(name);
  if (!v) return std::optional<bool>();
  if (v->kind() != JsonView::Kind::kBool) {
    return InvalidArgument("\"" + std::string(name) + "\" must be true or false");
  }
  return std::optional<bool>(v->AsBool());
}

// The fields of a user update. `admin` admits disabled, emailVerified and customClaims.
Result<auth::UserUpdate> ParseUserUpdate(const Request& request, bool admin) {
  auto doc =
      admin ? Body(request, {"email", "password", "displayName", "photoURL", "disabled",
                             "emailVerified", "customClaims"})
            : Body(request, {"email", "password", "displayName", "photoURL", "currentPassword"});
  if (!doc.ok()) return doc.status();
  const JsonView body = doc->root();
  auth::UserUpdate u;
  ASSIGN_OR_RETURN(u.email, StringField(body, "email", false));
  ASSIGN_OR_RETURN(u.password, StringField(body, "password", false));
  ASSIGN_OR_RETURN(u.display_name, StringField(body, "displayName", false));
  ASSIGN_OR_RETURN(u.photo_url, StringField(body, "photoURL", false));
  if (!admin) {
    ASSIGN_OR_RETURN(u.current_password, StringField(body, "currentPassword", false));
    return u;
  }
  ASSIGN_OR_RETURN(u.disabled, BoolField(body, "disabled"));
  ASSIGN_OR_RETURN(u.email_verified, BoolField(body, "emailVerified"));
  if (auto claims = body.Get("customClaims")) {
    if (!claims->is_object()) return InvalidArgument("\"customClaims\" must be an object");
    ASSIGN_OR_RETURN(model::Value v, claims->ToValue());
    u.custom_claims = std::move(v.map_value());
  }
  return u;
}

template <typename T, typename Render>
AuthService::Callback<T> Answer(Reply reply, Render render) {
  return [reply, render](Result<T> result) {
    if (!result.ok()) return reply.Error(result.status());
    reply(Response::Json(200, render(*result)));
  };
}

AuthService::Callback<Session> AnswerSession(Reply reply) {
  return Answer<Session>(reply, [](const Session& s) { return SessionJson(s, true); });
}

AuthService::Callback<bool> AnswerEmpty(Reply reply) {
  return Answer<bool>(reply, [](bool) { return std::string("{}"); });
}

// A browser redirect (302) to `location`.
AuthService::Callback<std::string> AnswerRedirect(Reply reply) {
  return [reply](Result<std::string> location) {
    if (!location.ok()) return reply.Error(location.status());
    Response r;
    r.status = 302;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", *location);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = "redirecting\n";
    reply(std::move(r));
  };
}

// The endpoints that need the caller's ID token.
void HandleSignedIn(AuthService& auth, const Request& request, std::string_view endpoint,
                    const Caller& caller, Reply reply) {
  if (caller.user == nullptr) {
    return reply.Error(Unauthenticated(
        caller.admin ? "this endpoint acts for a signed-in user: send their ID token"
                     : "sign in first: send 'Authorization: Bearer <ID token>'"));
  }
  auto user = caller.user;
  if (endpoint == "me") {
    switch (request.method) {
      case Method::kGet:
      case Method::kHead:
        return auth.GetUser(user->uid, Answer<User>(reply, UserJson));
      case Method::kPatch: {
        auto update = ParseUserUpdate(request, false);
        if (!update.ok()) return reply.Error(update.status());
        return auth.UpdateMe(user, std::move(*update), Answer<Session>(reply, [](const Session& s) {
                               if (s.refresh_token.empty()) {
                                 return std::string(R"({"user":)") + UserJson(s.user) + "}";
                               }
                               return SessionJson(s, true);
                             }));
      }
      case Method::kDelete:
        return auth.DeleteMe(user, std::nullopt, AnswerEmpty(reply));
      default:
        return reply(MethodNotAllowed(request, "GET, HEAD, PATCH, DELETE", reply.route));
    }
  }
  if (request.method != Method::kPost) {
    return reply(MethodNotAllowed(request, "POST", reply.route));
  }
  if (endpoint == "delete") {
    std::optional<std::string> password;
    if (!request.body.empty()) {
      auto doc = Body(request, {"password"});
      if (!doc.ok()) return reply.Error(doc.status());
      auto p = StringField(doc->root(), "password", false);
      if (!p.ok()) return reply.Error(p.status());
      password = std::move(*p);
    }
    return auth.DeleteMe(user, std::move(password), AnswerEmpty(reply));
  }
  // sendEmailVerification
  return auth.SendEmailVerification(user, AnswerEmpty(reply));
}

// GET /v1/auth/oauth/{provider}/start|callback, POST /v1/auth/oauth/exchange.
void HandleOAuth(AuthService& auth, const Request& request, std::string_view rest, Reply reply) {
  if (rest == "exchange") {
    if (request.method != Method::kPost) {
      return reply(MethodNotAllowed(request, "POST", reply.route));
    }
    auto doc = Body(request, {"code"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto code = RequiredString(doc->root(), "code");
    if (!code.ok()) return reply.Error(code.status());
    return auth.OAuthExchange(std::move(*code), AnswerSession(reply));
  }
  size_t slash = rest.find('/');
  std::string_view provider = rest.substr(0, slash);
  std::string_view step = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (provider.empty() || (step != "start" && step != "callback")) {
    return reply.Error(NotFound("no route for " + std::string(request.path.substr(0, 200))));
  }
  if (request.method != Method::kGet) {
    return reply(MethodNotAllowed(request, "GET", reply.route));
  }
  auto query = ParseQueryString(request.query);
  if (!query) return reply.Error(InvalidArgument("the query string is malformed"));
  if (step == "start") {
    std::string redirect;
    for (const auto& [k, v] : *query) {
      if (k == "redirect") redirect = v;
    }
    if (redirect.empty()) {
      return reply.Error(InvalidArgument("?redirect= (where to return after sign-in) is required"));
    }
    return auth.OAuthStart(std::string(provider), std::move(redirect), AnswerRedirect(reply));
  }
  auth.OAuthCallback(std::string(provider), std::move(*query), AnswerRedirect(reply));
}

}  // namespace

void HandleAuth(AuthService& auth, const Request& request, std::string_view endpoint,
                const Caller& caller, http::Responder respond) {
  Reply reply{std::make_shared<http::Responder>(std::move(respond)),
              "auth." + std::string(endpoint.substr(0, endpoint.find('/')))};
  if (endpoint == "me" || endpoint == "delete" || endpoint == "sendEmailVerification") {
    return HandleSignedIn(auth, request, endpoint, caller, reply);
  }
  if (endpoint.starts_with("oauth/")) return HandleOAuth(auth, request, endpoint.substr(6), reply);
  if (endpoint == "providers") {
    // What a sign-in page may offer: the configured OpenID Connect providers.
    if (request.method != Method::kGet && request.method != Method::kHead) {
      return reply(MethodNotAllowed(request, "GET, HEAD", reply.route));
    }
    std::string json = R"({"password":true,"anonymous":true,"providers":[)";
    auto names = auth.ProviderNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) json += ',';
      json += R"({"name":)";
      model::AppendJsonString(json, names[i]);
      json += '}';
    }
    return reply(http::Response::Json(200, json + "]}"));
  }
  if (request.method != Method::kPost &&
      (endpoint == "signUp" || endpoint == "signInWithPassword" ||
       endpoint == "signInAnonymously" || endpoint == "token" || endpoint == "signOut" ||
       endpoint == "sendPasswordReset" || endpoint == "resetPassword" ||
       endpoint == "verifyEmail")) {
    return reply(MethodNotAllowed(request, "POST", reply.route));
  }
  std::string ip(request.remote_address);
  if (endpoint == "signUp" || endpoint == "signInWithPassword") {
    auto doc = endpoint == "signUp" ? Body(request, {"email", "password", "displayName"})
                                    : Body(request, {"email", "password"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto email = RequiredString(doc->root(), "email");
    if (!email.ok()) return reply.Error(email.status());
    auto password = RequiredString(doc->root(), "password");
    if (!password.ok()) return reply.Error(password.status());
    if (endpoint == "signInWithPassword") {
      return auth.SignInWithPassword(std::move(*email), std::move(*password), std::move(ip),
                                     AnswerSession(reply));
    }
    auto name = StringField(doc->root(), "displayName", false);
    if (!name.ok()) return reply.Error(name.status());
    return auth.SignUp(std::move(*email), std::move(*password), std::move(ip), name->value_or(""),
                       AnswerSession(reply));
  }
  if (endpoint == "signInAnonymously") {
    if (!request.body.empty()) {
      if (auto doc = Body(request, {}); !doc.ok()) return reply.Error(doc.status());
    }
    return auth.SignInAnonymously(std::move(ip), AnswerSession(reply));
  }
  if (endpoint == "token" || endpoint == "signOut") {
    auto doc = Body(request, {"refreshToken"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto token = RequiredString(doc->root(), "refreshToken");
    if (!token.ok()) return reply.Error(token.status());
    if (endpoint == "signOut") return auth.SignOut(std::move(*token), AnswerEmpty(reply));
    return auth.Refresh(std::move(*token), Answer<Session>(reply, [](const Session& s) {
                          return SessionJson(s, false);
                        }));
  }
  if (endpoint == "sendPasswordReset") {
    auto doc = Body(request, {"email"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto email = RequiredString(doc->root(), "email");
    if (!email.ok()) return reply.Error(email.status());
    return auth.SendPasswordReset(std::move(*email), std::move(ip), AnswerEmpty(reply));
  }
  if (endpoint == "resetPassword") {
    auto doc = Body(request, {"code", "newPassword"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto code = RequiredString(doc->root(), "code");
    if (!code.ok()) return reply.Error(code.status());
    auto password = RequiredString(doc->root(), "newPassword");
    if (!password.ok()) return reply.Error(password.status());
    return auth.ResetPassword(std::move(*code), std::move(*password), AnswerEmpty(reply));
  }
  if (endpoint == "verifyEmail") {
    auto doc = Body(request, {"code"});
    if (!doc.ok()) return reply.Error(doc.status());
    auto code = RequiredString(doc->root(), "code");
    if (!code.ok()) return reply.Error(code.status());
    return auth.VerifyEmail(std::move(*code), Answer<User>(reply, [](const User& u) {
                              return std::string(R"({"user":)") + UserJson(u) + "}";
                            }));
  }
  reply.route = "auth.unmatched";
  reply.Error(NotFound("no auth endpoint '" + std::string(endpoint.substr(0, 100)) + "'"));
}

void HandleAdminUsers(AuthService& auth, const Request& request, std::string_view uid,
                      http::Responder respond) {
  Reply reply{std::make_shared<http::Responder>(std::move(respond)), "admin.users"};
  if (uid.empty()) {
    if (request.method == Method::kPost) {
      auto fields = ParseUserUpdate(request, true);
      if (!fields.ok()) return reply.Error(fields.status());
      return auth.AdminCreateUser(std::move(*fields), [reply](Result<User> user) {
        if (!user.ok()) return reply.Error(user.status());
        reply(Response::Json(201, UserJson(*user)));
      });
    }
    if (request.method != Method::kGet && request.method != Method::kHead) {
      return reply(MethodNotAllowed(request, "GET, HEAD, POST", reply.route));
    }
    auto query = ParseQueryString(request.query);
    if (!query) return reply.Error(InvalidArgument("the query string is malformed"));
    std::string after, email;
    size_t limit = 100;
    for (const auto& [k, v] : *query) {
      if (k == "pageToken") {
        after = v;
      } else if (k == "email") {
        email = v;
      } else if (k == "limit") {
        size_t n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 1000) {
          return reply.Error(InvalidArgument("limit must be an integer from 1 to 1000"));
        }
        limit = n;
      } else {
        return reply.Error(InvalidArgument("unknown query parameter '" + k.substr(0, 50) +
                                           "'; expected pageToken, limit or email"));
      }
    }
    if (!email.empty()) return auth.AdminGetUser(std::move(email), Answer<User>(reply, UserJson));
    return auth.ListUsers(after, limit,
                          Answer<std::vector<User>>(reply, [limit](const auto& users) {
                            std::string out = R"({"users":[)";
                            for (size_t i = 0; i < users.size(); ++i) {
                              if (i > 0) out += ',';
                              auth::AppendUserJson(out, users[i]);
                            }
                            out += ']';
                            if (users.size() == limit) {
                              out += R"(,"nextPageToken":)";
                              model::AppendJsonString(out, users.back().uid);
                            }
                            return out + "}";
                          }));
  }
  auto decoded = PercentDecode(uid);
  if (!decoded || decoded->empty() || decoded->size() > 128) {
    return reply.Error(InvalidArgument("the user id in the path is malformed"));
  }
  switch (request.method) {
    case Method::kGet:
    case Method::kHead:
      return auth.AdminGetUser(std::move(*decoded), Answer<User>(reply, UserJson));
    case Method::kPatch: {
      auto update = ParseUserUpdate(request, true);
      if (!update.ok()) return reply.Error(update.status());
      return auth.AdminUpdateUser(std::move(*decoded), std::move(*update),
                                  Answer<User>(reply, UserJson));
    }
    case Method::kDelete:
      return auth.AdminDeleteUser(std::move(*decoded), AnswerEmpty(reply));
    default:
      return reply(MethodNotAllowed(request, "GET, HEAD, PATCH, DELETE", reply.route));
  }
}

}  // namespace hearth::api
