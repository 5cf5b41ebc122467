#include "storage/sqlite/sqlite_engine.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <type_traits>

#include "base/clock.h"
#include "storage/pool.h"
#include "storage/sqlite/connection.h"
#include "storage/write_queue.h"

namespace hearth::storage {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// Each entry migrates the schema from version i to i + 1 (PRAGMA user_version). Never
// edit a shipped entry; append a new one.
constexpr std::string_view kMigrations[] = {
    // 1: documents keyed by (collection path, ID) so a collection lists in ID order from
    // one index range; the change log feeds listeners, triggers and other nodes.
    R"sql(
CREATE TABLE documents (
  parent      TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  PRIMARY KEY (parent, id)
) WITHOUT ROWID;
CREATE TABLE changes (
  seq         INTEGER PRIMARY KEY,
  commit_time INTEGER NOT NULL,
  path        TEXT    NOT NULL,
  before      TEXT,
  after       TEXT
);
)sql",
    // 2: index entries (query/index.h) and small persistent settings. Documents written
    // before this version get their automatic index entries from a rebuild on open
    // (db/indexing), which the "auto-index" setting asks for.
    R"sql(
CREATE TABLE index_entries (
  index_id   INTEGER NOT NULL,
  parent     TEXT    NOT NULL,
  key        BLOB    NOT NULL,
  doc_parent TEXT    NOT NULL,
  doc_id     TEXT    NOT NULL,
  PRIMARY KEY (index_id, parent, key)
) WITHOUT ROWID;
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('auto-index', 'rebuild');
)sql",
    // 3: auth records (auth/), out of the document API's reach. Emails are unique (NULL
    // for users without one); tokens are known only by the hash of their secret.
    R"sql(
CREATE TABLE users (
  uid   TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  data  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE user_identities (
  provider TEXT NOT NULL,
  subject  TEXT NOT NULL,
  uid      TEXT NOT NULL,
  PRIMARY KEY (provider, subject)
) WITHOUT ROWID;
CREATE INDEX user_identities_by_uid ON user_identities (uid);
CREATE TABLE auth_tokens (
  hash    TEXT    PRIMARY KEY,
  kind    TEXT    NOT NULL,
  uid     TEXT    NOT NULL,
  family  TEXT    NOT NULL,
  data    TEXT    NOT NULL,
  expires INTEGER NOT NULL,
  used    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_tokens_by_uid ON auth_tokens (uid, kind);
CREATE INDEX auth_tokens_by_family ON auth_tokens (family);
CREATE INDEX auth_tokens_by_expiry ON auth_tokens (expires);
)sql",
};

constexpr std::string_view kUserColumns = "SELECT uid, coalesce(email, ''), data FROM users ";
constexpr std::string_view kTokenColumns =
    "SELECT hash, kind, uid, family, data, expires, used FROM auth_tokens WHERE hash = ?1";

// The statements that read auth records, prepared on every connection that reads them.
struct AuthReads {
  Statement user, user_by_email, identity, users, token;

  Status Prepare(Connection& c) {
    ASSIGN_OR_RETURN(user, c.Prepare(std::string(kUserColumns) + "WHERE uid = ?1"));
    ASSIGN_OR_RETURN(user_by_email, c.Prepare(std::string(kUserColumns) + "WHERE email = ?1"));
    ASSIGN_OR_RETURN(identity, c.Prepare("SELECT uid FROM user_identities WHERE provider = ?1 "
                                         "AND subject = ?2"));
    ASSIGN_OR_RETURN(users,
                     c.Prepare(std::string(kUserColumns) + "WHERE uid > ?1 ORDER BY uid LIMIT ?2"));
    ASSIGN_OR_RETURN(token, c.Prepare(kTokenColumns));
    return Status::Ok();
  }

  static UserRecord ReadUser(const Statement& st) {
    return {std::string(st.ColumnText(0)), std::string(st.ColumnText(1)),
            std::string(st.ColumnText(2))};
  }

  // Runs `st` (already bound) for at most one row, read by `read`.
  template <typename T, typename Read>
  static Result<std::optional<T>> One(Statement& st, Read read) {
    std::optional<T> out;
    RETURN_IF_ERROR(st.ForEachRow([&](const Statement& row) {
      if (!out) out = read(row);
    }));
    return out;
  }

  Result<std::optional<UserRecord>> GetUser(std::string_view uid) {
    user.BindText(1, uid);
    return One<UserRecord>(user, ReadUser);
  }
  Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) {
    user_by_email.BindText(1, email);
    return One<UserRecord>(user_by_email, ReadUser);
  }
  Result<std::optional<std::string>> GetIdentity(std::string_view provider,
                                                 std::string_view subject) {
    identity.BindText(1, provider);
    identity.BindText(2, subject);
    return One<std::string>(identity,
                            [](const Statement& row) { return std::string(row.ColumnText(0)); });
  }
  Result<std::vector<UserRecord>> ListUsers(std::string_view after_uid, size_t limit) {
    users.BindText(1, after_uid);
    users.BindInt(2, static_cast<int64_t>(limit));
    std::vector<UserRecord> out;
    RETURN_IF_ERROR(users.ForEachRow([&](const Statement& row) { out.push_back(ReadUser(row)); }));
    return out;
  }
  Result<std::optional<TokenRecord>> GetToken(std::string_view hash) {
    token.BindText(1, hash);
    return One<TokenRecord>(token, [](const Statement& row) {
      TokenRecord t;
      t.hash = std::string(row.ColumnText(0));
      t.kind = std::string(row.ColumnText(1));
      t.uid = std::string(row.ColumnText(2));
      t.family = std::string(row.ColumnText(3));
      t.data = std::string(row.ColumnText(4));
      t.expires = row.ColumnInt(5);
      t.used = row.ColumnInt(6) != 0;
      return t;
    });
  }
};

constexpr std::string_view kScanColumns =
    "SELECT e.key, d.data, d.create_time, d.update_time, d.parent, d.id FROM index_entries e "
    "JOIN documents d ON d.parent = e.doc_parent AND d.id = e.doc_id "
    "WHERE e.index_id = ?1 AND e.parent = ?2 AND e.key >= ?3 AND e.key < ?4 ";

// Larger than every key: keys start with a type tag (or its inverse), never 0xFF.
constexpr std::string_view kKeyMax = "\xff\xff";

DocumentRecord ReadDocumentRow(const Statement& st, std::string_view path_or_parent,
                               bool is_parent) {
  DocumentRecord r;
  if (is_parent) {
    r.path.reserve(path_or_parent.size() + 1 + st.ColumnText(3).size());
    r.path.append(path_or_parent).append("/").append(st.ColumnText(3));
  } else {
    r.path = std::string(path_or_parent);
  }
  r.data = std::string(st.ColumnText(0));
  r.create_time = st.ColumnInt(1);
  r.update_time = st.ColumnInt(2);
  return r;
}

Status Configure(Connection& c) {
  // synchronous=FULL: a commit returns only after the WAL is fsync'd, so an acknowledged
  // write survives power loss, not just a process crash.
  return c.Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;"
      // Map as much of the file as SQLite allows (about 2 GiB): reads of a large store
      // come from the OS page cache without a pread and a copy per page
      // (docs/benchmarks.md: +40 % query throughput at 1M documents).
      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA mmap_size=2147418112;"
      // After a checkpoint lets the WAL start over, its file is cut back to this size.
      "PRAGMA journal_size_limit=16777216;");
}

// A read connection with its statements prepared.
struct Reader {
  std::unique_ptr<Connection> conn;
  Statement get;
  Statement list;
  Statement changes;
  Statement ping;
  Statement scan_forward, scan_reverse;
  Statement ids_forward, ids_reverse;
  Statement all;
  Statement meta;
  AuthReads auth;
};

Status OpenReaders(const std::string& path, int count, Pool<Reader>& pool) {
  for (int i = 0; i < count; ++i) {
    auto reader = std::make_unique<Reader>();
    ASSIGN_OR_RETURN(reader->conn, Connection::Open(path, false));
    RETURN_IF_ERROR(Configure(*reader->conn));
    ASSIGN_OR_RETURN(reader->get,
                     reader->conn->Prepare("SELECT data, create_time, update_time FROM documents "
                                           "WHERE parent = ?1 AND id = ?2"));
    ASSIGN_OR_RETURN(reader->list,
                     reader->conn->Prepare("SELECT data, create_time, update_time, id FROM "
                                           "documents WHERE parent = ?1 AND id > ?2 "
                                           "ORDER BY id LIMIT ?3"));
    ASSIGN_OR_RETURN(reader->changes,
                     reader->conn->Prepare("SELECT seq, commit_time, path, before, after FROM "
                                           "changes WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
    ASSIGN_OR_RETURN(reader->ping, reader->conn->Prepare("SELECT count(*) FROM sqlite_schema"));
    ASSIGN_OR_RETURN(reader->scan_forward,
                     reader->conn->Prepare(std::string(kScanColumns) + "ORDER BY e.key LIMIT ?5"));
    ASSIGN_OR_RETURN(reader->scan_reverse, reader->conn->Prepare(std::string(kScanColumns) +
                                                                 "ORDER BY e.key DESC LIMIT ?5"));
    constexpr std::string_view kIds =
        "SELECT id, data, create_time, update_time, parent, id FROM documents "
        "WHERE parent = ?1 AND id >= ?2 AND (?3 IS NULL OR id < ?3) ";
    ASSIGN_OR_RETURN(reader->ids_forward,
                     reader->conn->Prepare(std::string(kIds) + "ORDER BY id LIMIT ?4"));
    ASSIGN_OR_RETURN(reader->ids_reverse,
                     reader->conn->Prepare(std::string(kIds) + "ORDER BY id DESC LIMIT ?4"));
    ASSIGN_OR_RETURN(reader->all,
                     reader->conn->Prepare("SELECT data, create_time, update_time, parent, id FROM "
                                           "documents WHERE (parent, id) > (?1, ?2) "
                                           "ORDER BY parent, id LIMIT ?3"));
    ASSIGN_OR_RETURN(reader->meta, reader->conn->Prepare("SELECT value FROM meta WHERE key = ?1"));
    RETURN_IF_ERROR(reader->auth.Prepare(*reader->conn));
    pool.Add(std::move(reader));
  }
  return Status::Ok();
}

class SqliteEngine;

class SqliteWriteTxn final : public WriteTxn {
 public:
  SqliteWriteTxn(SqliteEngine* engine, int64_t commit_time)
      : engine_(engine), commit_time_(commit_time) {}
  int64_t commit_time() const override { return commit_time_; }
  Result<std::optional<DocumentRecord>> Get(std::string_view path) override;
  Status Put(const DocumentRecord& after, const std::optional<DocumentRecord>& before) override;
  Status Delete(const DocumentRecord& before) override;
  Status PutIndexEntries(std::string_view doc_path, const std::vector<IndexKey>& keys) override;
  Status DeleteIndexEntries(const std::vector<IndexKey>& keys) override;
  Status DropIndex(int64_t index_id) override;
  Status PutMeta(std::string_view key, std::string_view value) override;
  Status DeleteMeta(std::string_view key) override;
  Result<std::optional<UserRecord>> GetUser(std::string_view uid) override;
  Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) override;
  Status PutUser(const UserRecord& user) override;
  Status DeleteUser(std::string_view uid) override;
  Status PutIdentity(std::string_view provider, std::string_view subject,
                     std::string_view uid) override;
  Result<std::optional<TokenRecord>> GetToken(std::string_view hash) override;
  Status PutToken(const TokenRecord& token) override;
  Status DeleteToken(std::string_view hash) override;
  Status DeleteUserTokens(std::string_view uid, std::string_view kind) override;
  Status DeleteTokenFamily(std::string_view family) override;
  Status PurgeExpiredTokens(int64_t now_micros, int64_t limit) override;

 private:
  SqliteEngine* engine_;
  int64_t commit_time_;
};

class SqliteEngine final : public Engine {
 public:
  explicit SqliteEngine(SqliteOptions options) : options_(std::move(options)) {}
  ~SqliteEngine() override { Close(); }

  Status Open() {
    std::error_code ec;
    ASSIGN_OR_RETURN(writer_, Connection::Open(options_.path, true));
    // Only a new, empty file takes a page size; an existing store keeps its own.
    RETURN_IF_ERROR(writer_->Exec("PRAGMA page_size=" + std::to_string(options_.page_size)));
    RETURN_IF_ERROR(Configure(*writer_));
    RETURN_IF_ERROR(Migrate());
    ASSIGN_OR_RETURN(get_, writer_->Prepare("SELECT data, create_time, update_time FROM "
                                            "documents WHERE parent = ?1 AND id = ?2"));
    ASSIGN_OR_RETURN(
        put_, writer_->Prepare("INSERT OR REPLACE INTO documents (parent, id, data, create_time, "
                               "update_time) VALUES (?1, ?2, ?3, ?4, ?5)"));
    ASSIGN_OR_RETURN(delete_,
                     writer_->Prepare("DELETE FROM documents WHERE parent = ?1 AND id = ?2"));
    ASSIGN_OR_RETURN(log_, writer_->Prepare("INSERT INTO changes (commit_time, path, before, "
                                            "after) VALUES (?1, ?2, ?3, ?4)"));
    ASSIGN_OR_RETURN(trim_, writer_->Prepare("DELETE FROM changes WHERE seq <= "
                                             "(SELECT max(seq) FROM changes) - ?1"));
    ASSIGN_OR_RETURN(put_entry_,
                     writer_->Prepare("INSERT OR IGNORE INTO index_entries (index_id, parent, key, "
                                      "doc_parent, doc_id) VALUES (?1, ?2, ?3, ?4, ?5)"));
    ASSIGN_OR_RETURN(delete_entry_, writer_->Prepare("DELETE FROM index_entries WHERE index_id = "
                                                     "?1 AND parent = ?2 AND key = ?3"));
    ASSIGN_OR_RETURN(drop_index_,
                     writer_->Prepare("DELETE FROM index_entries WHERE index_id = ?1"));
    ASSIGN_OR_RETURN(put_meta_,
                     writer_->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"));
    ASSIGN_OR_RETURN(delete_meta_, writer_->Prepare("DELETE FROM meta WHERE key = ?1"));
    RETURN_IF_ERROR(auth_reads_.Prepare(*writer_));
    ASSIGN_OR_RETURN(put_user_,
                     writer_->Prepare("INSERT OR REPLACE INTO users (uid, email, data) VALUES "
                                      "(?1, nullif(?2, ''), ?3)"));
    ASSIGN_OR_RETURN(delete_user_, writer_->Prepare("DELETE FROM users WHERE uid = ?1"));
    ASSIGN_OR_RETURN(delete_identities_,
                     writer_->Prepare("DELETE FROM user_identities WHERE uid = ?1"));
    ASSIGN_OR_RETURN(put_identity_,
                     writer_->Prepare("INSERT OR REPLACE INTO user_identities (provider, subject, "
                                      "uid) VALUES (?1, ?2, ?3)"));
    ASSIGN_OR_RETURN(put_token_, writer_->Prepare("INSERT OR REPLACE INTO auth_tokens (hash, kind, "
                                                  "uid, family, data, expires, used) VALUES "
                                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    ASSIGN_OR_RETURN(delete_token_, writer_->Prepare("DELETE FROM auth_tokens WHERE hash = ?1"));
    ASSIGN_OR_RETURN(delete_user_tokens_,
                     writer_->Prepare("DELETE FROM auth_tokens WHERE uid = ?1 AND "
                                      "(?2 = '' OR kind = ?2)"));
    ASSIGN_OR_RETURN(delete_family_, writer_->Prepare("DELETE FROM auth_tokens WHERE family = ?1"));
    ASSIGN_OR_RETURN(purge_tokens_,
                     writer_->Prepare("DELETE FROM auth_tokens WHERE hash IN (SELECT hash FROM "
                                      "auth_tokens WHERE expires < ?1 LIMIT ?2)"));
    ASSIGN_OR_RETURN(last_time_, LastCommitTime());
    RETURN_IF_ERROR(OpenReaders(options_.path, std::max(1, options_.readers), readers_));
    // Checkpoints run on their own connection and thread, so the fsync of the database
    // file never sits on the commit path; the writer only asks for one (WAL hook).
    ASSIGN_OR_RETURN(checkpoint_conn_, Connection::Open(options_.path, false));
    RETURN_IF_ERROR(Configure(*checkpoint_conn_));
    RETURN_IF_ERROR(writer_->Exec("PRAGMA wal_autocheckpoint=0"));
    sqlite3_wal_hook(writer_->raw(), &SqliteEngine::WalHook, this);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
    writer_thread_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  std::string_view name() const override { return "sqlite"; }

  void SetCommitObserver(CommitObserver observer) override { observer_ = std::move(observer); }

  Result<std::optional<DocumentRecord>> Get(std::string_view path) override {
    auto reader = readers_.Acquire();
    return GetWith(reader->get, path);
  }

  Result<std::vector<DocumentRecord>> List(std::string_view parent, std::string_view start_after_id,
                                           size_t limit) override {
    auto reader = readers_.Acquire();
    Statement& st = reader->list;
    st.BindText(1, parent);
    st.BindText(2, start_after_id);
    st.BindInt(3, static_cast<int64_t>(limit));
    std::vector<DocumentRecord> out;
    RETURN_IF_ERROR(st.ForEachRow(
        [&](const Statement& row) { out.push_back(ReadDocumentRow(row, parent, true)); }));
    return out;
  }

  Result<std::vector<IndexedDocument>> ScanIndex(const IndexRange& range) override {
    auto reader = readers_.Acquire();
    Statement& st = range.reverse ? reader->scan_reverse : reader->scan_forward;
    st.BindInt(1, range.index_id);
    st.BindText(2, range.parent);
    st.BindBlob(3, range.lower);
    st.BindBlob(4, range.upper ? std::string_view(*range.upper) : kKeyMax);
    st.BindInt(5, static_cast<int64_t>(range.limit));
    return ReadIndexed(st);
  }

  Result<std::vector<IndexedDocument>> ScanIds(const IdRange& range) override {
    auto reader = readers_.Acquire();
    Statement& st = range.reverse ? reader->ids_reverse : reader->ids_forward;
    st.BindText(1, range.parent);
    st.BindText(2, range.lower);
    range.upper ? st.BindText(3, *range.upper) : st.BindNull(3);
    st.BindInt(4, static_cast<int64_t>(range.limit));
    return ReadIndexed(st);
  }

  Result<std::vector<DocumentRecord>> ScanAll(std::string_view after_parent,
                                              std::string_view after_id, size_t limit) override {
    auto reader = readers_.Acquire();
    Statement& st = reader->all;
    st.BindText(1, after_parent);
    st.BindText(2, after_id);
    st.BindInt(3, static_cast<int64_t>(limit));
    std::vector<DocumentRecord> out;
    RETURN_IF_ERROR(st.ForEachRow([&](const Statement& row) {
      DocumentRecord r;
      r.path = std::string(row.ColumnText(3)) + "/" + std::string(row.ColumnText(4));
      r.data = std::string(row.ColumnText(0));
      r.create_time = row.ColumnInt(1);
      r.update_time = row.ColumnInt(2);
      out.push_back(std::move(r));
    }));
    return out;
  }

  Result<std::optional<std::string>> ReadMeta(std::string_view key) override {
    auto reader = readers_.Acquire();
    Statement& st = reader->meta;
    st.BindText(1, key);
    auto row = st.Step();
    std::optional<std::string> out;
    if (row.ok() && *row) out = std::string(st.ColumnText(0));
    st.Reset();
    if (!row.ok()) return row.status();
    return out;
  }

  Result<std::optional<UserRecord>> GetUser(std::string_view uid) override {
    return readers_.Acquire()->auth.GetUser(uid);
  }
  Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) override {
    return readers_.Acquire()->auth.GetUserByEmail(email);
  }
  Result<std::optional<std::string>> GetIdentity(std::string_view provider,
                                                 std::string_view subject) override {
    return readers_.Acquire()->auth.GetIdentity(provider, subject);
  }
  Result<std::vector<UserRecord>> ListUsers(std::string_view after_uid, size_t limit) override {
    return readers_.Acquire()->auth.ListUsers(after_uid, limit);
  }
  Result<std::optional<TokenRecord>> GetToken(std::string_view hash) override {
    return readers_.Acquire()->auth.GetToken(hash);
  }

  Result<std::vector<ChangeRecord>> ReadChanges(int64_t after_seq, size_t limit) override {
    auto reader = readers_.Acquire();
    Statement& st = reader->changes;
    st.BindInt(1, after_seq);
    st.BindInt(2, static_cast<int64_t>(limit));
    std::vector<ChangeRecord> out;
    RETURN_IF_ERROR(st.ForEachRow([&](const Statement& row) {
      ChangeRecord c;
      c.seq = row.ColumnInt(0);
      c.commit_time = row.ColumnInt(1);
      c.path = std::string(row.ColumnText(2));
      if (!row.ColumnIsNull(3)) c.before = std::string(row.ColumnText(3));
      if (!row.ColumnIsNull(4)) c.after = std::string(row.ColumnText(4));
      out.push_back(std::move(c));
    }));
    return out;
  }

  void Write(WriteFn fn, DoneFn done) override { queue_.Push(std::move(fn), std::move(done)); }

  Result<int64_t> SizeBytes() override {
    int64_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      auto size = std::filesystem::file_size(options_.path + suffix, ec);
      if (!ec) total += static_cast<int64_t>(size);
    }
    return total;
  }

  Status Ping() override {
    auto reader = readers_.Acquire();
    auto row = reader->ping.Step();
    reader->ping.Reset();
    return row.ok() ? Status::Ok() : row.status();
  }

  void Close() override {
    if (queue_.closed() && !writer_thread_.joinable()) return;
    queue_.Close();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    checkpoint_conn_.reset();
    readers_.Clear();
    if (writer_) {
      // A clean close folds the WAL back into the main file.
      (void)writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
      get_ = Statement();
      put_ = Statement();
      delete_ = Statement();
      log_ = Statement();
      trim_ = Statement();
      put_entry_ = Statement();
      delete_entry_ = Statement();
      drop_index_ = Statement();
      put_meta_ = Statement();
      delete_meta_ = Statement();
      auth_reads_ = AuthReads();
      for (Statement* st :
           {&put_user_, &delete_user_, &delete_identities_, &put_identity_, &put_token_,
            &delete_token_, &delete_user_tokens_, &delete_family_, &purge_tokens_}) {
        *st = Statement();
      }
      writer_.reset();
    }
  }

 private:
  friend class SqliteWriteTxn;

  static Result<std::optional<DocumentRecord>> GetWith(Statement& st, std::string_view path) {
    auto [parent, id] = SplitPath(path);
    st.BindText(1, parent);
    st.BindText(2, id);
    auto row = st.Step();
    std::optional<DocumentRecord> out;
    if (row.ok() && *row) out = ReadDocumentRow(st, path, false);
    st.Reset();
    if (!row.ok()) return row.status();
    return out;
  }

  // Rows of (key, data, create_time, update_time, parent, id).
  static Result<std::vector<IndexedDocument>> ReadIndexed(Statement& st) {
    std::vector<IndexedDocument> out;
    RETURN_IF_ERROR(st.ForEachRow([&](const Statement& row) {
      IndexedDocument d;
      d.key = std::string(row.ColumnText(0));
      d.doc.data = std::string(row.ColumnText(1));
      d.doc.create_time = row.ColumnInt(2);
      d.doc.update_time = row.ColumnInt(3);
      std::string_view parent = row.ColumnText(4);
      std::string_view id = row.ColumnText(5);
      d.doc.path.reserve(parent.size() + id.size() + 1);
      d.doc.path.append(parent).append("/").append(id);
      out.push_back(std::move(d));
    }));
    return out;
  }

  Status Migrate() {
    ASSIGN_OR_RETURN(Statement version_stmt, writer_->Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool has_row, version_stmt.Step());
    int64_t version = has_row ? version_stmt.ColumnInt(0) : 0;
    version_stmt = Statement();
    constexpr auto kLatest = static_cast<int64_t>(std::size(kMigrations));
    if (version > kLatest) {
      return FailedPrecondition("the store's schema version " + std::to_string(version) +
                                " is newer than this Hearth understands (" +
                                std::to_string(kLatest) + "); upgrade Hearth");
    }
    for (; version < kLatest; ++version) {
      spdlog::info("storage: migrating schema {} -> {}", version, version + 1);
      RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
      Status s = writer_->Exec(kMigrations[version]);
      if (s.ok()) s = writer_->Exec("PRAGMA user_version = " + std::to_string(version + 1));
      if (s.ok()) s = writer_->Exec("COMMIT");
      if (!s.ok()) {
        (void)writer_->Exec("ROLLBACK");
        return s;
      }
    }
    return Status::Ok();
  }

  Result<int64_t> LastCommitTime() {
    ASSIGN_OR_RETURN(Statement st,
                     writer_->Prepare("SELECT max(coalesce((SELECT max(update_time) FROM "
                                      "documents), 0), coalesce((SELECT max(commit_time) FROM "
                                      "changes), 0))"));
    ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.ColumnInt(0) : 0;
  }

  // Strictly increasing even if the wall clock steps back.
  int64_t NextCommitTime() {
    last_time_ = std::max(SystemClock().NowMicros(), last_time_ + 1);
    return last_time_;
  }

  // Called by SQLite after each commit on the writer connection.
  static int WalHook(void* self, sqlite3* db, const char*, int pages) {
    if (pages >= kCheckpointPagesHard) {
      // The background checkpoints are not keeping up (long readers, a slow disk): the
      // writer checkpoints itself, as SQLite would by default, so the WAL stays bounded.
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      return SQLITE_OK;
    }
    if (pages >= kCheckpointPages) {
      auto* engine = static_cast<SqliteEngine*>(self);
      {
        std::lock_guard lock(engine->checkpoint_mu_);
        engine->checkpoint_requested_ = true;
      }
      engine->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    for (;;) {
      {
        std::unique_lock lock(checkpoint_mu_);
        checkpoint_cv_.wait(lock, [this] { return checkpoint_stop_ || checkpoint_requested_; });
        if (checkpoint_stop_) return;
        checkpoint_requested_ = false;
      }
      // PASSIVE: copies what it can without waiting for readers or the writer.
      int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->raw(), nullptr,
                                         SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        spdlog::warn("storage: checkpoint failed: {}", checkpoint_conn_->LastError());
      }
    }
  }

  void WriterLoop() {
    std::vector<WriteQueue::Pending> batch;
    uint64_t commits = 0;
    while (queue_.TakeBatch(batch)) CommitBatch(batch, ++commits);
  }

  void CommitBatch(std::vector<WriteQueue::Pending>& batch, uint64_t commit_number) {
    std::vector<Status> results(batch.size());
    committed_.clear();
    Status begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto& w : batch) w.done(begin);
      return;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      Status s = writer_->Exec("SAVEPOINT w");
      if (s.ok()) {
        const size_t mark = committed_.size();
        SqliteWriteTxn txn(this, NextCommitTime());
        s = batch[i].fn(txn);
        if (!s.ok()) (void)writer_->Exec("ROLLBACK TO w");
        Status release = writer_->Exec("RELEASE w");
        if (s.ok() && !release.ok()) s = release;
        if (!s.ok()) committed_.resize(mark);  // its changes were rolled back
      }
      results[i] = std::move(s);
    }
    if (commit_number % 256 == 0) {
      trim_.BindInt(1, options_.change_log_keep);
      if (Status s = trim_.Run(); !s.ok()) spdlog::warn("storage: trim failed: {}", s.ToString());
      trim_.Reset();
    }
    Status commit = writer_->Exec("COMMIT");
    if (!commit.ok()) {
      (void)writer_->Exec("ROLLBACK");
      spdlog::error("storage: group commit of {} writes failed: {}", batch.size(),
                    commit.ToString());
    }
    if (commit.ok() && observer_ && !committed_.empty()) observer_(committed_);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(commit.ok() ? results[i] : commit);
    }
  }

  Status Log(int64_t commit_time, std::string_view path, const std::string* before,
             const std::string* after) {
    log_.BindInt(1, commit_time);
    log_.BindText(2, path);
    before ? log_.BindText(3, *before) : log_.BindNull(3);
    after ? log_.BindText(4, *after) : log_.BindNull(4);
    Status s = log_.Run();
    log_.Reset();
    return s;
  }

  SqliteOptions options_;
  std::unique_ptr<Connection> writer_;  // writer thread only (and Open/Close)
  Statement get_, put_, delete_, log_, trim_;
  Statement put_entry_, delete_entry_, drop_index_, put_meta_, delete_meta_;
  AuthReads auth_reads_;
  Statement put_user_, delete_user_, delete_identities_, put_identity_;
  Statement put_token_, delete_token_, delete_user_tokens_, delete_family_, purge_tokens_;
  int64_t last_time_ = 0;                   // writer thread only
  std::vector<CommittedChange> committed_;  // writer thread only: the batch's changes
  CommitObserver observer_;
  Pool<Reader> readers_;

  WriteQueue queue_{options_.max_queue, options_.max_batch};
  std::thread writer_thread_;

  static constexpr int kCheckpointPages = 1000;  // SQLite's own default threshold
  static constexpr int kCheckpointPagesHard = 8000;
  std::unique_ptr<Connection> checkpoint_conn_;  // checkpoint thread only
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_requested_ = false;  // GUARDED_BY(checkpoint_mu_)
  bool checkpoint_stop_ = false;       // GUARDED_BY(checkpoint_mu_)
  std::thread checkpoint_thread_;
};

Result<std::optional<DocumentRecord>> SqliteWriteTxn::Get(std::string_view path) {
  return SqliteEngine::GetWith(engine_->get_, path);
}

Status SqliteWriteTxn::Put(const DocumentRecord& after,
                           const std::optional<DocumentRecord>& before) {
  auto [parent, id] = SplitPath(after.path);
  Statement& st = engine_->put_;
  st.BindText(1, parent);
  st.BindText(2, id);
  st.BindText(3, after.data);
  st.BindInt(4, after.create_time);
  st.BindInt(5, after.update_time);
  Status s = st.Run();
  st.Reset();
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(
      engine_->Log(commit_time_, after.path, before ? &before->data : nullptr, &after.data));
  engine_->committed_.push_back({after.path, after, commit_time_});
  return Status::Ok();
}

Status SqliteWriteTxn::Delete(const DocumentRecord& before) {
  auto [parent, id] = SplitPath(before.path);
  Statement& st = engine_->delete_;
  st.BindText(1, parent);
  st.BindText(2, id);
  Status s = st.Run();
  st.Reset();
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(engine_->Log(commit_time_, before.path, &before.data, nullptr));
  engine_->committed_.push_back({before.path, std::nullopt, commit_time_});
  return Status::Ok();
}

Status SqliteWriteTxn::PutIndexEntries(std::string_view doc_path,
                                       const std::vector<IndexKey>& keys) {
  auto [parent, id] = SplitPath(doc_path);
  Statement& st = engine_->put_entry_;
  for (const IndexKey& k : keys) {
    st.BindInt(1, k.index_id);
    st.BindText(2, k.parent);
    st.BindBlob(3, k.key);
    st.BindText(4, parent);
    st.BindText(5, id);
    Status s = st.Run();
    st.Reset();
    RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status SqliteWriteTxn::DeleteIndexEntries(const std::vector<IndexKey>& keys) {
  Statement& st = engine_->delete_entry_;
  for (const IndexKey& k : keys) {
    st.BindInt(1, k.index_id);
    st.BindText(2, k.parent);
    st.BindBlob(3, k.key);
    Status s = st.Run();
    st.Reset();
    RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status SqliteWriteTxn::DropIndex(int64_t index_id) {
  Statement& st = engine_->drop_index_;
  st.BindInt(1, index_id);
  Status s = st.Run();
  st.Reset();
  return s;
}

Status SqliteWriteTxn::PutMeta(std::string_view key, std::string_view value) {
  Statement& st = engine_->put_meta_;
  st.BindText(1, key);
  st.BindText(2, value);
  Status s = st.Run();
  st.Reset();
  return s;
}

Status SqliteWriteTxn::DeleteMeta(std::string_view key) {
  Statement& st = engine_->delete_meta_;
  st.BindText(1, key);
  Status s = st.Run();
  st.Reset();
  return s;
}

// Binds `values` to `st` (1-based, in order), runs it and resets it.
template <typename... Args>
Status RunWith(Statement& st, const Args&... values) {
  int index = 0;
  auto bind = [&](const auto& v) {
    ++index;
    if constexpr (std::is_integral_v<std::decay_t<decltype(v)>>) {
      st.BindInt(index, static_cast<int64_t>(v));
    } else {
      st.BindText(index, v);
    }
  };
  (bind(values), ...);
  Status s = st.Run();
  st.Reset();
  return s;
}

Result<std::optional<UserRecord>> SqliteWriteTxn::GetUser(std::string_view uid) {
  return engine_->auth_reads_.GetUser(uid);
}

Result<std::optional<UserRecord>> SqliteWriteTxn::GetUserByEmail(std::string_view email) {
  return engine_->auth_reads_.GetUserByEmail(email);
}

Status SqliteWriteTxn::PutUser(const UserRecord& user) {
  if (!user.email.empty()) {
    ASSIGN_OR_RETURN(auto other, GetUserByEmail(user.email));
    if (other && other->uid != user.uid) {
      return AlreadyExists("another account already uses this email address");
    }
  }
  return RunWith(engine_->put_user_, user.uid, user.email, user.data);
}

Status SqliteWriteTxn::DeleteUser(std::string_view uid) {
  RETURN_IF_ERROR(RunWith(engine_->delete_user_, uid));
  RETURN_IF_ERROR(RunWith(engine_->delete_identities_, uid));
  return DeleteUserTokens(uid, "");
}

Status SqliteWriteTxn::PutIdentity(std::string_view provider, std::string_view subject,
                                   std::string_view uid) {
  return RunWith(engine_->put_identity_, provider, subject, uid);
}

Result<std::optional<TokenRecord>> SqliteWriteTxn::GetToken(std::string_view hash) {
  return engine_->auth_reads_.GetToken(hash);
}

Status SqliteWriteTxn::PutToken(const TokenRecord& t) {
  return RunWith(engine_->put_token_, t.hash, t.kind, t.uid, t.family, t.data, t.expires,
                 t.used ? 1 : 0);
}

Status SqliteWriteTxn::DeleteToken(std::string_view hash) {
  return RunWith(engine_->delete_token_, hash);
}

Status SqliteWriteTxn::DeleteUserTokens(std::string_view uid, std::string_view kind) {
  return RunWith(engine_->delete_user_tokens_, uid, kind);
}

Status SqliteWriteTxn::DeleteTokenFamily(std::string_view family) {
  return RunWith(engine_->delete_family_, family);
}

Status SqliteWriteTxn::PurgeExpiredTokens(int64_t now_micros, int64_t limit) {
  return RunWith(engine_->purge_tokens_, now_micros, limit);
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenSqlite(const SqliteOptions& options) {
  auto engine = std::make_unique<SqliteEngine>(options);
  RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace hearth::storage
