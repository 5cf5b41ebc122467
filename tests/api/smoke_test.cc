// The shortest path through the real binary: start, write, read, stop cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include "support/http_client.h"
#include "support/server_process.h"

namespace hearth::testing {
namespace {

TEST(Smoke, WriteReadAndCleanShutdown) {
  TempDir project;
  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient client(server->port());

  HttpResponse put = client.Admin("PUT", "/v1/documents/posts/a", R"({"title":"Hi"})");
  ASSERT_EQ(put.status, 200) << put.body;
  HttpResponse get = client.Admin("GET", "/v1/documents/posts/a");
  ASSERT_EQ(get.status, 200);
  EXPECT_NE(get.body.find(R"("data":{"title":"Hi"})"), std::string::npos) << get.body;
  EXPECT_EQ(get.Header("etag"), put.Header("etag"));

  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0) << server->Output();
  EXPECT_NE(server->Output().find("stopped cleanly"), std::string::npos);
}

}  // namespace
}  // namespace hearth::testing
