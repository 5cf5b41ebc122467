#include "auth/fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/random.h"

namespace hearth::auth {
namespace {

void InitCurl() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)rc;
}

struct Easy {
  CURL* curl;
  curl_slist* headers = nullptr;
  Easy() : curl((InitCurl(), curl_easy_init())) {}
  ~Easy() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
};

// What every transfer sets: the URL, the protocols it may use (never file:// and the
// like), no signals (threads), a timeout and where errors are described.
void SetCommonOptions(CURL* curl, const std::string& url, const char* protocols, long timeout_ms,
                      char* error) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
}

struct Sink {
  std::string* out;
  size_t max;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->out->size() + size * n > sink->max) {
    sink->overflow = true;
    return 0;
  }
  sink->out->append(data, size * n);
  return size * n;
}

struct Source {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t n, void* user) {
  auto* src = static_cast<Source*>(user);
  size_t len = std::min(size * n, src->data.size() - src->offset);
  std::memcpy(buffer, src->data.data() + src->offset, len);
  src->offset += len;
  return len;
}

Status CurlError(CURLcode rc, const char* error, std::string_view what) {
  return Unavailable(std::string(what) + ": " +
                     (error[0] != '\0' ? error : curl_easy_strerror(rc)));
}

bool IsLoopbackUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = url.substr(scheme + 3);
  return host.starts_with("127.0.0.1") || host.starts_with("localhost") ||
         host.starts_with("[::1]");
}

// RFC 2047 encoded-word when the subject is not plain ASCII.
std::string EncodeHeader(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80 || c < 0x20) {
      std::string out = "=?UTF-8?B?";
      static constexpr char kB64[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      size_t i = 0;
      for (; i + 2 < s.size(); i += 3) {
        uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
      }
      if (i < s.size()) {
        uint32_t v = uint8_t(s[i]) << 16;
        if (i + 1 < s.size()) v |= uint8_t(s[i + 1]) << 8;
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=';
        out += '=';
      }
      return out + "?=";
    }
  }
  return std::string(s);
}

std::string Address(std::string_view a) {
  std::string out = "<";
  out += a;
  return out + ">";
}

}  // namespace

Result<FetchResponse> Fetch(const FetchRequest& request) {
  Easy easy;
  if (easy.curl == nullptr) return Internal("curl_easy_init failed");
  FetchResponse response;
  Sink sink{&response.body, request.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {};
  SetCommonOptions(easy.curl, request.url, "http,https", request.timeout_ms, error);
  curl_easy_setopt(easy.curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(easy.curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(easy.curl, CURLOPT_USERAGENT, "hearth/" HEARTH_VERSION);
  for (const auto& [name, value] : request.headers) {
    easy.headers = curl_slist_append(easy.headers, (name + ": " + value).c_str());
  }
  if (easy.headers != nullptr) curl_easy_setopt(easy.curl, CURLOPT_HTTPHEADER, easy.headers);
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(easy.curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = curl_easy_perform(easy.curl);
  if (sink.overflow) return Unavailable("the response from " + request.url + " is too large");
  if (rc != CURLE_OK) return CurlError(rc, error, "fetching " + request.url);
  curl_easy_getinfo(easy.curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  curl_easy_getinfo(easy.curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) response.content_type = type;
  return response;
}

Status SendMail(const SmtpSettings& smtp, const MailMessage& message) {
  Easy easy;
  if (easy.curl == nullptr) return Internal("curl_easy_init failed");
  time_t now = static_cast<time_t>(SystemClock().NowMicros() / 1'000'000);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char date[64];
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string text;
  text += "Date: " + std::string(date) + "\r\n";
  text += "From: " + Address(message.from) + "\r\n";
  text += "To: " + Address(message.to) + "\r\n";
  text += "Subject: " + EncodeHeader(message.subject) + "\r\n";
  text += "Message-ID: <" + RandomHexToken(16) + "@hearth>\r\n";
  text += "MIME-Version: 1.0\r\n";
  text += "Content-Type: text/plain; charset=UTF-8\r\n";
  text += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // Bare LFs become CRLF, as SMTP requires; libcurl dot-stuffs the lines.
  for (char c : message.text) {
    if (c == '\n' && (text.empty() || text.back() != '\r')) text += '\r';
    text += c;
  }
  text += "\r\n";
  Source source{text};
  char error[CURL_ERROR_SIZE] = {};
  SetCommonOptions(easy.curl, smtp.url, "smtp,smtps", smtp.timeout_ms, error);
  if (!IsLoopbackUrl(smtp.url)) curl_easy_setopt(easy.curl, CURLOPT_USE_SSL, CURLUSESSL_TRY);
  if (!smtp.username.empty()) {
    curl_easy_setopt(easy.curl, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(easy.curl, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  std::string from = Address(message.from);
  curl_easy_setopt(easy.curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_slist* rcpt = curl_slist_append(nullptr, Address(message.to).c_str());
  curl_easy_setopt(easy.curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(easy.curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(easy.curl, CURLOPT_READDATA, &source);
  curl_easy_setopt(easy.curl, CURLOPT_UPLOAD, 1L);
  CURLcode rc = curl_easy_perform(easy.curl);
  curl_slist_free_all(rcpt);
  if (rc != CURLE_OK) return CurlError(rc, error, "sending mail through " + smtp.url);
  return Status::Ok();
}

}  // namespace hearth::auth
