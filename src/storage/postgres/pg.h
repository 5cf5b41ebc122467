// Thin RAII wrappers over libpq. A Connection belongs to one thread at a time.
//
// Every statement goes out with binary parameters and comes back in binary: text is its
// UTF-8 bytes, bytea its raw bytes, bigint 8 big-endian bytes. No escaping or number
// formatting anywhere, and bytea keys need no hex round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "base/status.h"

struct pg_conn;
struct pg_result;

namespace hearth::storage::pg {

// One statement parameter. Views must outlive the call.
struct Param {
  enum class Type { kText, kBytes, kInt };
  Type type = Type::kText;
  std::string_view bytes;
  int64_t number = 0;
  bool null = false;

  static Param Text(std::string_view v) { return {Type::kText, v, 0, false}; }
  static Param Bytes(std::string_view v) { return {Type::kBytes, v, 0, false}; }
  static Param Int(int64_t v) { return {Type::kInt, {}, v, false}; }
  static Param NullText() { return {Type::kText, {}, 0, true}; }
  static Param NullInt() { return {Type::kInt, {}, 0, true}; }
};

// The rows of one statement.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result) : result_(result) {}
  ~Rows();
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&& other) noexcept;

  int size() const;
  bool IsNull(int row, int col) const;
  std::string_view Text(int row, int col) const;  // text or bytea
  int64_t Int(int row, int col) const;            // bigint
  // Rows changed by an INSERT / UPDATE / DELETE.
  int64_t Affected() const;

 private:
  pg_result* result_ = nullptr;
};

class Connection {
 public:
  // Connects (blocking) with `url` (a URL or key=value string).
  static Result<std::unique_ptr<Connection>> Open(const std::string& url);
  ~Connection();

  // A statement issued outside a transaction block that fails because the connection was
  // lost is re-run once on a new connection (it changed nothing); so every write must run
  // inside BEGIN ... COMMIT, where a lost connection is reported, never retried.
  //
  // Runs one or more statements without parameters or results (DDL, BEGIN, ...).
  Status Exec(std::string_view sql);
  // Runs `sql` prepared once per connection under `name` (a constant per statement).
  Result<Rows> Query(const char* name, std::string_view sql, std::span<const Param> params);
  // Runs `sql` unprepared (statements whose text varies, such as multi-row inserts).
  Result<Rows> QueryOnce(std::string_view sql, std::span<const Param> params);

  // Whether the connection is usable; Reset() reconnects (prepared statements are lost).
  bool ok() const;
  Status Reset();
  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Result<Rows> Check(pg_result* result, std::string_view what);
  // Runs `run`; see pg.cc for when it runs again after a lost connection.
  template <typename Run>
  Result<Rows> RunReconnecting(Run run);

  pg_conn* conn_;
  std::unordered_set<std::string> prepared_;
};

// A failed result or connection as a Status: serialization failures and deadlocks are
// `aborted`, unique violations `already-exists`, lost connections `unavailable`.
Status ErrorStatus(pg_conn* conn, pg_result* result, std::string_view what);

}  // namespace hearth::storage::pg
