// Value: one Firestore value of any type, and the total order Firestore defines on them.
//
// Values are plain data: copyable, movable, safe to share between threads when not mutated.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/timestamp.h"

namespace hearth::model {

class Value;
using Array = std::vector<Value>;
// Ordered by key (UTF-8 byte order), which is also the order Firestore compares maps in.
using Map = std::map<std::string, Value, std::less<>>;

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
// A reference to a document, held as its canonical path ("posts/abc").
struct Reference {
  std::string path;
  bool operator==(const Reference&) const = default;
};
struct GeoPoint {
  double latitude = 0;   // [-90, 90]
  double longitude = 0;  // [-180, 180]
  bool operator==(const GeoPoint&) const = default;
};

class Value {
 public:
  // Declaration order is not the sort order; see TypeOrder().
  enum class Type : uint8_t {
    kNull,
    kBoolean,
    kInteger,
    kDouble,
    kTimestamp,
    kString,
    kBytes,
    kReference,
    kGeoPoint,
    kArray,
    kMap,
  };

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Boolean(bool v) { return Value(Rep(v)); }
  static Value Integer(int64_t v) { return Value(Rep(v)); }
  static Value Double(double v) { return Value(Rep(v)); }
  static Value FromTimestamp(Timestamp v) { return Value(Rep(v)); }
  static Value String(std::string v) { return Value(Rep(std::move(v))); }
  static Value FromBytes(std::string v) { return Value(Rep(Bytes{std::move(v)})); }
  static Value FromReference(std::string path) { return Value(Rep(Reference{std::move(path)})); }
  static Value FromGeoPoint(double lat, double lng) { return Value(Rep(GeoPoint{lat, lng})); }
  static Value FromArray(Array v) { return Value(Rep(std::move(v))); }
  static Value FromMap(Map v) { return Value(Rep(std::move(v))); }

  Type type() const { return static_cast<Type>(rep_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_number() const { return type() == Type::kInteger || type() == Type::kDouble; }
  bool is_map() const { return type() == Type::kMap; }
  bool is_array() const { return type() == Type::kArray; }

  // REQUIRES: the value has the accessor's type.
  bool boolean_value() const { return std::get<bool>(rep_); }
  int64_t integer_value() const { return std::get<int64_t>(rep_); }
  double double_value() const { return std::get<double>(rep_); }
  const Timestamp& timestamp_value() const { return std::get<Timestamp>(rep_); }
  const std::string& string_value() const { return std::get<std::string>(rep_); }
  const std::string& bytes_value() const { return std::get<Bytes>(rep_).data; }
  const std::string& reference_value() const { return std::get<Reference>(rep_).path; }
  const GeoPoint& geo_point_value() const { return std::get<GeoPoint>(rep_); }
  const Array& array_value() const { return std::get<Array>(rep_); }
  Array& array_value() { return std::get<Array>(rep_); }
  const Map& map_value() const { return std::get<Map>(rep_); }
  Map& map_value() { return std::get<Map>(rep_); }

  // A number as double (integers converted, possibly rounding). REQUIRES: is_number().
  double AsDouble() const;

 private:
  using Rep = std::variant<std::monostate, bool, int64_t, double, Timestamp, std::string, Bytes,
                           Reference, GeoPoint, Array, Map>;
  explicit Value(Rep rep) : rep_(std::move(rep)) {}
  Rep rep_;
};

// The rank of a type in Firestore's cross-type order: null < boolean < number < timestamp <
// string < bytes < reference < geopoint < array < map. Integer and double share a rank.
int TypeOrder(Value::Type type);

// Firestore's total order: -1, 0 or 1. Integers and doubles compare numerically (1 == 1.0),
// NaN sorts before every other number and equals itself, -0.0 equals 0.0.
int Compare(const Value& a, const Value& b);
// Compare(a, b) == 0.
bool operator==(const Value& a, const Value& b);

// Exact numeric comparison of an int64 and a double (no rounding).
int CompareIntDouble(int64_t i, double d);

}  // namespace hearth::model
