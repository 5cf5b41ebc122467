// The matcher: the one definition of which documents a query returns and in what order.
// The indexed executor and the real-time engine both defer to it, so a listener and a
// fresh query can never disagree (tests compare the executor against Execute() below).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/path.h"
#include "model/value.h"
#include "query/query.h"

namespace hearth::query {

// A document as the matcher sees it.
struct Document {
  model::ResourcePath path;
  model::Map fields;
};

// The value `field` has in `doc`: the document's name (a reference) for __name__.
std::optional<model::Value> FieldValue(const Document& doc, const model::FieldPath& field);

// Whether `path` (a document path) is in the queried collection or collection group.
bool InCollection(const Query& q, const model::ResourcePath& path);

// Whether `doc` passes the filter and has every field the query orders by (Firestore
// leaves out documents that lack an orderBy field). Does not look at cursors or limits.
// Semantics follow Firestore: ==, <, ... compare only values of the same type (integers
// and doubles are one type); != and not-in need the field to exist; not-in with null in
// its list matches nothing.
bool Matches(const Query& q, const Document& doc);

// Where `a` sorts relative to `b` in the query's order: -1, 0 or 1.
// REQUIRES: both documents have every order field (Matches()).
int CompareInOrder(const Query& q, const Document& a, const Document& b);

// Whether `doc` lies within the query's cursors.
// REQUIRES: cursors hold values (a document cursor must be resolved by the caller).
bool WithinCursors(const Query& q, const Document& doc);

// Resolves a cursor given as a document into the values of that document for the order.
// `doc` nullopt (the document does not exist): `not-found`.
Result<Cursor> ResolveCursor(const Query& q, const Cursor& cursor,
                             const std::optional<Document>& doc);

// The reference implementation: every matching document in order, cursors and limit
// applied, by brute force over `docs`. REQUIRES: cursors resolved.
std::vector<const Document*> Execute(const Query& q, const std::vector<Document>& docs);

}  // namespace hearth::query
