#include "query/index.h"

#include <algorithm>

#include "model/json.h"
#include "model/json_view.h"
#include "model/key_encoding.h"

namespace hearth::query {
namespace {

using model::FieldPath;
using model::JsonView;
using model::Value;

// FNV-1a, 64 bits: stable across builds and platforms (the IDs are persisted).
int64_t StableHash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

std::string_view ModeName(IndexMode m) {
  switch (m) {
    case IndexMode::kAscending:
      return "ASC";
    case IndexMode::kDescending:
      return "DESC";
    case IndexMode::kContains:
      return "CONTAINS";
  }
  return "?";
}

Result<QueryScope> ParseScope(const JsonView& entry, const std::string& where) {
  auto scope = entry.Get("queryScope");
  if (!scope) return QueryScope::kCollection;
  if (scope->is_string() && scope->AsString() == "COLLECTION") return QueryScope::kCollection;
  if (scope->is_string() && scope->AsString() == "COLLECTION_GROUP") {
    return QueryScope::kCollectionGroup;
  }
  return InvalidArgument(where + ".queryScope: COLLECTION or COLLECTION_GROUP");
}

// {"order": "ASCENDING"|"DESCENDING"} or {"arrayConfig": "CONTAINS"}.
Result<IndexMode> ParseMode(const JsonView& entry, const std::string& where) {
  auto order = entry.Get("order");
  auto array = entry.Get("arrayConfig");
  if (order && !array && order->is_string()) {
    if (order->AsString() == "ASCENDING") return IndexMode::kAscending;
    if (order->AsString() == "DESCENDING") return IndexMode::kDescending;
  }
  if (array && !order && array->is_string() && array->AsString() == "CONTAINS") {
    return IndexMode::kContains;
  }
  return InvalidArgument(where +
                         ": needs \"order\": \"ASCENDING\"|\"DESCENDING\" or "
                         "\"arrayConfig\": \"CONTAINS\"");
}

Result<std::string> CollectionGroup(const JsonView& entry, const std::string& where) {
  auto cg = entry.Get("collectionGroup");
  if (!cg || !cg->is_string()) return InvalidArgument(where + ".collectionGroup is required");
  if (Status s = model::ValidateId(cg->AsString()); !s.ok()) {
    return InvalidArgument(where + ".collectionGroup: " + s.message());
  }
  return std::string(cg->AsString());
}

Result<CompositeIndex> ParseComposite(const JsonView& entry, const std::string& where) {
  if (!entry.is_object()) return InvalidArgument(where + ": must be an object");
  RETURN_IF_ERROR(
      entry.CheckKeys(where, {"collectionGroup", "queryScope", "fields", "density", "apiScope"}));
  CompositeIndex index;
  ASSIGN_OR_RETURN(index.collection_group, CollectionGroup(entry, where));
  ASSIGN_OR_RETURN(index.scope, ParseScope(entry, where));
  auto fields = entry.Get("fields");
  if (!fields || !fields->is_array()) return InvalidArgument(where + ".fields is required");
  auto elements = fields->Elements();
  for (size_t i = 0; i < elements.size(); ++i) {
    std::string fw = where + ".fields[" + std::to_string(i) + "]";
    if (!elements[i].is_object()) return InvalidArgument(fw + ": must be an object");
    RETURN_IF_ERROR(elements[i].CheckKeys(fw, {"fieldPath", "order", "arrayConfig"}));
    auto path = elements[i].Get("fieldPath");
    if (!path || !path->is_string()) return InvalidArgument(fw + ".fieldPath is required");
    auto field = FieldPath::Parse(path->AsString());
    if (!field.ok()) return InvalidArgument(fw + ": " + field.status().message());
    ASSIGN_OR_RETURN(IndexMode mode, ParseMode(elements[i], fw));
    if (field->IsDocumentName() && (i + 1 != elements.size() || mode == IndexMode::kContains)) {
      return InvalidArgument(fw + ": __name__ may only close the list, with an order");
    }
    for (const IndexField& prior : index.fields) {
      if (prior.field == *field) return InvalidArgument(fw + ": field named twice");
    }
    index.fields.push_back({std::move(field).value(), mode});
  }
  size_t contains =
      std::count_if(index.fields.begin(), index.fields.end(),
                    [](const IndexField& f) { return f.mode == IndexMode::kContains; });
  if (contains > 1) return InvalidArgument(where + ": at most one CONTAINS field");
  if (index.fields.empty()) return InvalidArgument(where + ".fields: at least two fields");
  // One field closed by __name__ in the other direction is a real composite (the
  // automatic index orders names the same way as the field).
  const bool has_name = index.fields.back().field.IsDocumentName();
  const size_t real = index.fields.size() - (has_name ? 1 : 0);
  const bool name_differs = has_name && real == 1 &&
                            (index.fields[0].mode == IndexMode::kDescending) !=
                                (index.fields.back().mode == IndexMode::kDescending);
  if (real < 2 && !name_differs) {
    return InvalidArgument(where +
                           ": a composite index needs at least two fields (single-field "
                           "indexes are automatic)");
  }
  return index;
}

Result<FieldOverride> ParseOverride(const JsonView& entry, const std::string& where) {
  if (!entry.is_object()) return InvalidArgument(where + ": must be an object");
  RETURN_IF_ERROR(entry.CheckKeys(where, {"collectionGroup", "fieldPath", "indexes", "ttl"}));
  FieldOverride o;
  ASSIGN_OR_RETURN(o.collection_group, CollectionGroup(entry, where));
  auto path = entry.Get("fieldPath");
  if (!path || !path->is_string()) return InvalidArgument(where + ".fieldPath is required");
  auto field = FieldPath::Parse(path->AsString());
  if (!field.ok() || field->IsDocumentName()) {
    return InvalidArgument(where + ".fieldPath: not a valid field path");
  }
  o.field = std::move(field).value();
  auto indexes = entry.Get("indexes");
  if (!indexes || !indexes->is_array()) {
    return InvalidArgument(where + ".indexes is required ([] exempts the field)");
  }
  o.exempt = true;
  bool collection_order = false, collection_contains = false;
  auto elements = indexes->Elements();
  for (size_t i = 0; i < elements.size(); ++i) {
    std::string iw = where + ".indexes[" + std::to_string(i) + "]";
    if (!elements[i].is_object()) return InvalidArgument(iw + ": must be an object");
    RETURN_IF_ERROR(elements[i].CheckKeys(iw, {"order", "arrayConfig", "queryScope"}));
    ASSIGN_OR_RETURN(IndexMode mode, ParseMode(elements[i], iw));
    ASSIGN_OR_RETURN(QueryScope scope, ParseScope(elements[i], iw));
    bool group = scope == QueryScope::kCollectionGroup;
    if (mode == IndexMode::kContains) {
      (group ? o.collection_group_contains : collection_contains) = true;
    } else {
      (group ? o.collection_group_ascending : collection_order) = true;
    }
  }
  // Only the exemption of the collection-scope indexes is modelled: an override that lists
  // any collection-scope index keeps both (ascending and contains), as automatic ones.
  o.exempt = !collection_order && !collection_contains;
  return o;
}

bool Descending(IndexMode m) { return m == IndexMode::kDescending; }

void AddComposite(const CompositeIndex& index, const model::ResourcePath& path,
                  const model::Map& fields, std::vector<IndexEntry>& out) {
  const bool has_name = index.fields.back().field.IsDocumentName();
  const size_t n = index.fields.size() - (has_name ? 1 : 0);
  const bool name_desc =
      has_name ? Descending(index.fields.back().mode) : Descending(index.fields[n - 1].mode);
  // Values per field; a CONTAINS field contributes each distinct element in turn.
  std::vector<std::vector<const Value*>> choices(n);
  for (size_t i = 0; i < n; ++i) {
    const Value* v = model::GetField(fields, index.fields[i].field);
    if (v == nullptr) return;  // a document without the field is not in the index
    if (index.fields[i].mode == IndexMode::kContains) {
      if (!v->is_array()) return;
      for (const Value& e : v->array_value()) {
        bool seen = std::any_of(choices[i].begin(), choices[i].end(),
                                [&](const Value* c) { return *c == e; });
        if (!seen) choices[i].push_back(&e);
      }
      if (choices[i].empty()) return;
    } else {
      choices[i].push_back(v);
    }
  }
  const std::string parent =
      index.scope == QueryScope::kCollection ? path.Parent().ToString() : std::string();
  const int64_t id = CompositeIndexId(index);
  // At most one CONTAINS field, so this is a single loop over its elements.
  size_t contains_at = n;
  for (size_t i = 0; i < n; ++i) {
    if (choices[i].size() > 1) contains_at = i;
  }
  size_t rounds = contains_at == n ? 1 : choices[contains_at].size();
  for (size_t r = 0; r < rounds; ++r) {
    IndexEntry e{id, parent, {}};
    for (size_t i = 0; i < n; ++i) {
      const Value* v = i == contains_at ? choices[i][r] : choices[i][0];
      AppendIndexedValue(e.key, *v, Descending(index.fields[i].mode));
    }
    AppendNameKey(e.key, path, name_desc);
    out.push_back(std::move(e));
  }
}

void AddField(const std::string& collection_group, const std::string& parent,
              const model::ResourcePath& path, const std::string& name_key, const FieldPath& field,
              const Value& value, const IndexConfig& config, std::vector<IndexEntry>& out) {
  const FieldOverride* o = config.OverrideFor(collection_group, field);
  const bool collection = o == nullptr || !o->exempt;
  const bool group_order = o != nullptr && o->collection_group_ascending;
  const bool group_contains = o != nullptr && o->collection_group_contains;
  auto add = [&](QueryScope scope, bool contains, const Value& v) {
    IndexEntry e{SingleFieldIndexId(collection_group, field, scope, contains),
                 scope == QueryScope::kCollection ? parent : std::string(),
                 {}};
    model::AppendKey(e.key, v);
    e.key += name_key;
    out.push_back(std::move(e));
  };
  if (collection) add(QueryScope::kCollection, false, value);
  if (group_order) add(QueryScope::kCollectionGroup, false, value);
  if (value.is_array()) {
    for (const Value& element : value.array_value()) {
      if (collection) add(QueryScope::kCollection, true, element);
      if (group_contains) add(QueryScope::kCollectionGroup, true, element);
    }
  }
  if (value.is_map()) {
    for (const auto& [key, child] : value.map_value()) {
      AddField(collection_group, parent, path, name_key, field.Child(key), child, config, out);
    }
  }
}

}  // namespace

std::string CompositeIndex::Spec() const {
  std::string spec = collection_group;
  spec += scope == QueryScope::kCollection ? "|COLLECTION|" : "|COLLECTION_GROUP|";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) spec += ",";
    spec += fields[i].field.ToString();
    spec += ":";
    spec += ModeName(fields[i].mode);
  }
  return spec;
}

std::string CompositeIndex::ToJson() const {
  std::string out = R"({"collectionGroup": )";
  model::AppendJsonString(out, collection_group);
  out += R"(, "queryScope": ")";
  out += scope == QueryScope::kCollection ? "COLLECTION" : "COLLECTION_GROUP";
  out += R"(", "fields": [)";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ", ";
    out += R"({"fieldPath": )";
    model::AppendJsonString(out, fields[i].field.ToString());
    switch (fields[i].mode) {
      case IndexMode::kAscending:
        out += R"(, "order": "ASCENDING"})";
        break;
      case IndexMode::kDescending:
        out += R"(, "order": "DESCENDING"})";
        break;
      case IndexMode::kContains:
        out += R"(, "arrayConfig": "CONTAINS"})";
        break;
    }
  }
  out += "]}";
  return out;
}

const FieldOverride* IndexConfig::OverrideFor(std::string_view collection_group,
                                              const FieldPath& field) const {
  const FieldOverride* best = nullptr;
  for (const FieldOverride& o : overrides) {
    if (o.collection_group != collection_group || !o.field.IsPrefixOf(field)) continue;
    if (best == nullptr || best->field.size() < o.field.size()) best = &o;
  }
  return best;
}

Result<IndexConfig> ParseIndexConfig(std::string_view json) {
  ASSIGN_OR_RETURN(model::JsonDocument doc, model::JsonDocument::Parse(json));
  JsonView root = doc.root();
  if (!root.is_object()) return InvalidArgument("firestore.indexes.json must be an object");
  RETURN_IF_ERROR(root.CheckKeys("firestore.indexes.json", {"indexes", "fieldOverrides"}));
  IndexConfig config;
  if (auto indexes = root.Get("indexes")) {
    if (!indexes->is_array()) return InvalidArgument("\"indexes\" must be an array");
    auto elements = indexes->Elements();
    for (size_t i = 0; i < elements.size(); ++i) {
      ASSIGN_OR_RETURN(CompositeIndex index,
                       ParseComposite(elements[i], "indexes[" + std::to_string(i) + "]"));
      if (std::find(config.composites.begin(), config.composites.end(), index) ==
          config.composites.end()) {
        config.composites.push_back(std::move(index));
      }
    }
  }
  if (auto overrides = root.Get("fieldOverrides")) {
    if (!overrides->is_array()) return InvalidArgument("\"fieldOverrides\" must be an array");
    auto elements = overrides->Elements();
    for (size_t i = 0; i < elements.size(); ++i) {
      ASSIGN_OR_RETURN(FieldOverride o,
                       ParseOverride(elements[i], "fieldOverrides[" + std::to_string(i) + "]"));
      config.overrides.push_back(std::move(o));
    }
  }
  return config;
}

int64_t SingleFieldIndexId(std::string_view collection_group, const FieldPath& field,
                           QueryScope scope, bool contains) {
  std::string spec = std::string(contains ? "contains|" : "field|") +
                     (scope == QueryScope::kCollection ? "c|" : "g|") +
                     std::string(collection_group) + "|" + field.ToString();
  return StableHash(spec);
}

int64_t NameIndexId(std::string_view collection_group) {
  return StableHash("name|" + std::string(collection_group));
}

int64_t CompositeIndexId(const CompositeIndex& index) {
  return CompositeIndexIdForSpec(index.Spec());
}

int64_t CompositeIndexIdForSpec(std::string_view spec) {
  return StableHash("composite|" + std::string(spec));
}

void AppendIndexedValue(std::string& out, const Value& v, bool descending) {
  if (descending) {
    model::AppendDescendingKey(out, v);
  } else {
    model::AppendKey(out, v);
  }
}

void AppendNameKey(std::string& out, const model::ResourcePath& path, bool descending) {
  AppendIndexedValue(out, Value::FromReference(path.ToString()), descending);
}

namespace {
void SortUnique(std::vector<IndexEntry>& entries) {
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
}
}  // namespace

std::vector<IndexEntry> AutomaticEntriesFor(const model::ResourcePath& path,
                                            const model::Map& fields, const IndexConfig& config) {
  std::vector<IndexEntry> out;
  const std::string& collection_group = path.segments()[path.size() - 2];
  const std::string parent = path.Parent().ToString();
  std::string name_key;
  AppendNameKey(name_key, path, false);
  out.push_back({NameIndexId(collection_group), "", name_key});
  for (const auto& [key, value] : fields) {
    auto field = FieldPath::FromSegments({key});
    if (!field.ok()) continue;  // stored names were validated on write
    AddField(collection_group, parent, path, name_key, *field, value, config, out);
  }
  SortUnique(out);
  return out;
}

std::vector<IndexEntry> CompositeEntriesFor(const model::ResourcePath& path,
                                            const model::Map& fields, const CompositeIndex& index) {
  std::vector<IndexEntry> out;
  if (index.collection_group == path.segments()[path.size() - 2]) {
    AddComposite(index, path, fields, out);
  }
  SortUnique(out);
  return out;
}

std::vector<IndexEntry> IndexEntriesFor(const model::ResourcePath& path, const model::Map& fields,
                                        const IndexConfig& config) {
  std::vector<IndexEntry> out = AutomaticEntriesFor(path, fields, config);
  for (const CompositeIndex& index : config.composites) {
    auto more = CompositeEntriesFor(path, fields, index);
    out.insert(out.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  }
  SortUnique(out);
  return out;
}

}  // namespace hearth::query
