// The hearth command line.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Hearth: a self-hosted backend with Firestore's data model, rules and real time."};
  app.require_subcommand(1);

  hearth::app::ServeFlags serve_flags;
  int port = -1;
  std::string host, data_dir;
  int threads = -1;
  auto* serve = app.add_subcommand("serve", "Serve a project folder over HTTP");
  serve->add_option("project", serve_flags.project_dir, "The project folder (default: .)");
  serve->add_option("--port", port, "TCP port (default 8080; 0 picks a free one)");
  serve->add_option("--host", host, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--data", data_dir, "Data folder (default PROJECT/.hearth)");
  serve->add_option("--threads", threads, "I/O threads (default: one per core)");
  serve->add_flag("--verbose", serve_flags.verbose, "Log debug detail");

  std::string init_dir;
  bool force = false;
  auto* init = app.add_subcommand("init", "Write a starter project into a folder");
  init->add_option("dir", init_dir, "Folder to create")->required();
  init->add_flag("--force", force, "Write into a non-empty folder (existing files are replaced)");

  app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (serve->parsed()) {
    if (port >= 0) serve_flags.port = port;
    if (!host.empty()) serve_flags.host = host;
    if (!data_dir.empty()) serve_flags.data_dir = data_dir;
    if (threads >= 0) serve_flags.threads = threads;
    return hearth::app::RunServe(serve_flags);
  }
  if (init->parsed()) return hearth::app::RunInit(init_dir, force);
  std::printf("hearth %s\n", HEARTH_VERSION);
  return 0;
}
