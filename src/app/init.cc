#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/commands.h"
#include "app/starter_files.h"

namespace hearth::app {

namespace fs = std::filesystem;

int RunInit(const std::string& dir, bool force) {
  std::error_code ec;
  fs::path root(dir);
  if (fs::exists(root, ec) && !fs::is_empty(root, ec) && !force) {
    std::fprintf(stderr, "hearth init: %s is not empty (use --force to write into it anyway)\n",
                 dir.c_str());
    return 1;
  }
  for (const EmbeddedFile& f : StarterFiles()) {
    fs::path target = root / fs::path(std::string(f.path));
    fs::create_directories(target.parent_path(), ec);
    if (!force && fs::exists(target, ec)) continue;
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
    if (!out) {
      std::fprintf(stderr, "hearth init: cannot write %s\n", target.c_str());
      return 1;
    }
    std::printf("  wrote %s\n", target.c_str());
  }
  std::printf("A Hearth project is ready in %s. Start it with:\n  hearth serve %s\n", dir.c_str(),
              dir.c_str());
  return 0;
}

}  // namespace hearth::app
