#include "functions/router.h"

#include <filesystem>
#include <map>

#include "base/strings.h"

namespace hearth::functions {

namespace fs = std::filesystem;

// One path segment's worth of the route tree.
struct Router::Node {
  std::map<std::string, std::shared_ptr<Node>, std::less<>> fixed;
  std::string param_name;  // "[id]"
  std::shared_ptr<Node> param;
  std::string catch_all_name;  // "[...path]": the file that takes the rest
  std::optional<std::pair<std::string, std::string>> catch_all;  // name, file
  std::optional<std::pair<std::string, std::string>> file;       // name, file
};

namespace {

bool Hidden(std::string_view name) {
  return name.empty() || name[0] == '_' || name[0] == '.' || name == "node_modules";
}

std::optional<std::string_view> Bracketed(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size() + 3 || name.front() != '[' || name.back() != ']') return {};
  name = name.substr(1, name.size() - 2);
  if (!name.starts_with(prefix)) return {};
  name.remove_prefix(prefix.size());
  if (name.empty() || name.find_first_of("[]./") != std::string_view::npos) return {};
  return name;
}

// FNV-1a, over what tells a change: paths, sizes, modification times.
void Mix(uint64_t& h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
}

void Insert(Router::Node& root, const std::vector<std::string>& dirs, std::string_view stem,
            const std::string& name, const std::string& file) {
  Router::Node* node = &root;
  auto descend = [&](std::string_view segment) {
    if (auto p = Bracketed(segment, "")) {
      if (!node->param) node->param = std::make_shared<Router::Node>();
      node->param_name = std::string(*p);
      node = node->param.get();
    } else {
      auto it = node->fixed.find(segment);
      if (it == node->fixed.end())
        it = node->fixed.emplace(std::string(segment), std::make_shared<Router::Node>()).first;
      node = it->second.get();
    }
  };
  for (const auto& d : dirs) descend(d);
  if (auto rest = Bracketed(stem, "...")) {
    node->catch_all_name = std::string(*rest);
    node->catch_all.emplace(name, file);
    return;
  }
  if (stem != "index") descend(stem);
  node->file.emplace(name, file);
}

void Scan(const fs::path& dir, std::vector<std::string>& dirs, Router::Node& root, uint64_t& sig,
          size_t& count) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string filename = entry.path().filename().string();
    if (filename == "node_modules" || filename.starts_with('.')) continue;
    std::error_code stat_ec;
    if (entry.is_directory(stat_ec)) {
      dirs.push_back(filename);
      Scan(entry.path(), dirs, root, sig, count);
      dirs.pop_back();
      continue;
    }
    auto size = entry.file_size(stat_ec);
    auto mtime = entry.last_write_time(stat_ec).time_since_epoch().count();
    Mix(sig, entry.path().string());
    Mix(sig, std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
    Mix(sig, std::string_view(reinterpret_cast<const char*>(&mtime), sizeof mtime));
    std::string ext = entry.path().extension().string();
    if (ext != ".js" && ext != ".mjs" && ext != ".cjs") continue;
    std::string stem = entry.path().stem().string();
    bool hidden = Hidden(stem);
    for (const auto& d : dirs) hidden = hidden || Hidden(d);
    if (hidden) continue;
    std::string name;
    for (const auto& d : dirs) name += d + "/";
    name += stem;
    Insert(root, dirs, stem, name, entry.path().string());
    ++count;
  }
}

bool MatchNode(const Router::Node& node, const std::vector<std::string>& segments, size_t i,
               Route& out) {
  if (i == segments.size()) {
    if (!node.file) return false;
    out.name = node.file->first;
    out.file = node.file->second;
    return true;
  }
  if (auto it = node.fixed.find(segments[i]); it != node.fixed.end()) {
    if (MatchNode(*it->second, segments, i + 1, out)) return true;
  }
  if (node.param) {
    out.params.emplace_back(node.param_name, segments[i]);
    if (MatchNode(*node.param, segments, i + 1, out)) return true;
    out.params.pop_back();
  }
  if (node.catch_all) {
    std::string rest;
    for (size_t j = i; j < segments.size(); ++j) rest += (j > i ? "/" : "") + segments[j];
    out.params.emplace_back(node.catch_all_name, std::move(rest));
    out.name = node.catch_all->first;
    out.file = node.catch_all->second;
    return true;
  }
  return false;
}

void Collect(const Router::Node& node, std::vector<Route>& out) {
  if (node.file) out.push_back(Route{node.file->first, node.file->second, {}, 0});
  if (node.catch_all) out.push_back(Route{node.catch_all->first, node.catch_all->second, {}, 0});
  for (const auto& [segment, child] : node.fixed) Collect(*child, out);
  if (node.param) Collect(*node.param, out);
}

}  // namespace

Router::Router(std::string api_dir, std::chrono::milliseconds rescan_interval)
    : api_dir_(std::move(api_dir)), rescan_interval_(rescan_interval) {}

Router::~Router() = default;

void Router::Rescan() {
  auto root = std::make_shared<Node>();
  uint64_t sig = 14695981039346656037ull;
  size_t count = 0;
  std::vector<std::string> dirs;
  Scan(api_dir_, dirs, *root, sig, count);
  std::lock_guard lock(mu_);
  if (count == 0) root.reset();
  if (!scanned_ || sig != signature_) ++generation_;
  signature_ = sig;
  scanned_ = true;
  root_ = std::move(root);
  last_scan_ = std::chrono::steady_clock::now();
}

void Router::MaybeRescan() {
  {
    std::lock_guard lock(mu_);
    if (scanned_ && std::chrono::steady_clock::now() - last_scan_ < rescan_interval_) return;
  }
  Rescan();
}

bool Router::Empty() {
  MaybeRescan();
  std::lock_guard lock(mu_);
  return root_ == nullptr;
}

uint64_t Router::Generation() {
  MaybeRescan();
  std::lock_guard lock(mu_);
  return generation_;
}

std::vector<Route> Router::All() {
  MaybeRescan();
  std::shared_ptr<const Node> root;
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    root = root_;
    generation = generation_;
  }
  std::vector<Route> out;
  if (root != nullptr) Collect(*root, out);
  for (Route& r : out) r.generation = generation;
  return out;
}

std::optional<Route> Router::Match(std::string_view path) {
  MaybeRescan();
  std::shared_ptr<const Node> root;
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    root = root_;
    generation = generation_;
  }
  if (root == nullptr) return std::nullopt;
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view raw = path.substr(start, slash - start);
    start = slash + 1;
    if (raw.empty()) continue;  // "/api/hello/" is "/api/hello"
    auto decoded = PercentDecode(raw);
    if (!decoded || decoded->empty() || decoded->find('/') != std::string::npos ||
        *decoded == "." || *decoded == "..") {
      return std::nullopt;
    }
    segments.push_back(std::move(*decoded));
  }
  Route route;
  if (!MatchNode(*root, segments, 0, route)) return std::nullopt;
  route.generation = generation;
  return route;
}

}  // namespace hearth::functions
