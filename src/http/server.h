// The HTTP/1.1 server: Boost.Beast over Asio, one io_context per I/O thread (connections
// are spread round-robin and stay on their thread, so no strands are needed).
//
// It owns everything about the protocol: keep-alive, request-size and time limits (a
// slow or oversized request gets 408/413/431 without reaching the handler), CORS, HEAD,
// 100-continue, one log line and one metrics sample per request, graceful shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/websocket.h"

namespace hearth::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see Server::port())
  int threads = 0;       // I/O threads; 0 = one per core
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 10000;
  // The whole request (headers and body) must arrive within this time, and an idle
  // keep-alive connection is closed after it: the slow-loris guard.
  std::chrono::milliseconds request_timeout{30000};
  // How long shutdown waits for in-flight requests before closing connections.
  std::chrono::milliseconds shutdown_grace{10000};
  // Origins allowed to call from a browser on another origin; "*" allows any.
  std::vector<std::string> cors_origins;
  bool log_requests = true;
  // WebSockets (SetWebSocketHandler): the largest message a client may send, the bound of
  // each connection's send queue, and the idle time after which a connection that answers
  // nothing (not even the ping sent at half that time) is closed.
  size_t websocket_max_message_bytes = 1024 * 1024;
  size_t websocket_send_queue_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds websocket_idle_timeout{60000};
};

class Server {
 public:
  // `handler` and `metrics` must outlive the server.
  Server(ServerOptions options, Handler& handler, Metrics& metrics);
  ~Server();

  // Upgrade requests to `path` go to `handler` (which must outlive the server); other
  // requests to `path` get 426. REQUIRES: before Run().
  void SetWebSocketHandler(std::string path, WebSocketHandler& handler);
  // GET requests to `path` become Server-Sent Events streams served by `handler` (which
  // must outlive the server): each Send() of its session is one `data:` event; OnMessage
  // is never called (the client cannot send). REQUIRES: before Run().
  void SetEventStreamHandler(std::string path, WebSocketHandler& handler);

  // Binds and listens. After this, port() is the bound port.
  Status Start();
  uint16_t port() const;

  // Serves until Shutdown() (or SIGINT/SIGTERM when `handle_signals`); returns after
  // in-flight requests finished and every connection closed.
  void Run(bool handle_signals);
  // Thread-safe; idempotent.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::http
