// Bad input of every kind against the real binary: malformed JSON, wrong value shapes,
// invalid paths, nesting and size limits, body and header limits, routing errors and
// garbage instead of HTTP. After each bad request: the answer is a well-formed error
// body, the store is unchanged (a sentinel document and its collection are exactly as
// written) and the server still serves.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

constexpr char kSentinelData[] = R"({"keep":"me","n":1,"nested":{"x":[1,2]}})";

struct BadCase {
  std::string name;
  std::string method;
  std::string target;  // full request target
  std::string body;
  int status = 400;
  std::string code = "invalid-argument";
  Headers headers = {};
  std::string allow = "";  // 405: the Allow header expected
};

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    server_ = StartServer(project_->path()).release();
    if (server_ == nullptr) return;
    HttpClient c(server_->port());
    HttpResponse put = c.Admin("PUT", "/v1/documents/bad/sentinel", kSentinelData);
    EXPECT_EQ(put.status, 200) << put.body;
    sentinel_body_ = new std::string(c.Admin("GET", "/v1/documents/bad/sentinel").body);
    list_body_ = new std::string(c.Admin("GET", "/v1/documents/bad").body);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete project_;
    project_ = nullptr;
    delete sentinel_body_;
    delete list_body_;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  // The sentinel is byte-for-byte as written, its collection holds nothing else, and the
  // server answers health checks.
  void ExpectStoreUnchanged() {
    HttpClient c(server_->port());
    HttpResponse get = c.Admin("GET", "/v1/documents/bad/sentinel");
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body, *sentinel_body_);
    EXPECT_EQ(RawData(get.body), kSentinelData);
    HttpResponse list = c.Admin("GET", "/v1/documents/bad");
    EXPECT_EQ(list.body, *list_body_) << "a bad request left a document behind";
    EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  }

  void RunCases(const std::vector<BadCase>& cases) {
    for (const BadCase& c : cases) {
      SCOPED_TRACE("case: " + c.name);
      HttpResponse r = client_->Admin(c.method, c.target, c.body, c.headers);
      EXPECT_EQ(r.status, c.status) << r.body;
      if (c.method != "HEAD") {
        EXPECT_TRUE(IsErrorBody(r, c.code));
      }
      if (!c.allow.empty()) {
        EXPECT_EQ(r.Header("allow"), c.allow);
      }
      ExpectStoreUnchanged();
    }
  }

  static TempDir* project_;
  static ServerProcess* server_;
  static std::string* sentinel_body_;
  static std::string* list_body_;
  std::unique_ptr<HttpClient> client_;
};

TempDir* BadInputTest::project_ = nullptr;
ServerProcess* BadInputTest::server_ = nullptr;
std::string* BadInputTest::sentinel_body_ = nullptr;
std::string* BadInputTest::list_body_ = nullptr;

// {"a":{"a":...{"a":1}}} with `depth` keys: a leaf at nesting depth `depth`.
std::string NestedMaps(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"a":)";
  s += "1";
  s += std::string(static_cast<size_t>(depth), '}');
  return s;
}

// {"a":[[...[1]...]]}: a field holding arrays, `depth` levels in all.
std::string NestedArrays(int depth) {
  return R"({"a":)" + std::string(static_cast<size_t>(depth - 1), '[') + "1" +
         std::string(static_cast<size_t>(depth - 1), ']') + "}";
}

// "a.a.a..." with `n` segments.
std::string DottedPath(int n) {
  std::string s = "a";
  for (int i = 1; i < n; ++i) s += ".a";
  return s;
}

TEST_F(BadInputTest, MalformedJson) {
  const std::string t = "/v1/documents/bad/x";
  RunCases({
      {"truncated", "PUT", t, R"({"a":)"},
      {"trailing garbage", "PUT", t, R"({"a":1} x)"},
      {"two documents", "PUT", t, R"({"a":1}{"b":2})"},
      {"empty body", "PUT", t, ""},
      {"whitespace body", "PUT", t, "   "},
      {"single quotes", "PUT", t, R"({'a':1})"},
      {"leading zero", "PUT", t, R"({"a":01})"},
      {"NaN literal", "PUT", t, R"({"a":NaN})"},
      {"trailing comma", "PUT", t, R"({"a":1,})"},
      {"bad escape", "PUT", t, R"({"a":"\x"})"},
      {"unterminated string", "PUT", t, R"({"a":"abc})"},
      {"lone surrogate escape", "PUT", t, R"({"a":"\ud800"})"},
      {"raw control character", "PUT", t, "{\"a\":\"x\x01y\"}"},
      {"invalid UTF-8 in a string", "PUT", t, "{\"a\":\"\xff\xfe\"}"},
      {"invalid UTF-8 in a key", "PUT", t, "{\"\xc3\":1}"},
      {"bad literal", "PUT", t, R"({"a":tru})"},
      {"unquoted key", "PUT", t, R"({a:1})"},
      {"number overflowing a double", "PUT", t, R"({"a":1e999})"},
      {"malformed patch", "PATCH", "/v1/documents/bad/sentinel", R"({"n":)"},
      {"malformed merge", "PUT", "/v1/documents/bad/sentinel?merge=true", R"({"n")"},
      {"malformed create", "POST", "/v1/documents/bad", R"({)"},
  });
}

TEST_F(BadInputTest, BodyMustBeAnObject) {
  const std::string t = "/v1/documents/bad/x";
  RunCases({
      {"array", "PUT", t, "[1,2]"},
      {"string", "PUT", t, R"("str")"},
      {"number", "PUT", t, "42"},
      {"null", "PUT", t, "null"},
      {"boolean", "PUT", t, "true"},
      {"array patch", "PATCH", "/v1/documents/bad/sentinel", "[]"},
      {"array create", "POST", "/v1/documents/bad", "[{}]"},
      {"null merge", "PUT", "/v1/documents/bad/sentinel?merge=true", "null"},
  });
}

TEST_F(BadInputTest, WrongValueShapes) {
  const std::string t = "/v1/documents/bad/x";
  const std::string s = "/v1/documents/bad/sentinel";
  RunCases({
      {"unknown tag", "PUT", t, R"({"a":{"$foo":1}})"},
      {"unknown tag nested", "PUT", t, R"({"m":{"n":[{"$timestampz":"x"}]}})"},
      {"timestamp not a string", "PUT", t, R"({"a":{"$timestamp":123}})"},
      {"timestamp month 13", "PUT", t, R"({"a":{"$timestamp":"2026-13-01T00:00:00Z"}})"},
      {"timestamp Feb 30", "PUT", t, R"({"a":{"$timestamp":"2026-02-30T00:00:00Z"}})"},
      {"timestamp without zone", "PUT", t, R"({"a":{"$timestamp":"2026-01-02T03:04:05"}})"},
      {"timestamp 10 fraction digits", "PUT", t,
       R"({"a":{"$timestamp":"2026-01-02T03:04:05.1234567891Z"}})"},
      {"timestamp words", "PUT", t, R"({"a":{"$timestamp":"yesterday"}})"},
      {"timestamp year 0", "PUT", t, R"({"a":{"$timestamp":"0000-12-31T23:59:59Z"}})"},
      {"geo latitude 91", "PUT", t, R"({"a":{"$geo":[91,0]}})"},
      {"geo latitude -90.5", "PUT", t, R"({"a":{"$geo":[-90.5,0]}})"},
      {"geo longitude 181", "PUT", t, R"({"a":{"$geo":[0,181]}})"},
      {"geo longitude -180.01", "PUT", t, R"({"a":{"$geo":[0,-180.01]}})"},
      {"geo one coordinate", "PUT", t, R"({"a":{"$geo":[1]}})"},
      {"geo three coordinates", "PUT", t, R"({"a":{"$geo":[1,2,3]}})"},
      {"geo strings", "PUT", t, R"({"a":{"$geo":["1","2"]}})"},
      {"geo object", "PUT", t, R"({"a":{"$geo":{"lat":1,"lng":2}}})"},
      {"ref to a collection", "PUT", t, R"({"a":{"$ref":"posts"}})"},
      {"ref to a subcollection", "PUT", t, R"({"a":{"$ref":"posts/a/comments"}})"},
      {"ref with empty segment", "PUT", t, R"({"a":{"$ref":"posts//a"}})"},
      {"ref empty", "PUT", t, R"({"a":{"$ref":""}})"},
      {"ref reserved id", "PUT", t, R"({"a":{"$ref":"posts/__x__"}})"},
      {"ref not a string", "PUT", t, R"({"a":{"$ref":1}})"},
      {"bytes not base64", "PUT", t, R"({"a":{"$bytes":"!!!"}})"},
      {"bytes bad length", "PUT", t, R"({"a":{"$bytes":"a"}})"},
      {"bytes not a string", "PUT", t, R"({"a":{"$bytes":[1]}})"},
      {"double lowercase nan", "PUT", t, R"({"a":{"$double":"nan"}})"},
      {"double boolean", "PUT", t, R"({"a":{"$double":true}})"},
      {"map not an object", "PUT", t, R"({"a":{"$map":1}})"},
      {"integer above int64", "PUT", t, R"({"n":9223372036854775808})"},
      {"integer at uint64 max", "PUT", t, R"({"n":18446744073709551615})"},
      {"integer above uint64", "PUT", t, R"({"n":18446744073709551616})"},
      {"integer below int64", "PUT", t, R"({"n":-9223372036854775809})"},
      {"reserved field name", "PUT", t, R"({"__x__":1})"},
      {"reserved nested field name", "PUT", t, R"({"a":{"__y__":1}})"},
      {"empty field name", "PUT", t, R"({"":1})"},
      {"duplicate keys", "PUT", t, R"({"a":1,"a":2})"},
      {"duplicate nested keys", "PUT", t, R"({"m":{"x":1,"x":2}})"},
      {"duplicate keys in patch", "PATCH", s, R"({"n":1,"n":2})"},
      {"duplicate dotted keys in patch", "PATCH", s, R"({"nested.x":1,"nested.x":2})"},
      {"field and child in patch", "PATCH", s, R"({"nested":1,"nested.x":2})"},
      {"duplicate key next to a transform", "PUT", t, R"({"a":{"$increment":1},"a":2})"},
      {"duplicate transforms", "PUT", t, R"({"a":{"$increment":1},"a":{"$increment":2}})"},
      {"duplicate transform in merge", "PUT", s + "?merge=true",
       R"({"n":{"$increment":1},"n":{"$increment":1}})"},
      {"$delete in a plain set", "PUT", t, R"({"a":{"$delete":true}})"},
      {"$delete false", "PATCH", s, R"({"n":{"$delete":false}})"},
      {"$delete in an array", "PATCH", s, R"({"n":[{"$delete":true}]})"},
      {"$serverTimestamp in an array", "PUT", t, R"({"a":[{"$serverTimestamp":true}]})"},
      {"$serverTimestamp not true", "PUT", t, R"({"a":{"$serverTimestamp":1}})"},
      {"$increment a string", "PATCH", s, R"({"n":{"$increment":"1"}})"},
      {"$increment null", "PATCH", s, R"({"n":{"$increment":null}})"},
      {"$increment too big", "PATCH", s, R"({"n":{"$increment":9223372036854775808}})"},
      {"$arrayUnion not an array", "PATCH", s, R"({"n":{"$arrayUnion":1}})"},
      {"$arrayRemove not an array", "PATCH", s, R"({"n":{"$arrayRemove":{"a":1}}})"},
      {"transform inside $arrayUnion", "PATCH", s, R"({"n":{"$arrayUnion":[{"$increment":1}]}})"},
      {"patch empty field path", "PATCH", s, R"({"":1})"},
      {"patch empty segment", "PATCH", s, R"({"a..b":1})"},
      {"patch trailing dot", "PATCH", s, R"({"a.":1})"},
      {"patch unquoted special char", "PATCH", s, R"({"a/b":1})"},
      {"patch unterminated backquote", "PATCH", s, R"({"`a":1})"},
      {"patch reserved segment", "PATCH", s, R"({"nested.__x__":1})"},
  });
}

TEST_F(BadInputTest, InvalidPaths) {
  const std::string body = R"({"a":1})";
  const std::string id1501(1501, 'x');
  const std::string seg1500(1500, 's');
  RunCases({
      {"empty segment get", "GET", "/v1/documents/bad//a", ""},
      {"empty segment put", "PUT", "/v1/documents/bad//a", body},
      {"leading empty segment", "PUT", "/v1/documents//bad/a", body},
      {"trailing slash", "PUT", "/v1/documents/bad/x/", body},
      {"no path", "GET", "/v1/documents", ""},
      {"no path slash", "GET", "/v1/documents/", ""},
      {"reserved id", "PUT", "/v1/documents/bad/__x__", body},
      {"reserved collection", "PUT", "/v1/documents/__bad__/x", body},
      {"reserved collection list", "GET", "/v1/documents/__x__", ""},
      {"reserved encoded", "PUT", "/v1/documents/bad/%5F%5Fx%5F%5F", body},
      {"dot id", "PUT", "/v1/documents/bad/.", body},
      {"dotdot id", "PUT", "/v1/documents/bad/..", body},
      {"dotdot escaping", "GET", "/v1/documents/bad/../bad/sentinel", ""},
      {"encoded dotdot", "PUT", "/v1/documents/bad/%2E%2E", body},
      {"encoded slash", "PUT", "/v1/documents/bad/a%2Fb", body},
      {"1501-byte id", "PUT", "/v1/documents/bad/" + id1501, body},
      {"path over 6 KiB", "PUT",
       "/v1/documents/bad/" + seg1500 + "/" + seg1500 + "/" + seg1500 + "/" + seg1500 + "/" +
           seg1500 + "/x/y",
       body},
      {"invalid UTF-8", "PUT", "/v1/documents/bad/%FF", body},
      {"truncated UTF-8", "PUT", "/v1/documents/bad/a%C3", body},
      {"overlong UTF-8", "PUT", "/v1/documents/bad/%C0%AF", body},
      {"UTF-16 surrogate", "PUT", "/v1/documents/bad/%ED%A0%80", body},
      {"bad percent escape", "PUT", "/v1/documents/bad/%G1", body},
      {"percent at end", "PUT", "/v1/documents/bad/abc%", body},
      {"short percent escape", "PUT", "/v1/documents/bad/ab%2", body},
      {"bad escape on delete", "DELETE", "/v1/documents/bad/%zz", ""},
      {"bad path on patch", "PATCH", "/v1/documents/bad//sentinel", body},
      {"bad path on create", "POST", "/v1/documents/bad//sub", body},
  });
}

TEST_F(BadInputTest, QueryParameters) {
  const std::string s = "/v1/documents/bad/sentinel";
  RunCases({
      {"unknown on put", "PUT", "/v1/documents/bad/x?foo=1", "{}"},
      {"unknown without value", "PUT", "/v1/documents/bad/x?merge=true&foo", "{}"},
      {"unknown on delete keeps the doc", "DELETE", s + "?foo=bar", ""},
      {"misspelled precondition", "DELETE", s + "?exist=true", ""},
      {"wrong case", "PUT", s + "?Merge=true", R"({"n":2})"},
      {"merge on get", "GET", s + "?merge=true", ""},
      {"merge on patch", "PATCH", s + "?merge=true", R"({"n":2})"},
      {"merge on delete", "DELETE", s + "?merge=true", ""},
      {"exists on list", "GET", "/v1/documents/bad?exists=true", ""},
      {"pageSize on get", "GET", s + "?pageSize=1", ""},
      {"params on create", "POST", "/v1/documents/bad?merge=true", "{}"},
      {"exists not boolean", "PUT", s + "?exists=yes", "{}"},
      {"merge not boolean", "PUT", s + "?merge=1", "{}"},
      {"merge repeated badly", "PUT", s + "?merge=true&merge=maybe", "{}"},
      {"updateTime not a time", "PUT", s + "?updateTime=nope", "{}"},
      {"pageSize 0", "GET", "/v1/documents/bad?pageSize=0", ""},
      {"pageSize 1001", "GET", "/v1/documents/bad?pageSize=1001", ""},
      {"pageSize abc", "GET", "/v1/documents/bad?pageSize=abc", ""},
      {"bad pageToken", "GET", "/v1/documents/bad?pageToken=%%%", ""},
      {"malformed key escape", "PUT", "/v1/documents/bad/x?%ZZ=1", "{}"},
      {"malformed value escape", "PUT", s + "?exists=%G0", "{}"},
  });
}

TEST_F(BadInputTest, RoutingErrors) {
  const std::string doc_allow = "GET, HEAD, PUT, PATCH, DELETE";
  const std::string coll_allow = "GET, HEAD, POST";
  RunCases({
      {"unknown route", "GET", "/nope", "", 404, "not-found"},
      {"root", "GET", "/", "", 404, "not-found"},
      {"v1 alone", "GET", "/v1", "", 404, "not-found"},
      {"documents prefix", "GET", "/v1/documentsx/bad/sentinel", "", 404, "not-found"},
      {"other version", "GET", "/v2/documents/bad/sentinel", "", 404, "not-found"},
      {"healthz slash", "GET", "/healthz/", "", 404, "not-found"},
      // Outside /v1 and /api, paths belong to static hosting: read-only.
      {"unknown route put", "PUT", "/nope/x", "{}", 405, "invalid-argument", {}, "GET, HEAD"},
      {"post on a document", "POST", "/v1/documents/bad/sentinel", "{}", 405, "", {}, doc_allow},
      {"put on a collection", "PUT", "/v1/documents/bad", "{}", 405, "", {}, coll_allow},
      {"patch on a collection", "PATCH", "/v1/documents/bad", "{}", 405, "", {}, coll_allow},
      {"delete on a collection", "DELETE", "/v1/documents/bad", "", 405, "", {}, coll_allow},
      {"options without preflight",
       "OPTIONS",
       "/v1/documents/bad/sentinel",
       "",
       405,
       "",
       {},
       doc_allow},
      {"unknown method", "PROPFIND", "/v1/documents/bad/sentinel", "", 405, "", {}, doc_allow},
      {"post healthz", "POST", "/healthz", "{}", 405, "", {}, "GET, HEAD"},
      {"delete metrics", "DELETE", "/metrics", "", 405, "", {}, "GET, HEAD"},
  });
}

TEST_F(BadInputTest, NestingDepthLimit) {
  HttpClient& c = *client_;
  struct Case {
    std::string name, method, target, body;
    int status;
  };
  std::vector<Case> cases = {
      {"maps depth 20", "PUT", "/v1/documents/deep/m20", NestedMaps(20), 200},
      {"maps depth 21", "PUT", "/v1/documents/bad/m21", NestedMaps(21), 400},
      {"arrays depth 20", "PUT", "/v1/documents/deep/a20", NestedArrays(20), 200},
      {"arrays depth 21", "PUT", "/v1/documents/bad/a21", NestedArrays(21), 400},
      {"depth 21 via a merge", "PUT", "/v1/documents/bad/m21?merge=true", NestedMaps(21), 400},
      {"depth 21 via create", "POST", "/v1/documents/bad", NestedMaps(21), 400},
      {"patch path of 20 segments", "PATCH", "/v1/documents/deep/m20",
       "{\"" + DottedPath(20) + "\":2}", 200},
      {"patch path of 21 segments", "PATCH", "/v1/documents/deep/m20",
       "{\"" + DottedPath(21) + "\":2}", 400},
      {"patch path of 20 with a map value", "PATCH", "/v1/documents/deep/m20",
       "{\"" + DottedPath(20) + "\":{\"b\":1}}", 400},
      {"patch path of 19 with a map value", "PATCH", "/v1/documents/deep/m20",
       "{\"" + DottedPath(19) + "\":{\"b\":1}}", 200},
      {"patch of the sentinel to depth 21", "PATCH", "/v1/documents/bad/sentinel",
       "{\"nested.y\":" + NestedMaps(20) + "}", 400},
      {"increment at depth 21", "PATCH", "/v1/documents/bad/sentinel",
       "{\"" + DottedPath(21) + "\":{\"$increment\":1}}", 400},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    HttpResponse r = c.Admin(k.method, k.target, k.body);
    EXPECT_EQ(r.status, k.status) << r.body;
    if (k.status != 200) {
      EXPECT_TRUE(IsErrorBody(r, "invalid-argument"));
    }
    ExpectStoreUnchanged();
  }
  // The accepted documents read back whole.
  HttpResponse m20 = c.Admin("GET", "/v1/documents/deep/a20");
  EXPECT_EQ(RawData(m20.body), NestedArrays(20));
}

TEST_F(BadInputTest, DocumentSizeLimit) {
  HttpClient& c = *client_;
  // {"s":"..."}: 8 bytes of JSON around the string.
  auto doc = [](size_t total) { return R"({"s":")" + std::string(total - 8, 'x') + "\"}"; };
  HttpResponse about_1m = c.Admin("PUT", "/v1/documents/big/a", doc(1'000'000));
  EXPECT_EQ(about_1m.status, 200) << about_1m.body.substr(0, 300);
  HttpResponse exactly = c.Admin("PUT", "/v1/documents/big/b", doc(1 << 20));
  EXPECT_EQ(exactly.status, 200) << "exactly 1 MiB is allowed: " << exactly.body.substr(0, 300);
  HttpResponse get = c.Admin("GET", "/v1/documents/big/b");
  EXPECT_EQ(RawData(get.body).size(), size_t{1} << 20);

  HttpResponse over = c.Admin("PUT", "/v1/documents/bad/big", doc((1 << 20) + 1));
  EXPECT_EQ(over.status, 400) << over.body.substr(0, 300);
  EXPECT_TRUE(IsErrorBody(over, "invalid-argument"));
  ExpectStoreUnchanged();
  HttpResponse way_over = c.Admin("PUT", "/v1/documents/bad/big", doc(3'000'000));
  EXPECT_EQ(way_over.status, 400);
  EXPECT_TRUE(IsErrorBody(way_over, "invalid-argument"));
  // The limit applies to the stored (canonical) form: 750,000 escaped slashes are a
  // 1.5 MB body but a 750 KB document.
  std::string slashes = R"({"s":")";
  for (int i = 0; i < 750'000; ++i) slashes += "\\/";
  slashes += "\"}";
  HttpResponse escaped = c.Admin("PUT", "/v1/documents/big/slashes", slashes);
  EXPECT_EQ(escaped.status, 200) << escaped.body.substr(0, 300);
  EXPECT_EQ(RawData(c.Admin("GET", "/v1/documents/big/slashes").body).size(), 750'008u);
  ExpectStoreUnchanged();

  // Growing a document past the limit with a patch fails and leaves it as it was.
  HttpResponse before = c.Admin("GET", "/v1/documents/big/a");
  HttpResponse grow =
      c.Admin("PATCH", "/v1/documents/big/a", R"({"t":")" + std::string(100'000, 'y') + "\"}");
  EXPECT_EQ(grow.status, 400) << grow.body.substr(0, 300);
  EXPECT_TRUE(IsErrorBody(grow, "invalid-argument"));
  EXPECT_EQ(c.Admin("GET", "/v1/documents/big/a").body, before.body);
  ExpectStoreUnchanged();
}

// ---------------------------------------------------------------------------------------
// Byte-level HTTP errors

struct RawCase {
  std::string name;
  std::string bytes;
  int status;
};

TEST_F(BadInputTest, MalformedHttp) {
  const std::string auth = std::string("Authorization: Bearer ") + kAdminToken + "\r\n";
  std::vector<RawCase> cases = {
      {"garbage bytes", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n", 400},
      {"words", "HELLO THERE\r\n\r\n", 400},
      {"binary noise", std::string("\x00\x01\x02\x03\xff\xfe\r\n\r\n", 10), 400},
      {"bad content length",
       "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: abc\r\n\r\n{}",
       400},
      {"negative content length",
       "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: -2\r\n\r\n{}",
       400},
      {"two content lengths",
       "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\n" + auth +
           "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} ",
       400},
      {"content length and chunked",
       "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\n" + auth +
           "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
       400},
      {"bad chunk size",
       "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\n" + auth +
           "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
       400},
      {"header without colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400},
      {"space before colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"bad version", "GET /healthz HTTP/x.y\r\nHost: x\r\n\r\n", 400},
      {"bare LF line endings", "GET /healthz HTTP/1.1\nHost: x\n\n", 400},
      {"header too large",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n", 431},
      {"too many header bytes in total",
       [] {
         std::string s = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
         for (int i = 0; i < 400; ++i)
           s += "X-H" + std::to_string(i) + ": " + std::string(50, 'v') + "\r\n";
         return s + "\r\n";
       }(),
       431},
      {"request line too large",
       "GET /" + std::string(20'000, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431},
  };
  for (const RawCase& c : cases) {
    SCOPED_TRACE(c.name);
    bool closed = false;
    std::string raw = RawExchange(server_->port(), c.bytes, 3000, &closed);
    RawHead head = ParseRawHead(raw);
    EXPECT_EQ(head.status, c.status) << raw.substr(0, 300);
    HttpResponse as_response;
    as_response.status = head.status;
    as_response.body = head.rest;
    for (const auto& [k, v] : head.headers) as_response.headers[k] = v;
    EXPECT_TRUE(IsErrorBody(as_response, "invalid-argument"));
    EXPECT_EQ(as_response.Header("content-length"), std::to_string(head.rest.size()))
        << "one response, then nothing: " << raw.substr(0, 300);
    EXPECT_TRUE(closed) << "the server must close the connection after a malformed request";
    ExpectStoreUnchanged();
  }
}

// ---------------------------------------------------------------------------------------
// A server with a small body limit

class SmallBodyLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    project_ = new TempDir();
    server_ = StartServer(project_->path(), R"({"limits":{"maxBodyBytes":4096}})").release();
    if (server_ == nullptr) return;
    HttpClient c(server_->port());
    EXPECT_EQ(c.Admin("PUT", "/v1/documents/bad/sentinel", kSentinelData).status, 200);
    sentinel_body_ = new std::string(c.Admin("GET", "/v1/documents/bad/sentinel").body);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete project_;
    project_ = nullptr;
    delete sentinel_body_;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  void ExpectStoreUnchanged() {
    HttpClient c(server_->port());
    HttpResponse get = c.Admin("GET", "/v1/documents/bad/sentinel");
    EXPECT_EQ(get.body, *sentinel_body_);
    HttpResponse list = c.Admin("GET", "/v1/documents/bad?pageSize=10");
    Json j(list.body);
    EXPECT_EQ(j.Size("/documents"), 1u) << list.body;
    EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  }

  static std::string PutHead(size_t length, const std::string& extra = "") {
    return "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           std::string(kAdminToken) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) +
           "\r\n" + extra + "\r\n";
  }
  // {"s":"xxx..."} of exactly `n` bytes.
  static std::string Body(size_t n) { return R"({"s":")" + std::string(n - 8, 'x') + "\"}"; }

  static TempDir* project_;
  static ServerProcess* server_;
  static std::string* sentinel_body_;
};

TempDir* SmallBodyLimitTest::project_ = nullptr;
ServerProcess* SmallBodyLimitTest::server_ = nullptr;
std::string* SmallBodyLimitTest::sentinel_body_ = nullptr;

TEST_F(SmallBodyLimitTest, BodyOverTheLimitIs413) {
  HttpClient c(server_->port());
  HttpResponse big = c.Admin("PUT", "/v1/documents/bad/x", Body(10 * 1024));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_TRUE(IsErrorBody(big, "invalid-argument"));
  EXPECT_NE(big.body.find("4096"), std::string::npos) << "the message names the limit";
  ExpectStoreUnchanged();

  // Malformed JSON over the limit is refused for its size, before any parsing.
  HttpClient c2(server_->port());
  HttpResponse junk = c2.Admin("PUT", "/v1/documents/bad/x", std::string(10 * 1024, '{'));
  EXPECT_EQ(junk.status, 413) << junk.body;
  ExpectStoreUnchanged();
}

TEST_F(SmallBodyLimitTest, LimitIsExact) {
  HttpClient c(server_->port());
  HttpResponse at = c.Admin("PUT", "/v1/documents/ok/at", Body(4096));
  EXPECT_EQ(at.status, 200) << at.body.substr(0, 200);
  HttpClient c2(server_->port());
  HttpResponse over = c2.Admin("PUT", "/v1/documents/bad/x", Body(4097));
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_TRUE(IsErrorBody(over, "invalid-argument"));
  ExpectStoreUnchanged();
}

TEST_F(SmallBodyLimitTest, HugeContentLengthIsRefusedAtOnce) {
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  std::string raw = RawExchange(server_->port(), PutHead(100'000'000), 3000, &closed);
  auto elapsed = std::chrono::steady_clock::now() - start;
  RawHead head = ParseRawHead(raw);
  EXPECT_EQ(head.status, 413) << raw;
  EXPECT_TRUE(closed);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000)) << "refused without waiting for the body";
  HttpResponse r;
  r.status = head.status;
  r.body = head.rest;
  for (const auto& [k, v] : head.headers) r.headers[k] = v;
  EXPECT_TRUE(IsErrorBody(r, "invalid-argument"));
  ExpectStoreUnchanged();
}

TEST_F(SmallBodyLimitTest, ExpectContinueOverTheLimitGets413NotContinue) {
  std::string raw =
      RawExchange(server_->port(), PutHead(100'000'000, "Expect: 100-continue\r\n"), 3000);
  EXPECT_EQ(raw.find("100 Continue"), std::string::npos) << raw;
  EXPECT_EQ(ParseRawHead(raw).status, 413) << raw;
  ExpectStoreUnchanged();
}

TEST_F(SmallBodyLimitTest, ChunkedBodyOverTheLimitIs413) {
  std::string head = "PUT /v1/documents/bad/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     std::string(kAdminToken) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body = Body(5000);
  std::string chunked;
  for (size_t i = 0; i < body.size(); i += 1000) {
    std::string part = body.substr(i, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", part.size());
    chunked += std::string(size) + "\r\n" + part + "\r\n";
  }
  chunked += "0\r\n\r\n";
  std::string raw = RawExchange(server_->port(), head + chunked, 3000);
  EXPECT_EQ(ParseRawHead(raw).status, 413) << raw;
  ExpectStoreUnchanged();

  // A small chunked body is fine.
  std::string small = R"({"c":1})";
  std::string ok =
      RawExchange(server_->port(),
                  "PUT /v1/documents/ok/chunked HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      std::string(kAdminToken) +
                      "\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n" + small +
                      "\r\n0\r\n\r\n",
                  3000);
  EXPECT_EQ(ParseRawHead(ok).status, 200) << ok;
  HttpClient c(server_->port());
  EXPECT_EQ(RawData(c.Admin("GET", "/v1/documents/ok/chunked").body), small);
}

}  // namespace
}  // namespace hearth::testing
