// Outbound HTTP(S) requests through libcurl: OpenID Connect discovery, JWKS, token
// exchange, and SMTP mail. Blocking: call from a blocking pool, never an I/O thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hearth::auth {

struct FetchRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 10'000;
  size_t max_response_bytes = 1 << 20;
};

struct FetchResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

// `unavailable` when the server cannot be reached or times out; any HTTP status is a
// successful fetch. Only http and https URLs are followed; redirects are not.
Result<FetchResponse> Fetch(const FetchRequest& request);

struct MailMessage {
  std::string from;
  std::string to;
  std::string subject;
  std::string text;  // plain-text body
};

struct SmtpSettings {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string username;
  std::string password;
  long timeout_ms = 15'000;
};

// Sends one message (headers built here, body as UTF-8 text). STARTTLS is used when the
// server offers it on smtp:// URLs other than loopback.
Status SendMail(const SmtpSettings& smtp, const MailMessage& message);

}  // namespace hearth::auth
