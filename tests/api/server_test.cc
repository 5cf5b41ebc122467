// The HTTP server and the process around it, against the real binary: CORS, slow
// clients, keep-alive and pipelining, 100-continue, graceful shutdown, restarts, the
// data-folder lock, `hearth init`, configuration errors.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

constexpr char kOrigin[] = "http://app.example";

// One server for the protocol tests: CORS for one origin, a 500 ms request time limit.
class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    server_ =
        StartServer(project_->path(), R"({"cors":{"origins":["http://app.example"]},)"
                                      R"("limits":{"requestTimeoutMs":500},"logRequests":false})")
            .release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete project_;
    project_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }
  int port() const { return server_->port(); }

  static TempDir* project_;
  static ServerProcess* server_;
};

TempDir* ServerTest::project_ = nullptr;
ServerProcess* ServerTest::server_ = nullptr;

std::string AuthHeader() { return std::string("Authorization: Bearer ") + kAdminToken + "\r\n"; }

// ---------------------------------------------------------------------------------------
// CORS

TEST_F(ServerTest, CorsPreflightFromAllowedOrigin) {
  HttpClient c(port());
  HttpResponse r = c.Request("OPTIONS", "/v1/documents/posts/a", "",
                             {{"Origin", kOrigin},
                              {"Access-Control-Request-Method", "PUT"},
                              {"Access-Control-Request-Headers", "authorization, content-type"}});
  EXPECT_EQ(r.status, 204) << r.body;  // no credentials needed for a preflight
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("access-control-allow-origin"), kOrigin);
  std::string methods = r.Header("access-control-allow-methods");
  for (std::string m : {"GET", "PUT", "PATCH", "DELETE", "POST"}) {
    EXPECT_NE(methods.find(m), std::string::npos) << m << " not in " << methods;
  }
  EXPECT_NE(r.Header("access-control-allow-headers").find("authorization"), std::string::npos)
      << r.Header("access-control-allow-headers");
  EXPECT_NE(r.Header("access-control-allow-headers").find("content-type"), std::string::npos);
  EXPECT_FALSE(r.Header("access-control-max-age").empty());
  EXPECT_NE(r.Header("vary").find("Origin"), std::string::npos);

  // Without Access-Control-Request-Headers the usual ones are allowed.
  HttpResponse plain = c.Request("OPTIONS", "/v1/documents/posts", "",
                                 {{"Origin", kOrigin}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(plain.status, 204);
  std::string allowed = plain.Header("access-control-allow-headers");
  for (std::string h : {"Authorization", "Content-Type", "If-Match"}) {
    EXPECT_NE(allowed.find(h), std::string::npos) << h << " not in " << allowed;
  }
  // The connection is still usable after a 204.
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, CorsPreflightFromOtherOriginIs403) {
  HttpClient c(port());
  for (std::string origin :
       {"http://evil.example", "https://app.example", "http://app.example:8080",
        "http://app.example.evil.com", "null", ""}) {
    SCOPED_TRACE("origin '" + origin + "'");
    Headers h = {{"Access-Control-Request-Method", "PUT"}};
    if (!origin.empty()) h.emplace_back("Origin", origin);
    HttpResponse r = c.Request("OPTIONS", "/v1/documents/posts/a", "", h);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_TRUE(IsErrorBody(r, "permission-denied"));
    EXPECT_EQ(r.Header("access-control-allow-origin"), "");
    EXPECT_EQ(r.Header("access-control-allow-methods"), "");
  }
}

TEST_F(ServerTest, CorsHeadersOnActualRequests) {
  HttpClient c(port());
  HttpResponse allowed = c.Request("GET", "/healthz", "", {{"Origin", kOrigin}});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), kOrigin);
  EXPECT_NE(allowed.Header("access-control-expose-headers").find("ETag"), std::string::npos);
  EXPECT_NE(allowed.Header("vary").find("Origin"), std::string::npos);

  HttpResponse other = c.Request("GET", "/healthz", "", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("access-control-allow-origin"), "");
  EXPECT_EQ(other.Header("access-control-expose-headers"), "");

  HttpResponse none = c.Request("GET", "/healthz");
  EXPECT_EQ(none.Header("access-control-allow-origin"), "");

  // Document writes and errors from the allowed origin carry the header too, so a browser
  // can read them.
  HttpResponse put = c.Admin("PUT", "/v1/documents/cors/a", R"({"x":1})", {{"Origin", kOrigin}});
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.Header("access-control-allow-origin"), kOrigin);
  HttpResponse denied = c.Request("GET", "/v1/documents/cors/a", "", {{"Origin", kOrigin}});
  EXPECT_EQ(denied.status, 403);  // anonymous, and no security rules
  EXPECT_EQ(denied.Header("access-control-allow-origin"), kOrigin);
  HttpResponse denied_other =
      c.Request("GET", "/v1/documents/cors/a", "", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(denied_other.status, 403);
  EXPECT_EQ(denied_other.Header("access-control-allow-origin"), "");
}

// ---------------------------------------------------------------------------------------
// Slow clients (requestTimeoutMs = 500)

// What a client cut off for being slow may see: the connection closed, with either
// nothing or a 408 error before the close. (server.h promises the 408; see
// SlowClientIsToldWhy for that part.)
void ExpectTimeoutReply(const std::string& reply) {
  if (reply.empty()) return;
  RawHead head = ParseRawHead(reply);
  EXPECT_EQ(head.status, 408) << reply;
  HttpResponse r;
  r.status = head.status;
  r.body = head.rest;
  for (const auto& [k, v] : head.headers) r.headers[k] = v;
  EXPECT_TRUE(IsErrorBody(r, "deadline-exceeded"));
}

// server.h: "a slow ... request gets 408 ... without reaching the handler". A client that
// sent half a request and stalled is told why it is disconnected.
TEST_F(ServerTest, SlowClientIsToldWhy) {
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAllBytes(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  std::string reply = ReadUntilClose(fd, 3000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(ParseRawHead(reply).status, 408) << "got '" << reply << "'";
  ::close(fd);
}

TEST_F(ServerTest, SlowLorisClientsAreCutOffWhileOthersAreServed) {
  HttpClient raw(port());
  std::vector<int> slow;
  // Several stalled clients, each with half a request.
  for (int i = 0; i < 8; ++i) {
    int fd = raw.Connect();
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAllBytes(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    slow.push_back(fd);
  }
  auto start = Clock::now();
  // Normal clients are served promptly meanwhile.
  HttpClient normal(port());
  for (int i = 0; i < 5; ++i) {
    auto t = Clock::now();
    HttpResponse r = normal.Request("GET", "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(MillisSince(t), 450) << "a normal client waited for the slow ones";
  }
  for (int fd : slow) {
    bool closed = false;
    std::string reply = ReadUntilClose(fd, 3000, &closed);
    EXPECT_TRUE(closed) << "a stalled client must be disconnected";
    EXPECT_LT(MillisSince(start), 2000);
    ExpectTimeoutReply(reply);
    ::close(fd);
  }
  EXPECT_EQ(normal.Request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, DripFedRequestIsCutOff) {
  // A byte every 100 ms keeps the connection busy but never completes a request: the
  // time limit covers the whole request, not the gap between bytes.
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: " + std::string(100, 'd');
  auto start = Clock::now();
  std::string reply;
  bool closed = false;
  for (size_t i = 0; i < request.size() && !closed; ++i) {
    if (!SendAllBytes(fd, request.substr(i, 1))) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) reply = ReadUntilClose(fd, 2000, &closed);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(MillisSince(start), 2000);
  ExpectTimeoutReply(reply);
  ::close(fd);
}

TEST_F(ServerTest, SlowBodyIsCutOff) {
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  auto start = Clock::now();
  ASSERT_TRUE(SendAllBytes(fd, "PUT /v1/documents/slow/a HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
                                   "Content-Length: 100\r\n\r\n{\"a\":"));
  bool closed = false;
  std::string reply = ReadUntilClose(fd, 3000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(MillisSince(start), 2000);
  ExpectTimeoutReply(reply);
  ::close(fd);
  HttpClient c(port());
  EXPECT_EQ(c.Admin("GET", "/v1/documents/slow/a").status, 404) << "nothing was written";
}

TEST_F(ServerTest, IdleConnectionIsClosedSilently) {
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  auto start = Clock::now();
  bool closed = false;
  std::string reply = ReadUntilClose(fd, 3000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(MillisSince(start), 2000);
  EXPECT_EQ(reply, "") << "no 408 for a connection that never sent a byte";
  ::close(fd);

  // The same after a complete request: an idle keep-alive connection is closed quietly.
  fd = raw.Connect();
  ASSERT_TRUE(SendAllBytes(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string buf;
  HttpResponse first = HttpClient::ReadResponse(fd, 2000, &buf);
  EXPECT_EQ(first.status, 200);
  reply = ReadUntilClose(fd, 3000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(buf + reply, "");
  ::close(fd);
}

// ---------------------------------------------------------------------------------------
// Keep-alive, pipelining, 100-continue

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  std::string buf;
  for (int i = 0; i < 100; ++i) {
    std::string body = R"({"i":)" + std::to_string(i) + "}";
    std::string path = "/v1/documents/ka/d" + std::to_string((i / 2) % 10);
    std::string req =
        (i % 2 == 0 ? "PUT " : "GET ") + path + " HTTP/1.1\r\nHost: x\r\n" + AuthHeader();
    if (i % 2 == 0) {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
      req += "\r\n";
    }
    ASSERT_TRUE(SendAllBytes(fd, req)) << "request " << i;
    HttpResponse r = HttpClient::ReadResponse(fd, 2000, &buf);
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    EXPECT_NE(r.Header("connection"), "close");
    if (i % 2 == 1) {
      EXPECT_EQ(RawData(r.body), R"({"i":)" + std::to_string(i - 1) + "}");
    }
  }
  EXPECT_EQ(buf, "");
  ::close(fd);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpClient c(port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(c.Admin("PUT", "/v1/documents/pipe/d" + std::to_string(i),
                      R"({"i":)" + std::to_string(i) + "}")
                  .status,
              200);
  }
  HttpClient raw(port());
  int fd = raw.Connect();
  std::string all;
  for (int i = 0; i < 20; ++i) {
    all += "GET /v1/documents/pipe/d" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n" +
           AuthHeader() + "\r\n";
  }
  all += "GET /v1/documents/pipe/missing HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
         "Connection: close\r\n\r\n";
  ASSERT_TRUE(SendAllBytes(fd, all));
  std::string buf;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = HttpClient::ReadResponse(fd, 3000, &buf);
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(RawData(r.body), R"({"i":)" + std::to_string(i) + "}");
  }
  HttpResponse last = HttpClient::ReadResponse(fd, 3000, &buf);
  EXPECT_EQ(last.status, 404);
  EXPECT_EQ(last.Header("connection"), "close");
  EXPECT_TRUE(WaitForClose(fd, 2000)) << "Connection: close is honoured";
  ::close(fd);
}

TEST_F(ServerTest, ConnectionCloseAndHttp10) {
  bool closed = false;
  std::string reply = RawExchange(
      port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000, &closed);
  EXPECT_EQ(ParseRawHead(reply).status, 200);
  EXPECT_TRUE(closed);
  reply = RawExchange(port(), "GET /healthz HTTP/1.0\r\n\r\n", 2000, &closed);
  RawHead h = ParseRawHead(reply);
  EXPECT_EQ(h.status, 200) << reply;
  EXPECT_EQ(reply.substr(0, 8), "HTTP/1.0");
  EXPECT_TRUE(closed) << "HTTP/1.0 without keep-alive closes";
}

TEST_F(ServerTest, ExpectContinue) {
  HttpClient raw(port());
  int fd = raw.Connect();
  ASSERT_GE(fd, 0);
  std::string body = R"({"greeting":"after continue"})";
  ASSERT_TRUE(SendAllBytes(fd, "PUT /v1/documents/expect/a HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
                                   "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                                   "Content-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n"));
  // The interim response comes before any body byte is sent.
  std::string interim;
  auto start = Clock::now();
  while (interim.find("\r\n\r\n") == std::string::npos && MillisSince(start) < 1000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char b[256];
      ssize_t n = ::recv(fd, b, sizeof b, 0);
      if (n <= 0) break;
      interim.append(b, static_cast<size_t>(n));
    }
  }
  EXPECT_EQ(interim.substr(0, interim.find("\r\n\r\n") + 4), "HTTP/1.1 100 Continue\r\n\r\n");
  std::string rest = interim.substr(std::min(interim.size(), interim.find("\r\n\r\n") + 4));
  ASSERT_TRUE(SendAllBytes(fd, body));
  HttpResponse r = HttpClient::ReadResponse(fd, 2000, &rest);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(RawData(r.body), body);
  ::close(fd);
  HttpClient c(port());
  EXPECT_EQ(RawData(c.Admin("GET", "/v1/documents/expect/a").body), body);

  // A request without a body does not get a 100.
  std::string reply = RawExchange(port(),
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                  "Connection: close\r\n\r\n",
                                  2000);
  EXPECT_EQ(reply.find("100 Continue"), std::string::npos) << reply;
  EXPECT_EQ(ParseRawHead(reply).status, 200);
}

// ---------------------------------------------------------------------------------------
// Shutdown and restarts (each with its own server)

struct Ack {
  std::string path;
  std::string data;  // raw "data" of the acknowledged response
};

TEST(ServerLifecycle, GracefulShutdownKeepsEveryAcknowledgedWrite) {
  TempDir project;
  WriteFile(project.path() + "/hearth.json", R"({"logRequests":false})");
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;

  constexpr int kWriters = 3;
  std::vector<std::vector<Ack>> acks(kWriters);
  std::vector<int> unexpected(kWriters, 0);
  std::atomic<int> total{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      HttpClient c(server->port());
      auto deadline = Clock::now() + std::chrono::seconds(15);
      for (int i = 0; Clock::now() < deadline; ++i) {
        std::string path = "shut/t" + std::to_string(t) + "_" + std::to_string(i);
        std::string body = R"({"i":)" + std::to_string(i) + R"(,"t":)" + std::to_string(t) + "}";
        HttpResponse r = c.Admin("PUT", "/v1/documents/" + path, body);
        if (r.status == 0) break;  // the server is gone
        if (r.status != 200) {
          ++unexpected[t];
          break;
        }
        acks[t].push_back({path, RawData(r.body)});
        ++total;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  auto start = Clock::now();
  while (total < 30 && MillisSince(start) < 5000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server->Signal(SIGTERM);
  auto stop_start = Clock::now();
  int code = server->Wait();
  for (auto& w : writers) w.join();
  EXPECT_EQ(code, 0) << server->Output();
  EXPECT_LT(MillisSince(stop_start), 5000) << "shutdown must not wait for the grace period";
  EXPECT_NE(server->Output().find("stopped cleanly"), std::string::npos) << server->Output();
  for (int t = 0; t < kWriters; ++t) EXPECT_EQ(unexpected[t], 0) << "writer " << t;

  auto again = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(again, nullptr) << error;
  HttpClient c(again->port());
  size_t checked = 0;
  for (const auto& list : acks) {
    for (const Ack& a : list) {
      HttpResponse r = c.Admin("GET", "/v1/documents/" + a.path);
      ASSERT_EQ(r.status, 200) << a.path << " was acknowledged before shutdown but is missing";
      EXPECT_EQ(RawData(r.body), a.data) << a.path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30u);
  std::cout << "graceful shutdown: " << checked << " acknowledged writes all present\n";
}

TEST(ServerLifecycle, IdleAndHalfSentConnectionsDoNotDelayShutdown) {
  TempDir project;
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient raw(server->port());
  int idle = raw.Connect();
  int half = raw.Connect();
  ASSERT_TRUE(SendAllBytes(half, "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  HttpClient kept(server->port());
  EXPECT_EQ(kept.Request("GET", "/healthz").status, 200);  // a kept-alive idle connection
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = Clock::now();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0) << server->Output();
  EXPECT_LT(MillisSince(start), 3000) << "the 10 s grace period is for busy connections only";
  EXPECT_TRUE(WaitForClose(idle, 1000));
  EXPECT_TRUE(WaitForClose(half, 1000));
  ::close(idle);
  ::close(half);
}

TEST(ServerLifecycle, RestartKeepsEveryDocumentIdentical) {
  TempDir project;
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  std::vector<std::string> bodies;
  {
    HttpClient c(server->port());
    for (int i = 0; i < 100; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "d%03d", i);
      std::string body = R"({"i":)" + std::to_string(i) + R"(,"s":"value )" + std::to_string(i) +
                         R"(","t":{"$timestamp":"2026-01-02T03:04:05.123456Z"},"x":1.5})";
      HttpResponse put = c.Admin("PUT", std::string("/v1/documents/restart/") + id, body);
      ASSERT_EQ(put.status, 200);
      if (i % 3 == 0) {
        ASSERT_EQ(
            c.Admin("PATCH", std::string("/v1/documents/restart/") + id, R"({"p":true})").status,
            200);
      }
      bodies.push_back(c.Admin("GET", std::string("/v1/documents/restart/") + id).body);
    }
  }
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(), 0) << server->Output();

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("restart " + std::to_string(round + 1));
    server = ServerProcess::Start({.project_dir = project.path()}, &error);
    ASSERT_NE(server, nullptr) << error;
    HttpClient c(server->port());
    for (int i = 0; i < 100; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "d%03d", i);
      HttpResponse r = c.Admin("GET", std::string("/v1/documents/restart/") + id);
      EXPECT_EQ(r.status, 200);
      EXPECT_EQ(r.body, bodies[static_cast<size_t>(i)]) << "createTime, updateTime and data";
    }
    Json list(c.Admin("GET", "/v1/documents/restart?pageSize=1000").body);
    EXPECT_EQ(list.Size("/documents"), 100u + static_cast<size_t>(round));
    // Writes after a restart get later times than those before it.
    HttpResponse fresh = c.Admin("PUT", "/v1/documents/restart/new" + std::to_string(round), "{}");
    Json fj(fresh.body);
    EXPECT_GT(fj.String("/updateTime").value_or(""),
              Json(bodies.back()).String("/updateTime").value_or("~"));
    server->Signal(round == 0 ? SIGINT : SIGTERM);  // SIGINT stops cleanly too
    EXPECT_EQ(server->Wait(), 0) << server->Output();
    EXPECT_NE(server->Output().find("stopped cleanly"), std::string::npos);
  }
}

TEST(ServerLifecycle, SecondServerOnTheSameDataFolderFails) {
  TempDir project;
  std::string error;
  auto first = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(first, nullptr) << error;
  HttpClient c(first->port());
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/lock/a", R"({"v":1})").status, 200);
  std::string before = c.Admin("GET", "/v1/documents/lock/a").body;

  ProcessResult second = RunProcess({HEARTH_BINARY, "serve", project.path(), "--port", "0"}, 10000);
  EXPECT_FALSE(second.timed_out) << "the second server must not start: " << second.output;
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("in use"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("listening on"), std::string::npos) << second.output;

  // The same folder named through --data from another project.
  TempDir other;
  ProcessResult third = RunProcess(
      {HEARTH_BINARY, "serve", other.path(), "--port", "0", "--data", project.path() + "/.hearth"},
      10000);
  EXPECT_FALSE(third.timed_out) << third.output;
  EXPECT_NE(third.exit_code, 0) << third.output;
  EXPECT_NE(third.output.find("in use"), std::string::npos) << third.output;

  // The first one is unaffected.
  EXPECT_EQ(c.Admin("GET", "/v1/documents/lock/a").body, before);
  EXPECT_EQ(c.Admin("PUT", "/v1/documents/lock/b", "{}").status, 200);
  first->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(), 0) << first->Output();

  // Once it stopped, the folder is free again.
  auto next = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(next, nullptr) << error;
  HttpClient c2(next->port());
  EXPECT_EQ(c2.Admin("GET", "/v1/documents/lock/a").body, before);
}

TEST(ServerLifecycle, InitThenServe) {
  TempDir parent;
  std::string dir = parent.path() + "/proj";
  ProcessResult init = RunProcess({HEARTH_BINARY, "init", dir});
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/hearth.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/firestore.rules"));
  EXPECT_NE(init.output.find("hearth serve"), std::string::npos) << init.output;

  std::string error;
  auto server = ServerProcess::Start({.project_dir = dir}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient c(server->port());
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  ASSERT_EQ(c.Admin("PUT", "/v1/documents/hello/world", R"({"from":"init"})").status, 200);
  EXPECT_EQ(RawData(c.Admin("GET", "/v1/documents/hello/world").body), R"({"from":"init"})");
  // The starter hearth.json's CORS origin is in effect.
  HttpResponse cors = c.Request("GET", "/healthz", "", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(cors.Header("access-control-allow-origin"), "http://localhost:5173");
  EXPECT_TRUE(std::filesystem::exists(dir + "/.hearth")) << "data under the project by default";
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);

  // init refuses a non-empty folder and leaves it alone.
  WriteFile(dir + "/hearth.json", R"({"logRequests":false})");
  ProcessResult again = RunProcess({HEARTH_BINARY, "init", dir});
  EXPECT_NE(again.exit_code, 0) << again.output;
  std::ifstream in(dir + "/hearth.json");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, R"({"logRequests":false})");
}

TEST(ServerLifecycle, BadConfigurationIsRefusedWithTheKeyNamed) {
  struct Case {
    std::string name, hearth_json, mention;
  };
  std::vector<Case> cases = {
      {"not JSON", "{port: 1", "not valid JSON"},
      {"unknown key", R"({"bogus":1})", "bogus"},
      {"unknown limit", R"({"limits":{"maxBody":1}})", "limits.maxBody"},
      {"body limit too small", R"({"limits":{"maxBodyBytes":10}})", "limits.maxBodyBytes"},
      {"timeout wrong type", R"({"limits":{"requestTimeoutMs":"fast"}})",
       "limits.requestTimeoutMs"},
      {"cors not a list", R"({"cors":{"origins":"*"}})", "cors"},
      {"port out of range", R"({"port":70000})", "port"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    TempDir project;
    WriteFile(project.path() + "/hearth.json", k.hearth_json);
    ProcessResult r = RunProcess({HEARTH_BINARY, "serve", project.path(), "--port", "0"}, 10000);
    EXPECT_FALSE(r.timed_out) << r.output;
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(k.mention), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("listening on"), std::string::npos) << r.output;
  }
}

TEST(ServerLifecycle, ConnectionLimitRefusesExtraConnections) {
  TempDir project;
  auto server =
      StartServer(project.path(), R"({"limits":{"maxConnections":2},"logRequests":false})");
  ASSERT_NE(server, nullptr);
  HttpClient a(server->port()), b(server->port());
  ASSERT_EQ(a.Request("GET", "/healthz").status, 200);
  ASSERT_EQ(b.Request("GET", "/healthz").status, 200);
  // Both stay open (keep-alive); a third connection is closed unanswered.
  bool closed = false;
  std::string reply =
      RawExchange(server->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(reply, "");
  // Once one closes, there is room again.
  EXPECT_EQ(a.Request("GET", "/healthz", "", {{"Connection", "close"}}).status, 200);
  HttpResponse r;
  for (int i = 0; i < 50 && r.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    HttpClient c(server->port());
    r = c.Request("GET", "/healthz", "", {{"Connection", "close"}});
  }
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(b.Request("GET", "/healthz").status, 200);
}

TEST(ServerLifecycle, GeneratedAdminTokenIsRequired) {
  TempDir project;
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path(), .admin_token = ""}, &error);
  ASSERT_NE(server, nullptr) << error;
  std::ifstream in(project.path() + "/.hearth/admin-token");
  std::string token;
  std::getline(in, token);
  ASSERT_GE(token.size(), 32u);
  EXPECT_EQ(server->Output().find(token), std::string::npos) << "the token is never logged";
  HttpClient c(server->port());
  EXPECT_EQ(c.Admin("GET", "/v1/documents/t/a").status, 401) << "the test token is not it";
  EXPECT_EQ(
      c.Request("GET", "/v1/documents/t/a", "", {{"Authorization", "Bearer " + token}}).status,
      404);
}

}  // namespace
}  // namespace hearth::testing
