// HTTP functions over real HTTP: the real `hearth serve` binary runs a project's api/*.js
// in real Node.js workers.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kSecret[] = "sk_live_7f3a9c1e5b2d4f60";

void Put(const std::string& project, const std::string& rel, std::string_view text) {
  fs::create_directories(fs::path(project + "/" + rel).parent_path());
  WriteFile(project + "/" + rel, text);
}

class FunctionsTest : public SharedServerTest<FunctionsTest> {
 public:
  static void PrepareProject(const std::string& dir) {
    Put(dir, "hearth.json", R"({"functions": {"workers": 2, "timeoutMs": 2000}})");
    Put(dir, ".env", std::string("MAIL_API_KEY=") + kSecret + "\nGREETING=hello\n");
    Put(dir, ".env.local", "GREETING=hello-local\n");
    Put(dir, "firebase.json",
        R"({"hosting": {"public": "public", "rewrites": [{"source": "/contact", "function": "echo"}]}})");
    Put(dir, "public/index.html", "<h1>home</h1>");
    Put(dir, "api/echo.js", R"(
export default async function handler(req, res) {
  res.status(200).json({
    method: req.method, url: req.url, query: req.query, body: req.body,
    bodyType: Buffer.isBuffer(req.body) ? 'buffer' : typeof req.body,
    header: req.headers['x-test'] ?? null, cookies: req.cookies, auth: req.auth,
  });
})");
    Put(dir, "api/users/[id].js", R"(
export default function handler(req, res) { res.json({ id: req.query.id, params: req.params }); })");
    Put(dir, "api/users/index.js", R"(
export default function handler(req, res) { res.json({ list: true }); })");
    Put(dir, "api/files/[...path].js", R"(
export default function handler(req, res) { res.json({ path: req.query.path }); })");
    Put(dir, "api/respond.mjs", R"(
export default async function handler(req, res) {
  const kind = req.query.kind;
  if (kind === 'text') return res.status(201).setHeader('X-Custom', 'yes').send('plain words');
  if (kind === 'redirect') return res.redirect(302, '/elsewhere');
  if (kind === 'stream') {
    res.setHeader('Content-Type', 'text/plain');
    res.write('one,');
    await new Promise((r) => setTimeout(r, 20));
    res.write('two,');
    return res.end('three');
  }
  if (kind === 'buffer') return res.send(Buffer.from([0, 1, 2, 255]));
  if (kind === 'inject') { res.setHeader('X-Bad', 'a\r\nSet-Cookie: x=1'); return res.send('ok'); }
  res.status(418).end();
})");
    Put(dir, "api/fail.js", R"(
export default async function handler(req, res) {
  if (req.query.how === 'throw') throw new Error('secret internal detail');
  if (req.query.how === 'exit') process.exit(3);
  if (req.query.how === 'hang') { for (;;) {} }
  if (req.query.how === 'never') return;  // never answers: the timeout ends it
  res.send('fine');
})");
    Put(dir, "api/sleep.js", R"(
export default async function handler(req, res) {
  await new Promise((r) => setTimeout(r, 300));
  res.json({ pid: process.pid });
})");
    Put(dir, "api/env.js", R"(
export default function handler(req, res) {
  console.log('the key is', process.env.MAIL_API_KEY);
  console.warn('warned from env');
  res.json({ hasKey: process.env.MAIL_API_KEY?.length ?? 0, greeting: process.env.GREETING,
             admin: process.env.HEARTH_ADMIN_TOKEN ?? null });
})");
    Put(dir, "api/admin.js", R"(
import { getFirestore, FieldValue } from 'hearth/admin';
export default async function handler(req, res) {
  const db = getFirestore();
  const ref = await db.collection('notes').add({ text: req.body.text, n: FieldValue.increment(2) });
  const snap = await db.doc(ref.path).get();
  const found = await db.collection('notes').where('text', '==', req.body.text).get();
  const missing = await db.doc('notes/missing-one').get();
  res.json({ id: ref.id, data: snap.data(), found: found.size, missing: missing.exists });
})");
    Put(dir, "node_modules/shout/package.json", R"({"name": "shout", "main": "index.js"})");
    Put(dir, "node_modules/shout/index.js", "module.exports = (s) => s.toUpperCase() + '!';\n");
    Put(dir, "api/package.js", R"(
import shout from 'shout';
export default function handler(req, res) { res.send(shout('hi')); })");
    Put(dir, "api/_shared.js", "export const x = 1;\n");
  }
};

TEST_F(FunctionsTest, GetSeesMethodQueryHeadersAndCookies) {
  auto r = client_->Request("GET", "/api/echo?a=1&a=2&b=x%20y", "",
                            {{"X-Test", "t1"}, {"Cookie", "s=abc; theme=dark"}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.String("/method"), "GET");
  EXPECT_EQ(j.String("/url"), "/api/echo?a=1&a=2&b=x%20y");
  EXPECT_EQ(j.String("/query/a/1"), "2");
  EXPECT_EQ(j.String("/query/b"), "x y");
  EXPECT_EQ(j.String("/header"), "t1");
  EXPECT_EQ(j.String("/cookies/theme"), "dark");
  EXPECT_TRUE(j.At("/body")->is_null());
  EXPECT_TRUE(j.At("/auth")->is_null());
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
}

TEST_F(FunctionsTest, BodiesAreParsedByContentType) {
  auto json = client_->Request("POST", "/api/echo", R"({"n": 5, "s": "x"})",
                               {{"Content-Type", "application/json"}});
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_EQ(Json(json.body).Int("/body/n"), 5);
  auto form = client_->Request("PUT", "/api/echo", "a=1&b=two+words",
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(Json(form.body).String("/body/b"), "two words");
  auto text = client_->Request("PATCH", "/api/echo", "just text", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(Json(text.body).String("/body"), "just text");
  auto bin = client_->Request("DELETE", "/api/echo", std::string("\x00\x01\x02", 3),
                              {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(Json(bin.body).String("/bodyType"), "buffer");
}

TEST_F(FunctionsTest, MalformedJsonBodyIs400BeforeTheHandler) {
  auto r =
      client_->Request("POST", "/api/echo", "{not json", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(IsErrorBody(r, "invalid-argument"));
}

TEST_F(FunctionsTest, DynamicAndCatchAllRoutes) {
  auto one = client_->Request("GET", "/api/users/42");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Json(one.body).String("/id"), "42");
  EXPECT_EQ(Json(one.body).String("/params/id"), "42");
  auto list = client_->Request("GET", "/api/users");
  EXPECT_TRUE(Json(list.body).Has("/list")) << list.body;
  auto rest = client_->Request("GET", "/api/files/a/b%20c/d.txt");
  EXPECT_EQ(Json(rest.body).String("/path"), "a/b c/d.txt");
  auto none = client_->Request("GET", "/api/nothing-here");
  EXPECT_EQ(none.status, 404);
  EXPECT_TRUE(IsErrorBody(none, "not-found"));
  // Files starting with "_" are shared code, not routes.
  EXPECT_EQ(client_->Request("GET", "/api/_shared").status, 404);
}

TEST_F(FunctionsTest, ResponseHelpers) {
  auto text = client_->Request("GET", "/api/respond?kind=text");
  EXPECT_EQ(text.status, 201);
  EXPECT_EQ(text.body, "plain words");
  EXPECT_EQ(text.Header("x-custom"), "yes");
  EXPECT_NE(text.Header("content-type").find("text/html"), std::string::npos);
  auto redirect = client_->Request("GET", "/api/respond?kind=redirect");
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.Header("location"), "/elsewhere");
  auto stream = client_->Request("GET", "/api/respond?kind=stream");
  EXPECT_EQ(stream.body, "one,two,three");
  auto buffer = client_->Request("GET", "/api/respond?kind=buffer");
  EXPECT_EQ(buffer.body, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(buffer.Header("content-type"), "application/octet-stream");
  auto teapot = client_->Request("GET", "/api/respond");
  EXPECT_EQ(teapot.status, 418);
  // A header value with CR/LF is dropped, never split into a second header.
  auto inject = client_->Request("GET", "/api/respond?kind=inject");
  EXPECT_EQ(inject.status, 200);
  EXPECT_EQ(inject.Header("set-cookie"), "");
  EXPECT_EQ(inject.Header("x-bad"), "");
}

TEST_F(FunctionsTest, ThrowIs500WithAGenericMessageAndTheStackInTheLog) {
  auto r = client_->Request("GET", "/api/fail?how=throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(IsErrorBody(r, "internal"));
  EXPECT_EQ(r.body.find("secret internal detail"), std::string::npos);
  EXPECT_TRUE(server_->WaitForOutput("secret internal detail")) << server_->Output();
  EXPECT_EQ(client_->Request("GET", "/api/fail").body, "fine");
}

TEST_F(FunctionsTest, CrashingWorkerIsReplaced) {
  auto r = client_->Request("GET", "/api/fail?how=exit");
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(IsErrorBody(r, "internal"));
  EXPECT_TRUE(server_->WaitForOutput("exited with code 3")) << server_->Output();
  auto after = client_->Request("GET", "/api/fail");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "fine");
}

TEST_F(FunctionsTest, HangingFunctionTimesOutAndOthersCarryOn) {
  auto start = std::chrono::steady_clock::now();
  // While one worker spins, the other keeps answering.
  auto hang = std::async(std::launch::async, [this] {
    HttpClient c(server_->port());
    return c.Request("GET", "/api/fail?how=hang");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(client_->Request("GET", "/api/fail").body, "fine");
  auto r = hang.get();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 504);
  EXPECT_TRUE(IsErrorBody(r, "deadline-exceeded"));
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(8));
  auto never = client_->Request("GET", "/api/fail?how=never");
  EXPECT_EQ(never.status, 504);
  EXPECT_EQ(client_->Request("GET", "/api/fail").status, 200);
}

TEST_F(FunctionsTest, ParallelInvocationsAllAnswer) {
  std::vector<std::future<HttpResponse>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [this] {
      HttpClient c(server_->port());
      return c.Request("GET", "/api/sleep");
    }));
  }
  std::set<std::string> pids;
  for (auto& f : calls) {
    auto r = f.get();
    EXPECT_EQ(r.status, 200) << r.body;
    if (auto pid = Json(r.body).Int("/pid")) pids.insert(std::to_string(*pid));
  }
  EXPECT_EQ(pids.size(), 2u) << "two workers share the load";
}

TEST_F(FunctionsTest, SecretsReachFunctionsButNotLogsOrClients) {
  auto r = client_->Request("GET", "/api/env");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.Int("/hasKey"), static_cast<int64_t>(std::string(kSecret).size()));
  EXPECT_EQ(j.String("/greeting"), "hello-local");  // .env.local overrides .env
  EXPECT_TRUE(j.At("/admin")->is_null()) << "the admin token is not in process.env";
  EXPECT_TRUE(server_->WaitForOutput("[fn env] the key is [redacted]")) << server_->Output();
  EXPECT_TRUE(server_->WaitForOutput("warned from env")) << server_->Output();
  std::string log = server_->Output();
  EXPECT_EQ(log.find(kSecret), std::string::npos);
  for (const char* path : {"/.env", "/.env.local", "/%2eenv", "/public/../.env", "/%2e%2e/.env",
                           "/..%2f.env", "/api/../.env"}) {
    auto leak = client_->Request("GET", path);
    EXPECT_GE(leak.status, 400) << path;
    EXPECT_EQ(leak.body.find(kSecret), std::string::npos) << path;
  }
}

TEST_F(FunctionsTest, CallerIsVerified) {
  auto admin = client_->Admin("GET", "/api/echo");
  EXPECT_EQ(Json(admin.body).At("/auth/admin")->get_bool().value_unsafe(), true) << admin.body;
  auto bad = client_->Request("GET", "/api/echo", "", {{"Authorization", "Bearer not-a-token"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(IsErrorBody(bad, "unauthenticated"));
  auto signup = client_->Request("POST", "/v1/auth/signUp",
                                 R"({"email": "fn@example.com", "password": "a long password"})",
                                 {{"Content-Type", "application/json"}});
  ASSERT_EQ(signup.status, 200) << signup.body;
  auto token = Json(signup.body).String("/idToken");
  ASSERT_TRUE(token);
  auto user = client_->Request("GET", "/api/echo", "", {{"Authorization", "Bearer " + *token}});
  Json j(user.body);
  EXPECT_EQ(j.String("/auth/uid"), Json(signup.body).String("/user/uid"));
  EXPECT_EQ(j.String("/auth/token/email"), "fn@example.com");
}

TEST_F(FunctionsTest, AdminModuleReadsAndWritesPastTheRules) {
  // No firestore.rules: end users are denied everything, the admin module is not.
  auto r = client_->Request("POST", "/api/admin", R"({"text": "from a function"})",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body << server_->Output();
  Json j(r.body);
  EXPECT_EQ(j.String("/data/text"), "from a function");
  EXPECT_EQ(j.Int("/data/n"), 2);
  EXPECT_EQ(j.Int("/found"), 1);
  EXPECT_EQ(j.At("/missing")->get_bool().value_unsafe(), false);
  auto id = j.String("/id");
  ASSERT_TRUE(id);
  auto doc = client_->Admin("GET", "/v1/documents/notes/" + *id);
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(client_->Request("GET", "/v1/documents/notes/" + *id).status, 403);
}

TEST_F(FunctionsTest, NpmPackagesFromTheProject) {
  auto r = client_->Request("GET", "/api/package");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "HI!");
}

TEST_F(FunctionsTest, HostingRewriteHandsOverToAFunction) {
  auto r = client_->Request("POST", "/contact?x=1", R"({"m": 1})",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).String("/url"), "/contact?x=1");
  EXPECT_EQ(Json(r.body).Int("/body/m"), 1);
  auto home = client_->Request("GET", "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.body, "<h1>home</h1>");
}

TEST_F(FunctionsTest, ChangedCodeIsPickedUpWithoutRestart) {
  Put(project_->path(), "api/version.js", "export default (req, res) => res.send('v1');\n");
  // The folder is rescanned at most once a second.
  std::string body;
  for (int i = 0; i < 30 && body != "v1"; ++i) {
    body = client_->Request("GET", "/api/version").body;
    if (body != "v1") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(body, "v1");
  Put(project_->path(), "api/version.js",
      "export default (req, res) => res.send('v2 ' + 'changed');\n");
  for (int i = 0; i < 30 && body != "v2 changed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    body = client_->Request("GET", "/api/version").body;
  }
  EXPECT_EQ(body, "v2 changed");
}

}  // namespace
}  // namespace hearth::testing
