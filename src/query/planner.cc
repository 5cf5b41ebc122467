#include "query/planner.h"

#include <algorithm>

#include "model/key_encoding.h"

namespace hearth::query {
namespace {

using model::FieldPath;
using model::Value;

// Bounds over keys in ascending byte order: [lower, upper).
struct KeyBounds {
  std::string lower;
  std::optional<std::string> upper;

  void RaiseLower(std::string bound) { lower = std::max(lower, std::move(bound)); }
  void LowerUpper(std::optional<std::string> bound) {
    if (!bound) return;
    if (!upper || *bound < *upper) upper = std::move(bound);
  }
};

// One disjunct with in / array-contains-any expanded: equalities, at most one
// array-contains, inequalities on at most one field.
struct Conjunct {
  std::vector<const FieldFilter*> equalities;  // ==
  const FieldFilter* contains = nullptr;       // array-contains
  std::vector<const FieldFilter*> inequalities;
};

// Expands every in / array-contains-any into one conjunct per value.
void Expand(const std::vector<FieldFilter>& conjunction, size_t i, std::vector<FieldFilter>& acc,
            std::vector<std::vector<FieldFilter>>& out) {
  if (i == conjunction.size()) {
    out.push_back(acc);
    return;
  }
  const FieldFilter& f = conjunction[i];
  if (f.op == Operator::kIn || f.op == Operator::kArrayContainsAny) {
    Operator single = f.op == Operator::kIn ? Operator::kEqual : Operator::kArrayContains;
    for (const Value& v : f.value.array_value()) {
      acc.push_back({f.field, single, v});
      Expand(conjunction, i + 1, acc, out);
      acc.pop_back();
    }
    return;
  }
  acc.push_back(f);
  Expand(conjunction, i + 1, acc, out);
  acc.pop_back();
}

// The type bracket of a value's encoding: [tag, tag + 1).
KeyBounds TypeBracket(const Value& v) {
  std::string enc = model::EncodeKey(v);
  KeyBounds b;
  b.lower = enc.substr(0, 1);
  b.upper = std::string(1, static_cast<char>(static_cast<unsigned char>(enc[0]) + 1));
  return b;
}

// Bounds, in ascending value space, for the inequalities on one field.
KeyBounds ValueRange(const std::vector<const FieldFilter*>& inequalities) {
  KeyBounds b;
  for (const FieldFilter* f : inequalities) {
    std::string enc = model::EncodeKey(f->value);
    switch (f->op) {
      case Operator::kGreaterThan:
      case Operator::kGreaterThanOrEqual:
      case Operator::kLessThan:
      case Operator::kLessThanOrEqual: {
        KeyBounds bracket = TypeBracket(f->value);  // ranges match only their own type
        b.RaiseLower(bracket.lower);
        b.LowerUpper(bracket.upper);
        if (f->op == Operator::kGreaterThan) {
          if (auto s = PrefixSuccessor(enc)) b.RaiseLower(*s);
        } else if (f->op == Operator::kGreaterThanOrEqual) {
          b.RaiseLower(enc);
        } else if (f->op == Operator::kLessThan) {
          b.LowerUpper(enc);
        } else {
          b.LowerUpper(PrefixSuccessor(enc));
        }
        break;
      }
      default:
        break;  // != and not-in: scan the field, the matcher decides
    }
  }
  return b;
}

// The bytes that `bounds` (over one ascending-encoded component) cover once the component
// is stored inverted (a descending field).
KeyBounds Invert(const KeyBounds& b) {
  auto invert = [](std::string s) {
    for (char& c : s) c = static_cast<char>(~static_cast<unsigned char>(c));
    return s;
  };
  KeyBounds out;
  // value < upper  <=>  inverted > inverted(upper), and not prefixed by it.
  if (b.upper) {
    out.lower = PrefixSuccessor(invert(*b.upper)).value_or(std::string());
  }
  // value >= lower  <=>  inverted <= inverted(lower) up to its own continuation.
  if (!b.lower.empty()) out.upper = PrefixSuccessor(invert(b.lower));
  return out;
}

// Prefixes every bound with `prefix` (the equality components before the range).
KeyBounds UnderPrefix(const std::string& prefix, const KeyBounds& b) {
  KeyBounds out;
  out.lower = prefix + b.lower;
  out.upper = b.upper ? std::optional<std::string>(prefix + *b.upper) : PrefixSuccessor(prefix);
  if (prefix.empty() && !b.upper) out.upper.reset();
  return out;
}

class Planner {
 public:
  Planner(const Query& q, const IndexConfig& config,
          const std::function<bool(const CompositeIndex&)>& ready)
      : q_(q), config_(config), ready_(ready) {}

  Result<Plan> Run() {
    Plan plan;
    for (const auto& conjunction : ToDisjunctiveNormalForm(q_.filter)) {
      std::vector<std::vector<FieldFilter>> expanded;
      std::vector<FieldFilter> acc;
      Expand(conjunction, 0, acc, expanded);
      for (const auto& filters : expanded) {
        Conjunct c;
        for (const FieldFilter& f : filters) {
          if (f.op == Operator::kEqual) {
            c.equalities.push_back(&f);
          } else if (f.op == Operator::kArrayContains) {
            c.contains = &f;
          } else {
            c.inequalities.push_back(&f);
          }
        }
        ASSIGN_OR_RETURN(Scan scan, PlanConjunct(c, plan.residual_filters));
        plan.scans.push_back(std::move(scan));
      }
    }
    return plan;
  }

 private:
  // The order fields an index must serve: those not fixed by an equality, without
  // __name__; and the direction of __name__.
  std::vector<Order> ServedOrder(const Conjunct& c) const {
    std::vector<Order> out;
    for (const Order& o : q_.order) {
      if (o.field.IsDocumentName()) break;  // names are unique: later fields never matter
      bool fixed = std::any_of(c.equalities.begin(), c.equalities.end(),
                               [&](const FieldFilter* f) { return f->field == o.field; });
      if (!fixed) out.push_back(o);
    }
    return out;
  }

  Direction NameDirection() const {
    for (const Order& o : q_.order) {
      if (o.field.IsDocumentName()) return o.direction;
    }
    return Direction::kAscending;
  }

  Result<Scan> PlanConjunct(const Conjunct& c, bool& residual) {
    std::vector<Order> served = ServedOrder(c);
    const Direction name_dir = NameDirection();
    const bool name_desc = name_dir == Direction::kDescending;
    // Filters on __name__ are left to the matcher and to cursor bounds.
    std::vector<const FieldFilter*> equalities;
    for (const FieldFilter* f : c.equalities) {
      if (!f->field.IsDocumentName()) equalities.push_back(f);
    }
    size_t fixed = equalities.size() + (c.contains ? 1 : 0);

    // No filter on a field and nothing to order by but the name.
    if (fixed == 0 && served.empty()) return NameScan(name_desc);

    // One filter or one order field: a single-field index, when directions agree.
    if (served.size() <= 1 && fixed <= 1 && !(fixed == 1 && !served.empty())) {
      bool order_agrees = served.empty() || (served[0].direction == name_dir);
      if (order_agrees) {
        const FieldFilter* eq = equalities.empty() ? nullptr : equalities[0];
        auto single = SingleField(c, eq, served, name_desc);
        if (single) return *single;
      }
    }
    // The composite index that serves this exactly.
    if (auto composite = FindComposite(c, equalities, served, name_dir)) {
      if (!ready_(*composite->index)) {
        return FailedPrecondition("the index " + composite->index->ToJson() +
                                  " is still being built; try again when it is ready (the "
                                  "log shows its progress)");
      }
      return CompositeScan(c, equalities, served, *composite);
    }
    // Equalities only (no order to serve): one single-field index, the rest checked by
    // the matcher, as Firestore serves it without a composite index.
    if (served.empty() && fixed >= 1) {
      const FieldFilter* eq = equalities.empty() ? nullptr : equalities[0];
      Conjunct one = c;
      if (eq != nullptr) one.contains = nullptr;
      auto single = SingleField(one, eq, served, name_desc);
      if (single) {
        residual = true;
        return *single;
      }
    }
    return MissingIndex(c, equalities, served, name_dir);
  }

  // All documents of the collection (group) in name order.
  Result<Scan> NameScan(bool name_desc) const {
    Scan s;
    s.reverse = name_desc;
    if (!q_.collection_group) {
      s.source = Scan::Source::kIds;
      s.parent = q_.CollectionLabel();
      s.index_description = "documents of " + s.parent;
      ApplyIdBounds(s);
      return s;
    }
    s.index_id = NameIndexId(q_.collection_id);
    s.index_description = "name index of collection group " + q_.collection_id;
    KeyBounds b;
    ApplyCursorBounds(b, "", {}, false, s.reverse);
    s.lower = b.lower;
    s.upper = b.upper;
    return s;
  }

  // A single-field index on the equality, contains or order field. nullopt if the scope
  // has no such index (collection groups need a fieldOverride).
  std::optional<Scan> SingleField(const Conjunct& c, const FieldFilter* eq,
                                  const std::vector<Order>& served, bool name_desc) const {
    const FieldPath* field = eq ? &eq->field : c.contains ? &c.contains->field : &served[0].field;
    const bool contains = eq == nullptr && c.contains != nullptr;
    const FieldOverride* o = config_.OverrideFor(q_.collection_id, *field);
    bool available;
    if (q_.collection_group) {
      available = o && (contains ? o->collection_group_contains : o->collection_group_ascending);
    } else {
      available = !(o && o->exempt);
    }
    if (!available) return std::nullopt;
    Scan s;
    QueryScope scope = q_.collection_group ? QueryScope::kCollectionGroup : QueryScope::kCollection;
    s.index_id = SingleFieldIndexId(q_.collection_id, *field, scope, contains);
    s.parent = q_.collection_group ? "" : q_.CollectionLabel();
    s.index_description = std::string(contains ? "array-contains" : "single-field") +
                          " index on '" + field->ToString() + "'";
    KeyBounds b;
    std::string prefix;
    if (eq || contains) {
      prefix = model::EncodeKey(eq ? eq->value : c.contains->value);
      b = UnderPrefix(prefix, KeyBounds{});
      s.reverse = name_desc;
    } else {
      // Ordered by `field`: the range of its inequalities, if any.
      s.reverse = served[0].direction == Direction::kDescending;
      bool on_field = !c.inequalities.empty() && c.inequalities[0]->field == *field;
      b = on_field ? ValueRange(c.inequalities) : KeyBounds{};
    }
    std::vector<IndexField> components;
    if (!eq && !contains) components.push_back({*field, IndexMode::kAscending});
    ApplyCursorBounds(b, prefix, components, false, s.reverse);
    s.lower = b.lower;
    s.upper = b.upper;
    return s;
  }

  struct CompositeMatch {
    const CompositeIndex* index;
    bool reverse;
  };

  std::optional<CompositeMatch> FindComposite(const Conjunct& c,
                                              const std::vector<const FieldFilter*>& equalities,
                                              const std::vector<Order>& served,
                                              Direction name_dir) const {
    const size_t fixed = equalities.size() + (c.contains ? 1 : 0);
    for (const CompositeIndex& index : config_.composites) {
      if (index.collection_group != q_.collection_id) continue;
      if ((index.scope == QueryScope::kCollectionGroup) != q_.collection_group) continue;
      const bool has_name = index.fields.back().field.IsDocumentName();
      const size_t n = index.fields.size() - (has_name ? 1 : 0);
      if (n != fixed + served.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < fixed && ok; ++i) {
        const IndexField& f = index.fields[i];
        if (c.contains && f.field == c.contains->field) {
          ok = f.mode == IndexMode::kContains;
        } else {
          ok = f.mode != IndexMode::kContains &&
               std::any_of(equalities.begin(), equalities.end(),
                           [&](const FieldFilter* e) { return e->field == f.field; });
        }
      }
      if (!ok) continue;
      // Served order: the same fields, all directions equal (forward) or all opposite.
      std::optional<bool> reverse;
      auto agree = [&](IndexMode mode, Direction d) {
        if (mode == IndexMode::kContains) return false;
        bool same = (mode == IndexMode::kDescending) == (d == Direction::kDescending);
        if (!reverse) reverse = !same;
        return *reverse == !same;
      };
      for (size_t i = 0; i < served.size() && ok; ++i) {
        const IndexField& f = index.fields[fixed + i];
        ok = f.field == served[i].field && agree(f.mode, served[i].direction);
      }
      IndexMode name_mode = has_name ? index.fields.back().mode
                                     : (n > 0 && index.fields[n - 1].mode == IndexMode::kDescending
                                            ? IndexMode::kDescending
                                            : IndexMode::kAscending);
      ok = ok && agree(name_mode, name_dir);
      if (ok) return CompositeMatch{&index, reverse.value_or(false)};
    }
    return std::nullopt;
  }

  Result<Scan> CompositeScan(const Conjunct& c, const std::vector<const FieldFilter*>& equalities,
                             const std::vector<Order>& served, const CompositeMatch& m) const {
    const CompositeIndex& index = *m.index;
    const size_t fixed = equalities.size() + (c.contains ? 1 : 0);
    Scan s;
    s.index_id = CompositeIndexId(index);
    s.parent = q_.collection_group ? "" : q_.CollectionLabel();
    s.reverse = m.reverse;
    s.index_description = "composite index " + index.ToJson();
    std::string prefix;
    for (size_t i = 0; i < fixed; ++i) {
      const IndexField& f = index.fields[i];
      const Value* v = nullptr;
      if (c.contains && f.field == c.contains->field) {
        v = &c.contains->value;
      } else {
        for (const FieldFilter* e : equalities) {
          if (e->field == f.field) v = &e->value;
        }
      }
      AppendIndexedValue(prefix, *v, f.mode == IndexMode::kDescending);
    }
    KeyBounds range;
    if (!served.empty() && !c.inequalities.empty() && c.inequalities[0]->field == served[0].field) {
      range = ValueRange(c.inequalities);
      if (index.fields[fixed].mode == IndexMode::kDescending) range = Invert(range);
    }
    KeyBounds b = UnderPrefix(prefix, range);
    const bool has_name = index.fields.back().field.IsDocumentName();
    const size_t n = index.fields.size() - (has_name ? 1 : 0);
    std::vector<IndexField> components(index.fields.begin() + static_cast<long>(fixed),
                                       index.fields.begin() + static_cast<long>(n));
    const bool name_desc = has_name ? index.fields.back().mode == IndexMode::kDescending
                                    : index.fields[n - 1].mode == IndexMode::kDescending;
    ApplyCursorBounds(b, prefix, components, name_desc, s.reverse);
    s.lower = b.lower;
    s.upper = b.upper;
    return s;
  }

  Result<Scan> MissingIndex(const Conjunct& c, const std::vector<const FieldFilter*>& equalities,
                            const std::vector<Order>& served, Direction name_dir) const {
    CompositeIndex needed;
    needed.collection_group = q_.collection_id;
    needed.scope = q_.collection_group ? QueryScope::kCollectionGroup : QueryScope::kCollection;
    for (const FieldFilter* e : equalities) {
      needed.fields.push_back({e->field, IndexMode::kAscending});
    }
    if (c.contains) needed.fields.push_back({c.contains->field, IndexMode::kContains});
    for (const Order& o : served) {
      needed.fields.push_back({o.field, o.direction == Direction::kDescending
                                            ? IndexMode::kDescending
                                            : IndexMode::kAscending});
    }
    // A field whose automatic index was switched off: say so rather than suggest an index.
    for (const IndexField& f : needed.fields) {
      const FieldOverride* o = config_.OverrideFor(q_.collection_id, f.field);
      if (!q_.collection_group && o && o->exempt && needed.fields.size() == 1) {
        return FailedPrecondition("field '" + f.field.ToString() +
                                  "' is exempt from indexing by a fieldOverrides entry in "
                                  "firestore.indexes.json; remove the exemption to query on it");
      }
    }
    bool last_desc = !needed.fields.empty() && needed.fields.back().mode == IndexMode::kDescending;
    if ((name_dir == Direction::kDescending) != last_desc || needed.fields.size() < 2) {
      needed.fields.push_back({FieldPath::DocumentName(), name_dir == Direction::kDescending
                                                              ? IndexMode::kDescending
                                                              : IndexMode::kAscending});
    }
    if (needed.fields.size() < 2 || (needed.fields.size() == 2 && q_.collection_group &&
                                     needed.fields[1].field.IsDocumentName())) {
      // A single field in a collection group: a fieldOverride, not a composite.
      const IndexField& f = needed.fields[0];
      return FailedPrecondition(
          "this query needs a collection-group index on '" + f.field.ToString() +
          "'; add to \"fieldOverrides\" in firestore.indexes.json: {\"collectionGroup\": \"" +
          q_.collection_id + "\", \"fieldPath\": \"" + f.field.ToString() +
          "\", \"indexes\": [{\"order\": \"ASCENDING\", \"queryScope\": \"COLLECTION\"}, "
          "{\"arrayConfig\": \"CONTAINS\", \"queryScope\": \"COLLECTION\"}, " +
          (f.mode == IndexMode::kContains
               ? std::string(
                     "{\"arrayConfig\": \"CONTAINS\", \"queryScope\": \"COLLECTION_GROUP\"}")
               : std::string("{\"order\": \"ASCENDING\", \"queryScope\": \"COLLECTION_GROUP\"}")) +
          "]}");
    }
    return FailedPrecondition(
        "this query needs a composite index; add to \"indexes\" in firestore.indexes.json: " +
        needed.ToJson());
  }

  // Narrows `b` with the query's cursors where they map onto the key's components after
  // `prefix`: `components` (index order, without the name), then the name (`name_desc`).
  // A cursor that maps only in part bounds inclusively by the part that maps (the
  // matcher does the rest). `reverse`: the query's order is descending key order.
  void ApplyCursorBounds(KeyBounds& b, const std::string& prefix,
                         const std::vector<IndexField>& components, bool name_desc,
                         bool reverse) const {
    for (int which = 0; which < 2; ++which) {
      const std::optional<Cursor>& cursor = which == 0 ? q_.start : q_.end;
      if (!cursor || cursor->document) continue;
      std::string bytes = prefix;
      size_t next = 0;  // the next component to match
      bool complete = true;
      for (size_t i = 0; i < cursor->values.size(); ++i) {
        const Order& o = q_.order[i];
        if (o.field.IsDocumentName() && next == components.size()) {
          AppendIndexedValue(bytes, cursor->values[i], name_desc);
          ++next;
        } else if (next < components.size() && components[next].field == o.field) {
          AppendIndexedValue(bytes, cursor->values[i],
                             components[next].mode == IndexMode::kDescending);
          ++next;
        } else {
          complete = false;  // an order field fixed by a filter: leave it to the matcher
          break;
        }
      }
      if (next == 0) continue;
      const bool inclusive = cursor->inclusive || !complete;
      // startAt in ascending key order cuts from below; reversed, from above.
      if ((which == 0) != reverse) {
        if (inclusive) {
          b.RaiseLower(bytes);
        } else if (auto succ = PrefixSuccessor(bytes)) {
          b.RaiseLower(*succ);
        }
      } else {
        b.LowerUpper(inclusive ? PrefixSuccessor(bytes) : std::optional<std::string>(bytes));
      }
    }
  }

  // Cursor and __name__ bounds on a collection's ID range.
  void ApplyIdBounds(Scan& s) const {
    KeyBounds b;
    auto id_of = [](const Value& ref) {
      const std::string& path = ref.reference_value();
      return path.substr(path.rfind('/') + 1);
    };
    for (int which = 0; which < 2; ++which) {
      const std::optional<Cursor>& cursor = which == 0 ? q_.start : q_.end;
      if (!cursor || cursor->document || cursor->values.empty()) continue;
      if (!q_.order[0].field.IsDocumentName()) continue;
      std::string id = id_of(cursor->values[0]);
      bool cuts_lower = (which == 0) != s.reverse;
      if (cuts_lower) {
        b.RaiseLower(cursor->inclusive ? id : id + std::string(1, '\0'));
      } else {
        b.LowerUpper(cursor->inclusive ? id + std::string(1, '\0') : id);
      }
    }
    s.lower = b.lower;
    s.upper = b.upper;
  }

  const Query& q_;
  const IndexConfig& config_;
  const std::function<bool(const CompositeIndex&)>& ready_;
};

}  // namespace

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

Result<Plan> PlanQuery(const Query& q, const IndexConfig& config,
                       const std::function<bool(const CompositeIndex&)>& ready) {
  return Planner(q, config, ready).Run();
}

}  // namespace hearth::query
