#include "model/timestamp.h"

#include <charconv>
#include <cstdio>

namespace hearth::model {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

}  // namespace

Timestamp Timestamp::FromMicros(int64_t micros) {
  int64_t s = micros / 1'000'000;
  int64_t rem = micros % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --s;
  }
  return {s, static_cast<int32_t>(rem * 1000)};
}

Result<Timestamp> Timestamp::Parse(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("invalid timestamp '" + std::string(text.substr(0, 64)) +
                           "': expected RFC 3339 like 2026-01-02T03:04:05.123456Z");
  };
  int year, month, day, hour, minute, second;
  if (!ParseDigits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !ParseDigits(text, 5, 2, month) || text[7] != '-' || !ParseDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !ParseDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ParseDigits(text, 14, 2, minute) || text[16] != ':' || !ParseDigits(text, 17, 2, second)) {
    return bad();
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0) || hour > 23 || minute > 59 ||
      second > 59) {
    return bad();
  }
  size_t pos = 19;
  int32_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits == 9) return bad();
      nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseDigits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    return InvalidArgument("timestamp out of range: years 0001 to 9999 (UTC) only");
  }
  return Timestamp{seconds, nanos};
}

std::string Timestamp::ToString() const {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  Civil c = CivilFromDays(days);
  char buf[48];
  int n;
  if (nanos % 1000 == 0) {
    n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ",
                      static_cast<long long>(c.y), c.m, c.d, static_cast<int>(rem / 3600),
                      static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), nanos / 1000);
  } else {
    n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%09dZ",
                      static_cast<long long>(c.y), c.m, c.d, static_cast<int>(rem / 3600),
                      static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), nanos);
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatMicros(int64_t micros) { return Timestamp::FromMicros(micros).ToString(); }

}  // namespace hearth::model
