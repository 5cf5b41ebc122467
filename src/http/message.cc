#include "http/message.h"

#include "model/json.h"

namespace hearth::http {

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Error(const Status& status) {
  return Error(HttpStatusFor(status.code()), status.code(), status.message());
}

Response Response::Error(int http_status, Code code, std::string_view message) {
  Response r;
  r.status = http_status;
  r.body = R"({"error":{"code":")";
  r.body += CodeName(code);
  r.body += R"(","message":)";
  model::AppendJsonString(r.body, message);
  r.body += "}}";
  return r;
}

}  // namespace hearth::http
