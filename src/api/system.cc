// /healthz and /metrics.
#include <fmt/format.h>

#include "api/endpoints.h"
#include "model/json.h"

namespace hearth::api {

using http::Response;

void HandleHealth(db::Database& db, const http::Request& request, http::Responder respond) {
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    return respond(MethodNotAllowed(request, "GET, HEAD", "healthz"));
  }
  auto shared = std::make_shared<http::Responder>(std::move(respond));
  bool queued = db.RunBlocking([&db, shared] {
    Status s = db.engine().Ping();
    Response r;
    r.route = "healthz";
    if (s.ok()) {
      r.body = R"({"status":"ok","storage":)";
      model::AppendJsonString(r.body, db.engine().name());
      r.body += "}";
    } else {
      r = Response::Error(Unavailable("the store does not answer: " + s.message()));
      r.route = "healthz";
    }
    (*shared)(std::move(r));
  });
  if (!queued) {
    Response r = Response::Error(Unavailable("the server is busy"));
    r.route = "healthz";
    (*shared)(std::move(r));
  }
}

void HandleMetrics(db::Database& db, const http::Metrics& metrics, const http::Request& request,
                   http::Responder respond) {
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    return respond(MethodNotAllowed(request, "GET, HEAD", "metrics"));
  }
  auto shared = std::make_shared<http::Responder>(std::move(respond));
  bool queued = db.RunBlocking([&db, &metrics, shared] {
    Response r;
    r.route = "metrics";
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics.Render(r.body);
    auto size = db.engine().SizeBytes();
    r.body += "# HELP hearth_store_size_bytes Bytes the document store occupies on disk.\n";
    r.body += "# TYPE hearth_store_size_bytes gauge\n";
    r.body += fmt::format("hearth_store_size_bytes{{engine=\"{}\"}} {}\n", db.engine().name(),
                          size.ok() ? *size : -1);
    (*shared)(std::move(r));
  });
  if (!queued) {
    Response r = Response::Error(Unavailable("the server is busy"));
    r.route = "metrics";
    (*shared)(std::move(r));
  }
}

}  // namespace hearth::api
