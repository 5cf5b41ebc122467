// Firestore security rules: compile a rules file once, then evaluate requests against it.
//
//   ASSIGN_OR_RETURN(auto ruleset, rules::Compile(text, "firestore.rules"));
//   rules::Request request{.method = rules::Method::kGet, .path = "posts/p1", ...};
//   if (rules::Evaluate(*ruleset, request).decision == rules::Decision::kAllow) ...
//
// The supported language, its semantics and its limits are described in docs/rules.md.
//
// Thread safety: a compiled Ruleset is immutable; any number of threads may evaluate
// requests against one Ruleset at the same time. Evaluation is synchronous: get()/exists()
// call the request's DocumentReader on the evaluating thread, so evaluate on a blocking
// pool whenever the reader does I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/value.h"

namespace hearth::rules {

struct SourceLocation {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based, in bytes
};

// A compiled rules file (opaque; see detail/ast.h).
class Ruleset;

// Compiles rules text. A syntax or resolution error (unknown variable, function or
// method, wrong argument count, recursion, invalid regular expression literal, ...) is
// `invalid-argument` with the message "FILE:LINE:COL: what was expected / found".
Result<std::shared_ptr<const Ruleset>> Compile(std::string_view text, std::string_view file_name);

enum class Method { kGet, kList, kCreate, kUpdate, kDelete };
// "get", "list", "create", "update", "delete" (the values of request.method).
std::string_view MethodName(Method method);
std::optional<Method> ParseMethod(std::string_view name);

// A signed-in user. `token` holds every claim of the ID token (sub, email,
// email_verified, firebase: {sign_in_provider}, custom claims, ...).
struct Auth {
  std::string uid;
  model::Map token;
};

// Document reads for get(), exists(), getAfter() and existsAfter(). Paths are canonical
// document paths relative to the database ("users/u1"). Called synchronously, on the
// evaluating thread, at most Request::max_reads times per evaluation (each distinct
// document once). An error makes the expression that read it an error (so, deny).
class DocumentReader {
 public:
  virtual ~DocumentReader() = default;
  // The document before the request; nullopt if it does not exist.
  virtual Result<std::optional<model::Map>> Get(std::string_view path) = 0;
  // The document as if the request's writes (the whole batch) were applied.
  virtual Result<std::optional<model::Map>> GetAfter(std::string_view path) = 0;
};

// One request to decide. Everything pointed to must outlive the Evaluate() call.
struct Request {
  Method method = Method::kGet;
  // The document's path relative to the database ("posts/abc"). For list: the path of
  // each returned document, or for a decision from the query alone (resource_partial),
  // the collection path plus any placeholder ID ("posts/_"), which rules never see.
  std::string path;
  std::string_view database = "(default)";
  const Auth* auth = nullptr;                    // nullptr = not signed in (request.auth == null)
  const model::Map* resource = nullptr;          // the existing document, nullptr if none
  const model::Map* request_resource = nullptr;  // create/update: the document after the write
  int64_t time_micros = 0;                       // request.time
  std::optional<int64_t> query_limit;            // list only: request.query.limit
  std::optional<int64_t> query_offset;           // list only: request.query.offset
  DocumentReader* reader = nullptr;              // nullptr: get()/exists() are errors
  int max_reads = 10;                            // 10 per request, 20 for a batch
  // Decide a whole query from its filters: `resource` holds only the fields that the
  // query's equality filters fix. A decision that reads anything else of the document
  // (a field absent from that map, the map as a whole, resource.id, resource.__name__,
  // request.path, or a wildcard bound to the document ID) yields kUnknown instead of
  // kDeny; see docs/rules.md, "Queries".
  bool resource_partial = false;
};

enum class Decision { kAllow, kDeny, kUnknown };
std::string_view DecisionName(Decision decision);  // "allow", "deny", "unknown"

struct Evaluation {
  Decision decision = Decision::kDeny;
  int reads = 0;  // documents read by get()/exists()/getAfter()/existsAfter()
  // When denied because a condition failed with an error (rather than being false):
  // the last such error, e.g. "null value has no fields", and where. Static text.
  const char* error = nullptr;
  SourceLocation error_location;
};

// Firestore's decision: allow if some `allow` statement for the request's method, in some
// `match` block whose path matches the request's document path, has a condition that
// evaluates to true (a statement without condition is true). Any error inside a condition
// makes that condition not true; nothing throws and no error reaches the caller.
// kUnknown only when request.resource_partial is set (see above).
Evaluation Evaluate(const Ruleset& ruleset, const Request& request);

}  // namespace hearth::rules
