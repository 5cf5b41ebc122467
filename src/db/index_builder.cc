#include "db/index_builder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <iterator>

#include "model/json.h"

namespace hearth::db {
namespace {

constexpr size_t kChunk = 500;
constexpr std::string_view kConfigKey = "index-config";
constexpr std::string_view kCompositesKey = "composites";
constexpr std::string_view kAutoKey = "auto-index";

std::string ReadyKey(std::string_view spec) { return "composite-ready:" + std::string(spec); }

Status WriteSync(storage::Engine& engine, storage::Engine::WriteFn fn) {
  std::promise<Status> done;
  auto future = done.get_future();
  engine.Write(std::move(fn), [&done](Status s) { done.set_value(std::move(s)); });
  return future.get();
}

// Runs `per_document` over every document, `kChunk` per write; `per_document` gets the
// current version read inside the write.
template <typename Fn>
Status ForEachDocument(storage::Engine& engine, const std::atomic<bool>* stop,
                       std::string_view label, Fn per_document) {
  std::string after_parent, after_id;
  size_t total = 0;
  for (;;) {
    if (stop && stop->load()) return Aborted("stopped");
    ASSIGN_OR_RETURN(auto docs, engine.ScanAll(after_parent, after_id, kChunk));
    if (docs.empty()) break;
    RETURN_IF_ERROR(WriteSync(engine, [&](storage::WriteTxn& txn) -> Status {
      for (const auto& listed : docs) {
        ASSIGN_OR_RETURN(auto current, txn.Get(listed.path));
        if (!current) continue;  // deleted since it was listed
        auto path = model::ResourcePath::Parse(current->path);
        auto fields = model::ParseDocumentJson(current->data);
        if (!path.ok() || !fields.ok()) {
          return Status(Code::kDataLoss, "stored document '" + current->path + "' is unreadable");
        }
        RETURN_IF_ERROR(per_document(txn, *path, *fields));
      }
      return Status::Ok();
    }));
    total += docs.size();
    const std::string& last = docs.back().path;
    size_t slash = last.rfind('/');
    after_parent = last.substr(0, slash);
    after_id = last.substr(slash + 1);
    spdlog::info("indexes: {}: {} documents so far", label, total);
  }
  spdlog::info("indexes: {}: done, {} documents", label, total);
  return Status::Ok();
}

}  // namespace

Status ApplyEntryDiff(storage::WriteTxn& txn, std::string_view path,
                      const std::vector<query::IndexEntry>& before,
                      const std::vector<query::IndexEntry>& after) {
  std::vector<query::IndexEntry> removed, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(removed));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  if (!removed.empty()) RETURN_IF_ERROR(txn.DeleteIndexEntries(removed));
  if (!added.empty()) RETURN_IF_ERROR(txn.PutIndexEntries(path, added));
  return Status::Ok();
}

Result<std::vector<query::CompositeIndex>> PrepareIndexes(storage::Engine& engine,
                                                          const query::IndexConfig& config,
                                                          std::string_view config_text) {
  ASSIGN_OR_RETURN(auto auto_flag, engine.ReadMeta(kAutoKey));
  ASSIGN_OR_RETURN(auto old_text, engine.ReadMeta(kConfigKey));
  query::IndexConfig old_config;
  bool from_scratch = auto_flag.has_value();
  if (old_text) {
    auto parsed = query::ParseIndexConfig(*old_text);
    if (parsed.ok()) {
      old_config = std::move(parsed).value();
    } else {
      from_scratch = true;
    }
  }
  if (from_scratch || old_config.overrides != config.overrides) {
    spdlog::info("indexes: rebuilding automatic index entries");
    RETURN_IF_ERROR(ForEachDocument(
        engine, nullptr, "automatic indexes",
        [&](storage::WriteTxn& txn, const model::ResourcePath& path, const model::Map& fields) {
          auto before = from_scratch ? std::vector<query::IndexEntry>()
                                     : query::AutomaticEntriesFor(path, fields, old_config);
          auto after = query::AutomaticEntriesFor(path, fields, config);
          return ApplyEntryDiff(txn, path.ToString(), before, after);
        }));
  }
  // Composite indexes no longer declared: drop their entries.
  ASSIGN_OR_RETURN(auto known_text, engine.ReadMeta(kCompositesKey));
  std::vector<std::string> specs;
  for (const auto& index : config.composites) specs.push_back(index.Spec());
  std::string known = known_text.value_or("");
  std::vector<std::string> dropped;
  for (size_t start = 0; start < known.size();) {
    size_t end = known.find('\n', start);
    if (end == std::string::npos) end = known.size();
    std::string spec = known.substr(start, end - start);
    if (!spec.empty() && std::find(specs.begin(), specs.end(), spec) == specs.end()) {
      dropped.push_back(spec);
    }
    start = end + 1;
  }
  std::string specs_text;
  for (const auto& spec : specs) specs_text += spec + "\n";
  RETURN_IF_ERROR(WriteSync(engine, [&](storage::WriteTxn& txn) -> Status {
    for (const auto& spec : dropped) {
      spdlog::info("indexes: dropping {} (no longer in firestore.indexes.json)", spec);
      RETURN_IF_ERROR(txn.DropIndex(query::CompositeIndexIdForSpec(spec)));
      RETURN_IF_ERROR(txn.DeleteMeta(ReadyKey(spec)));
    }
    RETURN_IF_ERROR(txn.PutMeta(kCompositesKey, specs_text));
    RETURN_IF_ERROR(txn.PutMeta(kConfigKey, config_text));
    return txn.DeleteMeta(kAutoKey);
  }));
  std::vector<query::CompositeIndex> to_build;
  for (const auto& index : config.composites) {
    ASSIGN_OR_RETURN(bool ready, CompositeReady(engine, index));
    if (!ready) to_build.push_back(index);
  }
  return to_build;
}

Result<bool> CompositeReady(storage::Engine& engine, const query::CompositeIndex& index) {
  ASSIGN_OR_RETURN(auto flag, engine.ReadMeta(ReadyKey(index.Spec())));
  return flag.has_value();
}

Status BuildComposite(storage::Engine& engine, const query::CompositeIndex& index,
                      const std::atomic<bool>& stop) {
  const std::string spec = index.Spec();
  spdlog::info("indexes: building {}", index.ToJson());
  RETURN_IF_ERROR(ForEachDocument(
      engine, &stop, spec,
      [&](storage::WriteTxn& txn, const model::ResourcePath& path, const model::Map& fields) {
        auto entries = query::CompositeEntriesFor(path, fields, index);
        if (entries.empty()) return Status::Ok();
        return txn.PutIndexEntries(path.ToString(), entries);
      }));
  return WriteSync(engine,
                   [&](storage::WriteTxn& txn) { return txn.PutMeta(ReadyKey(spec), "1"); });
}

}  // namespace hearth::db
