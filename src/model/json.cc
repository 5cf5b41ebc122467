#include "model/json.h"

#include "model/json_view.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "base/strings.h"
#include "model/path.h"

namespace hearth::model {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Where in a write body a value sits; transforms are legal only in some places.
enum class Context { kPlain, kWriteField, kInsideArray };

class Decoder {
 public:
  Decoder(WriteData* write, WriteMode mode) : write_(write), mode_(mode) {}

  // `e` sits at `depth`: top-level fields are at 1, each enclosing map or array adds one.
  Result<Value> Decode(element e, int depth, const FieldPath& path, Context ctx) {
    if (depth > kMaxDepth) return DepthError(path);
    switch (e.type()) {
      case element_type::NULL_VALUE:
        return Value::Null();
      case element_type::BOOL:
        return Value::Boolean(bool(e));
      case element_type::INT64:
        return Value::Integer(int64_t(e));
      case element_type::UINT64:
        return Err(path, "integer " + std::to_string(uint64_t(e)) + " is outside the int64 range");
      case element_type::DOUBLE:
        return Value::Double(double(e));
      case element_type::STRING:
        return Value::String(std::string(std::string_view(e)));
      case element_type::ARRAY: {
        Array out;
        for (element child : simdjson::dom::array(e)) {
          ASSIGN_OR_RETURN(Value v, Decode(child, depth + 1, path, Context::kInsideArray));
          out.push_back(std::move(v));
        }
        return Value::FromArray(std::move(out));
      }
      case element_type::OBJECT:
        return DecodeObject(simdjson::dom::object(e), depth, path, ctx);
    }
    return Err(path, "unsupported JSON value");
  }

  // The fields of an object, each key a plain field name, the fields at `child_depth`.
  Result<Map> DecodeFields(simdjson::dom::object obj, int child_depth, const FieldPath& path,
                           Context ctx) {
    Map out;
    // Names taken by transforms leave no entry in `out` but still count as taken.
    std::vector<std::string_view> transform_names;
    for (auto [key, child] : obj) {
      std::string name(key);
      if (Status s = ValidateFieldName(name); !s.ok()) return Err(path, s.message());
      FieldPath child_path = path.Child(name);
      // simdjson keeps duplicate keys; a JSON object that repeats one is ambiguous.
      if (out.contains(name) ||
          std::find(transform_names.begin(), transform_names.end(), key) != transform_names.end()) {
        return Err(child_path, "an object repeats a key");
      }
      if (ctx == Context::kWriteField && IsTransformObject(child)) {
        if (child_depth > kMaxDepth) return DepthError(child_path);
        RETURN_IF_ERROR(AddTransform(simdjson::dom::object(child), child_path, false));
        transform_names.push_back(key);
        continue;
      }
      ASSIGN_OR_RETURN(Value v, Decode(child, child_depth, child_path, ctx));
      out.emplace(std::move(name), std::move(v));
    }
    return out;
  }

  static bool IsTransformObject(element e) {
    if (e.type() != element_type::OBJECT) return false;
    simdjson::dom::object obj(e);
    if (obj.size() != 1) return false;
    std::string_view key = (*obj.begin()).key;
    return key == "$serverTimestamp" || key == "$increment" || key == "$arrayUnion" ||
           key == "$arrayRemove" || key == "$delete";
  }

  // `top_level`: the field is a key of an update body (kUpdate), not inside a value.
  Status AddTransform(simdjson::dom::object obj, const FieldPath& path, bool top_level) {
    auto [key, arg] = *obj.begin();
    if (key == "$delete") {
      if (mode_ == WriteMode::kSet) {
        return Err(path, "$delete is allowed only in updates (PATCH) and merges");
      }
      if (mode_ == WriteMode::kUpdate && !top_level) {
        // As Firestore: an update replaces the value at each key wholesale, so a delete
        // inside that value means nothing. Name the field as a key instead ("a.b").
        return Err(path, "in an update, $delete must be the value of a top-level key (\"a.b\")");
      }
      if (arg.type() != element_type::BOOL || !bool(arg)) {
        return Err(path, "$delete takes the value true");
      }
      write_->deletes.push_back(path);
      return Status::Ok();
    }
    FieldTransform t{path, TransformKind::kServerTimestamp, Value::Null()};
    if (key == "$serverTimestamp") {
      if (arg.type() != element_type::BOOL || !bool(arg)) {
        return Err(path, "$serverTimestamp takes the value true");
      }
    } else if (key == "$increment") {
      t.kind = TransformKind::kIncrement;
      ASSIGN_OR_RETURN(t.operand,
                       Decode(arg, static_cast<int>(path.size()), path, Context::kPlain));
      if (!t.operand.is_number()) return Err(path, "$increment takes a number");
    } else {
      t.kind = key == "$arrayUnion" ? TransformKind::kArrayUnion : TransformKind::kArrayRemove;
      if (arg.type() != element_type::ARRAY) {
        return Err(path, std::string(key) + " takes an array");
      }
      ASSIGN_OR_RETURN(t.operand,
                       Decode(arg, static_cast<int>(path.size()), path, Context::kPlain));
    }
    write_->transforms.push_back(std::move(t));
    return Status::Ok();
  }

  Result<Value> DecodeObject(simdjson::dom::object obj, int depth, const FieldPath& path,
                             Context ctx) {
    if (obj.size() == 1) {
      auto [key, arg] = *obj.begin();
      if (!key.empty() && key[0] == '$') return DecodeTagged(key, arg, depth, path, ctx);
    }
    ASSIGN_OR_RETURN(Map fields, DecodeFields(obj, depth + 1, path, ctx));
    return Value::FromMap(std::move(fields));
  }

  Result<Value> DecodeTagged(std::string_view tag, element arg, int depth, const FieldPath& path,
                             Context ctx) {
    if (tag == "$timestamp") {
      if (arg.type() != element_type::STRING) return Err(path, "$timestamp takes a string");
      auto ts = Timestamp::Parse(std::string_view(arg));
      if (!ts.ok()) return Err(path, ts.status().message());
      return Value::FromTimestamp(*ts);
    }
    if (tag == "$bytes") {
      if (arg.type() != element_type::STRING) return Err(path, "$bytes takes a base64 string");
      auto bytes = Base64Decode(std::string_view(arg));
      if (!bytes) return Err(path, "$bytes is not valid base64");
      return Value::FromBytes(std::move(*bytes));
    }
    if (tag == "$ref") {
      if (arg.type() != element_type::STRING) return Err(path, "$ref takes a document path");
      auto ref = ResourcePath::Parse(std::string_view(arg));
      if (!ref.ok()) return Err(path, ref.status().message());
      if (!ref->IsDocument()) return Err(path, "$ref must name a document (an even path)");
      return Value::FromReference(ref->ToString());
    }
    if (tag == "$geo") {
      if (arg.type() != element_type::ARRAY || simdjson::dom::array(arg).size() != 2) {
        return Err(path, "$geo takes [latitude, longitude]");
      }
      double coords[2];
      int i = 0;
      for (element c : simdjson::dom::array(arg)) {
        if (c.type() == element_type::INT64) {
          coords[i++] = static_cast<double>(int64_t(c));
        } else if (c.type() == element_type::DOUBLE) {
          coords[i++] = double(c);
        } else {
          return Err(path, "$geo coordinates must be numbers");
        }
      }
      if (!(coords[0] >= -90 && coords[0] <= 90) || !(coords[1] >= -180 && coords[1] <= 180)) {
        return Err(path, "$geo latitude must be in [-90, 90] and longitude in [-180, 180]");
      }
      return Value::FromGeoPoint(coords[0], coords[1]);
    }
    if (tag == "$double") {
      if (arg.type() == element_type::DOUBLE) return Value::Double(double(arg));
      if (arg.type() == element_type::INT64) return Value::Double(double(int64_t(arg)));
      std::string_view s = arg.type() == element_type::STRING ? std::string_view(arg) : "";
      if (s == "NaN") return Value::Double(std::numeric_limits<double>::quiet_NaN());
      if (s == "Infinity") return Value::Double(std::numeric_limits<double>::infinity());
      if (s == "-Infinity") return Value::Double(-std::numeric_limits<double>::infinity());
      return Err(path, "$double takes a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    }
    if (tag == "$map") {
      if (arg.type() != element_type::OBJECT) return Err(path, "$map takes an object");
      ASSIGN_OR_RETURN(Map fields,
                       DecodeFields(simdjson::dom::object(arg), depth + 1, path,
                                    ctx == Context::kInsideArray ? ctx : Context::kPlain));
      return Value::FromMap(std::move(fields));
    }
    if (tag == "$serverTimestamp" || tag == "$increment" || tag == "$arrayUnion" ||
        tag == "$arrayRemove" || tag == "$delete") {
      if (ctx == Context::kInsideArray)
        return Err(path, std::string(tag) + " is not allowed inside an array");
      if (write_ == nullptr) return Err(path, std::string(tag) + " is allowed only in writes");
      return Err(path, std::string(tag) + " is not allowed here");
    }
    return Err(path, "unknown tag '" + std::string(tag).substr(0, 64) +
                         "' (wrap a literal map in {\"$map\": ...})");
  }

  static Status Err(const FieldPath& path, std::string_view what) {
    std::string msg =
        path.empty() ? std::string(what) : "field '" + path.ToString() + "': " + std::string(what);
    return InvalidArgument(std::move(msg));
  }
  static Status DepthError(const FieldPath& path) {
    return Err(path, "nesting deeper than 20 levels of maps and arrays");
  }

 private:
  WriteData* write_;
  WriteMode mode_;
};

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Result<element> ParseRoot(std::string_view json) {
  element root;
  auto error = ThreadParser().parse(json.data(), json.size()).get(root);
  if (error) {
    return InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(error));
  }
  return root;
}

// Rejects {"a": 1, "a.b": 2}: one update may not name a field and its descendant.
Status CheckNoPrefixConflicts(std::vector<FieldPath> paths) {
  std::sort(paths.begin(), paths.end());
  for (size_t i = 1; i < paths.size(); ++i) {
    if (paths[i - 1].IsPrefixOf(paths[i])) {
      return InvalidArgument("field '" + paths[i - 1].ToString() + "' is named twice or with '" +
                             paths[i].ToString() + "' in one write");
    }
  }
  return Status::Ok();
}

}  // namespace

namespace {

Result<WriteData> WriteDataFromElement(element root, WriteMode mode) {
  if (root.type() != element_type::OBJECT) {
    return InvalidArgument("document data must be a JSON object");
  }
  WriteData out;
  Decoder decoder(&out, mode);
  if (mode != WriteMode::kUpdate) {
    ASSIGN_OR_RETURN(out.fields, decoder.DecodeFields(simdjson::dom::object(root), 1, FieldPath(),
                                                      Context::kWriteField));
    return out;
  }
  // Update: each top-level key is a field path; nested maps below it are plain values
  // (with transforms allowed inside them, as Firestore's update does).
  std::vector<FieldPath> all_paths;
  for (auto [key, child] : simdjson::dom::object(root)) {
    ASSIGN_OR_RETURN(FieldPath path, FieldPath::Parse(key));
    if (path.IsDocumentName()) {
      return InvalidArgument("field names of the form __.*__ are reserved: '__name__'");
    }
    all_paths.push_back(path);
    if (Decoder::IsTransformObject(child)) {
      RETURN_IF_ERROR(decoder.AddTransform(simdjson::dom::object(child), path, true));
      if (!out.deletes.empty() && out.deletes.back() == path) out.top_level_paths.push_back(path);
      continue;
    }
    ASSIGN_OR_RETURN(
        Value v, decoder.Decode(child, static_cast<int>(path.size()), path, Context::kWriteField));
    SetField(out.fields, path, std::move(v));
    out.top_level_paths.push_back(path);
  }
  RETURN_IF_ERROR(CheckNoPrefixConflicts(std::move(all_paths)));
  return out;
}

}  // namespace

Result<WriteData> ParseWriteData(std::string_view json, WriteMode mode) {
  ASSIGN_OR_RETURN(element root, ParseRoot(json));
  return WriteDataFromElement(root, mode);
}

Result<Map> ParseDocumentJson(std::string_view json) {
  ASSIGN_OR_RETURN(element root, ParseRoot(json));
  if (root.type() != element_type::OBJECT) {
    return InvalidArgument("document data must be a JSON object");
  }
  Decoder decoder(nullptr, WriteMode::kSet);
  return decoder.DecodeFields(simdjson::dom::object(root), 1, FieldPath(), Context::kPlain);
}

Result<Value> ParseValueJson(std::string_view json) {
  ASSIGN_OR_RETURN(element root, ParseRoot(json));
  Decoder decoder(nullptr, WriteMode::kSet);
  return decoder.Decode(root, 1, FieldPath(), Context::kPlain);
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

namespace {

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += R"({"$double":"NaN"})";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? R"({"$double":"Infinity"})" : R"({"$double":"-Infinity"})";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  // Keep doubles doubles on the way back in: 1.0 must not come back as the integer 1.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

void AppendMapJson(std::string& out, const Map& m) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, value] : m) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, key);
    out.push_back(':');
    AppendValueJson(out, value);
  }
  out.push_back('}');
}

void AppendValueJson(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      out += "null";
      return;
    case Value::Type::kBoolean:
      out += v.boolean_value() ? "true" : "false";
      return;
    case Value::Type::kInteger: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.integer_value());
      out.append(buf, end);
      return;
    }
    case Value::Type::kDouble:
      AppendDouble(out, v.double_value());
      return;
    case Value::Type::kTimestamp:
      out += R"({"$timestamp":")";
      out += v.timestamp_value().ToString();
      out += "\"}";
      return;
    case Value::Type::kString:
      AppendJsonString(out, v.string_value());
      return;
    case Value::Type::kBytes:
      out += R"({"$bytes":")";
      out += Base64Encode(v.bytes_value());
      out += "\"}";
      return;
    case Value::Type::kReference:
      out += R"({"$ref":)";
      AppendJsonString(out, v.reference_value());
      out += "}";
      return;
    case Value::Type::kGeoPoint:
      out += R"({"$geo":[)";
      AppendDouble(out, v.geo_point_value().latitude);
      out.push_back(',');
      AppendDouble(out, v.geo_point_value().longitude);
      out += "]}";
      return;
    case Value::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.array_value()) {
        if (!first) out.push_back(',');
        first = false;
        AppendValueJson(out, e);
      }
      out.push_back(']');
      return;
    }
    case Value::Type::kMap: {
      const Map& m = v.map_value();
      // A map whose single key starts with '$' would read back as a tag: wrap it.
      bool wrap = m.size() == 1 && m.begin()->first.starts_with("$");
      if (wrap) out += R"({"$map":)";
      AppendMapJson(out, m);
      if (wrap) out.push_back('}');
      return;
    }
  }
}

std::string MapToJson(const Map& m) {
  std::string out;
  AppendMapJson(out, m);
  return out;
}

}  // namespace hearth::model

// JsonView / JsonDocument ---------------------------------------------------------------

namespace hearth::model {
namespace {

static_assert(sizeof(element) <= 16 && std::is_trivially_copyable_v<element>);

element ElementOf(const unsigned char* storage) {
  element e;
  std::memcpy(static_cast<void*>(&e), storage, sizeof(element));
  return e;
}

}  // namespace

JsonView::Kind JsonView::kind() const {
  switch (ElementOf(element_).type()) {
    case element_type::NULL_VALUE:
      return Kind::kNull;
    case element_type::BOOL:
      return Kind::kBool;
    case element_type::INT64:
    case element_type::UINT64:
      return Kind::kInteger;
    case element_type::DOUBLE:
      return Kind::kDouble;
    case element_type::STRING:
      return Kind::kString;
    case element_type::ARRAY:
      return Kind::kArray;
    case element_type::OBJECT:
      return Kind::kObject;
  }
  return Kind::kNull;
}

bool JsonView::AsBool() const { return bool(ElementOf(element_)); }
int64_t JsonView::AsInteger() const {
  element e = ElementOf(element_);
  return e.type() == element_type::INT64 ? int64_t(e) : static_cast<int64_t>(uint64_t(e));
}
std::string_view JsonView::AsString() const { return std::string_view(ElementOf(element_)); }

std::vector<JsonView> JsonView::Elements() const {
  std::vector<JsonView> out;
  for (element child : simdjson::dom::array(ElementOf(element_))) {
    JsonView v;
    std::memcpy(v.element_, static_cast<const void*>(&child), sizeof(element));
    out.push_back(v);
  }
  return out;
}

std::vector<std::pair<std::string_view, JsonView>> JsonView::Members() const {
  std::vector<std::pair<std::string_view, JsonView>> out;
  for (auto [key, child] : simdjson::dom::object(ElementOf(element_))) {
    JsonView v;
    std::memcpy(v.element_, static_cast<const void*>(&child), sizeof(element));
    out.emplace_back(key, v);
  }
  return out;
}

std::optional<JsonView> JsonView::Get(std::string_view key) const {
  for (auto& [k, v] : Members()) {
    if (k == key) return v;
  }
  return std::nullopt;
}

Status JsonView::CheckKeys(std::string_view where,
                           std::initializer_list<std::string_view> allowed) const {
  std::vector<std::string_view> seen;
  for (auto& [k, v] : Members()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return InvalidArgument(std::string(where) + ": unknown key '" + std::string(k.substr(0, 64)) +
                             "' (expected: " + list + ")");
    }
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) {
      return InvalidArgument(std::string(where) + ": key '" + std::string(k) + "' repeated");
    }
    seen.push_back(k);
  }
  return Status::Ok();
}

Result<Value> JsonView::ToValue() const {
  Decoder decoder(nullptr, WriteMode::kSet);
  return decoder.Decode(ElementOf(element_), 1, FieldPath(), Context::kPlain);
}

Result<WriteData> JsonView::ToWriteData(WriteMode mode) const {
  return WriteDataFromElement(ElementOf(element_), mode);
}

JsonDocument::JsonDocument() : parser_(std::make_unique<simdjson::dom::parser>()) {}
JsonDocument::JsonDocument(JsonDocument&&) noexcept = default;
JsonDocument& JsonDocument::operator=(JsonDocument&&) noexcept = default;
JsonDocument::~JsonDocument() = default;

Result<JsonDocument> JsonDocument::Parse(std::string_view json) {
  JsonDocument doc;
  element root;
  auto error = doc.parser_->parse(json.data(), json.size()).get(root);
  if (error) {
    return InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(error));
  }
  std::memcpy(doc.root_.element_, static_cast<const void*>(&root), sizeof(element));
  return doc;
}

}  // namespace hearth::model
