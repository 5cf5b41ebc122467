#include "query/query.h"

#include <algorithm>
#include <cmath>

namespace hearth::query {
namespace {

using model::FieldPath;
using model::JsonView;
using model::Value;

struct OperatorSpelling {
  std::string_view name;
  Operator op;
};
constexpr OperatorSpelling kOperators[] = {
    {"<", Operator::kLessThan},
    {"<=", Operator::kLessThanOrEqual},
    {"==", Operator::kEqual},
    {"!=", Operator::kNotEqual},
    {">", Operator::kGreaterThan},
    {">=", Operator::kGreaterThanOrEqual},
    {"array-contains", Operator::kArrayContains},
    {"array-contains-any", Operator::kArrayContainsAny},
    {"in", Operator::kIn},
    {"not-in", Operator::kNotIn},
};

bool TakesArray(Operator op) {
  return op == Operator::kIn || op == Operator::kNotIn || op == Operator::kArrayContainsAny;
}

bool IsRange(Operator op) {
  return op == Operator::kLessThan || op == Operator::kLessThanOrEqual ||
         op == Operator::kGreaterThan || op == Operator::kGreaterThanOrEqual;
}

bool IsNaN(const Value& v) {
  return v.type() == Value::Type::kDouble && std::isnan(v.double_value());
}

class Parser {
 public:
  Result<Query> Parse(const JsonView& body) {
    if (!body.is_object()) return InvalidArgument("the query must be a JSON object");
    RETURN_IF_ERROR(
        body.CheckKeys("query", {"from", "where", "orderBy", "limit", "limitToLast", "startAt",
                                 "startAfter", "endAt", "endBefore", "select", "aggregate"}));
    auto from = body.Get("from");
    if (!from)
      return InvalidArgument(
          "\"from\" is required: a collection path or {\"collectionGroup\": ID}");
    RETURN_IF_ERROR(ParseFrom(*from));
    if (auto where = body.Get("where")) {
      ASSIGN_OR_RETURN(Filter f, ParseFilter(*where, "where"));
      q_.filter = std::move(f);
    }
    if (auto order = body.Get("orderBy")) RETURN_IF_ERROR(ParseOrder(*order));
    RETURN_IF_ERROR(ParseLimits(body));
    RETURN_IF_ERROR(ParseCursors(body));
    if (auto select = body.Get("select")) RETURN_IF_ERROR(ParseSelect(*select));
    RETURN_IF_ERROR(Validate());
    return std::move(q_);
  }

 private:
  Status ParseFrom(const JsonView& from) {
    if (from.is_string()) {
      auto path = model::ResourcePath::Parse(from.AsString());
      if (!path.ok()) return InvalidArgument("from: " + path.status().message());
      if (!path->IsCollection()) {
        return InvalidArgument("from: '" + std::string(from.AsString()) +
                               "' is not a collection path (it needs an odd number of segments)");
      }
      q_.collection_id = path->LastSegment();
      q_.parent = path->Parent();
      return Status::Ok();
    }
    if (from.is_object()) {
      RETURN_IF_ERROR(from.CheckKeys("from", {"collectionGroup"}));
      auto group = from.Get("collectionGroup");
      if (!group || !group->is_string()) {
        return InvalidArgument("from: {\"collectionGroup\": \"<collection ID>\"}");
      }
      if (Status s = model::ValidateId(group->AsString()); !s.ok()) {
        return InvalidArgument("from.collectionGroup: " + s.message());
      }
      q_.collection_id = std::string(group->AsString());
      q_.collection_group = true;
      return Status::Ok();
    }
    return InvalidArgument("from: a collection path or {\"collectionGroup\": ID}");
  }

  Result<Filter> ParseFilter(const JsonView& json, const std::string& where) {
    if (json.is_array()) {
      auto elements = json.Elements();
      if (!elements.empty() && elements[0].is_string()) return ParseFieldFilter(elements, where);
      // A list of filters: an implicit AND.
      Filter f;
      f.kind = Filter::Kind::kAnd;
      for (size_t i = 0; i < elements.size(); ++i) {
        ASSIGN_OR_RETURN(Filter child,
                         ParseFilter(elements[i], where + "[" + std::to_string(i) + "]"));
        f.children.push_back(std::move(child));
      }
      return f;
    }
    if (json.is_object()) {
      auto members = json.Members();
      if (members.size() != 1 || (members[0].first != "and" && members[0].first != "or")) {
        return InvalidArgument(where + ": a filter object is {\"and\": [...]} or {\"or\": [...]}");
      }
      const auto& [kind, list] = members[0];
      if (!list.is_array() || list.Elements().empty()) {
        return InvalidArgument(where + "." + std::string(kind) + ": a non-empty array of filters");
      }
      Filter f;
      f.kind = kind == "and" ? Filter::Kind::kAnd : Filter::Kind::kOr;
      auto elements = list.Elements();
      for (size_t i = 0; i < elements.size(); ++i) {
        ASSIGN_OR_RETURN(Filter child, ParseFilter(elements[i], where + "." + std::string(kind) +
                                                                    "[" + std::to_string(i) + "]"));
        f.children.push_back(std::move(child));
      }
      return f;
    }
    return InvalidArgument(where +
                           ": a filter is [\"field\", \"op\", value], a list of filters, "
                           "{\"and\": [...]} or {\"or\": [...]}");
  }

  Result<Filter> ParseFieldFilter(const std::vector<JsonView>& triple, const std::string& where) {
    if (triple.size() != 3 || !triple[1].is_string()) {
      return InvalidArgument(where + ": a field filter is [\"field\", \"op\", value]");
    }
    auto field = FieldPath::Parse(triple[0].AsString());
    if (!field.ok()) return InvalidArgument(where + ": " + field.status().message());
    std::string_view op_name = triple[1].AsString();
    auto spelling = std::find_if(std::begin(kOperators), std::end(kOperators),
                                 [&](const OperatorSpelling& s) { return s.name == op_name; });
    if (spelling == std::end(kOperators)) {
      return InvalidArgument(where + ": unknown operator '" + std::string(op_name.substr(0, 32)) +
                             "' (use < <= == != > >= array-contains array-contains-any in not-in)");
    }
    auto value = triple[2].ToValue();
    if (!value.ok()) return InvalidArgument(where + ": " + value.status().message());
    Filter f;
    f.field = FieldFilter{std::move(field).value(), spelling->op, std::move(value).value()};
    RETURN_IF_ERROR(CheckFieldFilter(f.field, where));
    return f;
  }

  Status CheckFieldFilter(FieldFilter& f, const std::string& where) {
    const std::string what =
        where + " ('" + f.field.ToString() + "' " + std::string(OperatorName(f.op)) + ")";
    if (TakesArray(f.op)) {
      if (!f.value.is_array() || f.value.array_value().empty()) {
        return InvalidArgument(what + ": the value must be a non-empty array");
      }
      if (f.value.array_value().size() > kMaxDisjunction) {
        return InvalidArgument(what + ": at most 30 values");
      }
    }
    if (IsRange(f.op) && (f.value.is_null() || IsNaN(f.value))) {
      return InvalidArgument(what + ": null and NaN can only be compared with == and !=");
    }
    if (f.field.IsDocumentName()) {
      if (f.op == Operator::kArrayContains || f.op == Operator::kArrayContainsAny) {
        return InvalidArgument(what + ": __name__ is not an array");
      }
      if (TakesArray(f.op)) {
        for (Value& v : f.value.array_value()) RETURN_IF_ERROR(NormalizeName(v, what));
      } else {
        RETURN_IF_ERROR(NormalizeName(f.value, what));
      }
    }
    return Status::Ok();
  }

  // A __name__ value is a reference to a document of the queried collection; a plain
  // string is taken as an ID in it (or, for a collection group, as a document path).
  Status NormalizeName(Value& v, const std::string& what) {
    std::string path;
    if (v.type() == Value::Type::kString) {
      if (q_.collection_group) {
        path = v.string_value();
      } else {
        if (Status s = model::ValidateId(v.string_value()); !s.ok()) {
          return InvalidArgument(what + ": a plain document ID is expected: " + s.message());
        }
        path = q_.CollectionLabel() + "/" + v.string_value();
      }
    } else if (v.type() == Value::Type::kReference) {
      path = v.reference_value();
    } else {
      return InvalidArgument(what + ": __name__ takes a document ID or {\"$ref\": path}");
    }
    auto parsed = model::ResourcePath::Parse(path);
    if (!parsed.ok() || !parsed->IsDocument()) {
      return InvalidArgument(what + ": '" + path + "' is not a document path");
    }
    bool inside = q_.collection_group ? parsed->Parent().LastSegment() == q_.collection_id
                                      : parsed->Parent().ToString() == q_.CollectionLabel();
    if (!inside) {
      return InvalidArgument(what + ": '" + path + "' is not a document of the queried collection");
    }
    v = Value::FromReference(parsed->ToString());
    return Status::Ok();
  }

  Status ParseOrder(const JsonView& json) {
    if (!json.is_array())
      return InvalidArgument("orderBy: an array of [\"field\", \"asc\"|\"desc\"]");
    for (const JsonView& item : json.Elements()) {
      Order o;
      std::string_view field_text, dir = "asc";
      if (item.is_string()) {
        field_text = item.AsString();
      } else if (item.is_array() && !item.Elements().empty() && item.Elements().size() <= 2 &&
                 item.Elements()[0].is_string() &&
                 (item.Elements().size() == 1 || item.Elements()[1].is_string())) {
        field_text = item.Elements()[0].AsString();
        if (item.Elements().size() == 2) dir = item.Elements()[1].AsString();
      } else {
        return InvalidArgument("orderBy: each entry is \"field\" or [\"field\", \"asc\"|\"desc\"]");
      }
      auto field = FieldPath::Parse(field_text);
      if (!field.ok()) return InvalidArgument("orderBy: " + field.status().message());
      if (dir != "asc" && dir != "desc") {
        return InvalidArgument("orderBy: direction must be \"asc\" or \"desc\", not '" +
                               std::string(dir.substr(0, 16)) + "'");
      }
      o.field = std::move(field).value();
      o.direction = dir == "asc" ? Direction::kAscending : Direction::kDescending;
      for (const Order& prior : q_.order) {
        if (prior.field == o.field) {
          return InvalidArgument("orderBy: '" + o.field.ToString() + "' is named twice");
        }
      }
      q_.order.push_back(std::move(o));
    }
    q_.explicit_order_count = q_.order.size();
    return Status::Ok();
  }

  Status ParseLimits(const JsonView& body) {
    auto limit = body.Get("limit");
    auto last = body.Get("limitToLast");
    if (limit && last) return InvalidArgument("use either limit or limitToLast, not both");
    if (auto l = limit ? limit : last) {
      if (l->kind() != JsonView::Kind::kInteger || l->AsInteger() < 1) {
        return InvalidArgument(std::string(limit ? "limit" : "limitToLast") +
                               " must be a positive integer");
      }
      q_.limit = l->AsInteger();
      q_.limit_to_last = !limit;
    }
    return Status::Ok();
  }

  Result<std::optional<Cursor>> ParseCursor(const JsonView& body, std::string_view inclusive_key,
                                            std::string_view exclusive_key) {
    auto inclusive = body.Get(inclusive_key);
    auto exclusive = body.Get(exclusive_key);
    if (inclusive && exclusive) {
      return InvalidArgument("use either " + std::string(inclusive_key) + " or " +
                             std::string(exclusive_key) + ", not both");
    }
    auto json = inclusive ? inclusive : exclusive;
    if (!json) return std::optional<Cursor>();
    std::string key(inclusive ? inclusive_key : exclusive_key);
    Cursor c;
    c.inclusive = inclusive.has_value();
    if (json->is_string()) {
      auto path = model::ResourcePath::Parse(json->AsString());
      if (!path.ok() || !path->IsDocument()) {
        return InvalidArgument(key + ": a document path or an array of values");
      }
      c.document = path->ToString();
    } else if (json->is_array()) {
      if (json->Elements().empty()) return InvalidArgument(key + ": at least one value");
      for (const JsonView& e : json->Elements()) {
        auto v = e.ToValue();
        if (!v.ok()) return InvalidArgument(key + ": " + v.status().message());
        c.values.push_back(std::move(v).value());
      }
    } else {
      return InvalidArgument(key + ": a document path or an array of values");
    }
    return std::optional<Cursor>(std::move(c));
  }

  Status ParseCursors(const JsonView& body) {
    ASSIGN_OR_RETURN(q_.start, ParseCursor(body, "startAt", "startAfter"));
    ASSIGN_OR_RETURN(q_.end, ParseCursor(body, "endAt", "endBefore"));
    return Status::Ok();
  }

  Status ParseSelect(const JsonView& json) {
    if (!json.is_array()) return InvalidArgument("select: an array of field paths");
    std::vector<FieldPath> fields;
    for (const JsonView& e : json.Elements()) {
      if (!e.is_string()) return InvalidArgument("select: an array of field paths");
      auto f = FieldPath::Parse(e.AsString());
      if (!f.ok()) return InvalidArgument("select: " + f.status().message());
      fields.push_back(std::move(f).value());
    }
    q_.select = std::move(fields);
    return Status::Ok();
  }

  Status Validate() {
    auto dnf = ToDisjunctiveNormalForm(q_.filter);
    size_t disjunctions = 0;
    std::optional<FieldPath> inequality;
    size_t not_in = 0, array_contains_any = 0, not_equal = 0, in = 0;
    for (const auto& conjunction : dnf) {
      size_t product = 1, array_contains = 0;
      for (const FieldFilter& f : conjunction) {
        if (f.op == Operator::kIn || f.op == Operator::kArrayContainsAny) {
          product *= f.value.array_value().size();
        }
        array_contains += f.op == Operator::kArrayContains || f.op == Operator::kArrayContainsAny;
        if (IsInequality(f.op)) {
          if (inequality && !(*inequality == f.field)) {
            return InvalidArgument(
                "inequality filters (<, <=, >, >=, !=, not-in) must all be on "
                "one field; found '" +
                inequality->ToString() + "' and '" + f.field.ToString() + "'");
          }
          inequality = f.field;
        }
      }
      if (array_contains > 1) {
        return InvalidArgument(
            "at most one array-contains or array-contains-any filter per conjunction");
      }
      disjunctions += product;
    }
    // Counted over the whole query, as Firestore does.
    std::vector<const FieldFilter*> all;
    if (q_.filter) CollectFieldFilters(*q_.filter, all);
    for (const FieldFilter* f : all) {
      not_in += f->op == Operator::kNotIn;
      array_contains_any += f->op == Operator::kArrayContainsAny;
      not_equal += f->op == Operator::kNotEqual;
      in += f->op == Operator::kIn;
    }
    if (disjunctions > kMaxDisjunction) {
      return InvalidArgument("the filter expands to " + std::to_string(disjunctions) +
                             " disjunctions (counting each in / array-contains-any value); "
                             "at most 30");
    }
    if (not_in > 1) return InvalidArgument("at most one not-in filter per query");
    if (not_in > 0 && (in > 0 || array_contains_any > 0 || not_equal > 0)) {
      return InvalidArgument("not-in cannot be combined with in, array-contains-any or !=");
    }
    if (not_in > 0 && dnf.size() > 1) return InvalidArgument("not-in cannot be used with or");
    if (array_contains_any > 1) {
      return InvalidArgument("at most one array-contains-any filter per query");
    }
    if (inequality && q_.explicit_order_count > 0 && !(q_.order[0].field == *inequality)) {
      return InvalidArgument("with an inequality on '" + inequality->ToString() +
                             "', the first orderBy must be '" + inequality->ToString() +
                             "', not '" + q_.order[0].field.ToString() + "'");
    }
    // Implicit order: the inequality field, then the document name.
    if (inequality && q_.explicit_order_count == 0) {
      q_.order.push_back({*inequality, Direction::kAscending});
    }
    bool has_name = std::any_of(q_.order.begin(), q_.order.end(),
                                [](const Order& o) { return o.field.IsDocumentName(); });
    if (!has_name) {
      Direction d = q_.order.empty() ? Direction::kAscending : q_.order.back().direction;
      q_.order.push_back({FieldPath::DocumentName(), d});
    }
    for (std::optional<Cursor>* c : {&q_.start, &q_.end}) {
      if (!*c) continue;
      if ((*c)->values.size() > q_.order.size()) {
        return InvalidArgument("a cursor has " + std::to_string((*c)->values.size()) +
                               " values but the query orders by only " +
                               std::to_string(q_.order.size()) + " fields");
      }
      for (size_t i = 0; i < (*c)->values.size(); ++i) {
        if (q_.order[i].field.IsDocumentName()) {
          RETURN_IF_ERROR(NormalizeName((*c)->values[i], "cursor"));
        }
      }
    }
    return Status::Ok();
  }

  // Pointers into `f` itself (never into a copy: they outlive this call).
  static void CollectFieldFilters(const Filter& f, std::vector<const FieldFilter*>& out) {
    if (f.kind == Filter::Kind::kField) {
      out.push_back(&f.field);
      return;
    }
    for (const Filter& child : f.children) CollectFieldFilters(child, out);
  }

  Query q_;
};

std::vector<std::vector<FieldFilter>> Dnf(const Filter& f) {
  if (f.kind == Filter::Kind::kField) return {{f.field}};
  if (f.kind == Filter::Kind::kOr) {
    std::vector<std::vector<FieldFilter>> out;
    for (const Filter& child : f.children) {
      auto part = Dnf(child);
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  }
  std::vector<std::vector<FieldFilter>> out = {{}};
  for (const Filter& child : f.children) {
    auto part = Dnf(child);
    std::vector<std::vector<FieldFilter>> next;
    for (const auto& left : out) {
      for (const auto& right : part) {
        auto merged = left;
        merged.insert(merged.end(), right.begin(), right.end());
        next.push_back(std::move(merged));
        // Stop multiplying long before memory is at risk; Validate() refuses this anyway.
        if (next.size() > 4 * kMaxDisjunction) return next;
      }
    }
    out = std::move(next);
  }
  return out;
}

}  // namespace

std::string_view OperatorName(Operator op) {
  for (const auto& s : kOperators) {
    if (s.op == op) return s.name;
  }
  return "?";
}

bool IsInequality(Operator op) {
  return IsRange(op) || op == Operator::kNotEqual || op == Operator::kNotIn;
}

std::string Query::CollectionLabel() const {
  if (collection_group || parent.empty()) return collection_id;
  return parent.ToString() + "/" + collection_id;
}

Result<Query> ParseQuery(const JsonView& body) { return Parser().Parse(body); }

std::vector<std::vector<FieldFilter>> ToDisjunctiveNormalForm(const std::optional<Filter>& f) {
  if (!f) return {{}};
  return Dnf(*f);
}

}  // namespace hearth::query
