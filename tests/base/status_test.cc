#include "base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hearth {
namespace {

constexpr Code kAllCodes[] = {
    Code::kOk,
    Code::kCancelled,
    Code::kUnknown,
    Code::kInvalidArgument,
    Code::kDeadlineExceeded,
    Code::kNotFound,
    Code::kAlreadyExists,
    Code::kPermissionDenied,
    Code::kResourceExhausted,
    Code::kFailedPrecondition,
    Code::kAborted,
    Code::kOutOfRange,
    Code::kUnimplemented,
    Code::kInternal,
    Code::kUnavailable,
    Code::kDataLoss,
    Code::kUnauthenticated,
};

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, CarriesCodeAndMessage) {
  Status s(Code::kNotFound, "no such document");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "no such document");
  EXPECT_EQ(s.ToString(), "not-found: no such document");
}

TEST(Status, HelperConstructorsSetTheirCodes) {
  EXPECT_EQ(InvalidArgument("m").code(), Code::kInvalidArgument);
  EXPECT_EQ(NotFound("m").code(), Code::kNotFound);
  EXPECT_EQ(AlreadyExists("m").code(), Code::kAlreadyExists);
  EXPECT_EQ(FailedPrecondition("m").code(), Code::kFailedPrecondition);
  EXPECT_EQ(Internal("m").code(), Code::kInternal);
  EXPECT_EQ(Unavailable("m").code(), Code::kUnavailable);
  EXPECT_EQ(Unauthenticated("m").code(), Code::kUnauthenticated);
  EXPECT_EQ(PermissionDenied("m").code(), Code::kPermissionDenied);
  EXPECT_EQ(ResourceExhausted("m").code(), Code::kResourceExhausted);
  EXPECT_EQ(Aborted("m").code(), Code::kAborted);
  EXPECT_EQ(InvalidArgument("field depth exceeds 20").ToString(),
            "invalid-argument: field depth exceeds 20");
}

TEST(Status, CodeNameForEveryCode) {
  EXPECT_EQ(CodeName(Code::kOk), "ok");
  EXPECT_EQ(CodeName(Code::kCancelled), "cancelled");
  EXPECT_EQ(CodeName(Code::kUnknown), "unknown");
  EXPECT_EQ(CodeName(Code::kInvalidArgument), "invalid-argument");
  EXPECT_EQ(CodeName(Code::kDeadlineExceeded), "deadline-exceeded");
  EXPECT_EQ(CodeName(Code::kNotFound), "not-found");
  EXPECT_EQ(CodeName(Code::kAlreadyExists), "already-exists");
  EXPECT_EQ(CodeName(Code::kPermissionDenied), "permission-denied");
  EXPECT_EQ(CodeName(Code::kResourceExhausted), "resource-exhausted");
  EXPECT_EQ(CodeName(Code::kFailedPrecondition), "failed-precondition");
  EXPECT_EQ(CodeName(Code::kAborted), "aborted");
  EXPECT_EQ(CodeName(Code::kOutOfRange), "out-of-range");
  EXPECT_EQ(CodeName(Code::kUnimplemented), "unimplemented");
  EXPECT_EQ(CodeName(Code::kInternal), "internal");
  EXPECT_EQ(CodeName(Code::kUnavailable), "unavailable");
  EXPECT_EQ(CodeName(Code::kDataLoss), "data-loss");
  EXPECT_EQ(CodeName(Code::kUnauthenticated), "unauthenticated");
}

TEST(Status, CodeNamesAreDistinct) {
  std::set<std::string_view> names;
  for (Code c : kAllCodes) names.insert(CodeName(c));
  EXPECT_EQ(names.size(), std::size(kAllCodes));
}

TEST(Status, HttpStatusForEveryCode) {
  EXPECT_EQ(HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(HttpStatusFor(Code::kCancelled), 499);
  EXPECT_EQ(HttpStatusFor(Code::kUnknown), 500);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(Code::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFor(Code::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(Code::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusFor(Code::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthenticated), 401);
}

TEST(Status, EveryErrorCodeMapsToAnErrorHttpStatus) {
  for (Code c : kAllCodes) {
    int http = HttpStatusFor(c);
    if (c == Code::kOk) {
      EXPECT_EQ(http, 200);
    } else {
      EXPECT_GE(http, 400) << CodeName(c);
      EXPECT_LT(http, 600) << CodeName(c);
    }
  }
}

TEST(Result, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(Result, HoldsError) {
  Result<std::string> r = NotFound("gone");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "gone");
}

TEST(Result, ArrowAndMoveOut) {
  Result<std::string> r = std::string("hello");
  EXPECT_EQ(r->size(), 5u);
  std::string taken = std::move(r).value();
  EXPECT_EQ(taken, "hello");
}

TEST(Result, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

// --- macros ---

int g_evaluations = 0;

Status Succeed() {
  ++g_evaluations;
  return Status::Ok();
}
Status Fail(Code code) {
  ++g_evaluations;
  return Status(code, "failed");
}

Status TwoSteps(bool fail_first, bool fail_second, std::vector<int>* trace) {
  RETURN_IF_ERROR(fail_first ? Fail(Code::kAborted) : Succeed());
  trace->push_back(1);
  RETURN_IF_ERROR(fail_second ? Fail(Code::kNotFound) : Succeed());
  trace->push_back(2);
  return Status::Ok();
}

TEST(StatusMacros, ReturnIfErrorStopsAtFirstError) {
  std::vector<int> trace;
  g_evaluations = 0;
  Status s = TwoSteps(true, false, &trace);
  EXPECT_EQ(s.code(), Code::kAborted);
  EXPECT_TRUE(trace.empty());
  EXPECT_EQ(g_evaluations, 1);  // the expression is evaluated once, the rest skipped

  trace.clear();
  g_evaluations = 0;
  s = TwoSteps(false, true, &trace);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(trace, std::vector<int>({1}));
  EXPECT_EQ(g_evaluations, 2);

  trace.clear();
  s = TwoSteps(false, false, &trace);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(trace, std::vector<int>({1, 2}));
}

TEST(StatusMacros, ReturnIfErrorInsideUnbracedIf) {
  auto f = [](bool check, bool fail) -> Status {
    if (check)
      RETURN_IF_ERROR(fail ? Fail(Code::kInternal) : Status::Ok());
    else
      return Status(Code::kCancelled, "not checked");
    return Status::Ok();
  };
  EXPECT_EQ(f(true, true).code(), Code::kInternal);
  EXPECT_TRUE(f(true, false).ok());
  EXPECT_EQ(f(false, false).code(), Code::kCancelled);
}

Result<int> ParsePositive(int x) {
  if (x <= 0) return InvalidArgument("not positive: " + std::to_string(x));
  return x;
}

Result<int> SumOfTwo(int a, int b) {
  ASSIGN_OR_RETURN(int x, ParsePositive(a));
  ASSIGN_OR_RETURN(int y, ParsePositive(b));  // a second use in the same scope compiles
  return x + y;
}

Status AssignExisting(int a, int* out) {
  int value = -1;
  ASSIGN_OR_RETURN(value, ParsePositive(a));
  *out = value;
  return Status::Ok();
}

Result<std::unique_ptr<int>> MakeBox(int v) {
  if (v < 0) return Internal("negative");
  return std::make_unique<int>(v);
}

Result<int> Unbox(int v) {
  ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(v));
  return *box * 2;
}

TEST(StatusMacros, AssignOrReturn) {
  Result<int> ok = SumOfTwo(2, 3);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);

  Result<int> bad_first = SumOfTwo(-1, 3);
  EXPECT_EQ(bad_first.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad_first.status().message(), "not positive: -1");

  Result<int> bad_second = SumOfTwo(1, 0);
  EXPECT_EQ(bad_second.status().message(), "not positive: 0");
}

TEST(StatusMacros, AssignOrReturnToExistingVariableAndStatusFunction) {
  int out = 0;
  EXPECT_TRUE(AssignExisting(9, &out).ok());
  EXPECT_EQ(out, 9);
  out = 0;
  Status s = AssignExisting(-9, &out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(out, 0);
}

TEST(StatusMacros, AssignOrReturnMovesMoveOnlyValues) {
  Result<int> r = Unbox(21);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(Unbox(-1).status().code(), Code::kInternal);
}

}  // namespace
}  // namespace hearth
