#include "query/matcher.h"

#include <algorithm>

namespace hearth::query {
namespace {

using model::Value;

bool ContainsEqual(const model::Array& values, const Value& v) {
  return std::any_of(values.begin(), values.end(), [&](const Value& e) { return e == v; });
}

bool MatchesField(const FieldFilter& f, const Document& doc) {
  std::optional<Value> v = FieldValue(doc, f.field);
  if (!v) return false;
  switch (f.op) {
    case Operator::kEqual:
      return *v == f.value;
    case Operator::kNotEqual:
      return !(*v == f.value);
    case Operator::kLessThan:
    case Operator::kLessThanOrEqual:
    case Operator::kGreaterThan:
    case Operator::kGreaterThanOrEqual: {
      if (model::TypeOrder(v->type()) != model::TypeOrder(f.value.type())) return false;
      int c = model::Compare(*v, f.value);
      switch (f.op) {
        case Operator::kLessThan:
          return c < 0;
        case Operator::kLessThanOrEqual:
          return c <= 0;
        case Operator::kGreaterThan:
          return c > 0;
        default:
          return c >= 0;
      }
    }
    case Operator::kArrayContains:
      return v->is_array() && ContainsEqual(v->array_value(), f.value);
    case Operator::kArrayContainsAny:
      if (!v->is_array()) return false;
      return std::any_of(f.value.array_value().begin(), f.value.array_value().end(),
                         [&](const Value& e) { return ContainsEqual(v->array_value(), e); });
    case Operator::kIn:
      return ContainsEqual(f.value.array_value(), *v);
    case Operator::kNotIn:
      if (ContainsEqual(f.value.array_value(), Value::Null())) return false;
      return !ContainsEqual(f.value.array_value(), *v);
  }
  return false;
}

bool MatchesFilter(const Filter& f, const Document& doc) {
  switch (f.kind) {
    case Filter::Kind::kField:
      return MatchesField(f.field, doc);
    case Filter::Kind::kAnd:
      return std::all_of(f.children.begin(), f.children.end(),
                         [&](const Filter& c) { return MatchesFilter(c, doc); });
    case Filter::Kind::kOr:
      return std::any_of(f.children.begin(), f.children.end(),
                         [&](const Filter& c) { return MatchesFilter(c, doc); });
  }
  return false;
}

// Compares the document's first values.size() order fields with `values`.
int CompareToCursor(const Query& q, const Document& doc, const std::vector<Value>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    std::optional<Value> v = FieldValue(doc, q.order[i].field);
    int c = v ? model::Compare(*v, values[i]) : -1;
    if (q.order[i].direction == Direction::kDescending) c = -c;
    if (c != 0) return c;
  }
  return 0;
}

}  // namespace

std::optional<Value> FieldValue(const Document& doc, const model::FieldPath& field) {
  if (field.IsDocumentName()) return Value::FromReference(doc.path.ToString());
  const Value* v = model::GetField(doc.fields, field);
  if (v == nullptr) return std::nullopt;
  return *v;
}

bool InCollection(const Query& q, const model::ResourcePath& path) {
  if (!path.IsDocument()) return false;
  const auto& segs = path.segments();
  if (segs[segs.size() - 2] != q.collection_id) return false;
  if (q.collection_group) return true;
  if (segs.size() - 2 != q.parent.size()) return false;
  return std::equal(q.parent.segments().begin(), q.parent.segments().end(), segs.begin());
}

bool Matches(const Query& q, const Document& doc) {
  if (q.filter && !MatchesFilter(*q.filter, doc)) return false;
  for (const Order& o : q.order) {
    if (!o.field.IsDocumentName() && model::GetField(doc.fields, o.field) == nullptr) {
      return false;
    }
  }
  return true;
}

int CompareInOrder(const Query& q, const Document& a, const Document& b) {
  for (const Order& o : q.order) {
    std::optional<Value> va = FieldValue(a, o.field);
    std::optional<Value> vb = FieldValue(b, o.field);
    int c = (va && vb) ? model::Compare(*va, *vb) : (va ? 1 : (vb ? -1 : 0));
    if (o.direction == Direction::kDescending) c = -c;
    if (c != 0) return c;
  }
  return 0;
}

bool WithinCursors(const Query& q, const Document& doc) {
  if (q.start) {
    int c = CompareToCursor(q, doc, q.start->values);
    if (c < 0 || (c == 0 && !q.start->inclusive)) return false;
  }
  if (q.end) {
    int c = CompareToCursor(q, doc, q.end->values);
    if (c > 0 || (c == 0 && !q.end->inclusive)) return false;
  }
  return true;
}

Result<Cursor> ResolveCursor(const Query& q, const Cursor& cursor,
                             const std::optional<Document>& doc) {
  if (!cursor.document) return cursor;
  if (!doc) return NotFound("the cursor document '" + *cursor.document + "' does not exist");
  Cursor resolved;
  resolved.inclusive = cursor.inclusive;
  for (const Order& o : q.order) {
    std::optional<Value> v = FieldValue(*doc, o.field);
    if (!v) {
      return InvalidArgument("the cursor document '" + *cursor.document + "' has no field '" +
                             o.field.ToString() + "' to order by");
    }
    resolved.values.push_back(std::move(*v));
  }
  return resolved;
}

std::vector<const Document*> Execute(const Query& q, const std::vector<Document>& docs) {
  std::vector<const Document*> out;
  for (const Document& d : docs) {
    if (InCollection(q, d.path) && Matches(q, d) && WithinCursors(q, d)) out.push_back(&d);
  }
  std::sort(out.begin(), out.end(),
            [&](const Document* a, const Document* b) { return CompareInOrder(q, *a, *b) < 0; });
  if (q.limit && out.size() > static_cast<size_t>(*q.limit)) {
    if (q.limit_to_last) {
      out.erase(out.begin(), out.end() - *q.limit);
    } else {
      out.resize(static_cast<size_t>(*q.limit));
    }
  }
  return out;
}

}  // namespace hearth::query
