// An exclusive lock on a data folder for the life of the holder, so two processes (two
// servers, or a server and `hearth import`) never write one SQLite store at once.
#pragma once

#include <string>

#include "base/status.h"

namespace hearth::app {

class DataDirLock {
 public:
  // `failed-precondition` when another process holds it.
  static Result<DataDirLock> Acquire(const std::string& data_dir);
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hearth::app
