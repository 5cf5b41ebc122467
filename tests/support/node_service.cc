#include "support/node_service.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

namespace hearth::testing {

// One `node SCRIPT ARGS...` child, its stdout and stderr collected by a thread.
class NodeProcess {
 public:
  // Runs tests/support/`script` and waits (up to 15 s) until every regex of `ready` (each
  // with one group, a port) matches its output; `ports` gets those ports, in order.
  static std::unique_ptr<NodeProcess> Start(const std::string& script,
                                            const std::vector<std::string>& args,
                                            const std::vector<std::regex>& ready,
                                            std::vector<int>* ports, std::string* error);
  ~NodeProcess();
  std::string Output() const;

 private:
  NodeProcess() = default;
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;
};

std::unique_ptr<NodeProcess> NodeProcess::Start(const std::string& script,
                                                const std::vector<std::string>& args,
                                                const std::vector<std::regex>& ready,
                                                std::vector<int>* ports, std::string* error) {
  std::vector<std::string> command = {HEARTH_NODE, HEARTH_TEST_SUPPORT_DIR "/" + script};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : command) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Die with the thread that started us, even if it never runs our destructor.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    ::execvp(argv[0], argv.data());
    static const char kMessage[] = "exec " HEARTH_NODE " failed\n";
    (void)!::write(2, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  ::close(pipefd[1]);
  if (pid < 0) {
    ::close(pipefd[0]);
    *error = "fork failed";
    return nullptr;
  }
  std::unique_ptr<NodeProcess> p(new NodeProcess());
  p->pid_ = pid;
  p->reader_ = std::thread([raw = p.get(), fd = pipefd[0]] { raw->ReadOutput(fd); });

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = p->Output();
    ports->clear();
    for (const auto& pattern : ready) {
      std::smatch m;
      if (!std::regex_search(out, m, pattern)) break;
      ports->push_back(std::stoi(m[1]));
    }
    if (ports->size() == ready.size()) return p;
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->reaped_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  *error = script + " did not start; its output:\n" + p->Output();
  return nullptr;
}

void NodeProcess::ReadOutput(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    output_.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
}

std::string NodeProcess::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

NodeProcess::~NodeProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();
}

std::unique_ptr<FakeOidcProvider> FakeOidcProvider::Start(std::string* error,
                                                          const std::string& client_id,
                                                          const std::string& client_secret) {
  static const std::regex kListening("listening on http://127\\.0\\.0\\.1:([0-9]+)\n");
  std::vector<int> ports;
  auto process = NodeProcess::Start("fake_oidc_provider.mjs",
                                    {"--client-id", client_id, "--client-secret", client_secret},
                                    {kListening}, &ports, error);
  if (!process) return nullptr;
  std::unique_ptr<FakeOidcProvider> p(new FakeOidcProvider());
  p->process_ = std::move(process);
  p->port_ = ports[0];
  return p;
}

FakeOidcProvider::~FakeOidcProvider() = default;

std::string FakeOidcProvider::Output() const { return process_->Output(); }

std::unique_ptr<SmtpSink> SmtpSink::Start(std::string* error) {
  static const std::regex kSmtp("smtp on 127\\.0\\.0\\.1:([0-9]+)\n");
  static const std::regex kHttp("http on http://127\\.0\\.0\\.1:([0-9]+)\n");
  std::vector<int> ports;
  auto process = NodeProcess::Start("smtp_sink.mjs", {}, {kSmtp, kHttp}, &ports, error);
  if (!process) return nullptr;
  std::unique_ptr<SmtpSink> p(new SmtpSink());
  p->process_ = std::move(process);
  p->smtp_port_ = ports[0];
  p->http_port_ = ports[1];
  return p;
}

SmtpSink::~SmtpSink() = default;

std::string SmtpSink::Output() const { return process_->Output(); }

}  // namespace hearth::testing
