// The JSON codec of Hearth's HTTP API (docs/api.md, "Values").
//
// Values are plain JSON where JSON can say it: null, booleans, strings, arrays, objects,
// integers (a number without fraction or exponent, int64 range) and doubles. The other
// types are single-key objects with a '$' tag:
//   {"$timestamp": "2026-01-02T03:04:05.123456Z"}  {"$bytes": "<base64>"}
//   {"$ref": "posts/abc"}  {"$geo": [lat, lng]}  {"$double": "NaN" | "Infinity" | "-Infinity"}
//   {"$map": {...}}  (a map taken literally, for maps whose only key starts with '$')
// Write bodies may also hold transforms: {"$serverTimestamp": true}, {"$increment": n},
// {"$arrayUnion": [...]}, {"$arrayRemove": [...]}, {"$delete": true}.
//
// Parsing is thread-safe (each thread reuses its own simdjson parser).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/field_path.h"
#include "model/value.h"

namespace hearth::model {

enum class TransformKind { kServerTimestamp, kIncrement, kArrayUnion, kArrayRemove };

struct FieldTransform {
  FieldPath path;
  TransformKind kind;
  Value operand;  // the increment (a number) or the array elements; null for timestamps
};

// How a write body is read.
enum class WriteMode {
  kSet,       // whole document; transforms allowed, $delete not
  kMergeSet,  // set with merge; transforms and $delete allowed
  kUpdate,    // top-level keys are field paths ("a.b"); transforms and $delete allowed
};

struct WriteData {
  Map fields;                              // plain values, nested as written
  std::vector<FieldPath> top_level_paths;  // kUpdate: the parsed keys that carry a value or $delete
  std::vector<FieldTransform> transforms;
  std::vector<FieldPath> deletes;  // fields marked {"$delete": true}
};

// Parses a write body (a JSON object). Checks tags, transforms, field names and nesting depth.
Result<WriteData> ParseWriteData(std::string_view json, WriteMode mode);
// Parses document data as stored or sent back (no transforms).
Result<Map> ParseDocumentJson(std::string_view json);
// Parses any single value (no transforms).
Result<Value> ParseValueJson(std::string_view json);

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);
// Appends the JSON form of `v` (the inverse of parsing).
void AppendValueJson(std::string& out, const Value& v);
void AppendMapJson(std::string& out, const Map& m);
std::string MapToJson(const Map& m);

}  // namespace hearth::model
