// Document triggers over the real binary: triggers/*.js run in real Node.js workers, fed
// from the change log.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

void Put(const std::string& project, const std::string& rel, std::string_view text) {
  fs::create_directories(fs::path(project + "/" + rel).parent_path());
  WriteFile(project + "/" + rel, text);
}

class TriggersTest : public SharedServerTest<TriggersTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    Put(dir, "hearth.json",
        R"({"functions": {"workers": 2, "timeoutMs": 3000, "triggerAttempts": 3,
                          "triggerBackoffMs": 50}})");
    // Every created post gets an audit record naming it, written with the admin module.
    Put(dir, "triggers/onPostCreated.js", R"(
import { onDocumentCreated } from 'hearth/triggers';
import { getFirestore } from 'hearth/admin';
export default onDocumentCreated('posts/{postId}', async (event) => {
  await getFirestore().doc('audit/' + event.params.postId).set({
    type: event.type, title: event.after.title, before: event.before, document: event.document });
});)");
    // Every write to a counter is appended, in order, to its log.
    Put(dir, "triggers/onCounterWritten.mjs", R"(
import { onDocumentWritten } from 'hearth/triggers';
import { getFirestore, FieldValue } from 'hearth/admin';
export default onDocumentWritten('counters/{id}', async (event) => {
  const value = event.after ? event.after.n : -1;
  await getFirestore().doc('counterLog/' + event.params.id).set(
      { seen: FieldValue.arrayUnion(value), types: FieldValue.arrayUnion(event.type + value) },
      { merge: true });
});)");
    Put(dir, "triggers/onCommentDeleted.js", R"(
import { onDocumentDeleted } from 'hearth/triggers';
import { getFirestore } from 'hearth/admin';
export default onDocumentDeleted('posts/{postId}/comments/{commentId}', async (event) => {
  await getFirestore().doc('deleted/' + event.params.postId + '_' + event.params.commentId)
      .set({ text: event.before.text });
});)");
    // Fails for documents marked bad: retried, then parked.
    Put(dir, "triggers/flaky.js", R"(
import { onDocumentUpdated } from 'hearth/triggers';
export default onDocumentUpdated('jobs/{id}', async (event) => {
  if (event.after.bad) throw new Error('cannot process ' + event.params.id);
});)");
    Put(dir, "triggers/broken.js", "export default 42;\n");
  }

  // Polls GET `path` (admin) until it exists, up to 10 s.
  std::optional<std::string> WaitFor(const std::string& path) {
    for (int i = 0; i < 100; ++i) {
      auto r = client_->Admin("GET", "/v1/documents/" + path);
      if (r.status == 200) return r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }
};

TEST_F(TriggersTest, CreateTriggerRunsWithParamsAndData) {
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/p1", R"({"title": "Hello"})").status, 200);
  auto audit = WaitFor("audit/p1");
  ASSERT_TRUE(audit) << server_->Output();
  Json j(*audit);
  EXPECT_EQ(j.String("/data/type"), "create");
  EXPECT_EQ(j.String("/data/title"), "Hello");
  EXPECT_EQ(j.String("/data/document"), "posts/p1");
  EXPECT_TRUE(j.At("/data/before")->is_null());
  // An update is not a create.
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/p1", R"({"title": "Changed"})").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Json(*WaitFor("audit/p1")).String("/data/title"), "Hello");
}

TEST_F(TriggersTest, WritesAreDeliveredInCommitOrder) {
  for (int n = 1; n <= 5; ++n) {
    ASSERT_EQ(
        client_->Admin("PUT", "/v1/documents/counters/c1", R"({"n": )" + std::to_string(n) + "}")
            .status,
        200);
  }
  ASSERT_EQ(client_->Admin("DELETE", "/v1/documents/counters/c1").status, 200);
  std::string body;
  for (int i = 0; i < 100; ++i) {
    auto r = client_->Admin("GET", "/v1/documents/counterLog/c1");
    if (r.status == 200 && Json(r.body).Size("/data/seen") == 6) {
      body = r.body;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(body.empty()) << server_->Output();
  Json j(body);
  std::vector<int64_t> seen;
  for (size_t i = 0; i < 6; ++i) seen.push_back(*j.Int("/data/seen/" + std::to_string(i)));
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, -1}));
  EXPECT_EQ(j.String("/data/types/0"), "create1");
  EXPECT_EQ(j.String("/data/types/1"), "update2");
  EXPECT_EQ(j.String("/data/types/5"), "delete-1");
}

TEST_F(TriggersTest, DeleteTriggerOnASubcollectionSeesTheDataBefore) {
  ASSERT_EQ(
      client_->Admin("PUT", "/v1/documents/posts/p9/comments/k1", R"({"text": "bye"})").status,
      200);
  ASSERT_EQ(client_->Admin("DELETE", "/v1/documents/posts/p9/comments/k1").status, 200);
  auto deleted = WaitFor("deleted/p9_k1");
  ASSERT_TRUE(deleted) << server_->Output();
  EXPECT_EQ(Json(*deleted).String("/data/text"), "bye");
}

TEST_F(TriggersTest, FailuresAreRetriedThenParkedAsDeadLetters) {
  ASSERT_EQ(client_->Admin("DELETE", "/v1/admin/triggers/dead-letters").status, 200);
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/jobs/j1", R"({"bad": false})").status, 200);
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/jobs/j1", R"({"bad": true})").status, 200);
  // Later changes still flow once the failing one is parked.
  ASSERT_EQ(client_->Admin("PUT", "/v1/documents/posts/after-flaky", R"({"title": "x"})").status,
            200);
  ASSERT_TRUE(WaitFor("audit/after-flaky")) << server_->Output();
  auto r = client_->Admin("GET", "/v1/admin/triggers/dead-letters");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  ASSERT_EQ(j.Size("/deadLetters"), 1u) << r.body;
  EXPECT_EQ(j.String("/deadLetters/0/trigger"), "flaky");
  EXPECT_EQ(j.String("/deadLetters/0/document"), "jobs/j1");
  EXPECT_EQ(j.Int("/deadLetters/0/attempts"), 3);
  EXPECT_EQ(j.String("/deadLetters/0/type"), "update");
  EXPECT_TRUE(server_->WaitForOutput("cannot process j1")) << server_->Output();
  EXPECT_TRUE(server_->WaitForOutput("attempt 3 of 3")) << server_->Output();
  // A module that declares no trigger is reported, not run.
  EXPECT_TRUE(server_->WaitForOutput("broken cannot be loaded")) << server_->Output();
  // The endpoint is the admin's only.
  EXPECT_EQ(client_->Request("GET", "/v1/admin/triggers/dead-letters").status, 401);
  EXPECT_EQ(client_->Admin("DELETE", "/v1/admin/triggers/dead-letters").status, 200);
  EXPECT_EQ(
      Json(client_->Admin("GET", "/v1/admin/triggers/dead-letters").body).Size("/deadLetters"), 0u);
}

// At least once across restarts: changes committed while the server is down are not
// possible, but changes not yet delivered when it stops are delivered after it starts.
TEST(TriggersRestartTest, UndeliveredChangesAreDeliveredAfterARestart) {
  TempDir project;
  Put(project.path(), "hearth.json", R"({"functions": {"timeoutMs": 5000}})");
  Put(project.path(), "triggers/slow.js", R"(
import { onDocumentCreated } from 'hearth/triggers';
import { getFirestore } from 'hearth/admin';
export default onDocumentCreated('items/{id}', async (event) => {
  await new Promise((r) => setTimeout(r, 300));
  await getFirestore().doc('done/' + event.params.id).set({ ok: true });
});)");
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  {
    HttpClient c(server->port());
    // Let the dispatcher load the trigger before writing.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    for (int i = 0; i < 6; ++i) {
      ASSERT_EQ(c.Admin("PUT", "/v1/documents/items/i" + std::to_string(i), "{}").status, 200);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);
  server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  for (int i = 0; i < 6; ++i) {
    bool done = false;
    for (int k = 0; k < 100 && !done; ++k) {
      done = c.Admin("GET", "/v1/documents/done/i" + std::to_string(i)).status == 200;
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(done) << "item " << i << "\n" << server->Output();
  }
}

// A server killed (SIGKILL) while a trigger runs re-delivers that change after it starts
// again: the cursor had not moved past it.
TEST(TriggersRestartTest, ACrashMidDeliveryIsFollowedByRedelivery) {
  TempDir project;
  Put(project.path(), "hearth.json", R"({"functions": {"timeoutMs": 8000}})");
  Put(project.path(), "triggers/twoStep.js", R"(
import { onDocumentCreated } from 'hearth/triggers';
import { getFirestore, FieldValue } from 'hearth/admin';
export default onDocumentCreated('orders/{id}', async (event) => {
  const db = getFirestore();
  await db.doc('attempts/' + event.params.id).set({ n: FieldValue.increment(1) }, { merge: true });
  await new Promise((r) => setTimeout(r, 1500));
  await db.doc('shipped/' + event.params.id).set({ ok: true });
});)");
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  auto get = [](ServerProcess& s, const std::string& path) {
    HttpClient c(s.port());
    return c.Admin("GET", "/v1/documents/" + path);
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the trigger is loaded
  {
    HttpClient c(server->port());
    ASSERT_EQ(c.Admin("PUT", "/v1/documents/orders/o1", "{}").status, 200);
  }
  // Wait until the first attempt is under way, then kill the server mid-delivery.
  bool started = false;
  for (int i = 0; i < 100 && !started; ++i) {
    started = get(*server, "attempts/o1").status == 200;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(started) << server->Output();
  server->Signal(SIGKILL);
  server->Wait();
  server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  bool shipped = false;
  for (int i = 0; i < 150 && !shipped; ++i) {
    shipped = get(*server, "shipped/o1").status == 200;
    if (!shipped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(shipped) << server->Output();
  Json attempts(get(*server, "attempts/o1").body);
  EXPECT_EQ(attempts.Int("/data/n"), 2) << "one interrupted attempt, one redelivery";
}

}  // namespace
}  // namespace hearth::testing
