#include "app/cluster.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <vector>

#include "auth/crypto.h"
#include "base/clock.h"
#include "model/json.h"
#include "model/json_view.h"
#include "model/timestamp.h"

namespace hearth::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMetaKey = "cluster.nodes";
// A node silent this long has stopped (or lost the store): its entry goes.
constexpr int64_t kForgetMicros = 60'000'000;
constexpr size_t kFingerprintChars = 16;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FileFingerprint(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return "";
  return auth::Sha256Hex(ReadAll(path)).substr(0, kFingerprintChars);
}

std::string FolderFingerprint(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "";
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with('.') || name == "node_modules") {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) {
    all += f.lexically_relative(dir).string();
    all += '\0';
    all += auth::Sha256Hex(ReadAll(f));
    all += '\n';
  }
  return auth::Sha256Hex(all).substr(0, kFingerprintChars);
}

struct NodeEntry {
  std::string id, address, version;
  int64_t started = 0, seen = 0;
  Deployment deployment;
};

std::string Member(const model::JsonView& v, std::string_view key) {
  auto m = v.Get(key);
  return m && m->is_string() ? std::string(m->AsString()) : "";
}

int64_t IntMember(const model::JsonView& v, std::string_view key) {
  auto m = v.Get(key);
  return m && m->kind() == model::JsonView::Kind::kInteger ? m->AsInteger() : 0;
}

std::vector<NodeEntry> ParseNodes(const std::optional<std::string>& text) {
  std::vector<NodeEntry> out;
  if (!text) return out;
  auto doc = model::JsonDocument::Parse(*text);
  if (!doc.ok() || !doc->root().is_object()) return out;
  auto nodes = doc->root().Get("nodes");
  if (!nodes || !nodes->is_array()) return out;
  for (const auto& n : nodes->Elements()) {
    NodeEntry e{
        Member(n, "id"),
        Member(n, "address"),
        Member(n, "version"),
        IntMember(n, "started"),
        IntMember(n, "seen"),
        {Member(n, "rules"), Member(n, "indexes"), Member(n, "functions"), Member(n, "triggers")}};
    if (!e.id.empty()) out.push_back(std::move(e));
  }
  return out;
}

void AppendMember(std::string& json, std::string_view key, std::string_view value) {
  json += ',';
  model::AppendJsonString(json, key);
  json += ':';
  model::AppendJsonString(json, value);
}

// One node as stored (`as_status` false: times in microseconds) or as shown by
// /v1/admin/cluster (RFC 3339 times, "self").
void AppendNode(std::string& json, const NodeEntry& e, bool as_status, bool self) {
  json += R"({"id":)";
  model::AppendJsonString(json, e.id);
  if (as_status) {
    json += self ? R"(,"self":true)" : R"(,"self":false)";
    AppendMember(json, "startedAt", model::FormatMicros(e.started));
    AppendMember(json, "lastSeen", model::FormatMicros(e.seen));
  } else {
    json += R"(,"started":)" + std::to_string(e.started);
    json += R"(,"seen":)" + std::to_string(e.seen);
  }
  AppendMember(json, "address", e.address);
  AppendMember(json, "version", e.version);
  AppendMember(json, "rules", e.deployment.rules);
  AppendMember(json, "indexes", e.deployment.indexes);
  AppendMember(json, "functions", e.deployment.functions);
  AppendMember(json, "triggers", e.deployment.triggers);
  json += '}';
}

std::string NodesJson(const std::vector<NodeEntry>& nodes) {
  std::string json = R"({"nodes":[)";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) json += ',';
    AppendNode(json, nodes[i], false, false);
  }
  return json + "]}";
}

// "" when every node serves what `self` serves; else which parts differ on which nodes.
std::string Mismatch(const std::vector<NodeEntry>& nodes, const NodeEntry& self) {
  std::string out;
  for (const auto& n : nodes) {
    if (n.id == self.id || n.deployment == self.deployment) continue;
    std::vector<std::string> parts;
    if (n.deployment.rules != self.deployment.rules) parts.push_back("rules");
    if (n.deployment.indexes != self.deployment.indexes) parts.push_back("indexes");
    if (n.deployment.functions != self.deployment.functions) parts.push_back("functions (api/)");
    if (n.deployment.triggers != self.deployment.triggers) parts.push_back("triggers");
    if (!out.empty()) out += "; ";
    out += "node " + n.id + " (" + n.address + ") serves other ";
    for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? ", " : "") + parts[i];
  }
  return out;
}

}  // namespace

Deployment FingerprintProject(const std::string& project_dir, const std::string& rules_path,
                              const std::string& indexes_path) {
  return {FileFingerprint(rules_path), FileFingerprint(indexes_path),
          FolderFingerprint(fs::path(project_dir) / "api"),
          FolderFingerprint(fs::path(project_dir) / "triggers")};
}

ClusterRegistry::ClusterRegistry(storage::Engine& engine, ClusterOptions options)
    : engine_(engine), options_(std::move(options)), started_micros_(SystemClock().NowMicros()) {}

void ClusterRegistry::Start(std::string address) {
  {
    std::lock_guard lock(mu_);
    address_ = std::move(address);
  }
  if (!options_.shared) return;
  Beat();
  thread_ = std::thread([this] { Loop(); });
}

ClusterRegistry::~ClusterRegistry() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // Leaving: the others need not wait a minute to forget this node.
  std::promise<Status> done;
  engine_.Write(
      [&](storage::WriteTxn& txn) -> Status {
        ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kMetaKey));
        auto nodes = ParseNodes(text);
        std::erase_if(nodes, [&](const NodeEntry& n) { return n.id == options_.node_id; });
        return txn.PutMeta(kMetaKey, NodesJson(nodes));
      },
      [&done](Status s) { done.set_value(std::move(s)); });
  if (Status s = done.get_future().get(); !s.ok()) {
    spdlog::warn("cluster: cannot remove this node's entry: {}", s.ToString());
  }
}

void ClusterRegistry::Loop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stop_; })) {
    lock.unlock();
    Beat();
    lock.lock();
  }
}

std::string ClusterRegistry::Address() {
  std::lock_guard lock(mu_);
  return address_;
}

void ClusterRegistry::Beat() {
  NodeEntry self{
      options_.node_id,      Address(), HEARTH_VERSION, started_micros_, SystemClock().NowMicros(),
      options_.fingerprint()};
  std::vector<NodeEntry> nodes;
  std::promise<Status> done;
  engine_.Write(
      [&](storage::WriteTxn& txn) -> Status {
        // Read through the engine: a write holds the store's commit lock, so no node
        // changes the list between this read and the commit.
        ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kMetaKey));
        nodes = ParseNodes(text);
        std::erase_if(nodes, [&](const NodeEntry& n) {
          return n.id == self.id || n.seen < self.seen - kForgetMicros;
        });
        nodes.push_back(self);
        return txn.PutMeta(kMetaKey, NodesJson(nodes));
      },
      [&done](Status s) { done.set_value(std::move(s)); });
  if (Status s = done.get_future().get(); !s.ok()) {
    spdlog::warn("cluster: cannot record this node's heartbeat: {}", s.ToString());
    return;
  }
  std::string mismatch = Mismatch(nodes, self);
  if (mismatch != reported_mismatch_) {
    if (mismatch.empty()) {
      spdlog::info("cluster: every node serves the same project again");
    } else {
      spdlog::warn("cluster: {}; deploy the same project folder to every node", mismatch);
    }
    reported_mismatch_ = std::move(mismatch);
  }
}

Result<std::string> ClusterRegistry::StatusJson() {
  std::vector<NodeEntry> nodes;
  if (options_.shared) {
    ASSIGN_OR_RETURN(auto text, engine_.ReadMeta(kMetaKey));
    nodes = ParseNodes(text);
  }
  const int64_t now = SystemClock().NowMicros();
  std::erase_if(nodes, [&](const NodeEntry& n) { return n.seen < now - kForgetMicros; });
  NodeEntry self{options_.node_id, Address(), HEARTH_VERSION,
                 started_micros_,  now,       options_.fingerprint()};
  auto it =
      std::find_if(nodes.begin(), nodes.end(), [&](const NodeEntry& n) { return n.id == self.id; });
  if (it != nodes.end()) {
    *it = self;  // what this node serves now, not at its last heartbeat
  } else {
    nodes.push_back(self);
  }
  std::string json = R"({"consistent":)";
  json += Mismatch(nodes, self).empty() ? "true" : "false";
  json += R"(,"nodes":[)";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) json += ',';
    AppendNode(json, nodes[i], true, nodes[i].id == self.id);
  }
  return json + "]}";
}

}  // namespace hearth::app
