#include "http/websocket_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <optional>

namespace hearth::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

WsSession::WsSession(asio::any_io_executor executor, WebSocketLimits limits)
    : executor_(std::move(executor)), limits_(limits) {}

bool WsSession::Send(std::string text) {
  std::lock_guard lock(mu_);
  if (closing_ || closed_) return false;
  if (queued_bytes_ + text.size() > limits_.send_queue_bytes) {
    queue_.clear();
    queued_bytes_ = 0;
    closing_ = true;
    overflowed_ = true;
    close_code_ = kCloseSendOverflow;
    close_reason_ = "send queue overflow: the client is not reading its messages";
  } else {
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
  }
  // Posted under the mutex: once Run() has set `closed_`, nothing is posted any more, so
  // the I/O context is still alive whenever something is.
  Wake();
  return !closing_;
}

void WsSession::Close(uint16_t code, std::string reason) {
  std::lock_guard lock(mu_);
  if (closing_ || closed_) return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  Wake();
}

void WsSession::Wake() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->wake_ != nullptr) self->wake_->cancel();
    bool overflowed;
    {
      std::lock_guard lock(self->mu_);
      overflowed = self->overflowed_;
    }
    // The writer may be stuck on a client that stopped reading.
    if (overflowed) self->ForceCloseSoon();
  });
}

void WsSession::ForceCloseSoon() {
  if (ws_ == nullptr || force_close_) return;
  force_close_ = std::make_unique<asio::steady_timer>(executor_, std::chrono::seconds(5));
  force_close_->async_wait([this](const boost::system::error_code& ec) {
    // Cancelled (or destroyed) when Run ends first: touch nothing then.
    if (ec || ws_ == nullptr) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
  });
}

asio::awaitable<void> WsSession::Run(Stream& ws, UpgradeRequest upgrade,
                                     WebSocketConnection& connection) {
  // Beast's own timeouts replace the TCP stream's: a ping after half the idle time, and
  // the connection closed when nothing (not even a pong) arrived for the whole of it.
  ws.next_layer().expires_never();
  websocket::stream_base::timeout timeout;
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = limits_.idle_timeout;
  timeout.keep_alive_pings = true;
  ws.set_option(timeout);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "hearth"); }));
  ws.read_message_max(limits_.max_message_bytes);
  ws_ = &ws;
  auto [ec] = co_await ws.async_accept(upgrade, kUseTuple);
  if (!ec) {
    using namespace asio::experimental::awaitable_operators;
    co_await (ReadLoop(ws, connection) && WriteLoop(ws));
  }
  ws_ = nullptr;
  force_close_.reset();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  connection.OnClose();
}

asio::awaitable<void> WsSession::ReadLoop(Stream& ws, WebSocketConnection& connection) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kUseTuple);
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        Close(kCloseTooBig,
              "message larger than " + std::to_string(limits_.max_message_bytes) + " bytes");
      }
      break;
    }
    if (!ws.got_text()) {
      Close(kCloseUnsupported, "text frames only");
      break;
    }
    std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
    connection.OnMessage(text);
    buffer.consume(buffer.size());
  }
  // The peer closed, the connection failed, or a close is on its way: let the writer end.
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  if (wake_ != nullptr) wake_->cancel();
}

asio::awaitable<void> WsSession::WriteLoop(Stream& ws) {
  asio::steady_timer wake(executor_);
  wake_ = &wake;
  for (;;) {
    std::optional<std::string> next;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        if (closing_) break;
      } else {
        next = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= next->size();
      }
    }
    if (!next) {
      wake.expires_at(asio::steady_timer::time_point::max());
      co_await wake.async_wait(kUseTuple);
      continue;
    }
    ws.text(true);
    auto [ec, n] = co_await ws.async_write(asio::buffer(*next), kUseTuple);
    if (ec) break;
  }
  wake_ = nullptr;
  if (ws.is_open()) {
    websocket::close_reason reason;
    {
      std::lock_guard lock(mu_);
      reason =
          websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_);
    }
    ForceCloseSoon();
    auto [ec] = co_await ws.async_close(reason, kUseTuple);
    if (ec && ec != asio::error::operation_aborted) {
      spdlog::debug("http: websocket close: {}", ec.message());
    }
  }
}

}  // namespace hearth::http::detail
