// Three `hearth serve` nodes on one PostgreSQL (the throw-away cluster of the ctest
// fixture "postgres"): what one node writes, the others read at once and push to their
// listeners; a node that was down catches up; keys and tokens work on every node.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "api/api_test_util.h"
#include "support/test_store.h"

namespace hearth::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Stream = websocket::stream<tcp::socket>;

constexpr char kRules[] = R"(rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /posts/{postId} {
      allow read: if true;
      allow write: if request.auth != null;
    }
  }
}
)";

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(project_.path() + "/firestore.rules", kRules);
    WriteFile(project_.path() + "/hearth.json", R"({"logRequests": false})");
    url_ = PostgresUrlFor(db_key_.path());
    ASSERT_FALSE(url_.empty());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartNode(i));
  }

  bool StartNode(int i) {
    ServerOptions options;
    options.project_dir = project_.path();
    options.data_dir = project_.path() + "/.hearth-node" + std::to_string(i);
    options.extra_args = {"--db", url_};
    std::string error;
    nodes_[i] = ServerProcess::Start(options, &error);
    EXPECT_NE(nodes_[i], nullptr) << error;
    if (nodes_[i] == nullptr) return false;
    clients_[i] = std::make_unique<HttpClient>(nodes_[i]->port());
    return true;
  }

  std::unique_ptr<Stream> Listen(int node, std::string_view listen_json) {
    auto ws = std::make_unique<Stream>(io_);
    ws->next_layer().connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), nodes_[node]->port()));
    ws->handshake("127.0.0.1", "/v1/listen");
    ws->text(true);
    ws->write(asio::buffer(listen_json));
    return ws;
  }

  static std::string Read(Stream& ws) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) return "error: " + ec.message();
    return beast::buffers_to_string(buffer.data());
  }

  static bool Contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  }

  TempDir project_, db_key_;
  std::string url_;
  std::unique_ptr<ServerProcess> nodes_[3];
  std::unique_ptr<HttpClient> clients_[3];
  asio::io_context io_;
};

TEST_F(ClusterTest, AWriteOnOneNodeIsReadableOnAnotherAtOnce) {
  for (int i = 0; i < 20; ++i) {
    std::string path = "/v1/documents/posts/p" + std::to_string(i);
    ASSERT_EQ(clients_[0]->Admin("PUT", path, R"({"n":)" + std::to_string(i) + "}").status, 200);
    HttpResponse read = clients_[2]->Admin("GET", path);
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_TRUE(Contains(read.body, R"("n":)" + std::to_string(i))) << read.body;
    // An update through node B is what node C reads next, never the older version.
    ASSERT_EQ(clients_[1]->Admin("PATCH", path, R"({"n":-1})").status, 200);
    read = clients_[2]->Admin("GET", path);
    EXPECT_TRUE(Contains(read.body, R"("n":-1)")) << read.body;
  }
  HttpResponse query = clients_[1]->Admin("POST", "/v1/query", R"({"from":"posts"})");
  ASSERT_EQ(query.status, 200);
  EXPECT_EQ(Json(query.body).Size("/documents"), 20u) << query.body;
}

TEST_F(ClusterTest, AListenerOnOneNodeReceivesWritesMadeOnAnother) {
  auto ws = Listen(1, R"({"type":"listen","targetId":1,"query":{"from":"posts"}})");
  std::string first = Read(*ws);
  EXPECT_TRUE(Contains(first, R"("targetId":1,"changes":[])")) << first;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(clients_[0]->Admin("PUT", "/v1/documents/posts/live", R"({"v":1})").status, 200);
  std::string added = Read(*ws);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(Contains(added, R"({"type":"added","id":"live")")) << added;
  // Pushed by NOTIFY, not found by the once-a-second poll.
  EXPECT_LT(elapsed, std::chrono::milliseconds(900));
  // One batch on node C is one snapshot on node B.
  ASSERT_EQ(clients_[2]
                ->Admin("POST", "/v1/commit",
                        R"({"writes":[{"set":{"path":"posts/b1","data":{"v":1}}},)"
                        R"({"set":{"path":"posts/b2","data":{"v":2}}},)"
                        R"({"delete":{"path":"posts/live"}}]})")
                .status,
            200);
  std::string batch = Read(*ws);
  EXPECT_TRUE(Contains(batch, R"("id":"b1")")) << batch;
  EXPECT_TRUE(Contains(batch, R"("id":"b2")")) << batch;
  EXPECT_TRUE(Contains(batch, R"({"type":"removed","id":"live")")) << batch;
}

TEST_F(ClusterTest, ARestartedNodeServesWhatWasWrittenWhileItWasDown) {
  nodes_[1]->Signal(SIGKILL);
  nodes_[1]->Wait();
  ASSERT_EQ(clients_[0]->Admin("PUT", "/v1/documents/posts/while-down", R"({"v":7})").status, 200);
  ASSERT_TRUE(StartNode(1));
  auto ws = Listen(1, R"({"type":"listen","targetId":3,"document":"posts/while-down"})");
  std::string first = Read(*ws);
  EXPECT_TRUE(Contains(first, R"({"type":"added","id":"while-down")")) << first;
  ASSERT_EQ(clients_[2]->Admin("PATCH", "/v1/documents/posts/while-down", R"({"v":8})").status,
            200);
  std::string next = Read(*ws);
  EXPECT_TRUE(Contains(next, R"({"type":"modified","id":"while-down")")) << next;
  EXPECT_TRUE(Contains(next, R"("v":8)")) << next;
}

TEST_F(ClusterTest, ASignInOnOneNodeIsValidOnEveryNode) {
  HttpResponse signup = clients_[0]->Request(
      "POST", "/v1/auth/signUp", R"({"email":"c@example.com","password":"cluster-password-1"})");
  ASSERT_EQ(signup.status, 200) << signup.body;
  Json session(signup.body);
  std::string bearer = "Bearer " + session.String("/idToken").value_or("");
  // Signed by node A's key, which every node shares through the database.
  for (int i = 0; i < 3; ++i) {
    HttpResponse write =
        clients_[i]->Request("PUT", "/v1/documents/posts/by-user-" + std::to_string(i),
                             R"({"ok":true})", {{"Authorization", bearer}});
    EXPECT_EQ(write.status, 200) << "node " << i << ": " << write.body;
  }
  // A refresh token issued by node A rotates on node C; its re-use on node B is refused.
  std::string refresh = session.String("/refreshToken").value_or("");
  const std::string body = R"({"refreshToken":")" + refresh + "\"}";
  HttpResponse rotated = clients_[2]->Request("POST", "/v1/auth/token", body);
  EXPECT_EQ(rotated.status, 200) << rotated.body;
  HttpResponse reused = clients_[1]->Request("POST", "/v1/auth/token", body);
  EXPECT_EQ(reused.status, 401) << reused.body;
  // Sign-in with the password works on a node that did not create the user.
  HttpResponse signin =
      clients_[1]->Request("POST", "/v1/auth/signInWithPassword",
                           R"({"email":"c@example.com","password":"cluster-password-1"})");
  EXPECT_EQ(signin.status, 200) << signin.body;
}

TEST_F(ClusterTest, ConcurrentIncrementsOnAllNodesAreNeverLost) {
  ASSERT_EQ(clients_[0]->Admin("PUT", "/v1/documents/posts/counter", R"({"n":0})").status, 200);
  std::vector<std::thread> threads;
  constexpr int kPerNode = 30;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(nodes_[i]->port());
      for (int k = 0; k < kPerNode; ++k) {
        HttpResponse r = client.Admin(
            "POST", "/v1/commit",
            R"({"writes":[{"update":{"path":"posts/counter","data":{"n":{"$increment":1}}}}]})");
        EXPECT_EQ(r.status, 200) << r.body;
      }
    });
  }
  for (auto& t : threads) t.join();
  HttpResponse read = clients_[1]->Admin("GET", "/v1/documents/posts/counter");
  EXPECT_TRUE(Contains(read.body, R"("n":)" + std::to_string(3 * kPerNode))) << read.body;
}

}  // namespace
}  // namespace hearth::testing
