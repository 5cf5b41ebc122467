#include "app/front_handler.h"

#include <algorithm>
#include <functional>
#include <thread>

#include "auth/crypto.h"
#include "base/strings.h"
#include "model/json.h"

namespace hearth::app {

using http::Response;

namespace {

// req.auth of a function: null, {"uid": ..., "token": {claims}}, or {"admin": true}.
std::string AuthJson(const api::Caller& caller) {
  if (caller.admin) return R"({"uid":null,"admin":true,"token":{}})";
  if (caller.user == nullptr) return "null";
  std::string json = R"({"uid":)";
  model::AppendJsonString(json, caller.user->uid);
  json += R"(,"admin":false,"token":)";
  model::AppendMapJson(json, caller.user->token);
  json += '}';
  return json;
}

}  // namespace

FrontHandler::FrontHandler(api::ApiHandler& api, FrontOptions options)
    : api_(api), options_(options) {
  if (!options_.sdk_js.empty()) {
    sdk_etag_ = "\"" + auth::Sha256Hex(options_.sdk_js).substr(0, 32) + "\"";
  }
}

void FrontHandler::Handle(const http::Request& request, http::Responder respond) {
  std::string_view path = request.path;
  if (path == "/v1/admin/triggers/dead-letters" && options_.triggers != nullptr) {
    return DeadLetters(request, std::move(respond));
  }
  if (path == "/v1/admin/cluster" && options_.cluster != nullptr) {
    return Cluster(request, std::move(respond));
  }
  if (PathAfter(path, "/v1") || path == "/healthz" || path == "/metrics" ||
      path.starts_with("/.well-known/")) {
    return api_.Handle(request, std::move(respond));
  }
  // A credential is verified on every route, static ones too: a bad one is 401 whatever
  // the path (functions check it in Invoke).
  auto function_path = PathAfter(path, "/api");
  if (!function_path && !request.Header("Authorization").empty()) {
    if (auto caller = api_.Authenticate(request); !caller.ok()) {
      Response r = Response::Error(caller.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      r.route = "unauthenticated";
      return respond(std::move(r));
    }
  }
  if (path == "/__/hearth/sdk.js" && !options_.sdk_js.empty()) return respond(Sdk(request));
  if (function_path && options_.router != nullptr) {
    auto route = options_.router->Match(*function_path);
    if (!route) {
      Response r = Response::Error(404, Code::kNotFound,
                                   "no function answers " + std::string(path.substr(0, 200)));
      r.route = "functions.unmatched";
      return respond(std::move(r));
    }
    return Invoke(request, *route, std::move(respond));
  }
  if (options_.site == nullptr) {
    Response r = Response::Error(404, Code::kNotFound,
                                 "no route for " + std::string(request.method_name) + " " +
                                     std::string(path.substr(0, 200)));
    return respond(std::move(r));
  }
  auto served = options_.site->Serve(request);
  if (auto* response = std::get_if<Response>(&served)) return respond(std::move(*response));
  const std::string& name = std::get<hosting::FunctionRewrite>(served).function;
  std::optional<functions::Route> route;
  if (options_.router != nullptr) route = options_.router->Match(name);
  if (!route) {
    Response r = Response::Error(404, Code::kNotFound,
                                 "firebase.json rewrites this path to function '" + name +
                                     "', but api/ has no such function");
    r.route = "functions.unmatched";
    return respond(std::move(r));
  }
  Invoke(request, *route, std::move(respond));
}

void FrontHandler::Invoke(const http::Request& request, const functions::Route& route,
                          http::Responder respond) {
  auto caller = api_.Authenticate(request);
  if (!caller.ok()) {
    Response r = Response::Error(caller.status());
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    r.route = "functions.unauthenticated";
    return respond(std::move(r));
  }
  if (options_.pool == nullptr) {
    return respond(Response::Error(503, Code::kUnavailable, "functions are not enabled"));
  }
  functions::Invocation call;
  call.name = route.name;
  call.file = route.file;
  call.generation = route.generation;
  call.method = std::string(request.method_name);
  call.url = std::string(request.target);
  for (auto [name, value] : request.Headers()) {
    call.headers.emplace_back(std::string(name), std::string(value));
  }
  call.body = std::string(request.body);
  call.auth_json = AuthJson(*caller);
  call.params = route.params;
  options_.pool->Invoke(std::move(call), std::move(respond));
}

void FrontHandler::AdminRoute(const http::Request& request, http::Responder respond,
                              const char* route, std::initializer_list<http::Method> methods,
                              std::string_view allow, std::function<Response()> work) {
  auto caller = api_.Authenticate(request);
  Status denied = caller.ok() ? api::RequireAdmin(*caller) : caller.status();
  if (!denied.ok()) {
    Response r = Response::Error(denied);
    r.route = route;
    return respond(std::move(r));
  }
  if (std::find(methods.begin(), methods.end(), request.method) == methods.end()) {
    Response r = Response::Error(405, Code::kInvalidArgument, "use " + std::string(allow));
    r.headers.emplace_back("Allow", std::string(allow));
    r.route = route;
    return respond(std::move(r));
  }
  std::thread([route, work = std::move(work), respond = std::move(respond)] {
    Response r = work();
    r.route = route;
    respond(std::move(r));
  }).detach();
}

void FrontHandler::DeadLetters(const http::Request& request, http::Responder respond) {
  auto* triggers = options_.triggers;
  const bool clear = request.method == http::Method::kDelete;
  AdminRoute(request, std::move(respond), "triggers.dead_letters",
             {http::Method::kGet, http::Method::kDelete}, "GET, DELETE", [triggers, clear] {
               if (clear) {
                 Status s = triggers->ClearDeadLetters();
                 return s.ok() ? Response::Json(200, R"({"deadLetters":[]})") : Response::Error(s);
               }
               auto json = triggers->DeadLettersJson();
               return json.ok() ? Response::Json(200, std::move(*json))
                                : Response::Error(json.status());
             });
}

void FrontHandler::Cluster(const http::Request& request, http::Responder respond) {
  auto* cluster = options_.cluster;
  AdminRoute(request, std::move(respond), "admin.cluster", {http::Method::kGet}, "GET", [cluster] {
    auto json = cluster->StatusJson();
    return json.ok() ? Response::Json(200, std::move(*json)) : Response::Error(json.status());
  });
}

Response FrontHandler::Sdk(const http::Request& request) const {
  Response r;
  r.route = "sdk";
  r.headers.emplace_back("ETag", sdk_etag_);
  r.headers.emplace_back("Cache-Control", "no-cache");
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    r = Response::Error(405, Code::kInvalidArgument, "the SDK is read with GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (request.Header("If-None-Match") == sdk_etag_) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = "text/javascript; charset=utf-8";
  r.body = std::string(options_.sdk_js);
  return r;
}

}  // namespace hearth::app
