// ListenHandler: the listen protocol (realtime/listen_session.h) over the HTTP server's
// WebSockets. Register it with http::Server::SetWebSocketHandler("/v1/listen", handler).
//
// A separate library (hearth_realtime_ws) so that hearth_realtime itself does not depend
// on http/: the engine and the protocol know nothing of transports.
#pragma once

#include "http/websocket.h"
#include "realtime/listen_session.h"

namespace hearth::realtime {

class ListenHandler final : public http::WebSocketHandler {
 public:
  // `engine` must outlive the server's connections.
  ListenHandler(ListenerEngine& engine, ListenOptions options);

  // An `Authorization: Bearer` header is verified here: an invalid one refuses the
  // upgrade (401); without one the connection starts signed out (an "auth" message may
  // follow).
  Result<std::unique_ptr<http::WebSocketConnection>> OnOpen(
      const http::Request& upgrade, std::shared_ptr<http::WebSocketSession> session) override;

 private:
  ListenerEngine& engine_;
  const ListenOptions options_;
};

// The same protocol as Server-Sent Events, for clients that cannot use WebSockets:
// register with http::Server::SetEventStreamHandler("/v1/listen/sse", handler).
//
//   GET /v1/listen/sse?document=posts/a
//   GET /v1/listen/sse?query=<url-encoded JSON, the body of POST /v1/query>
//
// One target per stream (targetId 1); each event's data is a message of the WebSocket
// protocol (snapshot or error). Credentials: `Authorization: Bearer` or, for EventSource
// (which cannot set headers), `?token=`. A malformed target, a bad token or a target the
// rules deny is refused before the stream starts (400 / 401 / 403 with the usual error
// body).
class ListenEventStreamHandler final : public http::WebSocketHandler {
 public:
  // `engine` must outlive the server's connections.
  ListenEventStreamHandler(ListenerEngine& engine, ListenOptions options);

  Result<std::unique_ptr<http::WebSocketConnection>> OnOpen(
      const http::Request& request, std::shared_ptr<http::WebSocketSession> session) override;

 private:
  ListenerEngine& engine_;
  const ListenOptions options_;
};

}  // namespace hearth::realtime
