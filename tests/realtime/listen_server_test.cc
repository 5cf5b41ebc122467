// GET /v1/listen on the real `hearth serve`: WebSocket listeners with the server's own
// credentials (admin token, ID tokens from /v1/auth) and its security rules.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "api/api_test_util.h"
#include "base/strings.h"

namespace hearth::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

constexpr char kRules[] = R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /posts/{postId} {
      allow read: if true;
    }
    match /feed/{id} {
      allow read: if true;
    }
    match /users/{userId} {
      allow read: if request.auth != null && request.auth.uid == userId;
    }
  }
}
)";

class ListenServerTest : public SharedServerTest<ListenServerTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    WriteFile(dir + "/firestore.rules", kRules);
    WriteFile(dir + "/hearth.json", R"({"logRequests": false})");
  }

 protected:
  using Stream = websocket::stream<tcp::socket>;

  // A connected client, or nullptr with `error` set when the upgrade is refused.
  std::unique_ptr<Stream> Connect(std::string authorization = "",
                                  beast::error_code* error = nullptr) {
    auto ws = std::make_unique<Stream>(io_);
    ws->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    ws->set_option(websocket::stream_base::decorator([authorization](websocket::request_type& r) {
      if (!authorization.empty()) r.set(beast::http::field::authorization, authorization);
    }));
    beast::error_code ec;
    ws->handshake("127.0.0.1", "/v1/listen", ec);
    if (error != nullptr) *error = ec;
    if (ec) return nullptr;
    return ws;
  }
  static std::string Read(Stream& ws) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) return "error: " + ec.message();
    return beast::buffers_to_string(buffer.data());
  }
  static void Write(Stream& ws, std::string_view text) {
    ws.text(true);
    ws.write(asio::buffer(text));
  }
  static bool Contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
  }
  // Signs a new user up; returns {uid, idToken}.
  std::pair<std::string, std::string> SignUp(const std::string& email) {
    HttpResponse r =
        client_->Request("POST", "/v1/auth/signUp",
                         R"({"email":")" + email + R"(","password":"listen-password-1"})");
    EXPECT_EQ(r.status, 200) << r.body;
    Json j(r.body);
    return {j.String("/user/uid").value_or(""), j.String("/idToken").value_or("")};
  }

  asio::io_context io_;
};

TEST_F(ListenServerTest, AnonymousListenerSeesWritesLive) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/live1", R"({"n":2})").status, 200);
  auto ws = Connect();
  ASSERT_NE(ws, nullptr);
  Write(*ws, R"({"type":"listen","targetId":1,"query":{"from":"posts","orderBy":[["n","asc"]]}})");
  std::string first = Read(*ws);
  EXPECT_TRUE(Contains(first, R"("targetId":1,"changes":[{"type":"added","id":"live1")")) << first;
  EXPECT_TRUE(Contains(first, R"("initial":true)")) << first;
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/live0", R"({"n":1})").status, 200);
  std::string second = Read(*ws);
  EXPECT_TRUE(Contains(second, R"({"type":"added","id":"live0")")) << second;
  EXPECT_TRUE(Contains(second, R"("oldIndex":-1,"newIndex":0)")) << second;
  ASSERT_EQ(client_->Admin("DELETE", "/v1/documents/posts/live1").status, 200);
  std::string third = Read(*ws);
  EXPECT_TRUE(Contains(third, R"({"type":"removed","id":"live1")")) << third;
  ws->close(websocket::close_code::normal);
}

TEST_F(ListenServerTest, RulesDecideEachTarget) {
  auto ws = Connect();
  ASSERT_NE(ws, nullptr);
  // No rule allows reading "secrets": that target ends, the connection stays.
  Write(*ws, R"({"type":"listen","targetId":1,"query":{"from":"secrets"}})");
  std::string denied = Read(*ws);
  EXPECT_TRUE(Contains(denied, R"({"type":"error","targetId":1,"code":"permission-denied")"))
      << denied;
  EXPECT_FALSE(Contains(denied, "request.auth")) << "rule text leaked: " << denied;
  // Signed out, a profile may not be listened to; signed in as its owner it may.
  auto [uid, token] = SignUp("listener-owner@example.com");
  Write(*ws, R"({"type":"listen","targetId":2,"document":"users/)" + uid + "\"}");
  EXPECT_TRUE(Contains(Read(*ws), R"("targetId":2,"code":"permission-denied")"));
  auto signed_in = Connect("Bearer " + token);
  ASSERT_NE(signed_in, nullptr);
  Write(*signed_in, R"({"type":"listen","targetId":3,"document":"users/)" + uid + "\"}");
  std::string own = Read(*signed_in);
  EXPECT_TRUE(Contains(own, R"({"type":"snapshot","targetId":3,"changes":[])")) << own;
  auto [other_uid, other_token] = SignUp("listener-other@example.com");
  Write(*signed_in, R"({"type":"listen","targetId":4,"document":"users/)" + other_uid + "\"}");
  EXPECT_TRUE(Contains(Read(*signed_in), R"("targetId":4,"code":"permission-denied")"));
  // The admin credential bypasses the rules.
  auto admin = Connect(std::string("Bearer ") + kAdminToken);
  ASSERT_NE(admin, nullptr);
  Write(*admin, R"({"type":"listen","targetId":5,"query":{"from":"secrets"}})");
  EXPECT_TRUE(Contains(Read(*admin), R"({"type":"snapshot","targetId":5)"));
}

TEST_F(ListenServerTest, BadCredentialsRefuseTheUpgrade) {
  beast::error_code ec;
  EXPECT_EQ(Connect("Bearer not-a-token", &ec), nullptr);
  EXPECT_TRUE(ec) << "the upgrade with a bad token was accepted";
  // The server keeps serving.
  EXPECT_EQ(client_->Request("GET", "/healthz").status, 200);
  EXPECT_NE(Connect(), nullptr);
}

TEST_F(ListenServerTest, ANewTokenRechecksEveryTarget) {
  auto [uid, token] = SignUp("recheck-a@example.com");
  auto [other_uid, other_token] = SignUp("recheck-b@example.com");
  auto ws = Connect("Bearer " + token);
  ASSERT_NE(ws, nullptr);
  Write(*ws, R"({"type":"listen","targetId":1,"document":"users/)" + uid + "\"}");
  EXPECT_TRUE(Contains(Read(*ws), R"({"type":"snapshot","targetId":1)"));
  Write(*ws, R"({"type":"listen","targetId":2,"query":{"from":"posts"}})");
  EXPECT_TRUE(Contains(Read(*ws), R"({"type":"snapshot","targetId":2)"));
  // Another user's token on the same connection: their rules decide, so the first
  // user's profile target ends; the public one stays.
  Write(*ws, R"({"type":"auth","token":")" + other_token + "\"}");
  std::string ended = Read(*ws);
  EXPECT_TRUE(Contains(ended, R"({"type":"error","targetId":1,"code":"permission-denied")"))
      << ended;
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/users/" + uid, R"({"secret":"s3cr3t"})").status,
            200);
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/recheck", R"({"n":1})").status, 200);
  std::string next = Read(*ws);
  EXPECT_TRUE(Contains(next, R"({"type":"snapshot","targetId":2)")) << next;
  EXPECT_FALSE(Contains(next, "s3cr3t")) << next;
}

TEST_F(ListenServerTest, ARevokedTokenStopsItsListeners) {
  auto [uid, token] = SignUp("revoked-listener@example.com");
  auto ws = Connect("Bearer " + token);
  ASSERT_NE(ws, nullptr);
  Write(*ws, R"({"type":"listen","targetId":7,"document":"users/)" + uid + "\"}");
  EXPECT_TRUE(Contains(Read(*ws), R"({"type":"snapshot","targetId":7)"));
  // Disabling the account revokes its tokens at once.
  ASSERT_EQ(client_->Admin("PATCH", "/v1/admin/users/" + uid, R"({"disabled":true})").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the 1 s re-check
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/users/" + uid, R"({"after":"revocation"})").status,
            200);
  std::string answer = Read(*ws);
  EXPECT_TRUE(Contains(answer, R"({"type":"error","targetId":7,"code":"unauthenticated")"))
      << answer;
  EXPECT_FALSE(Contains(answer, "revocation")) << "data reached a revoked caller: " << answer;
}

// Reads from `fd` until `needle` has arrived (or 5 s pass); returns everything read.
std::string ReadUntil(int fd, std::string_view needle, std::string& buffer) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (buffer.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return buffer;
}

TEST_F(ListenServerTest, ServerSentEventsCarryTheSameSnapshots) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/feed/sse1", R"({"n":1})").status, 200);
  int fd = client_->Connect();
  ASSERT_GE(fd, 0);
  std::string request =
      "GET /v1/listen/sse?query=" + PercentEncode(R"({"from":"feed","where":[["n",">=",1]]})") +
      " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string got;
  ReadUntil(fd, "}\n\n", got);  // the headers and the first event
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_NE(
      got.find(R"(data: {"type":"snapshot","targetId":1,"changes":[{"type":"added","id":"sse1")"),
      std::string::npos)
      << got;
  got.clear();
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/feed/sse2", R"({"n":5})").status, 200);
  ReadUntil(fd, "}\n\n", got);
  EXPECT_NE(
      got.find(R"(data: {"type":"snapshot","targetId":1,"changes":[{"type":"added","id":"sse2")"),
      std::string::npos)
      << got;
  ::close(fd);
  // The server notices the client leaving and keeps serving.
  EXPECT_EQ(client_->Request("GET", "/healthz").status, 200);
}

TEST_F(ListenServerTest, ServerSentEventsRefuseBadRequestsOverHttp) {
  auto none = client_->Request("GET", "/v1/listen/sse");
  EXPECT_EQ(none.status, 400);
  EXPECT_TRUE(IsErrorBody(none, "invalid-argument"));
  auto denied =
      client_->Request("GET", "/v1/listen/sse?query=" + PercentEncode(R"({"from":"secrets"})"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_TRUE(IsErrorBody(denied, "permission-denied"));
  auto bad_token = client_->Request("GET", "/v1/listen/sse?document=posts/a&token=nope");
  EXPECT_EQ(bad_token.status, 401);
  EXPECT_TRUE(IsErrorBody(bad_token, "unauthenticated"));
  auto bad_query = client_->Request("GET", "/v1/listen/sse?query=%7Bnot-json");
  EXPECT_EQ(bad_query.status, 400);
  auto [uid, token] = SignUp("sse-owner@example.com");
  // EventSource cannot set headers: the token may come as a parameter.
  int fd = client_->Connect();
  ASSERT_GE(fd, 0);
  std::string request = "GET /v1/listen/sse?document=users/" + uid + "&token=" + token +
                        " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string got;
  ReadUntil(fd, "}\n\n", got);
  EXPECT_NE(got.find(R"(data: {"type":"snapshot","targetId":1,"changes":[])"), std::string::npos)
      << got;
  ::close(fd);
}

TEST_F(ListenServerTest, ARulesReloadEndsTargetsTheNewRulesDeny) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/feed/r1", R"({"v":1})").status, 200);
  auto ws = Connect();
  ASSERT_NE(ws, nullptr);
  Write(*ws, R"({"type":"listen","targetId":1,"query":{"from":"feed"}})");
  EXPECT_TRUE(Contains(Read(*ws), R"("id":"r1")"));
  Write(*ws, R"({"type":"listen","targetId":2,"document":"posts/stays-open"})");
  EXPECT_TRUE(Contains(Read(*ws), R"("targetId":2)"));

  // The feed is closed to everyone: the open target ends at its next change, and the
  // change itself is not delivered.
  std::string closed = kRules;
  closed.replace(closed.find("match /feed/{id} {\n      allow read: if true;"),
                 std::string("match /feed/{id} {\n      allow read: if true;").size(),
                 "match /feed/{id} {\n      allow read: if false;");
  const std::string file = project_->path() + "/firestore.rules";
  WriteFile(file, closed);
  ASSERT_TRUE(
      PollUntil([&] { return client_->Request("GET", "/v1/documents/feed/r1").status == 403; }));
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/feed/r1", R"({"v":"after-close"})").status, 200);
  std::string ended = Read(*ws);
  EXPECT_TRUE(Contains(ended, R"({"type":"error","targetId":1,"code":"permission-denied")"))
      << ended;
  EXPECT_FALSE(Contains(ended, "after-close")) << ended;
  // What the new rules still allow keeps flowing.
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/stays-open", R"({"ok":1})").status, 200);
  std::string next = Read(*ws);
  EXPECT_TRUE(Contains(next, R"("targetId":2,"changes":[{"type":"added","id":"stays-open")"))
      << next;

  WriteFile(file, kRules);  // the other tests share this server
  ASSERT_TRUE(
      PollUntil([&] { return client_->Request("GET", "/v1/documents/feed/r1").status == 200; }));
}

}  // namespace
}  // namespace hearth::testing
