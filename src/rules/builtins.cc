// Global functions (exists, get, int, math.*, timestamp.*, duration.*, ...) and the
// methods of each type. Every failure is an error value, never an exception.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

#include "base/strings.h"
#include "rules/evaluator.h"
#include "rules/regex.h"

namespace hearth::rules::detail {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, Firestore's timestamp range.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

// seconds + nanos (any sign) as a timestamp in Firestore's range, or an error.
Val MakeTime(int64_t seconds, int64_t nanos) {
  int64_t s;
  if (__builtin_add_overflow(seconds, FloorDiv(nanos, kNanosPerSecond), &s) || s < kMinSeconds ||
      s > kMaxSeconds) {
    return Val::Error("timestamp out of range");
  }
  return Val::Time({s, static_cast<int32_t>(FloorMod(nanos, kNanosPerSecond))});
}

Val MakeDuration(int64_t seconds, int64_t nanos) {
  int64_t s;
  if (__builtin_add_overflow(seconds, FloorDiv(nanos, kNanosPerSecond), &s)) {
    return Val::Error("duration out of range");
  }
  return Val::Dur({s, static_cast<int32_t>(FloorMod(nanos, kNanosPerSecond))});
}

// Whole seconds and the remaining nanoseconds of a duration, both with its sign (as
// google.protobuf.Duration).
std::pair<int64_t, int64_t> SignedParts(Duration d) {
  if (d.seconds < 0 && d.nanos > 0) return {d.seconds + 1, d.nanos - kNanosPerSecond};
  return {d.seconds, d.nanos};
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
size_t Utf8CharLength(std::string_view s, size_t pos) {
  size_t n = 1;
  while (pos + n < s.size() && (static_cast<unsigned char>(s[pos + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// Membership in a model::Array. Large arrays are sorted once so that list operations on
// user data (hasAll of two 10,000-element lists) stay O(n log n).
class Membership {
 public:
  explicit Membership(const model::Array& items) : items_(items) {
    if (items.size() > 16) {
      sorted_.reserve(items.size());
      for (const auto& v : items) sorted_.push_back(&v);
      std::sort(sorted_.begin(), sorted_.end(), [](const model::Value* a, const model::Value* b) {
        return model::Compare(*a, *b) < 0;
      });
    }
  }
  bool Contains(const model::Value& v) const {
    if (sorted_.empty()) {
      return std::any_of(items_.begin(), items_.end(),
                         [&](const model::Value& x) { return model::Compare(x, v) == 0; });
    }
    return std::binary_search(
        sorted_.begin(), sorted_.end(), &v,
        [](const model::Value* a, const model::Value* b) { return model::Compare(*a, *b) < 0; });
  }

 private:
  const model::Array& items_;
  std::vector<const model::Value*> sorted_;
};

const model::Array* AsArray(const Val& v) {
  return v.kind() == Kind::kList || v.kind() == Kind::kSet ? &v.list() : nullptr;
}

Val Regex(const Expr& e, const Val& pattern, std::shared_ptr<const re2::RE2>& holder,
          const re2::RE2*& out) {
  if (e.regex) {
    out = e.regex.get();
    return Val::Bool(true);
  }
  if (pattern.kind() != Kind::kString) return Val::Error("a regular expression must be a string");
  std::string error;
  holder = CompileRegex(pattern.str(), error);
  if (holder == nullptr) return Val::Error("invalid regular expression");
  out = holder.get();
  return Val::Bool(true);
}

re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

}  // namespace

Val Evaluator::TimeArithmetic(BinaryOp op, const Val& a, const Val& b) {
  const Kind ka = a.kind(), kb = b.kind();
  int64_t s;
  if (op == BinaryOp::kAdd && (ka == Kind::kTimestamp || kb == Kind::kTimestamp) &&
      (ka == Kind::kDuration || kb == Kind::kDuration)) {
    const auto t = ka == Kind::kTimestamp ? a.timestamp() : b.timestamp();
    const auto d = ka == Kind::kDuration ? a.duration() : b.duration();
    if (__builtin_add_overflow(t.seconds, d.seconds, &s))
      return Val::Error("timestamp out of range");
    return MakeTime(s, int64_t{t.nanos} + d.nanos);
  }
  if (op == BinaryOp::kSub && ka == Kind::kTimestamp && kb == Kind::kDuration) {
    const auto t = a.timestamp();
    const auto d = b.duration();
    if (__builtin_sub_overflow(t.seconds, d.seconds, &s))
      return Val::Error("timestamp out of range");
    return MakeTime(s, int64_t{t.nanos} - d.nanos);
  }
  if (op == BinaryOp::kSub && ka == Kind::kTimestamp && kb == Kind::kTimestamp) {
    const auto x = a.timestamp(), y = b.timestamp();
    return MakeDuration(x.seconds - y.seconds, int64_t{x.nanos} - y.nanos);
  }
  if ((op == BinaryOp::kAdd || op == BinaryOp::kSub) && ka == Kind::kDuration &&
      kb == Kind::kDuration) {
    const auto x = a.duration(), y = b.duration();
    const bool overflow = op == BinaryOp::kAdd ? __builtin_add_overflow(x.seconds, y.seconds, &s)
                                               : __builtin_sub_overflow(x.seconds, y.seconds, &s);
    if (overflow) return Val::Error("duration out of range");
    return MakeDuration(
        s, op == BinaryOp::kAdd ? int64_t{x.nanos} + y.nanos : int64_t{x.nanos} - y.nanos);
  }
  return Val::Error("operator not defined for these types");
}

// ---- Documents ----

const Evaluator::CachedDoc* Evaluator::Read(const Val& path, bool after, Val& error) {
  if (path.kind() != Kind::kPath) {
    error = Val::Error("get() and exists() need a path");
    return nullptr;
  }
  // "/databases/<this database>/documents/<even number of segments>"
  std::string_view p = path.str();
  const std::string prefix = DocumentName(req_.database, "");
  if (!p.starts_with(prefix) || p.size() == prefix.size()) {
    error = Val::Error("document paths must start with /databases/$(database)/documents/");
    return nullptr;
  }
  std::string_view relative = p.substr(prefix.size());
  const size_t segments =
      static_cast<size_t>(std::count(relative.begin(), relative.end(), '/')) + 1;
  if (segments % 2 != 0 || relative.ends_with('/') ||
      relative.find("//") != std::string_view::npos) {
    error = Val::Error("not a document path");
    return nullptr;
  }
  for (const auto& doc : docs_) {
    if (doc->after == after && doc->path == relative) return doc.get();
  }
  if (req_.reader == nullptr) {
    error = Val::Error("document reads are not available");
    return nullptr;
  }
  if (reads_ >= req_.max_reads) {
    error = Val::Error("too many document reads (get/exists)");
    return nullptr;
  }
  ++reads_;
  auto result = after ? req_.reader->GetAfter(relative) : req_.reader->Get(relative);
  if (!result.ok()) {
    error = Val::Error("document read failed");
    return nullptr;
  }
  auto doc = std::make_unique<CachedDoc>();
  doc->after = after;
  doc->path = std::string(relative);
  doc->data = std::move(result).value();
  doc->name = std::string(p);
  if (doc->data) {
    doc->obj.data = &*doc->data;
    doc->obj.name = doc->name;
    doc->obj.id = std::string_view(doc->name).substr(doc->name.rfind('/') + 1);
  }
  docs_.push_back(std::move(doc));
  return docs_.back().get();
}

// ---- Global functions ----

Val Evaluator::CallBuiltin(const Expr& e, Val* locals) {
  std::array<Val, 4> a;
  for (size_t i = 0; i < e.args.size() && i < a.size(); ++i) a[i] = Eval(*e.args[i], locals);
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (a[i].kind() == Kind::kError) return a[i];
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (a[i].is_error()) return a[i];
  }
  const Val& x = a[0];
  const Kind k = x.kind();
  auto number = [&](const Val& v) { return v.is_number(); };
  switch (e.builtin) {
    case Builtin::kExists:
    case Builtin::kExistsAfter:
    case Builtin::kGet:
    case Builtin::kGetAfter: {
      const bool after = e.builtin == Builtin::kExistsAfter || e.builtin == Builtin::kGetAfter;
      Val error;
      const CachedDoc* doc = Read(x, after, error);
      if (doc == nullptr) return error;
      if (e.builtin == Builtin::kExists || e.builtin == Builtin::kExistsAfter) {
        return Val::Bool(doc->data.has_value());
      }
      return doc->data ? Val::Object(Kind::kResource, &doc->obj) : Val();
    }
    case Builtin::kInt:
      if (k == Kind::kInt) return x;
      if (k == Kind::kFloat) {
        const double f = std::trunc(x.floating());
        if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
          return Val::Error("int() of a float out of range");
        }
        return Val::Int(static_cast<int64_t>(f));
      }
      if (k == Kind::kString) {
        int64_t i;
        std::string_view s = x.str();
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
          return Val::Error("int() of a string that is not an integer");
        }
        return Val::Int(i);
      }
      return Val::Error("int() needs a number or string");
    case Builtin::kFloat:
      if (k == Kind::kInt) return Val::Float(static_cast<double>(x.integer()));
      if (k == Kind::kFloat) return x;
      if (k == Kind::kString) {
        double f;
        std::string_view s = x.str();
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), f);
        if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
          return Val::Error("float() of a string that is not a number");
        }
        return Val::Float(f);
      }
      return Val::Error("float() needs a number or string");
    case Builtin::kString:
      switch (k) {
        case Kind::kNull:
          return Val::Str("null");
        case Kind::kBool:
          return Val::Str(x.boolean() ? "true" : "false");
        case Kind::kInt:
          return Val::OwnedStr(std::to_string(x.integer()));
        case Kind::kFloat: {
          std::array<char, 64> buf;
          auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x.floating());
          if (ec != std::errc()) return Val::Error("string() failed");
          return Val::OwnedStr(std::string(buf.data(), ptr));
        }
        case Kind::kString:
          return x;
        case Kind::kPath:
          return Val::Str(x.str(), x.anchor());
        case Kind::kTimestamp:
          return Val::OwnedStr(x.timestamp().ToString());
        default:
          return Val::Error("string() of this type is not supported");
      }
    case Builtin::kBool:
      if (k == Kind::kBool) return x;
      if (k == Kind::kString && x.str() == "true") return Val::Bool(true);
      if (k == Kind::kString && x.str() == "false") return Val::Bool(false);
      return Val::Error("bool() needs a bool or 'true' / 'false'");
    case Builtin::kPath: {
      if (k == Kind::kPath) return x;
      if (k != Kind::kString) return Val::Error("path() needs a string");
      std::string p(x.str());
      if (!p.starts_with('/')) p.insert(p.begin(), '/');
      if (p.size() > 1 && p.ends_with('/')) p.pop_back();
      if (p == "/" || p.find("//") != std::string::npos) return Val::Error("invalid path");
      return Val::OwnedPath(std::move(p));
    }
    case Builtin::kDebug:
      return x;
    case Builtin::kMathAbs:
      if (k == Kind::kInt) {
        if (x.integer() == INT64_MIN) return Val::Error("integer overflow");
        return Val::Int(x.integer() < 0 ? -x.integer() : x.integer());
      }
      if (k == Kind::kFloat) return Val::Float(std::fabs(x.floating()));
      return Val::Error("math.abs() needs a number");
    case Builtin::kMathCeil:
    case Builtin::kMathFloor:
    case Builtin::kMathRound: {
      if (k == Kind::kInt) return x;
      if (k != Kind::kFloat) return Val::Error("math function needs a number");
      const double f = x.floating();
      return Val::Float(e.builtin == Builtin::kMathCeil    ? std::ceil(f)
                        : e.builtin == Builtin::kMathFloor ? std::floor(f)
                                                           : std::round(f));
    }
    case Builtin::kMathSqrt:
      if (!number(x)) return Val::Error("math.sqrt() needs a number");
      return Val::Float(std::sqrt(x.AsDouble()));
    case Builtin::kMathPow:
      if (!number(x) || !number(a[1])) return Val::Error("math.pow() needs numbers");
      return Val::Float(std::pow(x.AsDouble(), a[1].AsDouble()));
    case Builtin::kMathIsInfinite:
      if (!number(x)) return Val::Error("math.isInfinite() needs a number");
      return Val::Bool(k == Kind::kFloat && std::isinf(x.floating()));
    case Builtin::kMathIsNaN:
      if (!number(x)) return Val::Error("math.isNaN() needs a number");
      return Val::Bool(k == Kind::kFloat && std::isnan(x.floating()));
    case Builtin::kTimestampDate: {
      if (k != Kind::kInt || a[1].kind() != Kind::kInt || a[2].kind() != Kind::kInt) {
        return Val::Error("timestamp.date() needs ints");
      }
      const int64_t y = x.integer(), m = a[1].integer(), d = a[2].integer();
      if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
        return Val::Error("invalid date");
      }
      const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)),
                                            std::chrono::month(static_cast<unsigned>(m)),
                                            std::chrono::day(static_cast<unsigned>(d))};
      if (!ymd.ok()) return Val::Error("invalid date");
      const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
      return MakeTime(days * 86400, 0);
    }
    case Builtin::kTimestampValue:
      if (k != Kind::kInt) return Val::Error("timestamp.value() needs an int");
      return MakeTime(FloorDiv(x.integer(), 1000), FloorMod(x.integer(), 1000) * 1'000'000);
    case Builtin::kDurationValue: {
      if (k != Kind::kInt || a[1].kind() != Kind::kString) {
        return Val::Error("duration.value() needs an int and a unit");
      }
      const int64_t n = x.integer();
      const std::string_view unit = a[1].str();
      int64_t factor = 0;
      if (unit == "w") factor = 7 * 86400;
      if (unit == "d") factor = 86400;
      if (unit == "h") factor = 3600;
      if (unit == "m") factor = 60;
      if (unit == "s") factor = 1;
      if (factor != 0) {
        int64_t s;
        if (__builtin_mul_overflow(n, factor, &s)) return Val::Error("duration out of range");
        return Val::Dur({s, 0});
      }
      if (unit == "ms") return MakeDuration(n / 1000, (n % 1000) * 1'000'000);
      if (unit == "ns") return MakeDuration(0, n);
      return Val::Error("duration unit must be w, d, h, m, s, ms or ns");
    }
    case Builtin::kDurationTime: {
      for (size_t i = 0; i < 4; ++i) {
        if (a[i].kind() != Kind::kInt) return Val::Error("duration.time() needs ints");
      }
      int64_t h, m, s;
      if (__builtin_mul_overflow(a[0].integer(), 3600, &h) ||
          __builtin_mul_overflow(a[1].integer(), 60, &m) || __builtin_add_overflow(h, m, &s) ||
          __builtin_add_overflow(s, a[2].integer(), &s)) {
        return Val::Error("duration out of range");
      }
      return MakeDuration(s, a[3].integer());
    }
    case Builtin::kDurationAbs: {
      if (k != Kind::kDuration) return Val::Error("duration.abs() needs a duration");
      const Duration d = x.duration();
      if (d.seconds >= 0) return x;
      if (d.seconds == INT64_MIN) return Val::Error("duration out of range");
      return MakeDuration(-d.seconds, -int64_t{d.nanos});
    }
    case Builtin::kLatLngValue: {
      if (!number(x) || !number(a[1])) return Val::Error("latlng.value() needs numbers");
      const double lat = x.AsDouble(), lng = a[1].AsDouble();
      if (!(lat >= -90 && lat <= 90) || !(lng >= -180 && lng <= 180)) {
        return Val::Error("latitude or longitude out of range");
      }
      return Val::LatLng(lat, lng);
    }
  }
  return Val::Error("unknown function");
}

// ---- Methods ----

Val Evaluator::CallMethod(const Expr& e, Val* locals) {
  Val recv = Eval(*e.args[0], locals);
  std::array<Val, 2> args;
  for (size_t i = 1; i < e.args.size() && i <= args.size(); ++i) {
    args[i - 1] = Eval(*e.args[i], locals);
  }
  if (recv.kind() == Kind::kError) return recv;
  for (const Val& arg : args) {
    if (arg.kind() == Kind::kError) return arg;
  }
  if (recv.is_error()) return recv;
  for (const Val& arg : args) {
    if (arg.is_error()) return arg;
  }
  if (recv.is_object()) {
    recv = Materialize(recv);
    if (recv.is_error()) return recv;
  }
  switch (recv.kind()) {
    case Kind::kString:
      return StringMethod(e, recv, args.data());
    case Kind::kBytes:
      switch (e.method) {
        case MethodId::kSize:
          return Val::Int(static_cast<int64_t>(recv.str().size()));
        case MethodId::kToBase64:
          return Val::OwnedStr(Base64Encode(recv.str()));
        case MethodId::kToHexString: {
          static constexpr char kHex[] = "0123456789ABCDEF";
          std::string out;
          out.reserve(recv.str().size() * 2);
          for (unsigned char c : recv.str()) {
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          }
          return Val::OwnedStr(std::move(out));
        }
        default:
          break;
      }
      break;
    case Kind::kList:
    case Kind::kSet:
      return ListMethod(e, recv, args.data());
    case Kind::kMap:
      return MapMethod(e, recv, args.data());
    case Kind::kMapDiff: {
      const MapDiffData& d = recv.diff();
      const model::Map& after = d.after.map();
      const model::Map& before = d.before.map();
      const bool added = e.method == MethodId::kAddedKeys || e.method == MethodId::kAffectedKeys;
      const bool removed =
          e.method == MethodId::kRemovedKeys || e.method == MethodId::kAffectedKeys;
      const bool changed =
          e.method == MethodId::kChangedKeys || e.method == MethodId::kAffectedKeys;
      const bool unchanged = e.method == MethodId::kUnchangedKeys;
      if (!added && !removed && !changed && !unchanged) break;
      model::Array keys;
      for (const auto& [key, value] : after) {
        auto it = before.find(key);
        const bool in = (it == before.end() && added) ||
                        (it != before.end() && model::Compare(it->second, value) != 0 && changed) ||
                        (it != before.end() && model::Compare(it->second, value) == 0 && unchanged);
        if (in) keys.push_back(model::Value::String(key));
      }
      if (removed) {
        for (const auto& [key, value] : before) {
          if (!after.contains(key)) keys.push_back(model::Value::String(key));
        }
      }
      return Val::OwnedSet(std::move(keys));
    }
    case Kind::kTimestamp:
      return TimestampMethod(e, recv);
    case Kind::kDuration: {
      const auto [s, ns] = SignedParts(recv.duration());
      if (e.method == MethodId::kSeconds) return Val::Int(s);
      if (e.method == MethodId::kNanos) return Val::Int(ns);
      break;
    }
    case Kind::kLatLng:
      if (e.method == MethodId::kLatitude) return Val::Float(recv.latitude());
      if (e.method == MethodId::kLongitude) return Val::Float(recv.longitude());
      if (e.method == MethodId::kDistance) {
        if (args[0].kind() != Kind::kLatLng) return Val::Error("distance() needs a latlng");
        // Haversine on a sphere of the Earth's mean radius.
        constexpr double kRadius = 6371008.8;
        constexpr double kRad = 3.14159265358979323846 / 180;
        const double lat1 = recv.latitude() * kRad, lat2 = args[0].latitude() * kRad;
        const double dlat = lat2 - lat1;
        const double dlng = (args[0].longitude() - recv.longitude()) * kRad;
        const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                         std::cos(lat1) * std::cos(lat2) * std::sin(dlng / 2) * std::sin(dlng / 2);
        return Val::Float(2 * kRadius * std::asin(std::min(1.0, std::sqrt(h))));
      }
      break;
    case Kind::kNull:
      return Val::Error("null value has no methods");
    default:
      break;
  }
  return Val::Error("no such method for this type");
}

Val Evaluator::StringMethod(const Expr& e, const Val& recv, const Val* args) {
  const std::string_view s = recv.str();
  switch (e.method) {
    case MethodId::kSize:
      return Val::Int(static_cast<int64_t>(Utf8Length(s)));
    case MethodId::kLower:
    case MethodId::kUpper: {
      std::string out(s);
      const bool lower = e.method == MethodId::kLower;
      for (char& c : out) {
        if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (!lower && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return Val::OwnedStr(std::move(out));
    }
    case MethodId::kTrim: {
      const size_t b = s.find_first_not_of(" \t\n\r\f\v");
      if (b == std::string_view::npos) return Val::Str("");
      const size_t end = s.find_last_not_of(" \t\n\r\f\v");
      return Val::Str(s.substr(b, end - b + 1), recv.anchor());
    }
    case MethodId::kToUtf8:
      return Val::Bytes(s, recv.anchor());
    case MethodId::kMatches:
    case MethodId::kSplit:
    case MethodId::kReplace: {
      std::shared_ptr<const re2::RE2> holder;
      const re2::RE2* re = nullptr;
      Val ok = Regex(e, args[0], holder, re);
      if (ok.is_error()) return ok;
      if (e.method == MethodId::kMatches) return Val::Bool(re2::RE2::FullMatch(Piece(s), *re));
      if (e.method == MethodId::kReplace) {
        if (args[1].kind() != Kind::kString) return Val::Error("replace() needs a string");
        const re2::StringPiece rewrite = Piece(args[1].str());
        std::string error;
        if (!re->CheckRewriteString(rewrite, &error)) {
          return Val::Error("invalid replacement (\\0..\\9 refer to groups, \\\\ is a backslash)");
        }
        std::string out(s);
        re2::RE2::GlobalReplace(&out, *re, rewrite);
        if (out.size() > kMaxStringBytes) return Val::Error("string too long");
        return Val::OwnedStr(std::move(out));
      }
      // split: pieces between matches; an empty match splits between characters.
      model::Array pieces;
      size_t start = 0, search = 0;
      re2::StringPiece input = Piece(s);
      while (search <= s.size()) {
        re2::StringPiece m;
        if (!re->Match(input, search, s.size(), re2::RE2::UNANCHORED, &m, 1)) break;
        const size_t mb = static_cast<size_t>(m.data() - s.data());
        const size_t me = mb + m.size();
        if (me == mb) {
          if (mb >= s.size()) break;
          if (mb > start) {
            pieces.push_back(model::Value::String(std::string(s.substr(start, mb - start))));
            start = mb;
          }
          search = mb + Utf8CharLength(s, mb);
        } else {
          pieces.push_back(model::Value::String(std::string(s.substr(start, mb - start))));
          start = search = me;
        }
        if (pieces.size() > kMaxListSize) return Val::Error("list too long");
      }
      pieces.push_back(model::Value::String(std::string(s.substr(start))));
      return Val::OwnedList(std::move(pieces));
    }
    default:
      return Val::Error("no such method for a string");
  }
}

Val Evaluator::ListMethod(const Expr& e, const Val& recv, const Val* args) {
  const model::Array& items = recv.list();
  const bool is_set = recv.kind() == Kind::kSet;
  const model::Array* other = AsArray(args[0]);
  switch (e.method) {
    case MethodId::kSize:
      return Val::Int(static_cast<int64_t>(items.size()));
    case MethodId::kHasAny:
    case MethodId::kHasAll: {
      if (other == nullptr) return Val::Error("hasAny() / hasAll() need a list or set");
      Membership mine(items);
      const bool any = e.method == MethodId::kHasAny;
      for (const model::Value& v : *other) {
        const bool in = mine.Contains(v);
        if (any && in) return Val::Bool(true);
        if (!any && !in) return Val::Bool(false);
      }
      return Val::Bool(!any);
    }
    case MethodId::kHasOnly: {
      if (other == nullptr) return Val::Error("hasOnly() needs a list or set");
      Membership theirs(*other);
      return Val::Bool(std::all_of(items.begin(), items.end(),
                                   [&](const model::Value& v) { return theirs.Contains(v); }));
    }
    case MethodId::kJoin: {
      if (is_set) break;
      if (args[0].kind() != Kind::kString) return Val::Error("join() needs a string separator");
      std::string out;
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].type() != model::Value::Type::kString) {
          return Val::Error("join() needs a list of strings");
        }
        if (i > 0) out += args[0].str();
        out += items[i].string_value();
        if (out.size() > kMaxStringBytes) return Val::Error("string too long");
      }
      return Val::OwnedStr(std::move(out));
    }
    case MethodId::kConcat: {
      if (is_set || args[0].kind() != Kind::kList) return Val::Error("concat() needs two lists");
      if (items.size() + other->size() > kMaxListSize) return Val::Error("list too long");
      model::Array out = items;
      out.insert(out.end(), other->begin(), other->end());
      return Val::OwnedList(std::move(out));
    }
    case MethodId::kRemoveAll:
    case MethodId::kDifference:
    case MethodId::kIntersection: {
      if ((e.method == MethodId::kRemoveAll) == is_set) break;
      if (other == nullptr) return Val::Error("the argument must be a list or set");
      Membership theirs(*other);
      const bool keep_common = e.method == MethodId::kIntersection;
      model::Array out;
      for (const model::Value& v : items) {
        if (theirs.Contains(v) == keep_common) out.push_back(v);
      }
      return is_set ? Val::OwnedSet(std::move(out)) : Val::OwnedList(std::move(out));
    }
    case MethodId::kUnion: {
      if (!is_set) break;
      if (other == nullptr) return Val::Error("union() needs a set or list");
      if (items.size() + other->size() > kMaxListSize) return Val::Error("set too large");
      model::Array out = items;
      out.insert(out.end(), other->begin(), other->end());
      return Val::OwnedSet(std::move(out));
    }
    case MethodId::kToSet:
      if (is_set) break;
      return Val::OwnedSet(items);
    default:
      break;
  }
  return Val::Error(is_set ? "no such method for a set" : "no such method for a list");
}

Val Evaluator::MapMethod(const Expr& e, const Val& recv, const Val* args) {
  const model::Map& m = recv.map();
  if (e.method == MethodId::kGet) {
    // get(key, default) or get([k1, k2, ...], default) for a nested field.
    if (args[0].kind() == Kind::kString) {
      auto it = m.find(args[0].str());
      if (it == m.end()) return recv.partial() ? Val::Unknown() : args[1];
      return FromModel(it->second, recv.anchor());
    }
    const model::Array* keys = args[0].kind() == Kind::kList ? &args[0].list() : nullptr;
    if (keys == nullptr || keys->empty()) {
      return Val::Error("get() needs a key or a non-empty list of keys");
    }
    const model::Map* cur = &m;
    for (size_t i = 0; i < keys->size(); ++i) {
      if ((*keys)[i].type() != model::Value::Type::kString) {
        return Val::Error("get() keys must be strings");
      }
      auto it = cur->find((*keys)[i].string_value());
      if (it == cur->end()) return i == 0 && recv.partial() ? Val::Unknown() : args[1];
      if (i + 1 == keys->size()) return FromModel(it->second, recv.anchor());
      if (!it->second.is_map()) return args[1];
      cur = &it->second.map_value();
    }
    return args[1];
  }
  if (recv.partial()) return Val::Unknown();
  switch (e.method) {
    case MethodId::kSize:
      return Val::Int(static_cast<int64_t>(m.size()));
    case MethodId::kKeys: {
      model::Array keys;
      keys.reserve(m.size());
      for (const auto& [k, v] : m) keys.push_back(model::Value::String(k));
      return Val::OwnedList(std::move(keys));
    }
    case MethodId::kValues: {
      model::Array values;
      values.reserve(m.size());
      for (const auto& [k, v] : m) values.push_back(v);
      return Val::OwnedList(std::move(values));
    }
    case MethodId::kDiff: {
      Val other = args[0].is_object() ? Materialize(args[0]) : args[0];
      if (other.is_error()) return other;
      if (other.kind() != Kind::kMap) return Val::Error("diff() needs a map");
      if (other.partial()) return Val::Unknown();
      return Val::Diff(std::make_shared<const MapDiffData>(MapDiffData{recv, other}));
    }
    default:
      return Val::Error("no such method for a map");
  }
}

Val Evaluator::TimestampMethod(const Expr& e, const Val& recv) {
  using namespace std::chrono;
  const model::Timestamp t = recv.timestamp();
  const int64_t days = FloorDiv(t.seconds, 86400);
  const int64_t second_of_day = t.seconds - days * 86400;
  const sys_days day{std::chrono::days{days}};
  const year_month_day ymd{day};
  switch (e.method) {
    case MethodId::kDate:
      return MakeTime(days * 86400, 0);
    case MethodId::kYear:
      return Val::Int(static_cast<int>(ymd.year()));
    case MethodId::kMonth:
      return Val::Int(static_cast<unsigned>(ymd.month()));
    case MethodId::kDay:
      return Val::Int(static_cast<unsigned>(ymd.day()));
    case MethodId::kHours:
      return Val::Int(second_of_day / 3600);
    case MethodId::kMinutes:
      return Val::Int(second_of_day / 60 % 60);
    case MethodId::kSeconds:
      return Val::Int(second_of_day % 60);
    case MethodId::kNanos:
      return Val::Int(t.nanos);
    case MethodId::kTime:
      return Val::Dur({second_of_day, t.nanos});
    case MethodId::kToMillis:
      return Val::Int(t.seconds * 1000 + t.nanos / 1'000'000);
    case MethodId::kDayOfWeek:
      return Val::Int(weekday(day).iso_encoding());
    case MethodId::kDayOfYear:
      return Val::Int((day - sys_days(ymd.year() / January / 1)).count() + 1);
    default:
      return Val::Error("no such method for a timestamp");
  }
}

}  // namespace hearth::rules::detail
