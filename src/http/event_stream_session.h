// Internal to http/: a Server-Sent Events stream (text/event-stream) behind the same
// WebSocketSession interface, so one handler serves both transports
// (Server::SetEventStreamHandler). Each Send() becomes one `data:` event; a comment line
// every 15 s keeps proxies from closing an idle stream. The client cannot send; the
// stream ends when it disconnects, when Close() is called or the server shuts down.
#pragma once

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "http/websocket.h"

namespace hearth::http::detail {

class SseSession final : public WebSocketSession, public std::enable_shared_from_this<SseSession> {
 public:
  SseSession(boost::asio::any_io_executor executor, size_t send_queue_bytes);

  bool Send(std::string text) override;
  void Close(uint16_t code, std::string reason) override;

  // On the connection's I/O thread: writes `head` (the response's status line and
  // headers), then events until the stream ends; then `connection.OnClose()`.
  boost::asio::awaitable<void> Run(boost::beast::tcp_stream& stream, std::string head,
                                   WebSocketConnection& connection);

 private:
  void Wake();

  const boost::asio::any_io_executor executor_;
  const size_t send_queue_bytes_;
  boost::asio::steady_timer* wake_ = nullptr;  // set while Run runs
  char scratch_[256];                          // the read that notices the client leave

  std::mutex mu_;
  std::deque<std::string> queue_;  // GUARDED_BY(mu_)
  size_t queued_bytes_ = 0;        // GUARDED_BY(mu_)
  bool closing_ = false;           // GUARDED_BY(mu_)
  bool closed_ = false;            // GUARDED_BY(mu_)
};

}  // namespace hearth::http::detail
