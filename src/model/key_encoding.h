// Order-preserving key encoding of values, for index entries.
//
// For any values a and b: sign(memcmp-order of EncodeKey(a) vs EncodeKey(b)) equals
// sign(Compare(a, b)), where byte strings compare lexicographically, a proper prefix first
// (std::string's operator<, SQLite BLOB and PostgreSQL bytea order). Values that compare
// equal (1 and 1.0, -0.0 and 0.0) encode to identical bytes. Every encoding is
// self-delimiting, so encodings can be concatenated into composite keys and still sort
// field by field.
//
// The format is persistent (it lives in index tables); changing it needs a schema migration.
#pragma once

#include <string>

#include "model/value.h"

namespace hearth::model {

std::string EncodeKey(const Value& value);
// Appends the encoding of `value` to `out` (for composite keys).
void AppendKey(std::string& out, const Value& value);
// The encoding of `value` with every byte inverted: sorts in descending order.
void AppendDescendingKey(std::string& out, const Value& value);

}  // namespace hearth::model
