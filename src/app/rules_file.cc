#include "app/rules_file.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace hearth::app {

Result<std::shared_ptr<const rules::Ruleset>> LoadRules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      return std::shared_ptr<const rules::Ruleset>();
    }
    return Unavailable("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Unavailable("cannot read " + path);
  return rules::Compile(text.str(), path);
}

RulesWatcher::RulesWatcher(std::string path, api::RulesHolder& holder,
                           std::chrono::milliseconds interval)
    : path_(std::move(path)), holder_(holder), interval_(interval), stamp_(StampOf(path_)) {
  thread_ = std::thread([this] { Run(); });
}

RulesWatcher::~RulesWatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

RulesWatcher::Stamp RulesWatcher::StampOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Stamp{};
  return Stamp{
      .exists = true,
      .inode = static_cast<uint64_t>(st.st_ino),
      .size = static_cast<int64_t>(st.st_size),
      .mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

void RulesWatcher::Run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    Reload();
    lock.lock();
  }
}

void RulesWatcher::Reload() {
  Stamp now = StampOf(path_);
  if (now == stamp_) return;
  stamp_ = now;
  auto loaded = LoadRules(path_);
  if (!loaded.ok()) {
    // A half-saved or mistyped file must not open (or close) the database: keep the rules
    // that compiled last.
    spdlog::error("rules: {} changed but does not compile; the previous rules stay in force: {}",
                  path_, loaded.status().message());
    return;
  }
  if (*loaded == nullptr) {
    spdlog::warn("rules: {} was removed; every end-user document request is now denied", path_);
  } else {
    spdlog::info("rules: reloaded {}", path_);
  }
  holder_.Set(std::move(loaded).value());
}

}  // namespace hearth::app
