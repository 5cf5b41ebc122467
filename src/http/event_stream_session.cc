#include "http/event_stream_session.h"

#include <boost/asio/as_tuple.hpp>

namespace hearth::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kKeepAlive = std::chrono::seconds(15);

// One event: every line of `text` as a `data:` line (JSON has none, but be exact).
std::string Event(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out += "data: ";
    out += text.substr(start, nl - start);
    out += '\n';
    start = nl + 1;
  }
  return out + '\n';
}
}  // namespace

SseSession::SseSession(asio::any_io_executor executor, size_t send_queue_bytes)
    : executor_(std::move(executor)), send_queue_bytes_(send_queue_bytes) {}

bool SseSession::Send(std::string text) {
  std::lock_guard lock(mu_);
  if (closing_ || closed_) return false;
  if (queued_bytes_ + text.size() > send_queue_bytes_) {
    // A client that does not read: drop what is queued and end the stream.
    queue_.clear();
    queued_bytes_ = 0;
    closing_ = true;
  } else {
    queued_bytes_ += text.size();
    queue_.push_back(Event(text));
  }
  Wake();
  return !closing_;
}

void SseSession::Close(uint16_t, std::string) {
  std::lock_guard lock(mu_);
  if (closing_ || closed_) return;
  closing_ = true;
  Wake();
}

void SseSession::Wake() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->wake_ != nullptr) self->wake_->cancel();
  });
}

asio::awaitable<void> SseSession::Run(beast::tcp_stream& stream, std::string head,
                                      WebSocketConnection& connection) {
  stream.expires_never();
  asio::steady_timer wake(executor_);
  wake_ = &wake;
  // The client sends nothing: a read completing means it went away (or the server shut
  // the receive side down to stop).
  stream.socket().async_read_some(asio::buffer(scratch_),
                                  [self = shared_from_this()](boost::system::error_code, size_t) {
                                    {
                                      std::lock_guard lock(self->mu_);
                                      self->closing_ = true;
                                    }
                                    if (self->wake_ != nullptr) self->wake_->cancel();
                                  });
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kUseTuple);
  while (!ec) {
    std::string batch;
    bool closing;
    {
      std::lock_guard lock(mu_);
      closing = closing_;
      for (auto& e : queue_) batch += e;
      queue_.clear();
      queued_bytes_ = 0;
    }
    if (!batch.empty()) {
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(batch), kUseTuple);
      continue;
    }
    if (closing) break;
    // Wait for an event, the client going away, or the keep-alive time.
    wake.expires_after(kKeepAlive);
    auto [timer_ec] = co_await wake.async_wait(kUseTuple);
    if (!timer_ec) {
      static constexpr std::string_view kPing = ": keep-alive\n\n";
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(kPing), kUseTuple);
    }
  }
  wake_ = nullptr;
  boost::system::error_code ignored;
  stream.socket().cancel(ignored);  // the pending read
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  connection.OnClose();
}

}  // namespace hearth::http::detail
