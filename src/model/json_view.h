// JsonDocument / JsonView: read-only access to a parsed JSON request body whose shape is
// an API's own (a commit's list of writes, a query), without exposing simdjson to callers.
// Values inside are decoded with the same rules as documents (model/json.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/json.h"
#include "model/value.h"

namespace simdjson::dom {
class parser;
}

namespace hearth::model {

class JsonView {
 public:
  enum class Kind { kNull, kBool, kInteger, kDouble, kString, kArray, kObject };

  Kind kind() const;
  bool is_object() const { return kind() == Kind::kObject; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_string() const { return kind() == Kind::kString; }

  // REQUIRES: the matching kind.
  bool AsBool() const;
  int64_t AsInteger() const;
  std::string_view AsString() const;
  // Array elements, in order.
  std::vector<JsonView> Elements() const;
  // Object members, in order (keys may repeat: check with CheckKeys()).
  std::vector<std::pair<std::string_view, JsonView>> Members() const;
  // The member `key` of an object, or nullopt.
  std::optional<JsonView> Get(std::string_view key) const;

  // `invalid-argument` naming `where` if an object has a key outside `allowed` or a
  // repeated key.
  Status CheckKeys(std::string_view where, std::initializer_list<std::string_view> allowed) const;

  // A Firestore value in the API's JSON format (tags allowed, transforms not).
  Result<Value> ToValue() const;
  // A write body (an object) in `mode`, as ParseWriteData(string, mode).
  Result<WriteData> ToWriteData(WriteMode mode) const;

 private:
  friend class JsonDocument;
  alignas(8) unsigned char element_[16];  // a simdjson::dom::element
};

// Owns a parsed JSON text (and its own parser, so other parses on this thread do not
// disturb it). Move-only.
class JsonDocument {
 public:
  static Result<JsonDocument> Parse(std::string_view json);
  JsonDocument(JsonDocument&&) noexcept;
  JsonDocument& operator=(JsonDocument&&) noexcept;
  ~JsonDocument();

  JsonView root() const { return root_; }

 private:
  JsonDocument();
  std::unique_ptr<simdjson::dom::parser> parser_;
  JsonView root_;
};

}  // namespace hearth::model
