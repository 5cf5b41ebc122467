#include "db/mutation.h"

#include <algorithm>
#include <limits>

#include "model/timestamp.h"

namespace hearth::db {
namespace {

using model::FieldPath;
using model::Map;
using model::Value;

// Every leaf (non-map value, or empty map) path in `fields`: what a merge writes.
void CollectLeafPaths(const Map& fields, const FieldPath& prefix, std::vector<FieldPath>& out) {
  for (const auto& [key, value] : fields) {
    FieldPath path = prefix.Child(key);
    if (value.is_map() && !value.map_value().empty()) {
      CollectLeafPaths(value.map_value(), path, out);
    } else {
      out.push_back(std::move(path));
    }
  }
}

Value Increment(const Value* current, const Value& operand) {
  if (current == nullptr || !current->is_number()) return operand;
  if (current->type() == Value::Type::kInteger && operand.type() == Value::Type::kInteger) {
    int64_t result;
    // Firestore saturates integer overflow at the int64 limits.
    if (__builtin_add_overflow(current->integer_value(), operand.integer_value(), &result)) {
      result = operand.integer_value() > 0 ? std::numeric_limits<int64_t>::max()
                                           : std::numeric_limits<int64_t>::min();
    }
    return Value::Integer(result);
  }
  return Value::Double(current->AsDouble() + operand.AsDouble());
}

Value ArrayUnion(const Value* current, const Value& operand) {
  model::Array result = current && current->is_array() ? current->array_value() : model::Array{};
  for (const Value& e : operand.array_value()) {
    bool present = false;
    for (const Value& r : result) present = present || r == e;
    if (!present) result.push_back(e);
  }
  return Value::FromArray(std::move(result));
}

Value ArrayRemove(const Value* current, const Value& operand) {
  model::Array result;
  if (current && current->is_array()) {
    for (const Value& r : current->array_value()) {
      bool removed = false;
      for (const Value& e : operand.array_value()) removed = removed || r == e;
      if (!removed) result.push_back(r);
    }
  }
  return Value::FromArray(std::move(result));
}

}  // namespace

Mutation MakeSet(model::ResourcePath path, model::WriteData data) {
  Mutation m;
  m.kind = Mutation::Kind::kSet;
  m.path = std::move(path);
  m.fields = std::move(data.fields);
  m.transforms = std::move(data.transforms);
  return m;
}

Mutation MakeMergeSet(model::ResourcePath path, model::WriteData data) {
  Mutation m;
  m.kind = Mutation::Kind::kSet;
  m.path = std::move(path);
  std::vector<FieldPath> mask;
  CollectLeafPaths(data.fields, FieldPath(), mask);
  // {"a": {"x": {"$delete": true}}} leaves an empty map at "a" once the sentinel is taken
  // out; that map is not a leaf the caller wrote, so it must not replace "a".
  auto holds_sentinel = [&](const FieldPath& leaf) {
    const model::Value* v = model::GetField(data.fields, leaf);
    if (v == nullptr || !v->is_map() || !v->map_value().empty()) return false;
    auto below = [&](const FieldPath& p) { return leaf.IsPrefixOf(p) && !(leaf == p); };
    return std::any_of(data.deletes.begin(), data.deletes.end(), below) ||
           std::any_of(data.transforms.begin(), data.transforms.end(),
                       [&](const model::FieldTransform& t) { return below(t.path); });
  };
  std::erase_if(mask, holds_sentinel);
  for (auto& d : data.deletes) mask.push_back(std::move(d));
  m.mask = std::move(mask);
  m.fields = std::move(data.fields);
  m.transforms = std::move(data.transforms);
  return m;
}

Mutation MakeUpdate(model::ResourcePath path, model::WriteData data) {
  Mutation m;
  m.kind = Mutation::Kind::kUpdate;
  m.path = std::move(path);
  m.mask = std::move(data.top_level_paths);
  m.fields = std::move(data.fields);
  m.transforms = std::move(data.transforms);
  m.precondition.exists = true;
  return m;
}

Mutation MakeDelete(model::ResourcePath path) {
  Mutation m;
  m.kind = Mutation::Kind::kDelete;
  m.path = std::move(path);
  return m;
}

Status CheckPrecondition(const Precondition& p, const std::string& path,
                         std::optional<int64_t> current_update_time) {
  if (p.exists.has_value()) {
    if (*p.exists && !current_update_time) return NotFound("no document at '" + path + "'");
    if (!*p.exists && current_update_time) {
      return AlreadyExists("a document already exists at '" + path + "'");
    }
  }
  if (p.update_time.has_value()) {
    if (!current_update_time) return NotFound("no document at '" + path + "'");
    if (*current_update_time != *p.update_time) {
      return FailedPrecondition("the document at '" + path + "' was updated at " +
                                model::FormatMicros(*current_update_time) + ", not at " +
                                model::FormatMicros(*p.update_time));
    }
  }
  return Status::Ok();
}

Result<std::optional<Map>> ApplyMutation(const Mutation& m, std::optional<Map> current,
                                         int64_t commit_time) {
  if (m.kind == Mutation::Kind::kDelete) return std::optional<Map>();
  Map result;
  if (!m.mask) {
    result = m.fields;
  } else {
    result = current ? std::move(*current) : Map{};
    for (const FieldPath& path : *m.mask) {
      if (const Value* v = model::GetField(m.fields, path)) {
        model::SetField(result, path, *v);
      } else {
        model::DeleteField(result, path);
      }
    }
  }
  for (const auto& t : m.transforms) {
    const Value* existing = model::GetField(result, t.path);
    Value next;
    switch (t.kind) {
      case model::TransformKind::kServerTimestamp:
        next = Value::FromTimestamp(model::Timestamp::FromMicros(commit_time));
        break;
      case model::TransformKind::kIncrement:
        next = Increment(existing, t.operand);
        break;
      case model::TransformKind::kArrayUnion:
        next = ArrayUnion(existing, t.operand);
        break;
      case model::TransformKind::kArrayRemove:
        next = ArrayRemove(existing, t.operand);
        break;
    }
    model::SetField(result, t.path, std::move(next));
  }
  if (model::Depth(result) > model::kMaxDepth) {
    return InvalidArgument("the document would nest deeper than 20 levels of maps and arrays");
  }
  return std::optional<Map>(std::move(result));
}

}  // namespace hearth::db
