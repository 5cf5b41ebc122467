// POST /v1/commit: an atomic batch of writes.
#include "api/endpoints.h"
#include "api/render.h"
#include "model/json_view.h"
#include "model/path.h"
#include "model/timestamp.h"

namespace hearth::api {
namespace {

using http::Response;
using model::JsonView;

constexpr size_t kMaxWrites = 500;

Result<model::ResourcePath> DocumentPath(const JsonView& write, std::string_view where) {
  auto path_json = write.Get("path");
  if (!path_json || !path_json->is_string()) {
    return InvalidArgument(std::string(where) + ": \"path\" (a document path) is required");
  }
  auto path = model::ResourcePath::Parse(path_json->AsString());
  if (!path.ok()) return InvalidArgument(std::string(where) + ": " + path.status().message());
  if (!path->IsDocument()) {
    return InvalidArgument(std::string(where) + ": \"" + std::string(path_json->AsString()) +
                           "\" is not a document path (it needs an even number of segments)");
  }
  return path;
}

Result<db::Precondition> ParsePrecondition(const JsonView& json, std::string_view where) {
  if (!json.is_object()) return InvalidArgument(std::string(where) + ": must be an object");
  RETURN_IF_ERROR(json.CheckKeys(where, {"exists", "updateTime"}));
  db::Precondition p;
  if (auto exists = json.Get("exists")) {
    if (exists->kind() != JsonView::Kind::kBool) {
      return InvalidArgument(std::string(where) + ".exists must be true or false");
    }
    p.exists = exists->AsBool();
  }
  if (auto time = json.Get("updateTime")) {
    if (!time->is_string()) {
      return InvalidArgument(std::string(where) + ".updateTime must be an RFC 3339 string");
    }
    auto ts = model::Timestamp::Parse(time->AsString());
    if (!ts.ok())
      return InvalidArgument(std::string(where) + ".updateTime: " + ts.status().message());
    p.update_time = ts->ToMicros();
  }
  return p;
}

Result<model::WriteData> Data(const JsonView& op, std::string_view where, model::WriteMode mode) {
  auto data = op.Get("data");
  if (!data || !data->is_object()) {
    return InvalidArgument(std::string(where) + ": \"data\" (an object) is required");
  }
  auto parsed = data->ToWriteData(mode);
  if (!parsed.ok()) return InvalidArgument(std::string(where) + ": " + parsed.status().message());
  return parsed;
}

// One element of "writes": {"set"|"create"|"update"|"delete": {...}, "precondition"?: {...}}.
Result<db::Mutation> ParseWrite(const JsonView& write, size_t index) {
  const std::string where = "writes[" + std::to_string(index) + "]";
  if (!write.is_object()) return InvalidArgument(where + ": must be an object");
  RETURN_IF_ERROR(write.CheckKeys(where, {"set", "create", "update", "delete", "precondition"}));
  std::optional<std::pair<std::string_view, JsonView>> op;
  for (auto& [key, value] : write.Members()) {
    if (key == "precondition") continue;
    if (op) return InvalidArgument(where + ": exactly one of set, create, update, delete");
    op.emplace(key, value);
  }
  if (!op) return InvalidArgument(where + ": one of set, create, update, delete is required");
  auto& [kind, body] = *op;
  const std::string op_where = where + "." + std::string(kind);
  if (!body.is_object()) return InvalidArgument(op_where + ": must be an object");

  db::Mutation m;
  if (kind == "set") {
    RETURN_IF_ERROR(body.CheckKeys(op_where, {"path", "data", "merge"}));
    bool merge = false;
    if (auto merge_json = body.Get("merge")) {
      if (merge_json->kind() != JsonView::Kind::kBool) {
        return InvalidArgument(op_where + ".merge must be true or false");
      }
      merge = merge_json->AsBool();
    }
    ASSIGN_OR_RETURN(auto path, DocumentPath(body, op_where));
    ASSIGN_OR_RETURN(auto data, Data(body, op_where,
                                     merge ? model::WriteMode::kMergeSet : model::WriteMode::kSet));
    m = merge ? db::MakeMergeSet(std::move(path), std::move(data))
              : db::MakeSet(std::move(path), std::move(data));
  } else if (kind == "create") {
    RETURN_IF_ERROR(body.CheckKeys(op_where, {"path", "data"}));
    ASSIGN_OR_RETURN(auto path, DocumentPath(body, op_where));
    ASSIGN_OR_RETURN(auto data, Data(body, op_where, model::WriteMode::kSet));
    m = db::MakeSet(std::move(path), std::move(data));
    m.precondition.exists = false;
  } else if (kind == "update") {
    RETURN_IF_ERROR(body.CheckKeys(op_where, {"path", "data"}));
    ASSIGN_OR_RETURN(auto path, DocumentPath(body, op_where));
    ASSIGN_OR_RETURN(auto data, Data(body, op_where, model::WriteMode::kUpdate));
    m = db::MakeUpdate(std::move(path), std::move(data));
  } else {
    RETURN_IF_ERROR(body.CheckKeys(op_where, {"path"}));
    ASSIGN_OR_RETURN(auto path, DocumentPath(body, op_where));
    m = db::MakeDelete(std::move(path));
  }
  if (auto pre = write.Get("precondition")) {
    ASSIGN_OR_RETURN(db::Precondition p, ParsePrecondition(*pre, where + ".precondition"));
    // An explicit precondition adds to (and may tighten) the operation's own.
    if (p.exists) m.precondition.exists = p.exists;
    if (p.update_time) m.precondition.update_time = p.update_time;
  }
  return m;
}

struct ParsedCommit {
  std::vector<db::Mutation> mutations;
  std::optional<std::string> transaction;
};

Result<ParsedCommit> ParseCommit(std::string_view body) {
  ASSIGN_OR_RETURN(model::JsonDocument doc, model::JsonDocument::Parse(body));
  JsonView root = doc.root();
  if (!root.is_object()) return InvalidArgument("the body must be {\"writes\": [...]}");
  RETURN_IF_ERROR(root.CheckKeys("body", {"writes", "transaction"}));
  ParsedCommit out;
  if (auto txn = root.Get("transaction")) {
    if (!txn->is_string()) return InvalidArgument("\"transaction\" must be a transaction ID");
    out.transaction = std::string(txn->AsString());
  }
  auto writes = root.Get("writes");
  if (!writes || !writes->is_array()) {
    return InvalidArgument("\"writes\" (an array of writes) is required");
  }
  std::vector<JsonView> elements = writes->Elements();
  if (elements.size() > kMaxWrites) {
    return InvalidArgument("a commit holds at most 500 writes; this one has " +
                           std::to_string(elements.size()));
  }
  out.mutations.reserve(elements.size());
  for (size_t i = 0; i < elements.size(); ++i) {
    ASSIGN_OR_RETURN(db::Mutation m, ParseWrite(elements[i], i));
    out.mutations.push_back(std::move(m));
  }
  return out;
}

}  // namespace

void HandleCommit(db::Database& db, std::shared_ptr<const Access> access,
                  const http::Request& request, http::Responder respond) {
  if (request.method != http::Method::kPost) {
    return respond(MethodNotAllowed(request, "POST", "commit"));
  }
  auto fail = [&](const Status& s) {
    Response r = Response::Error(s);
    r.route = "commit";
    respond(std::move(r));
  };
  if (!request.query.empty()) return fail(InvalidArgument("/v1/commit takes no query parameters"));
  auto parsed = ParseCommit(request.body);
  if (!parsed.ok()) return fail(parsed.status());
  std::vector<std::string> paths;
  for (const auto& m : parsed->mutations) paths.push_back(m.path.ToString());
  // End users: every write must be allowed, checked inside the write (security.h).
  db::CommitCheck check = access->admin ? nullptr : RulesCommitCheck(access);
  db.Commit(std::move(parsed->mutations), std::move(parsed->transaction), std::move(check),
            [respond = std::move(respond), paths = std::move(paths)](auto result) {
              Response r;
              r.route = "commit";
              if (!result.ok()) {
                r = Response::Error(result.status());
                r.route = "commit";
                return respond(std::move(r));
              }
              std::string body = R"({"commitTime":")" + model::FormatMicros(result->commit_time) +
                                 R"(","writeResults":[)";
              for (size_t i = 0; i < result->documents.size(); ++i) {
                if (i > 0) body.push_back(',');
                const auto& doc = result->documents[i];
                body += R"({"path":)";
                model::AppendJsonString(body, paths[i]);
                if (doc) {
                  body += R"(,"updateTime":")" + model::FormatMicros(doc->update_time) + "\"}";
                } else {
                  body += R"(,"deleted":true})";
                }
              }
              body += "]}";
              r.body = std::move(body);
              respond(std::move(r));
            });
}

}  // namespace hearth::api
