// POST /v1/transactions (begin) and DELETE /v1/transactions/{id} (roll back).
#include "api/endpoints.h"
#include "base/clock.h"
#include "model/json.h"
#include "model/json_view.h"
#include "model/timestamp.h"

namespace hearth::api {

using http::Response;

void HandleTransactions(db::Database& db, const http::Request& request, std::string_view id,
                        http::Responder respond) {
  auto answer = [&](Response r) {
    r.route = "transactions";
    respond(std::move(r));
  };
  if (id.empty()) {
    if (request.method != http::Method::kPost) {
      return answer(MethodNotAllowed(request, "POST", "transactions"));
    }
    bool read_only = false;
    if (!request.body.empty()) {
      auto doc = model::JsonDocument::Parse(request.body);
      if (!doc.ok()) return answer(Response::Error(doc.status()));
      model::JsonView root = doc->root();
      if (!root.is_object()) {
        return answer(Response::Error(InvalidArgument("the body is {} or {\"readOnly\": true}")));
      }
      if (Status s = root.CheckKeys("body", {"readOnly"}); !s.ok()) {
        return answer(Response::Error(s));
      }
      if (auto ro = root.Get("readOnly")) {
        if (ro->kind() != model::JsonView::Kind::kBool) {
          return answer(Response::Error(InvalidArgument("readOnly must be true or false")));
        }
        read_only = ro->AsBool();
      }
    }
    auto txn = db.BeginTransaction(read_only);
    if (!txn.ok()) return answer(Response::Error(txn.status()));
    std::string body = R"({"transaction":)";
    model::AppendJsonString(body, *txn);
    body += read_only ? R"(,"readOnly":true})" : R"(,"readOnly":false})";
    return answer(Response::Json(200, std::move(body)));
  }
  if (request.method != http::Method::kDelete) {
    return answer(MethodNotAllowed(request, "DELETE", "transactions"));
  }
  if (!db.RollbackTransaction(std::string(id))) {
    return answer(Response::Error(NotFound("no open transaction '" + std::string(id) + "'")));
  }
  answer(Response::Json(200, "{}"));
}

}  // namespace hearth::api
