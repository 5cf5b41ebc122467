// /v1/documents: get, set, merge, update, delete, create with auto-ID, list.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "api/endpoints.h"
#include "api/render.h"
#include "base/random.h"
#include "base/strings.h"
#include "model/json.h"
#include "model/path.h"
#include "model/timestamp.h"

namespace hearth::api {
namespace {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;

Result<model::ResourcePath> ParseDocumentsPath(std::string_view raw) {
  if (raw.empty()) {
    return InvalidArgument("the URL must name a collection or a document: /v1/documents/{path}");
  }
  std::vector<std::string> segments;
  size_t start = 0;
  for (;;) {
    size_t slash = raw.find('/', start);
    std::string_view seg =
        raw.substr(start, slash == std::string_view::npos ? slash : slash - start);
    auto decoded = PercentDecode(seg);
    if (!decoded) return InvalidArgument("malformed percent-escape in the path");
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto path = model::ResourcePath::FromSegments(std::move(segments));
  if (!path.ok()) return InvalidArgument("invalid path: " + path.status().message());
  return path;
}

struct QueryParams {
  std::optional<bool> exists;
  std::optional<int64_t> update_time;
  bool merge = false;
  std::optional<size_t> page_size;
  std::optional<std::string> page_token;
  std::optional<std::string> transaction;
};

Result<bool> ParseBool(std::string_view name, std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return InvalidArgument("query parameter '" + std::string(name) + "' must be true or false");
}

// `allowed` lists the parameters this route takes; anything else is refused so that a
// typo never silently changes what a write does.
Result<QueryParams> ParseParams(std::string_view query,
                                std::initializer_list<std::string_view> allowed) {
  auto pairs = ParseQueryString(query);
  if (!pairs) return InvalidArgument("malformed query string");
  QueryParams p;
  for (auto& [key, value] : *pairs) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return InvalidArgument("unknown query parameter '" + key.substr(0, 64) + "' for this route");
    }
    if (key == "exists") {
      ASSIGN_OR_RETURN(p.exists, ParseBool(key, value));
    } else if (key == "merge") {
      ASSIGN_OR_RETURN(p.merge, ParseBool(key, value));
    } else if (key == "updateTime") {
      auto ts = model::Timestamp::Parse(value);
      if (!ts.ok()) return InvalidArgument("updateTime: " + ts.status().message());
      p.update_time = ts->ToMicros();
    } else if (key == "pageSize") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxPageSize) {
        return InvalidArgument("pageSize must be an integer from 1 to 1000");
      }
      p.page_size = n;
    } else if (key == "pageToken") {
      p.page_token = value;
    } else if (key == "transaction") {
      p.transaction = value;
    }
  }
  return p;
}

// If-Match: "<updateTime>" or *. Returns the precondition, or a 412 response to send.
std::optional<Response> ApplyIfMatch(const Request& request, db::Precondition& pre) {
  std::string_view if_match = request.Header("If-Match");
  if (if_match.empty()) return std::nullopt;
  if (if_match == "*") {
    pre.exists = true;
    return std::nullopt;
  }
  if (if_match.starts_with("W/")) if_match.remove_prefix(2);
  if (if_match.size() >= 2 && if_match.front() == '"' && if_match.back() == '"') {
    if_match = if_match.substr(1, if_match.size() - 2);
  }
  auto ts = model::Timestamp::Parse(if_match);
  if (!ts.ok()) {
    return Response::Error(412, Code::kFailedPrecondition,
                           "If-Match must be an ETag returned by this API");
  }
  pre.update_time = ts->ToMicros();
  return std::nullopt;
}

std::string EncodePageToken(std::string_view last_id) {
  return Base64UrlEncode("v1:" + std::string(last_id));
}

Result<std::string> DecodePageToken(std::string_view token) {
  auto raw = Base64Decode(token);
  if (!raw || !raw->starts_with("v1:")) {
    return InvalidArgument("invalid pageToken: pass back the nextPageToken of a previous page");
  }
  return raw->substr(3);
}

Response WithRoute(Response r, const char* route) {
  r.route = route;
  return r;
}

// Answers a point read with `doc` (404 when missing, 304 when If-None-Match holds).
void AnswerGet(const Responder& respond, const std::string& if_none_match,
               const std::optional<storage::DocumentRecord>& doc) {
  if (!doc) {
    return respond(
        WithRoute(Response::Error(NotFound("no document at this path")), "documents.get"));
  }
  std::string etag = DocumentEtag(doc->update_time);
  Response r;
  r.route = "documents.get";
  if (!if_none_match.empty() && (if_none_match == etag || if_none_match == "*")) {
    r.status = 304;
    r.content_type.clear();
  } else {
    r.body = DocumentJson(*doc);
  }
  r.headers.emplace_back("ETag", std::move(etag));
  respond(std::move(r));
}

void Get(db::Database& db, std::shared_ptr<const Access> access, const Request& request,
         model::ResourcePath path, Responder respond) {
  auto params = ParseParams(request.query, {"transaction"});
  if (!params.ok()) return respond(WithRoute(Response::Error(params.status()), "documents.get"));
  std::string if_none_match(request.Header("If-None-Match"));
  std::string path_string = path.ToString();
  auto answer = [&db, access, path_string, respond = std::move(respond),
                 if_none_match](Result<std::optional<storage::DocumentRecord>> result) {
    auto fail = [&](const Status& s) { respond(WithRoute(Response::Error(s), "documents.get")); };
    if (!result.ok()) return fail(result.status());
    if (access->admin) return AnswerGet(respond, if_none_match, *result);
    // The rules decide before anything is said about the document, its absence included.
    ReadCheck check{.method = rules::Method::kGet, .path = path_string};
    if (*result) {
      auto fields = StoredFields(path_string, (*result)->data);
      if (!fields.ok()) return fail(fields.status());
      check.resource = std::move(fields).value();
    }
    auto doc = std::make_shared<std::optional<storage::DocumentRecord>>(std::move(*result));
    EvaluateOffIo(db, access, std::move(check),
                  [respond, if_none_match, doc](Result<rules::Evaluation> e) {
                    if (!e.ok() || e->decision != rules::Decision::kAllow) {
                      Status s = e.ok() ? Denied() : e.status();
                      return respond(WithRoute(Response::Error(s), "documents.get"));
                    }
                    AnswerGet(respond, if_none_match, *doc);
                  });
  };
  if (params->transaction) {
    db.GetInTransaction(*params->transaction, path_string, std::move(answer));
  } else {
    db.Get(path_string, std::move(answer));
  }
}

void List(db::Database& db, std::shared_ptr<const Access> access, const Request& request,
          model::ResourcePath path, Responder respond) {
  auto params = ParseParams(request.query, {"pageSize", "pageToken"});
  if (!params.ok()) return respond(WithRoute(Response::Error(params.status()), "documents.list"));
  std::string start_after;
  if (params->page_token) {
    auto decoded = DecodePageToken(*params->page_token);
    if (!decoded.ok()) {
      return respond(WithRoute(Response::Error(decoded.status()), "documents.list"));
    }
    start_after = std::move(decoded).value();
  }
  size_t page_size = params->page_size.value_or(kDefaultPageSize);
  std::string parent = path.ToString();
  // One extra row tells whether another page exists without a second query.
  db.List(parent, std::move(start_after), page_size + 1,
          [&db, access, parent, respond = std::move(respond), page_size](auto result) {
            auto fail = [&](const Status& s) {
              respond(WithRoute(Response::Error(s), "documents.list"));
            };
            if (!result.ok()) return fail(result.status());
            auto& docs = *result;
            bool more = docs.size() > page_size;
            if (more) docs.resize(page_size);
            // Like a query without filters (query.cc): decided from the rules alone when
            // they allow or deny whatever the documents hold, else document by document.
            // This callback runs on the read pool, so the rules may read documents.
            if (!access->admin) {
              Status allowed = CheckList(db, *access, parent, {}, static_cast<int64_t>(page_size),
                                         std::nullopt, docs);
              if (!allowed.ok()) return fail(allowed);
            }
            std::string body = R"({"documents":[)";
            for (size_t i = 0; i < docs.size(); ++i) {
              if (i > 0) body.push_back(',');
              AppendDocumentJson(body, docs[i]);
            }
            body += "]";
            if (more) {
              std::string_view last = docs.back().path;
              body += R"(,"nextPageToken":)";
              model::AppendJsonString(body, EncodePageToken(last.substr(last.rfind('/') + 1)));
            }
            body += "}";
            respond(WithRoute(Response::Json(200, std::move(body)), "documents.list"));
          });
}

// Runs one mutation and answers with the document written (or the commit time for a
// delete). `if_match` marks preconditions that came from If-Match: they fail with 412.
void CommitOne(db::Database& db, const std::shared_ptr<const Access>& access, db::Mutation m,
               const char* route, int success_status, bool if_match, Responder respond) {
  std::string location;
  if (success_status == 201) {
    location = "/v1/documents";
    for (const auto& segment : m.path.segments()) {
      location += '/';
      location += PercentEncode(segment);
    }
  }
  std::vector<db::Mutation> mutations;
  mutations.push_back(std::move(m));
  db::CommitCheck check = access->admin ? nullptr : RulesCommitCheck(access);
  db.Commit(std::move(mutations), std::nullopt, std::move(check),
            [respond = std::move(respond), route, success_status, if_match,
             location = std::move(location)](auto result) {
              if (!result.ok()) {
                const Status& s = result.status();
                // RFC 9110: a failed If-Match is 412, also when there is no current document.
                Response error = if_match && (s.code() == Code::kFailedPrecondition ||
                                              s.code() == Code::kNotFound)
                                     ? Response::Error(412, Code::kFailedPrecondition, s.message())
                                     : Response::Error(s);
                return respond(WithRoute(std::move(error), route));
              }
              const auto& doc = result->documents.front();
              Response r;
              r.route = route;
              r.status = success_status;
              if (doc) {
                r.body = DocumentJson(*doc);
                r.headers.emplace_back("ETag", DocumentEtag(doc->update_time));
              } else {
                r.body = R"({"commitTime":")" + model::FormatMicros(result->commit_time) + "\"}";
              }
              if (!location.empty()) r.headers.emplace_back("Location", location);
              respond(std::move(r));
            });
}

void Write(db::Database& db, const std::shared_ptr<const Access>& access, const Request& request,
           model::ResourcePath path, Responder respond) {
  const char* route = request.method == Method::kPut      ? "documents.set"
                      : request.method == Method::kPatch  ? "documents.update"
                      : request.method == Method::kDelete ? "documents.delete"
                                                          : "documents.create";
  auto fail = [&](const Status& s) { respond(WithRoute(Response::Error(s), route)); };
  auto params = request.method == Method::kPut
                    ? ParseParams(request.query, {"exists", "updateTime", "merge"})
                    : ParseParams(request.query, {"exists", "updateTime"});
  if (!params.ok()) return fail(params.status());

  db::Mutation m;
  if (request.method == Method::kDelete) {
    m = db::MakeDelete(std::move(path));
  } else {
    model::WriteMode mode = request.method == Method::kPatch ? model::WriteMode::kUpdate
                            : params->merge                  ? model::WriteMode::kMergeSet
                                                             : model::WriteMode::kSet;
    auto data = model::ParseWriteData(request.body, mode);
    if (!data.ok()) return fail(data.status());
    switch (mode) {
      case model::WriteMode::kUpdate:
        m = db::MakeUpdate(std::move(path), std::move(*data));
        break;
      case model::WriteMode::kMergeSet:
        m = db::MakeMergeSet(std::move(path), std::move(*data));
        break;
      case model::WriteMode::kSet:
        m = db::MakeSet(std::move(path), std::move(*data));
        break;
    }
  }
  if (params->exists) m.precondition.exists = params->exists;
  if (params->update_time) m.precondition.update_time = params->update_time;
  if (auto refused = ApplyIfMatch(request, m.precondition)) {
    return respond(WithRoute(std::move(*refused), route));
  }
  bool if_match = !request.Header("If-Match").empty();
  CommitOne(db, access, std::move(m), route, 200, if_match, std::move(respond));
}

void Create(db::Database& db, const std::shared_ptr<const Access>& access, const Request& request,
            model::ResourcePath collection, Responder respond) {
  auto fail = [&](const Status& s) { respond(WithRoute(Response::Error(s), "documents.create")); };
  auto params = ParseParams(request.query, {});
  if (!params.ok()) return fail(params.status());
  auto data = model::ParseWriteData(request.body, model::WriteMode::kSet);
  if (!data.ok()) return fail(data.status());
  db::Mutation m = db::MakeSet(collection.Child(AutoId()), std::move(*data));
  // 62^20 IDs make a collision practically impossible; if one happens, fail, not overwrite.
  m.precondition.exists = false;
  CommitOne(db, access, std::move(m), "documents.create", 201, false, std::move(respond));
}

}  // namespace

Response MethodNotAllowed(const Request& request, std::string_view allow, std::string route) {
  Response r = Response::Error(405, Code::kInvalidArgument,
                               "method " + std::string(request.method_name) +
                                   " is not allowed here; allowed: " + std::string(allow));
  r.headers.emplace_back("Allow", std::string(allow));
  r.route = std::move(route);
  return r;
}

void HandleDocuments(db::Database& db, std::shared_ptr<const Access> access, const Request& request,
                     std::string_view raw_path, Responder respond) {
  auto path = ParseDocumentsPath(raw_path);
  if (!path.ok()) {
    return respond(WithRoute(Response::Error(path.status()), "documents.invalid"));
  }
  if (path->IsDocument()) {
    switch (request.method) {
      case Method::kGet:
      case Method::kHead:
        return Get(db, std::move(access), request, std::move(*path), std::move(respond));
      case Method::kPut:
      case Method::kPatch:
      case Method::kDelete:
        return Write(db, access, request, std::move(*path), std::move(respond));
      default:
        return respond(MethodNotAllowed(request, "GET, HEAD, PUT, PATCH, DELETE", "documents"));
    }
  }
  switch (request.method) {
    case Method::kGet:
    case Method::kHead:
      return List(db, std::move(access), request, std::move(*path), std::move(respond));
    case Method::kPost:
      return Create(db, access, request, std::move(*path), std::move(respond));
    default:
      return respond(MethodNotAllowed(request, "GET, HEAD, POST", "documents"));
  }
}

}  // namespace hearth::api
