#include "api/render.h"

#include "model/json.h"
#include "model/timestamp.h"

namespace hearth::api {

void AppendDocumentJson(std::string& out, const storage::DocumentRecord& doc) {
  std::string_view path = doc.path;
  size_t slash = path.rfind('/');
  out += R"({"id":)";
  model::AppendJsonString(out, path.substr(slash == std::string_view::npos ? 0 : slash + 1));
  out += R"(,"path":)";
  model::AppendJsonString(out, path);
  out += R"(,"data":)";
  out += doc.data;
  out += R"(,"createTime":")";
  out += model::FormatMicros(doc.create_time);
  out += R"(","updateTime":")";
  out += model::FormatMicros(doc.update_time);
  out += "\"}";
}

std::string DocumentJson(const storage::DocumentRecord& doc) {
  std::string out;
  out.reserve(doc.data.size() + doc.path.size() * 2 + 128);
  AppendDocumentJson(out, doc);
  return out;
}

std::string DocumentEtag(int64_t update_time) {
  return "\"" + model::FormatMicros(update_time) + "\"";
}

}  // namespace hearth::api
