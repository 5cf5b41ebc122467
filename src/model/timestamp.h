// A point in time with nanosecond resolution, as Firestore's Timestamp.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::model {

struct Timestamp {
  int64_t seconds = 0;  // since the Unix epoch, UTC
  int32_t nanos = 0;    // [0, 999'999'999]

  static Timestamp FromMicros(int64_t micros);
  // Truncates below a microsecond.
  int64_t ToMicros() const { return seconds * 1'000'000 + nanos / 1000; }

  // RFC 3339: "2026-01-02T03:04:05.123456Z", any offset, up to 9 fraction digits.
  // Years 0001..9999 only (Firestore's range).
  static Result<Timestamp> Parse(std::string_view text);
  // Always UTC with 6 fraction digits, or 9 when there is sub-microsecond precision.
  std::string ToString() const;

  auto operator<=>(const Timestamp&) const = default;
};

// The same format for a microsecond count, without building a Timestamp first.
std::string FormatMicros(int64_t micros);

}  // namespace hearth::model
