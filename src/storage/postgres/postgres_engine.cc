#include "storage/postgres/postgres_engine.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "storage/pool.h"
#include "storage/postgres/pg.h"
#include "storage/write_queue.h"

namespace hearth::storage {
namespace {

using pg::Connection;
using pg::Param;
using pg::Rows;

// Each entry migrates the schema from version i to i + 1 (hearth_schema.version). Never
// edit a shipped entry; append a new one. Text that is compared or ordered (paths, IDs,
// uids, keys) uses the "C" collation, so PostgreSQL orders it bytewise, as SQLite does
// and as Firestore orders document IDs; index keys are bytea, which compares bytewise.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE hearth_clock (
  id        integer PRIMARY KEY CHECK (id = 1),
  last_time bigint  NOT NULL,
  last_seq  bigint  NOT NULL
);
INSERT INTO hearth_clock (id, last_time, last_seq) VALUES (1, 0, 0);
CREATE TABLE documents (
  parent      text COLLATE "C" NOT NULL,
  id          text COLLATE "C" NOT NULL,
  data        text   NOT NULL,
  create_time bigint NOT NULL,
  update_time bigint NOT NULL,
  PRIMARY KEY (parent, id)
);
CREATE TABLE changes (
  seq         bigint PRIMARY KEY,
  commit_time bigint NOT NULL,
  path        text COLLATE "C" NOT NULL,
  before      text,
  after       text,
  create_time bigint,
  update_time bigint
);
CREATE TABLE index_entries (
  index_id   bigint NOT NULL,
  parent     text COLLATE "C" NOT NULL,
  key        bytea  NOT NULL,
  doc_parent text COLLATE "C" NOT NULL,
  doc_id     text COLLATE "C" NOT NULL,
  PRIMARY KEY (index_id, parent, key)
);
CREATE TABLE meta (
  key   text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO meta (key, value) VALUES ('auto-index', 'rebuild');
CREATE TABLE users (
  uid   text COLLATE "C" PRIMARY KEY,
  email text COLLATE "C" UNIQUE,
  data  text NOT NULL
);
CREATE TABLE user_identities (
  provider text COLLATE "C" NOT NULL,
  subject  text COLLATE "C" NOT NULL,
  uid      text COLLATE "C" NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_by_uid ON user_identities (uid);
CREATE TABLE auth_tokens (
  hash    text COLLATE "C" PRIMARY KEY,
  kind    text   NOT NULL,
  uid     text COLLATE "C" NOT NULL,
  family  text COLLATE "C" NOT NULL,
  data    text   NOT NULL,
  expires bigint NOT NULL,
  used    bigint NOT NULL
);
CREATE INDEX auth_tokens_by_uid ON auth_tokens (uid, kind);
CREATE INDEX auth_tokens_by_family ON auth_tokens (family);
CREATE INDEX auth_tokens_by_expiry ON auth_tokens (expires);
)sql",
};

// Any constant: the advisory lock that serialises migrations of nodes starting together.
constexpr int64_t kMigrationLock = 0x6865617274680001;  // "hearth" 1

constexpr std::string_view kScanColumns =
    "SELECT e.key, d.data, d.create_time, d.update_time, d.parent, d.id FROM index_entries e "
    "JOIN documents d ON d.parent = e.doc_parent AND d.id = e.doc_id "
    "WHERE e.index_id = $1 AND e.parent = $2 AND e.key >= $3 AND e.key < $4 ";
constexpr std::string_view kIdColumns =
    "SELECT id, data, create_time, update_time, parent, id FROM documents "
    "WHERE parent = $1 AND id >= $2 ";
constexpr std::string_view kUserColumns = "SELECT uid, coalesce(email, ''), data FROM users ";
constexpr std::string_view kChangeColumns =
    "SELECT seq, commit_time, path, before, after, create_time, update_time FROM changes ";

// Larger than every key: keys start with a type tag (or its inverse), never 0xFF.
constexpr std::string_view kKeyMax = "\xff\xff";
// Multi-row statements carry at most this many rows (5 parameters each).
constexpr size_t kRowsPerStatement = 200;

// PostgreSQL text cannot hold NUL, which the query layer uses in ID bounds ("p2" + "\0" is
// the first ID after "p2"). IDs never contain NUL, so for them "x\0..." and "x\x01" bound
// the same IDs, inclusive or exclusive alike.
std::string IdBound(std::string_view bound) {
  size_t nul = bound.find('\0');
  if (nul == std::string_view::npos) return std::string(bound);
  return std::string(bound.substr(0, nul)) + '\x01';
}

template <typename... P>
std::array<Param, sizeof...(P)> Params(P... p) {
  return {p...};
}

// The read statements, on any connection.
struct Reads {
  static Result<std::optional<DocumentRecord>> Get(Connection& c, std::string_view path) {
    auto [parent, id] = SplitPath(path);
    ASSIGN_OR_RETURN(Rows rows, c.Query("get",
                                        "SELECT data, create_time, update_time FROM documents "
                                        "WHERE parent = $1 AND id = $2",
                                        Params(Param::Text(parent), Param::Text(id))));
    if (rows.size() == 0) return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(DocumentRecord{
        std::string(path), std::string(rows.Text(0, 0)), rows.Int(0, 1), rows.Int(0, 2)});
  }

  // Rows of (key, data, create_time, update_time, parent, id).
  static std::vector<IndexedDocument> Indexed(const Rows& rows) {
    std::vector<IndexedDocument> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
      IndexedDocument d;
      d.key = std::string(rows.Text(r, 0));
      d.doc.data = std::string(rows.Text(r, 1));
      d.doc.create_time = rows.Int(r, 2);
      d.doc.update_time = rows.Int(r, 3);
      std::string_view parent = rows.Text(r, 4), id = rows.Text(r, 5);
      d.doc.path.reserve(parent.size() + id.size() + 1);
      d.doc.path.append(parent).append("/").append(id);
      out.push_back(std::move(d));
    }
    return out;
  }

  static UserRecord User(const Rows& rows, int r) {
    return {std::string(rows.Text(r, 0)), std::string(rows.Text(r, 1)),
            std::string(rows.Text(r, 2))};
  }

  static Result<std::optional<UserRecord>> GetUser(Connection& c, std::string_view uid) {
    ASSIGN_OR_RETURN(Rows rows, c.Query("user", std::string(kUserColumns) + "WHERE uid = $1",
                                        Params(Param::Text(uid))));
    if (rows.size() == 0) return std::optional<UserRecord>();
    return std::optional<UserRecord>(User(rows, 0));
  }

  static Result<std::optional<UserRecord>> GetUserByEmail(Connection& c, std::string_view email) {
    ASSIGN_OR_RETURN(Rows rows,
                     c.Query("user_by_email", std::string(kUserColumns) + "WHERE email = $1",
                             Params(Param::Text(email))));
    if (rows.size() == 0) return std::optional<UserRecord>();
    return std::optional<UserRecord>(User(rows, 0));
  }

  static Result<std::optional<TokenRecord>> GetToken(Connection& c, std::string_view hash) {
    ASSIGN_OR_RETURN(Rows rows, c.Query("token",
                                        "SELECT hash, kind, uid, family, data, expires, used "
                                        "FROM auth_tokens WHERE hash = $1",
                                        Params(Param::Text(hash))));
    if (rows.size() == 0) return std::optional<TokenRecord>();
    TokenRecord t;
    t.hash = std::string(rows.Text(0, 0));
    t.kind = std::string(rows.Text(0, 1));
    t.uid = std::string(rows.Text(0, 2));
    t.family = std::string(rows.Text(0, 3));
    t.data = std::string(rows.Text(0, 4));
    t.expires = rows.Int(0, 5);
    t.used = rows.Int(0, 6) != 0;
    return std::optional<TokenRecord>(std::move(t));
  }

  static Result<std::vector<ChangeRecord>> Changes(Connection& c, int64_t after_seq, size_t limit) {
    ASSIGN_OR_RETURN(
        Rows rows,
        c.Query("changes", std::string(kChangeColumns) + "WHERE seq > $1 ORDER BY seq LIMIT $2",
                Params(Param::Int(after_seq), Param::Int(static_cast<int64_t>(limit)))));
    std::vector<ChangeRecord> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
      ChangeRecord ch;
      ch.seq = rows.Int(r, 0);
      ch.commit_time = rows.Int(r, 1);
      ch.path = std::string(rows.Text(r, 2));
      if (!rows.IsNull(r, 3)) ch.before = std::string(rows.Text(r, 3));
      if (!rows.IsNull(r, 4)) ch.after = std::string(rows.Text(r, 4));
      out.push_back(std::move(ch));
    }
    return out;
  }
};

class PostgresEngine;

class PostgresWriteTxn final : public WriteTxn {
 public:
  PostgresWriteTxn(PostgresEngine* engine, Connection& conn, int64_t commit_time)
      : engine_(engine), conn_(conn), commit_time_(commit_time) {}
  int64_t commit_time() const override { return commit_time_; }
  Result<std::optional<DocumentRecord>> Get(std::string_view path) override {
    return Reads::Get(conn_, path);
  }
  Status Put(const DocumentRecord& after, const std::optional<DocumentRecord>& before) override;
  Status Delete(const DocumentRecord& before) override;
  Status PutIndexEntries(std::string_view doc_path, const std::vector<IndexKey>& keys) override;
  Status DeleteIndexEntries(const std::vector<IndexKey>& keys) override;
  Status DropIndex(int64_t index_id) override {
    return Run("drop_index", "DELETE FROM index_entries WHERE index_id = $1",
               Params(Param::Int(index_id)));
  }
  Status PutMeta(std::string_view key, std::string_view value) override {
    return Run("put_meta",
               "INSERT INTO meta (key, value) VALUES ($1, $2) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               Params(Param::Text(key), Param::Text(value)));
  }
  Status DeleteMeta(std::string_view key) override {
    return Run("delete_meta", "DELETE FROM meta WHERE key = $1", Params(Param::Text(key)));
  }
  Result<std::optional<UserRecord>> GetUser(std::string_view uid) override {
    return Reads::GetUser(conn_, uid);
  }
  Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) override {
    return Reads::GetUserByEmail(conn_, email);
  }
  Status PutUser(const UserRecord& user) override {
    if (!user.email.empty()) {
      ASSIGN_OR_RETURN(auto other, GetUserByEmail(user.email));
      if (other && other->uid != user.uid) {
        return AlreadyExists("another account already uses this email address");
      }
    }
    return Run("put_user",
               "INSERT INTO users (uid, email, data) VALUES ($1, nullif($2, ''), $3) "
               "ON CONFLICT (uid) DO UPDATE SET email = excluded.email, data = excluded.data",
               Params(Param::Text(user.uid), Param::Text(user.email), Param::Text(user.data)));
  }
  Status DeleteUser(std::string_view uid) override {
    RETURN_IF_ERROR(
        Run("delete_user", "DELETE FROM users WHERE uid = $1", Params(Param::Text(uid))));
    RETURN_IF_ERROR(Run("delete_identities", "DELETE FROM user_identities WHERE uid = $1",
                        Params(Param::Text(uid))));
    return DeleteUserTokens(uid, "");
  }
  Status PutIdentity(std::string_view provider, std::string_view subject,
                     std::string_view uid) override {
    return Run("put_identity",
               "INSERT INTO user_identities (provider, subject, uid) VALUES ($1, $2, $3) "
               "ON CONFLICT (provider, subject) DO UPDATE SET uid = excluded.uid",
               Params(Param::Text(provider), Param::Text(subject), Param::Text(uid)));
  }
  Result<std::optional<TokenRecord>> GetToken(std::string_view hash) override {
    return Reads::GetToken(conn_, hash);
  }
  Status PutToken(const TokenRecord& t) override {
    return Run(
        "put_token",
        "INSERT INTO auth_tokens (hash, kind, uid, family, data, expires, used) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO UPDATE SET "
        "kind = excluded.kind, uid = excluded.uid, family = excluded.family, "
        "data = excluded.data, expires = excluded.expires, used = excluded.used",
        Params(Param::Text(t.hash), Param::Text(t.kind), Param::Text(t.uid), Param::Text(t.family),
               Param::Text(t.data), Param::Int(t.expires), Param::Int(t.used ? 1 : 0)));
  }
  Status DeleteToken(std::string_view hash) override {
    return Run("delete_token", "DELETE FROM auth_tokens WHERE hash = $1",
               Params(Param::Text(hash)));
  }
  Status DeleteUserTokens(std::string_view uid, std::string_view kind) override {
    return Run("delete_user_tokens",
               "DELETE FROM auth_tokens WHERE uid = $1 AND ($2 = '' OR kind = $2)",
               Params(Param::Text(uid), Param::Text(kind)));
  }
  Status DeleteTokenFamily(std::string_view family) override {
    return Run("delete_family", "DELETE FROM auth_tokens WHERE family = $1",
               Params(Param::Text(family)));
  }
  Status PurgeExpiredTokens(int64_t now_micros, int64_t limit) override {
    return Run("purge_tokens",
               "DELETE FROM auth_tokens WHERE hash IN (SELECT hash FROM auth_tokens "
               "WHERE expires < $1 LIMIT $2)",
               Params(Param::Int(now_micros), Param::Int(limit)));
  }

 private:
  template <size_t N>
  Status Run(const char* name, std::string_view sql, const std::array<Param, N>& params) {
    auto rows = conn_.Query(name, sql, params);
    return rows.ok() ? Status::Ok() : rows.status();
  }
  Status Log(std::string_view path, const std::string* before, const DocumentRecord* after);

  PostgresEngine* engine_;
  Connection& conn_;
  int64_t commit_time_;
};

class PostgresEngine final : public Engine {
 public:
  explicit PostgresEngine(PostgresOptions options) : options_(std::move(options)) {}
  ~PostgresEngine() override { Close(); }

  Status Open() {
    ASSIGN_OR_RETURN(writer_, Connection::Open(options_.url));
    RETURN_IF_ERROR(Migrate());
    ASSIGN_OR_RETURN(Rows clock,
                     writer_->QueryOnce("SELECT last_time, last_seq FROM hearth_clock", {}));
    if (clock.size() != 1) return Internal("storage: hearth_clock has no row");
    delivered_ = clock.Int(0, 1);
    for (int i = 0; i < std::max(1, options_.readers); ++i) {
      ASSIGN_OR_RETURN(auto c, Connection::Open(options_.url));
      readers_.Add(std::move(c));
    }
    ASSIGN_OR_RETURN(listener_, Connection::Open(options_.url));
    RETURN_IF_ERROR(listener_->Exec("LISTEN hearth_changes"));
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return Internal("storage: eventfd failed");
    writer_thread_ = std::thread([this] { WriterLoop(); });
    tail_thread_ = std::thread([this] { TailLoop(); });
    return Status::Ok();
  }

  std::string_view name() const override { return "postgres"; }

  // A read connection; one that was lost is re-established here (if that fails, the call
  // using it fails with `unavailable` and the next one tries again).
  Pool<Connection>::Lease Reader() {
    auto c = readers_.Acquire();
    if (!c->ok()) {
      if (Status s = c->Reset(); !s.ok()) spdlog::warn("storage: {}", s.ToString());
    }
    return c;
  }

  void SetCommitObserver(CommitObserver observer) override {
    std::lock_guard lock(deliver_mu_);
    observer_ = std::move(observer);
  }

  Result<std::optional<DocumentRecord>> Get(std::string_view path) override {
    auto c = Reader();
    return Reads::Get(*c, path);
  }

  Result<std::vector<DocumentRecord>> List(std::string_view parent, std::string_view start_after_id,
                                           size_t limit) override {
    auto c = Reader();
    ASSIGN_OR_RETURN(Rows rows, (*c).Query("list",
                                           "SELECT data, create_time, update_time, id FROM "
                                           "documents WHERE parent = $1 AND id > $2 "
                                           "ORDER BY id LIMIT $3",
                                           Params(Param::Text(parent), Param::Text(start_after_id),
                                                  Param::Int(static_cast<int64_t>(limit)))));
    std::vector<DocumentRecord> out;
    for (int r = 0; r < rows.size(); ++r) {
      DocumentRecord d;
      d.path.append(parent).append("/").append(rows.Text(r, 3));
      d.data = std::string(rows.Text(r, 0));
      d.create_time = rows.Int(r, 1);
      d.update_time = rows.Int(r, 2);
      out.push_back(std::move(d));
    }
    return out;
  }

  Result<std::vector<IndexedDocument>> ScanIndex(const IndexRange& range) override {
    auto c = Reader();
    auto params =
        Params(Param::Int(range.index_id), Param::Text(range.parent), Param::Bytes(range.lower),
               Param::Bytes(range.upper ? std::string_view(*range.upper) : kKeyMax),
               Param::Int(static_cast<int64_t>(range.limit)));
    auto rows = range.reverse
                    ? (*c).Query("scan_reverse",
                                 std::string(kScanColumns) + "ORDER BY e.key DESC LIMIT $5", params)
                    : (*c).Query("scan_forward",
                                 std::string(kScanColumns) + "ORDER BY e.key LIMIT $5", params);
    if (!rows.ok()) return rows.status();
    return Reads::Indexed(*rows);
  }

  Result<std::vector<IndexedDocument>> ScanIds(const IdRange& range) override {
    auto c = Reader();
    const auto limit = Param::Int(static_cast<int64_t>(range.limit));
    const std::string lower = IdBound(range.lower);
    const std::string upper = range.upper ? IdBound(*range.upper) : std::string();
    auto run = [&]() -> Result<Rows> {
      if (range.upper) {
        auto params =
            Params(Param::Text(range.parent), Param::Text(lower), limit, Param::Text(upper));
        return range.reverse
                   ? (*c).Query("ids_reverse_upper",
                                std::string(kIdColumns) + "AND id < $4 ORDER BY id DESC LIMIT $3",
                                params)
                   : (*c).Query("ids_forward_upper",
                                std::string(kIdColumns) + "AND id < $4 ORDER BY id LIMIT $3",
                                params);
      }
      auto params = Params(Param::Text(range.parent), Param::Text(lower), limit);
      return range.reverse
                 ? (*c).Query("ids_reverse", std::string(kIdColumns) + "ORDER BY id DESC LIMIT $3",
                              params)
                 : (*c).Query("ids_forward", std::string(kIdColumns) + "ORDER BY id LIMIT $3",
                              params);
    };
    auto rows = run();
    if (!rows.ok()) return rows.status();
    return Reads::Indexed(*rows);
  }

  Result<std::vector<DocumentRecord>> ScanAll(std::string_view after_parent,
                                              std::string_view after_id, size_t limit) override {
    auto c = Reader();
    ASSIGN_OR_RETURN(Rows rows,
                     (*c).Query("all",
                                "SELECT data, create_time, update_time, parent, id FROM documents "
                                "WHERE (parent, id) > ($1, $2) ORDER BY parent, id LIMIT $3",
                                Params(Param::Text(after_parent), Param::Text(after_id),
                                       Param::Int(static_cast<int64_t>(limit)))));
    std::vector<DocumentRecord> out;
    for (int r = 0; r < rows.size(); ++r) {
      DocumentRecord d;
      d.path.append(rows.Text(r, 3)).append("/").append(rows.Text(r, 4));
      d.data = std::string(rows.Text(r, 0));
      d.create_time = rows.Int(r, 1);
      d.update_time = rows.Int(r, 2);
      out.push_back(std::move(d));
    }
    return out;
  }

  Result<std::optional<std::string>> ReadMeta(std::string_view key) override {
    auto c = Reader();
    ASSIGN_OR_RETURN(Rows rows, (*c).Query("meta", "SELECT value FROM meta WHERE key = $1",
                                           Params(Param::Text(key))));
    if (rows.size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(rows.Text(0, 0)));
  }

  Result<std::optional<UserRecord>> GetUser(std::string_view uid) override {
    auto c = Reader();
    return Reads::GetUser(*c, uid);
  }
  Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) override {
    auto c = Reader();
    return Reads::GetUserByEmail(*c, email);
  }
  Result<std::optional<std::string>> GetIdentity(std::string_view provider,
                                                 std::string_view subject) override {
    auto c = Reader();
    ASSIGN_OR_RETURN(Rows rows, (*c).Query("identity",
                                           "SELECT uid FROM user_identities WHERE provider = $1 "
                                           "AND subject = $2",
                                           Params(Param::Text(provider), Param::Text(subject))));
    if (rows.size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(rows.Text(0, 0)));
  }
  Result<std::vector<UserRecord>> ListUsers(std::string_view after_uid, size_t limit) override {
    auto c = Reader();
    ASSIGN_OR_RETURN(
        Rows rows,
        (*c).Query("users", std::string(kUserColumns) + "WHERE uid > $1 ORDER BY uid LIMIT $2",
                   Params(Param::Text(after_uid), Param::Int(static_cast<int64_t>(limit)))));
    std::vector<UserRecord> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(Reads::User(rows, r));
    return out;
  }
  Result<std::optional<TokenRecord>> GetToken(std::string_view hash) override {
    auto c = Reader();
    return Reads::GetToken(*c, hash);
  }

  Result<std::vector<ChangeRecord>> ReadChanges(int64_t after_seq, size_t limit) override {
    auto c = Reader();
    return Reads::Changes(*c, after_seq, limit);
  }

  void Write(WriteFn fn, DoneFn done) override { queue_.Push(std::move(fn), std::move(done)); }

  Result<int64_t> SizeBytes() override {
    auto c = Reader();
    ASSIGN_OR_RETURN(Rows rows, (*c).QueryOnce("SELECT pg_database_size(current_database())", {}));
    return rows.size() == 1 ? rows.Int(0, 0) : 0;
  }

  Status Ping() override {
    auto c = Reader();
    auto rows = (*c).Query("ping", "SELECT 1", std::array<Param, 0>{});
    return rows.ok() ? Status::Ok() : rows.status();
  }

  void Close() override {
    if (queue_.closed() && !writer_thread_.joinable() && !tail_thread_.joinable()) return;
    queue_.Close();
    if (writer_thread_.joinable()) writer_thread_.join();
    if (wake_fd_ >= 0) {
      uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof one);
    }
    if (tail_thread_.joinable()) tail_thread_.join();
    if (wake_fd_ >= 0) ::close(wake_fd_), wake_fd_ = -1;
    readers_.Clear();
    listener_.reset();
    writer_.reset();
  }

 private:
  friend class PostgresWriteTxn;

  Status Migrate() {
    RETURN_IF_ERROR(writer_->Exec("BEGIN"));
    auto run = [&]() -> Status {
      RETURN_IF_ERROR(
          writer_->QueryOnce("SELECT pg_advisory_xact_lock($1)", Params(Param::Int(kMigrationLock)))
              .status());
      RETURN_IF_ERROR(
          writer_->Exec("CREATE TABLE IF NOT EXISTS hearth_schema (version bigint NOT NULL)"));
      ASSIGN_OR_RETURN(Rows rows, writer_->QueryOnce("SELECT version FROM hearth_schema", {}));
      int64_t version = 0;
      if (rows.size() == 0) {
        RETURN_IF_ERROR(writer_->Exec("INSERT INTO hearth_schema (version) VALUES (0)"));
      } else {
        version = rows.Int(0, 0);
      }
      constexpr auto kLatest = static_cast<int64_t>(std::size(kMigrations));
      if (version > kLatest) {
        return FailedPrecondition("the database's schema version " + std::to_string(version) +
                                  " is newer than this Hearth understands (" +
                                  std::to_string(kLatest) + "); upgrade Hearth");
      }
      for (; version < kLatest; ++version) {
        spdlog::info("storage: migrating schema {} -> {}", version, version + 1);
        RETURN_IF_ERROR(writer_->Exec(kMigrations[version]));
      }
      return writer_
          ->QueryOnce("UPDATE hearth_schema SET version = $1", Params(Param::Int(kLatest)))
          .status();
    };
    Status s = run();
    if (s.ok()) s = writer_->Exec("COMMIT");
    if (!s.ok()) (void)writer_->Exec("ROLLBACK");
    return s;
  }

  void WriterLoop() {
    std::vector<WriteQueue::Pending> batch;
    uint64_t commits = 0;
    while (queue_.TakeBatch(batch)) CommitBatch(batch, ++commits);
  }

  // BEGIN and the clock lock: from here this node is the only one committing.
  Status BeginGroup() {
    if (!writer_->ok()) RETURN_IF_ERROR(writer_->Reset());
    RETURN_IF_ERROR(writer_->Exec("BEGIN"));
    auto clock = writer_->Query("lock_clock",
                                "SELECT last_time, last_seq FROM hearth_clock WHERE id = 1 "
                                "FOR UPDATE",
                                std::array<Param, 0>{});
    if (!clock.ok() || clock->size() != 1) {
      (void)writer_->Exec("ROLLBACK");
      return clock.ok() ? Internal("storage: hearth_clock has no row") : clock.status();
    }
    last_time_ = clock->Int(0, 0);
    seq_ = clock->Int(0, 1);
    return Status::Ok();
  }

  void CommitBatch(std::vector<WriteQueue::Pending>& batch, uint64_t commit_number) {
    std::vector<Status> results(batch.size());
    committed_.clear();
    if (Status begin = BeginGroup(); !begin.ok()) {
      spdlog::error("storage: cannot begin a commit: {}", begin.ToString());
      for (auto& w : batch) w.done(begin);
      return;
    }
    const int64_t first_seq = seq_ + 1;
    Status fatal = Status::Ok();  // the transaction itself failed: nothing commits
    for (size_t i = 0; i < batch.size() && fatal.ok(); ++i) {
      Status s = writer_->Exec("SAVEPOINT w");
      if (!s.ok()) {
        fatal = s;
        break;
      }
      const size_t mark = committed_.size();
      const int64_t seq_mark = seq_;
      const int64_t time_mark = last_time_;
      PostgresWriteTxn txn(this, *writer_, NextCommitTime());
      s = batch[i].fn(txn);
      Status release = s.ok() ? writer_->Exec("RELEASE SAVEPOINT w") : s;
      if (!release.ok()) {
        if (s.ok()) s = release;
        Status undo = writer_->Exec("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w");
        if (!undo.ok()) fatal = undo;
        committed_.resize(mark);  // its changes were rolled back
        seq_ = seq_mark;
        last_time_ = time_mark;
      }
      results[i] = std::move(s);
    }
    if (fatal.ok() && commit_number % 256 == 0) {
      auto trimmed = writer_->Query("trim", "DELETE FROM changes WHERE seq <= $1",
                                    Params(Param::Int(seq_ - options_.change_log_keep)));
      if (!trimmed.ok()) spdlog::warn("storage: trim failed: {}", trimmed.status().ToString());
    }
    if (fatal.ok()) {
      std::string seq_text = std::to_string(seq_);
      fatal = writer_
                  ->Query("advance_clock",
                          "UPDATE hearth_clock SET last_time = $1, last_seq = $2 WHERE id = 1",
                          Params(Param::Int(last_time_), Param::Int(seq_)))
                  .status();
      if (fatal.ok() && seq_ >= first_seq) {
        fatal = writer_
                    ->Query("notify", "SELECT pg_notify('hearth_changes', $1)",
                            Params(Param::Text(seq_text)))
                    .status();
      }
    }
    Status commit = fatal.ok() ? writer_->Exec("COMMIT") : fatal;
    if (!commit.ok()) {
      (void)writer_->Exec("ROLLBACK");
      spdlog::error("storage: group commit of {} writes failed: {}", batch.size(),
                    commit.ToString());
    } else if (seq_ >= first_seq) {
      DeliverLocal(first_seq, seq_);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(commit.ok() ? results[i] : commit);
    }
  }

  // Strictly increasing across nodes: the clock row holds the last time any node used.
  int64_t NextCommitTime() {
    last_time_ = std::max(SystemClock().NowMicros(), last_time_ + 1);
    return last_time_;
  }

  // This node's commit of changes [first, last]: whatever other nodes committed before it
  // is delivered first, so the observer sees every change once, in sequence order.
  void DeliverLocal(int64_t first, int64_t last) {
    std::lock_guard lock(deliver_mu_);
    if (first > delivered_ + 1) CatchUpLocked(*writer_, first - 1);
    if (last <= delivered_) return;
    if (observer_) observer_(committed_);
    delivered_ = last;
  }

  // Delivers logged changes after delivered_ (up to `upto`, or all when -1), one observer
  // call per commit (changes sharing a commit time came from one write).
  void CatchUpLocked(Connection& conn, int64_t upto) {
    for (;;) {
      auto rows =
          conn.Query("tail", std::string(kChangeColumns) + "WHERE seq > $1 ORDER BY seq LIMIT 1000",
                     Params(Param::Int(delivered_)));
      if (!rows.ok()) {
        spdlog::warn("storage: reading other nodes' changes failed: {}", rows.status().ToString());
        return;
      }
      if (rows->size() == 0) return;
      if (rows->Int(0, 0) > delivered_ + 1) {
        spdlog::warn(
            "storage: {} changes were trimmed from the change log before this node saw "
            "them; listeners may have missed them",
            rows->Int(0, 0) - delivered_ - 1);
      }
      std::vector<CommittedChange> group;
      int64_t group_time = -1;
      auto flush = [&] {
        if (!group.empty() && observer_) observer_(group);
        group.clear();
      };
      int r = 0;
      for (; r < rows->size(); ++r) {
        int64_t seq = rows->Int(r, 0);
        if (upto >= 0 && seq > upto) break;
        int64_t time = rows->Int(r, 1);
        if (time != group_time) flush(), group_time = time;
        CommittedChange change;
        change.path = std::string(rows->Text(r, 2));
        change.commit_time = time;
        if (!rows->IsNull(r, 4)) {
          change.after = DocumentRecord{change.path, std::string(rows->Text(r, 4)), rows->Int(r, 5),
                                        rows->Int(r, 6)};
        }
        group.push_back(std::move(change));
        delivered_ = seq;
      }
      flush();
      if (r < rows->size() || rows->size() < 1000) return;
    }
  }

  // Waits for notifications (or polls every poll_ms) and delivers other nodes' changes.
  void TailLoop() {
    for (;;) {
      if (queue_.closed()) return;
      if (!listener_->ok()) {
        if (Status s = listener_->Reset(); s.ok()) {
          (void)listener_->Exec("LISTEN hearth_changes");
        }
      }
      std::array<pollfd, 2> fds{};
      fds[0] = {wake_fd_, POLLIN, 0};
      int sock = PQsocket(listener_->raw());
      fds[1] = {sock, POLLIN, 0};
      int ready = ::poll(fds.data(), sock >= 0 ? 2 : 1, options_.poll_ms);
      if (ready > 0 && (fds[0].revents & POLLIN)) return;  // closing
      int64_t notified = -1;
      if (sock >= 0) {
        PQconsumeInput(listener_->raw());
        while (PGnotify* n = PQnotifies(listener_->raw())) {
          notified = std::max(notified, static_cast<int64_t>(std::strtoll(n->extra, nullptr, 10)));
          PQfreemem(n);
        }
      }
      std::lock_guard lock(deliver_mu_);
      // Our own commits are delivered by the writer; nothing to read for them.
      if (notified >= 0 && notified <= delivered_) continue;
      if (listener_->ok()) CatchUpLocked(*listener_, -1);
    }
  }

  PostgresOptions options_;
  std::unique_ptr<Connection> writer_;      // writer thread only (and Open/Close)
  int64_t last_time_ = 0;                   // writer thread only
  int64_t seq_ = 0;                         // writer thread only: last seq assigned
  std::vector<CommittedChange> committed_;  // writer thread only: the group's changes
  Pool<Connection> readers_;

  std::mutex deliver_mu_;
  CommitObserver observer_;               // GUARDED_BY(deliver_mu_)
  int64_t delivered_ = 0;                 // GUARDED_BY(deliver_mu_): last seq the observer saw
  std::unique_ptr<Connection> listener_;  // tail thread only
  int wake_fd_ = -1;
  std::thread tail_thread_;

  WriteQueue queue_{options_.max_queue, options_.max_batch};
  std::thread writer_thread_;
};

Status PostgresWriteTxn::Log(std::string_view path, const std::string* before,
                             const DocumentRecord* after) {
  int64_t seq = ++engine_->seq_;
  auto rows = conn_.Query(
      "log",
      "INSERT INTO changes (seq, commit_time, path, before, after, create_time, update_time) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Params(Param::Int(seq), Param::Int(commit_time_), Param::Text(path),
             before ? Param::Text(*before) : Param::NullText(),
             after ? Param::Text(after->data) : Param::NullText(),
             after ? Param::Int(after->create_time) : Param::NullInt(),
             after ? Param::Int(after->update_time) : Param::NullInt()));
  return rows.ok() ? Status::Ok() : rows.status();
}

Status PostgresWriteTxn::Put(const DocumentRecord& after,
                             const std::optional<DocumentRecord>& before) {
  auto [parent, id] = SplitPath(after.path);
  RETURN_IF_ERROR(Run("put",
                      "INSERT INTO documents (parent, id, data, create_time, update_time) "
                      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (parent, id) DO UPDATE SET "
                      "data = excluded.data, create_time = excluded.create_time, "
                      "update_time = excluded.update_time",
                      Params(Param::Text(parent), Param::Text(id), Param::Text(after.data),
                             Param::Int(after.create_time), Param::Int(after.update_time))));
  RETURN_IF_ERROR(Log(after.path, before ? &before->data : nullptr, &after));
  // Later commits get later times than any stored document says it was written at.
  engine_->last_time_ = std::max(engine_->last_time_, after.update_time);
  engine_->committed_.push_back({after.path, after, commit_time()});
  return Status::Ok();
}

Status PostgresWriteTxn::Delete(const DocumentRecord& before) {
  auto [parent, id] = SplitPath(before.path);
  RETURN_IF_ERROR(Run("delete", "DELETE FROM documents WHERE parent = $1 AND id = $2",
                      Params(Param::Text(parent), Param::Text(id))));
  RETURN_IF_ERROR(Log(before.path, &before.data, nullptr));
  engine_->committed_.push_back({before.path, std::nullopt, commit_time()});
  return Status::Ok();
}

// Appends "($1, $2, ...)" groups of `width` parameters for `rows` rows.
void AppendValueGroups(std::string& sql, size_t rows, size_t width) {
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < width; ++c) {
      if (c > 0) sql += ", ";
      sql += '$';
      sql += std::to_string(++n);
    }
    sql += ')';
  }
}

Status PostgresWriteTxn::PutIndexEntries(std::string_view doc_path,
                                         const std::vector<IndexKey>& keys) {
  auto [parent, id] = SplitPath(doc_path);
  for (size_t start = 0; start < keys.size(); start += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, keys.size() - start);
    std::string sql =
        "INSERT INTO index_entries (index_id, parent, key, doc_parent, doc_id) VALUES ";
    AppendValueGroups(sql, n, 5);
    sql += " ON CONFLICT DO NOTHING";
    std::vector<Param> params;
    params.reserve(n * 5);
    for (size_t i = start; i < start + n; ++i) {
      params.push_back(Param::Int(keys[i].index_id));
      params.push_back(Param::Text(keys[i].parent));
      params.push_back(Param::Bytes(keys[i].key));
      params.push_back(Param::Text(parent));
      params.push_back(Param::Text(id));
    }
    RETURN_IF_ERROR(conn_.QueryOnce(sql, params).status());
  }
  return Status::Ok();
}

Status PostgresWriteTxn::DeleteIndexEntries(const std::vector<IndexKey>& keys) {
  for (size_t start = 0; start < keys.size(); start += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, keys.size() - start);
    std::string sql = "DELETE FROM index_entries WHERE (index_id, parent, key) IN (";
    AppendValueGroups(sql, n, 3);
    sql += ')';
    std::vector<Param> params;
    params.reserve(n * 3);
    for (size_t i = start; i < start + n; ++i) {
      params.push_back(Param::Int(keys[i].index_id));
      params.push_back(Param::Text(keys[i].parent));
      params.push_back(Param::Bytes(keys[i].key));
    }
    RETURN_IF_ERROR(conn_.QueryOnce(sql, params).status());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenPostgres(const PostgresOptions& options) {
  auto engine = std::make_unique<PostgresEngine>(options);
  RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

std::string RedactDatabaseUrl(std::string_view url) {
  // scheme://user:password@host... -> scheme://user@host...
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return "(connection string)";  // key=value form: may hold password=...
  }
  size_t start = scheme + 3;
  size_t at = url.find('@', start);
  size_t slash = url.find('/', start);
  std::string out(url.substr(0, url.find('?')));
  if (at == std::string_view::npos || (slash != std::string_view::npos && at > slash)) return out;
  size_t colon = url.find(':', start);
  if (colon != std::string_view::npos && colon < at) {
    out = std::string(url.substr(0, colon)) + std::string(url.substr(at, url.find('?') - at));
  }
  return out;
}

}  // namespace hearth::storage
