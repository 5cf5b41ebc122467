// The listen protocol over real WebSockets: an in-process http::Server with the
// ListenHandler, and a Beast WebSocket client.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "http/server.h"
#include "realtime/engine_fixture.h"
#include "realtime/listen_handler.h"

namespace hearth::realtime::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

class NoRoutes final : public http::Handler {
 public:
  void Handle(const http::Request&, http::Responder respond) override {
    respond(http::Response::Error(hearth::NotFound("no such route")));
  }
};

constexpr char kGoodToken[] = "good-token";

class WebSocketTest : public EngineTest {
 protected:
  void StartServer(size_t send_queue_bytes = 4 * 1024 * 1024) {
    ListenOptions options;
    options.authenticate = [](std::string_view token) -> Result<std::shared_ptr<const Principal>> {
      if (token == "admin") return std::make_shared<const Principal>(Principal{"", true, {}});
      if (token != kGoodToken) return Unauthenticated("invalid token");
      return std::make_shared<const Principal>(Principal{"alice", false, {}});
    };
    options.authorize = [this](const Principal* caller, const TargetSpec& target) -> Status {
      if (target.document && target.document->ToString().starts_with("private/") &&
          (caller == nullptr || caller->uid != "alice")) {
        return PermissionDenied("only alice may listen to private documents");
      }
      if (posts_closed_ && target.query) return PermissionDenied("posts are closed now");
      return Status::Ok();
    };
    // Stands in for the rules: posts_closed_ flips with a new generation, as on a reload.
    options.rules_generation = [this] { return rules_generation_.load(); };
    handler_ = std::make_unique<ListenHandler>(*engine_, std::move(options));
    server_ = std::make_unique<http::Server>(
        http::ServerOptions{.port = 0,
                            .threads = 1,
                            .log_requests = false,
                            .websocket_send_queue_bytes = send_queue_bytes},
        not_found_, metrics_);
    server_->SetWebSocketHandler("/v1/listen", *handler_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(false); });
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      thread_.join();
      server_.reset();
    }
    EngineTest::TearDown();
  }

  // A connected client; `authorization` becomes the upgrade's Authorization header.
  std::unique_ptr<websocket::stream<tcp::socket>> Connect(std::string authorization = "",
                                                          beast::error_code* error = nullptr) {
    auto ws = std::make_unique<websocket::stream<tcp::socket>>(io_);
    ws->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    ws->set_option(websocket::stream_base::decorator([authorization](websocket::request_type& r) {
      if (!authorization.empty()) r.set(beast::http::field::authorization, authorization);
    }));
    beast::error_code ec;
    ws->handshake("127.0.0.1", "/v1/listen", ec);
    if (error != nullptr) *error = ec;
    EXPECT_TRUE(error != nullptr || !ec) << ec.message();
    return ws;
  }
  static std::string Read(websocket::stream<tcp::socket>& ws) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) return "error: " + ec.message();
    return beast::buffers_to_string(buffer.data());
  }
  static void Write(websocket::stream<tcp::socket>& ws, std::string_view text) {
    ws.text(true);
    ws.write(asio::buffer(text));
  }

  std::atomic<bool> posts_closed_ = false;
  std::atomic<uint64_t> rules_generation_ = 1;
  asio::io_context io_;
  NoRoutes not_found_;
  http::Metrics metrics_;
  std::unique_ptr<ListenHandler> handler_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST_F(WebSocketTest, QuerySnapshotsArriveAsWritesCommit) {
  Commit({Set("posts/a", R"({"n":2})")});
  StartServer();
  auto ws = Connect();
  Write(*ws, R"({"type":"listen","targetId":7,"query":{"from":"posts","orderBy":[["n","asc"]]}})");
  std::string first = Read(*ws);
  EXPECT_TRUE(Contains(
      first,
      R"({"type":"snapshot","targetId":7,"changes":[{"type":"added","id":"a","path":"posts/a","data":{"n":2})"))
      << first;
  EXPECT_TRUE(Contains(first, R"("oldIndex":-1,"newIndex":0}])")) << first;
  EXPECT_TRUE(Contains(first, R"("initial":true)")) << first;
  EXPECT_TRUE(Contains(first, R"("resumeToken":")")) << first;
  Commit({Set("posts/b", R"({"n":1})")});
  std::string second = Read(*ws);
  EXPECT_TRUE(Contains(second, R"("type":"added","id":"b")")) << second;
  EXPECT_TRUE(Contains(second, R"("oldIndex":-1,"newIndex":0})")) << second;
  EXPECT_FALSE(Contains(second, "initial")) << second;
  Write(*ws, R"({"type":"unlisten","targetId":7})");
  Write(*ws, R"({"type":"listen","targetId":8,"document":"posts/b"})");
  std::string doc = Read(*ws);
  EXPECT_TRUE(Contains(doc, R"("targetId":8,"changes":[{"type":"added","id":"b")")) << doc;
  ws->close(websocket::close_code::normal);
}

TEST_F(WebSocketTest, ErrorsEndOnlyTheirTarget) {
  StartServer();
  auto ws = Connect();
  Write(*ws, R"({"type":"listen","targetId":1,"document":"private/x"})");
  std::string denied = Read(*ws);
  EXPECT_TRUE(Contains(denied, R"({"type":"error","targetId":1,"code":"permission-denied")"))
      << denied;
  Write(*ws, R"({"type":"listen","targetId":2,"query":{"from":"posts","limit":-1}})");
  EXPECT_TRUE(Contains(Read(*ws), R"("targetId":2,"code":"invalid-argument")"));
  // Signed in as alice, the private document may be listened to.
  Write(*ws, std::string(R"({"type":"auth","token":")") + kGoodToken + "\"}");
  Write(*ws, R"({"type":"listen","targetId":3,"document":"private/x"})");
  std::string allowed = Read(*ws);
  EXPECT_TRUE(Contains(allowed, R"({"type":"snapshot","targetId":3,"changes":[])")) << allowed;
}

TEST_F(WebSocketTest, ARulesChangeEndsTheTargetsItNoLongerAllows) {
  StartServer();
  auto ws = Connect();
  Write(*ws, R"({"type":"listen","targetId":1,"query":{"from":"posts"}})");
  EXPECT_TRUE(Contains(Read(*ws), R"("targetId":1,"changes":[])"));
  Write(*ws, R"({"type":"listen","targetId":2,"document":"other/x"})");
  EXPECT_TRUE(Contains(Read(*ws), R"("targetId":2,"changes":[])"));

  posts_closed_ = true;
  ++rules_generation_;
  // The next change of the query is not delivered: the target ends instead.
  Commit({Set("posts/a", R"({"secret":1})")});
  std::string ended = Read(*ws);
  EXPECT_TRUE(Contains(ended, R"({"type":"error","targetId":1,"code":"permission-denied")"))
      << ended;
  EXPECT_FALSE(Contains(ended, "secret")) << ended;
  // The target still allowed carries on.
  Commit({Set("other/x", R"({"v":2})")});
  std::string next = Read(*ws);
  EXPECT_TRUE(Contains(next, R"("targetId":2,"changes":[{"type":"added","id":"x")")) << next;
  EXPECT_FALSE(Contains(next, "secret")) << next;
}

TEST_F(WebSocketTest, BadTokensAreRefused) {
  StartServer();
  beast::error_code ec;
  Connect("Bearer nope", &ec);
  EXPECT_TRUE(ec) << "the upgrade should be refused";
  auto ws = Connect(std::string("Bearer ") + kGoodToken);
  Write(*ws, R"({"type":"auth","token":"nope"})");
  EXPECT_TRUE(Contains(Read(*ws), R"("code":"unauthenticated")"));
  EXPECT_EQ(Read(*ws), "error: The WebSocket stream was gracefully closed at both endpoints");
  EXPECT_EQ(ws->reason().code, http::kClosePolicy);
}

TEST_F(WebSocketTest, AClientThatDoesNotReadIsClosedWithAClearCode) {
  StartServer(/*send_queue_bytes=*/256 * 1024);
  auto ws = Connect();
  Write(*ws, R"({"type":"listen","targetId":1,"query":{"from":"big"}})");
  const std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 200; ++i) {
    Commit({Set("big/d" + std::to_string(i), "{\"s\":\"" + blob + "\"}")});
  }
  // Now read: what was sent before the overflow, then the close frame.
  std::string last;
  for (int i = 0; i < 1000; ++i) {
    last = Read(*ws);
    if (last.starts_with("error:")) break;
  }
  EXPECT_TRUE(last.starts_with("error:")) << last.substr(0, 100);
  EXPECT_EQ(ws->reason().code, http::kCloseSendOverflow) << last;
  EXPECT_TRUE(Contains(std::string(ws->reason().reason.c_str()), "send queue overflow"));
}

}  // namespace
}  // namespace hearth::realtime::testing
