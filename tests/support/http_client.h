// A small blocking HTTP/1.1 client over a real TCP socket, for integration tests.
// Not thread-safe: one client per thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::testing {

struct HttpResponse {
  int status = 0;  // 0: the connection failed or closed before a response
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(int port, std::string host = "127.0.0.1");
  ~HttpClient();

  // Sends one request on the kept-alive connection (reconnecting when needed).
  HttpResponse Request(std::string_view method, std::string_view target, std::string_view body = "",
                       const Headers& headers = {});
  // The same with the admin credential.
  HttpResponse Admin(std::string_view method, std::string_view target, std::string_view body = "",
                     Headers headers = {});

  // Sends raw bytes on a fresh connection and reads one response (or until close).
  HttpResponse Raw(std::string_view bytes, int timeout_ms = 5000);

  // Opens a raw connection (for slow clients); returns the fd or -1.
  int Connect();
  // Reads one response from `fd` (until close or a complete message), with a timeout.
  static HttpResponse ReadResponse(int fd, int timeout_ms, std::string* leftover = nullptr);

 private:
  int port_;
  std::string host_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace hearth::testing
