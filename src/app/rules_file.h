// The project's security rules file (firebase.json's "firestore": {"rules": ...}): read and
// compiled at startup, then watched while serving.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/security.h"
#include "base/status.h"
#include "rules/rules.h"

namespace hearth::app {

// Reads and compiles the rules at `path`. nullptr when the file does not exist;
// `invalid-argument` "PATH:LINE:COL: what was expected" when it does not compile.
Result<std::shared_ptr<const rules::Ruleset>> LoadRules(const std::string& path);

// Polls `path` (its inode, size and modification time) every `interval` on its own thread
// and puts the new rules into `holder` when they compile. When they do not, the error is
// logged and the rules in force stay. A deleted file means no rules (end users are
// denied), as at startup. Stops (and joins) when destroyed.
class RulesWatcher {
 public:
  // `holder` must outlive the watcher; it already holds what LoadRules(path) gave.
  RulesWatcher(std::string path, api::RulesHolder& holder,
               std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~RulesWatcher();
  RulesWatcher(const RulesWatcher&) = delete;
  RulesWatcher& operator=(const RulesWatcher&) = delete;

 private:
  struct Stamp {
    bool exists = false;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  static Stamp StampOf(const std::string& path);
  void Run();
  void Reload();

  const std::string path_;
  api::RulesHolder& holder_;
  const std::chrono::milliseconds interval_;
  Stamp stamp_;  // what was last loaded (or refused); only the watcher thread uses it
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace hearth::app
