// storage::Engine: the one interface every storage engine (SQLite, later PostgreSQL)
// implements. It knows documents only as opaque records (path + JSON text + times); the
// Firestore semantics (preconditions, merges, transforms) live above it, in db/.
//
// Threading: every method is thread-safe. Reads block (call them from a blocking pool,
// never an I/O thread). Writes are queued to one writer and group-committed: many
// concurrent writes share one transaction and one fsync.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::storage {

struct DocumentRecord {
  std::string path;         // canonical document path, "posts/abc"
  std::string data;         // the fields, as canonical JSON (model::MapToJson)
  int64_t create_time = 0;  // microseconds since the epoch
  int64_t update_time = 0;  // microseconds; unique per commit, increasing
};

// One entry of an index (see query/index.h): the document it points to is passed along.
struct IndexKey {
  int64_t index_id = 0;
  std::string parent;  // collection path, or "" for collection-group scope
  std::string key;     // order-preserving encoding, ends with the document name
  auto operator<=>(const IndexKey&) const = default;
};

// A range of one index, keys in [lower, upper), in key order or reversed.
struct IndexRange {
  int64_t index_id = 0;
  std::string parent;
  std::string lower;                 // inclusive; "" from the start
  std::optional<std::string> upper;  // exclusive; nullopt to the end
  bool reverse = false;
  size_t limit = 100;
};

// A range of one collection's documents by ID, in [lower, upper), by ID or reversed.
struct IdRange {
  std::string parent;                // the collection path
  std::string lower;                 // inclusive; "" from the start
  std::optional<std::string> upper;  // exclusive
  bool reverse = false;
  size_t limit = 100;
};

struct IndexedDocument {
  std::string key;  // the index key (or, for an IdRange, the ID)
  DocumentRecord doc;
};

// One committed change to one document, as the change log keeps it.
struct ChangeRecord {
  int64_t seq = 0;  // increasing, gap-free only within one engine's lifetime
  int64_t commit_time = 0;
  std::string path;
  std::optional<std::string> before;  // fields before (JSON); nullopt if it did not exist
  std::optional<std::string> after;   // fields after; nullopt if deleted
};

// One document changed by a committed write: its new state, or nullopt if deleted.
struct CommittedChange {
  std::string path;
  std::optional<DocumentRecord> after;
  int64_t commit_time = 0;  // microseconds: the commit time of the write that made it
};

// Auth records (auth/): kept in tables of their own, out of the document API's reach.
struct UserRecord {
  std::string uid;
  std::string email;  // normalised (auth::NormalizeEmail); "" when the user has none
  std::string data;   // everything else, as JSON (auth/user.h)
};

// A refresh token or a one-time code, known only by the hash of its secret.
struct TokenRecord {
  std::string hash;     // hex SHA-256 of the secret
  std::string kind;     // "refresh", "reset", "verify", "oauth-state", "oauth-code"
  std::string uid;      // "" when not tied to a user yet (oauth-state)
  std::string family;   // refresh tokens: shared by one rotation chain; else ""
  std::string data;     // kind-specific JSON
  int64_t expires = 0;  // microseconds since the epoch
  bool used = false;    // a rotated refresh token is kept, used, to notice its re-use
};

// The view a write gets of the store, inside its transaction. Only valid during the
// write function's call, on the writer thread.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  // The commit timestamp this write will carry (microseconds): strictly greater than that
  // of every write committed before it.
  virtual int64_t commit_time() const = 0;
  // Sees the effects of earlier operations of the same write.
  virtual Result<std::optional<DocumentRecord>> Get(std::string_view path) = 0;
  // Inserts or replaces `after`; logs the change with `before` (what Get returned).
  virtual Status Put(const DocumentRecord& after, const std::optional<DocumentRecord>& before) = 0;
  // Removes `before.path`; logs the change.
  virtual Status Delete(const DocumentRecord& before) = 0;
  // Index entries pointing at `doc_path`; an existing identical entry is kept.
  virtual Status PutIndexEntries(std::string_view doc_path, const std::vector<IndexKey>& keys) = 0;
  virtual Status DeleteIndexEntries(const std::vector<IndexKey>& keys) = 0;
  // Removes every entry of an index.
  virtual Status DropIndex(int64_t index_id) = 0;
  // Small persistent settings (index states and the like).
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;
  virtual Status DeleteMeta(std::string_view key) = 0;

  // Auth records. PutUser fails with `already-exists` when another user has the email.
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view uid) = 0;
  virtual Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) = 0;
  virtual Status PutUser(const UserRecord& user) = 0;
  // Removes the user with its linked identities and tokens.
  virtual Status DeleteUser(std::string_view uid) = 0;
  // Links an external identity (provider, subject) to a user.
  virtual Status PutIdentity(std::string_view provider, std::string_view subject,
                             std::string_view uid) = 0;
  virtual Result<std::optional<TokenRecord>> GetToken(std::string_view hash) = 0;
  virtual Status PutToken(const TokenRecord& token) = 0;  // inserts or replaces
  virtual Status DeleteToken(std::string_view hash) = 0;
  // Every token of `uid` of `kind` ("" for every kind).
  virtual Status DeleteUserTokens(std::string_view uid, std::string_view kind) = 0;
  virtual Status DeleteTokenFamily(std::string_view family) = 0;
  // Drops up to `limit` tokens that expired before `now_micros`.
  virtual Status PurgeExpiredTokens(int64_t now_micros, int64_t limit) = 0;
};

class Engine {
 public:
  using WriteFn = std::function<Status(WriteTxn&)>;
  // Called on the writer thread once the write is durable (ok) or has failed (nothing of
  // it applied). Must not block.
  using DoneFn = std::function<void(Status)>;

  // Called on the writer thread after every successful commit with what it changed, in
  // commit order, before any of its writes' `done` runs. Must not block.
  using CommitObserver = std::function<void(const std::vector<CommittedChange>&)>;

  virtual ~Engine() = default;

  // REQUIRES: called before the first Write().
  virtual void SetCommitObserver(CommitObserver observer) = 0;

  // "sqlite", "postgres".
  virtual std::string_view name() const = 0;

  virtual Result<std::optional<DocumentRecord>> Get(std::string_view path) = 0;
  // Documents directly in collection `parent`, ordered by ID, with ID > `start_after_id`.
  virtual Result<std::vector<DocumentRecord>> List(std::string_view parent,
                                                   std::string_view start_after_id,
                                                   size_t limit) = 0;
  // The documents an index range points to, with their keys.
  virtual Result<std::vector<IndexedDocument>> ScanIndex(const IndexRange& range) = 0;
  // A range of one collection by ID.
  virtual Result<std::vector<IndexedDocument>> ScanIds(const IdRange& range) = 0;
  // Every document, ordered by (collection path, ID), after (parent, id); for rebuilds.
  virtual Result<std::vector<DocumentRecord>> ScanAll(std::string_view after_parent,
                                                      std::string_view after_id, size_t limit) = 0;
  virtual Result<std::optional<std::string>> ReadMeta(std::string_view key) = 0;
  // Auth records (see WriteTxn).
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view uid) = 0;
  virtual Result<std::optional<UserRecord>> GetUserByEmail(std::string_view email) = 0;
  // The uid linked to an external identity.
  virtual Result<std::optional<std::string>> GetIdentity(std::string_view provider,
                                                         std::string_view subject) = 0;
  // Users ordered by uid, uid > `after_uid`.
  virtual Result<std::vector<UserRecord>> ListUsers(std::string_view after_uid, size_t limit) = 0;
  virtual Result<std::optional<TokenRecord>> GetToken(std::string_view hash) = 0;
  // Changes with seq > `after_seq`, oldest first.
  virtual Result<std::vector<ChangeRecord>> ReadChanges(int64_t after_seq, size_t limit) = 0;

  // Queues `fn`. It runs inside a transaction of its own (a savepoint within a group
  // commit): if it returns an error, none of its operations apply. `done` always runs
  // exactly once. Refuses with `unavailable` (through `done`, at once) when the queue is
  // full or the engine is closed.
  virtual void Write(WriteFn fn, DoneFn done) = 0;

  // Bytes the store occupies on disk.
  virtual Result<int64_t> SizeBytes() = 0;
  // Cheap round trip proving the store answers.
  virtual Status Ping() = 0;

  // Refuses new writes, commits queued ones, waits for them, closes. Idempotent.
  virtual void Close() = 0;
};

}  // namespace hearth::storage
