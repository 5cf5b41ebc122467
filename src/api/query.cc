// POST /v1/query: structured queries and aggregations.
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "api/endpoints.h"
#include "api/render.h"
#include "model/json.h"
#include "model/json_view.h"
#include "model/timestamp.h"
#include "query/query.h"

namespace hearth::api {
namespace {

using http::Response;
using model::JsonView;

struct Aggregation {
  enum class Kind { kCount, kSum, kAvg };
  std::string alias;
  Kind kind = Kind::kCount;
  model::FieldPath field;
};

// "aggregate": {"alias": {"count": true} | {"sum": "field"} | {"avg": "field"}, ...}
Result<std::vector<Aggregation>> ParseAggregations(const JsonView& json) {
  if (!json.is_object() || json.Members().empty()) {
    return InvalidArgument(
        "aggregate: {\"alias\": {\"count\": true} | {\"sum\": \"field\"} | {\"avg\": \"field\"}}");
  }
  std::vector<Aggregation> out;
  for (const auto& [alias, spec] : json.Members()) {
    const std::string where = "aggregate." + std::string(alias);
    if (Status s = model::ValidateFieldName(alias); !s.ok()) {
      return InvalidArgument(where + ": " + s.message());
    }
    for (const auto& a : out) {
      if (a.alias == alias) return InvalidArgument(where + ": alias repeated");
    }
    auto members =
        spec.is_object() ? spec.Members() : std::vector<std::pair<std::string_view, JsonView>>();
    if (members.size() != 1) {
      return InvalidArgument(where +
                             ": one of {\"count\": true}, {\"sum\": \"field\"}, "
                             "{\"avg\": \"field\"}");
    }
    const auto& [op, arg] = members[0];
    Aggregation a;
    a.alias = std::string(alias);
    if (op == "count") {
      if (arg.kind() != JsonView::Kind::kBool || !arg.AsBool()) {
        return InvalidArgument(where + ".count takes true");
      }
    } else if (op == "sum" || op == "avg") {
      a.kind = op == "sum" ? Aggregation::Kind::kSum : Aggregation::Kind::kAvg;
      if (!arg.is_string())
        return InvalidArgument(where + "." + std::string(op) + " takes a field");
      auto field = model::FieldPath::Parse(arg.AsString());
      if (!field.ok() || field->IsDocumentName()) {
        return InvalidArgument(where + ": not a field path: '" + std::string(arg.AsString()) + "'");
      }
      a.field = std::move(field).value();
    } else {
      return InvalidArgument(where + ": unknown aggregation '" + std::string(op) +
                             "' (count, sum, avg)");
    }
    out.push_back(std::move(a));
  }
  return out;
}

// Firestore's sum: integers stay integers until one overflows; any double makes a double;
// values that are not numbers are skipped. avg is a double, null without numbers.
model::Value Aggregate(const Aggregation& a, const std::vector<model::Map>& docs) {
  if (a.kind == Aggregation::Kind::kCount) {
    return model::Value::Integer(static_cast<int64_t>(docs.size()));
  }
  int64_t int_sum = 0;
  double double_sum = 0;
  bool use_double = false;
  size_t n = 0;
  for (const model::Map& fields : docs) {
    const model::Value* v = model::GetField(fields, a.field);
    if (v == nullptr || !v->is_number()) continue;
    ++n;
    int64_t next;
    if (!use_double && v->type() == model::Value::Type::kInteger &&
        !__builtin_add_overflow(int_sum, v->integer_value(), &next)) {
      int_sum = next;
      continue;
    }
    if (!use_double) {
      use_double = true;
      double_sum = static_cast<double>(int_sum);
    }
    double_sum += v->AsDouble();
  }
  if (a.kind == Aggregation::Kind::kAvg) {
    if (n == 0) return model::Value::Null();
    double total = use_double ? double_sum : static_cast<double>(int_sum);
    return model::Value::Double(total / static_cast<double>(n));
  }
  return use_double ? model::Value::Double(double_sum) : model::Value::Integer(int_sum);
}

Response WithRoute(Response r) {
  r.route = "query";
  return r;
}

std::string AnswerBody(const std::optional<std::vector<Aggregation>>& aggregations,
                       const std::optional<std::vector<model::FieldPath>>& project,
                       const db::QueryResult& result) {
  std::string body;
  if (aggregations) {
    std::vector<model::Map> docs;
    docs.reserve(result.documents.size());
    for (const auto& d : result.documents) {
      auto fields = model::ParseDocumentJson(d.data);
      if (fields.ok()) docs.push_back(std::move(fields).value());
    }
    model::Map values;
    for (const auto& a : *aggregations) values[a.alias] = Aggregate(a, docs);
    body = R"({"aggregates":)";
    model::AppendMapJson(body, values);
  } else {
    body = R"({"documents":[)";
    for (size_t i = 0; i < result.documents.size(); ++i) {
      if (i > 0) body.push_back(',');
      if (project) {
        storage::DocumentRecord doc = result.documents[i];
        auto fields = model::ParseDocumentJson(doc.data);
        doc.data = db::Project(fields.ok() ? *fields : model::Map(), *project);
        AppendDocumentJson(body, doc);
      } else {
        AppendDocumentJson(body, result.documents[i]);
      }
    }
    body += "]";
  }
  body += R"(,"readTime":")" + model::FormatMicros(result.read_time) + "\"}";
  return body;
}

// Runs `q` and answers. `check_each`: the rules could not decide from the query alone, so
// every document it returns must be allowed (checked on the read pool, in the callback);
// the query then runs without its projection, which is applied after the check.
void RunAndAnswer(db::Database& db, std::shared_ptr<const Access> access, query::Query q,
                  std::optional<std::vector<Aggregation>> aggregations, bool check_each,
                  http::Responder respond) {
  std::optional<std::vector<model::FieldPath>> project;
  if (check_each) project = std::exchange(q.select, std::nullopt);
  std::optional<int64_t> limit = q.limit;
  db.RunQuery(std::move(q), [&db, access, respond = std::move(respond), check_each, limit,
                             project = std::move(project),
                             aggregations = std::move(aggregations)](auto result) {
    if (!result.ok()) return respond(WithRoute(Response::Error(result.status())));
    if (check_each) {
      Status allowed =
          CheckList(db, *access, std::nullopt, {}, limit, std::nullopt, result->documents);
      if (!allowed.ok()) return respond(WithRoute(Response::Error(allowed)));
    }
    respond(WithRoute(Response::Json(200, AnswerBody(aggregations, project, *result))));
  });
}

}  // namespace

void HandleQuery(db::Database& db, std::shared_ptr<const Access> access,
                 const http::Request& request, http::Responder respond) {
  if (request.method != http::Method::kPost) {
    return respond(MethodNotAllowed(request, "POST", "query"));
  }
  auto fail = [&](const Status& s) { respond(WithRoute(Response::Error(s))); };
  if (!request.query.empty()) return fail(InvalidArgument("/v1/query takes no query parameters"));
  auto doc = model::JsonDocument::Parse(request.body);
  if (!doc.ok()) return fail(doc.status());
  auto q = query::ParseQuery(doc->root());
  if (!q.ok()) return fail(q.status());
  std::optional<std::vector<Aggregation>> aggregations;
  if (auto agg = doc->root().Get("aggregate")) {
    auto parsed = ParseAggregations(*agg);
    if (!parsed.ok()) return fail(parsed.status());
    if (q->select) return fail(InvalidArgument("use either select or aggregate, not both"));
    aggregations = std::move(parsed).value();
  }
  if (access->admin) {
    return RunAndAnswer(db, access, std::move(q).value(), std::move(aggregations), false,
                        std::move(respond));
  }
  // Firestore's "rules are not filters": a query (or an aggregation over one) is allowed
  // only if the list rule holds for every document it could return. First from the query
  // alone: what its equality filters pin is all the rules may look at. A collection group
  // spans documents under different match blocks, so it is always checked per document.
  ReadCheck check{.method = rules::Method::kList, .query_limit = q->limit};
  if (q->collection_group) {
    return RunAndAnswer(db, access, std::move(q).value(), std::move(aggregations), true,
                        std::move(respond));
  }
  check.path = q->CollectionLabel() + "/_";
  check.resource = FixedFields(*q);
  check.resource_partial = true;
  auto state = std::make_shared<
      std::tuple<query::Query, std::optional<std::vector<Aggregation>>, http::Responder>>(
      std::move(q).value(), std::move(aggregations), std::move(respond));
  EvaluateOffIo(db, access, std::move(check), [&db, access, state](Result<rules::Evaluation> e) {
    auto& [query, aggregations, respond] = *state;
    if (!e.ok()) return respond(WithRoute(Response::Error(e.status())));
    if (e->decision == rules::Decision::kDeny) return respond(WithRoute(Response::Error(Denied())));
    RunAndAnswer(db, access, std::move(query), std::move(aggregations),
                 e->decision == rules::Decision::kUnknown, std::move(respond));
  });
}

}  // namespace hearth::api
