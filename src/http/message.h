// The HTTP request and response as handlers see them: plain data, no Boost, so modules
// above http/ do not pay for Beast's headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hearth::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

// Valid until the handler's Responder is called; read it only before that.
class Request {
 public:
  Method method = Method::kOther;
  std::string_view method_name;
  std::string_view target;  // as received: path and query
  std::string_view path;    // still percent-encoded
  std::string_view query;   // after '?', still encoded; empty when none
  std::string_view body;
  std::string_view remote_address;

  // The value of header `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  // Every header, in the order received.
  std::vector<std::pair<std::string_view, std::string_view>> Headers() const;

  // Set by the server: where Header() looks.
  const void* header_source = nullptr;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Metrics label for the route that answered ("documents.get"); "unmatched" by default.
  std::string route = "unmatched";

  static Response Json(int status, std::string body);
  // {"error": {"code": "<canonical code>", "message": "..."}} with the code's HTTP status.
  static Response Error(const Status& status);
  // The same body with an explicit HTTP status (413, 405, 412, ...).
  static Response Error(int http_status, Code code, std::string_view message);
};

// Called exactly once per request, from any thread.
using Responder = std::function<void(Response)>;

class Handler {
 public:
  virtual ~Handler() = default;
  // May answer synchronously or later from another thread. Must not block.
  virtual void Handle(const Request& request, Responder respond) = 0;
};

}  // namespace hearth::http
