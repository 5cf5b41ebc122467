// The files of an export folder (docs/data-tools.md): their names, one JSON line per
// document or user, and the manifest. `hearth export` writes them, `hearth import` reads
// them back (data_tools.cc); nothing here touches a store.
//
// Thread-safe: parsing uses one simdjson parser per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/engine.h"

namespace hearth::app {

inline constexpr std::string_view kExportFormat = "hearth-export";
inline constexpr int64_t kExportVersion = 1;
inline constexpr char kManifestFile[] = "manifest.json";
inline constexpr char kDocumentsFile[] = "documents.jsonl";
inline constexpr char kUsersFile[] = "users.jsonl";
inline constexpr char kIndexesFile[] = "firestore.indexes.json";

struct Manifest {
  int64_t documents = 0;
  int64_t users = 0;
  int64_t exported_at = 0;  // microseconds since the epoch
};

// {"format":"hearth-export","version":1,"documents":N,"users":M,"exportedAt":"...",
//  "hearthVersion":"..."} and a newline.
std::string ManifestJson(const Manifest& manifest);
// Refuses another format and a newer version; unknown keys are ignored.
Result<Manifest> ParseManifest(std::string_view json);

// {"path":...,"createTime":"<RFC 3339, µs>","updateTime":...,"data":<the stored JSON>}\n
void AppendDocumentLine(std::string& out, const storage::DocumentRecord& doc);
// {"uid":...,"email":...,"data":<auth/user.h's stored JSON>}\n
void AppendUserLine(std::string& out, const storage::UserRecord& user);

// One line back (without its newline), checked as import needs it: exactly the keys
// above, a document Database::Restore accepts (db::CheckRestoredDocument, data in
// canonical form), a user auth/ can read with a normalised email. `invalid-argument`
// says what is wrong; the caller adds the file and line.
Result<storage::DocumentRecord> ParseDocumentLine(std::string_view line);
Result<storage::UserRecord> ParseUserLine(std::string_view line);

}  // namespace hearth::app
