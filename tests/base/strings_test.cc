#include "base/strings.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hearth {
namespace {

using namespace std::string_literals;

// Encodes a code point as UTF-8 without any validity checks (for building test inputs).
std::string RawUtf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// IsValidUtf8

TEST(IsValidUtf8, AcceptsWellFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\0embedded nul"s));
  EXPECT_TRUE(IsValidUtf8("\x7f"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));       // é
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));      // €
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));  // 😀
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(IsValidUtf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));      // U+E000, just above surrogates
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the largest
}

TEST(IsValidUtf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // NUL in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // U+007F in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x9f\xbf"));      // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // '/' in 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in 4 bytes
}

TEST(IsValidUtf8, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\xbd\xed\xb8\x80"));  // CESU-8 pair for U+1F600
  for (uint32_t cp = 0xD800; cp <= 0xDFFF; cp += 0x7F) {
    EXPECT_FALSE(IsValidUtf8(RawUtf8(cp))) << std::hex << cp;
  }
}

TEST(IsValidUtf8, RejectsAboveMaxCodePoint) {
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf7\xbf\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));      // old 5-byte form
  EXPECT_FALSE(IsValidUtf8("\xfc\x84\x80\x80\x80\x80"));  // old 6-byte form
  EXPECT_FALSE(IsValidUtf8("\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(IsValidUtf8, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // lead byte at end
  EXPECT_FALSE(IsValidUtf8("a\xe2\x82"));     // 3-byte cut short
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x98"));  // 4-byte cut short
  EXPECT_FALSE(
      IsValidUtf8("\xe2\x82"
                  "a"));                      // continuation replaced by ASCII
  EXPECT_FALSE(IsValidUtf8("\xc3\xc3\xa9"));  // lead followed by lead
  EXPECT_FALSE(IsValidUtf8("\x80"));          // lone continuation
  EXPECT_FALSE(IsValidUtf8("abc\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xc3\xa9\xa9"));  // extra continuation
}

TEST(IsValidUtf8, AgreesWithCodePointRangesExhaustively) {
  // Every code point encoded in its shortest form is valid unless it is a surrogate.
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x11000 ? 1 : 97)) {
    bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(IsValidUtf8(RawUtf8(cp)), !surrogate) << std::hex << cp;
  }
}

// ---------------------------------------------------------------------------------------
// Percent encoding

TEST(PercentDecode, DecodesEscapes) {
  EXPECT_EQ(PercentDecode("abc"), "abc");
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("%41%42%43"), "ABC");
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac");  // lowercase hex
  EXPECT_EQ(PercentDecode("%E2%82%AC"), "\xe2\x82\xac");  // uppercase hex
  EXPECT_EQ(PercentDecode("%00"), "\0"s);
  EXPECT_EQ(PercentDecode("%ff"), "\xff");
  EXPECT_EQ(PercentDecode("%25"), "%");
  EXPECT_EQ(PercentDecode("%2525"), "%25");  // decoded once only
}

TEST(PercentDecode, SlashEscapeBecomesSlash) {
  EXPECT_EQ(PercentDecode("a%2Fb"), "a/b");
  EXPECT_EQ(PercentDecode("a%2fb"), "a/b");
}

TEST(PercentDecode, PlusIsLiteralUnlessQueryMode) {
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", /*plus_as_space=*/true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", /*plus_as_space=*/true), "a+b");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("%"), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%"), std::nullopt);
  EXPECT_EQ(PercentDecode("%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("%G1"), std::nullopt);
  EXPECT_EQ(PercentDecode("%1G"), std::nullopt);
  EXPECT_EQ(PercentDecode("%%41"), std::nullopt);
  EXPECT_EQ(PercentDecode("% 1"), std::nullopt);
  EXPECT_EQ(PercentDecode("%-1"), std::nullopt);
  EXPECT_EQ(PercentDecode("%+1", true), std::nullopt);
}

TEST(PercentEncode, KeepsUnreservedEscapesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b"), "a%20b");
  EXPECT_EQ(PercentEncode("a/b"), "a%2Fb");
  EXPECT_EQ(PercentEncode("a+b=c&d"), "a%2Bb%3Dc%26d");
  EXPECT_EQ(PercentEncode("%"), "%25");
  EXPECT_EQ(PercentEncode("\0"s), "%00");
  EXPECT_EQ(PercentEncode("\xe2\x82\xac"), "%E2%82%AC");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncode, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded = PercentEncode(all);
  for (char c : encoded) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
    EXPECT_TRUE(ok) << "unexpected character in encoding: " << c;
  }
  EXPECT_EQ(PercentDecode(encoded), all);
  EXPECT_EQ(PercentDecode(encoded, true), all);  // no '+' survives encoding
}

// ---------------------------------------------------------------------------------------
// Base64

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, UrlSafeAlphabetAndNoPadding) {
  std::string data = "\xfb\xff\xbf";  // encodes to "+/+/" in the standard alphabet
  EXPECT_EQ(Base64Encode(data), "+/+/");
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64Decode("-_-_"), data);
  EXPECT_EQ(Base64Decode("+/+/"), data);
  EXPECT_EQ(Base64Decode("Zg"), "f");  // unpadded
  EXPECT_EQ(Base64Decode("Zm8"), "fo");
}

TEST(Base64, RandomRoundTrip) {
  const uint64_t seed = 20260102;
  std::mt19937_64 rng(seed);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string data(rng() % 70, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    std::string std_enc = Base64Encode(data);
    std::string url_enc = Base64UrlEncode(data);
    ASSERT_EQ(std_enc.size() % 4, 0u);
    ASSERT_EQ(url_enc.find_first_of("+/="), std::string::npos) << url_enc;
    ASSERT_EQ(Base64Decode(std_enc), data) << "seed " << seed << " iter " << iter;
    ASSERT_EQ(Base64Decode(url_enc), data) << "seed " << seed << " iter " << iter;
  }
}

TEST(Base64, RejectsGarbage) {
  EXPECT_EQ(Base64Decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm 9v"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9v\n"), std::nullopt);
  EXPECT_EQ(Base64Decode("Z"), std::nullopt);      // one char can't encode a byte
  EXPECT_EQ(Base64Decode("Zm9vY"), std::nullopt);  // 4n+1 chars
  EXPECT_EQ(Base64Decode("Zg=a"), std::nullopt);   // padding in the middle
  EXPECT_EQ(Base64Decode("=Zg"), std::nullopt);
  EXPECT_EQ(Base64Decode("\xc3\xa9\xc3\xa9"), std::nullopt);
  EXPECT_EQ(Base64Decode(std::string("Zm\0v", 4)), std::nullopt);
}

TEST(Base64, RejectsNonCanonicalTrailingBits) {
  // "Zg==" is 'f'; "Zh==" carries the same byte plus non-zero leftover bits.
  EXPECT_EQ(Base64Decode("Zh=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zh"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9="), std::nullopt);  // "Zm8=" is canonical
}

// ---------------------------------------------------------------------------------------
// ConstantTimeEquals, EqualsIgnoreCase

TEST(ConstantTimeEquals, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));  // prefix
  EXPECT_FALSE(ConstantTimeEquals("secret1", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals("\0"s, ""));
  EXPECT_FALSE(ConstantTimeEquals("a\0b"s, "a\0c"s));
  EXPECT_TRUE(ConstantTimeEquals("a\0b"s, "a\0b"s));
  // Bytes differing only in the high bit.
  EXPECT_FALSE(ConstantTimeEquals("\x80", "\x00"s));
}

TEST(EqualsIgnoreCase, AsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\xa9", "\xc3\x89"));  // é vs É: not ASCII
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));  // 0x40 vs 0x60 differ only by the case bit
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
}

// ---------------------------------------------------------------------------------------
// ParseQueryString

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQueryString, SplitsAndDecodes) {
  EXPECT_EQ(ParseQueryString("a=1&b=2"), Pairs({{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(ParseQueryString(""), Pairs());
  EXPECT_EQ(ParseQueryString("q=hello+world&p=a%2Fb"), Pairs({{"q", "hello world"}, {"p", "a/b"}}));
  EXPECT_EQ(ParseQueryString("k%20ey=v%3Dv"), Pairs({{"k ey", "v=v"}}));
}

TEST(ParseQueryString, EdgeCases) {
  EXPECT_EQ(ParseQueryString("flag"), Pairs({{"flag", ""}}));
  EXPECT_EQ(ParseQueryString("flag="), Pairs({{"flag", ""}}));
  EXPECT_EQ(ParseQueryString("=v"), Pairs({{"", "v"}}));
  EXPECT_EQ(ParseQueryString("a=b=c"), Pairs({{"a", "b=c"}}));
  EXPECT_EQ(ParseQueryString("&&a=1&&"), Pairs({{"a", "1"}}));
  // Repeated keys are kept, in order.
  EXPECT_EQ(ParseQueryString("x=1&x=2"), Pairs({{"x", "1"}, {"x", "2"}}));
}

TEST(ParseQueryString, MalformedEscapeFailsWholeParse) {
  EXPECT_EQ(ParseQueryString("a=1&b=%zz"), std::nullopt);
  EXPECT_EQ(ParseQueryString("a%=1"), std::nullopt);
  EXPECT_EQ(ParseQueryString("a=%"), std::nullopt);
}

TEST(PathAfterTest, OnlyWholeSegmentsOfThePrefix) {
  EXPECT_EQ(PathAfter("/v1/documents", "/v1/documents"), std::string_view(""));
  EXPECT_EQ(PathAfter("/v1/documents/", "/v1/documents"), std::string_view(""));
  EXPECT_EQ(PathAfter("/v1/documents/posts/a", "/v1/documents"), std::string_view("posts/a"));
  EXPECT_EQ(PathAfter("/v1/documentsx/a", "/v1/documents"), std::nullopt);
  EXPECT_EQ(PathAfter("/v1", "/v1/documents"), std::nullopt);
  EXPECT_EQ(PathAfter("/api", "/api"), std::string_view(""));
  EXPECT_EQ(PathAfter("/apis", "/api"), std::nullopt);
}

}  // namespace
}  // namespace hearth
