// Helpers shared by the model tests: a seeded random Value generator covering every type
// and its edge cases, strict (type-exact) equality, and readable descriptions of values.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/value.h"

namespace hearth::model::testing {

inline int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

// Short builders and constants shared by the model tests.
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
inline Value I(int64_t v) { return Value::Integer(v); }
inline Value D(double v) { return Value::Double(v); }
inline Value S(std::string v) { return Value::String(std::move(v)); }
inline Value Ref(std::string v) { return Value::FromReference(std::move(v)); }
inline Value Arr(std::vector<Value> v) { return Value::FromArray(std::move(v)); }

// Bytes as printable text: printable ASCII as is, everything else as \xNN.
inline std::string Escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

inline std::string Hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

inline std::string DescribeDouble(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

// An unambiguous description, distinguishing 1 from 1.0 and showing every byte.
inline std::string Describe(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBoolean:
      return v.boolean_value() ? "true" : "false";
    case Value::Type::kInteger:
      return std::to_string(v.integer_value());
    case Value::Type::kDouble:
      return "double(" + DescribeDouble(v.double_value()) + ")";
    case Value::Type::kTimestamp:
      return "ts(" + std::to_string(v.timestamp_value().seconds) + "s " +
             std::to_string(v.timestamp_value().nanos) + "ns)";
    case Value::Type::kString:
      return "\"" + Escape(v.string_value()) + "\"";
    case Value::Type::kBytes:
      return "bytes(\"" + Escape(v.bytes_value()) + "\")";
    case Value::Type::kReference:
      return "ref(\"" + Escape(v.reference_value()) + "\")";
    case Value::Type::kGeoPoint:
      return "geo(" + DescribeDouble(v.geo_point_value().latitude) + ", " +
             DescribeDouble(v.geo_point_value().longitude) + ")";
    case Value::Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < v.array_value().size(); ++i) {
        if (i > 0) out += ", ";
        out += Describe(v.array_value()[i]);
      }
      return out + "]";
    }
    case Value::Type::kMap: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, e] : v.map_value()) {
        if (!first) out += ", ";
        first = false;
        out += "\"" + Escape(k) + "\": " + Describe(e);
      }
      return out + "}";
    }
  }
  return "?";
}

inline bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

// Equal types all the way down (1 != 1.0), doubles equal including the sign of zero.
inline bool StrictEqual(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kNull:
      return true;
    case Value::Type::kBoolean:
      return a.boolean_value() == b.boolean_value();
    case Value::Type::kInteger:
      return a.integer_value() == b.integer_value();
    case Value::Type::kDouble:
      return SameDouble(a.double_value(), b.double_value());
    case Value::Type::kTimestamp:
      return a.timestamp_value() == b.timestamp_value();
    case Value::Type::kString:
      return a.string_value() == b.string_value();
    case Value::Type::kBytes:
      return a.bytes_value() == b.bytes_value();
    case Value::Type::kReference:
      return a.reference_value() == b.reference_value();
    case Value::Type::kGeoPoint:
      return SameDouble(a.geo_point_value().latitude, b.geo_point_value().latitude) &&
             SameDouble(a.geo_point_value().longitude, b.geo_point_value().longitude);
    case Value::Type::kArray: {
      const Array& x = a.array_value();
      const Array& y = b.array_value();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!StrictEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Type::kMap: {
      const Map& x = a.map_value();
      const Map& y = b.map_value();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
        if (i->first != j->first || !StrictEqual(i->second, j->second)) return false;
      }
      return true;
    }
  }
  return false;
}

inline bool StrictEqualMaps(const Map& a, const Map& b) {
  return StrictEqual(Value::FromMap(a), Value::FromMap(b));
}

// Generates values from small pools, so random pairs often tie or differ only slightly, and
// from full-range randomness. With `json_safe`, every value is one the JSON codec can
// represent: valid UTF-8 text, document references with valid IDs, in-range geo points,
// timestamps in years 1..9999, no NaN coordinates.
class ValueGenerator {
 public:
  ValueGenerator(uint64_t seed, bool json_safe) : rng_(seed), json_safe_(json_safe) {}

  std::mt19937_64& rng() { return rng_; }

  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

  int64_t EdgeInteger() {
    static const int64_t kPool[] = {
        0,
        1,
        -1,
        2,
        -2,
        7,
        1000,
        std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::min() + 1,
        std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::max() - 1,
        (int64_t{1} << 53) - 1,
        int64_t{1} << 53,
        (int64_t{1} << 53) + 1,
        (int64_t{1} << 53) + 2,
        (int64_t{1} << 53) + 3,
        -(int64_t{1} << 53) - 1,
        -(int64_t{1} << 53),
        -(int64_t{1} << 53) + 1,
        int64_t{1} << 62,
        (int64_t{1} << 62) + 1,
        std::numeric_limits<int64_t>::max() - 1023,
        std::numeric_limits<int64_t>::max() - 1024,
        std::numeric_limits<int64_t>::max() - 512,
        std::numeric_limits<int64_t>::min() + 1024,
        std::numeric_limits<int64_t>::min() + 1025,
    };
    switch (Below(4)) {
      case 0:
        return static_cast<int64_t>(rng_());
      case 1:
        return static_cast<int64_t>(Below(21)) - 10;
      case 2: {
        // Near a power of two, where doubles get sparse.
        int shift = static_cast<int>(Below(63));
        int64_t base = int64_t{1} << shift;
        int64_t v = base + static_cast<int64_t>(Below(5)) - 2;
        return OneIn(2) ? v : -v;
      }
      default:
        return kPool[Below(std::size(kPool))];
    }
  }

  double EdgeDouble() {
    static const double kInf = std::numeric_limits<double>::infinity();
    static const double kPool[] = {
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.0,
        0.1,
        kInf,
        -kInf,
        std::numeric_limits<double>::max(),
        -std::numeric_limits<double>::max(),
        std::numeric_limits<double>::min(),
        -std::numeric_limits<double>::min(),
        std::numeric_limits<double>::denorm_min(),
        -std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::denorm_min() * 3,
        9007199254740992.0,  // 2^53
        9007199254740994.0,  // 2^53 + 2
        9007199254740991.0,  // 2^53 - 1
        -9007199254740992.0,
        9223372036854775807.0,   // rounds to 2^63
        -9223372036854775808.0,  // -2^63
        9223372036854774784.0,   // 2^63 - 1024, the largest double below 2^63
        -9223372036854777856.0,  // -2^63 - 2048
        4611686018427387904.0,   // 2^62
        18446744073709551616.0,  // 2^64
        1e300,
        -1e-300,
    };
    switch (Below(6)) {
      case 0: {
        // NaN (either sign) now and then; JSON-safe values spell it as {"$double": "NaN"}.
        if (OneIn(3)) {
          double nan = std::numeric_limits<double>::quiet_NaN();
          return OneIn(2) ? nan : -nan;
        }
        return kPool[Below(std::size(kPool))];
      }
      case 1: {
        // Arbitrary bits: any finite double, denormals included.
        for (;;) {
          double d = std::bit_cast<double>(rng_());
          if (!std::isnan(d)) return d;
        }
      }
      case 2:
        return static_cast<double>(EdgeInteger());  // numerically equal to some int
      case 3: {
        double d = static_cast<double>(EdgeInteger());
        return std::nextafter(d, OneIn(2) ? kInf : -kInf);
      }
      case 4:
        return (static_cast<double>(Below(41)) - 20) / 4;  // small, often integral
      default:
        return kPool[Below(std::size(kPool))];
    }
  }

  Value Number() {
    if (OneIn(2)) return Value::Integer(EdgeInteger());
    return Value::Double(EdgeDouble());
  }

  std::string Text(int max_len) {
    // Pieces chosen to create prefixes, embedded NULs, and bytes across the whole range.
    static const char* const kUtf8Pieces[] = {"a",
                                              "b",
                                              "z",
                                              "A",
                                              "0",
                                              "\x01",
                                              "\x1f",
                                              " ",
                                              "\"",
                                              "\\",
                                              "$",
                                              ".",
                                              "`",
                                              "\x7f",
                                              "\xc3\xa9",
                                              "\xef\xbf\xbd",
                                              "\xf0\x9f\x98\x80",
                                              "\xe2\x82\xac"};
    std::string out;
    int len = static_cast<int>(Below(static_cast<uint64_t>(max_len) + 1));
    for (int i = 0; i < len; ++i) {
      uint64_t pick = Below(std::size(kUtf8Pieces) + 3);
      if (pick < std::size(kUtf8Pieces)) {
        out += kUtf8Pieces[pick];
      } else if (pick == std::size(kUtf8Pieces)) {
        out.push_back('\0');
      } else if (!json_safe_) {
        out.push_back(static_cast<char>(OneIn(2) ? 0xff : Below(256)));
      } else {
        out.push_back('a' + static_cast<char>(Below(3)));
      }
    }
    return out;
  }

  std::string RawBytes(int max_len) {
    std::string out(Below(static_cast<uint64_t>(max_len) + 1), '\0');
    static const unsigned char kPool[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
    for (char& c : out) {
      c = static_cast<char>(OneIn(2) ? kPool[Below(std::size(kPool))] : Below(256));
    }
    return out;
  }

  std::string Segment() {
    static const char* const kPool[] = {"a",     "b",     "ba",       "a0",  "b!",  "c",
                                        "users", "posts", "\xc3\xa9", "x-y", "abc", "ab"};
    if (!json_safe_ && OneIn(5)) {
      // Arbitrary bytes, possibly with NULs and 0xff (never '/').
      std::string s = RawBytes(4);
      for (char& c : s) {
        if (c == '/') c = '.';
      }
      if (s.empty()) s = "\x01";
      return s;
    }
    if (OneIn(6)) {
      // A random identifier, still short.
      std::string s;
      size_t n = 1 + Below(3);
      for (size_t i = 0; i < n; ++i) s.push_back('a' + static_cast<char>(Below(3)));
      return s;
    }
    return kPool[Below(std::size(kPool))];
  }

  std::string ReferencePath() {
    size_t n = json_safe_ ? 2 * (1 + Below(3)) : 1 + Below(6);
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back('/');
      out += Segment();
    }
    return out;
  }

  Timestamp RandomTimestamp() {
    static constexpr int64_t kMin = -62135596800;
    static constexpr int64_t kMax = 253402300799;
    static const int64_t kSeconds[] = {kMin, kMin + 1, -1, 0, 1, 1767323045, kMax - 1, kMax};
    static const int32_t kNanos[] = {0, 1, 999, 1000, 500'000'000, 999'999'999};
    int64_t s = OneIn(2) ? kSeconds[Below(std::size(kSeconds))]
                         : kMin + static_cast<int64_t>(Below(static_cast<uint64_t>(kMax - kMin)));
    int32_t n =
        OneIn(2) ? kNanos[Below(std::size(kNanos))] : static_cast<int32_t>(Below(1'000'000'000));
    return {s, n};
  }

  double Coordinate(double limit) {
    static const double kPool[] = {0.0, -0.0, 1.0, -1.0, 0.5, 45.25, -45.25};
    switch (Below(5)) {
      case 0:
        return limit;
      case 1:
        return -limit;
      case 2: {
        if (!json_safe_ && OneIn(4)) return std::numeric_limits<double>::quiet_NaN();
        return kPool[Below(std::size(kPool))];
      }
      default:
        return (std::uniform_real_distribution<double>(-limit, limit))(rng_);
    }
  }

  Value Scalar() {
    switch (Below(9)) {
      case 0:
        return Value::Null();
      case 1:
        return Value::Boolean(OneIn(2));
      case 2:
      case 3:
        return Number();
      case 4:
        return Value::FromTimestamp(RandomTimestamp());
      case 5:
        return Value::String(Text(4));
      case 6:
        return Value::FromBytes(json_safe_ ? RawBytes(6) : (OneIn(2) ? RawBytes(4) : Text(3)));
      case 7:
        return Value::FromReference(ReferencePath());
      default:
        return Value::FromGeoPoint(Coordinate(90), Coordinate(180));
    }
  }

  std::string MapKey() {
    static const char* const kPool[] = {"a", "b", "c", "ab", "a\0"};
    uint64_t pick = Below(std::size(kPool) + 2);
    if (pick == 4) return std::string("a\0", 2);
    if (pick < std::size(kPool)) return kPool[pick];
    std::string t = Text(3);
    if (t.empty()) t = "k";
    if (json_safe_ && t.size() >= 4 && t.starts_with("__") && t.ends_with("__")) t = "k";
    return t;
  }

  // Any value; containers nest at most `depth` more levels.
  Value Any(int depth) {
    if (depth <= 0 || Below(10) < 7) return Scalar();
    if (OneIn(2)) {
      Array a;
      size_t n = Below(5);
      for (size_t i = 0; i < n; ++i) a.push_back(Any(depth - 1));
      return Value::FromArray(std::move(a));
    }
    Map m;
    size_t n = Below(5);
    for (size_t i = 0; i < n; ++i) m[MapKey()] = Any(depth - 1);
    return Value::FromMap(std::move(m));
  }

  // A value close to `v` (not JSON-safe: it may cut a UTF-8 sequence): equal, numerically equal
  // with the other number type, or off by a small step somewhere inside.
  Value Mutate(const Value& v, int depth) {
    switch (v.type()) {
      case Value::Type::kInteger: {
        int64_t i = v.integer_value();
        switch (Below(4)) {
          case 0: {
            double d = static_cast<double>(i);
            return Value::Double(d);  // equal when exact, a neighbour otherwise
          }
          case 1:
            return Value::Integer(i == std::numeric_limits<int64_t>::max() ? i : i + 1);
          case 2:
            return Value::Integer(i == std::numeric_limits<int64_t>::min() ? i : i - 1);
          default:
            return v;
        }
      }
      case Value::Type::kDouble: {
        double d = v.double_value();
        switch (Below(4)) {
          case 0:
            if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 &&
                d < 9223372036854775808.0) {
              return Value::Integer(static_cast<int64_t>(d));
            }
            return v;
          case 1:
            return Value::Double(std::nextafter(d, std::numeric_limits<double>::infinity()));
          case 2:
            return Value::Double(-d);
          default:
            return v;
        }
      }
      case Value::Type::kString: {
        std::string s = v.string_value();
        if (OneIn(2) && !s.empty())
          s.pop_back();
        else
          s.push_back(OneIn(2) ? '\0' : 'a');
        return OneIn(3) ? v : Value::String(s);
      }
      case Value::Type::kTimestamp: {
        Timestamp t = v.timestamp_value();
        if (OneIn(2) && t.nanos < 999'999'999) ++t.nanos;
        return Value::FromTimestamp(t);
      }
      case Value::Type::kArray: {
        Array a = v.array_value();
        if (a.empty() || OneIn(4)) {
          if (OneIn(2) || a.empty())
            a.push_back(Any(depth));
          else
            a.pop_back();
        } else {
          size_t i = Below(a.size());
          a[i] = Mutate(a[i], depth - 1);
        }
        return Value::FromArray(std::move(a));
      }
      case Value::Type::kMap: {
        Map m = v.map_value();
        if (m.empty() || OneIn(4)) {
          m[MapKey()] = Any(depth);
        } else {
          auto it = m.begin();
          std::advance(it, static_cast<long>(Below(m.size())));
          it->second = Mutate(it->second, depth - 1);
        }
        return Value::FromMap(std::move(m));
      }
      default:
        return OneIn(2) ? v : Scalar();
    }
  }

 private:
  std::mt19937_64 rng_;
  bool json_safe_;
};

}  // namespace hearth::model::testing
