// hearth export DIR / hearth import DIR (docs/data-tools.md).
//
// An export is a folder: manifest.json, documents.jsonl, users.jsonl (JSON Lines, one
// record per line) and firestore.indexes.json. Each file is written under a temporary
// name and renamed into place once complete, manifest.json last: a folder without a
// manifest is not an export, so a failed run never leaves one that looks valid.
//
// Both directions page through the store and the files, a few hundred records at a time,
// so memory stays flat whatever the store's size. Import reads its files twice: first to
// check every line (nothing is written when one is malformed), then to write.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <sstream>

#include "app/commands.h"
#include "app/data_dir_lock.h"
#include "app/export_format.h"
#include "app/store.h"
#include "base/clock.h"
#include "db/database.h"
#include "query/index.h"

namespace hearth::app {
namespace {

namespace fs = std::filesystem;

constexpr size_t kPage = 1000;  // records per read of the store
// Records per write: one write is one savepoint of a group commit, so a batch is as
// atomic as a commit and no write holds the writer for long. A batch also closes at
// kBatchBytes of data (documents reach 1 MiB each).
constexpr size_t kBatch = 250;
constexpr size_t kBatchBytes = 8 << 20;
constexpr int64_t kProgressEvery = 100'000;

int Error(std::string_view command, const std::string& message, int code = 1) {
  std::fprintf(stderr, "hearth %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               message.c_str());
  return code;
}

std::string ErrnoText() { return std::strerror(errno); }

// A file written under a temporary name and renamed into place by Commit(), so nobody
// sees it half-written; removed when destroyed uncommitted.
class StagedFile {
 public:
  static Result<std::unique_ptr<StagedFile>> Create(const fs::path& path) {
    std::unique_ptr<StagedFile> file(new StagedFile(path));
    file->out_ = std::fopen(file->temp_.c_str(), "wb");
    if (file->out_ == nullptr) {
      return Unavailable("cannot create " + file->temp_.string() + ": " + ErrnoText());
    }
    return file;
  }
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile() {
    if (out_ != nullptr) std::fclose(out_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  Status Append(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), out_) != bytes.size()) {
      return Unavailable("cannot write " + temp_.string() + ": " + ErrnoText());
    }
    return Status::Ok();
  }

  // Makes the content durable, then renames it into place.
  Status Commit() {
    bool ok = std::fflush(out_) == 0 && ::fsync(::fileno(out_)) == 0;
    ok = std::fclose(out_) == 0 && ok;
    out_ = nullptr;
    if (!ok) return Unavailable("cannot write " + temp_.string() + ": " + ErrnoText());
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
      return Unavailable("cannot rename " + temp_.string() + " to " + path_.string() + ": " +
                         ErrnoText());
    }
    committed_ = true;
    return Status::Ok();
  }

 private:
  explicit StagedFile(fs::path path)
      : path_(path), temp_(path.parent_path() / ("." + path.filename().string() + ".tmp")) {}

  fs::path path_, temp_;
  std::FILE* out_ = nullptr;
  bool committed_ = false;
};

// Makes the renames inside `dir` durable.
Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + dir.string() + ": " + ErrnoText());
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Unavailable("cannot sync " + dir.string() + ": " + ErrnoText());
  return Status::Ok();
}

Status WriteSync(storage::Engine& engine, storage::Engine::WriteFn fn) {
  std::promise<Status> done;
  auto future = done.get_future();
  engine.Write(std::move(fn), [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

// The store a tool works on. For SQLite, the data folder's lock is held as long as this
// lives; whoever takes `engine` over must close it before the lock goes.
struct ToolStore {
  std::optional<DataDirLock> lock;
  std::unique_ptr<storage::Engine> engine;
};

// `create`: make the data folder (and an empty store) when there is none.
Result<ToolStore> OpenToolStore(const Config& config, bool create) {
  ToolStore store;
  if (config.database_url.empty()) {
    std::error_code ec;
    if (create) {
      fs::create_directories(config.data_dir, ec);
      if (ec) {
        return Unavailable("cannot create data folder " + config.data_dir + ": " + ec.message());
      }
      ::chmod(config.data_dir.c_str(), 0700);
    } else if (!fs::exists(config.data_dir + "/hearth.db", ec)) {
      return NotFound("there is no store at " + config.data_dir +
                      "/hearth.db (check --project and --data)");
    }
    auto lock = DataDirLock::Acquire(config.data_dir);
    if (!lock.ok()) {
      if (lock.status().code() != Code::kFailedPrecondition) return lock.status();
      return FailedPrecondition(lock.status().message() + "; stop it first");
    }
    store.lock.emplace(std::move(lock).value());
  }
  ASSIGN_OR_RETURN(store.engine, OpenStore(config));
  return store;
}

// ---- export ----

Result<int64_t> ExportDocuments(storage::Engine& engine, StagedFile& out) {
  std::string after_parent, after_id, text;
  int64_t count = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, engine.ScanAll(after_parent, after_id, kPage));
    if (page.empty()) return count;
    text.clear();
    for (const auto& doc : page) {
      AppendDocumentLine(text, doc);
      if (++count % kProgressEvery == 0) {
        std::fprintf(stderr, "hearth export: %lld documents so far\n",
                     static_cast<long long>(count));
      }
    }
    RETURN_IF_ERROR(out.Append(text));
    const std::string& last = page.back().path;
    size_t slash = last.rfind('/');
    after_parent = last.substr(0, slash);
    after_id = last.substr(slash + 1);
  }
}

Result<int64_t> ExportUsers(storage::Engine& engine, StagedFile& out) {
  std::string after_uid, text;
  int64_t count = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, engine.ListUsers(after_uid, kPage));
    if (page.empty()) return count;
    text.clear();
    for (const auto& user : page) AppendUserLine(text, user);
    count += static_cast<int64_t>(page.size());
    RETURN_IF_ERROR(out.Append(text));
    after_uid = page.back().uid;
  }
}

struct Counts {
  int64_t documents = 0;
  int64_t users = 0;
};

Result<Counts> Export(storage::Engine& engine, const Config& config, const fs::path& dir) {
  // A manifest left by an earlier export goes first, so that until this one completes
  // the folder is not taken for a valid export.
  std::error_code ec;
  fs::remove(dir / kManifestFile, ec);
  if (ec) {
    return Unavailable("cannot remove " + (dir / kManifestFile).string() + ": " + ec.message());
  }
  ASSIGN_OR_RETURN(auto documents, StagedFile::Create(dir / kDocumentsFile));
  ASSIGN_OR_RETURN(auto users, StagedFile::Create(dir / kUsersFile));
  ASSIGN_OR_RETURN(auto indexes, StagedFile::Create(dir / kIndexesFile));
  ASSIGN_OR_RETURN(auto manifest, StagedFile::Create(dir / kManifestFile));
  Counts counts;
  ASSIGN_OR_RETURN(counts.documents, ExportDocuments(engine, *documents));
  ASSIGN_OR_RETURN(counts.users, ExportUsers(engine, *users));
  RETURN_IF_ERROR(indexes->Append(config.indexes_text));
  RETURN_IF_ERROR(manifest->Append(ManifestJson({.documents = counts.documents,
                                                 .users = counts.users,
                                                 .exported_at = SystemClock().NowMicros()})));
  RETURN_IF_ERROR(documents->Commit());
  RETURN_IF_ERROR(users->Commit());
  RETURN_IF_ERROR(indexes->Commit());
  RETURN_IF_ERROR(manifest->Commit());
  RETURN_IF_ERROR(SyncDir(dir));
  return counts;
}

// ---- import: reading ----

// Reads a JSON Lines file of one kind of record, handing them on in batches. Blank lines
// are skipped.
template <typename Record>
class RecordReader {
 public:
  using Parse = std::function<Result<Record>(std::string_view line)>;
  // Takes a batch and the numbers of its first and last lines.
  using Sink = std::function<Status(std::vector<Record>, int64_t first, int64_t last)>;

  RecordReader(fs::path path, Parse parse) : path_(std::move(path)), parse_(std::move(parse)) {}

  const fs::path& path() const { return path_; }

  // The number of records read; errors name the file and line.
  Result<int64_t> ReadAll(const Sink& sink) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return NotFound("cannot read " + path_.string() + ": " + ErrnoText());
    std::vector<Record> batch;
    size_t batch_bytes = 0;
    int64_t line_number = 0, first = 0, count = 0;
    std::string line;
    auto flush = [&]() -> Status {
      if (batch.empty()) return Status::Ok();
      size_t size = batch.size();
      Status s = sink(std::move(batch), first, line_number);
      batch.clear();
      batch_bytes = 0;
      if (!s.ok()) return s;
      count += static_cast<int64_t>(size);
      return Status::Ok();
    };
    while (std::getline(in, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto record = parse_(line);
      if (!record.ok()) {
        return InvalidArgument(path_.string() + ":" + std::to_string(line_number) + ": " +
                               record.status().message());
      }
      if (batch.empty()) first = line_number;
      batch_bytes += line.size();
      batch.push_back(std::move(record).value());
      if (batch.size() >= kBatch || batch_bytes >= kBatchBytes) RETURN_IF_ERROR(flush());
    }
    if (in.bad()) return Unavailable("cannot read " + path_.string() + ": " + ErrnoText());
    RETURN_IF_ERROR(flush());
    return count;
  }

 private:
  fs::path path_;
  Parse parse_;
};

Result<Manifest> ReadManifest(const fs::path& dir) {
  fs::path path = dir / kManifestFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound(path.string() +
                    " is missing: this is not a complete export (an export writes its "
                    "manifest last)");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = ParseManifest(text.str());
  if (!manifest.ok()) return InvalidArgument(path.string() + ": " + manifest.status().message());
  return manifest;
}

// Fails unless `read` records were found where the manifest promises `promised`.
Status CheckCount(const fs::path& file, int64_t read, int64_t promised) {
  if (read == promised) return Status::Ok();
  return InvalidArgument(file.string() + " holds " + std::to_string(read) +
                         " records but manifest.json says " + std::to_string(promised) +
                         " (a truncated or edited export?)");
}

// ---- import: writing ----

// mode=fail refuses a store that holds anything: merging two stores is what
// mode=overwrite is for.
Status CheckEmpty(storage::Engine& engine, const Config& config) {
  ASSIGN_OR_RETURN(auto docs, engine.ScanAll("", "", 1));
  ASSIGN_OR_RETURN(auto users, engine.ListUsers("", 1));
  if (docs.empty() && users.empty()) return Status::Ok();
  std::string what = !docs.empty() ? "documents (e.g. '" + docs[0].path + "')"
                                   : "users (e.g. uid '" + users[0].uid + "')";
  return FailedPrecondition("the store (" + DescribeStore(config) + ") already holds " + what +
                            "; import into an empty store, or pass --mode=overwrite to replace "
                            "documents and users that have the same path or uid");
}

Status RestoreDocuments(db::Database& database, std::vector<storage::DocumentRecord> docs,
                        bool replace) {
  std::promise<Status> done;
  auto future = done.get_future();
  database.Restore(std::move(docs), replace, [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

Status RestoreUsers(storage::Engine& engine, const std::vector<storage::UserRecord>& users,
                    bool replace) {
  return WriteSync(engine, [&](storage::WriteTxn& txn) -> Status {
    for (const auto& user : users) {
      ASSIGN_OR_RETURN(auto existing, txn.GetUser(user.uid));
      if (existing) {
        if (!replace) return AlreadyExists("user '" + user.uid + "' already exists");
        // The stored account is replaced, and with it end its sessions.
        RETURN_IF_ERROR(txn.DeleteUserTokens(user.uid, ""));
      }
      if (Status s = txn.PutUser(user); !s.ok()) {
        return Status(s.code(), "user '" + user.uid + "': " + s.message());
      }
    }
    return Status::Ok();
  });
}

// A batch that failed to write: where it was, and how far the import got.
Status WriteFailed(const fs::path& file, int64_t first, int64_t last, const Status& s,
                   const Counts& done) {
  return Status(s.code(), file.string() + " lines " + std::to_string(first) + "-" +
                              std::to_string(last) + ": " + s.message() + " (imported " +
                              std::to_string(done.documents) + " documents and " +
                              std::to_string(done.users) +
                              " users before it; nothing of that batch)");
}

// Prints a line each time `count` passes a multiple of kProgressEvery.
void Progress(const char* what, int64_t before, int64_t count) {
  if (count / kProgressEvery == before / kProgressEvery) return;
  std::fprintf(stderr, "hearth import: %s %lld documents\n", what,
               static_cast<long long>(count / kProgressEvery * kProgressEvery));
}

struct ExportReaders {
  RecordReader<storage::DocumentRecord> documents;
  RecordReader<storage::UserRecord> users;
};

// The first pass: every line is good, and there are as many as the manifest says, before
// anything is written.
Status CheckFiles(ExportReaders& files, const Manifest& manifest) {
  int64_t checked = 0;
  auto count_documents = [&](std::vector<storage::DocumentRecord> batch, int64_t, int64_t) {
    int64_t before = checked;
    checked += static_cast<int64_t>(batch.size());
    Progress("checked", before, checked);
    return Status::Ok();
  };
  auto ignore_users = [](std::vector<storage::UserRecord>, int64_t, int64_t) {
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(int64_t documents, files.documents.ReadAll(count_documents));
  ASSIGN_OR_RETURN(int64_t users, files.users.ReadAll(ignore_users));
  RETURN_IF_ERROR(CheckCount(files.documents.path(), documents, manifest.documents));
  return CheckCount(files.users.path(), users, manifest.users);
}

// The second pass.
Result<Counts> WriteFiles(ExportReaders& files, db::Database& database, bool replace) {
  Counts done;
  auto write_documents = [&](std::vector<storage::DocumentRecord> batch, int64_t first,
                             int64_t last) -> Status {
    size_t size = batch.size();
    if (Status s = RestoreDocuments(database, std::move(batch), replace); !s.ok()) {
      return WriteFailed(files.documents.path(), first, last, s, done);
    }
    int64_t before = done.documents;
    done.documents += static_cast<int64_t>(size);
    Progress("imported", before, done.documents);
    return Status::Ok();
  };
  auto write_users = [&](std::vector<storage::UserRecord> batch, int64_t first,
                         int64_t last) -> Status {
    if (Status s = RestoreUsers(database.engine(), batch, replace); !s.ok()) {
      return WriteFailed(files.users.path(), first, last, s, done);
    }
    done.users += static_cast<int64_t>(batch.size());
    return Status::Ok();
  };
  RETURN_IF_ERROR(files.documents.ReadAll(write_documents).status());
  RETURN_IF_ERROR(files.users.ReadAll(write_users).status());
  return done;
}

// Index entries are written for the project's index configuration, the one its server
// will use: say so when the export's copy differs.
void NoteIndexDifference(const fs::path& dir, const Config& config) {
  std::ifstream in(dir / kIndexesFile, std::ios::binary);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  if (text.str() == config.indexes_text) return;
  std::fprintf(stderr,
               "hearth import: note: %s differs from the project's %s; index entries are "
               "written for the project's (copy the exported file over it first to use the "
               "exported definitions)\n",
               (dir / kIndexesFile).c_str(), config.indexes_path.c_str());
}

Result<Config> LoadToolConfig(const DataToolsCommand& command) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(command.store));
  // The tools print what matters themselves; index builds log a line per chunk.
  spdlog::set_level(spdlog::level::warn);
  return config;
}

}  // namespace

int RunExport(const DataToolsCommand& command) {
  constexpr std::string_view kCommand = "export";
  if (command.dir.empty()) return Error(kCommand, "DIR must name a folder", 2);
  auto config = LoadToolConfig(command);
  if (!config.ok()) return Error(kCommand, config.status().message(), 2);
  fs::path dir = fs::absolute(command.dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return Error(kCommand, dir.string() + " exists and is not a folder");
    }
    if (!fs::is_empty(dir, ec) && !command.force) {
      return Error(kCommand, dir.string() +
                                 " is not empty (use --force to write into it anyway; the "
                                 "export's files are replaced)");
    }
  }
  auto store = OpenToolStore(*config, /*create=*/false);
  if (!store.ok()) return Error(kCommand, store.status().message());
  fs::create_directories(dir, ec);
  if (ec) return Error(kCommand, "cannot create " + dir.string() + ": " + ec.message());
  auto counts = Export(*store->engine, *config, dir);
  store->engine->Close();
  if (!counts.ok()) return Error(kCommand, counts.status().message());
  std::printf("exported %lld documents and %lld users from %s to %s\n",
              static_cast<long long>(counts->documents), static_cast<long long>(counts->users),
              DescribeStore(*config).c_str(), dir.c_str());
  return 0;
}

int RunImport(const DataToolsCommand& command) {
  constexpr std::string_view kCommand = "import";
  if (command.dir.empty()) return Error(kCommand, "DIR must name a folder", 2);
  auto config = LoadToolConfig(command);
  if (!config.ok()) return Error(kCommand, config.status().message(), 2);
  auto indexes = query::ParseIndexConfig(config->indexes_text);
  if (!indexes.ok()) {
    return Error(kCommand, config->indexes_path + ": " + indexes.status().message(), 2);
  }
  fs::path dir = fs::absolute(command.dir).lexically_normal();
  auto manifest = ReadManifest(dir);
  if (!manifest.ok()) return Error(kCommand, manifest.status().message());

  auto store = OpenToolStore(*config, /*create=*/true);
  if (!store.ok()) return Error(kCommand, store.status().message());
  if (!command.overwrite) {
    if (Status s = CheckEmpty(*store->engine, *config); !s.ok()) {
      return Error(kCommand, s.message());
    }
  }
  ExportReaders files{{dir / kDocumentsFile, ParseDocumentLine}, {dir / kUsersFile, ParseUserLine}};
  if (Status s = CheckFiles(files, *manifest); !s.ok()) return Error(kCommand, s.message());
  NoteIndexDifference(dir, *config);
  auto database = db::Database::Open(
      std::move(store->engine),
      db::DatabaseOptions{.read_threads = 1,
                          .cache_bytes = 0,
                          .indexes = std::make_shared<query::IndexConfig>(std::move(*indexes)),
                          .index_config_text = config->indexes_text});
  if (!database.ok()) return Error(kCommand, database.status().message());
  // Composite indexes new to this store are complete before the import writes their
  // entries itself, so the next server start has nothing to build.
  (*database)->WaitForIndexBuilds();
  auto done = WriteFiles(files, **database, command.overwrite);
  database->reset();  // commits and closes the store before its lock goes
  if (!done.ok()) return Error(kCommand, done.status().message());
  std::printf("imported %lld documents and %lld users into %s\n",
              static_cast<long long>(done->documents), static_cast<long long>(done->users),
              DescribeStore(*config).c_str());
  return 0;
}

}  // namespace hearth::app
