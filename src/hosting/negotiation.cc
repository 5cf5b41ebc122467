#include "hosting/negotiation.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>

#include "base/strings.h"

namespace hearth::hosting::detail {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f(item)` for each trimmed, non-empty element of a comma-separated list.
template <typename F>
void ForEachListItem(std::string_view list, F f) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// The q-value of an Accept-Encoding element's parameters ("q=0.5"); 1 when absent, 0 when
// malformed (a garbled preference is not consent).
double QValue(std::string_view params) {
  double q = 1;
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view param = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    std::string_view value = param.substr(2);
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
    if (ec != std::errc() || end != value.data() + value.size() || q < 0 || q > 1) return 0;
  }
  return q;
}

// Digits only, saturating at the maximum (a huge first byte is then unsatisfiable and a
// huge last byte means "to the end"). nullopt when not all digits.
std::optional<uint64_t> ParseOffset(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      v = std::numeric_limits<uint64_t>::max();
    } else {
      v = v * 10 + digit;
    }
  }
  return v;
}

constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> Number(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view OpaqueTag(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

Encoding ChooseEncoding(std::string_view accept_encoding, bool have_brotli, bool have_gzip) {
  double q_br = -1, q_gzip = -1, q_any = -1;  // -1: not listed
  ForEachListItem(accept_encoding, [&](std::string_view item) {
    size_t semi = item.find(';');
    std::string_view coding = Trim(item.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : QValue(item.substr(semi + 1));
    if (EqualsIgnoreCase(coding, "br")) {
      q_br = q;
    } else if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      q_gzip = q;
    } else if (coding == "*") {
      q_any = q;
    }
  });
  if (q_br < 0) q_br = q_any;
  if (q_gzip < 0) q_gzip = q_any;
  if (!have_brotli) q_br = -1;
  if (!have_gzip) q_gzip = -1;
  if (q_br > 0 && q_br >= q_gzip) return Encoding::kBrotli;
  if (q_gzip > 0) return Encoding::kGzip;
  return Encoding::kIdentity;
}

RangeRequest ParseRange(std::string_view header, uint64_t size) {
  RangeRequest none;
  header = Trim(header);
  size_t eq = header.find('=');
  if (eq == std::string_view::npos || !EqualsIgnoreCase(Trim(header.substr(0, eq)), "bytes")) {
    return none;
  }
  std::string_view spec = Trim(header.substr(eq + 1));
  size_t dash = spec.find('-');
  if (spec.find(',') != std::string_view::npos || dash == std::string_view::npos) return none;
  std::string_view first_text = Trim(spec.substr(0, dash));
  std::string_view last_text = Trim(spec.substr(dash + 1));
  RangeRequest r;
  r.kind = RangeRequest::Kind::kSatisfiable;
  if (first_text.empty()) {  // "-n": the last n bytes
    auto n = ParseOffset(last_text);
    if (!n) return none;
    if (*n == 0 || size == 0) return {RangeRequest::Kind::kUnsatisfiable};
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
    return r;
  }
  auto first = ParseOffset(first_text);
  if (!first) return none;
  std::optional<uint64_t> last = std::numeric_limits<uint64_t>::max();
  if (!last_text.empty()) last = ParseOffset(last_text);
  if (!last || *last < *first) return none;  // invalid: ignored, per RFC 9110 §14.2
  if (*first >= size) return {RangeRequest::Kind::kUnsatisfiable};
  r.first = *first;
  r.last = std::min(*last, size - 1);
  return r;
}

std::string FormatHttpDate(int64_t unix_seconds) {
  using namespace std::chrono;
  sys_seconds t{seconds(unix_seconds)};
  sys_days day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss hms(t - day);
  weekday wd(day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                std::string(kDays[wd.c_encoding()]).c_str(), unsigned(ymd.day()),
                std::string(kMonths[unsigned(ymd.month()) - 1]).c_str(), int(ymd.year()),
                int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto day = Number(s.substr(5, 2));
  auto year = Number(s.substr(12, 4));
  auto hour = Number(s.substr(17, 2));
  auto minute = Number(s.substr(20, 2));
  auto second = Number(s.substr(23, 2));
  int month = 0;
  while (month < 12 && kMonths[month] != s.substr(8, 3)) ++month;
  if (!day || !year || !hour || !minute || !second || month == 12 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(*year), std::chrono::month(unsigned(month + 1)),
                     std::chrono::day(unsigned(*day))};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd).time_since_epoch() / seconds(1) + *hour * 3600 + *minute * 60 + *second;
}

bool EtagListMatches(std::string_view list, std::string_view etag) {
  bool matched = false;
  ForEachListItem(list, [&](std::string_view item) {
    if (item == "*" || OpaqueTag(item) == OpaqueTag(etag)) matched = true;
  });
  return matched;
}

}  // namespace hearth::hosting::detail
