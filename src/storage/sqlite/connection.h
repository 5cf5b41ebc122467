// Thin RAII wrappers over the SQLite C API. A Connection and its Statements belong to one
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hearth::storage::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  void BindText(int index, std::string_view text);
  void BindBlob(int index, std::string_view bytes);
  void BindInt(int index, int64_t value);
  void BindNull(int index);

  // true: a row is ready; false: done. Errors come back as Status.
  Result<bool> Step();
  // Step() to completion, expecting no rows.
  Status Run();

  std::string_view ColumnText(int index) const;
  int64_t ColumnInt(int index) const;
  bool ColumnIsNull(int index) const;

  // Clears bindings and rewinds, ready for reuse.
  void Reset();

  // Steps through every row, calling `fn(*this)` for each, then resets (also on error).
  template <typename Fn>
  Status ForEachRow(Fn fn) {
    for (;;) {
      Result<bool> row = Step();
      if (!row.ok()) {
        Reset();
        return row.status();
      }
      if (!*row) break;
      fn(*this);
    }
    Reset();
    return Status::Ok();
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens (creating if `create`) the database file. Not thread-safe per connection
  // (opened with SQLITE_OPEN_NOMUTEX): one thread at a time.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool create);
  ~Connection();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  sqlite3* raw() const { return db_; }

  // The message of the connection's last error.
  std::string LastError() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A Status for SQLite result code `rc`: busy/locked/full/IO errors are `unavailable`,
// corruption `data-loss`, the rest `internal`.
Status SqliteError(sqlite3* db, int rc, std::string_view context);

}  // namespace hearth::storage::sqlite
