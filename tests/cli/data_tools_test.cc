// hearth export / hearth import with the real binary: a store taken through an export
// comes back identical (documents with their times, the index entries queries use, users
// who sign in with the same password); malformed exports and busy stores are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "api/api_test_util.h"
#include "support/test_store.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kIndexes[] = R"({
  "indexes": [
    {"collectionGroup": "posts", "queryScope": "COLLECTION", "fields": [
      {"fieldPath": "author", "order": "ASCENDING"},
      {"fieldPath": "likes", "order": "DESCENDING"}]}
  ],
  "fieldOverrides": [
    {"collectionGroup": "comments", "fieldPath": "stars", "indexes": [
      {"order": "ASCENDING", "queryScope": "COLLECTION"},
      {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}]}
  ]
})";

constexpr char kPassword[] = "export-password-1";

// Documents covering every value type, nested maps and arrays, odd strings,
// subcollections and a collection group.
const std::vector<std::pair<std::string, std::string>> kDocuments = {
    {"posts/p1",
     R"({"author":"ann","likes":5,"score":1.5,"whole":2.0,"ok":true,"none":null,)"
     R"("at":{"$timestamp":"2026-01-02T03:04:05.123456Z"},"blob":{"$bytes":"aGVsbG8="},)"
     R"("ref":{"$ref":"posts/p2"},"place":{"$geo":[48.85,2.35]},"nan":{"$double":"NaN"},)"
     R"("inf":{"$double":"-Infinity"},"big":9007199254740993,"tags":["a","b",{"$bytes":"AA=="}],)"
     R"("nested":{"deep":{"list":[1,{"y":"z"},[]],"empty":{}}},"dollar":{"$map":{"$x":1}}})"},
    {"posts/p2", R"({"author":"bob","likes":9,"tags":["b"],"text":"é \"quoted\"\n\\ 🔥"})"},
    {"posts/p3", R"({"author":"ann","likes":12,"tags":["a"]})"},
    {"posts/empty", R"({})"},
    {"posts/p1/comments/c1", R"({"stars":3,"text":"nice"})"},
    {"users/u1/comments/c2", R"({"stars":3,"text":"also nice"})"},
    {"users/u1/comments/c3", R"({"stars":1})"},
    {"a/b/c/d/e/f", R"({"depth":3})"},
};

// Queries served by automatic indexes (single-field, array-contains, collection group
// from fieldOverrides) and by the composite index.
const std::vector<std::string> kQueries = {
    R"({"from":"posts","where":["likes",">",4],"orderBy":[["likes","desc"]]})",
    R"({"from":"posts","where":["tags","array-contains","a"]})",
    R"({"from":"posts","orderBy":["author"]})",
    R"({"from":"users/u1/comments","where":["stars","==",3]})",
    R"({"from":{"collectionGroup":"comments"},"where":["stars","==",3]})",
    R"({"from":"posts","where":["author","==","ann"],"orderBy":[["likes","desc"]]})",
    R"({"from":"posts","where":[["author","==","ann"],["likes","<",10]],"orderBy":[["likes","desc"]]})",
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// The flags that select one store, given alike to serve, export and import.
using Store = std::vector<std::string>;

class DataToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(project_.path() + "/firestore.indexes.json", kIndexes); }

  // Store `n` of a test (0 the source, 1 and 2 targets): a data folder each and, when the
  // suite runs on PostgreSQL (support/test_store.h), a schema each. `sqlite` forces SQLite.
  Store StoreAt(int n, bool sqlite = false) {
    std::string data = project_.path() + "/data" + std::to_string(n);
    Store flags = {"--data", data};
    if (sqlite) {
      flags.insert(flags.end(), {"--db", "sqlite"});
    } else if (TestOnPostgres()) {
      flags.insert(flags.end(), {"--db", PostgresUrlFor(data)});
    }
    return flags;
  }

  std::unique_ptr<ServerProcess> Serve(const Store& store) {
    std::string error;
    auto server =
        ServerProcess::Start({.project_dir = project_.path(), .extra_args = store}, &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  static void Stop(std::unique_ptr<ServerProcess>& server) {
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(), 0) << server->Output();
    server.reset();
  }

  // hearth export|import DIR on `store`, with `extra` flags.
  ProcessResult Hearth(const std::string& command, const std::string& dir, const Store& store,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {HEARTH_BINARY, command, dir, "--project", project_.path()};
    argv.insert(argv.end(), store.begin(), store.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, 60000);
  }

  // Fills `store` through a server: the documents (p1 written twice, so its createTime and
  // updateTime differ) and a user with a password; keeps the uid and the Snapshot().
  void Populate(const Store& store) {
    auto server = Serve(store);
    ASSERT_NE(server, nullptr);
    HttpClient client(server->port());
    for (const auto& [path, data] : kDocuments) {
      HttpResponse r = client.Admin("PUT", "/v1/documents/" + path, data);
      EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    }
    HttpResponse again =
        client.Admin("PATCH", "/v1/documents/posts/p1", R"({"likes":{"$increment":1}})");
    EXPECT_EQ(again.status, 200) << again.body;
    HttpResponse user =
        client.Admin("POST", "/v1/admin/users",
                     R"({"email":"mover@example.com","password":")" + std::string(kPassword) +
                         R"(","displayName":"Mover","customClaims":{"role":"editor"}})");
    EXPECT_EQ(user.status, 201) << user.body;
    uid_ = Json(user.body).String("/uid").value_or("");
    ASSERT_FALSE(uid_.empty());
    snapshot_ = Snapshot(client);
    Stop(server);
  }

  // Everything the tests compare: each document as GET answers it, and each query's
  // documents (without the readTime).
  std::vector<std::string> Snapshot(HttpClient& client) {
    std::vector<std::string> out;
    for (const auto& [path, data] : kDocuments) {
      HttpResponse r = client.Admin("GET", "/v1/documents/" + path);
      EXPECT_EQ(r.status, 200) << path << ": " << r.body;
      out.push_back(path + " " + r.body);
    }
    for (const auto& query : kQueries) {
      HttpResponse r = client.Admin("POST", "/v1/query", query);
      EXPECT_EQ(r.status, 200) << query << ": " << r.body;
      Json j(r.body);
      auto docs = j.At("/documents");
      out.push_back(query + " " + (docs ? simdjson::minify(*docs) : r.body));
    }
    return out;
  }

  // Exports `from` into `dir` and checks the files.
  void Export(const Store& from, const std::string& dir) {
    ProcessResult exported = Hearth("export", dir, from);
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    EXPECT_TRUE(Contains(exported.output, "exported 8 documents and 1 users")) << exported.output;
    Json manifest(ReadText(dir + "/manifest.json"));
    EXPECT_EQ(manifest.String("/format"), "hearth-export");
    EXPECT_EQ(manifest.Int("/version"), 1);
    EXPECT_EQ(manifest.Int("/documents"), 8);
    EXPECT_EQ(manifest.Int("/users"), 1);
    EXPECT_EQ(ReadText(dir + "/firestore.indexes.json"), kIndexes);
    std::string users = ReadText(dir + "/users.jsonl");
    EXPECT_TRUE(Contains(users, "argon2id")) << "the password hash is exported: " << users;
    EXPECT_TRUE(Contains(ReadText(dir + "/documents.jsonl"), R"("path":"posts/p1/comments/c1")"));
    for (const auto& entry : fs::directory_iterator(dir)) {
      EXPECT_FALSE(entry.path().filename().string().starts_with("."))
          << "a temporary file is left: " << entry.path();
    }
  }

  // Imports `dir` into the empty `to`, serves it and finds what Populate() wrote.
  void ImportAndCheck(const std::string& dir, const Store& to) {
    ProcessResult imported = Hearth("import", dir, to);
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    EXPECT_TRUE(Contains(imported.output, "imported 8 documents and 1 users")) << imported.output;

    auto server = Serve(to);
    ASSERT_NE(server, nullptr);
    HttpClient client(server->port());
    // Identical documents, times included, and identical query answers at once: the
    // import wrote every index entry, automatic and composite, and nothing is rebuilt.
    std::vector<std::string> restored = Snapshot(client);
    ASSERT_EQ(restored.size(), snapshot_.size());
    for (size_t i = 0; i < restored.size(); ++i) EXPECT_EQ(restored[i], snapshot_[i]);
    EXPECT_FALSE(Contains(server->Output(), "indexes: building")) << server->Output();
    EXPECT_FALSE(Contains(server->Output(), "rebuilding")) << server->Output();
    // The user signs in with the same password, keeping uid and claims.
    HttpResponse signed_in = client.Request(
        "POST", "/v1/auth/signInWithPassword",
        R"({"email":"mover@example.com","password":")" + std::string(kPassword) + "\"}");
    ASSERT_EQ(signed_in.status, 200) << signed_in.body;
    EXPECT_EQ(Json(signed_in.body).String("/user/uid"), uid_);
    HttpResponse admin_view = client.Admin("GET", "/v1/admin/users/" + uid_);
    EXPECT_EQ(Json(admin_view.body).String("/customClaims/role"), "editor") << admin_view.body;
    // The restored store takes new writes as usual, after the imported times.
    HttpResponse write = client.Admin("PATCH", "/v1/documents/posts/p2", R"({"likes":10})");
    ASSERT_EQ(write.status, 200) << write.body;
    std::string p2 = snapshot_[1].substr(snapshot_[1].find(' ') + 1);
    EXPECT_GT(Json(write.body).String("/updateTime").value_or(""),
              Json(p2).String("/updateTime").value_or("~"));
    Stop(server);
  }

  TempDir project_;
  TempDir exports_;
  std::string uid_;
  std::vector<std::string> snapshot_;
};

TEST_F(DataToolsTest, ExportImportRoundTripKeepsDocumentsIndexesAndUsers) {
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(0)));
  ASSERT_NO_FATAL_FAILURE(Export(StoreAt(0), exports_.path() + "/backup"));
  ImportAndCheck(exports_.path() + "/backup", StoreAt(1));
}

// What the tools are for: SQLite to PostgreSQL and back.
TEST_F(DataToolsTest, MovesAStoreFromSqliteToPostgresAndBack) {
  // Registered with ctest as pg:... only (PG_ONLY in CMakeLists.txt).
  if (!TestOnPostgres()) GTEST_SKIP() << "needs HEARTH_TEST_ENGINE=postgres";
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(0, /*sqlite=*/true)));
  ASSERT_NO_FATAL_FAILURE(Export(StoreAt(0, /*sqlite=*/true), exports_.path() + "/from-sqlite"));
  ASSERT_NO_FATAL_FAILURE(ImportAndCheck(exports_.path() + "/from-sqlite", StoreAt(1)));
  // And back: a store filled on PostgreSQL, exported, imported into SQLite.
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(3)));
  ASSERT_NO_FATAL_FAILURE(Export(StoreAt(3), exports_.path() + "/from-postgres"));
  ImportAndCheck(exports_.path() + "/from-postgres", StoreAt(2, /*sqlite=*/true));
}

TEST_F(DataToolsTest, ImportRefusesANonEmptyStoreUnlessOverwriting) {
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(0)));
  const std::string dir = exports_.path() + "/backup";
  ASSERT_EQ(Hearth("export", dir, StoreAt(0)).exit_code, 0);
  // Into the store it came from: everything is already there.
  ProcessResult refused = Hearth("import", dir, StoreAt(0));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "already holds documents")) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "--mode=overwrite")) << refused.output;

  // Overwrite replaces same-path documents (and their index entries) and keeps the rest.
  {
    auto server = Serve(StoreAt(0));
    ASSERT_NE(server, nullptr);
    HttpClient client(server->port());
    EXPECT_EQ(client.Admin("PUT", "/v1/documents/posts/p3", R"({"author":"zed","likes":1})").status,
              200);
    EXPECT_EQ(client.Admin("PUT", "/v1/documents/posts/extra", R"({"author":"ann"})").status, 200);
    Stop(server);
  }
  ProcessResult overwritten = Hearth("import", dir, StoreAt(0), {"--mode=overwrite"});
  ASSERT_EQ(overwritten.exit_code, 0) << overwritten.output;
  auto server = Serve(StoreAt(0));
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  EXPECT_EQ(client.Admin("GET", "/v1/documents/posts/extra").status, 200);
  HttpResponse zed =
      client.Admin("POST", "/v1/query", R"({"from":"posts","where":["author","==","zed"]})");
  EXPECT_EQ(zed.status, 200) << zed.body;
  EXPECT_EQ(Json(zed.body).Size("/documents"), 0u) << zed.body;
  HttpResponse p3 = client.Admin("GET", "/v1/documents/posts/p3");
  EXPECT_EQ("posts/p3 " + p3.body, snapshot_[2]);
  Stop(server);

  ProcessResult bad_mode = Hearth("import", dir, StoreAt(0), {"--mode=merge"});
  EXPECT_EQ(bad_mode.exit_code, 2) << bad_mode.output;
}

TEST_F(DataToolsTest, MalformedLinesAreReportedWithTheirNumberAndNothingIsWritten) {
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(0)));
  const std::string dir = exports_.path() + "/backup";
  ASSERT_EQ(Hearth("export", dir, StoreAt(0)).exit_code, 0);
  const std::string good = ReadText(dir + "/documents.jsonl");

  struct Case {
    std::string line;  // replaces line 3
    std::string error;
  };
  const std::vector<Case> cases = {
      {R"({"path":"posts/x","createTime":)", "documents.jsonl:3: not valid JSON"},
      {R"(["not","an","object"])", "documents.jsonl:3: each line must be one JSON object"},
      {R"({"path":"posts","createTime":"2026-01-01T00:00:00Z","updateTime":"2026-01-01T00:00:00Z","data":{}})",
       "documents.jsonl:3: 'posts' is not a document path"},
      {R"({"path":"posts/x","createTime":"yesterday","updateTime":"2026-01-01T00:00:00Z","data":{}})",
       "documents.jsonl:3: \"createTime\""},
      {R"({"path":"posts/x","createTime":"2026-01-01T00:00:00Z","updateTime":"2026-01-01T00:00:00Z","data":{"t":{"$timestamp":"no"}}})",
       "documents.jsonl:3: document 'posts/x'"},
      {R"({"path":"posts/x","createTime":"2026-01-01T00:00:00Z","updateTime":"2026-01-01T00:00:00Z","data":{},"extra":1})",
       "documents.jsonl:3: unknown key \"extra\""},
      {R"({"path":"posts/x","updateTime":"2026-01-01T00:00:00Z","data":{}})",
       "documents.jsonl:3: \"createTime\" is missing"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> lines;
    std::istringstream in(good);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_GE(lines.size(), 3u);
    lines[2] = c.line;
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    WriteFile(dir + "/documents.jsonl", text);
    ProcessResult r = Hearth("import", dir, StoreAt(1));
    EXPECT_EQ(r.exit_code, 1) << c.line << "\n" << r.output;
    EXPECT_TRUE(Contains(r.output, c.error)) << "want " << c.error << "\n" << r.output;
  }
  // A truncated file disagrees with the manifest.
  WriteFile(dir + "/documents.jsonl", good.substr(0, good.find('\n') + 1));
  ProcessResult truncated = Hearth("import", dir, StoreAt(1));
  EXPECT_EQ(truncated.exit_code, 1) << truncated.output;
  EXPECT_TRUE(Contains(truncated.output, "holds 1 records but manifest.json says 8"))
      << truncated.output;
  // None of the failed imports wrote anything: the store is still empty.
  WriteFile(dir + "/documents.jsonl", good);
  ProcessResult ok = Hearth("import", dir, StoreAt(1));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(DataToolsTest, ExportNeedsAnEmptyFolderOrForceAndAManifestMarksItComplete) {
  ASSERT_NO_FATAL_FAILURE(Populate(StoreAt(0)));
  const std::string dir = exports_.path() + "/backup";
  fs::create_directories(dir);
  WriteFile(dir + "/unrelated.txt", "keep me");
  ProcessResult refused = Hearth("export", dir, StoreAt(0));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "is not empty")) << refused.output;
  ProcessResult forced = Hearth("export", dir, StoreAt(0), {"--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(ReadText(dir + "/unrelated.txt"), "keep me");
  // Without its manifest a folder is not an export.
  fs::remove(dir + "/manifest.json");
  ProcessResult incomplete = Hearth("import", dir, StoreAt(1));
  EXPECT_EQ(incomplete.exit_code, 1) << incomplete.output;
  EXPECT_TRUE(Contains(incomplete.output, "not a complete export")) << incomplete.output;
  ProcessResult no_dir = Hearth("export", "", StoreAt(0));
  EXPECT_EQ(no_dir.exit_code, 2) << no_dir.output;
}

// The SQLite store belongs to one process at a time: the data folder's lock keeps
// export and import away from a running server.
TEST(DataToolsLock, ExportAndImportRefuseWhileAServerRunsOnTheFolder) {
  TempDir project, exports;
  auto server = StartServer(project.path());
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  ASSERT_EQ(client.Admin("PUT", "/v1/documents/c/d", R"({"v":1})").status, 200);
  ProcessResult exported =
      RunProcess({HEARTH_BINARY, "export", exports.path() + "/out", "--project", project.path()});
  EXPECT_EQ(exported.exit_code, 1) << exported.output;
  EXPECT_TRUE(Contains(exported.output, "in use by another running Hearth")) << exported.output;
  EXPECT_FALSE(fs::exists(exports.path() + "/out/manifest.json"));
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(), 0);
  ProcessResult after =
      RunProcess({HEARTH_BINARY, "export", exports.path() + "/out", "--project", project.path()});
  ASSERT_EQ(after.exit_code, 0) << after.output;

  auto again = StartServer(project.path());
  ASSERT_NE(again, nullptr);
  ProcessResult imported = RunProcess({HEARTH_BINARY, "import", exports.path() + "/out",
                                       "--project", project.path(), "--mode=overwrite"});
  EXPECT_EQ(imported.exit_code, 1) << imported.output;
  EXPECT_TRUE(Contains(imported.output, "in use by another running Hearth")) << imported.output;
}

}  // namespace
}  // namespace hearth::testing
