#include "http/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/strings.h"
#include "http/event_stream_session.h"
#include "http/websocket_session.h"

namespace hearth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string_view Request::Header(std::string_view name) const {
  const auto* fields = static_cast<const bhttp::fields*>(header_source);
  if (fields == nullptr) return {};
  auto it = fields->find(name);
  return it == fields->end() ? std::string_view() : std::string_view(it->value());
}

std::vector<std::pair<std::string_view, std::string_view>> Request::Headers() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  const auto* fields = static_cast<const bhttp::fields*>(header_source);
  if (fields == nullptr) return out;
  for (const auto& f : *fields) out.emplace_back(f.name_string(), f.value());
  return out;
}

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

void LogException(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: connection ended by exception: {}", ex.what());
  }
}

// The connection a session serves, as shutdown sees it.
struct SessionState {
  beast::tcp_stream* stream = nullptr;
  asio::io_context* context = nullptr;
  // Set while the connection is a WebSocket: closes it with kCloseGoingAway.
  std::shared_ptr<WebSocketSession> websocket;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler& handler, Metrics& metrics)
      : options_(std::move(options)), handler_(handler), metrics_(metrics) {
    int n =
        options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (int i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(contexts_.back()->get_executor());
    }
    acceptor_.emplace(*contexts_[0]);
  }

  Status Start() {
    boost::system::error_code ec;
    tcp::resolver resolver(*contexts_[0]);
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return InvalidArgument("cannot resolve host '" + options_.host + "': " + ec.message());
    }
    tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint().port();
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Run(bool handle_signals) {
    if (handle_signals) {
      signals_.emplace(*contexts_[0], SIGINT, SIGTERM);
      signals_->async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("received signal {}; finishing in-flight requests", signal);
        Shutdown();
      });
    }
    asio::co_spawn(*contexts_[0], Accept(), LogException);
    std::vector<std::thread> threads;
    for (size_t i = 1; i < contexts_.size(); ++i) {
      threads.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
    }
    contexts_[0]->run();
    for (auto& t : threads) t.join();
  }

  void Shutdown() {
    if (stopping_.exchange(true)) return;
    asio::post(*contexts_[0], [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      if (signals_) signals_->cancel(ec);
      // Idle keep-alive connections wake with EOF; busy ones finish their response first.
      ForEachSession([](SessionState* s) {
        if (s->websocket) return s->websocket->Close(kCloseGoingAway, "server shutting down");
        boost::system::error_code ignored;
        s->stream->socket().shutdown(tcp::socket::shutdown_receive, ignored);
      });
      deadline_ = MonotonicMicros() + options_.shutdown_grace.count() * 1000;
      asio::co_spawn(*contexts_[0], WaitForSessions(), LogException);
    });
  }

 private:
  // Runs `fn` for every live session, on that session's own thread.
  template <typename Fn>
  void ForEachSession(Fn fn) {
    std::lock_guard lock(sessions_mu_);
    for (SessionState* s : sessions_) {
      asio::post(*s->context, [this, s, fn] {
        std::lock_guard inner(sessions_mu_);
        if (sessions_.contains(s)) fn(s);
      });
    }
  }

  asio::awaitable<void> WaitForSessions() {
    asio::steady_timer timer(*contexts_[0]);
    bool forced = false;
    for (;;) {
      {
        std::lock_guard lock(sessions_mu_);
        if (sessions_.empty()) break;
      }
      if (!forced && MonotonicMicros() > deadline_) {
        spdlog::warn("shutdown grace period over; closing remaining connections");
        ForEachSession([](SessionState* s) { s->stream->close(); });
        forced = true;
        deadline_ = MonotonicMicros() + 1'000'000;
      } else if (forced && MonotonicMicros() > deadline_) {
        break;
      }
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(kUseTuple);
    }
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
  }

  asio::awaitable<void> Accept() {
    size_t next = 0;
    asio::steady_timer backoff(*contexts_[0]);
    for (;;) {
      asio::io_context& ctx = *contexts_[next++ % contexts_.size()];
      auto [ec, socket] = co_await acceptor_->async_accept(ctx, kUseTuple);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) co_return;
        // Out of file descriptors and the like: back off rather than spin.
        spdlog::warn("http: accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(kUseTuple);
        continue;
      }
      if (metrics_.open_connections() >= static_cast<int64_t>(options_.max_connections)) {
        spdlog::warn("http: connection limit ({}) reached; refusing a connection",
                     options_.max_connections);
        continue;  // the socket closes as it goes out of scope
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(ctx, Session(std::move(socket), ctx), LogException);
    }
  }

  bool OriginAllowed(std::string_view origin) const {
    if (origin.empty()) return false;
    for (const auto& o : options_.cors_origins) {
      if (o == "*" || o == origin) return true;
    }
    return false;
  }

  asio::awaitable<Response> Invoke(const Request& request) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
        [this, &request](auto completion) {
          using Completion = decltype(completion);
          auto shared = std::make_shared<Completion>(std::move(completion));
          handler_.Handle(request, [shared](Response response) {
            // Resume the session on its own thread, whichever thread answered.
            auto executor = asio::get_associated_executor(*shared);
            asio::post(executor, [shared, response = std::move(response)]() mutable {
              (*shared)(std::move(response));
            });
          });
        },
        asio::use_awaitable);
  }

  Response Preflight(std::string_view origin, const bhttp::fields& fields) {
    if (!OriginAllowed(origin)) {
      Response r = Response::Error(403, Code::kPermissionDenied,
                                   "origin '" + std::string(origin) + "' is not allowed (cors)");
      r.route = "cors.preflight";
      return r;
    }
    Response r;
    r.status = 204;
    r.route = "cors.preflight";
    r.content_type.clear();
    r.headers.emplace_back("Access-Control-Allow-Methods",
                           "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    auto requested = fields.find(bhttp::field::access_control_request_headers);
    r.headers.emplace_back(
        "Access-Control-Allow-Headers",
        requested != fields.end()
            ? std::string(requested->value())
            : std::string("Authorization, Content-Type, If-Match, If-None-Match"));
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    return r;
  }

  asio::awaitable<void> Session(tcp::socket socket, asio::io_context& ctx) {
    beast::tcp_stream stream(std::move(socket));
    SessionState state{&stream, &ctx};
    {
      std::lock_guard lock(sessions_mu_);
      sessions_.insert(&state);
    }
    metrics_.ConnectionOpened();
    struct Cleanup {
      Impl* impl;
      SessionState* state;
      ~Cleanup() {
        impl->metrics_.ConnectionClosed();
        std::lock_guard lock(impl->sessions_mu_);
        impl->sessions_.erase(state);
      }
    } cleanup{this, &state};

    boost::system::error_code ec;
    std::string remote;
    {
      auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    beast::flat_buffer buffer;
    // The request-read deadline cancels the read rather than closing the socket (as
    // tcp_stream's own timeout would), so a slow client can still be told 408.
    asio::steady_timer deadline(ctx);
    uint64_t read_generation = 0;
    bool timed_out = false;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      timed_out = false;
      deadline.expires_after(options_.request_timeout);
      deadline.async_wait([&, generation = ++read_generation](const boost::system::error_code& e) {
        // On session exit the timer is destroyed and this runs with an error: touch nothing.
        if (e || generation != read_generation) return;
        timed_out = true;
        boost::system::error_code ignored;
        stream.socket().cancel(ignored);
      });
      auto [read_ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
      const int64_t start = MonotonicMicros();
      if (!read_ec) {
        if (EqualsIgnoreCase(parser.get()[bhttp::field::expect], "100-continue") &&
            !parser.is_done()) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(kContinue), kUseTuple);
          if (wec) break;
        }
        if (!parser.is_done()) {
          auto [body_ec, bn] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
          read_ec = body_ec;
        }
      }
      ++read_generation;  // disarms the deadline
      deadline.cancel();
      if (read_ec) {
        if (timed_out) read_ec = beast::error::timeout;
        std::optional<Response> error = ReadErrorResponse(read_ec, parser.got_some());
        if (error) co_await Send(stream, *error, 11, false, false, "-", "-", start);
        break;
      }

      const auto& msg = parser.get();
      std::string_view target = msg.target();
      size_t qpos = target.find('?');
      Request request;
      request.method = ToMethod(msg.method());
      request.method_name = msg.method_string();
      request.target = target;
      request.path = target.substr(0, qpos);
      request.query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
      request.body = msg.body();
      request.remote_address = remote;
      request.header_source = &msg.base();

      std::string_view origin = msg[bhttp::field::origin];
      Response response;
      if (websocket_handler_ != nullptr && request.path == websocket_path_) {
        std::optional<Response> refused =
            co_await ServeWebSocket(stream, state, parser, request, start);
        if (!refused) co_return;  // it was a WebSocket, now closed
        response = std::move(*refused);
      } else if (event_stream_handler_ != nullptr && request.path == event_stream_path_ &&
                 request.method == Method::kGet) {
        std::optional<Response> refused =
            co_await ServeEventStream(stream, state, request, origin, start);
        if (!refused) co_return;  // the stream ended, and with it the connection
        response = std::move(*refused);
      } else if (request.method == Method::kOptions &&
                 msg.find(bhttp::field::access_control_request_method) != msg.end()) {
        response = Preflight(origin, msg.base());
      } else {
        response = co_await Invoke(request);
      }
      if (OriginAllowed(origin)) {
        response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
        response.headers.emplace_back("Access-Control-Expose-Headers", "ETag, Location");
        response.headers.emplace_back("Vary", "Origin");
      }
      const bool keep_alive = msg.keep_alive() && !stopping_;
      bool ok =
          co_await Send(stream, response, msg.version(), keep_alive,
                        request.method == Method::kHead, request.method_name, request.path, start);
      if (!ok || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // An upgrade request to the WebSocket path: hands the connection to the handler and
  // serves it until it closes (nullopt), or returns the refusal to answer over HTTP.
  asio::awaitable<std::optional<Response>> ServeWebSocket(
      beast::tcp_stream& stream, SessionState& state,
      bhttp::request_parser<bhttp::string_body>& parser, const Request& request, int64_t start) {
    Response refusal;
    refusal.route = "websocket.upgrade";
    if (!beast::websocket::is_upgrade(parser.get())) {
      refusal = Response::Error(426, Code::kFailedPrecondition,
                                std::string(request.path) + " takes a WebSocket upgrade");
      refusal.headers.emplace_back("Upgrade", "websocket");
      refusal.route = "websocket.upgrade";
      co_return refusal;
    }
    auto session = std::make_shared<detail::WsSession>(
        stream.get_executor(), detail::WebSocketLimits{options_.websocket_max_message_bytes,
                                                       options_.websocket_send_queue_bytes,
                                                       options_.websocket_idle_timeout});
    auto connection = websocket_handler_->OnOpen(request, session);
    if (!connection.ok()) {
      refusal = Response::Error(connection.status());
      refusal.route = "websocket.upgrade";
      co_return refusal;
    }
    metrics_.RecordRequest("websocket.upgrade", 101, MonotonicMicros() - start);
    if (options_.log_requests) spdlog::info("GET {} 101 (websocket)", request.path);
    detail::WsSession::Stream ws(std::move(stream));
    {
      std::lock_guard lock(sessions_mu_);
      state.stream = &ws.next_layer();
      state.websocket = session;
    }
    if (stopping_) session->Close(kCloseGoingAway, "server shutting down");
    co_await session->Run(ws, parser.release(), **connection);
    std::lock_guard lock(sessions_mu_);
    state.websocket.reset();
    co_return std::nullopt;
  }

  // A GET of the event-stream path: the handler's session as Server-Sent Events until it
  // ends (nullopt), or the refusal to answer over HTTP.
  asio::awaitable<std::optional<Response>> ServeEventStream(beast::tcp_stream& stream,
                                                            SessionState& state,
                                                            const Request& request,
                                                            std::string_view origin,
                                                            int64_t start) {
    auto session = std::make_shared<detail::SseSession>(stream.get_executor(),
                                                        options_.websocket_send_queue_bytes);
    auto connection = event_stream_handler_->OnOpen(request, session);
    if (!connection.ok()) {
      Response refusal = Response::Error(connection.status());
      refusal.route = "eventstream.open";
      co_return refusal;
    }
    metrics_.RecordRequest("eventstream.open", 200, MonotonicMicros() - start);
    if (options_.log_requests) spdlog::info("GET {} 200 (event stream)", request.path);
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: hearth\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n";
    if (OriginAllowed(origin) && origin.find_first_of("\r\n") == std::string_view::npos) {
      head += "Access-Control-Allow-Origin: " + std::string(origin) + "\r\nVary: Origin\r\n";
    }
    head += "\r\n";
    if (stopping_) session->Close(kCloseGoingAway, "server shutting down");
    co_await session->Run(stream, std::move(head), **connection);
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return std::nullopt;
  }

  // What to answer when reading a request failed; nullopt: just close.
  std::optional<Response> ReadErrorResponse(const boost::system::error_code& ec, bool got_some) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::error::broken_pipe) {
      return std::nullopt;
    }
    Response r;
    if (ec == beast::error::timeout) {
      if (!got_some) return std::nullopt;  // an idle keep-alive connection
      r = Response::Error(408, Code::kDeadlineExceeded,
                          "the request did not arrive within the time limit");
      r.route = "http.timeout";
    } else if (ec == bhttp::error::body_limit) {
      r = Response::Error(413, Code::kInvalidArgument,
                          "request body larger than the limit of " +
                              std::to_string(options_.max_body_bytes) + " bytes");
      r.route = "http.too_large";
    } else if (ec == bhttp::error::header_limit) {
      r = Response::Error(431, Code::kInvalidArgument, "request headers too large");
      r.route = "http.headers_too_large";
    } else {
      r = Response::Error(400, Code::kInvalidArgument, "malformed HTTP request: " + ec.message());
      r.route = "http.malformed";
    }
    return r;
  }

  // Writes `r`; false if the connection failed.
  asio::awaitable<bool> Send(beast::tcp_stream& stream, Response& r, unsigned version,
                             bool keep_alive, bool head, std::string_view method,
                             std::string_view path, int64_t start) {
    bhttp::response<bhttp::string_body> res;
    res.version(version);
    res.result(static_cast<unsigned>(r.status));
    res.set(bhttp::field::server, "hearth");
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res.insert(name, value);
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    if (head) {
      size_t length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    stream.expires_after(options_.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, res, kUseTuple);
    stream.expires_never();
    int64_t micros = MonotonicMicros() - start;
    metrics_.RecordRequest(r.route, r.status, micros);
    if (options_.log_requests) {
      // The path only: query strings may carry tokens.
      spdlog::info("{} {} {} {:.3f}ms", method, path, r.status, static_cast<double>(micros) / 1000);
    }
    co_return !ec;
  }

  ServerOptions options_;
  Handler& handler_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::signal_set> signals_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  int64_t deadline_ = 0;  // context 0 only

  std::mutex sessions_mu_;
  std::set<SessionState*> sessions_;  // GUARDED_BY(sessions_mu_)

 public:
  // Set before Run().
  std::string websocket_path_;
  WebSocketHandler* websocket_handler_ = nullptr;
  std::string event_stream_path_;
  WebSocketHandler* event_stream_handler_ = nullptr;
};

Server::Server(ServerOptions options, Handler& handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), handler, metrics)) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }
void Server::Shutdown() { impl_->Shutdown(); }
void Server::SetWebSocketHandler(std::string path, WebSocketHandler& handler) {
  impl_->websocket_path_ = std::move(path);
  impl_->websocket_handler_ = &handler;
}

void Server::SetEventStreamHandler(std::string path, WebSocketHandler& handler) {
  impl_->event_stream_path_ = std::move(path);
  impl_->event_stream_handler_ = &handler;
}

}  // namespace hearth::http
