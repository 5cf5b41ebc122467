// /healthz and /metrics.
#include <fmt/format.h>

#include "api/endpoints.h"
#include "model/json.h"

namespace hearth::api {

using http::Response;

namespace {

// GET/HEAD only; `build` runs on the read pool (it touches the store) and its response
// is labelled `route`.
void AnswerFromPool(db::Database& db, const http::Request& request, http::Responder respond,
                    const char* route, std::function<Response()> build) {
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    return respond(MethodNotAllowed(request, "GET, HEAD", route));
  }
  auto shared = std::make_shared<http::Responder>(std::move(respond));
  auto labelled = [shared, route](Response r) {
    r.route = route;
    (*shared)(std::move(r));
  };
  bool queued = db.RunBlocking([labelled, build = std::move(build)] { labelled(build()); });
  if (!queued) labelled(Response::Error(Unavailable("the server is busy")));
}

}  // namespace

void HandleHealth(db::Database& db, const http::Request& request, http::Responder respond) {
  AnswerFromPool(db, request, std::move(respond), "healthz", [&db] {
    Status s = db.engine().Ping();
    if (!s.ok()) return Response::Error(Unavailable("the store does not answer: " + s.message()));
    Response r;
    r.body = R"({"status":"ok","storage":)";
    model::AppendJsonString(r.body, db.engine().name());
    r.body += "}";
    return r;
  });
}

void HandleMetrics(db::Database& db, const http::Metrics& metrics, const http::Request& request,
                   http::Responder respond) {
  AnswerFromPool(db, request, std::move(respond), "metrics", [&db, &metrics] {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics.Render(r.body);
    auto size = db.engine().SizeBytes();
    r.body += "# HELP hearth_store_size_bytes Bytes the document store occupies on disk.\n";
    r.body += "# TYPE hearth_store_size_bytes gauge\n";
    r.body += fmt::format("hearth_store_size_bytes{{engine=\"{}\"}} {}\n", db.engine().name(),
                          size.ok() ? *size : -1);
    return r;
  });
}

}  // namespace hearth::api
