// JSON renderings of stored documents, shared by every endpoint that returns them.
#pragma once

#include <string>
#include <string_view>

#include "storage/engine.h"

namespace hearth::api {

// {"id","path","data","createTime","updateTime"}; `data` is copied as stored (already
// canonical JSON), so a point read never re-encodes the document.
void AppendDocumentJson(std::string& out, const storage::DocumentRecord& doc);
std::string DocumentJson(const storage::DocumentRecord& doc);

// The ETag of a document version: its update time, quoted.
std::string DocumentEtag(int64_t update_time);

}  // namespace hearth::api
