#include "model/value.h"

#include <cmath>

namespace hearth::model {
namespace {

template <typename T>
int Sign3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareDoubles(double a, double b) {
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an || bn) return an && bn ? 0 : (an ? -1 : 1);
  return Sign3(a, b);  // -0.0 == 0.0 here, as Firestore wants
}

int CompareNumbers(const Value& a, const Value& b) {
  bool ai = a.type() == Value::Type::kInteger, bi = b.type() == Value::Type::kInteger;
  if (ai && bi) return Sign3(a.integer_value(), b.integer_value());
  if (!ai && !bi) return CompareDoubles(a.double_value(), b.double_value());
  if (ai) return CompareIntDouble(a.integer_value(), b.double_value());
  return -CompareIntDouble(b.integer_value(), a.double_value());
}

int CompareStrings(std::string_view a, std::string_view b) {
  int c = a.compare(b);  // char_traits<char>::compare is memcmp: UTF-8 byte order
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// References compare segment by segment ("a/b" < "a/b/c" < "a/ba"), not as flat strings.
int CompareReferences(std::string_view a, std::string_view b) {
  for (;;) {
    size_t ea = a.find('/'), eb = b.find('/');
    int c = CompareStrings(a.substr(0, ea), b.substr(0, eb));
    if (c != 0) return c;
    bool a_done = ea == std::string_view::npos, b_done = eb == std::string_view::npos;
    if (a_done || b_done) return a_done && b_done ? 0 : (a_done ? -1 : 1);
    a.remove_prefix(ea + 1);
    b.remove_prefix(eb + 1);
  }
}

}  // namespace

double Value::AsDouble() const {
  return type() == Type::kInteger ? static_cast<double>(integer_value()) : double_value();
}

int TypeOrder(Value::Type type) {
  switch (type) {
    case Value::Type::kNull:
      return 0;
    case Value::Type::kBoolean:
      return 1;
    case Value::Type::kInteger:
    case Value::Type::kDouble:
      return 2;
    case Value::Type::kTimestamp:
      return 3;
    case Value::Type::kString:
      return 4;
    case Value::Type::kBytes:
      return 5;
    case Value::Type::kReference:
      return 6;
    case Value::Type::kGeoPoint:
      return 7;
    case Value::Type::kArray:
      return 8;
    case Value::Type::kMap:
      return 9;
  }
  return 10;
}

int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return 1;
  // 2^63 is exactly representable; every int64 is below it and at or above -2^63.
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double t = std::trunc(d);
  auto ti = static_cast<int64_t>(t);  // exact: |t| < 2^63
  if (i != ti) return i < ti ? -1 : 1;
  double frac = d - t;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

int Compare(const Value& a, const Value& b) {
  int ta = TypeOrder(a.type()), tb = TypeOrder(b.type());
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (a.type()) {
    case Value::Type::kNull:
      return 0;
    case Value::Type::kBoolean:
      return Sign3(a.boolean_value(), b.boolean_value());
    case Value::Type::kInteger:
    case Value::Type::kDouble:
      return CompareNumbers(a, b);
    case Value::Type::kTimestamp:
      return Sign3(a.timestamp_value(), b.timestamp_value());
    case Value::Type::kString:
      return CompareStrings(a.string_value(), b.string_value());
    case Value::Type::kBytes:
      return CompareStrings(a.bytes_value(), b.bytes_value());
    case Value::Type::kReference:
      return CompareReferences(a.reference_value(), b.reference_value());
    case Value::Type::kGeoPoint: {
      int c = CompareDoubles(a.geo_point_value().latitude, b.geo_point_value().latitude);
      return c != 0 ? c
                    : CompareDoubles(a.geo_point_value().longitude, b.geo_point_value().longitude);
    }
    case Value::Type::kArray: {
      const Array& x = a.array_value();
      const Array& y = b.array_value();
      for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
        int c = Compare(x[i], y[i]);
        if (c != 0) return c;
      }
      return Sign3(x.size(), y.size());
    }
    case Value::Type::kMap: {
      const Map& x = a.map_value();
      const Map& y = b.map_value();
      auto i = x.begin();
      auto j = y.begin();
      for (; i != x.end() && j != y.end(); ++i, ++j) {
        int c = CompareStrings(i->first, j->first);
        if (c != 0) return c;
        c = Compare(i->second, j->second);
        if (c != 0) return c;
      }
      return Sign3(x.size(), y.size());
    }
  }
  return 0;
}

bool operator==(const Value& a, const Value& b) { return Compare(a, b) == 0; }

}  // namespace hearth::model
