// Internal to http/: the Beast side of a WebSocket connection (http/websocket.h).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "http/websocket.h"

namespace hearth::http::detail {

struct WebSocketLimits {
  size_t max_message_bytes = 0;
  size_t send_queue_bytes = 0;
  std::chrono::milliseconds idle_timeout{0};
};

class WsSession final : public WebSocketSession, public std::enable_shared_from_this<WsSession> {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

  WsSession(boost::asio::any_io_executor executor, WebSocketLimits limits);

  bool Send(std::string text) override;
  void Close(uint16_t code, std::string reason) override;

  // On the connection's I/O thread: the handshake, then frames both ways until the
  // connection closes; then `connection.OnClose()`.
  boost::asio::awaitable<void> Run(Stream& ws, UpgradeRequest upgrade,
                                   WebSocketConnection& connection);

 private:
  boost::asio::awaitable<void> ReadLoop(Stream& ws, WebSocketConnection& connection);
  boost::asio::awaitable<void> WriteLoop(Stream& ws);
  void Wake();  // wakes the write loop (from any thread)
  // I/O thread: closes the socket unless the close handshake ends within a grace period
  // (a client that does not read may never take the close frame).
  void ForceCloseSoon();

  boost::asio::any_io_executor executor_;
  const WebSocketLimits limits_;
  // I/O thread only.
  boost::asio::steady_timer* wake_ = nullptr;  // set while WriteLoop runs
  Stream* ws_ = nullptr;                       // set while Run runs
  std::unique_ptr<boost::asio::steady_timer> force_close_;

  std::mutex mu_;
  std::deque<std::string> queue_;       // GUARDED_BY(mu_)
  size_t queued_bytes_ = 0;             // GUARDED_BY(mu_)
  bool closing_ = false;                // GUARDED_BY(mu_): no more Send()
  bool closed_ = false;                 // GUARDED_BY(mu_): Run() finished, or about to
  bool overflowed_ = false;             // GUARDED_BY(mu_)
  uint16_t close_code_ = kCloseNormal;  // GUARDED_BY(mu_)
  std::string close_reason_;            // GUARDED_BY(mu_)
};

}  // namespace hearth::http::detail
