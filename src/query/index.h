// Indexes: which index entries a document has, and the project's index configuration
// (Firebase's firestore.indexes.json).
//
// Every index entry is (index ID, parent, key): `parent` is the collection path for a
// collection-scoped index and "" for a collection-group one; `key` is the order-preserving
// encoding (model/key_encoding.h) of the indexed values followed by the document's name,
// so one range of keys is one equality prefix in index order, ties broken by name.
//
// Indexes every document has, automatically:
//  - per field (and nested map field): an ascending single-field index, collection scope
//    (it serves descending order too, scanned backwards);
//  - per array field: a CONTAINS index with one entry per distinct element;
//  - per collection group: a name index (group scope), for unfiltered group queries.
// fieldOverrides can exempt fields (and their subfields) or add collection-group scope.
// Composite indexes are declared; each has its own directions per field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/field_path.h"
#include "model/path.h"
#include "model/value.h"
#include "storage/engine.h"

namespace hearth::query {

enum class IndexMode { kAscending, kDescending, kContains };
enum class QueryScope { kCollection, kCollectionGroup };

struct IndexField {
  model::FieldPath field;
  IndexMode mode = IndexMode::kAscending;
  bool operator==(const IndexField&) const = default;
};

// A composite index, as firestore.indexes.json declares it.
struct CompositeIndex {
  std::string collection_group;
  QueryScope scope = QueryScope::kCollection;
  std::vector<IndexField> fields;  // 2 or more; __name__ may close the list

  // A canonical text that identifies the index ("posts|COLLECTION|a:ASC,b:DESC").
  std::string Spec() const;
  // The entry for firestore.indexes.json's "indexes" array.
  std::string ToJson() const;
  bool operator==(const CompositeIndex&) const = default;
};

// A single-field setting from "fieldOverrides".
struct FieldOverride {
  std::string collection_group;
  model::FieldPath field;
  bool exempt = false;  // "indexes": []: no single-field index at all
  // Scopes that get an index (COLLECTION is automatic unless exempt).
  bool collection_group_ascending = false;
  bool collection_group_contains = false;
  bool operator==(const FieldOverride&) const = default;
};

struct IndexConfig {
  std::vector<CompositeIndex> composites;
  std::vector<FieldOverride> overrides;

  // The override that governs `field` of `collection_group` (the deepest one naming the
  // field or a map above it), or nullptr.
  const FieldOverride* OverrideFor(std::string_view collection_group,
                                   const model::FieldPath& field) const;
};

// Parses firestore.indexes.json ({"indexes": [...], "fieldOverrides": [...]}); errors
// name the entry at fault.
Result<IndexConfig> ParseIndexConfig(std::string_view json);

// Stable 64-bit IDs (they are stored in the database).
int64_t SingleFieldIndexId(std::string_view collection_group, const model::FieldPath& field,
                           QueryScope scope, bool contains);
int64_t NameIndexId(std::string_view collection_group);
int64_t CompositeIndexId(const CompositeIndex& index);
// The same from CompositeIndex::Spec() text.
int64_t CompositeIndexIdForSpec(std::string_view spec);

// Entries are stored as they are computed.
using IndexEntry = storage::IndexKey;

// Every entry of the document at `path` with `fields` (automatic and every declared
// composite), sorted and without duplicates.
std::vector<IndexEntry> IndexEntriesFor(const model::ResourcePath& path, const model::Map& fields,
                                        const IndexConfig& config);
// Only the automatic entries (single-field, contains, name), sorted.
std::vector<IndexEntry> AutomaticEntriesFor(const model::ResourcePath& path,
                                            const model::Map& fields, const IndexConfig& config);
// Only the entries of one composite index, sorted.
std::vector<IndexEntry> CompositeEntriesFor(const model::ResourcePath& path,
                                            const model::Map& fields, const CompositeIndex& index);

// Appends the encoding of a document name (as a reference value) in `mode` direction.
void AppendNameKey(std::string& out, const model::ResourcePath& path, bool descending);
// Appends a value's encoding in the direction of `mode` (kContains encodes ascending).
void AppendIndexedValue(std::string& out, const model::Value& v, bool descending);

}  // namespace hearth::query
