#include "model/path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::model {
namespace {

using Segments = std::vector<std::string>;
using namespace std::string_literals;

ResourcePath MustParse(std::string_view text) {
  Result<ResourcePath> r = ResourcePath::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : ResourcePath();
}

void ExpectRejected(std::string_view text) {
  Result<ResourcePath> r = ResourcePath::Parse(text);
  EXPECT_FALSE(r.ok()) << "accepted '" << text << "'";
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << text;
    EXPECT_FALSE(r.status().message().empty());
  }
}

TEST(ResourcePath, ParsesSegments) {
  EXPECT_EQ(MustParse("posts").segments(), Segments({"posts"}));
  EXPECT_EQ(MustParse("posts/abc").segments(), Segments({"posts", "abc"}));
  EXPECT_EQ(MustParse("users/u1/posts/p9").segments(), Segments({"users", "u1", "posts", "p9"}));
  EXPECT_EQ(MustParse("a b/\xc3\xa9t\xc3\xa9").segments(), Segments({"a b", "\xc3\xa9t\xc3\xa9"}));
  EXPECT_EQ(MustParse("x/..a/a..").segments(), Segments({"x", "..a", "a.."}));
  EXPECT_EQ(MustParse("c/__x").segments(), Segments({"c", "__x"}));
  EXPECT_EQ(MustParse("c/x__").segments(), Segments({"c", "x__"}));
  EXPECT_EQ(MustParse("c/___").segments(), Segments({"c", "___"}));  // too short to be __.*__
}

TEST(ResourcePath, EmptyStringIsRoot) {
  ResourcePath root = MustParse("");
  EXPECT_TRUE(root.empty());
  EXPECT_EQ(root.size(), 0u);
  EXPECT_FALSE(root.IsDocument());
  EXPECT_FALSE(root.IsCollection());
  EXPECT_EQ(root.ToString(), "");
}

TEST(ResourcePath, RejectsEmptySegments) {
  ExpectRejected("a//b");
  ExpectRejected("/a/b");
  ExpectRejected("a/b/");
  ExpectRejected("/");
  ExpectRejected("//");
}

TEST(ResourcePath, RejectsDotSegments) {
  ExpectRejected(".");
  ExpectRejected("..");
  ExpectRejected("a/.");
  ExpectRejected("a/../b");
}

TEST(ResourcePath, RejectsReservedIds) {
  ExpectRejected("__x__");
  ExpectRejected("c/__x__");
  ExpectRejected("c/____");
  ExpectRejected("c/__.*__");
}

TEST(ResourcePath, IdLengthLimit) {
  std::string id1500(1500, 'a');
  std::string id1501(1501, 'a');
  EXPECT_EQ(MustParse("c/" + id1500).LastSegment(), id1500);
  ExpectRejected("c/" + id1501);
  EXPECT_TRUE(ValidateId(id1500).ok());
  EXPECT_FALSE(ValidateId(id1501).ok());
  // Bytes, not characters: 750 two-byte characters fit, 751 do not.
  std::string e750, e751;
  for (int i = 0; i < 750; ++i) e750 += "\xc3\xa9";
  e751 = e750 + "\xc3\xa9";
  EXPECT_TRUE(ValidateId(e750).ok());
  EXPECT_FALSE(ValidateId(e751).ok());
}

TEST(ResourcePath, WholePathLengthLimit) {
  // 6 KiB of canonical form is the limit; build paths from 1000-byte IDs.
  std::string id(1000, 'x');
  std::string path = id;
  for (int i = 0; i < 5; ++i) path += "/" + id;  // 6005 bytes
  EXPECT_TRUE(ResourcePath::Parse(path).ok());
  std::string exact = path + "/" + std::string(6144 - path.size() - 1, 'y');
  ASSERT_EQ(exact.size(), 6144u);
  EXPECT_TRUE(ResourcePath::Parse(exact).ok());
  ExpectRejected(exact + "y");
}

TEST(ResourcePath, RejectsInvalidUtf8) {
  ExpectRejected("c/\xff");
  ExpectRejected("c/\xc3");
  ExpectRejected("c/\xed\xa0\x80");  // surrogate
  ExpectRejected("\xc0\xafx/y");     // overlong '/'
}

TEST(ValidateId, Rules) {
  EXPECT_TRUE(ValidateId("abc").ok());
  EXPECT_TRUE(ValidateId("a.b").ok());
  EXPECT_TRUE(ValidateId("...").ok());
  EXPECT_TRUE(ValidateId("\0"s).ok());  // valid UTF-8
  EXPECT_EQ(ValidateId("").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateId(".").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateId("..").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateId("a/b").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateId("__id__").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateId("\xfe").code(), Code::kInvalidArgument);
}

TEST(ResourcePath, FromSegmentsValidates) {
  Result<ResourcePath> ok = ResourcePath::FromSegments({"users", "u1"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ToString(), "users/u1");
  EXPECT_FALSE(ResourcePath::FromSegments({"users", ""}).ok());
  EXPECT_FALSE(ResourcePath::FromSegments({"a/b"}).ok());
  EXPECT_FALSE(ResourcePath::FromSegments({"c", ".."}).ok());
  EXPECT_FALSE(ResourcePath::FromSegments({"__c__"}).ok());
  std::vector<std::string> seven(7, std::string(1000, 'z'));  // 7006 bytes joined
  EXPECT_FALSE(ResourcePath::FromSegments(seven).ok());
  std::vector<std::string> exact(6, std::string(1000, 'z'));
  exact.push_back(std::string(6144 - 6005 - 1, 'q'));  // joined: exactly 6144 bytes
  EXPECT_TRUE(ResourcePath::FromSegments(exact).ok());
  exact.back().push_back('q');
  EXPECT_FALSE(ResourcePath::FromSegments(exact).ok());
}

TEST(ResourcePath, DocumentsAndCollections) {
  EXPECT_TRUE(MustParse("posts").IsCollection());
  EXPECT_FALSE(MustParse("posts").IsDocument());
  EXPECT_TRUE(MustParse("posts/abc").IsDocument());
  EXPECT_FALSE(MustParse("posts/abc").IsCollection());
  EXPECT_TRUE(MustParse("users/u1/posts").IsCollection());
  EXPECT_TRUE(MustParse("users/u1/posts/p1").IsDocument());
}

TEST(ResourcePath, ParentChildAndToString) {
  ResourcePath doc = MustParse("users/u1/posts/p1");
  EXPECT_EQ(doc.ToString(), "users/u1/posts/p1");
  EXPECT_EQ(doc.LastSegment(), "p1");
  ResourcePath coll = doc.Parent();
  EXPECT_EQ(coll.ToString(), "users/u1/posts");
  EXPECT_TRUE(coll.IsCollection());
  EXPECT_EQ(coll.Parent().ToString(), "users/u1");
  EXPECT_EQ(coll.Parent().Parent().Parent().ToString(), "");
  EXPECT_TRUE(coll.Parent().Parent().Parent().Parent().empty());  // root's parent is root
  EXPECT_EQ(coll.Child("p2").ToString(), "users/u1/posts/p2");
  EXPECT_EQ(coll.Child("p1"), doc);
  EXPECT_EQ(ResourcePath().Child("top").ToString(), "top");
  EXPECT_EQ(doc.Parent(), MustParse("users/u1/posts"));
  EXPECT_FALSE(doc == coll);
}

TEST(ResourcePath, ToStringRoundTrips) {
  for (std::string_view text : {"a", "a/b", "a b/c d/\xf0\x9f\x98\x80/x", "x/y/z/w/v/u"}) {
    EXPECT_EQ(MustParse(text).ToString(), text);
    EXPECT_EQ(MustParse(MustParse(text).ToString()), MustParse(text));
  }
}

TEST(ComparePaths, SegmentWise) {
  auto cmp = [](std::string_view a, std::string_view b) {
    return ComparePaths(MustParse(a), MustParse(b));
  };
  EXPECT_EQ(cmp("a/b", "a/b"), 0);
  EXPECT_EQ(cmp("a/b", "a/b/c"), -1);
  EXPECT_EQ(cmp("a/b/c", "a/b"), 1);
  EXPECT_EQ(cmp("a/b/c", "a/ba"), -1);
  EXPECT_EQ(cmp("a/b/c", "a/b!"), -1);  // flat comparison would say the opposite
  EXPECT_EQ(cmp("coll/doc", "coll-x/doc"), -1);
  EXPECT_EQ(cmp("b", "a/z"), 1);
  EXPECT_EQ(cmp("", "a"), -1);
  EXPECT_EQ(cmp("", ""), 0);
  EXPECT_EQ(cmp("a/\xc3\xa9", "a/z"), 1);  // UTF-8 bytes, unsigned
  EXPECT_EQ(cmp("a/B", "a/a"), -1);
}

}  // namespace
}  // namespace hearth::model
