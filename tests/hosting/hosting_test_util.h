// Helpers for the hosting tests: a temporary project folder with files, requests with
// headers (as the HTTP server builds them), and decompression to check encoded bodies.
#pragma once

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <boost/beast/http/fields.hpp>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "base/strings.h"
#include "hosting/static_site.h"

namespace hearth::hosting::testing {

// A fresh folder under /tmp, removed with everything in it at the end of the test.
// (tests/support has one too, but linking it builds the whole hearth binary.)
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hearth-hosting-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `content` to `path`, creating its folders.
inline void WriteFile(const std::string& path, std::string_view content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// A request as the server hands it over; keeps the strings the Request points into.
class TestRequest {
 public:
  explicit TestRequest(std::string target, http::Method method = http::Method::kGet,
                       std::initializer_list<std::pair<std::string, std::string>> headers = {})
      : target_(std::move(target)), method_(method) {
    for (const auto& [name, value] : headers) fields_.insert(name, value);
  }
  http::Request get() const {
    http::Request r;
    r.method = method_;
    r.method_name = method_ == http::Method::kHead   ? "HEAD"
                    : method_ == http::Method::kPost ? "POST"
                                                     : "GET";
    r.target = target_;
    size_t q = target_.find('?');
    r.path = std::string_view(target_).substr(0, q);
    if (q != std::string::npos) r.query = std::string_view(target_).substr(q + 1);
    r.header_source = &fields_;
    return r;
  }

 private:
  std::string target_;
  http::Method method_;
  boost::beast::http::fields fields_;
};

// The site's response to a request that must not become a function call.
inline http::Response Get(const StaticSite& site, const std::string& target,
                          std::initializer_list<std::pair<std::string, std::string>> headers = {},
                          http::Method method = http::Method::kGet) {
  TestRequest request(target, method, headers);
  auto answer = site.Serve(request.get());
  EXPECT_TRUE(std::holds_alternative<http::Response>(answer)) << target << " went to a function";
  if (!std::holds_alternative<http::Response>(answer)) return {};
  return std::get<http::Response>(std::move(answer));
}

// The value of header `name` (case-insensitive), or nullopt.
inline std::optional<std::string> Header(const http::Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

inline std::string Gunzip(const std::string& data) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out;
  char buf[16384];
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  }
  inflateEnd(&s);
  EXPECT_EQ(rc, Z_STREAM_END) << "not a complete gzip stream";
  return out;
}

inline std::string Unbrotli(const std::string& data) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::string out;
  const auto* next_in = reinterpret_cast<const uint8_t*>(data.data());
  size_t avail_in = data.size();
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[16384];
    uint8_t* next_out = buf;
    size_t avail_out = sizeof buf;
    rc = BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
  }
  BrotliDecoderDestroyInstance(state);
  EXPECT_EQ(rc, BROTLI_DECODER_RESULT_SUCCESS) << "not a complete brotli stream";
  return out;
}

}  // namespace hearth::hosting::testing
