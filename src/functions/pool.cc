#include "functions/pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include "base/strings.h"
#include "functions/runtime_files.h"
#include "model/json.h"

namespace hearth::functions {

using http::Response;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxFrameBytes = 64u << 20;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr size_t kMaxLogLine = 16 * 1024;

std::string Frame(std::string_view json) {
  std::string out(4, '\0');
  uint32_t n = static_cast<uint32_t>(json.size());
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  out.append(json);
  return out;
}

void AppendPairs(std::string& out, const std::vector<std::pair<std::string, std::string>>& pairs,
                 bool as_object) {
  out += as_object ? '{' : '[';
  bool first = true;
  for (const auto& [k, v] : pairs) {
    if (!first) out += ',';
    first = false;
    if (!as_object) out += '[';
    model::AppendJsonString(out, k);
    out += as_object ? ':' : ',';
    model::AppendJsonString(out, v);
    if (!as_object) out += ']';
  }
  out += as_object ? '}' : ']';
}

std::string InvokeFrame(uint64_t id, const Invocation& call) {
  using Kind = Invocation::Kind;
  const char* type = call.kind == Kind::kHttp       ? "invoke"
                     : call.kind == Kind::kDescribe ? "describe"
                                                    : "trigger";
  std::string json =
      "{\"t\":\"" + std::string(type) + "\",\"id\":" + std::to_string(id) + ",\"name\":";
  model::AppendJsonString(json, call.name);
  json += ",\"file\":";
  model::AppendJsonString(json, call.file);
  if (call.kind == Kind::kTrigger) {
    json += ",\"event\":";
    json += call.event_json;
  }
  if (call.kind != Kind::kHttp) return Frame(json + "}");
  json += ",\"method\":";
  model::AppendJsonString(json, call.method);
  json += ",\"url\":";
  model::AppendJsonString(json, call.url);
  json += ",\"headers\":";
  AppendPairs(json, call.headers, false);
  json += ",\"params\":";
  AppendPairs(json, call.params, true);
  json += ",\"auth\":";
  json += call.auth_json;
  json += ",\"body\":";
  model::AppendJsonString(json, Base64Encode(call.body));
  json += '}';
  return Frame(json);
}

Response GenericError(int status, Code code, std::string_view message) {
  Response r = Response::Error(status, code, message);
  r.route = "functions";
  return r;
}

// Headers a function may not set: the server frames the response itself.
bool HopByHop(std::string_view name) {
  for (std::string_view h : {"content-length", "transfer-encoding", "connection", "keep-alive",
                             "upgrade", "trailer", "te", "proxy-connection"}) {
    if (EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

Status WriteRuntime(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create " + dir + ": " + ec.message());
  for (const EmbeddedFile& f : RuntimeFiles()) {
    std::string path = dir + "/" + std::string(f.path);
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
      if (!out) return Unavailable("cannot write " + tmp);
    }
    fs::rename(tmp, path, ec);
    if (ec) return Unavailable("cannot write " + path + ": " + ec.message());
  }
  return Status::Ok();
}

class Pool::Impl {
 public:
  explicit Impl(PoolOptions options) : options_(std::move(options)) {
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { Loop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    Wake();
    thread_.join();
    ::close(wake_);
  }

  void Invoke(Invocation call, std::function<void(Response)> done) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_ && incoming_.size() + queued_ < options_.max_queue) {
        incoming_.push_back(Pending{std::move(call), std::move(done), Clock::now()});
        Wake();
        return;
      }
    }
    done(GenericError(503, Code::kUnavailable,
                      "too many function invocations are waiting; try again shortly"));
  }

  void SetAdminJson(std::string json) {
    {
      std::lock_guard lock(mu_);
      admin_json_ = std::move(json);
      admin_set_ = true;
    }
    Wake();  // invocations that arrived first may start workers now
  }

  Stats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  struct Pending {
    Invocation call;
    std::function<void(Response)> done;
    Clock::time_point queued_at;
  };

  enum class State { kStarting, kIdle, kBusy };

  struct Worker {
    int index = 0;
    pid_t pid = -1;
    int sock = -1, out = -1, err = -1;
    State state = State::kStarting;
    uint64_t generation = 0;
    Clock::time_point deadline;
    std::string in, to_send, out_line, err_line;
    std::optional<Pending> call;
    uint64_t call_id = 0;
    bool dead = false;
  };

  void Wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  // Masks secret values in a line bound for the log.
  std::string Redact(std::string text) const {
    for (const std::string& secret : options_.redact) {
      if (secret.size() < 4) continue;
      for (size_t at = text.find(secret); at != std::string::npos;
           at = text.find(secret, at + 10)) {
        text.replace(at, secret.size(), "[redacted]");
      }
    }
    return text;
  }

  void Log(std::string_view level, std::string_view tag, std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.size() > kMaxLogLine) text.resize(kMaxLogLine);
    text = Redact(std::move(text));
    if (level == "error") {
      spdlog::error("[fn {}] {}", tag, text);
    } else if (level == "warn") {
      spdlog::warn("[fn {}] {}", tag, text);
    } else if (level == "debug") {
      spdlog::debug("[fn {}] {}", tag, text);
    } else {
      spdlog::info("[fn {}] {}", tag, text);
    }
  }

  bool Spawn(uint64_t generation) {
    int sv[2];
    int out[2], err[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(sv[0]), ::close(sv[1]);
      return false;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(sv[0]), ::close(sv[1]), ::close(out[0]), ::close(out[1]);
      return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
    // Nothing else of ours (listening sockets, the store) leaks into the worker.
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    posix_spawn_file_actions_addchdir_np(&actions, options_.working_dir.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own process group, so a timeout also ends whatever the function started.
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::string heap = "--max-old-space-size=" + std::to_string(options_.memory_mb);
    std::string worker = options_.runtime_dir + "/worker.mjs";
    std::vector<std::string> args = {options_.node, heap, "--disable-proto=delete", worker};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_copy = options_.env;
    std::vector<char*> envp;
    for (auto& e : env_copy) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, options_.node.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(sv[1]), ::close(out[1]), ::close(err[1]);
    if (rc != 0) {
      ::close(sv[0]), ::close(out[0]), ::close(err[0]);
      spdlog::error("functions: cannot start {}: {}", options_.node, std::strerror(rc));
      return false;
    }
    auto w = std::make_unique<Worker>();
    w->index = next_index_++;
    w->pid = pid;
    w->sock = sv[0];
    w->out = out[0];
    w->err = err[0];
    w->generation = generation;
    w->deadline = Clock::now() + kStartTimeout;
    SetNonBlocking(w->sock);
    SetNonBlocking(w->out);
    SetNonBlocking(w->err);
    std::string admin;
    {
      std::lock_guard lock(mu_);
      admin = admin_json_;
    }
    w->to_send = Frame("{\"t\":\"init\",\"admin\":" + admin + "}");
    spdlog::debug("functions: worker {} started (pid {})", w->index, pid);
    workers_.push_back(std::move(w));
    std::lock_guard lock(mu_);
    ++stats_.started;
    stats_.running = workers_.size();
    return true;
  }

  // Ends a worker: kills its process group, reaps it, answers its invocation (if any)
  // with `failure`.
  void Kill(Worker& w, std::optional<Response> failure) {
    if (w.dead) return;
    w.dead = true;
    ::kill(-w.pid, SIGKILL);
    ::kill(w.pid, SIGKILL);
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    DrainOutput(w);
    ::close(w.sock), ::close(w.out), ::close(w.err);
    if (w.call) {
      if (failure) w.call->done(std::move(*failure));
      w.call.reset();
    }
  }

  void DrainOutput(Worker& w) {
    ReadLines(w, w.out, w.out_line, "info");
    ReadLines(w, w.err, w.err_line, "warn");
    if (!w.out_line.empty()) Log("info", WorkerTag(w), std::exchange(w.out_line, {}));
    if (!w.err_line.empty()) Log("warn", WorkerTag(w), std::exchange(w.err_line, {}));
  }

  std::string WorkerTag(const Worker& w) const {
    return w.call ? w.call->call.name : "worker " + std::to_string(w.index);
  }

  void ReadLines(Worker& w, int fd, std::string& line, std::string_view level) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        Log(level, WorkerTag(w), line.substr(0, nl));
        line.erase(0, nl + 1);
      }
      if (line.size() > kMaxLogLine) Log(level, WorkerTag(w), std::exchange(line, {}));
    }
  }

  // Reads frames from the worker's socket; false when it is gone or misbehaved.
  bool ReadFrames(Worker& w) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(w.sock, buf, sizeof buf);
      if (n == 0) return false;
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        return false;
      }
      w.in.append(buf, static_cast<size_t>(n));
    }
    size_t pos = 0;
    bool ok = true;
    while (ok && w.in.size() - pos >= 4) {
      auto* p = reinterpret_cast<const unsigned char*>(w.in.data() + pos);
      size_t len = (size_t(p[0]) << 24) | (size_t(p[1]) << 16) | (size_t(p[2]) << 8) | p[3];
      if (len > kMaxFrameBytes) return false;
      if (w.in.size() - pos - 4 < len) break;
      ok = HandleFrame(w, std::string_view(w.in).substr(pos + 4, len));
      pos += 4 + len;
    }
    w.in.erase(0, pos);
    return ok;
  }

  bool HandleFrame(Worker& w, std::string_view json) {
    simdjson::padded_string padded(json);
    simdjson::dom::element root;
    if (parser_.parse(padded).get(root) != simdjson::SUCCESS) return false;
    std::string_view type;
    if (root["t"].get(type) != simdjson::SUCCESS) return false;
    if (type == "ready") {
      if (w.state == State::kStarting) w.state = State::kIdle;
      return true;
    }
    if (type == "log") {
      std::string_view fn, level, text;
      if (root["fn"].get(fn) || root["level"].get(level) || root["text"].get(text)) return false;
      Log(level, fn, std::string(text));
      return true;
    }
    uint64_t id = 0;
    if (root["id"].get(id) != simdjson::SUCCESS) return false;
    if (!w.call || id != w.call_id) return true;  // answered already (timed out)
    if (type == "error") {
      std::string_view message, stack;
      if (root["message"].get(message) != simdjson::SUCCESS) message = "(no message)";
      if (root["stack"].get(stack) != simdjson::SUCCESS) stack = {};
      Log("error", w.call->call.name, std::string(stack.empty() ? message : stack));
      Finish(w, GenericError(500, Code::kInternal, "the function failed; its log has the details"));
      return true;
    }
    if (type != "response") return false;
    Response r;
    r.route = "functions";
    int64_t status = 200;
    if (root["status"].get(status) != simdjson::SUCCESS) status = 200;
    r.status = status >= 100 && status <= 999 ? static_cast<int>(status) : 500;
    r.content_type.clear();
    simdjson::dom::array headers;
    if (root["headers"].get(headers) == simdjson::SUCCESS) {
      for (simdjson::dom::element h : headers) {
        std::string_view name, value;
        if (h.at(0).get(name) || h.at(1).get(value)) continue;
        if (HopByHop(name)) continue;
        if (name.find_first_of("\r\n:") != std::string_view::npos ||
            value.find_first_of("\r\n") != std::string_view::npos) {
          continue;  // header injection
        }
        if (EqualsIgnoreCase(name, "content-type")) {
          r.content_type = std::string(value);
        } else {
          r.headers.emplace_back(std::string(name), std::string(value));
        }
      }
    }
    std::string_view body64;
    if (root["body"].get(body64) != simdjson::SUCCESS) body64 = {};
    auto body = Base64Decode(body64);
    if (!body) return false;
    if (body->size() > options_.max_response_bytes) {
      Log("error", w.call->call.name,
          "response of " + std::to_string(body->size()) + " bytes is over the limit");
      Finish(w, GenericError(502, Code::kInternal, "the function's response is too large"));
      return true;
    }
    if (r.content_type.empty() && !body->empty()) r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(*body);
    Finish(w, std::move(r));
    return true;
  }

  void Finish(Worker& w, Response r) {
    auto call = std::move(w.call);
    w.call.reset();
    w.state = State::kIdle;
    call->done(std::move(r));
  }

  bool Flush(Worker& w) {
    while (!w.to_send.empty()) {
      ssize_t n = ::send(w.sock, w.to_send.data(), w.to_send.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        return false;
      }
      w.to_send.erase(0, static_cast<size_t>(n));
    }
    return true;
  }

  void Dispatch() {
    auto now = Clock::now();
    bool can_spawn;
    {
      std::lock_guard lock(mu_);
      can_spawn = admin_set_;
    }
    while (!queue_.empty()) {
      Pending& next = queue_.front();
      if (now - next.queued_at > options_.timeout) {
        auto done = std::move(next.done);
        queue_.pop_front();
        done(GenericError(504, Code::kDeadlineExceeded,
                          "the function did not start in time: every worker was busy"));
        continue;
      }
      // Workers running older code retire when idle.
      for (auto& w : workers_) {
        if (w->state == State::kIdle && w->generation < next.call.generation) {
          spdlog::info("functions: code changed; restarting worker {}", w->index);
          Kill(*w, std::nullopt);
        }
      }
      Reap();
      Worker* idle = nullptr;
      for (auto& w : workers_) {
        if (w->state == State::kIdle && w->generation >= next.call.generation) {
          idle = w.get();
          break;
        }
      }
      if (idle == nullptr) {
        size_t starting = 0;
        for (auto& w : workers_) starting += w->state == State::kStarting;
        if (can_spawn && workers_.size() < static_cast<size_t>(options_.workers) &&
            starting < queue_.size()) {
          if (now < spawn_backoff_until_ || !Spawn(next.call.generation)) {
            if (now >= spawn_backoff_until_) spawn_backoff_until_ = now + std::chrono::seconds(1);
            if (workers_.empty()) {
              // Nothing can run it: fail fast rather than wait for the deadline.
              auto done = std::move(next.done);
              queue_.pop_front();
              done(GenericError(503, Code::kUnavailable,
                                "the functions runtime (Node.js) cannot start; see the log"));
              continue;
            }
          }
        }
        return;
      }
      idle->call = std::move(next);
      queue_.pop_front();
      idle->call_id = ++next_call_id_;
      idle->state = State::kBusy;
      idle->deadline = now + options_.timeout;
      idle->to_send += InvokeFrame(idle->call_id, idle->call->call);
      idle->call->call.body.clear();
      idle->call->call.body.shrink_to_fit();
      if (!Flush(*idle)) {
        Kill(*idle, GenericError(500, Code::kInternal, "the function's worker failed"));
      }
    }
  }

  void Reap() {
    std::erase_if(workers_, [](const std::unique_ptr<Worker>& w) { return w->dead; });
    std::lock_guard lock(mu_);
    stats_.running = workers_.size();
  }

  void Loop() {
    std::vector<pollfd> fds;
    for (;;) {
      bool stopping;
      {
        std::lock_guard lock(mu_);
        stopping = stopping_;
        for (auto& p : incoming_) queue_.push_back(std::move(p));
        incoming_.clear();
        queued_ = queue_.size();
      }
      if (stopping) break;
      Dispatch();
      {
        std::lock_guard lock(mu_);
        queued_ = queue_.size();
      }

      auto now = Clock::now();
      auto wait = std::chrono::milliseconds(1000);
      for (auto& w : workers_) {
        if (w->state == State::kIdle) continue;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(w->deadline - now);
        wait = std::min(wait, std::max(left, std::chrono::milliseconds(0)));
      }
      if (!queue_.empty()) wait = std::min(wait, std::chrono::milliseconds(100));

      fds.clear();
      fds.push_back({wake_, POLLIN, 0});
      for (auto& w : workers_) {
        fds.push_back(
            {w->sock, static_cast<short>(POLLIN | (w->to_send.empty() ? 0 : POLLOUT)), 0});
        fds.push_back({w->out, POLLIN, 0});
        fds.push_back({w->err, POLLIN, 0});
      }
      int n = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()) + 1);
      if (n < 0 && errno != EINTR) {
        spdlog::error("functions: poll failed: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (fds[0].revents & POLLIN) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_, &v, sizeof v);
      }
      for (size_t i = 0; i < workers_.size(); ++i) {
        Worker& w = *workers_[i];
        const pollfd* p = &fds[1 + 3 * i];
        if (p[1].revents) ReadLines(w, w.out, w.out_line, "info");
        if (p[2].revents) ReadLines(w, w.err, w.err_line, "warn");
        bool alive = true;
        if (p[0].revents & POLLOUT) alive = Flush(w);
        if (alive && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) alive = ReadFrames(w);
        if (!alive) {
          bool starting = w.state == State::kStarting;
          int status = 0;
          ::kill(-w.pid, SIGKILL);
          ::waitpid(w.pid, &status, 0);
          std::string how = WIFSIGNALED(status)
                                ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                : "exited with code " + std::to_string(WEXITSTATUS(status));
          spdlog::error("functions: worker {} {}{}", w.index, how,
                        w.call ? " while running " + w.call->call.name : "");
          if (starting) spawn_backoff_until_ = Clock::now() + std::chrono::seconds(1);
          MarkDead(w, GenericError(500, Code::kInternal,
                                   "the function's worker crashed; its log has the details"));
        }
      }
      now = Clock::now();
      for (auto& w : workers_) {
        if (w->dead || w->state == State::kIdle || now < w->deadline) continue;
        if (w->state == State::kStarting) {
          spdlog::error("functions: worker {} did not start within {} s; killing it", w->index,
                        std::chrono::duration_cast<std::chrono::seconds>(kStartTimeout).count());
          Kill(*w, std::nullopt);
          continue;
        }
        spdlog::error("functions: {} ran past its {} ms deadline; killing its worker",
                      w->call->call.name, options_.timeout.count());
        Kill(*w, GenericError(504, Code::kDeadlineExceeded,
                              "the function did not answer within " +
                                  std::to_string(options_.timeout.count()) + " ms"));
      }
      Reap();
    }
    for (auto& w : workers_) {
      Kill(*w, GenericError(503, Code::kUnavailable, "the server is shutting down"));
    }
    workers_.clear();
    for (auto& p : queue_) {
      p.done(GenericError(503, Code::kUnavailable, "the server is shutting down"));
    }
    std::lock_guard lock(mu_);
    for (auto& p : incoming_) {
      p.done(GenericError(503, Code::kUnavailable, "the server is shutting down"));
    }
    incoming_.clear();
  }

  // A worker whose process is already reaped.
  void MarkDead(Worker& w, Response failure) {
    w.dead = true;
    DrainOutput(w);
    ::close(w.sock), ::close(w.out), ::close(w.err);
    if (w.call) {
      w.call->done(std::move(failure));
      w.call.reset();
    }
  }

  const PoolOptions options_;
  int wake_ = -1;
  std::thread thread_;
  simdjson::dom::parser parser_;

  mutable std::mutex mu_;
  bool stopping_ = false;
  std::deque<Pending> incoming_;     // guarded by mu_
  size_t queued_ = 0;                // guarded by mu_: queue_.size() as of the last loop
  Stats stats_;                      // guarded by mu_
  std::string admin_json_ = "null";  // guarded by mu_
  bool admin_set_ = false;           // guarded by mu_; no worker starts before it

  // The pool thread's own.
  std::deque<Pending> queue_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int next_index_ = 1;
  uint64_t next_call_id_ = 0;
  Clock::time_point spawn_backoff_until_{};
};

Pool::Pool(PoolOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Pool::~Pool() = default;

void Pool::Invoke(Invocation call, std::function<void(Response)> done) {
  impl_->Invoke(std::move(call), std::move(done));
}

void Pool::SetAdminJson(std::string json) { impl_->SetAdminJson(std::move(json)); }

Pool::Stats Pool::stats() const { return impl_->stats(); }

}  // namespace hearth::functions
