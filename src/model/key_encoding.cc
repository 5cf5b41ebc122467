#include "model/key_encoding.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace hearth::model {
namespace {

// One tag per type rank (TypeOrder); gaps leave room for future types. Non-zero, so the
// 0x00 end-of-container marker sorts before any element.
enum Tag : unsigned char {
  kNullTag = 0x05,
  kBooleanTag = 0x0A,
  kNumberTag = 0x0F,
  kTimestampTag = 0x14,
  kStringTag = 0x19,
  kBytesTag = 0x1E,
  kReferenceTag = 0x23,
  kGeoPointTag = 0x28,
  kArrayTag = 0x2D,
  kMapTag = 0x32,
};

void AppendBigEndian64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Maps a (non-NaN) double to a uint64 whose unsigned order is the double's numeric order.
uint64_t SortableDouble(double d) {
  if (d == 0) d = 0;  // -0.0 == 0.0
  auto bits = std::bit_cast<uint64_t>(d);
  return (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
}

// Numbers: integers and doubles interleave by exact value. A number v is written as
// (D, r): D the largest double <= v, r = v - D (an integer, 0 for doubles; for an int64
// 0 <= r < 2048 because doubles near 2^63 are 2048 apart). Since v < nextafter(D), the
// pair order is the numeric order, and equal numbers give equal pairs.
void AppendNumber(std::string& out, const Value& v) {
  out.push_back(static_cast<char>(kNumberTag));
  if (v.type() == Value::Type::kDouble) {
    double d = v.double_value();
    if (std::isnan(d)) {
      out.push_back(0x00);  // NaN sorts before every other number
      return;
    }
    out.push_back(0x01);
    AppendBigEndian64(out, SortableDouble(d));
    out.append(2, '\0');
    return;
  }
  int64_t i = v.integer_value();
  double d = static_cast<double>(i);  // rounds to nearest; step down if it rounded up
  if (CompareIntDouble(i, d) < 0) d = std::nextafter(d, -INFINITY);
  // i - d is exact: both are within 2^63 and d = i rounded down to a 2^k grid.
  uint64_t r = static_cast<uint64_t>(i) - static_cast<uint64_t>(static_cast<int64_t>(d));
  out.push_back(0x01);
  AppendBigEndian64(out, SortableDouble(d));
  out.push_back(static_cast<char>(r >> 8));
  out.push_back(static_cast<char>(r & 0xFF));
}

// Byte strings: 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01. Order-preserving and
// self-delimiting (the terminator sorts before any continuation).
void AppendEscaped(std::string& out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\0') continue;
    out.append(s.data() + start, i - start + 1);
    out.push_back(static_cast<char>(0xFF));
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('\0');
  out.push_back(0x01);
}

}  // namespace

void AppendKey(std::string& out, const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull:
      out.push_back(static_cast<char>(kNullTag));
      return;
    case Value::Type::kBoolean:
      out.push_back(static_cast<char>(kBooleanTag));
      out.push_back(value.boolean_value() ? 1 : 0);
      return;
    case Value::Type::kInteger:
    case Value::Type::kDouble:
      AppendNumber(out, value);
      return;
    case Value::Type::kTimestamp: {
      out.push_back(static_cast<char>(kTimestampTag));
      const Timestamp& t = value.timestamp_value();
      AppendBigEndian64(out, static_cast<uint64_t>(t.seconds) ^ (uint64_t{1} << 63));
      auto n = static_cast<uint32_t>(t.nanos);
      for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
      return;
    }
    case Value::Type::kString:
      out.push_back(static_cast<char>(kStringTag));
      AppendEscaped(out, value.string_value());
      return;
    case Value::Type::kBytes:
      out.push_back(static_cast<char>(kBytesTag));
      AppendEscaped(out, value.bytes_value());
      return;
    case Value::Type::kReference: {
      // Segment by segment, then 0x00 0x00: a shorter path sorts first, and the end marker
      // sorts before any segment (segments are non-empty; a leading 0x00 escapes to 00 FF).
      out.push_back(static_cast<char>(kReferenceTag));
      std::string_view path = value.reference_value();
      while (true) {
        size_t slash = path.find('/');
        AppendEscaped(out, path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
      }
      out.push_back('\0');
      out.push_back('\0');
      return;
    }
    case Value::Type::kGeoPoint: {
      out.push_back(static_cast<char>(kGeoPointTag));
      const GeoPoint& g = value.geo_point_value();
      AppendBigEndian64(out, std::isnan(g.latitude) ? 0 : SortableDouble(g.latitude));
      AppendBigEndian64(out, std::isnan(g.longitude) ? 0 : SortableDouble(g.longitude));
      return;
    }
    case Value::Type::kArray:
      out.push_back(static_cast<char>(kArrayTag));
      for (const auto& e : value.array_value()) AppendKey(out, e);
      out.push_back('\0');
      return;
    case Value::Type::kMap:
      out.push_back(static_cast<char>(kMapTag));
      for (const auto& [k, v] : value.map_value()) {
        out.push_back(static_cast<char>(kStringTag));
        AppendEscaped(out, k);
        AppendKey(out, v);
      }
      out.push_back('\0');
      return;
  }
}

std::string EncodeKey(const Value& value) {
  std::string out;
  AppendKey(out, value);
  return out;
}

void AppendDescendingKey(std::string& out, const Value& value) {
  size_t start = out.size();
  AppendKey(out, value);
  for (size_t i = start; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
  // Inverting reverses the order only because no encoding is a proper prefix of another
  // (they are self-delimiting): two encodings always differ at some byte.
}

}  // namespace hearth::model
