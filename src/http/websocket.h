// WebSockets as handlers see them: plain interfaces, no Boost (the server implements them
// with Beast). A handler registered for a path (Server::SetWebSocketHandler) is offered
// every upgrade request to it; it accepts with a per-connection object, or refuses with an
// error status that is answered as an ordinary HTTP response.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace hearth::http {

// Close codes (RFC 6455 §7.4.1).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;     // the server shuts down
inline constexpr uint16_t kCloseUnsupported = 1003;   // a binary frame
inline constexpr uint16_t kClosePolicy = 1008;        // e.g. an invalid token
inline constexpr uint16_t kCloseTooBig = 1009;        // a message over the limit
inline constexpr uint16_t kCloseSendOverflow = 4008;  // the client does not read: see Send()

// One open connection. Thread-safe; no method blocks. Valid (as an object) as long as it
// is held; once the connection is closed, Send() returns false and Close() does nothing.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  // Queues a text frame. False when the connection is closing or closed, or when the frame
  // would take the send queue over its bound (ServerOptions::websocket_send_queue_bytes):
  // the queue is then dropped and the connection closed with kCloseSendOverflow, so a
  // client that does not read cannot grow the server's memory.
  virtual bool Send(std::string text) = 0;
  // Sends what is queued, then a close frame with `code` and `reason`. Idempotent.
  virtual void Close(uint16_t code, std::string reason) = 0;
};

// What a handler keeps for one connection. Called on the connection's I/O thread, one
// call at a time; must not block. OnClose() is called exactly once, last (also when the
// handshake fails after OnOpen accepted).
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  virtual void OnMessage(std::string_view text) = 0;
  virtual void OnClose() = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // An upgrade request arrived (valid during the call only). Return the connection's
  // object to accept (it may already Send: frames go out after the handshake), or an error
  // to refuse (answered with the code's HTTP status). On the I/O thread; must not block.
  virtual Result<std::unique_ptr<WebSocketConnection>> OnOpen(
      const Request& upgrade, std::shared_ptr<WebSocketSession> session) = 0;
};

}  // namespace hearth::http
