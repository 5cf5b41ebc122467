// bench/hello_beast.cc — the "HTTP ceiling" of this box for bench/foundation.sh.
//
// A bare Boost.Beast HTTP/1.1 server that answers every request with the same
// small JSON body. No routing, no auth, no storage, no logging: whatever Hearth
// does on top of HTTP parsing/serialization shows up as the gap to this number.
//
// Design (deliberately the same shape a Beast server like Hearth would use):
//   * one boost::asio::io_context run by N threads (N = --threads, default nproc);
//   * C++20 coroutines: one acceptor coroutine, one co_spawn'ed session per
//     connection (boost::asio::awaitable / use_awaitable);
//   * keep-alive honoured per request (HTTP/1.1 default), TCP_NODELAY on.
//
// Usage: bench_hello [--host 127.0.0.1] [--port 8080] [--threads N]
//   --port 0 picks a free port. Prints "listening on http://HOST:PORT" once the
//   acceptor is listening. SIGINT/SIGTERM stop it.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr std::string_view kBody = R"({"ok":true,"message":"hello from bench_hello"})";

// Errors are expected (clients disconnecting); use as_tuple so the hot path
// never throws.
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> session(tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);

  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [read_ec, read_n] = co_await http::async_read(socket, buffer, req, kTuple);
    if (read_ec) break;  // end_of_stream, reset, parse error: just drop the connection

    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "bench_hello");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = kBody;
    res.prepare_payload();

    auto [write_ec, write_n] = co_await http::async_write(socket, res, kTuple);
    if (write_ec || !res.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

asio::awaitable<void> listener(tcp::acceptor acceptor) {
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep accepting
    }
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

[[noreturn]] void usage(const char* argv0, int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: %s [--host ADDR] [--port PORT] [--threads N]\n"
               "  defaults: --host 127.0.0.1 --port 8080 --threads <nproc>\n",
               argv0);
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  unsigned threads = std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0], 2);
      return argv[++i];
    };
    try {
      if (arg == "--host") {
        host = value();
      } else if (arg == "--port") {
        port = static_cast<unsigned short>(std::stoul(value()));
      } else if (arg == "--threads") {
        threads = static_cast<unsigned>(std::stoul(value()));
        if (threads == 0) usage(argv[0], 2);
      } else if (arg == "-h" || arg == "--help") {
        usage(argv[0], 0);
      } else {
        usage(argv[0], 2);
      }
    } catch (const std::exception&) {
      usage(argv[0], 2);
    }
  }

  try {
    asio::io_context ioc{static_cast<int>(threads)};

    tcp::endpoint endpoint{asio::ip::make_address(host), port};
    tcp::acceptor acceptor{ioc};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto bound = acceptor.local_endpoint();

    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });

    asio::co_spawn(ioc, listener(std::move(acceptor)), asio::detached);

    std::cout << "bench_hello: listening on http://" << bound.address().to_string() << ':'
              << bound.port() << " with " << threads << " thread(s)" << std::endl;

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& th : pool) th.join();
  } catch (const std::exception& e) {
    std::cerr << "bench_hello: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
