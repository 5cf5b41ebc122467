// Mutations: Firestore's write operations (set, merge, update, delete, with preconditions
// and field transforms) and the pure function that applies one to a document.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "model/field_path.h"
#include "model/json.h"
#include "model/path.h"
#include "model/value.h"

namespace hearth::db {

// Largest document we store: its canonical JSON form, in bytes.
inline constexpr size_t kMaxDocumentBytes = 1024 * 1024;

struct Precondition {
  std::optional<bool> exists;
  std::optional<int64_t> update_time;  // microseconds; must equal the document's
  bool empty() const { return !exists && !update_time; }
};

struct Mutation {
  enum class Kind { kSet, kUpdate, kDelete };

  Kind kind = Kind::kSet;
  model::ResourcePath path;  // a document path
  model::Map fields;
  // kSet without mask: replace the whole document. kSet with mask (merge) and kUpdate:
  // each masked field takes its value from `fields`, or is deleted when absent there.
  std::optional<std::vector<model::FieldPath>> mask;
  std::vector<model::FieldTransform> transforms;
  Precondition precondition;
};

// Builders from a parsed write body.
Mutation MakeSet(model::ResourcePath path, model::WriteData data);
Mutation MakeMergeSet(model::ResourcePath path, model::WriteData data);
// Precondition exists=true, as Firestore's update.
Mutation MakeUpdate(model::ResourcePath path, model::WriteData data);
Mutation MakeDelete(model::ResourcePath path);

// `not-found`, `already-exists` or `failed-precondition` when `current` (nullptr: missing)
// does not satisfy `p`.
Status CheckPrecondition(const Precondition& p, const std::string& path,
                         std::optional<int64_t> current_update_time);

// The document after `m`, or nullopt if `m` deletes it. `current` is the document's fields
// (nullopt: it does not exist). Transforms see `commit_time` as the server time. Fails
// with `invalid-argument` if the result is too deep or too large.
Result<std::optional<model::Map>> ApplyMutation(const Mutation& m,
                                                std::optional<model::Map> current,
                                                int64_t commit_time);

}  // namespace hearth::db
