// Helpers shared by the authentication integration tests (tests/api/auth_*_test.cc):
// sessions over HTTP, JWT inspection and signing with the test's own OpenSSL code (never
// Hearth's), URL and query handling for the OAuth redirects.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "api/api_test_util.h"
#include "base/strings.h"

namespace hearth::testing {

// hearth.json's "auth" rate limits high enough for tests that share one server.
inline constexpr char kHighRateLimits[] =
    R"("rateLimits":{"signInPerIpPerMinute":100000,"signInPerAccountPerMinute":100000,)"
    R"("signUpPerIpPerHour":100000,"resetPerIpPerHour":100000,"resetPerAccountPerHour":100000})";

// ---- Encodings ----

inline std::string B64Url(std::string_view in) { return hearth::Base64UrlEncode(in); }

// Decodes unpadded base64url (base/strings.h; it also takes the standard alphabet).
inline std::optional<std::string> B64UrlDecode(std::string_view in) {
  return hearth::Base64Decode(in);
}

inline std::string UrlEncode(std::string_view in) { return hearth::PercentEncode(in); }

inline std::string UrlDecode(std::string_view in) {
  return hearth::PercentDecode(in, /*plus_as_space=*/true).value_or(std::string(in));
}

// The decoded query parameters of a URL (the last value of a repeated name).
inline std::map<std::string, std::string> QueryOf(std::string_view url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = url.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    out[UrlDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
  }
  return out;
}

// "http://127.0.0.1:123/a/b?c" -> "/a/b?c".
inline std::string PathAndQuery(std::string_view url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
}

inline std::optional<bool> BoolAt(const Json& json, std::string_view pointer) {
  auto e = json.At(pointer);
  bool v;
  if (!e || e->get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

inline std::string Sha256Raw(std::string_view in) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

// ---- JWT ----

struct JwtParts {
  std::string header_b64, payload_b64, signature_b64;
  std::string header, payload;  // decoded JSON text
};

inline std::optional<JwtParts> SplitToken(std::string_view token) {
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  JwtParts p{std::string(token.substr(0, a)), std::string(token.substr(a + 1, b - a - 1)),
             std::string(token.substr(b + 1)), "", ""};
  auto header = B64UrlDecode(p.header_b64);
  auto payload = B64UrlDecode(p.payload_b64);
  if (!header || !payload) return std::nullopt;
  p.header = *header;
  p.payload = *payload;
  return p;
}

// The claims of an ID token, parsed (not verified).
inline Json Claims(std::string_view token) {
  auto parts = SplitToken(token);
  return Json(parts ? parts->payload : "not a token");
}

// Signs header.payload RS256 with a PEM private key.
inline std::string SignRs256(const std::string& pem, const std::string& header_json,
                             const std::string& payload_json) {
  std::string input = B64Url(header_json) + "." + B64Url(payload_json);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(key, nullptr) << "not a PEM private key";
  std::string sig(512, '\0');
  size_t len = sig.size();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = key != nullptr && EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EXPECT_TRUE(ok) << "RS256 signing failed";
  sig.resize(ok ? len : 0);
  return input + "." + B64Url(sig);
}

// The server's active signing key (kid, PEM) from DATA_DIR/keys.json.
struct ServerKey {
  std::string kid, pem;
};
inline std::optional<ServerKey> ReadServerKey(const std::string& data_dir) {
  std::ifstream in(data_dir + "/keys.json", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json j(text);
  for (size_t i = 0; i < j.Size("/keys"); ++i) {
    std::string at = "/keys/" + std::to_string(i);
    if (j.Int(at + "/retired") == 0) {
      return ServerKey{j.String(at + "/kid").value_or(""), j.String(at + "/pem").value_or("")};
    }
  }
  return std::nullopt;
}

// ---- Sessions ----

inline Headers Bearer(std::string_view token) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

struct Session {
  std::string uid, id_token, refresh_token;
  std::string body;  // the whole answer
};

// A session answer: {"user":{...},"idToken","refreshToken","expiresIn"}. Empty on failure
// (with a test failure recorded).
inline Session ParseSession(const HttpResponse& r) {
  Json j(r.body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(j.ok()) << r.body;
  Session s{j.String("/user/uid").value_or(""), j.String("/idToken").value_or(""),
            j.String("/refreshToken").value_or(""), r.body};
  EXPECT_FALSE(s.uid.empty() || s.id_token.empty() || s.refresh_token.empty()) << r.body;
  EXPECT_EQ(j.Int("/expiresIn"), 3600) << r.body;
  return s;
}

inline std::string Credentials(std::string_view email, std::string_view password) {
  return R"({"email":")" + std::string(email) + R"(","password":")" + std::string(password) + "\"}";
}

inline Session SignUp(HttpClient& client, std::string_view email, std::string_view password) {
  return ParseSession(client.Request("POST", "/v1/auth/signUp", Credentials(email, password)));
}

inline HttpResponse SignIn(HttpClient& client, std::string_view email, std::string_view password) {
  return client.Request("POST", "/v1/auth/signInWithPassword", Credentials(email, password));
}

inline HttpResponse Me(HttpClient& client, std::string_view id_token) {
  return client.Request("GET", "/v1/auth/me", "", Bearer(id_token));
}

inline HttpResponse RefreshWith(HttpClient& client, std::string_view refresh_token) {
  return client.Request("POST", "/v1/auth/token",
                        R"({"refreshToken":")" + std::string(refresh_token) + "\"}");
}

// A unique, valid email for the running test: "<test name>-<tag>@example.com".
inline std::string TestEmail(std::string_view tag = "u") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? info->name() : "test";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name + "-" + std::string(tag) + "@example.com";
}

// Every regular file at or under `path` that contains `needle` (as bytes).
inline std::vector<std::string> FilesContaining(const std::string& path, std::string_view needle) {
  std::vector<std::string> files, found;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
    }
  }
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(file);
  }
  return found;
}

}  // namespace hearth::testing
