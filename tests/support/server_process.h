// Runs the real `hearth serve` binary as a child process for integration tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hearth::testing {

inline constexpr char kAdminToken[] = "test-admin-token-0123456789abcdef";

// A fresh temporary folder, removed (recursively) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ServerOptions {
  std::string project_dir;  // required; an empty folder is a valid project
  std::string data_dir;     // default: project_dir/.hearth
  std::vector<std::string> extra_args;
  std::string admin_token = kAdminToken;  // "" leaves HEARTH_ADMIN_TOKEN unset
};

class ServerProcess {
 public:
  // Starts the server on a free port and waits (up to 15 s) until it prints its URL.
  // Returns nullptr and sets `error` (with the server's output) on failure.
  static std::unique_ptr<ServerProcess> Start(const ServerOptions& options, std::string* error);
  ~ServerProcess();  // SIGKILLs the process if it is still running

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  void Signal(int signal);
  // Waits for the process to exit; returns its exit code, or 128 + signal number.
  int Wait();
  // Everything the server printed so far.
  std::string Output() const;
  // Waits until the server has printed `needle`. The server logs on its own threads and
  // the pipe is read on another, so a line logged before a response was sent may reach
  // Output() only after the client has the response: tests wait for it, never peek.
  bool WaitForOutput(std::string_view needle,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  ServerProcess() = default;
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  int exit_code_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;
  mutable std::condition_variable output_changed_;
};

}  // namespace hearth::testing
