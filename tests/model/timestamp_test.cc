#include "model/timestamp.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace hearth::model {
namespace {

constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z

Timestamp MustParse(std::string_view text) {
  Result<Timestamp> r = Timestamp::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : Timestamp{-1, -1};
}

void ExpectRejected(std::string_view text) {
  Result<Timestamp> r = Timestamp::Parse(text);
  EXPECT_FALSE(r.ok()) << "accepted '" << text << "' as " << (r.ok() ? r->ToString() : "");
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << text;
  }
}

TEST(Timestamp, ParsesKnownInstants) {
  EXPECT_EQ(MustParse("1970-01-01T00:00:00Z"), (Timestamp{0, 0}));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05Z"), (Timestamp{1767323045, 0}));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05.123456Z"), (Timestamp{1767323045, 123456000}));
  EXPECT_EQ(MustParse("1969-07-20T20:17:40Z"), (Timestamp{-14182940, 0}));
  EXPECT_EQ(MustParse("1969-12-31T23:59:59.5Z"), (Timestamp{-1, 500000000}));
  EXPECT_EQ(MustParse("2024-02-29T12:00:00Z"), (Timestamp{1709208000, 0}));
  EXPECT_EQ(MustParse("2000-02-29T00:00:00Z"), (Timestamp{951782400, 0}));
}

TEST(Timestamp, FractionDigits) {
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.1Z").nanos, 100000000);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.12Z").nanos, 120000000);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.123Z").nanos, 123000000);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.000001Z").nanos, 1000);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.12345678Z").nanos, 123456780);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.123456789Z").nanos, 123456789);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.000000001Z").nanos, 1);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00.999999999Z").nanos, 999999999);
  ExpectRejected("1970-01-01T00:00:00.1234567890Z");  // 10 digits
  ExpectRejected("1970-01-01T00:00:00.Z");
  ExpectRejected("1970-01-01T00:00:00.12a3Z");
}

TEST(Timestamp, Offsets) {
  EXPECT_EQ(MustParse("2026-01-02T03:04:05+02:00"), MustParse("2026-01-02T01:04:05Z"));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05-05:30"), MustParse("2026-01-02T08:34:05Z"));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05.25+00:00"), MustParse("2026-01-02T03:04:05.25Z"));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05-00:00"), MustParse("2026-01-02T03:04:05Z"));
  // Offsets cross day, month and year boundaries.
  EXPECT_EQ(MustParse("2026-01-01T01:00:00+02:00"), MustParse("2025-12-31T23:00:00Z"));
  EXPECT_EQ(MustParse("2024-02-28T23:30:00-01:00"), MustParse("2024-02-29T00:30:00Z"));
  EXPECT_EQ(MustParse("2026-01-02T03:04:05+23:59").seconds, 1767323045 - 23 * 3600 - 59 * 60);
  ExpectRejected("2026-01-02T03:04:05+24:00");
  ExpectRejected("2026-01-02T03:04:05+02:60");
  ExpectRejected("2026-01-02T03:04:05+02");
  ExpectRejected("2026-01-02T03:04:05+0200");
  ExpectRejected("2026-01-02T03:04:05+2:00");
  ExpectRejected("2026-01-02T03:04:05+02:00Z");
  ExpectRejected("2026-01-02T03:04:05+02:");
  ExpectRejected("2026-01-02T03:04:05+");
}

TEST(Timestamp, LowercaseSeparatorsAccepted) {
  EXPECT_EQ(MustParse("2026-01-02t03:04:05z"), (Timestamp{1767323045, 0}));
}

TEST(Timestamp, RejectsInvalidDates) {
  ExpectRejected("2026-02-30T00:00:00Z");
  ExpectRejected("2026-02-29T00:00:00Z");  // not a leap year
  ExpectRejected("1900-02-29T00:00:00Z");  // divisible by 100, not by 400
  ExpectRejected("2026-04-31T00:00:00Z");
  ExpectRejected("2026-13-01T00:00:00Z");
  ExpectRejected("2026-00-01T00:00:00Z");
  ExpectRejected("2026-01-00T00:00:00Z");
  ExpectRejected("2026-01-32T00:00:00Z");
  ExpectRejected("2026-01-01T24:00:00Z");
  ExpectRejected("2026-01-01T00:60:00Z");
  ExpectRejected("2026-01-01T00:00:60Z");  // no leap seconds
  EXPECT_EQ(MustParse("2026-12-31T23:59:59Z").seconds + 1,
            MustParse("2027-01-01T00:00:00Z").seconds);
}

TEST(Timestamp, RejectsMalformedText) {
  ExpectRejected("");
  ExpectRejected("2026-01-02T03:04:05");  // missing Z
  ExpectRejected("2026-01-02 03:04:05Z");
  ExpectRejected("2026-01-02T03:04Z");
  ExpectRejected("2026-01-02");
  ExpectRejected("2026-1-02T03:04:05Z");
  ExpectRejected("2026/01/02T03:04:05Z");
  ExpectRejected("2026-01-02T03:04:05ZZ");
  ExpectRejected("2026-01-02T03:04:05Z ");
  ExpectRejected(" 2026-01-02T03:04:05Z");
  ExpectRejected("2026-01-02T03:04:05UTC");
  ExpectRejected("+2026-01-02T03:04:05Z");
  ExpectRejected("-001-01-02T03:04:05Z");
  ExpectRejected("2026-01-02T03:04:5Z");
  ExpectRejected("abcd-01-02T03:04:05Z");
  ExpectRejected(std::string_view("2026-01-02T03:04:05Z\0", 21));
}

TEST(Timestamp, RangeLimits) {
  EXPECT_EQ(MustParse("0001-01-01T00:00:00Z"), (Timestamp{kMinSeconds, 0}));
  EXPECT_EQ(MustParse("9999-12-31T23:59:59.999999999Z"), (Timestamp{kMaxSeconds, 999999999}));
  ExpectRejected("0000-01-01T00:00:00Z");
  ExpectRejected("0000-12-31T23:59:59Z");
  ExpectRejected("10000-01-01T00:00:00Z");
  // In range only before the offset is applied.
  ExpectRejected("0001-01-01T00:00:00+00:01");
  ExpectRejected("9999-12-31T23:59:59-00:01");
  // Outside only before the offset is applied: the instant is what counts.
  EXPECT_EQ(MustParse("0001-01-01T00:30:00+00:30"), (Timestamp{kMinSeconds, 0}));
  EXPECT_EQ(MustParse("9999-12-31T23:30:00-00:29").seconds, kMaxSeconds - 59);
}

TEST(Timestamp, ToStringFormat) {
  EXPECT_EQ((Timestamp{0, 0}).ToString(), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ((Timestamp{1767323045, 123456000}).ToString(), "2026-01-02T03:04:05.123456Z");
  EXPECT_EQ((Timestamp{1767323045, 123456789}).ToString(), "2026-01-02T03:04:05.123456789Z");
  EXPECT_EQ((Timestamp{1767323045, 1}).ToString(), "2026-01-02T03:04:05.000000001Z");
  EXPECT_EQ((Timestamp{-1, 0}).ToString(), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ((Timestamp{-1, 999999000}).ToString(), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ((Timestamp{-86400, 0}).ToString(), "1969-12-31T00:00:00.000000Z");
  EXPECT_EQ((Timestamp{-86401, 0}).ToString(), "1969-12-30T23:59:59.000000Z");
  EXPECT_EQ((Timestamp{kMinSeconds, 0}).ToString(), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ((Timestamp{kMaxSeconds, 999999999}).ToString(), "9999-12-31T23:59:59.999999999Z");
  EXPECT_EQ((Timestamp{951782400, 0}).ToString(), "2000-02-29T00:00:00.000000Z");
}

TEST(Timestamp, RandomRoundTrip) {
  const uint64_t seed = 77;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    Timestamp t{kMinSeconds + static_cast<int64_t>(rng() % uint64_t(kMaxSeconds - kMinSeconds + 1)),
                static_cast<int32_t>(rng() % 1'000'000'000)};
    if (i % 3 == 0) t.nanos -= t.nanos % 1000;  // microsecond precision: 6 digits
    std::string text = t.ToString();
    ASSERT_EQ(text.size(), t.nanos % 1000 == 0 ? 27u : 30u) << text;
    Result<Timestamp> back = Timestamp::Parse(text);
    ASSERT_TRUE(back.ok()) << "seed " << seed << ": " << text << ": " << back.status().ToString();
    ASSERT_EQ(*back, t) << "seed " << seed << ": " << text;
  }
}

TEST(Timestamp, EveryDayOfAFourHundredYearCycleRoundTrips) {
  // 2000-01-01 .. 2399-12-31 covers every leap-year rule; consecutive days are 86400 apart.
  Timestamp day = MustParse("2000-01-01T12:00:00Z");
  for (int i = 0; i < 146097; ++i) {
    std::string text = day.ToString();
    Result<Timestamp> back = Timestamp::Parse(text);
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(*back, day) << text;
    day.seconds += 86400;
  }
  EXPECT_EQ(day.ToString(), "2400-01-01T12:00:00.000000Z");
}

TEST(Timestamp, FromMicrosAndToMicros) {
  EXPECT_EQ(Timestamp::FromMicros(0), (Timestamp{0, 0}));
  EXPECT_EQ(Timestamp::FromMicros(1), (Timestamp{0, 1000}));
  EXPECT_EQ(Timestamp::FromMicros(1'500'000), (Timestamp{1, 500'000'000}));
  EXPECT_EQ(Timestamp::FromMicros(-1), (Timestamp{-1, 999'999'000}));
  EXPECT_EQ(Timestamp::FromMicros(-1'000'000), (Timestamp{-1, 0}));
  EXPECT_EQ(Timestamp::FromMicros(-1'000'001), (Timestamp{-2, 999'999'000}));
  EXPECT_EQ(Timestamp::FromMicros(-1'500'000), (Timestamp{-2, 500'000'000}));
  EXPECT_EQ((Timestamp{-2, 500'000'000}).ToMicros(), -1'500'000);
  EXPECT_EQ((Timestamp{1, 999'999'999}).ToMicros(), 1'999'999);  // truncates
  std::mt19937_64 rng(5);
  for (int i = 0; i < 10000; ++i) {
    int64_t micros =
        static_cast<int64_t>(rng() % 600'000'000'000'000'000ULL) - 300'000'000'000'000'000LL;
    Timestamp t = Timestamp::FromMicros(micros);
    ASSERT_GE(t.nanos, 0) << micros;
    ASSERT_LT(t.nanos, 1'000'000'000) << micros;
    ASSERT_EQ(t.nanos % 1000, 0) << micros;
    ASSERT_EQ(t.ToMicros(), micros);
  }
}

TEST(Timestamp, FormatMicros) {
  EXPECT_EQ(FormatMicros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMicros(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatMicros(1767323045123456), "2026-01-02T03:04:05.123456Z");
}

TEST(Timestamp, OrderingBySecondsThenNanos) {
  EXPECT_LT((Timestamp{-1, 999'999'999}), (Timestamp{0, 0}));
  EXPECT_LT((Timestamp{0, 1}), (Timestamp{0, 2}));
  EXPECT_GT((Timestamp{1, 0}), (Timestamp{0, 999'999'999}));
  EXPECT_EQ((Timestamp{3, 4}), (Timestamp{3, 4}));
}

}  // namespace
}  // namespace hearth::model
