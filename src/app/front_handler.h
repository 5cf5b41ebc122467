// The server's one HTTP handler: sends each request to the part of Hearth that answers it.
//
//   /v1/..., /healthz, /metrics, /.well-known/...   the HTTP API (api/)
//   /v1/admin/triggers/dead-letters                 document triggers that gave up
//   /v1/admin/cluster                               the nodes on a shared store
//   /__/hearth/sdk.js                               the JavaScript SDK, compiled in
//   /api, /api/...                                  HTTP functions (api/*.js in Node.js)
//   anything else                                   static hosting of public/, whose
//                                                   rewrites may hand over to a function
//
// Functions see the caller through the same credential check as the API: a bad Bearer
// token is 401 before any code runs; none means req.auth is null.
#pragma once

#include <string>

#include "api/api_handler.h"
#include "app/cluster.h"
#include "functions/pool.h"
#include "functions/router.h"
#include "functions/triggers.h"
#include "hosting/static_site.h"
#include "http/message.h"

namespace hearth::app {

struct FrontOptions {
  const hosting::StaticSite* site = nullptr;  // nullptr: no hosting
  functions::Router* router = nullptr;        // nullptr: no functions
  functions::Pool* pool = nullptr;
  functions::TriggerDispatcher* triggers = nullptr;  // /v1/admin/triggers/dead-letters
  ClusterRegistry* cluster = nullptr;                // /v1/admin/cluster
  std::string_view sdk_js;                           // the SDK's source; empty: not served
};

class FrontHandler final : public http::Handler {
 public:
  // Everything referenced must outlive the handler.
  FrontHandler(api::ApiHandler& api, FrontOptions options);
  void Handle(const http::Request& request, http::Responder respond) override;

 private:
  void Invoke(const http::Request& request, const functions::Route& route, http::Responder respond);
  http::Response Sdk(const http::Request& request) const;
  void DeadLetters(const http::Request& request, http::Responder respond);
  void Cluster(const http::Request& request, http::Responder respond);
  // The admin routes above: 401/403 unless the caller is the admin, 405 for a method not
  // in `methods`; else `work` runs off the I/O thread (it reads the store).
  void AdminRoute(const http::Request& request, http::Responder respond, const char* route,
                  std::initializer_list<http::Method> methods, std::string_view allow,
                  std::function<http::Response()> work);

  api::ApiHandler& api_;
  FrontOptions options_;
  std::string sdk_etag_;
};

}  // namespace hearth::app
