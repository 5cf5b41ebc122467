#include "rules/value.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hearth::rules::detail {
namespace {

constexpr std::string_view kDatabasesPrefix = "/databases/";
constexpr std::string_view kDocumentsInfix = "/documents/";

}  // namespace

Val Val::Float(double f) { return Scalar(Kind::kFloat, std::bit_cast<int64_t>(f), 0); }
double Val::floating() const { return std::bit_cast<double>(i_); }

Val Val::LatLng(double lat, double lng) {
  return Scalar(Kind::kLatLng, std::bit_cast<int64_t>(lat), std::bit_cast<int64_t>(lng));
}
double Val::latitude() const { return std::bit_cast<double>(i_); }
double Val::longitude() const { return std::bit_cast<double>(j_); }

Val Val::Owned(Kind kind, std::string s) {
  auto owned = std::make_shared<const std::string>(std::move(s));
  std::string_view view = *owned;
  return View(kind, view, std::move(owned));
}

Val Val::List(const model::Array* list, Anchor anchor) {
  Val v;
  v.kind_ = Kind::kList;
  v.p_ = list;
  v.anchor_ = std::move(anchor);
  return v;
}

Val Val::OwnedList(model::Array list) {
  auto owned = std::make_shared<const model::Array>(std::move(list));
  const model::Array* p = owned.get();
  return List(p, std::move(owned));
}

Val Val::Map(const model::Map* map, Anchor anchor, bool partial) {
  Val v;
  v.kind_ = Kind::kMap;
  v.p_ = map;
  v.partial_ = partial;
  v.anchor_ = std::move(anchor);
  return v;
}

Val Val::OwnedMap(model::Map map) {
  auto owned = std::make_shared<const model::Map>(std::move(map));
  const model::Map* p = owned.get();
  return Map(p, std::move(owned));
}

Val Val::OwnedSet(model::Array items) {
  // Sorts positions rather than the values themselves (cheaper moves, and no GCC 12
  // false -Wmaybe-uninitialized inside std::variant).
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return model::Compare(items[a], items[b]) < 0; });
  model::Array set;
  set.reserve(items.size());
  for (size_t i : order) {
    if (set.empty() || model::Compare(set.back(), items[i]) != 0)
      set.push_back(std::move(items[i]));
  }
  Val v = OwnedList(std::move(set));
  v.kind_ = Kind::kSet;
  return v;
}

Val Val::Diff(std::shared_ptr<const MapDiffData> diff) {
  Val v;
  v.kind_ = Kind::kMapDiff;
  v.p_ = diff.get();
  v.anchor_ = std::move(diff);
  return v;
}

Val Val::Object(Kind kind, const void* object) {
  Val v;
  v.kind_ = kind;
  v.p_ = object;
  return v;
}

std::string DocumentName(std::string_view database, std::string_view relative) {
  std::string name;
  name.reserve(kDatabasesPrefix.size() + database.size() + kDocumentsInfix.size() +
               relative.size());
  name.append(kDatabasesPrefix).append(database).append(kDocumentsInfix).append(relative);
  return name;
}

Val FromModel(const model::Value& v, const Anchor& anchor, std::string_view database) {
  using T = model::Value::Type;
  switch (v.type()) {
    case T::kNull:
      return Val();
    case T::kBoolean:
      return Val::Bool(v.boolean_value());
    case T::kInteger:
      return Val::Int(v.integer_value());
    case T::kDouble:
      return Val::Float(v.double_value());
    case T::kTimestamp:
      return Val::Time(v.timestamp_value());
    case T::kString:
      return Val::Str(v.string_value(), anchor);
    case T::kBytes:
      return Val::Bytes(v.bytes_value(), anchor);
    case T::kReference: {
      const std::string& ref = v.reference_value();
      // Paths that are not document names are stored with their leading '/' (ToModel).
      if (!ref.empty() && ref[0] == '/') return Val::Path(ref, anchor);
      return Val::OwnedPath(DocumentName(database, ref));
    }
    case T::kGeoPoint:
      return Val::LatLng(v.geo_point_value().latitude, v.geo_point_value().longitude);
    case T::kArray:
      return Val::List(&v.array_value(), anchor);
    case T::kMap:
      return Val::Map(&v.map_value(), anchor);
  }
  return Val::Error("unsupported value");
}

bool ToModel(const Val& v, model::Value& out) {
  switch (v.kind()) {
    case Kind::kNull:
      out = model::Value::Null();
      return true;
    case Kind::kBool:
      out = model::Value::Boolean(v.boolean());
      return true;
    case Kind::kInt:
      out = model::Value::Integer(v.integer());
      return true;
    case Kind::kFloat:
      out = model::Value::Double(v.floating());
      return true;
    case Kind::kString:
      out = model::Value::String(std::string(v.str()));
      return true;
    case Kind::kBytes:
      out = model::Value::FromBytes(std::string(v.str()));
      return true;
    case Kind::kTimestamp:
      out = model::Value::FromTimestamp(v.timestamp());
      return true;
    case Kind::kLatLng:
      out = model::Value::FromGeoPoint(v.latitude(), v.longitude());
      return true;
    case Kind::kPath: {
      // "/databases/D/documents/a/b" -> "a/b" (a document reference); other paths keep
      // their leading '/', which FromModel recognizes.
      std::string_view p = v.str();
      if (p.starts_with(kDatabasesPrefix)) {
        const size_t infix = p.find(kDocumentsInfix, kDatabasesPrefix.size());
        const size_t db_end = p.find('/', kDatabasesPrefix.size());
        if (infix != std::string_view::npos && infix == db_end &&
            infix + kDocumentsInfix.size() < p.size()) {
          out = model::Value::FromReference(std::string(p.substr(infix + kDocumentsInfix.size())));
          return true;
        }
      }
      out = model::Value::FromReference(std::string(p));
      return true;
    }
    case Kind::kList:
      out = model::Value::FromArray(v.list());
      return true;
    case Kind::kMap:
      out = model::Value::FromMap(v.map());
      return true;
    default:
      return false;
  }
}

bool Equal(const Val& a, const Val& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::kInt && b.kind() == Kind::kInt) return a.integer() == b.integer();
    if (a.kind() == Kind::kFloat && b.kind() == Kind::kFloat) return a.floating() == b.floating();
    const Val& i = a.kind() == Kind::kInt ? a : b;
    const Val& f = a.kind() == Kind::kInt ? b : a;
    if (std::isnan(f.floating())) return false;
    return model::CompareIntDouble(i.integer(), f.floating()) == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return a.boolean() == b.boolean();
    case Kind::kString:
    case Kind::kBytes:
    case Kind::kPath:
      return a.str() == b.str();
    case Kind::kTimestamp:
      return a.timestamp() == b.timestamp();
    case Kind::kDuration:
      return a.duration().seconds == b.duration().seconds &&
             a.duration().nanos == b.duration().nanos;
    case Kind::kLatLng:
      return a.latitude() == b.latitude() && a.longitude() == b.longitude();
    case Kind::kList:
    case Kind::kSet: {
      const model::Array& x = a.list();
      const model::Array& y = b.list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (model::Compare(x[i], y[i]) != 0) return false;
      }
      return true;
    }
    case Kind::kMap:
      return a.map() == b.map();
    case Kind::kMapDiff:
      return a.object() == b.object();
    default:
      return false;
  }
}

}  // namespace hearth::rules::detail
