// Helpers shared by the API integration tests (tests/api): JSON inspection with simdjson
// (never Hearth's own codec), error-body checks, raw socket exchanges, child processes.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/server_process.h"

namespace hearth::testing {

// Polls `done` every 20 ms for up to `timeout`.
inline bool PollUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A parsed JSON document that owns its parser (simdjson elements live in their parser).
class Json {
 public:
  explicit Json(std::string_view text) : parser_(std::make_unique<simdjson::dom::parser>()) {
    padded_ = simdjson::padded_string(text);
    error_ = parser_->parse(padded_).get(root_);
  }
  bool ok() const { return error_ == simdjson::SUCCESS; }
  std::string error() const { return simdjson::error_message(error_); }
  simdjson::dom::element root() const { return root_; }

  // The element at a JSON pointer ("/data/a/0"), or nullopt.
  std::optional<simdjson::dom::element> At(std::string_view pointer) const {
    if (!ok()) return std::nullopt;
    simdjson::dom::element e;
    if (root_.at_pointer(pointer).get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }
  std::optional<std::string> String(std::string_view pointer) const {
    auto e = At(pointer);
    std::string_view s;
    if (!e || e->get(s) != simdjson::SUCCESS) return std::nullopt;
    return std::string(s);
  }
  std::optional<int64_t> Int(std::string_view pointer) const {
    auto e = At(pointer);
    int64_t v;
    if (!e || !e->is_int64() || e->get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  }
  std::optional<double> Double(std::string_view pointer) const {
    auto e = At(pointer);
    double v;
    if (!e || !e->is_double() || e->get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  }
  bool Has(std::string_view pointer) const { return At(pointer).has_value(); }
  size_t Size(std::string_view pointer) const {
    auto e = At(pointer);
    if (!e) return 0;
    if (e->is_array()) return simdjson::dom::array(*e).size();
    if (e->is_object()) return simdjson::dom::object(*e).size();
    return 0;
  }

 private:
  std::unique_ptr<simdjson::dom::parser> parser_;
  simdjson::padded_string padded_;
  simdjson::dom::element root_;
  simdjson::error_code error_ = simdjson::SUCCESS;
};

// Checks that `r` carries exactly {"error":{"code":<code>,"message":<non-empty>}}.
// `code` empty: any code.
inline ::testing::AssertionResult IsErrorBody(const HttpResponse& r, std::string_view code = {}) {
  Json j(r.body);
  if (!j.ok()) {
    return ::testing::AssertionFailure()
           << "error body is not JSON (" << j.error() << "): " << r.body;
  }
  if (!j.root().is_object() || simdjson::dom::object(j.root()).size() != 1 || !j.Has("/error")) {
    return ::testing::AssertionFailure() << "error body must be {\"error\":{...}}: " << r.body;
  }
  if (j.Size("/error") != 2) {
    return ::testing::AssertionFailure() << "error object must have code and message: " << r.body;
  }
  auto c = j.String("/error/code");
  auto m = j.String("/error/message");
  if (!c || c->empty()) return ::testing::AssertionFailure() << "no error.code: " << r.body;
  if (!m || m->empty()) return ::testing::AssertionFailure() << "empty error.message: " << r.body;
  if (!code.empty() && *c != code) {
    return ::testing::AssertionFailure()
           << "error code " << *c << ", want " << code << ": " << r.body;
  }
  auto type = r.Header("content-type");
  if (type.find("application/json") == std::string::npos) {
    return ::testing::AssertionFailure() << "error content-type is '" << type << "'";
  }
  return ::testing::AssertionSuccess();
}

// The raw "data" member of a document body, exactly as the server wrote it.
inline std::string RawData(std::string_view body) {
  size_t start = body.find(R"("data":)");
  size_t end = body.rfind(R"(,"createTime":)");
  if (start == std::string_view::npos || end == std::string_view::npos || end < start) return "";
  start += 7;
  return std::string(body.substr(start, end - start));
}

inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Starts a server on `project` after writing `hearth_json` (if non-empty) into it.
inline std::unique_ptr<ServerProcess> StartServer(const std::string& project,
                                                  std::string_view hearth_json = {},
                                                  std::string* error = nullptr) {
  if (!hearth_json.empty()) WriteFile(project + "/hearth.json", hearth_json);
  std::string local;
  auto server = ServerProcess::Start({.project_dir = project}, error ? error : &local);
  if (!server && !error) ADD_FAILURE() << local;
  return server;
}

// One real server shared by every test of a suite (the tests use distinct document
// paths). `Derived` may define `static void PrepareProject(const std::string& dir)` to
// write hearth.json, firestore.indexes.json, ... before the server starts.
template <typename Derived>
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    Derived::PrepareProject(project_->path());
    server_ = StartServer(project_->path()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete project_;
    project_ = nullptr;
  }
  static void PrepareProject(const std::string&) {}
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  static inline TempDir* project_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

inline bool SendAllBytes(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads from `fd` until the peer closes or `timeout_ms` passes. `closed` says which.
inline std::string ReadUntilClose(int fd, int timeout_ms, bool* closed = nullptr) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (closed) *closed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// True if the peer closed `fd` (EOF or reset) within `timeout_ms`, discarding any bytes.
inline bool WaitForClose(int fd, int timeout_ms) {
  bool closed = false;
  ReadUntilClose(fd, timeout_ms, &closed);
  return closed;
}

// Opens a connection, sends `bytes`, reads until close (or timeout): the whole raw reply.
inline std::string RawExchange(int port, std::string_view bytes, int timeout_ms = 5000,
                               bool* closed = nullptr) {
  HttpClient c(port);
  int fd = c.Connect();
  if (fd < 0) return "";
  SendAllBytes(fd, bytes);
  std::string out = ReadUntilClose(fd, timeout_ms, closed);
  ::close(fd);
  return out;
}

// Splits a raw response head: status code and lower-cased headers; `rest` is what
// follows the blank line.
struct RawHead {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string rest;
  std::string Header(std::string_view lower) const {
    for (const auto& [k, v] : headers) {
      if (k == lower) return v;
    }
    return "";
  }
};

inline RawHead ParseRawHead(std::string_view raw) {
  RawHead h;
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos || raw.size() < 12) return h;
  h.status = std::atoi(std::string(raw.substr(9, 3)).c_str());
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    size_t next = raw.find("\r\n", pos);
    std::string line(raw.substr(pos, next - pos));
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      h.headers.emplace_back(name, line.substr(v));
    }
    pos = next + 2;
  }
  h.rest = std::string(raw.substr(end + 4));
  return h;
}

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed
  bool timed_out = false;
  std::string output;  // stdout and stderr together
};

// Runs `args` (argv[0] a path) with HEARTH_ADMIN_TOKEN set, waits up to `timeout_ms`
// (then SIGKILLs it).
inline ProcessResult RunProcess(std::vector<std::string> args, int timeout_ms = 15000) {
  ProcessResult result;
  char tmpl[] = "/tmp/hearth-test-out-XXXXXX";
  int out_fd = ::mkstemp(tmpl);
  if (out_fd < 0) return result;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::setenv("HEARTH_ADMIN_TOKEN", kAdminToken, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(tmpl, std::ios::binary);
  result.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  ::close(out_fd);
  ::unlink(tmpl);
  return result;
}

// 64-bit FNV-1a as 16 hex digits.
inline std::string Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace hearth::testing
