#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>

#include "support/test_store.h"

namespace hearth::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/hearth-test-XXXXXX";
  char* made = ::mkdtemp(tmpl);
  path_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const ServerOptions& options,
                                                    std::string* error) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return nullptr;
  }
  std::vector<std::string> args = {HEARTH_BINARY, "serve", options.project_dir, "--port", "0"};
  if (!options.data_dir.empty()) {
    args.push_back("--data");
    args.push_back(options.data_dir);
  }
  for (const auto& a : options.extra_args) args.push_back(a);
  if (TestOnPostgres() && std::find(args.begin(), args.end(), std::string("--db")) == args.end()) {
    std::string data_dir =
        options.data_dir.empty() ? options.project_dir + "/.hearth" : options.data_dir;
    args.push_back("--db");
    args.push_back(PostgresUrlFor(data_dir));
  }

  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    if (options.admin_token.empty()) {
      ::unsetenv("HEARTH_ADMIN_TOKEN");
    } else {
      ::setenv("HEARTH_ADMIN_TOKEN", options.admin_token.c_str(), 1);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s failed: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->pid_ = pid;
  p->reader_ = std::thread([raw = p.get(), fd = pipefd[0]] { raw->ReadOutput(fd); });

  static const std::regex kListening("listening on http://[^:]+:([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string out = p->Output();
    if (std::regex_search(out, m, kListening)) {
      p->port_ = std::stoi(m[1]);
      return p;
    }
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->exited_ = true;
      p->exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  *error = "hearth did not start; its output:\n" + p->Output();
  return nullptr;
}

void ServerProcess::ReadOutput(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    {
      std::lock_guard lock(mu_);
      output_.append(buf, static_cast<size_t>(n));
    }
    output_changed_.notify_all();
  }
  ::close(fd);
}

std::string ServerProcess::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

bool ServerProcess::WaitForOutput(std::string_view needle,
                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return output_changed_.wait_for(lock, timeout,
                                  [&] { return output_.find(needle) != std::string::npos; });
}

void ServerProcess::Signal(int signal) {
  if (!exited_) ::kill(pid_, signal);
}

int ServerProcess::Wait() {
  if (!exited_) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  if (reader_.joinable()) reader_.join();
  return exit_code_;
}

ServerProcess::~ServerProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  if (reader_.joinable()) reader_.join();
}

}  // namespace hearth::testing
