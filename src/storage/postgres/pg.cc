#include "storage/postgres/pg.h"

#include <endian.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <vector>

namespace hearth::storage::pg {
namespace {

// The types parameters are declared with (pg_type.h).
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;

// Parameters as libpq wants them: parallel arrays, bigints as big-endian bytes.
struct Encoded {
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::vector<uint64_t> numbers;

  explicit Encoded(std::span<const Param> params) {
    const size_t n = params.size();
    types.resize(n), values.resize(n), lengths.resize(n), formats.assign(n, 1), numbers.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const Param& p = params[i];
      switch (p.type) {
        case Param::Type::kText:
          types[i] = kTextOid;
          break;
        case Param::Type::kBytes:
          types[i] = kByteaOid;
          break;
        case Param::Type::kInt:
          types[i] = kInt8Oid;
          break;
      }
      if (p.null) {
        values[i] = nullptr;
        lengths[i] = 0;
      } else if (p.type == Param::Type::kInt) {
        numbers[i] = htobe64(static_cast<uint64_t>(p.number));
        values[i] = reinterpret_cast<const char*>(&numbers[i]);
        lengths[i] = 8;
      } else {
        // libpq never reads a zero-length value, but it must not be null (that is NULL).
        values[i] = p.bytes.data() != nullptr ? p.bytes.data() : "";
        lengths[i] = static_cast<int>(p.bytes.size());
      }
    }
  }
};

}  // namespace

Status ErrorStatus(pg_conn* conn, pg_result* result, std::string_view what) {
  std::string message(what);
  const char* detail = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (detail == nullptr || *detail == '\0') detail = PQerrorMessage(conn);
  message += ": ";
  message += detail;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable("database connection lost: " + message);
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  if (code == "40001" || code == "40P01") return Aborted(std::move(message));
  if (code == "23505") return AlreadyExists(std::move(message));
  // program_limit_exceeded: in practice an index entry larger than a btree row may be
  // (about 2.7 KB; SQLite has no such limit).
  if (code == "54000") {
    return InvalidArgument(
        "a value is too large to be indexed on PostgreSQL (index entries are limited to about "
        "2.7 KB); exempt the field from indexing with a fieldOverrides entry in "
        "firestore.indexes.json (" +
        message + ")");
  }
  // Class 08: connection exceptions; 53: insufficient resources; 57: operator intervention
  // (a shutdown, a cancelled statement).
  if (code.starts_with("08") || code.starts_with("53") || code.starts_with("57")) {
    return Unavailable(std::move(message));
  }
  return Internal(std::move(message));
}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }

bool Rows::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string_view Rows::Text(int row, int col) const {
  return {PQgetvalue(result_, row, col), static_cast<size_t>(PQgetlength(result_, row, col))};
}

int64_t Rows::Int(int row, int col) const {
  if (PQgetlength(result_, row, col) != 8) return 0;
  uint64_t v;
  std::memcpy(&v, PQgetvalue(result_, row, col), 8);
  return static_cast<int64_t>(be64toh(v));
}

int64_t Rows::Affected() const {
  const char* n = result_ != nullptr ? PQcmdTuples(result_) : "";
  return *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Unavailable("database: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Unavailable("cannot connect to the database: " + message);
  }
  auto c = std::unique_ptr<Connection>(new Connection(conn));
  // Notices (such as "relation already exists, skipping") are not worth a log line.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  RETURN_IF_ERROR(c->Exec("SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Connection::Reset() {
  prepared_.clear();
  PQreset(conn_);
  if (!ok()) return ErrorStatus(conn_, nullptr, "reconnecting");
  return Exec("SET client_min_messages = warning; SET TIME ZONE 'UTC'");
}

Result<Rows> Connection::Check(pg_result* result, std::string_view what) {
  Rows rows(result);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  return ErrorStatus(conn_, result, what);
}

template <typename Run>
Result<Rows> Connection::RunReconnecting(Run run) {
  const bool outside_transaction = PQtransactionStatus(conn_) == PQTRANS_IDLE;
  auto rows = run();
  if (rows.ok() || ok() || !outside_transaction) return rows;
  // The connection was lost (a restarted server, a terminated backend, a network blip)
  // while no transaction was open. Every Hearth write runs inside BEGIN ... COMMIT, so a
  // statement outside one changed nothing: re-run it once on a new connection. Inside a
  // transaction the caller must see the error: its earlier statements are gone.
  spdlog::warn("storage: {}; reconnecting", rows.status().message());
  if (Status reset = Reset(); !reset.ok()) return rows;
  return run();
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  auto rows =
      RunReconnecting([&] { return Check(PQexec(conn_, text.c_str()), text.substr(0, 60)); });
  return rows.ok() ? Status::Ok() : rows.status();
}

Result<Rows> Connection::Query(const char* name, std::string_view sql,
                               std::span<const Param> params) {
  Encoded e(params);
  return RunReconnecting([&]() -> Result<Rows> {
    if (!prepared_.contains(name)) {
      std::string text(sql);
      pg_result* prepared =
          PQprepare(conn_, name, text.c_str(), static_cast<int>(params.size()), e.types.data());
      ASSIGN_OR_RETURN(Rows ignored, Check(prepared, std::string("preparing ") + name));
      prepared_.insert(name);
    }
    return Check(PQexecPrepared(conn_, name, static_cast<int>(params.size()), e.values.data(),
                                e.lengths.data(), e.formats.data(), /*resultFormat=*/1),
                 name);
  });
}

Result<Rows> Connection::QueryOnce(std::string_view sql, std::span<const Param> params) {
  Encoded e(params);
  std::string text(sql);
  return RunReconnecting([&] {
    return Check(
        PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), e.types.data(),
                     e.values.data(), e.lengths.data(), e.formats.data(), /*resultFormat=*/1),
        text.substr(0, 60));
  });
}

}  // namespace hearth::storage::pg
