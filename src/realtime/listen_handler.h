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

}  // namespace hearth::realtime
