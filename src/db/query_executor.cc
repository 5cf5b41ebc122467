#include "db/query_executor.h"

#include <algorithm>
#include <limits>

#include "base/clock.h"
#include "model/json.h"
#include "query/matcher.h"
#include "query/planner.h"

namespace hearth::db {
namespace {

struct Row {
  storage::DocumentRecord record;
  query::Document doc;
};

Result<query::Document> ToDocument(const storage::DocumentRecord& record) {
  query::Document d;
  ASSIGN_OR_RETURN(d.path, model::ResourcePath::Parse(record.path));
  auto fields = model::ParseDocumentJson(record.data);
  if (!fields.ok()) {
    return Status(Code::kDataLoss, "stored document '" + record.path + "' is unreadable");
  }
  d.fields = std::move(fields).value();
  return d;
}

// Reads one scan in the direction the query needs, keeping the documents the matcher
// accepts, until `need` are found or the range ends.
Status RunScan(storage::Engine& engine, const query::Query& q, const query::Scan& scan, size_t need,
               std::vector<Row>& out) {
  const bool reverse = scan.reverse != q.limit_to_last;
  std::string lower = scan.lower;
  std::optional<std::string> upper = scan.upper;
  size_t found = 0;
  for (;;) {
    size_t batch =
        std::clamp<size_t>(need == std::numeric_limits<size_t>::max() ? 1000 : need + 8, 16, 1000);
    Result<std::vector<storage::IndexedDocument>> rows = std::vector<storage::IndexedDocument>();
    if (scan.source == query::Scan::Source::kIds) {
      rows = engine.ScanIds({scan.parent, lower, upper, reverse, batch});
    } else {
      rows = engine.ScanIndex({scan.index_id, scan.parent, lower, upper, reverse, batch});
    }
    if (!rows.ok()) return rows.status();
    for (auto& row : *rows) {
      ASSIGN_OR_RETURN(query::Document doc, ToDocument(row.doc));
      if (!query::InCollection(q, doc.path) || !query::Matches(q, doc) ||
          !query::WithinCursors(q, doc)) {
        continue;
      }
      out.push_back({std::move(row.doc), std::move(doc)});
      if (++found >= need) return Status::Ok();
    }
    if (rows->size() < batch) return Status::Ok();
    // Continue after the last key read (keys are unique).
    const std::string& last = rows->back().key;
    if (reverse) {
      upper = last;
    } else {
      lower = last + std::string(1, '\0');
    }
  }
}

}  // namespace

std::string Project(const model::Map& fields, const std::vector<model::FieldPath>& select) {
  model::Map out;
  for (const auto& path : select) {
    if (path.IsDocumentName()) continue;
    if (const model::Value* v = model::GetField(fields, path)) model::SetField(out, path, *v);
  }
  return model::MapToJson(out);
}

Result<QueryResult> ExecuteQuery(storage::Engine& engine, const query::Query& original,
                                 const query::IndexConfig& indexes,
                                 const std::function<bool(const query::CompositeIndex&)>& ready) {
  QueryResult result;
  result.read_time = SystemClock().NowMicros();
  query::Query q = original;
  // Cursors given as documents take that document's values.
  for (std::optional<query::Cursor>* cursor : {&q.start, &q.end}) {
    if (!*cursor || !(*cursor)->document) continue;
    ASSIGN_OR_RETURN(auto record, engine.Get(*(*cursor)->document));
    std::optional<query::Document> doc;
    if (record) {
      ASSIGN_OR_RETURN(query::Document d, ToDocument(*record));
      doc = std::move(d);
    }
    ASSIGN_OR_RETURN(query::Cursor resolved, query::ResolveCursor(q, **cursor, doc));
    *cursor = std::move(resolved);
  }
  ASSIGN_OR_RETURN(query::Plan plan, query::PlanQuery(q, indexes, ready));
  const size_t need = q.limit ? static_cast<size_t>(*q.limit) : std::numeric_limits<size_t>::max();
  std::vector<Row> rows;
  for (const query::Scan& scan : plan.scans) RETURN_IF_ERROR(RunScan(engine, q, scan, need, rows));
  if (plan.scans.size() > 1) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      return query::CompareInOrder(q, a.doc, b.doc) < 0;
    });
    // A document several disjuncts matched sorts next to itself.
    rows.erase(
        std::unique(rows.begin(), rows.end(),
                    [](const Row& a, const Row& b) { return a.record.path == b.record.path; }),
        rows.end());
  } else if (q.limit_to_last) {
    std::reverse(rows.begin(), rows.end());  // read backwards
  }
  if (rows.size() > need) {
    if (q.limit_to_last) {
      rows.erase(rows.begin(), rows.end() - static_cast<long>(need));
    } else {
      rows.resize(need);
    }
  }
  result.documents.reserve(rows.size());
  for (Row& row : rows) {
    if (q.select) row.record.data = Project(row.doc.fields, *q.select);
    result.documents.push_back(std::move(row.record));
  }
  return result;
}

}  // namespace hearth::db
