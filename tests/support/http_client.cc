#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "support/server_process.h"

namespace hearth::testing {
namespace {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Parses a complete response from the front of `buf`; false if more bytes are needed.
bool TryParse(std::string& buf, bool closed, HttpResponse& out) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = buf.substr(0, end);
  HttpResponse r;
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return false;
  r.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers[name] = line.substr(v);
    }
    pos = next + 2;
  }
  size_t body_start = end + 4;
  size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    length = std::stoul(it->second);
  } else if (!closed && r.status != 204 && r.status != 304 && r.status >= 200) {
    return false;  // read to close
  } else if (closed) {
    length = buf.size() - body_start;
  }
  if (buf.size() < body_start + length) return false;
  r.body = buf.substr(body_start, length);
  buf.erase(0, body_start + length);
  out = std::move(r);
  return true;
}

}  // namespace

HttpClient::HttpClient(int port, std::string host) : port_(port), host_(std::move(host)) {}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

int HttpClient::Connect() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

HttpResponse HttpClient::ReadResponse(int fd, int timeout_ms, std::string* leftover) {
  std::string local;
  std::string& buf = leftover ? *leftover : local;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  HttpResponse r;
  bool closed = false;
  for (;;) {
    if (TryParse(buf, closed, r)) return r;
    if (closed) return HttpResponse{};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return HttpResponse{};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      closed = true;
    } else {
      buf.append(tmp, static_cast<size_t>(n));
    }
  }
}

HttpResponse HttpClient::Request(std::string_view method, std::string_view target,
                                 std::string_view body, const Headers& headers) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_);
  req.append("\r\n");
  bool typed = false;
  for (const auto& [k, v] : headers) {
    req.append(k).append(": ").append(v).append("\r\n");
    typed = typed || strcasecmp(k.c_str(), "Content-Type") == 0;
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    // JSON unless the caller said otherwise.
    if (!typed) req.append("Content-Type: application/json\r\n");
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (fd_ < 0) {
      fd_ = Connect();
      buffer_.clear();
      if (fd_ < 0) return HttpResponse{};
    }
    if (SendAll(fd_, req)) {
      HttpResponse r = ReadResponse(fd_, 30000, &buffer_);
      if (r.status != 0) {
        if (r.Header("connection") == "close") {
          ::close(fd_);
          fd_ = -1;
        }
        return r;
      }
    }
    ::close(fd_);
    fd_ = -1;
    // Only a kept-alive connection that the server had already closed is retried (once);
    // a failure on a fresh connection is the answer.
    if (!reused) break;
  }
  return HttpResponse{};
}

HttpResponse HttpClient::Admin(std::string_view method, std::string_view target,
                               std::string_view body, Headers headers) {
  headers.emplace_back("Authorization", std::string("Bearer ") + kAdminToken);
  return Request(method, target, body, headers);
}

HttpResponse HttpClient::Raw(std::string_view bytes, int timeout_ms) {
  int fd = Connect();
  if (fd < 0) return HttpResponse{};
  SendAll(fd, bytes);
  HttpResponse r = ReadResponse(fd, timeout_ms);
  ::close(fd);
  return r;
}

}  // namespace hearth::testing
