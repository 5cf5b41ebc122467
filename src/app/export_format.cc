#include "app/export_format.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "auth/user.h"
#include "db/database.h"
#include "model/json.h"
#include "model/timestamp.h"

namespace hearth::app {
namespace {

// The one JSON object a line holds; errors say what is wrong with it.
Result<simdjson::dom::object> ParseObject(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(text.data(), text.size()).get(root); error != simdjson::SUCCESS) {
    return InvalidArgument(std::string("not valid JSON (") + simdjson::error_message(error) + ")");
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return InvalidArgument("each line must be one JSON object");
  }
  return object;
}

// The members of one JSON object line, each key at most once.
class LineObject {
 public:
  explicit LineObject(simdjson::dom::object object) : object_(object) {}

  // Fails on a key outside `allowed` or a repeated key.
  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    std::vector<std::string_view> seen;
    for (auto field : object_) {
      std::string_view key = field.key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return InvalidArgument("unknown key \"" + std::string(key) + "\"");
      }
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return InvalidArgument("key \"" + std::string(key) + "\" appears twice");
      }
      seen.push_back(key);
    }
    return Status::Ok();
  }

  Result<simdjson::dom::element> Member(std::string_view key) const {
    simdjson::dom::element value;
    if (object_[key].get(value) != simdjson::SUCCESS) {
      return InvalidArgument("\"" + std::string(key) + "\" is missing");
    }
    return value;
  }

  Result<std::string> String(std::string_view key) const {
    ASSIGN_OR_RETURN(auto value, Member(key));
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
      return InvalidArgument("\"" + std::string(key) + "\" must be a string");
    }
    return std::string(text);
  }

  // An RFC 3339 timestamp string, as microseconds.
  Result<int64_t> Micros(std::string_view key) const {
    ASSIGN_OR_RETURN(std::string text, String(key));
    auto time = model::Timestamp::Parse(text);
    if (!time.ok()) {
      return InvalidArgument("\"" + std::string(key) + "\": " + time.status().message());
    }
    return time->ToMicros();
  }

  // An object member, as compact JSON text.
  Result<std::string> ObjectText(std::string_view key) const {
    ASSIGN_OR_RETURN(auto value, Member(key));
    if (!value.is_object()) {
      return InvalidArgument("\"" + std::string(key) + "\" must be a JSON object");
    }
    return simdjson::minify(value);
  }

 private:
  simdjson::dom::object object_;
};

}  // namespace

std::string ManifestJson(const Manifest& manifest) {
  std::string text = R"({"format":)";
  model::AppendJsonString(text, kExportFormat);
  text += R"(,"version":)" + std::to_string(kExportVersion);
  text += R"(,"documents":)" + std::to_string(manifest.documents);
  text += R"(,"users":)" + std::to_string(manifest.users);
  text += R"(,"exportedAt":")" + model::FormatMicros(manifest.exported_at);
  text += R"(","hearthVersion":)";
  model::AppendJsonString(text, HEARTH_VERSION);
  text += "}\n";
  return text;
}

Result<Manifest> ParseManifest(std::string_view json) {
  auto parsed = ParseObject(json);
  if (!parsed.ok()) return InvalidArgument("not a JSON object");
  simdjson::dom::object object = *parsed;
  std::string_view format;
  if (object["format"].get(format) != simdjson::SUCCESS || format != kExportFormat) {
    return InvalidArgument("\"format\" is not \"hearth-export\"");
  }
  int64_t version = 0;
  if (object["version"].get(version) != simdjson::SUCCESS || version < 1) {
    return InvalidArgument("\"version\" must be a positive integer");
  }
  if (version > kExportVersion) {
    return InvalidArgument("version " + std::to_string(version) +
                           " was written by a newer Hearth; this one reads version " +
                           std::to_string(kExportVersion));
  }
  Manifest manifest;
  if (object["documents"].get(manifest.documents) != simdjson::SUCCESS ||
      object["users"].get(manifest.users) != simdjson::SUCCESS || manifest.documents < 0 ||
      manifest.users < 0) {
    return InvalidArgument("\"documents\" and \"users\" must be counts");
  }
  std::string_view exported_at;
  if (object["exportedAt"].get(exported_at) == simdjson::SUCCESS) {
    if (auto time = model::Timestamp::Parse(exported_at); time.ok()) {
      manifest.exported_at = time->ToMicros();
    }
  }
  return manifest;
}

void AppendDocumentLine(std::string& out, const storage::DocumentRecord& doc) {
  out += R"({"path":)";
  model::AppendJsonString(out, doc.path);
  out += R"(,"createTime":")" + model::FormatMicros(doc.create_time);
  out += R"(","updateTime":")" + model::FormatMicros(doc.update_time);
  out += R"(","data":)";
  out += doc.data;  // the stored canonical JSON, itself a JSON object
  out += "}\n";
}

void AppendUserLine(std::string& out, const storage::UserRecord& user) {
  out += R"({"uid":)";
  model::AppendJsonString(out, user.uid);
  out += R"(,"email":)";
  model::AppendJsonString(out, user.email);
  out += R"(,"data":)";
  out += user.data;  // auth/user.h's JSON: password hash, providers, claims, times
  out += "}\n";
}

Result<storage::DocumentRecord> ParseDocumentLine(std::string_view text) {
  ASSIGN_OR_RETURN(auto object, ParseObject(text));
  LineObject line(object);
  RETURN_IF_ERROR(line.CheckKeys({"path", "createTime", "updateTime", "data"}));
  storage::DocumentRecord doc;
  ASSIGN_OR_RETURN(doc.path, line.String("path"));
  ASSIGN_OR_RETURN(doc.create_time, line.Micros("createTime"));
  ASSIGN_OR_RETURN(doc.update_time, line.Micros("updateTime"));
  ASSIGN_OR_RETURN(doc.data, line.ObjectText("data"));
  return db::CheckRestoredDocument(std::move(doc));
}

Result<storage::UserRecord> ParseUserLine(std::string_view text) {
  ASSIGN_OR_RETURN(auto object, ParseObject(text));
  LineObject line(object);
  RETURN_IF_ERROR(line.CheckKeys({"uid", "email", "data"}));
  storage::UserRecord user;
  ASSIGN_OR_RETURN(user.uid, line.String("uid"));
  ASSIGN_OR_RETURN(user.email, line.String("email"));
  ASSIGN_OR_RETURN(user.data, line.ObjectText("data"));
  // Firebase's limit; Hearth's own uids have 28 characters.
  if (user.uid.empty() || user.uid.size() > 128) {
    return InvalidArgument("\"uid\" must have 1 to 128 characters");
  }
  if (!user.email.empty()) {
    auto normalized = auth::NormalizeEmail(user.email);
    if (!normalized.ok()) return InvalidArgument("\"email\": " + normalized.status().message());
    if (*normalized != user.email) {
      return InvalidArgument("\"email\" must be stored normalised (\"" + *normalized + "\")");
    }
  }
  if (auto parsed = auth::FromRecord(user); !parsed.ok()) {
    return InvalidArgument("\"data\": " + parsed.status().message());
  }
  return user;
}

}  // namespace hearth::app
