// Three `hearth serve` nodes on one PostgreSQL (the throw-away cluster of the ctest
// fixture "postgres"): what one node writes, the others read at once and push to their
// listeners; a node that was down catches up; keys and tokens work on every node.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
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
    // Names the nodes' connections, so a test can terminate exactly those.
    app_name_ = "hearth-cluster-test-" + std::to_string(::getpid());
    node_url_ =
        url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "application_name=" + app_name_;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartNode(i));
  }

  bool StartNode(int i) {
    ServerOptions options;
    options.project_dir = project_.path();
    options.data_dir = project_.path() + "/.hearth-node" + std::to_string(i);
    options.extra_args = {"--db", node_url_};
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

  // What PostgreSQL's operator (or a failover) does: ends every connection of the nodes,
  // through the server itself (pg_terminate_backend). Returns how many were ended.
  int TerminateNodeConnections() {
    std::string command = "psql '" + url_ +
                          "' -Atc \"SELECT count(pg_terminate_backend(pid)) FROM "
                          "pg_stat_activity WHERE application_name = '" +
                          app_name_ + "'\" 2>&1";
    FILE* out = ::popen(command.c_str(), "r");
    if (out == nullptr) return -1;
    char line[256] = {0};
    std::string text;
    while (std::fgets(line, sizeof line, out) != nullptr) text += line;
    if (::pclose(out) != 0) {
      ADD_FAILURE() << "psql failed: " << text;
      return -1;
    }
    return std::atoi(text.c_str());
  }

  TempDir project_, db_key_;
  std::string url_, node_url_, app_name_;
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

TEST_F(ClusterTest, EveryNodeIsListedAndAnotherDeploymentShows) {
  HttpResponse r = clients_[0]->Admin("GET", "/v1/admin/cluster");
  ASSERT_EQ(r.status, 200) << r.body;
  Json status(r.body);
  EXPECT_EQ(status.Size("/nodes"), 3u) << r.body;
  EXPECT_TRUE(Contains(r.body, R"("consistent":true)")) << r.body;
  EXPECT_TRUE(Contains(r.body, ":" + std::to_string(nodes_[2]->port()) + "\"")) << r.body;
  EXPECT_EQ(clients_[0]->Request("GET", "/v1/admin/cluster").status, 401);

  // A fourth node deployed with other rules: everyone can see it.
  TempDir other;
  WriteFile(other.path() + "/firestore.rules", std::string(kRules) + "// changed\n");
  WriteFile(other.path() + "/hearth.json", R"({"logRequests": false})");
  ServerOptions options;
  options.project_dir = other.path();
  options.extra_args = {"--db", node_url_};
  std::string error;
  auto odd = ServerProcess::Start(options, &error);
  ASSERT_NE(odd, nullptr) << error;
  EXPECT_TRUE(odd->WaitForOutput("serves other rules")) << odd->Output();
  r = clients_[1]->Admin("GET", "/v1/admin/cluster");
  EXPECT_EQ(Json(r.body).Size("/nodes"), 4u) << r.body;
  EXPECT_TRUE(Contains(r.body, R"("consistent":false)")) << r.body;
  EXPECT_TRUE(nodes_[1]->WaitForOutput("serves other rules")) << nodes_[1]->Output();

  // A node that stops leaves the table.
  odd->Signal(SIGTERM);
  EXPECT_EQ(odd->Wait(), 0) << odd->Output();
  r = clients_[1]->Admin("GET", "/v1/admin/cluster");
  EXPECT_EQ(Json(r.body).Size("/nodes"), 3u) << r.body;
  EXPECT_TRUE(Contains(r.body, R"("consistent":true)")) << r.body;
}

TEST_F(ClusterTest, ARevocationOnOneNodeReachesEveryNode) {
  HttpResponse signup = clients_[0]->Request(
      "POST", "/v1/auth/signUp", R"({"email":"r@example.com","password":"cluster-password-2"})");
  ASSERT_EQ(signup.status, 200) << signup.body;
  Json session(signup.body);
  const std::string uid = session.String("/user/uid").value_or("");
  ASSERT_FALSE(uid.empty()) << signup.body;
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + session.String("/idToken").value_or("")}};
  // Every node has verified (and cached) the token before the revocation.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(clients_[i]->Request("PUT", "/v1/documents/posts/r", R"({"n":1})", bearer).status,
              200)
        << "node " << i;
  }
  ASSERT_EQ(clients_[0]->Admin("PATCH", "/v1/admin/users/" + uid, R"({"disabled":true})").status,
            200);
  // Node A refuses the token at once; the others within about a second (they read the
  // shared revocations at most once a second).
  for (int i = 0; i < 3; ++i) {
    HttpResponse refused;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
      refused = clients_[i]->Request("PUT", "/v1/documents/posts/r", R"({"n":2})", bearer);
      if (refused.status == 401) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(refused.status, 401) << "node " << i << ": " << refused.body;
    EXPECT_TRUE(Contains(refused.body, "revoked")) << refused.body;
  }
}

TEST_F(ClusterTest, KillingTheDatabaseConnectionsMidWriteLosesNoAcknowledgedWrite) {
  auto ws = Listen(1, R"({"type":"listen","targetId":1,"document":"posts/final"})");
  Read(*ws);  // the initial (empty) snapshot
  std::atomic<bool> stop = false;
  std::mutex mu;
  std::set<std::string> acknowledged;
  int failed = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(nodes_[w % 2]->port());
      for (int i = 0; !stop; ++i) {
        std::string id = "k" + std::to_string(w) + "-" + std::to_string(i);
        HttpResponse r =
            client.Admin("PUT", "/v1/documents/posts/" + id, R"({"w":)" + std::to_string(w) + "}");
        std::lock_guard lock(mu);
        if (r.status == 200) {
          acknowledged.insert(id);
        } else {
          // An interrupted write is reported as retryable, never as success.
          EXPECT_EQ(r.status, 503) << r.body;
          EXPECT_TRUE(IsErrorBody(r, "unavailable")) << r.body;
          ++failed;
        }
      }
    });
  }
  int terminated = 0;
  for (int round = 0; round < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    terminated += TerminateNodeConnections();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  stop = true;
  for (auto& t : writers) t.join();
  // Each node holds a writer, readers and a listening connection: all of them were ended.
  EXPECT_GE(terminated, 6) << "connections ended";
  ASSERT_GT(acknowledged.size(), 20u) << "writes kept being accepted between the kills";
  std::cout << acknowledged.size() << " writes acknowledged, " << failed << " reported as failed, "
            << terminated << " connections terminated\n";

  // Every acknowledged write is there, read through the node that made none of them.
  HttpResponse query = clients_[2]->Admin("POST", "/v1/query", R"({"from":"posts"})");
  ASSERT_EQ(query.status, 200) << query.body;
  Json docs(query.body);
  std::set<std::string> stored;
  for (size_t i = 0; i < docs.Size("/documents"); ++i) {
    stored.insert(docs.String("/documents/" + std::to_string(i) + "/id").value_or(""));
  }
  for (const auto& id : acknowledged) EXPECT_TRUE(stored.contains(id)) << id << " was lost";

  // The nodes reconnected: writes succeed at the first attempt, and node B's listener
  // (whose LISTEN connection was ended too) still receives node A's changes.
  ASSERT_EQ(clients_[0]->Admin("PUT", "/v1/documents/posts/final", R"({"done":true})").status, 200);
  EXPECT_EQ(clients_[1]->Admin("GET", "/v1/documents/posts/final").status, 200);
  std::string pushed = Read(*ws);
  EXPECT_TRUE(Contains(pushed, R"("done":true)")) << pushed;
}

}  // namespace
}  // namespace hearth::testing
